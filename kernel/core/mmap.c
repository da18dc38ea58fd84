// SPDX-License-Identifier: GPL-2.0
/*
 * mapdev mmap: the one place user mappings are made.
 *
 * A mapping is MAP_SHARED, never executable, inside one region, and
 * VM_DONTEXPAND | VM_DONTDUMP.  What it is made of depends on the memory:
 *
 *  - the pages of a contig or sg buffer are the buffer's own, in folios
 *    with a refcount: the mapping is VM_MIXEDMAP, made of those struct pages
 *    (vm_insert_page(s)), so the kernel's I/O paths (O_DIRECT, vmsplice,
 *    io_uring's registered buffers, process_vm_readv) can pin them.  A pin
 *    is a reference on the page's folio (core/buffer.c): a folio the buffer
 *    frees while pinned goes back to the allocator only when the I/O unpins
 *    it.  Such mappings are mapped a page at a time (PTEs): the kernels
 *    mapdev builds for have no way for a driver to map a folio with a PMD;
 *  - everything else is VM_IO | VM_PFNMAP (vmf_insert_pfn*): coherent
 *    buffers (the DMA API owns that memory and frees it whatever holds a
 *    reference, so it must never be pinned) and device memory (BARs,
 *    reserved ranges: no struct pages at all).  GUP refuses these with
 *    EFAULT; on Linux 6.12 they can be mapped 2 MiB at a time.
 *
 * Pages are inserted by the fault handler (module parameter map_mode): one
 * at a time, in aligned batches, or the whole VMA at its first fault.
 * Never inside ->mmap: the kernel links the VMA into the file's i_mmap tree
 * only after ->mmap returns, so a revocation running in between would not
 * zap pages put there.  Faults, and ->access, run inside the device's SRCU
 * section that revocation waits for, and check the device is alive there
 * before they look at the region's memory at all.  So once unregister has
 * waited and zapped, no page table and no path of mapdev's reaches the
 * region's memory, and unregister frees it at once: a VMA holds no
 * reference on a buffer, and later faults get SIGBUS.  (Memory that
 * outlived its device would also outlive the driver's binding: a PCI
 * function's DMA buffers must be freed before its driver lets go of it.)
 * Only pages an I/O pinned outlive the buffer, as the I/O's: write-back
 * again, unmapped, DMA-unmapped from the buffer's device.
 */
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched/signal.h>
#include <linux/srcu.h>

#include "mapdev_compat.h"
#include "mapdev_core.h"

enum mapdev_map_mode {
	MAPDEV_MAP_FAULT,	/* one page per fault */
	MAPDEV_MAP_BATCH,	/* an aligned batch of pages per fault */
	MAPDEV_MAP_POPULATE,	/* the whole VMA at its first fault */
};

static const char * const map_mode_names[] = {
	[MAPDEV_MAP_FAULT] = "fault",
	[MAPDEV_MAP_BATCH] = "batch",
	[MAPDEV_MAP_POPULATE] = "populate",
};

static int map_mode = MAPDEV_MAP_BATCH;

static int map_mode_set(const char *val, const struct kernel_param *kp)
{
	int i = sysfs_match_string(map_mode_names, val);

	if (i < 0)
		return -EINVAL;
	WRITE_ONCE(map_mode, i);
	return 0;
}

static int map_mode_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s\n", map_mode_names[READ_ONCE(map_mode)]);
}

static const struct kernel_param_ops map_mode_ops = {
	.set = map_mode_set,
	.get = map_mode_get,
};
module_param_cb(map_mode, &map_mode_ops, NULL, 0644);
MODULE_PARM_DESC(map_mode, "how mappings get their pages: fault (a page a fault), batch (default) or populate (the whole mapping at its first fault)");

static unsigned int fault_batch = 64;

static int fault_batch_set(const char *val, const struct kernel_param *kp)
{
	unsigned int n;
	int ret = kstrtouint(val, 0, &n);

	if (ret)
		return ret;
	if (!n || n > 512 || !is_power_of_2(n))
		return -EINVAL;
	WRITE_ONCE(fault_batch, n);
	return 0;
}

