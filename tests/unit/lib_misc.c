// SPDX-License-Identifier: GPL-2.0
/*
 * libmapdev without a kernel module: names of enum values, size parsing,
 * device paths, and the error paths of the device and control handles
 * (no such device, not a mapdev device, bad arguments, O_CLOEXEC).
 */
#define HARNESS_IMPLEMENTATION
#include "../harness.h"
#include "testutil.h"

#include <mapdev.h>

const char *harness_suite = "lib_misc";

TEST(version)
{
	CHECK(mapdev_version());
	CHECK(strchr(mapdev_version(), '.'));
}

TEST(backend_and_cache_names)
{
	static const char *const b[] = {
		"coherent", "contig", "sg", "reserved", "iomem", "none"
	};
	static const char *const c[] = { "cached", "uncached", "wc" };
	unsigned int i;

	for (i = 0; i < 6; i++) {
		CHECK(!strcmp(mapdev_backend_name(i), b[i]));
		CHECK_EQ(mapdev_backend_from_name(b[i]), i);
	}
	CHECK(!mapdev_backend_name(MAPDEV_BACKEND_MAX + 1));
	CHECK_ERRNO(mapdev_backend_from_name("Coherent"), EINVAL);
	CHECK_ERRNO(mapdev_backend_from_name(""), EINVAL);
	CHECK_ERRNO(mapdev_backend_from_name(NULL), EINVAL);
	for (i = 0; i < 3; i++) {
		CHECK(!strcmp(mapdev_cache_name(i), c[i]));
		CHECK_EQ(mapdev_cache_from_name(c[i]), i);
	}
	CHECK_EQ(mapdev_cache_from_name("write-combined"), MAPDEV_CACHE_WC);
	CHECK(!mapdev_cache_name(MAPDEV_CACHE_MAX + 1));
	CHECK_ERRNO(mapdev_cache_from_name("wb"), EINVAL);
}

TEST(names)
{
	char n31[32], n32[33];

	memset(n31, 'a', 31);
	n31[31] = '\0';
	memset(n32, 'a', 32);
	n32[32] = '\0';
	CHECK(mapdev_name_valid("frames"));
	CHECK(mapdev_name_valid("a"));
	CHECK(mapdev_name_valid("Frame_0.raw-1"));
	CHECK(mapdev_name_valid("0"));
	CHECK(mapdev_name_valid(n31));
	CHECK(!mapdev_name_valid(n32));
	CHECK(!mapdev_name_valid(""));
	CHECK(!mapdev_name_valid(NULL));
	CHECK(!mapdev_name_valid(".hidden"));
	CHECK(!mapdev_name_valid("-x"));
	CHECK(!mapdev_name_valid("a/b"));
	CHECK(!mapdev_name_valid(".."));
	CHECK(!mapdev_name_valid("a b"));
	CHECK(!mapdev_name_valid("caf\xc3\xa9"));
}

static void size_ok(const char *s, uint64_t want)
{
	uint64_t v = 12345;

	if (mapdev_parse_size(s, &v))
		FAILF("mapdev_parse_size(\"%s\") failed: %s", s,
		      strerror(errno));
	if (v != want)
		FAILF("mapdev_parse_size(\"%s\") = %" PRIu64 ", expected %"
		      PRIu64, s, v, want);
}

static void size_bad(const char *s, int err)
{
	uint64_t v = 12345;

	errno = 0;
	if (!mapdev_parse_size(s, &v))
		FAILF("mapdev_parse_size(\"%s\") = %" PRIu64 ", expected %s",
		      s, v, strerrorname_np(err));
	if (errno != err)
		FAILF("mapdev_parse_size(\"%s\"): %s, expected %s", s,
		      strerrorname_np(errno), strerrorname_np(err));
	CHECK_EQ(v, 12345);
}

