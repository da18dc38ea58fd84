// SPDX-License-Identifier: GPL-2.0
/*
 * VM tests of mapdev_core and mapdev_buf: what a user of the DMA buffers
 * relies on.  Each test runs in its own process (tests/harness.h).
 */
#define HARNESS_IMPLEMENTATION
#include <sys/prctl.h>
#include <sys/uio.h>
#include <linux/futex.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <pthread.h>
#include "mapdev_test.h"
#include "race_util.h"

const char *harness_suite = "buf";

#define PG 4096UL
#define ALL_BACKENDS { MAPDEV_BACKEND_COHERENT, MAPDEV_BACKEND_CONTIG, MAPDEV_BACKEND_SG }
static const char *const bk_name[] = { "coherent", "contig", "sg" };
static const char *const cache_name[] = { "cached", "uncached", "wc" };

/* -- creation and the control device -------------------------------------- */

TEST(module_param_buffers)
{
	need_module("mapdev_buf", "buffers=tp_frames:64K:sg,tp_regs:4K:coherent:uncached,tp_c:8K:contig:wc");
	CHECK(access("/dev/mapdev/tp_frames", F_OK) == 0);
	CHECK_EQ(sysfs_ll("tp_frames", "size"), 65536);
	CHECK(!strcmp(sysfs("tp_frames", "backend"), "sg"));
	CHECK(!strcmp(sysfs("tp_frames", "cache"), "cached"));
	CHECK(!strcmp(sysfs("tp_regs", "backend"), "coherent"));
	CHECK(!strcmp(sysfs("tp_regs", "cache"), "uncached"));
	CHECK(!strcmp(sysfs("tp_regs", "memtype"), "uncached"));
	CHECK(!strcmp(sysfs("tp_c", "backend"), "contig"));
	CHECK(!strcmp(sysfs("tp_c", "cache"), "wc"));
	CHECK_EQ(sh("rmmod mapdev_buf"), 0);
	CHECK(access("/dev/mapdev/tp_frames", F_OK) != 0);
	CHECK_EQ(core_stat("buffers"), 0);
}

/*
 * A bad buffers= entry or dma_bits fails the load with the errno ABI.md
 * says and a kernel log line naming it; nothing stays behind.  Loaded with
 * finit_module() so the refusal is the module's own, not modprobe's.
 */
TEST(module_param_bad)
{
	static const struct {
		const char *params;
		int err;
		const char *line;	/* in the kernel log line */
	} bad[] = {
		{ "buffers=x:12Q", EINVAL, "x: bad size '12Q'" },
		{ "buffers=x:0", EINVAL, "x: bad size '0'" },
		{ "buffers=x", EINVAL, "'x': want NAME:SIZE" },
		{ "buffers=x:4K:foo", EINVAL, "x: backend 'foo'" },
		{ "buffers=x:4K:sg:bar", EINVAL, "x: cache 'bar'" },
		{ "buffers=a/b:4K", EINVAL, "a/b: cannot create it: -22" },
		{ "buffers=x:4K:sg:wc:extra", EINVAL, "'x': want NAME:SIZE" },
		{ "buffers=dup:4K,dup:8K", EINVAL, "dup: cannot create it: -17 (the name is taken)" },
		{ "buffers=ok:4K,x:", EINVAL, "'x': want NAME:SIZE" },
		{ "dma_bits=5", EINVAL, "dma_bits=5: must be 12 to 64" },
		{ "dma_bits=65", EINVAL, "dma_bits=65: must be 12 to 64" },
		{ "buffers=.x:4K", EINVAL, ".x: cannot create it: -22" },
	};
	size_t i;
	int fd;

	need_module("mapdev_core", NULL);
	sh("rmmod mapdev_buf 2>/dev/null");
	CHECK(!module_loaded("mapdev_buf"));
	fd = open(module_path("mapdev_buf"), O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		module_load_refused(fd, "mapdev_buf", bad[i].params, bad[i].err,
				    bad[i].line);
		/* Whatever it created before the bad spec is gone again. */
		CHECK_EQ(core_stat("buffers"), 0);
		CHECK_EQ(core_stat("devices"), 0);
		CHECK(access("/dev/mapdev/ok", F_OK) != 0);
	}
	/* The same file loads with good parameters: the refusals were its own. */
	CHECK_OK(syscall(SYS_finit_module, fd, "buffers=ok:4K dma_bits=32", 0));
	CHECK(access("/dev/mapdev/ok", F_OK) == 0);
	CHECK_EQ(sh("rmmod mapdev_buf"), 0);
	close(fd);
}

TEST(create_list_destroy)
{
	struct mapdev_buf_entry ent[8];
	struct mapdev_buf_list l = { .argsz = sizeof(l), .count = 8,
				     .entries = (uintptr_t)ent };
	int ctl, i, found = 0;

	need_module("mapdev_buf", "");
	ctl = ctl_open();
	CHECK_OK(buf_create_raw(ctl, "l_a", 4096, MAPDEV_BACKEND_COHERENT, 0));
	CHECK_OK(buf_create_raw(ctl, "l_b", 100000, MAPDEV_BACKEND_SG, 2));
	CHECK_OK(buf_create_raw(ctl, "l_c", 3 * PG, MAPDEV_BACKEND_CONTIG, 1));
	CHECK_OK(ioctl(ctl, MAPDEV_BUF_IOC_LIST, &l));
	CHECK_EQ(l.total, 3);
	for (i = 0; i < 3; i++) {
		if (!strcmp(ent[i].name, "l_b")) {
			/* Sizes are rounded up to whole pages. */
			CHECK_EQ(ent[i].size, 25 * PG);
			CHECK_EQ(ent[i].backend, MAPDEV_BACKEND_SG);
			CHECK_EQ(ent[i].cache, MAPDEV_CACHE_WC);
			found++;
		}
		if (!strcmp(ent[i].name, "l_c")) {
			CHECK_EQ(ent[i].size, 3 * PG);
			found++;
		}
	}
	CHECK_EQ(found, 2);
	/* A short array gets what fits, and the total. */
	l.count = 1;
	memset(ent, 0, sizeof(ent));
	CHECK_OK(ioctl(ctl, MAPDEV_BUF_IOC_LIST, &l));
	CHECK_EQ(l.total, 3);
	CHECK(ent[0].name[0] && !ent[1].name[0]);
	CHECK_OK(buf_destroy_raw(ctl, "l_a"));
	CHECK_OK(buf_destroy_raw(ctl, "l_b"));
	CHECK_OK(buf_destroy_raw(ctl, "l_c"));
	l.count = 8;
	CHECK_OK(ioctl(ctl, MAPDEV_BUF_IOC_LIST, &l));
	CHECK_EQ(l.total, 0);
	CHECK_EQ(core_stat("buffers"), 0);
}

TEST(create_bad_input)
{
	struct mapdev_buf_create c;
	long long before;
	int ctl;

	need_module("mapdev_buf", "");
	ctl = ctl_open();
	before = core_stat("buffers");
	CHECK_ERRNO(buf_create_raw(ctl, "z", 0, 0, 0), EINVAL);
	CHECK_ERRNO(buf_create_raw(ctl, "z", ~0ULL, 0, 0), ENOMEM);
	CHECK_ERRNO(buf_create_raw(ctl, "z", ~0ULL - 100, MAPDEV_BACKEND_SG, 0), ENOMEM);
	CHECK_ERRNO(buf_create_raw(ctl, "z", 4096, MAPDEV_BACKEND_RESERVED, 0), EINVAL);
	CHECK_ERRNO(buf_create_raw(ctl, "z", 4096, 99, 0), EINVAL);
	CHECK_ERRNO(buf_create_raw(ctl, "z", 4096, 0, 3), EINVAL);
	CHECK_ERRNO(buf_create_raw(ctl, "", 4096, 0, 0), EINVAL);
	CHECK_ERRNO(buf_create_raw(ctl, "a/b", 4096, 0, 0), EINVAL);
	CHECK_ERRNO(buf_create_raw(ctl, "..", 4096, 0, 0), EINVAL);
	CHECK_ERRNO(buf_create_raw(ctl, "-x", 4096, 0, 0), EINVAL);
	CHECK_ERRNO(buf_create_raw(ctl, "sp ace", 4096, 0, 0), EINVAL);
	/* Contig is one allocation: bigger than the allocator's largest. */
	CHECK_ERRNO(buf_create_raw(ctl, "z", 64 << 20, MAPDEV_BACKEND_CONTIG, 0), EINVAL);

	/* Name without a NUL inside the array. */
	memset(&c, 0, sizeof(c));
	c.argsz = sizeof(c);
	c.size = 4096;
	memset(c.name, 'a', sizeof(c.name));
	CHECK_ERRNO(ioctl(ctl, MAPDEV_BUF_IOC_CREATE, &c), EINVAL);
	/* Unknown flags. */
	memset(&c, 0, sizeof(c));
	c.argsz = sizeof(c);
	c.size = 4096;
	strcpy(c.name, "z");
	c.flags = 2;	/* 1 is MAPDEV_BUF_CREATE_F_PCI */
	CHECK_ERRNO(ioctl(ctl, MAPDEV_BUF_IOC_CREATE, &c), EINVAL);
	c.flags = 0x80000000;
	CHECK_ERRNO(ioctl(ctl, MAPDEV_BUF_IOC_CREATE, &c), EINVAL);
	c.flags = 0;
	/* argsz too short to hold the name. */
	c.argsz = 8;
	CHECK_ERRNO(ioctl(ctl, MAPDEV_BUF_IOC_CREATE, &c), EINVAL);
	c.argsz = 0;
	CHECK_ERRNO(ioctl(ctl, MAPDEV_BUF_IOC_CREATE, &c), EINVAL);
	/* Bad pointer. */
	CHECK_ERRNO(ioctl(ctl, MAPDEV_BUF_IOC_CREATE, (void *)16), EFAULT);
	CHECK_ERRNO(ioctl(ctl, MAPDEV_BUF_IOC_CREATE, NULL), EFAULT);
	/* Unknown ioctls, on the control device and on the type. */
	CHECK_ERRNO(ioctl(ctl, _IO(MAPDEV_TYPE, 0x7f), &c), ENOTTY);
	CHECK_ERRNO(ioctl(ctl, _IO('x', 1), &c), ENOTTY);
	CHECK_EQ(core_stat("buffers"), before);

	/* Duplicates and destroys. */
	CHECK_OK(buf_create_raw(ctl, "dup", 4096, 0, 0));
	CHECK_ERRNO(buf_create_raw(ctl, "dup", 8192, 0, 0), EEXIST);
	CHECK_ERRNO(buf_create_raw(ctl, "buf-control", 4096, 0, 0), EINVAL);	/* reserved */
	CHECK_EQ(sysfs_ll("dup", "size"), 4096);
	CHECK_OK(buf_destroy_raw(ctl, "dup"));
	CHECK_ERRNO(buf_destroy_raw(ctl, "dup"), ENOENT);
	CHECK_ERRNO(buf_destroy_raw(ctl, "a/b"), ENOENT);
	CHECK_EQ(core_stat("buffers"), before);
}

