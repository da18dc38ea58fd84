// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libmapdev: names for device numbers, from /sys/dev/{char,block},
 * /proc/PID/mountinfo and /proc/devices.  Each struct lmd_devnames reads
 * those files once, lazily, and remembers every answer; it belongs to one
 * struct mapdev_maps, so there is no global state to lock.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

enum { DN_FS, DN_CHAR, DN_BLOCK };

struct dn_major {
	bool block;
	unsigned int major;
	char *name;
};

struct dn_mount {
	unsigned int major;
	unsigned int minor;
	char *fstype;
};

struct dn_cached {
	int type;
	unsigned int major;
	unsigned int minor;
	char *name;		/* may be NULL: "no name", remembered */
};

struct lmd_devnames {
	pid_t pid;
	bool have_devices;
	bool have_mounts;
	size_t nmajors;
	struct dn_major *majors;
	size_t nmounts;
	struct dn_mount *mounts;
	size_t ncached;
	size_t capcached;
	struct dn_cached *cached;
};

struct lmd_devnames *lmd_devnames_new(pid_t pid)
{
	struct lmd_devnames *dn = calloc(1, sizeof(*dn));

	if (dn)
		dn->pid = pid;
	return dn;
}

void lmd_devnames_free(struct lmd_devnames *dn)
{
	size_t i;

	if (!dn)
		return;
	for (i = 0; i < dn->nmajors; i++)
		free(dn->majors[i].name);
	free(dn->majors);
	for (i = 0; i < dn->nmounts; i++)
		free(dn->mounts[i].fstype);
	free(dn->mounts);
	for (i = 0; i < dn->ncached; i++)
		free(dn->cached[i].name);
	free(dn->cached);
	free(dn);
}

/*
 * /proc/devices:
 *   Character devices:
 *     1 mem
 *   <blank>
 *   Block devices:
 *     7 loop
 * A name may hold '/' ("/dev/vc/0") but no blank.
 */
static void load_devices(struct lmd_devnames *dn)
{
	char *text, *line, *save = NULL;
	bool block = false;
	size_t cap = 0;

	if (dn->have_devices)
		return;
	dn->have_devices = true;
	text = lmd_read_file("/proc/devices", NULL);
	if (!text)
		return;
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char name[128];
		unsigned int major;
		struct dn_major *n;

		if (!strncmp(line, "Character", 9)) {
			block = false;
			continue;
		}
		if (!strncmp(line, "Block", 5)) {
			block = true;
			continue;
		}
		if (sscanf(line, " %u %127s", &major, name) != 2)
			continue;
		if (dn->nmajors == cap) {
			cap = cap ? cap * 2 : 64;
			n = realloc(dn->majors, cap * sizeof(*n));
			if (!n)
				break;
			dn->majors = n;
		}
		n = &dn->majors[dn->nmajors];
		n->block = block;
		n->major = major;
		n->name = strdup(name);
		if (!n->name)
			break;
		dn->nmajors++;
	}
	free(text);
}

/*
 * mountinfo: "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root
 * rw,errors=continue": field 3 is major:minor, the fstype follows " - ".
 */
static void load_mounts(struct lmd_devnames *dn)
{
	char path[64], *text = NULL, *line, *save = NULL;
	size_t cap = 0;

	if (dn->have_mounts)
		return;
	dn->have_mounts = true;
	if (dn->pid > 0) {
		snprintf(path, sizeof(path), "/proc/%d/mountinfo",
			 (int)dn->pid);
		text = lmd_read_file(path, NULL);
	}
	if (!text)
		text = lmd_read_file("/proc/self/mountinfo", NULL);
	if (!text)
		return;
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned int major, minor;
		char fstype[64], *sep;
		struct dn_mount *m;

		if (sscanf(line, "%*u %*u %u:%u", &major, &minor) != 2)
			continue;
		sep = strstr(line, " - ");
		if (!sep || sscanf(sep + 3, "%63s", fstype) != 1)
			continue;
		if (dn->nmounts == cap) {
			cap = cap ? cap * 2 : 64;
			m = realloc(dn->mounts, cap * sizeof(*m));
			if (!m)
				break;
			dn->mounts = m;
		}
		m = &dn->mounts[dn->nmounts];
		m->major = major;
		m->minor = minor;
		m->fstype = strdup(fstype);
		if (!m->fstype)
			break;
		dn->nmounts++;
	}
	free(text);
}

