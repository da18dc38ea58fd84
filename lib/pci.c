// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libmapdev: PCI functions for mapdev_pci, through sysfs.  A handle is a
 * snapshot of /sys/bus/pci/devices/BDF/ (IDs, driver, driver_override,
 * interrupt), refreshed on request and by bind and unbind, which do what
 * VFIO's documentation tells its users to do by hand: driver_override,
 * unbind, drivers_probe.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "internal.h"

#define PCI_DEVICES	MAPDEV_PCI_SYSFS "/devices"
#define PCI_DRIVERS	MAPDEV_PCI_SYSFS "/drivers"
#define PCI_DRV_DIR	PCI_DRIVERS "/" MAPDEV_PCI_DRIVER

struct mapdev_pci {
	char bdf[MAPDEV_PCI_BDF_LEN];
	char devname[MAPDEV_NAME_LEN];
	char sysfs[PATH_MAX];		/* /sys/bus/pci/devices/BDF */
	uint16_t vendor;
	uint16_t device;
	uint32_t class;
	int irq;			/* -1: none */
	unsigned int irq_kind;
	bool has_driver;
	bool has_override;
	char driver[NAME_MAX + 1];
	char override[NAME_MAX + 1];
};

struct mapdev_pcilist {
	size_t count;
	char (*bdfs)[MAPDEV_PCI_BDF_LEN];
};

static const char *const irq_names[MAPDEV_PCI_IRQ_MAX + 1] = {
	[MAPDEV_PCI_IRQ_NONE] = "none",
	[MAPDEV_PCI_IRQ_INTX] = "intx",
	[MAPDEV_PCI_IRQ_MSI] = "msi",
	[MAPDEV_PCI_IRQ_MSIX] = "msix",
};

const char *mapdev_pci_irq_name(unsigned int kind)
{
	if (kind > MAPDEV_PCI_IRQ_MAX) {
		errno = EINVAL;
		return NULL;
	}
	return irq_names[kind];
}

/* @min to @max hex digits at *p, as a number; advances *p.  -1 if not. */
static long hexfield(const char **p, unsigned int min, unsigned int max)
{
	unsigned long v = 0;
	unsigned int n = 0;
	const char *s = *p;

	for (; n < max; n++, s++) {
		int d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			break;
		v = v * 16 + d;
	}
	if (n < min)
		return -1;
	*p = s;
	return (long)v;
}

