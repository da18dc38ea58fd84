/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libmapdev: the user-space side of mapdev.
 *
 * Objects, each behind an opaque handle and implemented in its own file:
 *
 *   struct mapdev_device   a /dev/mapdev/NAME device: info, regions,
 *                          sync, DMA segments               (device.c)
 *   struct mapdev_mapping  one mmap() of part of a region   (device.c)
 *   struct mapdev_bufctl   /dev/mapdev/buf-control: create, destroy and
 *                          list buffers                     (bufctl.c)
 *   struct mapdev_buflist  a snapshot of the buffer list    (bufctl.c)
 *   struct mapdev_maps     a parsed /proc/PID/maps or smaps (maps.c,
 *                          smaps.c)
 *   struct mapdev_vma      one record of a mapdev_maps      (maps.c)
 *   struct mapdev_pci      a PCI function in sysfs: IDs, driver,
 *                          interrupt; bind it to mapdev_pci (pci.c)
 *   struct mapdev_pcilist  the functions bound to mapdev_pci (pci.c)
 *
 * Conventions:
 *  - a function that fails returns -1 (int), NULL (pointer) or an "invalid"
 *    value its comment names, and sets errno; the library never prints and
 *    never exits;
 *  - every file descriptor the library opens has O_CLOEXEC;
 *  - each comment says who owns what the function returns.  A pointer
 *    "owned by X" stays valid until X is freed or closed and must not be
 *    freed by the caller;
 *  - handles are not locked: one handle must not be used by two threads at
 *    once, but different handles can be used by different threads freely,
 *    as the library has no global state.
 */
#ifndef LIBMAPDEV_MAPDEV_H
#define LIBMAPDEV_MAPDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/mapdev.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Where mapdev devices live: /dev/mapdev/NAME. */
#define MAPDEV_DEV_DIR		"/dev/mapdev"
#define MAPDEV_BUFCTL_PATH	MAPDEV_DEV_DIR "/buf-control"
#define MAPDEV_SYSFS_CLASS	"/sys/class/mapdev"

/* ---------------------------------------------------------------- misc */

/**
 * mapdev_version() - the library's version, e.g. "0.1.0".
 * Return: a static string (owned by the library).
 */
const char *mapdev_version(void);

/**
 * mapdev_backend_name() - "coherent", "contig", "sg", "reserved", "iomem",
 *	"none".
 * @backend: an enum mapdev_backend value.
 * Return: a static string, or NULL (errno EINVAL) for an unknown value.
 */
const char *mapdev_backend_name(unsigned int backend);

/**
 * mapdev_backend_from_name() - the enum mapdev_backend value of a name.
 * @name: as mapdev_backend_name() prints it.
 * Return: the value, or -1 (errno EINVAL) for an unknown name.
 */
int mapdev_backend_from_name(const char *name);

/**
 * mapdev_cache_name() - "cached", "uncached" or "wc".
 * @cache: an enum mapdev_cache value.
 * Return: a static string, or NULL (errno EINVAL) for an unknown value.
 */
const char *mapdev_cache_name(unsigned int cache);

/**
 * mapdev_cache_from_name() - the enum mapdev_cache value of a name.
 * @name: "cached", "uncached", "wc" (also "write-combined").
 * Return: the value, or -1 (errno EINVAL) for an unknown name.
 */
int mapdev_cache_from_name(const char *name);

/**
 * mapdev_name_valid() - whether @name is a valid buffer/device name.
 * @name: 1 to MAPDEV_NAME_LEN - 1 characters of [A-Za-z0-9_.-], not
 *	starting with '.' or '-' (the rule of the ABI header).
 * Return: true or false.
 */
bool mapdev_name_valid(const char *name);

/**
 * mapdev_parse_size() - parse a size such as "4096", "0x1000", "64K",
 *	"16M" or "1G" (suffixes are powers of 1024, either case).
 * @str: the text; no leading or trailing blanks.
 * @size: where the result goes (untouched on failure).
 * Return: 0, or -1 with errno EINVAL (empty, garbage, a bad suffix, zero)
 * or ERANGE (does not fit in 64 bits).
 */
int mapdev_parse_size(const char *str, uint64_t *size);

/**
 * mapdev_device_path() - the device node path for a name or path.
 * @name_or_path: "frames" means /dev/mapdev/frames; anything with a '/' is
 *	a path and used as it is.  Device names may be any file name
 *	("pci-0000:00:10.0"), not only buffer names (mapdev_name_valid()).
 * @buf: where the path goes.
 * @len: size of @buf.
 * Return: 0, or -1 with errno EINVAL (empty, "." or "..") or ENAMETOOLONG.
 */
int mapdev_device_path(const char *name_or_path, char *buf, size_t len);

/* -------------------------------------------------------------- device */

struct mapdev_device;
struct mapdev_mapping;

/**
 * mapdev_device_open() - open a mapdev device and read its regions.
 * @name_or_path: as for mapdev_device_path().
 * @flags: O_RDONLY or O_RDWR, optionally O_SYNC (uncached mappings where the
 *	driver supports it); O_CLOEXEC is always added.
 *
 * Runs MAPDEV_IOC_INFO and MAPDEV_IOC_REGION_INFO for every region once; the
 * answers are kept in the handle.
 *
 * Return: a handle the caller owns (free it with mapdev_device_close()), or
 * NULL with errno: ENOENT (no such device), EACCES, ENOTTY (the file is not
 * a mapdev device), EINVAL (a bad name), ENOMEM, or what the kernel said.
 */
struct mapdev_device *mapdev_device_open(const char *name_or_path, int flags);

/**
 * mapdev_device_close() - close the device.
 * @dev: a handle from mapdev_device_open(), or NULL.
 *
 * Mappings made from @dev stay valid (the kernel keeps the file alive for
 * them) but must still be freed with mapdev_mapping_unmap().
 */
void mapdev_device_close(struct mapdev_device *dev);

/** mapdev_device_fd() - the file descriptor (owned by @dev). */
int mapdev_device_fd(const struct mapdev_device *dev);

/** mapdev_device_node() - the device node's path (owned by @dev). */
const char *mapdev_device_node(const struct mapdev_device *dev);

