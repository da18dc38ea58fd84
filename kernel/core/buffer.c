// SPDX-License-Identifier: GPL-2.0
/*
 * mapdev buffers: zeroed, DMA-able memory with the page list user mappings
 * are built from.  Three backends:
 *
 *  coherent  dma_alloc_coherent(): one contiguous DMA segment
 *  contig    one high-order page allocation, DMA-mapped
 *  sg        as many allocations as it takes (largest orders first), any
 *            size the machine can give, DMA-mapped as a scatter list
 *
 * Memory comes from the zones the DMA device's mask can reach, so the DMA
 * address is never a bounce buffer's.
 *
 * The pages of contig and sg buffers are compound allocations (large
 * folios) wherever they can be: an sg allocation of two pages or more, and
 * a contig buffer whose size is a power of two pages.  GUP-fast pins large
 * folios that belong to no file, while since Linux 6.5 it sends order-0
 * ones (which might be secretmem's) to its slow path a page at a time: an
 * O_DIRECT write from an sg buffer of split pages took 2.6x the time of
 * one from anonymous memory on 6.12.  A page the kernel's I/O pinned holds
 * its folio, so the whole allocation it is part of outlives the buffer
 * until the I/O lets go.  A contig buffer of another size is split pages,
 * its tail beyond the size given back at once.
 */
#include <linux/dma-mapping.h>
#include <linux/gfp.h>
#include <linux/iommu.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "mapdev_compat.h"
#include "mapdev_core.h"

/* Not a kernel address on any architecture mapdev builds for. */
#define MAPDEV_POISON_PTR	((void *)(uintptr_t)0x6b6b6b6b6b6b6b6bULL)

/* The sg backend's largest allocation: 2 MiB keeps huge mappings possible. */
#define MAPDEV_SG_MAX_ORDER	min(9, MAPDEV_MAX_PAGE_ORDER)

static const char * const backend_names[] = {
	[MAPDEV_BACKEND_COHERENT] = "coherent",
	[MAPDEV_BACKEND_CONTIG] = "contig",
	[MAPDEV_BACKEND_SG] = "sg",
	[MAPDEV_BACKEND_RESERVED] = "reserved",
	[MAPDEV_BACKEND_IOMEM] = "iomem",
	[MAPDEV_BACKEND_NONE] = "none",
};

static const char * const cache_names[] = {
	[MAPDEV_CACHE_CACHED] = "cached",
	[MAPDEV_CACHE_UNCACHED] = "uncached",
	[MAPDEV_CACHE_WC] = "wc",
};

/**
 * mapdev_backend_name() - name of a backend, as sysfs shows it
 * @backend: enum mapdev_backend
 *
 * Return: a static string; "?" for an unknown value.
 */
const char *mapdev_backend_name(u32 backend)
{
	return backend <= MAPDEV_BACKEND_MAX ? backend_names[backend] : "?";
}
EXPORT_SYMBOL_GPL(mapdev_backend_name);

/**
 * mapdev_cache_name() - name of a cache mode, as sysfs shows it
 * @cache: enum mapdev_cache
 *
 * Return: a static string; "?" for an unknown value.
 */
const char *mapdev_cache_name(u32 cache)
{
	return cache <= MAPDEV_CACHE_MAX ? cache_names[cache] : "?";
}
EXPORT_SYMBOL_GPL(mapdev_cache_name);

/**
 * mapdev_dma_translated() - whether an IOMMU translates a device's DMA
 * @dev: the device
 *
 * Return: true when the device's DMA goes through an IOMMU paging domain
 * (dma-iommu): it reaches only what was mapped for it, at IOVAs under its
 * mask wherever the pages are.  False for no IOMMU, or an identity domain.
 */
bool mapdev_dma_translated(struct device *dev)
{
	struct iommu_domain *dom = iommu_get_domain_for_dev(dev);

	return dom && (dom->type & __IOMMU_DOMAIN_PAGING);
}
EXPORT_SYMBOL_GPL(mapdev_dma_translated);

/*
 * The zone flags that keep pages under the device's DMA mask.  Behind a
 * translating IOMMU the mask limits the IOVAs, not the pages.
 */
static gfp_t mapdev_dma_gfp(struct device *dev)
{
	u64 mask = dma_get_mask(dev);

	if (mapdev_dma_translated(dev))
		return 0;
	if (mask < DMA_BIT_MASK(32))
		return GFP_DMA;
	if (mask < DMA_BIT_MASK(64))
		return GFP_DMA32;
	return 0;
}

