// SPDX-License-Identifier: GPL-2.0
/*
 * VM tests of mapdev_phys.  The suite's guest boots with
 * memmap=16M$0x20000000 and says so in MAPDEV_PHYS_RESERVED=START:SIZE.
 * Loads go through finit_module() so each refusal's errno is checked.
 */
#define HARNESS_IMPLEMENTATION
#include <linux/capability.h>
#include <sys/syscall.h>
#include "pci_util.h"
#include "race_util.h"

const char *harness_suite = "phys";

#define PG 4096UL

static unsigned long long res_start, res_size;

static void need_reserved(void)
{
	const char *r = getenv("MAPDEV_PHYS_RESERVED");
	char *end;

	if (!r)
		SKIP("MAPDEV_PHYS_RESERVED not set: boot with memmap=SIZE$START (make vm-check does)");
	res_start = strtoull(r, &end, 0);
	res_size = *end == ':' ? strtoull(end + 1, &end, 0) : 0;
	if (*end == 'M')
		res_size <<= 20;
	if (!res_size)
		FAILF("MAPDEV_PHYS_RESERVED=%s: want START:SIZE", r);
}

/* Loads mapdev_phys with @params; returns 0 or -1 with errno. */
static int load_phys(const char *fmt, ...)
{
	char params[512];
	const char *path;
	va_list ap;
	int fd, ret, e;

	if (module_loaded("mapdev_phys"))
		sh("rmmod mapdev_phys 2>/dev/null");
	need_module("mapdev_core", NULL);
	path = module_path("mapdev_phys");
	va_start(ap, fmt);
	vsnprintf(params, sizeof(params), fmt, ap);
	va_end(ap);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		FAILF("open %s: %s", path, strerror(errno));
	ret = syscall(SYS_finit_module, fd, params, 0);
	e = errno;
	close(fd);
	errno = e;
	return ret;
}

TEST(reserved_range_roundtrip_and_kept)
{
	static const char *const modes[] = { "cached", "uncached", "wc" };
	size_t i, n;
	uint8_t *p, b[4096];
	int fd, m;

	need_reserved();
	n = res_size;
	for (m = 0; m < 3; m++) {
		CHECK_OK(load_phys("ranges=res:%#llx:%llu:%s", res_start, res_size,
				   modes[m]));
		CHECK(!strcmp(sysfs("phys-res", "region0/cache"), modes[m]));
		CHECK(!strcmp(sysfs("phys-res", "region0/backend"), "iomem"));
		fd = buf_open("phys-res", O_RDWR);
		p = map(fd, n, PROT_READ | PROT_WRITE, 0);
		if (m > 0) {
			/* What the previous load wrote is still there. */
			for (i = 0; i < n; i += 4093)
				if (p[i] != pattern(i, m - 1))
					FAILF("%s: byte %zu not kept across reloads",
					      modes[m], i);
		}
		for (i = 0; i < n; i += 4093)
			p[i] = pattern(i, m);
		/* read() sees what the mapping wrote. */
		CHECK_EQ(pread(fd, b, sizeof(b), 4093 * 100), (ssize_t)sizeof(b));
		CHECK_EQ(b[0], pattern(4093 * 100, m));
		CHECK_EQ(pread(fd, b, 1, n), 0);
		munmap(p, n);
		close(fd);
		CHECK_EQ(sh("rmmod mapdev_phys"), 0);
	}
}

