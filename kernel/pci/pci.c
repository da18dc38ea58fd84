// SPDX-License-Identifier: GPL-2.0
/*
 * mapdev_pci: the BARs, config space and interrupt of a PCI function, for
 * a driver in user space (the job of uio_pci_generic, sysfs resourceN and
 * VFIO), on top of mapdev core.
 *
 * It binds to nothing by itself: bind a function with
 *   echo VENDOR DEVICE > /sys/bus/pci/drivers/mapdev_pci/new_id
 * or driver_override.  The function becomes /dev/mapdev/pci-DDDD:BB:DD.F:
 *
 *   region 0-5  BAR N: memory BARs are mapped (uncached, or write-combined
 *               when prefetchable and asked for), I/O BARs are read and
 *               written; an absent BAR is empty
 *   region 6    "config": config space, read; writes reach only the
 *               command register's bus master bit
 *   region 7    "irq": MSI-X when the function has it, one vector until
 *               user space asks for more (MAPDEV_PCI_IOC_IRQS), each with
 *               its count, wait, mask and eventfd; else MSI (both turn
 *               bus mastering on: an MSI is a memory write); else INTx
 *               masked with the PCI 2.3 disable bit until user space
 *               unmasks it
 *
 * The MSI-X table and PBA are the kernel's: user space mapping their BAR
 * gets their pages read-only only, and write() there fails EACCES, so it
 * cannot redirect a vector's message (the lesson VFIO learnt).
 *
 * Whoever opens the node can make the function read and write memory, so
 * opening it takes CAP_SYS_RAWIO (as VFIO's no-IOMMU mode), BAR mappings
 * and writes and config writes honour lockdown (LOCKDOWN_PCI_ACCESS, as
 * sysfs resourceN and config), and binding a function no IOMMU translates
 * for taints the kernel (TAINT_USER).
 *
 * Buffers for the function's DMA (MAPDEV_PCI_IOC_BUF_CREATE) are
 * /dev/mapdev/NAME and go away with it; one is destroyed by itself only
 * while the function cannot master (EBUSY otherwise: the device may hold
 * its address).  Unbind, remove or rmmod revoke every mapping (SIGBUS),
 * wake every waiter (ENODEV), and clear bus mastering before the buffers
 * are freed.
 */
#include <linux/dma-mapping.h>
#include <linux/interrupt.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/slab.h>

#include "mapdev_compat.h"
#include "mapdev_core.h"

#define DRV_NAME "mapdev_pci"
#define MPCI_CONFIG_REGION	6
#define MPCI_DEFAULT_DMA_BITS	32

enum mpci_irq_mode {
	MPCI_IRQ_AUTO, MPCI_IRQ_MSI, MPCI_IRQ_INTX, MPCI_IRQ_NONE, MPCI_IRQ_MSIX
};

static const char * const irq_mode_names[] = {
	[MPCI_IRQ_AUTO] = "auto",
	[MPCI_IRQ_MSI] = "msi",
	[MPCI_IRQ_INTX] = "intx",
	[MPCI_IRQ_NONE] = "none",
	[MPCI_IRQ_MSIX] = "msix",
};

static int irq_mode = MPCI_IRQ_AUTO;

static int irq_mode_set(const char *val, const struct kernel_param *kp)
{
	int i = sysfs_match_string(irq_mode_names, val);

	if (i < 0)
		return -EINVAL;
	WRITE_ONCE(irq_mode, i);
	return 0;
}

static int irq_mode_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s\n", irq_mode_names[READ_ONCE(irq_mode)]);
}

static const struct kernel_param_ops irq_mode_ops = {
	.set = irq_mode_set,
	.get = irq_mode_get,
};
module_param_cb(irq_mode, &irq_mode_ops, NULL, 0644);
MODULE_PARM_DESC(irq_mode, "interrupts of functions bound from now on: auto (MSI-X, else MSI, else INTx; default), msix, msi, intx or none");

