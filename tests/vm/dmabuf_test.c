// SPDX-License-Identifier: GPL-2.0
/*
 * VM tests of MAPDEV_IOC_EXPORT_DMABUF: the ioctl's bad input, the dma-buf
 * fd's mmap rules and DMA_BUF_IOCTL_SYNC, a buffer destroyed (and
 * mapdev_buf unloaded) while exported, and importers nobody here wrote:
 * vivid capturing into mapdev buffers with its vmalloc allocator (vmap)
 * and its dma-contig one (map_dma_buf), and mapdev_edu's DMA filling
 * mapdev buffers it imported.
 */
#define HARNESS_IMPLEMENTATION
#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <linux/dma-buf.h>
#include <linux/videodev2.h>
#include "pci_util.h"

const char *harness_suite = "dmabuf";

#define PG	4096UL
#define NAME	"tdb"

static int xioctl(int fd, unsigned long req, void *arg)
{
	int r;

	do
		r = ioctl(fd, req, arg);
	while (r < 0 && errno == EINTR);
	return r;
}

static int export_raw(int fd, uint32_t flags, uint32_t index)
{
	struct mapdev_export_dmabuf e = {
		.argsz = sizeof(e), .flags = flags, .index = index, .fd = -1,
	};

	if (ioctl(fd, MAPDEV_IOC_EXPORT_DMABUF, &e))
		return -1;
	return e.fd;
}

static int export(int fd, uint32_t flags)
{
	int d = export_raw(fd, flags, 0);

	if (d < 0)
		FAILF("MAPDEV_IOC_EXPORT_DMABUF flags %#x: %s", flags,
		      strerror(errno));
	return d;
}

/* The lowest free descriptor: a failed export must not have taken one. */
static int next_fd(void)
{
	int fd = dup(0);

	close(fd);
	return fd;
}

static int dbsync(int d, uint64_t flags)
{
	struct dma_buf_sync s = { .flags = flags };

	return xioctl(d, DMA_BUF_IOCTL_SYNC, &s);
}

/* The line of debugfs "exports" for buffer @name, or NULL. */
static const char *export_line(const char *name)
{
	static char line[256];
	FILE *f = fopen(DBG_DIR "exports", "r");
	size_t n = strlen(name);

	if (!f)
		FAILF("open " DBG_DIR "exports: %s", strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, name, n) && line[n] == ' ') {
			fclose(f);
			return line;
		}
	fclose(f);
	return NULL;
}

/* -- the ioctl ----------------------------------------------------------- */

