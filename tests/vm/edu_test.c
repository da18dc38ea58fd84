// SPDX-License-Identifier: GPL-2.0
/*
 * VM tests of mapdev_edu, the V4L2 frame grabber on QEMU's edu: the two edu
 * functions of the test VM (00:10.0 with edu's 28-bit DMA mask, 00:11.0
 * with a 64-bit one), v4l2-compliance, unmodified clients (v4l2-ctl,
 * ffmpeg, GStreamer) capturing frames whose test pattern every test
 * decodes, every I/O method, DMA addresses under the mask, frame timing,
 * dropped and failed frames, bad input, and revocation: STREAMOFF and
 * close with DMA in flight, unbind, removal and rmmod while streaming with
 * buffers mapped.
 *
 * Every test loads mapdev_edu itself and unloads it at its end, so other
 * suites find the edu functions unbound.
 */
#define HARNESS_IMPLEMENTATION
#include <dirent.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <time.h>
#include <linux/videodev2.h>
#include "pci_util.h"
#include "../unit/testutil.h"

const char *harness_suite = "edu";

#define MOD		"mapdev_edu"
#define MOD_PARAMS	"dma_bits=" EDU_WIDE_BDF ":64"
#define PARAM_DIR	"/sys/module/" MOD "/parameters/"
#define EDU_XFER_NS	100000000ULL	/* edu's 100 ms a transfer */
#define MAXBUF		32

/* -- loading, nodes ------------------------------------------------------- */

static const char *edu_node_or_null(const char *bdf);

/*
 * mapdev_edu loaded as the suite wants it, both functions bound: kept from
 * the test before (loading costs seconds under TCG); zz_unloaded, the last
 * test, unloads it.
 */
static void edu_load(void)
{
	char v[64];

	if (module_loaded(MOD) && edu_node_or_null(EDU_BDF) &&
	    edu_node_or_null(EDU_WIDE_BDF) &&
	    !read_file(PARAM_DIR "dma_bits", v, sizeof(v)) &&
	    !strcmp(v, EDU_WIDE_BDF ":64"))
		return;
	edu_load_params(MOD_PARAMS);
}

static void edu_unload(void)
{
	if (module_loaded(MOD) && sh("rmmod " MOD))
		FAILF("rmmod " MOD " failed");
}

/* /dev/videoN of a function bound to mapdev_edu, or NULL. */
static const char *edu_node_or_null(const char *bdf)
{
	static char node[2][300];
	static int which;
	char path[128];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/video4linux", bdf);
	d = opendir(path);
	if (!d)
		return NULL;
	which ^= 1;
	node[which][0] = '\0';
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, "video", 5))
			snprintf(node[which], sizeof(node[which]), "/dev/%s",
				 de->d_name);
	closedir(d);
	return node[which][0] ? node[which] : NULL;
}

static const char *edu_node(const char *bdf)
{
	const char *n = edu_node_or_null(bdf);

	if (!n)
		FAILF("%s has no video4linux node: not bound to " MOD "?", bdf);
	return n;
}

static int edu_open(const char *bdf, int flags)
{
	const char *n = edu_node(bdf);
	int fd = open(n, flags | O_CLOEXEC);

	if (fd < 0)
		FAILF("open %s: %s", n, strerror(errno));
	return fd;
}

static long long edu_sysfs(const char *bdf, const char *attr)
{
	char path[160], val[64];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", bdf, attr);
	if (read_file(path, val, sizeof(val)))
		FAILF("read %s: %s", path, strerror(errno));
	return strtoll(val, NULL, 0);
}

/* -- the test pattern (docs/ABI.md) ----------------------------------------- */

static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const uint8_t *p)
{
	return p[0] | p[1] << 8;
}

/*
 * Checks a frame of the pattern; stores its sequence number.  Returns NULL,
 * or what is wrong with it.
 */
static const char *frame_check(const uint8_t *f, unsigned int w,
			       unsigned int h, uint32_t *seq)
{
	static char why[128];
	uint32_t s = le32(f);
	unsigned int r, x;

	for (r = 0; r < h; r++) {
		const uint8_t *p = f + (size_t)r * w;
		uint16_t sum = 0;

		if (le32(p) != s)
			return snprintf(why, sizeof(why), "row %u: sequence %u, row 0 says %u",
					r, le32(p), s), why;
		if (le16(p + 4) != r)
			return snprintf(why, sizeof(why), "row %u says it is row %u",
					r, le16(p + 4)), why;
		for (x = 0; x < w; x++)
			if (x != 6 && x != 7)
				sum += p[x];
		if (le16(p + 6) != sum)
			return snprintf(why, sizeof(why), "row %u: checksum 0x%04x, computed 0x%04x",
					r, le16(p + 6), sum), why;
		for (x = 8; x < w; x++)
			if (p[x] != (uint8_t)(x + r + 4 * s))
				return snprintf(why, sizeof(why), "row %u pixel %u: %u, want %u",
						r, x, p[x], (uint8_t)(x + r + 4 * s)), why;
	}
	*seq = s;
	return NULL;
}

static uint32_t check_frame(const void *f, unsigned int w, unsigned int h)
{
	const char *why;
	uint32_t seq;

	why = frame_check(f, w, h, &seq);
	if (why)
		FAILF("frame %ux%u is not the pattern: %s", w, h, why);
	return seq;
}

/* Frames back to back in a file (what v4l2-ctl, ffmpeg, gst write). */
static void check_frame_file(const char *path, unsigned int w, unsigned int h,
			     unsigned int want)
{
	size_t fsz = (size_t)w * h;
	uint8_t *f = malloc(fsz);
	uint32_t seq, prev = 0;
	unsigned int n = 0;
	FILE *fp = fopen(path, "rb");

	if (!fp || !f)
		FAILF("open %s: %s", path, strerror(errno));
	while (fread(f, 1, fsz, fp) == fsz) {
		seq = check_frame(f, w, h);
		if (n && seq <= prev)
			FAILF("%s: frame %u has sequence %u after %u", path, n,
			      seq, prev);
		prev = seq;
		n++;
	}
	CHECK(feof(fp));
	fclose(fp);
	free(f);
	if (n != want)
		FAILF("%s: %u frames, want %u", path, n, want);
}

/* -- a V4L2 client ---------------------------------------------------------- */

struct cap {
	int fd;
	unsigned int n, w, h;
	size_t len[MAXBUF];
	void *map[MAXBUF];
};

static int xioctl(int fd, unsigned long req, void *arg)
{
	int r;

	do
		r = ioctl(fd, req, arg);
	while (r < 0 && errno == EINTR);
	return r;
}

static void set_fmt(int fd, unsigned int w, unsigned int h)
{
	struct v4l2_format f = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };

	f.fmt.pix.width = w;
	f.fmt.pix.height = h;
	f.fmt.pix.pixelformat = V4L2_PIX_FMT_GREY;
	CHECK_OK(xioctl(fd, VIDIOC_S_FMT, &f));
	CHECK_EQ(f.fmt.pix.width, w);
	CHECK_EQ(f.fmt.pix.height, h);
	CHECK_EQ(f.fmt.pix.sizeimage, w * h);
}

