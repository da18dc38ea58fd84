// SPDX-License-Identifier: GPL-2.0
/*
 * mapdev_buf: DMA buffers that user space maps (the job of u-dma-buf).
 *
 * Buffers come from the module parameter
 *
 *   modprobe mapdev_buf buffers=frames:64M:sg,regs:4K:coherent:uncached
 *
 * (NAME:SIZE[:BACKEND[:CACHE]], SIZE with K/M/G) or at run time through
 * the control device /dev/mapdev/buf-control (MAPDEV_BUF_IOC_CREATE,
 * _DESTROY, _LIST).  Each buffer is /dev/mapdev/NAME; core does the rest.
 * The buffers are allocated and DMA-mapped for a platform device whose DMA
 * mask is dma_bits wide, or, bound to a PCI function (NAME:SIZE:sg@BDF,
 * MAPDEV_BUF_CREATE_F_PCI), for that function whatever driver has it: the
 * DMA address is then the function's view (an IOVA behind an IOMMU).  A
 * bound buffer holds a reference on the pci_dev and is destroyed when a
 * driver binds or unbinds the function, or the function is removed (a bus
 * notifier: before the IOMMU forgets the device, so its DMA mapping is
 * undone in time); it is never exported as a dma-buf, which could outlive
 * that.
 */
#include <linux/dma-mapping.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "mapdev_core.h"
#include "mapdev_compat.h"

#define DRV_NAME "mapdev_buf"

static char *buffers;
module_param(buffers, charp, 0444);
MODULE_PARM_DESC(buffers, "buffers to create at load: NAME:SIZE[:coherent|contig|sg[:cached|uncached|wc]][@PCI-BDF],...");

static unsigned int dma_bits = 64;
module_param(dma_bits, uint, 0444);
MODULE_PARM_DESC(dma_bits, "DMA mask width of the buffers' device, 12 to 64 (default 64)");

/* @pdev: the PCI function a bound buffer is for (a reference), or NULL */
struct buf_entry {
	struct list_head node;
	struct mapdev_device *md;
	struct pci_dev *pdev;
};

static struct platform_device *buf_pdev;
static struct mapdev_device *buf_ctl;
static LIST_HEAD(buf_list);
static DEFINE_MUTEX(buf_lock);	/* buf_list */
static unsigned int buf_count;

static struct buf_entry *buf_find(const char *name)
{
	struct buf_entry *e;

	lockdep_assert_held(&buf_lock);
	list_for_each_entry(e, &buf_list, node)
		if (!strcmp(dev_name(&e->md->dev), name))
			return e;
	return NULL;
}

/*
 * @pdev: NULL, or the PCI function to allocate for (a reference the new
 * buffer takes over; put here on failure).
 */
static int buf_create(const char *name, u64 size, u32 backend, u32 cache,
		      struct pci_dev *pdev)
{
	struct pci_dev *locked = NULL;
	struct mapdev_device *md;
	struct buf_entry *e;
	int ret = 0;

	e = kzalloc(sizeof(*e), GFP_KERNEL);
	if (!e) {
		pci_dev_put(pdev);
		return -ENOMEM;
	}
	/*
	 * No driver binds or unbinds the function while this runs (the
	 * device lock), so the next one's sweep finds the buffer.
	 */
	if (pdev) {
		locked = pci_dev_get(pdev);	/* @pdev's goes to the buffer */
		device_lock(&locked->dev);
	}
	mutex_lock(&buf_lock);
	if (buf_find(name)) {
		ret = -EEXIST;
		goto out;
	}
	/*
	 * Still on its bus, under buf_lock: the function's removal takes it
	 * off the bus before its last sweep (BUS_NOTIFY_REMOVED_DEVICE), so
	 * that sweep comes after this and finds the buffer.
	 */
	if (pdev) {
		struct pci_dev *again;

		again = pci_get_domain_bus_and_slot(pci_domain_nr(pdev->bus),
						    pdev->bus->number, pdev->devfn);
		pci_dev_put(again);
		if (again != pdev) {
			ret = -ENODEV;
			goto out;
		}
	}
	md = mapdev_buffer_device_create(&buf_pdev->dev,
					 pdev ? &pdev->dev : &buf_pdev->dev,
					 DRV_NAME, name, size, backend, cache);
	if (IS_ERR(md)) {
		ret = PTR_ERR(md);
		goto out;
	}
	e->md = md;
	e->pdev = pdev;
	pdev = NULL;
	list_add_tail(&e->node, &buf_list);
	buf_count++;
	e = NULL;
out:
	mutex_unlock(&buf_lock);
	if (locked) {
		device_unlock(&locked->dev);
		pci_dev_put(locked);
	}
	pci_dev_put(pdev);
	kfree(e);
	return ret;
}

