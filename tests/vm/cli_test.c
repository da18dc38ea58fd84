// SPDX-License-Identifier: GPL-2.0
/*
 * VM tests of the mapdev command against mapdev_buf: buf create, list,
 * info and rm; peek and poke at every width; dump and fill; errors and
 * exit codes; progress only on a terminal; and `mapdev maps` of a process
 * that maps a buffer showing it as a mapdev device mapping.  Then what
 * issue 17 found: real sizes, the kernel's reasons for a refusal,
 * read()/write() while an O_SYNC mapping excludes ours, DMA segments, and
 * what a user who is not root can do and is told.
 */
#define HARNESS_IMPLEMENTATION
#include "mapdev_test.h"
#include "../unit/testutil.h"

#include <grp.h>
#include <mapdev.h>

const char *harness_suite = "cli_vm";

#define EXPECT_EXIT(r, code) do {					\
	if ((r)->status != (code))					\
		FAILF("exit status %d, expected %d; stdout: %.300s; "	\
		      "stderr: %.300s", (r)->status, (code), (r)->out,	\
		      (r)->err);					\
} while (0)

#define EXPECT_IN(hay, needle) do {					\
	if (!strstr((hay), (needle)))					\
		FAILF("'%s' not found in: %.600s", (needle), (hay));	\
} while (0)

/* A buffer name of this test's own, removed again by the kernel on rmmod. */
static const char *bufname(const char *what)
{
	static char name[MAPDEV_NAME_LEN];

	snprintf(name, sizeof(name), "cli-%s-%d", what, (int)getpid());
	return name;
}

/* Run the tool; it must exit 0. */
#define MAPDEV_OK(r, ...) do {						\
	TU_MAPDEV((r), __VA_ARGS__);					\
	EXPECT_EXIT((r), 0);						\
} while (0)

static void setup(void)
{
	need_module("mapdev_buf", NULL);
	tu_tool();
}

/* The object of buffer @name in `buf list --json`, or NULL. */
static struct tu_json *listed(const char *name)
{
	struct tu_json *l, *e;
	struct tu_run r;

	MAPDEV_OK(&r, "buf", "list", "--json");
	l = tu_json_parse(r.out);
	CHECK(l->type == TJ_ARR);
	for (e = l->child; e; e = e->next) {
		tu_jmust(e, "size", TJ_NUM);
		tu_jmust(e, "backend", TJ_STR);
		tu_jmust(e, "cache", TJ_STR);
		tu_jmust(e, "map_count", TJ_NUM);
		if (!strcmp(tu_jmust(e, "name", TJ_STR)->str, name))
			return e;
	}
	return NULL;
}

TEST(buf_create_list_info_rm)
{
	const char *name = bufname("life");
	struct tu_json *e, *info, *reg;
	struct tu_run r;

	setup();
	MAPDEV_OK(&r, "buf", "create", (char *)name, "1M", "--backend", "sg",
		  "--cache", "wc");
	EXPECT_IN(r.out, name);
	tu_run_free(&r);

	e = listed(name);
	if (!e)
		FAILF("%s is not in buf list --json", name);
	CHECK_EQ(tu_jget(e, "size")->num, 1 << 20);
	CHECK(!strcmp(tu_jget(e, "backend")->str, "sg"));
	CHECK(!strcmp(tu_jget(e, "cache")->str, "wc"));
	CHECK_EQ(tu_jget(e, "map_count")->num, 0);

	MAPDEV_OK(&r, "buf", "list");
	EXPECT_IN(r.out, name);
	EXPECT_IN(r.out, "NAME");
	tu_run_free(&r);

	MAPDEV_OK(&r, "buf", "info", (char *)name, "--json");
	info = tu_json_parse(r.out);
	CHECK(!strcmp(tu_jmust(info, "device", TJ_STR)->str + 12, name));
	reg = tu_jmust(info, "regions", TJ_ARR)->child;
	CHECK(reg);
	CHECK_EQ(tu_jmust(reg, "size", TJ_NUM)->num, 1 << 20);
	CHECK_EQ(tu_jhex(tu_jget(reg, "offset")), 0);
	CHECK(!strcmp(tu_jmust(reg, "cache", TJ_STR)->str, "wc"));
	/* Root sees the DMA address. */
	CHECK(tu_jhex(tu_jget(reg, "dma_addr")) != 0);
	tu_run_free(&r);

	MAPDEV_OK(&r, "buf", "info", (char *)name);
	EXPECT_IN(r.out, "region 0:");
	EXPECT_IN(r.out, "dma 0x");
	tu_run_free(&r);

	MAPDEV_OK(&r, "buf", "rm", (char *)name);
	tu_run_free(&r);
	CHECK(!listed(name));

	TU_MAPDEV(&r, "buf", "rm", (char *)name);
	EXPECT_EXIT(&r, 1);
	EXPECT_IN(r.err, name);
	EXPECT_IN(r.err, "no such buffer");
	tu_run_free(&r);
	TU_MAPDEV(&r, "buf", "info", (char *)name);
	EXPECT_EXIT(&r, 1);
	EXPECT_IN(r.err, "no such buffer");
}

