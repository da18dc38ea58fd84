// SPDX-License-Identifier: GPL-2.0
/*
 * VM tests of the kernel's I/O paths on mapdev mappings: O_DIRECT,
 * vmsplice, process_vm_readv/writev and io_uring (fixed buffers too) from
 * and into mappings of page-backed buffers (contig, sg), the EFAULT of PFN
 * mappings (coherent), and pages an I/O pinned outliving a destroy.
 *
 * The block devices are scripts/vm's --disk disks, found by their serial:
 * mapdev-disk0 (any size, at least 64 MiB) and mapdev-disk1, whose writes
 * QEMU throttles (make vm-check attaches both: tests/tests.mk).  io_uring
 * is driven with raw system calls (no liburing).
 */
#define HARNESS_IMPLEMENTATION
#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <linux/futex.h>
#include <linux/io_uring.h>
#include "mapdev_test.h"

const char *harness_suite = "io";

#define PG 4096UL
#define MiB (1UL << 20)

static const char *const cache_name[] = { "cached", "uncached", "wc" };

/* The block device of scripts/vm --disk number @n (serial mapdev-diskN). */
static const char *vm_disk(int n)
{
	static char path[300];
	char want[32], serial[64], sp[300];
	struct dirent *e;
	int tries;
	DIR *d;

	snprintf(want, sizeof(want), "mapdev-disk%d", n);
	sh("modprobe virtio_blk 2>/dev/null");
	for (tries = 0; tries < 100; tries++) {
		d = opendir("/sys/block");
		while (d && (e = readdir(d))) {
			if (strncmp(e->d_name, "vd", 2))
				continue;
			snprintf(sp, sizeof(sp), "/sys/block/%s/serial", e->d_name);
			if (!read_file(sp, serial, sizeof(serial)) && !strcmp(serial, want)) {
				snprintf(path, sizeof(path), "/dev/%s", e->d_name);
				closedir(d);
				return path;
			}
		}
		if (d)
			closedir(d);
		usleep(100000);
	}
	return NULL;
}

static int open_disk(int n)
{
	const char *path = vm_disk(n);
	int fd;

	if (!path)
		SKIP("no disk mapdev-disk%d: boot with scripts/vm --disk FILE (make vm-check attaches its disks)",
		     n);
	fd = open(path, O_RDWR | O_DIRECT | O_CLOEXEC);
	if (fd < 0)
		FAILF("open %s O_DIRECT: %s", path, strerror(errno));
	return fd;
}

/* Page-aligned anonymous memory (O_DIRECT's alignment), filled with @c. */
static uint8_t *anon(size_t len, int c)
{
	uint8_t *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		FAILF("mmap anonymous %zu: %s", len, strerror(errno));
	memset(p, c, len);
	return p;
}

static void fill(uint8_t *p, size_t len, unsigned int seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = pattern(i, seed);
}

/* The first byte of @p that is not the pattern, or -1. */
static long mismatch(const uint8_t *p, size_t len, unsigned int seed)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != pattern(i, seed))
			return (long)i;
	return -1;
}

/* What @fd holds at @off (read into anonymous memory) is the pattern. */
static void check_fd(int fd, const char *what, off_t off, size_t len,
		     unsigned int seed)
{
	uint8_t *a = anon(len, 0);
	long bad;

	CHECK_EQ(pread(fd, a, len, off), (long long)len);
	bad = mismatch(a, len, seed);
	if (bad >= 0)
		FAILF("%s byte %ld at 0x%llx: %#x, expected %#x", what, bad,
		      (unsigned long long)off, a[bad], pattern(bad, seed));
	munmap(a, len);
}

/* What the disk holds, read O_DIRECT. */
#define check_disk(bd, off, len, seed)	check_fd(bd, "disk", off, len, seed)
/* What the buffer holds, through read() on its fd: the kernel's view. */
#define check_buffer(fd, off, len, seed) check_fd(fd, "buffer", off, len, seed)