/* The frame interval persists in the device: back to the fastest. */
static void set_fastest(int fd)
{
	struct v4l2_streamparm sp = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };

	CHECK_OK(xioctl(fd, VIDIOC_S_PARM, &sp));
}

static unsigned int reqbufs(int fd, unsigned int count, unsigned int memory)
{
	struct v4l2_requestbuffers rb = {
		.count = count, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
		.memory = memory,
	};

	CHECK_OK(xioctl(fd, VIDIOC_REQBUFS, &rb));
	return rb.count;
}

/* Opens @bdf's node, sets w x h, allocates and maps @n MMAP buffers. */
static void cap_open(struct cap *c, const char *bdf, unsigned int w,
		     unsigned int h, unsigned int n)
{
	unsigned int i;

	memset(c, 0, sizeof(*c));
	c->fd = edu_open(bdf, O_RDWR);
	c->w = w;
	c->h = h;
	set_fmt(c->fd, w, h);
	set_fastest(c->fd);
	c->n = reqbufs(c->fd, n, V4L2_MEMORY_MMAP);
	CHECK_EQ(c->n, n);
	for (i = 0; i < n; i++) {
		struct v4l2_buffer b = {
			.index = i, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
			.memory = V4L2_MEMORY_MMAP,
		};

		CHECK_OK(xioctl(c->fd, VIDIOC_QUERYBUF, &b));
		CHECK(b.length >= w * h);
		c->len[i] = b.length;
		c->map[i] = map(c->fd, b.length, PROT_READ | PROT_WRITE,
				b.m.offset);
	}
}

static void qbuf(struct cap *c, unsigned int i)
{
	struct v4l2_buffer b = {
		.index = i, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
		.memory = V4L2_MEMORY_MMAP,
	};

	CHECK_OK(xioctl(c->fd, VIDIOC_QBUF, &b));
}

static void streamon(int fd)
{
	int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;

	CHECK_OK(xioctl(fd, VIDIOC_STREAMON, &type));
}

static void streamoff(int fd)
{
	int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;

	CHECK_OK(xioctl(fd, VIDIOC_STREAMOFF, &type));
}

static struct v4l2_buffer dqbuf(struct cap *c)
{
	struct v4l2_buffer b = {
		.type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .memory = V4L2_MEMORY_MMAP,
	};

	CHECK_OK(xioctl(c->fd, VIDIOC_DQBUF, &b));
	CHECK(b.index < c->n);
	return b;
}

static uint64_t ts_ns(const struct v4l2_buffer *b)
{
	return b->timestamp.tv_sec * 1000000000ULL + b->timestamp.tv_usec * 1000ULL;
}

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000ULL + t.tv_nsec;
}

static void cap_close(struct cap *c)
{
	unsigned int i;

	for (i = 0; i < c->n; i++)
		munmap(c->map[i], c->len[i]);
	close(c->fd);
}

/* The nominal time of a frame: two transfers a chunk of at most 4095 bytes. */
static uint64_t nominal_ns(unsigned int w, unsigned int h)
{
	unsigned int chunks = (h + 4095 / w - 1) / (4095 / w);

	return 2 * chunks * EDU_XFER_NS;
}

/* Streams @frames frames into @n buffers; checks pattern, sequence, time. */
static void capture_check(const char *bdf, unsigned int w, unsigned int h,
			  unsigned int n, unsigned int frames)
{
	uint64_t prev_ts = 0, first_ts = 0, t0;
	struct cap c;
	unsigned int i;

	cap_open(&c, bdf, w, h, n);
	for (i = 0; i < n; i++)
		qbuf(&c, i);
	t0 = now_ns();
	streamon(c.fd);
	for (i = 0; i < frames; i++) {
		struct v4l2_buffer b = dqbuf(&c);

		CHECK(!(b.flags & V4L2_BUF_FLAG_ERROR));
		CHECK_EQ(b.flags & V4L2_BUF_FLAG_TIMESTAMP_MASK,
			 V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC);
		CHECK_EQ(b.flags & V4L2_BUF_FLAG_TSTAMP_SRC_MASK,
			 V4L2_BUF_FLAG_TSTAMP_SRC_EOF);
		CHECK_EQ(b.bytesused, w * h);
		CHECK_EQ(b.field, V4L2_FIELD_NONE);
		/* Buffers requeued at once: no frame is dropped. */
		CHECK_EQ(b.sequence, i);
		CHECK_EQ(check_frame(c.map[b.index], w, h), b.sequence);
		CHECK(ts_ns(&b) > t0 && ts_ns(&b) <= now_ns());
		if (i)
			CHECK(ts_ns(&b) > prev_ts);
		else
			first_ts = ts_ns(&b);
		prev_ts = ts_ns(&b);
		qbuf(&c, b.index);
	}
	streamoff(c.fd);
	/*
	 * The device's pace: never faster than its transfers allow (what
	 * ENUM_FRAMEINTERVALS says), and not wildly slower on an idle guest.
	 */
	if (frames > 1) {
		uint64_t per = (prev_ts - first_ts) / (frames - 1);

		if (per < nominal_ns(w, h) * 9 / 10 || per > nominal_ns(w, h) * 8)
			FAILF("%ux%u: %llu ms a frame, nominal %llu ms", w, h,
			      (unsigned long long)per / 1000000,
			      (unsigned long long)nominal_ns(w, h) / 1000000);
	}
	CHECK_EQ(edu_sysfs(bdf, "dropped_frames"), 0);
	CHECK_EQ(edu_sysfs(bdf, "error_frames"), 0);
	CHECK(edu_sysfs(bdf, "frames") >= frames);
	cap_close(&c);
}

/*
 * The DMA addresses the DMA API handed out for @bdf, from DMA-API
 * debugging's record of them (the debug kernel): each must be under the
 * mask, and there must be the @nbufs buffers plus the driver's page.
 * Without DMA-API debugging, the frames decoding is the proof: edu drops
 * the address bits above its mask, so a buffer above it would stay empty.
 */
static void dma_api_check(const char *bdf, unsigned int bits, unsigned int nbufs)
{
	unsigned long long d, l;
	unsigned int n = 0;
	char line[512];
	FILE *f = fopen("/sys/kernel/debug/dma-api/dump", "r");

	if (!f) {
		printf("# no DMA-API debugging in this kernel: the decoded frames are the proof\n");
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		char *dp = strstr(line, " D="), *lp = strstr(line, " L=");

		if (strncmp(line, bdf, strlen(bdf)) || !dp || !lp)
			continue;
		d = strtoull(dp + 3, NULL, 16);
		l = strtoull(lp + 3, NULL, 16);
		if (bits < 64 && d + l - 1 >= 1ULL << bits)
			FAILF("%s: DMA address 0x%llx+0x%llx above its %u-bit mask",
			      bdf, d, l, bits);
		n++;
	}
	fclose(f);
	printf("# DMA-API debugging: %u allocations of %s, all under %u bits\n",
	       n, bdf, bits);
	CHECK_EQ(n, nbufs + 1);
}

/* swiotlb's slots in use, or -1 when the kernel has no bounce buffers. */
static long long swiotlb_used(void)
{
	char v[64];

	if (read_file("/sys/kernel/debug/swiotlb/io_tlb_used", v, sizeof(v)))
		return -1;
	return strtoll(v, NULL, 0);
}

