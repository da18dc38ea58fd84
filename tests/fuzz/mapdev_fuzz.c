// SPDX-License-Identifier: GPL-2.0
/*
 * mapdev_fuzz: seeded random system call sequences against every mapdev
 * device, in the test VM (it loads and unloads the modules).
 *
 *   mapdev_fuzz [--seed S] [--calls N] [--time SECS] [--threads T] ...
 *
 * It prints its seed first.  With one thread (the default) a run is a pure
 * function of the seed and of what the kernel answers, so `--seed S
 * --calls N` replays the first N calls of any run of seed S exactly; each
 * call draws its random numbers from its own stream (seed, thread, call
 * number), so stopping earlier or later never changes the calls before.
 * `--trace` prints one line a call (no addresses, no DMA addresses: two
 * runs of a seed print the same lines) and the run ends with a hash of
 * them.  With several threads each thread's calls come from its own
 * streams, but the interleaving, and so what the kernel answers, is the
 * scheduler's: a threaded run is not reproducible call for call.
 *
 * What it judges (a PROBLEM line each; exit status 1 if any):
 *  - single-threaded, a model of the devices, fds and the address space
 *    predicts the result of most calls exactly (errno included), every
 *    touch of mapped memory (OK, SIGSEGV, or SIGBUS once the device is
 *    revoked) and the sysfs/debugfs counters;
 *  - always: errnos outside the set each call may return (EFAULT from a
 *    call whose pointers were all valid), device pages that become
 *    executable or writable through a read-only fd, a child that can still
 *    touch a revoked mapping, the kernel log (BUG, WARNING, KASAN, ...)
 *    and, at the end, with everything closed: core's debugfs counters agree
 *    with what exists, every module unloads, and then they read zero.
 *
 * Everything it maps lives in an "arena" at a fixed address (so traces
 * carry arena page numbers, and MAP_FIXED never hits the fuzzer's own
 * memory); edu's registers are only ever mapped in the arena's first part,
 * where nothing writes the offsets that start edu's DMA engine.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/futex.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <linux/mapdev.h>

#define PG		4096UL
#define ARENA_BASE	0x100000000000UL	/* 16 TiB: far below mmap_base */
#define ARENA_PAGES	65536UL			/* 256 MiB */
#define ARENA_SIZE	(ARENA_PAGES * PG)
#define EDU_PAGES	8192UL			/* the first 32 MiB */
#define MAX_DEVS	512
#define MAX_SLOTS	48
#define MAX_RUNS	8192
#define MAX_THREADS	8
#define DATA_SIZE	(256UL << 10)
#define NBDF		3
#define REGION_IRQ	7
#define REGION_CONFIG	6
#define BUF_BYTES_CAP	(192ULL << 20)

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#define MADV_POPULATE_WRITE 23
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

static const char *const bdfs[NBDF] = {
	"0000:00:10.0", "0000:00:11.0", "0000:00:12.0",
};

/* -- options and output ------------------------------------------------------ */

static struct {
	uint64_t seed;
	uint64_t calls;
	double time_limit;
	int threads;
	int trace;
	int no_pci, no_phys, no_modules, no_teardown, keep_going;
	const char *skip;
	const char *only;
} opt = { .calls = 20000, .threads = 1 };

static int strict;			/* one thread: exact predictions */
static volatile int stop_all;
static double t_start;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t trace_hash = 1469598103934665603ULL;
static long problems;
static uint64_t first_problem_call = UINT64_MAX;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Per-thread: the call being made, for messages. */
static __thread uint64_t cur_call;
static __thread int cur_thread;
static __thread char cur_desc[1024];

/* One line of the trace: hashed always, printed with --trace. */
__attribute__((format(printf, 1, 2)))
static void trace(const char *fmt, ...)
{
	char line[768];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n >= (int)sizeof(line))
		n = sizeof(line) - 1;
	pthread_mutex_lock(&out_lock);
	for (int i = 0; i < n; i++) {
		trace_hash ^= (uint8_t)line[i];
		trace_hash *= 1099511628211ULL;
	}
	trace_hash ^= '\n';
	trace_hash *= 1099511628211ULL;
	if (opt.trace)
		printf("#%" PRIu64 " t%d %s\n", cur_call, cur_thread, line);
	pthread_mutex_unlock(&out_lock);
}

__attribute__((format(printf, 1, 2)))
static void problem(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&out_lock);
	problems++;
	if (cur_call < first_problem_call)
		first_problem_call = cur_call;
	printf("PROBLEM seed %" PRIu64 " call %" PRIu64 " thread %d: %s: %s\n",
	       opt.seed, cur_call, cur_thread, cur_desc, msg);
	fflush(stdout);
	pthread_mutex_unlock(&out_lock);
	if (!opt.keep_going && problems >= 20)
		stop_all = 1;
}

__attribute__((format(printf, 1, 2), noreturn))
static void die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "mapdev_fuzz: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static const char *errname(int e)
{
	const char *s = e ? strerrorname_np(e) : "OK";

	return s ? s : "E?";
}

/* A result as text: a count, or an errno name. */
static const char *res_str(long r, char *b, size_t n)
{
	if (r >= 0)
		snprintf(b, n, "%ld", r);
	else
		snprintf(b, n, "%s", errname((int)-r));
	return b;
}

/* -- random numbers ------------------------------------------------------------ */

struct rng {
	uint64_t s;
};

static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rnd(struct rng *r)
{
	r->s += 0x9e3779b97f4a7c15ULL;
	return mix64(r->s);
}

static uint64_t below(struct rng *r, uint64_t n)
{
	return n ? rnd(r) % n : 0;
}

static int chance(struct rng *r, int pct)
{
	return (int)below(r, 100) < pct;
}

static struct rng stream(uint64_t a, uint64_t b, uint64_t c)
{
	struct rng r = { mix64(opt.seed ^ mix64(a * 0x9e37 + 1) ^
			       mix64(b * 0x7f4a + 2) ^ mix64(c + 3)) };
	return r;
}

/* Interesting sizes and offsets. */
static uint64_t odd_u64(struct rng *r)
{
	static const uint64_t v[] = {
		0, 1, 2, 3, 4, 7, 8, 15, 16, 31, 32, 63, 64, 255, 256, 4095,
		4096, 4097, 8192, 65536, 1 << 20, 4 << 20, 1ULL << 31,
		1ULL << 32, 1ULL << 40, (1ULL << 40) - 1, 1ULL << 48,
		1ULL << 63, ~0ULL, ~0ULL - 4095, ~0ULL << 12, 0x7fffffffffffffffULL,
		0xffffffffULL, 0x80000000ULL,
	};

	if (chance(r, 70))
		return v[below(r, sizeof(v) / sizeof(v[0]))];
	return rnd(r) >> below(r, 64);
}

/* -- small file helpers ------------------------------------------------------- */

static int read_text(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;
	int e;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	e = errno;
	close(fd);
	if (n < 0)
		return -e;
	buf[n] = '\0';
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return 0;
}

/* Writes a string to a sysfs or debugfs file: 0 or -errno. */
static int write_text(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;
	int e;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	e = errno;
	close(fd);
	return n < 0 ? -e : 0;
}

static long long stat_ll(const char *name)
{
	char path[128], v[64];

	snprintf(path, sizeof(path), "/sys/kernel/debug/mapdev/%s", name);
	if (read_text(path, v, sizeof(v)))
		return -1;
	return strtoll(v, NULL, 0);
}

static long long sysfs_ll(const char *dev, const char *attr)
{
	char path[160], v[64];

	snprintf(path, sizeof(path), "/sys/class/mapdev/%s/%s", dev, attr);
	if (read_text(path, v, sizeof(v)))
		return -1;
	return strtoll(v, NULL, 0);
}

