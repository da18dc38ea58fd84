// SPDX-License-Identifier: GPL-2.0
/*
 * VM tests of libmapdev against mapdev_buf: the control device (create,
 * list, destroy), device handles and their regions, mappings at any
 * offset, sync, DMA segments, and the maps reader joining a live mapdev
 * mapping with sysfs; then against mapdev_pci and edu: a function's DMA
 * mask and buffers, the list of every buffer with its owner, and what a
 * function's driver serves through it.
 */
#define HARNESS_IMPLEMENTATION
#include "mapdev_test.h"
#include "../unit/testutil.h"

#include <mapdev.h>

const char *harness_suite = "libmapdev_vm";

static const char *bufname(const char *what)
{
	static char name[MAPDEV_NAME_LEN];

	snprintf(name, sizeof(name), "lib-%s-%d", what, (int)getpid());
	return name;
}

static struct mapdev_bufctl *ctl(void)
{
	struct mapdev_bufctl *c;

	need_module("mapdev_buf", NULL);
	c = mapdev_bufctl_open();
	if (!c)
		FAILF("mapdev_bufctl_open: %s", strerror(errno));
	CHECK(fcntl(mapdev_bufctl_fd(c), F_GETFD) & FD_CLOEXEC);
	return c;
}

TEST(bufctl_create_list_destroy)
{
	struct mapdev_bufctl *c = ctl();
	const char *name = bufname("ctl");
	struct mapdev_buflist *l;
	ssize_t i;

	CHECK_OK(mapdev_bufctl_create(c, name, 10000, MAPDEV_BACKEND_SG,
				      MAPDEV_CACHE_WC));
	CHECK_ERRNO(mapdev_bufctl_create(c, name, 4096, MAPDEV_BACKEND_SG,
					 MAPDEV_CACHE_CACHED), EEXIST);
	l = mapdev_bufctl_list(c);
	CHECK(l);
	i = mapdev_buflist_find(l, name);
	CHECK(i >= 0);
	CHECK(!strcmp(mapdev_buflist_name(l, i), name));
	CHECK_EQ(mapdev_buflist_size(l, i), 12288);	/* page-rounded */
	CHECK_EQ(mapdev_buflist_backend(l, i), MAPDEV_BACKEND_SG);
	CHECK_EQ(mapdev_buflist_cache(l, i), MAPDEV_CACHE_WC);
	CHECK_EQ(mapdev_buflist_map_count(l, i), 0);
	CHECK_EQ(mapdev_buflist_open_count(l, i), 0);
	/* buf-control's list does not say which device DMA sees it from. */
	CHECK(!strcmp(mapdev_buflist_dma_device(l, i), ""));
	CHECK(!mapdev_buflist_name(l, mapdev_buflist_count(l)));
	CHECK_ERRNO(mapdev_buflist_find(l, "no-such-buffer"), ENOENT);
	mapdev_buflist_free(l);
	/* sysfs does: mapdev_buf's platform device. */
	l = mapdev_buflist_read();
	CHECK(l);
	i = mapdev_buflist_find(l, name);
	CHECK(i >= 0);
	CHECK(!strcmp(mapdev_buflist_dma_device(l, i), "mapdev_buf"));
	mapdev_buflist_free(l);

	CHECK_OK(mapdev_bufctl_destroy(c, name));
	CHECK_ERRNO(mapdev_bufctl_destroy(c, name), ENOENT);
	l = mapdev_bufctl_list(c);
	CHECK(l);
	CHECK_ERRNO(mapdev_buflist_find(l, name), ENOENT);
	mapdev_buflist_free(l);
	mapdev_bufctl_close(c);
}