/* Kernel version at least @maj.@min. */
static int kernel_at_least(int maj, int min)
{
	struct utsname u;
	int a = 0, b = 0;

	CHECK_OK(uname(&u));
	CHECK(sscanf(u.release, "%d.%d", &a, &b) == 2);
	return a > maj || (a == maj && b >= min);
}

static const char *const map_mode = "/sys/module/mapdev_core/parameters/map_mode";

/* -- O_DIRECT ------------------------------------------------------------------ */

#define KPF_COMPOUND_HEAD	15
#define KPF_COMPOUND_TAIL	16

/*
 * What /proc/kpageflags says of each page of the mapping @p of @n pages
 * (touched first): 'H' a compound head, 'T' a tail, '.' a page on its own.
 */
static void page_kinds(volatile uint8_t *p, size_t n, char *kinds)
{
	int kf = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	uint64_t flags;

	CHECK(kf >= 0);
	for (size_t i = 0; i < n; i++) {
		(void)p[i * PG];
		CHECK_EQ(pread(kf, &flags, 8, (off_t)pagemap_pfn(p + i * PG) * 8), 8);
		kinds[i] = flags & (1ULL << KPF_COMPOUND_HEAD) ? 'H' :
			   flags & (1ULL << KPF_COMPOUND_TAIL) ? 'T' : '.';
	}
	close(kf);
}

/* page_kinds() of a new buffer "iofol" of @n pages, mapped whole. */
static void buffer_kinds(uint32_t backend, size_t n, char *kinds)
{
	uint8_t *p;
	int fd;

	buf_create("iofol", n * PG, backend, 0);
	fd = buf_open("iofol", O_RDWR);
	p = map(fd, n * PG, PROT_READ, 0);
	page_kinds(p, n, kinds);
	munmap(p, n * PG);
	close(fd);
	buf_destroy("iofol");
}

/*
 * The pages of sg buffers, and of contig buffers a power of two pages in
 * size, are compound allocations: since Linux 6.5 GUP-fast sends order-0
 * pages that belong to no file to its slow path a page at a time (an
 * O_DIRECT write from split pages took 2.6x the time of one from anonymous
 * memory on 6.12).  Only the odd last page of an sg buffer stands alone,
 * and a contig buffer of another size is split pages (its tail was given
 * back).
 */
TEST(page_backed_buffers_are_large_folios)
{
	static char kinds[1027];
	const size_t n = 1027;	/* 4 MiB and 3 pages: orders 9, 9, 1, 0 */
	size_t i;

	buffer_kinds(MAPDEV_BACKEND_SG, n, kinds);
	CHECK_EQ(kinds[0], 'H');
	for (i = 1; i < n - 1; i++)
		if (kinds[i] == '.')
			FAILF("sg page %zu of %zu is not part of a compound allocation", i, n);
	if (kinds[n - 1] != '.')
		FAILF("the odd last sg page is '%c', expected a page on its own", kinds[n - 1]);

	buffer_kinds(MAPDEV_BACKEND_CONTIG, MiB / PG, kinds);
	CHECK_EQ(kinds[0], 'H');
	for (i = 1; i < MiB / PG; i++)
		if (kinds[i] != 'T')
			FAILF("contig 1 MiB page %zu is '%c', expected a tail of page 0", i, kinds[i]);

	buffer_kinds(MAPDEV_BACKEND_CONTIG, 3, kinds);
	for (i = 0; i < 3; i++)
		if (kinds[i] != '.')
			FAILF("contig 3-page page %zu is '%c', expected split pages", i, kinds[i]);
}

/*
 * O_DIRECT write from a mapping and read into one, for the page-backed
 * backends in every cache mode and map mode: the disk gets the buffer's
 * bytes, and what the disk DMAs lands in the buffer's own pages (read()
 * on the fd sees it).  Mappings at an offset, pages not faulted in yet
 * (GUP faults them), a range across several batches.
 */
