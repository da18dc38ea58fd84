/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note OR LGPL-2.1-or-later */
/*
 * mapdev: user-space mappable DMA buffers, PCI BARs and physical ranges.
 *
 * This is the whole ioctl ABI, shared by the kernel modules and user space.
 *
 * Conventions (as in VFIO):
 *  - every argument struct starts with argsz and flags.  User space sets
 *    argsz = sizeof(struct); the kernel reads and writes back at most argsz
 *    bytes and fails with EINVAL when argsz is smaller than the fields it
 *    needs, so structs can grow at the end without breaking old binaries;
 *  - a flag the kernel does not know is rejected with EINVAL;
 *  - reserved and padding fields must be zero on input;
 *  - argsz is at most MAPDEV_ARGSZ_MAX (E2BIG otherwise).
 *
 * Every mapdev device exposes one or more regions.  Region N starts at mmap
 * offset MAPDEV_REGION_OFFSET(N); a mapping must lie inside one region.
 */
#ifndef _UAPI_LINUX_MAPDEV_H
#define _UAPI_LINUX_MAPDEV_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define MAPDEV_TYPE		0xD7

#define MAPDEV_NAME_LEN		32	/* including the terminating NUL */
#define MAPDEV_ARGSZ_MAX	4096	/* the largest argsz an ioctl takes */
#define MAPDEV_MAX_REGIONS	8

/* The mmap offset of region @index: regions are 1 TiB apart. */
#define MAPDEV_REGION_SHIFT	40
#define MAPDEV_REGION_OFFSET(index)	((__u64)(index) << MAPDEV_REGION_SHIFT)

/* Where a region's memory comes from. */
enum mapdev_backend {
	MAPDEV_BACKEND_COHERENT = 0,	/* dma_alloc_coherent(): contiguous */
	MAPDEV_BACKEND_CONTIG = 1,	/* physically contiguous pages */
	MAPDEV_BACKEND_SG = 2,		/* scattered pages, any size */
	MAPDEV_BACKEND_RESERVED = 3,	/* a physical range reserved at boot */
	MAPDEV_BACKEND_IOMEM = 4,	/* device memory, e.g. a PCI BAR */
	MAPDEV_BACKEND_NONE = 5,	/* no memory: config space, irq */
	MAPDEV_BACKEND_MAX = MAPDEV_BACKEND_NONE,
};

/* How user mappings of a region are cached. */
enum mapdev_cache {
	MAPDEV_CACHE_CACHED = 0,
	MAPDEV_CACHE_UNCACHED = 1,
	MAPDEV_CACHE_WC = 2,		/* write-combined */
	MAPDEV_CACHE_MAX = MAPDEV_CACHE_WC,
};

/* Direction of a sync, the values of the kernel's enum dma_data_direction. */
enum mapdev_dir {
	MAPDEV_DIR_BIDIRECTIONAL = 0,
	MAPDEV_DIR_TO_DEVICE = 1,
	MAPDEV_DIR_FROM_DEVICE = 2,
};

/*
 * MAPDEV_IOC_INFO: what a device is.
 * in: argsz, flags (0).  out: num_regions, name, driver.
 */
struct mapdev_info {
	__u32 argsz;
	__u32 flags;
	__u32 num_regions;
	__u32 reserved;
	char name[MAPDEV_NAME_LEN];
	char driver[MAPDEV_NAME_LEN];
};

#define MAPDEV_REGION_F_READ	(1u << 0)	/* readable (read() and mmap) */
#define MAPDEV_REGION_F_WRITE	(1u << 1)	/* writable */
#define MAPDEV_REGION_F_MMAP	(1u << 2)	/* can be mmap()ed */
#define MAPDEV_REGION_F_DMA	(1u << 3)	/* has DMA address(es) */
#define MAPDEV_REGION_F_CONTIG	(1u << 4)	/* one DMA segment */
#define MAPDEV_REGION_F_PREFETCH (1u << 5)	/* prefetchable: WC allowed */
#define MAPDEV_REGION_F_IRQ	(1u << 6)	/* the interrupt counter */

/*
 * MAPDEV_IOC_REGION_INFO: one region of a device.
 * in: argsz, flags (0), index.  out: everything else.
 * dma_addr is the DMA address of the first byte for a contiguous region,
 * and 0 unless the caller has CAP_SYS_ADMIN.  nr_segments is the number of
 * DMA segments (see MAPDEV_IOC_DMA_SEGMENTS).
 */
