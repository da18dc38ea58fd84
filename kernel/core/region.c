// SPDX-License-Identifier: GPL-2.0
/*
 * Regions: the windows of a device's offset space.  A driver adds them to
 * a device before registering it; they stay until it is unregistered.
 * Each is at most MAPDEV_REGION_OFFSET(1) long, the distance between two
 * regions' offsets: a mapping's offset says which region it maps.
 */
#include <linux/io.h>
#include <linux/slab.h>

#include "mapdev_core.h"

static struct mapdev_region *mapdev_new_region(struct mapdev_device *md,
					       const char *name, u32 type,
					       u64 size)
{
	struct mapdev_region *r;

	if (md->registered || md->nr_regions >= MAPDEV_MAX_REGIONS ||
	    size > MAPDEV_REGION_OFFSET(1))
		return NULL;
	r = &md->regions[md->nr_regions];
	strscpy(r->name, name, sizeof(r->name));
	r->type = type;
	return r;
}

/**
 * mapdev_device_add_buffer() - add a buffer region to a device
 * @md: a device not yet registered
 * @name: region name
 * @buf: the buffer; the region takes over the caller's reference
 * @cache: default cache mode of its mappings (enum mapdev_cache)
 *
 * Return: the region index, or -EINVAL (registered, bad cache mode, no
 * region left, larger than MAPDEV_REGION_OFFSET(1)).  On error the caller
 * keeps its reference.
 */
int mapdev_device_add_buffer(struct mapdev_device *md, const char *name,
			     struct mapdev_buffer *buf, u32 cache)
{
	struct mapdev_region *r;

	if (cache > MAPDEV_CACHE_MAX)
		return -EINVAL;
	r = mapdev_new_region(md, name, MAPDEV_REGION_BUFFER, buf->size);
	if (!r)
		return -EINVAL;
	r->size = buf->size;
	r->flags = MAPDEV_REGION_F_READ | MAPDEV_REGION_F_WRITE |
		   MAPDEV_REGION_F_MMAP | MAPDEV_REGION_F_DMA;
	if (mapdev_buffer_contiguous(buf))
		r->flags |= MAPDEV_REGION_F_CONTIG;
	r->cache = cache;
	r->buf = buf;
	return md->nr_regions++;
}
EXPORT_SYMBOL_GPL(mapdev_device_add_buffer);

static void __iomem *mapdev_iomem_map(phys_addr_t phys, u64 size, u32 cache)
{
	switch (cache) {
	case MAPDEV_CACHE_WC:
		return ioremap_wc(phys, size);
	case MAPDEV_CACHE_CACHED:
		return ioremap_cache(phys, size);
	default:
		return ioremap(phys, size);
	}
}

/**
 * mapdev_device_add_iomem() - add a device memory region (a BAR, a range)
 * @md: a device not yet registered
 * @name: region name
 * @phys: physical address of the first byte; the caller owns the range
 *	(request_mem_region() or the PCI equivalent) until unregister
 * @size: bytes
 * @flags: MAPDEV_REGION_F_WRITE, _PREFETCH; _MMAP is added when @phys and
 *	@size are page-aligned
 * @cache: cache mode of mappings: UNCACHED, or WC for a prefetchable region,
 *	or CACHED for memory that is really RAM (a reserved range), which can
 *	later switch between all three
 *
 * Core maps the range into the kernel in mode @cache (which on x86 also
 * sets the memory type user mappings get) and unmaps it at unregister.
 *
 * Return: the region index, or -EINVAL (also for more than
 * MAPDEV_REGION_OFFSET(1) bytes), -ENOMEM (no kernel mapping).
 */