TEST(parse_size)
{
	size_ok("1", 1);
	size_ok("4096", 4096);
	size_ok("0x1000", 4096);
	size_ok("0X10", 16);
	size_ok("4K", 4096);
	size_ok("4k", 4096);
	size_ok("64M", 64ull << 20);
	size_ok("1G", 1ull << 30);
	size_ok("1g", 1ull << 30);
	size_ok("0x10M", 16ull << 20);
	size_ok("007", 7);
	size_ok("17179869183G", 17179869183ull << 30);
	size_ok("18446744073709551615", UINT64_MAX);
	size_ok("0xffffffffffffffff", UINT64_MAX);

	size_bad("", EINVAL);
	size_bad("0", EINVAL);
	size_bad("0K", EINVAL);
	size_bad("0x0", EINVAL);
	size_bad("K", EINVAL);
	size_bad("0x", EINVAL);
	size_bad("-1", EINVAL);
	size_bad("+1", EINVAL);
	size_bad(" 1", EINVAL);
	size_bad("1 ", EINVAL);
	size_bad("1KB", EINVAL);
	size_bad("1T", EINVAL);
	size_bad("1.5M", EINVAL);
	size_bad("12abc", EINVAL);
	size_bad("4KK", EINVAL);
	size_bad("0x1g0", EINVAL);
	size_bad("18446744073709551616", ERANGE);
	size_bad("0x10000000000000000", ERANGE);
	size_bad("17179869184G", ERANGE);
	size_bad("99999999999999999999999", ERANGE);
	CHECK_ERRNO(mapdev_parse_size(NULL, NULL), EINVAL);
}

TEST(device_path)
{
	char buf[64];

	CHECK_OK(mapdev_device_path("frames", buf, sizeof(buf)));
	CHECK(!strcmp(buf, "/dev/mapdev/frames"));
	CHECK_OK(mapdev_device_path("/dev/mapdev/x", buf, sizeof(buf)));
	CHECK(!strcmp(buf, "/dev/mapdev/x"));
	CHECK_OK(mapdev_device_path("./rel/node", buf, sizeof(buf)));
	CHECK(!strcmp(buf, "./rel/node"));
	CHECK_ERRNO(mapdev_device_path("..", buf, sizeof(buf)), EINVAL);
	CHECK_ERRNO(mapdev_device_path(".", buf, sizeof(buf)), EINVAL);
	/* Drivers' device names are freer than buffer names. */
	CHECK_OK(mapdev_device_path("pci-0000:00:10.0", buf, sizeof(buf)));
	CHECK(!strcmp(buf, "/dev/mapdev/pci-0000:00:10.0"));
	CHECK_ERRNO(mapdev_device_path("", buf, sizeof(buf)), EINVAL);
	CHECK_ERRNO(mapdev_device_path("frames", buf, 10), ENAMETOOLONG);
	CHECK_ERRNO(mapdev_device_path(NULL, buf, sizeof(buf)), EINVAL);
}

TEST(device_open_errors)
{
	char name[64];

	snprintf(name, sizeof(name), "no-such-device-%d", (int)getpid());
	if (!access(MAPDEV_DEV_DIR, F_OK))
		printf("# %s exists; checking a name that does not\n",
		       MAPDEV_DEV_DIR);
	CHECK_ERRNO(mapdev_device_open(name, O_RDONLY) ? 0 : -1, ENOENT);
	CHECK_ERRNO(mapdev_device_open("/nonexistent/x", O_RDONLY) ? 0 : -1,
		    ENOENT);
	/* A file that is not a mapdev device. */
	CHECK_ERRNO(mapdev_device_open("/dev/null", O_RDONLY) ? 0 : -1,
		    ENOTTY);
	CHECK_ERRNO(mapdev_device_open(tu_data("i386.maps"), O_RDONLY) ?
		    0 : -1, ENOTTY);
	CHECK_ERRNO(mapdev_device_open("..", O_RDONLY) ? 0 : -1, EINVAL);
	CHECK_ERRNO(mapdev_device_open("/dev/null", O_CREAT) ? 0 : -1,
		    EINVAL);
	mapdev_device_close(NULL);
}