TEST(export_bad_input)
{
	const uint32_t bad_flags[] = {
		O_WRONLY, O_RDWR | O_WRONLY, O_APPEND, O_NONBLOCK, O_SYNC,
		O_RDWR | O_TRUNC, 0x80000000u,
	};
	struct { struct mapdev_export_dmabuf e; uint32_t tail; } big;
	long long dmabufs;
	unsigned int i;
	int fd, ro, free_fd, d;

	buf_create(NAME, 16 * PG, MAPDEV_BACKEND_SG, MAPDEV_CACHE_CACHED);
	fd = buf_open(NAME, O_RDWR);
	ro = buf_open(NAME, O_RDONLY);
	dmabufs = core_stat("dmabufs");
	CHECK(dmabufs >= 0);
	free_fd = next_fd();
	for (i = 0; i < sizeof(bad_flags) / sizeof(bad_flags[0]); i++)
		CHECK_ERRNO(export_raw(fd, bad_flags[i], 0), EINVAL);
	CHECK_ERRNO(export_raw(fd, O_RDWR, 1), EINVAL);		/* no region 1 */
	CHECK_ERRNO(export_raw(fd, O_RDWR, 7), EINVAL);
	CHECK_ERRNO(export_raw(fd, O_RDWR, ~0u), EINVAL);
	/* O_RDWR through a read-only fd; read-only is fine there. */
	CHECK_ERRNO(export_raw(ro, O_RDWR, 0), EBADF);
	CHECK_ERRNO(export_raw(ro, O_RDWR | O_CLOEXEC, 0), EBADF);
	/* argsz: short of index, over the maximum, unknown non-zero tail. */
	memset(&big, 0, sizeof(big));
	big.e.flags = O_RDWR;
	big.e.argsz = 8;
	CHECK_ERRNO(ioctl(fd, MAPDEV_IOC_EXPORT_DMABUF, &big), EINVAL);
	big.e.argsz = MAPDEV_ARGSZ_MAX + 1;
	CHECK_ERRNO(ioctl(fd, MAPDEV_IOC_EXPORT_DMABUF, &big), E2BIG);
	big.e.argsz = sizeof(big);
	big.tail = 1;
	CHECK_ERRNO(ioctl(fd, MAPDEV_IOC_EXPORT_DMABUF, &big), EINVAL);
	/* A bad pointer: nothing installed. */
	CHECK_ERRNO(ioctl(fd, MAPDEV_IOC_EXPORT_DMABUF, (void *)8), EFAULT);
	/* An argsz with no room for the fd it returns. */
	big.tail = 0;
	big.e.argsz = offsetof(struct mapdev_export_dmabuf, fd);
	CHECK_ERRNO(ioctl(fd, MAPDEV_IOC_EXPORT_DMABUF, &big), EINVAL);
	/* Nothing changed: no dma-buf, no descriptor, no export listed. */
	CHECK_EQ(core_stat("dmabufs"), dmabufs);
	CHECK_EQ(next_fd(), free_fd);
	CHECK(!export_line(NAME));

	d = export(ro, O_RDONLY);
	CHECK_EQ(fcntl(d, F_GETFD) & FD_CLOEXEC, 0);
	CHECK_EQ(fcntl(d, F_GETFL) & O_ACCMODE, O_RDONLY);
	CHECK_EQ(core_stat("dmabufs"), dmabufs + 1);
	close(d);
	d = export(fd, O_RDWR | O_CLOEXEC);
	CHECK(fcntl(d, F_GETFD) & FD_CLOEXEC);
	CHECK_EQ(fcntl(d, F_GETFL) & O_ACCMODE, O_RDWR);
	CHECK(export_line(NAME));
	close(d);
	close(ro);
	close(fd);
	buf_destroy(NAME);
	CHECK_EQ(core_stat("dmabufs"), dmabufs);
}

/* -- the dma-buf fd: mmap and sync --------------------------------------------- */

TEST(mmap_same_bytes_every_backend)
{
	const uint32_t backends[] = {
		MAPDEV_BACKEND_COHERENT, MAPDEV_BACKEND_CONTIG, MAPDEV_BACKEND_SG,
	};
	size_t len = 64 * PG, i;
	unsigned int b;

	for (b = 0; b < 3; b++) {
		int fd, d;
		uint8_t *m, *dm;

		buf_create(NAME, len, backends[b], MAPDEV_CACHE_CACHED);
		fd = buf_open(NAME, O_RDWR);
		m = map(fd, len, PROT_READ | PROT_WRITE, 0);
		for (i = 0; i < len; i++)
			m[i] = pattern(i, b);
		d = export(fd, O_RDWR | O_CLOEXEC);
		CHECK_EQ(lseek(d, 0, SEEK_END), (off_t)len);
		dm = map(d, len, PROT_READ | PROT_WRITE, 0);
		CHECK_OK(dbsync(d, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW));
		CHECK(!memcmp(m, dm, len));
		/* Written through the dma-buf, read through the node and read(). */
		dm[5 * PG + 3] = 0x5a;
		CHECK_OK(dbsync(d, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW));
		CHECK_EQ(m[5 * PG + 3], 0x5a);
		uint8_t c = 0;
		CHECK_EQ(pread(fd, &c, 1, 5 * PG + 3), 1);
		CHECK_EQ(c, 0x5a);
		/* An offset inside it. */
		uint8_t *part = map(d, 2 * PG, PROT_READ, 7 * PG);
		CHECK(!memcmp(part, m + 7 * PG, 2 * PG));
		/* The region counts dma-buf mappings. */
		CHECK_EQ(sysfs_ll(NAME, "region0/map_count"), 3);
		munmap(part, 2 * PG);
		munmap(dm, len);
		CHECK_EQ(sysfs_ll(NAME, "region0/map_count"), 1);
		munmap(m, len);
		close(d);
		close(fd);
		buf_destroy(NAME);
	}
}