TEST_TIMEOUT(odirect_page_backed, 240)
{
	static const uint32_t backends[] = { MAPDEV_BACKEND_CONTIG, MAPDEV_BACKEND_SG };
	static const char *const modes[] = { "fault", "batch", "populate" };
	const size_t size = 2 * MiB, off = 256 << 10, len = 1 * MiB;
	char old[16];
	unsigned int b, c, m, seed = 1;
	int bd;

	need_module("mapdev_buf", "");
	bd = open_disk(0);
	CHECK_OK(read_file(map_mode, old, sizeof(old)));
	for (b = 0; b < 2; b++)
		for (c = 0; c < 3; c++)
			for (m = 0; m < 3; m++, seed++) {
				uint8_t *p;
				int fd;

				CHECK_OK(write_file(map_mode, modes[m]));
				buf_create("odio", size, backends[b], c);
				fd = buf_open("odio", O_RDWR);
				/* Write: filled through read()'s twin, mapped untouched. */
				{
					uint8_t *a = anon(len, 0);

					fill(a, len, seed);
					CHECK_EQ(pwrite(fd, a, len, off), (long long)len);
					munmap(a, len);
				}
				p = map(fd, len, PROT_READ | PROT_WRITE, off);
				if (pwrite(bd, p, len, 0) != (ssize_t)len)
					FAILF("%s/%s/%s: O_DIRECT write from the mapping: %s",
					      backends[b] == MAPDEV_BACKEND_SG ? "sg" : "contig",
					      cache_name[c], modes[m], strerror(errno));
				check_disk(bd, 0, len, seed);
				munmap(p, len);
				/* Read: into a fresh mapping, then read() sees it. */
				p = map(fd, len, PROT_READ | PROT_WRITE, off);
				memset(p, 0, len);
				if (pread(bd, p, len, 0) != (ssize_t)len)
					FAILF("%s/%s/%s: O_DIRECT read into the mapping: %s",
					      backends[b] == MAPDEV_BACKEND_SG ? "sg" : "contig",
					      cache_name[c], modes[m], strerror(errno));
				CHECK_EQ(mismatch(p, len, seed), -1);
				check_buffer(fd, off, len, seed);
				CHECK(!strcmp(sysfs("odio", "memtype"), cache_name[c]));
				munmap(p, len);
				close(fd);
				buf_destroy("odio");
			}
	CHECK_OK(write_file(map_mode, old));
	close(bd);
}

/*
 * Coherent buffers are PFN mappings (the DMA API owns the memory and
 * frees it whatever holds it): O_DIRECT on them is EFAULT, as docs/ABI.md
 * says, and changes nothing.
 */
TEST(odirect_coherent_efault)
{
	uint8_t *p;
	int fd, bd;

	need_module("mapdev_buf", "");
	bd = open_disk(0);
	buf_create("odco", 4 * PG, MAPDEV_BACKEND_COHERENT, 0);
	fd = buf_open("odco", O_RDWR);
	p = map(fd, 4 * PG, PROT_READ | PROT_WRITE, 0);
	memset(p, 0x3e, 4 * PG);
	CHECK_ERRNO(pread(bd, p, 4 * PG, 0), EFAULT);
	CHECK_ERRNO(pwrite(bd, p, 4 * PG, 0), EFAULT);
	CHECK_EQ(p[0], 0x3e);
	CHECK_EQ(p[4 * PG - 1], 0x3e);
	munmap(p, 4 * PG);
	close(fd);
	buf_destroy("odco");
	close(bd);
}

/*
 * A forked child's inherited mapping and a mapping mremap() moved are
 * made of the same pages: O_DIRECT works from both.  After the destroy,
 * O_DIRECT on the revoked mapping is EFAULT (its fault is SIGBUS).
 */