int mapdev_pci_parse_bdf(const char *str, char *buf, size_t len)
{
	long domain = 0, bus, dev, fn;
	const char *p = str, *colon;
	int n;

	if (!str || !buf) {
		errno = EINVAL;
		return -1;
	}
	if (!strncmp(p, "pci-", 4))
		p += 4;
	/* Two colons: a domain first. */
	colon = strchr(p, ':');
	if (colon && strchr(colon + 1, ':')) {
		domain = hexfield(&p, 4, 8);
		if (domain < 0 || *p++ != ':')
			goto bad;
	}
	bus = hexfield(&p, 2, 2);
	if (bus < 0 || *p++ != ':')
		goto bad;
	dev = hexfield(&p, 2, 2);
	if (dev < 0 || dev > 0x1f || *p++ != '.')
		goto bad;
	fn = hexfield(&p, 1, 1);
	if (fn < 0 || fn > 7 || *p)
		goto bad;
	n = snprintf(buf, len, "%04lx:%02lx:%02lx.%lx", domain, bus, dev, fn);
	if (n < 0 || (size_t)n >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

bool mapdev_pci_driver_loaded(void)
{
	struct stat st;

	return !stat(PCI_DRV_DIR, &st) && S_ISDIR(st.st_mode);
}

/* A sysfs attribute of the function, as a number (0x... or decimal). */
static int attr_num(const struct mapdev_pci *pci, const char *attr,
		    unsigned long *v)
{
	char path[PATH_MAX + 32], buf[64], *end;

	snprintf(path, sizeof(path), "%s/%s", pci->sysfs, attr);
	if (lmd_read_attr(path, buf, sizeof(buf)))
		return -1;
	errno = 0;
	*v = strtoul(buf, &end, 0);
	if (errno || end == buf) {
		errno = EPROTO;
		return -1;
	}
	return 0;
}

/*
 * MSI or MSI-X when msi_irqs/ has an entry (its content says which), else
 * 0.  msi_irqs/ exists only while the function has them enabled.
 */
static unsigned int msi_kind(const struct mapdev_pci *pci)
{
	char path[PATH_MAX + 32], buf[16];
	unsigned int kind = 0;
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "%s/msi_irqs", pci->sysfs);
	d = opendir(path);
	if (!d)
		return 0;
	while (!kind && (de = readdir(d))) {
		char file[PATH_MAX + 300];

		if (de->d_name[0] == '.')
			continue;
		kind = MAPDEV_PCI_IRQ_MSI;
		snprintf(file, sizeof(file), "%s/%s", path, de->d_name);
		if (!lmd_read_attr(file, buf, sizeof(buf)) &&
		    !strcmp(buf, "msix"))
			kind = MAPDEV_PCI_IRQ_MSIX;
	}
	closedir(d);
	return kind;
}

/* Whether mapdev_pci gave the function's device an interrupt region. */
static bool has_irq_region(const struct mapdev_pci *pci)
{
	char path[PATH_MAX], buf[32];
	unsigned long n, i, flags;

	snprintf(path, sizeof(path), MAPDEV_SYSFS_CLASS "/%s/num_regions",
		 pci->devname);
	if (lmd_read_attr(path, buf, sizeof(buf)))
		return false;
	n = strtoul(buf, NULL, 0);
	for (i = 0; i < n && i < 1024; i++) {
		snprintf(path, sizeof(path), MAPDEV_SYSFS_CLASS
			 "/%s/region%lu/flags", pci->devname, i);
		if (lmd_read_attr(path, buf, sizeof(buf)))
			continue;
		flags = strtoul(buf, NULL, 0);
		if (flags & MAPDEV_REGION_F_IRQ)
			return true;
	}
	return false;
}

int mapdev_pci_refresh(struct mapdev_pci *pci)
{
	char path[PATH_MAX + 32], link[PATH_MAX];
	unsigned long irq;
	const char *base;
	ssize_t n;

	if (access(pci->sysfs, F_OK))
		return -1;

	snprintf(path, sizeof(path), "%s/driver", pci->sysfs);
	n = readlink(path, link, sizeof(link) - 1);
	pci->has_driver = n > 0;
	pci->driver[0] = '\0';
	if (n > 0) {
		link[n] = '\0';
		base = strrchr(link, '/');
		base = base ? base + 1 : link;
		if (strlen(base) >= sizeof(pci->driver)) {
			errno = ENAMETOOLONG;
			return -1;
		}
		strcpy(pci->driver, base);
	} else if (errno != ENOENT) {
		return -1;
	}

	/* "(null)" when there is none; absent on very old kernels. */
	snprintf(path, sizeof(path), "%s/driver_override", pci->sysfs);
	pci->has_override = false;
	pci->override[0] = '\0';
	if (!lmd_read_attr(path, pci->override, sizeof(pci->override)))
		pci->has_override = pci->override[0] &&
				    strcmp(pci->override, "(null)");
	if (!pci->has_override)
		pci->override[0] = '\0';

	pci->irq = -1;
	if (!attr_num(pci, "irq", &irq) && irq && irq <= INT_MAX)
		pci->irq = (int)irq;
	pci->irq_kind = msi_kind(pci);
	if (!pci->irq_kind && pci->irq > 0)
		pci->irq_kind = MAPDEV_PCI_IRQ_INTX;
	if (mapdev_pci_is_bound(pci) && !has_irq_region(pci))
		pci->irq_kind = MAPDEV_PCI_IRQ_NONE;
	return 0;
}

struct mapdev_pci *mapdev_pci_open(const char *bdf)
{
	struct mapdev_pci *pci;
	unsigned long v;
	int err;

	pci = calloc(1, sizeof(*pci));
	if (!pci)
		return NULL;
	if (mapdev_pci_parse_bdf(bdf, pci->bdf, sizeof(pci->bdf)))
		goto err;
	snprintf(pci->devname, sizeof(pci->devname), "pci-%s", pci->bdf);
	snprintf(pci->sysfs, sizeof(pci->sysfs), PCI_DEVICES "/%s", pci->bdf);
	if (attr_num(pci, "vendor", &v))
		goto err;
	pci->vendor = (uint16_t)v;
	if (attr_num(pci, "device", &v))
		goto err;
	pci->device = (uint16_t)v;
	if (attr_num(pci, "class", &v))
		goto err;
	pci->class = (uint32_t)v;
	if (mapdev_pci_refresh(pci))
		goto err;
	return pci;
err:
	err = errno;
	free(pci);
	errno = err;
	return NULL;
}

void mapdev_pci_close(struct mapdev_pci *pci)
{
	free(pci);
}

const char *mapdev_pci_bdf(const struct mapdev_pci *pci)
{
	return pci->bdf;
}

const char *mapdev_pci_device_name(const struct mapdev_pci *pci)
{
	return pci->devname;
}

uint16_t mapdev_pci_vendor(const struct mapdev_pci *pci)
{
	return pci->vendor;
}

uint16_t mapdev_pci_device_id(const struct mapdev_pci *pci)
{
	return pci->device;
}

uint32_t mapdev_pci_class(const struct mapdev_pci *pci)
{
	return pci->class;
}

const char *mapdev_pci_driver(const struct mapdev_pci *pci)
{
	if (!pci->has_driver) {
		errno = 0;
		return NULL;
	}
	return pci->driver;
}

const char *mapdev_pci_driver_override(const struct mapdev_pci *pci)
{
	if (!pci->has_override) {
		errno = 0;
		return NULL;
	}
	return pci->override;
}

bool mapdev_pci_is_bound(const struct mapdev_pci *pci)
{
	return pci->has_driver && !strcmp(pci->driver, MAPDEV_PCI_DRIVER);
}

unsigned int mapdev_pci_irq_kind(const struct mapdev_pci *pci)
{
	return pci->irq_kind;
}

int mapdev_pci_irq(const struct mapdev_pci *pci)
{
	if (pci->irq < 0) {
		errno = ENOENT;
		return -1;
	}
	return pci->irq;
}

/* Write @val to a sysfs file, all of it; -1 with errno. */
static int write_attr(const char *path, const char *val)
{
	size_t len = strlen(val);
	ssize_t n;
	int fd, err;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	do {
		n = write(fd, val, len);
	} while (n < 0 && errno == EINTR);
	err = errno;
	close(fd);
	if (n < 0) {
		errno = err;
		return -1;
	}
	if ((size_t)n != len) {
		errno = EIO;
		return -1;
	}
	return 0;
}

static int set_override(const struct mapdev_pci *pci, const char *drv)
{
	char path[PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/driver_override", pci->sysfs);
	/* A lone newline clears it. */
	return write_attr(path, drv && drv[0] ? drv : "\n");
}

static int probe(const struct mapdev_pci *pci)
{
	return write_attr(PCI_DRIVERS "_probe", pci->bdf);
}

int mapdev_pci_bind(struct mapdev_pci *pci)
{
	char old[sizeof(pci->override)];
	bool had_override;
	int err;

	if (mapdev_pci_refresh(pci))
		return -1;
	if (mapdev_pci_is_bound(pci))
		return 0;
	if (!mapdev_pci_driver_loaded()) {
		errno = ENODEV;
		return -1;
	}
	had_override = pci->has_override;
	memcpy(old, pci->override, sizeof(old));

	/* First the override, so no other driver takes it in between. */
	if (set_override(pci, MAPDEV_PCI_DRIVER))
		return -1;
	if (pci->has_driver) {
		char path[PATH_MAX + 32];

		snprintf(path, sizeof(path), "%s/driver/unbind", pci->sysfs);
		if (write_attr(path, pci->bdf) && errno != ENODEV)
			goto undo;
	}
	/* The probe's error, if it has one, is not always passed on. */
	if (probe(pci) && errno != ENODEV && errno != ENXIO)
		goto undo;
	if (mapdev_pci_refresh(pci))
		return -1;
	if (mapdev_pci_is_bound(pci))
		return 0;
	errno = EIO;
undo:
	err = errno;
	set_override(pci, had_override ? old : NULL);
	probe(pci);
	mapdev_pci_refresh(pci);
	errno = err;
	return -1;
}

int mapdev_pci_unbind(struct mapdev_pci *pci, unsigned int flags)
{
	bool bound;

	if (flags & ~MAPDEV_PCI_REPROBE) {
		errno = EINVAL;
		return -1;
	}
	if (mapdev_pci_refresh(pci))
		return -1;
	bound = mapdev_pci_is_bound(pci);
	if (bound && write_attr(PCI_DRV_DIR "/unbind", pci->bdf) &&
	    errno != ENODEV)
		return -1;
	if (pci->has_override && !strcmp(pci->override, MAPDEV_PCI_DRIVER) &&
	    set_override(pci, NULL))
		return -1;
	if (!bound) {
		mapdev_pci_refresh(pci);
		errno = ENXIO;
		return -1;
	}
	if ((flags & MAPDEV_PCI_REPROBE) && probe(pci) && errno != ENODEV &&
	    errno != ENXIO)
		return -1;
	return mapdev_pci_refresh(pci);
}

int mapdev_pci_wait_device(const struct mapdev_pci *pci, int timeout_ms)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	char path[PATH_MAX];
	int waited = 0;

	snprintf(path, sizeof(path), MAPDEV_DEV_DIR "/%s", pci->devname);
	for (;;) {
		if (!access(path, F_OK))
			return 0;
		if (waited >= timeout_ms)
			break;
		nanosleep(&tick, NULL);
		waited += 10;
	}
	errno = ETIMEDOUT;
	return -1;
}

struct mapdev_device *mapdev_pci_open_device(const struct mapdev_pci *pci,
					     int flags)
{
	return mapdev_device_open(pci->devname, flags);
}

static int cmp_bdf(const void *a, const void *b)
{
	return strcmp(a, b);
}

struct mapdev_pcilist *mapdev_pci_list(void)
{
	struct mapdev_pcilist *list;
	struct dirent *de;
	size_t cap = 0;
	DIR *d;
	int err;

	list = calloc(1, sizeof(*list));
	if (!list)
		return NULL;
	d = opendir(PCI_DRV_DIR);
	if (!d) {
		if (errno == ENOENT)
			return list;	/* not loaded: none bound */
		goto err;
	}
	while ((errno = 0, de = readdir(d))) {
		char bdf[MAPDEV_PCI_BDF_LEN];

		/* bind, unbind, new_id, module, ...: not addresses. */
		if (mapdev_pci_parse_bdf(de->d_name, bdf, sizeof(bdf)) ||
		    strcmp(bdf, de->d_name))
			continue;
		if (list->count == cap) {
			void *p;

			cap = cap ? cap * 2 : 8;
			p = realloc(list->bdfs, cap * sizeof(*list->bdfs));
			if (!p)
				goto err_dir;
			list->bdfs = p;
		}
		memcpy(list->bdfs[list->count++], bdf, sizeof(bdf));
	}
	if (errno)
		goto err_dir;
	closedir(d);
	if (list->count)
		qsort(list->bdfs, list->count, sizeof(*list->bdfs), cmp_bdf);
	errno = 0;
	return list;

err_dir:
	err = errno;
	closedir(d);
	errno = err;
err:
	err = errno;
	mapdev_pcilist_free(list);
	errno = err;
	return NULL;
}

void mapdev_pcilist_free(struct mapdev_pcilist *list)
{
	int err = errno;

	if (!list)
		return;
	free(list->bdfs);
	free(list);
	errno = err;
}

size_t mapdev_pcilist_count(const struct mapdev_pcilist *list)
{
	return list->count;
}

const char *mapdev_pcilist_bdf(const struct mapdev_pcilist *list, size_t i)
{
	if (i >= list->count) {
		errno = EINVAL;
		return NULL;
	}
	return list->bdfs[i];
}

/* ------------------------------------------------- the function's ioctls */

int mapdev_pci_buf_create(struct mapdev_device *dev, const char *name,
			  uint64_t size, unsigned int backend,
			  unsigned int cache)
{
	struct mapdev_buf_create c;

	if (!dev || !mapdev_name_valid(name) || !size ||
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
	return lmd_ioctl(mapdev_device_fd(dev), MAPDEV_PCI_IOC_BUF_CREATE, &c);
}

int mapdev_pci_buf_destroy(struct mapdev_device *dev, const char *name)
{
	struct mapdev_buf_destroy d;

	if (!dev || !mapdev_name_valid(name)) {
		errno = EINVAL;
		return -1;
	}
	memset(&d, 0, sizeof(d));
	d.argsz = sizeof(d);
	strncpy(d.name, name, sizeof(d.name) - 1);
	return lmd_ioctl(mapdev_device_fd(dev), MAPDEV_PCI_IOC_BUF_DESTROY, &d);
}

int mapdev_pci_set_dma_mask(struct mapdev_device *dev, unsigned int bits)
{
	struct mapdev_pci_dma_mask m;

	if (!dev || bits < MAPDEV_PCI_DMA_BITS_MIN ||
	    bits > MAPDEV_PCI_DMA_BITS_MAX) {
		errno = EINVAL;
		return -1;
	}
	memset(&m, 0, sizeof(m));
	m.argsz = sizeof(m);
	m.bits = bits;
	return lmd_ioctl(mapdev_device_fd(dev), MAPDEV_PCI_IOC_SET_DMA_MASK,
			 &m);
}

int mapdev_pci_dma_mask_bits(const struct mapdev_pci *pci)
{
	unsigned long v;

	if (attr_num(pci, "dma_mask_bits", &v))
		return -1;
	if (v > 64) {
		errno = EPROTO;
		return -1;
	}
	return (int)v;
}

/* ---------------------------------------------------------------- in use */

/* Drivers that only hand a function to user space: nothing runs on it. */
static const char *const passthrough_drivers[] = {
	MAPDEV_PCI_DRIVER, "uio_pci_generic", "vfio-pci", "pci-stub",
	"igb_uio",
};

/* "power", "msi_irqs", "wakeup": not devices a driver serves through. */
static bool skip_child(const char *name)
{
	return name[0] == '.' || !strcmp(name, "power") ||
	       !strcmp(name, "msi_irqs") || !strcmp(name, "wakeup");
}

static bool is_real_dir(const char *path)
{
	struct stat st;

	return !lstat(path, &st) && S_ISDIR(st.st_mode);
}

static bool has_uevent(const char *dir)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/uevent", dir) >=
	    (int)sizeof(path))
		return false;
	return !access(path, F_OK);
}