static int count_class_devices(void)
{
	DIR *d = opendir("/sys/class/mapdev");
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* -- modules ---------------------------------------------------------------- */

enum { M_CORE, M_BUF, M_PCI, M_PHYS, NMOD };
static const char *const mod_names[NMOD] = {
	"mapdev_core", "mapdev_buf", "mapdev_pci", "mapdev_phys",
};
static char mod_paths[NMOD][512];

static int mod_loaded(int m)
{
	char p[128];

	snprintf(p, sizeof(p), "/sys/module/%s", mod_names[m]);
	return access(p, F_OK) == 0;
}

static void mod_find_paths(void)
{
	for (int m = 0; m < NMOD; m++) {
		char cmd[128];
		FILE *f;

		snprintf(cmd, sizeof(cmd), "modinfo -n %s 2>/dev/null", mod_names[m]);
		f = popen(cmd, "r");
		if (!f || !fgets(mod_paths[m], sizeof(mod_paths[m]), f))
			mod_paths[m][0] = '\0';
		if (f)
			pclose(f);
		mod_paths[m][strcspn(mod_paths[m], "\n")] = '\0';
	}
	if (!mod_paths[M_CORE][0] || !mod_paths[M_BUF][0])
		die("modinfo finds no mapdev_core/mapdev_buf: run in the test VM (scripts/vm)");
	/* Our own modules: missing is not a reason to fuzz less, quietly. */
	if (!opt.no_pci && !mod_paths[M_PCI][0])
		die("modinfo finds no mapdev_pci (--no-pci to fuzz without it)");
	if (!opt.no_phys && !mod_paths[M_PHYS][0])
		die("modinfo finds no mapdev_phys (--no-phys to fuzz without it)");
}

/* finit_module: 0 or -errno. */
static int mod_load(int m, const char *params)
{
	int fd, ret, e;

	if (!mod_paths[m][0])
		return -ENOENT;
	fd = open(mod_paths[m], O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, params, 0);
	e = errno;
	close(fd);
	return ret ? -e : 0;
}

static int mod_unload(int m)
{
	return syscall(SYS_delete_module, mod_names[m], O_NONBLOCK) ? -errno : 0;
}

/* -- the model ------------------------------------------------------------- */

enum dkind { DK_CTL, DK_BUF, DK_PBUF, DK_QBUF, DK_PCI, DK_PHYS };
static const char *const dkind_names[] = {
	"ctl", "buf", "pbuf", "qbuf", "pci", "phys",
};

struct reg {
	uint64_t size;
	uint32_t flags;
	uint32_t backend;
	uint32_t cache;		/* the region's default cache mode now */
	int cacheable;		/* device memory that may be mapped cached */
};

struct dev {
	int used;
	int kind;
	char name[40];
	int alive;
	ino_t ino;		/* of /dev/mapdev/NAME when it was made */
	int nreg;
	struct reg reg[MAPDEV_MAX_REGIONS];
	uint32_t memtype;	/* buffers: the cache mode of the pages */
	int pci;		/* qbuf: its pci dev; pci: bdf index */
	int edu;		/* pci: QEMU edu */
	int irq_masked;		/* pci: user wrote 0 to the irq region */
	int dma_bits;		/* pci: the mask SET_DMA_MASK set (0: the default 32) */
	int bound;		/* buf: MAPDEV_BUF_CREATE_F_PCI for bdfs[bound - 1]; -1: another function */
	unsigned int serial;	/* for messages */
};

struct slot {
	int fd;			/* -1: free */
	uint32_t fid;		/* which open file description */
	int dev;
	int oflags;
	pthread_rwlock_t lk;	/* held (read) while the fd is in use */
};

/* One VMA-ish run of the arena, from /proc/self/maps. */
struct run {
	uint32_t start, n;	/* arena pages */
	int kind;		/* 1 anon, 2 device, 3 other file */
	int r, w, x, shared;
	int dev;		/* device runs: dev index, or -1 unknown */
	uint64_t pgoff;		/* device runs: file page offset of start */
};

static struct {
	pthread_mutex_t lk;	/* everything below */
	struct dev devs[MAX_DEVS];
	unsigned int dev_serial;
	struct slot slots[MAX_SLOTS];
	struct run runs[MAX_RUNS];
	int nruns;
	uint8_t ro[ARENA_PAGES];	/* mapped through an O_RDONLY fd */
	uint32_t fid[ARENA_PAGES];	/* the file each page was mapped from */
	uint32_t next_fid;
	int pci_present[NBDF];		/* not removed */
	int mod_up[NMOD];
	int fail_alloc;			/* debugfs countdown we armed */
	int map_mode;			/* 0 fault, 1 batch, 2 populate */
	char phys_start[32];
	uint64_t phys_base, phys_size;
	int pci_irq_mode;		/* 0 auto, 1 msi, 2 intx */
} M = { .lk = PTHREAD_MUTEX_INITIALIZER };

static int dev_noexec;		/* /dev is mounted noexec */
static int kmsg_fd = -1, mem_fd = -1, odirect_fd = -1, efd[2] = { -1, -1 };
static int odirect_blockdev;

static int dev_buffer(const struct dev *d)
{
	return d->kind == DK_BUF || d->kind == DK_PBUF || d->kind == DK_QBUF;
}

/* A new device entry (reusing one nothing refers to any more). */
static int dev_new(int kind, const char *name)
{
	int i, s;

	for (i = 0; i < MAX_DEVS; i++)
		if (!M.devs[i].used)
			goto found;
	/* Recycle a dead device that no fd and no mapping refers to. */
	for (i = 0; i < MAX_DEVS; i++) {
		struct dev *d = &M.devs[i];
		int refs = 0;

		if (d->alive)
			continue;
		for (s = 0; s < MAX_SLOTS && !refs; s++)
			if (M.slots[s].fd >= 0 && M.slots[s].dev == i)
				refs = 1;
		for (s = 0; s < M.nruns && !refs; s++)
			if (M.runs[s].kind == 2 && M.runs[s].dev == i)
				refs = 1;
		if (!refs)
			goto found;
	}
	return -1;
found:
	memset(&M.devs[i], 0, sizeof(M.devs[i]));
	M.devs[i].used = 1;
	M.devs[i].kind = kind;
	M.devs[i].alive = 1;
	M.devs[i].pci = -1;
	M.devs[i].serial = ++M.dev_serial;
	snprintf(M.devs[i].name, sizeof(M.devs[i].name), "%s", name);
	return i;
}

static int dev_find_alive(const char *name)
{
	for (int i = 0; i < MAX_DEVS; i++)
		if (M.devs[i].used && M.devs[i].alive &&
		    !strcmp(M.devs[i].name, name))
			return i;
	return -1;
}

static int dev_by_ino(ino_t ino)
{
	for (int i = 0; i < MAX_DEVS; i++)
		if (M.devs[i].used && M.devs[i].ino == ino)
			return i;
	return -1;
}

static void dev_path(const char *name, char *p, size_t n)
{
	snprintf(p, n, "/dev/mapdev/%.40s", name);
}

/*
 * Learns a new device's inode and regions: open, INFO, REGION_INFO.  The
 * node must exist.  Returns 0 or -errno.
 */
static int dev_probe(int di)
{
	struct dev *d = &M.devs[di];
	struct mapdev_info info = { .argsz = sizeof(info) };
	char path[80];
	struct stat st;
	int fd, i;

	dev_path(d->name, path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || ioctl(fd, MAPDEV_IOC_INFO, &info)) {
		int e = errno;

		close(fd);
		return -e;
	}
	d->ino = st.st_ino;
	d->nreg = info.num_regions;
	for (i = 0; i < d->nreg && i < MAPDEV_MAX_REGIONS; i++) {
		struct mapdev_region_info ri = { .argsz = sizeof(ri), .index = i };

		if (ioctl(fd, MAPDEV_IOC_REGION_INFO, &ri)) {
			int e = errno;

			close(fd);
			return -e;
		}
		d->reg[i].size = ri.size;
		d->reg[i].flags = ri.flags;
		d->reg[i].backend = ri.backend;
		d->reg[i].cache = ri.cache;
		d->reg[i].cacheable = ri.backend == MAPDEV_BACKEND_IOMEM &&
				      ri.cache == MAPDEV_CACHE_CACHED;
	}
	close(fd);
	/* mapdev_buf's buffers: bound to a PCI function, says sysfs? */
	if (d->kind == DK_BUF) {
		char dd[64] = "";
		FILE *f;

		snprintf(path, sizeof(path), "/sys/class/mapdev/%s/dma_device", d->name);
		f = fopen(path, "re");
		if (f) {
			if (fgets(dd, sizeof(dd), f))
				dd[strcspn(dd, "\n")] = '\0';
			fclose(f);
		}
		d->bound = 0;
		if (*dd && strcmp(dd, "mapdev_buf")) {
			d->bound = -1;
			for (i = 0; i < NBDF; i++)
				if (!strcmp(dd, bdfs[i]))
					d->bound = i + 1;
		}
	}
	return 0;
}

/* stat of a node: its inode, or 0 if absent. */
static ino_t node_ino(const char *name)
{
	char path[80];
	struct stat st;

	dev_path(name, path, sizeof(path));
	return stat(path, &st) ? 0 : st.st_ino;
}

/* Marks devices dead; checks their nodes went away. */
static void dev_kill(int di, const char *why)
{
	struct dev *d = &M.devs[di];
	ino_t ino;

	if (!d->used || !d->alive)
		return;
	d->alive = 0;
	ino = node_ino(d->name);
	if (strict && ino && ino == d->ino)
		problem("%s %s: /dev/mapdev/%s still exists", why,
			dkind_names[d->kind], d->name);
}

static void kill_kind(int kind, const char *why)
{
	for (int i = 0; i < MAX_DEVS; i++)
		if (M.devs[i].used && M.devs[i].alive && M.devs[i].kind == kind)
			dev_kill(i, why);
}

/* A PCI function removed: mapdev_buf's buffers bound to bdfs[b] go. */
static void kill_bound(int b, const char *why)
{
	for (int i = 0; i < MAX_DEVS; i++)
		if (M.devs[i].used && M.devs[i].alive && M.devs[i].kind == DK_BUF &&
		    M.devs[i].bound == b + 1)
			dev_kill(i, why);
}

/*
 * Which driver each function has (sysfs driver link), and its
 * driver_override: what decides whether an operation swept the
 * mapdev_buf buffers bound to it (the kernel destroys them when a driver
 * binds or unbinds the function, or at a probe that fails).
 */
struct drv_snap {
	char drv[NBDF][32];
	char ovr[NBDF][32];
};

static void drv_snap(struct drv_snap *s)
{
	for (int b = 0; b < NBDF; b++) {
		char p[160], t[256];
		ssize_t n;
		FILE *f;

		snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/driver", bdfs[b]);
		n = readlink(p, t, sizeof(t) - 1);
		t[n > 0 ? n : 0] = '\0';
		snprintf(s->drv[b], sizeof(s->drv[b]), "%.31s", strrchr(t, '/') ? strrchr(t, '/') + 1 : t);
		s->ovr[b][0] = '\0';
		snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/driver_override", bdfs[b]);
		f = fopen(p, "re");
		if (f) {
			if (fgets(s->ovr[b], sizeof(s->ovr[b]), f))
				s->ovr[b][strcspn(s->ovr[b], "\n")] = '\0';
			fclose(f);
		}
	}
}

/*
 * After an operation between snapshots @a and @z: a function whose driver
 * changed lost its bound buffers; so did one without a driver that
 * mapdev_pci tried to probe (bit b of @probed: the operation could start
 * a probe of bdfs[b]; mapdev_pci is loaded and the function's override
 * names it) and failed.
 */
static void sweep_bound(const struct drv_snap *a, const struct drv_snap *z,
			unsigned int probed, const char *why)
{
	for (int b = 0; b < NBDF; b++)
		if (strcmp(a->drv[b], z->drv[b]) ||
		    (probed & 1u << b && !a->drv[b][0] && M.mod_up[M_PCI] &&
		     !strcmp(z->ovr[b], "mapdev_pci"))) {
			char w[160];

			snprintf(w, sizeof(w), "%s (%s: driver '%s' -> '%s', override '%s')",
				 why, bdfs[b], a->drv[b], z->drv[b], z->ovr[b]);
			kill_bound(b, w);
		}
}

static void kill_pci(int di, const char *why)
{
	for (int i = 0; i < MAX_DEVS; i++)
		if (M.devs[i].used && M.devs[i].alive &&
		    M.devs[i].kind == DK_QBUF && M.devs[i].pci == di)
			dev_kill(i, why);
	dev_kill(di, why);
}

/* Adds a device whose node exists now (after a load, bind, create). */
static int dev_learn(int kind, const char *name, int pci)
{
	int di = dev_new(kind, name), ret;

	if (di < 0)
		return -1;
	M.devs[di].pci = pci;
	ret = dev_probe(di);
	if (ret) {
		/* With threads, another may have removed it already. */
		if (strict)
			problem("new %s %s: probe: %s", dkind_names[kind], name,
				errname(-ret));
		M.devs[di].alive = 0;
		return -1;
	}
	return di;
}

/*
 * Threads: the model follows what exists, from /dev/mapdev and sysfs
 * (M.lk held).  A single thread models every change and checks it instead.
 */
static void resync_all(void)
{
	DIR *dir;
	struct dirent *e;

	for (int m = 0; m < NMOD; m++)
		M.mod_up[m] = mod_loaded(m);
	for (int i = 0; i < MAX_DEVS; i++)
		if (M.devs[i].used && M.devs[i].alive &&
		    node_ino(M.devs[i].name) != M.devs[i].ino)
			M.devs[i].alive = 0;
	dir = opendir("/dev/mapdev");
	if (!dir)
		return;
	while ((e = readdir(dir))) {
		char p[160], drv[64], link[256];
		const char *name = e->d_name;
		int kind, pci = -1, di;
		ino_t ino;
		ssize_t n;

		if (name[0] == '.')
			continue;
		ino = node_ino(name);
		di = ino ? dev_by_ino(ino) : -1;
		if (!ino || (di >= 0 && M.devs[di].alive))
			continue;
		snprintf(p, sizeof(p), "/sys/class/mapdev/%.40s/driver", name);
		if (read_text(p, drv, sizeof(drv)))
			continue;
		if (!strcmp(drv, "mapdev_buf")) {
			kind = !strcmp(name, "buf-control") ? DK_CTL :
			       !strncmp(name, "fp", 2) ? DK_PBUF : DK_BUF;
		} else if (!strcmp(drv, "mapdev_phys")) {
			kind = DK_PHYS;
		} else if (!strcmp(drv, "mapdev_pci") && !strncmp(name, "pci-", 4)) {
			kind = DK_PCI;
			for (int b = 0; b < NBDF; b++)
				if (!strcmp(name + 4, bdfs[b]))
					pci = b;
			if (pci < 0)
				continue;
		} else if (!strcmp(drv, "mapdev_pci")) {
			kind = DK_QBUF;
			snprintf(p, sizeof(p), "/sys/class/mapdev/%.40s/device", name);
			n = readlink(p, link, sizeof(link) - 1);
			if (n <= 0)
				continue;
			link[n] = '\0';
			for (int i = 0; i < MAX_DEVS; i++)
				if (M.devs[i].used && M.devs[i].alive &&
				    M.devs[i].kind == DK_PCI &&
				    strstr(link, bdfs[M.devs[i].pci]))
					pci = i;
			if (pci < 0)
				continue;
		} else {
			continue;
		}
		di = dev_learn(kind, name, pci);
		if (di >= 0 && kind == DK_PCI)
			M.devs[di].edu = pci < 2;
		if (di >= 0 && dev_buffer(&M.devs[di]))
			M.devs[di].memtype = M.devs[di].reg[0].cache;
	}
	closedir(dir);
}

/* PCI: finds what is bound now. */
static void resync_pci(void)
{
	for (int b = 0; b < NBDF; b++) {
		char name[40], p[128];
		int di = -1;
		ino_t ino;

		snprintf(name, sizeof(name), "pci-%s", bdfs[b]);
		snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s", bdfs[b]);
		M.pci_present[b] = access(p, F_OK) == 0;
		for (int i = 0; i < MAX_DEVS; i++)
			if (M.devs[i].used && M.devs[i].alive &&
			    M.devs[i].kind == DK_PCI && M.devs[i].pci == b)
				di = i;
		ino = node_ino(name);
		if (di >= 0 && ino == M.devs[di].ino)
			continue;
		if (di >= 0) {
			if (strict)
				problem("pci-%s went away (or changed) unseen", bdfs[b]);
			kill_pci(di, "resync");
		}
		if (ino) {
			di = dev_learn(DK_PCI, name, b);
			if (di >= 0) {
				M.devs[di].pci = b;
				M.devs[di].edu = b < 2;
			}
		}
	}
}

/* A buffer we expect now exists: learn it. */
static int learn_buffer(int kind, const char *name, int pci, uint64_t size,
			uint32_t backend, uint32_t cache)
{
	int di = dev_learn(kind, name, pci);

	if (di < 0)
		return di;
	if (strict && (M.devs[di].nreg != 1 || M.devs[di].reg[0].size != ((size + PG - 1) & ~(PG - 1)) ||
	    M.devs[di].reg[0].backend != backend || M.devs[di].reg[0].cache != cache))
		problem("buffer %s: regions %d, size %" PRIu64 " backend %u cache %u; made with size %" PRIu64 " backend %u cache %u",
			name, M.devs[di].nreg, M.devs[di].reg[0].size,
			M.devs[di].reg[0].backend, M.devs[di].reg[0].cache,
			size, backend, cache);
	M.devs[di].memtype = cache;
	return di;
}

/* -- the arena and /proc/self/maps ------------------------------------------ */

static char *read_maps(size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *b = malloc(cap);
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	ssize_t r;

	if (!b || fd < 0)
		die("/proc/self/maps: %s", strerror(errno));
	for (;;) {
		if (cap - n < 4096) {
			cap *= 2;
			b = realloc(b, cap);
			if (!b)
				die("out of memory");
		}
		r = read(fd, b + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += r;
	}
	close(fd);
	b[n] = '\0';
	*len = n;
	return b;
}

/* Rebuilds M.runs from /proc/self/maps (M.lk held). */
static void rebuild_runs(void)
{
	size_t len;
	char *maps = read_maps(&len), *line, *save = NULL;

	M.nruns = 0;
	for (line = strtok_r(maps, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned long a, z, off, ino;
		char perm[8], devs[16];
		struct run *r;

		if (sscanf(line, "%lx-%lx %7s %lx %15s %lu", &a, &z, perm, &off,
			   devs, &ino) != 6)
			continue;
		if (z <= ARENA_BASE || a >= ARENA_BASE + ARENA_SIZE)
			continue;
		if (a < ARENA_BASE || z > ARENA_BASE + ARENA_SIZE) {
			problem("a mapping %lx-%lx crosses the arena's edge", a, z);
			continue;
		}
		if (M.nruns >= MAX_RUNS)
			break;
		r = &M.runs[M.nruns++];
		r->start = (a - ARENA_BASE) / PG;
		r->n = (z - a) / PG;
		r->r = perm[0] == 'r';
		r->w = perm[1] == 'w';
		r->x = perm[2] == 'x';
		r->shared = perm[3] == 's';
		r->pgoff = off / PG;
		r->dev = -1;
		if (!ino) {
			r->kind = 1;
		} else {
			r->dev = dev_by_ino(ino);
			r->kind = r->dev >= 0 ? 2 : 3;
		}
	}
	free(maps);
}

static struct run *run_at(uint64_t page)
{
	int lo = 0, hi = M.nruns - 1;

	while (lo <= hi) {
		int mid = (lo + hi) / 2;
		struct run *r = &M.runs[mid];

		if (page < r->start)
			hi = mid - 1;
		else if (page >= r->start + r->n)
			lo = mid + 1;
		else
			return r;
	}
	return NULL;
}

static void *arena_addr(uint64_t page)
{
	return (void *)(ARENA_BASE + page * PG);
}

/* Checks that can be made of the layout any time. */
static void check_runs(const char *after)
{
	for (int i = 0; i < M.nruns; i++) {
		struct run *r = &M.runs[i];

		if (r->kind == 3)
			problem("after %s: arena pages %u+%u map a file we did not map",
				after, r->start, r->n);
		if (r->kind != 2)
			continue;
		if (r->x)
			problem("after %s: device %s mapped executable at arena page %u",
				after, M.devs[r->dev].name, r->start);
		if (!r->shared)
			problem("after %s: device %s mapped private at arena page %u",
				after, M.devs[r->dev].name, r->start);
		if (r->w) {
			for (uint32_t p = r->start; p < r->start + r->n; p++)
				if (M.ro[p]) {
					problem("after %s: a mapping of %s made through an O_RDONLY fd is writable (arena page %u)",
						after, M.devs[r->dev].name, p);
					break;
				}
		}
	}
}

/* A page to use: mostly inside something mapped. */
static uint64_t pick_page(struct rng *r, int edu_zone_only)
{
	uint64_t lim = edu_zone_only ? EDU_PAGES : ARENA_PAGES;

	if (M.nruns && chance(r, 85)) {
		for (int tries = 0; tries < 8; tries++) {
			struct run *ru = &M.runs[below(r, M.nruns)];
			uint64_t p = ru->start + below(r, ru->n);

			if (p < lim)
				return p;
		}
	}
	return below(r, lim);
}

/* -- touching memory ------------------------------------------------------- */

static long touches[3];		/* OK, SIGSEGV, SIGBUS */
static __thread sigjmp_buf touch_jmp;
static __thread volatile int in_touch;

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	if (in_touch) {
		in_touch = 0;
		siglongjmp(touch_jmp, sig);
	}
	/* A fault of the fuzzer itself: die of it. */
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Returns 0, SIGSEGV or SIGBUS. */
static int touch(volatile void *p, int wr, int width, uint64_t val,
		 uint64_t *out)
{
	int sig;

	if ((sig = sigsetjmp(touch_jmp, 1)) != 0)
		return sig;
	in_touch = 1;
	switch (width) {
	case 1:
		if (wr)
			*(volatile uint8_t *)p = val;
		else
			*out = *(volatile uint8_t *)p;
		break;
	case 2:
		if (wr)
			*(volatile uint16_t *)p = val;
		else
			*out = *(volatile uint16_t *)p;
		break;
	case 4:
		if (wr)
			*(volatile uint32_t *)p = val;
		else
			*out = *(volatile uint32_t *)p;
		break;
	default:
		if (wr)
			*(volatile uint64_t *)p = val;
		else
			*out = *(volatile uint64_t *)p;
		break;
	}
	__sync_synchronize();
	in_touch = 0;
	return 0;
}

static const char *sig_str(int sig)
{
	return sig == SIGBUS ? "SIGBUS" : sig == SIGSEGV ? "SIGSEGV" : sig ? "SIG?" : "OK";
}

/*
 * What a touch of arena page @p should do (M.lk held): 0, SIGSEGV, SIGBUS.
 */
static int expect_touch(uint64_t p, int wr)
{
	struct run *r = run_at(p);

	if (!r)
		return SIGSEGV;
	if (wr ? !r->w : !(r->r || r->w || r->x))
		return SIGSEGV;
	if (r->kind == 2 && !M.devs[r->dev].alive)
		return SIGBUS;
	return 0;
}

/* edu's registers that start DMA or raise interrupts: never written. */
static int edu_danger(uint64_t off_in_page, uint64_t len)
{
	static const uint64_t zone[][2] = {
		{ 0x20, 0x24 }, { 0x60, 0x64 }, { 0x80, 0xa0 },
	};

	for (unsigned int i = 0; i < 3; i++)
		if (off_in_page < zone[i][1] && off_in_page + len > zone[i][0])
			return 1;
	return 0;
}

/* A range of user memory the kernel may write: never the edu zone. */
static int kernel_may_write(uint64_t addr, uint64_t len)
{
	return addr + len <= ARENA_BASE || addr >= ARENA_BASE + EDU_PAGES * PG;
}

/* -- fd slots ----------------------------------------------------------------- */

static int slot_pick(struct rng *r, int want_dev_kind)
{
	int cand[MAX_SLOTS], n = 0;

	for (int s = 0; s < MAX_SLOTS; s++)
		if (M.slots[s].fd >= 0 &&
		    (want_dev_kind < 0 || M.devs[M.slots[s].dev].kind == want_dev_kind))
			cand[n++] = s;
	return n ? cand[below(r, n)] : -1;
}

static int slot_free(void)
{
	for (int s = 0; s < MAX_SLOTS; s++)
		if (M.slots[s].fd == -1)
			return s;
	return -1;
}

/* -- thread-local scratch ----------------------------------------------------- */

static __thread uint8_t *data;	/* DATA_SIZE bytes */
static __thread uint8_t *argpage;	/* two pages; the second is PROT_NONE */

/* -- the operations ----------------------------------------------------------- */

struct op {
	const char *name;
	int weight;
	void (*fn)(struct rng *r);
	int strict_only;
	int enabled;
};

#define LOCK() pthread_mutex_lock(&M.lk)
#define UNLOCK() pthread_mutex_unlock(&M.lk)

/*
 * Compares a result with the expectation (strict mode) and with the set of
 * results the call may have at all (always).  @expect: a count >= 0, or
 * -errno, or EXP_ANY to skip the exact check.  @allowed: errnos the call
 * may fail with, 0-terminated.
 */
#define EXP_ANY LONG_MIN
static void judge(const char *what, long got, long expect, const int *allowed)
{
	char g[32], x[32];

	if (strict && expect != EXP_ANY && got != expect) {
		problem("returned %s, expected %s", res_str(got, g, sizeof(g)),
			res_str(expect, x, sizeof(x)));
		return;
	}
	if (got < 0 && allowed) {
		for (const int *a = allowed; *a; a++)
			if (-got == *a)
				return;
		problem("failed with %s, which it may not", errname((int)-got));
	}
}

static long sysret(long r)
{
	return r < 0 ? -errno : r;
}

/* open ------------------------------------------------------------------------ */

static void op_open(struct rng *r)
{
	static const int modes[] = { O_RDONLY, O_RDWR, O_RDWR, O_RDWR, O_WRONLY };
	static const int allowed[] = { ENOENT, ENODEV, ENXIO, EMFILE, 0 };
	int oflags = modes[below(r, 5)], di = -1, s, fd;
	char name[40], path[80];
	long expect = EXP_ANY, got;

	if (chance(r, 15))
		oflags |= O_SYNC;
	if (chance(r, 25))
		oflags |= O_NONBLOCK;
	LOCK();
	s = slot_free();
	if (s < 0) {
		UNLOCK();
		return;
	}
	{
		int cand[MAX_DEVS], n = 0;

		for (int i = 0; i < MAX_DEVS; i++)
			if (M.devs[i].used && (M.devs[i].alive || chance(r, 5)))
				cand[n++] = i;
		if (n && chance(r, 97))
			di = cand[below(r, n)];
	}
	if (di >= 0) {
		snprintf(name, sizeof(name), "%s", M.devs[di].name);
		/* The node: that device if alive; else maybe none. */
		if (M.devs[di].alive)
			expect = 0;
		else if (dev_find_alive(name) < 0)
			expect = -ENOENT;
	} else {
		snprintf(name, sizeof(name), "nosuch%d", (int)below(r, 4));
		expect = -ENOENT;
	}
	M.slots[s].fd = -2;	/* reserved */
	UNLOCK();

	dev_path(name, path, sizeof(path));
	fd = open(path, oflags | O_CLOEXEC);
	got = fd < 0 ? -errno : 0;
	snprintf(cur_desc, sizeof(cur_desc), "open %s flags %#x", name, oflags);
	trace("open %s %#x -> %s", name, oflags, got ? errname(-got) : "OK");
	judge(cur_desc, got, expect, allowed);

	LOCK();
	/*
	 * The slot stays reserved (-2) until it gets the file: resync_all()
	 * below may let other threads run, and one could take a free slot.
	 */
	if (fd < 0)
		M.slots[s].fd = -1;
	if (fd >= 0) {
		struct stat st;
		int which = -1;

		if (!fstat(fd, &st))
			which = dev_by_ino(st.st_ino);
		if (!strict && (which < 0 || !M.devs[which].alive)) {
			resync_all();
			which = dev_by_ino(st.st_ino);
		}
		if (which < 0 || !M.devs[which].alive) {
			/* A device we did not know of: learn it. */
			if (strict)
				problem("opened %s: a device the model does not know", name);
			close(fd);
			M.slots[s].fd = -1;
		} else {
			M.slots[s].fd = fd;
			M.slots[s].dev = which;
			M.slots[s].oflags = oflags;
			M.slots[s].fid = ++M.next_fid;
		}
	}
	UNLOCK();
}

static void op_close(struct rng *r)
{
	int s, fd;

	LOCK();
	s = slot_pick(r, -1);
	UNLOCK();
	if (s < 0)
		return;
	pthread_rwlock_wrlock(&M.slots[s].lk);
	LOCK();
	/*
	 * Threaded, the slot may have been closed since it was picked and
	 * now be reserved (-2) by an open under way: that one is not ours to
	 * clear (clearing it let a second open take the slot too, and the
	 * first one's file was lost, open to the end).
	 */
	fd = M.slots[s].fd;
	if (fd >= 0)
		M.slots[s].fd = -1;
	UNLOCK();
	if (fd >= 0) {
		long got = sysret(close(fd));

		snprintf(cur_desc, sizeof(cur_desc), "close slot %d", s);
		trace("close %d -> %ld", s, got);
		judge(cur_desc, got, 0, NULL);
	}
	pthread_rwlock_unlock(&M.slots[s].lk);
}

/*
 * Takes a slot for use: its fd, or -1 when it was closed or now holds
 * another device (threads) since the call was planned.
 */
static int slot_use(int s, int dev)
{
	int fd;

	if (s < 0)
		return -1;
	pthread_rwlock_rdlock(&M.slots[s].lk);
	LOCK();
	fd = M.slots[s].fd;
	if (dev >= 0 && M.slots[s].dev != dev)
		fd = -1;
	UNLOCK();
	if (fd < 0)
		pthread_rwlock_unlock(&M.slots[s].lk);
	return fd;
}

static void slot_done(int s)
{
	pthread_rwlock_unlock(&M.slots[s].lk);
}

/* mmap ------------------------------------------------------------------------ */

/* Which cache mode a new mapping of region @ri gets (kernel's rule). */
static uint32_t map_cache(const struct dev *d, int ri, int oflags)
{
	if (dev_buffer(d) && (oflags & O_SYNC))
		return MAPDEV_CACHE_UNCACHED;
	return d->reg[ri].cache;
}

/*
 * Whether region @ri of device @di is mapped outside arena pages
 * [@lo, @hi): a MAP_FIXED mapping there replaces what it covers, and the
 * kernel closes those VMAs before the driver's ->mmap runs.
 */
static int region_mapped_except(int di, int ri, uint64_t lo, uint64_t hi)
{
	for (int i = 0; i < M.nruns; i++) {
		struct run *ru = &M.runs[i];

		if (ru->kind == 2 && ru->dev == di && (int)(ru->pgoff >> 28) == ri &&
		    (ru->start < lo || ru->start + ru->n > hi))
			return 1;
	}
	return 0;
}

static int region_mapped(int di, int ri)
{
	return region_mapped_except(di, ri, 0, 0);
}

/*
 * The expected result of mmap(len, prot, flags, off) of a device: the
 * kernel's checks (do_mmap()), then mapdev_mmap()'s, in their order.
 * @conflict: MAP_FIXED_NOREPLACE and something is mapped there.
 */
static long predict_mmap(const struct dev *d, int oflags, uint64_t len,
			 int prot, int flags, uint64_t off, int conflict)
{
	int acc = oflags & O_ACCMODE, type = flags & MAP_TYPE;
	uint64_t pgoff = off / PG, npages, idx, first;
	const struct reg *rg;

	if (off % PG)
		return -EINVAL;
	if (!len)
		return -EINVAL;
	if (len > ~0ULL - PG + 1)
		return -ENOMEM;
	npages = (len + PG - 1) / PG;
	if (pgoff + npages < pgoff)
		return -EOVERFLOW;
	if (len > (1ULL << 47) - PG)
		return -ENOMEM;
	if (conflict)
		return -EEXIST;
	/* file_mmap_ok(): offset + length must not pass 2^64 bytes. */
	if (pgoff > (~0ULL - npages * PG) >> 12)
		return -EOVERFLOW;
	if (type == MAP_SHARED_VALIDATE && (flags & (MAP_SYNC | MAP_FIXED_NOREPLACE)))
		return -EOPNOTSUPP;
	if (type != MAP_PRIVATE && (prot & PROT_WRITE) && acc == O_RDONLY)
		return -EACCES;
	if (acc == O_WRONLY)
		return -EACCES;
	if ((prot & PROT_EXEC) && dev_noexec)
		return -EPERM;
	/* mmap_region(): a private writable mapping is charged (overcommit). */
	if (type == MAP_PRIVATE && (prot & PROT_WRITE) && !(flags & MAP_NORESERVE) &&
	    len > (2ULL << 30))
		return -ENOMEM;
	/* mapdev_mmap() */
	if (type == MAP_PRIVATE)
		return -EINVAL;
	if (prot & PROT_EXEC)
		return -EPERM;
	idx = pgoff >> 28;
	if (idx >= (uint64_t)d->nreg)
		return -EINVAL;
	rg = &d->reg[idx];
	if (!(rg->flags & MAPDEV_REGION_F_MMAP))
		return -EINVAL;
	if ((prot & PROT_WRITE) && !(rg->flags & MAPDEV_REGION_F_WRITE))
		return -EACCES;
	first = pgoff & ((1ULL << 28) - 1);
	if (first >= rg->size / PG || npages > rg->size / PG - first)
		return -EINVAL;
	if (!d->alive)
		return -ENODEV;
	return 0;
}

static uint64_t pick_len_pages(struct rng *r, uint64_t room)
{
	if (!room)
		return 1 + below(r, 4);
	if (chance(r, 15))
		return room;
	if (chance(r, 10))
		return room + 1 + below(r, 8);
	return 1 + below(r, room < 16 ? room : 16);
}

static void op_mmap(struct rng *r)
{
	static const int allowed[] = {
		EINVAL, EPERM, EACCES, EOVERFLOW, ENOMEM, EBUSY, ENODEV, EBADF,
		EEXIST, EOPNOTSUPP, EAGAIN, 0,
	};
	int s, fd, di, oflags, prot, flags, edu, placement, ri;
	uint32_t fid;
	uint64_t off, len, room = 0, page = 0, npages;
	void *hint = NULL, *p;
	long expect = EXP_ANY, got;
	const char *pl;
	struct dev d;

	LOCK();
	s = slot_pick(r, -1);
	if (s < 0) {
		UNLOCK();
		return;
	}
	di = M.slots[s].dev;
	d = M.devs[di];
	oflags = M.slots[s].oflags;
	fid = M.slots[s].fid;
	edu = d.kind == DK_PCI && d.edu;
	/* A region: mostly one that can be mapped. */
	{
		int cand[MAPDEV_MAX_REGIONS], n = 0;

		for (int i = 0; i < d.nreg; i++)
			if (d.reg[i].flags & MAPDEV_REGION_F_MMAP)
				cand[n++] = i;
		ri = n && chance(r, 90) ? cand[below(r, n)] : (int)below(r, 10);
	}
	if (ri < d.nreg)
		room = d.reg[ri].size / PG;
	/* The offset. */
	if (chance(r, 85)) {
		uint64_t first = room ? below(r, room) : 0;

		if (chance(r, 50))
			first = 0;
		off = MAPDEV_REGION_OFFSET(ri) + first * PG;
		room = room > first ? room - first : 0;
	} else {
		switch (below(r, 5)) {
		case 0: off = MAPDEV_REGION_OFFSET(ri) + room * PG; break;
		case 1: off = MAPDEV_REGION_OFFSET(ri) + 1 + below(r, PG - 1); break;
		case 2: off = ~0ULL & ~(PG - 1); break;
		case 3: off = MAPDEV_REGION_OFFSET(ri + 1) - PG; break;
		default: off = odd_u64(r) & ~(PG - 1); break;
		}
		room = 0;
	}
	npages = pick_len_pages(r, room);
	len = npages * PG;
	if (chance(r, 3))
		len = 0;
	else if (chance(r, 3))
		len = chance(r, 50) ? 1ULL << 40 : ~0ULL & ~(PG - 1);
	else if (chance(r, 5))
		len -= below(r, PG);		/* not a whole page */
	switch (below(r, 20)) {
	case 0: prot = PROT_WRITE; break;
	case 1: prot = PROT_NONE; break;
	case 2: prot = PROT_READ | PROT_EXEC; break;
	case 3: prot = PROT_READ | PROT_WRITE | PROT_EXEC; break;
	default: prot = chance(r, 50) ? PROT_READ : PROT_READ | PROT_WRITE; break;
	}
	flags = MAP_SHARED;
	if (chance(r, 8))
		flags = MAP_PRIVATE;
	else if (chance(r, 6))
		flags = MAP_SHARED_VALIDATE | (chance(r, 30) ? MAP_SYNC : 0);
	if (chance(r, 5))
		flags |= MAP_POPULATE;
	if (chance(r, 3))
		flags |= MAP_LOCKED;
	if (chance(r, 3))
		flags |= MAP_NORESERVE;
	/* Where: MAP_FIXED in the arena, or a hint; huge lengths only hinted. */
	placement = len > ARENA_SIZE / 2 || !len ? 2 : (int)below(r, 10);
	if (placement < 7) {
		flags |= MAP_FIXED;
		pl = "fixed";
	} else if (placement < 8) {
		flags |= MAP_FIXED_NOREPLACE;
		pl = "noreplace";
	} else {
		pl = "hint";
	}
	if (len && len <= ARENA_SIZE / 2) {
		uint64_t lim = edu ? EDU_PAGES : (chance(r, 15) ? EDU_PAGES : ARENA_PAGES);
		uint64_t np = (len + PG - 1) / PG;

		if (np > lim)
			np = lim;
		page = pick_page(r, lim == EDU_PAGES);
		if (page + np > lim)
			page = lim - np;
		hint = arena_addr(page);
	} else {
		flags &= ~(MAP_FIXED | MAP_FIXED_NOREPLACE);
		hint = edu ? arena_addr(0) : NULL;
		pl = "hint";
	}
	if (strict) {
		int conflict = 0;

		if (flags & MAP_FIXED_NOREPLACE) {
			uint64_t np = (len + PG - 1) / PG, q;

			for (q = page; q < page + np; q++)
				if (run_at(q)) {
					conflict = 1;
					break;
				}
		}
		expect = predict_mmap(&d, oflags, len, prot, flags, off, conflict);
		if (expect == 0 && dev_buffer(&d)) {
			uint32_t c = map_cache(&d, ri, oflags);
			uint64_t np = (len + PG - 1) / PG;

			if (d.memtype != c &&
			    ((flags & MAP_FIXED) ? region_mapped_except(di, ri, page, page + np) :
			     region_mapped(di, ri)))
				expect = -EBUSY;
		}
	}
	UNLOCK();

	fd = slot_use(s, di);
	if (fd < 0)
		return;
	snprintf(cur_desc, sizeof(cur_desc),
		 "mmap %s (%s) slot %d flags %#x: len %#" PRIx64 " prot %d flags %#x off %#" PRIx64 " %s page %" PRIu64,
		 d.name, dkind_names[d.kind], s, oflags, len, prot, flags, off, pl, page);
	/* Layout changes and the model's record of them go together. */
	LOCK();
	p = mmap(hint, len, prot, flags, fd, (off_t)off);
	got = p == MAP_FAILED ? -errno : 0;
	slot_done(s);
	trace("mmap %s s%d len %#" PRIx64 " prot %d fl %#x off %#" PRIx64 " %s %" PRIu64 " -> %s",
	      d.name, s, len, prot, flags, off, pl, page, got ? errname(-got) : "OK");
	judge(cur_desc, got, expect, allowed);
	if (p != MAP_FAILED) {
		uint64_t a = (uint64_t)p, np = (len + PG - 1) / PG;

		if (a < ARENA_BASE || a + np * PG > ARENA_BASE + ARENA_SIZE ||
		    (edu && a + np * PG > ARENA_BASE + EDU_PAGES * PG)) {
			/* Placed elsewhere: gone at once. */
			munmap(p, len);
			if (strict && (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)))
				problem("a fixed mapping landed at %p", p);
		} else {
			memset(&M.ro[(a - ARENA_BASE) / PG], (oflags & O_ACCMODE) == O_RDONLY, np);
			for (uint64_t q = 0; q < np; q++)
				M.fid[(a - ARENA_BASE) / PG + q] = fid;
			if (dev_buffer(&M.devs[di]))
				M.devs[di].memtype = map_cache(&M.devs[di], ri, oflags);
		}
	}
	rebuild_runs();
	check_runs("mmap");
	if (strict && p != MAP_FAILED && (uint64_t)p >= ARENA_BASE &&
	    (uint64_t)p < ARENA_BASE + ARENA_SIZE) {
		struct run *ru = run_at(((uint64_t)p - ARENA_BASE) / PG);

		if (!ru || ru->kind != 2 || ru->dev != di || ru->pgoff != off / PG)
			problem("the new mapping is not in /proc/self/maps as made");
	}
	UNLOCK();
}

/* An anonymous mapping into the arena, for overlays. */
static void op_mmap_anon(struct rng *r)
{
	uint64_t page, np;
	int prot = chance(r, 70) ? PROT_READ | PROT_WRITE : PROT_NONE;
	void *p;

	LOCK();
	np = 1 + below(r, 32);
	page = pick_page(r, 0);
	if (page + np > ARENA_PAGES)
		page = ARENA_PAGES - np;
	p = mmap(arena_addr(page), np * PG, prot,
		 MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	snprintf(cur_desc, sizeof(cur_desc), "mmap anon page %" PRIu64 " +%" PRIu64, page, np);
	trace("mmap-anon %" PRIu64 " +%" PRIu64 " prot %d -> %s", page, np, prot,
	      p == MAP_FAILED ? errname(errno) : "OK");
	judge(cur_desc, p == MAP_FAILED ? -errno : 0, 0, NULL);
	memset(&M.ro[page], 0, np);
	rebuild_runs();
	UNLOCK();
}

/* A range of the arena: mostly around what is mapped. */
static void pick_range(struct rng *r, uint64_t *page, uint64_t *np)
{
	*page = pick_page(r, 0);
	if (chance(r, 5)) {
		*page = 0;
		*np = ARENA_PAGES;
		return;
	}
	*np = 1 + below(r, chance(r, 20) ? 512 : 8);
	if (*page + *np > ARENA_PAGES)
		*np = ARENA_PAGES - *page;
}

static void op_munmap(struct rng *r)
{
	static const int allowed[] = { EINVAL, 0 };
	uint64_t page, np;
	long got, expect = 0;
	uint64_t a;
	size_t len;

	LOCK();
	pick_range(r, &page, &np);
	UNLOCK();
	a = (uint64_t)arena_addr(page);
	len = np * PG;
	if (chance(r, 3)) {
		a += 1 + below(r, PG - 1);
		expect = -EINVAL;
	} else if (chance(r, 3)) {
		len = 0;
		expect = -EINVAL;
	}
	snprintf(cur_desc, sizeof(cur_desc), "munmap page %" PRIu64 " +%" PRIu64, page, np);
	LOCK();
	got = sysret(munmap((void *)a, len));
	trace("munmap %" PRIu64 " +%" PRIu64 " %s -> %s", page, np,
	      expect ? "bad" : "", got ? errname(-got) : "OK");
	judge(cur_desc, got, expect, allowed);
	rebuild_runs();
	UNLOCK();
}

static void op_mremap(struct rng *r)
{
	static const int allowed[] = { EINVAL, EFAULT, ENOMEM, EAGAIN, 0 };
	uint64_t page, np, newnp, dst = 0;
	int flags = 0, variant, edu_src;
	void *p;
	long got;

	LOCK();
	page = pick_page(r, 0);
	edu_src = page < EDU_PAGES;
	{
		struct run *ru = run_at(page);

		np = ru && chance(r, 70) ? ru->start + ru->n - page : 1 + below(r, 8);
	}
	if (page + np > ARENA_PAGES)
		np = ARENA_PAGES - page;
	variant = below(r, 6);
	newnp = np;
	switch (variant) {
	case 0:					/* shrink in place */
		newnp = np > 1 ? 1 + below(r, np - 1) : 1;
		break;
	case 1:					/* grow in place */
		newnp = np + 1 + below(r, 4);
		break;
	case 2:					/* grow, may move */
		newnp = np + 1 + below(r, 4);
		flags = MREMAP_MAYMOVE;
		break;
	case 3:					/* move */
	case 4:
		flags = MREMAP_MAYMOVE | MREMAP_FIXED;
		if (chance(r, 20))
			flags |= MREMAP_DONTUNMAP;
		if (chance(r, 30))
			newnp = np > 1 ? 1 + below(r, np - 1) : 1;
		break;
	default:				/* duplicate: old_len 0 */
		flags = MREMAP_MAYMOVE | MREMAP_FIXED;
		break;
	}
	if (flags & MREMAP_FIXED) {
		uint64_t lim = edu_src ? EDU_PAGES : ARENA_PAGES;

		if (newnp > lim / 2)
			newnp = lim / 2;
		dst = below(r, lim - newnp);
	}
	snprintf(cur_desc, sizeof(cur_desc), "mremap page %" PRIu64 " +%" PRIu64 " -> +%" PRIu64 " flags %#x dst %" PRIu64,
		 page, np, newnp, flags, dst);
	p = mremap(arena_addr(page), variant == 5 ? 0 : np * PG, newnp * PG,
		   flags, arena_addr(dst));
	got = p == MAP_FAILED ? -errno : 0;
	trace("mremap %" PRIu64 " +%" PRIu64 " +%" PRIu64 " %#x %" PRIu64 " -> %s",
	      page, np, newnp, flags, dst, got ? errname(-got) : "OK");
	judge(cur_desc, got, EXP_ANY, allowed);
	if (p != MAP_FAILED) {
		uint64_t a = (uint64_t)p;

		if (a < ARENA_BASE || a + newnp * PG > ARENA_BASE + ARENA_SIZE ||
		    (edu_src && a + newnp * PG > ARENA_BASE + EDU_PAGES * PG)) {
			munmap(p, newnp * PG);
		} else if (a != (uint64_t)arena_addr(page)) {
			uint64_t q = (a - ARENA_BASE) / PG;

			memmove(&M.ro[q], &M.ro[page], newnp <= np ? newnp : np);
			memmove(&M.fid[q], &M.fid[page], (newnp <= np ? newnp : np) * sizeof(M.fid[0]));
		}
	}
	rebuild_runs();
	check_runs("mremap");
	UNLOCK();
}

static void op_mprotect(struct rng *r)
{
	static const int allowed[] = { EINVAL, EACCES, ENOMEM, 0 };
	static const int prots[] = {
		PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE, PROT_WRITE,
		PROT_READ | PROT_EXEC, PROT_READ | PROT_WRITE | PROT_EXEC,
		PROT_READ | PROT_GROWSDOWN, PROT_READ | 0x40,
	};
	uint64_t page, np;
	int prot = prots[below(r, 8)];
	long got, expect = EXP_ANY;

	LOCK();
	pick_range(r, &page, &np);
	if (np > 64)
		np = 64;
	if (strict) {
		/* Inside one run: what mprotect_fixup's checks say. */
		struct run *ru = run_at(page);

		if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_GROWSDOWN))
			expect = -EINVAL;
		else if (prot & PROT_GROWSDOWN)
			expect = EXP_ANY;
		else if (!ru)
			expect = -ENOMEM;
		else if (page + np <= ru->start + ru->n) {
			if (ru->kind == 1)
				expect = 0;
			else if (prot & PROT_EXEC)
				expect = -EACCES;
			else if ((prot & PROT_WRITE) && M.ro[page])
				expect = -EACCES;
			else
				expect = 0;
		}
	}
	snprintf(cur_desc, sizeof(cur_desc), "mprotect page %" PRIu64 " +%" PRIu64 " prot %#x",
		 page, np, prot);
	got = sysret(mprotect(arena_addr(page), np * PG, prot));
	trace("mprotect %" PRIu64 " +%" PRIu64 " %#x -> %s", page, np, prot,
	      got ? errname(-got) : "OK");
	judge(cur_desc, got, expect, allowed);
	rebuild_runs();
	check_runs("mprotect");
	UNLOCK();
}

static void op_madvise(struct rng *r)
{
	static const int allowed[] = {
		EINVAL, ENOMEM, EFAULT, EAGAIN, EIO, EPERM, EBUSY, EOPNOTSUPP,
		ENODEV, EACCES, 0,
	};
	static const struct { int adv; const char *name; } advs[] = {
		{ MADV_NORMAL, "normal" }, { MADV_RANDOM, "random" },
		{ MADV_SEQUENTIAL, "sequential" }, { MADV_WILLNEED, "willneed" },
		{ MADV_DONTNEED, "dontneed" }, { MADV_FREE, "free" },
		{ MADV_REMOVE, "remove" }, { MADV_DONTFORK, "dontfork" },
		{ MADV_DOFORK, "dofork" }, { MADV_MERGEABLE, "mergeable" },
		{ MADV_UNMERGEABLE, "unmergeable" }, { MADV_HUGEPAGE, "hugepage" },
		{ MADV_NOHUGEPAGE, "nohugepage" }, { MADV_DONTDUMP, "dontdump" },
		{ MADV_DODUMP, "dodump" }, { MADV_WIPEONFORK, "wipeonfork" },
		{ MADV_KEEPONFORK, "keeponfork" }, { MADV_COLD, "cold" },
		{ MADV_PAGEOUT, "pageout" }, { MADV_POPULATE_READ, "populate_read" },
		{ MADV_POPULATE_WRITE, "populate_write" }, { 12345, "bogus" },
	};
	int k = below(r, sizeof(advs) / sizeof(advs[0]));
	uint64_t page, np;
	long got;

	LOCK();
	pick_range(r, &page, &np);
	if (np > 256)
		np = 256;
	/* POPULATE_WRITE writes: not into edu's registers. */
	if (advs[k].adv == MADV_POPULATE_WRITE && page < EDU_PAGES)
		k = 0;
	snprintf(cur_desc, sizeof(cur_desc), "madvise page %" PRIu64 " +%" PRIu64 " %s",
		 page, np, advs[k].name);
	got = sysret(madvise(arena_addr(page), np * PG, advs[k].adv));
	trace("madvise %" PRIu64 " +%" PRIu64 " %s -> %s", page, np, advs[k].name,
	      got ? errname(-got) : "OK");
	judge(cur_desc, got, EXP_ANY, allowed);
	rebuild_runs();
	UNLOCK();
}

/* touching ---------------------------------------------------------------- */

static void one_touch(struct rng *r, int judge_it)
{
	static const int widths[] = { 1, 2, 4, 8 };
	uint64_t page, off, val = rnd(r), got_v = 0;
	int wr = chance(r, 40), width = widths[below(r, 4)], expect, sig;

	LOCK();
	page = pick_page(r, 0);
	off = below(r, PG) & ~(uint64_t)(width - 1);
	if (page < EDU_PAGES) {
		/* Maybe edu's registers: aligned 32-bit, never the DMA ones. */
		width = 4;
		off &= ~3ULL;
		if (wr && edu_danger(off, 4))
			off = 4;
	}
	expect = expect_touch(page, wr);
	/*
	 * Threaded, the touch is made with the model locked, so no other
	 * thread changes what is mapped there meanwhile: a mapping the model
	 * has seen revoked (revocations are recorded after they returned) must
	 * then give SIGBUS whatever the others do, which is checked always.
	 */
	if (strict)
		UNLOCK();
	sig = touch((volatile uint8_t *)arena_addr(page) + off, wr, width, val, &got_v);
	if (!strict)
		UNLOCK();
	__atomic_add_fetch(&touches[sig == SIGBUS ? 2 : sig ? 1 : 0], 1, __ATOMIC_RELAXED);
	snprintf(cur_desc, sizeof(cur_desc), "%s %d bytes at arena page %" PRIu64 " + %#" PRIx64,
		 wr ? "write" : "read", width, page, off);
	trace("touch %s %d %" PRIu64 "+%#" PRIx64 " -> %s", wr ? "w" : "r", width,
	      page, off, sig_str(sig));
	if (judge_it && sig != expect && (strict || (expect == SIGBUS && !sig))) {
		struct run *ru;
		char what[160] = "nothing mapped";

		LOCK();
		ru = run_at(page);
		if (ru && ru->kind == 2)
			snprintf(what, sizeof(what), "%s %s (%s), region page %llu, perms %c%c",
				 dkind_names[M.devs[ru->dev].kind], M.devs[ru->dev].name,
				 M.devs[ru->dev].alive ? "alive" : "revoked",
				 (unsigned long long)((ru->pgoff & ((1ULL << 28) - 1)) + page - ru->start),
				 ru->r ? 'r' : '-', ru->w ? 'w' : '-');
		else if (ru)
			snprintf(what, sizeof(what), "anonymous, perms %c%c",
				 ru->r ? 'r' : '-', ru->w ? 'w' : '-');
		UNLOCK();
		if (expect == SIGBUS && !sig)
			problem("a revoked mapping still works: %s", what);
		else
			problem("got %s, expected %s (%s)", sig_str(sig), sig_str(expect), what);
	}
}

static void op_touch(struct rng *r)
{
	int n = 1 + below(r, 8);

	for (int i = 0; i < n; i++)
		one_touch(r, 1);
}

/* read/write ---------------------------------------------------------------- */

/* A user buffer for read/write: heap, arena, or bad. */
struct ubuf {
	void *p;
	int kind;		/* 0 heap (valid), 1 arena, 2 bad */
};

static struct ubuf pick_ubuf(struct rng *r, uint64_t count, int kernel_writes)
{
	struct ubuf u = { data, 0 };
	int k = below(r, 100);

	if (count > DATA_SIZE)
		k = 80;				/* not the heap */
	if (k < 70) {
		u.p = data + below(r, DATA_SIZE - count + 1);
		return u;
	}
	if (k < 92) {
		uint64_t page;

		LOCK();
		page = pick_page(r, 0);
		UNLOCK();
		u.p = (uint8_t *)arena_addr(page) + below(r, PG);
		u.kind = 1;
		if (kernel_writes && !kernel_may_write((uint64_t)u.p, count)) {
			u.p = (uint8_t *)arena_addr(EDU_PAGES + below(r, ARENA_PAGES - EDU_PAGES - 64));
		}
		return u;
	}
	u.kind = 2;
	switch (below(r, 3)) {
	case 0: u.p = NULL; break;
	case 1: u.p = (void *)8; break;
	default: u.p = (void *)0xffffffff81000000UL; break;
	}
	return u;
}

#define TASK_SIZE_MAX	((1ULL << 47) - PG)
#define MAX_RW_COUNT	0x7ffff000ULL

/*
 * Expected result of a read or write of @count bytes at @pos of a device
 * (strict), in the order of ksys_pread64(), vfs_read() and mapdev_rw().
 * @ukind: 0 our heap (valid), 1 the arena (anything), 2 bad (NULL, 8, or
 * a kernel address).
 */
static long predict_rw(const struct dev *d, int oflags, int wr,
		       uint64_t pos, uint64_t count, const void *ubuf, int ukind)
{
	int acc = oflags & O_ACCMODE;
	uint64_t idx, off, u = (uint64_t)(uintptr_t)ubuf;
	const struct reg *rg;

	if ((int64_t)pos < 0)
		return -EINVAL;
	if (wr ? acc == O_RDONLY : acc == O_WRONLY)
		return -EBADF;
	if (count > TASK_SIZE_MAX || u > TASK_SIZE_MAX - count)
		return -EFAULT;				/* access_ok() */
	if ((int64_t)count < 0 || (int64_t)(pos + count) < 0)
		return -EINVAL;				/* rw_verify_area() */
	if (count > MAX_RW_COUNT)
		count = MAX_RW_COUNT;
	if (!d->alive)
		return -ENODEV;
	idx = pos >> 40;
	off = pos & ((1ULL << 40) - 1);
	if (idx >= (uint64_t)d->nreg)
		return wr ? -ENOSPC : 0;
	rg = &d->reg[idx];
	if (!(rg->flags & (wr ? MAPDEV_REGION_F_WRITE : MAPDEV_REGION_F_READ)))
		return -EPERM;
	if (rg->flags & MAPDEV_REGION_F_IRQ) {
		if (off || count != 4)
			return -EINVAL;
		if (wr)
			return ukind ? EXP_ANY : EXP_ANY;
		return EXP_ANY;
	}
	if (off >= rg->size)
		return wr && count ? -ENOSPC : 0;
	if (count > rg->size - off)
		count = rg->size - off;
	if (!count)
		return 0;
	if (ukind == 1)
		return EXP_ANY;
	if (d->kind == DK_PCI && idx == REGION_CONFIG && wr) {
		if (ukind == 2)
			return -EFAULT;			/* copied in first */
		if (off != 4 || (count != 1 && count != 2))
			return -EPERM;
		return EXP_ANY;
	}
	if (ukind == 2)
		return -EFAULT;
	return count;
}

static void op_rw(struct rng *r)
{
	static const int allowed_heap[] = {
		EBADF, EINVAL, ENODEV, ENOSPC, EPERM, EAGAIN, EOPNOTSUPP, ENOMEM,
		EIO, 0,
	};
	static const int allowed_any[] = {
		EBADF, EINVAL, ENODEV, ENOSPC, EPERM, EAGAIN, EOPNOTSUPP, ENOMEM,
		EIO, EFAULT, 0,
	};
	int s, fd, di, oflags, wr = chance(r, 45), ri, variant;
	uint64_t pos, count, rsize = 0, idx, off;
	struct ubuf u;
	long got, expect = EXP_ANY;
	struct dev d;

	LOCK();
	s = slot_pick(r, -1);
	if (s < 0) {
		UNLOCK();
		return;
	}
	di = M.slots[s].dev;
	d = M.devs[di];
	oflags = M.slots[s].oflags;
	UNLOCK();
	ri = d.nreg && chance(r, 90) ? (int)below(r, d.nreg) : (int)below(r, 10);
	if (ri < d.nreg)
		rsize = d.reg[ri].size;
	pos = MAPDEV_REGION_OFFSET(ri);
	switch (below(r, 10)) {
	case 0: pos += rsize; break;
	case 1: pos += rsize ? rsize - 1 - below(r, rsize < 64 ? rsize : 64) : 0; break;
	case 2: pos = odd_u64(r); break;
	default: pos += rsize ? below(r, rsize) : 0; break;
	}
	if (chance(r, 10))
		count = odd_u64(r);
	else if (chance(r, 30))
		count = 1ULL << below(r, 4);
	else
		count = below(r, chance(r, 20) ? DATA_SIZE : 4096) + 1;
	idx = pos >> 40;
	off = pos & ((1ULL << 40) - 1);
	/* Never a blocking wait for an interrupt. */
	if (!wr && idx < (uint64_t)d.nreg && (d.reg[idx].flags & MAPDEV_REGION_F_IRQ) &&
	    !(oflags & O_NONBLOCK) && !off && count == 4)
		count = 8;
	/* Never a write to edu's DMA or interrupt registers. */
	if (wr && d.kind == DK_PCI && d.edu && idx == 0 &&
	    edu_danger(off, count > 4096 ? 4096 : count)) {
		pos = 0x100 + below(r, 1024);
		if (count > 65536)
			count = 4;
	}
	u = pick_ubuf(r, count, !wr);
	if (wr && u.kind == 0) {
		for (uint64_t i = 0; i < count && i < 64; i++)
			((uint8_t *)u.p)[i] = rnd(r);
		if (idx < (uint64_t)d.nreg && (d.reg[idx].flags & MAPDEV_REGION_F_IRQ) &&
		    count == 4)
			*(uint32_t *)u.p = chance(r, 80) ? (uint32_t)chance(r, 50) : (uint32_t)rnd(r);
	}
	variant = below(r, 4);
	if (strict) {
		LOCK();
		d = M.devs[di];
		expect = predict_rw(&d, oflags, wr, pos, count, u.p, u.kind);
		/* lseek first: its own limit, the offset space. */
		if (variant >= 2 && pos > MAPDEV_REGION_OFFSET(MAPDEV_MAX_REGIONS))
			expect = -EINVAL;
		UNLOCK();
	}

	fd = slot_use(s, di);
	if (fd < 0)
		return;
	snprintf(cur_desc, sizeof(cur_desc), "%s %s (%s) slot %d flags %#x pos %#" PRIx64 " count %#" PRIx64 " buf %s",
		 wr ? (variant < 2 ? "pwrite" : "write") : (variant < 2 ? "pread" : "read"),
		 d.name, dkind_names[d.kind], s, oflags, pos, count,
		 u.kind == 0 ? "heap" : u.kind == 1 ? "arena" : "bad");
	if (variant < 2) {
		got = wr ? sysret(pwrite(fd, u.p, count, (off_t)pos)) :
			      sysret(pread(fd, u.p, count, (off_t)pos));
	} else {
		off_t l = lseek(fd, (off_t)pos, SEEK_SET);

		if (l < 0)
			got = -errno;
		else
			got = wr ? sysret(write(fd, u.p, count)) :
				      sysret(read(fd, u.p, count));
	}
	slot_done(s);
	{
		char b[32];

		trace("%s %s s%d %#" PRIx64 " %#" PRIx64 " %d v%d -> %s", wr ? "write" : "read",
		      d.name, s, pos, count, u.kind, variant, res_str(got, b, sizeof(b)));
	}
	if (got > 0 && (uint64_t)got > count)
		problem("returned %ld, more than asked", got);
	judge(cur_desc, got, expect, u.kind ? allowed_any : allowed_heap);
	if (wr && got == 4 && d.kind == DK_PCI && idx == REGION_IRQ && u.kind == 0) {
		LOCK();
		M.devs[di].irq_masked = *(uint32_t *)u.p == 0;
		UNLOCK();
	}
}

/*
 * lseek: core's mapdev_llseek() is generic_file_llseek_size() with the
 * offset space (8 << 40) as the limit and region 0's size as the end, dead
 * device or not.  SEEK_CUR needs the file position, which the model does
 * not follow (read, write and threads move it): not predicted.
 */
static long predict_lseek(const struct dev *d, int64_t off, int wh)
{
	uint64_t eof = d->nreg ? d->reg[0].size : 0;

	switch (wh) {
	case SEEK_SET:
		break;
	case SEEK_END:
		off = (int64_t)((uint64_t)off + eof);
		break;
	case SEEK_DATA:
		if ((uint64_t)off >= eof)
			return -ENXIO;
		break;
	case SEEK_HOLE:
		if ((uint64_t)off >= eof)
			return -ENXIO;
		off = (int64_t)eof;
		break;
	case SEEK_CUR:
		return EXP_ANY;
	default:
		return -EINVAL;
	}
	if (off < 0 || off > (int64_t)MAPDEV_REGION_OFFSET(MAPDEV_MAX_REGIONS))
		return -EINVAL;
	return off;
}

static void op_lseek(struct rng *r)
{
	static const int allowed[] = { EINVAL, ENXIO, EOVERFLOW, 0 };
	static const int whences[] = { SEEK_SET, SEEK_CUR, SEEK_END, SEEK_DATA, SEEK_HOLE, 7 };
	int s, fd, wh = whences[below(r, 6)];
	int64_t off = (int64_t)odd_u64(r);
	long got, expect = EXP_ANY;

	if (chance(r, 30))
		off = -off;
	LOCK();
	s = slot_pick(r, -1);
	if (s >= 0 && M.slots[s].dev >= 0)
		expect = predict_lseek(&M.devs[M.slots[s].dev], off, wh);
	UNLOCK();
	fd = slot_use(s, -1);
	if (fd < 0)
		return;
	snprintf(cur_desc, sizeof(cur_desc), "lseek slot %d %" PRId64 " whence %d", s, off, wh);
	got = lseek(fd, off, wh);
	if (got < 0)
		got = -errno;
	slot_done(s);
	trace("lseek s%d %" PRId64 " %d -> %s", s, off, wh, got < 0 ? errname(-got) : "OK");
	judge(cur_desc, got, expect, allowed);
	if (got > (long)MAPDEV_REGION_OFFSET(MAPDEV_MAX_REGIONS))
		problem("lseek to %ld, past the offset space", got);
}

/* ioctls ------------------------------------------------------------------ */

static const struct {
	unsigned long cmd;
	const char *name;
	size_t size;
	size_t minsz;
} ioctls[] = {
	{ MAPDEV_IOC_INFO, "INFO", sizeof(struct mapdev_info), 8 },
	{ MAPDEV_IOC_REGION_INFO, "REGION_INFO", sizeof(struct mapdev_region_info), 12 },
	{ MAPDEV_IOC_SYNC, "SYNC", sizeof(struct mapdev_sync), 32 },
	{ MAPDEV_IOC_DMA_SEGMENTS, "DMA_SEGMENTS", sizeof(struct mapdev_dma_segments), 32 },
	{ MAPDEV_IOC_SET_CACHE, "SET_CACHE", sizeof(struct mapdev_set_cache), 16 },
	{ MAPDEV_IOC_SET_EVENTFD, "SET_EVENTFD", sizeof(struct mapdev_set_eventfd), 12 },
	{ MAPDEV_BUF_IOC_CREATE, "BUF_CREATE", sizeof(struct mapdev_buf_create), 56 },
	{ MAPDEV_BUF_IOC_DESTROY, "BUF_DESTROY", sizeof(struct mapdev_buf_destroy), 40 },
	{ MAPDEV_BUF_IOC_LIST, "BUF_LIST", sizeof(struct mapdev_buf_list), 24 },
	{ MAPDEV_PCI_IOC_BUF_CREATE, "PCI_BUF_CREATE", sizeof(struct mapdev_buf_create), 56 },
	{ MAPDEV_PCI_IOC_BUF_DESTROY, "PCI_BUF_DESTROY", sizeof(struct mapdev_buf_destroy), 40 },
	{ MAPDEV_PCI_IOC_SET_DMA_MASK, "PCI_SET_DMA_MASK", sizeof(struct mapdev_pci_dma_mask), 12 },
	{ MAPDEV_IOC_EXPORT_DMABUF, "EXPORT_DMABUF", sizeof(struct mapdev_export_dmabuf), 16 },
};
#define NIOCTLS (int)(sizeof(ioctls) / sizeof(ioctls[0]))
enum { I_INFO, I_REGION, I_SYNC, I_SEGS, I_CACHE, I_EVENTFD, I_CREATE,
       I_DESTROY, I_LIST, I_PCREATE, I_PDESTROY, I_MASK, I_EXPORT };

/* A buffer name: ours mostly (collisions on purpose), sometimes odd. */
static void pick_name(struct rng *r, char *name, const char *prefix)
{
	static const char *const odd[] = {
		"", ".", "..", "-x", "a/b", "sp ace", "buf-control",
		"pci-0000:00:10.0", "phys-fr0", "0123456789012345678901234567890",
		"x\xff", "fz1\n",
	};

	if (chance(r, 90))
		snprintf(name, MAPDEV_NAME_LEN, "%s%d", prefix, (int)below(r, 12));
	else
		snprintf(name, MAPDEV_NAME_LEN, "%s", odd[below(r, sizeof(odd) / sizeof(odd[0]))]);
}

static int name_valid(const char *n)
{
	size_t len = strnlen(n, MAPDEV_NAME_LEN);

	if (!len || len >= MAPDEV_NAME_LEN || n[0] == '.' || n[0] == '-')
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!((n[i] >= 'a' && n[i] <= 'z') || (n[i] >= 'A' && n[i] <= 'Z') ||
		      (n[i] >= '0' && n[i] <= '9') || strchr("_.-", n[i])))
			return 0;
	/* The drivers' prefixes are not for user-chosen names. */
	if (!strncmp(n, "buf-", 4) || !strncmp(n, "pci-", 4) ||
	    !strncmp(n, "phys-", 5))
		return 0;
	return 1;
}

