// SPDX-License-Identifier: GPL-2.0
/*
 * mapdev core: character devices whose regions user space maps.
 *
 * Every mapdev device is /dev/mapdev/NAME in class "mapdev".  Its open files
 * share one private inode, so unmap_mapping_range() on that inode reaches
 * every mapping of the device: that is how a device that goes away revokes
 * what user space mapped.
 *
 * Liveness: md->dead is set once, under md->lock, by unregister.  Faults,
 * copies and ioctls check it inside an SRCU read section (mapdev_srcu), and
 * unregister waits for those with synchronize_srcu() before it zaps the
 * mappings and drops the memory.  Driver ioctls run under md->ops_lock
 * instead, so a driver may unregister another device from one.
 */
#include <linux/cdev.h>
#include <linux/ctype.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/pseudo_fs.h>
#include <linux/slab.h>
#include <linux/srcu.h>
#include <linux/uaccess.h>

#include "mapdev_compat.h"
#include "mapdev_core.h"

#define MAPDEV_MAX_MINORS	4096
#define MAPDEV_FS_MAGIC		0x6d617064	/* "mapd" */

DEFINE_SRCU(mapdev_srcu);

static dev_t mapdev_devt;
static struct class *mapdev_class;
static DEFINE_IDA(mapdev_minors);
static DEFINE_MUTEX(mapdev_names_lock);	/* name check + device_add */
static struct vfsmount *mapdev_mnt;

/*
 * Two lockdep classes of md->ops_lock.  A driver's ioctl runs under its
 * device's ops_lock and may unregister a buffer device (buf-control's
 * DESTROY, a PCI function's BUF_DESTROY), which takes that device's
 * ops_lock.  Devices without driver ops never hold theirs while taking
 * another's, so there is no cycle; one class would make lockdep see
 * recursion.
 */
static struct lock_class_key mapdev_ops_lock_driver;
static struct lock_class_key mapdev_ops_lock_plain;

/* -- names --------------------------------------------------------------- */

/**
 * mapdev_check_name() - check a user-chosen device name
 * @name: NUL-terminated
 *
 * A name is 1 to MAPDEV_NAME_LEN - 1 characters of [A-Za-z0-9_.-], not
 * starting with '.' or '-': it becomes a file name under /dev/mapdev.
 *
 * Return: 0 or -EINVAL.
 */
int mapdev_check_name(const char *name)
{
	size_t i, len = strnlen(name, MAPDEV_NAME_LEN);

	if (!len || len >= MAPDEV_NAME_LEN || name[0] == '.' || name[0] == '-')
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (!isascii(name[i]) ||
		    (!isalnum(name[i]) && !strchr("_.-", name[i])))
			return -EINVAL;
	return 0;
}
EXPORT_SYMBOL_GPL(mapdev_check_name);

/* -- ioctl argument helpers ------------------------------------------------ */

/*
 * Copies an argsz-led struct in: argsz must cover @minsz, bytes past what
 * the kernel knows must be zero (copy_struct_from_user() says E2BIG).
 */
static int mapdev_arg_in(void *karg, size_t ksize, size_t minsz,
			 unsigned long arg)
{
	u32 argsz;
	int ret;

	if (get_user(argsz, (u32 __user *)arg))
		return -EFAULT;
	if (argsz < minsz)
		return -EINVAL;
	ret = copy_struct_from_user(karg, ksize, (void __user *)arg, argsz);
	return ret == -E2BIG ? -EINVAL : ret;
}

static int mapdev_arg_out(unsigned long arg, const void *karg, size_t ksize)
{
	u32 argsz;

	if (get_user(argsz, (u32 __user *)arg))
		return -EFAULT;
	return copy_to_user((void __user *)arg, karg, min_t(size_t, argsz, ksize)) ?
		-EFAULT : 0;
}

/**
 * mapdev_ioctl_arg_in() - copy in an ioctl argument that starts with argsz
 * @karg: kernel struct, filled and zero-padded
 * @ksize: its size
 * @minsz: the bytes the ioctl needs at least (offsetofend of the last field)
 * @arg: the user pointer
 *
 * Return: 0, -EFAULT, or -EINVAL (argsz too small, unknown non-zero tail).
 */