TEST(odirect_fork_mremap_revoked)
{
	uint8_t *p, *q, *dst;
	int fd, bd, st;
	pid_t pid;

	need_module("mapdev_buf", "");
	bd = open_disk(0);
	buf_create("odfm", 8 * PG, MAPDEV_BACKEND_SG, 0);
	fd = buf_open("odfm", O_RDWR);
	p = map(fd, 8 * PG, PROT_READ | PROT_WRITE, 0);
	fill(p, 8 * PG, 21);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0)
		_exit(pwrite(bd, p, 8 * PG, 0) == (ssize_t)(8 * PG) ? 0 : 1);
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	check_disk(bd, 0, 8 * PG, 21);

	dst = mmap(NULL, 8 * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(dst != MAP_FAILED);
	q = mremap(p, 8 * PG, 8 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
	CHECK(q == dst);
	memset(q, 0, 8 * PG);
	CHECK_EQ(pread(bd, q, 8 * PG, 0), (long long)(8 * PG));
	check_buffer(fd, 0, 8 * PG, 21);

	buf_destroy("odfm");
	EXPECT_SIGNAL(SIGBUS, (void)*(volatile uint8_t *)q);
	CHECK_ERRNO(pwrite(bd, q, 8 * PG, 0), EFAULT);
	CHECK_ERRNO(pread(bd, q, 8 * PG, 0), EFAULT);
	munmap(q, 8 * PG);
	close(fd);
	close(bd);
}

struct slow_write {
	int bd;
	uint8_t *p;
	size_t len;
	atomic_int started, done;
	ssize_t ret;
	int err;
	struct timespec t0, t1;
};

static double secs(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) + (b->tv_nsec - a->tv_nsec) / 1e9;
}

static void *slow_writer(void *arg)
{
	struct slow_write *w = arg;

	clock_gettime(CLOCK_MONOTONIC, &w->t0);
	atomic_store(&w->started, 1);
	w->ret = pwrite(w->bd, w->p, w->len, 0);
	w->err = errno;
	clock_gettime(CLOCK_MONOTONIC, &w->t1);
	atomic_store(&w->done, 1);
	return NULL;
}

/*
 * Memory pressure on pages freed just now: a buffer as big as @len
 * allocated and filled with another pattern.  The page allocator hands out
 * what was freed last first, so pages a destroy had freed early would be
 * overwritten here.
 */
static void reuse_pressure(size_t len, unsigned int seed)
{
	uint8_t *p;
	int fd;

	buf_create("pressure", len, MAPDEV_BACKEND_SG, 0);
	fd = buf_open("pressure", O_RDWR);
	p = map(fd, len, PROT_READ | PROT_WRITE, 0);
	fill(p, len, seed);
	munmap(p, len);
	close(fd);
	buf_destroy("pressure");
}

/*
 * A destroy during a long O_DIRECT write (mapdev-disk1, whose writes QEMU
 * throttles to 4 MiB/s: 32 MiB take about 8 s): the destroy returns at
 * once and revokes the mapping (SIGBUS); every page the write pinned is
 * still held when the buffer frees it (pages_held), so memory allocated
 * and written meanwhile is other pages; the write completes with the
 * buffer's bytes.
 */