TEST(mmap_rules)
{
	size_t len = 8 * PG;
	int fd, d, r;
	void *p;

	buf_create(NAME, len, MAPDEV_BACKEND_CONTIG, MAPDEV_CACHE_CACHED);
	fd = buf_open(NAME, O_RDWR);
	d = export(fd, O_RDWR | O_CLOEXEC);
	r = export(fd, O_RDONLY | O_CLOEXEC);
	CHECK_ERRNO(mmap(NULL, len, PROT_READ, MAP_PRIVATE, d, 0), EINVAL);
	CHECK_ERRNO(mmap(NULL, len, PROT_READ | PROT_EXEC, MAP_SHARED, d, 0), EPERM);
	CHECK_ERRNO(mmap(NULL, len + PG, PROT_READ, MAP_SHARED, d, 0), EINVAL);
	CHECK_ERRNO(mmap(NULL, PG, PROT_READ, MAP_SHARED, d, len), EINVAL);
	p = map(d, len, PROT_READ, 0);
	CHECK_ERRNO(mprotect(p, len, PROT_READ | PROT_EXEC), EACCES);
	CHECK_ERRNO(mremap(p, len, 2 * len, MREMAP_MAYMOVE), EFAULT);
	munmap(p, len);
	/* Read-only: never writable, now or later. */
	CHECK_ERRNO(mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, r, 0), EACCES);
	p = map(r, len, PROT_READ, 0);
	CHECK_ERRNO(mprotect(p, len, PROT_READ | PROT_WRITE), EACCES);
	EXPECT_SIGNAL(SIGSEGV, *(volatile uint8_t *)p = 1);
	munmap(p, len);
	close(r);
	close(d);
	close(fd);
	buf_destroy(NAME);
}

/* The buffer's cache mode, and the one-mode-at-a-time rule, hold for both. */
TEST(mmap_cache_mode)
{
	struct mapdev_set_cache sc = {
		.argsz = sizeof(sc), .cache = MAPDEV_CACHE_CACHED,
	};
	size_t len = 4 * PG;
	int fd, sfd, d;
	void *p, *q;

	buf_create(NAME, len, MAPDEV_BACKEND_SG, MAPDEV_CACHE_WC);
	fd = buf_open(NAME, O_RDWR);
	d = export(fd, O_RDWR | O_CLOEXEC);
	CHECK(!strcmp(sysfs(NAME, "memtype"), "wc"));
	p = map(d, len, PROT_READ | PROT_WRITE, 0);
	CHECK(!strcmp(sysfs(NAME, "memtype"), "wc"));
	/* The node's O_SYNC (uncached) mapping conflicts; SET_CACHE is busy. */
	sfd = buf_open(NAME, O_RDWR | O_SYNC);
	CHECK_ERRNO(mmap(NULL, len, PROT_READ, MAP_SHARED, sfd, 0), EBUSY);
	CHECK_ERRNO(ioctl(fd, MAPDEV_IOC_SET_CACHE, &sc), EBUSY);
	/* The node's mapping in the same mode is fine. */
	q = map(fd, len, PROT_READ, 0);
	munmap(q, len);
	munmap(p, len);
	/* Nothing mapped: the node's mapping may change the mode again. */
	q = map(sfd, len, PROT_READ, 0);
	CHECK(!strcmp(sysfs(NAME, "memtype"), "uncached"));
	/* A dma-buf mapping now follows the mode the region is mapped in. */
	p = map(d, len, PROT_READ, 0);
	CHECK(!strcmp(sysfs(NAME, "memtype"), "uncached"));
	munmap(p, len);
	munmap(q, len);
	/* Alone again, it takes the region's mode. */
	p = map(d, len, PROT_READ, 0);
	CHECK(!strcmp(sysfs(NAME, "memtype"), "wc"));
	munmap(p, len);
	close(sfd);
	close(d);
	close(fd);
	buf_destroy(NAME);
}