int mapdev_ioctl_arg_in(void *karg, size_t ksize, size_t minsz,
			unsigned long arg)
{
	return mapdev_arg_in(karg, ksize, minsz, arg);
}
EXPORT_SYMBOL_GPL(mapdev_ioctl_arg_in);

/**
 * mapdev_ioctl_arg_out() - copy an argument back, at most argsz bytes
 * @arg: the user pointer
 * @karg: the kernel struct
 * @ksize: its size
 *
 * Return: 0 or -EFAULT.
 */
int mapdev_ioctl_arg_out(unsigned long arg, const void *karg, size_t ksize)
{
	return mapdev_arg_out(arg, karg, ksize);
}
EXPORT_SYMBOL_GPL(mapdev_ioctl_arg_out);

/* -- core ioctls ----------------------------------------------------------- */

static long mapdev_ioctl_info(struct mapdev_device *md, unsigned long arg)
{
	struct mapdev_info info;
	int ret;

	ret = mapdev_arg_in(&info, sizeof(info),
			    offsetofend(struct mapdev_info, flags), arg);
	if (ret)
		return ret;
	if (info.flags || info.reserved)
		return -EINVAL;
	info.num_regions = md->nr_regions;
	strscpy(info.name, dev_name(&md->dev), sizeof(info.name));
	strscpy(info.driver, md->driver, sizeof(info.driver));
	return mapdev_arg_out(arg, &info, sizeof(info));
}

static long mapdev_ioctl_region_info(struct mapdev_device *md,
				     unsigned long arg)
{
	struct mapdev_region_info in, ri = {};
	struct mapdev_region *r;
	int ret;

	ret = mapdev_arg_in(&in, sizeof(in),
			    offsetofend(struct mapdev_region_info, index), arg);
	if (ret)
		return ret;
	if (in.flags || in.index >= md->nr_regions)
		return -EINVAL;
	r = &md->regions[in.index];
	ri.argsz = in.argsz;
	ri.index = in.index;
	ri.flags = r->flags;
	ri.cache = r->cache;
	ri.size = r->size;
	ri.offset = MAPDEV_REGION_OFFSET(ri.index);
	strscpy(ri.name, r->name, sizeof(ri.name));
	ri.backend = mapdev_region_backend(r);
	if (r->buf) {
		ri.nr_segments = mapdev_buffer_nr_segments(r->buf);
		if (capable(CAP_SYS_ADMIN))
			ri.dma_addr = mapdev_buffer_dma_addr(r->buf);
	}
	return mapdev_arg_out(arg, &ri, sizeof(ri));
}

/**
 * mapdev_region_sync() - sync part of a buffer region for the CPU or device
 * @md: the device
 * @index: region index
 * @offset: first byte in the region
 * @size: bytes, 0 for "to the end"
 * @direction: enum mapdev_dir
 * @for_device: true to hand it to the device
 *
 * Return: 0 or -EINVAL (no such buffer region, bad direction or range).
 */
int mapdev_region_sync(struct mapdev_device *md, u32 index, u64 offset,
		       u64 size, u32 direction, bool for_device)
{
	struct mapdev_region *r;

	if (index >= md->nr_regions || !md->regions[index].buf)
		return -EINVAL;
	if (direction > MAPDEV_DIR_FROM_DEVICE)
		return -EINVAL;
	r = &md->regions[index];
	if (offset > r->size)
		return -EINVAL;
	if (!size)
		size = r->size - offset;
	return mapdev_buffer_sync(r->buf, offset, size,
				  (enum dma_data_direction)direction,
				  for_device);
}

static long mapdev_ioctl_sync(struct mapdev_device *md, unsigned long arg)
{
	struct mapdev_sync s;
	int ret;

	ret = mapdev_arg_in(&s, sizeof(s), offsetofend(struct mapdev_sync, size),
			    arg);
	if (ret)
		return ret;
	if (s.flags != MAPDEV_SYNC_FOR_CPU && s.flags != MAPDEV_SYNC_FOR_DEVICE)
		return -EINVAL;
	return mapdev_region_sync(md, s.index, s.offset, s.size, s.direction,
				  s.flags == MAPDEV_SYNC_FOR_DEVICE);
}

