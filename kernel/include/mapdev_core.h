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
 * Lifetime rules (core/device.c says how a device dies, step by step):
 *  - a mapdev_device lives until it is unregistered and its last open file
 *    is closed; after mapdev_device_unregister() returns, core calls none of
 *    the driver's ops and every user mapping is zapped (a later touch gets
 *    SIGBUS);
 *  - unregister puts the regions' buffers after it has zapped every
 *    mapping and waited for every kernel path into them, so no user mapping
 *    and no path of core's ever reaches freed memory; a buffer's memory goes
 *    back to the allocator with its last reference;
 *  - no user memory is touched inside the sections unregister waits for
 *    (the device's SRCU, its ops_lock): core copies ioctl arguments and
 *    read/write data through the kernel, so a user copy that never ends
 *    (a userfaultfd or FUSE page) holds up no revocation.
 */
#ifndef _MAPDEV_CORE_H
#define _MAPDEV_CORE_H

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/dma-direction.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/rwsem.h>
#include <linux/scatterlist.h>
#include <linux/security.h>
#include <linux/srcu.h>
#include <linux/types.h>
#include <linux/mapdev.h>

struct mapdev_device;
struct eventfd_ctx;
struct file;
struct vm_area_struct;

/**
 * struct mapdev_buffer - DMA-able memory that user space can map
 * @ref: the region that owns it holds one, and so does whoever else keeps
 *	the memory (a VMA holds none: unregister revokes mappings first)
 * @dma_dev: the device the memory is allocated and DMA-mapped for
 * @size: bytes, a multiple of PAGE_SIZE
 * @nr_pages: @size in pages
 * @backend: enum mapdev_backend
 * @memtype: the cache mode the pages have now (enum mapdev_cache)
 * @pages: every page of the buffer, in order
 * @vaddr: coherent backend: the kernel address from dma_alloc_coherent()
 * @dma_handle: coherent backend: the DMA address (the device's view: an
 *	IOVA behind an IOMMU)
 * @nc_sgt: coherent backend behind an IOMMU, beyond one allocation: the
 *	pages from dma_alloc_noncontiguous() (one IOVA range, @dma_handle);
 *	NULL otherwise, and then @vaddr is the memory
 * @order: contig backend: the allocation order (one folio when the size is
 *	exactly that order's, else split pages)
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
	struct sg_table *nc_sgt;
	unsigned int order;
	struct sg_table sgt;
};

enum mapdev_region_type {
	MAPDEV_REGION_BUFFER,	/* a struct mapdev_buffer */
	MAPDEV_REGION_IOMEM,	/* device memory: a BAR, a reserved range */
	MAPDEV_REGION_RW,	/* read()/write() through the driver's rw op */
	MAPDEV_REGION_IRQ,	/* the interrupt counter */
};

/**
 * struct mapdev_region - one window of a device's offset space
 * @name: shown in sysfs and MAPDEV_IOC_REGION_INFO
 * @type: enum mapdev_region_type
 * @size: bytes, at most MAPDEV_REGION_OFFSET(1); mappable regions are a
 *	multiple of PAGE_SIZE
 * @flags: MAPDEV_REGION_F_*
 * @cache: cache mode of new mappings (enum mapdev_cache)
 * @buf: buffer regions: the memory; NULL once the device is unregistered
 * @phys: iomem regions: physical address of the first byte
 * @kva: iomem regions: the kernel's mapping, in mode @cache; it holds the
 *	memory type user mappings get (x86 PAT).  Changes under the device's
 *	lock; NULL when a cache mode change could not map it again, and once
 *	the device is unregistered
 * @cacheable: iomem regions: the range is RAM, so cached mappings are fine
 * @map_count: live VMAs of this region
 * @nr_protected: entries of @protected in use
 * @protected: byte ranges [start, end) of an iomem region user space must
 *	not write (an MSI-X table, its PBA): write() there fails EACCES, and
 *	a mapping of a page holding one is read-only
 */