TEST(list_many)
{
	struct mapdev_bufctl *c = ctl();
	struct mapdev_buflist *l;
	char name[MAPDEV_NAME_LEN];
	size_t before, i;

	l = mapdev_bufctl_list(c);
	CHECK(l);
	before = mapdev_buflist_count(l);
	mapdev_buflist_free(l);
	for (i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "lib-many%zu-%d", i,
			 (int)getpid());
		CHECK_OK(mapdev_bufctl_create(c, name, 4096,
					      MAPDEV_BACKEND_COHERENT,
					      MAPDEV_CACHE_CACHED));
	}
	l = mapdev_bufctl_list(c);
	CHECK(l);
	CHECK_EQ(mapdev_buflist_count(l), before + 40);
	mapdev_buflist_free(l);
	for (i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "lib-many%zu-%d", i,
			 (int)getpid());
		CHECK_OK(mapdev_bufctl_destroy(c, name));
	}
	mapdev_bufctl_close(c);
}

TEST(device_info_and_regions)
{
	struct mapdev_bufctl *c = ctl();
	const char *name = bufname("dev");
	struct mapdev_device *dev;
	uint64_t inner;

	CHECK_OK(mapdev_bufctl_create(c, name, 1 << 20, MAPDEV_BACKEND_SG,
				      MAPDEV_CACHE_CACHED));
	dev = mapdev_device_open(name, O_RDWR);
	CHECK(dev);
	CHECK(fcntl(mapdev_device_fd(dev), F_GETFD) & FD_CLOEXEC);
	CHECK(!strcmp(mapdev_device_name(dev), name));
	CHECK(!strcmp(mapdev_device_driver(dev), "mapdev_buf"));
	CHECK(!strncmp(mapdev_device_node(dev), "/dev/mapdev/", 12));
	CHECK_EQ(mapdev_device_num_regions(dev), 1);
	CHECK(!strcmp(mapdev_region_name(dev, 0), "buffer"));
	CHECK_EQ(mapdev_region_size(dev, 0), 1 << 20);
	CHECK_EQ(mapdev_region_offset(dev, 0), 0);
	CHECK_EQ(mapdev_region_backend(dev, 0), MAPDEV_BACKEND_SG);
	CHECK_EQ(mapdev_region_cache(dev, 0), MAPDEV_CACHE_CACHED);
	CHECK(mapdev_region_flags(dev, 0) & MAPDEV_REGION_F_MMAP);
	CHECK(mapdev_region_flags(dev, 0) & MAPDEV_REGION_F_DMA);
	CHECK(mapdev_region_nr_segments(dev, 0) >= 1);
	CHECK(!mapdev_region_name(dev, 1));
	CHECK_EQ(errno, EINVAL);

	CHECK_EQ(mapdev_device_region_index(dev, 0x1234, &inner), 0);
	CHECK_EQ(inner, 0x1234);
	CHECK_ERRNO(mapdev_device_region_index(dev, 1 << 20, NULL), ENXIO);
	CHECK_ERRNO(mapdev_device_region_index(dev, 1ull << 40, NULL), ENXIO);
	CHECK_ERRNO(mapdev_device_irq_region(dev), ENOENT);
	mapdev_device_close(dev);

	/* A path works as well as a name. */
	{
		char path[64];

		snprintf(path, sizeof(path), "/dev/mapdev/%s", name);
		dev = mapdev_device_open(path, O_RDONLY);
		CHECK(dev);
		mapdev_device_close(dev);
	}
	/* The control device is a mapdev device without regions. */
	dev = mapdev_device_open("buf-control", O_RDONLY);
	CHECK(dev);
	CHECK_EQ(mapdev_device_num_regions(dev), 0);
	CHECK_ERRNO(mapdev_device_map(dev, 0, 0, 0, PROT_READ) ? 0 : -1,
		    EINVAL);
	mapdev_device_close(dev);
	CHECK_OK(mapdev_bufctl_destroy(c, name));
	mapdev_bufctl_close(c);
}