static const struct kernel_param_ops fault_batch_ops = {
	.set = fault_batch_set,
	.get = param_get_uint,
};
module_param_cb(fault_batch, &fault_batch_ops, &fault_batch, 0644);
MODULE_PARM_DESC(fault_batch, "pages inserted per fault in batch mode: a power of two, 1 to 512 (default 64)");

static bool huge = MAPDEV_HUGE_PFNMAP;

static int huge_set(const char *val, const struct kernel_param *kp)
{
	bool on;
	int ret = kstrtobool(val, &on);

	if (ret)
		return ret;
	if (on && !MAPDEV_HUGE_PFNMAP)
		return -EINVAL;	/* this kernel cannot map PFNs by PMD */
	WRITE_ONCE(huge, on);
	return 0;
}

static const struct kernel_param_ops huge_ops = {
	.set = huge_set,
	.get = param_get_bool,
};
module_param_cb(huge, &huge_ops, &huge, 0644);
MODULE_PARM_DESC(huge, "map 2 MiB at a time where memory and address allow (Y where the kernel can: Linux 6.12+)");

#define MAPDEV_REGION_PGSHIFT	(MAPDEV_REGION_SHIFT - PAGE_SHIFT)
#define MAPDEV_REGION_PGMASK	((1UL << MAPDEV_REGION_PGSHIFT) - 1)

static struct mapdev_region *vma_region(struct vm_area_struct *vma)
{
	struct mapdev_device *md = vma->vm_private_data;

	return &md->regions[vma->vm_pgoff >> MAPDEV_REGION_PGSHIFT];
}

/* Page index inside the region of the page mapped at @addr. */
static unsigned long vma_page_index(struct vm_area_struct *vma,
				    unsigned long addr)
{
	return (vma->vm_pgoff & MAPDEV_REGION_PGMASK) +
	       ((addr - vma->vm_start) >> PAGE_SHIFT);
}

/*
 * Counts one more VMA of the device and region.  The VMA's file keeps the
 * device (and so the region) allocated; the region's memory is only ever
 * mapped at fault time, inside the SRCU section that unregister waits for
 * before it zaps and frees.
 */
static void mapdev_vma_get(struct vm_area_struct *vma)
{
	struct mapdev_device *md = vma->vm_private_data;
	struct mapdev_region *r = vma_region(vma);

	atomic_inc(&r->map_count);
	atomic_inc(&md->map_count);
}

static void mapdev_vm_open(struct vm_area_struct *vma)
{
	mapdev_vma_get(vma);
}

static void mapdev_vm_close(struct vm_area_struct *vma)
{
	struct mapdev_device *md = vma->vm_private_data;
	struct mapdev_region *r = vma_region(vma);

	atomic_dec(&md->map_count);
	atomic_dec(&r->map_count);
}

/* A mapping of the buffer's struct pages (see the top of this file). */
static bool vma_maps_pages(struct vm_area_struct *vma)
{
	return vma->vm_flags & VM_MIXEDMAP;
}

/* vm_insert_page(s)'s errno as a fault's result. */
static vm_fault_t mapdev_page_fault_result(int err)
{
	switch (err) {
	case 0:
	case -EBUSY:		/* mapped already: a racing fault won */
		return VM_FAULT_NOPAGE;
	case -ENOMEM:
		return VM_FAULT_OOM;
	default:
		return VM_FAULT_SIGBUS;
	}
}

static vm_fault_t mapdev_insert(struct vm_area_struct *vma, unsigned long addr,
				struct mapdev_region *r)
{
	unsigned long i = vma_page_index(vma, addr);
	unsigned long pfn;

	if (i >= r->size >> PAGE_SHIFT)
		return VM_FAULT_SIGBUS;
	/* The PTE's memory type is the VMA's, which mmap matched to the pages. */
	if (vma_maps_pages(vma))
		return mapdev_page_fault_result(vm_insert_page(vma, addr,
							       r->buf->pages[i]));
	if (r->buf)
		pfn = page_to_pfn(r->buf->pages[i]);
	else
		pfn = PHYS_PFN(r->phys) + i;
	/* x86: the memory type comes from the pages or the kernel's ioremap. */
	return vmf_insert_pfn_prot(vma, addr, pfn, vma->vm_page_prot);
}