TEST(buf_create_errors)
{
	const char *name = bufname("dup");
	struct tu_run r;

	setup();
	MAPDEV_OK(&r, "buf", "create", (char *)name, "4K");
	tu_run_free(&r);
	TU_MAPDEV(&r, "buf", "create", (char *)name, "4K");
	EXPECT_EXIT(&r, 1);
	EXPECT_IN(r.err, name);
	EXPECT_IN(r.err, "already exists");
	tu_run_free(&r);
	MAPDEV_OK(&r, "buf", "rm", (char *)name);
	tu_run_free(&r);

	/* Bigger than the page allocator's largest block. */
	TU_MAPDEV(&r, "buf", "create", (char *)name, "64M", "--backend",
		  "contig");
	EXPECT_EXIT(&r, 1);
	EXPECT_IN(r.err, name);
	tu_run_free(&r);
	/* More than the machine has. */
	TU_MAPDEV(&r, "buf", "create", (char *)name, "1024G", "--backend",
		  "sg");
	EXPECT_EXIT(&r, 1);
	EXPECT_IN(r.err, "cannot");
	tu_run_free(&r);
	CHECK(!listed(name));
}

TEST(peek_poke_every_width)
{
	static const struct {
		const char *off, *val, *width, *want;
	} w[] = {
		{ "0x0", "0xab", "8", "0xab" },
		{ "0x2", "0xbeef", "16", "0xbeef" },
		{ "0x4", "0xdeadbeef", "32", "0xdeadbeef" },
		{ "0x8", "0x0123456789abcdef", "64", "0x0123456789abcdef" },
		{ "0xff8", "0xffffffffffffffff", "64", "0xffffffffffffffff" },
	};
	const char *name = bufname("pp");
	char path[64], buf[16];
	struct tu_run r;
	size_t i;
	int fd;

	setup();
	buf_create(name, 4096, MAPDEV_BACKEND_COHERENT, MAPDEV_CACHE_CACHED);
	/* A new buffer reads back zero. */
	MAPDEV_OK(&r, "peek", (char *)name, "0x10");
	EXPECT_IN(r.out, ": 0x00000000");
	tu_run_free(&r);
	for (i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
		MAPDEV_OK(&r, "poke", (char *)name, (char *)w[i].off,
			  (char *)w[i].val, (char *)w[i].width);
		tu_run_free(&r);
		MAPDEV_OK(&r, "peek", (char *)name, (char *)w[i].off,
			  (char *)w[i].width, "--json");
		{
			struct tu_json *j = tu_json_parse(r.out);

			CHECK(!strcmp(tu_jmust(j, "value", TJ_STR)->str,
				      w[i].want));
			CHECK_EQ(tu_jmust(j, "width", TJ_NUM)->num,
				 atoi(w[i].width));
		}
		tu_run_free(&r);
	}
	/* What the mapping wrote is what read() returns (little endian). */
	snprintf(path, sizeof(path), "/dev/mapdev/%s", name);
	fd = open(path, O_RDONLY);
	CHECK(fd >= 0);
	CHECK_EQ(pread(fd, buf, 16, 0), 16);
	CHECK_EQ((unsigned char)buf[0], 0xab);
	CHECK_EQ((unsigned char)buf[2], 0xef);
	CHECK_EQ((unsigned char)buf[3], 0xbe);
	CHECK_EQ((unsigned char)buf[4], 0xef);
	CHECK_EQ((unsigned char)buf[7], 0xde);
	CHECK_EQ((unsigned char)buf[8], 0xef);
	CHECK_EQ((unsigned char)buf[15], 0x01);
	close(fd);

	/* Paths work as well as names; REGION:OFFSET too. */
	MAPDEV_OK(&r, "peek", path, "0:4");
	EXPECT_IN(r.out, "0xdeadbeef");
	tu_run_free(&r);
	buf_destroy(name);
}