struct mapdev_region_info {
	__u32 argsz;
	__u32 flags;		/* out: MAPDEV_REGION_F_* */
	__u32 index;
	__u32 backend;		/* enum mapdev_backend */
	__u32 cache;		/* enum mapdev_cache, the region's default */
	__u32 nr_segments;
	__u64 size;		/* bytes, a multiple of the page size */
	__u64 offset;		/* mmap offset of the region's first byte */
	__u64 dma_addr;
	char name[MAPDEV_NAME_LEN];
};

#define MAPDEV_SYNC_FOR_CPU	(1u << 0)
#define MAPDEV_SYNC_FOR_DEVICE	(1u << 1)

/*
 * MAPDEV_IOC_SYNC: hand [offset, offset + size) of region @index to the CPU
 * (after the device wrote it) or to the device (after the CPU wrote it).
 * Exactly one of the two flags.  size 0 means "to the end of the region".
 */
struct mapdev_sync {
	__u32 argsz;
	__u32 flags;
	__u32 index;
	__u32 direction;	/* enum mapdev_dir */
	__u64 offset;
	__u64 size;
};

struct mapdev_dma_segment {
	__u64 dma_addr;
	__u64 offset;		/* of the segment's first byte in the region */
	__u64 len;
};

/*
 * MAPDEV_IOC_DMA_SEGMENTS: the DMA segments of region @index.
 * in: argsz, flags (0), index, count (capacity of the array at segments).
 * out: total (segments the region has); min(count, total) entries written.
 * Needs CAP_SYS_ADMIN (EPERM otherwise).
 */
struct mapdev_dma_segments {
	__u32 argsz;
	__u32 flags;
	__u32 index;
	__u32 count;
	__u32 total;
	__u32 reserved;
	__u64 segments;		/* user pointer to struct mapdev_dma_segment[] */
};

/*
 * MAPDEV_IOC_SET_CACHE: the cache mode of region @index's future mappings.
 * Only while the region has no mapping (EBUSY otherwise).  Device memory
 * can be uncached, or write-combined when prefetchable (EINVAL otherwise).
 */
struct mapdev_set_cache {
	__u32 argsz;
	__u32 flags;		/* 0 */
	__u32 index;
	__u32 cache;		/* enum mapdev_cache */
};

/*
 * MAPDEV_IOC_SET_EVENTFD: signal eventfd @fd on every interrupt of the
 * device; fd -1 detaches.  ENOTTY on a device without interrupts.  With
 * MAPDEV_EVENTFD_F_VECTOR, on every interrupt of vector @vector (ENXIO for
 * a vector the device does not have now); without it @vector must be 0
 * (vector 0).  EINVAL for an fd that is not an eventfd, EBADF for no fd.
 */
#define MAPDEV_EVENTFD_F_VECTOR	(1u << 0)

struct mapdev_set_eventfd {
	__u32 argsz;
	__u32 flags;		/* MAPDEV_EVENTFD_F_VECTOR or 0 */
	__s32 fd;
	__u32 vector;		/* was reserved: 0 without the flag */
};

/*
 * MAPDEV_IOC_SET_IRQ_VECTOR: the interrupt vector this open file's read(),
 * write() and poll() at the "irq" region refer to (vector 0 after open).
 * The file's last-seen count becomes the vector's count now, as at open.
 * ENOTTY without interrupts, ENXIO for a vector the device does not have
 * now (see MAPDEV_PCI_IOC_IRQS).
 */
struct mapdev_irq_vector {
	__u32 argsz;
	__u32 flags;		/* 0 */
	__u32 vector;
	__u32 reserved;
};

/*
 * MAPDEV_IOC_EXPORT_DMABUF: a dma-buf of buffer region @index, for another
 * driver to import (V4L2 DMABUF, DRM PRIME, ...).
 * in: argsz, flags, index.  out: fd, the new dma-buf's file descriptor.
 * flags: O_RDONLY or O_RDWR (O_RDWR needs a file open for writing: EBADF
 * otherwise), optionally | O_CLOEXEC; anything else EINVAL.  A read-only
 * dma-buf cannot be mapped writable, synced for writing
 * (DMA_BUF_IOCTL_SYNC with DMA_BUF_SYNC_WRITE: EPERM) nor mapped for a
 * device's writes (EPERM); an importer's vmap (kernel code, no direction)
 * is not refused.  The dma-buf keeps
 * the buffer's memory until its last reference goes, the device's
 * destruction notwithstanding (docs/ABI.md, "dma-buf export").
 */