static uint64_t pick_buf_size(struct rng *r)
{
	switch (below(r, 20)) {
	case 0: return 0;
	case 1: return ~0ULL - below(r, 4096);
	case 2: return 1ULL << (32 + below(r, 31));	/* more than the RAM */
	case 3: return (4ULL << 20) + PG * below(r, 4);	/* contig's limit */
	case 4: return (1 + below(r, 16)) << 20;
	default: return 1 + below(r, 16 * PG);
	}
}

/* What an allocation of that buffer should give (strict); M.lk held. */
static long predict_create(const char *name, uint64_t size, uint32_t backend,
			   uint32_t cache, int via_ctl)
{
	int i;

	if (via_ctl) {
		for (i = 0; i < MAX_DEVS; i++)
			if (M.devs[i].used && M.devs[i].alive &&
			    (M.devs[i].kind == DK_BUF || M.devs[i].kind == DK_PBUF) &&
			    !strcmp(M.devs[i].name, name))
				return -EEXIST;
	}
	if (!name_valid(name) || backend > MAPDEV_BACKEND_SG ||
	    cache > MAPDEV_CACHE_MAX || !size)
		return -EINVAL;
	if (size > (1ULL << 31))		/* the VM's 2 GiB */
		return -ENOMEM;
	if (M.fail_alloc > 0) {
		if (--M.fail_alloc == 0)
			return -ENOMEM;
	}
	if (backend == MAPDEV_BACKEND_CONTIG && size > (4ULL << 20))
		return -EINVAL;
	if (dev_find_alive(name) >= 0)
		return -EEXIST;
	return 0;
}

