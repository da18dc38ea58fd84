/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libmapdev internals, shared between the library's files and never
 * installed.  Every symbol here starts with lmd_ and is kept out of the
 * shared library's exports by libmapdev.map.
 */
#ifndef LIBMAPDEV_INTERNAL_H
#define LIBMAPDEV_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "mapdev.h"

#define LMD_VERSION "0.1.0"

/* ioctl that retries on EINTR. */
int lmd_ioctl(int fd, unsigned long req, void *arg);

/*
 * Read a whole file into a malloc()ed, NUL-terminated buffer.  Returns the
 * buffer (caller frees) and its length in *len, or NULL with errno.
 */
char *lmd_read_file(const char *path, size_t *len);

/*
 * Read a small sysfs-style attribute: the first line, without its newline,
 * into buf.  Returns 0 or -1 with errno.
 */
int lmd_read_attr(const char *path, char *buf, size_t len);

/* Names for device numbers, cached per user (one per struct mapdev_maps). */
struct lmd_devnames;

/* pid: whose /proc/PID/mountinfo names filesystems (0: the caller's). */
struct lmd_devnames *lmd_devnames_new(pid_t pid);
void lmd_devnames_free(struct lmd_devnames *dn);
/*
 * A name for a filesystem's device number (st_dev): the block device's
 * sysfs name, else the type of the filesystem mounted from it, else the
 * block major's name in /proc/devices.  NULL if none.  Owned by dn.
 */
const char *lmd_devnames_fs(struct lmd_devnames *dn, unsigned int major,
			    unsigned int minor);
/*
 * A name for a device node's number (st_rdev): /sys/dev/{char,block}/M:m's
 * name, else the major's driver name in /proc/devices.  Owned by dn.
 */
const char *lmd_devnames_node(struct lmd_devnames *dn, bool block,
			      unsigned int major, unsigned int minor);
/* The character major named "mapdev" in /proc/devices, or -1. */
int lmd_devnames_mapdev_major(struct lmd_devnames *dn);

/* One parsed line of /proc/PID/maps (and the smaps fields after it). */
struct mapdev_vma {
	uint64_t start;
	uint64_t end;
	uint64_t offset;
	uint64_t inode;
	unsigned int dev_major;
	unsigned int dev_minor;
	char perms[5];
	bool deleted;
	unsigned int kind;
	char *path;		/* NULL for unnamed anonymous memory */
	char *anon_name;	/* of [anon:NAME], [anon_shmem:NAME] */
	const char *dev_name;	/* owned by the maps' devnames */

	/* device nodes */
	bool has_rdev;
	bool rdev_block;
	unsigned int rdev_major;
	unsigned int rdev_minor;
	const char *rdev_name;	/* owned by the maps' devnames */

	/* mapdev */
	bool is_mapdev;
	bool has_dma_addr;
	unsigned int region;
	char *mapdev_name;
	char *mapdev_region_name;
	char *mapdev_backend;
	char *mapdev_cache;
	uint64_t mapdev_size;
	uint64_t dma_addr;
	unsigned int nr_segments;	/* 0: unknown */

	/* smaps, KiB */
	uint64_t rss;
	uint64_t pss;
	uint64_t swap;
	uint64_t shared_dirty;
	uint64_t private_dirty;
};

struct mapdev_maps {
	pid_t pid;
	bool smaps;
	size_t count;
	size_t cap;
	struct mapdev_vma *vmas;
	struct lmd_devnames *names;
};

/*
 * smaps.c: take one "Key:   value kB" line that follows a mapping's header
 * in smaps text.  Returns 0, or -1 (errno EINVAL) if it does not parse.
 * Unknown keys are accepted and ignored.
 */
int lmd_smaps_field(struct mapdev_vma *vma, const char *line, size_t len);

#endif /* LIBMAPDEV_INTERNAL_H */