int mapdev_device_add_iomem(struct mapdev_device *md, const char *name,
			    phys_addr_t phys, u64 size, u32 flags, u32 cache)
{
	struct mapdev_region *r;

	if (!size || cache > MAPDEV_CACHE_MAX ||
	    (cache == MAPDEV_CACHE_WC && !(flags & MAPDEV_REGION_F_PREFETCH)))
		return -EINVAL;
	r = mapdev_new_region(md, name, MAPDEV_REGION_IOMEM, size);
	if (!r)
		return -EINVAL;
	r->kva = mapdev_iomem_map(phys, size, cache);
	if (!r->kva)
		return -ENOMEM;
	r->phys = phys;
	r->size = size;
	r->cache = cache;
	r->cacheable = cache == MAPDEV_CACHE_CACHED;
	r->flags = MAPDEV_REGION_F_READ |
		   (flags & (MAPDEV_REGION_F_WRITE | MAPDEV_REGION_F_PREFETCH));
	if (PAGE_ALIGNED(phys) && PAGE_ALIGNED(size))
		r->flags |= MAPDEV_REGION_F_MMAP;
	return md->nr_regions++;
}
EXPORT_SYMBOL_GPL(mapdev_device_add_iomem);

/**
 * mapdev_iomem_set_cache() - change the cache mode of a device memory region
 * @r: the region; it must have no mapping
 * @cache: the new mode
 *
 * Context: the device's lock is held; readers of @r->kva hold it too.
 * Return: 0, -EINVAL (a mode the region cannot have), -ENOMEM.  On
 * -ENOMEM the region keeps its old mode, or, when even that cannot be
 * mapped again, loses its kernel mapping (@r->kva NULL) and with it read,
 * write and mmap.
 */
int mapdev_iomem_set_cache(struct mapdev_region *r, u32 cache)
{
	void __iomem *kva;

	if (cache == MAPDEV_CACHE_WC && !(r->flags & MAPDEV_REGION_F_PREFETCH))
		return -EINVAL;
	if (cache == MAPDEV_CACHE_CACHED && !r->cacheable)
		return -EINVAL;
	if (cache == r->cache)
		return 0;
	/* x86 PAT: one memory type at a time, so the old mapping goes first. */
	iounmap(r->kva);
	kva = mapdev_should_fail_ioremap() ? NULL :
	      mapdev_iomem_map(r->phys, r->size, cache);
	if (!kva) {
		r->kva = mapdev_should_fail_ioremap() ? NULL :
			 mapdev_iomem_map(r->phys, r->size, r->cache);
		if (!r->kva)
			WRITE_ONCE(r->flags,
				   r->flags & ~(MAPDEV_REGION_F_READ |
						MAPDEV_REGION_F_WRITE |
						MAPDEV_REGION_F_MMAP));
		return -ENOMEM;
	}
	r->kva = kva;
	r->cache = cache;
	return 0;
}

/**
 * mapdev_device_add_rw() - add a region the driver reads and writes
 * @md: a device not yet registered; its ops must have region_rw
 * @name: region name
 * @size: bytes
 * @flags: MAPDEV_REGION_F_READ and/or _WRITE
 *
 * Return: the region index, or -EINVAL (also for more than
 * MAPDEV_REGION_OFFSET(1) bytes).
 */
int mapdev_device_add_rw(struct mapdev_device *md, const char *name,
			 u64 size, u32 flags)
{
	struct mapdev_region *r;

	if (!md->ops || !md->ops->region_rw)
		return -EINVAL;
	r = mapdev_new_region(md, name, MAPDEV_REGION_RW, size);
	if (!r)
		return -EINVAL;
	r->size = size;
	r->flags = flags & (MAPDEV_REGION_F_READ | MAPDEV_REGION_F_WRITE);
	return md->nr_regions++;
}
EXPORT_SYMBOL_GPL(mapdev_device_add_rw);

/**
 * mapdev_device_add_irqs() - give a device an interrupt region of @nr vectors
 * @md: a device not yet registered
 * @nr: the most vectors it can have (MSI-X: its table size); one is in use
 *	until the driver says otherwise with mapdev_irq_set_active()
 *
 * Return: the region index, or -EINVAL (registered, has one already, @nr
 * 0), -ENOSPC (no region left), -ENOMEM.
 */