TEST(map_any_offset)
{
	struct mapdev_bufctl *c = ctl();
	const char *name = bufname("map");
	struct mapdev_device *dev, *ro;
	struct mapdev_mapping *m, *m2;
	unsigned char *p, buf[16];
	size_t len = 64 * 1024;

	CHECK_OK(mapdev_bufctl_create(c, name, len, MAPDEV_BACKEND_SG,
				      MAPDEV_CACHE_CACHED));
	dev = mapdev_device_open(name, O_RDWR);
	CHECK(dev);

	/* Whole region. */
	m = mapdev_device_map(dev, 0, 0, 0, PROT_READ | PROT_WRITE);
	CHECK(m);
	CHECK_EQ(mapdev_mapping_length(m), len);
	CHECK_EQ(mapdev_mapping_region(m), 0);
	CHECK_EQ(mapdev_mapping_offset(m), 0);
	p = mapdev_mapping_addr(m);
	CHECK_EQ(p[0], 0);
	CHECK_EQ(p[len - 1], 0);
	memset(p, 0, len);
	p[5000] = 0x42;
	p[len - 1] = 0x99;
	CHECK_OK(mapdev_mapping_sync_for_device(m, dev, MAPDEV_DIR_TO_DEVICE));
	CHECK_OK(mapdev_mapping_sync_for_cpu(m, dev, MAPDEV_DIR_FROM_DEVICE));

	/* An unaligned offset: the library hides the page below. */
	m2 = mapdev_device_map(dev, 0, 5000, 10, PROT_READ);
	CHECK(m2);
	CHECK_EQ(((unsigned char *)mapdev_mapping_addr(m2))[0], 0x42);
	CHECK_EQ(mapdev_mapping_length(m2), 10);
	CHECK_OK(mapdev_mapping_unmap(m2));
	m2 = mapdev_device_map(dev, 0, len - 1, 1, PROT_READ);
	CHECK(m2);
	CHECK_EQ(*(unsigned char *)mapdev_mapping_addr(m2), 0x99);
	CHECK_OK(mapdev_mapping_unmap(m2));

	/* What the mapping holds, read() returns. */
	CHECK_EQ(pread(mapdev_device_fd(dev), buf, 1, 5000), 1);
	CHECK_EQ(buf[0], 0x42);

	/* Out of bounds: refused before mmap. */
	CHECK_ERRNO(mapdev_device_map(dev, 0, len, 1, PROT_READ) ? 0 : -1,
		    EINVAL);
	CHECK_ERRNO(mapdev_device_map(dev, 0, len - 1, 2, PROT_READ) ? 0 : -1,
		    EINVAL);
	CHECK_ERRNO(mapdev_device_map(dev, 0, 1, SIZE_MAX, PROT_READ) ?
		    0 : -1, EINVAL);
	CHECK_ERRNO(mapdev_device_map(dev, 1, 0, 0, PROT_READ) ? 0 : -1,
		    EINVAL);
	CHECK_ERRNO(mapdev_device_map(dev, 0, 0, 0, PROT_EXEC) ? 0 : -1,
		    EINVAL);
	CHECK_ERRNO(mapdev_device_map(dev, 0, 0, 0, 0) ? 0 : -1, EINVAL);

	/* Read-only handle: read mappings work, writable ones do not. */
	ro = mapdev_device_open(name, O_RDONLY);
	CHECK(ro);
	m2 = mapdev_device_map(ro, 0, 4096, 4096, PROT_READ);
	if (!m2)
		FAILF("read-only mapping of an O_RDONLY handle: %s",
		      strerror(errno));
	CHECK_EQ(((unsigned char *)mapdev_mapping_addr(m2))[5000 - 4096],
		 0x42);
	CHECK_OK(mapdev_mapping_unmap(m2));
	CHECK_ERRNO(mapdev_device_map(ro, 0, 0, 4096, PROT_READ | PROT_WRITE)
		    ? 0 : -1, EACCES);
	mapdev_device_close(ro);

	/* The mapping outlives the device handle. */
	mapdev_device_close(dev);
	CHECK_EQ(p[5000], 0x42);
	CHECK_OK(mapdev_mapping_unmap(m));
	CHECK_OK(mapdev_mapping_unmap(NULL));
	CHECK_OK(mapdev_bufctl_destroy(c, name));
	mapdev_bufctl_close(c);
}

