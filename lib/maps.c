// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libmapdev: /proc/PID/maps, parsed into records, each classified (text,
 * data, bss, heap, ...), its device numbers named, and mapdev mappings
 * joined with what the device and /sys/class/mapdev say about them.
 *
 * A maps line, as fs/proc/task_mmu.c writes it:
 *
 *   start-end perms offset major:minor inode [padding path]
 *
 * with start, end and offset in hex, major and minor in hex, inode in
 * decimal.  The path runs to the end of the line and may hold blanks;
 * " (deleted)" follows the path of an unlinked file.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "internal.h"

#define DELETED_MARK	" (deleted)"

static const char *const kind_names[] = {
	[MAPDEV_VMA_TEXT] = "text",
	[MAPDEV_VMA_DATA] = "data",
	[MAPDEV_VMA_BSS] = "bss",
	[MAPDEV_VMA_HEAP] = "heap",
	[MAPDEV_VMA_STACK] = "stack",
	[MAPDEV_VMA_VDSO] = "vdso",
	[MAPDEV_VMA_VVAR] = "vvar",
	[MAPDEV_VMA_VSYSCALL] = "vsyscall",
	[MAPDEV_VMA_ANON] = "anon",
	[MAPDEV_VMA_SHM] = "shm",
	[MAPDEV_VMA_FILE] = "file",
	[MAPDEV_VMA_DEVICE] = "device",
};

const char *mapdev_vma_kind_name(unsigned int kind)
{
	if (kind > MAPDEV_VMA_KIND_MAX) {
		errno = EINVAL;
		return NULL;
	}
	return kind_names[kind];
}

static bool starts(const char *s, const char *prefix)
{
	return s && !strncmp(s, prefix, strlen(prefix));
}

/* ------------------------------------------------------------- parsing */

static int hexdigit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A number in @base at *p (at least one digit); advances *p. */
static int number(const char **p, const char *end, unsigned int base,
		  uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;
	int d;

	while (s < end && (d = hexdigit(*s)) >= 0 && d < (int)base) {
		if (v > (UINT64_MAX - d) / base)
			return -1;
		v = v * base + d;
		s++;
	}
	if (s == *p)
		return -1;
	*p = s;
	*out = v;
	return 0;
}

static int expect(const char **p, const char *end, char c)
{
	if (*p >= end || **p != c)
		return -1;
	(*p)++;
	return 0;
}

/* Parse one header line into @vma (zeroed by the caller). */
static int parse_header(struct mapdev_vma *vma, const char *s, size_t len)
{
	const char *p = s, *end = s + len, *path;
	uint64_t major, minor;
	size_t plen, dlen = strlen(DELETED_MARK);
	int i;

	if (number(&p, end, 16, &vma->start) || expect(&p, end, '-') ||
	    number(&p, end, 16, &vma->end) || expect(&p, end, ' '))
		return -1;
	if (vma->end <= vma->start)
		return -1;
	if (end - p < 5)
		return -1;
	for (i = 0; i < 4; i++) {
		static const char allowed[4][3] = {
			"r-", "w-", "x-", "ps"
		};

		if (!p[i] || !memchr(allowed[i], p[i], 2))
			return -1;
		vma->perms[i] = p[i];
	}
	vma->perms[4] = '\0';
	p += 4;
	if (expect(&p, end, ' ') || number(&p, end, 16, &vma->offset) ||
	    expect(&p, end, ' ') || number(&p, end, 16, &major) ||
	    expect(&p, end, ':') || number(&p, end, 16, &minor) ||
	    expect(&p, end, ' ') || number(&p, end, 10, &vma->inode))
		return -1;
	if (major > 0xfff || minor > 0xfffff)
		return -1;
	vma->dev_major = major;
	vma->dev_minor = minor;
	if (p < end && *p != ' ')
		return -1;
	while (p < end && *p == ' ')
		p++;
	if (p == end)
		return 0;		/* no path: anonymous */

	path = p;
	plen = end - p;
	if (memchr(path, '\0', plen))
		return -1;
	if (plen > dlen && !memcmp(path + plen - dlen, DELETED_MARK, dlen)) {
		vma->deleted = true;
		plen -= dlen;
	}
	vma->path = strndup(path, plen);
	if (!vma->path)
		return -2;
	if (vma->path[plen - 1] == ']' && (starts(vma->path, "[anon:") ||
					   starts(vma->path, "[anon_shmem:"))) {
		const char *name = strchr(vma->path, ':') + 1;

		vma->anon_name = strndup(name, vma->path + plen - 1 - name);
		if (!vma->anon_name)
			return -2;
	}
	return 0;
}

