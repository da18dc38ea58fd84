// SPDX-License-Identifier: GPL-2.0
/*
 * ioctls: the dispatch, the argument copies, and the ioctls of every
 * mapdev device.
 *
 * Each ioctl has a descriptor (the struct's size, the bytes it needs, and
 * whether it is copied back): core's own below, a driver's in its
 * mapdev_ops.  The dispatch copies the argument into the kernel first,
 * then runs the ioctl (core's inside md->srcu, a driver's under
 * md->ops_lock, each after checking the device is alive), then copies the
 * results out.  No user memory is touched inside either section, so an
 * argument in memory whose fault never returns holds up no revocation.
 */
#include <linux/capability.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/srcu.h>
#include <linux/uaccess.h>

#include "mapdev_compat.h"
#include "mapdev_core.h"

/* -- argument copies --------------------------------------------------------- */

/*
 * An argsz-led struct in: argsz must cover @minsz and be at most
 * MAPDEV_ARGSZ_MAX (a larger one would have copy_struct_from_user() scan
 * that much user memory for zeroes); bytes past what the kernel knows must
 * be zero.
 */
static int mapdev_arg_in(void *karg, size_t ksize, size_t minsz,
			 const void __user *uarg)
{
	u32 argsz;
	int ret;

	if (get_user(argsz, (const u32 __user *)uarg))
		return -EFAULT;
	if (argsz > MAPDEV_ARGSZ_MAX)
		return -E2BIG;
	if (argsz < minsz)
		return -EINVAL;
	ret = copy_struct_from_user(karg, ksize, uarg, argsz);
	return ret == -E2BIG ? -EINVAL : ret;
}

/* Back out, at most argsz bytes (the argsz user space gave, in @karg). */
static int mapdev_arg_out(void __user *uarg, const void *karg, size_t ksize)
{
	u32 argsz = *(const u32 *)karg;

	return copy_to_user(uarg, karg, min_t(size_t, argsz, ksize)) ?
		-EFAULT : 0;
}

/**
 * mapdev_ioctl_arg_in() - copy in an ioctl argument that starts with argsz
 * @karg: kernel struct, filled and zero-padded
 * @ksize: its size
 * @minsz: the bytes the ioctl needs at least (offsetofend of the last field)
 * @arg: the user pointer
 *
 * For a driver's own file operations: mapdev_ops.ioctl gets its argument
 * copied by core, with these rules.
 *
 * Return: 0, -EFAULT, -E2BIG (argsz over MAPDEV_ARGSZ_MAX), or -EINVAL
 * (argsz too small, unknown non-zero tail).
 */
int mapdev_ioctl_arg_in(void *karg, size_t ksize, size_t minsz,
			unsigned long arg)
{
	return mapdev_arg_in(karg, ksize, minsz, (const void __user *)arg);
}
EXPORT_SYMBOL_GPL(mapdev_ioctl_arg_in);

/**
 * mapdev_ioctl_arg_out() - copy an argument back, at most argsz bytes
 * @arg: the user pointer
 * @karg: the kernel struct, as mapdev_ioctl_arg_in() filled it
 * @ksize: its size
 *
 * Return: 0 or -EFAULT.
 */
int mapdev_ioctl_arg_out(unsigned long arg, const void *karg, size_t ksize)
{
	return mapdev_arg_out((void __user *)arg, karg, ksize);
}
EXPORT_SYMBOL_GPL(mapdev_ioctl_arg_out);

/* -- the ioctls of every device ------------------------------------------------ */

static long mapdev_ioctl_info(struct mapdev_device *md, struct mapdev_info *info)
{
	if (info->flags || info->reserved)
		return -EINVAL;
	info->num_regions = md->nr_regions;
	strscpy(info->name, dev_name(&md->dev), sizeof(info->name));
	strscpy(info->driver, md->driver, sizeof(info->driver));
	return 0;
}

static long mapdev_ioctl_region_info(struct mapdev_device *md,
				     struct mapdev_region_info *ri)
{
	struct mapdev_region *r;
	u32 index = ri->index;

	if (ri->flags || index >= md->nr_regions)
		return -EINVAL;
	r = &md->regions[index];
	*ri = (struct mapdev_region_info){
		.argsz = ri->argsz,
		.index = index,
		.flags = READ_ONCE(r->flags),
		.cache = r->cache,
		.size = r->size,
		.offset = MAPDEV_REGION_OFFSET(index),
		.backend = mapdev_region_backend(r),
	};
	strscpy(ri->name, r->name, sizeof(ri->name));
	if (r->buf) {
		ri->nr_segments = mapdev_buffer_nr_segments(r->buf);
		if (capable(CAP_SYS_ADMIN))
			ri->dma_addr = mapdev_buffer_dma_addr(r->buf);
	}
	return 0;
}

