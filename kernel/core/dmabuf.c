// SPDX-License-Identifier: GPL-2.0
/*
 * dma-buf export of buffer regions (MAPDEV_IOC_EXPORT_DMABUF).
 *
 * An export holds a reference on the buffer and one on the mapdev device
 * (the struct, not the node): destroying the device revokes its own
 * mappings and frees its name as always, and the memory stays until the
 * dma-buf's last reference goes.  The dma-buf holds mapdev_core (the owner
 * of these ops), so the module cannot go while one exists.
 *
 * Importers reach the memory three ways:
 *  - map_dma_buf: an sg_table of the buffer's pages, DMA-mapped for the
 *    importer's own device (an IOMMU gives it IOVAs).  Memory a device
 *    without an IOMMU cannot address is refused, never bounced: a bounce
 *    buffer would be the memory the device writes, not the buffer;
 *  - vmap: the kernel's address of the pages, in their cache mode (a
 *    read-only export's too: a vmap says nothing of the direction);
 *  - mmap of the dma-buf fd: shared, never executable, writable only for
 *    an O_RDWR export, in the buffer's cache mode.
 * While one of the last two exists, the pages' cache mode cannot change:
 * each counts as a mapping of the region (r->map_count), which is what
 * mapdev's own mmap and MAPDEV_IOC_SET_CACHE check under md->lock.
 * Those mappings hold the dma-buf, so they never outlive the memory.
 */
#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/iommu.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "mapdev_compat.h"
#include "mapdev_core.h"

MODULE_IMPORT_NS(DMA_BUF);

/**
 * struct mapdev_dmabuf - what a dma-buf of a buffer region holds
 * @md: the device (a reference on its struct); it may be dead
 * @buf: the memory (a reference)
 * @index: the region's index in @md
 * @writable: an O_RDWR export
 * @name: the device's name at export, for debugfs
 * @lock: protects @attachments, @vaddr, @vmapped
 * @attachments: struct mapdev_dmabuf_attach, by their @node
 * @vaddr: the kernel mapping handed out by vmap, or NULL
 * @vmapped: @vaddr came from vmap() (sg), not the linear map
 * @mmaps: live VMAs of the dma-buf fd
 * @node: in mapdev_dmabufs
 */
struct mapdev_dmabuf {
	struct mapdev_device *md;
	struct mapdev_buffer *buf;
	u32 index;
	bool writable;
	char name[MAPDEV_NAME_LEN];
	struct mutex lock;		/* see the kernel-doc above */
	struct list_head attachments;
	void *vaddr;
	bool vmapped;
	atomic_t mmaps;
	struct list_head node;
};

/* One importer device. */
struct mapdev_dmabuf_attach {
	struct device *dev;
	struct sg_table *sgt;	/* its mapping, or NULL */
	enum dma_data_direction dir;
	struct list_head node;
};

static LIST_HEAD(mapdev_dmabufs);
static DEFINE_MUTEX(mapdev_dmabufs_lock);

static struct mapdev_region *db_region(struct mapdev_dmabuf *db)
{
	return &db->md->regions[db->index];
}

/*
 * The pages' cache mode, held while the caller maps them: the region's
 * default when nothing maps the region, else the mode its mappings have.
 * Each successful call is one more "mapping" of the region.
 */
static int db_memtype_get(struct mapdev_dmabuf *db, u32 *cache)
{
	struct mapdev_device *md = db->md;
	struct mapdev_region *r = db_region(db);
	int ret = 0;

	mutex_lock(&md->lock);
	if (!atomic_read(&r->map_count) && db->buf->memtype != r->cache)
		ret = mapdev_set_memtype(db->buf, r->cache);
	if (!ret) {
		atomic_inc(&r->map_count);
		*cache = db->buf->memtype;
	}
	mutex_unlock(&md->lock);
	return ret;
}

static void db_memtype_put(struct mapdev_dmabuf *db)
{
	atomic_dec(&db_region(db)->map_count);
}

/* -- attachments and device mappings ------------------------------------------ */

static int mapdev_dmabuf_attach(struct dma_buf *dmabuf,
				struct dma_buf_attachment *attach)
{
	struct mapdev_dmabuf *db = dmabuf->priv;
	struct mapdev_dmabuf_attach *a;