/** mapdev_device_name() - the name the driver gave it (owned by @dev). */
const char *mapdev_device_name(const struct mapdev_device *dev);

/** mapdev_device_driver() - the driver's name (owned by @dev). */
const char *mapdev_device_driver(const struct mapdev_device *dev);

/** mapdev_device_num_regions() - how many regions the device has. */
unsigned int mapdev_device_num_regions(const struct mapdev_device *dev);

/**
 * mapdev_device_region_index() - the region that holds a device offset.
 * @dev: the device.
 * @offset: an offset in the device's mmap offset space (region offset plus
 *	offset inside the region).
 * @inner: where the offset inside the region goes (may be NULL).
 * Return: the region index, or -1 with errno ENXIO (no region there, or
 * past the region's end).
 */
int mapdev_device_region_index(const struct mapdev_device *dev,
			       uint64_t offset, uint64_t *inner);

/*
 * Region information, as MAPDEV_IOC_REGION_INFO reported it at open time.
 * Each takes a region index below mapdev_device_num_regions(); for a bad
 * index the numeric ones return 0 and the string one NULL, with errno
 * EINVAL.
 */
/** mapdev_region_name() - the region's name (owned by @dev). */
const char *mapdev_region_name(const struct mapdev_device *dev,
			       unsigned int index);
/** mapdev_region_size() - its size in bytes. */
uint64_t mapdev_region_size(const struct mapdev_device *dev,
			    unsigned int index);
/** mapdev_region_offset() - the mmap offset of its first byte. */
uint64_t mapdev_region_offset(const struct mapdev_device *dev,
			      unsigned int index);
/** mapdev_region_flags() - MAPDEV_REGION_F_* flags. */
uint32_t mapdev_region_flags(const struct mapdev_device *dev,
			     unsigned int index);
/** mapdev_region_backend() - enum mapdev_backend. */
unsigned int mapdev_region_backend(const struct mapdev_device *dev,
				   unsigned int index);
/** mapdev_region_cache() - enum mapdev_cache, the default cache mode. */
unsigned int mapdev_region_cache(const struct mapdev_device *dev,
				 unsigned int index);
/** mapdev_region_dma_addr() - DMA address (0 unless CAP_SYS_ADMIN). */
uint64_t mapdev_region_dma_addr(const struct mapdev_device *dev,
				unsigned int index);
/** mapdev_region_nr_segments() - the number of DMA segments. */
unsigned int mapdev_region_nr_segments(const struct mapdev_device *dev,
				       unsigned int index);

/**
 * mapdev_device_sync_for_cpu() - hand part of a region to the CPU, after
 *	the device wrote it (MAPDEV_IOC_SYNC with MAPDEV_SYNC_FOR_CPU).
 * @dev: the device.
 * @index: the region.
 * @offset: inside the region.
 * @size: bytes; 0 means to the end of the region.
 * @dir: enum mapdev_dir.
 * Return: 0, or -1 with errno.
 */
int mapdev_device_sync_for_cpu(struct mapdev_device *dev, unsigned int index,
			       uint64_t offset, uint64_t size,
			       unsigned int dir);

/**
 * mapdev_device_sync_for_device() - hand part of a region to the device,
 *	after the CPU wrote it.  Arguments as for mapdev_device_sync_for_cpu().
 * Return: 0, or -1 with errno.
 */
int mapdev_device_sync_for_device(struct mapdev_device *dev,
				  unsigned int index, uint64_t offset,
				  uint64_t size, unsigned int dir);

/**
 * mapdev_device_dma_segments() - the DMA segments of a region.
 * @dev: the device.
 * @index: the region.
 * @count: where the number of segments goes.
 *
 * Needs CAP_SYS_ADMIN.
 *
 * Return: a malloc()ed array of *@count segments the caller owns (free() it;
 * NULL with *@count 0 when the region has none, errno then 0), or NULL
 * with errno (EPERM without CAP_SYS_ADMIN, ENOMEM, ...).
 */
struct mapdev_dma_segment *
mapdev_device_dma_segments(struct mapdev_device *dev, unsigned int index,
			   size_t *count);

/**
 * mapdev_device_set_cache() - the cache mode of a region's future mappings
 *	(MAPDEV_IOC_SET_CACHE); only while the region has no mapping.
 * @dev: the device.
 * @index: the region.
 * @cache: enum mapdev_cache.
 * Return: 0, or -1 with errno (EBUSY while mapped, EINVAL for a mode the
 * region cannot have).  The handle's copy of the region info is updated.
 */
int mapdev_device_set_cache(struct mapdev_device *dev, unsigned int index,
			    unsigned int cache);

/**
 * mapdev_device_export_dmabuf() - a dma-buf of a buffer region
 *	(MAPDEV_IOC_EXPORT_DMABUF), for V4L2 DMABUF, DRM PRIME and other
 *	importers.
 * @dev: the device.
 * @index: a buffer region.
 * @flags: O_RDWR or O_RDONLY; the descriptor is always O_CLOEXEC.
 * Return: the dma-buf's file descriptor, which the caller owns (close()
 * it), or -1 with errno (EINVAL: not a buffer region, bad flags; EBADF:
 * O_RDWR through an O_RDONLY handle).  The dma-buf keeps the memory after
 * the buffer is destroyed, until its last reference goes.
 */
int mapdev_device_export_dmabuf(struct mapdev_device *dev, unsigned int index,
				int flags);

/**
 * mapdev_device_irq_region() - the region flagged MAPDEV_REGION_F_IRQ.
 * Return: its index, or -1 with errno ENOENT (no interrupts).
 */
int mapdev_device_irq_region(const struct mapdev_device *dev);

/**
 * mapdev_device_irq_wait() - wait for an interrupt since this file's last
 *	wait, as read() of the interrupt region does.
 * @dev: the device (opened with O_NONBLOCK: fails with EAGAIN instead of
 *	waiting).
 * @count: where the total interrupt count goes (may be NULL).
 * Return: 0, or -1 with errno (ENOENT: no interrupts; ENODEV: device gone;
 * EINTR: a signal came).
 */
int mapdev_device_irq_wait(struct mapdev_device *dev, uint32_t *count);

