// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libmapdev: the buffer control device, /dev/mapdev/buf-control, which
 * creates, destroys and lists mapdev_buf buffers; and the list of every
 * mapdev buffer, whoever owns it, read from /sys/class/mapdev/.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

/* A list that keeps growing between two calls is a kernel bug. */
#define LMD_LIST_TRIES	16

struct mapdev_bufctl {
	int fd;
};

/*
 * Who made a buffer: its driver, the device it belongs to, and the device
 * its DMA address is the view of ("" when the list does not say).
 */
struct lmd_bufowner {
	char driver[MAPDEV_NAME_LEN];
	char owner[NAME_MAX + 1];
	char dma_device[NAME_MAX + 1];
};

struct mapdev_buflist {
	size_t count;
	struct mapdev_buf_entry *entries;
	struct lmd_bufowner *owners;	/* count entries */
};

/* The driver (and device) of buffers made through buf-control. */
#define LMD_BUF_DRIVER	"mapdev_buf"

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

static int bufctl_create(struct mapdev_bufctl *ctl, const char *name,
			 uint64_t size, unsigned int backend,
			 unsigned int cache, const char *bdf)
{
	unsigned int domain = 0, bus = 0, slot = 0, fn = 0;
	struct mapdev_buf_create c;
	char norm[MAPDEV_PCI_BDF_LEN];

	if (bdf && (mapdev_pci_parse_bdf(bdf, norm, sizeof(norm)) ||
		    sscanf(norm, "%x:%x:%x.%x", &domain, &bus, &slot, &fn) != 4)) {
		errno = EINVAL;
		return -1;
	}

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
	if (bdf) {
		c.flags = MAPDEV_BUF_CREATE_F_PCI;
		c.pci_domain = domain;
		c.pci_bdf = (uint16_t)(bus << 8 | slot << 3 | fn);
	}
	return lmd_ioctl(ctl->fd, MAPDEV_BUF_IOC_CREATE, &c);
}

int mapdev_bufctl_create(struct mapdev_bufctl *ctl, const char *name,
			 uint64_t size, unsigned int backend,
			 unsigned int cache)
{
	return bufctl_create(ctl, name, size, backend, cache, NULL);
}

int mapdev_bufctl_create_pci(struct mapdev_bufctl *ctl, const char *name,
			     uint64_t size, unsigned int backend,
			     unsigned int cache, const char *bdf)
{
	if (!bdf) {
		errno = EINVAL;
		return -1;
	}
	return bufctl_create(ctl, name, size, backend, cache, bdf);
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
	list->owners = calloc(q.total ? q.total : 1, sizeof(*list->owners));
	if (!list->owners) {
		free(list);
		goto err_free;
	}
	for (i = 0; i < list->count; i++) {
		entries[i].name[sizeof(entries[i].name) - 1] = '\0';
		strcpy(list->owners[i].driver, LMD_BUF_DRIVER);
		strcpy(list->owners[i].owner, LMD_BUF_DRIVER);
	}
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
	free(list->owners);
	free(list);
}

/* An attribute of /sys/class/mapdev/NAME/ as a number; -1 with errno. */
static int class_num(const char *dir, const char *name, const char *attr,
		     unsigned long long *v)
{
	char path[PATH_MAX], buf[64], *end;

	if (snprintf(path, sizeof(path), "%s/%s/%s", dir, name, attr) >=
	    (int)sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (lmd_read_attr(path, buf, sizeof(buf)))
		return -1;
	errno = 0;
	*v = strtoull(buf, &end, 0);
	if (errno || end == buf) {
		errno = EPROTO;
		return -1;
	}
	return 0;
}

static int class_str(const char *dir, const char *name, const char *attr,
		     char *buf, size_t len)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/%s/%s", dir, name, attr) >=
	    (int)sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return lmd_read_attr(path, buf, len);
}

/*
 * One device of the class directory into *e and *o: 1 if it is a buffer,
 * 0 if it is not (no "backend" file: a PCI function, buf-control, a
 * physical range) or went away meanwhile, -1 with errno.
 */
static int read_class_buffer(const char *dir, const char *name,
			     struct mapdev_buf_entry *e,
			     struct lmd_bufowner *o)
{
	char path[PATH_MAX], link[PATH_MAX], word[32];
	unsigned long long v;
	const char *base;
	ssize_t n;
	int b, c;