/* Whether the line starts like a maps header: hex digits then '-'. */
static bool looks_like_header(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len && hexdigit(s[i]) >= 0)
		i++;
	return i > 0 && i < len && s[i] == '-';
}

static void vma_release(struct mapdev_vma *vma)
{
	free(vma->path);
	free(vma->anon_name);
	free(vma->mapdev_name);
	free(vma->mapdev_region_name);
	free(vma->mapdev_backend);
	free(vma->mapdev_cache);
}

void mapdev_maps_free(struct mapdev_maps *maps)
{
	size_t i;
	int err = errno;

	if (!maps)
		return;
	for (i = 0; i < maps->count; i++)
		vma_release(&maps->vmas[i]);
	free(maps->vmas);
	lmd_devnames_free(maps->names);
	free(maps);
	errno = err;
}

static struct mapdev_vma *new_vma(struct mapdev_maps *maps)
{
	struct mapdev_vma *v;

	if (maps->count == maps->cap) {
		size_t cap = maps->cap ? maps->cap * 2 : 64;

		v = realloc(maps->vmas, cap * sizeof(*v));
		if (!v)
			return NULL;
		maps->vmas = v;
		maps->cap = cap;
	}
	v = &maps->vmas[maps->count];
	memset(v, 0, sizeof(*v));
	return v;
}

static int parse_text(struct mapdev_maps *maps, const char *text, size_t len,
		      unsigned int flags, unsigned int *bad_line)
{
	const char *p = text, *end = text + len;
	unsigned int line = 0;
	uint64_t last_end = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', end - p);
		size_t llen = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct mapdev_vma *vma;
		int ret;

		line++;
		if ((flags & MAPDEV_MAPS_SMAPS) && maps->count &&
		    !looks_like_header(p, llen)) {
			if (lmd_smaps_field(&maps->vmas[maps->count - 1], p,
					    llen))
				goto bad;
		} else {
			vma = new_vma(maps);
			if (!vma)
				return -1;
			ret = parse_header(vma, p, llen);
			if (ret == -2) {
				vma_release(vma);
				return -1;
			}
			if (ret) {
				vma_release(vma);
				goto bad;
			}
			maps->count++;
			/* The kernel lists them in order, never overlapping. */
			if (vma->start < last_end)
				goto bad;
			last_end = vma->end;
		}
		p = nl ? nl + 1 : end;
	}
	return 0;

bad:
	if (bad_line)
		*bad_line = line;
	errno = EINVAL;
	return -1;
}

/* ------------------------------------------------------ classification */

struct devino {
	unsigned int major;
	unsigned int minor;
	uint64_t inode;
};

static int devino_cmp(const void *a, const void *b)
{
	const struct devino *x = a, *y = b;

	if (x->major != y->major)
		return x->major < y->major ? -1 : 1;
	if (x->minor != y->minor)
		return x->minor < y->minor ? -1 : 1;
	if (x->inode != y->inode)
		return x->inode < y->inode ? -1 : 1;
	return 0;
}

/* Files with an executable private mapping: programs and libraries. */
static struct devino *images(const struct mapdev_maps *maps, size_t *n)
{
	struct devino *img;
	size_t i;

	*n = 0;
	img = calloc(maps->count ? maps->count : 1, sizeof(*img));
	if (!img)
		return NULL;
	for (i = 0; i < maps->count; i++) {
		const struct mapdev_vma *v = &maps->vmas[i];

		if (v->inode && v->path && v->path[0] == '/' &&
		    v->perms[2] == 'x' && v->perms[3] == 'p') {
			img[*n].major = v->dev_major;
			img[*n].minor = v->dev_minor;
			img[*n].inode = v->inode;
			(*n)++;
		}
	}
	qsort(img, *n, sizeof(*img), devino_cmp);
	return img;
}