struct mpci_buf {
	struct list_head node;
	struct mapdev_device *md;
};

struct mpci;

/* One MSI-X vector. */
struct mpci_vec {
	struct mpci *mp;
	unsigned int index;
	int irq;		/* Linux irq */
	bool enabled;		/* not masked by user space */
};

/*
 * @cmd_lock: the command register's read-modify-writes: user space's bus
 *	master bit, INTx masking (user space's and the handler's)
 * @master_lock: a change of the bus master bit by user space, and a buffer
 *	destroy that checks the bit is clear (so it stays clear until the
 *	buffer is gone)
 */
struct mpci {
	struct pci_dev *pdev;
	struct mapdev_device *md;
	void __iomem *io[PCI_STD_NUM_BARS];	/* I/O port BARs */
	int irq;				/* Linux irq (of vector 0), or -1 */
	bool msi;
	bool msix;
	bool irq_enabled;			/* MSI: not disabled by user */
	bool irq_dead;				/* torn down: no more vectors */
	struct mpci_vec *vecs;			/* MSI-X: nvec_max of them */
	unsigned int nvec;			/* MSI-X: vectors allocated */
	unsigned int nvec_max;			/* MSI-X: the table's size */
	struct mutex lock;			/* bufs, irq state (teardown) */
	struct list_head bufs;
	spinlock_t cmd_lock;			/* see above */
	struct mutex master_lock;		/* see above */
};

/* -- interrupts -------------------------------------------------------------- */

static irqreturn_t mpci_msi_handler(int irq, void *data)
{
	struct mpci *mp = data;

	mapdev_irq_signal(mp->md);
	return IRQ_HANDLED;
}

/* INTx, maybe shared: ours only when the function says so; then mask it. */
static irqreturn_t mpci_intx_handler(int irq, void *data)
{
	struct mpci *mp = data;
	bool ours;

	spin_lock(&mp->cmd_lock);
	ours = pci_check_and_mask_intx(mp->pdev);
	spin_unlock(&mp->cmd_lock);
	if (!ours)
		return IRQ_NONE;
	mapdev_irq_signal(mp->md);
	return IRQ_HANDLED;
}

/* INTX_DISABLE, against the other writers of the command register. */
static void mpci_intx(struct mpci *mp, bool enable)
{
	unsigned long flags;

	spin_lock_irqsave(&mp->cmd_lock, flags);
	pci_intx(mp->pdev, enable);
	spin_unlock_irqrestore(&mp->cmd_lock, flags);
}

/* An MSI-X vector: its own count, waiters and eventfd. */
static irqreturn_t mpci_msix_handler(int irq, void *data)
{
	struct mpci_vec *v = data;

	mapdev_irq_signal_vector(v->mp->md, v->index);
	return IRQ_HANDLED;
}

/* MSI-X: free every vector (under mp->lock, or in probe/remove). */
static void mpci_msix_free(struct mpci *mp)
{
	unsigned int i;

	for (i = 0; i < mp->nvec; i++) {
		if (!mp->vecs[i].enabled)
			enable_irq(mp->vecs[i].irq);	/* balanced for free_irq */
		free_irq(mp->vecs[i].irq, &mp->vecs[i]);
	}
	pci_free_irq_vectors(mp->pdev);
	mp->nvec = 0;
	mp->irq = -1;
}

/* MSI-X: allocate and request @n vectors, all unmasked. */
static int mpci_msix_alloc(struct mpci *mp, unsigned int n)
{
	struct pci_dev *pdev = mp->pdev;
	unsigned int i;
	int ret;

	ret = pci_alloc_irq_vectors(pdev, n, n, PCI_IRQ_MSIX);
	if (ret < 0)
		return ret;
	for (i = 0; i < n; i++) {
		struct mpci_vec *v = &mp->vecs[i];

		v->mp = mp;
		v->index = i;
		v->irq = pci_irq_vector(pdev, i);
		v->enabled = true;
		ret = request_irq(v->irq, mpci_msix_handler, 0, DRV_NAME, v);
		if (ret)
			goto err_free;
		mp->nvec = i + 1;
	}
	mp->irq = mp->vecs[0].irq;
	return 0;

err_free:
	mpci_msix_free(mp);
	return ret;
}