TEST(sync_ioctl)
{
	const uint64_t bad[] = {
		0, DMA_BUF_SYNC_START, DMA_BUF_SYNC_END, 1ull << 3, 1ull << 63,
		DMA_BUF_SYNC_RW | (1ull << 40),
	};
	unsigned int i;
	int fd, d, r;

	buf_create(NAME, 4 * PG, MAPDEV_BACKEND_SG, MAPDEV_CACHE_CACHED);
	fd = buf_open(NAME, O_RDWR);
	d = export(fd, O_RDWR | O_CLOEXEC);
	r = export(fd, O_RDONLY | O_CLOEXEC);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_ERRNO(dbsync(d, bad[i]), EINVAL);
	CHECK_OK(dbsync(d, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ));
	CHECK_OK(dbsync(d, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ));
	CHECK_OK(dbsync(d, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE));
	CHECK_OK(dbsync(d, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE));
	CHECK_OK(dbsync(d, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW));
	CHECK_OK(dbsync(d, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW));
	/* A read-only export: read syncs only. */
	CHECK_OK(dbsync(r, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ));
	CHECK_OK(dbsync(r, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ));
	CHECK_ERRNO(dbsync(r, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE), EPERM);
	CHECK_ERRNO(dbsync(r, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW), EPERM);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_ERRNO(dbsync(r, bad[i]), EINVAL);
	close(r);
	close(d);
	close(fd);
	buf_destroy(NAME);
}

/* -- lifetime -------------------------------------------------------------------- */

TEST(destroy_while_exported)
{
	size_t len = 32 * PG, i;
	long long buffers, bytes;
	int fd, d, ctl;
	uint8_t *m, *dm, *dm2;
	const char *l;

	need_module("mapdev_buf", NULL);
	buffers = core_stat("buffers");
	bytes = core_stat("bytes");
	buf_create(NAME, len, MAPDEV_BACKEND_SG, MAPDEV_CACHE_CACHED);
	fd = buf_open(NAME, O_RDWR);
	m = map(fd, len, PROT_READ | PROT_WRITE, 0);
	for (i = 0; i < len; i++)
		m[i] = pattern(i, 9);
	d = export(fd, O_RDWR | O_CLOEXEC);
	dm = map(d, len, PROT_READ, 0);
	l = export_line(NAME);
	CHECK(l && strstr(l, " live "));

	buf_destroy(NAME);
	/* The name is gone, and free: */
	CHECK(access("/dev/mapdev/" NAME, F_OK) != 0);
	CHECK(access("/sys/class/mapdev/" NAME, F_OK) != 0);
	ctl = ctl_open();
	CHECK_OK(buf_create_raw(ctl, NAME, PG, MAPDEV_BACKEND_SG, 0));
	CHECK_OK(buf_destroy_raw(ctl, NAME));
	/* the node's mapping and fd are revoked, */
	EXPECT_SIGNAL(SIGBUS, (void)*(volatile uint8_t *)m);
	CHECK_ERRNO(export_raw(fd, O_RDWR, 0), ENODEV);
	CHECK_ERRNO(mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 0), ENODEV);
	/* the dma-buf has the data, mapped before and mapped now. */
	for (i = 0; i < len; i++)
		if (dm[i] != pattern(i, 9))
			FAILF("dma-buf byte %zu after destroy: %#x", i, dm[i]);
	dm2 = map(d, len, PROT_READ | PROT_WRITE, 0);
	CHECK(!memcmp(dm, dm2, len));
	dm2[0] ^= 0xff;
	CHECK_EQ(dm[0], (uint8_t)(pattern(0, 9) ^ 0xff));
	CHECK_OK(dbsync(d, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW));
	CHECK_OK(dbsync(d, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW));
	l = export_line(NAME);
	CHECK(l && strstr(l, " zombie ") && strstr(l, " mmaps 2"));
	CHECK_EQ(core_stat("buffers"), buffers + 1);
	CHECK_EQ(core_stat("bytes"), bytes + (long long)len);

	/* The memory goes with the last reference: fd, then each mapping. */
	close(d);
	CHECK_EQ(core_stat("buffers"), buffers + 1);
	munmap(dm, len);
	CHECK_EQ(core_stat("buffers"), buffers + 1);
	munmap(dm2, len);
	CHECK_EQ(core_stat("buffers"), buffers);
	CHECK_EQ(core_stat("bytes"), bytes);
	CHECK(!export_line(NAME));
	munmap(m, len);
	close(fd);
	close(ctl);
}

/*
 * mapdev_buf unloads with an export alive (its buffers revoked, the memory
 * kept); mapdev_core, whose ops the dma-buf uses, is refused until the
 * dma-buf goes.
 */
