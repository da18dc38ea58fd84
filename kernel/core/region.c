// SPDX-License-Identifier: GPL-2.0
/*
 * Regions: the windows of a device's offset space.  A driver adds them to
 * a device before registering it; they stay until it is unregistered.
 */
#include <linux/io.h>
#include <linux/slab.h>

#include "mapdev_core.h"

static struct mapdev_region *mapdev_new_region(struct mapdev_device *md,
					       const char *name, u32 type)
{
	struct mapdev_region *r;

	if (md->registered || md->nr_regions >= MAPDEV_MAX_REGIONS)
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
 * region left).  On error the caller keeps its reference.
 */
int mapdev_device_add_buffer(struct mapdev_device *md, const char *name,
			     struct mapdev_buffer *buf, u32 cache)
{
	struct mapdev_region *r;

	if (cache > MAPDEV_CACHE_MAX)
		return -EINVAL;
	r = mapdev_new_region(md, name, MAPDEV_REGION_BUFFER);
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
 * Return: the region index, or -EINVAL, -ENOMEM (no kernel mapping).
 */
int mapdev_device_add_iomem(struct mapdev_device *md, const char *name,
			    phys_addr_t phys, u64 size, u32 flags, u32 cache)
{
	struct mapdev_region *r;

	if (!size || cache > MAPDEV_CACHE_MAX ||
	    (cache == MAPDEV_CACHE_WC && !(flags & MAPDEV_REGION_F_PREFETCH)))
		return -EINVAL;
	r = mapdev_new_region(md, name, MAPDEV_REGION_IOMEM);
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
 * Context: the device's lock is held.
 * Return: 0, -EINVAL (a mode the region cannot have), -ENOMEM.  On
 * -ENOMEM the region keeps its old mode.
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
			r->flags &= ~(MAPDEV_REGION_F_READ | MAPDEV_REGION_F_WRITE |
				      MAPDEV_REGION_F_MMAP);
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
 * Return: the region index, or -EINVAL.
 */
int mapdev_device_add_rw(struct mapdev_device *md, const char *name,
			 u64 size, u32 flags)
{
	struct mapdev_region *r;

	if (!md->ops || !md->ops->region_rw)
		return -EINVAL;
	r = mapdev_new_region(md, name, MAPDEV_REGION_RW);
	if (!r)
		return -EINVAL;
	r->size = size;
	r->flags = flags & (MAPDEV_REGION_F_READ | MAPDEV_REGION_F_WRITE);
	return md->nr_regions++;
}
EXPORT_SYMBOL_GPL(mapdev_device_add_rw);

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

/**
 * mapdev_buffer_device_create() - a registered device with one buffer
 * @parent: parent of the new device
 * @dma_dev: the device the buffer is for
 * @driver: the driver's name
 * @name: the device name, checked with mapdev_check_name()
 * @size: bytes
 * @backend: COHERENT, CONTIG or SG
 * @cache: enum mapdev_cache
 *
 * Return: the device (end it with mapdev_device_unregister()), or an
 * ERR_PTR: -EINVAL, -EEXIST (name taken), -ENOMEM.
 */
struct mapdev_device *mapdev_buffer_device_create(struct device *parent,
						  struct device *dma_dev,
						  const char *driver,
						  const char *name, u64 size,
						  u32 backend, u32 cache)
{
	struct mapdev_buffer *buf;
	struct mapdev_device *md;
	int ret;

	if (mapdev_check_name(name) || backend > MAPDEV_BACKEND_SG ||
	    cache > MAPDEV_CACHE_MAX || !size)
		return ERR_PTR(-EINVAL);
	buf = mapdev_buffer_alloc(dma_dev, size, backend, cache);
	if (IS_ERR(buf))
		return ERR_CAST(buf);
	md = mapdev_device_alloc(parent, driver, NULL, "%s", name);
	if (IS_ERR(md)) {
		mapdev_buffer_put(buf);
		return md;
	}
	ret = mapdev_device_add_buffer(md, "buffer", buf, cache);
	if (ret < 0) {
		mapdev_buffer_put(buf);
		mapdev_device_unregister(md);
		return ERR_PTR(ret);
	}
	/* From here the region owns the buffer: unregister frees both. */
	ret = mapdev_device_register(md);
	if (ret) {
		mapdev_device_unregister(md);
		return ERR_PTR(ret);
	}
	return md;
}
EXPORT_SYMBOL_GPL(mapdev_buffer_device_create);
