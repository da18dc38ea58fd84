/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the VM tests: modules, the buffer control device, sysfs and
 * the debugfs counters.  Used with ../harness.h; the tests run as root in
 * the test VM (scripts/vm).
 */
#ifndef MAPDEV_VM_TEST_H
#define MAPDEV_VM_TEST_H

#include <regex.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/mapdev.h>

#include "../harness.h"

#define CTL_PATH "/dev/mapdev/buf-control"
#define DBG_DIR "/sys/kernel/debug/mapdev/"

/* Runs a shell command; returns its exit status (or -1). */
static inline int sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	return st == -1 || !WIFEXITED(st) ? -1 : WEXITSTATUS(st);
}

static inline int module_loaded(const char *mod)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/%s", mod);
	return access(path, F_OK) == 0;
}

/*
 * The test needs @mod loaded with @params (NULL: loaded, with any).  Our
 * own modules are part of what is tested: one that is missing or fails to
 * load fails the test, never skips it.
 */
static inline void need_module(const char *mod, const char *params)
{
	if (params && module_loaded(mod) && sh("rmmod %s 2>&1", mod))
		FAILF("rmmod %s (to load it with '%s') failed", mod, params);
	if (module_loaded(mod))
		return;
	if (sh("modprobe %s %s 2>&1", mod, params ? params : ""))
		FAILF("modprobe %s %s failed: our module is not built for this kernel, not installed in the VM (scripts/vm says which it left out), or refused to load (see the kernel log)",
		      mod, params ? params : "");
	if (!module_loaded(mod))
		FAILF("modprobe %s succeeded but /sys/module/%s is not there", mod, mod);
}

/*
 * The path of our module @mod (modinfo -n), for finit_module(); fails the
 * test when it is not installed.  The last one is kept: a test that loads
 * a module again and again runs modinfo once.
 */
static inline const char *module_path(const char *mod)
{
	static char path[512], of[64];
	char cmd[128];
	FILE *f;
	int ok;

	if (path[0] && !strcmp(of, mod))
		return path;
	path[0] = '\0';
	snprintf(cmd, sizeof(cmd), "modinfo -n %s 2>/dev/null", mod);
	f = popen(cmd, "r");
	ok = f && fgets(path, sizeof(path), f);
	if (f)
		pclose(f);
	if (!ok)
		FAILF("modinfo -n %s: our module is not installed in the VM", mod);
	path[strcspn(path, "\n")] = '\0';
	snprintf(of, sizeof(of), "%s", mod);
	return path;
}

/* Tests that unload mapdev_core first unload what else sits on it. */
static inline void unload_core_users(void)
{
	sh("rmmod mapdev_pci mapdev_phys 2>/dev/null");
}

static inline int ctl_open(void)
{
	int fd;

	need_module("mapdev_buf", NULL);
	fd = open(CTL_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		FAILF("open %s: %s", CTL_PATH, strerror(errno));
	return fd;
}

static inline int buf_create_raw(int ctl, const char *name, uint64_t size,
				 uint32_t backend, uint32_t cache)
{
	struct mapdev_buf_create c = {
		.argsz = sizeof(c), .size = size, .backend = backend,
		.cache = cache,
	};

	snprintf(c.name, sizeof(c.name), "%s", name);
	return ioctl(ctl, MAPDEV_BUF_IOC_CREATE, &c);
}

static inline int buf_destroy_raw(int ctl, const char *name)
{
	struct mapdev_buf_destroy d = { .argsz = sizeof(d) };

	snprintf(d.name, sizeof(d.name), "%s", name);
	return ioctl(ctl, MAPDEV_BUF_IOC_DESTROY, &d);
}

/* Creates a buffer (replacing a leftover of the same name) or fails the test. */
static inline void buf_create(const char *name, uint64_t size,
			      uint32_t backend, uint32_t cache)
{
	int ctl = ctl_open();

	buf_destroy_raw(ctl, name);
	if (buf_create_raw(ctl, name, size, backend, cache))
		FAILF("create %s (%llu bytes, backend %u, cache %u): %s", name,
		      (unsigned long long)size, backend, cache, strerror(errno));
	close(ctl);
}

static inline void buf_destroy(const char *name)
{
	int ctl = ctl_open();

	if (buf_destroy_raw(ctl, name))
		FAILF("destroy %s: %s", name, strerror(errno));
	close(ctl);
}

static inline int buf_open(const char *name, int flags)
{
	char path[96];
	int fd;

	snprintf(path, sizeof(path), "/dev/mapdev/%s", name);
	fd = open(path, flags | O_CLOEXEC);
	if (fd < 0)
		FAILF("open %s: %s", path, strerror(errno));
	return fd;
}

/* Reads a sysfs or debugfs file into buf (trailing newline removed). */
static inline int read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return 0;
}

/*
 * The page frame number of the page at @p, from /proc/self/pagemap (root
 * sees the PFNs): the page must be present (touch or mlock it first).
 * Fails the test when pagemap shows no PFN there.
 */
static inline uint64_t pagemap_pfn(const volatile void *p)
{
	const uint64_t present = 1ULL << 63, pfn = (1ULL << 55) - 1;
	uint64_t e;
	int fd;

	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		FAILF("open /proc/self/pagemap: %s", strerror(errno));
	if (pread(fd, &e, 8, (off_t)((uintptr_t)p / 4096) * 8) != 8) {
		close(fd);
		FAILF("read /proc/self/pagemap: %s", strerror(errno));
	}
	close(fd);
	if (!(e & present) || !(e & pfn))
		FAILF("%p is not present with a PFN in pagemap (%#llx)",
		      (const void *)p, (unsigned long long)e);
	return e & pfn;
}