/**
 * mapdev_device_irq_enable() - unmask (true) or mask (false) the interrupt.
 * Return: 0, or -1 with errno.
 */
int mapdev_device_irq_enable(struct mapdev_device *dev, bool enable);

/**
 * mapdev_device_set_eventfd() - signal an eventfd on every interrupt
 *	(MAPDEV_IOC_SET_EVENTFD).
 * @dev: the device.
 * @fd: the eventfd (the caller keeps owning it), or -1 to detach.
 * Return: 0, or -1 with errno (ENOTTY: no interrupts).
 */
int mapdev_device_set_eventfd(struct mapdev_device *dev, int fd);

/**
 * mapdev_device_irq_vector() - the interrupt vector this handle's waits,
 *	masks and poll() refer to (MAPDEV_IOC_SET_IRQ_VECTOR); 0 after open.
 *	Open the device once per vector to wait on several.
 * @dev: the device.
 * @vector: below the device's vector count (mapdev_device_irq_vectors()).
 * Return: 0, or -1 with errno (ENXIO: no such vector now; ENOTTY: no
 * interrupts).
 */
int mapdev_device_irq_vector(struct mapdev_device *dev, unsigned int vector);

/**
 * mapdev_device_set_eventfd_vector() - signal an eventfd on every interrupt
 *	of one vector (MAPDEV_IOC_SET_EVENTFD with MAPDEV_EVENTFD_F_VECTOR).
 * @dev: the device.
 * @vector: the vector.
 * @fd: the eventfd (the caller keeps owning it), or -1 to detach.
 * Return: 0, or -1 with errno (ENXIO: no such vector; EINVAL: not an
 * eventfd; EBADF: no such fd).
 */
int mapdev_device_set_eventfd_vector(struct mapdev_device *dev,
				     unsigned int vector, int fd);

/**
 * mapdev_device_irq_vectors() - a PCI function's interrupt vectors
 *	(MAPDEV_PCI_IOC_IRQS), and with @want non-zero, ask for that many.
 * @dev: the device of a function bound to mapdev_pci.
 * @want: 0 to only ask; else 1 to *@max vectors (MSI-X).
 * @count: where the vectors it has now go (may be NULL).
 * @max: where the most it can have goes (may be NULL).
 * Return: 0, or -1 with errno (ERANGE: more than the function has;
 * ENOTTY: not a PCI function).
 */
int mapdev_device_irq_vectors(struct mapdev_device *dev, unsigned int want,
			      unsigned int *count, unsigned int *max);

/**
 * mapdev_device_map() - mmap() part of a region.
 * @dev: the device.
 * @index: the region.
 * @offset: inside the region, any alignment (the library maps from the
 *	page below it and hides that).
 * @length: bytes, > 0; 0 means "to the end of the region".
 * @prot: PROT_READ and/or PROT_WRITE.  PROT_WRITE needs an O_RDWR handle.
 *
 * The mapping is MAP_SHARED, as mapdev requires.
 *
 * Return: a mapping the caller owns (free it with mapdev_mapping_unmap()),
 * or NULL with errno: EINVAL (bad index or prot, or @offset/@length outside
 * the region: nothing is mapped), EACCES, ENOMEM, or what mmap() said.
 */
struct mapdev_mapping *mapdev_device_map(struct mapdev_device *dev,
					 unsigned int index, uint64_t offset,
					 size_t length, int prot);

/**
 * mapdev_mapping_unmap() - munmap() and free a mapping.
 * @map: a mapping from mapdev_device_map(), or NULL.
 * Return: 0, or -1 with errno (the handle is freed either way).
 */
int mapdev_mapping_unmap(struct mapdev_mapping *map);

/** mapdev_mapping_addr() - the first byte asked for (owned by @map). */
void *mapdev_mapping_addr(const struct mapdev_mapping *map);

/** mapdev_mapping_length() - its length in bytes, as asked for. */
size_t mapdev_mapping_length(const struct mapdev_mapping *map);

/** mapdev_mapping_region() - the region index it maps. */
unsigned int mapdev_mapping_region(const struct mapdev_mapping *map);

/** mapdev_mapping_offset() - the offset inside the region it starts at. */
uint64_t mapdev_mapping_offset(const struct mapdev_mapping *map);

/**
 * mapdev_mapping_sync_for_cpu() - sync the mapped part of the region for the
 *	CPU.  Needs the device handle it came from to be still open.
 * @map: the mapping.
 * @dev: the device it was made from.
 * @dir: enum mapdev_dir.
 * Return: 0, or -1 with errno.
 */
int mapdev_mapping_sync_for_cpu(const struct mapdev_mapping *map,
				struct mapdev_device *dev, unsigned int dir);

/** mapdev_mapping_sync_for_device() - as above, for the device. */
int mapdev_mapping_sync_for_device(const struct mapdev_mapping *map,
				   struct mapdev_device *dev,
				   unsigned int dir);

/* -------------------------------------------------------------- bufctl */

struct mapdev_bufctl;
struct mapdev_buflist;

/**
 * mapdev_bufctl_open() - open /dev/mapdev/buf-control.
 * Return: a handle the caller owns (mapdev_bufctl_close()), or NULL with
 * errno (ENOENT when mapdev_buf is not loaded, EACCES, ENOMEM).
 */
struct mapdev_bufctl *mapdev_bufctl_open(void);

/**
 * mapdev_bufctl_open_path() - as mapdev_bufctl_open(), another node.
 * @path: the control device's path.
 */
struct mapdev_bufctl *mapdev_bufctl_open_path(const char *path);

/** mapdev_bufctl_close() - close it; NULL is allowed. */
void mapdev_bufctl_close(struct mapdev_bufctl *ctl);

/** mapdev_bufctl_fd() - the file descriptor (owned by @ctl). */
int mapdev_bufctl_fd(const struct mapdev_bufctl *ctl);

/**
 * mapdev_bufctl_create() - create the buffer /dev/mapdev/@name.
 * @ctl: the control device.
 * @name: a name for which mapdev_name_valid() is true.
 * @size: bytes (the kernel rounds up to the page size).
 * @backend: MAPDEV_BACKEND_COHERENT, _CONTIG or _SG.
 * @cache: enum mapdev_cache.
 * Return: 0, or -1 with errno: EINVAL (bad name, size, backend or cache;
 * checked here before the kernel sees them), EEXIST, ENOMEM, ...
 */