static void buf_entry_free(struct buf_entry *e)
{
	mapdev_device_unregister(e->md);
	pci_dev_put(e->pdev);
	kfree(e);
}

static int buf_destroy(const char *name)
{
	struct buf_entry *e;

	mutex_lock(&buf_lock);
	e = buf_find(name);
	if (e) {
		list_del(&e->node);
		buf_count--;
	}
	mutex_unlock(&buf_lock);
	if (!e)
		return -ENOENT;
	buf_entry_free(e);
	return 0;
}

/* A name field from user space must be NUL-terminated inside the array. */
static int buf_user_name(const char *name)
{
	return strnlen(name, MAPDEV_NAME_LEN) < MAPDEV_NAME_LEN ? 0 : -EINVAL;
}

static long buf_ioctl_create(struct mapdev_buf_create *c)
{
	struct pci_dev *pdev = NULL;

	if (c->flags & ~MAPDEV_BUF_CREATE_F_PCI || c->reserved ||
	    buf_user_name(c->name))
		return -EINVAL;
	if (!(c->flags & MAPDEV_BUF_CREATE_F_PCI)) {
		if (c->pci_domain || c->pci_bdf)
			return -EINVAL;
	} else {
		pdev = pci_get_domain_bus_and_slot(c->pci_domain,
						   c->pci_bdf >> 8,
						   c->pci_bdf & 0xff);
		if (!pdev)
			return -ENODEV;
	}
	return buf_create(c->name, c->size, c->backend, c->cache, pdev);
}

static long buf_ioctl_destroy(struct mapdev_buf_destroy *d)
{
	if (d->flags || buf_user_name(d->name))
		return -EINVAL;
	return buf_destroy(d->name);
}

/* The entries go out through @out, once core has let go of every lock. */
static long buf_ioctl_list(struct mapdev_buf_list *l,
			   struct mapdev_ioctl_out *out)
{
	struct mapdev_buf_entry *ent = NULL;
	struct buf_entry *e;
	unsigned int i = 0, n;

	if (l->flags)
		return -EINVAL;
	mutex_lock(&buf_lock);
	n = min(l->count, buf_count);
	if (n) {
		ent = kvcalloc(n, sizeof(*ent), GFP_KERNEL);
		if (!ent) {
			mutex_unlock(&buf_lock);
			return -ENOMEM;
		}
	}
	list_for_each_entry(e, &buf_list, node) {
		struct mapdev_region *r = &e->md->regions[0];

		if (i >= n)
			break;
		strscpy(ent[i].name, dev_name(&e->md->dev), sizeof(ent[i].name));
		ent[i].size = r->size;
		ent[i].backend = r->buf->backend;
		ent[i].cache = r->cache;
		ent[i].map_count = atomic_read(&e->md->map_count);
		ent[i].open_count = atomic_read(&e->md->open_count);
		i++;
	}
	l->total = buf_count;
	mutex_unlock(&buf_lock);
	out->data = ent;
	out->len = i * sizeof(*ent);
	out->to = u64_to_user_ptr(l->entries);
	return 0;
}

static long buf_ctl_ioctl(struct mapdev_device *md, struct file *file,
			  unsigned int cmd, void *arg,
			  struct mapdev_ioctl_out *out)
{
	switch (cmd) {
	case MAPDEV_BUF_IOC_CREATE:
		if (!capable(CAP_SYS_ADMIN))
			return -EPERM;
		return buf_ioctl_create(arg);
	case MAPDEV_BUF_IOC_DESTROY:
		if (!capable(CAP_SYS_ADMIN))
			return -EPERM;
		return buf_ioctl_destroy(arg);
	default:
		return buf_ioctl_list(arg, out);
	}
}

#define BUF_IOCTL(c, type, last, o) \
	{ .cmd = c, .size = sizeof(type), .minsz = offsetofend(type, last), .out = o }

static const struct mapdev_ioctl_desc buf_ctl_ioctls[] = {
	BUF_IOCTL(MAPDEV_BUF_IOC_CREATE, struct mapdev_buf_create, name, false),
	BUF_IOCTL(MAPDEV_BUF_IOC_DESTROY, struct mapdev_buf_destroy, name, false),
	BUF_IOCTL(MAPDEV_BUF_IOC_LIST, struct mapdev_buf_list, entries, true),
	{ }
};

