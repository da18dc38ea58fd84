// SPDX-License-Identifier: GPL-2.0
/*
 * libmapdev's maps reader against the /proc files of live processes: this
 * test itself, and children that hold chosen mappings (a file, shared
 * anonymous memory, /dev/zero, a deleted file, a path with blanks, named
 * anonymous memory, memfd, SYSV shm), compared with procps' pmap -x.
 */
#define HARNESS_IMPLEMENTATION
#include "../harness.h"
#include "testutil.h"

#include <pwd.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <sys/sysmacros.h>

#include <mapdev.h>

const char *harness_suite = "maps_live";

#ifndef PR_SET_VMA
#define PR_SET_VMA		0x53564d41
#define PR_SET_VMA_ANON_NAME	0
#endif

static long page;

__attribute__((constructor)) static void init_page(void)
{
	page = sysconf(_SC_PAGESIZE);
}

static const struct mapdev_vma *must_find(const struct mapdev_maps *m,
					  const void *addr)
{
	const struct mapdev_vma *v = mapdev_maps_find(m, (uintptr_t)addr);

	if (!v)
		FAILF("no mapping holds %p", addr);
	return v;
}

static void check_kind(const struct mapdev_vma *v, unsigned int kind)
{
	if (mapdev_vma_kind(v) != kind)
		FAILF("mapping %" PRIx64 "-%" PRIx64 " %s '%s' is kind %s, "
		      "expected %s", mapdev_vma_start(v), mapdev_vma_end(v),
		      mapdev_vma_perms(v), mapdev_vma_path(v) ?: "",
		      mapdev_vma_kind_name(mapdev_vma_kind(v)),
		      mapdev_vma_kind_name(kind));
}

static int initialised_data = 42;
static char big_bss[1 << 20];

static void touch(void)
{
}

TEST(self_kinds)
{
	struct mapdev_maps *m = mapdev_maps_read(0, 0);
	char exe[PATH_MAX], *heap;
	const struct mapdev_vma *v;
	int local = 1;
	ssize_t n;

	CHECK(m);
	CHECK(mapdev_maps_count(m) > 5);
	CHECK_EQ(mapdev_maps_pid(m), getpid());

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	CHECK(n > 0);
	exe[n] = '\0';

	v = must_find(m, (void *)touch);
	check_kind(v, MAPDEV_VMA_TEXT);
	CHECK(mapdev_vma_prot(v) & PROT_EXEC);
	CHECK(!strcmp(mapdev_vma_path(v), exe));

	v = must_find(m, &initialised_data);
	check_kind(v, MAPDEV_VMA_DATA);
	CHECK(!strcmp(mapdev_vma_perms(v), "rw-p"));

	/* A large .bss gets an anonymous mapping right after .data. */
	v = must_find(m, &big_bss[sizeof(big_bss) / 2]);
	check_kind(v, MAPDEV_VMA_BSS);
	CHECK(!mapdev_vma_path(v));

	heap = malloc(64);
	CHECK(heap);
	v = must_find(m, heap);	/* the maps were read before, brk is older */
	check_kind(v, MAPDEV_VMA_HEAP);
	free(heap);

	v = must_find(m, &local);
	check_kind(v, MAPDEV_VMA_STACK);

	v = must_find(m, (void *)getauxval(AT_SYSINFO_EHDR));
	check_kind(v, MAPDEV_VMA_VDSO);

	v = must_find(m, (void *)strlen);
	check_kind(v, MAPDEV_VMA_TEXT);
	CHECK(strstr(mapdev_vma_path(v), "libc"));
	mapdev_maps_free(m);
}