int mapdev_bufctl_create(struct mapdev_bufctl *ctl, const char *name,
			 uint64_t size, unsigned int backend,
			 unsigned int cache);

/**
 * mapdev_bufctl_create_pci() - create the buffer /dev/mapdev/@name,
 *	allocated and DMA-mapped for the PCI function @bdf whatever driver
 *	has it (MAPDEV_BUF_CREATE_F_PCI): its DMA address is that function's
 *	view (an IOVA behind an IOMMU), under the function's DMA mask as it
 *	is now.  The buffer is destroyed when a driver binds or unbinds the
 *	function, or the function is removed, and
 *	cannot be exported as a dma-buf.
 * @bdf: as mapdev_pci_parse_bdf() takes it.
 * Return: as mapdev_bufctl_create(), and ENODEV: no such function.
 */
int mapdev_bufctl_create_pci(struct mapdev_bufctl *ctl, const char *name,
			     uint64_t size, unsigned int backend,
			     unsigned int cache, const char *bdf);

/**
 * mapdev_bufctl_destroy() - destroy a buffer; its mappings are revoked.
 * Return: 0, or -1 with errno (ENOENT: no such buffer).
 */
int mapdev_bufctl_destroy(struct mapdev_bufctl *ctl, const char *name);

/**
 * mapdev_bufctl_list() - a snapshot of every buffer.
 * Return: a list the caller owns (mapdev_buflist_free()), or NULL with
 * errno.
 */
struct mapdev_buflist *mapdev_bufctl_list(struct mapdev_bufctl *ctl);

/** mapdev_buflist_free() - free a snapshot; NULL is allowed. */
void mapdev_buflist_free(struct mapdev_buflist *list);

/** mapdev_buflist_count() - the number of buffers in it. */
size_t mapdev_buflist_count(const struct mapdev_buflist *list);

/**
 * mapdev_buflist_find() - the index of the buffer called @name.
 * Return: the index, or -1 with errno ENOENT.
 */
ssize_t mapdev_buflist_find(const struct mapdev_buflist *list,
			    const char *name);

/*
 * Entry @i (below mapdev_buflist_count()).  For a bad index the string
 * one returns NULL and the numeric ones 0, errno EINVAL.
 */
/** mapdev_buflist_name() - the buffer's name (owned by @list). */
const char *mapdev_buflist_name(const struct mapdev_buflist *list, size_t i);
/** mapdev_buflist_size() - its size in bytes. */
uint64_t mapdev_buflist_size(const struct mapdev_buflist *list, size_t i);
/** mapdev_buflist_backend() - enum mapdev_backend. */
unsigned int mapdev_buflist_backend(const struct mapdev_buflist *list,
				    size_t i);
/** mapdev_buflist_cache() - enum mapdev_cache. */
unsigned int mapdev_buflist_cache(const struct mapdev_buflist *list,
				  size_t i);
/** mapdev_buflist_map_count() - live user mappings (VMAs). */
unsigned int mapdev_buflist_map_count(const struct mapdev_buflist *list,
				      size_t i);
/** mapdev_buflist_open_count() - open file descriptions. */
unsigned int mapdev_buflist_open_count(const struct mapdev_buflist *list,
				       size_t i);
/**
 * mapdev_buflist_driver() - the driver that made the buffer: "mapdev_buf"
 *	(buf-control, the buffers= parameter) or "mapdev_pci" (a PCI
 *	function's buffer, mapdev_pci_buf_create()); owned by @list.
 */
const char *mapdev_buflist_driver(const struct mapdev_buflist *list,
				  size_t i);
/**
 * mapdev_buflist_owner() - the device the buffer belongs to and goes away
 *	with: "mapdev_buf" for mapdev_buf's buffers, the PCI address
 *	("0000:00:10.0") for a PCI function's; owned by @list.
 */
const char *mapdev_buflist_owner(const struct mapdev_buflist *list,
				 size_t i);
/**
 * mapdev_buflist_dma_device() - the device the buffer's DMA address is
 *	the view of (sysfs dma_device): "mapdev_buf" (its platform
 *	device), or a PCI function's address ("0000:00:10.0": mapdev_pci's
 *	buffers, and mapdev_buf's bound ones, MAPDEV_BUF_CREATE_F_PCI);
 *	"" in mapdev_bufctl_list()'s lists, which do not say; owned by @list.
 */
const char *mapdev_buflist_dma_device(const struct mapdev_buflist *list,
				      size_t i);

/**
 * mapdev_buflist_read() - a snapshot of every mapdev buffer, whoever made
 *	it (mapdev_buf, or a PCI function through mapdev_pci), sorted by
 *	name, read from /sys/class/mapdev/ (a device with a "backend" file
 *	is a buffer).
 *
 * Needs no privileges and no open device: anyone may list.  A buffer
 * destroyed while the list is read is left out.  mapdev_bufctl_list()
 * lists only mapdev_buf's own buffers.
 *
 * Return: a list the caller owns (mapdev_buflist_free()); empty when no
 * mapdev module is loaded.  NULL with errno on failure (ENOMEM, or the
 * error reading sysfs).
 */
struct mapdev_buflist *mapdev_buflist_read(void);

/**
 * mapdev_buflist_read_dir() - as mapdev_buflist_read(), from another
 *	directory laid out as /sys/class/mapdev/ (for tests).
 * @class_dir: the directory.
 */
struct mapdev_buflist *mapdev_buflist_read_dir(const char *class_dir);

/* ----------------------------------------------------------------- pci */

/*
 * PCI functions for mapdev_pci, through sysfs (/sys/bus/pci).  A function
 * bound to mapdev_pci is the mapdev device "pci-DDDD:BB:DD.F"
 * (/dev/mapdev/pci-DDDD:BB:DD.F): regions 0-5 are its BARs, 6 its config
 * space, 7 its interrupt (see <linux/mapdev.h>).
 */
#define MAPDEV_PCI_DRIVER	"mapdev_pci"
#define MAPDEV_PCI_SYSFS	"/sys/bus/pci"
/* Room for a BDF: "DDDD:BB:DD.F", domains up to 8 hex digits, and NUL. */
#define MAPDEV_PCI_BDF_LEN	20