struct mapdev_region {
	char name[MAPDEV_NAME_LEN];
	u32 type;
	u64 size;
	u32 flags;
	u32 cache;
	struct mapdev_buffer *buf;
	phys_addr_t phys;
	void __iomem *kva;
	bool cacheable;
	atomic_t map_count;
	unsigned int nr_protected;
	struct {
		u64 start;
		u64 end;
	} protected[2];
};

/**
 * struct mapdev_ioctl_desc - an ioctl a driver adds, for core to copy
 * @cmd: the ioctl number
 * @size: the kernel's struct, at most MAPDEV_IOCTL_MAX_SIZE bytes; it starts
 *	with __u32 argsz, __u32 flags
 * @minsz: the bytes the ioctl needs at least (offsetofend of its last
 *	field in the first version of the struct)
 * @out: copy the struct back to user space (at most argsz bytes) when the
 *	ioctl succeeds
 */
struct mapdev_ioctl_desc {
	unsigned int cmd;
	u16 size;
	u16 minsz;
	bool out;
};

#define MAPDEV_IOCTL_MAX_SIZE	256

/**
 * struct mapdev_ioctl_out - an array an ioctl returns besides its struct
 * @data: kvmalloc()ed by the ioctl; core copies it to @to once the ioctl
 *	returned 0 and frees it in any case
 * @len: bytes at @data
 * @to: where in user space
 * @file: core's ioctls only: a new file for the reserved descriptor @fd,
 *	installed once the ioctl's struct is copied back, else put with @fd
 * @fd: the descriptor reserved for @file
 */
struct mapdev_ioctl_out {
	void *data;
	size_t len;
	void __user *to;
	struct file *file;
	int fd;
};

/**
 * struct mapdev_ops - what a driver adds to a device (all optional)
 * @ioctls: the driver's ioctls, ending with an entry whose @cmd is 0
 * @ioctl: run one of @ioctls on @arg, the struct core copied in (the
 *	argsz rules applied: see mapdev_ioctl_arg_in()); an array to return
 *	goes in @out
 * @region_rw: read or write @count bytes at @off of RW region @index, from
 *	or to the kernel buffer @kbuf; returns bytes done or a negative errno
 * @irq_control: unmask (true) or mask (false) the device's interrupt
 * @irq_vector_control: unmask or mask one vector (devices with several;
 *	when present it is called instead of @irq_control)
 *
 * Core calls them only while the device is alive, under md->ops_lock held
 * for reading, and never with user memory to copy: a call cannot be held
 * up by user space.  mapdev_device_unregister() waits for calls in
 * progress and forgets the table, which lives in the driver's module.
 */
struct mapdev_ops {
	const struct mapdev_ioctl_desc *ioctls;
	long (*ioctl)(struct mapdev_device *md, struct file *file,
		      unsigned int cmd, void *arg, struct mapdev_ioctl_out *out);
	ssize_t (*region_rw)(struct mapdev_device *md, unsigned int index,
			     void *kbuf, size_t count, u64 off, bool write);
	int (*irq_control)(struct mapdev_device *md, bool enable);
	int (*irq_vector_control)(struct mapdev_device *md, unsigned int vector,
				  bool enable);
};

/**
 * struct mapdev_irq - interrupt delivery to user space
 * @count: interrupts so far
 * @wait: readers and pollers
 * @lock: protects @trigger
 * @trigger: eventfd to signal, or NULL
 */
struct mapdev_irq {
	atomic_t count;
	wait_queue_head_t wait;
	spinlock_t lock;		/* protects trigger */
	struct eventfd_ctx *trigger;
};