TEST(argsz_growth)
{
	/* A newer, longer struct with a zero tail is accepted; a non-zero
	 * tail (a field this kernel does not know) is not. */
	struct {
		struct mapdev_buf_create c;
		uint64_t future;
	} big;
	int ctl;

	need_module("mapdev_buf", "");
	ctl = ctl_open();
	buf_destroy_raw(ctl, "grow");
	memset(&big, 0, sizeof(big));
	big.c.argsz = sizeof(big);
	big.c.size = 4096;
	strcpy(big.c.name, "grow");
	big.future = 1;
	CHECK_ERRNO(ioctl(ctl, MAPDEV_BUF_IOC_CREATE, &big), EINVAL);
	big.future = 0;
	CHECK_OK(ioctl(ctl, MAPDEV_BUF_IOC_CREATE, &big));
	CHECK_OK(buf_destroy_raw(ctl, "grow"));
}

TEST(create_needs_cap_sys_admin)
{
	int ctl;

	need_module("mapdev_buf", "");
	ctl = ctl_open();
	/* Keep the fd, lose the privilege. */
	CHECK_OK(setresuid(65534, 65534, 65534));
	CHECK_ERRNO(buf_create_raw(ctl, "np", 4096, 0, 0), EPERM);
	CHECK_ERRNO(buf_destroy_raw(ctl, "np"), EPERM);
}

TEST(fail_alloc_injection)
{
	int ctl;
	long long before;

	need_module("mapdev_buf", "");
	ctl = ctl_open();
	before = core_stat("buffers");
	CHECK_OK(write_file(DBG_DIR "fail_alloc", "1"));
	CHECK_ERRNO(buf_create_raw(ctl, "inj", 4096, 0, 0), ENOMEM);
	CHECK(access("/dev/mapdev/inj", F_OK) != 0);
	CHECK_EQ(core_stat("buffers"), before);
	CHECK_EQ(core_stat("fail_alloc"), 0);
	CHECK_OK(buf_create_raw(ctl, "inj", 4096, 0, 0));
	CHECK_OK(buf_destroy_raw(ctl, "inj"));
	CHECK_ERRNO(write_file(DBG_DIR "fail_alloc", "-1"), EINVAL);
}

/* -- data ------------------------------------------------------------------- */

TEST(new_buffers_read_zero)
{
	static const uint32_t backends[] = ALL_BACKENDS;
	size_t size = 64 * PG, i;
	unsigned int b, c;
	uint8_t *p, *rb = malloc(size);

	need_module("mapdev_buf", "");
	for (b = 0; b < 3; b++) {
		for (c = 0; c < 3; c++) {
			int fd;

			buf_create("zero", size, backends[b], c);
			fd = buf_open("zero", O_RDWR);
			/* Dirty it, destroy it, and a new one must be clean. */
			p = map(fd, size, PROT_READ | PROT_WRITE, 0);
			memset(p, 0xa5, size);
			munmap(p, size);
			close(fd);
			buf_destroy("zero");
			buf_create("zero", size, backends[b], c);
			fd = buf_open("zero", O_RDWR);
			p = map(fd, size, PROT_READ, 0);
			for (i = 0; i < size; i++)
				if (p[i])
					FAILF("%s/%s: byte %zu of a new buffer is 0x%x",
					      bk_name[b], cache_name[c], i, p[i]);
			CHECK_EQ(pread(fd, rb, size, 0), (ssize_t)size);
			for (i = 0; i < size; i++)
				if (rb[i])
					FAILF("%s/%s: read() byte %zu is 0x%x",
					      bk_name[b], cache_name[c], i, rb[i]);
			munmap(p, size);
			close(fd);
			buf_destroy("zero");
		}
	}
}

TEST(mmap_and_read_write_agree)
{
	static const uint32_t backends[] = ALL_BACKENDS;
	size_t size = 37 * PG + 100, rsize = 38 * PG, i;
	uint8_t *p, *rb = malloc(rsize);
	unsigned int b, c;

	need_module("mapdev_buf", "");
	for (b = 0; b < 3; b++) {
		for (c = 0; c < 3; c++) {
			int fd, seed = b * 3 + c;

			buf_create("rw", size, backends[b], c);
			CHECK_EQ(sysfs_ll("rw", "size"), rsize);
			fd = buf_open("rw", O_RDWR);
			p = map(fd, rsize, PROT_READ | PROT_WRITE, 0);
			for (i = 0; i < rsize; i++)
				p[i] = pattern(i, seed);
			/* Through the copy path, another fd. */
			int fd2 = buf_open("rw", O_RDONLY);

			CHECK_EQ(read(fd2, rb, rsize), (ssize_t)rsize);
			for (i = 0; i < rsize; i++)
				if (rb[i] != pattern(i, seed))
					FAILF("%s/%s: read() byte %zu: 0x%x, mapped 0x%x",
					      bk_name[b], cache_name[c], i, rb[i],
					      pattern(i, seed));
			/* And the other way round. */
			for (i = 0; i < rsize; i++)
				rb[i] = pattern(i, seed + 100);
			CHECK_EQ(pwrite(fd, rb, rsize, 0), (ssize_t)rsize);
			for (i = 0; i < rsize; i++)
				if (p[i] != pattern(i, seed + 100))
					FAILF("%s/%s: mapping byte %zu after write()",
					      bk_name[b], cache_name[c], i);
			munmap(p, rsize);
			close(fd);
			close(fd2);
			buf_destroy("rw");
		}
	}
}

TEST(read_write_lseek_edges)
{
	char b[PG * 2];
	int fd;

	need_module("mapdev_buf", "");
	buf_create("edge", 2 * PG, MAPDEV_BACKEND_SG, 0);
	fd = buf_open("edge", O_RDWR);
	CHECK_EQ(lseek(fd, 0, SEEK_END), 2 * PG);
	CHECK_EQ(read(fd, b, 10), 0);			/* EOF */
	CHECK_ERRNO(write(fd, b, 10), ENOSPC);		/* full */
	CHECK_EQ(lseek(fd, -10, SEEK_END), 2 * PG - 10);
	CHECK_EQ(write(fd, "0123456789abc", 13), 10);	/* short at the end */
	CHECK_EQ(pread(fd, b, sizeof(b), PG), PG);	/* short read */
	CHECK(!memcmp(b + PG - 10, "0123456789", 10));
	CHECK_ERRNO(lseek(fd, -1, SEEK_SET), EINVAL);
	/* Offsets of regions the device does not have: EOF / full. */
	CHECK_EQ(pread(fd, b, 10, (off_t)MAPDEV_REGION_OFFSET(1)), 0);
	CHECK_ERRNO(pwrite(fd, b, 10, (off_t)MAPDEV_REGION_OFFSET(1)), ENOSPC);
	/* A bad user pointer is EFAULT and moves nothing. */
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	void *volatile bad = (void *)8;

	CHECK_ERRNO(read(fd, bad, 100), EFAULT);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 0);
	close(fd);
	buf_destroy("edge");
}

TEST(info_and_region_info)
{
	struct mapdev_info info = { .argsz = sizeof(info) };
	struct mapdev_region_info ri = { .argsz = sizeof(ri) };
	int fd;

	need_module("mapdev_buf", "");
	buf_create("info", 10 * PG, MAPDEV_BACKEND_COHERENT, MAPDEV_CACHE_WC);
	fd = buf_open("info", O_RDWR);
	CHECK_OK(ioctl(fd, MAPDEV_IOC_INFO, &info));
	CHECK_EQ(info.num_regions, 1);
	CHECK(!strcmp(info.name, "info"));
	CHECK(!strcmp(info.driver, "mapdev_buf"));
	CHECK_OK(ioctl(fd, MAPDEV_IOC_REGION_INFO, &ri));
	CHECK_EQ(ri.size, 10 * PG);
	CHECK_EQ(ri.offset, 0);
	CHECK_EQ(ri.backend, MAPDEV_BACKEND_COHERENT);
	CHECK_EQ(ri.cache, MAPDEV_CACHE_WC);
	CHECK_EQ(ri.nr_segments, 1);
	CHECK(ri.flags & MAPDEV_REGION_F_MMAP);
	CHECK(ri.flags & MAPDEV_REGION_F_CONTIG);
	CHECK(ri.dma_addr != 0);
	CHECK_EQ(ri.dma_addr, strtoull(sysfs("info", "dma_addr"), NULL, 16));
	CHECK(!strcmp(sysfs("info", "region0/name"), "buffer"));
	CHECK_EQ(sysfs_ll("info", "region0/size"), 10 * PG);
	CHECK(access("/sys/class/mapdev/info/region1", F_OK) != 0);
	ri.index = 1;
	CHECK_ERRNO(ioctl(fd, MAPDEV_IOC_REGION_INFO, &ri), EINVAL);
	ri.index = 0;
	ri.flags = 1;
	CHECK_ERRNO(ioctl(fd, MAPDEV_IOC_REGION_INFO, &ri), EINVAL);
	ri.flags = 0;
	ri.argsz = 8;
	CHECK_ERRNO(ioctl(fd, MAPDEV_IOC_REGION_INFO, &ri), EINVAL);
	info.flags = 2;
	CHECK_ERRNO(ioctl(fd, MAPDEV_IOC_INFO, &info), EINVAL);
	CHECK_ERRNO(ioctl(fd, _IO(MAPDEV_TYPE, 0x3f), &info), ENOTTY);
	CHECK_ERRNO(ioctl(fd, MAPDEV_BUF_IOC_CREATE, &info), ENOTTY);
	close(fd);
	buf_destroy("info");
}