/**
 * mapdev_region_sync() - sync part of a buffer region for the CPU or device
 * @md: the device, alive for the call (md->srcu held, or its sysfs file
 *	being written)
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

static long mapdev_ioctl_sync(struct mapdev_device *md, struct mapdev_sync *s)
{
	if (s->flags != MAPDEV_SYNC_FOR_CPU && s->flags != MAPDEV_SYNC_FOR_DEVICE)
		return -EINVAL;
	return mapdev_region_sync(md, s->index, s->offset, s->size, s->direction,
				  s->flags == MAPDEV_SYNC_FOR_DEVICE);
}

/* The segments go out through @out, after the SRCU section. */
static long mapdev_ioctl_dma_segments(struct mapdev_device *md,
				      struct mapdev_dma_segments *ds,
				      struct mapdev_ioctl_out *out)
{
	struct mapdev_dma_segment *seg;
	struct mapdev_buffer *buf;
	struct scatterlist *sg;
	unsigned int i, n;
	u64 off = 0;

	if (ds->flags || ds->reserved || ds->index >= md->nr_regions)
		return -EINVAL;
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	buf = md->regions[ds->index].buf;
	if (!buf)
		return -EINVAL;
	ds->total = mapdev_buffer_nr_segments(buf);
	n = min(ds->count, ds->total);
	if (!n)
		return 0;
	seg = kvcalloc(n, sizeof(*seg), GFP_KERNEL);
	if (!seg)
		return -ENOMEM;
	if (buf->backend == MAPDEV_BACKEND_COHERENT) {
		seg[0].dma_addr = buf->dma_handle;
		seg[0].len = buf->size;
	} else {
		for_each_sgtable_dma_sg(&buf->sgt, sg, i) {
			if (i >= n)
				break;
			seg[i].dma_addr = sg_dma_address(sg);
			seg[i].offset = off;
			seg[i].len = sg_dma_len(sg);
			off += sg_dma_len(sg);
		}
	}
	out->data = seg;
	out->len = n * sizeof(*seg);
	out->to = u64_to_user_ptr(ds->segments);
	return 0;
}

static long mapdev_ioctl_set_cache(struct mapdev_device *md,
				   struct mapdev_set_cache *sc)
{
	struct mapdev_region *r;
	long ret;

	if (sc->flags || sc->index >= md->nr_regions ||
	    sc->cache > MAPDEV_CACHE_MAX)
		return -EINVAL;
	r = &md->regions[sc->index];
	if (!(READ_ONCE(r->flags) & MAPDEV_REGION_F_MMAP))
		return -EINVAL;
	mutex_lock(&md->lock);
	if (atomic_read(&r->map_count))
		ret = -EBUSY;
	else if (r->type == MAPDEV_REGION_IOMEM)
		ret = mapdev_iomem_set_cache(r, sc->cache);
	else
		r->cache = sc->cache;	/* the pages follow at the next mmap */
	mutex_unlock(&md->lock);
	return ret;
}

#define CORE_IOCTL(c, type, last, o) \
	{ .cmd = c, .size = sizeof(type), .minsz = offsetofend(type, last), .out = o }

static const struct mapdev_ioctl_desc mapdev_core_ioctls[] = {
	CORE_IOCTL(MAPDEV_IOC_INFO, struct mapdev_info, flags, true),
	CORE_IOCTL(MAPDEV_IOC_REGION_INFO, struct mapdev_region_info, index, true),
	CORE_IOCTL(MAPDEV_IOC_SYNC, struct mapdev_sync, size, false),
	CORE_IOCTL(MAPDEV_IOC_DMA_SEGMENTS, struct mapdev_dma_segments, segments,
		   true),
	CORE_IOCTL(MAPDEV_IOC_SET_CACHE, struct mapdev_set_cache, cache, false),
	CORE_IOCTL(MAPDEV_IOC_SET_EVENTFD, struct mapdev_set_eventfd, fd, false),
	/* fd is what it returns: an argsz without room for it is EINVAL. */
	CORE_IOCTL(MAPDEV_IOC_EXPORT_DMABUF, struct mapdev_export_dmabuf, fd,
		   true),
	CORE_IOCTL(MAPDEV_IOC_SET_IRQ_VECTOR, struct mapdev_irq_vector, vector,
		   false),
	{ }
};