/* The interrupt a function is set up for (mapdev_pci_irq_kind()). */
enum mapdev_pci_irq {
	MAPDEV_PCI_IRQ_NONE = 0,
	MAPDEV_PCI_IRQ_INTX = 1,
	MAPDEV_PCI_IRQ_MSI = 2,
	MAPDEV_PCI_IRQ_MSIX = 3,
	MAPDEV_PCI_IRQ_MAX = MAPDEV_PCI_IRQ_MSIX,
};

/* mapdev_pci_unbind() flags: let a kernel driver claim the function. */
#define MAPDEV_PCI_REPROBE	(1u << 0)

struct mapdev_pci;
struct mapdev_pcilist;

/**
 * mapdev_pci_parse_bdf() - check a PCI address and write it the way sysfs
 *	names it, "DDDD:BB:DD.F" in lower case.
 * @str: "DDDD:BB:DD.F" (domain of 4 to 8 hex digits), the short
 *	"BB:DD.F" (domain 0), or either with the prefix "pci-" (the mapdev
 *	device name).  Hex digits in either case; device at most 1f,
 *	function at most 7; nothing else, no blanks.
 * @buf: where the result goes (MAPDEV_PCI_BDF_LEN bytes are enough).
 * @len: size of @buf.
 * Return: 0, or -1 with errno EINVAL (does not parse) or ENAMETOOLONG.
 */
int mapdev_pci_parse_bdf(const char *str, char *buf, size_t len);

/**
 * mapdev_pci_irq_name() - "none", "intx", "msi" or "msix".
 * @kind: an enum mapdev_pci_irq value.
 * Return: a static string, or NULL (errno EINVAL) for an unknown value.
 */
const char *mapdev_pci_irq_name(unsigned int kind);

/**
 * mapdev_pci_driver_loaded() - whether the mapdev_pci driver is registered
 *	(/sys/bus/pci/drivers/mapdev_pci exists).  The library does not load
 *	modules; run modprobe(8) for that.
 * Return: true or false.
 */
bool mapdev_pci_driver_loaded(void);

/**
 * mapdev_pci_open() - a handle on a PCI function and a snapshot of what
 *	sysfs says of it: IDs, driver, driver_override, interrupt.
 * @bdf: as mapdev_pci_parse_bdf() takes it.
 * Return: a handle the caller owns (mapdev_pci_close()), or NULL with
 * errno EINVAL (a bad address), ENOENT (no such function), ENOMEM, or the
 * error reading sysfs.
 */
struct mapdev_pci *mapdev_pci_open(const char *bdf);

/** mapdev_pci_close() - free the handle; NULL is allowed. */
void mapdev_pci_close(struct mapdev_pci *pci);

/**
 * mapdev_pci_refresh() - read the driver, driver_override and interrupt
 *	again (mapdev_pci_bind() and mapdev_pci_unbind() do it themselves).
 * Return: 0, or -1 with errno (ENOENT: the function is gone).
 */
int mapdev_pci_refresh(struct mapdev_pci *pci);

/** mapdev_pci_bdf() - "DDDD:BB:DD.F" (owned by @pci). */
const char *mapdev_pci_bdf(const struct mapdev_pci *pci);

/**
 * mapdev_pci_device_name() - the mapdev device name it has when bound,
 *	"pci-DDDD:BB:DD.F", for mapdev_device_open() and
 *	/sys/class/mapdev/ (owned by @pci).
 */
const char *mapdev_pci_device_name(const struct mapdev_pci *pci);

/** mapdev_pci_vendor() - the vendor ID. */
uint16_t mapdev_pci_vendor(const struct mapdev_pci *pci);
/** mapdev_pci_device_id() - the device ID. */
uint16_t mapdev_pci_device_id(const struct mapdev_pci *pci);
/** mapdev_pci_class() - the class code, 24 bits (e.g. 0x020000). */
uint32_t mapdev_pci_class(const struct mapdev_pci *pci);

/**
 * mapdev_pci_driver() - the name of the driver bound to the function, or
 *	NULL (errno 0) when none is (owned by @pci; as of the last refresh).
 */
const char *mapdev_pci_driver(const struct mapdev_pci *pci);

/**
 * mapdev_pci_driver_override() - the function's driver_override, or NULL
 *	(errno 0) when it has none (owned by @pci; as of the last refresh).
 */
const char *mapdev_pci_driver_override(const struct mapdev_pci *pci);

/** mapdev_pci_is_bound() - whether mapdev_pci is its driver. */
bool mapdev_pci_is_bound(const struct mapdev_pci *pci);

/**
 * mapdev_pci_irq_kind() - the interrupt the function is set up for, as of
 *	the last refresh: MSI or MSI-X when enabled (sysfs msi_irqs), else
 *	INTx when it has a line (sysfs irq), else none.  A function bound to
 *	mapdev_pci that has no interrupt region (MAPDEV_REGION_F_IRQ, read
 *	from /sys/class/mapdev/) is MAPDEV_PCI_IRQ_NONE whatever its line.
 * Return: an enum mapdev_pci_irq value.
 */
unsigned int mapdev_pci_irq_kind(const struct mapdev_pci *pci);

/**
 * mapdev_pci_irq() - the Linux interrupt number of the function (sysfs
 *	irq: the first MSI vector while MSI is enabled).
 * Return: the number, or -1 with errno ENOENT when it has none.
 */
int mapdev_pci_irq(const struct mapdev_pci *pci);

/**
 * mapdev_pci_bind() - bind the function to mapdev_pci, as VFIO's users
 *	do: set driver_override to mapdev_pci, unbind the current driver if
 *	there is one, and ask the PCI core to probe.
 * @pci: the function.  Already bound to mapdev_pci: nothing is done.
 *
 * Needs root (writes to sysfs) and mapdev_pci loaded.  If the probe does
 * not bind it, driver_override is put back and the function is probed
 * again, so its old driver (if any) gets it back.  The device node may take
 * a moment to appear: see mapdev_pci_wait_device().
 *
 * Return: 0, or -1 with errno: ENODEV (mapdev_pci is not loaded), EACCES
 * or EPERM (not allowed), EIO (mapdev_pci's probe failed: the kernel log
 * says why), ENOENT (the function is gone), or what sysfs said.
 */
