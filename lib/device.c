// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libmapdev: a handle on one mapdev device (/dev/mapdev/NAME), its regions,
 * and mappings of them.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "internal.h"

/* More regions than this is not a device we understand. */
#define LMD_REGIONS_SANE	1024

struct mapdev_device {
	int fd;
	unsigned int num_regions;
	struct mapdev_region_info *regions;
	char name[MAPDEV_NAME_LEN];
	char driver[MAPDEV_NAME_LEN];
	char node[PATH_MAX];
};

struct mapdev_mapping {
	void *base;		/* what mmap() returned */
	size_t maplen;		/* what was mmap()ed */
	size_t delta;		/* from base to the first byte asked for */
	size_t length;		/* as asked for */
	unsigned int index;
	uint64_t offset;	/* inside the region */
};

struct mapdev_device *mapdev_device_open(const char *name_or_path, int flags)
{
	struct mapdev_info info;
	struct mapdev_device *dev;
	unsigned int i;
	int err;

	if (flags & ~(O_ACCMODE | O_SYNC | O_NONBLOCK | O_CLOEXEC)) {
		errno = EINVAL;
		return NULL;
	}
	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return NULL;
	if (mapdev_device_path(name_or_path, dev->node, sizeof(dev->node)))
		goto err_free;
	dev->fd = open(dev->node, flags | O_CLOEXEC);
	if (dev->fd < 0)
		goto err_free;

	memset(&info, 0, sizeof(info));
	info.argsz = sizeof(info);
	if (lmd_ioctl(dev->fd, MAPDEV_IOC_INFO, &info))
		goto err_close;
	if (info.num_regions > LMD_REGIONS_SANE) {
		errno = EPROTO;
		goto err_close;
	}
	memcpy(dev->name, info.name, sizeof(dev->name));
	dev->name[sizeof(dev->name) - 1] = '\0';
	memcpy(dev->driver, info.driver, sizeof(dev->driver));
	dev->driver[sizeof(dev->driver) - 1] = '\0';

	dev->num_regions = info.num_regions;
	if (dev->num_regions) {
		dev->regions = calloc(dev->num_regions,
				      sizeof(*dev->regions));
		if (!dev->regions)
			goto err_close;
	}
	for (i = 0; i < dev->num_regions; i++) {
		struct mapdev_region_info *r = &dev->regions[i];

		r->argsz = sizeof(*r);
		r->index = i;
		if (lmd_ioctl(dev->fd, MAPDEV_IOC_REGION_INFO, r))
			goto err_regions;
		r->name[sizeof(r->name) - 1] = '\0';
	}
	return dev;

err_regions:
	err = errno;
	free(dev->regions);
	errno = err;
err_close:
	err = errno;
	close(dev->fd);
	errno = err;
err_free:
	err = errno;
	free(dev);
	errno = err;
	return NULL;
}

void mapdev_device_close(struct mapdev_device *dev)
{
	int err = errno;

	if (!dev)
		return;
	close(dev->fd);
	free(dev->regions);
	free(dev);
	errno = err;
}

int mapdev_device_fd(const struct mapdev_device *dev)
{
	return dev->fd;
}

const char *mapdev_device_node(const struct mapdev_device *dev)
{
	return dev->node;
}

const char *mapdev_device_name(const struct mapdev_device *dev)
{
	return dev->name;
}

const char *mapdev_device_driver(const struct mapdev_device *dev)
{
	return dev->driver;
}

unsigned int mapdev_device_num_regions(const struct mapdev_device *dev)
{
	return dev->num_regions;
}

static const struct mapdev_region_info *
region(const struct mapdev_device *dev, unsigned int index)
{
	if (!dev || index >= dev->num_regions) {
		errno = EINVAL;
		return NULL;
	}
	return &dev->regions[index];
}

int mapdev_device_region_index(const struct mapdev_device *dev,
			       uint64_t offset, uint64_t *inner)
{
	unsigned int i;

	for (i = 0; i < dev->num_regions; i++) {
		const struct mapdev_region_info *r = &dev->regions[i];

		if (offset >= r->offset && offset - r->offset < r->size) {
			if (inner)
				*inner = offset - r->offset;
			return i;
		}
	}
	errno = ENXIO;
	return -1;
}

const char *mapdev_region_name(const struct mapdev_device *dev,
			       unsigned int index)
{
	const struct mapdev_region_info *r = region(dev, index);

	return r ? r->name : NULL;
}

uint64_t mapdev_region_size(const struct mapdev_device *dev,
			    unsigned int index)
{
	const struct mapdev_region_info *r = region(dev, index);

	return r ? r->size : 0;
}

uint64_t mapdev_region_offset(const struct mapdev_device *dev,
			      unsigned int index)
{
	const struct mapdev_region_info *r = region(dev, index);

	return r ? r->offset : 0;
}

uint32_t mapdev_region_flags(const struct mapdev_device *dev,
			     unsigned int index)
{
	const struct mapdev_region_info *r = region(dev, index);

	return r ? r->flags : 0;
}