static long mapdev_ioctl_dma_segments(struct mapdev_device *md,
				      unsigned long arg)
{
	struct mapdev_dma_segment __user *useg;
	struct mapdev_dma_segments ds;
	struct mapdev_dma_segment seg;
	struct mapdev_buffer *buf;
	struct scatterlist *sg;
	unsigned int i;
	u64 off = 0;
	int ret;

	ret = mapdev_arg_in(&ds, sizeof(ds),
			    offsetofend(struct mapdev_dma_segments, segments), arg);
	if (ret)
		return ret;
	if (ds.flags || ds.reserved || ds.index >= md->nr_regions)
		return -EINVAL;
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	buf = md->regions[ds.index].buf;
	if (!buf)
		return -EINVAL;
	ds.total = mapdev_buffer_nr_segments(buf);
	useg = u64_to_user_ptr(ds.segments);
	if (buf->backend == MAPDEV_BACKEND_COHERENT) {
		if (ds.count) {
			seg = (struct mapdev_dma_segment){
				.dma_addr = buf->dma_handle, .len = buf->size,
			};
			if (copy_to_user(useg, &seg, sizeof(seg)))
				return -EFAULT;
		}
	} else {
		for_each_sgtable_dma_sg(&buf->sgt, sg, i) {
			if (i >= ds.count)
				break;
			seg = (struct mapdev_dma_segment){
				.dma_addr = sg_dma_address(sg),
				.offset = off, .len = sg_dma_len(sg),
			};
			if (copy_to_user(useg + i, &seg, sizeof(seg)))
				return -EFAULT;
			off += sg_dma_len(sg);
		}
	}
	return mapdev_arg_out(arg, &ds, sizeof(ds));
}

static long mapdev_ioctl_set_cache(struct mapdev_device *md,
				   unsigned long arg)
{
	struct mapdev_set_cache sc;
	struct mapdev_region *r;
	int ret;

	ret = mapdev_arg_in(&sc, sizeof(sc),
			    offsetofend(struct mapdev_set_cache, cache), arg);
	if (ret)
		return ret;
	if (sc.flags || sc.index >= md->nr_regions || sc.cache > MAPDEV_CACHE_MAX)
		return -EINVAL;
	r = &md->regions[sc.index];
	if (!(r->flags & MAPDEV_REGION_F_MMAP))
		return -EINVAL;
	mutex_lock(&md->lock);
	if (atomic_read(&r->map_count))
		ret = -EBUSY;
	else if (r->type == MAPDEV_REGION_IOMEM)
		ret = mapdev_iomem_set_cache(r, sc.cache);
	else
		r->cache = sc.cache;	/* the pages follow at the next mmap */
	mutex_unlock(&md->lock);
	return ret;
}

/* The ioctls of every device; -ENOIOCTLCMD for the driver's. */
static long mapdev_core_ioctl(struct mapdev_device *md, unsigned int cmd,
			      unsigned long arg)
{
	switch (cmd) {
	case MAPDEV_IOC_INFO:
		return mapdev_ioctl_info(md, arg);
	case MAPDEV_IOC_REGION_INFO:
		return mapdev_ioctl_region_info(md, arg);
	case MAPDEV_IOC_SYNC:
		return mapdev_ioctl_sync(md, arg);
	case MAPDEV_IOC_DMA_SEGMENTS:
		return mapdev_ioctl_dma_segments(md, arg);
	case MAPDEV_IOC_SET_CACHE:
		return mapdev_ioctl_set_cache(md, arg);
	case MAPDEV_IOC_SET_EVENTFD:
		return mapdev_irq_set_eventfd(md, arg);
	}
	return -ENOIOCTLCMD;
}

static long mapdev_ioctl(struct file *file, unsigned int cmd,
			 unsigned long arg)
{
	struct mapdev_file *mf = file->private_data;
	struct mapdev_device *md = mf->md;
	long ret;
	int idx;

	idx = srcu_read_lock(&mapdev_srcu);
	ret = READ_ONCE(md->dead) ? -ENODEV : mapdev_core_ioctl(md, cmd, arg);
	srcu_read_unlock(&mapdev_srcu, idx);
	if (ret != -ENOIOCTLCMD)
		return ret;

	mapdev_race_delay();
	if (!md->ops || !md->ops->ioctl)
		return -ENOTTY;
	down_read(&md->ops_lock);
	ret = md->dead ? -ENODEV : md->ops->ioctl(md, file, cmd, arg);
	up_read(&md->ops_lock);
	return ret;
}