	a = kzalloc(sizeof(*a), GFP_KERNEL);
	if (!a)
		return -ENOMEM;
	a->dev = attach->dev;
	attach->priv = a;
	mutex_lock(&db->lock);
	list_add(&a->node, &db->attachments);
	mutex_unlock(&db->lock);
	return 0;
}

static void mapdev_dmabuf_detach(struct dma_buf *dmabuf,
				 struct dma_buf_attachment *attach)
{
	struct mapdev_dmabuf *db = dmabuf->priv;
	struct mapdev_dmabuf_attach *a = attach->priv;

	mutex_lock(&db->lock);
	list_del(&a->node);
	mutex_unlock(&db->lock);
	/* An importer detaches after unmapping; vb2 and DRM do. */
	WARN_ON_ONCE(a->sgt);
	kfree(a);
}

/*
 * Whether every byte of @sgt is under what @dev can address.  Without an
 * IOMMU the DMA address is the physical one (as buffer.c allocates by), so
 * the pages are checked before mapping: the DMA layer would otherwise
 * bounce them through swiotlb, and the device would write the bounce
 * buffer.  @last is set to the first unreachable byte.
 */
static bool db_reachable(struct device *dev, struct sg_table *sgt,
			 phys_addr_t *last)
{
	u64 limit = min_not_zero(dma_get_mask(dev), dev->bus_dma_limit);
	struct scatterlist *sg;
	unsigned int i;

	if (device_iommu_mapped(dev))
		return true;
	for_each_sgtable_sg(sgt, sg, i) {
		*last = sg_phys(sg) + sg->length - 1;
		if (*last > limit)
			return false;
	}
	return true;
}

static struct sg_table *mapdev_dmabuf_map(struct dma_buf_attachment *attach,
					  enum dma_data_direction dir)
{
	struct mapdev_dmabuf *db = attach->dmabuf->priv;
	struct mapdev_dmabuf_attach *a = attach->priv;
	struct mapdev_buffer *buf = db->buf;
	struct scatterlist *sg;
	struct sg_table *sgt;
	phys_addr_t last = 0;
	unsigned int i;
	int ret;

	/* A read-only export: the device may read it, never write. */
	if (!db->writable && dir != DMA_TO_DEVICE)
		return ERR_PTR(-EPERM);
	sgt = kzalloc(sizeof(*sgt), GFP_KERNEL);
	if (!sgt)
		return ERR_PTR(-ENOMEM);
	ret = sg_alloc_table_from_pages_segment(sgt, buf->pages, buf->nr_pages,
						0, buf->size,
						dma_get_max_seg_size(attach->dev),
						GFP_KERNEL);
	if (ret)
		goto err_free;
	if (!db_reachable(attach->dev, sgt, &last)) {
		dev_warn_ratelimited(attach->dev,
				     "mapdev: buffer %s has memory at %pa, beyond this device's DMA mask %#llx: refused, not bounced (make the buffer with dma_bits the importer can reach)\n",
				     db->name, &last, dma_get_mask(attach->dev));
		ret = -ERANGE;
		goto err_table;
	}
	/*
	 * The pages are DMA-mapped for the buffer's own device too, which the
	 * DMA API's debugging takes for a conflict unless the mapping leaves
	 * the CPU syncs to its owner: done here, as vb2's exporters do.
	 */
	ret = dma_map_sgtable(attach->dev, sgt, dir, DMA_ATTR_SKIP_CPU_SYNC);
	if (ret)
		goto err_table;
	dma_sync_sgtable_for_device(attach->dev, sgt, dir);
	/* Behind an IOMMU too: an address the device cannot reach is no use. */
	for_each_sgtable_dma_sg(sgt, sg, i) {
		u64 end = sg_dma_address(sg) + sg_dma_len(sg) - 1;

		if (end > dma_get_mask(attach->dev)) {
			dev_warn_ratelimited(attach->dev,
					     "mapdev: buffer %s mapped at %#llx, beyond this device's DMA mask %#llx: refused\n",
					     db->name, end,
					     dma_get_mask(attach->dev));
			ret = -ERANGE;
			goto err_unmap;
		}
	}
	mutex_lock(&db->lock);
	if (a->sgt) {
		mutex_unlock(&db->lock);
		ret = -EBUSY;	/* one mapping an attachment */
		goto err_unmap;
	}
	a->sgt = sgt;
	a->dir = dir;
	mutex_unlock(&db->lock);
	return sgt;

err_unmap:
	dma_unmap_sgtable(attach->dev, sgt, dir, DMA_ATTR_SKIP_CPU_SYNC);
err_table:
	sg_free_table(sgt);
err_free:
	kfree(sgt);
	return ERR_PTR(ret);
}