TEST(peek_poke_bounds)
{
	const char *name = bufname("bnd");
	struct tu_run r;

	setup();
	buf_create(name, 8192, MAPDEV_BACKEND_SG, MAPDEV_CACHE_CACHED);
	/* The last word is fine, the next is past the end. */
	MAPDEV_OK(&r, "peek", (char *)name, "0x1ffc");
	tu_run_free(&r);
	TU_MAPDEV(&r, "peek", (char *)name, "0x2000");
	EXPECT_EXIT(&r, 1);
	EXPECT_IN(r.err, "past the end of region 0");
	tu_run_free(&r);
	TU_MAPDEV(&r, "poke", (char *)name, "0x1ffc", "1", "64");
	EXPECT_EXIT(&r, 2);		/* not aligned to 64 bits */
	tu_run_free(&r);
	TU_MAPDEV(&r, "poke", (char *)name, "0x1ff8", "1", "64");
	EXPECT_EXIT(&r, 0);
	tu_run_free(&r);
	TU_MAPDEV(&r, "poke", (char *)name, "0x10000000000", "1");
	EXPECT_EXIT(&r, 1);
	EXPECT_IN(r.err, "no region at offset 0x10000000000");
	tu_run_free(&r);
	TU_MAPDEV(&r, "dump", (char *)name, "0x1000", "8K");
	EXPECT_EXIT(&r, 1);
	EXPECT_IN(r.err, "run past the end");
	tu_run_free(&r);
	TU_MAPDEV(&r, "fill", (char *)name, "1", "--offset", "4K", "-l", "8K");
	EXPECT_EXIT(&r, 1);
	tu_run_free(&r);
	buf_destroy(name);
}

/* `mapdev dump NAME --raw` into @buf, exactly @len bytes. */
static void raw_dump(const char *name, char *buf, size_t len)
{
	char *argv[] = { (char *)tu_tool(), "dump", (char *)name, "--raw",
			 NULL };
	int out = memfd_create("raw", MFD_CLOEXEC), st;
	pid_t p;

	CHECK(out >= 0);
	fflush(stdout);
	p = fork();
	CHECK(p >= 0);
	if (!p) {
		dup2(out, 1);
		execv(argv[0], argv);
		_exit(126);
	}
	CHECK_EQ(waitpid(p, &st, 0), p);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK_EQ(lseek(out, 0, SEEK_END), (off_t)len);
	CHECK_EQ(pread(out, buf, len, 0), (ssize_t)len);
	close(out);
}

TEST(fill_and_dump)
{
	const char *name = bufname("fd");
	struct tu_run r;

	setup();
	buf_create(name, 64 * 1024, MAPDEV_BACKEND_SG, MAPDEV_CACHE_CACHED);
	MAPDEV_OK(&r, "fill", (char *)name, "0xab");
	EXPECT_IN(r.out, "65536 bytes");
	tu_run_free(&r);
	MAPDEV_OK(&r, "dump", (char *)name, "0", "64");
	EXPECT_IN(r.out, "00000000  ab ab ab ab ab ab ab ab  ab ab ab ab ab ab "
		  "ab ab  |................|");
	EXPECT_IN(r.out, "\n*\n");	/* identical lines collapse */
	EXPECT_IN(r.out, "\n00000040\n");
	tu_run_free(&r);

	MAPDEV_OK(&r, "fill", (char *)name, "incr", "-w", "32", "-q");
	CHECK_EQ(strlen(r.out), 0);
	tu_run_free(&r);
	MAPDEV_OK(&r, "peek", (char *)name, "0x8");
	EXPECT_IN(r.out, "0x00000002");
	tu_run_free(&r);
	MAPDEV_OK(&r, "peek", (char *)name, "0xfffc");
	EXPECT_IN(r.out, "0x00003fff");
	tu_run_free(&r);

	/* Part of it, at a width. */
	MAPDEV_OK(&r, "fill", (char *)name, "0x1234", "-w", "16", "-o", "0x100",
		  "-l", "4");
	tu_run_free(&r);
	MAPDEV_OK(&r, "peek", (char *)name, "0x100");
	EXPECT_IN(r.out, "0x12341234");
	tu_run_free(&r);
	MAPDEV_OK(&r, "peek", (char *)name, "0x104");
	EXPECT_IN(r.out, "0x00000041");
	tu_run_free(&r);

	/* random: the same seed, the same bytes; --raw is the bytes. */
	{
		char *a = malloc(65536), *b = malloc(65536), *dev = malloc(65536);
		char path[64];
		int fd;

		CHECK(a && b && dev);
		MAPDEV_OK(&r, "fill", (char *)name, "random", "--seed", "7");
		tu_run_free(&r);
		raw_dump(name, a, 65536);
		MAPDEV_OK(&r, "fill", (char *)name, "zero");
		tu_run_free(&r);
		MAPDEV_OK(&r, "fill", (char *)name, "random", "-s", "7");
		tu_run_free(&r);
		raw_dump(name, b, 65536);
		CHECK(!memcmp(a, b, 65536));
		snprintf(path, sizeof(path), "/dev/mapdev/%s", name);
		fd = open(path, O_RDONLY);
		CHECK(fd >= 0);
		CHECK_EQ(pread(fd, dev, 65536, 0), 65536);
		close(fd);
		CHECK(!memcmp(a, dev, 65536));
		/* Random bytes do not repeat: no '*' line in the dump. */
		MAPDEV_OK(&r, "dump", (char *)name);
		CHECK(!strstr(r.out, "\n*\n"));
		tu_run_free(&r);
	}
	buf_destroy(name);
}