/* -- read/write: the copy path ------------------------------------------- */

/* Buffer regions: straight between the pages and user space. */
static ssize_t mapdev_rw_buffer(struct mapdev_region *r, char __user *ubuf,
				size_t count, u64 off, bool write)
{
	struct mapdev_buffer *buf = r->buf;
	size_t done = 0;

	while (done < count) {
		struct page *page = buf->pages[(off + done) >> PAGE_SHIFT];
		size_t poff = offset_in_page(off + done);
		size_t n = min_t(size_t, count - done, PAGE_SIZE - poff);
		void *kaddr = page_address(page) + poff;
		unsigned long left;

		left = write ? copy_from_user(kaddr, ubuf + done, n) :
			       copy_to_user(ubuf + done, kaddr, n);
		done += n - left;
		if (left || fatal_signal_pending(current))
			break;
		cond_resched();
	}
	return done ? done : -EFAULT;
}

/*
 * Device memory: an access of 1, 2, 4 or 8 aligned bytes is one access of
 * that width (registers care); anything else is copied in pieces.
 */
static void mapdev_io_copy(void *kbuf, void __iomem *io, size_t n, bool write)
{
	bool aligned = IS_ALIGNED((unsigned long)io, n);

	switch (aligned ? n : 0) {
	case 1:
		if (write)
			writeb(*(u8 *)kbuf, io);
		else
			*(u8 *)kbuf = readb(io);
		return;
	case 2:
		if (write)
			writew(*(u16 *)kbuf, io);
		else
			*(u16 *)kbuf = readw(io);
		return;
	case 4:
		if (write)
			writel(*(u32 *)kbuf, io);
		else
			*(u32 *)kbuf = readl(io);
		return;
#ifdef CONFIG_64BIT
	case 8:
		if (write)
			writeq(*(u64 *)kbuf, io);
		else
			*(u64 *)kbuf = readq(io);
		return;
#endif
	}
	if (write)
		memcpy_toio(io, kbuf, n);
	else
		memcpy_fromio(kbuf, io, n);
}

/*
 * Device memory and driver regions go through a bounce page: no user
 * access happens under md->lock (mmap takes it under mmap_lock) or inside
 * a driver op.
 */
static ssize_t mapdev_rw_bounce(struct mapdev_device *md, unsigned int index,
				char __user *ubuf, size_t count, u64 off,
				bool write)
{
	struct mapdev_region *r = &md->regions[index];
	size_t done = 0;
	ssize_t ret = 0;
	void *kbuf;

	kbuf = (void *)__get_free_page(GFP_KERNEL);
	if (!kbuf)
		return -ENOMEM;
	while (done < count) {
		size_t n = min_t(size_t, count - done, PAGE_SIZE);

		if (write && copy_from_user(kbuf, ubuf + done, n)) {
			ret = -EFAULT;
			break;
		}
		if (r->type == MAPDEV_REGION_IOMEM) {
			/* Unregister sets dead under md->lock before iounmap. */
			mutex_lock(&md->lock);
			if (md->dead) {
				ret = -ENODEV;
			} else {
				mapdev_io_copy(kbuf, r->kva + off + done, n, write);
				ret = n;
			}
			mutex_unlock(&md->lock);
			if (ret < 0)
				break;
		} else {
			down_read(&md->ops_lock);
			ret = READ_ONCE(md->dead) ? -ENODEV :
			      md->ops->region_rw(md, index, kbuf, n, off + done,
						 write);
			up_read(&md->ops_lock);
			if (ret <= 0)
				break;
			n = ret;
		}
		if (!write && copy_to_user(ubuf + done, kbuf, n)) {
			ret = -EFAULT;
			break;
		}
		done += n;
		if (fatal_signal_pending(current))
			break;
	}
	free_page((unsigned long)kbuf);
	return done ? done : ret;
}