/* -- the tests -------------------------------------------------------------- */

TEST(probe_nodes_caps)
{
	struct v4l2_capability cap;
	int fd;

	edu_load();
	CHECK_EQ(edu_sysfs(EDU_BDF, "dma_bits"), 28);
	CHECK_EQ(edu_sysfs(EDU_WIDE_BDF, "dma_bits"), 64);
	fd = edu_open(EDU_BDF, O_RDWR);
	CHECK_OK(ioctl(fd, VIDIOC_QUERYCAP, &cap));
	CHECK(!strcmp((char *)cap.driver, MOD));
	CHECK(!strcmp((char *)cap.card, "mapdev edu (28-bit DMA)"));
	CHECK(!strcmp((char *)cap.bus_info, "PCI:" EDU_BDF));
	CHECK_EQ(cap.device_caps, V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_READWRITE |
		 V4L2_CAP_STREAMING | V4L2_CAP_EXT_PIX_FORMAT);
	/* The narrow function does not import dma-bufs (docs/ABI.md). */
	struct v4l2_requestbuffers rb = {
		.count = 2, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
		.memory = V4L2_MEMORY_DMABUF,
	};
	CHECK_ERRNO(ioctl(fd, VIDIOC_REQBUFS, &rb), EINVAL);
	close(fd);
	fd = edu_open(EDU_WIDE_BDF, O_RDWR);
	CHECK_OK(ioctl(fd, VIDIOC_QUERYCAP, &cap));
	CHECK(!strcmp((char *)cap.card, "mapdev edu (64-bit DMA)"));
	CHECK(!strcmp((char *)cap.bus_info, "PCI:" EDU_WIDE_BDF));
	CHECK_OK(ioctl(fd, VIDIOC_REQBUFS, &rb));
	rb.count = 0;
	CHECK_OK(ioctl(fd, VIDIOC_REQBUFS, &rb));
	close(fd);
	edu_unload();
	CHECK(!edu_node_or_null(EDU_BDF) && !edu_node_or_null(EDU_WIDE_BDF));
}

/*
 * A v4l2-compliance older than the kernel's V4L2 ABI fails a check the
 * driver has no part in: Linux 6.8 put max_num_buffers in what was
 * v4l2_create_buffers.reserved[0] (vb2 fills it), and Debian 12's
 * v4l2-compliance 1.22 still wants all of reserved[] zero.  Any vb2
 * driver fails it there (docs/TESTING.md).
 */
static int stale_compliance_check(const char *line)
{
	struct utsname u;
	unsigned int maj, min;

	if (!strstr(line, "check_0(crbufs.reserved, sizeof(crbufs.reserved))") ||
	    uname(&u) || sscanf(u.release, "%u.%u", &maj, &min) != 2)
		return 0;
	return maj > 6 || (maj == 6 && min >= 8);
}

/* v4l2-compliance -s: 0 failures and 0 warnings, on both functions. */
static void compliance(const char *bdf)
{
	char out[128], line[512];
	unsigned int stale = 0;
	int ok = 0;
	FILE *f;

	snprintf(out, sizeof(out), "/tmp/compliance-%s.txt", bdf);
	sh("v4l2-compliance -d %s -s5 > %s 2>&1", edu_node(bdf), out);
	f = fopen(out, "r");
	CHECK(f);
	while (fgets(line, sizeof(line), f)) {
		unsigned int total, succ, failed, warn;
		char *t = strstr(line, "Total for");

		if (strstr(line, "fail:") || strstr(line, "warn:"))
			printf("# %s", line);
		if (strstr(line, "fail:") && stale_compliance_check(line))
			stale++;
		if (t && sscanf(strchr(t, ':') + 1, " %u, Succeeded: %u, Failed: %u, Warnings: %u",
				&total, &succ, &failed, &warn) == 4) {
			printf("# v4l2-compliance %s: %u tests, %u succeeded, %u failed, %u warnings\n",
			       bdf, total, succ, failed, warn);
			CHECK(total > 40);
			if (stale)
				printf("# of which %u: v4l2-compliance older than this kernel's CREATE_BUFS (max_num_buffers, 6.8)\n",
				       stale);
			CHECK_EQ(failed, stale);
			CHECK_EQ(warn, 0);
			ok = 1;
		}
	}
	fclose(f);
	if (!ok)
		FAILF("no 'Total for' line from v4l2-compliance (%s): installed by scripts/deps (v4l-utils)",
		      out);
}

TEST_TIMEOUT(v4l2_compliance, 300)
{
	edu_load();
	compliance(EDU_BDF);
	compliance(EDU_WIDE_BDF);
}