/*
 * MAPDEV_PCI_IRQS_F_SET on MSI-X, under mp->lock: free the vectors and
 * allocate @n; when that fails, the old number again.
 */
static int mpci_msix_set_count(struct mpci *mp, unsigned int n)
{
	unsigned int old = mp->nvec;
	int ret;

	lockdep_assert_held(&mp->lock);
	if (n == old)
		return 0;
	mpci_msix_free(mp);
	ret = mpci_msix_alloc(mp, n);
	if (ret) {
		pci_info_ratelimited(mp->pdev, "MSI-X: %u vectors: %d; keeping %u\n",
				     n, ret, old);
		if (mpci_msix_alloc(mp, old)) {
			pci_err(mp->pdev, "MSI-X: cannot get %u vectors back; no interrupts\n",
				old);
			mp->irq_dead = true;
			return ret;
		}
		n = old;
	}
	mapdev_irq_set_active(mp->md, n);
	return ret;
}

/* Under mp->lock, as the teardown: never an irq being freed, or freed. */
static int mpci_irq_vector_control(struct mapdev_device *md,
				   unsigned int vector, bool enable)
{
	struct mpci *mp = md->priv;
	struct mpci_vec *v;
	int ret = 0;

	mutex_lock(&mp->lock);
	if (mp->irq < 0 || mp->irq_dead) {
		/* Torn down: the function is going away. */
		ret = -ENODEV;
	} else if (mp->msix) {
		if (vector >= mp->nvec) {
			ret = -ENXIO;
		} else {
			v = &mp->vecs[vector];
			if (enable && !v->enabled)
				enable_irq(v->irq);
			else if (!enable && v->enabled)
				disable_irq(v->irq);
			v->enabled = enable;
		}
	} else if (vector) {
		ret = -ENXIO;
	} else if (!mp->msi) {
		mpci_intx(mp, enable);
	} else {
		if (enable && !mp->irq_enabled)
			enable_irq(mp->irq);
		else if (!enable && mp->irq_enabled)
			disable_irq(mp->irq);
		mp->irq_enabled = enable;
	}
	mutex_unlock(&mp->lock);
	return ret;
}

static int mpci_msix_setup(struct mpci *mp)
{
	struct pci_dev *pdev = mp->pdev;
	int n, ret;

	n = pci_msix_vec_count(pdev);
	if (n < 0)
		return n;
	mp->vecs = kcalloc(n, sizeof(*mp->vecs), GFP_KERNEL);
	if (!mp->vecs)
		return -ENOMEM;
	mp->nvec_max = n;
	ret = mpci_msix_alloc(mp, 1);
	if (ret) {
		pci_err(pdev, "MSI-X: %d; try irq_mode=msi or intx\n", ret);
		kfree(mp->vecs);
		mp->vecs = NULL;
		return ret;
	}
	mp->msix = true;
	/* An MSI-X message is a memory write by the function too. */
	pci_set_master(pdev);
	return 0;
}