/* Progress goes to a terminal only. */
TEST(progress_on_a_terminal_only)
{
	const char *name = bufname("prog");
	char *argv[] = { (char *)tu_tool(), "fill", (char *)name, "ones", NULL };
	struct tu_run r;
	char buf[4096];
	int m, s, st;
	ssize_t n, got = 0;
	pid_t p;

	setup();
	buf_create(name, 16 << 20, MAPDEV_BACKEND_SG, MAPDEV_CACHE_CACHED);
	/* Piped (captured): no progress. */
	tu_runv(&r, argv, NULL);
	EXPECT_EXIT(&r, 0);
	CHECK_EQ(strlen(r.err), 0);
	tu_run_free(&r);

	m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m < 0 || grantpt(m) || unlockpt(m))
		SKIP("no pseudo-terminal: %s", strerror(errno));
	s = open(ptsname(m), O_RDWR | O_NOCTTY);
	CHECK(s >= 0);
	fflush(stdout);
	p = fork();
	CHECK(p >= 0);
	if (!p) {
		int nul = open("/dev/null", O_WRONLY);

		dup2(nul, 1);
		dup2(s, 2);
		execv(argv[0], argv);
		_exit(126);
	}
	close(s);
	CHECK_EQ(waitpid(p, &st, 0), p);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	fcntl(m, F_SETFL, O_NONBLOCK);
	while ((n = read(m, buf + got, sizeof(buf) - 1 - got)) > 0)
		got += n;
	buf[got] = '\0';
	EXPECT_IN(buf, "fill: ");
	EXPECT_IN(buf, "16M");
	close(m);
	buf_destroy(name);
}

/* ------------------------------------------------------------------ maps */

static const char *map_name;

static int map_setup(char *msg, size_t len)
{
	struct mapdev_device *dev = mapdev_device_open(map_name, O_RDWR);
	struct mapdev_mapping *m;

	if (!dev) {
		snprintf(msg, len, "open %s: %s", map_name, strerror(errno));
		return 1;
	}
	m = mapdev_device_map(dev, 0, 0, 0, PROT_READ | PROT_WRITE);
	if (!m) {
		snprintf(msg, len, "map %s: %s", map_name, strerror(errno));
		return 1;
	}
	memset(mapdev_mapping_addr(m), 0x5a, 4096);
	mapdev_device_close(dev);	/* the mapping stays */
	return 0;
}