int mapdev_device_add_irqs(struct mapdev_device *md, unsigned int nr)
{
	struct mapdev_irq *vec;
	struct mapdev_region *r;
	unsigned int v;

	if (md->registered || md->irq_index >= 0 || !nr)
		return -EINVAL;
	if (md->nr_regions >= MAPDEV_MAX_REGIONS)
		return -ENOSPC;
	if (nr > 1) {
		vec = kvcalloc(nr, sizeof(*vec), GFP_KERNEL);
		if (!vec)
			return -ENOMEM;
		for (v = 0; v < nr; v++)
			mapdev_irq_init(&vec[v]);
		md->vectors = vec;
		md->nr_vectors = nr;
	}
	md->nr_active = 1;
	r = &md->regions[md->nr_regions];
	strscpy(r->name, "irq", sizeof(r->name));
	r->type = MAPDEV_REGION_IRQ;
	r->size = sizeof(u32);
	r->flags = MAPDEV_REGION_F_READ | MAPDEV_REGION_F_WRITE |
		   MAPDEV_REGION_F_IRQ;
	md->irq_index = md->nr_regions;
	return md->nr_regions++;
}
EXPORT_SYMBOL_GPL(mapdev_device_add_irqs);

/**
 * mapdev_device_add_irq() - give a device an interrupt counter region
 * @md: a device not yet registered
 *
 * Return: the region index, or -EINVAL (registered, or has one already),
 * -ENOSPC (no region left).
 */
int mapdev_device_add_irq(struct mapdev_device *md)
{
	return mapdev_device_add_irqs(md, 1);
}
EXPORT_SYMBOL_GPL(mapdev_device_add_irq);

/**
 * mapdev_region_protect() - keep user space from writing part of a region
 * @md: a device not yet registered
 * @index: an iomem region of it
 * @offset: first byte of the range (an MSI-X table, a PBA)
 * @len: bytes
 *
 * write() into the range fails with -EACCES; a mapping that covers a page
 * holding part of it can only be read-only (a writable one: -EACCES).
 *
 * Return: 0, or -EINVAL (registered, not an iomem region, outside it, two
 * ranges already).
 */
int mapdev_region_protect(struct mapdev_device *md, unsigned int index,
			  u64 offset, u64 len)
{
	struct mapdev_region *r;

	if (md->registered || index >= md->nr_regions || !len)
		return -EINVAL;
	r = &md->regions[index];
	if (r->type != MAPDEV_REGION_IOMEM || offset >= r->size ||
	    len > r->size - offset || r->nr_protected >= ARRAY_SIZE(r->protected))
		return -EINVAL;
	r->protected[r->nr_protected].start = offset;
	r->protected[r->nr_protected].end = offset + len;
	r->nr_protected++;
	return 0;
}
EXPORT_SYMBOL_GPL(mapdev_region_protect);

/**
 * mapdev_parse_specs() - run @one on each entry of a comma-separated list
 * @list: a module parameter such as "a:4K,b:8K"; not modified
 * @one: called with each non-empty entry (a writable copy); returns 0 or
 *	a negative errno
 *
 * Stops at the first error.  -EEXIST becomes -EINVAL: modprobe takes
 * EEXIST from a module's init for "already loaded" and would report
 * success.
 *
 * Return: 0, the first error, or -ENOMEM.
 */
int mapdev_parse_specs(const char *list, int (*one)(char *spec))
{
	char *copy, *s, *spec;
	int ret = 0;

	copy = kstrdup(list, GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	s = copy;
	while ((spec = strsep(&s, ",")) != NULL) {
		if (!*spec)
			continue;
		ret = one(spec);
		if (ret)
			break;
	}
	kfree(copy);
	return ret == -EEXIST ? -EINVAL : ret;
}
EXPORT_SYMBOL_GPL(mapdev_parse_specs);