static int mpci_irq_setup(struct mpci *mp)
{
	struct pci_dev *pdev = mp->pdev;
	int mode = READ_ONCE(irq_mode), ret;

	mp->irq = -1;
	if (mode == MPCI_IRQ_NONE)
		return 0;
	if ((mode == MPCI_IRQ_AUTO && pdev->msix_cap) || mode == MPCI_IRQ_MSIX)
		return mpci_msix_setup(mp);
	if ((mode == MPCI_IRQ_AUTO && pdev->msi_cap) || mode == MPCI_IRQ_MSI) {
		ret = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_MSI);
		if (ret < 0) {
			pci_err(pdev, "MSI: %d; try irq_mode=intx\n", ret);
			return ret;
		}
		mp->irq = pci_irq_vector(pdev, 0);
		ret = request_irq(mp->irq, mpci_msi_handler, 0, DRV_NAME, mp);
		if (ret) {
			pci_free_irq_vectors(pdev);
			mp->irq = -1;
			return ret;
		}
		mp->msi = true;
		mp->irq_enabled = true;
		/* An MSI is a memory write by the function: it needs this. */
		pci_set_master(pdev);
		return 0;
	}
	if (!pdev->irq) {
		if (mode == MPCI_IRQ_INTX)
			pci_err(pdev, "no INTx line\n");
		return mode == MPCI_IRQ_INTX ? -ENODEV : 0;
	}
	if (!pci_intx_mask_supported(pdev)) {
		pci_warn(pdev, "INTx cannot be masked (no PCI 2.3 disable bit); no interrupts\n");
		return mode == MPCI_IRQ_INTX ? -ENODEV : 0;
	}
	ret = request_irq(pdev->irq, mpci_intx_handler, IRQF_SHARED, DRV_NAME, mp);
	if (ret)
		return ret;
	mp->irq = pdev->irq;
	return 0;
}

static void mpci_irq_teardown(struct mpci *mp)
{
	mutex_lock(&mp->lock);
	mp->irq_dead = true;
	if (mp->msix) {
		mpci_msix_free(mp);
		goto out;
	}
	if (mp->irq < 0)
		goto out;
	if (mp->msi && !mp->irq_enabled)
		enable_irq(mp->irq);	/* free_irq wants it balanced */
	free_irq(mp->irq, mp);
	if (mp->msi)
		pci_free_irq_vectors(mp->pdev);
	else
		mpci_intx(mp, false);
	mp->irq = -1;
out:
	mutex_unlock(&mp->lock);
}

/* -- config space and I/O BARs ------------------------------------------------ */

static ssize_t mpci_config_read(struct pci_dev *pdev, u8 *kbuf, size_t n,
				u64 off)
{
	size_t done = 0;
	int ret = 0;

	while (done < n) {
		unsigned int pos = off + done;

		if (!(pos & 3) && n - done >= 4) {
			u32 v;

			ret = pci_user_read_config_dword(pdev, pos, &v);
			put_unaligned_le32(v, kbuf + done);
			done += 4;
		} else if (!(pos & 1) && n - done >= 2) {
			u16 v;

			ret = pci_user_read_config_word(pdev, pos, &v);
			put_unaligned_le16(v, kbuf + done);
			done += 2;
		} else {
			ret = pci_user_read_config_byte(pdev, pos, kbuf + done);
			done += 1;
		}
		if (ret)
			return -EIO;
	}
	return done;
}

/*
 * Only the bus master bit of the command register; the rest must match,
 * but for INTX_DISABLE, which is the driver's (INTx masking changes it
 * whenever it likes): it keeps its current value.
 */
static ssize_t mpci_config_write(struct mpci *mp, const u8 *kbuf, size_t n,
				 u64 off)
{
	struct pci_dev *pdev = mp->pdev;
	unsigned long flags;
	ssize_t ret = n;
	u16 cmd, want;

	if (off != PCI_COMMAND || (n != 1 && n != 2))
		return -EPERM;
	mutex_lock(&mp->master_lock);
	spin_lock_irqsave(&mp->cmd_lock, flags);
	if (pci_read_config_word(pdev, PCI_COMMAND, &cmd)) {
		ret = -EIO;
	} else {
		want = n == 2 ? get_unaligned_le16(kbuf) : (cmd & 0xff00) | kbuf[0];
		if ((want ^ cmd) & ~(PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE))
			ret = -EPERM;
		else if (want & PCI_COMMAND_MASTER)
			pci_set_master(pdev);
		else
			pci_clear_master(pdev);
	}
	spin_unlock_irqrestore(&mp->cmd_lock, flags);
	mutex_unlock(&mp->master_lock);
	return ret;
}