TEST(maps_shows_the_buffer)
{
	struct tu_json *j, *mm, *md;
	char pid[16], dma[256];
	const char *name;
	struct tu_child c;
	struct tu_run r;
	int found = 0;

	setup();
	name = bufname("maps");
	map_name = name;
	buf_create(name, 256 * 1024, MAPDEV_BACKEND_SG, MAPDEV_CACHE_CACHED);
	tu_child_start(&c, map_setup);
	snprintf(pid, sizeof(pid), "%d", (int)c.pid);
	snprintf(dma, sizeof(dma), "%s", sysfs(name, "dma_addr"));

	MAPDEV_OK(&r, "maps", pid, "--json");
	j = tu_json_parse(r.out);
	for (mm = tu_jmust(j, "mappings", TJ_ARR)->child; mm; mm = mm->next) {
		md = tu_jget(mm, "mapdev");
		if (md->type == TJ_NULL)
			continue;
		found++;
		CHECK(!strcmp(tu_jget(mm, "kind")->str, "device"));
		CHECK(!strcmp(tu_jmust(md, "name", TJ_STR)->str, name));
		CHECK_EQ(tu_jmust(md, "region", TJ_NUM)->num, 0);
		CHECK(!strcmp(tu_jmust(md, "region_name", TJ_STR)->str,
			      "buffer"));
		CHECK(!strcmp(tu_jmust(md, "backend", TJ_STR)->str, "sg"));
		CHECK(!strcmp(tu_jmust(md, "cache", TJ_STR)->str, "cached"));
		CHECK_EQ(tu_jmust(md, "size", TJ_NUM)->num, 256 * 1024);
		CHECK_EQ(tu_jhex(tu_jget(md, "dma_addr")),
			 strtoull(dma, NULL, 0));
		CHECK_EQ(tu_jget(mm, "size_kib")->num, 256);
		CHECK(!strcmp(tu_jget(mm, "perms")->str, "rw-s"));
		CHECK(!strncmp(tu_jget(mm, "path")->str, "/dev/mapdev/", 12));
	}
	CHECK_EQ(found, 1);
	tu_run_free(&r);

	MAPDEV_OK(&r, "maps", pid);
	EXPECT_IN(r.out, "<- mapdev ");
	EXPECT_IN(r.out, name);
	EXPECT_IN(r.out, "1 mapdev mapping");
	tu_run_free(&r);
	MAPDEV_OK(&r, "maps", pid, "--color", "always");
	EXPECT_IN(r.out, "\033[1;33m");
	tu_run_free(&r);
	MAPDEV_OK(&r, "maps", pid, "--summary");
	EXPECT_IN(r.out, "\ndevice ");
	tu_run_free(&r);

	/* buf list counts the child's mapping. */
	CHECK_EQ(tu_jget(listed(name), "map_count")->num, 1);
	tu_child_stop(&c);
	buf_destroy(name);
}

/* ------------------------------------------------- issue 17's rough edges */

/* The size a buffer reports is the one it has: pages, not what was asked. */
TEST(buf_create_reports_the_real_size)
{
	char name1[MAPDEV_NAME_LEN], name2[MAPDEV_NAME_LEN];
	const char *one = name1, *odd = name2;
	struct tu_json *e;
	struct tu_run r;

	setup();
	snprintf(name1, sizeof(name1), "%s", bufname("one"));
	MAPDEV_OK(&r, "buf", "create", (char *)one, "1");
	EXPECT_IN(r.out, "/dev/mapdev/");
	EXPECT_IN(r.out, ": 4K (1 byte asked, rounded up to whole pages)");
	tu_run_free(&r);
	snprintf(name2, sizeof(name2), "%s", bufname("odd"));
	MAPDEV_OK(&r, "buf", "create", (char *)odd, "4097");
	EXPECT_IN(r.out, ": 8K (4097 bytes asked");
	tu_run_free(&r);
	e = listed(odd);
	CHECK(e);
	CHECK_EQ(tu_jget(e, "size")->num, 8192);
	MAPDEV_OK(&r, "buf", "info", (char *)odd);
	EXPECT_IN(r.out, "size:       8192 (8K)");
	tu_run_free(&r);
	/* An exact size says nothing more. */
	buf_destroy(one);
	MAPDEV_OK(&r, "buf", "create", (char *)one, "64K");
	EXPECT_IN(r.out, ": 64K, coherent, cached\n");
	tu_run_free(&r);
	buf_destroy(one);
	buf_destroy(odd);
}