TEST_TIMEOUT(destroy_during_long_odirect_write, 180)
{
	const size_t len = 32 * MiB;
	struct slow_write w = { .len = len };
	struct timespec t;
	long long held, buffers;
	pthread_t th;
	int fd;

	need_module("mapdev_buf", "");
	w.bd = open_disk(1);
	buf_create("odlong", len, MAPDEV_BACKEND_SG, MAPDEV_CACHE_WC);
	fd = buf_open("odlong", O_RDWR);
	w.p = map(fd, len, PROT_READ | PROT_WRITE, 0);
	fill(w.p, len, 33);
	held = core_stat("pages_held");
	buffers = core_stat("buffers");
	CHECK(held >= 0);
	CHECK_EQ(pthread_create(&th, NULL, slow_writer, &w), 0);
	while (!atomic_load(&w.started))
		usleep(1000);
	do {
		usleep(10000);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (secs(&w.t0, &t) < 0.5 && !atomic_load(&w.done));
	if (atomic_load(&w.done))
		FAILF("the write of %zu MiB to the throttled disk took %.2f s (returned %zd): is mapdev-disk1 throttled (tests/tests.mk)?",
		      len >> 20, secs(&w.t0, &w.t1), w.ret);
	buf_destroy("odlong");
	/* The destroy did not wait for the write. */
	CHECK(!atomic_load(&w.done));
	CHECK_EQ(core_stat("buffers"), buffers - 1);
	printf("# pages held at the destroy: %lld of %zu\n",
	       core_stat("pages_held") - held, len / PG);
	CHECK_EQ(core_stat("pages_held") - held, (long long)(len / PG));
	EXPECT_SIGNAL(SIGBUS, (void)*(volatile uint8_t *)(w.p + len / 2));
	reuse_pressure(len, 34);
	CHECK(!atomic_load(&w.done));
	CHECK_EQ(pthread_join(th, NULL), 0);
	if (w.ret != (ssize_t)len)
		FAILF("the O_DIRECT write returned %zd (%s), expected %zu", w.ret,
		      strerror(w.err), len);
	printf("# the write took %.2f s\n", secs(&w.t0, &w.t1));
	check_disk(w.bd, 0, len, 33);
	munmap(w.p, len);
	close(fd);
	close(w.bd);
}

/* -- vmsplice, process_vm_*, futexes -------------------------------------------- */

/*
 * vmsplice() takes the mapping's pages into a pipe, and splice() moves
 * them on to a file; process_vm_readv()/writev() copy from and to the
 * mapping.  A shared futex on a mapping is still EFAULT: the pages are in
 * no file's page cache, so they have no key.  Coherent: all EFAULT.
 */
TEST(vmsplice_process_vm_futex)
{
	struct iovec local, remote;
	uint8_t heap[PG], *p, *f;
	char path[] = "/tmp/mapdev-splice.XXXXXX";
	int fd, pfd[2], tf;
	loff_t toff = 0;

	need_module("mapdev_buf", "");
	buf_create("vms", 4 * PG, MAPDEV_BACKEND_SG, 0);
	fd = buf_open("vms", O_RDWR);
	p = map(fd, 4 * PG, PROT_READ | PROT_WRITE, 0);
	fill(p, 4 * PG, 41);
	CHECK_OK(pipe(pfd));
	local.iov_base = p;
	local.iov_len = 2 * PG;
	CHECK_EQ(vmsplice(pfd[1], &local, 1, 0), (long long)(2 * PG));
	tf = mkstemp(path);
	CHECK(tf >= 0);
	unlink(path);
	CHECK_EQ(splice(pfd[0], NULL, tf, &toff, 2 * PG, 0), (long long)(2 * PG));
	f = mmap(NULL, 2 * PG, PROT_READ, MAP_SHARED, tf, 0);
	CHECK(f != MAP_FAILED);
	CHECK_EQ(mismatch(f, 2 * PG, 41), -1);
	munmap(f, 2 * PG);
	close(tf);

	local.iov_base = heap;
	local.iov_len = PG;
	remote.iov_base = p + PG;
	remote.iov_len = PG;
	CHECK_EQ(process_vm_readv(getpid(), &local, 1, &remote, 1, 0), (long long)PG);
	for (size_t i = 0; i < PG; i++)
		if (heap[i] != pattern(PG + i, 41))
			FAILF("process_vm_readv byte %zu", i);
	memset(heap, 0x11, PG);
	CHECK_EQ(process_vm_writev(getpid(), &local, 1, &remote, 1, 0), (long long)PG);
	CHECK_EQ(p[PG], 0x11);
	CHECK_EQ(p[2 * PG - 1], 0x11);
	memset(p + 2 * PG, 0x6b, PG);
	CHECK_ERRNO(syscall(SYS_futex, (uint32_t *)(p + 2 * PG), FUTEX_WAIT, 0x6b6b6b6b,
			    &(struct timespec){ 0, 1000000 }, NULL, 0), EFAULT);
	munmap(p, 4 * PG);
	close(fd);
	buf_destroy("vms");

	buf_create("vms", 4 * PG, MAPDEV_BACKEND_COHERENT, 0);
	fd = buf_open("vms", O_RDWR);
	p = map(fd, 4 * PG, PROT_READ | PROT_WRITE, 0);
	memset(p, 0x6b, 4 * PG);
	local.iov_base = p;
	CHECK_ERRNO(vmsplice(pfd[1], &local, 1, 0), EFAULT);
	local.iov_base = heap;
	remote.iov_base = p + PG;
	CHECK_ERRNO(process_vm_readv(getpid(), &local, 1, &remote, 1, 0), EFAULT);
	CHECK_ERRNO(process_vm_writev(getpid(), &local, 1, &remote, 1, 0), EFAULT);
	CHECK_EQ(p[PG], 0x6b);
	munmap(p, 4 * PG);
	close(fd);
	buf_destroy("vms");
	close(pfd[0]);
	close(pfd[1]);
}

/*
 * Pages vmspliced into a pipe outlive the buffer's destroy: the pipe
 * still reads the buffer's bytes after memory was allocated and written
 * meanwhile (and KASAN would see a read of a freed page), and the mapping
 * is SIGBUS.
 */
TEST(vmsplice_pages_outlive_destroy)
{
	const size_t len = 8 * PG;
	struct iovec iov;
	uint8_t got[8 * PG], *p;
	long long held;
	int fd, pfd[2];
	size_t n = 0;
	ssize_t r;

	need_module("mapdev_buf", "");
	buf_create("vmsd", len, MAPDEV_BACKEND_CONTIG, 0);
	fd = buf_open("vmsd", O_RDWR);
	p = map(fd, len, PROT_READ | PROT_WRITE, 0);
	fill(p, len, 43);
	CHECK_OK(pipe(pfd));
	iov.iov_base = p;
	iov.iov_len = len;
	CHECK_EQ(vmsplice(pfd[1], &iov, 1, 0), (long long)len);
	held = core_stat("pages_held");
	buf_destroy("vmsd");
	CHECK_EQ(core_stat("pages_held") - held, (long long)(len / PG));
	EXPECT_SIGNAL(SIGBUS, (void)*(volatile uint8_t *)p);
	CHECK_ERRNO(vmsplice(pfd[1], &iov, 1, 0), EFAULT);
	reuse_pressure(1 * MiB, 44);
	while (n < len && (r = read(pfd[0], got + n, len - n)) > 0)
		n += r;
	CHECK_EQ(n, len);
	CHECK_EQ(mismatch(got, len, 43), -1);
	close(pfd[0]);
	close(pfd[1]);
	munmap(p, len);
	close(fd);
}

/* -- io_uring ---------------------------------------------------------------------- */

struct ring {
	int fd;
	unsigned int *sq_tail, *sq_mask, *sq_array;
	unsigned int *cq_head, *cq_tail, *cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
};

static void ring_init(struct ring *r)
{
	struct io_uring_params p = { 0 };
	size_t sqsz, cqsz;
	uint8_t *sq, *cq;

	r->fd = syscall(__NR_io_uring_setup, 8, &p);
	if (r->fd < 0)
		FAILF("io_uring_setup: %s (CONFIG_IO_URING, kernel.io_uring_disabled?)",
		      strerror(errno));
	sqsz = p.sq_off.array + p.sq_entries * sizeof(unsigned int);
	cqsz = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	sq = mmap(NULL, sqsz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
		  r->fd, IORING_OFF_SQ_RING);
	cq = mmap(NULL, cqsz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
		  r->fd, IORING_OFF_CQ_RING);
	r->sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe),
		       PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd,
		       IORING_OFF_SQES);
	CHECK(sq != MAP_FAILED && cq != MAP_FAILED && r->sqes != MAP_FAILED);
	r->sq_tail = (unsigned int *)(sq + p.sq_off.tail);
	r->sq_mask = (unsigned int *)(sq + p.sq_off.ring_mask);
	r->sq_array = (unsigned int *)(sq + p.sq_off.array);
	r->cq_head = (unsigned int *)(cq + p.cq_off.head);
	r->cq_tail = (unsigned int *)(cq + p.cq_off.tail);
	r->cq_mask = (unsigned int *)(cq + p.cq_off.ring_mask);
	r->cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
}