static const struct mapdev_ops buf_ctl_ops = {
	.ioctls = buf_ctl_ioctls,
	.ioctl = buf_ctl_ioctl,
};

static void buf_destroy_all(void)
{
	struct buf_entry *e, *tmp;
	LIST_HEAD(list);

	mutex_lock(&buf_lock);
	list_splice_init(&buf_list, &list);
	buf_count = 0;
	mutex_unlock(&buf_lock);
	list_for_each_entry_safe(e, tmp, &list, node)
		buf_entry_free(e);
}

/*
 * The buffers bound to a function live as long as the function and its
 * binding: a driver letting go of it (BUS_NOTIFY_UNBIND_DRIVER, before
 * its remove: DMA-API debugging holds the driver to account for every
 * allocation left on the device after that), a driver about to take it
 * (BUS_NOTIFY_BIND_DRIVER: it may change how the function's DMA is
 * translated), and the function's removal (BUS_NOTIFY_DEL_DEVICE, and
 * once more once it is off the bus, BUS_NOTIFY_REMOVED_DEVICE, for a
 * buffer created in between) each revoke and free them.  Driver binding
 * holds the device's lock, which buf_create() takes too.  The sweeps run
 * before the IOMMU's own notifier releases the device (a higher
 * priority), so the DMA mappings are undone while they can be.
 */
static int buf_pci_notify(struct notifier_block *nb, unsigned long action,
			  void *data)
{
	struct pci_dev *pdev = to_pci_dev(data);
	struct buf_entry *e, *tmp;
	const char *why;
	LIST_HEAD(list);

	switch (action) {
	case BUS_NOTIFY_UNBIND_DRIVER:
		why = "its driver lets go of the function";
		break;
	case BUS_NOTIFY_BIND_DRIVER:
		why = "a driver takes the function";
		break;
	case BUS_NOTIFY_DEL_DEVICE:
	case BUS_NOTIFY_REMOVED_DEVICE:
		why = "the function is going away";
		break;
	default:
		return NOTIFY_DONE;
	}
	mutex_lock(&buf_lock);
	list_for_each_entry_safe(e, tmp, &buf_list, node) {
		if (e->pdev == pdev) {
			list_move_tail(&e->node, &list);
			buf_count--;
		}
	}
	mutex_unlock(&buf_lock);
	list_for_each_entry_safe(e, tmp, &list, node) {
		dev_info(&pdev->dev, DRV_NAME ": buffer %s destroyed: %s\n",
			 dev_name(&e->md->dev), why);
		buf_entry_free(e);
	}
	return NOTIFY_OK;
}

static struct notifier_block buf_pci_nb = {
	.notifier_call = buf_pci_notify,
	.priority = 1,
};

static const char * const backend_args[] = { "coherent", "contig", "sg" };
static const char * const cache_args[] = { "cached", "uncached", "wc" };

/*
 * The @BDF of a buffers spec: DDDD:BB:DD.F or BB:DD.F, hex.  Return: a
 * reference on the function, or an ERR_PTR (-EINVAL: does not parse,
 * -ENODEV: no such function).
 */
static struct pci_dev *buf_spec_pci(const char *name, const char *bdf)
{
	unsigned int domain = 0, bus, slot, fn;
	struct pci_dev *pdev;
	char end;
	int n;

	/* n: the fields of the long form found, nothing after them. */
	n = sscanf(bdf, "%x:%x:%x.%x%c", &domain, &bus, &slot, &fn, &end);
	if (n != 4) {
		domain = 0;
		n = sscanf(bdf, "%x:%x.%x%c", &bus, &slot, &fn, &end) + 1;
	}
	if (n != 4) {
		pr_err(DRV_NAME ": buffers: %s: bad PCI address '%s' (want DDDD:BB:DD.F, as lspci -D prints)\n",
		       name, bdf);
		return ERR_PTR(-EINVAL);
	}
	if (bus > 0xff || slot > 0x1f || fn > 7) {
		pr_err(DRV_NAME ": buffers: %s: bad PCI address '%s' (bus to ff, device to 1f, function to 7)\n",
		       name, bdf);
		return ERR_PTR(-EINVAL);
	}
	pdev = pci_get_domain_bus_and_slot(domain, bus, PCI_DEVFN(slot, fn));
	if (!pdev) {
		pr_err(DRV_NAME ": buffers: %s: no PCI function %04x:%02x:%02x.%x\n",
		       name, domain, bus, slot, fn);
		return ERR_PTR(-ENODEV);
	}
	return pdev;
}