TEST(refused_ranges)
{
	char line[256];
	unsigned long long kstart = 0, bar = 0, a, z;
	FILE *f;

	need_reserved();
	CHECK_ERRNO(load_phys("ranges=ram:0x10000000:4K"), EINVAL);	/* RAM */
	/* Page 0 is the firmware's, marked busy in the resource tree. */
	CHECK_ERRNO(load_phys("ranges=low:0x0:4K"), EBUSY);
	CHECK_ERRNO(load_phys("ranges=odd:%#llx:4K", res_start + 100), EINVAL);
	CHECK_ERRNO(load_phys("ranges=odd:%#llx:5000", res_start), EINVAL);
	CHECK_ERRNO(load_phys("ranges=zero:%#llx:0", res_start), EINVAL);
	CHECK_ERRNO(load_phys("ranges=wrap:0xfffffffffffff000:8K"), EINVAL);
	CHECK_ERRNO(load_phys("ranges=x:%#llx:4K:hot", res_start), EINVAL);
	CHECK_ERRNO(load_phys("ranges=x:%#llx", res_start), EINVAL);
	CHECK_ERRNO(load_phys("ranges=x:nope:4K"), EINVAL);
	CHECK_ERRNO(load_phys("ranges=a/b:%#llx:4K", res_start), EINVAL);
	CHECK_ERRNO(load_phys("ranges="), EINVAL);
	/* Overlapping and duplicate declarations; nothing stays behind. */
	CHECK_ERRNO(load_phys("ranges=a:%#llx:8K,b:%#llx:4K", res_start,
			      res_start + PG), EBUSY);
	CHECK_ERRNO(load_phys("ranges=a:%#llx:4K,a:%#llx:4K", res_start,
			      res_start + PG), EINVAL);
	CHECK(access("/dev/mapdev/phys-a", F_OK) != 0);
	CHECK(!module_loaded("mapdev_phys"));

	/* The kernel's own code. */
	f = fopen("/proc/iomem", "r");
	CHECK(f != NULL);
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "Kernel code") &&
		    sscanf(line, " %llx-%llx", &a, &z) == 2)
			kstart = a;
	fclose(f);
	CHECK(kstart != 0);
	CHECK_ERRNO(load_phys("ranges=text:%#llx:4K", kstart & ~(PG - 1)), EINVAL);

	/* A BAR that a driver holds. */
	pci_bind(EDU_BDF, NULL);
	f = fopen("/sys/bus/pci/devices/" EDU_BDF "/resource", "r");
	CHECK(f && fscanf(f, "%llx", &bar) == 1);
	fclose(f);
	CHECK_ERRNO(load_phys("ranges=bar:%#llx:4K", bar), EBUSY);
	CHECK(!module_loaded("mapdev_phys"));
	pci_release(EDU_BDF);
}

TEST(bounds_and_bad_maps)
{
	int fd;

	need_reserved();
	CHECK_OK(load_phys("ranges=b:%#llx:64K", res_start));
	fd = buf_open("phys-b", O_RDWR);
	CHECK_ERRNO(mmap(NULL, 68 << 10, PROT_READ, MAP_SHARED, fd, 0), EINVAL);
	CHECK_ERRNO(mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 64 << 10), EINVAL);
	CHECK_ERRNO(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 0), EINVAL);
	CHECK_ERRNO(mmap(NULL, PG, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0), EPERM);
	CHECK_ERRNO(pwrite(fd, "x", 1, 64 << 10), ENOSPC);
	close(fd);
	CHECK_EQ(sh("rmmod mapdev_phys"), 0);
}

/* Root without CAP_SYS_RAWIO cannot open a range, as with /dev/mem. */
TEST(needs_cap_sys_rawio)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];
	int fd;

	need_reserved();
	CHECK_OK(load_phys("ranges=c:%#llx:4K", res_start));
	fd = buf_open("phys-c", O_RDWR);
	close(fd);
	CHECK_OK(syscall(SYS_capget, &h, d));
	d[CAP_SYS_RAWIO / 32].effective &= ~(1u << (CAP_SYS_RAWIO % 32));
	CHECK_OK(syscall(SYS_capset, &h, d));
	CHECK_ERRNO(open("/dev/mapdev/phys-c", O_RDWR), EPERM);
	/* rmmod gets its capabilities back at exec. */
	CHECK_EQ(sh("rmmod mapdev_phys"), 0);
}

TEST(rmmod_revokes)
{
	uint8_t *p, c;
	int fd;

	need_reserved();
	CHECK_OK(load_phys("ranges=r:%#llx:8K", res_start));
	fd = buf_open("phys-r", O_RDWR);
	p = map(fd, 8192, PROT_READ | PROT_WRITE, 0);
	p[0] = 1;
	CHECK_EQ(sh("rmmod mapdev_phys"), 0);
	EXPECT_SIGNAL(SIGBUS, (void)*(volatile uint8_t *)p);
	CHECK_ERRNO(read(fd, &c, 1), ENODEV);
	munmap(p, 8192);
	close(fd);
	/* The range is free again: it loads once more. */
	CHECK_OK(load_phys("ranges=r:%#llx:8K", res_start));
	CHECK_EQ(sh("rmmod mapdev_phys"), 0);
}

/* No cache word: uncached, as /dev/mem maps device memory; the pages are
 * mapped so (x86 PAT's list of memory types says so, where debugfs has it). */