/*
 * Maps what is not mapped yet of [addr, end), which lies in one page table
 * and inside the region.  Pages go in batches, each under one lock of the
 * page table; a page already present is left as it is.
 *
 * Return: 0, or a negative errno: stop.
 */
static int mapdev_insert_chunk(struct vm_area_struct *vma, unsigned long addr,
			       unsigned long end, struct mapdev_region *r)
{
	unsigned long i = vma_page_index(vma, addr), n, left;
	int ret;

	if (!vma_maps_pages(vma)) {
		for (; addr < end; addr += PAGE_SIZE)
			if (mapdev_insert(vma, addr, r) & VM_FAULT_ERROR)
				return -EFAULT;
		return 0;
	}
	while (addr < end) {
		n = (end - addr) >> PAGE_SHIFT;
		left = n;
		ret = vm_insert_pages(vma, addr, &r->buf->pages[i], &left);
		if (!ret)
			return 0;
		if (ret != -EBUSY)
			return ret;
		/* Page n - left was present: go on after it. */
		addr += (n - left + 1) << PAGE_SHIFT;
		i += n - left + 1;
	}
	return 0;
}

static vm_fault_t mapdev_vm_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mapdev_device *md = vma->vm_private_data;
	struct mapdev_region *r = vma_region(vma);
	unsigned long addr, next, start, end, batch, last;
	vm_fault_t ret;
	int idx, mode;

	idx = srcu_read_lock(&md->srcu);
	if (READ_ONCE(md->dead)) {
		ret = VM_FAULT_SIGBUS;
		goto out;
	}
	mode = READ_ONCE(map_mode);
	ret = mapdev_insert(vma, vmf->address, r);
	if (ret & VM_FAULT_ERROR || mode == MAPDEV_MAP_FAULT)
		goto out;

	/* The rest of the VMA, or of the aligned batch around the fault. */
	if (mode == MAPDEV_MAP_POPULATE) {
		start = vma->vm_start;
		end = vma->vm_end;
	} else {
		batch = (unsigned long)READ_ONCE(fault_batch) << PAGE_SHIFT;
		start = max(vma->vm_start, ALIGN_DOWN(vmf->address, batch));
		end = min(vma->vm_end, ALIGN_DOWN(vmf->address, batch) + batch);
	}
	/* Not past the region (the VMA is inside it, as mmap checked). */
	last = vma->vm_start + ((r->size >> PAGE_SHIFT) -
				(vma->vm_pgoff & MAPDEV_REGION_PGMASK)) * PAGE_SIZE;
	end = min(end, last);
	/* A page table at a time; a populate of gigabytes lets others run. */
	for (addr = start; addr < end; addr = next) {
		next = min(end, ALIGN_DOWN(addr, PMD_SIZE) + PMD_SIZE);
		if (mapdev_insert_chunk(vma, addr, next, r))
			break;
		if (next < end) {
			if (fatal_signal_pending(current))
				break;
			cond_resched();
		}
	}
out:
	srcu_read_unlock(&md->srcu, idx);
	return ret;
}

#if MAPDEV_HUGE_PFNMAP
/*
 * A whole PMD of a PFN mapping when the window is inside the VMA and the
 * region, aligned, and physically contiguous; otherwise, and for mappings
 * of struct pages, the kernel falls back to ->fault.
 */
static vm_fault_t mapdev_vm_huge_fault(struct vm_fault *vmf,
				       unsigned int order)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mapdev_device *md = vma->vm_private_data;
	struct mapdev_region *r = vma_region(vma);
	unsigned long nr = 1UL << order, len = PAGE_SIZE << order;
	unsigned long addr = ALIGN_DOWN(vmf->address, len);
	unsigned long first, pfn, i;
	vm_fault_t ret = VM_FAULT_FALLBACK;
	int idx;

	/* Pages are mapped a page at a time (see the top of this file). */
	if (order != PMD_ORDER || !READ_ONCE(huge) || vma_maps_pages(vma) ||
	    addr < vma->vm_start || addr + len > vma->vm_end)
		return VM_FAULT_FALLBACK;
	first = vma_page_index(vma, addr);
	if (first + nr > r->size >> PAGE_SHIFT)
		return VM_FAULT_FALLBACK;

	/* Alive first: a dead device's buffer is freed, r->buf is NULL. */
	idx = srcu_read_lock(&md->srcu);
	if (READ_ONCE(md->dead)) {
		ret = VM_FAULT_SIGBUS;
		goto out;
	}
	pfn = r->buf ? page_to_pfn(r->buf->pages[first]) :
		       PHYS_PFN(r->phys) + first;
	if (pfn & (nr - 1))
		goto out;
	for (i = 1; r->buf && i < nr; i++)
		if (page_to_pfn(r->buf->pages[first + i]) != pfn + i)
			goto out;
	ret = vmf_insert_pfn_pmd(vmf, __pfn_to_pfn_t(pfn, PFN_DEV),
				 vmf->flags & FAULT_FLAG_WRITE);