TEST(bufctl_on_the_wrong_file)
{
	struct mapdev_bufctl *ctl;
	int fd;

	CHECK_ERRNO(mapdev_bufctl_open_path("/nonexistent") ? 0 : -1,
		    ENOENT);
	CHECK_ERRNO(mapdev_bufctl_open_path(NULL) ? 0 : -1, EINVAL);
	if (access(MAPDEV_BUFCTL_PATH, F_OK))
		CHECK_ERRNO(mapdev_bufctl_open() ? 0 : -1, ENOENT);

	/* /dev/null opens, and then every ioctl says "not mine". */
	ctl = mapdev_bufctl_open_path("/dev/null");
	CHECK(ctl);
	fd = mapdev_bufctl_fd(ctl);
	CHECK(fd >= 0);
	CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	CHECK_ERRNO(mapdev_bufctl_list(ctl) ? 0 : -1, ENOTTY);
	CHECK_ERRNO(mapdev_bufctl_create(ctl, "x", 4096,
					 MAPDEV_BACKEND_SG,
					 MAPDEV_CACHE_CACHED), ENOTTY);
	CHECK_ERRNO(mapdev_bufctl_destroy(ctl, "x"), ENOTTY);

	/* Checked before the kernel sees them. */
	CHECK_ERRNO(mapdev_bufctl_create(ctl, "a/b", 4096,
					 MAPDEV_BACKEND_SG,
					 MAPDEV_CACHE_CACHED), EINVAL);
	CHECK_ERRNO(mapdev_bufctl_create(ctl, "x", 0, MAPDEV_BACKEND_SG,
					 MAPDEV_CACHE_CACHED), EINVAL);
	CHECK_ERRNO(mapdev_bufctl_create(ctl, "x", 4096,
					 MAPDEV_BACKEND_IOMEM,
					 MAPDEV_CACHE_CACHED), EINVAL);
	CHECK_ERRNO(mapdev_bufctl_create(ctl, "x", 4096, MAPDEV_BACKEND_SG,
					 MAPDEV_CACHE_MAX + 1), EINVAL);
	CHECK_ERRNO(mapdev_bufctl_destroy(ctl, ""), EINVAL);
	mapdev_bufctl_close(ctl);
	mapdev_bufctl_close(NULL);
	mapdev_buflist_free(NULL);
}

TEST(maps_fds_are_closed)
{
	struct mapdev_maps *m;
	int before, after, fd;

	/* The reader opens files and must not leave any behind. */
	before = dup(0);
	close(before);
	m = mapdev_maps_read(0, MAPDEV_MAPS_SMAPS);
	CHECK(m);
	mapdev_maps_free(m);
	after = dup(0);
	close(after);
	CHECK_EQ(after, before);
	fd = open("/dev/null", O_RDONLY);
	CHECK(fd >= 0);
	close(fd);
}

/* ------------------------------------------ every buffer, from sysfs */

static int sh_rm(const char *dir)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static void put(const char *dir, const char *file, const char *val)
{
	char p[PATH_MAX];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, file);
	f = fopen(p, "we");
	if (!f)
		FAILF("%s: %s", p, strerror(errno));
	fprintf(f, "%s\n", val);
	fclose(f);
}

/* A class device directory as mapdev's sysfs has it. */
static void fake_dev(const char *top, const char *name, const char *driver,
		     const char *parent, const char *backend,
		     const char *size, const char *dma_device)
{
	char d[PATH_MAX], link[PATH_MAX];

	snprintf(d, sizeof(d), "%s/class/%s", top, name);
	CHECK_OK(mkdir(d, 0755));
	put(d, "driver", driver);
	put(d, "map_count", "2");
	put(d, "open_count", "1");
	put(d, "num_regions", backend ? "1" : "8");
	if (backend) {
		put(d, "backend", backend);
		put(d, "cache", "wc");
		put(d, "size", size);
	}
	if (dma_device)
		put(d, "dma_device", dma_device);
	snprintf(link, sizeof(link), "../../devices/%s", parent);
	snprintf(d, sizeof(d), "%s/class/%s/device", top, name);
	CHECK_OK(symlink(link, d));
}