static void mapdev_dmabuf_unmap(struct dma_buf_attachment *attach,
				struct sg_table *sgt,
				enum dma_data_direction dir)
{
	struct mapdev_dmabuf *db = attach->dmabuf->priv;
	struct mapdev_dmabuf_attach *a = attach->priv;

	mutex_lock(&db->lock);
	if (a->sgt == sgt)
		a->sgt = NULL;
	mutex_unlock(&db->lock);
	dma_sync_sgtable_for_cpu(attach->dev, sgt, dir);
	dma_unmap_sgtable(attach->dev, sgt, dir, DMA_ATTR_SKIP_CPU_SYNC);
	sg_free_table(sgt);
	kfree(sgt);
}

/* -- CPU access: DMA_BUF_IOCTL_SYNC and importers' begin/end ------------------- */

static int db_cpu_access(struct dma_buf *dmabuf, enum dma_data_direction dir,
			 bool end)
{
	struct mapdev_dmabuf *db = dmabuf->priv;
	struct mapdev_dmabuf_attach *a;

	/* DMA_BUF_SYNC_WRITE is DMA_TO_DEVICE, _RW bidirectional. */
	if (!db->writable && dir != DMA_FROM_DEVICE)
		return -EPERM;
	mutex_lock(&db->lock);
	list_for_each_entry(a, &db->attachments, node) {
		if (!a->sgt)
			continue;
		if (end)
			dma_sync_sgtable_for_device(a->dev, a->sgt, a->dir);
		else
			dma_sync_sgtable_for_cpu(a->dev, a->sgt, a->dir);
	}
	mutex_unlock(&db->lock);
	return mapdev_buffer_sync(db->buf, 0, db->buf->size, dir, end);
}

static int mapdev_dmabuf_begin_cpu(struct dma_buf *dmabuf,
				   enum dma_data_direction dir)
{
	return db_cpu_access(dmabuf, dir, false);
}

static int mapdev_dmabuf_end_cpu(struct dma_buf *dmabuf,
				 enum dma_data_direction dir)
{
	return db_cpu_access(dmabuf, dir, true);
}

/* -- mmap of the dma-buf fd ---------------------------------------------------- */

static void mapdev_dmabuf_vm_open(struct vm_area_struct *vma)
{
	struct mapdev_dmabuf *db = vma->vm_private_data;

	atomic_inc(&db_region(db)->map_count);
	atomic_inc(&db->mmaps);
}

static void mapdev_dmabuf_vm_close(struct vm_area_struct *vma)
{
	struct mapdev_dmabuf *db = vma->vm_private_data;

	atomic_dec(&db->mmaps);
	db_memtype_put(db);
}

static const struct vm_operations_struct mapdev_dmabuf_vm_ops = {
	.open = mapdev_dmabuf_vm_open,
	.close = mapdev_dmabuf_vm_close,
};

/*
 * The rules of the device node's mmap (core/mmap.c): shared, never
 * executable, writable only when the export is; the pages are mapped
 * whole at once, since nothing revokes them: the VMA holds the dma-buf.
 * The dma-buf core has checked the range against the size.
 */
static int mapdev_dmabuf_mmap(struct dma_buf *dmabuf, struct vm_area_struct *vma)
{
	struct mapdev_dmabuf *db = dmabuf->priv;
	struct mapdev_buffer *buf = db->buf;
	unsigned long i, run, addr = vma->vm_start;
	unsigned long first = vma->vm_pgoff, n = vma_pages(vma);
	u32 cache;
	int ret;

	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	if (vma->vm_flags & VM_EXEC)
		return -EPERM;
	if ((vma->vm_flags & VM_WRITE) && !db->writable)
		return -EACCES;
	if (first >= buf->nr_pages || n > buf->nr_pages - first)
		return -EINVAL;
	ret = db_memtype_get(db, &cache);
	if (ret)
		return ret;
	vma->vm_page_prot = mapdev_pgprot(vma->vm_page_prot, cache);
	vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	vm_flags_clear(vma, VM_MAYEXEC);
	if (!db->writable)
		vm_flags_clear(vma, VM_MAYWRITE);
	/* Physically contiguous runs of pages, one remap each. */
	for (i = 0; i < n; i += run) {
		unsigned long pfn = page_to_pfn(buf->pages[first + i]);

		for (run = 1; i + run < n; run++)
			if (page_to_pfn(buf->pages[first + i + run]) != pfn + run)
				break;
		ret = remap_pfn_range(vma, addr, pfn, run << PAGE_SHIFT,
				      vma->vm_page_prot);
		if (ret) {
			db_memtype_put(db);
			return ret;
		}
		addr += run << PAGE_SHIFT;
	}
	vma->vm_ops = &mapdev_dmabuf_vm_ops;
	vma->vm_private_data = db;
	atomic_inc(&db->mmaps);
	return 0;
}