/* The DMA segments of an sg buffer cover it, in order, without overlap. */
TEST(dma_segments)
{
	struct mapdev_dma_segment seg[4096];
	struct mapdev_dma_segments ds = {
		.argsz = sizeof(ds), .count = 4096, .segments = (uintptr_t)seg,
	};
	uint64_t off = 0;
	unsigned int i;
	int fd;

	need_module("mapdev_buf", "");
	buf_create("segs", 8 << 20, MAPDEV_BACKEND_SG, 0);
	fd = buf_open("segs", O_RDWR);
	CHECK_OK(ioctl(fd, MAPDEV_IOC_DMA_SEGMENTS, &ds));
	CHECK(ds.total >= 1 && ds.total <= 4096);
	CHECK_EQ(ds.total, sysfs_ll("segs", "dma_segments"));
	for (i = 0; i < ds.total; i++) {
		CHECK_EQ(seg[i].offset, off);
		CHECK(seg[i].len && seg[i].len % PG == 0);
		off += seg[i].len;
	}
	CHECK_EQ(off, 8 << 20);
	CHECK_EQ(seg[0].dma_addr, strtoull(sysfs("segs", "dma_addr"), NULL, 16));
	ds.count = 0;
	CHECK_OK(ioctl(fd, MAPDEV_IOC_DMA_SEGMENTS, &ds));
	ds.index = 1;
	CHECK_ERRNO(ioctl(fd, MAPDEV_IOC_DMA_SEGMENTS, &ds), EINVAL);
	ds.index = 0;
	ds.count = 4;
	ds.segments = 8;
	CHECK_ERRNO(ioctl(fd, MAPDEV_IOC_DMA_SEGMENTS, &ds), EFAULT);
	close(fd);
	buf_destroy("segs");
}

/* DMA addresses are for root: an fd passed to a user shows none. */
TEST(dma_addr_needs_root)
{
	struct mapdev_region_info ri = { .argsz = sizeof(ri) };
	struct mapdev_dma_segments ds = { .argsz = sizeof(ds) };
	char v[64];
	int fd;

	need_module("mapdev_buf", "");
	buf_create("priv", PG, MAPDEV_BACKEND_COHERENT, 0);
	fd = buf_open("priv", O_RDWR);
	CHECK_OK(setresuid(65534, 65534, 65534));
	CHECK_OK(ioctl(fd, MAPDEV_IOC_REGION_INFO, &ri));
	CHECK_EQ(ri.dma_addr, 0);
	CHECK_EQ(ri.size, PG);
	CHECK_ERRNO(ioctl(fd, MAPDEV_IOC_DMA_SEGMENTS, &ds), EPERM);
	CHECK_ERRNO(read_file("/sys/class/mapdev/priv/dma_addr", v, sizeof(v)), EACCES);
	CHECK_ERRNO(read_file("/sys/class/mapdev/priv/region0/dma_addr", v, sizeof(v)), EACCES);
	/* The rest of the region's files are for everyone. */
	CHECK_OK(read_file("/sys/class/mapdev/priv/region0/size", v, sizeof(v)));
	CHECK_OK(read_file("/sys/class/mapdev/priv/size", v, sizeof(v)));
	CHECK_ERRNO(open("/dev/mapdev/priv", O_RDWR), EACCES);
}

/* Both dma_addr files are mode 0400, root's (what the EACCES above rests on). */
TEST(dma_addr_files_root_only)
{
	static const char *const files[] = {
		"/sys/class/mapdev/priv2/dma_addr", "/sys/class/mapdev/priv2/region0/dma_addr",
	};
	struct stat st;
	char v[64];
	unsigned int i;

	need_module("mapdev_buf", "");
	buf_create("priv2", PG, MAPDEV_BACKEND_SG, 0);
	for (i = 0; i < 2; i++) {
		CHECK_OK(stat(files[i], &st));
		if ((st.st_mode & 0777) != 0400 || st.st_uid != 0)
			FAILF("%s: mode %o uid %u, expected 0400 root", files[i],
			      st.st_mode & 0777, st.st_uid);
		CHECK_OK(read_file(files[i], v, sizeof(v)));
		CHECK(strtoull(v, NULL, 16) != 0);
	}
	CHECK_EQ(strtoull(sysfs("priv2", "dma_addr"), NULL, 16),
		 strtoull(sysfs("priv2", "region0/dma_addr"), NULL, 16));
	buf_destroy("priv2");
}

TEST(sync_ioctl)
{
	struct mapdev_sync s = { .argsz = sizeof(s) };
	int fd;

	need_module("mapdev_buf", "");
	buf_create("sync", 16 * PG, MAPDEV_BACKEND_SG, 0);
	fd = buf_open("sync", O_RDWR);
	s.flags = MAPDEV_SYNC_FOR_DEVICE;
	s.direction = MAPDEV_DIR_TO_DEVICE;
	CHECK_OK(ioctl(fd, MAPDEV_IOC_SYNC, &s));	/* size 0: all */
	s.flags = MAPDEV_SYNC_FOR_CPU;
	s.direction = MAPDEV_DIR_FROM_DEVICE;
	s.offset = 3 * PG + 5;
	s.size = 5 * PG;
	CHECK_OK(ioctl(fd, MAPDEV_IOC_SYNC, &s));
	s.offset = 16 * PG;
	s.size = 0;
	CHECK_OK(ioctl(fd, MAPDEV_IOC_SYNC, &s));	/* empty, at the end */
	s.offset = 16 * PG + 1;
	CHECK_ERRNO(ioctl(fd, MAPDEV_IOC_SYNC, &s), EINVAL);
	s.offset = PG;
	s.size = 16 * PG;
	CHECK_ERRNO(ioctl(fd, MAPDEV_IOC_SYNC, &s), EINVAL);
	s.offset = 8;
	s.size = ~0ULL - 4;				/* wraps */
	CHECK_ERRNO(ioctl(fd, MAPDEV_IOC_SYNC, &s), EINVAL);
	s.offset = 0;
	s.size = PG;
	s.flags = MAPDEV_SYNC_FOR_CPU | MAPDEV_SYNC_FOR_DEVICE;
	CHECK_ERRNO(ioctl(fd, MAPDEV_IOC_SYNC, &s), EINVAL);
	s.flags = 0;
	CHECK_ERRNO(ioctl(fd, MAPDEV_IOC_SYNC, &s), EINVAL);
	s.flags = 4;
	CHECK_ERRNO(ioctl(fd, MAPDEV_IOC_SYNC, &s), EINVAL);
	s.flags = MAPDEV_SYNC_FOR_CPU;
	s.direction = 3;
	CHECK_ERRNO(ioctl(fd, MAPDEV_IOC_SYNC, &s), EINVAL);
	s.direction = 0;
	s.index = 1;
	CHECK_ERRNO(ioctl(fd, MAPDEV_IOC_SYNC, &s), EINVAL);
	s.index = 0;
	s.argsz = 12;
	CHECK_ERRNO(ioctl(fd, MAPDEV_IOC_SYNC, &s), EINVAL);
	close(fd);
	buf_destroy("sync");
}

TEST(sync_sysfs)
{
	need_module("mapdev_buf", "");
	buf_create("ssync", 4 * PG, MAPDEV_BACKEND_SG, 0);
	CHECK_OK(sysfs_write("ssync", "sync_offset", "4096"));
	CHECK_OK(sysfs_write("ssync", "sync_size", "8192"));
	CHECK_OK(sysfs_write("ssync", "sync_direction", "2"));
	CHECK_OK(sysfs_write("ssync", "sync_for_cpu", "1"));
	CHECK_OK(sysfs_write("ssync", "sync_for_device", "1"));
	/* Bad writes fail and change nothing. */
	CHECK_ERRNO(sysfs_write("ssync", "sync_direction", "3"), EINVAL);
	CHECK_ERRNO(sysfs_write("ssync", "sync_direction", "x"), EINVAL);
	CHECK_EQ(sysfs_ll("ssync", "sync_direction"), 2);
	CHECK_ERRNO(sysfs_write("ssync", "sync_offset", "16385"), EINVAL);
	CHECK_ERRNO(sysfs_write("ssync", "sync_offset", "-1"), EINVAL);
	CHECK_EQ(sysfs_ll("ssync", "sync_offset"), 4096);
	CHECK_ERRNO(sysfs_write("ssync", "sync_size", "99999999999999999999"), ERANGE);
	CHECK_EQ(sysfs_ll("ssync", "sync_size"), 8192);
	CHECK_ERRNO(sysfs_write("ssync", "sync_for_cpu", "0"), EINVAL);
	CHECK_ERRNO(sysfs_write("ssync", "sync_for_cpu", "maybe"), EINVAL);
	/* offset + size past the end is refused at sync time. */
	CHECK_OK(sysfs_write("ssync", "sync_offset", "12288"));
	CHECK_ERRNO(sysfs_write("ssync", "sync_for_device", "1"), EINVAL);
	buf_destroy("ssync");
}

/* -- mmap rules --------------------------------------------------------------- */