/* A network interface (DIR/flags) that is down is no one's link yet. */
static bool net_down(const char *dir)
{
	char path[PATH_MAX], buf[32];

	if (snprintf(path, sizeof(path), "%s/flags", dir) >=
	    (int)sizeof(path) || lmd_read_attr(path, buf, sizeof(buf)))
		return false;
	return !(strtoul(buf, NULL, 0) & 0x1);	/* IFF_UP */
}

/* The names found, to be sorted: readdir() order is no order. */
struct users {
	size_t count;
	size_t cap;
	char **names;
};

static void add_user(struct users *u, const char *name)
{
	char *dup = strdup(name);

	if (!dup)
		return;
	if (u->count == u->cap) {
		size_t cap = u->cap ? u->cap * 2 : 8;
		char **p = realloc(u->names, cap * sizeof(*p));

		if (!p) {
			free(dup);
			return;
		}
		u->names = p;
		u->cap = cap;
	}
	u->names[u->count++] = dup;
}

static int cmp_name(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	size_t lx = strcspn(x, "0123456789"), ly = strcspn(y, "0123456789");

	/* ata2 before ata10. */
	if (lx == ly && !strncmp(x, y, lx) && strlen(x) != strlen(y))
		return strlen(x) < strlen(y) ? -1 : 1;
	return strcmp(x, y);
}