/**
 * struct mapdev_device - a character device /dev/mapdev/NAME and its regions
 * @dev: the class device; its refcount is the object's lifetime
 * @cdev: the character device
 * @inode: private inode whose address_space holds every VMA, for revocation
 * @lock: serialises mmap setup, cache mode changes, device memory copies
 *	and the sync parameters
 * @srcu: faults, ->access, buffer copies and core ioctls run inside it;
 *	unregister waits for them
 * @ops_lock: held for reading around driver ops, for writing by unregister
 * @dead: set once by unregister, under @lock; read under @srcu, @lock or
 *	@ops_lock
 * @registered: cdev and device are added
 * @ops: driver callbacks; NULL once unregistered
 * @priv: driver data
 * @driver: driver name, shown by MAPDEV_IOC_INFO
 * @open_cap: a capability open() requires (e.g. CAP_SYS_RAWIO), or -1
 * @open_lockdown: a lockdown reason that refuses open() (LOCKDOWN_DEV_MEM
 *	for physical memory), or LOCKDOWN_NONE
 * @raw_lockdown: a lockdown reason that refuses mmap of device memory and
 *	writes to device memory and driver regions (LOCKDOWN_PCI_ACCESS), or
 *	LOCKDOWN_NONE
 * @nr_regions: number of entries in @regions
 * @regions: the regions, index = offset >> MAPDEV_REGION_SHIFT
 * @groups: the sysfs groups of the regions it has (regionN/)
 * @irq: interrupt state of vector 0, when the device has an irq region
 * @vectors: every vector's state: &@irq, or an array of @nr_vectors
 *	(mapdev_device_add_irqs()), freed with the device
 * @nr_vectors: entries at @vectors
 * @nr_active: vectors in use now (mapdev_irq_set_active()), at most
 *	@nr_vectors
 * @irq_index: index of the irq region
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
	struct mutex lock;		/* see the kernel-doc above */
	struct srcu_struct srcu;
	struct rw_semaphore ops_lock;
	bool dead;
	bool registered;
	const struct mapdev_ops *ops;
	void *priv;
	char driver[MAPDEV_NAME_LEN];
	int open_cap;
	enum lockdown_reason open_lockdown;
	enum lockdown_reason raw_lockdown;
	unsigned int nr_regions;
	struct mapdev_region regions[MAPDEV_MAX_REGIONS];
	const struct attribute_group *groups[MAPDEV_MAX_REGIONS + 1];
	struct mapdev_irq irq;
	struct mapdev_irq *vectors;
	unsigned int nr_vectors;
	unsigned int nr_active;
	int irq_index;
	atomic_t map_count;
	atomic_t open_count;
	u64 sync_offset;
	u64 sync_size;
	u32 sync_direction;
};

/* What an open file of a mapdev device holds. */
struct mapdev_file {
	struct mapdev_device *md;
	u32 irq_seen;		/* the count this file last read */
	u32 irq_vector;		/* the vector its read/write/poll refer to */
};

/**
 * mapdev_buffer_pinnable() - whether user mappings of a buffer are its pages
 * @buf: the buffer
 *
 * The contig and sg backends' pages are the buffer's own, each with a
 * refcount of its own: user mappings are made of them, the kernel's I/O
 * can pin them, and a pinned page outlives the buffer until it is
 * unpinned.  The coherent backend's memory belongs to the DMA API, which
 * frees it whatever else holds a reference: it is mapped by PFN, which
 * nothing can pin.
 *
 * Return: true for contig and sg buffers.
 */
static inline bool mapdev_buffer_pinnable(const struct mapdev_buffer *buf)
{
	return buf->backend == MAPDEV_BACKEND_CONTIG ||
	       buf->backend == MAPDEV_BACKEND_SG;
}

/* enum mapdev_backend of a region, for ioctl and sysfs */
static inline u32 mapdev_region_backend(const struct mapdev_region *r)
{
	if (r->buf)
		return r->buf->backend;
	return r->type == MAPDEV_REGION_IOMEM ? MAPDEV_BACKEND_IOMEM :
						MAPDEV_BACKEND_NONE;
}

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
bool mapdev_dma_translated(struct device *dev);
unsigned int mapdev_buffer_nr_segments(const struct mapdev_buffer *buf);

/* Devices (core/device.c, core/region.c) */
struct mapdev_device *mapdev_device_alloc(struct device *parent,
					  const char *driver,
					  const struct mapdev_ops *ops,
					  const char *fmt, ...) __printf(4, 5);