/* -- vmap ------------------------------------------------------------------------ */

static int mapdev_dmabuf_vmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct mapdev_dmabuf *db = dmabuf->priv;
	struct mapdev_buffer *buf = db->buf;
	void *vaddr;
	u32 cache;
	int ret;

	/*
	 * A vmap has no direction, and the dma-buf core takes a failed one
	 * for an exporter's bug (WARN_ON_ONCE): a read-only export is
	 * vmapped too, and its importer's kernel code is trusted to only
	 * read it (docs/ABI.md).
	 */
	ret = db_memtype_get(db, &cache);
	if (ret)
		return ret;
	if (buf->backend == MAPDEV_BACKEND_SG) {
		vaddr = vmap(buf->pages, buf->nr_pages, VM_MAP,
			     mapdev_pgprot(PAGE_KERNEL, cache));
		if (!vaddr) {
			db_memtype_put(db);
			return -ENOMEM;
		}
	} else {
		/* Contiguous in the linear map, which has the pages' mode. */
		vaddr = page_address(buf->pages[0]);
	}
	mutex_lock(&db->lock);
	db->vaddr = vaddr;
	db->vmapped = buf->backend == MAPDEV_BACKEND_SG;
	mutex_unlock(&db->lock);
	iosys_map_set_vaddr(map, vaddr);
	return 0;
}

/* The dma-buf core counts vmaps: this undoes the one vmap above. */
static void mapdev_dmabuf_vunmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct mapdev_dmabuf *db = dmabuf->priv;

	mutex_lock(&db->lock);
	if (db->vmapped)
		vunmap(db->vaddr);
	db->vaddr = NULL;
	db->vmapped = false;
	mutex_unlock(&db->lock);
	db_memtype_put(db);
}

/* -- the end ----------------------------------------------------------------------- */

static void mapdev_dmabuf_release(struct dma_buf *dmabuf)
{
	struct mapdev_dmabuf *db = dmabuf->priv;

	mutex_lock(&mapdev_dmabufs_lock);
	list_del(&db->node);
	mutex_unlock(&mapdev_dmabufs_lock);
	mapdev_stats_dmabuf(-1);
	mapdev_buffer_put(db->buf);
	put_device(&db->md->dev);
	mutex_destroy(&db->lock);
	kfree(db);
}

static const struct dma_buf_ops mapdev_dmabuf_ops = {
	.attach = mapdev_dmabuf_attach,
	.detach = mapdev_dmabuf_detach,
	.map_dma_buf = mapdev_dmabuf_map,
	.unmap_dma_buf = mapdev_dmabuf_unmap,
	.begin_cpu_access = mapdev_dmabuf_begin_cpu,
	.end_cpu_access = mapdev_dmabuf_end_cpu,
	.mmap = mapdev_dmabuf_mmap,
	.vmap = mapdev_dmabuf_vmap,
	.vunmap = mapdev_dmabuf_vunmap,
	.release = mapdev_dmabuf_release,
};

#define MAPDEV_EXPORT_FLAGS	(O_ACCMODE | O_CLOEXEC)

/**
 * mapdev_ioctl_export_dmabuf() - MAPDEV_IOC_EXPORT_DMABUF
 * @md: the device, alive (md->srcu held)
 * @file: the mapdev file the ioctl came on
 * @ed: the argument
 * @out: gets the new dma-buf's file and reserved fd, which the dispatch
 *	installs once the argument is copied back (or drops)
 *
 * Return: 0, -EINVAL (flags, not a buffer region), -EOPNOTSUPP (memory
 * allocated for another driver's device), -EBADF (O_RDWR through
 * a file not open for writing), -ENOMEM, or what dma_buf_export() says.
 */