TEST(buflist_from_sysfs)
{
	char top[] = "/tmp/mapdev-sysfs-XXXXXX", cls[PATH_MAX];
	struct mapdev_buflist *l;

	CHECK(mkdtemp(top));
	snprintf(cls, sizeof(cls), "%s/class", top);
	CHECK_OK(mkdir(cls, 0755));
	/*
	 * Three buffers: mapdev_buf's own, a PCI function's, and one of
	 * mapdev_buf's bound to a function (its DMA addresses that
	 * function's view); a PCI function and buf-control, which are no
	 * buffers; and a buffer destroyed half-way through the read (its
	 * dma_device gone).
	 */
	fake_dev(top, "zframes", "mapdev_buf", "platform/mapdev_buf", "sg",
		 "67108864", "mapdev_buf");
	fake_dev(top, "edu-dma", "mapdev_pci", "pci0000:00/0000:00:10.0",
		 "coherent", "4096", "0000:00:10.0");
	fake_dev(top, "bound", "mapdev_buf", "platform/mapdev_buf",
		 "contig", "8192", "0000:00:11.0");
	fake_dev(top, "pci-0000:00:10.0", "mapdev_pci",
		 "pci0000:00/0000:00:10.0", NULL, NULL, NULL);
	fake_dev(top, "buf-control", "mapdev_buf", "platform/mapdev_buf", NULL,
		 NULL, NULL);
	fake_dev(top, "going", "mapdev_buf", "platform/mapdev_buf", "sg",
		 "4096", NULL);

	l = mapdev_buflist_read_dir(cls);
	CHECK(l);
	CHECK_EQ(mapdev_buflist_count(l), 3);
	/* Sorted by name. */
	CHECK(!strcmp(mapdev_buflist_name(l, 0), "bound"));
	CHECK(!strcmp(mapdev_buflist_owner(l, 0), "mapdev_buf"));
	CHECK(!strcmp(mapdev_buflist_dma_device(l, 0), "0000:00:11.0"));
	CHECK(!strcmp(mapdev_buflist_name(l, 1), "edu-dma"));
	CHECK(!strcmp(mapdev_buflist_driver(l, 1), "mapdev_pci"));
	CHECK(!strcmp(mapdev_buflist_owner(l, 1), "0000:00:10.0"));
	CHECK(!strcmp(mapdev_buflist_dma_device(l, 1), "0000:00:10.0"));
	CHECK_EQ(mapdev_buflist_size(l, 1), 4096);
	CHECK_EQ(mapdev_buflist_backend(l, 1), MAPDEV_BACKEND_COHERENT);
	CHECK_EQ(mapdev_buflist_cache(l, 1), MAPDEV_CACHE_WC);
	CHECK_EQ(mapdev_buflist_map_count(l, 1), 2);
	CHECK_EQ(mapdev_buflist_open_count(l, 1), 1);
	CHECK(!strcmp(mapdev_buflist_name(l, 2), "zframes"));
	CHECK(!strcmp(mapdev_buflist_owner(l, 2), "mapdev_buf"));
	CHECK(!strcmp(mapdev_buflist_driver(l, 2), "mapdev_buf"));
	CHECK(!strcmp(mapdev_buflist_dma_device(l, 2), "mapdev_buf"));
	CHECK_EQ(mapdev_buflist_size(l, 2), 64 << 20);
	CHECK_EQ(mapdev_buflist_backend(l, 2), MAPDEV_BACKEND_SG);
	CHECK_EQ(mapdev_buflist_find(l, "zframes"), 2);
	CHECK_ERRNO(mapdev_buflist_find(l, "pci-0000:00:10.0"), ENOENT);
	CHECK_ERRNO(mapdev_buflist_find(l, "going"), ENOENT);
	CHECK(!mapdev_buflist_owner(l, 3));
	CHECK_EQ(errno, EINVAL);
	CHECK(!mapdev_buflist_driver(l, 3));
	CHECK(!mapdev_buflist_dma_device(l, 3));
	CHECK_EQ(errno, EINVAL);
	mapdev_buflist_free(l);

	/* No class directory (no module): an empty list, not an error. */
	snprintf(cls, sizeof(cls), "%s/nonexistent", top);
	l = mapdev_buflist_read_dir(cls);
	CHECK(l);
	CHECK_EQ(mapdev_buflist_count(l), 0);
	mapdev_buflist_free(l);
	CHECK(!mapdev_buflist_read_dir(NULL));
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(sh_rm(top), 0);
}