/* One NAME:SIZE[:BACKEND[:CACHE]][@BDF] of the buffers parameter. */
static int buf_create_from_spec(char *spec)
{
	char *bdf = strchr(spec, '@');
	struct pci_dev *pdev = NULL;
	char *name;

	if (bdf)
		*bdf++ = '\0';
	name = strsep(&spec, ":");
	char *size_s = strsep(&spec, ":");
	char *backend_s = strsep(&spec, ":");
	char *cache_s = strsep(&spec, ":");
	u32 backend = MAPDEV_BACKEND_COHERENT, cache = MAPDEV_CACHE_CACHED;
	unsigned long long size;
	char *end;
	int i, ret;

	if (!size_s || !*size_s || spec) {
		pr_err(DRV_NAME ": buffers: '%s': want NAME:SIZE[:BACKEND[:CACHE]][@BDF]\n",
		       name);
		return -EINVAL;
	}
	size = memparse(size_s, &end);
	if (*end || !size) {
		pr_err(DRV_NAME ": buffers: %s: bad size '%s' (a number with K, M or G)\n",
		       name, size_s);
		return -EINVAL;
	}
	if (backend_s) {
		i = match_string(backend_args, ARRAY_SIZE(backend_args), backend_s);
		if (i < 0) {
			pr_err(DRV_NAME ": buffers: %s: backend '%s' is not coherent, contig or sg\n",
			       name, backend_s);
			return -EINVAL;
		}
		backend = i;
	}
	if (cache_s) {
		i = match_string(cache_args, ARRAY_SIZE(cache_args), cache_s);
		if (i < 0) {
			pr_err(DRV_NAME ": buffers: %s: cache '%s' is not cached, uncached or wc\n",
			       name, cache_s);
			return -EINVAL;
		}
		cache = i;
	}
	if (bdf) {
		pdev = buf_spec_pci(name, bdf);
		if (IS_ERR(pdev))
			return PTR_ERR(pdev);
	}
	ret = buf_create(name, size, backend, cache, pdev);
	if (ret)
		pr_err(DRV_NAME ": buffers: %s: cannot create it: %d%s\n", name, ret,
		       ret == -EINVAL ?
		       " (names are [A-Za-z0-9_.-], up to 31, not starting with buf-, pci- or phys-)" :
		       ret == -EEXIST ? " (the name is taken)" : "");
	return ret;
}

static int __init buf_init(void)
{
	struct platform_device_info pdevinfo = {
		.name = DRV_NAME,
		.id = PLATFORM_DEVID_NONE,
	};
	int ret;

	if (dma_bits < 12 || dma_bits > 64) {
		pr_err(DRV_NAME ": dma_bits=%u: must be 12 to 64\n", dma_bits);
		return -EINVAL;
	}
	pdevinfo.dma_mask = DMA_BIT_MASK(dma_bits);
	buf_pdev = platform_device_register_full(&pdevinfo);
	if (IS_ERR(buf_pdev))
		return PTR_ERR(buf_pdev);
	ret = mapdev_dma_set_max_seg_size(&buf_pdev->dev, UINT_MAX);
	if (ret)
		goto err_pdev;

	buf_ctl = mapdev_device_alloc(&buf_pdev->dev, DRV_NAME, &buf_ctl_ops,
				      "buf-control");
	if (IS_ERR(buf_ctl)) {
		ret = PTR_ERR(buf_ctl);
		goto err_pdev;
	}
	ret = mapdev_device_register(buf_ctl);
	if (ret)
		goto err_ctl;
	ret = bus_register_notifier(&pci_bus_type, &buf_pci_nb);
	if (ret)
		goto err_ctl;

	if (buffers) {
		ret = mapdev_parse_specs(buffers, buf_create_from_spec);
		if (ret)
			goto err_buffers;
	}
	return 0;

err_buffers:
	buf_destroy_all();
	bus_unregister_notifier(&pci_bus_type, &buf_pci_nb);
err_ctl:
	mapdev_device_unregister(buf_ctl);
err_pdev:
	platform_device_unregister(buf_pdev);
	return ret;
}

static void __exit buf_exit(void)
{
	mapdev_device_unregister(buf_ctl);
	bus_unregister_notifier(&pci_bus_type, &buf_pci_nb);
	buf_destroy_all();
	platform_device_unregister(buf_pdev);
}

module_init(buf_init);
module_exit(buf_exit);
MODULE_DESCRIPTION("mapdev_buf: user-space mappable DMA buffers");
MODULE_AUTHOR("mapdev developers");
MODULE_LICENSE("GPL");