static bool is_image(const struct devino *img, size_t n,
		     const struct mapdev_vma *v)
{
	struct devino key = {
		.major = v->dev_major, .minor = v->dev_minor,
		.inode = v->inode,
	};

	return n && bsearch(&key, img, n, sizeof(*img), devino_cmp);
}

static unsigned int classify_pseudo(const char *path)
{
	if (!strcmp(path, "[heap]"))
		return MAPDEV_VMA_HEAP;
	if (!strcmp(path, "[stack]") || starts(path, "[stack:"))
		return MAPDEV_VMA_STACK;
	if (!strcmp(path, "[vdso]"))
		return MAPDEV_VMA_VDSO;
	if (starts(path, "[vvar"))
		return MAPDEV_VMA_VVAR;
	if (!strcmp(path, "[vsyscall]"))
		return MAPDEV_VMA_VSYSCALL;
	if (starts(path, "[anon_shmem:"))
		return MAPDEV_VMA_SHM;
	return MAPDEV_VMA_ANON;	/* [anon:name], [uprobes], ... */
}

static unsigned int classify(const struct mapdev_vma *v,
			     const struct mapdev_vma *prev,
			     const struct devino *img, size_t nimg)
{
	const char *path = v->path;

	if (!path) {
		if (prev && prev->kind == MAPDEV_VMA_DATA &&
		    prev->end == v->start && !strcmp(v->perms, "rw-p"))
			return MAPDEV_VMA_BSS;
		return MAPDEV_VMA_ANON;
	}
	if (path[0] == '[')
		return classify_pseudo(path);
	/*
	 * Shared anonymous memory is shmem named "/dev/zero (deleted)"; a
	 * private /dev/zero mapping is anonymous memory, shown without a
	 * path by older kernels and as "/dev/zero" by newer ones.
	 */
	if (!strcmp(path, "/dev/zero"))
		return v->deleted || v->perms[3] == 's' ? MAPDEV_VMA_SHM :
		       MAPDEV_VMA_ANON;
	if (starts(path, "/SYSV") || starts(path, "/memfd:") ||
	    starts(path, "/dev/shm/"))
		return MAPDEV_VMA_SHM;
	if (v->has_rdev || starts(path, "anon_inode:") ||
	    starts(path, "/dmabuf:") || starts(path, "/dev/"))
		return MAPDEV_VMA_DEVICE;
	if (v->perms[3] == 'p' && v->inode && is_image(img, nimg, v))
		return v->perms[1] == 'w' ? MAPDEV_VMA_DATA : MAPDEV_VMA_TEXT;
	return MAPDEV_VMA_FILE;
}

/* -------------------------------------------------------------- mapdev */

static char *sysfs_attr(const char *name, const char *attr)
{
	char path[PATH_MAX], buf[256];

	snprintf(path, sizeof(path), "%s/%s/%s", MAPDEV_SYSFS_CLASS, name,
		 attr);
	if (lmd_read_attr(path, buf, sizeof(buf)) || !buf[0])
		return NULL;
	return strdup(buf);
}

static bool parse_u64(const char *s, uint64_t *out)
{
	char *end;

	if (!s)
		return false;
	errno = 0;
	*out = strtoull(s, &end, 0);
	return !errno && end != s && !*end;
}

/* Ask the device itself (needs permission to open it), for what is missing. */
static void join_ioctl(struct mapdev_vma *v)
{
	struct mapdev_device *dev;
	unsigned int i;
	const char *s;

	if (!v->path || v->deleted || v->path[0] != '/')
		return;
	dev = mapdev_device_open(v->path, O_RDONLY | O_NONBLOCK);
	if (!dev)
		return;
	for (i = 0; i < mapdev_device_num_regions(dev); i++) {
		if (mapdev_region_offset(dev, i) >> MAPDEV_REGION_SHIFT !=
		    v->region)
			continue;
		if (!v->mapdev_region_name)
			v->mapdev_region_name =
				strdup(mapdev_region_name(dev, i));
		if (!v->mapdev_size)
			v->mapdev_size = mapdev_region_size(dev, i);
		s = mapdev_backend_name(mapdev_region_backend(dev, i));
		if (!v->mapdev_backend && s)
			v->mapdev_backend = strdup(s);
		s = mapdev_cache_name(mapdev_region_cache(dev, i));
		if (!v->mapdev_cache && s)
			v->mapdev_cache = strdup(s);
		if (!v->has_dma_addr && mapdev_region_dma_addr(dev, i)) {
			v->dma_addr = mapdev_region_dma_addr(dev, i);
			v->has_dma_addr = true;
		}
		if (!v->nr_segments)
			v->nr_segments = mapdev_region_nr_segments(dev, i);
		break;
	}
	mapdev_device_close(dev);
}