TEST(sync_ranges)
{
	struct mapdev_bufctl *c = ctl();
	const char *name = bufname("sync");
	struct mapdev_device *dev;

	CHECK_OK(mapdev_bufctl_create(c, name, 8192, MAPDEV_BACKEND_SG,
				      MAPDEV_CACHE_CACHED));
	dev = mapdev_device_open(name, O_RDWR);
	CHECK(dev);
	CHECK_OK(mapdev_device_sync_for_cpu(dev, 0, 0, 0,
					    MAPDEV_DIR_BIDIRECTIONAL));
	CHECK_OK(mapdev_device_sync_for_device(dev, 0, 4096, 4096,
					       MAPDEV_DIR_TO_DEVICE));
	CHECK_ERRNO(mapdev_device_sync_for_cpu(dev, 0, 8192, 1,
					       MAPDEV_DIR_FROM_DEVICE), EINVAL);
	CHECK_ERRNO(mapdev_device_sync_for_cpu(dev, 0, 0, 0, 7), EINVAL);
	CHECK_ERRNO(mapdev_device_sync_for_cpu(dev, 3, 0, 0, 0), EINVAL);
	mapdev_device_close(dev);
	CHECK_OK(mapdev_bufctl_destroy(c, name));
	mapdev_bufctl_close(c);
}

TEST(dma_segments)
{
	struct mapdev_bufctl *c = ctl();
	const char *name = bufname("seg");
	struct mapdev_dma_segment *s;
	struct mapdev_device *dev;
	uint64_t covered = 0;
	size_t n, i;

	CHECK_OK(mapdev_bufctl_create(c, name, 4 << 20, MAPDEV_BACKEND_SG,
				      MAPDEV_CACHE_CACHED));
	dev = mapdev_device_open(name, O_RDONLY);
	CHECK(dev);
	s = mapdev_device_dma_segments(dev, 0, &n);
	if (!s)
		FAILF("mapdev_device_dma_segments: %s", strerror(errno));
	CHECK_EQ(n, mapdev_region_nr_segments(dev, 0));
	for (i = 0; i < n; i++) {
		CHECK_EQ(s[i].offset, covered);
		CHECK(s[i].len > 0);
		CHECK(s[i].dma_addr != 0);
		covered += s[i].len;
	}
	CHECK_EQ(covered, 4 << 20);
	/* As root the region's DMA address is there, and is the first segment's. */
	CHECK(mapdev_region_dma_addr(dev, 0) != 0);
	CHECK_EQ(s[0].dma_addr, mapdev_region_dma_addr(dev, 0));
	CHECK_EQ(s[0].dma_addr, strtoull(sysfs(name, "dma_addr"), NULL, 16));
	free(s);
	CHECK(!mapdev_device_dma_segments(dev, 2, &n));
	CHECK_EQ(errno, EINVAL);
	mapdev_device_close(dev);
	CHECK_OK(mapdev_bufctl_destroy(c, name));
	mapdev_bufctl_close(c);
}