static void fill_arg(struct rng *r, int k, uint8_t *a, int dev_i, struct dev *d)
{
	switch (k) {
	case I_INFO: {
		struct mapdev_info *s = (void *)a;

		if (chance(r, 5))
			s->flags = 1u << below(r, 32);
		if (chance(r, 5))
			s->reserved = 1;
		break;
	}
	case I_REGION: {
		struct mapdev_region_info *s = (void *)a;

		s->index = chance(r, 85) && d->nreg ? below(r, d->nreg) : (uint32_t)odd_u64(r);
		if (chance(r, 5))
			s->flags = 1u << below(r, 32);
		break;
	}
	case I_SYNC: {
		struct mapdev_sync *s = (void *)a;
		uint64_t size = d->nreg ? d->reg[0].size : 0;

		s->flags = chance(r, 85) ? (chance(r, 50) ? MAPDEV_SYNC_FOR_CPU : MAPDEV_SYNC_FOR_DEVICE) :
			   (uint32_t)below(r, 8);
		s->direction = chance(r, 90) ? below(r, 3) : (uint32_t)odd_u64(r);
		s->index = chance(r, 90) ? 0 : below(r, 10);
		s->offset = chance(r, 80) ? below(r, size + 1) : odd_u64(r);
		s->size = chance(r, 30) ? 0 : chance(r, 70) ? below(r, size + 1) : odd_u64(r);
		break;
	}
	case I_SEGS: {
		struct mapdev_dma_segments *s = (void *)a;
		uint32_t cap = (PG - 64) / sizeof(struct mapdev_dma_segment);

		s->index = chance(r, 90) ? 0 : below(r, 10);
		s->count = chance(r, 80) ? below(r, cap + 1) : (uint32_t)odd_u64(r);
		/* The array goes in our heap scratch: valid for up to DATA_SIZE. */
		s->segments = chance(r, 85) ? (uint64_t)(uintptr_t)data : odd_u64(r);
		if (chance(r, 5))
			s->reserved = 1;
		break;
	}
	case I_CACHE: {
		struct mapdev_set_cache *s = (void *)a;

		s->index = chance(r, 90) && d->nreg ? below(r, d->nreg) : below(r, 10);
		s->cache = chance(r, 95) ? below(r, 3) : (uint32_t)odd_u64(r);
		break;
	}
	case I_EVENTFD: {
		struct mapdev_set_eventfd *s = (void *)a;

		switch (below(r, 6)) {
		case 0: s->fd = -1; break;
		case 1: s->fd = -2; break;
		case 2: s->fd = 1000; break;
		case 3: s->fd = mem_fd; break;
		default: s->fd = efd[below(r, 2)]; break;
		}
		if (chance(r, 5))
			s->vector = 1;
		if (chance(r, 5))
			s->flags |= MAPDEV_EVENTFD_F_VECTOR;
		break;
	}
	case I_CREATE:
	case I_PCREATE: {
		struct mapdev_buf_create *s = (void *)a;

		pick_name(r, s->name, k == I_CREATE ? "fz" : "fq");
		s->size = pick_buf_size(r);
		s->backend = chance(r, 95) ? below(r, 3) : (uint32_t)odd_u64(r);
		s->cache = chance(r, 95) ? below(r, 3) : (uint32_t)odd_u64(r);
		if (chance(r, 3))
			memset(s->name, 'a', sizeof(s->name));
		/*
		 * Bound to a PCI function: an edu (removed now and then), the
		 * host bridge, one that is not there, or odd fields.
		 */
		if (k == I_CREATE && chance(r, 8)) {
			static const uint16_t rid[] = { 0x10 << 3, 0x11 << 3, 0x12 << 3, 0, 0x1e << 3 | 7 };

			s->flags = MAPDEV_BUF_CREATE_F_PCI;
			s->pci_bdf = rid[below(r, 5)];
			if (chance(r, 5))
				s->pci_domain = (uint32_t)odd_u64(r);
		}
		if (chance(r, 2))
			s->reserved = (uint16_t)odd_u64(r);
		if (chance(r, 2))
			s->pci_bdf = (uint16_t)odd_u64(r);
		break;
	}
	case I_DESTROY:
	case I_PDESTROY: {
		struct mapdev_buf_destroy *s = (void *)a;

		pick_name(r, s->name, k == I_DESTROY ? "fz" : "fq");
		if (chance(r, 3))
			memset(s->name, 'b', sizeof(s->name));
		break;
	}
	case I_LIST: {
		struct mapdev_buf_list *s = (void *)a;

		s->count = chance(r, 85) ? below(r, 64) : (uint32_t)odd_u64(r);
		s->entries = chance(r, 85) ? (uint64_t)(uintptr_t)data : odd_u64(r);
		break;
	}
	case I_EXPORT: {
		static const uint32_t fl[] = {
			O_RDWR, O_RDONLY, O_RDWR | O_CLOEXEC, O_RDONLY | O_CLOEXEC,
		};
		struct mapdev_export_dmabuf *s = (void *)a;

		s->flags = chance(r, 90) ? fl[below(r, 4)] : (uint32_t)odd_u64(r);
		s->index = chance(r, 90) ? below(r, 2) : (uint32_t)odd_u64(r);
		break;
	}
	case I_MASK: {
		struct mapdev_pci_dma_mask *s = (void *)a;

		s->bits = chance(r, 90) ? 24 + below(r, 41) : (uint32_t)odd_u64(r);
		if (chance(r, 5))
			s->reserved = 1;
		break;
	}
	}
	(void)dev_i;
}