/* Runs inside md->srcu, the device alive. */
static long mapdev_core_ioctl(struct mapdev_device *md, struct file *file,
			      unsigned int cmd, void *arg,
			      struct mapdev_ioctl_out *out)
{
	switch (cmd) {
	case MAPDEV_IOC_INFO:
		return mapdev_ioctl_info(md, arg);
	case MAPDEV_IOC_REGION_INFO:
		return mapdev_ioctl_region_info(md, arg);
	case MAPDEV_IOC_SYNC:
		return mapdev_ioctl_sync(md, arg);
	case MAPDEV_IOC_DMA_SEGMENTS:
		return mapdev_ioctl_dma_segments(md, arg, out);
	case MAPDEV_IOC_SET_CACHE:
		return mapdev_ioctl_set_cache(md, arg);
	case MAPDEV_IOC_EXPORT_DMABUF:
		return mapdev_ioctl_export_dmabuf(md, file, arg, out);
	case MAPDEV_IOC_SET_IRQ_VECTOR:
		return mapdev_irq_set_vector(file->private_data, arg);
	default:
		return mapdev_irq_set_eventfd(md, arg);
	}
}

static const struct mapdev_ioctl_desc *
mapdev_find_ioctl(const struct mapdev_ioctl_desc *d, unsigned int cmd)
{
	for (; d && d->cmd; d++)
		if (d->cmd == cmd)
			return d;
	return NULL;
}

/* -- dispatch ------------------------------------------------------------------ */

long mapdev_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct mapdev_file *mf = file->private_data;
	struct mapdev_device *md = mf->md;
	const struct mapdev_ioctl_desc *core;
	struct mapdev_ioctl_desc desc;
	struct mapdev_ioctl_out out = { };
	void __user *uarg = (void __user *)arg;
	u64 karg[MAPDEV_IOCTL_MAX_SIZE / sizeof(u64)];
	long ret;
	int idx;

	if (READ_ONCE(md->dead))
		return -ENODEV;
	core = mapdev_find_ioctl(mapdev_core_ioctls, cmd);
	if (core) {
		desc = *core;
	} else {
		/* The driver's table is in its module: read it under ops_lock. */
		down_read(&md->ops_lock);
		core = md->dead ? NULL :
		       mapdev_find_ioctl(md->ops ? md->ops->ioctls : NULL, cmd);
		if (core)
			desc = *core;
		ret = md->dead ? -ENODEV : -ENOTTY;
		up_read(&md->ops_lock);
		if (!core)
			return ret;
		core = NULL;
		if (WARN_ON_ONCE(desc.size > sizeof(karg) || desc.size < 8))
			return -ENOTTY;
	}
	if ((cmd == MAPDEV_IOC_SET_EVENTFD || cmd == MAPDEV_IOC_SET_IRQ_VECTOR) &&
	    md->irq_index < 0)
		return -ENOTTY;
	/* Changing the device is for a file open for writing. */
	if ((cmd == MAPDEV_IOC_SET_CACHE || cmd == MAPDEV_IOC_SET_EVENTFD) &&
	    !(file->f_mode & FMODE_WRITE))
		return -EBADF;

	ret = mapdev_arg_in(karg, desc.size, desc.minsz, uarg);
	if (ret)
		return ret;
	if (core) {
		idx = srcu_read_lock(&md->srcu);
		ret = READ_ONCE(md->dead) ? -ENODEV :
		      mapdev_core_ioctl(md, file, cmd, karg, &out);
		srcu_read_unlock(&md->srcu, idx);
	} else {
		mapdev_race_delay();
		down_read(&md->ops_lock);
		ret = md->dead ? -ENODEV : md->ops->ioctl(md, file, cmd, karg, &out);
		up_read(&md->ops_lock);
	}
	if (!ret && out.data && copy_to_user(out.to, out.data, out.len))
		ret = -EFAULT;
	kvfree(out.data);
	if (!ret && desc.out)
		ret = mapdev_arg_out(uarg, karg, desc.size);
	/* A new file's descriptor is user space's only once all went well. */
	if (out.file) {
		if (ret) {
			put_unused_fd(out.fd);
			fput(out.file);
		} else {
			fd_install(out.fd, out.file);
		}
	}
	return ret;
}