static bool mapdev_pages_reachable(struct device *dev, struct page *page,
				   unsigned int order)
{
	phys_addr_t last = page_to_phys(page) + (PAGE_SIZE << order) - 1;

	return last <= dma_get_mask(dev) || mapdev_dma_translated(dev);
}

/*
 * Coherent memory.  dma-direct hands out pages of the linear map, and so
 * does dma-iommu when asked for physically contiguous memory (on a
 * cache-coherent machine).  Past what one allocation can give, behind an
 * IOMMU: dma_alloc_noncontiguous(), separate pages behind one IOVA range
 * and no kernel mapping of their own (dma_alloc_coherent() would map them
 * into vmalloc space write-back, an alias no other cache mode may have).
 * The device is cache-coherent there (x86), so the memory is as coherent
 * as dma_alloc_coherent()'s; mapdev_buffer_sync() syncs it anyway.
 */
static int mapdev_alloc_coherent(struct mapdev_buffer *buf)
{
	gfp_t gfp = GFP_KERNEL | __GFP_NOWARN;	/* too big is ENOMEM, not a splat */
	struct sg_page_iter piter;
	unsigned long i = 0;

	buf->vaddr = dma_alloc_attrs(buf->dma_dev, buf->size, &buf->dma_handle,
				     gfp, DMA_ATTR_FORCE_CONTIGUOUS);
	if (!buf->vaddr && device_iommu_mapped(buf->dma_dev)) {
		buf->nc_sgt = dma_alloc_noncontiguous(buf->dma_dev, buf->size,
						      DMA_BIDIRECTIONAL,
						      gfp | __GFP_ZERO, 0);
		if (!buf->nc_sgt)
			return -ENOMEM;
		for_each_sgtable_page(buf->nc_sgt, &piter, 0)
			buf->pages[i++] = sg_page_iter_page(&piter);
		buf->dma_handle = sg_dma_address(buf->nc_sgt->sgl);
		return 0;
	}
	if (!buf->vaddr)
		return -ENOMEM;
	/* Anything but the linear map has no pages we may take. */
	if (is_vmalloc_addr(buf->vaddr) || !virt_addr_valid(buf->vaddr)) {
		dma_free_coherent(buf->dma_dev, buf->size, buf->vaddr,
				  buf->dma_handle);
		buf->vaddr = NULL;
		dev_err_ratelimited(buf->dma_dev,
				    "coherent memory is not in the linear map; use the sg backend\n");
		return -EOPNOTSUPP;
	}
	for (i = 0; i < buf->nr_pages; i++)
		buf->pages[i] = virt_to_page(buf->vaddr + i * PAGE_SIZE);
	return 0;
}

/* Fills buf->sgt from buf->pages and maps it for the device. */
static int mapdev_map_pages(struct mapdev_buffer *buf)
{
	int ret;

	ret = sg_alloc_table_from_pages_segment(&buf->sgt, buf->pages,
						buf->nr_pages, 0, buf->size,
						dma_get_max_seg_size(buf->dma_dev),
						GFP_KERNEL);
	if (ret)
		return ret;
	ret = dma_map_sgtable(buf->dma_dev, &buf->sgt, DMA_BIDIRECTIONAL, 0);
	if (ret) {
		sg_free_table(&buf->sgt);
		return ret;
	}
	return 0;
}

/*
 * Drops a contig or sg buffer's reference on each of its folios (a page
 * on its own is a folio of one).  A page the kernel's I/O pinned through
 * a user mapping (O_DIRECT, io_uring, vmsplice) holds its folio: that
 * goes back to the allocator when the I/O lets go of it, not now.  The
 * pages are write-back again by now, and no user mapping has them.  Stops
 * at the first missing page (an allocation that failed).
 */
static void mapdev_put_folios(struct mapdev_buffer *buf)
{
	unsigned long i, n, held = 0;
	struct folio *folio;

	for (i = 0; i < buf->nr_pages && buf->pages[i]; i += n) {
		folio = page_folio(buf->pages[i]);
		n = folio_nr_pages(folio);
		if (folio_ref_count(folio) > 1)
			held += n;
		folio_put(folio);
	}
	if (held)
		mapdev_stats_pages_held(held);
}