/* Nested user pointers of an argument: all valid? */
static int nested_ok(int k, const uint8_t *a)
{
	if (k == I_SEGS) {
		const struct mapdev_dma_segments *s = (const void *)a;

		return s->segments == (uint64_t)(uintptr_t)data &&
		       (uint64_t)s->count * sizeof(struct mapdev_dma_segment) <= DATA_SIZE;
	}
	if (k == I_LIST) {
		const struct mapdev_buf_list *s = (const void *)a;

		return s->entries == (uint64_t)(uintptr_t)data &&
		       (uint64_t)s->count * sizeof(struct mapdev_buf_entry) <= DATA_SIZE;
	}
	return 1;
}

/* Which ioctls a device kind answers. */
static int ioctl_known(int kind, int k)
{
	if (k <= I_EVENTFD || k == I_EXPORT)
		return 1;
	if (k <= I_LIST)
		return kind == DK_CTL;
	return kind == DK_PCI;
}

static long predict_create(const char *name, uint64_t size, uint32_t backend,
			   uint32_t cache, int via_ctl);
static long predict_destroy(int k, const uint8_t *a, int pci_di);

/* Whether the function a MAPDEV_BUF_CREATE_F_PCI create names is there. */
static int pci_function_exists(const struct mapdev_buf_create *c)
{
	char p[96];

	snprintf(p, sizeof(p), "/sys/bus/pci/devices/%04x:%02x:%02x.%x", c->pci_domain,
		 c->pci_bdf >> 8, (c->pci_bdf >> 3) & 0x1f, c->pci_bdf & 7);
	return access(p, F_OK) == 0;
}

/* The bound field of a buffer made by @c: bdfs[] index + 1, or -1. */
static int bound_of(const struct mapdev_buf_create *c)
{
	if (!(c->flags & MAPDEV_BUF_CREATE_F_PCI))
		return 0;
	for (int b = 0; b < NBDF; b++) {
		unsigned int bus, slot, fn;

		if (sscanf(bdfs[b], "0000:%x:%x.%x", &bus, &slot, &fn) == 3 && !c->pci_domain &&
		    c->pci_bdf == (bus << 8 | slot << 3 | fn))
			return b + 1;
	}
	return -1;
}

/*
 * Expected result of ioctl k (strict); M.lk held.  @a is the kernel's
 * view of the argument, @view its verdict (kernel_view()).
 */
static long predict_ioctl(int k, const uint8_t *a, int view,
			  const struct dev *d, int di, int oflags)
{
	if (!d->alive)
		return -ENODEV;
	if (!ioctl_known(d->kind, k))
		return -ENOTTY;
	if (k == I_EVENTFD && !(d->kind == DK_PCI && d->nreg > REGION_IRQ))
		return -ENOTTY;
	/* Changing a device takes a file open for writing. */
	if ((k == I_CACHE || k == I_EVENTFD) && (oflags & O_ACCMODE) == O_RDONLY)
		return -EBADF;
	if (view)
		return view;
	switch (k) {
	case I_CREATE:
	case I_PCREATE: {
		const struct mapdev_buf_create *c = (const void *)a;
		uint32_t pcif = k == I_CREATE ? MAPDEV_BUF_CREATE_F_PCI : 0;

		if (c->flags & ~pcif || c->reserved ||
		    strnlen(c->name, MAPDEV_NAME_LEN) == MAPDEV_NAME_LEN)
			return -EINVAL;
		if (!(c->flags & MAPDEV_BUF_CREATE_F_PCI) && (c->pci_domain || c->pci_bdf))
			return -EINVAL;
		if (c->flags & MAPDEV_BUF_CREATE_F_PCI && !pci_function_exists(c))
			return -ENODEV;
		return predict_create(c->name, c->size, c->backend, c->cache,
				      k == I_CREATE);
	}
	case I_DESTROY:
	case I_PDESTROY:
		if (((const struct mapdev_buf_destroy *)a)->flags)
			return -EINVAL;
		return predict_destroy(k, a, di);
	case I_INFO: {
		const struct mapdev_info *s = (const void *)a;

		return s->flags || s->reserved ? -EINVAL : 0;
	}
	case I_REGION: {
		const struct mapdev_region_info *s = (const void *)a;

		return s->flags || s->index >= (uint32_t)d->nreg ? -EINVAL : 0;
	}
	case I_SYNC: {
		const struct mapdev_sync *s = (const void *)a;
		uint64_t size, len;

		if (s->flags != MAPDEV_SYNC_FOR_CPU && s->flags != MAPDEV_SYNC_FOR_DEVICE)
			return -EINVAL;
		if (s->index >= (uint32_t)d->nreg || !dev_buffer(d) || s->direction > 2)
			return -EINVAL;
		size = d->reg[s->index].size;
		if (s->offset > size)
			return -EINVAL;
		len = s->size ? s->size : size - s->offset;
		return len > size - s->offset ? -EINVAL : 0;
	}
	case I_SEGS: {
		const struct mapdev_dma_segments *s = (const void *)a;

		if (s->flags || s->reserved || s->index >= (uint32_t)d->nreg)
			return -EINVAL;
		if (!dev_buffer(d))
			return -EINVAL;
		return nested_ok(k, a) ? 0 : EXP_ANY;
	}
	case I_CACHE: {
		const struct mapdev_set_cache *s = (const void *)a;
		const struct reg *rg;

		if (s->flags || s->index >= (uint32_t)d->nreg || s->cache > 2)
			return -EINVAL;
		rg = &d->reg[s->index];
		if (!(rg->flags & MAPDEV_REGION_F_MMAP))
			return -EINVAL;
		if (region_mapped(di, s->index))
			return -EBUSY;
		if (dev_buffer(d))
			return 0;
		if (s->cache == MAPDEV_CACHE_WC && !(rg->flags & MAPDEV_REGION_F_PREFETCH))
			return -EINVAL;
		if (s->cache == MAPDEV_CACHE_CACHED && !rg->cacheable)
			return -EINVAL;
		return 0;
	}
	case I_EVENTFD: {
		const struct mapdev_set_eventfd *s = (const void *)a;

		/* The fuzzed devices have one vector, 0. */
		if ((s->flags & ~MAPDEV_EVENTFD_F_VECTOR) || s->fd < -1 ||
		    (!(s->flags & MAPDEV_EVENTFD_F_VECTOR) && s->vector))
			return -EINVAL;
		if (s->vector)
			return -ENXIO;
		if (s->fd == -1 || s->fd == efd[0] || s->fd == efd[1])
			return 0;
		if (s->fd == mem_fd)
			return -EINVAL;
		return -EBADF;
	}
	case I_LIST: {
		const struct mapdev_buf_list *s = (const void *)a;

		if (s->flags)
			return -EINVAL;
		return nested_ok(k, a) ? 0 : EXP_ANY;
	}
	case I_EXPORT: {
		/* A dma-buf of a buffer region; ioctl_effects() closes it. */
		const struct mapdev_export_dmabuf *s = (const void *)a;
		uint32_t acc = s->flags & O_ACCMODE;

		if ((s->flags & ~(uint32_t)(O_ACCMODE | O_CLOEXEC)) ||
		    (acc != O_RDONLY && acc != O_RDWR))
			return -EINVAL;
		if (s->index >= (uint32_t)d->nreg || !dev_buffer(d))
			return -EINVAL;
		/* Memory for another driver's device is not exported. */
		if (d->bound)
			return -EOPNOTSUPP;
		if (acc == O_RDWR && (oflags & O_ACCMODE) == O_RDONLY)
			return -EBADF;
		return 0;
	}
	case I_MASK: {
		const struct mapdev_pci_dma_mask *s = (const void *)a;

		if (s->flags || s->reserved || s->bits < 12 || s->bits > 64)
			return -EINVAL;
		return EXP_ANY;		/* the platform decides */
	}
	}
	return EXP_ANY;
}

/* After an ioctl that worked: what it changed; M.lk held. */
static void ioctl_effects(int k, const uint8_t *in, const uint8_t *out, int di, long got)
{
	struct dev *d = &M.devs[di];

	if (k == I_EXPORT && !got) {
		/* The memory the dma-buf keeps goes with it, before the next check. */
		const struct mapdev_export_dmabuf *s = (const void *)out;

		if (s->fd < 0 || close(s->fd))
			problem("EXPORT_DMABUF worked but returned fd %d", s->fd);
	}
	if (k == I_MASK && !got) {
		const struct mapdev_pci_dma_mask *s = (const void *)in;

		d->dma_bits = s->bits;
	}
	if (k == I_CACHE && !got) {
		const struct mapdev_set_cache *s = (const void *)in;

		if (s->index < (uint32_t)d->nreg)
			d->reg[s->index].cache = s->cache;
	}
	if (k == I_REGION && !got && strict) {
		const struct mapdev_region_info *s = (const void *)out;

		if (s->argsz >= sizeof(*s) && s->index < (uint32_t)d->nreg &&
		    (s->size != d->reg[s->index].size ||
		     s->offset != MAPDEV_REGION_OFFSET(s->index) ||
		     s->cache != d->reg[s->index].cache))
			problem("REGION_INFO %u says size %" PRIu64 " offset %#" PRIx64 " cache %u; the model has %" PRIu64 " cache %u",
				s->index, (uint64_t)s->size, (uint64_t)s->offset, s->cache,
				d->reg[s->index].size, d->reg[s->index].cache);
	}
	if (k == I_INFO && !got && strict) {
		const struct mapdev_info *s = (const void *)out;

		if (s->argsz >= sizeof(*s) &&
		    ((int)s->num_regions != d->nreg || strcmp(s->name, d->name)))
			problem("INFO says %u regions, name %.32s", s->num_regions, s->name);
	}
	if ((k == I_CREATE || k == I_PCREATE) && !got) {
		const struct mapdev_buf_create *s = (const void *)in;

		int bi = learn_buffer(k == I_CREATE ? DK_BUF : DK_QBUF, s->name,
				      k == I_CREATE ? -1 : di, s->size, s->backend, s->cache);

		if (bi >= 0 && strict && M.devs[bi].bound != bound_of(s))
			problem("buffer %s: sysfs dma_device says bound %d, made with flags %#x for %04x:%04x",
				s->name, M.devs[bi].bound, s->flags, s->pci_domain, s->pci_bdf);
	}
	if ((k == I_DESTROY || k == I_PDESTROY) && !got) {
		const struct mapdev_buf_destroy *s = (const void *)in;

		for (int i = 0; i < MAX_DEVS; i++)
			if (M.devs[i].used && M.devs[i].alive &&
			    (k == I_DESTROY ? (M.devs[i].kind == DK_BUF || M.devs[i].kind == DK_PBUF) :
			     (M.devs[i].kind == DK_QBUF && M.devs[i].pci == di)) &&
			    !strncmp(M.devs[i].name, s->name, MAPDEV_NAME_LEN))
				dev_kill(i, "destroy");
	}
	if (k == I_LIST && !got && strict) {
		const struct mapdev_buf_list *s = (const void *)out;
		uint32_t n = 0;

		for (int i = 0; i < MAX_DEVS; i++)
			if (M.devs[i].used && M.devs[i].alive &&
			    (M.devs[i].kind == DK_BUF || M.devs[i].kind == DK_PBUF))
				n++;
		if (s->argsz >= 16 && s->total != n)
			problem("BUF_LIST total %u, the model has %u buffers", s->total, n);
	}
}

/* Destroy expected (strict): M.lk held. */
/*
 * A PCI function's buffer is not destroyed while the function can master
 * (EBUSY): its command register, as sysfs shows it; -1 if unreadable.
 */
static int pci_masters(int pci_di)
{
	char path[128];
	uint16_t cmd;
	int fd, n;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config",
		 M.devs[pci_di].name + 4);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = pread(fd, &cmd, 2, 4);
	close(fd);
	return n == 2 ? !!(cmd & 4) : -1;
}

static long predict_destroy(int k, const uint8_t *a, int pci_di)
{
	const struct mapdev_buf_destroy *s = (const void *)a;
	int m;

	if (strnlen(s->name, MAPDEV_NAME_LEN) == MAPDEV_NAME_LEN)
		return -EINVAL;
	for (int i = 0; i < MAX_DEVS; i++)
		if (M.devs[i].used && M.devs[i].alive &&
		    (k == I_DESTROY ? (M.devs[i].kind == DK_BUF || M.devs[i].kind == DK_PBUF) :
		     (M.devs[i].kind == DK_QBUF && M.devs[i].pci == pci_di)) &&
		    !strcmp(M.devs[i].name, s->name)) {
			if (k == I_DESTROY)
				return 0;
			m = pci_masters(pci_di);
			return m < 0 ? EXP_ANY : m ? -EBUSY : 0;
		}
	return -ENOENT;
}

/*
 * What the kernel sees of an argument (mapdev_arg_in()): at most argsz
 * bytes, zero beyond; -E2BIG for argsz over MAPDEV_ARGSZ_MAX, -EINVAL when
 * argsz is below what the call needs or a byte past the struct the kernel
 * knows is not zero.
 */
static int kernel_view(int k, const uint8_t *user, uint8_t *kv)
{
	uint32_t argsz = *(const uint32_t *)user;
	size_t size = ioctls[k].size;

	memset(kv, 0, 512);
	if (argsz > MAPDEV_ARGSZ_MAX)
		return -E2BIG;
	if (argsz < ioctls[k].minsz)
		return -EINVAL;
	for (size_t i = size; i < argsz && i < 512; i++)
		if (user[i])
			return -EINVAL;
	memcpy(kv, user, argsz < size ? argsz : size);
	return 0;
}

/* Keeps a buffer size away from real allocations of 64 MiB .. 4 GiB. */
static void tame_size(uint8_t *a, int k)
{
	if (k == I_CREATE || k == I_PCREATE) {
		struct mapdev_buf_create *c = (void *)a;

		if (c->size > (64ULL << 20) && c->size < (4ULL << 30))
			c->size = 1ULL << 33;
		if (c->size > (1ULL << 20) && stat_ll("bytes") > (long long)BUF_BYTES_CAP)
			c->size = PG;
	}
	if (k == I_SEGS || k == I_LIST) {
		uint64_t *ptr = (uint64_t *)(a + (k == I_SEGS ? 24 : 16));

		if (!kernel_may_write(*ptr, 1 << 20))
			*ptr = 8;
	}
}

/*
 * Whether a buffer allocation the model expects to work may still fail
 * with ENOMEM, one thread (the kernel's memory is the one input from
 * outside): a coherent or contig buffer is one allocation, and above
 * PAGE_ALLOC_COSTLY_ORDER (32 KiB) the page allocator gives up on a
 * fragmented machine; under a PCI function's DMA mask narrower than the
 * guest's 2 GiB of RAM (32 bits) pages may run out below it.  An sg
 * buffer of the sizes the fuzzer asks for (at most 64 MiB, at most
 * BUF_BYTES_CAP in all) always fits a 2 GiB guest.
 */