unsigned int mapdev_region_backend(const struct mapdev_device *dev,
				   unsigned int index)
{
	const struct mapdev_region_info *r = region(dev, index);

	return r ? r->backend : 0;
}

unsigned int mapdev_region_cache(const struct mapdev_device *dev,
				 unsigned int index)
{
	const struct mapdev_region_info *r = region(dev, index);

	return r ? r->cache : 0;
}

uint64_t mapdev_region_dma_addr(const struct mapdev_device *dev,
				unsigned int index)
{
	const struct mapdev_region_info *r = region(dev, index);

	return r ? r->dma_addr : 0;
}

unsigned int mapdev_region_nr_segments(const struct mapdev_device *dev,
				       unsigned int index)
{
	const struct mapdev_region_info *r = region(dev, index);

	return r ? r->nr_segments : 0;
}

static int device_sync(struct mapdev_device *dev, unsigned int index,
		       uint64_t offset, uint64_t size, unsigned int dir,
		       uint32_t flags)
{
	struct mapdev_sync s;

	if (!region(dev, index))
		return -1;
	memset(&s, 0, sizeof(s));
	s.argsz = sizeof(s);
	s.flags = flags;
	s.index = index;
	s.direction = dir;
	s.offset = offset;
	s.size = size;
	return lmd_ioctl(dev->fd, MAPDEV_IOC_SYNC, &s);
}

int mapdev_device_sync_for_cpu(struct mapdev_device *dev, unsigned int index,
			       uint64_t offset, uint64_t size,
			       unsigned int dir)
{
	return device_sync(dev, index, offset, size, dir,
			   MAPDEV_SYNC_FOR_CPU);
}

int mapdev_device_sync_for_device(struct mapdev_device *dev,
				  unsigned int index, uint64_t offset,
				  uint64_t size, unsigned int dir)
{
	return device_sync(dev, index, offset, size, dir,
			   MAPDEV_SYNC_FOR_DEVICE);
}

struct mapdev_dma_segment *
mapdev_device_dma_segments(struct mapdev_device *dev, unsigned int index,
			   size_t *count)
{
	struct mapdev_dma_segment *segs = NULL, *nsegs;
	struct mapdev_dma_segments q;
	uint32_t cap = 0;
	int err;

	*count = 0;
	if (!region(dev, index))
		return NULL;
	for (;;) {
		memset(&q, 0, sizeof(q));
		q.argsz = sizeof(q);
		q.index = index;
		q.count = cap;
		q.segments = (uintptr_t)segs;
		if (lmd_ioctl(dev->fd, MAPDEV_IOC_DMA_SEGMENTS, &q))
			goto err_free;
		if (q.total <= cap)
			break;
		/* It grew (or this was the first call): ask again. */
		cap = q.total;
		nsegs = realloc(segs, (size_t)cap * sizeof(*segs));
		if (!nsegs)
			goto err_free;
		segs = nsegs;
	}
	if (!q.total) {
		free(segs);
		errno = 0;
		return NULL;
	}
	*count = q.total;
	return segs;

err_free:
	err = errno;
	free(segs);
	errno = err;
	return NULL;
}

int mapdev_device_set_cache(struct mapdev_device *dev, unsigned int index,
			    unsigned int cache)
{
	struct mapdev_region_info *r;
	struct mapdev_set_cache c;

	if (!region(dev, index))
		return -1;
	memset(&c, 0, sizeof(c));
	c.argsz = sizeof(c);
	c.index = index;
	c.cache = cache;
	if (lmd_ioctl(dev->fd, MAPDEV_IOC_SET_CACHE, &c))
		return -1;
	r = &dev->regions[index];
	r->cache = cache;
	return 0;
}

int mapdev_device_export_dmabuf(struct mapdev_device *dev, unsigned int index,
				int flags)
{
	struct mapdev_export_dmabuf e;

	if (!region(dev, index))
		return -1;
	memset(&e, 0, sizeof(e));
	e.argsz = sizeof(e);
	e.flags = (uint32_t)flags | O_CLOEXEC;
	e.index = index;
	if (lmd_ioctl(dev->fd, MAPDEV_IOC_EXPORT_DMABUF, &e))
		return -1;
	return e.fd;
}

int mapdev_device_irq_region(const struct mapdev_device *dev)
{
	unsigned int i;

	for (i = 0; i < dev->num_regions; i++)
		if (dev->regions[i].flags & MAPDEV_REGION_F_IRQ)
			return i;
	errno = ENOENT;
	return -1;
}

int mapdev_device_irq_wait(struct mapdev_device *dev, uint32_t *count)
{
	int i = mapdev_device_irq_region(dev);
	uint32_t v;
	ssize_t n;

	if (i < 0)
		return -1;
	n = pread(dev->fd, &v, sizeof(v), (off_t)dev->regions[i].offset);
	if (n < 0)
		return -1;
	if (n != sizeof(v)) {
		errno = EIO;
		return -1;
	}
	if (count)
		*count = v;
	return 0;
}