TEST(mmap_bad_requests)
{
	int fd, ro;
	void *p;

	need_module("mapdev_buf", "");
	buf_create("mm", 8 * PG, MAPDEV_BACKEND_SG, 0);
	fd = buf_open("mm", O_RDWR);
	CHECK_ERRNO(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 0), EINVAL);
	CHECK_ERRNO(mmap(NULL, PG, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0), EPERM);
	CHECK_ERRNO(mmap(NULL, 0, PROT_READ, MAP_SHARED, fd, 0), EINVAL);
	CHECK_ERRNO(mmap(NULL, 9 * PG, PROT_READ, MAP_SHARED, fd, 0), EINVAL);
	CHECK_ERRNO(mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 8 * PG), EINVAL);
	CHECK_ERRNO(mmap(NULL, 2 * PG, PROT_READ, MAP_SHARED, fd, 7 * PG), EINVAL);
	CHECK_ERRNO(mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 100), EINVAL);
	CHECK_ERRNO(mmap(NULL, PG, PROT_READ, MAP_SHARED, fd,
			 (off_t)MAPDEV_REGION_OFFSET(1)), EINVAL);
	CHECK_ERRNO(mmap(NULL, PG, PROT_READ, MAP_SHARED, fd,
			 (off_t)MAPDEV_REGION_OFFSET(1) - PG), EINVAL);
	/* offset + length wraps 2^64: the kernel's own check (EOVERFLOW). */
	CHECK_ERRNO(mmap(NULL, 2 * PG, PROT_READ, MAP_SHARED, fd,
			 (off_t)(~0ULL & ~(PG - 1))), EOVERFLOW);
	CHECK_ERRNO(mmap(NULL, ~0UL & ~(PG - 1), PROT_READ, MAP_SHARED, fd, 0), ENOMEM);
	CHECK_EQ(sysfs_ll("mm", "map_count"), 0);

	/* Read-only fd: no writable mapping, no mprotect to writable. */
	ro = buf_open("mm", O_RDONLY);
	CHECK_ERRNO(mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0), EACCES);
	p = map(ro, PG, PROT_READ, 0);
	CHECK_ERRNO(mprotect(p, PG, PROT_READ | PROT_WRITE), EACCES);
	CHECK_ERRNO(mprotect(p, PG, PROT_READ | PROT_EXEC), EACCES);
	EXPECT_SIGNAL(SIGSEGV, *(volatile char *)p = 1);
	munmap(p, PG);
	/* A writable mapping cannot become executable either. */
	p = map(fd, PG, PROT_READ | PROT_WRITE, 0);
	CHECK_ERRNO(mprotect(p, PG, PROT_READ | PROT_EXEC), EACCES);
	munmap(p, PG);
	close(ro);
	close(fd);
	buf_destroy("mm");
}

TEST(partial_mapping_at_offset)
{
	uint8_t b[3 * PG], *p;
	size_t i;
	int fd;

	need_module("mapdev_buf", "");
	buf_create("part", 8 * PG, MAPDEV_BACKEND_SG, 0);
	fd = buf_open("part", O_RDWR);
	for (i = 0; i < sizeof(b); i++)
		b[i] = pattern(i, 3);
	CHECK_EQ(pwrite(fd, b, sizeof(b), 3 * PG), (ssize_t)sizeof(b));
	p = map(fd, 3 * PG, PROT_READ, 3 * PG);
	CHECK(!memcmp(p, b, sizeof(b)));
	/* The last page alone. */
	munmap(p, 3 * PG);
	p = map(fd, PG, PROT_READ | PROT_WRITE, 7 * PG);
	p[PG - 1] = 0x5a;
	CHECK_EQ(pread(fd, b, 1, 8 * PG - 1), 1);
	CHECK_EQ(b[0], 0x5a);
	close(fd);
	buf_destroy("part");
}

TEST(map_count_tracks_vmas)
{
	uint8_t *p;
	int fd, fd2;

	need_module("mapdev_buf", "");
	buf_create("cnt", 4 * PG, MAPDEV_BACKEND_SG, 0);
	fd = buf_open("cnt", O_RDWR);
	fd2 = buf_open("cnt", O_RDWR);
	CHECK_EQ(sysfs_ll("cnt", "open_count"), 2);
	p = map(fd, 4 * PG, PROT_READ | PROT_WRITE, 0);
	CHECK_EQ(sysfs_ll("cnt", "map_count"), 1);
	/* Split in three by unmapping the middle... */
	CHECK_OK(munmap(p + PG, PG));
	CHECK_EQ(sysfs_ll("cnt", "map_count"), 2);
	/* ... mprotect splits too. */
	CHECK_OK(mprotect(p + 2 * PG, PG, PROT_READ));
	CHECK_EQ(sysfs_ll("cnt", "map_count"), 3);
	CHECK_EQ(sysfs_ll("cnt", "region0/map_count"), 3);
	CHECK_OK(munmap(p, 4 * PG));
	CHECK_EQ(sysfs_ll("cnt", "map_count"), 0);
	close(fd);
	close(fd2);
	CHECK_EQ(sysfs_ll("cnt", "open_count"), 0);
	buf_destroy("cnt");
}