static int create_may_enomem(const struct mapdev_buf_create *c, const struct dev *pci)
{
	if (c->backend != MAPDEV_BACKEND_SG && c->size > (32ULL << 10))
		return 1;
	/*
	 * Bound to an edu: under the mask its last driver left (mapdev_pci's
	 * SET_DMA_MASK stays after an unbind), which the model does not follow.
	 */
	if (c->flags & MAPDEV_BUF_CREATE_F_PCI && bound_of(c) > 0)
		return 1;
	return pci && pci->dma_bits && pci->dma_bits < 32;
}

static void do_ioctl(struct rng *r, int s, int k, int mutate)
{
	/* ENXIO: an interrupt vector the device does not have. */
	static const int allowed[] = {
		EINVAL, ENOTTY, ENODEV, EPERM, EEXIST, ENOENT, ENOMEM, EBUSY,
		EBADF, EIO, EOPNOTSUPP, ENOSPC, E2BIG, ENXIO, 0,
	};
	static const int allowed_fault[] = {
		EINVAL, ENOTTY, ENODEV, EPERM, EEXIST, ENOENT, ENOMEM, EBUSY,
		EBADF, EIO, EOPNOTSUPP, ENOSPC, EFAULT, E2BIG, ENXIO, 0,
	};
	uint8_t *a, tmp[512], kv[512];
	unsigned long cmd = 0;
	size_t size = 64;
	int fd, di, ptr_ok = 1, variant = -1, view = -EINVAL;
	long got, expect = EXP_ANY;
	struct dev d;
	char cname[32];

	LOCK();
	di = M.slots[s].dev;
	d = M.devs[di];
	UNLOCK();
	if (k < 0) {
		/* An ioctl nobody knows (or, by chance, one that is known). */
		switch (below(r, 3)) {
		case 0: cmd = _IO(MAPDEV_TYPE, below(r, 256)); break;
		case 1: cmd = _IOWR(MAPDEV_TYPE, below(r, 256), struct mapdev_info); break;
		default: cmd = (uint32_t)rnd(r); break;
		}
		for (int i = 0; i < NIOCTLS; i++)
			if (ioctls[i].cmd == cmd)
				k = i;
	}
	if (k >= 0) {
		cmd = ioctls[k].cmd;
		size = ioctls[k].size;
		snprintf(cname, sizeof(cname), "%s", ioctls[k].name);
	} else {
		snprintf(cname, sizeof(cname), "%#lx", cmd);
	}
	memset(tmp, 0, sizeof(tmp));
	*(uint32_t *)tmp = size;
	if (k >= 0) {
		LOCK();
		fill_arg(r, k, tmp, di, &d);
		UNLOCK();
	}
	/* Mutations: argsz, flags, a byte past the struct, a bit anywhere. */
	if (mutate) {
		switch (below(r, 7)) {
		case 0: *(uint32_t *)tmp = below(r, size); break;
		case 1: *(uint32_t *)tmp = size + 8 * (1 + below(r, 8)); break;
		case 2:
			*(uint32_t *)tmp = size + 8;
			tmp[size + below(r, 8)] = 1 + below(r, 255);
			break;
		case 3: *(uint32_t *)tmp = (uint32_t)odd_u64(r); break;
		case 4: ((uint32_t *)tmp)[1] = (uint32_t)rnd(r); break;
		default: tmp[4 + below(r, size > 4 ? size - 4 : 1)] ^= 1u << below(r, 8); break;
		}
	}
	if (k >= 0)
		tame_size(tmp, k);
	a = argpage + PG - 512;			/* the next page is PROT_NONE */
	if (mutate && chance(r, 15)) {
		variant = below(r, 5);
		switch (variant) {
		case 0: a = NULL; break;
		case 1: a = (uint8_t *)16; break;
		case 2: a = (uint8_t *)0xffff888000000000UL; break;
		case 3: a = argpage + PG - size / 2; break;	/* straddles */
		default: a = (uint8_t *)arena_addr(pick_page(r, 0)); break;
		}
		ptr_ok = 0;
	}
	if (ptr_ok) {
		memcpy(a, tmp, 512);
		/* argsz past what is readable: copy_struct_from_user faults. */
		if (*(uint32_t *)tmp > 512)
			ptr_ok = 0;
	} else if (variant == 3) {
		memcpy(a, tmp, size / 2);
	} else if (variant == 4 && !kernel_may_write((uint64_t)(uintptr_t)a, size)) {
		a = (uint8_t *)arena_addr(EDU_PAGES);
	}
	if (ptr_ok && k >= 0)
		view = kernel_view(k, tmp, kv);
	if (strict) {
		LOCK();
		d = M.devs[di];
		if (k < 0)
			expect = d.alive ? -ENOTTY : -ENODEV;
		else if (ptr_ok && nested_ok(k, kv))
			expect = predict_ioctl(k, kv, view, &d, di,
					       M.slots[s].oflags);
		UNLOCK();
	}

	fd = slot_use(s, di);
	if (fd < 0)
		return;
	{
		char extra[160] = "";

		if ((k == I_CREATE || k == I_PCREATE) && !view) {
			const struct mapdev_buf_create *c = (const void *)kv;

			snprintf(extra, sizeof(extra), " (flags %#x name '%.32s' size %#llx backend %u cache %u)",
				 c->flags, c->name, (unsigned long long)c->size, c->backend,
				 c->cache);
		}
		snprintf(cur_desc, sizeof(cur_desc), "ioctl %s on %s (%s) slot %d argsz %u%s%s%s",
			 cname, d.name, dkind_names[d.kind], s, *(uint32_t *)tmp,
			 mutate ? " mutated" : "", ptr_ok ? "" : " bad pointer", extra);
	}
	got = sysret(ioctl(fd, cmd, a));
	slot_done(s);
	{
		char xb[32];

		trace("ioctl %s %s s%d argsz %u m%d p%d -> %s (%s)", cname, d.name, s,
		      *(uint32_t *)tmp, mutate, ptr_ok, got ? errname(-got) : "OK",
		      expect == EXP_ANY ? "?" : res_str(expect, xb, sizeof(xb)));
	}
	/*
	 * Memory is the kernel's to give, but only where it can run out:
	 * ENOMEM from a create the model did not predict it for is a
	 * problem unless create_may_enomem() says the allocation can fail.
	 */
	if ((k == I_CREATE || k == I_PCREATE) && got == -ENOMEM &&
	    (!strict || create_may_enomem((const void *)kv, k == I_PCREATE ? &d : NULL)))
		expect = EXP_ANY;
	judge(cur_desc, got, expect,
	      ptr_ok && (k < 0 || nested_ok(k, kv)) ? allowed : allowed_fault);
	if (!got && k >= 0 && !view) {
		LOCK();
		ioctl_effects(k, kv, a, di, got);
		UNLOCK();
	} else if (!got && !ptr_ok && (k == I_CREATE || k == I_PCREATE)) {
		problem("a create whose argument cannot be read worked");
	}
}

static void op_ioctl(struct rng *r)
{
	int s, k;

	LOCK();
	s = slot_pick(r, -1);
	UNLOCK();
	if (s < 0)
		return;
	k = chance(r, 7) ? -1 : (int)below(r, NIOCTLS);
	do_ioctl(r, s, k, chance(r, 35));
}

/* Buffers through the control device (an fd of it, or one just for this). */
static void op_buf_ctl(struct rng *r)
{
	int s, k, tmpslot = -1, tmpfd;

	LOCK();
	s = slot_pick(r, DK_CTL);
	if (s < 0 || chance(r, 30)) {
		int di = -1;

		for (int i = 0; i < MAX_DEVS; i++)
			if (M.devs[i].used && M.devs[i].alive && M.devs[i].kind == DK_CTL)
				di = i;
		tmpslot = slot_free();
		if (di < 0 || tmpslot < 0) {
			UNLOCK();
			return;
		}
		M.slots[tmpslot].fd = open("/dev/mapdev/buf-control", O_RDWR | O_CLOEXEC);
		M.slots[tmpslot].dev = di;
		M.slots[tmpslot].oflags = O_RDWR;
		M.slots[tmpslot].fid = ++M.next_fid;
		if (M.slots[tmpslot].fd < 0) {
			if (strict)
				problem("open buf-control: %s", strerror(errno));
			M.slots[tmpslot].fd = -1;
			UNLOCK();
			return;
		}
		s = tmpslot;
	}
	tmpfd = tmpslot >= 0 ? M.slots[tmpslot].fd : -1;
	UNLOCK();
	k = below(r, 10) < 6 ? I_CREATE : chance(r, 80) ? I_DESTROY : I_LIST;
	do_ioctl(r, s, k, chance(r, 10));
	if (tmpslot >= 0) {
		pthread_rwlock_wrlock(&M.slots[tmpslot].lk);
		LOCK();
		/*
		 * Threaded, a close may have taken the slot meanwhile, and an
		 * open may hold it now (reserved, or with its own file).
		 */
		if (M.slots[tmpslot].fd == tmpfd) {
			close(tmpfd);
			M.slots[tmpslot].fd = -1;
		}
		UNLOCK();
		pthread_rwlock_unlock(&M.slots[tmpslot].lk);
	}
}

static void op_buf_pci(struct rng *r)
{
	int s, k;

	LOCK();
	s = slot_pick(r, DK_PCI);
	UNLOCK();
	if (s < 0)
		return;
	k = below(r, 10) < 5 ? I_PCREATE : below(r, 10) < 8 ? I_PDESTROY : I_MASK;
	do_ioctl(r, s, k, chance(r, 10));
}

/* /proc/self/mem ------------------------------------------------------------ */

static void op_procmem(struct rng *r)
{
	static const int allowed[] = { EIO, EFAULT, 0 };
	uint64_t page, off, len;
	int wr = chance(r, 35);
	long got, expect = EXP_ANY;

	LOCK();
	page = pick_page(r, 0);
	if (wr && page < EDU_PAGES)
		page += EDU_PAGES;
	off = below(r, PG);
	len = 1 + below(r, PG - off);
	if (strict) {
		struct run *ru = run_at(page);

		if (!ru)
			expect = -EIO;
		else if (ru->kind == 1)
			expect = EXP_ANY;
		else if (ru->kind == 2 && !M.devs[ru->dev].alive)
			expect = -EIO;
		else if (ru->kind == 2)
			expect = wr && !ru->w ? -EIO : (long)len;
	}
	UNLOCK();
	snprintf(cur_desc, sizeof(cur_desc), "%s /proc/self/mem at arena page %" PRIu64 " + %#" PRIx64 " len %" PRIu64,
		 wr ? "pwrite" : "pread", page, off, len);
	if (wr) {
		for (uint64_t i = 0; i < len && i < 64; i++)
			data[i] = rnd(r);
		got = sysret(pwrite(mem_fd, data, len, (off_t)((uint64_t)arena_addr(page) + off)));
	} else {
		got = sysret(pread(mem_fd, data, len, (off_t)((uint64_t)arena_addr(page) + off)));
	}
	trace("procmem %s %" PRIu64 "+%#" PRIx64 " %" PRIu64 " -> %ld", wr ? "w" : "r",
	      page, off, len, got);
	judge(cur_desc, got, expect, allowed);
}

/* Pinning: vmsplice, O_DIRECT, futex, process_vm_readv on mapped pages. */
static void op_pin(struct rng *r)
{
	static const int allowed[] = { EFAULT, EAGAIN, EINVAL, ENOMEM, EIO, 0 };
	uint64_t page, addr;
	int how = below(r, 5), devpage = 0, pages = 0;
	long got;
	const char *hn[] = { "vmsplice", "odirect", "futex", "process_vm_readv",
			     "process_vm_writev" };

	LOCK();
	page = pick_page(r, 0);
	if ((how == 1 || how == 4) && page < EDU_PAGES)
		page += EDU_PAGES;		/* these write the pages */
	{
		struct run *ru = run_at(page);

		devpage = ru && ru->kind == 2;
		/*
		 * A live contig or sg buffer is mapped as its struct pages,
		 * which the kernel's I/O can pin; everything else of a device
		 * is a PFN mapping, which GUP refuses.
		 */
		if (devpage && ru->dev >= 0 && M.devs[ru->dev].alive &&
		    (ru->pgoff >> 28) < (uint64_t)M.devs[ru->dev].nreg) {
			const struct reg *rg = &M.devs[ru->dev].reg[ru->pgoff >> 28];

			pages = rg->backend == MAPDEV_BACKEND_CONTIG ||
				rg->backend == MAPDEV_BACKEND_SG;
		}
	}
	/*
	 * The call is made with the model locked: nothing is mapped over the
	 * page meanwhile, so "device memory was pinned" is known threaded too.
	 */
	addr = (uint64_t)arena_addr(page);
	snprintf(cur_desc, sizeof(cur_desc), "%s on arena page %" PRIu64 " (%s)", hn[how], page,
		 devpage ? "device" : "other");
	switch (how) {
	case 0: {
		int p[2];
		struct iovec iov = { (void *)addr, PG };

		if (pipe2(p, O_NONBLOCK | O_CLOEXEC)) {
			got = -errno;
			break;
		}
		got = sysret(vmsplice(p[1], &iov, 1, SPLICE_F_NONBLOCK));
		close(p[0]);
		close(p[1]);
		break;
	}
	case 1:
		if (odirect_fd < 0) {
			UNLOCK();
			return;
		}
		got = sysret(pread(odirect_fd, (void *)addr, PG, 0));
		break;
	case 2:
		got = sysret(syscall(SYS_futex, (void *)addr, FUTEX_WAKE, 1, NULL, NULL, 0));
		break;
	default: {
		struct iovec local = { data, PG }, remote = { (void *)addr, PG };

		if (how == 3)
			got = sysret(process_vm_readv(getpid(), &local, 1, &remote, 1, 0));
		else
			got = sysret(process_vm_writev(getpid(), &local, 1, &remote, 1, 0));
		break;
	}
	}
	UNLOCK();
	trace("pin %s %" PRIu64 " -> %s", hn[how], page, got < 0 ? errname(-got) : "OK");
	/*
	 * PFN mappings are never pinned: GUP refuses VM_PFNMAP, with EFAULT.
	 * Nor are revoked mappings (their fault is SIGBUS).  A buffer's own
	 * pages are in no file's page cache: no shared futex on them.
	 */
	if (pages && how != 2) {
		judge(cur_desc, got, EXP_ANY, allowed);
	} else {
		judge(cur_desc, got, devpage && (how != 1 || odirect_blockdev) ? -EFAULT : EXP_ANY,
		      allowed);
		if (devpage && got > 0 && (how == 0 || how == 3 || how == 4 ||
					   (how == 1 && odirect_blockdev)))
			problem("%s pinned device memory that is not a live buffer's pages (returned %ld)",
				hn[how], got);
		if (devpage && got == 0 && how == 2)
			problem("a shared futex on device memory worked");
	}
}

/* fork: the child keeps using the mappings -------------------------------- */

static void op_fork(struct rng *r)
{
	struct rng cr = { rnd(r) };
	int n = 1 + below(r, 6), pfd[2], st;
	pid_t pid;
	struct { int bad; char msg[200]; } res = { 0, "" };

	if (pipe2(pfd, O_CLOEXEC))
		return;
	LOCK();		/* the child reads the model without a lock */
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		for (int i = 0; i < n; i++) {
			uint64_t page = pick_page(&cr, 0), off, v = 0;
			int wr = chance(&cr, 40), expect, sig;

			off = below(&cr, PG) & ~3ULL;
			if (page < EDU_PAGES && wr && edu_danger(off, 4))
				off = 4;
			expect = expect_touch(page, wr);
			sig = touch((volatile uint8_t *)arena_addr(page) + off, wr, 4,
				    rnd(&cr), &v);
			/* MADV_DONTFORK: anything may be SIGSEGV here. */
			if (sig == SIGSEGV)
				continue;
			/* Revoked, yet it worked: a problem whatever the threads did
			 * (a revocation is in the model only once it returned). */
			if (expect == SIGBUS && !sig && res.bad != 3) {
				res.bad = 3;
				snprintf(res.msg, sizeof(res.msg),
					 "child: %s at arena page %" PRIu64 " of a revoked mapping worked",
					 wr ? "write" : "read", page);
			} else if (sig != expect && !res.bad) {
				res.bad = 1;
				snprintf(res.msg, sizeof(res.msg),
					 "child: %s at arena page %" PRIu64 ": got %s, expected %s",
					 wr ? "write" : "read", page, sig_str(sig),
					 sig_str(expect));
			}
		}
		if (write(pfd[1], &res, sizeof(res)) < 0)
			_exit(3);
		_exit(0);
	}
	UNLOCK();
	close(pfd[1]);
	snprintf(cur_desc, sizeof(cur_desc), "fork, %d touches in the child", n);
	if (pid < 0) {
		close(pfd[0]);
		trace("fork -> %s", errname(errno));
		return;
	}
	if (read(pfd[0], &res, sizeof(res)) != sizeof(res))
		res.bad = 2;
	close(pfd[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	trace("fork %d -> %d", n, res.bad);
	if ((strict && res.bad == 1) || res.bad == 3)
		problem("%s", res.msg);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		problem("the child died: status %#x", st);
}

/* Data written one way reads back the other. */
static void op_coherence(struct rng *r)
{
	uint64_t page, off, fpos, v = rnd(r) & 0xff, got_v = 0;
	struct run *ru;
	int di, fd, sig;
	uint8_t b = 0;
	char path[80];

	if (!strict)
		return;
	LOCK();
	page = pick_page(r, 0);
	ru = run_at(page);
	if (!ru || ru->kind != 2 || !ru->w || page < EDU_PAGES ||
	    !M.devs[ru->dev].alive) {
		UNLOCK();
		return;
	}
	di = ru->dev;
	off = below(r, PG);
	fpos = (ru->pgoff + page - ru->start) * PG + off;
	dev_path(M.devs[di].name, path, sizeof(path));
	UNLOCK();
	snprintf(cur_desc, sizeof(cur_desc), "coherence of %s at %#" PRIx64, M.devs[di].name, fpos);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		problem("open: %s", strerror(errno));
		return;
	}
	sig = touch((volatile uint8_t *)arena_addr(page) + off, 1, 1, v, &got_v);
	if (sig || pread(fd, &b, 1, (off_t)fpos) != 1 || b != v)
		problem("wrote %#" PRIx64 " through the mapping (%s), read() gives %#x",
			v, sig_str(sig), b);
	b = ~v;
	if (pwrite(fd, &b, 1, (off_t)fpos) != 1)
		problem("pwrite: %s", strerror(errno));
	sig = touch((volatile uint8_t *)arena_addr(page) + off, 0, 1, 0, &got_v);
	if (sig || got_v != b)
		problem("wrote %#x with pwrite(), the mapping shows %#" PRIx64 " (%s)",
			b, got_v, sig_str(sig));
	close(fd);
	trace("coherence %s -> done", M.devs[di].name);
}

/*
 * poll() of a mapdev fd: core's mapdev_irq_poll().  A device without an
 * irq region: DEFAULT_POLLMASK (POLLIN | POLLOUT asked for, so those), dead
 * or alive.  One with an irq region: POLLERR | POLLHUP once it is gone;
 * alive, POLLIN when an interrupt came since this file last read the
 * count, else nothing (the model does not count interrupts per file, so
 * either is accepted).  Threaded, the device may die under the call: the
 * answers of both states are accepted.
 */