static ssize_t mpci_ioport_rw(void __iomem *io, u8 *kbuf, size_t n, u64 off,
			      bool write)
{
	size_t done;

	for (done = 0; done < n; done++) {
		if (write)
			iowrite8(kbuf[done], io + off + done);
		else
			kbuf[done] = ioread8(io + off + done);
	}
	return n;
}

static ssize_t mpci_region_rw(struct mapdev_device *md, unsigned int index,
			      void *kbuf, size_t count, u64 off, bool write)
{
	struct mpci *mp = md->priv;

	if (index == MPCI_CONFIG_REGION)
		return write ? mpci_config_write(mp, kbuf, count, off) :
			       mpci_config_read(mp->pdev, kbuf, count, off);
	if (index < PCI_STD_NUM_BARS && mp->io[index])
		return mpci_ioport_rw(mp->io[index], kbuf, count, off, write);
	return -EINVAL;
}

/* -- DMA buffers and mask ----------------------------------------------------- */

static long mpci_buf_create(struct mpci *mp, struct mapdev_buf_create *c)
{
	struct mapdev_device *bmd;
	struct mpci_buf *b;

	if (c->flags || c->pci_domain || c->pci_bdf || c->reserved ||
	    strnlen(c->name, sizeof(c->name)) == sizeof(c->name))
		return -EINVAL;
	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		return -ENOMEM;
	bmd = mapdev_buffer_device_create(&mp->pdev->dev, &mp->pdev->dev,
					  DRV_NAME, c->name, c->size, c->backend,
					  c->cache);
	if (IS_ERR(bmd)) {
		kfree(b);
		return PTR_ERR(bmd);
	}
	b->md = bmd;
	mutex_lock(&mp->lock);
	list_add_tail(&b->node, &mp->bufs);
	mutex_unlock(&mp->lock);
	return 0;
}

/*
 * The function may hold the buffer's DMA address: while it can master,
 * the pages must not go back to the allocator.  So EBUSY until user space
 * clears bus mastering, and master_lock keeps it clear until the buffer
 * is gone.
 */
static long mpci_buf_destroy(struct mpci *mp, struct mapdev_buf_destroy *d)
{
	struct mpci_buf *b, *found = NULL;
	long ret = 0;
	u16 cmd;

	if (d->flags || strnlen(d->name, sizeof(d->name)) == sizeof(d->name))
		return -EINVAL;
	mutex_lock(&mp->master_lock);
	mutex_lock(&mp->lock);
	list_for_each_entry(b, &mp->bufs, node) {
		if (!strcmp(dev_name(&b->md->dev), d->name)) {
			found = b;
			break;
		}
	}
	if (!found) {
		ret = -ENOENT;
	} else if (pci_read_config_word(mp->pdev, PCI_COMMAND, &cmd)) {
		ret = -EIO;
	} else if (cmd & PCI_COMMAND_MASTER) {
		pci_info_ratelimited(mp->pdev, "%s: not destroyed: the function can master (bus master bit set) and may hold its DMA address; clear bus mastering first\n",
				     d->name);
		ret = -EBUSY;
	} else {
		list_del(&found->node);
	}
	mutex_unlock(&mp->lock);
	if (!ret) {
		mapdev_device_unregister(found->md);
		kfree(found);
	}
	mutex_unlock(&mp->master_lock);
	return ret;
}

static void mpci_buf_destroy_all(struct mpci *mp)
{
	struct mpci_buf *b, *tmp;

	list_for_each_entry_safe(b, tmp, &mp->bufs, node) {
		list_del(&b->node);
		mapdev_device_unregister(b->md);
		kfree(b);
	}
}

static long mpci_set_dma_mask(struct mpci *mp, struct mapdev_pci_dma_mask *m)
{
	if (m->flags || m->reserved || m->bits < 12 || m->bits > 64)
		return -EINVAL;
	return dma_set_mask_and_coherent(&mp->pdev->dev, DMA_BIT_MASK(m->bits));
}