TEST(map_fixed_over_part)
{
	uint8_t *p, *q;
	int fd;

	need_module("mapdev_buf", "");
	buf_create("fix", 4 * PG, MAPDEV_BACKEND_SG, 0);
	fd = buf_open("fix", O_RDWR);
	p = map(fd, 4 * PG, PROT_READ | PROT_WRITE, 0);
	memset(p, 0x11, 4 * PG);
	q = mmap(p + PG, PG, PROT_READ | PROT_WRITE,
		 MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(q == p + PG);
	CHECK_EQ(q[0], 0);
	q[0] = 0x22;
	CHECK_EQ(p[0], 0x11);
	CHECK_EQ(p[2 * PG], 0x11);
	CHECK_EQ(p[4 * PG - 1], 0x11);
	CHECK_EQ(sysfs_ll("fix", "map_count"), 2);
	/* The buffer's page 1 did not see the anonymous write. */
	uint8_t v;

	CHECK_EQ(pread(fd, &v, 1, PG), 1);
	CHECK_EQ(v, 0x11);
	/* Map the buffer's page 1 back over the anonymous page. */
	q = mmap(p + PG, PG, PROT_READ, MAP_FIXED | MAP_SHARED, fd, PG);
	CHECK(q == p + PG);
	CHECK_EQ(q[0], 0x11);
	CHECK_EQ(sysfs_ll("fix", "map_count"), 3);
	munmap(p, 4 * PG);
	CHECK_EQ(sysfs_ll("fix", "map_count"), 0);
	close(fd);
	buf_destroy("fix");
}

TEST(partial_munmap_then_touch_rest)
{
	uint8_t *p;
	int fd;

	need_module("mapdev_buf", "");
	buf_create("hole", 3 * PG, MAPDEV_BACKEND_COHERENT, 0);
	fd = buf_open("hole", O_RDWR);
	p = map(fd, 3 * PG, PROT_READ | PROT_WRITE, 0);
	p[PG] = 7;
	CHECK_OK(munmap(p + PG, PG));
	p[0] = 1;
	p[2 * PG] = 3;
	EXPECT_SIGNAL(SIGSEGV, (void)*(volatile uint8_t *)(p + PG));
	close(fd);
	/* The mapping outlives the fd. */
	CHECK_EQ(p[0], 1);
	CHECK_EQ(p[2 * PG], 3);
	munmap(p, 3 * PG);
	buf_destroy("hole");
}

TEST(mremap_shrink_move_not_grow)
{
	uint8_t *p, *q, *dst;
	size_t i;
	int fd;

	need_module("mapdev_buf", "");
	buf_create("remap", 8 * PG, MAPDEV_BACKEND_SG, 0);
	fd = buf_open("remap", O_RDWR);
	p = map(fd, 4 * PG, PROT_READ | PROT_WRITE, 0);
	for (i = 0; i < 4 * PG; i++)
		p[i] = pattern(i, 9);
	/* Grow: refused, even though the buffer has room. */
	CHECK_ERRNO(mremap(p, 4 * PG, 6 * PG, 0), EFAULT);
	CHECK_ERRNO(mremap(p, 4 * PG, 6 * PG, MREMAP_MAYMOVE), EFAULT);
	/* Shrink in place. */
	q = mremap(p, 4 * PG, 2 * PG, 0);
	CHECK(q == p);
	CHECK_EQ(q[2 * PG - 1], pattern(2 * PG - 1, 9));
	EXPECT_SIGNAL(SIGSEGV, (void)*(volatile uint8_t *)(p + 3 * PG));
	/* Move elsewhere: same data, old place gone. */
	dst = mmap(NULL, 2 * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(dst != MAP_FAILED);
	q = mremap(p, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
	CHECK(q == dst);
	for (i = 0; i < 2 * PG; i++)
		if (q[i] != pattern(i, 9))
			FAILF("moved mapping byte %zu", i);
	q[5] = 0x77;
	CHECK_EQ(sysfs_ll("remap", "map_count"), 1);
	EXPECT_SIGNAL(SIGSEGV, (void)*(volatile uint8_t *)p);
	uint8_t v;

	CHECK_EQ(pread(fd, &v, 1, 5), 1);
	CHECK_EQ(v, 0x77);
	munmap(q, 2 * PG);
	CHECK_EQ(sysfs_ll("remap", "map_count"), 0);
	close(fd);
	buf_destroy("remap");
}

TEST(fork_child_keeps_mapping)
{
	int fd, pfd[2], st;
	uint8_t *p;
	pid_t pid;
	char c;

	need_module("mapdev_buf", "");
	buf_create("fork", 2 * PG, MAPDEV_BACKEND_CONTIG, 0);
	fd = buf_open("fork", O_RDWR);
	p = map(fd, 2 * PG, PROT_READ | PROT_WRITE, 0);
	p[0] = 0x42;
	CHECK_OK(pipe(pfd));
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		/* Wait for the parent to unmap and close; then read & write. */
		if (read(pfd[0], &c, 1) != 1)
			_exit(10);
		if (p[0] != 0x42)
			_exit(11);
		p[PG] = 0x43;
		_exit(0);
	}
	CHECK_EQ(sysfs_ll("fork", "map_count"), 2);
	munmap(p, 2 * PG);
	close(fd);
	CHECK_OK(write(pfd[1], "x", 1));
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK(WIFEXITED(st));
	CHECK_EQ(WEXITSTATUS(st), 0);
	fd = buf_open("fork", O_RDONLY);
	CHECK_EQ(pread(fd, &c, 1, PG), 1);
	CHECK_EQ(c, 0x43);
	CHECK_EQ(sysfs_ll("fork", "map_count"), 0);
	close(fd);
	buf_destroy("fork");
}

/*
 * madvise on mappings.  Page-backed buffers (sg here) are mapped as their
 * struct pages: MADV_DONTNEED drops the page table entries only, and the
 * next touch maps the same memory again, data kept; MADV_DOFORK undoes
 * MADV_DONTFORK.  Coherent buffers are VM_IO | VM_PFNMAP, for which the
 * kernel refuses both (EINVAL).
 */
TEST(madvise)
{
	static const uint32_t backends[] = { MAPDEV_BACKEND_SG, MAPDEV_BACKEND_COHERENT };
	unsigned int b;

	need_module("mapdev_buf", "");
	for (b = 0; b < 2; b++) {
		int pages = backends[b] != MAPDEV_BACKEND_COHERENT;
		uint8_t *p;
		int fd, st;
		pid_t pid;

		buf_create("madv", 2 * PG, backends[b], 0);
		fd = buf_open("madv", O_RDWR);
		p = map(fd, 2 * PG, PROT_READ | PROT_WRITE, 0);
		p[0] = 9;
		if (pages)
			CHECK_OK(madvise(p, PG, MADV_DONTNEED));
		else
			CHECK_ERRNO(madvise(p, PG, MADV_DONTNEED), EINVAL);
		CHECK_EQ(p[0], 9);
		CHECK_OK(madvise(p, 2 * PG, MADV_DONTFORK));
		pid = fork();
		if (pid == 0) {
			signal(SIGSEGV, SIG_DFL);
			(void)*(volatile uint8_t *)p;
			_exit(0);
		}
		CHECK_EQ(waitpid(pid, &st, 0), pid);
		CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
		CHECK_EQ(p[0], 9);
		if (pages) {
			CHECK_OK(madvise(p, 2 * PG, MADV_DOFORK));
			pid = fork();
			if (pid == 0)
				_exit(p[0] == 9 ? 0 : 1);
			CHECK_EQ(waitpid(pid, &st, 0), pid);
			CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
		} else {
			/* The kernel refuses MADV_DOFORK on VM_IO mappings. */
			CHECK_ERRNO(madvise(p, 2 * PG, MADV_DOFORK), EINVAL);
		}
		CHECK_EQ(sysfs_ll("madv", "map_count"), 1);
		munmap(p, 2 * PG);
		close(fd);
		buf_destroy("madv");
	}
}

/*
 * /proc/PID/mem (and so ptrace, gdb) reads and writes through the mapping:
 * through GUP for page-backed buffers, through the driver's ->access for
 * PFN mappings (coherent).
 */
TEST(proc_pid_mem)
{
	static const uint32_t backends[] = ALL_BACKENDS;
	uint8_t *p, b[64];
	unsigned int k;
	int fd, mem;

	need_module("mapdev_buf", "");
	mem = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	CHECK(mem >= 0);
	for (k = 0; k < 3; k++) {
		buf_create("pmem", 2 * PG, backends[k], 0);
		fd = buf_open("pmem", O_RDWR);
		p = map(fd, 2 * PG, PROT_READ | PROT_WRITE, 0);
		memcpy(p + PG - 10, "across-a-page-boundary", 22);
		CHECK_EQ(pread(mem, b, 22, (off_t)(uintptr_t)(p + PG - 10)), 22);
		CHECK(!memcmp(b, "across-a-page-boundary", 22));
		CHECK_EQ(pwrite(mem, "poked", 5, (off_t)(uintptr_t)(p + 100)), 5);
		CHECK(!memcmp(p + 100, "poked", 5));
		/* Read-only mapping: no write through /proc/PID/mem either. */
		munmap(p, 2 * PG);
		p = map(fd, PG, PROT_READ, 0);
		CHECK_ERRNO(pwrite(mem, "x", 1, (off_t)(uintptr_t)p), EIO);
		/* Never touched since it was mapped: read all the same. */
		CHECK_EQ(pread(mem, b, 5, (off_t)(uintptr_t)(p + 100)), 5);
		CHECK(!memcmp(b, "poked", 5));
		CHECK_EQ(p[100], 'p');
		munmap(p, PG);
		close(fd);
		buf_destroy("pmem");
	}
	close(mem);
}

/* O_SYNC maps uncached (u-dma-buf's convention); one mode at a time. */
TEST(osync_maps_uncached)
{
	uint8_t *p, *q;
	int fd, sfd;

	need_module("mapdev_buf", "");
	buf_create("osync", 4 * PG, MAPDEV_BACKEND_SG, MAPDEV_CACHE_CACHED);
	fd = buf_open("osync", O_RDWR);
	sfd = buf_open("osync", O_RDWR | O_SYNC);
	CHECK(!strcmp(sysfs("osync", "memtype"), "cached"));
	p = map(sfd, 4 * PG, PROT_READ | PROT_WRITE, 0);
	CHECK(!strcmp(sysfs("osync", "memtype"), "uncached"));
	p[0] = 0x33;
	/* A cached mapping while an uncached one exists: refused. */
	CHECK_ERRNO(mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 0), EBUSY);
	/* Another uncached one is fine, and sees the data. */
	q = map(sfd, PG, PROT_READ, 0);
	CHECK_EQ(q[0], 0x33);
	munmap(q, PG);
	munmap(p, 4 * PG);
	/* Once unmapped, a cached mapping is possible again. */
	q = map(fd, PG, PROT_READ, 0);
	CHECK(!strcmp(sysfs("osync", "memtype"), "cached"));
	CHECK_EQ(q[0], 0x33);
	munmap(q, PG);
	close(fd);
	close(sfd);
	buf_destroy("osync");
}

/* -- lifetime and revocation ------------------------------------------------ */

TEST(destroy_while_mapped_sigbus)
{
	static const uint32_t backends[] = ALL_BACKENDS;
	unsigned int b;

	need_module("mapdev_buf", "");
	for (b = 0; b < 3; b++) {
		struct mapdev_info info = { .argsz = sizeof(info) };
		long long buffers = core_stat("buffers");
		uint8_t *p, *untouched, c;
		int fd;

		buf_create("gone", 16 * PG, backends[b], 0);
		fd = buf_open("gone", O_RDWR);
		p = map(fd, 16 * PG, PROT_READ | PROT_WRITE, 0);
		untouched = map(fd, 16 * PG, PROT_READ, 0);
		memset(p, 0x5c, 16 * PG);
		buf_destroy("gone");
		CHECK(access("/dev/mapdev/gone", F_OK) != 0);
		/* The memory goes with the device, mappings or not. */
		CHECK_EQ(core_stat("buffers"), buffers);
		/* Pages mapped before and pages never touched: both SIGBUS. */
		EXPECT_SIGNAL(SIGBUS, (void)*(volatile uint8_t *)p);
		EXPECT_SIGNAL(SIGBUS, *(volatile uint8_t *)(p + 15 * PG) = 1);
		EXPECT_SIGNAL(SIGBUS, (void)*(volatile uint8_t *)(untouched + 5 * PG));
		CHECK_ERRNO(read(fd, &c, 1), ENODEV);
		CHECK_ERRNO(write(fd, &c, 1), ENODEV);
		CHECK_ERRNO(ioctl(fd, MAPDEV_IOC_INFO, &info), ENODEV);
		/* Any ioctl: the device's own, the common ones, unknown ones. */
		{
			struct mapdev_region_info ri = { .argsz = sizeof(ri) };
			struct mapdev_sync sy = { .argsz = sizeof(sy),
						  .flags = MAPDEV_SYNC_FOR_CPU };
			struct mapdev_dma_segments ds = { .argsz = sizeof(ds) };
			struct mapdev_set_cache sc = { .argsz = sizeof(sc) };
			struct mapdev_set_eventfd se = { .argsz = sizeof(se), .fd = -1 };

			CHECK_ERRNO(ioctl(fd, MAPDEV_IOC_REGION_INFO, &ri), ENODEV);
			CHECK_ERRNO(ioctl(fd, MAPDEV_IOC_SYNC, &sy), ENODEV);
			CHECK_ERRNO(ioctl(fd, MAPDEV_IOC_DMA_SEGMENTS, &ds), ENODEV);
			CHECK_ERRNO(ioctl(fd, MAPDEV_IOC_SET_CACHE, &sc), ENODEV);
			CHECK_ERRNO(ioctl(fd, MAPDEV_IOC_SET_EVENTFD, &se), ENODEV);
			CHECK_ERRNO(ioctl(fd, _IO(MAPDEV_TYPE, 0x3f), &info), ENODEV);
		}
		CHECK_ERRNO(mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 0), ENODEV);
		/* /proc/PID/mem (ptrace, gdb) of a revoked mapping: EIO. */
		{
			int mem = open("/proc/self/mem", O_RDWR | O_CLOEXEC);

			CHECK(mem >= 0);
			CHECK_ERRNO(pread(mem, &c, 1, (off_t)(uintptr_t)p), EIO);
			CHECK_ERRNO(pwrite(mem, &c, 1, (off_t)(uintptr_t)(p + PG)), EIO);
			close(mem);
		}
		/* The name is free again at once. */
		buf_create("gone", PG, 0, 0);
		buf_destroy("gone");
		/* Still SIGBUS after the memory went to someone else. */
		EXPECT_SIGNAL(SIGBUS, (void)*(volatile uint8_t *)(p + 3 * PG));
		munmap(p, 16 * PG);
		munmap(untouched, 16 * PG);
		CHECK_EQ(core_stat("buffers"), buffers);
		close(fd);
	}
}

TEST(destroy_while_open_not_mapped)
{
	long long buffers;
	char c;
	int fd;

	need_module("mapdev_buf", "");
	buffers = core_stat("buffers");
	buf_create("open", PG, MAPDEV_BACKEND_SG, 0);
	fd = buf_open("open", O_RDWR);
	buf_destroy("open");
	/* Not mapped: the memory goes at once, the fd just fails. */
	CHECK_EQ(core_stat("buffers"), buffers);
	CHECK_ERRNO(read(fd, &c, 1), ENODEV);
	close(fd);
}

TEST(rmmod_while_mapped_revokes)
{
	uint8_t *p;
	int fd;

	unload_core_users();
	need_module("mapdev_buf", "buffers=rm1:64K:sg,rm2:8K:coherent");
	fd = buf_open("rm1", O_RDWR);
	p = map(fd, 64 << 10, PROT_READ | PROT_WRITE, 0);
	p[0] = 1;
	/* mapdev_buf goes (its devices revoked); core stays, pinned by the fd. */
	CHECK_EQ(sh("rmmod mapdev_buf"), 0);
	EXPECT_SIGNAL(SIGBUS, (void)*(volatile uint8_t *)p);
	CHECK(sh("rmmod mapdev_core 2>/dev/null") != 0);
	CHECK(module_loaded("mapdev_core"));
	CHECK_EQ(core_stat("buffers"), 0);	/* gone with mapdev_buf */
	CHECK_EQ(core_stat("bytes"), 0);
	munmap(p, 64 << 10);
	CHECK(sh("rmmod mapdev_core 2>/dev/null") != 0);	/* still open */
	/*
	 * The refusal itself: delete_module(2) while an fd holds the module
	 * is the module loader's EWOULDBLOCK (EAGAIN), with or without
	 * O_NONBLOCK; rmmod says "in use".
	 */
	CHECK_ERRNO(syscall(SYS_delete_module, "mapdev_core", O_NONBLOCK), EAGAIN);
	CHECK_ERRNO(syscall(SYS_delete_module, "mapdev_core", 0), EAGAIN);
	CHECK(module_loaded("mapdev_core"));
	close(fd);
	CHECK_EQ(core_stat("devices"), 0);
	CHECK_EQ(core_stat("bytes"), 0);
	CHECK_EQ(sh("rmmod mapdev_core"), 0);
}