/* One request, waited for: the completion's result (bytes or -errno). */
static int ring_do(struct ring *r, uint8_t op, int fd, const void *addr,
		   unsigned int len, off_t off, unsigned int buf_index)
{
	unsigned int tail = *r->sq_tail, idx = tail & *r->sq_mask, head;
	struct io_uring_sqe *sqe = &r->sqes[idx];
	int res;

	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = op;
	sqe->fd = fd;
	sqe->addr = (uintptr_t)addr;
	sqe->len = len;
	sqe->off = off;
	sqe->buf_index = buf_index;
	r->sq_array[idx] = idx;
	__atomic_store_n(r->sq_tail, tail + 1, __ATOMIC_RELEASE);
	if (syscall(__NR_io_uring_enter, r->fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0)
		FAILF("io_uring_enter: %s", strerror(errno));
	head = __atomic_load_n(r->cq_head, __ATOMIC_ACQUIRE);
	CHECK(head != __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE));
	res = r->cqes[head & *r->cq_mask].res;
	__atomic_store_n(r->cq_head, head + 1, __ATOMIC_RELEASE);
	return res;
}

static int ring_register(struct ring *r, void *p, size_t len)
{
	struct iovec iov = { .iov_base = p, .iov_len = len };

	return syscall(__NR_io_uring_register, r->fd, IORING_REGISTER_BUFFERS, &iov, 1);
}

