/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mapdev core: the interface between mapdev_core.ko and the drivers built
 * on it (buf, pci, phys, edu).
 *
 * A driver describes its memory as regions of a struct mapdev_device and
 * registers the device; core owns the character device, every mmap, fault,
 * cache attribute, sync and the revocation of mappings.  Drivers never
 * touch a vm_area_struct.
 *
 * Lifetime rules:
 *  - a mapdev_device lives until it is unregistered and its last open file
 *    is closed; after mapdev_device_unregister() returns, core calls none of
 *    the driver's ops and every user mapping is zapped (a later touch gets
 *    SIGBUS);
 *  - a buffer's memory is freed when its region is gone and no VMA refers to
 *    it any more, so no user mapping ever points to freed memory.
 */
#ifndef _MAPDEV_CORE_H
#define _MAPDEV_CORE_H

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/dma-direction.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/scatterlist.h>
#include <linux/types.h>
#include <linux/mapdev.h>

struct mapdev_device;
struct file;
struct vm_area_struct;

/**
 * struct mapdev_buffer - DMA-able memory that user space can map
 * @ref: one reference for the region that owns it, one per VMA
 * @dma_dev: the device the memory is allocated and DMA-mapped for
 * @size: bytes, a multiple of PAGE_SIZE
 * @nr_pages: @size in pages
 * @backend: enum mapdev_backend
 * @memtype: the cache mode the pages have now (enum mapdev_cache)
 * @pages: every page of the buffer, in order
 * @vaddr: coherent backend: the kernel address from dma_alloc_coherent()
 * @dma_handle: coherent backend: the DMA address
 * @order: contig backend: the allocation order
 * @chunks: sg backend: the number of allocations in @chunk_pages
 * @chunk_pages: sg backend: first page of each allocation
 * @chunk_orders: sg backend: order of each allocation
 * @sgt: contig and sg backends: the DMA mapping
 */
struct mapdev_buffer {
	struct kref ref;
	struct device *dma_dev;
	u64 size;
	unsigned long nr_pages;
	u32 backend;
	u32 memtype;
	struct page **pages;
	void *vaddr;
	dma_addr_t dma_handle;
	unsigned int order;
	unsigned int chunks;
	struct page **chunk_pages;
	u8 *chunk_orders;
	struct sg_table sgt;
};

/**
 * struct mapdev_region - one mappable window of a device
 * @name: shown in sysfs and MAPDEV_IOC_REGION_INFO
 * @size: bytes, a multiple of PAGE_SIZE
 * @flags: MAPDEV_REGION_F_*
 * @cache: default cache mode of mappings (enum mapdev_cache)
 * @buf: the memory, for buffer regions
 * @map_count: live VMAs of this region
 */
struct mapdev_region {
	char name[MAPDEV_NAME_LEN];
	u64 size;
	u32 flags;
	u32 cache;
	struct mapdev_buffer *buf;
	atomic_t map_count;
};

/**
 * struct mapdev_ops - what a driver may add to a device (all optional)
 * @ioctl: ioctls core does not know; called while the device is alive
 */
struct mapdev_ops {
	long (*ioctl)(struct mapdev_device *md, struct file *file,
		      unsigned int cmd, unsigned long arg);
};

/**
 * struct mapdev_device - a character device /dev/mapdev/NAME and its regions
 * @dev: the class device; its refcount is the object's lifetime
 * @cdev: the character device
 * @inode: private inode whose address_space holds every VMA, for revocation
 * @lock: serialises mmap setup, cache mode changes and sync parameters
 * @ops_lock: held for reading around driver ops, for writing by unregister
 * @dead: set once by unregister; read under SRCU
 * @registered: cdev and device are added
 * @ops: driver callbacks
 * @priv: driver data
 * @driver: driver name, shown by MAPDEV_IOC_INFO
 * @nr_regions: number of entries in @regions
 * @regions: the regions, index = mmap offset >> MAPDEV_REGION_SHIFT
 * @groups: the sysfs groups of the regions it has (regionN/)
 * @map_count: live VMAs of the device
 * @open_count: open files of the device
 * @sync_offset: sysfs sync_offset
 * @sync_size: sysfs sync_size
 * @sync_direction: sysfs sync_direction
 */
struct mapdev_device {
	struct device dev;
	struct cdev cdev;
	struct inode *inode;
	struct mutex lock;
	struct rw_semaphore ops_lock;
	bool dead;
	bool registered;
	const struct mapdev_ops *ops;
	void *priv;
	char driver[MAPDEV_NAME_LEN];
	unsigned int nr_regions;
	struct mapdev_region regions[MAPDEV_MAX_REGIONS];
	const struct attribute_group *groups[MAPDEV_MAX_REGIONS + 1];
	atomic_t map_count;
	atomic_t open_count;
	u64 sync_offset;
	u64 sync_size;
	u32 sync_direction;
};

static inline struct mapdev_device *to_mapdev_device(struct device *dev)
{
	return container_of(dev, struct mapdev_device, dev);
}

/* Buffers (core/buffer.c) */
struct mapdev_buffer *mapdev_buffer_alloc(struct device *dma_dev, u64 size,
					  u32 backend, u32 cache);
void mapdev_buffer_put(struct mapdev_buffer *buf);
int mapdev_buffer_sync(struct mapdev_buffer *buf, u64 offset, u64 size,
		       enum dma_data_direction dir, bool for_device);
bool mapdev_buffer_contiguous(const struct mapdev_buffer *buf);
dma_addr_t mapdev_buffer_dma_addr(const struct mapdev_buffer *buf);
unsigned int mapdev_buffer_nr_segments(const struct mapdev_buffer *buf);

/* Devices (core/main.c) */
struct mapdev_device *mapdev_device_alloc(struct device *parent,
					  const char *driver,
					  const struct mapdev_ops *ops,
					  const char *fmt, ...) __printf(4, 5);
int mapdev_device_add_buffer(struct mapdev_device *md, const char *name,
			     struct mapdev_buffer *buf, u32 cache);
int mapdev_device_register(struct mapdev_device *md);
void mapdev_device_unregister(struct mapdev_device *md);
int mapdev_check_name(const char *name);
int mapdev_ioctl_arg_in(void *karg, size_t ksize, size_t minsz,
			unsigned long arg);
int mapdev_ioctl_arg_out(unsigned long arg, const void *karg, size_t ksize);

extern struct srcu_struct mapdev_srcu;

/* Internal to core */
extern const struct attribute_group *mapdev_dev_groups[];
extern const struct attribute_group *mapdev_region_groups[MAPDEV_MAX_REGIONS];
int mapdev_mmap(struct file *file, struct vm_area_struct *vma);
int mapdev_region_sync(struct mapdev_device *md, u32 index, u64 offset,
		       u64 size, u32 direction, bool for_device);
void mapdev_stats_init(void);
void mapdev_stats_exit(void);
bool mapdev_should_fail_alloc(void);
void mapdev_stats_buffer(long nr, long bytes);
void mapdev_stats_device(long nr);
int mapdev_set_memtype(struct mapdev_buffer *buf, u32 cache);
const char *mapdev_backend_name(u32 backend);
const char *mapdev_cache_name(u32 cache);

#endif /* _MAPDEV_CORE_H */