TEST(unload_leaves_nothing)
{
	int ctl, fd, i;
	uint8_t *p;
	char name[16];

	unload_core_users();
	need_module("mapdev_buf", "buffers=ul:1M:sg");
	ctl = ctl_open();
	for (i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "ul%d", i);
		CHECK_OK(buf_create_raw(ctl, name, (i + 1) * PG, i % 3, i % 3));
	}
	fd = buf_open("ul7", O_RDWR);
	p = map(fd, 8 * PG, PROT_READ | PROT_WRITE, 0);
	memset(p, 1, 8 * PG);
	munmap(p, 8 * PG);
	close(fd);
	close(ctl);
	CHECK_EQ(core_stat("buffers"), 21);
	CHECK_EQ(sh("rmmod mapdev_buf"), 0);
	CHECK_EQ(core_stat("buffers"), 0);
	CHECK_EQ(core_stat("bytes"), 0);
	CHECK_EQ(core_stat("devices"), 0);
	CHECK_EQ(sh("rmmod mapdev_core"), 0);
}

/* A 1 GiB scatter-gather buffer in a 2 GiB guest, no CMA. */
TEST_TIMEOUT(sg_one_gib, 300)
{
	size_t size = 1UL << 30, i;
	uint8_t *p;
	int fd;

	need_module("mapdev_buf", "");
	buf_create("big", size, MAPDEV_BACKEND_SG, 0);
	CHECK_EQ(sysfs_ll("big", "size"), size);
	fd = buf_open("big", O_RDWR);
	p = map(fd, size, PROT_READ | PROT_WRITE, 0);
	for (i = 0; i < size; i += 1 << 20)
		p[i + (i >> 20) % PG] = (uint8_t)(i >> 20);
	p[size - 1] = 0xee;
	for (i = 0; i < size; i += 1 << 20)
		CHECK_EQ(p[i + (i >> 20) % PG], (uint8_t)(i >> 20));
	uint8_t v;

	CHECK_EQ(pread(fd, &v, 1, size - 1), 1);
	CHECK_EQ(v, 0xee);
	munmap(p, size);
	close(fd);
	buf_destroy("big");
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * map_mode=populate fills a whole mapping at its first fault, a page at a
 * time: a process killed during the populate of a big mapping must go
 * soon, not when the last page is in (and the loop yields the CPU as it
 * goes).  Timed against the same populate run to its end.
 */
TEST_TIMEOUT(populate_is_killable, 300)
{
	const char *param = "/sys/module/mapdev_core/parameters/map_mode";
	const char *huge = "/sys/module/mapdev_core/parameters/huge";
	size_t size = 1UL << 30;
	double t0, full, dead;
	char old[32], old_huge[8], c;
	int fd, pfd[2], st;
	uint8_t *p;
	pid_t pid;

	need_module("mapdev_buf", "");
	CHECK_OK(read_file(param, old, sizeof(old)));
	CHECK_OK(write_file(param, "populate"));
	/* A page at a time: 6.12's PMD mappings make it 512 inserts. */
	CHECK_OK(read_file(huge, old_huge, sizeof(old_huge)));
	if (old_huge[0] == 'Y')
		CHECK_OK(write_file(huge, "N"));
	buf_create("popkill", size, MAPDEV_BACKEND_SG, 0);
	fd = buf_open("popkill", O_RDWR);

	p = map(fd, size, PROT_READ, 0);
	t0 = mono_s();
	(void)*(volatile uint8_t *)p;
	full = mono_s() - t0;
	munmap(p, size);

	CHECK_OK(pipe(pfd));
	pid = fork();
	CHECK(pid >= 0);
	if (!pid) {
		p = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			_exit(3);
		if (write(pfd[1], "x", 1) != 1)
			_exit(4);
		(void)*(volatile uint8_t *)p;
		_exit(0);
	}
	CHECK_EQ(read(pfd[0], &c, 1), 1);
	usleep(full * 1e6 / 10);
	t0 = mono_s();
	kill(pid, SIGKILL);
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	dead = mono_s() - t0;
	printf("# 1 GiB populate: %.0f ms; killed 10%% in, gone in %.0f ms\n",
	       full * 1e3, dead * 1e3);
	if (!WIFSIGNALED(st))
		FAILF("the child was not killed (status 0x%x): it populated 1 GiB before %.0f ms",
		      st, full * 1e3 / 10);
	CHECK_EQ(WTERMSIG(st), SIGKILL);
	/*
	 * Without the stop, the rest of the populate (90%) and the teardown
	 * of all of it come first: more than the whole populate's time
	 * (943 ms of 648 measured).  With it, only the teardown of what was
	 * in: 2-15% on 6.1 and 6.12, 45% on the debug kernel.
	 */
	if (dead > full * 0.7)
		FAILF("killed during the populate, it took %.0f ms to go: the populate (%.0f ms in all) did not stop for the signal",
		      dead * 1e3, full * 1e3);
	close(pfd[0]);
	close(pfd[1]);
	close(fd);
	buf_destroy("popkill");
	CHECK_OK(write_file(param, old));
	if (old_huge[0] == 'Y')
		CHECK_OK(write_file(huge, "Y"));
}

/* Every map mode gives the same data and revokes the same way. */
TEST(map_modes)
{
	static const char *const modes[] = { "fault", "batch", "populate" };
	const char *param = "/sys/module/mapdev_core/parameters/map_mode";
	char old[32];
	unsigned int m;
	size_t i;

	need_module("mapdev_buf", "");
	CHECK_OK(read_file(param, old, sizeof(old)));
	CHECK_ERRNO(write_file(param, "bogus"), EINVAL);
	CHECK_ERRNO(write_file("/sys/module/mapdev_core/parameters/fault_batch", "3"), EINVAL);
	CHECK_ERRNO(write_file("/sys/module/mapdev_core/parameters/fault_batch", "1024"), EINVAL);
	for (m = 0; m < 3; m++) {
		uint8_t *p, *q;
		int fd;

		CHECK_OK(write_file(param, modes[m]));
		buf_create("modes", 300 * PG, MAPDEV_BACKEND_SG, 0);
		fd = buf_open("modes", O_RDWR);
		p = map(fd, 300 * PG, PROT_READ | PROT_WRITE, 0);
		for (i = 0; i < 300 * PG; i += 997)
			p[i] = pattern(i, m);
		q = map(fd, 100 * PG, PROT_READ, 200 * PG);
		for (i = 0; i < 100 * PG; i += 997)
			if (q[i] != p[200 * PG + i])
				FAILF("%s: byte %zu differs between mappings",
				      modes[m], i);
		buf_destroy("modes");
		EXPECT_SIGNAL(SIGBUS, (void)*(volatile uint8_t *)(q + 50 * PG));
		munmap(p, 300 * PG);
		munmap(q, 100 * PG);
		close(fd);
	}
	CHECK_OK(write_file(param, old));
}

/* Minor faults this process has taken so far. */
static long minflt(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

/*
 * Linux 6.12 maps PFNs by PMD: a contiguous, aligned 2 MiB of a coherent
 * buffer is one fault.  Counted with the page-fault counter, since no
 * user-visible file shows the PMD of a PFN mapping.  Contig and sg
 * buffers are mapped as struct pages (pinnable), a page at a time.
 */
TEST(huge_pfn_mappings)
{
	const char *param = "/sys/module/mapdev_core/parameters/huge";
	const char *mode = "/sys/module/mapdev_core/parameters/map_mode";
	size_t size = 4 << 20, i;
	long before, huge_faults, small_faults;
	char v[8], old[16];
	uint8_t *p, b;
	int fd;

	struct utsname u;
	int major = 0, minor = 0;

	need_module("mapdev_buf", "");
	CHECK_OK(read_file(param, v, sizeof(v)));
	/*
	 * Decided by the kernel's version, not by the module's own parameter:
	 * a 6.12 whose module says N is a regression, not a skip.
	 */
	CHECK_OK(uname(&u));
	CHECK(sscanf(u.release, "%d.%d", &major, &minor) == 2);
	if (major < 6 || (major == 6 && minor < 12)) {
		if (v[0] != 'N')
			FAILF("huge=%s on Linux %s, which has no PMD PFN mappings", v, u.release);
		CHECK_ERRNO(write_file(param, "Y"), EINVAL);
		SKIP("Linux %s has no PMD PFN mappings (they came with 6.12): huge=N, and Y is EINVAL",
		     u.release);
	}
	if (v[0] != 'Y')
		FAILF("huge=%s on Linux %s: PMD PFN mappings are there (6.12+), the default must be Y",
		      v, u.release);
	CHECK_OK(read_file(mode, old, sizeof(old)));
	CHECK_OK(write_file(mode, "fault"));
	/* Page-backed buffers are mapped a page at a time, huge=Y or not. */
	buf_create("huge", size, MAPDEV_BACKEND_CONTIG, 0);
	fd = buf_open("huge", O_RDWR);
	p = map(fd, size, PROT_READ | PROT_WRITE, 0);
	before = minflt();
	for (i = 0; i < size; i += PG)
		(void)*(volatile uint8_t *)(p + i);
	CHECK(minflt() - before >= (long)(size / PG));
	munmap(p, size);
	close(fd);
	buf_destroy("huge");

	/* Coherent buffers are PFN mappings, physically contiguous. */
	buf_create("huge", size, MAPDEV_BACKEND_COHERENT, 0);
	fd = buf_open("huge", O_RDWR);

	p = map(fd, size, PROT_READ | PROT_WRITE, 0);
	CHECK(((uintptr_t)p & ((2 << 20) - 1)) == 0);	/* 2 MiB-aligned */
	before = minflt();
	for (i = 0; i < size; i += PG)
		p[i] = pattern(i, 5);
	huge_faults = minflt() - before;
	CHECK(huge_faults <= 4);
	CHECK_EQ(pread(fd, &b, 1, 3 * PG), 1);
	CHECK_EQ(b, pattern(3 * PG, 5));
	/* Unmapping a page in the middle splits the PMD; the rest stays. */
	CHECK_OK(munmap(p + PG, PG));
	CHECK_EQ(p[2 * PG], pattern(2 * PG, 5));
	CHECK_EQ(p[size - PG], pattern(size - PG, 5));
	munmap(p, size);

	CHECK_OK(write_file(param, "N"));
	p = map(fd, size, PROT_READ | PROT_WRITE, 0);
	before = minflt();
	for (i = 0; i < size; i += PG)
		(void)*(volatile uint8_t *)(p + i);
	small_faults = minflt() - before;
	CHECK(small_faults >= (long)(size / PG));
	printf("# 4 MiB touched: %ld faults with PMD mappings, %ld without\n",
	       huge_faults, small_faults);
	CHECK_OK(write_file(param, "Y"));

	/* A huge mapping is revoked like any other. */
	p = map(fd, size, PROT_READ, 0);
	CHECK_EQ(p[0], pattern(0, 5));
	buf_destroy("huge");
	EXPECT_SIGNAL(SIGBUS, (void)*(volatile uint8_t *)(p + (3 << 20)));
	munmap(p, size);
	close(fd);
	CHECK_OK(write_file(mode, old));
}

/* -- the promises of docs/ABI.md and docs/TESTING.md, one test each --------------- */

/* A byte stream of its own per seed, never a shifted copy of another's. */
static uint8_t stream_byte(uint64_t *st)
{
	*st = *st * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint8_t)(*st >> 56);
}

static int contains(const uint8_t *hay, size_t n, const uint8_t *needle, size_t m)
{
	for (size_t i = 0; i + m <= n; i++)
		if (hay[i] == needle[0] && !memcmp(hay + i, needle, m))
			return 1;
	return 0;
}

/*
 * Mappings are VM_DONTDUMP: a core dump holds none of the buffer's bytes.
 * A child fills a mapped buffer and an anonymous mapping with two streams
 * and aborts; its core must hold the anonymous bytes (the core is real)
 * and not the buffer's.
 */
TEST(core_dump_leaves_buffers_out)
{
	const size_t len = 64 << 10;
	char pattern_old[256] = "", path[64];
	uint8_t needle_buf[512], needle_anon[512], *core;
	uint64_t st;
	size_t n = 0, cap = 64 << 20;
	ssize_t got;
	pid_t pid;
	int fd, ws, cfd;

	need_module("mapdev_buf", "");
	buf_create("dump", len, MAPDEV_BACKEND_SG, MAPDEV_CACHE_CACHED);
	CHECK_OK(read_file("/proc/sys/kernel/core_pattern", pattern_old, sizeof(pattern_old)));
	CHECK_OK(write_file("/proc/sys/kernel/core_pattern", "/tmp/mapdev-core.%p"));
	fflush(stdout);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };
		uint8_t *b, *a;

		setrlimit(RLIMIT_CORE, &rl);
		prctl(PR_SET_DUMPABLE, 1);
		fd = buf_open("dump", O_RDWR);
		b = map(fd, len, PROT_READ | PROT_WRITE, 0);
		a = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (a == MAP_FAILED)
			_exit(3);
		st = 1;
		for (size_t i = 0; i < len; i++)
			b[i] = stream_byte(&st);
		st = 2;
		for (size_t i = 0; i < len; i++)
			a[i] = stream_byte(&st);
		signal(SIGABRT, SIG_DFL);
		abort();
	}
	CHECK_EQ(waitpid(pid, &ws, 0), pid);
	write_file("/proc/sys/kernel/core_pattern", pattern_old);
	CHECK(WIFSIGNALED(ws) && WTERMSIG(ws) == SIGABRT);
	if (!WCOREDUMP(ws))
		FAILF("the child left no core dump (CONFIG_COREDUMP, RLIMIT_CORE?)");
	snprintf(path, sizeof(path), "/tmp/mapdev-core.%d", (int)pid);
	cfd = open(path, O_RDONLY | O_CLOEXEC);
	if (cfd < 0)
		FAILF("%s: %s", path, strerror(errno));
	core = malloc(cap);
	CHECK(core != NULL);
	while (n < cap && (got = read(cfd, core + n, cap - n)) > 0)
		n += got;
	close(cfd);
	unlink(path);
	/* 512 bytes from the middle of each stream. */
	st = 1;
	for (size_t i = 0; i < 20000 + sizeof(needle_buf); i++) {
		uint8_t v = stream_byte(&st);

		if (i >= 20000)
			needle_buf[i - 20000] = v;
	}
	st = 2;
	for (size_t i = 0; i < 20000 + sizeof(needle_anon); i++) {
		uint8_t v = stream_byte(&st);

		if (i >= 20000)
			needle_anon[i - 20000] = v;
	}
	printf("# core dump: %zu bytes\n", n);
	if (!contains(core, n, needle_anon, sizeof(needle_anon)))
		FAILF("the core has not even the anonymous mapping's bytes: not a real core?");
	if (contains(core, n, needle_buf, sizeof(needle_buf)))
		FAILF("the core dump holds the mapped buffer's bytes: the mapping is not VM_DONTDUMP");
	free(core);
	buf_destroy("dump");
}