TEST(maps_joins_sysfs)
{
	struct mapdev_bufctl *c = ctl();
	const char *name = bufname("join");
	const struct mapdev_vma *v;
	struct mapdev_mapping *m;
	struct mapdev_device *dev;
	struct mapdev_maps *maps;
	uint64_t dma = 0;

	CHECK_OK(mapdev_bufctl_create(c, name, 128 * 1024,
				      MAPDEV_BACKEND_COHERENT,
				      MAPDEV_CACHE_UNCACHED));
	dev = mapdev_device_open(name, O_RDWR);
	CHECK(dev);
	m = mapdev_device_map(dev, 0, 8192, 16384, PROT_READ);
	CHECK(m);
	maps = mapdev_maps_read(0, 0);
	CHECK(maps);
	v = mapdev_maps_find(maps, (uintptr_t)mapdev_mapping_addr(m));
	CHECK(v);
	CHECK_EQ(mapdev_vma_kind(v), MAPDEV_VMA_DEVICE);
	CHECK(mapdev_vma_is_mapdev(v));
	CHECK(!strcmp(mapdev_vma_mapdev_name(v), name));
	CHECK_EQ(mapdev_vma_mapdev_region(v), 0);
	CHECK(!strcmp(mapdev_vma_mapdev_region_name(v), "buffer"));
	CHECK(!strcmp(mapdev_vma_mapdev_backend(v), "coherent"));
	CHECK(!strcmp(mapdev_vma_mapdev_cache(v), "uncached"));
	CHECK_EQ(mapdev_vma_mapdev_size(v), 128 * 1024);
	CHECK(mapdev_vma_mapdev_dma_addr(v, &dma));
	CHECK_EQ(dma, strtoull(sysfs(name, "dma_addr"), NULL, 0));
	CHECK_EQ(mapdev_vma_offset(v), 8192);
	CHECK_EQ(mapdev_vma_size(v), 16384);
	CHECK(mapdev_vma_shared(v));
	/* The node's own number is a char device of the "mapdev" major. */
	CHECK(mapdev_vma_rdev_major(v) != 0);
	CHECK(!strcmp(mapdev_vma_rdev_name(v), name));
	mapdev_maps_free(maps);

	/* Unresolved: still a mapdev mapping, by its path. */
	maps = mapdev_maps_read(0, MAPDEV_MAPS_NO_RESOLVE);
	CHECK(maps);
	v = mapdev_maps_find(maps, (uintptr_t)mapdev_mapping_addr(m));
	CHECK(mapdev_vma_is_mapdev(v));
	CHECK(!mapdev_vma_mapdev_backend(v));
	mapdev_maps_free(maps);

	CHECK_OK(mapdev_mapping_unmap(m));
	mapdev_device_close(dev);
	CHECK_OK(mapdev_bufctl_destroy(c, name));
	mapdev_bufctl_close(c);
}

/* ---------------------------------------------------- PCI functions' DMA */

#define EDU_BDF		"0000:00:10.0"

/* edu bound to mapdev_pci through the library; NULL (a skip) if absent. */
static struct mapdev_pci *edu_bound(struct mapdev_device **dev)
{
	struct mapdev_pci *pci;

	if (access("/sys/bus/pci/devices/" EDU_BDF, F_OK))
		SKIP("no edu at %s (scripts/vm attaches one)", EDU_BDF);
	need_module("mapdev_pci", NULL);
	pci = mapdev_pci_open(EDU_BDF);
	CHECK(pci);
	/* A fresh probe, whatever an earlier test left behind. */
	if (mapdev_pci_is_bound(pci))
		CHECK_OK(mapdev_pci_unbind(pci, 0));
	if (mapdev_pci_bind(pci) || mapdev_pci_wait_device(pci, 5000))
		FAILF("bind %s: %s", EDU_BDF, strerror(errno));
	*dev = mapdev_pci_open_device(pci, O_RDWR);
	if (!*dev)
		FAILF("open %s: %s", mapdev_pci_device_name(pci),
		      strerror(errno));
	return pci;
}

static void edu_release(struct mapdev_pci *pci, struct mapdev_device *dev)
{
	mapdev_device_close(dev);
	CHECK_OK(mapdev_pci_unbind(pci, 0));
	mapdev_pci_close(pci);
}

