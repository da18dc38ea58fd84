// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libmapdev: the buffer control device, /dev/mapdev/buf-control, which
 * creates, destroys and lists mapdev_buf buffers.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

/* A list that keeps growing between two calls is a kernel bug. */
#define LMD_LIST_TRIES	16

struct mapdev_bufctl {
	int fd;
};

struct mapdev_buflist {
	size_t count;
	struct mapdev_buf_entry *entries;
};

struct mapdev_bufctl *mapdev_bufctl_open_path(const char *path)
{
	struct mapdev_bufctl *ctl;
	int err;

	if (!path) {
		errno = EINVAL;
		return NULL;
	}
	ctl = calloc(1, sizeof(*ctl));
	if (!ctl)
		return NULL;
	ctl->fd = open(path, O_RDWR | O_CLOEXEC);
	if (ctl->fd < 0) {
		err = errno;
		free(ctl);
		errno = err;
		return NULL;
	}
	return ctl;
}

struct mapdev_bufctl *mapdev_bufctl_open(void)
{
	return mapdev_bufctl_open_path(MAPDEV_BUFCTL_PATH);
}

void mapdev_bufctl_close(struct mapdev_bufctl *ctl)
{
	int err = errno;

	if (!ctl)
		return;
	close(ctl->fd);
	free(ctl);
	errno = err;
}

int mapdev_bufctl_fd(const struct mapdev_bufctl *ctl)
{
	return ctl->fd;
}

int mapdev_bufctl_create(struct mapdev_bufctl *ctl, const char *name,
			 uint64_t size, unsigned int backend,
			 unsigned int cache)
{
	struct mapdev_buf_create c;

	if (!mapdev_name_valid(name) || !size ||
	    (backend != MAPDEV_BACKEND_COHERENT &&
	     backend != MAPDEV_BACKEND_CONTIG &&
	     backend != MAPDEV_BACKEND_SG) ||
	    cache > MAPDEV_CACHE_MAX) {
		errno = EINVAL;
		return -1;
	}
	memset(&c, 0, sizeof(c));
	c.argsz = sizeof(c);
	c.size = size;
	c.backend = backend;
	c.cache = cache;
	strncpy(c.name, name, sizeof(c.name) - 1);
	return lmd_ioctl(ctl->fd, MAPDEV_BUF_IOC_CREATE, &c);
}

int mapdev_bufctl_destroy(struct mapdev_bufctl *ctl, const char *name)
{
	struct mapdev_buf_destroy d;

	if (!mapdev_name_valid(name)) {
		errno = EINVAL;
		return -1;
	}
	memset(&d, 0, sizeof(d));
	d.argsz = sizeof(d);
	strncpy(d.name, name, sizeof(d.name) - 1);
	return lmd_ioctl(ctl->fd, MAPDEV_BUF_IOC_DESTROY, &d);
}

struct mapdev_buflist *mapdev_bufctl_list(struct mapdev_bufctl *ctl)
{
	struct mapdev_buf_entry *entries = NULL, *n;
	struct mapdev_buflist *list;
	struct mapdev_buf_list q;
	uint32_t cap = 0;
	size_t i;
	int tries, err;

	for (tries = 0; ; tries++) {
		if (tries == LMD_LIST_TRIES) {
			errno = EAGAIN;
			goto err_free;
		}
		memset(&q, 0, sizeof(q));
		q.argsz = sizeof(q);
		q.count = cap;
		q.entries = (uintptr_t)entries;
		if (lmd_ioctl(ctl->fd, MAPDEV_BUF_IOC_LIST, &q))
			goto err_free;
		if (q.total <= cap)
			break;
		/* Room for a few more, in case some appear meanwhile. */
		cap = q.total + 4;
		n = realloc(entries, (size_t)cap * sizeof(*entries));
		if (!n)
			goto err_free;
		entries = n;
	}
	list = calloc(1, sizeof(*list));
	if (!list)
		goto err_free;
	list->count = q.total;
	list->entries = entries;
	for (i = 0; i < list->count; i++)
		entries[i].name[sizeof(entries[i].name) - 1] = '\0';
	return list;

err_free:
	err = errno;
	free(entries);
	errno = err;
	return NULL;
}

void mapdev_buflist_free(struct mapdev_buflist *list)
{
	if (!list)
		return;
	free(list->entries);
	free(list);
}

size_t mapdev_buflist_count(const struct mapdev_buflist *list)
{
	return list->count;
}

ssize_t mapdev_buflist_find(const struct mapdev_buflist *list,
			    const char *name)
{
	size_t i;

	for (i = 0; name && i < list->count; i++)
		if (!strcmp(list->entries[i].name, name))
			return i;
	errno = ENOENT;
	return -1;
}

static const struct mapdev_buf_entry *
entry(const struct mapdev_buflist *list, size_t i)
{
	if (!list || i >= list->count) {
		errno = EINVAL;
		return NULL;
	}
	return &list->entries[i];
}

const char *mapdev_buflist_name(const struct mapdev_buflist *list, size_t i)
{
	const struct mapdev_buf_entry *e = entry(list, i);

	return e ? e->name : NULL;
}

uint64_t mapdev_buflist_size(const struct mapdev_buflist *list, size_t i)
{
	const struct mapdev_buf_entry *e = entry(list, i);

	return e ? e->size : 0;
}

unsigned int mapdev_buflist_backend(const struct mapdev_buflist *list,
				    size_t i)
{
	const struct mapdev_buf_entry *e = entry(list, i);

	return e ? e->backend : 0;
}

unsigned int mapdev_buflist_cache(const struct mapdev_buflist *list,
				  size_t i)
{
	const struct mapdev_buf_entry *e = entry(list, i);

	return e ? e->cache : 0;
}

unsigned int mapdev_buflist_map_count(const struct mapdev_buflist *list,
				      size_t i)
{
	const struct mapdev_buf_entry *e = entry(list, i);

	return e ? e->map_count : 0;
}

unsigned int mapdev_buflist_open_count(const struct mapdev_buflist *list,
				       size_t i)
{
	const struct mapdev_buf_entry *e = entry(list, i);

	return e ? e->open_count : 0;
}