/* io_uring's readv/writev (not fixed) with O_DIRECT: pinned per request. */
TEST(io_uring_odirect_readv_writev)
{
	const size_t len = 1 * MiB;
	struct iovec iov;
	struct ring r;
	uint8_t *p;
	int fd, bd;

	need_module("mapdev_buf", "");
	bd = open_disk(0);
	ring_init(&r);
	buf_create("iou", len, MAPDEV_BACKEND_SG, 0);
	fd = buf_open("iou", O_RDWR);
	p = map(fd, len, PROT_READ | PROT_WRITE, 0);
	fill(p, len, 51);
	iov.iov_base = p;
	iov.iov_len = len;
	CHECK_EQ(ring_do(&r, IORING_OP_WRITEV, bd, &iov, 1, 4 * MiB, 0), (long long)len);
	check_disk(bd, 4 * MiB, len, 51);
	memset(p, 0, len);
	CHECK_EQ(ring_do(&r, IORING_OP_READV, bd, &iov, 1, 4 * MiB, 0), (long long)len);
	check_buffer(fd, 0, len, 51);
	munmap(p, len);
	close(fd);
	buf_destroy("iou");
	close(r.fd);
	close(bd);
}

/*
 * io_uring fixed buffers (IORING_REGISTER_BUFFERS) in a mapping.  Linux
 * before 6.5 refuses file-backed memory other than shmem and hugetlbfs
 * there (EOPNOTSUPP, io_uring's own check, whatever the mapping is made
 * of), as docs/ABI.md says; 6.5 on leave it to GUP, which pins our pages:
 * READ_FIXED and WRITE_FIXED with O_DIRECT then work on them.
 */