TEST(formats_sizes_intervals)
{
	static const unsigned int sizes[][2] = { { 64, 48 }, { 64, 64 }, { 128, 96 } };
	struct v4l2_frmsizeenum fs = { .pixel_format = V4L2_PIX_FMT_GREY };
	struct v4l2_frmivalenum fi = { .pixel_format = V4L2_PIX_FMT_GREY };
	struct v4l2_format f = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
	struct v4l2_streamparm sp = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
	unsigned int i;
	int fd;

	edu_load();
	fd = edu_open(EDU_BDF, O_RDWR);
	for (i = 0; i < 3; i++) {
		fs.index = i;
		CHECK_OK(ioctl(fd, VIDIOC_ENUM_FRAMESIZES, &fs));
		CHECK_EQ(fs.type, V4L2_FRMSIZE_TYPE_DISCRETE);
		CHECK_EQ(fs.discrete.width, sizes[i][0]);
		CHECK_EQ(fs.discrete.height, sizes[i][1]);
		/* The fastest interval is the frame's transfers back to back. */
		fi.index = 0;
		fi.width = sizes[i][0];
		fi.height = sizes[i][1];
		CHECK_OK(ioctl(fd, VIDIOC_ENUM_FRAMEINTERVALS, &fi));
		CHECK_EQ(fi.type, V4L2_FRMIVAL_TYPE_DISCRETE);
		CHECK_EQ((uint64_t)fi.discrete.numerator * 1000000000ULL /
			 fi.discrete.denominator, nominal_ns(sizes[i][0], sizes[i][1]));
		fi.index = 3;
		CHECK_ERRNO(ioctl(fd, VIDIOC_ENUM_FRAMEINTERVALS, &fi), EINVAL);
	}
	CHECK_EQ(nominal_ns(64, 48), 200000000);	/* one chunk */
	CHECK_EQ(nominal_ns(128, 96), 800000000);	/* four */
	fs.index = 3;
	CHECK_ERRNO(ioctl(fd, VIDIOC_ENUM_FRAMESIZES, &fs), EINVAL);
	fs.index = 0;
	fs.pixel_format = V4L2_PIX_FMT_YUYV;
	CHECK_ERRNO(ioctl(fd, VIDIOC_ENUM_FRAMESIZES, &fs), EINVAL);
	fi.index = 0;
	fi.width = 65;
	CHECK_ERRNO(ioctl(fd, VIDIOC_ENUM_FRAMEINTERVALS, &fi), EINVAL);

	/* Sizes the device cannot do become the nearest it can. */
	static const unsigned int asks[][4] = {
		{ 0, 0, 64, 48 }, { 1, 1, 64, 48 }, { 10000, 10000, 128, 96 },
		{ 65, 63, 64, 64 }, { 127, 97, 128, 96 }, { 0xffffffff, 3, 64, 48 },
	};
	for (i = 0; i < sizeof(asks) / sizeof(asks[0]); i++) {
		memset(&f.fmt, 0, sizeof(f.fmt));
		f.fmt.pix.width = asks[i][0];
		f.fmt.pix.height = asks[i][1];
		f.fmt.pix.pixelformat = V4L2_PIX_FMT_YUYV;	/* only GREY */
		f.fmt.pix.field = V4L2_FIELD_INTERLACED;
		f.fmt.pix.bytesperline = 12345;
		CHECK_OK(ioctl(fd, VIDIOC_S_FMT, &f));
		CHECK_EQ(f.fmt.pix.width, asks[i][2]);
		CHECK_EQ(f.fmt.pix.height, asks[i][3]);
		CHECK_EQ(f.fmt.pix.pixelformat, V4L2_PIX_FMT_GREY);
		CHECK_EQ(f.fmt.pix.field, V4L2_FIELD_NONE);
		CHECK_EQ(f.fmt.pix.bytesperline, asks[i][2]);
		CHECK_EQ(f.fmt.pix.sizeimage, asks[i][2] * asks[i][3]);
		CHECK_OK(ioctl(fd, VIDIOC_G_FMT, &f));
		CHECK_EQ(f.fmt.pix.width, asks[i][2]);
	}
	f.type = V4L2_BUF_TYPE_VIDEO_OUTPUT;
	CHECK_ERRNO(ioctl(fd, VIDIOC_S_FMT, &f), EINVAL);
	f.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	/* Not while buffers of the current size exist. */
	set_fmt(fd, 64, 64);
	reqbufs(fd, 2, V4L2_MEMORY_MMAP);
	f.fmt.pix.width = 128;
	f.fmt.pix.height = 96;
	CHECK_ERRNO(ioctl(fd, VIDIOC_S_FMT, &f), EBUSY);
	CHECK_OK(ioctl(fd, VIDIOC_G_FMT, &f));
	CHECK_EQ(f.fmt.pix.width, 64);
	reqbufs(fd, 0, V4L2_MEMORY_MMAP);
	set_fmt(fd, 128, 96);

	/* S_PARM: the nearest interval it can keep; 0/0 the fastest. */
	sp.parm.capture.timeperframe = (struct v4l2_fract){ 1, 30 };
	CHECK_OK(ioctl(fd, VIDIOC_S_PARM, &sp));
	CHECK(sp.parm.capture.capability & V4L2_CAP_TIMEPERFRAME);
	CHECK_EQ(sp.parm.capture.timeperframe.numerator, 4);
	CHECK_EQ(sp.parm.capture.timeperframe.denominator, 5);
	sp.parm.capture.timeperframe = (struct v4l2_fract){ 19, 10 };
	CHECK_OK(ioctl(fd, VIDIOC_S_PARM, &sp));
	CHECK_EQ(sp.parm.capture.timeperframe.numerator, 2);
	CHECK_EQ(sp.parm.capture.timeperframe.denominator, 1);
	memset(&sp.parm, 0, sizeof(sp.parm));
	CHECK_OK(ioctl(fd, VIDIOC_G_PARM, &sp));
	CHECK_EQ(sp.parm.capture.timeperframe.numerator, 2);
	sp.parm.capture.timeperframe = (struct v4l2_fract){ 0, 0 };
	CHECK_OK(ioctl(fd, VIDIOC_S_PARM, &sp));
	CHECK_EQ(sp.parm.capture.timeperframe.numerator, 4);
	sp.type = V4L2_BUF_TYPE_VIDEO_OUTPUT;
	CHECK_ERRNO(ioctl(fd, VIDIOC_S_PARM, &sp), EINVAL);
	close(fd);
}

/* MMAP streaming at every size: one chunk a frame, two, four. */
TEST_TIMEOUT(mmap_capture_every_size, 120)
{
	edu_load();
	capture_check(EDU_BDF, 64, 48, 3, 4);
	capture_check(EDU_BDF, 64, 64, 3, 3);
	capture_check(EDU_BDF, 128, 96, 2, 3);
	capture_check(EDU_WIDE_BDF, 128, 96, 4, 2);
}

/*
 * No bounce buffering: every page of every buffer lies below the
 * function's DMA mask (edu writes to the address it is given, so the
 * frames that decode are the proof the device wrote those pages), and
 * swiotlb (when the kernel has it) was not used.
 */
TEST(buffers_under_dma_mask)
{
	long long tlb = swiotlb_used();
	struct cap c;
	unsigned int i;

	edu_load();
	cap_open(&c, EDU_BDF, 128, 96, 8);
	dma_api_check(EDU_BDF, 28, c.n);
	for (i = 0; i < c.n; i++)
		qbuf(&c, i);
	streamon(c.fd);
	for (i = 0; i < 2; i++) {
		struct v4l2_buffer b = dqbuf(&c);

		CHECK_EQ(check_frame(c.map[b.index], 128, 96), b.sequence);
	}
	streamoff(c.fd);
	CHECK_EQ(swiotlb_used(), tlb);
	if (tlb < 0)
		printf("# swiotlb: not set up in this kernel (nothing can bounce)\n");
	cap_close(&c);
}

/* READ I/O: read() gives whole frames, in order. */
TEST(read_io)
{
	uint8_t f[64 * 48 + 100];
	uint32_t seq, prev = 0;
	int fd, i;

	edu_load();
	fd = edu_open(EDU_BDF, O_RDWR);
	set_fmt(fd, 64, 48);
	for (i = 0; i < 4; i++) {
		CHECK_EQ(read(fd, f, sizeof(f)), 64 * 48);
		seq = check_frame(f, 64, 48);
		if (i)
			CHECK(seq > prev);
		prev = seq;
	}
	/* While read() owns the queue, streaming I/O is refused. */
	struct v4l2_requestbuffers rb = {
		.count = 2, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
		.memory = V4L2_MEMORY_MMAP,
	};
	CHECK_ERRNO(ioctl(fd, VIDIOC_REQBUFS, &rb), EBUSY);
	close(fd);
}

/*
 * EXPBUF and DMABUF: buffers the narrow function allocated (under both
 * masks) exported, imported by the wide function, written by its DMA.
 */