TEST(self_records_match_stat)
{
	struct mapdev_maps *m = mapdev_maps_read(0, 0);
	const struct mapdev_vma *v;
	struct stat st;
	size_t i;

	CHECK(m);
	v = must_find(m, (void *)touch);
	CHECK_OK(stat(mapdev_vma_path(v), &st));
	CHECK_EQ(mapdev_vma_inode(v), st.st_ino);
	CHECK_EQ(mapdev_vma_dev_major(v), major(st.st_dev));
	CHECK_EQ(mapdev_vma_dev_minor(v), minor(st.st_dev));
	/* A mounted filesystem's device always has some name. */
	CHECK(mapdev_vma_dev_name(v));

	/* In order, not overlapping, page-aligned; the sum is the total. */
	{
		uint64_t total = 0, last = 0;

		for (i = 0; i < mapdev_maps_count(m); i++) {
			v = mapdev_maps_get(m, i);
			CHECK(mapdev_vma_start(v) >= last);
			CHECK(mapdev_vma_end(v) > mapdev_vma_start(v));
			CHECK_EQ(mapdev_vma_start(v) % page, 0);
			last = mapdev_vma_end(v);
			total += mapdev_vma_size(v) / 1024;
		}
		CHECK_EQ(total, mapdev_maps_total_kib(m));
	}
	CHECK(!mapdev_maps_get(m, mapdev_maps_count(m)));
	CHECK_EQ(errno, EINVAL);
	CHECK(!mapdev_maps_find(m, 0));
	CHECK_EQ(errno, ENOENT);
	mapdev_maps_free(m);
}

TEST(self_smaps)
{
	size_t len = 64 * page, i;
	struct mapdev_maps *m;
	const struct mapdev_vma *v;
	char *p;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	CHECK(p != MAP_FAILED);
	for (i = 0; i < len; i += page)
		p[i] = 1;
	m = mapdev_maps_read(0, MAPDEV_MAPS_SMAPS);
	CHECK(m);
	CHECK(mapdev_maps_has_smaps(m));
	v = must_find(m, p);
	CHECK(mapdev_vma_rss_kib(v) >= len / 1024);
	CHECK(mapdev_vma_pss_kib(v) >= len / 1024);
	CHECK(mapdev_vma_dirty_kib(v) >= len / 1024);
	CHECK(mapdev_vma_rss_kib(v) <= mapdev_vma_size(v) / 1024);
	mapdev_maps_free(m);

	m = mapdev_maps_read(0, 0);
	CHECK(m);
	CHECK(!mapdev_maps_has_smaps(m));
	CHECK_EQ(mapdev_vma_rss_kib(must_find(m, p)), 0);
	mapdev_maps_free(m);
}

TEST(no_such_process)
{
	char path[64];
	pid_t pid;

	/* A PID nobody has: one of our children, reaped. */
	pid = fork();
	CHECK(pid >= 0);
	if (!pid)
		_exit(0);
	CHECK_EQ(waitpid(pid, NULL, 0), pid);
	snprintf(path, sizeof(path), "/proc/%d", pid);
	if (!access(path, F_OK))
		SKIP("PID %d was reused at once", pid);
	CHECK_ERRNO(mapdev_maps_read(pid, 0) ? 0 : -1, ESRCH);
	CHECK_ERRNO(mapdev_maps_read(-1, 0) ? 0 : -1, EINVAL);
	CHECK_ERRNO(mapdev_maps_read(0, 0x100) ? 0 : -1, EINVAL);
}

/*
 * Whether the kernel itself lets this process read /proc/@pid/maps: a
 * plain open and read, not the code under test.  1 readable, 0 refused
 * (EACCES/EPERM), -1 something else.
 */
static int kernel_lets_read_maps(pid_t pid)
{
	char path[64], b[64];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == EACCES || errno == EPERM ? 0 : -1;
	n = read(fd, b, sizeof(b));
	close(fd);
	if (n >= 0)
		return 1;
	return errno == EACCES || errno == EPERM ? 0 : -1;
}

TEST(unreadable_process)
{
	struct passwd *pw;
	pid_t pid;
	int st;

	if (geteuid() != 0)
		SKIP("needs root to drop to another user");
	pw = getpwnam("nobody");
	if (!pw)
		SKIP("no user 'nobody'");
	fflush(stdout);
	pid = fork();
	CHECK(pid >= 0);
	if (!pid) {
		struct mapdev_maps *m;
		int k;

		/* Our parent stays root: nobody may not read its maps. */
		if (setgid(pw->pw_gid) || setuid(pw->pw_uid))
			_exit(3);
		k = kernel_lets_read_maps(getppid());
		if (k != 0)
			_exit(k > 0 ? 6 : 7);	/* decided by the kernel, first */
		m = mapdev_maps_read(getppid(), 0);
		if (m)
			_exit(4);		/* the kernel refused, we did not */
		_exit(errno == EACCES || errno == EPERM ? 0 : 5);
	}
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK(WIFEXITED(st));
	if (WEXITSTATUS(st) == 6)
		SKIP("the kernel lets 'nobody' read root's /proc/PID/maps here");
	if (WEXITSTATUS(st) == 4)
		FAILF("mapdev_maps_read() of a process whose maps the kernel refuses us returned a list");
	if (WEXITSTATUS(st) == 7)
		FAILF("a plain open/read of the parent's /proc/PID/maps failed oddly as nobody");
	CHECK_EQ(WEXITSTATUS(st), 0);
}