static void op_poll(struct rng *r)
{
	int s, fd, di, has_irq = 0, alive = 0;
	struct pollfd p;
	long got;
	short rev;

	LOCK();
	s = slot_pick(r, -1);
	di = s >= 0 ? M.slots[s].dev : -1;
	if (di >= 0) {
		alive = M.devs[di].alive;
		for (int i = 0; i < M.devs[di].nreg; i++)
			if (M.devs[di].reg[i].flags & MAPDEV_REGION_F_IRQ)
				has_irq = 1;
	}
	UNLOCK();
	fd = slot_use(s, -1);
	if (fd < 0)
		return;
	p.fd = fd;
	p.events = POLLIN | POLLOUT | POLLPRI;
	p.revents = 0;
	got = sysret(poll(&p, 1, 0));
	slot_done(s);
	rev = got > 0 ? p.revents : 0;
	snprintf(cur_desc, sizeof(cur_desc), "poll slot %d (%s, %s%s)", s,
		 di >= 0 ? M.devs[di].name : "?", alive ? "alive" : "revoked",
		 has_irq ? ", irq" : "");
	trace("poll s%d -> %ld %#x", s, got, rev);
	if (got < 0 || got > 1 || (got == 1) != (rev != 0)) {
		problem("returned %ld with revents %#x", got, rev);
		return;
	}
	if (di < 0)
		return;
	if (!has_irq) {
		if (rev != (POLLIN | POLLOUT))
			problem("revents %#x, expected POLLIN | POLLOUT (%#x): a device without interrupts",
				rev, POLLIN | POLLOUT);
	} else if (strict && !alive) {
		if (rev != (POLLERR | POLLHUP))
			problem("revents %#x, expected POLLERR | POLLHUP: the device is gone", rev);
	} else if (strict) {
		if (rev != 0 && rev != POLLIN)
			problem("revents %#x, expected 0 or POLLIN: the device is alive", rev);
	} else if (rev != 0 && rev != POLLIN && rev != (POLLERR | POLLHUP)) {
		problem("revents %#x: neither an interrupt's POLLIN nor a gone device's POLLERR | POLLHUP",
			rev);
	}
}

/* edu: raise an interrupt and wait for it. */
static void op_edu_irq(struct rng *r)
{
	int di = -1, fd, n;
	uint32_t v = 1u << below(r, 8), one = 1, cnt;
	char path[80];
	uint16_t cmd;
	struct pollfd p;
	off_t irq = (off_t)MAPDEV_REGION_OFFSET(REGION_IRQ);
	off_t cfg = (off_t)MAPDEV_REGION_OFFSET(REGION_CONFIG);

	LOCK();
	{
		int cand[MAX_DEVS], c = 0;

		for (int i = 0; i < MAX_DEVS; i++)
			if (M.devs[i].used && M.devs[i].alive && M.devs[i].kind == DK_PCI &&
			    M.devs[i].edu && M.devs[i].nreg > REGION_IRQ)
				cand[c++] = i;
		if (c)
			di = cand[below(r, c)];
	}
	if (di >= 0)
		dev_path(M.devs[di].name, path, sizeof(path));
	UNLOCK();
	if (di < 0)
		return;
	snprintf(cur_desc, sizeof(cur_desc), "edu interrupt on %s", path);
	fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		if (strict)
			problem("open: %s", strerror(errno));
		return;
	}
	/* Unmasked, bus master on (MSI is a memory write). */
	if (pwrite(fd, &one, 4, irq) != 4 && strict)
		problem("unmask: %s", strerror(errno));
	if (pread(fd, &cmd, 2, cfg + 4) == 2) {
		cmd |= 4;
		if (pwrite(fd, &cmd, 2, cfg + 4) != 2 && strict)
			problem("bus master on: %s", strerror(errno));
	}
	if (pwrite(fd, &v, 4, 0x60) != 4 && strict)
		problem("raise: %s", strerror(errno));
	p.fd = fd;
	p.events = POLLIN;
	n = poll(&p, 1, 5000);
	if (n != 1 || !(p.revents & POLLIN)) {
		if (strict)
			problem("no interrupt within 5 s (poll %d, revents %#x)", n,
				n > 0 ? p.revents : 0);
	} else if (pread(fd, &cnt, 4, irq) != 4 && strict) {
		problem("read the count: %s", strerror(errno));
	}
	if (pwrite(fd, &v, 4, 0x64) != 4 && strict)
		problem("ack: %s", strerror(errno));
	if (pwrite(fd, &one, 4, irq) != 4 && strict)
		problem("unmask: %s", strerror(errno));
	{
		uint64_t ev;

		for (int i = 0; i < 2; i++)
			if (read(efd[i], &ev, 8) < 0 && errno != EAGAIN)
				problem("eventfd read: %s", strerror(errno));
	}
	close(fd);
	LOCK();
	M.devs[di].irq_masked = 0;
	UNLOCK();
	trace("edu-irq %s -> %d", M.devs[di].name, n);
}

/* PCI topology: unbind, bind, remove, rescan. */
static void op_pci(struct rng *r)
{
	int b = below(r, NBDF), what = below(r, 10), di = -1;
	char p[160];
	long got, expect = EXP_ANY;
	static const int allowed[] = { ENODEV, ENOENT, EBUSY, EINVAL, EEXIST, 0 };
	struct drv_snap before, after;
	const char *wn;

	if (opt.no_pci)
		return;
	LOCK();
	for (int i = 0; i < MAX_DEVS; i++)
		if (M.devs[i].used && M.devs[i].alive && M.devs[i].kind == DK_PCI &&
		    M.devs[i].pci == b)
			di = i;
	UNLOCK();
	drv_snap(&before);
	if (what < 4) {
		wn = "unbind";
		got = write_text("/sys/bus/pci/drivers/mapdev_pci/unbind", bdfs[b]);
		if (M.mod_up[M_PCI])
			expect = di >= 0 ? 0 : -ENODEV;
	} else if (what < 8) {
		wn = "bind";
		snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/driver_override", bdfs[b]);
		got = write_text(p, "mapdev_pci");
		if (!got)
			got = write_text("/sys/bus/pci/drivers_probe", bdfs[b]);
	} else if (what < 9) {
		wn = "remove";
		snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/remove", bdfs[b]);
		got = write_text(p, "1");
	} else {
		wn = "rescan";
		got = write_text("/sys/bus/pci/rescan", "1");
		expect = 0;
	}
	snprintf(cur_desc, sizeof(cur_desc), "pci %s %s", wn, bdfs[b]);
	trace("pci %s %s -> %s", wn, bdfs[b], got ? errname(-got) : "OK");
	judge(cur_desc, got, expect, allowed);
	drv_snap(&after);
	LOCK();
	if ((what < 4 || what == 8) && !got && di >= 0)
		kill_pci(di, wn);
	if (what == 8 && !got)
		kill_bound(b, wn);
	else if (what < 8)
		sweep_bound(&before, &after, what >= 4 && !got ? 1u << b : 0, wn);
	if (strict)
		resync_pci();
	else
		resync_all();
	UNLOCK();
}

/* Module unload and reload: every device of it revoked. */
static void load_buf(struct rng *r);
static void load_pci(struct rng *r);
static void load_phys(struct rng *r);

static void op_module(struct rng *r)
{
	struct drv_snap s0, s1, s2;
	int m = 1 + below(r, 3);
	long got;

	if (opt.no_modules || (m == M_PCI && opt.no_pci) ||
	    (m == M_PHYS && (opt.no_phys || !M.phys_size)))
		return;
	snprintf(cur_desc, sizeof(cur_desc), "rmmod %s", mod_names[m]);
	if (m == M_PCI)
		drv_snap(&s0);
	got = mod_unload(m);
	if (m == M_PCI)
		drv_snap(&s1);
	trace("rmmod %s -> %s", mod_names[m], got ? errname(-got) : "OK");
	judge(cur_desc, got, M.mod_up[m] ? 0 : -ENOENT, NULL);
	LOCK();
	if (!got) {
		M.mod_up[m] = 0;
		if (m == M_BUF) {
			kill_kind(DK_BUF, "rmmod");
			kill_kind(DK_PBUF, "rmmod");
			kill_kind(DK_CTL, "rmmod");
		} else if (m == M_PCI) {
			for (int i = 0; i < MAX_DEVS; i++)
				if (M.devs[i].used && M.devs[i].alive && M.devs[i].kind == DK_PCI)
					kill_pci(i, "rmmod");
			sweep_bound(&s0, &s1, 0, "rmmod");
		} else {
			kill_kind(DK_PHYS, "rmmod");
		}
	}
	if (m == M_BUF)
		load_buf(r);
	else if (m == M_PCI)
		load_pci(r);
	else
		load_phys(r);
	if (m == M_PCI) {
		/* Loading binds (or tries) what names it in driver_override. */
		drv_snap(&s2);
		sweep_bound(&s1, &s2, ~0u, "modprobe");
	}
	if (!strict)
		resync_all();
	UNLOCK();
}

static void op_map_mode(struct rng *r)
{
	static const char *const modes[] = { "fault", "batch", "populate", "bogus", "" };
	static const char *const batches[] = { "1", "2", "64", "512", "3", "1024", "0", "x" };
	long got, expect;
	const char *v;

	if (chance(r, 60)) {
		int i = below(r, 5);

		v = modes[i];
		got = write_text("/sys/module/mapdev_core/parameters/map_mode", v);
		expect = i < 3 || !*v ? 0 : -EINVAL;
		if (!got && i < 3)
			M.map_mode = i;
	} else {
		int i = below(r, 8);

		v = batches[i];
		got = write_text("/sys/module/mapdev_core/parameters/fault_batch", v);
		expect = i < 4 ? 0 : -EINVAL;
	}
	snprintf(cur_desc, sizeof(cur_desc), "map_mode/fault_batch '%s'", v);
	trace("param %s -> %s", v, got ? errname(-got) : "OK");
	judge(cur_desc, got, expect, NULL);
}

static void op_sysfs(struct rng *r)
{
	static const char *const attrs[] = {
		"map_count", "open_count", "num_regions", "driver", "size",
		"backend", "cache", "memtype", "dma_addr", "dma_segments",
		"sync_offset", "sync_size", "sync_direction", "sync_for_cpu",
		"sync_for_device", "region0/name", "region0/size", "region0/offset",
		"region0/backend", "region0/cache", "region0/flags",
		"region0/map_count", "region0/dma_addr", "region2/size",
		"region6/size", "region7/name",
	};
	static const char *const vals[] = {
		"0", "1", "2", "3", "4096", "-1", "x", "99999999999999999999",
		"0x1000", "", "1\n", "18446744073709551615",
	};
	static const int allowed[] = { ENOENT, EINVAL, ERANGE, EACCES, EIO, EPERM, ENODEV, 0 };
	int di = -1, a = below(r, sizeof(attrs) / sizeof(attrs[0]));
	int wr = chance(r, 35);
	char p[160], v[256], name[40] = "nosuch";
	long got;

	LOCK();
	{
		int cand[MAX_DEVS], c = 0;

		for (int i = 0; i < MAX_DEVS; i++)
			if (M.devs[i].used && (M.devs[i].alive || chance(r, 5)))
				cand[c++] = i;
		if (c)
			di = cand[below(r, c)];
	}
	if (di >= 0)
		snprintf(name, sizeof(name), "%s", M.devs[di].name);
	UNLOCK();
	snprintf(p, sizeof(p), "/sys/class/mapdev/%s/%s", name, attrs[a]);
	if (wr) {
		const char *val = vals[below(r, sizeof(vals) / sizeof(vals[0]))];

		got = write_text(p, val);
		snprintf(cur_desc, sizeof(cur_desc), "write '%s' to %s", val, p);
	} else {
		got = read_text(p, v, sizeof(v));
		snprintf(cur_desc, sizeof(cur_desc), "read %s", p);
	}
	trace("sysfs %s %s -> %s", wr ? "w" : "r", p, got ? errname(-got) : "OK");
	judge(cur_desc, got, EXP_ANY, allowed);
}

static void op_fail_alloc(struct rng *r)
{
	int n = below(r, 4);
	char v[16];
	long got;

	snprintf(v, sizeof(v), "%d", n);
	got = write_text("/sys/kernel/debug/mapdev/fail_alloc", v);
	snprintf(cur_desc, sizeof(cur_desc), "fail_alloc %d", n);
	trace("fail_alloc %d -> %s", n, got ? errname(-got) : "OK");
	judge(cur_desc, got, 0, NULL);
	LOCK();
	if (!got)
		M.fail_alloc = n;
	UNLOCK();
}

/*
 * The counters against the model (strict): open_count and map_count of
 * each device, core's buffers/bytes/devices.
 */
static void check_counters(const char *when)
{
	long long exp_devices, exp_buffers = 0, exp_bytes = 0, v;
	int registered = count_class_devices();

	snprintf(cur_desc, sizeof(cur_desc), "counters %s", when);
	LOCK();
	rebuild_runs();
	exp_devices = registered;
	for (int i = 0; i < MAX_DEVS; i++) {
		struct dev *d = &M.devs[i];
		int opens = 0, maps = 0, nf = 0;
		uint32_t fids[256];

		if (!d->used)
			continue;
		/* Open files: held by an fd or by a mapping made through it. */
		for (int s = 0; s < MAX_SLOTS; s++)
			if (M.slots[s].fd >= 0 && M.slots[s].dev == i && nf < 256)
				fids[nf++] = M.slots[s].fid;
		for (int k = 0; k < M.nruns; k++) {
			struct run *ru = &M.runs[k];

			if (ru->kind != 2 || ru->dev != i)
				continue;
			maps++;
			for (uint32_t q = ru->start; q < ru->start + ru->n; q++) {
				int seen = 0;

				for (int f = 0; f < nf && !seen; f++)
					seen = fids[f] == M.fid[q];
				if (!seen && nf < 256)
					fids[nf++] = M.fid[q];
			}
		}
		opens = nf;
		if (d->alive) {
			if ((v = sysfs_ll(d->name, "open_count")) != opens)
				problem("%s: open_count %lld, the model has %d open files", d->name, v, opens);
			if ((v = sysfs_ll(d->name, "map_count")) != maps)
				problem("%s: map_count %lld, /proc/self/maps has %d", d->name, v, maps);
			if (node_ino(d->name) != d->ino)
				problem("%s: its node is gone or another", d->name);
		} else if (opens || maps) {
			exp_devices++;		/* held by an fd or a VMA */
		}
		/* A buffer's memory goes with its device, mapped or not. */
		if (dev_buffer(d) && d->alive) {
			exp_buffers++;
			exp_bytes += d->reg[0].size;
		}
	}
	UNLOCK();
	if ((v = stat_ll("devices")) != exp_devices)
		problem("debugfs devices %lld, expected %lld (%d registered)", v,
			exp_devices, registered);
	if ((v = stat_ll("buffers")) != exp_buffers)
		problem("debugfs buffers %lld, expected %lld", v, exp_buffers);
	if ((v = stat_ll("bytes")) != exp_bytes)
		problem("debugfs bytes %lld, expected %lld", v, exp_bytes);
	trace("counters %s", when);
}

static void op_check(struct rng *r)
{
	(void)r;
	if (strict)
		check_counters("mid-run");
}

static struct op ops[] = {
	{ "open", 14, op_open, 0, 1 },
	{ "close", 7, op_close, 0, 1 },
	{ "mmap", 22, op_mmap, 0, 1 },
	{ "mmap_anon", 3, op_mmap_anon, 0, 1 },
	{ "munmap", 7, op_munmap, 0, 1 },
	{ "mremap", 4, op_mremap, 0, 1 },
	{ "mprotect", 5, op_mprotect, 0, 1 },
	{ "madvise", 5, op_madvise, 0, 1 },
	{ "touch", 22, op_touch, 0, 1 },
	{ "rw", 14, op_rw, 0, 1 },
	{ "lseek", 2, op_lseek, 0, 1 },
	{ "ioctl", 16, op_ioctl, 0, 1 },
	{ "buf", 8, op_buf_ctl, 0, 1 },
	{ "pcibuf", 3, op_buf_pci, 0, 1 },
	{ "procmem", 4, op_procmem, 0, 1 },
	{ "pin", 3, op_pin, 0, 1 },
	{ "fork", 2, op_fork, 0, 1 },
	{ "coherence", 3, op_coherence, 1, 1 },
	{ "poll", 2, op_poll, 0, 1 },
	{ "irq", 1, op_edu_irq, 0, 1 },
	{ "pci", 2, op_pci, 0, 1 },
	{ "module", 1, op_module, 0, 1 },
	{ "param", 1, op_map_mode, 0, 1 },
	{ "sysfs", 4, op_sysfs, 0, 1 },
	{ "fail_alloc", 1, op_fail_alloc, 0, 1 },
	{ "check", 2, op_check, 1, 1 },
};
#define NOPS (int)(sizeof(ops) / sizeof(ops[0]))

static int list_has(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; p && *p;) {
		const char *e = strchr(p, ',');
		size_t l = e ? (size_t)(e - p) : strlen(p);

		if (l == n && !strncmp(p, name, n))
			return 1;
		p = e ? e + 1 : NULL;
	}
	return 0;
}

/* -- setup ----------------------------------------------------------------- */

static void load_buf(struct rng *r)
{
	char params[512] = "", spec[256];
	int n = below(r, 4), bits = chance(r, 85) ? 64 : chance(r, 50) ? 32 : 40;
	struct { char name[16]; uint64_t size; int backend, cache; } b[4];
	long got;

	for (int i = 0; i < n; i++) {
		static const char *const bk[] = { "coherent", "contig", "sg" };
		static const char *const ca[] = { "cached", "uncached", "wc" };

		snprintf(b[i].name, sizeof(b[i].name), "fp%d", i);
		b[i].size = PG * (1 + below(r, 64));
		b[i].backend = below(r, 3);
		b[i].cache = below(r, 3);
		snprintf(spec, sizeof(spec), "%s%s:%" PRIu64 "K:%s:%s", i ? "," : "",
			 b[i].name, b[i].size >> 10, bk[b[i].backend], ca[b[i].cache]);
		strcat(params, spec);
	}
	snprintf(spec, sizeof(spec), " dma_bits=%d", bits);
	{
		char full[800];

		snprintf(full, sizeof(full), "%s%s%s", n ? "buffers=" : "", params, spec);
		got = mod_load(M_BUF, full);
		snprintf(cur_desc, sizeof(cur_desc), "load mapdev_buf %s", full);
		trace("load mapdev_buf %s -> %s", full, got ? errname(-got) : "OK");
	}
	/* fail_alloc may fail one of the load's buffers (EINVAL... ENOMEM). */
	if (got && M.fail_alloc > 0 && M.fail_alloc <= n) {
		M.fail_alloc = 0;
		got = mod_load(M_BUF, spec + 1);
		n = 0;
	} else if (M.fail_alloc > 0) {
		M.fail_alloc = M.fail_alloc > n ? M.fail_alloc - n : 0;
	}
	if (got) {
		/* With threads another may be loading or unloading it. */
		if (strict)
			problem("loading mapdev_buf: %s", errname(-got));
		return;
	}
	M.mod_up[M_BUF] = 1;
	dev_learn(DK_CTL, "buf-control", -1);
	for (int i = 0; i < n; i++)
		learn_buffer(DK_PBUF, b[i].name, -1, b[i].size, b[i].backend, b[i].cache);
}