/*
 * PFN mappings are never pinned: vmsplice(), process_vm_readv()/writev()
 * and a shared futex on a mapping of a coherent buffer fail with EFAULT,
 * and the data is as it was.  (Page-backed buffers can be pinned, and
 * O_DIRECT on coherent ones is EFAULT too: tests/vm/io_test.c.)
 */
TEST(pinning_refused_coherent)
{
	struct iovec local, remote;
	uint8_t heap[PG], *p;
	int fd, pfd[2];

	need_module("mapdev_buf", "");
	buf_create("pin", 4 * PG, MAPDEV_BACKEND_COHERENT, 0);
	fd = buf_open("pin", O_RDWR);
	p = map(fd, 4 * PG, PROT_READ | PROT_WRITE, 0);
	memset(p, 0x6b, 4 * PG);
	CHECK_OK(pipe(pfd));
	local.iov_base = p;
	local.iov_len = PG;
	CHECK_ERRNO(vmsplice(pfd[1], &local, 1, 0), EFAULT);
	local.iov_base = heap;
	remote.iov_base = p + PG;
	remote.iov_len = local.iov_len = PG;
	CHECK_ERRNO(process_vm_readv(getpid(), &local, 1, &remote, 1, 0), EFAULT);
	memset(heap, 0x11, PG);
	CHECK_ERRNO(process_vm_writev(getpid(), &local, 1, &remote, 1, 0), EFAULT);
	CHECK_EQ(p[PG], 0x6b);
	CHECK_ERRNO(syscall(SYS_futex, (uint32_t *)(p + 2 * PG), FUTEX_WAIT, 0x6b6b6b6b,
			    &(struct timespec){ 0, 1000000 }, NULL, 0), EFAULT);
	close(pfd[0]);
	close(pfd[1]);
	munmap(p, 4 * PG);
	close(fd);
	buf_destroy("pin");
}

/* mapdev_buf's dma_bits: every DMA segment of every backend is below it. */
TEST(dma_bits_every_segment)
{
	static struct mapdev_dma_segment seg[8192];
	static const uint32_t backends[] = ALL_BACKENDS;
	/* coherent, contig: one allocation each; sg: many.  Under 32 bits
	 * the pages come from ZONE_DMA (16 MiB): small sizes. */
	static const uint64_t sizes[] = { 256 << 10, 256 << 10, 4 << 20 };
	unsigned int b, i;

	unload_core_users();
	need_module("mapdev_buf", "dma_bits=30");
	for (b = 0; b < 3; b++) {
		struct mapdev_dma_segments ds = {
			.argsz = sizeof(ds), .count = 8192, .segments = (uintptr_t)seg,
		};
		uint64_t covered = 0;
		int fd;

		buf_create("bits", sizes[b], backends[b], 0);
		fd = buf_open("bits", O_RDWR);
		CHECK_OK(ioctl(fd, MAPDEV_IOC_DMA_SEGMENTS, &ds));
		CHECK(ds.total >= 1 && ds.total <= 8192);
		for (i = 0; i < ds.total; i++) {
			if (seg[i].dma_addr + seg[i].len > (1ULL << 30))
				FAILF("%s: segment %u at %#llx + %#llx is past dma_bits=30",
				      bk_name[b], i, (unsigned long long)seg[i].dma_addr,
				      (unsigned long long)seg[i].len);
			covered += seg[i].len;
		}
		CHECK_EQ(covered, sizes[b]);
		close(fd);
		buf_destroy("bits");
	}
	CHECK_EQ(sh("rmmod mapdev_buf"), 0);
}

/* -- issue 12: the kernel review's findings ----------------------------------- */

/*
 * Linux 6.12's huge fault of a buffer destroyed under its mapping: a PMD
 * never touched before the destroy gets SIGBUS, and nothing of the freed
 * buffer is read on the way (core poisons a buffer it frees, so a stale
 * pointer to one would oops here, KASAN or not).
 */
TEST(huge_fault_after_destroy_sigbus)
{
	const char *param = "/sys/module/mapdev_core/parameters/huge";
	const char *mode = "/sys/module/mapdev_core/parameters/map_mode";
	static const uint32_t backends[] = ALL_BACKENDS;
	size_t size = 4 << 20;
	char v[8], old[16];
	long long before;
	unsigned int b;
	uint8_t *p;
	int fd;

	need_module("mapdev_buf", "");
	CHECK_OK(read_file(param, v, sizeof(v)));
	if (v[0] != 'Y')
		SKIP("this kernel maps PFNs a page at a time (PMD PFN maps came with Linux 6.12)");
	CHECK_OK(read_file(mode, old, sizeof(old)));
	CHECK_OK(write_file(mode, "fault"));
	for (b = 0; b < 3; b++) {
		buf_create("hgd", size, backends[b], 0);
		fd = buf_open("hgd", O_RDWR);
		p = map(fd, size, PROT_READ | PROT_WRITE, 0);
		CHECK(((uintptr_t)p & ((2 << 20) - 1)) == 0);
		p[0] = 1;		/* the first PMD only */
		before = core_stat("buffers");
		buf_destroy("hgd");
		CHECK_EQ(core_stat("buffers"), before - 1);
		EXPECT_SIGNAL(SIGBUS, (void)*(volatile uint8_t *)(p + (2 << 20) + PG));
		EXPECT_SIGNAL(SIGBUS, p[(3 << 20)] = 2);
		EXPECT_SIGNAL(SIGBUS, (void)*(volatile uint8_t *)p);
		munmap(p, size);
		close(fd);
	}
	CHECK_OK(write_file(mode, old));
}