TEST(kernel_thread_has_none)
{
	char comm[32] = "";
	struct mapdev_maps *m;
	FILE *f = fopen("/proc/2/comm", "re");

	if (!f || !fgets(comm, sizeof(comm), f) || strcmp(comm, "kthreadd\n"))
		SKIP("PID 2 is not kthreadd here (a PID namespace?)");
	fclose(f);
	m = mapdev_maps_read(2, 0);
	if (!m && (errno == EACCES || errno == EPERM))
		SKIP("cannot read /proc/2/maps here");
	CHECK(m);
	CHECK_EQ(mapdev_maps_count(m), 0);
	CHECK_EQ(mapdev_maps_total_kib(m), 0);
	mapdev_maps_free(m);
}

/* ------------------------------------------------ a child with mappings */

static char tmpdir[64];
static char spaced_path[256];
static char deleted_path[256];
static char file_path[256];

/* Where the child put things, as addresses. */
struct child_addrs {
	void *file;		/* file_path, offset 1 page, 2 pages */
	void *spaced;		/* spaced_path */
	void *deleted;		/* deleted_path, unlinked */
	void *shared_anon;	/* MAP_SHARED | MAP_ANONYMOUS */
	void *zero_shared;	/* /dev/zero, MAP_SHARED */
	void *zero_private;	/* /dev/zero, MAP_PRIVATE */
	void *memfd;
	void *sysv;
	void *named;		/* [anon:mapdev-test], or NULL */
	void *named_shm;	/* [anon_shmem:mapdev-shm], or NULL */
};

static struct child_addrs *addrs;	/* shared with the child */

static void make_file(const char *path, size_t len)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0 || ftruncate(fd, len))
		FAILF("%s: %s", path, strerror(errno));
	close(fd);
}

static void *map_file(const char *path, size_t len, off_t off, int prot,
		      int flags)
{
	int fd = open(path, (prot & PROT_WRITE) ? O_RDWR : O_RDONLY);
	void *p;

	if (fd < 0)
		return MAP_FAILED;
	p = mmap(NULL, len, prot, flags, fd, off);
	close(fd);
	return p;
}

static int child_setup(char *msg, size_t len)
{
	int fd, id;

	addrs->file = map_file(file_path, 2 * page, page, PROT_READ,
			       MAP_PRIVATE);
	addrs->spaced = map_file(spaced_path, page, 0, PROT_READ, MAP_SHARED);
	addrs->deleted = map_file(deleted_path, page, 0, PROT_READ,
				  MAP_PRIVATE);
	if (addrs->file == MAP_FAILED || addrs->spaced == MAP_FAILED ||
	    addrs->deleted == MAP_FAILED || unlink(deleted_path)) {
		snprintf(msg, len, "file mappings: %s", strerror(errno));
		return 1;
	}
	addrs->shared_anon = mmap(NULL, 3 * page, PROT_READ | PROT_WRITE,
				  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	addrs->zero_shared = map_file("/dev/zero", page, 0,
				      PROT_READ | PROT_WRITE, MAP_SHARED);
	addrs->zero_private = map_file("/dev/zero", 5 * page, 0,
				       PROT_READ | PROT_WRITE, MAP_PRIVATE);
	fd = memfd_create("mapdev-memfd", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, page)) {
		snprintf(msg, len, "memfd: %s", strerror(errno));
		return 1;
	}
	addrs->memfd = mmap(NULL, page, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (addrs->shared_anon == MAP_FAILED ||
	    addrs->zero_shared == MAP_FAILED ||
	    addrs->zero_private == MAP_FAILED || addrs->memfd == MAP_FAILED) {
		snprintf(msg, len, "mmap: %s", strerror(errno));
		return 1;
	}
	id = shmget(IPC_PRIVATE, page, IPC_CREAT | 0600);
	addrs->sysv = id < 0 ? NULL : shmat(id, NULL, SHM_RDONLY);
	if (addrs->sysv == (void *)-1)
		addrs->sysv = NULL;
	if (id >= 0)
		shmctl(id, IPC_RMID, NULL);	/* gone when we detach */

	addrs->named = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (addrs->named == MAP_FAILED ||
	    prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME,
		  (unsigned long)addrs->named, 4 * page, "mapdev-test"))
		addrs->named = NULL;
	addrs->named_shm = mmap(NULL, page, PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (addrs->named_shm == MAP_FAILED ||
	    prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME,
		  (unsigned long)addrs->named_shm, page, "mapdev-shm"))
		addrs->named_shm = NULL;
	return 0;
}