/*
 * Fill in what sysfs says about a mapdev mapping: the region's own
 * directory /sys/class/mapdev/NAME/regionN/ first, then (region 0) the
 * device's, and last the device's ioctls.
 */
static void join_mapdev(struct mapdev_vma *v)
{
	char attr[64], *s;
	unsigned int i;

	for (i = 0; i < 2; i++) {
		char dir[32];

		if (i == 1 && v->region != 0)
			break;
		if (i == 0)
			snprintf(dir, sizeof(dir), "region%u/", v->region);
		else
			dir[0] = '\0';
		if (!v->mapdev_region_name && i == 0) {
			snprintf(attr, sizeof(attr), "%sname", dir);
			v->mapdev_region_name = sysfs_attr(v->mapdev_name,
							   attr);
		}
		if (!v->mapdev_backend) {
			snprintf(attr, sizeof(attr), "%sbackend", dir);
			v->mapdev_backend = sysfs_attr(v->mapdev_name, attr);
		}
		if (!v->mapdev_cache) {
			snprintf(attr, sizeof(attr), "%scache", dir);
			v->mapdev_cache = sysfs_attr(v->mapdev_name, attr);
		}
		if (!v->mapdev_size) {
			snprintf(attr, sizeof(attr), "%ssize", dir);
			s = sysfs_attr(v->mapdev_name, attr);
			if (!parse_u64(s, &v->mapdev_size))
				v->mapdev_size = 0;
			free(s);
		}
		if (!v->has_dma_addr) {
			snprintf(attr, sizeof(attr), "%sdma_addr", dir);
			s = sysfs_attr(v->mapdev_name, attr);
			v->has_dma_addr = parse_u64(s, &v->dma_addr);
			free(s);
		}
		/* Only the device's directory has it, for region 0. */
		if (i == 1 && !v->nr_segments) {
			uint64_t n;

			s = sysfs_attr(v->mapdev_name, "dma_segments");
			if (parse_u64(s, &n) && n <= UINT32_MAX)
				v->nr_segments = (unsigned int)n;
			free(s);
		}
	}
	if (!v->mapdev_region_name || !v->mapdev_backend || !v->mapdev_cache ||
	    !v->mapdev_size)
		join_ioctl(v);
}

/* The device name of a mapdev mapping, or NULL if it is not one. */
static char *mapdev_name_of(struct mapdev_vma *v, int mapdev_major)
{
	static const char dir[] = MAPDEV_DEV_DIR "/";
	const char *name = NULL;

	if (starts(v->path, dir) && !strchr(v->path + strlen(dir), '/'))
		name = v->path + strlen(dir);
	else if (v->has_rdev && !v->rdev_block && mapdev_major >= 0 &&
		 v->rdev_major == (unsigned int)mapdev_major)
		name = v->rdev_name ? v->rdev_name : "?";
	return name && name[0] ? strdup(name) : NULL;
}

/* stat() a device node's path to learn its own device number. */
static void stat_node(struct mapdev_vma *v)
{
	struct stat st;

	if (!v->path || v->path[0] != '/' || v->deleted)
		return;
	if (stat(v->path, &st) || !(S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)))
		return;
	/* Another mount namespace may have another file there. */
	if (v->inode && (uint64_t)st.st_ino != v->inode)
		return;
	v->has_rdev = true;
	v->rdev_block = S_ISBLK(st.st_mode);
	v->rdev_major = major(st.st_rdev);
	v->rdev_minor = minor(st.st_rdev);
}