TEST(pci_buf_create_destroy_and_the_list_of_every_buffer)
{
	struct mapdev_dma_segment *segs;
	struct mapdev_device *dev, *b;
	struct mapdev_buflist *l;
	struct mapdev_pci *pci;
	char name[MAPDEV_NAME_LEN];
	size_t n, i;
	ssize_t k;

	pci = edu_bound(&dev);
	snprintf(name, sizeof(name), "%s", bufname("pci"));
	CHECK_EQ(mapdev_pci_dma_mask_bits(pci), 32);
	CHECK_OK(mapdev_pci_set_dma_mask(dev, 28));
	CHECK_EQ(mapdev_pci_dma_mask_bits(pci), 28);
	CHECK_OK(mapdev_pci_buf_create(dev, name, 3 * 4096 + 1,
				       MAPDEV_BACKEND_SG, MAPDEV_CACHE_WC));
	CHECK_ERRNO(mapdev_pci_buf_create(dev, name, 4096,
					  MAPDEV_BACKEND_SG,
					  MAPDEV_CACHE_CACHED), EEXIST);

	/* In the list of every buffer, with its owner. */
	l = mapdev_buflist_read();
	CHECK(l);
	k = mapdev_buflist_find(l, name);
	CHECK(k >= 0);
	CHECK(!strcmp(mapdev_buflist_driver(l, k), "mapdev_pci"));
	CHECK(!strcmp(mapdev_buflist_owner(l, k), EDU_BDF));
	CHECK(!strcmp(mapdev_buflist_dma_device(l, k), EDU_BDF));
	CHECK_EQ(mapdev_buflist_size(l, k), 4 * 4096);
	CHECK_EQ(mapdev_buflist_backend(l, k), MAPDEV_BACKEND_SG);
	CHECK_EQ(mapdev_buflist_cache(l, k), MAPDEV_CACHE_WC);
	for (i = 1; i < mapdev_buflist_count(l); i++)
		CHECK(strcmp(mapdev_buflist_name(l, i - 1),
			     mapdev_buflist_name(l, i)) < 0);
	mapdev_buflist_free(l);

	/* Its DMA addresses fit the function's 28 bits. */
	b = mapdev_device_open(name, O_RDWR);
	CHECK(b);
	segs = mapdev_device_dma_segments(b, 0, &n);
	CHECK(segs && n >= 1);
	for (i = 0; i < n; i++)
		CHECK(segs[i].dma_addr + segs[i].len <= 1ull << 28);
	free(segs);
	mapdev_device_close(b);

	/* Not while the function can master (MSI turned it on at bind). */
	CHECK_ERRNO(mapdev_pci_buf_destroy(dev, name), EBUSY);
	{
		uint16_t cmd;
		off_t cfg = (off_t)MAPDEV_REGION_OFFSET(6) + 4;

		CHECK_EQ(pread(mapdev_device_fd(dev), &cmd, 2, cfg), 2);
		CHECK(cmd & 0x4);
		cmd &= ~0x4;
		CHECK_EQ(pwrite(mapdev_device_fd(dev), &cmd, 2, cfg), 2);
	}
	CHECK_OK(mapdev_pci_buf_destroy(dev, name));
	CHECK_ERRNO(mapdev_pci_buf_destroy(dev, name), ENOENT);
	l = mapdev_buflist_read();
	CHECK(l);
	CHECK_ERRNO(mapdev_buflist_find(l, name), ENOENT);
	mapdev_buflist_free(l);

	/* Checked before the kernel sees them. */
	CHECK_ERRNO(mapdev_pci_set_dma_mask(dev, 11), EINVAL);
	CHECK_ERRNO(mapdev_pci_set_dma_mask(dev, 65), EINVAL);
	CHECK_ERRNO(mapdev_pci_buf_create(dev, "a/b", 4096, 0, 0), EINVAL);
	CHECK_ERRNO(mapdev_pci_buf_create(dev, name, 0, 0, 0), EINVAL);
	CHECK_ERRNO(mapdev_pci_buf_create(dev, name, 4096,
					  MAPDEV_BACKEND_IOMEM, 0), EINVAL);
	CHECK_ERRNO(mapdev_pci_buf_destroy(dev, ""), EINVAL);
	/* x86 cannot give a function a 12-bit mask. */
	CHECK_ERRNO(mapdev_pci_set_dma_mask(dev, 12), EIO);
	CHECK_OK(mapdev_pci_set_dma_mask(dev, 32));
	edu_release(pci, dev);
}