TEST(io_uring_fixed_buffers)
{
	const size_t len = 1 * MiB;
	struct ring r;
	uint8_t *p, *a;
	int fd, bd, ret;

	need_module("mapdev_buf", "");
	bd = open_disk(0);
	ring_init(&r);
	buf_create("iofx", len, MAPDEV_BACKEND_CONTIG, 0);
	fd = buf_open("iofx", O_RDWR);
	p = map(fd, len, PROT_READ | PROT_WRITE, 0);
	fill(p, len, 53);
	ret = ring_register(&r, p, len) ? errno : 0;
	if (ret && !kernel_at_least(6, 5)) {
		CHECK_EQ(ret, EOPNOTSUPP);
		/* The kernel has fixed buffers: anonymous memory registers. */
		a = anon(len, 0);
		CHECK_OK(ring_register(&r, a, len));
		munmap(p, len);
		close(fd);
		buf_destroy("iofx");
		close(r.fd);
		close(bd);
		printf("# Linux before 6.5: fixed buffers in a mapping are EOPNOTSUPP, as documented\n");
		return;
	}
	if (ret)
		FAILF("IORING_REGISTER_BUFFERS of a mapping: %s", strerror(ret));
	CHECK_EQ(ring_do(&r, IORING_OP_WRITE_FIXED, bd, p, len, 8 * MiB, 0), (long long)len);
	check_disk(bd, 8 * MiB, len, 53);
	memset(p, 0, len);
	CHECK_EQ(ring_do(&r, IORING_OP_READ_FIXED, bd, p + PG, len - PG, 8 * MiB + PG, 0),
		 (long long)(len - PG));
	CHECK_EQ(p[0], 0);
	for (size_t i = PG; i < len; i++)
		if (p[i] != pattern(i, 53))
			FAILF("READ_FIXED byte %zu", i);
	munmap(p, len);
	close(fd);
	buf_destroy("iofx");
	close(r.fd);
	close(bd);
}

/*
 * A registered buffer pins its pages for as long as it is registered: the
 * destroy revokes the mapping but leaves the pages to io_uring
 * (pages_held), memory allocated and written meanwhile is other pages, a
 * WRITE_FIXED after the destroy writes the buffer's bytes, and
 * unregistering lets them go.
 */
TEST_TIMEOUT(io_uring_fixed_outlives_destroy, 120)
{
	const size_t len = 16 * MiB;
	long long held;
	struct ring r;
	uint8_t *p;
	int fd, bd;

	need_module("mapdev_buf", "");
	if (!kernel_at_least(6, 5))
		SKIP("Linux before 6.5 refuses fixed buffers in file mappings (EOPNOTSUPP; io_uring_fixed_buffers checks it)");
	bd = open_disk(0);
	ring_init(&r);
	buf_create("iofd", len, MAPDEV_BACKEND_SG, MAPDEV_CACHE_WC);
	fd = buf_open("iofd", O_RDWR);
	p = map(fd, len, PROT_READ | PROT_WRITE, 0);
	fill(p, len, 55);
	CHECK_OK(ring_register(&r, p, len));
	held = core_stat("pages_held");
	buf_destroy("iofd");
	CHECK_EQ(core_stat("pages_held") - held, (long long)(len / PG));
	EXPECT_SIGNAL(SIGBUS, (void)*(volatile uint8_t *)(p + PG));
	reuse_pressure(len, 56);
	/* The pinned pages still hold the buffer's bytes, and reach the disk. */
	CHECK_EQ(ring_do(&r, IORING_OP_WRITE_FIXED, bd, p, len, 16 * MiB, 0), (long long)len);
	check_disk(bd, 16 * MiB, len, 55);
	CHECK_OK(syscall(__NR_io_uring_register, r.fd, IORING_UNREGISTER_BUFFERS, NULL, 0));
	munmap(p, len);
	close(fd);
	close(r.fd);
	close(bd);
}