static inline int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;
	int e;

	if (fd < 0)
		return -1;
	n = write(fd, val, strlen(val));
	e = errno;
	close(fd);
	errno = e;
	return n < 0 ? -1 : 0;
}

static inline const char *sysfs(const char *dev, const char *attr)
{
	static char val[256];
	char path[256];

	snprintf(path, sizeof(path), "/sys/class/mapdev/%s/%s", dev, attr);
	if (read_file(path, val, sizeof(val)))
		FAILF("read %s: %s", path, strerror(errno));
	return val;
}

static inline long long sysfs_ll(const char *dev, const char *attr)
{
	return strtoll(sysfs(dev, attr), NULL, 0);
}

static inline int sysfs_write(const char *dev, const char *attr,
			      const char *val)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/class/mapdev/%s/%s", dev, attr);
	return write_file(path, val);
}

/* A debugfs counter of mapdev_core; -1 when unreadable. */
static inline long long core_stat(const char *name)
{
	char path[128], val[64];

	snprintf(path, sizeof(path), DBG_DIR "%s", name);
	if (read_file(path, val, sizeof(val)))
		return -1;
	return strtoll(val, NULL, 0);
}

/* Registered mapdev devices: what core's device counter must equal once
 * no fd of a removed device is open any more. */
static inline long long registered_devices(void)
{
	return sh("exit $(ls /sys/class/mapdev 2>/dev/null | wc -l)");
}

/* -- the kernel log ------------------------------------------------------------- */

/* /dev/kmsg, positioned at its end: what is logged from now on. */
static inline int kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		FAILF("open /dev/kmsg: %s", strerror(errno));
	lseek(fd, 0, SEEK_END);
	return fd;
}

/* The next record's text, or NULL when none is there (now). */
static inline const char *kmsg_next(int fd)
{
	static char rec[2048];
	ssize_t n;
	char *t;

	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)	/* overwritten: go on */
			continue;
		if (n <= 0)
			return NULL;
		rec[n] = '\0';
		rec[strcspn(rec, "\n")] = '\0';
		t = strchr(rec, ';');
		return t ? t + 1 : rec;
	}
}

/* Whether a record logged since kmsg_open() contains @needle. */
static inline int kmsg_grep(int fd, const char *needle)
{
	const char *t;

	while ((t = kmsg_next(fd)))
		if (strstr(t, needle))
			return 1;
	return 0;
}

/*
 * Loading module @mod from its open file @fd with @params is refused:
 * finit_module fails with @err, the kernel logs a line holding @line, and
 * the module is not left loaded.
 */
static inline void module_load_refused(int fd, const char *mod, const char *params,
				       int err, const char *line)
{
	int kmsg = kmsg_open(), ret, e;

	errno = 0;
	ret = syscall(SYS_finit_module, fd, params, 0);
	e = errno;
	if (!ret) {
		sh("rmmod %s", mod);
		FAILF("%s %s loaded", mod, params);
	}
	if (e != err)
		FAILF("%s %s: %s, expected %s", mod, params, strerrorname_np(e) ?: "?",
		      strerrorname_np(err));
	usleep(20000);		/* the log line is written before the return */
	if (!kmsg_grep(kmsg, line))
		FAILF("%s %s: no kernel log line with \"%s\"", mod, params, line);
	close(kmsg);
	CHECK(!module_loaded(mod));
}

/*
 * The first record since kmsg_open() that would fail the VM run, or NULL:
 * the patterns scripts/vm checks the whole log with (scripts/vm
 * --list-patterns, from the repository's top directory), so a test can say
 * which of its steps made the report.
 */
static inline const char *kmsg_bad(int fd)
{
	static regex_t re[128];
	static int nre = -1;
	const char *t;
	int i;

	if (nre < 0) {
		char line[512];
		FILE *f = popen("scripts/vm --list-patterns 2>/dev/null", "r");

		nre = 0;
		while (f && nre < 128 && fgets(line, sizeof(line), f)) {
			line[strcspn(line, "\n")] = '\0';
			if (!regcomp(&re[nre], line, REG_EXTENDED | REG_NOSUB))
				nre++;
		}
		if (!f || pclose(f) || nre < 10)
			FAILF("scripts/vm --list-patterns: %d patterns (run from the repository's top directory)",
			      nre);
	}
	while ((t = kmsg_next(fd)))
		for (i = 0; i < nre; i++)
			if (!regexec(&re[i], t, 0, NULL, 0))
				return t;
	return NULL;
}

/*
 * Brackets a test's DMA faults: scripts/vm excuses the IOMMU's fault
 * reports between "mapdev-test: expect DMA faults" and "mapdev-test: end
 * of expected DMA faults" in the kernel log, and fails a run on any other.
 */
static inline void expect_dma_faults(int on)
{
	if (write_file("/dev/kmsg", on ? "mapdev-test: expect DMA faults" :
		       "mapdev-test: end of expected DMA faults"))
		FAILF("write /dev/kmsg: %s", strerror(errno));
}

static inline void *map(int fd, size_t len, int prot, off_t off)
{
	void *p = mmap(NULL, len, prot, MAP_SHARED, fd, off);

	if (p == MAP_FAILED)
		FAILF("mmap(len %zu, prot %d, off 0x%llx): %s", len, prot,
		      (unsigned long long)off, strerror(errno));
	return p;
}

/* A byte pattern that differs per offset and per seed. */
static inline uint8_t pattern(size_t i, unsigned int seed)
{
	return (uint8_t)(i * 31 + (i >> 12) * 7 + seed);
}

#endif /* MAPDEV_VM_TEST_H */