TEST_TIMEOUT(rmmod_while_exported, 120)
{
	size_t len = 16 * PG, i;
	uint8_t *dm;
	int fd, d;

	buf_create(NAME, len, MAPDEV_BACKEND_CONTIG, MAPDEV_CACHE_CACHED);
	fd = buf_open(NAME, O_RDWR);
	for (i = 0; i < len; i += PG)
		CHECK_EQ(pwrite(fd, "mapdev", 6, i), 6);
	d = export(fd, O_RDWR | O_CLOEXEC);
	close(fd);
	unload_core_users();
	sh("rmmod mapdev_edu 2>/dev/null");
	CHECK_EQ(sh("rmmod mapdev_buf"), 0);
	CHECK(!module_loaded("mapdev_buf"));
	CHECK_ERRNO(syscall(SYS_delete_module, "mapdev_core", O_NONBLOCK), EAGAIN);
	CHECK(module_loaded("mapdev_core"));
	dm = map(d, len, PROT_READ, 0);
	for (i = 0; i < len; i += PG)
		CHECK(!memcmp(dm + i, "mapdev", 6));
	CHECK_EQ(core_stat("buffers"), 1);
	CHECK_EQ(core_stat("dmabufs"), 1);
	close(d);
	CHECK_ERRNO(syscall(SYS_delete_module, "mapdev_core", O_NONBLOCK), EAGAIN);
	munmap(dm, len);
	CHECK_EQ(core_stat("buffers"), 0);
	CHECK_EQ(core_stat("dmabufs"), 0);
	CHECK_EQ(core_stat("devices"), 0);
	CHECK_EQ(sh("rmmod mapdev_core"), 0);
	need_module("mapdev_buf", NULL);
}

/* -- importers: vivid ---------------------------------------------------------------- */

#define VIVID_BUFS	3

/* vivid's video capture node, loaded with @params. */
static int vivid_open(const char *params)
{
	char path[300], name[64];
	struct dirent *de;
	DIR *dir;
	int fd = -1;

	if (sh("rmmod vivid 2>/dev/null; modprobe vivid %s 2>/dev/null", params))
		SKIP("no vivid module in this kernel (modprobe vivid failed)");
	dir = opendir("/sys/class/video4linux");
	if (!dir)
		FAILF("vivid loaded, but no /sys/class/video4linux");
	while ((de = readdir(dir))) {
		snprintf(path, sizeof(path), "/sys/class/video4linux/%s/name",
			 de->d_name);
		if (read_file(path, name, sizeof(name)) ||
		    strcmp(name, "vivid-000-vid-cap"))
			continue;
		snprintf(path, sizeof(path), "/dev/%s", de->d_name);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			FAILF("open %s: %s", path, strerror(errno));
		break;
	}
	closedir(dir);
	if (fd < 0)
		FAILF("vivid loaded, but it has no vivid-000-vid-cap node");
	return fd;
}

static unsigned int reqbufs(int v, unsigned int n)
{
	struct v4l2_requestbuffers rb = {
		.count = n, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
		.memory = V4L2_MEMORY_DMABUF,
	};

	CHECK_OK(xioctl(v, VIDIOC_REQBUFS, &rb));
	return rb.count;
}

static int qbuf(int v, unsigned int index, int dfd, size_t len)
{
	struct v4l2_buffer b = {
		.index = index, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
		.memory = V4L2_MEMORY_DMABUF, .length = len,
	};

	b.m.fd = dfd;
	return xioctl(v, VIDIOC_QBUF, &b);
}

static void stream(int v, bool on)
{
	int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;

	CHECK_OK(xioctl(v, on ? VIDIOC_STREAMON : VIDIOC_STREAMOFF, &type));
}

static size_t nonzero(const uint8_t *p, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		n += !!p[i];
	return n;
}

/*
 * vivid captures into mapdev buffers it imported; each frame is in the
 * buffer's /dev/mapdev/NAME mapping (and its dma-buf mapping), and frames
 * differ (vivid prints the frame's sequence number on it).
 */