TEST(expbuf_dmabuf_import)
{
	struct v4l2_exportbuffer eb = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
	int efd[2], exp, imp, i;
	void *m[2];

	edu_load();
	exp = edu_open(EDU_BDF, O_RDWR);
	set_fmt(exp, 128, 96);
	CHECK_EQ(reqbufs(exp, 2, V4L2_MEMORY_MMAP), 2);
	for (i = 0; i < 2; i++) {
		eb.index = i;
		eb.flags = O_RDWR | O_CLOEXEC;
		CHECK_OK(ioctl(exp, VIDIOC_EXPBUF, &eb));
		efd[i] = eb.fd;
		m[i] = map(efd[i], 128 * 96, PROT_READ | PROT_WRITE, 0);
		memset(m[i], 0xaa, 128 * 96);
	}
	eb.index = 2;
	CHECK_ERRNO(ioctl(exp, VIDIOC_EXPBUF, &eb), EINVAL);

	imp = edu_open(EDU_WIDE_BDF, O_RDWR);
	set_fmt(imp, 128, 96);
	CHECK_EQ(reqbufs(imp, 2, V4L2_MEMORY_DMABUF), 2);
	for (i = 0; i < 2; i++) {
		struct v4l2_buffer b = {
			.index = i, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
			.memory = V4L2_MEMORY_DMABUF,
		};

		b.m.fd = efd[i];
		CHECK_OK(ioctl(imp, VIDIOC_QBUF, &b));
	}
	streamon(imp);
	for (i = 0; i < 3; i++) {
		struct v4l2_buffer b = {
			.type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
			.memory = V4L2_MEMORY_DMABUF,
		};

		CHECK_OK(xioctl(imp, VIDIOC_DQBUF, &b));
		CHECK(b.index < 2);
		CHECK_EQ(b.sequence, i);
		CHECK_EQ(check_frame(m[b.index], 128, 96), b.sequence);
		b.m.fd = efd[b.index];
		CHECK_OK(ioctl(imp, VIDIOC_QBUF, &b));
	}
	streamoff(imp);
	reqbufs(imp, 0, V4L2_MEMORY_DMABUF);
	/* A fd that is no dma-buf, and a dma-buf too small for the format. */
	reqbufs(exp, 0, V4L2_MEMORY_MMAP);
	for (i = 0; i < 2; i++) {
		munmap(m[i], 128 * 96);
		close(efd[i]);
	}
	set_fmt(exp, 64, 48);
	/* 6.8+ allocates at least min_queued_buffers + 1 (2 here). */
	CHECK(reqbufs(exp, 1, V4L2_MEMORY_MMAP) >= 1);
	eb.index = 0;
	CHECK_OK(ioctl(exp, VIDIOC_EXPBUF, &eb));
	CHECK(reqbufs(imp, 1, V4L2_MEMORY_DMABUF) >= 1);
	struct v4l2_buffer b = {
		.index = 0, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
		.memory = V4L2_MEMORY_DMABUF,
	};
	b.m.fd = eb.fd;			/* 4 KiB for a 12 KiB frame */
	CHECK_ERRNO(ioctl(imp, VIDIOC_QBUF, &b), EINVAL);
	b.m.fd = imp;			/* a video node, no dma-buf */
	CHECK_ERRNO(ioctl(imp, VIDIOC_QBUF, &b), EINVAL);
	b.m.fd = 999;			/* no file */
	CHECK_ERRNO(ioctl(imp, VIDIOC_QBUF, &b), EINVAL);
	/* Export flags other than O_CLOEXEC and the access mode. */
	eb.flags = O_APPEND;
	CHECK_ERRNO(ioctl(exp, VIDIOC_EXPBUF, &eb), EINVAL);
	close(eb.fd);
	close(imp);
	close(exp);
}

TEST(reqbufs_bad_input)
{
	struct v4l2_requestbuffers rb = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
	struct v4l2_create_buffers cb = { .memory = V4L2_MEMORY_MMAP };
	int fd;

	edu_load();
	fd = edu_open(EDU_BDF, O_RDWR);
	set_fmt(fd, 128, 96);
	/* Absurd counts are cut to vb2's 32. */
	CHECK_EQ(reqbufs(fd, 0xffffffff, V4L2_MEMORY_MMAP), MAXBUF);
	CHECK_EQ(reqbufs(fd, 0, V4L2_MEMORY_MMAP), 0);
	CHECK_EQ(reqbufs(fd, 1000000, V4L2_MEMORY_MMAP), MAXBUF);
	CHECK_EQ(reqbufs(fd, 0, V4L2_MEMORY_MMAP), 0);
	rb.count = 2;
	rb.memory = V4L2_MEMORY_USERPTR;	/* not offered (docs/ABI.md) */
	CHECK_ERRNO(ioctl(fd, VIDIOC_REQBUFS, &rb), EINVAL);
	rb.memory = 99;
	CHECK_ERRNO(ioctl(fd, VIDIOC_REQBUFS, &rb), EINVAL);
	rb.memory = V4L2_MEMORY_MMAP;
	rb.type = V4L2_BUF_TYPE_VIDEO_OUTPUT;
	CHECK_ERRNO(ioctl(fd, VIDIOC_REQBUFS, &rb), EINVAL);
	/* CREATE_BUFS: a size below the format's; a huge count is cut. */
	cb.format.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	CHECK_OK(ioctl(fd, VIDIOC_G_FMT, &cb.format));
	cb.format.fmt.pix.sizeimage = 100;
	cb.count = 1;
	CHECK_ERRNO(ioctl(fd, VIDIOC_CREATE_BUFS, &cb), EINVAL);
	CHECK_OK(ioctl(fd, VIDIOC_G_FMT, &cb.format));
	cb.count = 0xfffffff0;
	CHECK_OK(ioctl(fd, VIDIOC_CREATE_BUFS, &cb));
	CHECK_EQ(cb.count, MAXBUF);
	cb.count = 1;
	CHECK_ERRNO(ioctl(fd, VIDIOC_CREATE_BUFS, &cb), ENOBUFS);	/* full */
	CHECK_EQ(reqbufs(fd, 0, V4L2_MEMORY_MMAP), 0);
	close(fd);
}

TEST(qbuf_dqbuf_bad_input)
{
	struct v4l2_buffer b = {
		.type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .memory = V4L2_MEMORY_MMAP,
	};
	struct cap c;

	edu_load();
	cap_open(&c, EDU_BDF, 64, 48, 2);
	b.index = 2;				/* no such buffer */
	CHECK_ERRNO(ioctl(c.fd, VIDIOC_QBUF, &b), EINVAL);
	b.index = 0xffffffff;
	CHECK_ERRNO(ioctl(c.fd, VIDIOC_QBUF, &b), EINVAL);
	b.index = 0;
	b.memory = V4L2_MEMORY_DMABUF;		/* not what the queue has */
	CHECK_ERRNO(ioctl(c.fd, VIDIOC_QBUF, &b), EINVAL);
	b.memory = V4L2_MEMORY_MMAP;
	b.type = V4L2_BUF_TYPE_VIDEO_OUTPUT;
	CHECK_ERRNO(ioctl(c.fd, VIDIOC_QBUF, &b), EINVAL);
	b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	/* Not streaming: DQBUF has nothing to wait for. */
	CHECK_ERRNO(ioctl(c.fd, VIDIOC_DQBUF, &b), EINVAL);
	CHECK_OK(ioctl(c.fd, VIDIOC_QBUF, &b));
	CHECK_ERRNO(ioctl(c.fd, VIDIOC_QBUF, &b), EINVAL);	/* twice */
	/* A second open is not the queue's owner. */
	int other = edu_open(EDU_BDF, O_RDWR);
	b.index = 1;
	CHECK_ERRNO(ioctl(other, VIDIOC_QBUF, &b), EBUSY);
	CHECK_ERRNO(ioctl(other, VIDIOC_STREAMON, &b.type), EBUSY);
	close(other);
	/* A non-blocking DQBUF with no frame done: EAGAIN. */
	int nb = fcntl(c.fd, F_GETFL);
	CHECK_OK(fcntl(c.fd, F_SETFL, nb | O_NONBLOCK));
	streamon(c.fd);
	CHECK_ERRNO(ioctl(c.fd, VIDIOC_DQBUF, &b), EAGAIN);
	CHECK_OK(fcntl(c.fd, F_SETFL, nb));
	b = dqbuf(&c);
	CHECK_EQ(check_frame(c.map[b.index], 64, 48), 0);
	streamoff(c.fd);
	/* Stale: after REQBUFS(0) the old indexes are gone. */
	cap_close(&c);
	int fd = edu_open(EDU_BDF, O_RDWR);
	CHECK_EQ(reqbufs(fd, 2, V4L2_MEMORY_MMAP), 2);
	CHECK_EQ(reqbufs(fd, 0, V4L2_MEMORY_MMAP), 0);
	b.index = 0;
	b.memory = V4L2_MEMORY_MMAP;
	CHECK_ERRNO(ioctl(fd, VIDIOC_QBUF, &b), EINVAL);
	CHECK_ERRNO(ioctl(fd, VIDIOC_QUERYBUF, &b), EINVAL);
	CHECK_ERRNO(ioctl(fd, VIDIOC_STREAMON, &b.type), EINVAL);
	close(fd);
}