static int mapdev_alloc_contig(struct mapdev_buffer *buf)
{
	unsigned int order = get_order(buf->size);
	bool whole = buf->nr_pages == 1UL << order;
	unsigned long i;
	struct page *page;
	int ret;

	if (order > MAPDEV_MAX_PAGE_ORDER) {
		dev_err_ratelimited(buf->dma_dev,
				    "contig buffers are at most %lu bytes; use coherent or sg\n",
				    PAGE_SIZE << MAPDEV_MAX_PAGE_ORDER);
		return -EINVAL;
	}
	page = alloc_pages(GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN |
			   (whole && order ? __GFP_COMP : 0) |
			   mapdev_dma_gfp(buf->dma_dev), order);
	if (!page)
		return -ENOMEM;
	if (!mapdev_pages_reachable(buf->dma_dev, page, order)) {
		__free_pages(page, order);
		return -ENOMEM;
	}
	/* Not a power of two: each page on its own, the tail given back. */
	if (!whole) {
		split_page(page, order);
		for (i = buf->nr_pages; i < (1UL << order); i++)
			__free_page(page + i);
	}
	buf->order = order;
	for (i = 0; i < buf->nr_pages; i++)
		buf->pages[i] = page + i;
	ret = mapdev_map_pages(buf);
	if (ret) {
		mapdev_put_folios(buf);
		buf->pages[0] = NULL;
	}
	return ret;
}

static int mapdev_alloc_sg(struct mapdev_buffer *buf)
{
	gfp_t gfp = GFP_KERNEL | __GFP_ZERO | mapdev_dma_gfp(buf->dma_dev);
	unsigned int order = MAPDEV_SG_MAX_ORDER;
	unsigned long done = 0, i;
	struct page *page;
	int ret;

	while (done < buf->nr_pages) {
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			goto err_free;
		}
		while (order && (1UL << order) > buf->nr_pages - done)
			order--;
		/* Large orders only when they come easily; folios, not split. */
		page = alloc_pages(gfp | __GFP_NOWARN |
				   (order ? __GFP_NORETRY | __GFP_COMP : 0), order);
		if (!page) {
			if (!order) {
				ret = -ENOMEM;
				goto err_free;
			}
			order--;
			continue;
		}
		if (!mapdev_pages_reachable(buf->dma_dev, page, order)) {
			__free_pages(page, order);
			ret = -ENOMEM;
			goto err_free;
		}
		for (i = 0; i < (1UL << order); i++)
			buf->pages[done++] = page + i;
		cond_resched();
	}
	ret = mapdev_map_pages(buf);
	if (ret)
		goto err_free;
	return 0;

err_free:
	mapdev_put_folios(buf);
	return ret;
}

static void mapdev_buffer_free_memory(struct mapdev_buffer *buf)
{
	switch (buf->backend) {
	case MAPDEV_BACKEND_COHERENT:
		if (buf->nc_sgt)
			dma_free_noncontiguous(buf->dma_dev, buf->size,
					       buf->nc_sgt, DMA_BIDIRECTIONAL);
		else
			dma_free_coherent(buf->dma_dev, buf->size, buf->vaddr,
					  buf->dma_handle);
		break;
	case MAPDEV_BACKEND_CONTIG:
	case MAPDEV_BACKEND_SG:
		dma_unmap_sgtable(buf->dma_dev, &buf->sgt, DMA_BIDIRECTIONAL, 0);
		sg_free_table(&buf->sgt);
		mapdev_put_folios(buf);
		break;
	}
}

/**
 * mapdev_set_memtype() - change the cache mode of a buffer's pages
 * @buf: the buffer; no user mapping of it may exist
 * @cache: the new mode, enum mapdev_cache
 *
 * Context: caller holds the owning device's lock.
 * Return: 0 or a negative errno; on error the pages are write-back.
 */
int mapdev_set_memtype(struct mapdev_buffer *buf, u32 cache)
{
	int ret = 0;

	if (buf->memtype == cache)
		return 0;
	if (buf->memtype != MAPDEV_CACHE_CACHED) {
		ret = mapdev_pages_set_wb(buf->pages, buf->nr_pages);
		if (ret)
			return ret;
		buf->memtype = MAPDEV_CACHE_CACHED;
	}
	if (cache == MAPDEV_CACHE_UNCACHED)
		ret = mapdev_pages_set_uc(buf->pages, buf->nr_pages);
	else if (cache == MAPDEV_CACHE_WC)
		ret = mapdev_pages_set_wc(buf->pages, buf->nr_pages);
	if (ret) {
		/* set_pages_array_*() undoes its own partial work. */
		return ret;
	}
	buf->memtype = cache;
	return 0;
}