struct mapdev_export_dmabuf {
	__u32 argsz;
	__u32 flags;
	__u32 index;
	__s32 fd;		/* out */
};

#define MAPDEV_IOC_INFO		_IO(MAPDEV_TYPE, 0x00)
#define MAPDEV_IOC_REGION_INFO	_IO(MAPDEV_TYPE, 0x01)
#define MAPDEV_IOC_SYNC		_IO(MAPDEV_TYPE, 0x02)
#define MAPDEV_IOC_DMA_SEGMENTS	_IO(MAPDEV_TYPE, 0x03)
#define MAPDEV_IOC_SET_CACHE	_IO(MAPDEV_TYPE, 0x04)
#define MAPDEV_IOC_SET_EVENTFD	_IO(MAPDEV_TYPE, 0x05)
#define MAPDEV_IOC_EXPORT_DMABUF _IO(MAPDEV_TYPE, 0x06)
#define MAPDEV_IOC_SET_IRQ_VECTOR _IO(MAPDEV_TYPE, 0x07)

/*
 * Interrupts.  A device with interrupts has a region flagged
 * MAPDEV_REGION_F_IRQ (named "irq").  At its offset:
 *  - read() of 4 bytes blocks until an interrupt came since this file last
 *    read, and returns the total count (a __u32); O_NONBLOCK: EAGAIN;
 *  - poll()/epoll on the file says POLLIN when such a read would not block,
 *    and POLLERR | POLLHUP once the device is gone (reads then fail ENODEV);
 *  - write() of a __u32 1 re-enables (unmasks) the interrupt after the
 *    driver masked it (INTx), 0 masks it.
 * A device with several vectors (MSI-X) does all of this per vector: each
 * has its own count, wait queue, mask and eventfd; a file refers to one
 * (MAPDEV_IOC_SET_IRQ_VECTOR), an eventfd is attached to one
 * (MAPDEV_EVENTFD_F_VECTOR).  A file whose vector went away (fewer vectors
 * set) reads and writes ENXIO and polls POLLERR.
 */

/*
 * The buffer control device, /dev/mapdev/buf-control (mapdev_buf.ko).
 * Names: 1 to MAPDEV_NAME_LEN - 1 characters of [A-Za-z0-9_.-], not
 * starting with '.' or '-', nor with a prefix the drivers name their own
 * devices with: "buf-", "edu-", "pci-", "phys-".  A buffer NAME is the
 * device /dev/mapdev/NAME.
 */
/*
 * MAPDEV_BUF_CREATE_F_PCI (mapdev_buf only): allocate and DMA-map the
 * buffer for the PCI function pci_domain:pci_bdf, whatever driver has it
 * (u-dma-buf's "bind"): its dma_addr is that function's view (an IOVA
 * behind an IOMMU) under the function's DMA mask as it is now.  Such a
 * buffer is destroyed (revoked) when a driver binds or unbinds the
 * function or the function is removed, and is not exported as a dma-buf
 * (EOPNOTSUPP).  Without the flag pci_domain and
 * pci_bdf are 0; reserved is always 0.
 */
#define MAPDEV_BUF_CREATE_F_PCI	(1u << 0)

struct mapdev_buf_create {
	__u32 argsz;
	__u32 flags;		/* 0 or MAPDEV_BUF_CREATE_F_PCI */
	__u64 size;		/* bytes, rounded up to the page size */
	__u32 backend;		/* COHERENT, CONTIG or SG */
	__u32 cache;		/* enum mapdev_cache */
	char name[MAPDEV_NAME_LEN];
	__u32 pci_domain;	/* F_PCI: the function's PCI domain */
	__u16 pci_bdf;		/* F_PCI: bus << 8 | device << 3 | function */
	__u16 reserved;		/* 0 */
};

