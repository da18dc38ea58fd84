// SPDX-License-Identifier: GPL-2.0
/*
 * The file operations of every mapdev device: open, read/write (the copy
 * path), llseek, poll, release; mmap is in mmap.c, ioctl in ioctl.c.
 *
 * read() and write() go through a kernel page, a piece at a time: the
 * device's memory is reached inside the section unregister waits for
 * (md->srcu for buffers, md->lock for device memory, md->ops_lock for the
 * driver's regions), user memory outside it.  So a copy from or to user
 * memory that never completes holds up no revocation.
 */
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/srcu.h>
#include <linux/uaccess.h>

#include "mapdev_compat.h"
#include "mapdev_core.h"

/* -- read/write: the copy path ------------------------------------------- */

/* Whether [off, off + len) of @r meets a range user space must not write. */
static bool mapdev_region_protected(const struct mapdev_region *r, u64 off,
				    u64 len)
{
	unsigned int i;

	for (i = 0; i < r->nr_protected; i++)
		if (off < r->protected[i].end && off + len > r->protected[i].start)
			return true;
	return false;
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
 * One piece, inside one page of the region, between @kbuf and the
 * region's memory.  Returns bytes done or a negative errno.
 */
static ssize_t mapdev_rw_piece(struct mapdev_device *md, unsigned int index,
			       void *kbuf, size_t n, u64 off, bool write)
{
	struct mapdev_region *r = &md->regions[index];
	ssize_t ret;
	void *kaddr;
	int idx;

	switch (r->type) {
	case MAPDEV_REGION_BUFFER:
		idx = srcu_read_lock(&md->srcu);
		if (READ_ONCE(md->dead)) {
			ret = -ENODEV;
		} else {
			kaddr = page_address(r->buf->pages[off >> PAGE_SHIFT]) +
				offset_in_page(off);
			if (write)
				memcpy(kaddr, kbuf, n);
			else
				memcpy(kbuf, kaddr, n);
			ret = n;
		}
		srcu_read_unlock(&md->srcu, idx);
		return ret;
	case MAPDEV_REGION_IOMEM:
		/* A failed cache mode change leaves no kernel mapping. */
		mutex_lock(&md->lock);
		if (md->dead) {
			ret = -ENODEV;
		} else if (!r->kva) {
			ret = -EIO;
		} else {
			mapdev_io_copy(kbuf, r->kva + off, n, write);
			ret = n;
		}
		mutex_unlock(&md->lock);
		return ret;
	default:
		down_read(&md->ops_lock);
		ret = md->dead ? -ENODEV :
		      md->ops->region_rw(md, index, kbuf, n, off, write);
		up_read(&md->ops_lock);
		return ret;
	}
}

static ssize_t mapdev_rw_region(struct mapdev_device *md, unsigned int index,
				char __user *ubuf, size_t count, u64 off,
				bool write)
{
	size_t done = 0;
	ssize_t ret = 0;
	void *kbuf;

	kbuf = (void *)__get_free_page(GFP_KERNEL);
	if (!kbuf)
		return -ENOMEM;
	while (done < count) {
		size_t n = min_t(size_t, count - done,
				 PAGE_SIZE - offset_in_page(off + done));

		if (write && copy_from_user(kbuf, ubuf + done, n)) {
			ret = -EFAULT;
			break;
		}
		ret = mapdev_rw_piece(md, index, kbuf, n, off + done, write);
		if (ret <= 0)
			break;
		n = ret;
		if (!write && copy_to_user(ubuf + done, kbuf, n)) {
			ret = -EFAULT;
			break;
		}
		done += n;
		if (fatal_signal_pending(current))
			break;
		cond_resched();
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

	if (pos < 0)
		return -EINVAL;
	index = (u64)pos >> MAPDEV_REGION_SHIFT;
	off = (u64)pos & (MAPDEV_REGION_OFFSET(1) - 1);
	if (READ_ONCE(md->dead))
		return -ENODEV;
	if (index >= md->nr_regions)
		return write ? -ENOSPC : 0;
	r = &md->regions[index];
	if (!(READ_ONCE(r->flags) &
	      (write ? MAPDEV_REGION_F_WRITE : MAPDEV_REGION_F_READ)))
		return -EPERM;
	if (r->type == MAPDEV_REGION_IRQ) {
		if (off)
			return -EINVAL;
		return write ? mapdev_irq_write(mf, ubuf, count) :
			       mapdev_irq_read(mf, ubuf, count,
					       file->f_flags & O_NONBLOCK);
	}
	if (off >= r->size)
		return (write && count) ? -ENOSPC : 0;
	count = min_t(u64, count, r->size - off);
	if (!count)
		return 0;
	/* Raw device access (sysfs resourceN and config have it too). */
	if (write && r->type != MAPDEV_REGION_BUFFER && md->raw_lockdown) {
		ret = security_locked_down(md->raw_lockdown);
		if (ret)
			return ret;
	}
	if (write && mapdev_region_protected(r, off, count))
		return -EACCES;
	mapdev_race_delay();

	ret = mapdev_rw_region(md, index, ubuf, count, off, write);
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

/* -- open and release ------------------------------------------------------ */

static int mapdev_open(struct inode *inode, struct file *file)
{
	struct mapdev_device *md = container_of(inode->i_cdev,
						struct mapdev_device, cdev);
	struct mapdev_file *mf;
	int ret;

	if (READ_ONCE(md->dead))
		return -ENODEV;
	if (md->open_cap >= 0 && !capable(md->open_cap))
		return -EPERM;
	if (md->open_lockdown) {
		ret = security_locked_down(md->open_lockdown);
		if (ret)
			return ret;
	}
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

const struct file_operations mapdev_fops = {
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