static void vivid_capture(const char *params, uint32_t backend)
{
	struct v4l2_format f = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
	char name[VIVID_BUFS][16];
	int fd[VIVID_BUFS], d[VIVID_BUFS], ro, v;
	uint8_t *m[VIVID_BUFS], *dm[VIVID_BUFS], *prev;
	long long buffers = core_stat("buffers");
	unsigned int i, k, differ = 0;
	size_t len, img;

	need_module("mapdev_buf", NULL);
	buffers = core_stat("buffers");
	v = vivid_open(params);
	CHECK_OK(xioctl(v, VIDIOC_G_FMT, &f));
	img = f.fmt.pix.sizeimage;
	CHECK(img > 0);
	len = (img + PG - 1) & ~(PG - 1);
	prev = calloc(1, img);
	CHECK(prev);
	CHECK(reqbufs(v, VIVID_BUFS) >= VIVID_BUFS);
	for (i = 0; i < VIVID_BUFS; i++) {
		snprintf(name[i], sizeof(name[i]), "tdbv%u", i);
		buf_create(name[i], len, backend, MAPDEV_CACHE_CACHED);
		fd[i] = buf_open(name[i], O_RDWR);
		m[i] = map(fd[i], len, PROT_READ | PROT_WRITE, 0);
		d[i] = export(fd[i], O_RDWR | O_CLOEXEC);
		dm[i] = map(d[i], len, PROT_READ, 0);
	}
	/*
	 * A read-only export is no buffer for a device to write: the
	 * dma-contig queue's mapping for vivid's device is refused.  (The
	 * vmalloc one only vmaps, which has no direction: docs/ABI.md.)
	 */
	if (backend == MAPDEV_BACKEND_CONTIG) {
		ro = export(fd[0], O_RDONLY | O_CLOEXEC);
		CHECK(qbuf(v, 0, ro, len) < 0);
		close(ro);
	}
	for (i = 0; i < VIVID_BUFS; i++)
		CHECK_OK(qbuf(v, i, d[i], len));
	stream(v, true);
	for (k = 0; k < 8; k++) {
		struct v4l2_buffer b = {
			.type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
			.memory = V4L2_MEMORY_DMABUF,
		};

		CHECK_OK(xioctl(v, VIDIOC_DQBUF, &b));
		CHECK(b.index < VIVID_BUFS);
		CHECK_EQ(b.m.fd, d[b.index]);
		CHECK_EQ(b.bytesused, img);
		CHECK_OK(dbsync(d[b.index], DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ));
		/* A picture, not the zeroes the buffer was made with. */
		if (nonzero(m[b.index], img) < img / 4)
			FAILF("frame %u in %s: %zu of %zu bytes non-zero", b.sequence,
			      name[b.index], nonzero(m[b.index], img), img);
		CHECK(!memcmp(m[b.index], dm[b.index], img));
		if (k && memcmp(prev, m[b.index], img))
			differ++;
		memcpy(prev, m[b.index], img);
		CHECK_OK(dbsync(d[b.index], DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ));
		/* Scribbled on before it goes back: the next frame overwrites it. */
		memset(m[b.index], 0, img);
		CHECK_OK(qbuf(v, b.index, d[b.index], len));
	}
	/* Each frame is drawn anew (zeroed in between) and they change. */
	CHECK(differ >= 5);
	stream(v, false);
	reqbufs(v, 0);
	close(v);
	CHECK_EQ(sh("rmmod vivid"), 0);
	for (i = 0; i < VIVID_BUFS; i++) {
		munmap(dm[i], len);
		close(d[i]);
		munmap(m[i], len);
		close(fd[i]);
		buf_destroy(name[i]);
	}
	free(prev);
	CHECK_EQ(core_stat("buffers"), buffers);
	CHECK_EQ(core_stat("dmabufs"), 0);
}

TEST_TIMEOUT(vivid_vmalloc_capture, 300)
{
	vivid_capture("", MAPDEV_BACKEND_SG);
}

/* dma-contig maps the dma-buf for vivid's device, and needs it contiguous. */
TEST_TIMEOUT(vivid_dma_contig_capture, 300)
{
	vivid_capture("allocators=1", MAPDEV_BACKEND_CONTIG);
}

/* -- importers: mapdev_edu ------------------------------------------------------------- */

static const char *video_node_of(const char *bdf)
{
	static char node[300];
	char path[128];
	struct dirent *de;
	DIR *dir;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/video4linux", bdf);
	dir = opendir(path);
	if (!dir)
		FAILF("%s has no video4linux node: mapdev_edu did not bind it", bdf);
	node[0] = '\0';
	while ((de = readdir(dir)))
		if (!strncmp(de->d_name, "video", 5))
			snprintf(node, sizeof(node), "/dev/%s", de->d_name);
	closedir(dir);
	if (!node[0])
		FAILF("%s has no video4linux node", bdf);
	return node;
}