/* What the kernel knows of a refusal reaches the user. */
TEST(buf_create_says_why)
{
	const char *name = bufname("why");
	uint64_t cma = 0;
	struct tu_run r;
	char line[256];
	FILE *f;

	setup();
	TU_MAPDEV(&r, "buf", "create", (char *)name, "5M", "--backend",
		  "contig");
	EXPECT_EXIT(&r, 1);
	EXPECT_IN(r.err, "contig buffers are at most 4M");
	EXPECT_IN(r.err, "--backend sg");
	tu_run_free(&r);

	f = fopen("/proc/meminfo", "re");
	CHECK(f);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "CmaTotal:", 9))
			cma = strtoull(line + 9, NULL, 10);
	fclose(f);
	TU_MAPDEV(&r, "buf", "create", (char *)name, "64M");
	if (r.status == 0) {
		/* A kernel with enough CMA: then it is no error at all. */
		CHECK(cma >= 64 * 1024);
		tu_run_free(&r);
		buf_destroy(name);
	} else {
		EXPECT_EXIT(&r, 1);
		EXPECT_IN(r.err, "Cannot allocate memory");
		EXPECT_IN(r.err, cma ? "CmaFree" : "this kernel has none");
		EXPECT_IN(r.err, "--backend sg");
		tu_run_free(&r);
	}

	TU_MAPDEV(&r, "buf", "create", (char *)name, "1024G", "--backend",
		  "sg");
	EXPECT_EXIT(&r, 1);
	EXPECT_IN(r.err, "more than the machine has available: MemAvailable");
	tu_run_free(&r);
	CHECK(!listed(name));
}

/* A child holds an O_SYNC (uncached) mapping of a cached buffer. */
static const char *osync_name;

static int osync_setup(char *msg, size_t len)
{
	char path[96];
	void *p;
	int fd;

	snprintf(path, sizeof(path), "/dev/mapdev/%s", osync_name);
	fd = open(path, O_RDWR | O_SYNC);
	if (fd < 0) {
		snprintf(msg, len, "open %s: %s", path, strerror(errno));
		return 1;
	}
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		snprintf(msg, len, "mmap O_SYNC: %s", strerror(errno));
		return 1;
	}
	return 0;
}