int mapdev_device_add_buffer(struct mapdev_device *md, const char *name,
			     struct mapdev_buffer *buf, u32 cache);
int mapdev_device_add_iomem(struct mapdev_device *md, const char *name,
			    phys_addr_t phys, u64 size, u32 flags, u32 cache);
int mapdev_device_add_rw(struct mapdev_device *md, const char *name,
			 u64 size, u32 flags);
int mapdev_device_add_irq(struct mapdev_device *md);
int mapdev_device_add_irqs(struct mapdev_device *md, unsigned int nr);
void mapdev_irq_signal(struct mapdev_device *md);
void mapdev_irq_signal_vector(struct mapdev_device *md, unsigned int vector);
void mapdev_irq_set_active(struct mapdev_device *md, unsigned int nr);
int mapdev_region_protect(struct mapdev_device *md, unsigned int index,
			  u64 offset, u64 len);
struct mapdev_device *mapdev_buffer_device_create(struct device *parent,
						  struct device *dma_dev,
						  const char *driver,
						  const char *name, u64 size,
						  u32 backend, u32 cache);
int mapdev_device_register(struct mapdev_device *md);
void mapdev_device_unregister(struct mapdev_device *md);
int mapdev_check_name(const char *name);
int mapdev_check_user_name(const char *name);
int mapdev_parse_specs(const char *list, int (*one)(char *spec));
int mapdev_ioctl_arg_in(void *karg, size_t ksize, size_t minsz,
			unsigned long arg);
int mapdev_ioctl_arg_out(unsigned long arg, const void *karg, size_t ksize);

/* Internal to core */
extern const struct file_operations mapdev_fops;
extern const struct attribute_group *mapdev_dev_groups[];
int mapdev_devices_init(void);
void mapdev_devices_exit(void);
long mapdev_ioctl(struct file *file, unsigned int cmd, unsigned long arg);
extern const struct attribute_group *mapdev_region_groups[MAPDEV_MAX_REGIONS];
int mapdev_mmap(struct file *file, struct vm_area_struct *vma);
pgprot_t mapdev_pgprot(pgprot_t prot, u32 cache);
int mapdev_region_sync(struct mapdev_device *md, u32 index, u64 offset,
		       u64 size, u32 direction, bool for_device);
void mapdev_stats_init(void);
void mapdev_stats_exit(void);
bool mapdev_should_fail_alloc(void);
bool mapdev_should_fail_ioremap(void);
void mapdev_race_delay(void);
void mapdev_stats_eventfd(long nr);
void mapdev_stats_buffer(long nr, long bytes);
void mapdev_stats_device(long nr);
void mapdev_stats_pages_held(long nr);
int mapdev_set_memtype(struct mapdev_buffer *buf, u32 cache);
const char *mapdev_backend_name(u32 backend);
ssize_t mapdev_irq_read(struct mapdev_file *mf, char __user *ubuf,
			size_t count, bool nonblock);
ssize_t mapdev_irq_write(struct mapdev_file *mf, const char __user *ubuf,
			 size_t count);
long mapdev_irq_set_vector(struct mapdev_file *mf, struct mapdev_irq_vector *iv);
void mapdev_irq_init(struct mapdev_irq *irq);
__poll_t mapdev_irq_poll(struct mapdev_file *mf, struct file *file,
			 poll_table *wait);
long mapdev_irq_set_eventfd(struct mapdev_device *md,
			    struct mapdev_set_eventfd *se);
void mapdev_irq_wake(struct mapdev_device *md);
void mapdev_irq_shutdown(struct mapdev_device *md);
int mapdev_iomem_set_cache(struct mapdev_region *r, u32 cache);
const char *mapdev_cache_name(u32 cache);
struct seq_file;
long mapdev_ioctl_export_dmabuf(struct mapdev_device *md, struct file *file,
				struct mapdev_export_dmabuf *ed,
				struct mapdev_ioctl_out *out);
int mapdev_dmabuf_show(struct seq_file *m, void *v);
void mapdev_stats_dmabuf(long nr);

#endif /* _MAPDEV_CORE_H */