/**
 * mapdev_buffer_alloc() - allocate a zeroed DMA buffer
 * @dma_dev: the device that will DMA to it; a reference is taken
 * @size: bytes, rounded up to the page size; 0 is invalid
 * @backend: MAPDEV_BACKEND_COHERENT, _CONTIG or _SG
 * @cache: enum mapdev_cache, the cache mode the pages start in
 *
 * Return: the buffer, holding one reference the caller owns (drop it with
 * mapdev_buffer_put()), or an ERR_PTR: -EINVAL for a bad size, backend or
 * cache mode, -ENOMEM when the memory cannot be had.
 */
struct mapdev_buffer *mapdev_buffer_alloc(struct device *dma_dev, u64 size,
					  u32 backend, u32 cache)
{
	struct mapdev_buffer *buf;
	int ret;

	if (!size || size > (u64)totalram_pages() << PAGE_SHIFT)
		return ERR_PTR(size ? -ENOMEM : -EINVAL);
	if (backend > MAPDEV_BACKEND_SG || cache > MAPDEV_CACHE_MAX)
		return ERR_PTR(-EINVAL);
	if (mapdev_should_fail_alloc())
		return ERR_PTR(-ENOMEM);

	buf = kzalloc(sizeof(*buf), GFP_KERNEL);
	if (!buf)
		return ERR_PTR(-ENOMEM);
	kref_init(&buf->ref);
	buf->dma_dev = get_device(dma_dev);
	buf->size = PAGE_ALIGN(size);
	buf->nr_pages = buf->size >> PAGE_SHIFT;
	buf->backend = backend;
	buf->memtype = MAPDEV_CACHE_CACHED;
	buf->pages = kvcalloc(buf->nr_pages, sizeof(*buf->pages), GFP_KERNEL);
	if (!buf->pages) {
		ret = -ENOMEM;
		goto err_put_dev;
	}

	switch (backend) {
	case MAPDEV_BACKEND_COHERENT:
		ret = mapdev_alloc_coherent(buf);
		break;
	case MAPDEV_BACKEND_CONTIG:
		ret = mapdev_alloc_contig(buf);
		break;
	default:
		ret = mapdev_alloc_sg(buf);
		break;
	}
	if (ret)
		goto err_free_pages;

	ret = mapdev_set_memtype(buf, cache);
	if (ret)
		goto err_free_memory;

	mapdev_stats_buffer(1, buf->size);
	return buf;

err_free_memory:
	mapdev_buffer_free_memory(buf);
err_free_pages:
	kvfree(buf->pages);
err_put_dev:
	put_device(buf->dma_dev);
	kfree(buf);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_GPL(mapdev_buffer_alloc);

static void mapdev_buffer_release(struct kref *ref)
{
	struct mapdev_buffer *buf = container_of(ref, struct mapdev_buffer, ref);

	/* Pages go back to the allocator write-back, as they came. */
	if (mapdev_set_memtype(buf, MAPDEV_CACHE_CACHED))
		dev_err(buf->dma_dev, "cannot restore write-back on %lu pages; leaking them\n",
			buf->nr_pages);
	else
		mapdev_buffer_free_memory(buf);
	mapdev_stats_buffer(-1, -(long)buf->size);
	kvfree(buf->pages);
	put_device(buf->dma_dev);
	/*
	 * A stale pointer to a freed buffer faults at its first use, KASAN or
	 * not: what a user of a buffer reads first are these.
	 */
	buf->pages = MAPDEV_POISON_PTR;
	buf->sgt.sgl = MAPDEV_POISON_PTR;
	buf->vaddr = MAPDEV_POISON_PTR;
	buf->nr_pages = 0;
	buf->size = 0;
	kfree(buf);
}

/**
 * mapdev_buffer_put() - drop a reference to a buffer
 * @buf: the buffer, or NULL
 *
 * The memory is freed with the last reference.
 */
void mapdev_buffer_put(struct mapdev_buffer *buf)
{
	if (buf)
		kref_put(&buf->ref, mapdev_buffer_release);
}
EXPORT_SYMBOL_GPL(mapdev_buffer_put);

/**
 * mapdev_buffer_contiguous() - whether the buffer is one DMA segment
 * @buf: the buffer
 *
 * Return: true for a single DMA segment.
 */
bool mapdev_buffer_contiguous(const struct mapdev_buffer *buf)
{
	return mapdev_buffer_nr_segments(buf) == 1;
}
EXPORT_SYMBOL_GPL(mapdev_buffer_contiguous);

/**
 * mapdev_buffer_nr_segments() - number of DMA segments of a buffer
 * @buf: the buffer
 *
 * Return: the count, at least 1.
 */
unsigned int mapdev_buffer_nr_segments(const struct mapdev_buffer *buf)
{
	if (buf->backend == MAPDEV_BACKEND_COHERENT)
		return 1;
	return buf->sgt.nents;
}
EXPORT_SYMBOL_GPL(mapdev_buffer_nr_segments);

/**
 * mapdev_buffer_dma_addr() - DMA address of a buffer's first byte
 * @buf: the buffer
 *
 * Return: the address; for a buffer of several segments, the first one's.
 */
dma_addr_t mapdev_buffer_dma_addr(const struct mapdev_buffer *buf)
{
	if (buf->backend == MAPDEV_BACKEND_COHERENT)
		return buf->dma_handle;
	return sg_dma_address(buf->sgt.sgl);
}
EXPORT_SYMBOL_GPL(mapdev_buffer_dma_addr);

/* One physically contiguous piece: a CPU entry, or part of one. */
static void mapdev_sync_piece(struct mapdev_buffer *buf, dma_addr_t seg,
			      u64 off, u64 len, enum dma_data_direction dir,
			      bool for_device)
{
	if (for_device)
		dma_sync_single_range_for_device(buf->dma_dev, seg, off, len, dir);
	else
		dma_sync_single_range_for_cpu(buf->dma_dev, seg, off, len, dir);
}

/**
 * mapdev_buffer_sync() - hand part of a buffer to the CPU or the device
 * @buf: the buffer
 * @offset: first byte
 * @size: bytes; the range must lie inside the buffer
 * @dir: the DMA direction of the transfer
 * @for_device: true before the device accesses it, false after
 *
 * Coherent buffers need no sync; the call then only checks its arguments
 * (those from dma_alloc_noncontiguous() are synced whole).
 * Others are synced a CPU entry of the sg table at a time: each is
 * physically contiguous, where a DMA segment an IOMMU merged from several
 * is not (and a sync reaches the bytes physically contiguous from the
 * address it is given).  An entry's DMA address is its segment's plus the
 * entries before it in the segment: the entries are whole pages, so the
 * IOMMU lays them out back to back.
 *
 * Return: 0, or -EINVAL for a range outside the buffer.
 */
int mapdev_buffer_sync(struct mapdev_buffer *buf, u64 offset, u64 size,
		       enum dma_data_direction dir, bool for_device)
{
	struct scatterlist *dsg, *sg;
	u64 end = offset + size, cpu_start = 0;
	unsigned int i;

	if (offset > buf->size || size > buf->size - offset)
		return -EINVAL;
	if (!size)
		return 0;
	if (buf->backend == MAPDEV_BACKEND_COHERENT) {
		/* No-ops where the device is cache-coherent. */
		if (buf->nc_sgt && for_device)
			dma_sync_sgtable_for_device(buf->dma_dev, buf->nc_sgt, dir);
		else if (buf->nc_sgt)
			dma_sync_sgtable_for_cpu(buf->dma_dev, buf->nc_sgt, dir);
		return 0;
	}

	sg = buf->sgt.sgl;
	for_each_sgtable_dma_sg(&buf->sgt, dsg, i) {
		dma_addr_t seg = sg_dma_address(dsg);
		u64 seg_len = sg_dma_len(dsg), in_seg = 0;

		/* The CPU entries this DMA segment is made of, in order. */
		while (sg && in_seg < seg_len) {
			u64 from = max(offset, cpu_start);
			u64 to = min(end, cpu_start + sg->length);

			if (from < to)
				mapdev_sync_piece(buf, seg, in_seg + from - cpu_start,
						  to - from, dir, for_device);
			in_seg += sg->length;
			cpu_start += sg->length;
			sg = sg_next(sg);
		}
		if (in_seg != seg_len) {
			/* Not back to back after all: the whole table, then. */
			dev_warn_once(buf->dma_dev, "DMA segment of %llu bytes from CPU entries of %llu; syncing whole buffers\n",
				      seg_len, in_seg);
			if (for_device)
				dma_sync_sgtable_for_device(buf->dma_dev, &buf->sgt, dir);
			else
				dma_sync_sgtable_for_cpu(buf->dma_dev, &buf->sgt, dir);
			return 0;
		}
		if (cpu_start >= end)
			break;
	}
	return 0;
}
EXPORT_SYMBOL_GPL(mapdev_buffer_sync);