/* Where the MSI-X table (@pba false) or PBA is: BAR, offset, bytes. */
static void mpci_msix_where(struct pci_dev *pdev, unsigned int nvec, bool pba,
			    u32 *bar, u64 *off, u64 *len)
{
	u32 v = 0;

	pci_read_config_dword(pdev, pdev->msix_cap +
			      (pba ? PCI_MSIX_PBA : PCI_MSIX_TABLE), &v);
	*bar = v & PCI_MSIX_TABLE_BIR;
	*off = v & PCI_MSIX_TABLE_OFFSET;
	*len = pba ? DIV_ROUND_UP(nvec, 64) * 8 : nvec * PCI_MSIX_ENTRY_SIZE;
}

static long mpci_irqs(struct mpci *mp, struct mapdev_pci_irqs *a)
{
	struct pci_dev *pdev = mp->pdev;
	long ret = 0;

	if ((a->flags & ~MAPDEV_PCI_IRQS_F_SET) || a->reserved)
		return -EINVAL;
	mutex_lock(&mp->lock);
	a->max = mp->msix ? mp->nvec_max : mp->irq >= 0;
	if (a->flags & MAPDEV_PCI_IRQS_F_SET) {
		if (!a->count)
			ret = -EINVAL;
		else if (a->count > a->max)
			ret = -ERANGE;
		else if (mp->irq_dead)
			ret = -ENODEV;
		else if (mp->msix)
			ret = mpci_msix_set_count(mp, a->count);
	}
	a->type = mp->msix ? MAPDEV_IRQ_TYPE_MSIX : mp->irq < 0 ?
		  MAPDEV_IRQ_TYPE_NONE : mp->msi ? MAPDEV_IRQ_TYPE_MSI :
		  MAPDEV_IRQ_TYPE_INTX;
	a->count = mp->msix ? mp->nvec : mp->irq >= 0;
	mutex_unlock(&mp->lock);
	a->table_bar = 0;
	a->pba_bar = 0;
	a->table_offset = 0;
	a->table_size = 0;
	a->pba_offset = 0;
	a->pba_size = 0;
	if (pdev->msix_cap) {
		unsigned int n = pci_msix_vec_count(pdev);

		mpci_msix_where(pdev, n, false, &a->table_bar, &a->table_offset,
				&a->table_size);
		mpci_msix_where(pdev, n, true, &a->pba_bar, &a->pba_offset,
				&a->pba_size);
	}
	return ret;
}

static long mpci_ioctl(struct mapdev_device *md, struct file *file,
		       unsigned int cmd, void *arg, struct mapdev_ioctl_out *out)
{
	struct mpci *mp = md->priv;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	switch (cmd) {
	case MAPDEV_PCI_IOC_BUF_CREATE:
		return mpci_buf_create(mp, arg);
	case MAPDEV_PCI_IOC_BUF_DESTROY:
		return mpci_buf_destroy(mp, arg);
	case MAPDEV_PCI_IOC_IRQS:
		return mpci_irqs(mp, arg);
	default:
		return mpci_set_dma_mask(mp, arg);
	}
}

#define MPCI_IOCTL(c, type, last) \
	{ .cmd = c, .size = sizeof(type), .minsz = offsetofend(type, last) }

static const struct mapdev_ioctl_desc mpci_ioctls[] = {
	MPCI_IOCTL(MAPDEV_PCI_IOC_BUF_CREATE, struct mapdev_buf_create, name),
	MPCI_IOCTL(MAPDEV_PCI_IOC_BUF_DESTROY, struct mapdev_buf_destroy, name),
	MPCI_IOCTL(MAPDEV_PCI_IOC_SET_DMA_MASK, struct mapdev_pci_dma_mask, bits),
	{ .cmd = MAPDEV_PCI_IOC_IRQS, .size = sizeof(struct mapdev_pci_irqs),
	  .minsz = offsetofend(struct mapdev_pci_irqs, pba_size), .out = true },
	{ }
};

