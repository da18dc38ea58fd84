// SPDX-License-Identifier: GPL-2.0
/*
 * mapdev core: character devices whose regions user space maps.
 *
 * Where things are:
 *   device.c   a device's lifetime: alloc, register, unregister (how a
 *              device dies), names, the class and minors
 *   region.c   the regions a driver adds to a device before registering it
 *   file.c     the file operations: open, read/write, poll, release
 *   ioctl.c    ioctl dispatch, argument copies, the ioctls of every device
 *   mmap.c     mmap and faults
 *   irq.c      interrupts delivered to user space
 *   buffer.c   DMA buffers and their memory
 *   sysfs.c, debugfs.c
 */
#include <linux/module.h>

#include "mapdev_core.h"

static int __init mapdev_init(void)
{
	int ret;

	ret = mapdev_devices_init();
	if (ret)
		return ret;
	mapdev_stats_init();
	return 0;
}

static void __exit mapdev_exit(void)
{
	mapdev_stats_exit();
	mapdev_devices_exit();
}

module_init(mapdev_init);
module_exit(mapdev_exit);
MODULE_DESCRIPTION("mapdev core: user-space mappable DMA buffers and device memory");
MODULE_AUTHOR("mapdev developers");
MODULE_LICENSE("GPL");