out:
	srcu_read_unlock(&md->srcu, idx);
	return ret;
}
#endif

/*
 * ptrace and /proc/PID/mem: GUP cannot reach PFN mappings, so copy through
 * the kernel's own mapping of the pages.  (Mappings of struct pages come
 * here only when GUP failed: a revoked mapping, a write to a read-only one.)
 */
static int mapdev_vm_access(struct vm_area_struct *vma, unsigned long addr,
			    void *ubuf, int len, int write)
{
	struct mapdev_device *md = vma->vm_private_data;
	struct mapdev_region *r = vma_region(vma);
	int done = 0, idx;

	if (write && !(vma->vm_flags & VM_WRITE))
		return -EACCES;
	idx = srcu_read_lock(&md->srcu);
	if (READ_ONCE(md->dead)) {
		srcu_read_unlock(&md->srcu, idx);
		return -EIO;
	}
	while (done < len && addr < vma->vm_end) {
		unsigned long i = vma_page_index(vma, addr);
		unsigned int off = offset_in_page(addr);
		unsigned int n = min_t(unsigned long, len - done, PAGE_SIZE - off);

		if (i >= r->size >> PAGE_SHIFT)
			break;
		if (r->buf) {
			void *kaddr = page_address(r->buf->pages[i]) + off;

			if (write)
				memcpy(kaddr, ubuf + done, n);
			else
				memcpy(ubuf + done, kaddr, n);
		} else {
			/* A mapping exists, so r->kva cannot change now. */
			void __iomem *io = r->kva + (i << PAGE_SHIFT) + off;

			if (write)
				memcpy_toio(io, ubuf + done, n);
			else
				memcpy_fromio(ubuf + done, io, n);
		}
		done += n;
		addr += n;
	}
	srcu_read_unlock(&md->srcu, idx);
	return done;
}

static const struct vm_operations_struct mapdev_vm_ops = {
	.open = mapdev_vm_open,
	.close = mapdev_vm_close,
	.fault = mapdev_vm_fault,
#if MAPDEV_HUGE_PFNMAP
	.huge_fault = mapdev_vm_huge_fault,
#endif
	.access = mapdev_vm_access,
};

/* @prot in buffer cache mode @cache (MAPDEV_CACHE_*): for mmap and vmap. */
pgprot_t mapdev_pgprot(pgprot_t prot, u32 cache)
{
	switch (cache) {
	case MAPDEV_CACHE_UNCACHED:
		return pgprot_noncached(prot);
	case MAPDEV_CACHE_WC:
		return pgprot_writecombine(prot);
	default:
		return prot;
	}
}

/* Whether pages [first, first + npages) of @r hold a protected range. */
static bool mapdev_vma_protected(const struct mapdev_region *r,
				 unsigned long first, unsigned long npages)
{
	u64 start = (u64)first << PAGE_SHIFT;
	u64 end = start + ((u64)npages << PAGE_SHIFT);
	unsigned int i;

	for (i = 0; i < r->nr_protected; i++)
		if (start < r->protected[i].end && end > r->protected[i].start)
			return true;
	return false;
}

/**
 * mapdev_mmap() - the mmap file operation of every mapdev device
 * @file: an open mapdev device
 * @vma: the new mapping; vm_pgoff selects the region and the offset in it
 *
 * Return: 0, or -EINVAL (private mapping, no such region, range outside the
 * region, a region that lost its kernel mapping), -EPERM (executable;
 * device memory under the device's raw access lockdown), -EACCES (writable
 * mapping of a read-only region, or of pages holding a protected range
 * such as an MSI-X table), -EBUSY (the region is mapped with another
 * cache mode right now), -ENODEV (the device is gone).
 */