struct mapdev_buf_destroy {
	__u32 argsz;
	__u32 flags;		/* 0 */
	char name[MAPDEV_NAME_LEN];
};

struct mapdev_buf_entry {
	char name[MAPDEV_NAME_LEN];
	__u64 size;
	__u32 backend;
	__u32 cache;
	__u32 map_count;	/* live user mappings (VMAs) */
	__u32 open_count;	/* open file descriptions */
};

/*
 * MAPDEV_BUF_IOC_LIST: in: count = capacity of the array at entries.
 * out: total = number of buffers; min(count, total) entries written.
 */
struct mapdev_buf_list {
	__u32 argsz;
	__u32 flags;		/* 0 */
	__u32 count;
	__u32 total;
	__u64 entries;		/* user pointer to struct mapdev_buf_entry[] */
};

#define MAPDEV_BUF_IOC_CREATE	_IO(MAPDEV_TYPE, 0x40)
#define MAPDEV_BUF_IOC_DESTROY	_IO(MAPDEV_TYPE, 0x41)
#define MAPDEV_BUF_IOC_LIST	_IO(MAPDEV_TYPE, 0x42)

/*
 * mapdev_pci: the char device /dev/mapdev/pci-DDDD:BB:DD.F of a bound PCI
 * function.  Regions: each memory BAR ("bar0".."bar5"), "config" (config
 * space, read/write only; writes reach only the command register's bus
 * master bit), "irq".  Buffers for the device's DMA are made with
 * MAPDEV_PCI_IOC_BUF_CREATE (struct mapdev_buf_create) and are
 * /dev/mapdev/NAME like any buffer, revoked when the device goes away.
 */
struct mapdev_pci_dma_mask {
	__u32 argsz;
	__u32 flags;		/* 0 */
	__u32 bits;		/* 12 to 64: the device's DMA address width */
	__u32 reserved;
};

/*
 * MAPDEV_PCI_IOC_IRQS: the function's interrupts, and their number.
 * in: argsz, flags; with MAPDEV_PCI_IRQS_F_SET, count: the vectors wanted,
 * 1 to max (EINVAL for 0, ERANGE above max; ENOMEM, ENOSPC when the
 * kernel cannot give that many; the old vectors stay then).  Setting
 * frees and allocates every vector: each starts unmasked, with its count
 * and eventfd kept; eventfds of vectors beyond the new count are dropped.
 * out: type (MAPDEV_IRQ_TYPE_*), count (vectors now), max (vectors the
 * function has: the MSI-X table size, 1 for MSI and INTx, 0 for none),
 * and for MSI-X where its table and PBA live: user space cannot change
 * them through a BAR (mmap of their pages is read-only, writes with
 * write() fail EACCES).
 */
#define MAPDEV_IRQ_TYPE_NONE	0
#define MAPDEV_IRQ_TYPE_INTX	1
#define MAPDEV_IRQ_TYPE_MSI	2
#define MAPDEV_IRQ_TYPE_MSIX	3

#define MAPDEV_PCI_IRQS_F_SET	(1u << 0)

struct mapdev_pci_irqs {
	__u32 argsz;
	__u32 flags;
	__u32 type;		/* out */
	__u32 count;		/* in with MAPDEV_PCI_IRQS_F_SET; out */
	__u32 max;		/* out */
	__u32 table_bar;	/* out, MSI-X: the BAR with the vector table */
	__u32 pba_bar;		/* out, MSI-X: the BAR with the pending bits */
	__u32 reserved;
	__u64 table_offset;	/* out, MSI-X: in table_bar */
	__u64 table_size;	/* out, MSI-X: bytes */
	__u64 pba_offset;	/* out, MSI-X: in pba_bar */
	__u64 pba_size;		/* out, MSI-X: bytes */
};

#define MAPDEV_PCI_IOC_BUF_CREATE	_IO(MAPDEV_TYPE, 0x60)
#define MAPDEV_PCI_IOC_BUF_DESTROY	_IO(MAPDEV_TYPE, 0x61)
#define MAPDEV_PCI_IOC_SET_DMA_MASK	_IO(MAPDEV_TYPE, 0x62)
#define MAPDEV_PCI_IOC_IRQS		_IO(MAPDEV_TYPE, 0x63)

#endif /* _UAPI_LINUX_MAPDEV_H */