int mapdev_pci_bind(struct mapdev_pci *pci);

/**
 * mapdev_pci_unbind() - unbind the function from mapdev_pci and clear its
 *	driver_override; its device goes away, every mapping of it is
 *	revoked.
 * @pci: the function.
 * @flags: 0, or MAPDEV_PCI_REPROBE to ask the PCI core to probe it again
 *	afterwards, so a kernel driver can claim it.
 *
 * A driver_override of mapdev_pci is cleared even when the function is not
 * bound to mapdev_pci (a leftover of a failed bind); the call still fails
 * then.  A function bound to another driver is left alone.
 *
 * Return: 0, or -1 with errno: ENXIO (not bound to mapdev_pci), EACCES or
 * EPERM (not allowed), EINVAL (unknown flags), ENOENT (gone), or what
 * sysfs said.
 */
int mapdev_pci_unbind(struct mapdev_pci *pci, unsigned int flags);

/**
 * mapdev_pci_wait_device() - wait until /dev/mapdev/pci-DDDD:BB:DD.F
 *	exists (devtmpfs makes it while mapdev_pci probes).
 * @pci: the function.
 * @timeout_ms: how long to wait at most; 0 looks once.
 * Return: 0, or -1 with errno ETIMEDOUT.
 */
int mapdev_pci_wait_device(const struct mapdev_pci *pci, int timeout_ms);

/**
 * mapdev_pci_open_device() - mapdev_device_open() of the function's mapdev
 *	device.
 * @pci: the function.
 * @flags: as for mapdev_device_open().
 * Return: as mapdev_device_open(); a handle the caller owns.
 */
struct mapdev_device *mapdev_pci_open_device(const struct mapdev_pci *pci,
					     int flags);

/**
 * mapdev_pci_users() - what the function's driver serves through it: the
 *	devices it made of the function (an ATA port "ata1", "virtio0", a
 *	USB bus, "nvme/nvme0", "drm/card0", a network interface that is up,
 *	"net/eth0"), which go away when the function is taken from it.
 * @pci: the function, as of its last refresh.
 * @buf: where the names go, blank-separated (may be NULL); cut short if
 *	it is too small.
 * @len: size of @buf.
 *
 * A function with no driver, or with one that only hands it to user space
 * (mapdev_pci, uio_pci_generic, vfio-pci, pci-stub, igb_uio), has none.
 * mapdev_pci_bind() does not look: `mapdev pci bind` refuses a function
 * with users (and a bridge) unless told --force.
 *
 * Return: how many (0: none), or -1 with errno (the error reading sysfs).
 */
int mapdev_pci_users(const struct mapdev_pci *pci, char *buf, size_t len);

/**
 * mapdev_pci_dma_mask_bits() - the function's DMA mask width now (sysfs
 *	dma_mask_bits): what its buffers' memory must be below.
 * Return: the bits, or -1 with errno.
 */
int mapdev_pci_dma_mask_bits(const struct mapdev_pci *pci);

/* DMA mask widths MAPDEV_PCI_IOC_SET_DMA_MASK takes. */
#define MAPDEV_PCI_DMA_BITS_MIN	12
#define MAPDEV_PCI_DMA_BITS_MAX	64

/**
 * mapdev_pci_set_dma_mask() - the DMA address width of a bound function
 *	(MAPDEV_PCI_IOC_SET_DMA_MASK): its later buffers come from below it.
 *	It stays until changed or the function is unbound (mapdev_pci sets
 *	32 bits when it binds).
 * @dev: the function's device (mapdev_pci_open_device()).
 * @bits: MAPDEV_PCI_DMA_BITS_MIN to MAPDEV_PCI_DMA_BITS_MAX.
 * Return: 0, or -1 with errno: EINVAL (bits out of range, checked here),
 * EPERM (needs CAP_SYS_ADMIN), EIO (the platform cannot address that
 * width for the function), ENOTTY (not a PCI function's device).
 */
int mapdev_pci_set_dma_mask(struct mapdev_device *dev, unsigned int bits);

/**
 * mapdev_pci_buf_create() - a DMA buffer /dev/mapdev/@name for a bound
 *	function (MAPDEV_PCI_IOC_BUF_CREATE): allocated below the function's
 *	DMA mask and mapped for its DMA (through its IOMMU, if it has one),
 *	so its DMA addresses are the ones the function must use.  The buffer
 *	goes away with the function (unbind, removal, rmmod), or with
 *	mapdev_pci_buf_destroy().
 * @dev: the function's device (mapdev_pci_open_device()).
 * @name, @size, @backend, @cache: as for mapdev_bufctl_create().
 * Return: 0, or -1 with errno as mapdev_bufctl_create(); ENOTTY for a
 * device that is not a PCI function's.
 */
int mapdev_pci_buf_create(struct mapdev_device *dev, const char *name,
			  uint64_t size, unsigned int backend,
			  unsigned int cache);

/**
 * mapdev_pci_buf_destroy() - destroy one of the function's buffers; its
 *	mappings are revoked (MAPDEV_PCI_IOC_BUF_DESTROY).
 * @dev: the function's device.
 * @name: the buffer.
 * Return: 0, or -1 with errno: ENOENT (not a buffer of this function),
 * EINVAL (a bad name), EPERM.
 */
int mapdev_pci_buf_destroy(struct mapdev_device *dev, const char *name);

/**
 * mapdev_pci_list() - the functions bound to mapdev_pci, sorted by
 *	address (the entries of /sys/bus/pci/drivers/mapdev_pci/).
 * Return: a list the caller owns (mapdev_pcilist_free()); empty when
 * mapdev_pci is not loaded.  NULL with errno on failure (ENOMEM, or the
 * error reading sysfs).
 */
struct mapdev_pcilist *mapdev_pci_list(void);

/** mapdev_pcilist_free() - free the list; NULL is allowed. */
void mapdev_pcilist_free(struct mapdev_pcilist *list);

/** mapdev_pcilist_count() - the number of functions in it. */
size_t mapdev_pcilist_count(const struct mapdev_pcilist *list);