int mapdev_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct mapdev_device *md = ((struct mapdev_file *)file->private_data)->md;
	unsigned long index = vma->vm_pgoff >> MAPDEV_REGION_PGSHIFT;
	unsigned long first = vma->vm_pgoff & MAPDEV_REGION_PGMASK;
	unsigned long npages = vma_pages(vma);
	struct mapdev_region *r;
	unsigned long rpages;
	bool prot;
	u32 cache;
	int ret;

	/* VM_MAYSHARE: the kernel drops VM_SHARED for read-only files. */
	if (!(vma->vm_flags & VM_MAYSHARE)) {
		dev_dbg_ratelimited(&md->dev, "mmap: MAP_SHARED is required\n");
		return -EINVAL;
	}
	if (vma->vm_flags & VM_EXEC)
		return -EPERM;
	if (index >= md->nr_regions)
		return -EINVAL;
	r = &md->regions[index];
	if (!(r->flags & MAPDEV_REGION_F_MMAP))
		return -EINVAL;
	if ((vma->vm_flags & VM_WRITE) && !(r->flags & MAPDEV_REGION_F_WRITE))
		return -EACCES;
	rpages = r->size >> PAGE_SHIFT;
	if (first >= rpages || npages > rpages - first)
		return -EINVAL;
	/* An MSI-X table's pages: read-only, so vector addresses stay ours. */
	prot = mapdev_vma_protected(r, first, npages);
	if (prot && (vma->vm_flags & VM_WRITE)) {
		dev_info_ratelimited(&md->dev,
				     "mmap: region %s: pages %#lx-%#lx hold the MSI-X table or PBA; only read-only mappings of them\n",
				     r->name, first, first + npages - 1);
		return -EACCES;
	}
	/* BARs are raw access, as sysfs resourceN's mmap. */
	if (r->type == MAPDEV_REGION_IOMEM && md->raw_lockdown) {
		ret = security_locked_down(md->raw_lockdown);
		if (ret)
			return ret;
	}
	/* O_SYNC: uncached buffer mappings, as u-dma-buf does. */
	cache = r->cache;
	if (r->buf && (file->f_flags & O_SYNC))
		cache = MAPDEV_CACHE_UNCACHED;

	mutex_lock(&md->lock);
	if (md->dead) {
		ret = -ENODEV;
		goto out_unlock;
	}
	/* A failed cache mode change may have taken the mapping away. */
	if (!(r->flags & MAPDEV_REGION_F_MMAP)) {
		ret = -EINVAL;
		goto out_unlock;
	}
	/* One cache mode at a time: PAT forbids aliases with another. */
	if (r->buf && r->buf->memtype != cache) {
		if (atomic_read(&r->map_count)) {
			dev_info_ratelimited(&md->dev,
					     "region %s is mapped %s; close those mappings before mapping it %s\n",
					     r->name, mapdev_cache_name(r->buf->memtype),
					     mapdev_cache_name(cache));
			ret = -EBUSY;
			goto out_unlock;
		}
		ret = mapdev_set_memtype(r->buf, cache);
		if (ret)
			goto out_unlock;
	}

	vma->vm_page_prot = mapdev_pgprot(vma->vm_page_prot, cache);
	/* Struct pages where the buffer has its own (see the top of this file). */
	if (r->buf && mapdev_buffer_pinnable(r->buf))
		vm_flags_set(vma, VM_MIXEDMAP | VM_DONTEXPAND | VM_DONTDUMP);
	else
		vm_flags_set(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
	vm_flags_clear(vma, VM_MAYEXEC);
	if (!(r->flags & MAPDEV_REGION_F_WRITE) || prot)
		vm_flags_clear(vma, VM_MAYWRITE);
	vma->vm_ops = &mapdev_vm_ops;
	vma->vm_private_data = md;
	mapdev_vma_get(vma);
	ret = 0;
out_unlock:
	mutex_unlock(&md->lock);
	return ret;
}