static const struct mapdev_ops mpci_ops = {
	.ioctls = mpci_ioctls,
	.ioctl = mpci_ioctl,
	.region_rw = mpci_region_rw,
	.irq_vector_control = mpci_irq_vector_control,
};

/* -- probe and remove --------------------------------------------------------- */

static int mpci_add_bars(struct mpci *mp)
{
	struct pci_dev *pdev = mp->pdev;
	char name[8];
	int bar, ret;

	for (bar = 0; bar < PCI_STD_NUM_BARS; bar++) {
		unsigned long flags = pci_resource_flags(pdev, bar);
		u64 len = pci_resource_len(pdev, bar);

		snprintf(name, sizeof(name), "bar%d", bar);
		if (len && (flags & IORESOURCE_MEM)) {
			u32 rflags = MAPDEV_REGION_F_WRITE;

			if (flags & IORESOURCE_PREFETCH)
				rflags |= MAPDEV_REGION_F_PREFETCH;
			ret = mapdev_device_add_iomem(mp->md, name,
						      pci_resource_start(pdev, bar),
						      len, rflags,
						      MAPDEV_CACHE_UNCACHED);
		} else if (len && (flags & IORESOURCE_IO)) {
			mp->io[bar] = pci_iomap(pdev, bar, 0);
			if (!mp->io[bar])
				return -ENOMEM;
			ret = mapdev_device_add_rw(mp->md, name, len,
						   MAPDEV_REGION_F_READ |
						   MAPDEV_REGION_F_WRITE);
		} else {
			/* Absent (or the upper half of a 64-bit BAR): empty. */
			ret = mapdev_device_add_rw(mp->md, name, 0, 0);
		}
		if (ret != bar)
			return ret < 0 ? ret : -EINVAL;
	}
	return 0;
}

/* The MSI-X table and PBA: never written by user space (see the top). */
static int mpci_protect_msix(struct mpci *mp)
{
	struct pci_dev *pdev = mp->pdev;
	int n, i, ret;
	u64 off, len;
	u32 bar;

	if (!pdev->msix_cap)
		return 0;
	n = pci_msix_vec_count(pdev);
	if (n < 0)
		return n;
	for (i = 0; i < 2; i++) {
		mpci_msix_where(pdev, n, i, &bar, &off, &len);
		ret = bar < PCI_STD_NUM_BARS ?
		      mapdev_region_protect(mp->md, bar, off, len) : -EINVAL;
		if (ret) {
			pci_err(pdev, "MSI-X %s at BAR %u offset %#llx: not in a memory BAR\n",
				i ? "PBA" : "table", bar, off);
			return ret;
		}
	}
	return 0;
}

static void mpci_unmap_io(struct mpci *mp)
{
	int bar;

	for (bar = 0; bar < PCI_STD_NUM_BARS; bar++)
		if (mp->io[bar])
			pci_iounmap(mp->pdev, mp->io[bar]);
}