/**
 * mapdev_pcilist_bdf() - entry @i's address, "DDDD:BB:DD.F" (owned by
 *	@list), or NULL (errno EINVAL) for a bad index.  mapdev_pci_open()
 *	it for the rest.
 */
const char *mapdev_pcilist_bdf(const struct mapdev_pcilist *list, size_t i);

/* ---------------------------------------------------------------- maps */

struct mapdev_maps;
struct mapdev_vma;

/* What a mapping is, as mapdev_vma_kind() classifies it. */
enum mapdev_vma_kind {
	MAPDEV_VMA_TEXT,	/* read-only part of a program or library */
	MAPDEV_VMA_DATA,	/* writable private part of one */
	MAPDEV_VMA_BSS,		/* anonymous, right after a data mapping */
	MAPDEV_VMA_HEAP,	/* [heap] */
	MAPDEV_VMA_STACK,	/* [stack] */
	MAPDEV_VMA_VDSO,	/* [vdso] */
	MAPDEV_VMA_VVAR,	/* [vvar], [vvar_vclock] */
	MAPDEV_VMA_VSYSCALL,	/* [vsyscall] */
	MAPDEV_VMA_ANON,	/* other anonymous memory, [anon:name] */
	/* shared memory: shared anonymous, SYSV, memfd, /dev/shm, ... */
	MAPDEV_VMA_SHM,
	MAPDEV_VMA_FILE,	/* any other file */
	MAPDEV_VMA_DEVICE,	/* a character or block device, mapdev too */
	MAPDEV_VMA_KIND_MAX = MAPDEV_VMA_DEVICE,
};

/**
 * mapdev_vma_kind_name() - "text", "data", "bss", "heap", "stack", "vdso",
 *	"vvar", "vsyscall", "anon", "shm", "file", "device".
 * Return: a static string, or NULL (errno EINVAL) for an unknown kind.
 */
const char *mapdev_vma_kind_name(unsigned int kind);

/*
 * Flags for mapdev_maps_read() and mapdev_maps_parse().
 *  MAPDEV_MAPS_SMAPS:     read /proc/PID/smaps (parse smaps text), which
 *                         adds RSS, PSS, swap and dirty sizes (smaps.c);
 *  MAPDEV_MAPS_NO_RESOLVE: skip everything outside the text itself: device
 *                         names, stat() of device nodes, mapdev sysfs.
 */
#define MAPDEV_MAPS_SMAPS	(1u << 0)
#define MAPDEV_MAPS_NO_RESOLVE	(1u << 1)

/**
 * mapdev_maps_read() - read and parse the mappings of a process.
 * @pid: the process, 0 for the caller itself.
 * @flags: MAPDEV_MAPS_*.
 *
 * Kinds are classified and, unless MAPDEV_MAPS_NO_RESOLVE, device numbers
 * are named (from /sys/dev/block, /proc/self/mountinfo and /proc/devices),
 * device nodes are stat()ed, and mapdev mappings (a path under
 * /dev/mapdev/, or a character device whose major is "mapdev" in
 * /proc/devices) are joined with /sys/class/mapdev/NAME/.
 *
 * Return: the records, owned by the caller (mapdev_maps_free()), or NULL
 * with errno: ESRCH (no such process), EACCES or EPERM (not allowed to
 * read it), EINVAL (the kernel's text did not parse), ENOMEM.
 */
struct mapdev_maps *mapdev_maps_read(pid_t pid, unsigned int flags);

/**
 * mapdev_maps_read_file() - as mapdev_maps_read(), from a file holding
 *	maps or smaps text (a /proc file or a recording of one).
 * @path: the file.
 * @flags: MAPDEV_MAPS_*.
 * @bad_line: if not NULL, set to the 1-based number of the line that did
 *	not parse when this fails with EINVAL, 0 otherwise.
 */
struct mapdev_maps *mapdev_maps_read_file(const char *path,
					  unsigned int flags,
					  unsigned int *bad_line);

/**
 * mapdev_maps_parse() - parse maps or smaps text held in memory.
 * @text: the text; need not be NUL-terminated.
 * @len: its length.
 * @flags: MAPDEV_MAPS_*.
 * @bad_line: as for mapdev_maps_read_file().
 * Return: as mapdev_maps_read(); pid is 0.
 */
struct mapdev_maps *mapdev_maps_parse(const char *text, size_t len,
				      unsigned int flags,
				      unsigned int *bad_line);

/** mapdev_maps_free() - free the records; NULL is allowed. */
void mapdev_maps_free(struct mapdev_maps *maps);

/** mapdev_maps_pid() - the process they were read from (0 if unknown). */
pid_t mapdev_maps_pid(const struct mapdev_maps *maps);

/** mapdev_maps_count() - the number of mappings. */
size_t mapdev_maps_count(const struct mapdev_maps *maps);

/**
 * mapdev_maps_get() - mapping @i, in address order.
 * Return: the record, owned by @maps, or NULL (errno EINVAL) for a bad @i.
 */
const struct mapdev_vma *mapdev_maps_get(const struct mapdev_maps *maps,
					 size_t i);

/**
 * mapdev_maps_find() - the mapping holding address @addr.
 * Return: the record, owned by @maps, or NULL (errno ENOENT).
 */
const struct mapdev_vma *mapdev_maps_find(const struct mapdev_maps *maps,
					  uint64_t addr);

/** mapdev_maps_total_kib() - the sum of every mapping's size, in KiB. */
uint64_t mapdev_maps_total_kib(const struct mapdev_maps *maps);

/** mapdev_maps_has_smaps() - whether RSS/PSS/swap sizes are known. */
bool mapdev_maps_has_smaps(const struct mapdev_maps *maps);

/** mapdev_vma_start() - the first address. */
uint64_t mapdev_vma_start(const struct mapdev_vma *vma);
/** mapdev_vma_end() - the address after the last one. */
uint64_t mapdev_vma_end(const struct mapdev_vma *vma);
/** mapdev_vma_size() - end - start, in bytes. */
uint64_t mapdev_vma_size(const struct mapdev_vma *vma);
/**
 * mapdev_vma_perms() - the four permission characters as the kernel wrote
 *	them, e.g. "r-xp" or "rw-s" (owned by the maps).
 */