static void start_child(struct tu_child *c)
{
	char dir[128];

	addrs = mmap(NULL, sizeof(*addrs), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(addrs != MAP_FAILED);
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/mapdev-maps-XXXXXX");
	CHECK(mkdtemp(tmpdir));
	snprintf(dir, sizeof(dir), "%s/dir with  spaces", tmpdir);
	CHECK_OK(mkdir(dir, 0700));
	/* Blanks inside and at the end of the name. */
	snprintf(spaced_path, sizeof(spaced_path), "%s/a file (1) ", dir);
	snprintf(deleted_path, sizeof(deleted_path), "%s/gone", tmpdir);
	snprintf(file_path, sizeof(file_path), "%s/plain", tmpdir);
	make_file(spaced_path, page);
	make_file(deleted_path, page);
	make_file(file_path, 4 * page);
	tu_child_start(c, child_setup);
	/* The files stay until the test's end; rm them now. */
	unlink(spaced_path);
	unlink(file_path);
	rmdir(dir);
	rmdir(tmpdir);
}

TEST(child_mappings)
{
	const struct mapdev_vma *v;
	struct mapdev_maps *m;
	struct tu_child c;
	struct stat st;

	/* stat before start_child unlinks the files */
	start_child(&c);
	m = mapdev_maps_read(c.pid, 0);
	CHECK(m);
	CHECK_EQ(mapdev_maps_pid(m), c.pid);

	v = must_find(m, addrs->file);
	check_kind(v, MAPDEV_VMA_FILE);
	CHECK_EQ(mapdev_vma_offset(v), page);
	CHECK_EQ(mapdev_vma_size(v), 2 * page);
	CHECK(!strcmp(mapdev_vma_perms(v), "r--p"));
	CHECK(mapdev_vma_deleted(v));	/* unlinked by now */

	v = must_find(m, addrs->spaced);
	check_kind(v, MAPDEV_VMA_FILE);
	CHECK(mapdev_vma_shared(v));
	if (strcmp(mapdev_vma_path(v), spaced_path))
		FAILF("path '%s', expected '%s'", mapdev_vma_path(v),
		      spaced_path);

	v = must_find(m, addrs->deleted);
	check_kind(v, MAPDEV_VMA_FILE);
	CHECK(mapdev_vma_deleted(v));
	CHECK(!strcmp(mapdev_vma_path(v), deleted_path));
	CHECK(mapdev_vma_inode(v) != 0);

	v = must_find(m, addrs->shared_anon);
	check_kind(v, MAPDEV_VMA_SHM);
	CHECK(mapdev_vma_shared(v));
	CHECK_EQ(mapdev_vma_size(v), 3 * page);
	CHECK(!strcmp(mapdev_vma_path(v), "/dev/zero"));
	CHECK(mapdev_vma_deleted(v));

	v = must_find(m, addrs->zero_shared);
	check_kind(v, MAPDEV_VMA_SHM);

	/* A private /dev/zero mapping is plain anonymous memory. */
	v = must_find(m, addrs->zero_private);
	check_kind(v, MAPDEV_VMA_ANON);

	v = must_find(m, addrs->memfd);
	check_kind(v, MAPDEV_VMA_SHM);
	CHECK(!strncmp(mapdev_vma_path(v), "/memfd:mapdev-memfd", 19));

	if (addrs->sysv) {
		v = must_find(m, addrs->sysv);
		check_kind(v, MAPDEV_VMA_SHM);
		CHECK(!strncmp(mapdev_vma_path(v), "/SYSV", 5));
	} else {
		printf("# no SYSV shm here, not checked\n");
	}
	CHECK_OK(stat("/dev/zero", &st));
	mapdev_maps_free(m);
	tu_child_stop(&c);
}

TEST(child_anon_names)
{
	const struct mapdev_vma *v;
	struct mapdev_maps *m;
	struct tu_child c;

	start_child(&c);
	if (!addrs->named) {
		tu_child_stop(&c);
		SKIP("PR_SET_VMA_ANON_NAME is not supported by this kernel "
		     "(CONFIG_ANON_VMA_NAME)");
	}
	m = mapdev_maps_read(c.pid, 0);
	CHECK(m);
	v = must_find(m, addrs->named);
	check_kind(v, MAPDEV_VMA_ANON);
	CHECK(!strcmp(mapdev_vma_path(v), "[anon:mapdev-test]"));
	CHECK(!strcmp(mapdev_vma_anon_name(v), "mapdev-test"));
	CHECK_EQ(mapdev_vma_size(v), 4 * page);
	if (addrs->named_shm) {
		v = must_find(m, addrs->named_shm);
		check_kind(v, MAPDEV_VMA_SHM);
		CHECK(!strcmp(mapdev_vma_anon_name(v), "mapdev-shm"));
	} else {
		printf("# this kernel does not name shared anonymous memory\n");
	}
	mapdev_maps_free(m);
	tu_child_stop(&c);
}

/* ------------------------------------------------------------- pmap -x */

static const char *pmap_path(void)
{
	if (!access("/usr/bin/pmap", X_OK))
		return "/usr/bin/pmap";
	if (!access("/bin/pmap", X_OK))
		return "/bin/pmap";
	SKIP("pmap (procps) is not installed");
}

/*
 * pmap -x: a header line, a line per mapping, a "----" line, then
 * "total kB   KBYTES   RSS   DIRTY".
 */
static void run_pmap(pid_t pid, unsigned long long *kb,
		     unsigned long long *rss, size_t *lines)
{
	char pidstr[16], *line, *save = NULL;
	char *argv[] = { (char *)pmap_path(), "-x", pidstr, NULL };
	struct tu_run r;
	bool in_body = false, got_total = false;

	snprintf(pidstr, sizeof(pidstr), "%d", (int)pid);
	tu_runv(&r, argv, NULL);
	if (r.status)
		FAILF("pmap -x %d: exit %d: %s", (int)pid, r.status, r.err);
	*lines = 0;
	for (line = strtok_r(r.out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "Address", 7)) {
			in_body = true;
			continue;
		}
		if (!strncmp(line, "----", 4)) {
			in_body = false;
			continue;
		}
		if (sscanf(line, "total kB %llu %llu", kb, rss) == 2) {
			got_total = true;
			continue;
		}
		if (in_body)
			(*lines)++;
	}
	if (!got_total)
		FAILF("no 'total kB' line in pmap's output:\n%s", r.out);
	tu_run_free(&r);
}