TEST(mmap_bad_input)
{
	struct cap c;
	void *p;

	edu_load();
	cap_open(&c, EDU_BDF, 64, 48, 2);
	/* An offset no buffer has, MAP_PRIVATE, past the buffer's end. */
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, c.fd, 0x7ff000);
	CHECK(p == MAP_FAILED && errno == EINVAL);
	struct v4l2_buffer b = {
		.index = 1, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
		.memory = V4L2_MEMORY_MMAP,
	};
	CHECK_OK(ioctl(c.fd, VIDIOC_QUERYBUF, &b));
	p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, c.fd, b.m.offset);
	CHECK(p == MAP_FAILED && errno == EINVAL);
	p = mmap(NULL, c.len[1] + 4096, PROT_READ, MAP_SHARED, c.fd, b.m.offset);
	CHECK(p == MAP_FAILED && errno == EINVAL);
	/* Mapped twice: the same memory. */
	uint8_t *p2 = map(c.fd, c.len[1], PROT_READ | PROT_WRITE, b.m.offset);
	((uint8_t *)c.map[1])[10] = 0x5a;
	CHECK_EQ(p2[10], 0x5a);
	munmap(p2, c.len[1]);
	cap_close(&c);
}

/*
 * STREAMOFF in the middle of a four-chunk frame: it returns with the
 * transfer in flight finished, so nothing writes the buffers afterwards;
 * the next stream starts at sequence 0 with whole frames.
 */
TEST(streamoff_mid_frame)
{
	struct v4l2_buffer b;
	struct cap c;
	unsigned int i;

	edu_load();
	cap_open(&c, EDU_BDF, 128, 96, 2);
	for (i = 0; i < 2; i++)
		qbuf(&c, i);
	streamon(c.fd);
	b = dqbuf(&c);
	CHECK_EQ(check_frame(c.map[b.index], 128, 96), 0);
	qbuf(&c, b.index);
	usleep(300000);			/* into frame 1's chunks */
	streamoff(c.fd);
	for (i = 0; i < 2; i++) {
		b = (struct v4l2_buffer){ .index = i,
			.type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
			.memory = V4L2_MEMORY_MMAP };
		CHECK_OK(ioctl(c.fd, VIDIOC_QUERYBUF, &b));
		CHECK(!(b.flags & (V4L2_BUF_FLAG_QUEUED | V4L2_BUF_FLAG_DONE)));
		memset(c.map[i], 0xaa, c.len[i]);
	}
	/* Longer than a transfer takes: a late DMA would show. */
	usleep(500000);
	for (i = 0; i < 2; i++) {
		size_t k;

		for (k = 0; k < c.len[i]; k++)
			if (((uint8_t *)c.map[i])[k] != 0xaa)
				FAILF("buffer %u byte %zu written after STREAMOFF", i, k);
	}
	b = (struct v4l2_buffer){ .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
				  .memory = V4L2_MEMORY_MMAP };
	CHECK_ERRNO(ioctl(c.fd, VIDIOC_DQBUF, &b), EINVAL);
	CHECK_EQ(edu_sysfs(EDU_BDF, "error_frames"), 0);
	/* Again: whole frames from sequence 0. */
	for (i = 0; i < 2; i++)
		qbuf(&c, i);
	streamon(c.fd);
	b = dqbuf(&c);
	CHECK_EQ(b.sequence, 0);
	CHECK_EQ(check_frame(c.map[b.index], 128, 96), 0);
	streamoff(c.fd);
	cap_close(&c);
}

/*
 * The last close with a transfer in flight.  A mapping keeps the file open
 * (V4L2: streaming goes on until the last munmap too), so the buffers are
 * exported first: their dma-bufs keep the memory, mapped, after the
 * release stopped the stream; nothing may write it afterwards.
 */
TEST(close_with_dma_in_flight)
{
	struct v4l2_exportbuffer eb = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
	uint8_t *m[3];
	int efd[3];
	struct cap c;
	unsigned int i;
	size_t k;

	edu_load();
	cap_open(&c, EDU_BDF, 128, 96, 3);
	for (i = 0; i < 3; i++) {
		eb.index = i;
		eb.flags = O_RDWR | O_CLOEXEC;
		CHECK_OK(ioctl(c.fd, VIDIOC_EXPBUF, &eb));
		efd[i] = eb.fd;
		m[i] = map(efd[i], c.len[i], PROT_READ | PROT_WRITE, 0);
		qbuf(&c, i);
	}
	streamon(c.fd);
	usleep(250000);			/* into frame 0's chunks */
	cap_close(&c);			/* munmap, close: the release */
	for (i = 0; i < 3; i++)
		memset(m[i], 0x55, c.len[i]);
	usleep(500000);			/* longer than a transfer */
	for (i = 0; i < 3; i++)
		for (k = 0; k < c.len[i]; k++)
			if (m[i][k] != 0x55)
				FAILF("buffer %u byte %zu written after the release", i, k);
	for (i = 0; i < 3; i++) {
		munmap(m[i], c.len[i]);
		close(efd[i]);
	}
	/* The device is fine afterwards. */
	capture_check(EDU_BDF, 64, 48, 2, 2);
}

/*
 * Frames with no buffer queued are dropped: a gap in the sequence numbers,
 * and dropped_frames counts exactly the gap.
 */
TEST(dropped_frames_counted)
{
	struct v4l2_buffer b;
	struct cap c;
	uint32_t gap;

	edu_load();
	cap_open(&c, EDU_BDF, 128, 96, 3);
	qbuf(&c, 0);
	streamon(c.fd);
	b = dqbuf(&c);
	CHECK_EQ(b.sequence, 0);
	usleep(2000000);		/* nothing queued: frames drop */
	qbuf(&c, 0);
	qbuf(&c, 1);
	qbuf(&c, 2);
	b = dqbuf(&c);
	CHECK_EQ(check_frame(c.map[b.index], 128, 96), b.sequence);
	gap = b.sequence - 1;
	CHECK(gap >= 1);
	/* Two buffers still queued: no frame drops before STREAMOFF. */
	streamoff(c.fd);
	CHECK_EQ(edu_sysfs(EDU_BDF, "dropped_frames"), gap);
	CHECK(edu_sysfs(EDU_BDF, "frames") >= 2);
	printf("# %u frames dropped in 2 s at 128x96\n", gap);
	cap_close(&c);
}