static void load_pci(struct rng *r)
{
	static const char *const modes[] = { "auto", "msi", "intx" };
	char params[64];
	long got;

	if (opt.no_pci || !mod_paths[M_PCI][0])
		return;
	M.pci_irq_mode = below(r, 3);
	snprintf(params, sizeof(params), "irq_mode=%s", modes[M.pci_irq_mode]);
	got = mod_load(M_PCI, params);
	trace("load mapdev_pci %s -> %s", params, got ? errname(-got) : "OK");
	if (got) {
		if (strict)
			problem("loading mapdev_pci: %s", errname(-got));
		return;
	}
	M.mod_up[M_PCI] = 1;
	resync_pci();
}

static void load_phys(struct rng *r)
{
	static const char *const ca[] = { "cached", "uncached", "wc" };
	char params[256];
	long got;

	if (opt.no_phys || !M.phys_size || !mod_paths[M_PHYS][0])
		return;
	snprintf(params, sizeof(params), "ranges=fr0:%#" PRIx64 ":4M:%s,fr1:%#" PRIx64 ":64K:%s",
		 M.phys_base, ca[below(r, 3)], M.phys_base + (8 << 20), ca[below(r, 3)]);
	got = mod_load(M_PHYS, params);
	trace("load mapdev_phys %s -> %s", params, got ? errname(-got) : "OK");
	if (got) {
		if (strict)
			problem("loading mapdev_phys: %s", errname(-got));
		return;
	}
	M.mod_up[M_PHYS] = 1;
	dev_learn(DK_PHYS, "phys-fr0", -1);
	dev_learn(DK_PHYS, "phys-fr1", -1);
}

/* Binds the PCI functions to mapdev_pci (whatever held them before). */
/*
 * Whether mapdev_pci with irq_mode @mode (0 auto, 1 msi, 2 intx) can bind
 * the function: msi needs an MSI capability, intx an interrupt pin (its
 * config space, via sysfs; QEMU's functions have the PCI 2.3 INTx disable
 * bit); auto takes what there is, or none.
 */
static int pci_can_bind(const char *bdf, int mode)
{
	uint8_t cfg[256];
	char p[160];
	int fd, n, pos, hops = 0, msi = 0;

	snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/config", bdf);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = pread(fd, cfg, sizeof(cfg), 0);
	close(fd);
	if (n < 64)
		return 0;
	if (cfg[6] & 0x10)		/* status: a capability list */
		for (pos = cfg[0x34] & ~3; pos >= 0x40 && pos < n - 1 && hops++ < 48;
		     pos = cfg[pos + 1] & ~3)
			if (cfg[pos] == 0x05)
				msi = 1;
	return mode == 1 ? msi : mode == 2 ? cfg[0x3d] != 0 : 1;
}

static void bind_all_pci(void)
{
	for (int b = 0; b < NBDF; b++) {
		char p[160];

		snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s", bdfs[b]);
		if (access(p, F_OK)) {
			/* scripts/vm attaches them; --no-pci where it did not. */
			problem("PCI function %s is not there (scripts/vm --no-devices? then --no-pci)",
				bdfs[b]);
			continue;
		}
		snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/driver/unbind", bdfs[b]);
		write_text(p, bdfs[b]);
		snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/driver_override", bdfs[b]);
		write_text(p, "mapdev_pci");
		write_text("/sys/bus/pci/drivers_probe", bdfs[b]);
		snprintf(p, sizeof(p), "/dev/mapdev/pci-%s", bdfs[b]);
		/* irq_mode=msi or intx: a function without one fails its probe. */
		if (access(p, F_OK) && pci_can_bind(bdfs[b], M.pci_irq_mode))
			problem("%s did not bind to mapdev_pci (irq_mode %d): no %s", bdfs[b],
				M.pci_irq_mode, p);
		else if (!access(p, F_OK) && !pci_can_bind(bdfs[b], M.pci_irq_mode))
			problem("%s bound to mapdev_pci with irq_mode %d, which it has no interrupt for",
				bdfs[b], M.pci_irq_mode);
	}
	resync_pci();
}

static void unload_all(void)
{
	for (int m = NMOD - 1; m >= 0; m--)
		if (mod_loaded(m))
			mod_unload(m);
}

static void setup(void)
{
	struct rng r = stream(~0ULL, 0, 0);
	static const char *const mm[] = { "fault", "batch", "populate" };
	const char *res = getenv("MAPDEV_PHYS_RESERVED");
	char params[128];
	void *a;
	long got;

	cur_call = 0;
	snprintf(cur_desc, sizeof(cur_desc), "setup");
	mod_find_paths();
	/* A clean start: nothing of mapdev loaded. */
	write_text("/sys/bus/pci/rescan", "1");
	unload_all();
	if (mod_loaded(M_CORE))
		die("mapdev_core cannot be unloaded (something holds it): a clean start is needed");
	if (res && !opt.no_phys) {
		char *end;

		M.phys_base = strtoull(res, &end, 0);
		M.phys_size = *end == ':' ? strtoull(end + 1, &end, 0) : 0;
		if (*end == 'M')
			M.phys_size <<= 20;
		if (M.phys_size < (16 << 20))
			M.phys_size = 0;
	}
	M.map_mode = below(&r, 3);
	snprintf(params, sizeof(params), "map_mode=%s fault_batch=%d", mm[M.map_mode],
		 1 << below(&r, 10));
	got = mod_load(M_CORE, params);
	trace("load mapdev_core %s -> %s", params, got ? errname(-got) : "OK");
	if (got)
		die("load mapdev_core: %s", strerror(-got));
	M.mod_up[M_CORE] = 1;
	load_buf(&r);
	if (!opt.no_pci && mod_paths[M_PCI][0]) {
		load_pci(&r);
		bind_all_pci();
	}
	load_phys(&r);

	/* The arena must be free. */
	a = mmap((void *)ARENA_BASE, 2 * ARENA_SIZE, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
	if (a != (void *)ARENA_BASE)
		die("the arena at %#lx is not free", ARENA_BASE);
	munmap(a, 2 * ARENA_SIZE);

	{
		struct statvfs sv;

		dev_noexec = !statvfs("/dev/mapdev", &sv) && (sv.f_flag & ST_NOEXEC);
	}
	mem_fd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	efd[0] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	efd[1] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (kmsg_fd >= 0)
		lseek(kmsg_fd, 0, SEEK_END);
	/* O_DIRECT: a RAM disk pins what it reads into; else a file. */
	if (!system("modprobe brd rd_nr=1 rd_size=1024 2>/dev/null") &&
	    (odirect_fd = open("/dev/ram0", O_RDWR | O_DIRECT | O_CLOEXEC)) >= 0)
		odirect_blockdev = 1;
	if (mem_fd < 0 || efd[0] < 0 || efd[1] < 0)
		die("setup: %s", strerror(errno));
	for (int s = 0; s < MAX_SLOTS; s++) {
		pthread_rwlockattr_t at;

		pthread_rwlockattr_init(&at);
		pthread_rwlockattr_setkind_np(&at, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
		pthread_rwlock_init(&M.slots[s].lk, &at);
		M.slots[s].fd = -1;
	}
	LOCK();
	rebuild_runs();
	UNLOCK();
}

/* Kernel log lines that mean trouble, since the start. */
static void check_kmsg(void)
{
	/* scripts/vm's patterns (it fails the run on them), as substrings. */
	static const char *const bad[] = {
		"BUG:", "WARNING:", "Oops", "KASAN", "bad page", "Bad page", "Call Trace",
		"INFO: possible", "UBSAN", "kmemleak", "DMA-API", "kernel BUG at",
		"general protection fault", "Kernel panic", "INFO: task ", "rcu: INFO:",
		"detected stall", "LOCKUP", "lockup", "BUG ", "ODEBUG:", "corruption",
		"refcount_t: ", "INFO: trying to register", "x86/PAT: ", "ioremap error",
		"ioremap memtype_reserve failed", "leaking them",
	};
	/*
	 * Threads share kmsg_fd: one reads at a time, so a report's lines
	 * come in order to whichever thread reads them.
	 */
	static pthread_mutex_t kmsg_lock = PTHREAD_MUTEX_INITIALIZER;
	static int context;	/* lines of a report still to show */
	char rec[2048];
	ssize_t n;

	if (kmsg_fd < 0)
		return;
	pthread_mutex_lock(&kmsg_lock);
	for (;;) {
		char *msg;
		int hit = 0;

		n = read(kmsg_fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;
		if (n <= 0)
			break;
		rec[n] = '\0';
		rec[strcspn(rec, "\n")] = '\0';
		msg = strchr(rec, ';');
		msg = msg ? msg + 1 : rec;
		for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]) && !hit; i++)
			hit = strstr(rec, bad[i]) != NULL;
		if (hit && !context) {
			problem("kernel log: %s", msg);
			context = 40;	/* the report's next lines: the stack */
		} else if (context) {
			context--;
			pthread_mutex_lock(&out_lock);
			printf("  kernel log: %s\n", msg);
			pthread_mutex_unlock(&out_lock);
		}
	}
	pthread_mutex_unlock(&kmsg_lock);
}

/*
 * What the fuzzer still holds of the devices once its slots are closed
 * and its arena unmapped: each is a problem (a file or mapping the model
 * lost track of keeps a device alive, and the counters after it would
 * blame the kernel), named, then dropped so the checks after it hold.
 */
static void drop_leftovers(void)
{
	char line[512], path[64], target[256];
	struct dirent *de;
	FILE *f;
	DIR *dir;
	ssize_t n;

	f = fopen("/proc/self/maps", "re");
	while (f && fgets(line, sizeof(line), f)) {
		unsigned long a, z;

		if (!strstr(line, "/dev/mapdev/") && !strstr(line, "dmabuf"))
			continue;
		line[strcspn(line, "\n")] = '\0';
		problem("still mapped at the end: %s", line);
		if (sscanf(line, "%lx-%lx", &a, &z) == 2)
			munmap((void *)a, z - a);
	}
	if (f)
		fclose(f);
	dir = opendir("/proc/self/fd");
	while (dir && (de = readdir(dir))) {
		int fd = atoi(de->d_name);

		if (de->d_name[0] == '.' || fd == dirfd(dir))
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		n = readlink(path, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		if (!strncmp(target, "/dev/mapdev/", 12) || strstr(target, "dmabuf")) {
			problem("still open at the end: fd %d, %s", fd, target);
			close(fd);
		}
	}
	if (dir)
		closedir(dir);
}

/* Everything closed, unmapped, destroyed: counters, then unload. */
static void teardown(void)
{
	long long v;
	int got;

	cur_call = UINT64_MAX;
	snprintf(cur_desc, sizeof(cur_desc), "teardown");
	munmap((void *)ARENA_BASE, ARENA_SIZE);
	for (int s = 0; s < MAX_SLOTS; s++)
		if (M.slots[s].fd >= 0) {
			close(M.slots[s].fd);
			M.slots[s].fd = -1;
		}
	if (odirect_fd >= 0)
		close(odirect_fd);
	if (odirect_blockdev)
		(void)!system("rmmod brd 2>/dev/null");
	drop_leftovers();
	if (strict)
		check_counters("at the end");
	/* Every device is freed once no fd or mapping holds it. */
	if ((v = stat_ll("devices")) != count_class_devices())
		problem("at the end: debugfs devices %lld, %d registered", v,
			count_class_devices());
	for (int m = NMOD - 1; m > M_CORE; m--) {
		if (!mod_loaded(m))
			continue;
		got = mod_unload(m);
		if (got)
			problem("rmmod %s: %s", mod_names[m], errname(-got));
	}
	if ((v = stat_ll("buffers")) != 0)
		problem("with every module but core gone: debugfs buffers %lld", v);
	if ((v = stat_ll("bytes")) != 0)
		problem("with every module but core gone: debugfs bytes %lld", v);
	if ((v = stat_ll("devices")) != 0)
		problem("with every module but core gone: debugfs devices %lld", v);
	got = mod_unload(M_CORE);
	if (got)
		problem("rmmod mapdev_core: %s", errname(-got));
	/* Leave the PCI functions present and unbound, as they were. */
	write_text("/sys/bus/pci/rescan", "1");
	for (int b = 0; b < NBDF; b++) {
		char p[160];

		snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/driver_override", bdfs[b]);
		write_text(p, "\n");
	}
	check_kmsg();
}

/* -- running --------------------------------------------------------------- */

static uint64_t total_weight;
static uint64_t calls_done;
static pthread_mutex_t count_lock = PTHREAD_MUTEX_INITIALIZER;

static int out_of_time(void)
{
	return stop_all || (opt.time_limit > 0 && now() - t_start > opt.time_limit);
}

/* Thread @t makes calls t, t + T, t + 2T, ... below opt.calls. */
static void *runner(void *arg)
{
	int t = (int)(intptr_t)arg;
	uint64_t i;

	cur_thread = t;
	if (posix_memalign((void **)&data, PG, DATA_SIZE))
		die("out of memory");
	argpage = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (argpage == MAP_FAILED || mprotect(argpage + PG, PG, PROT_NONE))
		die("mmap: %s", strerror(errno));
	memset(data, 0, DATA_SIZE);
	for (i = t; i < opt.calls; i += opt.threads) {
		struct rng r = stream(i, 1, 0);
		uint64_t w;
		int k;

		if (out_of_time())
			break;
		cur_call = i;
		w = below(&r, total_weight);
		for (k = 0; k < NOPS; k++) {
			if (!ops[k].enabled)
				continue;
			if (w < (uint64_t)ops[k].weight)
				break;
			w -= ops[k].weight;
		}
		snprintf(cur_desc, sizeof(cur_desc), "%s", ops[k].name);
		ops[k].fn(&r);
		check_kmsg();
		pthread_mutex_lock(&count_lock);
		calls_done++;
		pthread_mutex_unlock(&count_lock);
	}
	return NULL;
}

static void usage(void)
{
	printf("usage: mapdev_fuzz [OPTION]...  (in the test VM, as root)\n"
	       "  --seed S        the seed (default: from the clock); printed first\n"
	       "  --calls N       calls to make (default 20000)\n"
	       "  --time SECS     stop after SECS seconds even if calls remain\n"
	       "  --threads T     T threads at once (default 1: reproducible)\n"
	       "  --trace         print every call\n"
	       "  --skip OPS      leave out these operations (comma-separated)\n"
	       "  --only OPS      only these operations\n"
	       "  --no-pci, --no-phys, --no-modules (no unload/reload)\n"
	       "  --keep-going    do not stop after 20 problems\n"
	       "  --no-teardown   leave the modules loaded at the end\n"
	       "  --list-ops      the operations and their weights\n"
	       "exit status: 0 no problem, 1 problems (PROBLEM lines), 2 could not run\n");
}

int main(int argc, char **argv)
{
	pthread_t th[MAX_THREADS];
	struct sigaction sa;
	int have_seed = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--seed") && v) {
			opt.seed = strtoull(v, NULL, 0);
			have_seed = 1;
			i++;
		} else if (!strcmp(a, "--calls") && v) {
			opt.calls = strtoull(v, NULL, 0);
			i++;
		} else if (!strcmp(a, "--time") && v) {
			opt.time_limit = atof(v);
			i++;
		} else if (!strcmp(a, "--threads") && v) {
			opt.threads = atoi(v);
			i++;
		} else if (!strcmp(a, "--skip") && v) {
			opt.skip = v;
			i++;
		} else if (!strcmp(a, "--only") && v) {
			opt.only = v;
			i++;
		} else if (!strcmp(a, "--trace")) {
			opt.trace = 1;
		} else if (!strcmp(a, "--no-pci")) {
			opt.no_pci = 1;
		} else if (!strcmp(a, "--no-phys")) {
			opt.no_phys = 1;
		} else if (!strcmp(a, "--no-modules")) {
			opt.no_modules = 1;
		} else if (!strcmp(a, "--no-teardown")) {
			opt.no_teardown = 1;
		} else if (!strcmp(a, "--keep-going")) {
			opt.keep_going = 1;
		} else if (!strcmp(a, "--list-ops")) {
			for (int k = 0; k < NOPS; k++)
				printf("%-12s %3d%s\n", ops[k].name, ops[k].weight,
				       ops[k].strict_only ? "  (one thread only)" : "");
			return 0;
		} else {
			usage();
			return !strcmp(a, "--help") || !strcmp(a, "-h") ? 0 : 2;
		}
	}
	if (opt.threads < 1 || opt.threads > MAX_THREADS)
		die("--threads: 1 to %d", MAX_THREADS);
	if (!have_seed) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		opt.seed = mix64(ts.tv_sec ^ ((uint64_t)ts.tv_nsec << 20) ^ getpid()) % 1000000000;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("mapdev_fuzz: seed %" PRIu64 " calls %" PRIu64 " threads %d%s\n", opt.seed,
	       opt.calls, opt.threads, opt.time_limit > 0 ? " (time-limited)" : "");
	printf("mapdev_fuzz: replay with: mapdev_fuzz --seed %" PRIu64 " --calls %" PRIu64 "%s\n",
	       opt.seed, opt.calls, opt.threads > 1 ? " (threaded runs do not replay exactly)" : "");
	if (getenv("MAPDEV_VM") == NULL || strcmp(getenv("MAPDEV_VM"), "1"))
		die("not in the test VM (MAPDEV_VM=1): it loads kernel modules; run 'make fuzz' or scripts/vm -- %s",
		    argv[0]);
	if (geteuid())
		die("needs root");
	strict = opt.threads == 1;
	for (int k = 0; k < NOPS; k++) {
		if (opt.only)
			ops[k].enabled = list_has(opt.only, ops[k].name);
		if (opt.skip && list_has(opt.skip, ops[k].name))
			ops[k].enabled = 0;
		if (ops[k].strict_only && !strict)
			ops[k].enabled = 0;
		if (ops[k].enabled)
			total_weight += ops[k].weight;
	}
	if (!total_weight)
		die("no operation left");

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	t_start = now();
	setup();
	printf("mapdev_fuzz: setup %.1f s: map_mode %d, pci %s, phys %s, O_DIRECT %s\n",
	       now() - t_start, M.map_mode, M.mod_up[M_PCI] ? "yes" : "no",
	       M.mod_up[M_PHYS] ? "yes" : "no",
	       odirect_fd < 0 ? "none" : odirect_blockdev ? "/dev/ram0" : "file");
	t_start = now();
	if (opt.threads == 1) {
		runner((void *)0);
	} else {
		for (int t = 0; t < opt.threads; t++)
			if (pthread_create(&th[t], NULL, runner, (void *)(intptr_t)t))
				die("pthread_create");
		for (int t = 0; t < opt.threads; t++)
			pthread_join(th[t], NULL);
	}
	cur_thread = 0;
	{
		double el = now() - t_start;

		printf("mapdev_fuzz: %" PRIu64 " calls in %.1f s (%.0f/s); touches: %ld worked, %ld SIGSEGV, %ld SIGBUS\n",
		       calls_done, el, el > 0 ? calls_done / el : 0.0, touches[0],
		       touches[1], touches[2]);
	}
	if (!opt.no_teardown)
		teardown();
	else
		check_kmsg();
	printf("mapdev_fuzz: trace hash %016" PRIx64 "%s\n", trace_hash,
	       strict ? "" : " (threaded: not comparable)");
	if (problems) {
		printf("mapdev_fuzz: seed %" PRIu64 ": %ld problem(s); the first at call %" PRIu64
		       "; replay: mapdev_fuzz --seed %" PRIu64 " --calls %" PRIu64 " --trace\n",
		       opt.seed, problems, first_problem_call, opt.seed,
		       first_problem_call == UINT64_MAX ? opt.calls : first_problem_call + 1);
		return 1;
	}
	printf("mapdev_fuzz: seed %" PRIu64 ": no problem\n", opt.seed);
	return 0;
}
