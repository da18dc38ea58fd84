// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libmapdev: small helpers every object uses: names of enum values, size
 * parsing, device paths, and file reading.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "internal.h"

/* Sized by the ABI header; a value it adds before we name it is NULL. */
static const char *const backend_names[MAPDEV_BACKEND_MAX + 1] = {
	[MAPDEV_BACKEND_COHERENT] = "coherent",
	[MAPDEV_BACKEND_CONTIG] = "contig",
	[MAPDEV_BACKEND_SG] = "sg",
	[MAPDEV_BACKEND_RESERVED] = "reserved",
	[MAPDEV_BACKEND_IOMEM] = "iomem",
	[MAPDEV_BACKEND_NONE] = "none",
};

static const char *const cache_names[MAPDEV_CACHE_MAX + 1] = {
	[MAPDEV_CACHE_CACHED] = "cached",
	[MAPDEV_CACHE_UNCACHED] = "uncached",
	[MAPDEV_CACHE_WC] = "wc",
};

const char *mapdev_version(void)
{
	return LMD_VERSION;
}

const char *mapdev_backend_name(unsigned int backend)
{
	if (backend > MAPDEV_BACKEND_MAX || !backend_names[backend]) {
		errno = EINVAL;
		return NULL;
	}
	return backend_names[backend];
}

int mapdev_backend_from_name(const char *name)
{
	unsigned int i;

	for (i = 0; name && i <= MAPDEV_BACKEND_MAX; i++)
		if (backend_names[i] && !strcmp(name, backend_names[i]))
			return i;
	errno = EINVAL;
	return -1;
}

const char *mapdev_cache_name(unsigned int cache)
{
	if (cache > MAPDEV_CACHE_MAX || !cache_names[cache]) {
		errno = EINVAL;
		return NULL;
	}
	return cache_names[cache];
}

int mapdev_cache_from_name(const char *name)
{
	unsigned int i;

	if (name && !strcmp(name, "write-combined"))
		return MAPDEV_CACHE_WC;
	for (i = 0; name && i <= MAPDEV_CACHE_MAX; i++)
		if (cache_names[i] && !strcmp(name, cache_names[i]))
			return i;
	errno = EINVAL;
	return -1;
}

bool mapdev_name_valid(const char *name)
{
	size_t i;

	if (!name || !name[0] || name[0] == '.' || name[0] == '-')
		return false;
	for (i = 0; name[i]; i++) {
		char c = name[i];

		if (i >= MAPDEV_NAME_LEN - 1)
			return false;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '.' ||
		      c == '-'))
			return false;
	}
	return true;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int mapdev_parse_size(const char *str, uint64_t *size)
{
	unsigned int base = 10, shift = 0;
	uint64_t v = 0;
	const char *p = str;
	int d;

	if (!str || !size) {
		errno = EINVAL;
		return -1;
	}
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	if (hexval(*p) < 0 || hexval(*p) >= (int)base) {
		errno = EINVAL;		/* no digits at all */
		return -1;
	}
	for (; (d = hexval(*p)) >= 0 && d < (int)base; p++) {
		if (v > (UINT64_MAX - d) / base) {
			errno = ERANGE;
			return -1;
		}
		v = v * base + d;
	}
	switch (*p) {
	case '\0':
		break;
	case 'k': case 'K':
		shift = 10;
		p++;
		break;
	case 'm': case 'M':
		shift = 20;
		p++;
		break;
	case 'g': case 'G':
		shift = 30;
		p++;
		break;
	default:
		errno = EINVAL;
		return -1;
	}
	if (*p) {
		errno = EINVAL;
		return -1;
	}
	if (v == 0) {
		errno = EINVAL;
		return -1;
	}
	if (shift && v > (UINT64_MAX >> shift)) {
		errno = ERANGE;
		return -1;
	}
	*size = v << shift;
	return 0;
}

int mapdev_device_path(const char *name_or_path, char *buf, size_t len)
{
	int n;

	if (!name_or_path || !buf) {
		errno = EINVAL;
		return -1;
	}
	if (strchr(name_or_path, '/')) {
		n = snprintf(buf, len, "%s", name_or_path);
	} else {
		/*
		 * Drivers name their devices more freely than buffers
		 * ("pci-0000:00:10.0"): any file name will do.
		 */
		if (!name_or_path[0] || !strcmp(name_or_path, ".") ||
		    !strcmp(name_or_path, "..")) {
			errno = EINVAL;
			return -1;
		}
		n = snprintf(buf, len, "%s/%s", MAPDEV_DEV_DIR, name_or_path);
	}
	if (n < 0 || (size_t)n >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int lmd_ioctl(int fd, unsigned long req, void *arg)
{
	int ret;

	do {
		ret = ioctl(fd, req, arg);
	} while (ret < 0 && errno == EINTR);
	return ret;
}

char *lmd_read_file(const char *path, size_t *len)
{
	size_t cap = 8192, n = 0;
	char *buf, *nbuf;
	ssize_t r;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	buf = malloc(cap);
	if (!buf)
		goto err_close;
	for (;;) {
		if (cap - n < 2) {
			if (cap > SIZE_MAX / 2) {
				errno = ENOMEM;
				goto err_free;
			}
			nbuf = realloc(buf, cap * 2);
			if (!nbuf)
				goto err_free;
			buf = nbuf;
			cap *= 2;
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto err_free;
		if (r == 0)
			break;
		n += r;
	}
	close(fd);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;

err_free:
	err = errno;
	free(buf);
	errno = err;
err_close:
	err = errno;
	close(fd);
	errno = err;
	return NULL;
}

int lmd_read_attr(const char *path, char *buf, size_t len)
{
	ssize_t r;
	int fd, err;
	char *nl;

	if (!len) {
		errno = EINVAL;
		return -1;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	do {
		r = read(fd, buf, len - 1);
	} while (r < 0 && errno == EINTR);
	err = errno;
	close(fd);
	if (r < 0) {
		errno = err;
		return -1;
	}
	buf[r] = '\0';
	nl = strchr(buf, '\n');
	if (nl)
		*nl = '\0';
	return 0;
}