static ssize_t mapdev_rw(struct file *file, char __user *ubuf, size_t count,
			 loff_t *ppos, bool write)
{
	struct mapdev_file *mf = file->private_data;
	struct mapdev_device *md = mf->md;
	loff_t pos = *ppos;
	struct mapdev_region *r;
	u64 index, off;
	ssize_t ret;
	int idx;

	if (pos < 0)
		return -EINVAL;
	index = (u64)pos >> MAPDEV_REGION_SHIFT;
	off = (u64)pos & (MAPDEV_REGION_OFFSET(1) - 1);
	if (READ_ONCE(md->dead))
		return -ENODEV;
	if (index >= md->nr_regions)
		return write ? -ENOSPC : 0;
	r = &md->regions[index];
	if (!(r->flags & (write ? MAPDEV_REGION_F_WRITE : MAPDEV_REGION_F_READ)))
		return -EPERM;
	if (r->type == MAPDEV_REGION_IRQ) {
		if (off)
			return -EINVAL;
		return write ? mapdev_irq_write(md, ubuf, count) :
			       mapdev_irq_read(mf, ubuf, count,
					       file->f_flags & O_NONBLOCK);
	}
	if (off >= r->size)
		return (write && count) ? -ENOSPC : 0;
	count = min_t(u64, count, r->size - off);
	if (!count)
		return 0;
	mapdev_race_delay();

	if (r->type != MAPDEV_REGION_BUFFER) {
		ret = mapdev_rw_bounce(md, index, ubuf, count, off, write);
	} else {
		idx = srcu_read_lock(&mapdev_srcu);
		ret = READ_ONCE(md->dead) ? -ENODEV :
		      mapdev_rw_buffer(r, ubuf, count, off, write);
		srcu_read_unlock(&mapdev_srcu, idx);
	}
	if (ret > 0)
		*ppos = pos + ret;
	return ret;
}

static ssize_t mapdev_read(struct file *file, char __user *ubuf, size_t count,
			   loff_t *ppos)
{
	return mapdev_rw(file, ubuf, count, ppos, false);
}

static ssize_t mapdev_write(struct file *file, const char __user *ubuf,
			    size_t count, loff_t *ppos)
{
	return mapdev_rw(file, (char __user *)ubuf, count, ppos, true);
}

static loff_t mapdev_llseek(struct file *file, loff_t offset, int whence)
{
	struct mapdev_device *md = ((struct mapdev_file *)file->private_data)->md;
	loff_t eof = md->nr_regions ? md->regions[0].size : 0;

	return generic_file_llseek_size(file, offset, whence,
					MAPDEV_REGION_OFFSET(MAPDEV_MAX_REGIONS),
					eof);
}

static __poll_t mapdev_poll(struct file *file, poll_table *wait)
{
	return mapdev_irq_poll(file->private_data, file, wait);
}

static int mapdev_open(struct inode *inode, struct file *file)
{
	struct mapdev_device *md = container_of(inode->i_cdev,
						struct mapdev_device, cdev);
	struct mapdev_file *mf;

	if (READ_ONCE(md->dead))
		return -ENODEV;
	if (md->open_cap >= 0 && !capable(md->open_cap))
		return -EPERM;
	mf = kzalloc(sizeof(*mf), GFP_KERNEL);
	if (!mf)
		return -ENOMEM;
	mf->md = md;
	mf->irq_seen = atomic_read(&md->irq.count);
	get_device(&md->dev);
	file->private_data = mf;
	/* All files of the device share one address_space: see revocation. */
	file->f_mapping = md->inode->i_mapping;
	atomic_inc(&md->open_count);
	return 0;
}

static int mapdev_release(struct inode *inode, struct file *file)
{
	struct mapdev_file *mf = file->private_data;
	struct mapdev_device *md = mf->md;

	kfree(mf);
	atomic_dec(&md->open_count);
	put_device(&md->dev);
	return 0;
}