/* Blank-separated into buf (cut short if it must be); frees them. */
static void users_out(struct users *u, char *buf, size_t len)
{
	size_t used = 0, i;
	int n;

	if (u->count)
		qsort(u->names, u->count, sizeof(*u->names), cmp_name);
	for (i = 0; i < u->count; i++) {
		if (buf && len && used < len) {
			n = snprintf(buf + used, len - used, "%s%s",
				     used ? " " : "", u->names[i]);
			if (n > 0)
				used += (size_t)n;
		}
		free(u->names[i]);
	}
	free(u->names);
}

int mapdev_pci_users(const struct mapdev_pci *pci, char *buf, size_t len)
{
	struct users u = { 0 };
	struct dirent *de, *de2;
	int count = 0;
	size_t i;
	DIR *d, *d2;

	if (buf && len)
		buf[0] = '\0';
	if (!pci->has_driver)
		return 0;
	for (i = 0; i < sizeof(passthrough_drivers) /
		    sizeof(passthrough_drivers[0]); i++)
		if (!strcmp(pci->driver, passthrough_drivers[i]))
			return 0;
	d = opendir(pci->sysfs);
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		char sub[PATH_MAX];

		if (skip_child(de->d_name))
			continue;
		if (snprintf(sub, sizeof(sub), "%s/%s", pci->sysfs,
			     de->d_name) >= (int)sizeof(sub) ||
		    !is_real_dir(sub))
			continue;
		if (has_uevent(sub)) {
			/* A device of its own: ata1, virtio0, host0, usb1. */
			add_user(&u, de->d_name);
			count++;
			continue;
		}
		/* A class directory: net/eth0, nvme/nvme0, drm/card0. */
		d2 = opendir(sub);
		if (!d2)
			continue;
		while ((de2 = readdir(d2))) {
			char dev[PATH_MAX];
			char name[2 * NAME_MAX + 2];

			if (de2->d_name[0] == '.')
				continue;
			if (snprintf(dev, sizeof(dev), "%s/%s", sub,
				     de2->d_name) >= (int)sizeof(dev) ||
			    !is_real_dir(dev) || !has_uevent(dev))
				continue;
			if (!strcmp(de->d_name, "net") && net_down(dev))
				continue;
			snprintf(name, sizeof(name), "%s/%s", de->d_name,
				 de2->d_name);
			add_user(&u, name);
			count++;
		}
		closedir(d2);
	}
	closedir(d);
	users_out(&u, buf, len);
	return count;
}