/* V4L2_BUF_FLAG_ERROR for a frame the device failed (fail_frames). */
TEST(error_frames_flagged)
{
	struct v4l2_buffer b;
	struct cap c;
	unsigned int i;

	edu_load();
	CHECK_ERRNO(write_file(PARAM_DIR "fail_frames", "many"), EINVAL);
	CHECK_ERRNO(write_file(PARAM_DIR "fail_frames", "-1"), EINVAL);
	CHECK_OK(write_file(PARAM_DIR "fail_frames", "1"));
	cap_open(&c, EDU_BDF, 64, 48, 3);
	for (i = 0; i < 3; i++)
		qbuf(&c, i);
	streamon(c.fd);
	for (i = 0; i < 3; i++) {
		b = dqbuf(&c);
		CHECK_EQ(b.sequence, i);
		CHECK_EQ(!!(b.flags & V4L2_BUF_FLAG_ERROR), i == 0);
		qbuf(&c, b.index);
	}
	streamoff(c.fd);
	CHECK_EQ(edu_sysfs(EDU_BDF, "error_frames"), 1);
	CHECK_EQ(sh("grep -qx 0 " PARAM_DIR "fail_frames"), 0);
	cap_close(&c);
}

/*
 * Frame intervals the device can keep: S_PARM 1 s paces the frames.  The
 * driver starts a frame every second; the timestamps (frame ends) move by
 * how long each frame's transfers took, so each gap may differ from 1 s by
 * up to a frame's time, but never comes near the device's 0.2 s.
 */
TEST(frame_interval_paced)
{
	struct v4l2_streamparm sp = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
	uint64_t t[4];
	struct cap c;
	unsigned int i;

	edu_load();
	cap_open(&c, EDU_BDF, 64, 48, 4);
	sp.parm.capture.timeperframe = (struct v4l2_fract){ 1, 1 };
	CHECK_OK(ioctl(c.fd, VIDIOC_S_PARM, &sp));
	CHECK_EQ(sp.parm.capture.timeperframe.denominator, 1);
	for (i = 0; i < 4; i++)
		qbuf(&c, i);
	streamon(c.fd);
	for (i = 0; i < 4; i++) {
		struct v4l2_buffer b = dqbuf(&c);

		CHECK_EQ(b.sequence, i);
		t[i] = ts_ns(&b);
	}
	streamoff(c.fd);
	for (i = 1; i < 4; i++)
		if (t[i] - t[i - 1] < 600000000ULL || t[i] - t[i - 1] > 3000000000ULL)
			FAILF("frames %u ms apart at 1 s a frame",
			      (unsigned int)((t[i] - t[i - 1]) / 1000000));
	if (t[3] - t[0] < 2700000000ULL)
		FAILF("3 frame intervals in %u ms at 1 s a frame",
		      (unsigned int)((t[3] - t[0]) / 1000000));
	set_fastest(c.fd);
	cap_close(&c);
}

TEST_TIMEOUT(module_param_bad_input, 300)
{
	edu_load();
	edu_unload();
	CHECK(sh("modprobe " MOD " dma_bits=garbage 2>/dev/null") != 0);
	CHECK(sh("modprobe " MOD " dma_bits=" EDU_WIDE_BDF ":99 2>/dev/null") != 0);
	CHECK(sh("modprobe " MOD " dma_bits=:64 2>/dev/null") != 0);
	CHECK(!module_loaded(MOD));
	/* Read-only after loading. */
	edu_load();
	CHECK_ERRNO(write_file(PARAM_DIR "dma_bits", "x:28"), EACCES);
	edu_unload();
}

/* -- revocation while streaming --------------------------------------------- */

struct waiter {
	int fd;
	int ret, err;
};

static void *dqbuf_waiter(void *arg)
{
	struct waiter *w = arg;
	struct v4l2_buffer b = {
		.type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .memory = V4L2_MEMORY_MMAP,
	};

	w->ret = ioctl(w->fd, VIDIOC_DQBUF, &b);
	w->err = errno;
	return NULL;
}

static void touch(volatile uint8_t *p)
{
	p[0] = 1;
}

/*
 * Streams with every buffer mapped and a thread blocked in DQBUF, then
 * @revoke takes the device away: the waiter gets ENODEV, the mappings
 * SIGBUS, every call ENODEV; close and munmap work.  The kernel log stays
 * clean (the VM checks it; the debug kernel's DMA-API checks included).
 */
static void revoke_while_streaming(const char *bdf, const char *revoke,
				   const char *restore)
{
	struct v4l2_capability cap;
	struct waiter w;
	pthread_t th;
	struct cap c;
	unsigned int i;
	char buf[16];

	edu_load();
	cap_open(&c, bdf, 128, 96, 3);
	qbuf(&c, 0);
	streamon(c.fd);
	(void)dqbuf(&c);
	w.fd = c.fd;			/* nothing queued: it waits */
	CHECK_OK(pthread_create(&th, NULL, dqbuf_waiter, &w));
	usleep(300000);
	if (sh("%s", revoke))
		FAILF("'%s' failed", revoke);
	CHECK_OK(pthread_join(th, NULL));
	CHECK_EQ(w.ret, -1);
	CHECK_EQ(w.err, ENODEV);
	for (i = 0; i < c.n; i++)
		EXPECT_SIGNAL(SIGBUS, touch(c.map[i]));
	CHECK_ERRNO(ioctl(c.fd, VIDIOC_QUERYCAP, &cap), ENODEV);
	CHECK_ERRNO(read(c.fd, buf, sizeof(buf)), ENODEV);
	CHECK_ERRNO(mmap(NULL, 4096, PROT_READ, MAP_SHARED, c.fd, 0), ENODEV);
	struct pollfd p = { .fd = c.fd, .events = POLLIN };
	CHECK_EQ(poll(&p, 1, 0), 1);
	CHECK(p.revents & POLLERR);
	CHECK(!edu_node_or_null(bdf));
	cap_close(&c);
	/* Back: the function works again. */
	if (sh("%s", restore))
		FAILF("'%s' failed", restore);
	capture_check(bdf, 64, 48, 2, 2);
}

TEST(unbind_while_streaming)
{
	revoke_while_streaming(EDU_BDF,
		"echo " EDU_BDF " > /sys/bus/pci/drivers/" MOD "/unbind",
		"echo " EDU_BDF " > /sys/bus/pci/drivers/" MOD "/bind");
}

TEST(remove_while_streaming)
{
	revoke_while_streaming(EDU_WIDE_BDF,
		"echo 1 > /sys/bus/pci/devices/" EDU_WIDE_BDF "/remove",
		"echo 1 > /sys/bus/pci/rescan");
	CHECK_EQ(pci_present(EDU_WIDE_BDF), 1);
}

