// SPDX-License-Identifier: GPL-2.0
/*
 * mapdev_phys: /dev/mem done right.  Only physical ranges declared at load
 * time are reachable, each its own device:
 *
 *   modprobe mapdev_phys ranges=fb:0x20000000:16M:wc,regs:0xfe000000:4K
 *
 * (NAME:START:SIZE[:cached|uncached|wc], START and SIZE page-aligned, SIZE
 * with K/M/G) gives /dev/mapdev/phys-fb and /dev/mapdev/phys-regs.  A range
 * is accepted only if it is not System RAM the kernel uses (reserve RAM
 * with memmap=SIZE$START on the kernel command line) and no driver has
 * claimed any of it; it is claimed for mapdev_phys until unload.  Opening a
 * range needs CAP_SYS_RAWIO and a kernel not locked down (LOCKDOWN_DEV_MEM),
 * as /dev/mem does.  A range is at most 1 TiB, the distance between two
 * regions' mmap offsets.  The memory is not cleared:
 * what is there (firmware data, a previous run's) is the point of mapping it.
 */
#include <linux/capability.h>
#include <linux/ioport.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "mapdev_core.h"

#define DRV_NAME "mapdev_phys"

static char *ranges;
module_param(ranges, charp, 0444);
MODULE_PARM_DESC(ranges, "physical ranges to offer: NAME:START:SIZE[:cached|uncached|wc],...");

struct phys_range {
	struct list_head node;
	struct mapdev_device *md;
	struct resource *res;
};

static LIST_HEAD(phys_list);

static const char * const cache_args[] = { "cached", "uncached", "wc" };

static void phys_range_free(struct phys_range *pr)
{
	if (pr->md)
		mapdev_device_unregister(pr->md);
	if (pr->res)
		release_mem_region(pr->res->start, resource_size(pr->res));
	kfree(pr);
}

static int phys_add(const char *name, u64 start, u64 size, u32 cache)
{
	struct phys_range *pr;
	int ret;

	if (mapdev_check_name(name) || strlen(name) > MAPDEV_NAME_LEN - 6) {
		pr_err(DRV_NAME ": %s: names are [A-Za-z0-9_.-], up to %d\n",
		       name, MAPDEV_NAME_LEN - 6);
		return -EINVAL;
	}
	if (!size || !PAGE_ALIGNED(start) || !PAGE_ALIGNED(size) ||
	    start + size - 1 < start || start + size - 1 > (u64)(phys_addr_t)~0) {
		pr_err(DRV_NAME ": %s: [%#llx, +%#llx) must be page-aligned, non-empty and not wrap\n",
		       name, start, size);
		return -EINVAL;
	}
	if (size > MAPDEV_REGION_OFFSET(1)) {
		pr_err(DRV_NAME ": %s: %#llx bytes: a range is at most 1 TiB\n",
		       name, size);
		return -EINVAL;
	}
	if (region_intersects(start, size, IORESOURCE_SYSTEM_RAM,
			      IORES_DESC_NONE) != REGION_DISJOINT) {
		pr_err(DRV_NAME ": %s: [%#llx, +%#llx) is System RAM in use by the kernel; reserve it with memmap=SIZE$START first\n",
		       name, start, size);
		return -EINVAL;
	}

	pr = kzalloc(sizeof(*pr), GFP_KERNEL);
	if (!pr)
		return -ENOMEM;
	pr->res = request_mem_region(start, size, DRV_NAME);
	if (!pr->res) {
		pr_err(DRV_NAME ": %s: [%#llx, +%#llx) is claimed by another driver (see /proc/iomem)\n",
		       name, start, size);
		ret = -EBUSY;
		goto err;
	}
	pr->md = mapdev_device_alloc(NULL, DRV_NAME, NULL, "phys-%s", name);
	if (IS_ERR(pr->md)) {
		ret = PTR_ERR(pr->md);
		pr->md = NULL;
		goto err;
	}
	pr->md->open_cap = CAP_SYS_RAWIO;
	pr->md->open_lockdown = LOCKDOWN_DEV_MEM;
	/* Declared ranges may be write-combined whatever they are. */
	ret = mapdev_device_add_iomem(pr->md, "range", start, size,
				      MAPDEV_REGION_F_WRITE |
				      MAPDEV_REGION_F_PREFETCH, cache);
	if (ret < 0)
		goto err;
	ret = mapdev_device_register(pr->md);
	if (ret) {
		pr_err(DRV_NAME ": %s: cannot register: %d%s\n", name, ret,
		       ret == -EEXIST ? " (the name is taken)" : "");
		goto err;
	}
	list_add_tail(&pr->node, &phys_list);
	pr_info(DRV_NAME ": /dev/mapdev/phys-%s: [%#llx, +%#llx) %s\n", name,
		start, size, cache_args[cache]);
	return 0;
err:
	phys_range_free(pr);
	return ret;
}

/* One NAME:START:SIZE[:CACHE] of the ranges parameter. */
static int phys_add_spec(char *spec)
{
	char *name = strsep(&spec, ":");
	char *start_s = strsep(&spec, ":");
	char *size_s = strsep(&spec, ":");
	char *cache_s = strsep(&spec, ":");
	u32 cache = MAPDEV_CACHE_UNCACHED;
	u64 start, size;
	char *end;
	int i;

	if (!size_s || spec) {
		pr_err(DRV_NAME ": ranges: '%s': want NAME:START:SIZE[:CACHE]\n", name);
		return -EINVAL;
	}
	if (kstrtou64(start_s, 0, &start)) {
		pr_err(DRV_NAME ": ranges: %s: bad start '%s'\n", name, start_s);
		return -EINVAL;
	}
	size = memparse(size_s, &end);
	if (*end || !*size_s) {
		pr_err(DRV_NAME ": ranges: %s: bad size '%s' (a number with K, M or G)\n",
		       name, size_s);
		return -EINVAL;
	}
	if (cache_s) {
		i = match_string(cache_args, ARRAY_SIZE(cache_args), cache_s);
		if (i < 0) {
			pr_err(DRV_NAME ": ranges: %s: cache '%s' is not cached, uncached or wc\n",
			       name, cache_s);
			return -EINVAL;
		}
		cache = i;
	}
	return phys_add(name, start, size, cache);
}

static void phys_remove_all(void)
{
	struct phys_range *pr, *tmp;

	list_for_each_entry_safe(pr, tmp, &phys_list, node) {
		list_del(&pr->node);
		phys_range_free(pr);
	}
}

static int __init phys_init(void)
{
	int ret;

	if (!ranges || !*ranges) {
		pr_err(DRV_NAME ": no ranges=NAME:START:SIZE given; nothing to offer\n");
		return -EINVAL;
	}
	ret = mapdev_parse_specs(ranges, phys_add_spec);
	if (ret)
		phys_remove_all();
	return ret;
}

static void __exit phys_exit(void)
{
	phys_remove_all();
}

module_init(phys_init);
module_exit(phys_exit);
MODULE_DESCRIPTION("mapdev_phys: declared physical ranges for user space, /dev/mem done right");
MODULE_AUTHOR("mapdev developers");
MODULE_LICENSE("GPL");