static void compare_with_pmap(pid_t pid)
{
	unsigned long long kb, rss, rss_sum = 0;
	struct mapdev_maps *m, *sm;
	size_t lines, i;

	run_pmap(pid, &kb, &rss, &lines);
	m = mapdev_maps_read(pid, 0);
	CHECK(m);
	sm = mapdev_maps_read(pid, MAPDEV_MAPS_SMAPS);
	CHECK(sm);
	CHECK_EQ(mapdev_maps_total_kib(m), kb);
	CHECK_EQ(mapdev_maps_total_kib(sm), kb);
	CHECK_EQ(mapdev_maps_count(m), lines);
	CHECK_EQ(mapdev_maps_count(sm), lines);
	for (i = 0; i < mapdev_maps_count(sm); i++)
		rss_sum += mapdev_vma_rss_kib(mapdev_maps_get(sm, i));
	CHECK_EQ(rss_sum, rss);
	mapdev_maps_free(m);
	mapdev_maps_free(sm);
}

TEST(pmap_agrees_on_child)
{
	struct tu_child c;

	pmap_path();
	start_child(&c);
	compare_with_pmap(c.pid);
	tu_child_stop(&c);
}

static int idle_setup(char *msg, size_t len)
{
	return 0;
}

TEST(pmap_agrees_on_plain_child)
{
	struct tu_child c;

	pmap_path();
	tu_child_start(&c, idle_setup);
	compare_with_pmap(c.pid);
	tu_child_stop(&c);
}