TEST(osync_mapping_elsewhere_falls_back_to_read_write)
{
	const char *name = bufname("osync");
	struct tu_child c;
	char path[96], b[8];
	struct tu_run r;
	int fd;

	setup();
	osync_name = name;
	buf_create(name, 64 * 1024, MAPDEV_BACKEND_SG, MAPDEV_CACHE_CACHED);
	tu_child_start(&c, osync_setup);
	CHECK(!strcmp(sysfs(name, "memtype"), "uncached"));

	/* Each still works, and says why it does not map. */
	MAPDEV_OK(&r, "poke", (char *)name, "0x10", "0xcafef00d");
	EXPECT_IN(r.out, "wrote 0xcafef00d");
	EXPECT_IN(r.err, "another cache mode");
	EXPECT_IN(r.err, "read()/write()");
	tu_run_free(&r);
	MAPDEV_OK(&r, "peek", (char *)name, "0x10");
	EXPECT_IN(r.out, ": 0xcafef00d");
	EXPECT_IN(r.err, "uncached");
	tu_run_free(&r);
	MAPDEV_OK(&r, "fill", (char *)name, "0x5a", "-o", "0x100", "-l", "16");
	EXPECT_IN(r.out, "filled 16 ");
	tu_run_free(&r);
	MAPDEV_OK(&r, "dump", (char *)name, "0x100", "16");
	EXPECT_IN(r.out, "00000100  5a 5a 5a 5a");
	tu_run_free(&r);
	/* The bytes are where they should be. */
	snprintf(path, sizeof(path), "/dev/mapdev/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0);
	CHECK_EQ(pread(fd, b, 4, 0x10), 4);
	CHECK_EQ(b[0] & 0xff, 0x0d);
	CHECK_EQ(b[3] & 0xff, 0xca);
	CHECK_EQ(pread(fd, b, 1, 0x10f), 1);
	CHECK_EQ(b[0], 0x5a);
	CHECK_EQ(pread(fd, b, 1, 0x110), 1);
	CHECK_EQ(b[0], 0);
	close(fd);
	tu_child_stop(&c);
	/* Mapped again once nothing else is: no note. */
	MAPDEV_OK(&r, "peek", (char *)name, "0x10");
	CHECK_EQ(strlen(r.err), 0);
	tu_run_free(&r);
	buf_destroy(name);
}

static const char *map_name;
static int map_setup(char *msg, size_t len);

/*
 * Every DMA segment of a scattered buffer, with --segments.  To make it
 * scattered, 4 MiB blocks are taken and every other one given back first:
 * the sg backend takes the largest blocks free, these, which are not
 * neighbours (8 segments seen on 6.1, where 256 MiB in one go came in one).
 */
TEST_TIMEOUT(buf_info_segments, 300)
{
	char name[MAPDEV_NAME_LEN], h[MAPDEV_NAME_LEN];
	struct tu_json *j, *reg, *s;
	uint64_t off = 0, size = 32ull << 20;
	unsigned int n = 0, nsysfs, i;
	bool held[16];
	struct tu_run r;
	int ctl;

	setup();
	snprintf(name, sizeof(name), "%s", bufname("segs"));
	ctl = ctl_open();
	for (i = 0; i < 16; i++) {
		snprintf(h, sizeof(h), "segh-%d-%u", (int)getpid() % 1000000, i);
		held[i] = !buf_create_raw(ctl, h, 4 << 20,
					  MAPDEV_BACKEND_CONTIG,
					  MAPDEV_CACHE_CACHED);
	}
	for (i = 0; i < 16; i += 2) {
		snprintf(h, sizeof(h), "segh-%d-%u", (int)getpid() % 1000000, i);
		if (held[i])
			buf_destroy_raw(ctl, h);
	}
	buf_create(name, size, MAPDEV_BACKEND_SG, MAPDEV_CACHE_CACHED);
	for (i = 1; i < 16; i += 2) {
		snprintf(h, sizeof(h), "segh-%d-%u", (int)getpid() % 1000000, i);
		if (held[i])
			buf_destroy_raw(ctl, h);
	}
	close(ctl);
	nsysfs = (unsigned int)sysfs_ll(name, "dma_segments");
	MAPDEV_OK(&r, "buf", "info", (char *)name, "--segments", "--json");
	j = tu_json_parse(r.out);
	reg = tu_jmust(j, "regions", TJ_ARR)->child;
	CHECK_EQ(tu_jmust(reg, "nr_segments", TJ_NUM)->num, nsysfs);
	s = tu_jmust(j, "segments", TJ_ARR)->child;
	CHECK(s);
	/* The first is the region's DMA address; they tile the buffer. */
	CHECK_EQ(tu_jhex(tu_jget(s, "dma_addr")),
		 tu_jhex(tu_jget(reg, "dma_addr")));
	for (; s; s = s->next, n++) {
		CHECK_EQ(tu_jhex(tu_jget(s, "offset")), off);
		CHECK(tu_jmust(s, "len", TJ_NUM)->num > 0);
		CHECK(tu_jhex(tu_jget(s, "dma_addr")) != 0);
		off += (uint64_t)tu_jget(s, "len")->num;
	}
	CHECK_EQ(off, size);
	CHECK_EQ(n, nsysfs);
	tu_run_free(&r);

	MAPDEV_OK(&r, "buf", "info", (char *)name, "--segments");
	EXPECT_IN(r.out, "segments:   ");
	EXPECT_IN(r.out, "DMA_ADDR");
	if (nsysfs > 1) {
		char want[64];

		snprintf(want, sizeof(want), "%u DMA segments", nsysfs);
		EXPECT_IN(r.out, want);
	}
	tu_run_free(&r);
	/* Without --segments, a scattered one says the address is the first. */
	MAPDEV_OK(&r, "buf", "info", (char *)name);
	if (nsysfs > 1)
		EXPECT_IN(r.out, "(the first segment's; --segments lists all)");
	CHECK(!strstr(r.out, "segments:   "));
	tu_run_free(&r);
	printf("# %s: %u DMA segments for %llu MiB\n", name, nsysfs,
	       (unsigned long long)(size >> 20));

	/* mapdev maps of a process mapping it says how many there are. */
	{
		struct tu_child c;
		struct tu_json *m, *md;
		char pid[16], want[96];
		int found = 0;

		map_name = name;
		tu_child_start(&c, map_setup);
		snprintf(pid, sizeof(pid), "%d", (int)c.pid);
		MAPDEV_OK(&r, "maps", pid, "--json");
		j = tu_json_parse(r.out);
		for (m = tu_jget(j, "mappings")->child; m; m = m->next) {
			md = tu_jget(m, "mapdev");
			if (md->type != TJ_OBJ)
				continue;
			CHECK_EQ(tu_jmust(md, "nr_segments", TJ_NUM)->num,
				 nsysfs);
			found++;
		}
		CHECK_EQ(found, 1);
		tu_run_free(&r);
		MAPDEV_OK(&r, "maps", pid);
		snprintf(want, sizeof(want), "(the first of %u DMA segments: "
			 "mapdev buf info %s --segments)", nsysfs, name);
		if (nsysfs > 1)
			EXPECT_IN(r.out, want);
		tu_run_free(&r);
		tu_child_stop(&c);
	}
	buf_destroy(name);
}

/* Run the tool as nobody (65534), with no supplementary groups. */
static void run_as_nobody(struct tu_run *res, char *const args[])
{
	char *argv[12] = { (char *)tu_tool() };
	int out = memfd_create("out", MFD_CLOEXEC);
	int err = memfd_create("err", MFD_CLOEXEC);
	int st, i;
	pid_t p;

	for (i = 0; args[i] && i < 10; i++)
		argv[i + 1] = args[i];
	argv[i + 1] = NULL;
	CHECK(out >= 0 && err >= 0);
	fflush(stdout);
	p = fork();
	CHECK(p >= 0);
	if (!p) {
		dup2(out, 1);
		dup2(err, 2);
		if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(125);
		execv(argv[0], argv);
		_exit(126);
	}
	CHECK_EQ(waitpid(p, &st, 0), p);
	res->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	res->out = tu_slurp_fd(out);
	res->err = tu_slurp_fd(err);
	close(out);
	close(err);
	if (res->status == 125 || res->status == 126)
		SKIP("cannot run the tool as nobody (%d)", res->status);
}

TEST(non_root_list_info_and_the_way_in)
{
	const char *name = bufname("user");
	char *list[] = { "buf", "list", "--json", NULL };
	char *info[] = { "buf", "info", (char *)name, NULL };
	char *info_json[] = { "buf", "info", (char *)name, "--json", NULL };
	char *segs[] = { "buf", "info", (char *)name, "--segments", NULL };
	char *peek[] = { "peek", (char *)name, "0", NULL };
	char *create[] = { "buf", "create", "cli-user-new", "4K", NULL };
	struct tu_json *j, *e, *reg;
	char path[96];
	struct tu_run r;
	int found = 0;

	setup();
	buf_create(name, 8192, MAPDEV_BACKEND_COHERENT, MAPDEV_CACHE_CACHED);
	snprintf(path, sizeof(path), "/dev/mapdev/%s", name);

	/* Listing needs nothing. */
	run_as_nobody(&r, list);
	EXPECT_EXIT(&r, 0);
	j = tu_json_parse(r.out);
	for (e = j->child; e; e = e->next)
		found += !strcmp(tu_jget(e, "name")->str, name);
	CHECK_EQ(found, 1);
	tu_run_free(&r);
	/* Info without access: what sysfs says, and how to get in. */
	run_as_nobody(&r, info);
	EXPECT_EXIT(&r, 0);
	EXPECT_IN(r.out, "size:       8192 (8K)");
	EXPECT_IN(r.out, "regions:    unknown (");
	EXPECT_IN(r.out, "Permission denied");
	EXPECT_IN(r.out, "group mapdev");
	EXPECT_IN(r.out, "/usr/lib/udev/rules.d/60-mapdev.rules");
	tu_run_free(&r);
	run_as_nobody(&r, peek);
	EXPECT_EXIT(&r, 1);
	EXPECT_IN(r.err, "Permission denied");
	EXPECT_IN(r.err, "usermod -aG mapdev");
	tu_run_free(&r);
	run_as_nobody(&r, create);
	EXPECT_EXIT(&r, 1);
	EXPECT_IN(r.err, "Permission denied");
	EXPECT_IN(r.err, "CAP_SYS_ADMIN");
	tu_run_free(&r);

	/* With access to the node (what the group rule gives): regions. */
	CHECK_OK(chmod(path, 0666));
	run_as_nobody(&r, info_json);
	EXPECT_EXIT(&r, 0);
	j = tu_json_parse(r.out);
	reg = tu_jmust(j, "regions", TJ_ARR)->child;
	CHECK(reg);
	CHECK_EQ(tu_jmust(reg, "size", TJ_NUM)->num, 8192);
	/* The DMA address is root's. */
	CHECK(tu_jget(reg, "dma_addr")->type == TJ_NULL);
	tu_run_free(&r);
	run_as_nobody(&r, peek);
	EXPECT_EXIT(&r, 0);
	tu_run_free(&r);
	run_as_nobody(&r, segs);
	EXPECT_EXIT(&r, 1);
	EXPECT_IN(r.err, "listing DMA segments needs root (CAP_SYS_ADMIN)");
	CHECK_EQ(strlen(r.out), 0);
	tu_run_free(&r);
	buf_destroy(name);
}