static const struct file_operations mapdev_fops = {
	.owner = THIS_MODULE,
	.open = mapdev_open,
	.release = mapdev_release,
	.read = mapdev_read,
	.write = mapdev_write,
	.llseek = mapdev_llseek,
	.mmap = mapdev_mmap,
	.get_unmapped_area = mapdev_get_unmapped_area,	/* 2 MiB-aligned */
	.poll = mapdev_poll,
	.unlocked_ioctl = mapdev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

/* -- device lifetime ------------------------------------------------------- */

static void mapdev_device_release(struct device *dev)
{
	struct mapdev_device *md = to_mapdev_device(dev);

	if (md->inode)
		iput(md->inode);
	if (MINOR(dev->devt) || MAJOR(dev->devt))
		ida_free(&mapdev_minors, MINOR(dev->devt));
	mapdev_stats_device(-1);
	kfree(md);
}

/**
 * mapdev_device_alloc() - start a new mapdev device
 * @parent: the parent device (e.g. the PCI device), or NULL
 * @driver: the driver's name, reported by MAPDEV_IOC_INFO
 * @ops: driver callbacks, or NULL
 * @fmt: printf format of the device name (/dev/mapdev/NAME)
 *
 * Add regions, then mapdev_device_register().  Whether registered or not,
 * end it with mapdev_device_unregister().
 *
 * Return: the device or an ERR_PTR (-ENOMEM, -ENOSPC when out of minors).
 */
struct mapdev_device *mapdev_device_alloc(struct device *parent,
					  const char *driver,
					  const struct mapdev_ops *ops,
					  const char *fmt, ...)
{
	struct mapdev_device *md;
	va_list ap;
	char *name;
	int minor, ret;

	md = kzalloc(sizeof(*md), GFP_KERNEL);
	if (!md)
		return ERR_PTR(-ENOMEM);
	mutex_init(&md->lock);
	init_rwsem(&md->ops_lock);
	if (ops)
		lockdep_set_class_and_name(&md->ops_lock, &mapdev_ops_lock_driver,
					   "mapdev_driver_device_ops");
	else
		lockdep_set_class_and_name(&md->ops_lock, &mapdev_ops_lock_plain,
					   "mapdev_device_ops");
	md->irq_index = -1;
	md->open_cap = -1;
	init_waitqueue_head(&md->irq.wait);
	spin_lock_init(&md->irq.lock);
	md->ops = ops;
	strscpy(md->driver, driver, sizeof(md->driver));
	device_initialize(&md->dev);
	md->dev.class = mapdev_class;
	md->dev.parent = parent;
	md->dev.release = mapdev_device_release;
	mapdev_stats_device(1);

	va_start(ap, fmt);
	name = kvasprintf(GFP_KERNEL, fmt, ap);
	va_end(ap);
	if (!name) {
		ret = -ENOMEM;
		goto err_put;
	}
	ret = dev_set_name(&md->dev, "%s", name);
	kfree(name);
	if (ret)
		goto err_put;

	minor = ida_alloc_max(&mapdev_minors, MAPDEV_MAX_MINORS - 1, GFP_KERNEL);
	if (minor < 0) {
		ret = minor == -ENOMEM ? -ENOMEM : -ENOSPC;
		goto err_put;
	}
	md->dev.devt = MKDEV(MAJOR(mapdev_devt), minor);

	md->inode = alloc_anon_inode(mapdev_mnt->mnt_sb);
	if (IS_ERR(md->inode)) {
		ret = PTR_ERR(md->inode);
		md->inode = NULL;
		goto err_put;
	}
	cdev_init(&md->cdev, &mapdev_fops);
	md->cdev.owner = THIS_MODULE;
	return md;

err_put:
	put_device(&md->dev);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_GPL(mapdev_device_alloc);

/**
 * mapdev_device_register() - make the device visible as /dev/mapdev/NAME
 * @md: the device
 *
 * Return: 0, -EEXIST when a mapdev device of that name exists, or another
 * negative errno from the driver core.
 */
int mapdev_device_register(struct mapdev_device *md)
{
	struct device *other;
	unsigned int i;
	int ret;

	for (i = 0; i < md->nr_regions; i++)
		md->groups[i] = mapdev_region_groups[i];
	md->dev.groups = md->groups;

	mutex_lock(&mapdev_names_lock);
	other = class_find_device_by_name(mapdev_class, dev_name(&md->dev));
	if (other) {
		put_device(other);
		ret = -EEXIST;
		goto out;
	}
	ret = cdev_device_add(&md->cdev, &md->dev);
	if (!ret)
		md->registered = true;
out:
	mutex_unlock(&mapdev_names_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(mapdev_device_register);

/**
 * mapdev_device_unregister() - revoke and remove a device
 * @md: the device, registered or not
 *
 * After this returns, no open file reaches the device's memory or the
 * driver's ops: every mapping is zapped (later touches get SIGBUS),
 * read/write/ioctl return -ENODEV.  The regions' buffers are put (freed
 * unless the driver holds another reference): nothing in user space
 * reaches them any more.  Drops the caller's reference.
 *
 * Context: may sleep; must not be called from a mapdev fault or copy.
 */
void mapdev_device_unregister(struct mapdev_device *md)
{
	unsigned int i;

	mutex_lock(&md->lock);
	WRITE_ONCE(md->dead, true);
	mutex_unlock(&md->lock);
	mapdev_irq_shutdown(md);
	/* Wait for faults, copies and core ioctls that saw it alive... */
	synchronize_srcu(&mapdev_srcu);
	/* ...and for driver ioctls. */
	down_write(&md->ops_lock);
	up_write(&md->ops_lock);
	unmap_mapping_range(md->inode->i_mapping, 0, 0, 1);

	if (md->registered)
		cdev_device_del(&md->cdev, &md->dev);
	/*
	 * The regions' memory.  Every path to it (fault, ->access, read,
	 * write, sync) checks md->dead inside the SRCU section waited for
	 * above, and the page tables were just zapped: nothing reaches it
	 * now, and r->buf is never dereferenced again.
	 */
	for (i = 0; i < md->nr_regions; i++) {
		struct mapdev_region *r = &md->regions[i];

		mapdev_buffer_put(r->buf);
		if (r->kva)
			iounmap(r->kva);
		r->kva = NULL;
	}
	put_device(&md->dev);
}
EXPORT_SYMBOL_GPL(mapdev_device_unregister);

/* -- module ----------------------------------------------------------------- */

static char *mapdev_devnode(MAPDEV_DEVNODE_DEV *dev, umode_t *mode)
{
	if (mode)
		*mode = 0600;
	return kasprintf(GFP_KERNEL, "mapdev/%s", dev_name(dev));
}

static int mapdev_fs_init_fs_context(struct fs_context *fc)
{
	return init_pseudo(fc, MAPDEV_FS_MAGIC) ? 0 : -ENOMEM;
}

/* No .owner: the module's own mount would pin it forever. */
static struct file_system_type mapdev_fs_type = {
	.name = "mapdev",
	.init_fs_context = mapdev_fs_init_fs_context,
	.kill_sb = kill_anon_super,
};

static int __init mapdev_init(void)
{
	int ret;

	ret = alloc_chrdev_region(&mapdev_devt, 0, MAPDEV_MAX_MINORS, "mapdev");
	if (ret)
		return ret;
	mapdev_class = mapdev_class_create("mapdev");
	if (IS_ERR(mapdev_class)) {
		ret = PTR_ERR(mapdev_class);
		goto err_chrdev;
	}
	mapdev_class->devnode = mapdev_devnode;
	mapdev_class->dev_groups = mapdev_dev_groups;
	mapdev_mnt = kern_mount(&mapdev_fs_type);
	if (IS_ERR(mapdev_mnt)) {
		ret = PTR_ERR(mapdev_mnt);
		goto err_class;
	}
	mapdev_stats_init();
	return 0;

err_class:
	class_destroy(mapdev_class);
err_chrdev:
	unregister_chrdev_region(mapdev_devt, MAPDEV_MAX_MINORS);
	return ret;
}

static void __exit mapdev_exit(void)
{
	mapdev_stats_exit();
	kern_unmount(mapdev_mnt);
	class_destroy(mapdev_class);
	unregister_chrdev_region(mapdev_devt, MAPDEV_MAX_MINORS);
	ida_destroy(&mapdev_minors);
}

module_init(mapdev_init);
module_exit(mapdev_exit);
MODULE_DESCRIPTION("mapdev core: user-space mappable DMA buffers and device memory");
MODULE_AUTHOR("mapdev developers");
MODULE_LICENSE("GPL");