static int mpci_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct mpci *mp;
	int ret;

	mp = kzalloc(sizeof(*mp), GFP_KERNEL);
	if (!mp)
		return -ENOMEM;
	mp->pdev = pdev;
	mp->irq = -1;
	mutex_init(&mp->lock);
	mutex_init(&mp->master_lock);
	spin_lock_init(&mp->cmd_lock);
	INIT_LIST_HEAD(&mp->bufs);

	ret = pci_enable_device(pdev);
	if (ret)
		goto err_free;
	ret = pci_request_regions(pdev, DRV_NAME);
	if (ret)
		goto err_disable;
	/* Until user space says how wide its DMA is, the PCI default. */
	ret = dma_set_mask_and_coherent(&pdev->dev,
					DMA_BIT_MASK(MPCI_DEFAULT_DMA_BITS));
	if (ret)
		goto err_release;
	/* A buffer an IOMMU maps as one IOVA range is one segment, any size. */
	ret = mapdev_dma_set_max_seg_size(&pdev->dev, UINT_MAX);
	if (ret)
		goto err_release;

	mp->md = mapdev_device_alloc(&pdev->dev, DRV_NAME, &mpci_ops, "pci-%s",
				     pci_name(pdev));
	if (IS_ERR(mp->md)) {
		ret = PTR_ERR(mp->md);
		goto err_release;
	}
	mp->md->priv = mp;
	mp->md->open_cap = CAP_SYS_RAWIO;
	mp->md->raw_lockdown = LOCKDOWN_PCI_ACCESS;
	ret = mpci_add_bars(mp);
	if (ret)
		goto err_md;
	ret = mapdev_device_add_rw(mp->md, "config", pdev->cfg_size,
				   MAPDEV_REGION_F_READ | MAPDEV_REGION_F_WRITE);
	if (ret != MPCI_CONFIG_REGION) {
		ret = ret < 0 ? ret : -EINVAL;
		goto err_md;
	}
	ret = mpci_protect_msix(mp);
	if (ret)
		goto err_md;
	ret = mpci_irq_setup(mp);
	if (ret)
		goto err_md;
	if (mp->irq >= 0) {
		ret = mapdev_device_add_irqs(mp->md, mp->msix ? mp->nvec_max : 1);
		if (ret < 0)
			goto err_irq;
	}
	ret = mapdev_device_register(mp->md);
	if (ret)
		goto err_irq;
	pci_set_drvdata(pdev, mp);
	pci_info(pdev, "/dev/mapdev/%s, interrupts: %s\n", dev_name(&mp->md->dev),
		 mp->irq < 0 ? "none" : mp->msix ? "MSI-X" : mp->msi ? "MSI" :
		 "INTx");
	if (!mapdev_dma_translated(&pdev->dev)) {
		pci_warn(pdev, "no IOMMU translation: whoever opens /dev/mapdev/%s can make it read and write all memory; tainting the kernel\n",
			 dev_name(&mp->md->dev));
		add_taint(TAINT_USER, LOCKDEP_STILL_OK);
	}
	return 0;

err_irq:
	mpci_irq_teardown(mp);
err_md:
	mapdev_device_unregister(mp->md);
	mpci_unmap_io(mp);
	kfree(mp->vecs);
err_release:
	pci_release_regions(pdev);
err_disable:
	pci_disable_device(pdev);
err_free:
	kfree(mp);
	return ret;
}

static void mpci_remove(struct pci_dev *pdev)
{
	struct mpci *mp = pci_get_drvdata(pdev);

	/* No more interrupts reach the device object... */
	mpci_irq_teardown(mp);
	/* ...then revoke mappings, wake waiters, wait for ops in progress. */
	mapdev_device_unregister(mp->md);
	/*
	 * User space can no longer program the function; stop any DMA it
	 * started before its buffers are freed (they go now, not when the
	 * last mapping does: their DMA mappings belong to this binding).
	 */
	pci_clear_master(pdev);
	mpci_buf_destroy_all(mp);
	mpci_unmap_io(mp);
	pci_release_regions(pdev);
	pci_disable_device(pdev);
	kfree(mp->vecs);
	kfree(mp);
}

/*
 * No ID table at all, as uio_pci_generic: bind with driver_override or
 * new_id (which refuses IDs when a table exists but has no match).
 */
static struct pci_driver mpci_driver = {
	.name = DRV_NAME,
	.id_table = NULL,
	.probe = mpci_probe,
	.remove = mpci_remove,
};
module_pci_driver(mpci_driver);

MODULE_DESCRIPTION("mapdev_pci: PCI BARs, config space and interrupts for user-space drivers");
MODULE_AUTHOR("mapdev developers");
MODULE_LICENSE("GPL");