/* edu's pattern (docs/ABI.md, mapdev_edu): the header and pixels of each row. */
static void edu_frame_ok(const uint8_t *f, unsigned int w, unsigned int h,
			 uint32_t seq)
{
	unsigned int row, x;

	for (row = 0; row < h; row++) {
		const uint8_t *p = f + (size_t)row * w;
		uint32_t s;

		memcpy(&s, p, 4);
		if (s != seq || (unsigned int)(p[4] | p[5] << 8) != row)
			FAILF("row %u: sequence %u row %u, want %u %u", row, s,
			      p[4] | p[5] << 8, seq, row);
		for (x = 8; x < w; x++)
			if (p[x] != (uint8_t)(x + row + 4 * seq))
				FAILF("row %u x %u: %#x", row, x, p[x]);
	}
}

/* The edu function with a 64-bit DMA mask imports mapdev buffers: its DMA fills them. */
TEST_TIMEOUT(edu_dmabuf_import, 300)
{
	const unsigned int w = 128, h = 96, n = 2;
	struct v4l2_format f = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
	struct v4l2_streamparm sp = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
	int fd[2], d[2], v;
	int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	size_t len = ((size_t)w * h + PG - 1) & ~(PG - 1);
	char name[2][16], path[128];
	uint8_t *m[2];
	unsigned int i, k;

	if (!pci_present(EDU_WIDE_BDF))
		SKIP("no PCI function %s: scripts/vm attaches edu there", EDU_WIDE_BDF);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", EDU_WIDE_BDF);
	if (access(path, F_OK) == 0)
		sh("echo %s > %s/unbind", EDU_WIDE_BDF, path);
	sh("rmmod mapdev_edu 2>/dev/null");
	if (sh("modprobe mapdev_edu dma_bits=" EDU_WIDE_BDF ":64"))
		FAILF("modprobe mapdev_edu failed");
	v = open(video_node_of(EDU_WIDE_BDF), O_RDWR | O_CLOEXEC);
	CHECK(v >= 0);
	f.fmt.pix.width = w;
	f.fmt.pix.height = h;
	f.fmt.pix.pixelformat = V4L2_PIX_FMT_GREY;
	CHECK_OK(xioctl(v, VIDIOC_S_FMT, &f));
	CHECK_EQ(f.fmt.pix.sizeimage, w * h);
	CHECK_OK(xioctl(v, VIDIOC_S_PARM, &sp));
	CHECK(reqbufs(v, n) >= n);
	for (i = 0; i < n; i++) {
		snprintf(name[i], sizeof(name[i]), "tdbe%u", i);
		buf_create(name[i], len, MAPDEV_BACKEND_CONTIG, MAPDEV_CACHE_CACHED);
		fd[i] = buf_open(name[i], O_RDWR);
		m[i] = map(fd[i], len, PROT_READ | PROT_WRITE, 0);
		memset(m[i], 0xaa, len);
		d[i] = export(fd[i], O_RDWR | O_CLOEXEC);
		CHECK_OK(qbuf(v, i, d[i], len));
	}
	CHECK_OK(xioctl(v, VIDIOC_STREAMON, &type));
	for (k = 0; k < 4; k++) {
		struct v4l2_buffer b = {
			.type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
			.memory = V4L2_MEMORY_DMABUF,
		};

		CHECK_OK(xioctl(v, VIDIOC_DQBUF, &b));
		CHECK(b.index < n);
		CHECK(!(b.flags & V4L2_BUF_FLAG_ERROR));
		CHECK_OK(dbsync(d[b.index], DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ));
		edu_frame_ok(m[b.index], w, h, b.sequence);
		CHECK_OK(dbsync(d[b.index], DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ));
		CHECK_OK(qbuf(v, b.index, d[b.index], len));
	}
	CHECK_OK(xioctl(v, VIDIOC_STREAMOFF, &type));
	reqbufs(v, 0);
	close(v);
	CHECK_EQ(sh("rmmod mapdev_edu"), 0);
	for (i = 0; i < n; i++) {
		close(d[i]);
		munmap(m[i], len);
		close(fd[i]);
		buf_destroy(name[i]);
	}
	CHECK_EQ(core_stat("dmabufs"), 0);
}