static const char *major_name(struct lmd_devnames *dn, bool block,
			      unsigned int major)
{
	size_t i;

	load_devices(dn);
	for (i = 0; i < dn->nmajors; i++)
		if (dn->majors[i].block == block &&
		    dn->majors[i].major == major)
			return dn->majors[i].name;
	return NULL;
}

/* The last component of /sys/dev/{char,block}/M:m's link target. */
static char *sysfs_name(bool block, unsigned int major, unsigned int minor)
{
	char link[64], target[PATH_MAX], *slash;
	ssize_t n;

	snprintf(link, sizeof(link), "/sys/dev/%s/%u:%u",
		 block ? "block" : "char", major, minor);
	n = readlink(link, target, sizeof(target) - 1);
	if (n <= 0)
		return NULL;
	target[n] = '\0';
	slash = strrchr(target, '/');
	return strdup(slash ? slash + 1 : target);
}

static struct dn_cached *lookup(struct lmd_devnames *dn, int type,
				unsigned int major, unsigned int minor)
{
	size_t i;

	for (i = 0; i < dn->ncached; i++)
		if (dn->cached[i].type == type &&
		    dn->cached[i].major == major &&
		    dn->cached[i].minor == minor)
			return &dn->cached[i];
	return NULL;
}

static const char *remember(struct lmd_devnames *dn, int type,
			    unsigned int major, unsigned int minor,
			    char *name)
{
	struct dn_cached *c;

	if (dn->ncached == dn->capcached) {
		size_t cap = dn->capcached ? dn->capcached * 2 : 16;

		c = realloc(dn->cached, cap * sizeof(*c));
		if (!c) {
			free(name);
			return NULL;
		}
		dn->cached = c;
		dn->capcached = cap;
	}
	c = &dn->cached[dn->ncached++];
	c->type = type;
	c->major = major;
	c->minor = minor;
	c->name = name;
	return name;
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

const char *lmd_devnames_fs(struct lmd_devnames *dn, unsigned int major,
			    unsigned int minor)
{
	struct dn_cached *c;
	char *name;
	size_t i;

	if (!major && !minor)
		return NULL;
	c = lookup(dn, DN_FS, major, minor);
	if (c)
		return c->name;
	name = sysfs_name(true, major, minor);
	if (!name) {
		load_mounts(dn);
		for (i = 0; i < dn->nmounts; i++) {
			if (dn->mounts[i].major == major &&
			    dn->mounts[i].minor == minor) {
				name = strdup(dn->mounts[i].fstype);
				break;
			}
		}
	}
	if (!name && major)
		name = dup_or_null(major_name(dn, true, major));
	return remember(dn, DN_FS, major, minor, name);
}

const char *lmd_devnames_node(struct lmd_devnames *dn, bool block,
			      unsigned int major, unsigned int minor)
{
	int type = block ? DN_BLOCK : DN_CHAR;
	struct dn_cached *c;
	char *name;

	c = lookup(dn, type, major, minor);
	if (c)
		return c->name;
	name = sysfs_name(block, major, minor);
	if (!name)
		name = dup_or_null(major_name(dn, block, major));
	return remember(dn, type, major, minor, name);
}

int lmd_devnames_mapdev_major(struct lmd_devnames *dn)
{
	size_t i;

	load_devices(dn);
	for (i = 0; i < dn->nmajors; i++)
		if (!dn->majors[i].block &&
		    !strcmp(dn->majors[i].name, "mapdev"))
			return dn->majors[i].major;
	return -1;
}
