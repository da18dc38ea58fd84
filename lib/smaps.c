// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libmapdev: the extra lines of /proc/PID/smaps.  After each mapping's
 * header line (as in maps) come lines such as
 *
 *   Rss:                 884 kB
 *   VmFlags: rd ex mr mw me sd
 *
 * The sizes mapdev cares about (RSS, PSS, swap, dirty) are kept in the
 * mapping's record; every other well-formed line is accepted and ignored,
 * so new kernels' fields do no harm.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

struct smaps_key {
	const char *name;
	size_t offset;
};

#define KEY(n, field) { n, offsetof(struct mapdev_vma, field) }

static const struct smaps_key keys[] = {
	KEY("Rss", rss),
	KEY("Pss", pss),
	KEY("Swap", swap),
	KEY("Shared_Dirty", shared_dirty),
	KEY("Private_Dirty", private_dirty),
};

static bool keychar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

int lmd_smaps_field(struct mapdev_vma *vma, const char *line, size_t len)
{
	const char *p = line, *end = line + len, *key = line;
	size_t klen, i;
	uint64_t v = 0;

	while (p < end && keychar(*p))
		p++;
	klen = p - key;
	if (!klen || p == end || *p != ':')
		goto bad;
	p++;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (strlen(keys[i].name) != klen ||
		    memcmp(keys[i].name, key, klen))
			continue;
		while (p < end && *p == ' ')
			p++;
		if (p == end || *p < '0' || *p > '9')
			goto bad;
		for (; p < end && *p >= '0' && *p <= '9'; p++) {
			if (v > (UINT64_MAX - 9) / 10)
				goto bad;
			v = v * 10 + (*p - '0');
		}
		if (end - p != 3 || memcmp(p, " kB", 3))
			goto bad;
		*(uint64_t *)((char *)vma + keys[i].offset) = v;
		return 0;
	}
	return 0;

bad:
	errno = EINVAL;
	return -1;
}

uint64_t mapdev_vma_rss_kib(const struct mapdev_vma *vma)
{
	return vma->rss;
}

uint64_t mapdev_vma_pss_kib(const struct mapdev_vma *vma)
{
	return vma->pss;
}

uint64_t mapdev_vma_swap_kib(const struct mapdev_vma *vma)
{
	return vma->swap;
}

uint64_t mapdev_vma_dirty_kib(const struct mapdev_vma *vma)
{
	return vma->shared_dirty + vma->private_dirty;
}