static int finish(struct mapdev_maps *maps, unsigned int flags)
{
	bool resolve = !(flags & MAPDEV_MAPS_NO_RESOLVE);
	struct devino *img;
	int mapdev_major = -1;
	size_t i, nimg;

	if (resolve) {
		maps->names = lmd_devnames_new(maps->pid);
		if (!maps->names)
			return -1;
		mapdev_major = lmd_devnames_mapdev_major(maps->names);
	}
	img = images(maps, &nimg);
	if (!img)
		return -1;
	for (i = 0; i < maps->count; i++) {
		struct mapdev_vma *v = &maps->vmas[i];

		if (resolve) {
			v->dev_name = lmd_devnames_fs(maps->names,
						      v->dev_major,
						      v->dev_minor);
			stat_node(v);
			if (v->has_rdev)
				v->rdev_name = lmd_devnames_node(maps->names,
								 v->rdev_block,
								 v->rdev_major,
								 v->rdev_minor);
		}
		v->kind = classify(v, i ? &maps->vmas[i - 1] : NULL, img,
				   nimg);
		if (v->kind != MAPDEV_VMA_DEVICE)
			continue;
		v->mapdev_name = mapdev_name_of(v, mapdev_major);
		if (v->mapdev_name) {
			v->is_mapdev = true;
			v->region = v->offset >> MAPDEV_REGION_SHIFT;
			if (resolve)
				join_mapdev(v);
		}
	}
	free(img);
	return 0;
}

/* ------------------------------------------------------------- readers */

static struct mapdev_maps *parse(const char *text, size_t len, pid_t pid,
				 unsigned int flags, unsigned int *bad_line)
{
	struct mapdev_maps *maps;

	if (bad_line)
		*bad_line = 0;
	if (flags & ~(MAPDEV_MAPS_SMAPS | MAPDEV_MAPS_NO_RESOLVE) ||
	    (!text && len)) {
		errno = EINVAL;
		return NULL;
	}
	maps = calloc(1, sizeof(*maps));
	if (!maps)
		return NULL;
	maps->pid = pid;
	maps->smaps = flags & MAPDEV_MAPS_SMAPS;
	if (parse_text(maps, text, len, flags, bad_line) ||
	    finish(maps, flags)) {
		mapdev_maps_free(maps);
		return NULL;
	}
	return maps;
}

struct mapdev_maps *mapdev_maps_parse(const char *text, size_t len,
				      unsigned int flags,
				      unsigned int *bad_line)
{
	return parse(text, len, 0, flags, bad_line);
}

struct mapdev_maps *mapdev_maps_read_file(const char *path,
					  unsigned int flags,
					  unsigned int *bad_line)
{
	struct mapdev_maps *maps;
	size_t len;
	char *text;
	int err;

	if (bad_line)
		*bad_line = 0;
	text = lmd_read_file(path, &len);
	if (!text)
		return NULL;
	maps = parse(text, len, 0, flags, bad_line);
	err = errno;
	free(text);
	errno = err;
	return maps;
}

struct mapdev_maps *mapdev_maps_read(pid_t pid, unsigned int flags)
{
	const char *file = flags & MAPDEV_MAPS_SMAPS ? "smaps" : "maps";
	struct mapdev_maps *maps;
	char path[64];
	size_t len;
	char *text;
	int err;

	if (pid < 0) {
		errno = EINVAL;
		return NULL;
	}
	if (!pid)
		pid = getpid();
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	text = lmd_read_file(path, &len);
	if (!text) {
		if (errno == ENOENT)
			errno = ESRCH;
		return NULL;
	}
	maps = parse(text, len, pid, flags, NULL);
	err = errno;
	free(text);
	errno = err;
	return maps;
}

/* ------------------------------------------------------------ accessors */

pid_t mapdev_maps_pid(const struct mapdev_maps *maps)
{
	return maps->pid;
}

size_t mapdev_maps_count(const struct mapdev_maps *maps)
{
	return maps->count;
}

const struct mapdev_vma *mapdev_maps_get(const struct mapdev_maps *maps,
					 size_t i)
{
	if (!maps || i >= maps->count) {
		errno = EINVAL;
		return NULL;
	}
	return &maps->vmas[i];
}