int mapdev_device_irq_enable(struct mapdev_device *dev, bool enable)
{
	int i = mapdev_device_irq_region(dev);
	uint32_t v = enable;
	ssize_t n;

	if (i < 0)
		return -1;
	do {
		n = pwrite(dev->fd, &v, sizeof(v),
			   (off_t)dev->regions[i].offset);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	if (n != sizeof(v)) {
		errno = EIO;
		return -1;
	}
	return 0;
}

int mapdev_device_set_eventfd(struct mapdev_device *dev, int fd)
{
	struct mapdev_set_eventfd e;

	memset(&e, 0, sizeof(e));
	e.argsz = sizeof(e);
	e.fd = fd;
	return lmd_ioctl(dev->fd, MAPDEV_IOC_SET_EVENTFD, &e);
}

int mapdev_device_irq_vector(struct mapdev_device *dev, unsigned int vector)
{
	struct mapdev_irq_vector v;

	memset(&v, 0, sizeof(v));
	v.argsz = sizeof(v);
	v.vector = vector;
	return lmd_ioctl(dev->fd, MAPDEV_IOC_SET_IRQ_VECTOR, &v);
}

int mapdev_device_set_eventfd_vector(struct mapdev_device *dev,
				     unsigned int vector, int fd)
{
	struct mapdev_set_eventfd e;

	memset(&e, 0, sizeof(e));
	e.argsz = sizeof(e);
	e.flags = MAPDEV_EVENTFD_F_VECTOR;
	e.fd = fd;
	e.vector = vector;
	return lmd_ioctl(dev->fd, MAPDEV_IOC_SET_EVENTFD, &e);
}

int mapdev_device_irq_vectors(struct mapdev_device *dev, unsigned int want,
			      unsigned int *count, unsigned int *max)
{
	struct mapdev_pci_irqs a;

	memset(&a, 0, sizeof(a));
	a.argsz = sizeof(a);
	if (want) {
		a.flags = MAPDEV_PCI_IRQS_F_SET;
		a.count = want;
	}
	if (lmd_ioctl(dev->fd, MAPDEV_PCI_IOC_IRQS, &a))
		return -1;
	if (count)
		*count = a.count;
	if (max)
		*max = a.max;
	return 0;
}

struct mapdev_mapping *mapdev_device_map(struct mapdev_device *dev,
					 unsigned int index, uint64_t offset,
					 size_t length, int prot)
{
	const struct mapdev_region_info *r = region(dev, index);
	struct mapdev_mapping *map;
	uint64_t page, aligned, moff;
	int err;

	if (!r)
		return NULL;
	if (prot & ~(PROT_READ | PROT_WRITE) || !prot) {
		errno = EINVAL;
		return NULL;
	}
	if (offset > r->size) {
		errno = EINVAL;
		return NULL;
	}
	if (!length) {
		if (r->size - offset > SIZE_MAX) {
			errno = ENOMEM;
			return NULL;
		}
		length = r->size - offset;
	}
	if (!length || length > r->size - offset) {
		errno = EINVAL;
		return NULL;
	}
	page = (uint64_t)sysconf(_SC_PAGESIZE);
	aligned = offset & ~(page - 1);
	moff = r->offset + aligned;
	if (moff < r->offset || moff > (uint64_t)INT64_MAX) {
		errno = EOVERFLOW;
		return NULL;
	}
	map = calloc(1, sizeof(*map));
	if (!map)
		return NULL;
	map->delta = offset - aligned;
	if (length > SIZE_MAX - map->delta) {
		free(map);
		errno = ENOMEM;
		return NULL;
	}
	map->maplen = map->delta + length;
	map->length = length;
	map->index = index;
	map->offset = offset;
	map->base = mmap(NULL, map->maplen, prot, MAP_SHARED, dev->fd,
			 (off_t)moff);
	if (map->base == MAP_FAILED) {
		err = errno;
		free(map);
		errno = err;
		return NULL;
	}
	return map;
}

int mapdev_mapping_unmap(struct mapdev_mapping *map)
{
	int ret, err;

	if (!map)
		return 0;
	ret = munmap(map->base, map->maplen);
	err = errno;
	free(map);
	errno = err;
	return ret;
}

void *mapdev_mapping_addr(const struct mapdev_mapping *map)
{
	return (char *)map->base + map->delta;
}

size_t mapdev_mapping_length(const struct mapdev_mapping *map)
{
	return map->length;
}

unsigned int mapdev_mapping_region(const struct mapdev_mapping *map)
{
	return map->index;
}

uint64_t mapdev_mapping_offset(const struct mapdev_mapping *map)
{
	return map->offset;
}

int mapdev_mapping_sync_for_cpu(const struct mapdev_mapping *map,
				struct mapdev_device *dev, unsigned int dir)
{
	return mapdev_device_sync_for_cpu(dev, map->index, map->offset,
					  map->length, dir);
}

int mapdev_mapping_sync_for_device(const struct mapdev_mapping *map,
				   struct mapdev_device *dev,
				   unsigned int dir)
{
	return mapdev_device_sync_for_device(dev, map->index, map->offset,
					     map->length, dir);
}