TEST(default_uncached)
{
	char line[256], want[64];
	uint8_t *p;
	FILE *f;
	int fd, found = 0;

	need_reserved();
	CHECK_OK(load_phys("ranges=d:%#llx:8K", res_start));
	CHECK(!strcmp(sysfs("phys-d", "region0/cache"), "uncached"));
	fd = buf_open("phys-d", O_RDWR);
	p = map(fd, 8192, PROT_READ | PROT_WRITE, 0);
	p[0] = 0x5d;
	CHECK(!strcmp(sysfs("phys-d", "region0/cache"), "uncached"));
	f = fopen("/sys/kernel/debug/x86/pat_memtype_list", "r");
	if (f) {
		snprintf(want, sizeof(want), "[mem 0x%016llx-", res_start);
		while (fgets(line, sizeof(line), f))
			if (strstr(line, want) && strstr(line, "uncached"))
				found = 1;
		fclose(f);
		if (!found)
			FAILF("no uncached entry for %#llx in x86/pat_memtype_list", res_start);
	} else {
		printf("# no /sys/kernel/debug/x86/pat_memtype_list: the sysfs cache only\n");
	}
	munmap(p, 8192);
	close(fd);
	CHECK_EQ(sh("rmmod mapdev_phys"), 0);
}

/* -- issue 12: the kernel review's findings ----------------------------------- */

/* A region is at most 1 TiB, the distance between region offsets. */
TEST(region_larger_than_its_offset_space)
{
	need_reserved();
	/* Above the guest's RAM, 1 TiB and a page: refused for its size. */
	CHECK_ERRNO(load_phys("ranges=big:0x100000000:0x10000001000"), EINVAL);
	CHECK_EQ(sh("dmesg | tail -n 5 | grep -q 'big: .*1 TiB'"), 0);
	CHECK(!module_loaded("mapdev_phys"));
}

/*
 * SET_CACHE whose new kernel mapping fails (debugfs fail_ioremap): the
 * region keeps its mode when the old one comes back, and when even that
 * fails, a read already past its checks gets EIO, not a NULL mapping.
 */
static void *pread_call(void *fd)
{
	uint32_t v;

	return result(pread((int)(intptr_t)fd, &v, 4, 0));
}

TEST(set_cache_mapping_failure)
{
	struct mapdev_set_cache sc = { .argsz = sizeof(sc), .cache = MAPDEV_CACHE_WC };
	struct mapdev_region_info ri = { .argsz = sizeof(ri) };
	struct timed t;
	uint32_t v;
	int fd;

	need_reserved();
	race_delay(0);
	CHECK_OK(load_phys("ranges=sc:%#llx:64K", res_start));
	fd = buf_open("phys-sc", O_RDWR);

	CHECK_ERRNO(write_file(DBG_DIR "fail_ioremap", "4294967296"), EINVAL);
	/* The new mapping fails, the old one comes back. */
	CHECK_OK(write_file(DBG_DIR "fail_ioremap", "1"));
	CHECK_ERRNO(ioctl(fd, MAPDEV_IOC_SET_CACHE, &sc), ENOMEM);
	CHECK(!strcmp(sysfs("phys-sc", "region0/cache"), "uncached"));
	CHECK_EQ(pread(fd, &v, 4, 0), 4);

	/* Both fail, under a read that passed its checks. */
	CHECK_OK(write_file(DBG_DIR "fail_ioremap", "2"));
	race_delay(10000);		/* until set to 0 below */
	timed_start(&t, pread_call, (void *)(intptr_t)fd);
	usleep(1000000);	/* the call is in the window */
	CHECK_ERRNO(ioctl(fd, MAPDEV_IOC_SET_CACHE, &sc), ENOMEM);
	if (t.done)
		FAILF("the read ended before SET_CACHE did: no race tested");
	race_delay(0);
	CHECK(timed_wait(&t, 10000));
	timed_join(&t);
	CHECK_EQ(result_of(&t), -EIO);
	/* From then on the region says it cannot be read, and is not. */
	CHECK_OK(ioctl(fd, MAPDEV_IOC_REGION_INFO, &ri));
	CHECK(!(ri.flags & (MAPDEV_REGION_F_READ | MAPDEV_REGION_F_MMAP)));
	CHECK_ERRNO(pread(fd, &v, 4, 0), EPERM);
	CHECK(mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED);
	close(fd);
	CHECK_EQ(sh("rmmod mapdev_phys"), 0);
}