const char *mapdev_vma_perms(const struct mapdev_vma *vma);
/** mapdev_vma_prot() - PROT_READ | PROT_WRITE | PROT_EXEC as mapped. */
int mapdev_vma_prot(const struct mapdev_vma *vma);
/** mapdev_vma_shared() - true for a shared mapping ('s'). */
bool mapdev_vma_shared(const struct mapdev_vma *vma);
/** mapdev_vma_offset() - the file or device offset. */
uint64_t mapdev_vma_offset(const struct mapdev_vma *vma);
/** mapdev_vma_dev_major() - major of the file's device (st_dev). */
unsigned int mapdev_vma_dev_major(const struct mapdev_vma *vma);
/** mapdev_vma_dev_minor() - minor of the file's device. */
unsigned int mapdev_vma_dev_minor(const struct mapdev_vma *vma);
/**
 * mapdev_vma_dev_name() - a name for the device major:minor: a block
 *	device ("nvme0n1p2"), else the type of the filesystem mounted from it
 *	("tmpfs"), else the /proc/devices name of the block major; NULL when
 *	there is none (0:0, or MAPDEV_MAPS_NO_RESOLVE).  Owned by the maps.
 */
const char *mapdev_vma_dev_name(const struct mapdev_vma *vma);
/** mapdev_vma_inode() - the inode number, 0 for anonymous memory. */
uint64_t mapdev_vma_inode(const struct mapdev_vma *vma);
/**
 * mapdev_vma_path() - the file or pseudo-path ("[heap]"), without the
 *	" (deleted)" mark; NULL for an unnamed anonymous mapping.  Newlines
 *	in file names appear as the kernel escapes them ("\012").  Owned by
 *	the maps.
 */
const char *mapdev_vma_path(const struct mapdev_vma *vma);
/** mapdev_vma_deleted() - the kernel marked the file " (deleted)". */
bool mapdev_vma_deleted(const struct mapdev_vma *vma);
/** mapdev_vma_kind() - enum mapdev_vma_kind. */
unsigned int mapdev_vma_kind(const struct mapdev_vma *vma);
/**
 * mapdev_vma_anon_name() - the name of an [anon:NAME] or
 *	[anon_shmem:NAME] mapping, else NULL.  Owned by the maps.
 */
const char *mapdev_vma_anon_name(const struct mapdev_vma *vma);

/*
 * A device node's own number, st_rdev of the path, for device mappings
 * (kind MAPDEV_VMA_DEVICE) whose path could be stat()ed; 0/0/NULL else.
 */
/** mapdev_vma_rdev_major() - the device node's major. */
unsigned int mapdev_vma_rdev_major(const struct mapdev_vma *vma);
/** mapdev_vma_rdev_minor() - the device node's minor. */
unsigned int mapdev_vma_rdev_minor(const struct mapdev_vma *vma);
/**
 * mapdev_vma_rdev_name() - the node's name in /sys/dev/{char,block}, else
 *	the major's driver name in /proc/devices (owned by the maps).
 */
const char *mapdev_vma_rdev_name(const struct mapdev_vma *vma);

/* mapdev mappings: a device mapping of a /dev/mapdev/ device. */
/** mapdev_vma_is_mapdev() - true for a mapdev device mapping. */
bool mapdev_vma_is_mapdev(const struct mapdev_vma *vma);
/** mapdev_vma_mapdev_name() - the device/buffer name (owned by maps). */
const char *mapdev_vma_mapdev_name(const struct mapdev_vma *vma);
/** mapdev_vma_mapdev_region() - the region index, offset >> 40. */
unsigned int mapdev_vma_mapdev_region(const struct mapdev_vma *vma);
/**
 * mapdev_vma_mapdev_region_name() - the region's name, when the device
 *	could be opened to ask it (MAPDEV_IOC_REGION_INFO), else NULL (owned
 *	by the maps).
 */
const char *mapdev_vma_mapdev_region_name(const struct mapdev_vma *vma);
/**
 * mapdev_vma_mapdev_backend() - sysfs "backend" of the device, e.g. "sg",
 *	or NULL when unknown (owned by the maps).
 */
const char *mapdev_vma_mapdev_backend(const struct mapdev_vma *vma);
/** mapdev_vma_mapdev_cache() - sysfs "cache", or NULL (owned by maps). */
const char *mapdev_vma_mapdev_cache(const struct mapdev_vma *vma);
/** mapdev_vma_mapdev_size() - sysfs "size" in bytes, 0 when unknown. */
uint64_t mapdev_vma_mapdev_size(const struct mapdev_vma *vma);
/**
 * mapdev_vma_mapdev_nr_segments() - how many DMA segments the buffer has
 *	(sysfs "dma_segments"; a scattered buffer has several, and the DMA
 *	address is the first one's); 0 when unknown or not a buffer.
 */
unsigned int mapdev_vma_mapdev_nr_segments(const struct mapdev_vma *vma);
/**
 * mapdev_vma_mapdev_dma_addr() - sysfs "dma_addr", when it could be read
 *	(root only).
 * @vma: the record.
 * @addr: where the address goes.
 * Return: true if *@addr was set.
 */
bool mapdev_vma_mapdev_dma_addr(const struct mapdev_vma *vma,
				uint64_t *addr);

/*
 * smaps sizes in KiB (smaps.c); 0 unless mapdev_maps_has_smaps().
 */
/** mapdev_vma_rss_kib() - "Rss". */
uint64_t mapdev_vma_rss_kib(const struct mapdev_vma *vma);
/** mapdev_vma_pss_kib() - "Pss". */
uint64_t mapdev_vma_pss_kib(const struct mapdev_vma *vma);
/** mapdev_vma_swap_kib() - "Swap". */
uint64_t mapdev_vma_swap_kib(const struct mapdev_vma *vma);
/** mapdev_vma_dirty_kib() - "Shared_Dirty" + "Private_Dirty". */
uint64_t mapdev_vma_dirty_kib(const struct mapdev_vma *vma);

#ifdef __cplusplus
}
#endif

#endif /* LIBMAPDEV_MAPDEV_H */