/*
 * rmmod while a file is open and buffers mapped: refused (the mappings'
 * code lives in the module), the stream unaffected; once closed, it goes
 * and leaves both functions unbound.
 */
TEST(rmmod_while_streaming)
{
	struct v4l2_buffer b;
	struct cap c;
	unsigned int i;

	edu_load();
	cap_open(&c, EDU_BDF, 64, 48, 3);
	for (i = 0; i < 3; i++)
		qbuf(&c, i);
	streamon(c.fd);
	CHECK_ERRNO(syscall(SYS_delete_module, MOD, O_NONBLOCK), EWOULDBLOCK);
	for (i = 0; i < 3; i++) {
		b = dqbuf(&c);
		CHECK_EQ(b.sequence, i);
		CHECK_EQ(check_frame(c.map[b.index], 64, 48), i);
		qbuf(&c, b.index);
	}
	close(c.fd);
	/* The mappings alone still hold the module. */
	CHECK_ERRNO(syscall(SYS_delete_module, MOD, O_NONBLOCK), EWOULDBLOCK);
	for (i = 0; i < c.n; i++)
		munmap(c.map[i], c.len[i]);
	CHECK_OK(syscall(SYS_delete_module, MOD, O_NONBLOCK));
	CHECK(access("/sys/bus/pci/devices/" EDU_BDF "/driver", F_OK) != 0);
	CHECK(access("/sys/bus/pci/devices/" EDU_WIDE_BDF "/driver", F_OK) != 0);
}

/* -- unmodified clients ------------------------------------------------------- */

/* The tool is there (scripts/deps installs it); the device at full speed. */
static void need_tool(const char *tool)
{
	const char *bdfs[] = { EDU_BDF, EDU_WIDE_BDF };
	unsigned int i;
	int fd;

	if (sh("command -v %s >/dev/null", tool))
		FAILF("%s is not installed: scripts/deps installs it", tool);
	edu_load();
	for (i = 0; i < 2; i++) {
		fd = edu_open(bdfs[i], O_RDWR);
		set_fastest(fd);
		close(fd);
	}
}

TEST_TIMEOUT(client_v4l2_ctl, 120)
{
	const char *out = "/tmp/edu-v4l2-ctl.raw";

	need_tool("v4l2-ctl");
	CHECK_EQ(sh("v4l2-ctl -d %s --set-fmt-video=width=128,height=96,pixelformat=GREY "
		    "--stream-mmap --stream-count=3 --stream-to=%s 2>&1",
		    edu_node(EDU_BDF), out), 0);
	check_frame_file(out, 128, 96, 3);
	CHECK_EQ(sh("v4l2-ctl -d %s --set-fmt-video=width=64,height=48 "
		    "--stream-mmap --stream-count=4 --stream-to=%s 2>&1",
		    edu_node(EDU_WIDE_BDF), out), 0);
	check_frame_file(out, 64, 48, 4);
}

TEST_TIMEOUT(client_ffmpeg, 180)
{
	const char *out = "/tmp/edu-ffmpeg.raw";

	need_tool("ffmpeg");
	CHECK_EQ(sh("ffmpeg -nostdin -loglevel error -f v4l2 -input_format gray "
		    "-video_size 64x64 -i %s -frames:v 3 -fps_mode passthrough "
		    "-f rawvideo -pix_fmt gray -y %s 2>&1",
		    edu_node(EDU_BDF), out), 0);
	check_frame_file(out, 64, 64, 3);
}

#define GST_DIR "/usr/lib/x86_64-linux-gnu/gstreamer-1.0"

TEST_TIMEOUT(client_gstreamer, 180)
{
	const char *out = "/tmp/edu-gst.raw";

	need_tool("gst-launch-1.0");
	/*
	 * Only the two plugins the pipeline uses, so GStreamer's first run
	 * (every boot: the guest's $HOME is a tmpfs) does not scan them all.
	 */
	sh("mkdir -p /tmp/edu-gst && ln -sf %s/libgstcoreelements.so "
	   "%s/libgstvideo4linux2.so /tmp/edu-gst/", GST_DIR, GST_DIR);
	setenv("GST_PLUGIN_SYSTEM_PATH_1_0", "/tmp/edu-gst", 1);
	setenv("GST_REGISTRY_1_0", "/tmp/edu-gst/registry.bin", 1);
	CHECK_EQ(sh("gst-launch-1.0 -q v4l2src device=%s num-buffers=3 ! "
		    "video/x-raw,format=GRAY8,width=128,height=96 ! "
		    "filesink location=%s 2>&1", edu_node(EDU_BDF), out), 0);
	check_frame_file(out, 128, 96, 3);
}

/* mapdev grab: frames as PGM images, a JSON summary. */
TEST_TIMEOUT(grab_tool, 120)
{
	const char *dir = "/tmp/edu-grab", *json = "/tmp/edu-grab.json";
	char line[4096], name[128];
	unsigned int i, w, h, max;
	uint8_t f[64 * 64];
	FILE *fp;

	edu_load();
	sh("rm -rf %s", dir);
	CHECK_EQ(sh("%s grab %s --frames 3 --size 64x64 --out %s --json > %s "
		    "2> %s.err", tu_tool(), edu_node(EDU_BDF), dir, json, json), 0);
	/* Not a terminal: no live line. */
	CHECK_EQ(sh("test -s %s.err", json), 1);
	fp = fopen(json, "r");
	CHECK(fp);
	CHECK(fread(line, 1, sizeof(line) - 1, fp) > 0);
	fclose(fp);
	CHECK(strstr(line, "\"driver\": \"mapdev_edu\""));
	CHECK(strstr(line, "\"width\": 64, \"height\": 64"));
	CHECK(strstr(line, "\"frames\": 3, \"failed\": 0, \"dropped\": 0"));
	CHECK(strstr(line, "\"first_sequence\": 0, \"last_sequence\": 2"));
	CHECK(strstr(line, "\"written\": 3, \"pattern\": \"ok\"}"));
	for (i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "%s/frame-%06u.pgm", dir, i);
		fp = fopen(name, "rb");
		if (!fp)
			FAILF("%s: %s", name, strerror(errno));
		CHECK_EQ(fscanf(fp, "P5 %u %u %u", &w, &h, &max), 3);
		CHECK(w == 64 && h == 64 && max == 255);
		CHECK_EQ(fgetc(fp), '\n');
		CHECK_EQ(fread(f, 1, sizeof(f), fp), sizeof(f));
		fclose(fp);
		CHECK_EQ(check_frame(f, 64, 64), i);
	}
	/* Not a capture device; quiet when not a terminal. */
	CHECK_EQ(sh("%s grab /dev/null --frames 1 2>/dev/null", tu_tool()), 1);
}

/* Last: mapdev_edu is gone and both functions unbound for the next suites. */
TEST(zz_unloaded)
{
	sh("rmmod " MOD " 2>/dev/null");
	CHECK(!module_loaded(MOD));
	CHECK(access("/sys/bus/pci/devices/" EDU_BDF "/driver", F_OK) != 0);
	CHECK(access("/sys/bus/pci/devices/" EDU_WIDE_BDF "/driver", F_OK) != 0);
}