	memset(e, 0, sizeof(*e));
	memset(o, 0, sizeof(*o));
	if (strlen(name) >= sizeof(e->name))
		return 0;
	if (class_str(dir, name, "backend", word, sizeof(word)))
		return errno == ENOENT ? 0 : -1;
	b = mapdev_backend_from_name(word);
	if (class_str(dir, name, "cache", word, sizeof(word)))
		goto gone;
	c = mapdev_cache_from_name(word);
	strcpy(e->name, name);
	e->backend = b < 0 ? MAPDEV_BACKEND_MAX + 1 : (uint32_t)b;
	e->cache = c < 0 ? MAPDEV_CACHE_MAX + 1 : (uint32_t)c;
	if (class_num(dir, name, "size", &v))
		goto gone;
	e->size = v;
	if (class_num(dir, name, "map_count", &v))
		goto gone;
	e->map_count = (uint32_t)v;
	if (class_num(dir, name, "open_count", &v))
		goto gone;
	e->open_count = (uint32_t)v;
	if (class_str(dir, name, "driver", o->driver, sizeof(o->driver)))
		goto gone;
	/* The owner: the device the buffer's device hangs from. */
	snprintf(path, sizeof(path), "%s/%s/device", dir, name);
	n = readlink(path, link, sizeof(link) - 1);
	if (n > 0) {
		link[n] = '\0';
		base = strrchr(link, '/');
		base = base ? base + 1 : link;
		if (strlen(base) >= sizeof(o->owner))
			return 0;
		strcpy(o->owner, base);
	} else {
		snprintf(o->owner, sizeof(o->owner), "%s", o->driver);
	}
	if (class_str(dir, name, "dma_device", o->dma_device,
		      sizeof(o->dma_device)))
		goto gone;
	return 1;
gone:
	/* Destroyed while we read it: not in the snapshot. */
	return errno == ENOENT || errno == ENODEV ? 0 : -1;
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct mapdev_buf_entry *)a)->name,
		      ((const struct mapdev_buf_entry *)b)->name);
}

struct mapdev_buflist *mapdev_buflist_read_dir(const char *class_dir)
{
	struct mapdev_buflist *list;
	struct mapdev_buf_entry *ents = NULL;
	struct lmd_bufowner *owns = NULL;
	size_t n = 0, cap = 0, i, j;
	struct dirent *de;
	DIR *d;
	int err, r;

	if (!class_dir) {
		errno = EINVAL;
		return NULL;
	}
	list = calloc(1, sizeof(*list));
	if (!list)
		return NULL;
	d = opendir(class_dir);
	if (!d) {
		if (errno != ENOENT)
			goto err;
		/* No mapdev module loaded: no buffers. */
		list->owners = calloc(1, sizeof(*list->owners));
		if (!list->owners)
			goto err;
		return list;
	}
	while ((errno = 0, de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			void *p;

			cap = cap ? cap * 2 : 16;
			p = realloc(ents, cap * sizeof(*ents));
			if (!p)
				goto err_dir;
			ents = p;
			p = realloc(owns, cap * sizeof(*owns));
			if (!p)
				goto err_dir;
			owns = p;
		}
		r = read_class_buffer(class_dir, de->d_name, &ents[n],
				      &owns[n]);
		if (r < 0)
			goto err_dir;
		n += r;
	}
	if (errno)
		goto err_dir;
	closedir(d);
	if (!owns) {
		owns = calloc(1, sizeof(*owns));
		if (!owns)
			goto err;
	}
	/* Sorted by name, the owners following their entries. */
	for (i = 1; i < n; i++) {
		for (j = i; j > 0 && cmp_entry(&ents[j - 1], &ents[j]) > 0;
		     j--) {
			struct mapdev_buf_entry te = ents[j];
			struct lmd_bufowner to = owns[j];

			ents[j] = ents[j - 1];
			owns[j] = owns[j - 1];
			ents[j - 1] = te;
			owns[j - 1] = to;
		}
	}
	list->count = n;
	list->entries = ents;
	list->owners = owns;
	errno = 0;
	return list;

err_dir:
	err = errno;
	closedir(d);
	errno = err;
err:
	err = errno;
	free(ents);
	free(owns);
	free(list);
	errno = err;
	return NULL;
}

struct mapdev_buflist *mapdev_buflist_read(void)
{
	return mapdev_buflist_read_dir(MAPDEV_SYSFS_CLASS);
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

const char *mapdev_buflist_driver(const struct mapdev_buflist *list, size_t i)
{
	if (!entry(list, i))
		return NULL;
	return list->owners[i].driver;
}

const char *mapdev_buflist_owner(const struct mapdev_buflist *list, size_t i)
{
	if (!entry(list, i))
		return NULL;
	return list->owners[i].owner;
}

const char *mapdev_buflist_dma_device(const struct mapdev_buflist *list,
				      size_t i)
{
	if (!entry(list, i))
		return NULL;
	return list->owners[i].dma_device;
}
