// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/debug/mapdev: counters of what core holds, for tests that
 * assert nothing leaks, and an error-injection knob so unwind paths run.
 *
 *   buffers     live buffers
 *   bytes       bytes of live buffers
 *   devices     live mapdev_device objects
 *   fail_alloc  write N > 0: the Nth buffer allocation from now fails with
 *               ENOMEM (then the knob is 0 again); 0 disarms
 *   eventfds    eventfd contexts held for interrupt delivery
 *   fail_ioremap  write N: the next N kernel mappings of device memory made
 *               for a cache mode change fail
 *   dmabufs     live dma-bufs exported from buffer regions
 *   exports     one line a live dma-buf: the buffer's name, "zombie" once
 *               its device is destroyed, its attachments, vmaps, mmaps
 *   pages_held  pages that a freed buffer left to kernel I/O still holding
 *               them (O_DIRECT, io_uring, vmsplice), by whole folios: a
 *               running count; each went back to the allocator when its
 *               I/O let go
 *   race_delay_ms  while non-zero, the paths that race with unregister sleep
 *               this long just past their first checks (driver ioctl and
 *               irq write dispatch, read/write, SET_EVENTFD), so tests can
 *               put a revocation inside the window; writing 0 ends the
 *               sleeps under way
 */
#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/seq_file.h>

#include "mapdev_core.h"

static struct dentry *mapdev_debugfs;
static atomic_long_t stat_buffers, stat_bytes, stat_devices, stat_eventfds;
static atomic_long_t stat_dmabufs;
static atomic_long_t stat_pages_held;
static atomic_t fail_alloc, fail_ioremap;
static u32 race_delay_ms;

void mapdev_stats_buffer(long nr, long bytes)
{
	atomic_long_add(nr, &stat_buffers);
	atomic_long_add(bytes, &stat_bytes);
}

void mapdev_stats_device(long nr)
{
	atomic_long_add(nr, &stat_devices);
}

void mapdev_stats_pages_held(long nr)
{
	atomic_long_add(nr, &stat_pages_held);
}

void mapdev_stats_eventfd(long nr)
{
	atomic_long_add(nr, &stat_eventfds);
}

void mapdev_stats_dmabuf(long nr)
{
	atomic_long_add(nr, &stat_dmabufs);
}

DEFINE_SHOW_ATTRIBUTE(mapdev_dmabuf);

/* Widens a race window for the tests (race_delay_ms), until set to 0. */
void mapdev_race_delay(void)
{
	u32 ms = READ_ONCE(race_delay_ms), t;

	for (t = 0; t < ms && READ_ONCE(race_delay_ms); t += 20)
		msleep(20);
}

/* True for each of the next fail_ioremap device memory mappings. */
bool mapdev_should_fail_ioremap(void)
{
	return atomic_dec_if_positive(&fail_ioremap) >= 0;
}

/* True once, for the allocation the fail_alloc countdown reaches. */
bool mapdev_should_fail_alloc(void)
{
	int old = atomic_read(&fail_alloc);

	while (old > 0) {
		if (atomic_try_cmpxchg(&fail_alloc, &old, old - 1))
			return old == 1;
	}
	return false;
}

static int stat_get(void *data, u64 *val)
{
	*val = atomic_long_read(data);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(stat_fops, stat_get, NULL, "%llu\n");

static int fail_get(void *data, u64 *val)
{
	*val = atomic_read(&fail_alloc);
	return 0;
}

static int fail_set(void *data, u64 val)
{
	if (val > INT_MAX)
		return -EINVAL;
	atomic_set(&fail_alloc, val);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(fail_fops, fail_get, fail_set, "%llu\n");

static int fail_ioremap_get(void *data, u64 *val)
{
	*val = atomic_read(&fail_ioremap);
	return 0;
}

static int fail_ioremap_set(void *data, u64 val)
{
	if (val > INT_MAX)
		return -EINVAL;
	atomic_set(&fail_ioremap, val);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(fail_ioremap_fops, fail_ioremap_get, fail_ioremap_set,
			 "%llu\n");

static int race_delay_get(void *data, u64 *val)
{
	*val = READ_ONCE(race_delay_ms);
	return 0;
}

static int race_delay_set(void *data, u64 val)
{
	if (val > 10000)
		return -EINVAL;
	WRITE_ONCE(race_delay_ms, val);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(race_delay_fops, race_delay_get, race_delay_set,
			 "%llu\n");

void mapdev_stats_init(void)
{
	mapdev_debugfs = debugfs_create_dir("mapdev", NULL);
	debugfs_create_file_unsafe("buffers", 0444, mapdev_debugfs,
				   &stat_buffers, &stat_fops);
	debugfs_create_file_unsafe("bytes", 0444, mapdev_debugfs,
				   &stat_bytes, &stat_fops);
	debugfs_create_file_unsafe("devices", 0444, mapdev_debugfs,
				   &stat_devices, &stat_fops);
	debugfs_create_file_unsafe("fail_alloc", 0600, mapdev_debugfs, NULL,
				   &fail_fops);
	debugfs_create_file_unsafe("eventfds", 0444, mapdev_debugfs,
				   &stat_eventfds, &stat_fops);
	debugfs_create_file_unsafe("pages_held", 0444, mapdev_debugfs,
				   &stat_pages_held, &stat_fops);
	debugfs_create_file_unsafe("fail_ioremap", 0600, mapdev_debugfs, NULL,
				   &fail_ioremap_fops);
	debugfs_create_file_unsafe("dmabufs", 0444, mapdev_debugfs,
				   &stat_dmabufs, &stat_fops);
	debugfs_create_file("exports", 0444, mapdev_debugfs, NULL,
			    &mapdev_dmabuf_fops);
	debugfs_create_file_unsafe("race_delay_ms", 0600, mapdev_debugfs, NULL,
				   &race_delay_fops);
}

void mapdev_stats_exit(void)
{
	debugfs_remove(mapdev_debugfs);
}
