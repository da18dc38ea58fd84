/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel API differences mapdev spans, kept here so driver files have
 * no version #ifdefs.
 */
#ifndef _MAPDEV_COMPAT_H
#define _MAPDEV_COMPAT_H

#include <linux/version.h>
#include <linux/mm.h>
#include <linux/device.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
static inline void vm_flags_set(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma->vm_flags |= flags;
}

static inline void vm_flags_clear(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma->vm_flags &= ~flags;
}
#endif

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 4, 0)
#define mapdev_class_create(name)	class_create(THIS_MODULE, name)
#else
#define mapdev_class_create(name)	class_create(name)
#endif

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
#define MAPDEV_DEVNODE_DEV	struct device
#else
#define MAPDEV_DEVNODE_DEV	const struct device
#endif

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 12, 0)
#include <asm/unaligned.h>
#else
#include <linux/unaligned.h>
#endif

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 8, 0)
#define mapdev_eventfd_signal(ctx)	eventfd_signal(ctx, 1)
#else
#define mapdev_eventfd_signal(ctx)	eventfd_signal(ctx)
#endif

/*
 * Huge PFN mappings: x86 and Linux 6.12 mark PMD-level PFN maps special,
 * so they can be faulted in whole (vm_operations_struct.huge_fault with an
 * order).  Earlier kernels map device memory one page at a time.
 */
#ifdef CONFIG_ARCH_SUPPORTS_PMD_PFNMAP
#define MAPDEV_HUGE_PFNMAP		1
#include <linux/huge_mm.h>
#include <linux/pfn_t.h>
#define mapdev_get_unmapped_area	thp_get_unmapped_area
#else
#define MAPDEV_HUGE_PFNMAP		0
#define mapdev_get_unmapped_area	NULL
#endif

/*
 * dma_set_max_seg_size() returns void from 6.12 on (it warns when the
 * device has no dma_parms instead of returning -EIO).
 */
#include <linux/dma-mapping.h>
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 12, 0)
#define mapdev_dma_set_max_seg_size(dev, size)	dma_set_max_seg_size(dev, size)
#else
static inline int mapdev_dma_set_max_seg_size(struct device *dev,
					      unsigned int size)
{
	dma_set_max_seg_size(dev, size);
	return 0;
}
#endif

/*
 * For mapdev_edu (macros, expanded where used: include <linux/pci.h> and
 * <media/videobuf2-core.h> first).  6.8 renamed legacy PCI interrupts INTx,
 * and vb2's min_buffers_needed (the buffers queued before start_streaming)
 * min_queued_buffers.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 8, 0)
#define MAPDEV_PCI_IRQ_INTX		PCI_IRQ_LEGACY
#define mapdev_vb2_min_queued(q)	((q)->min_buffers_needed)
#else
#define MAPDEV_PCI_IRQ_INTX		PCI_IRQ_INTX
#define mapdev_vb2_min_queued(q)	((q)->min_queued_buffers)
#endif

/* The largest order the page allocator hands out. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 4, 0)
#define MAPDEV_MAX_PAGE_ORDER	(MAX_ORDER - 1)
#elif LINUX_VERSION_CODE < KERNEL_VERSION(6, 8, 0)
#define MAPDEV_MAX_PAGE_ORDER	MAX_ORDER
#else
#define MAPDEV_MAX_PAGE_ORDER	MAX_PAGE_ORDER
#endif

/*
 * The cache mode of the kernel's own mapping of RAM pages.  x86's PAT
 * refuses a user mapping whose memory type differs from the kernel's, so
 * uncached and write-combined user mappings of RAM change the pages first.
 */
#ifdef CONFIG_X86
#include <asm/set_memory.h>
static inline int mapdev_pages_set_uc(struct page **pages, int n)
{
	return set_pages_array_uc(pages, n);
}

static inline int mapdev_pages_set_wc(struct page **pages, int n)
{
	return set_pages_array_wc(pages, n);
}

static inline int mapdev_pages_set_wb(struct page **pages, int n)
{
	return set_pages_array_wb(pages, n);
}
#else
static inline int mapdev_pages_set_uc(struct page **pages, int n) { return 0; }
static inline int mapdev_pages_set_wc(struct page **pages, int n) { return 0; }
static inline int mapdev_pages_set_wb(struct page **pages, int n) { return 0; }
#endif

#endif /* _MAPDEV_COMPAT_H */