long mapdev_ioctl_export_dmabuf(struct mapdev_device *md, struct file *file,
				struct mapdev_export_dmabuf *ed,
				struct mapdev_ioctl_out *out)
{
	DEFINE_DMA_BUF_EXPORT_INFO(exp_info);
	u32 acc = ed->flags & O_ACCMODE;
	struct mapdev_dmabuf *db;
	struct mapdev_region *r;
	struct dma_buf *dmabuf;
	int fd;

	if (ed->flags & ~MAPDEV_EXPORT_FLAGS ||
	    (acc != O_RDONLY && acc != O_RDWR))
		return -EINVAL;
	if (ed->index >= md->nr_regions || !md->regions[ed->index].buf)
		return -EINVAL;
	/*
	 * Memory allocated for another driver's device (mapdev_buf's
	 * buffers bound to a PCI function): that device may go away while
	 * an export lives on, and its DMA mapping must be undone before.
	 */
	if (md->regions[ed->index].buf->dma_dev != md->dev.parent)
		return -EOPNOTSUPP;
	if (acc == O_RDWR && !(file->f_mode & FMODE_WRITE))
		return -EBADF;
	r = &md->regions[ed->index];

	db = kzalloc(sizeof(*db), GFP_KERNEL);
	if (!db)
		return -ENOMEM;
	mutex_init(&db->lock);
	INIT_LIST_HEAD(&db->attachments);
	atomic_set(&db->mmaps, 0);
	db->index = ed->index;
	db->writable = acc == O_RDWR;
	strscpy(db->name, dev_name(&md->dev), sizeof(db->name));
	/* Alive inside md->srcu: r->buf is the buffer until unregister. */
	kref_get(&r->buf->ref);
	db->buf = r->buf;
	get_device(&md->dev);
	db->md = md;

	fd = get_unused_fd_flags(ed->flags & O_CLOEXEC);
	if (fd < 0) {
		mapdev_buffer_put(db->buf);
		put_device(&md->dev);
		kfree(db);
		return fd;
	}
	exp_info.ops = &mapdev_dmabuf_ops;
	exp_info.owner = THIS_MODULE;
	exp_info.size = db->buf->size;
	exp_info.flags = acc;
	exp_info.priv = db;
	dmabuf = dma_buf_export(&exp_info);
	if (IS_ERR(dmabuf)) {
		put_unused_fd(fd);
		mapdev_buffer_put(db->buf);
		put_device(&md->dev);
		kfree(db);
		return PTR_ERR(dmabuf);
	}
	mutex_lock(&mapdev_dmabufs_lock);
	list_add_tail(&db->node, &mapdev_dmabufs);
	mutex_unlock(&mapdev_dmabufs_lock);
	mapdev_stats_dmabuf(1);
	/* From here the dma-buf's release undoes all of the above. */
	ed->fd = fd;
	out->file = dmabuf->file;
	out->fd = fd;
	return 0;
}

/**
 * mapdev_dmabuf_show() - debugfs "exports": one line a live dma-buf
 * @m: the seq_file
 * @v: unused
 *
 * Return: 0.
 */
int mapdev_dmabuf_show(struct seq_file *m, void *v)
{
	struct mapdev_dmabuf *db;

	mutex_lock(&mapdev_dmabufs_lock);
	list_for_each_entry(db, &mapdev_dmabufs, node) {
		struct mapdev_dmabuf_attach *a;
		unsigned int na = 0, nm = 0;

		mutex_lock(&db->lock);
		list_for_each_entry(a, &db->attachments, node) {
			na++;
			nm += !!a->sgt;
		}
		seq_printf(m, "%s region %u size %llu backend %s %s %s attachments %u mapped %u vmap %u mmaps %d\n",
			   db->name, db->index, db->buf->size,
			   mapdev_backend_name(db->buf->backend),
			   db->writable ? "rw" : "ro",
			   READ_ONCE(db->md->dead) ? "zombie" : "live",
			   na, nm, !!db->vaddr, atomic_read(&db->mmaps));
		mutex_unlock(&db->lock);
	}
	mutex_unlock(&mapdev_dmabufs_lock);
	return 0;
}