/* A buffer's node is not a PCI function: its ioctls are unknown there. */
TEST(pci_ioctls_on_another_device)
{
	const char *name = bufname("notpci");
	struct mapdev_device *dev;

	buf_create(name, 4096, MAPDEV_BACKEND_COHERENT, MAPDEV_CACHE_CACHED);
	dev = mapdev_device_open(name, O_RDWR);
	CHECK(dev);
	CHECK_ERRNO(mapdev_pci_set_dma_mask(dev, 32), ENOTTY);
	CHECK_ERRNO(mapdev_pci_buf_create(dev, "x", 4096, 0, 0), ENOTTY);
	CHECK_ERRNO(mapdev_pci_buf_destroy(dev, "x"), ENOTTY);
	mapdev_device_close(dev);
	buf_destroy(name);
}

/* The three PCI ioctls need CAP_SYS_ADMIN, even on an fd root opened. */
TEST(pci_ioctls_need_cap_sys_admin)
{
	struct mapdev_device *dev;
	struct mapdev_pci *pci;
	int st;
	pid_t p;

	pci = edu_bound(&dev);
	fflush(stdout);
	p = fork();
	CHECK(p >= 0);
	if (!p) {
		int bad = 0;

		/* The fd stays; the capabilities go with the uid. */
		if (setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(99);
		bad |= !(mapdev_pci_set_dma_mask(dev, 32) && errno == EPERM);
		bad |= !(mapdev_pci_buf_create(dev, "lib-noperm", 4096, 0, 0) &&
			 errno == EPERM) << 1;
		bad |= !(mapdev_pci_buf_destroy(dev, "lib-noperm") &&
			 errno == EPERM) << 2;
		_exit(bad);
	}
	CHECK_EQ(waitpid(p, &st, 0), p);
	CHECK(WIFEXITED(st));
	if (WEXITSTATUS(st) == 99)
		SKIP("cannot become nobody");
	if (WEXITSTATUS(st))
		FAILF("without CAP_SYS_ADMIN: %s%s%s did not fail with EPERM",
		      WEXITSTATUS(st) & 1 ? "SET_DMA_MASK " : "",
		      WEXITSTATUS(st) & 2 ? "BUF_CREATE " : "",
		      WEXITSTATUS(st) & 4 ? "BUF_DESTROY" : "");
	CHECK(access("/dev/mapdev/lib-noperm", F_OK) != 0);
	edu_release(pci, dev);
}

/* What a function's driver serves through it, as bind should know. */
TEST(pci_users)
{
	struct mapdev_device *dev;
	struct mapdev_pci *pci, *v;
	char buf[256];

	/* mapdev_pci itself is a pass-through driver: no users. */
	pci = edu_bound(&dev);
	CHECK_EQ(mapdev_pci_users(pci, buf, sizeof(buf)), 0);
	CHECK_EQ(buf[0], '\0');
	edu_release(pci, dev);
	pci = mapdev_pci_open(EDU_BDF);
	CHECK(pci);
	CHECK(!mapdev_pci_driver(pci));
	CHECK_EQ(mapdev_pci_users(pci, NULL, 0), 0);
	mapdev_pci_close(pci);

	/* The guest's root file system: virtio-pci at 00:01.0. */
	v = mapdev_pci_open("00:01.0");
	if (!v || !mapdev_pci_driver(v) ||
	    strcmp(mapdev_pci_driver(v), "virtio-pci"))
		SKIP("no virtio-pci function at 00:01.0");
	CHECK_EQ(mapdev_pci_users(v, buf, sizeof(buf)), 1);
	CHECK(!strncmp(buf, "virtio", 6));
	/* Cut short, still terminated. */
	CHECK_EQ(mapdev_pci_users(v, buf, 4), 1);
	CHECK_EQ(strlen(buf), 3);
	mapdev_pci_close(v);
}