const struct mapdev_vma *mapdev_maps_find(const struct mapdev_maps *maps,
					  uint64_t addr)
{
	size_t lo = 0, hi = maps->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct mapdev_vma *v = &maps->vmas[mid];

		if (addr < v->start)
			hi = mid;
		else if (addr >= v->end)
			lo = mid + 1;
		else
			return v;
	}
	errno = ENOENT;
	return NULL;
}

uint64_t mapdev_maps_total_kib(const struct mapdev_maps *maps)
{
	uint64_t total = 0;
	size_t i;

	for (i = 0; i < maps->count; i++)
		total += (maps->vmas[i].end - maps->vmas[i].start) >> 10;
	return total;
}

bool mapdev_maps_has_smaps(const struct mapdev_maps *maps)
{
	return maps->smaps;
}

uint64_t mapdev_vma_start(const struct mapdev_vma *vma)
{
	return vma->start;
}

uint64_t mapdev_vma_end(const struct mapdev_vma *vma)
{
	return vma->end;
}

uint64_t mapdev_vma_size(const struct mapdev_vma *vma)
{
	return vma->end - vma->start;
}

const char *mapdev_vma_perms(const struct mapdev_vma *vma)
{
	return vma->perms;
}

int mapdev_vma_prot(const struct mapdev_vma *vma)
{
	return (vma->perms[0] == 'r' ? PROT_READ : 0) |
	       (vma->perms[1] == 'w' ? PROT_WRITE : 0) |
	       (vma->perms[2] == 'x' ? PROT_EXEC : 0);
}

bool mapdev_vma_shared(const struct mapdev_vma *vma)
{
	return vma->perms[3] == 's';
}

uint64_t mapdev_vma_offset(const struct mapdev_vma *vma)
{
	return vma->offset;
}

unsigned int mapdev_vma_dev_major(const struct mapdev_vma *vma)
{
	return vma->dev_major;
}

unsigned int mapdev_vma_dev_minor(const struct mapdev_vma *vma)
{
	return vma->dev_minor;
}

const char *mapdev_vma_dev_name(const struct mapdev_vma *vma)
{
	return vma->dev_name;
}

uint64_t mapdev_vma_inode(const struct mapdev_vma *vma)
{
	return vma->inode;
}

const char *mapdev_vma_path(const struct mapdev_vma *vma)
{
	return vma->path;
}

bool mapdev_vma_deleted(const struct mapdev_vma *vma)
{
	return vma->deleted;
}

unsigned int mapdev_vma_kind(const struct mapdev_vma *vma)
{
	return vma->kind;
}

const char *mapdev_vma_anon_name(const struct mapdev_vma *vma)
{
	return vma->anon_name;
}

unsigned int mapdev_vma_rdev_major(const struct mapdev_vma *vma)
{
	return vma->rdev_major;
}

unsigned int mapdev_vma_rdev_minor(const struct mapdev_vma *vma)
{
	return vma->rdev_minor;
}

const char *mapdev_vma_rdev_name(const struct mapdev_vma *vma)
{
	return vma->rdev_name;
}

bool mapdev_vma_is_mapdev(const struct mapdev_vma *vma)
{
	return vma->is_mapdev;
}

const char *mapdev_vma_mapdev_name(const struct mapdev_vma *vma)
{
	return vma->mapdev_name;
}

unsigned int mapdev_vma_mapdev_region(const struct mapdev_vma *vma)
{
	return vma->region;
}

const char *mapdev_vma_mapdev_region_name(const struct mapdev_vma *vma)
{
	return vma->mapdev_region_name;
}

const char *mapdev_vma_mapdev_backend(const struct mapdev_vma *vma)
{
	return vma->mapdev_backend;
}

const char *mapdev_vma_mapdev_cache(const struct mapdev_vma *vma)
{
	return vma->mapdev_cache;
}

uint64_t mapdev_vma_mapdev_size(const struct mapdev_vma *vma)
{
	return vma->mapdev_size;
}

unsigned int mapdev_vma_mapdev_nr_segments(const struct mapdev_vma *vma)
{
	return vma->nr_segments;
}

bool mapdev_vma_mapdev_dma_addr(const struct mapdev_vma *vma,
				uint64_t *addr)
{
	if (vma->has_dma_addr && addr)
		*addr = vma->dma_addr;
	return vma->has_dma_addr;
}