/* argsz is bounded: a struct of more than a page is E2BIG, zeroes or not. */
TEST(argsz_limit)
{
	static union {
		struct mapdev_info info;
		struct mapdev_buf_list list;
		char bytes[8192];
	} a __attribute__((aligned(4096)));
	int fd, ctl;

	buf_create("asz", PG, MAPDEV_BACKEND_COHERENT, 0);
	fd = buf_open("asz", O_RDWR);
	memset(&a, 0, sizeof(a));
	a.info.argsz = 4096;
	CHECK_OK(ioctl(fd, MAPDEV_IOC_INFO, &a));
	CHECK(!strcmp(a.info.name, "asz"));
	memset(&a, 0, sizeof(a));
	a.info.argsz = 4097;
	CHECK_ERRNO(ioctl(fd, MAPDEV_IOC_INFO, &a), E2BIG);
	a.info.argsz = 8192;
	CHECK_ERRNO(ioctl(fd, MAPDEV_IOC_INFO, &a), E2BIG);
	a.info.argsz = 0xffffffff;
	CHECK_ERRNO(ioctl(fd, MAPDEV_IOC_INFO, &a), E2BIG);
	/* The drivers' ioctls too. */
	ctl = ctl_open();
	memset(&a, 0, sizeof(a));
	a.list.argsz = 8192;
	CHECK_ERRNO(ioctl(ctl, MAPDEV_BUF_IOC_LIST, &a), E2BIG);
	a.list.argsz = sizeof(a.list);
	CHECK_OK(ioctl(ctl, MAPDEV_BUF_IOC_LIST, &a));
	CHECK(a.list.total >= 1);
	close(ctl);
	close(fd);
	buf_destroy("asz");
}

/* Only a file open for writing changes a device: SET_CACHE on O_RDONLY. */
TEST(rdonly_fd_cannot_set_cache)
{
	struct mapdev_set_cache sc = {
		.argsz = sizeof(sc), .cache = MAPDEV_CACHE_UNCACHED,
	};
	int fd;

	buf_create("rdo", PG, MAPDEV_BACKEND_SG, MAPDEV_CACHE_CACHED);
	fd = buf_open("rdo", O_RDONLY);
	CHECK_ERRNO(ioctl(fd, MAPDEV_IOC_SET_CACHE, &sc), EBADF);
	CHECK(!strcmp(sysfs("rdo", "region0/cache"), "cached"));
	close(fd);
	fd = buf_open("rdo", O_RDWR);
	CHECK_OK(ioctl(fd, MAPDEV_IOC_SET_CACHE, &sc));
	CHECK(!strcmp(sysfs("rdo", "region0/cache"), "uncached"));
	close(fd);
	buf_destroy("rdo");
}

/* The drivers' names cannot be taken by a buffer first. */
TEST(reserved_names)
{
	static const char *const bad[] = {
		"buf-control", "buf-x", "pci-x", "pci-0000", "phys-x", "phys-",
	};
	/* mapdev_edu's nodes are /dev/videoN: "edu-" is the user's. */
	static const char *const good[] = { "pci", "phys", "xpci-a", "edu-x", "bufx" };
	unsigned int i;
	int ctl = ctl_open();

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		if (buf_create_raw(ctl, bad[i], PG, 0, 0) != -1 || errno != EINVAL)
			FAILF("create %s: %s, expected EINVAL", bad[i],
			      errno ? strerror(errno) : "succeeded");
	}
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (buf_create_raw(ctl, good[i], PG, 0, 0))
			FAILF("create %s: %s", good[i], strerror(errno));
		CHECK_OK(buf_destroy_raw(ctl, good[i]));
	}
	close(ctl);
	/* Nor at load. */
	sh("rmmod mapdev_buf 2>/dev/null");
	CHECK(sh("modprobe mapdev_buf buffers=phys-fb:4K 2>/dev/null") != 0);
	CHECK(!module_loaded("mapdev_buf"));
	CHECK(access("/dev/mapdev/phys-fb", F_OK) != 0);
}

/*
 * A user copy that never finishes (the user's memory is a userfaultfd
 * page nobody fills, as a FUSE mapping can be) holds up no revocation:
 * neither of another device nor of its own.
 */
struct stuck_op {
	int kind;
	int fd;
	void *page;
};

enum { STUCK_WRITE, STUCK_READ, STUCK_INFO, STUCK_SEGMENTS, STUCK_LIST };
static const char *const stuck_name[] = {
	"write() from", "read() into", "INFO with its argument in",
	"DMA_SEGMENTS into", "buf-control LIST into",
};

static void *stuck_call(void *arg)
{
	struct stuck_op *op = arg;
	struct mapdev_dma_segments ds = {
		.argsz = sizeof(ds), .count = 1, .segments = (uintptr_t)op->page,
	};
	struct mapdev_buf_list l = {
		.argsz = sizeof(l), .count = 1, .entries = (uintptr_t)op->page,
	};

	switch (op->kind) {
	case STUCK_WRITE:
		return result(pwrite(op->fd, op->page, PG, 0));
	case STUCK_READ:
		return result(pread(op->fd, op->page, PG, 0));
	case STUCK_INFO:
		return result(ioctl(op->fd, MAPDEV_IOC_INFO, op->page));
	case STUCK_SEGMENTS:
		return result(ioctl(op->fd, MAPDEV_IOC_DMA_SEGMENTS, &ds));
	default:
		return result(ioctl(op->fd, MAPDEV_BUF_IOC_LIST, &l));
	}
}

static int stuck_ctl = -1;

static void *destroy_call(void *name)
{
	return result(buf_destroy_raw(stuck_ctl, name));
}

static void *create_call(void *name)
{
	return result(buf_create_raw(stuck_ctl, name, PG, 0, 0));
}

TEST_TIMEOUT(stuck_user_copy_holds_up_nothing, 240)
{
	struct timed op_t, other_t, same_t;
	struct stuck_op op;
	struct stuck s;
	int kind, other_ok, same_ok;
	long r;

	race_delay(0);
	stuck_ctl = ctl_open();
	for (kind = STUCK_WRITE; kind <= STUCK_LIST; kind++) {
		buf_create("stk-a", 4 * PG, MAPDEV_BACKEND_SG, 0);
		buf_create("stk-b", PG, MAPDEV_BACKEND_COHERENT, 0);
		stuck_init(&s);
		op.kind = kind;
		op.page = s.page;
		op.fd = kind == STUCK_LIST ? stuck_ctl : buf_open("stk-a", O_RDWR);
		timed_start(&op_t, stuck_call, &op);
		if (!stuck_wait(&s, 5000))
			FAILF("%s a userfaultfd page: no fault came", stuck_name[kind]);
		/* Another device goes away... */
		timed_start(&other_t, destroy_call, "stk-b");
		other_ok = timed_wait(&other_t, 5000);
		/* ...and this one (for LIST: another buffer comes). */
		timed_start(&same_t, kind == STUCK_LIST ? create_call : destroy_call,
			    kind == STUCK_LIST ? "stk-c" : "stk-a");
		same_ok = timed_wait(&same_t, 5000);
		stuck_release(&s);
		timed_join(&op_t);
		timed_join(&other_t);
		timed_join(&same_t);
		if (!other_ok)
			FAILF("%s a stuck page holds up destroying another buffer",
			      stuck_name[kind]);
		if (!same_ok)
			FAILF("%s a stuck page holds up %s", stuck_name[kind],
			      kind == STUCK_LIST ? "creating a buffer" :
			      "destroying its own buffer");
		CHECK_EQ(result_of(&other_t), 0);
		CHECK_EQ(result_of(&same_t), 0);
		r = result_of(&op_t);
		/*
		 * Done before the destroy, or refused after it (INFO read
		 * its argument from the page once it was zeroes: EINVAL).
		 */
		if (r < 0 && r != -ENODEV &&
		    !(kind == STUCK_INFO && r == -EINVAL))
			FAILF("%s a stuck page: %s", stuck_name[kind], strerror(-r));
		if (kind != STUCK_LIST)
			close(op.fd);
		close(s.uffd);
		munmap(s.page, PG);
		buf_destroy_raw(stuck_ctl, "stk-a");
		buf_destroy_raw(stuck_ctl, "stk-c");
	}
	close(stuck_ctl);
	CHECK_EQ(core_stat("devices"), registered_devices());
}

/*
 * A driver ioctl past core's checks when the driver's module goes: it
 * fails with ENODEV and calls nothing of the module (core's race_delay_ms
 * holds it in the window while rmmod runs).
 */
static void *list_call(void *fd)
{
	struct mapdev_buf_list l = { .argsz = sizeof(l) };

	return result(ioctl((int)(intptr_t)fd, MAPDEV_BUF_IOC_LIST, &l));
}

TEST(driver_ioctl_vs_rmmod)
{
	struct timed t;
	int ctl;

	race_delay(0);
	CHECK_ERRNO(write_file(DBG_DIR "race_delay_ms", "10001"), EINVAL);
	ctl = ctl_open();
	race_delay(10000);		/* until set to 0 below */
	timed_start(&t, list_call, (void *)(intptr_t)ctl);
	usleep(1000000);	/* the call is in the window */
	CHECK_EQ(sh("rmmod mapdev_buf"), 0);
	if (t.done)
		FAILF("the ioctl ended before rmmod did: no race tested");
	race_delay(0);
	CHECK(timed_wait(&t, 10000));
	timed_join(&t);
	CHECK_EQ(result_of(&t), -ENODEV);
	close(ctl);
	CHECK_EQ(core_stat("devices"), registered_devices());
}
