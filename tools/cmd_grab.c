// SPDX-License-Identifier: GPL-2.0
/*
 * mapdev grab: stream frames from a V4L2 capture device (mapdev_edu, or
 * any that gives 8-bit grey), MMAP I/O, and write them as PGM images.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <linux/videodev2.h>

#include "mapdev-tool.h"

#define GRAB_BUFFERS	4

static const char grab_usage[] =
"Usage: mapdev grab DEVICE [--frames N] [--out DIR] [--size WxH]\n"
"                   [--timeout MS] [--verbose] [--json]\n"
"\n"
"Stream frames from a V4L2 capture device (e.g. /dev/video0 of mapdev_edu),\n"
"with memory-mapped buffers, and count them, the dropped ones (gaps in the\n"
"sequence numbers) and the failed ones.  On a terminal a line shows the\n"
"rate as they come.  The format must be 8-bit grey (GREY).\n"
"\n"
"  -n, --frames N     frames to capture (default 10)\n"
"  -o, --out DIR      write each frame as DIR/frame-SEQUENCE.pgm\n"
"  -s, --size WxH     ask for this size first (the driver picks the nearest)\n"
"  -t, --timeout MS   give up when no frame comes for MS milliseconds\n"
"  -v, --verbose      a line a frame: sequence, timestamp, bytes\n"
"  -j, --json         a summary object at the end\n"
"\n"
"For mapdev_edu the frames' test pattern is checked too.\n";

struct grab {
	const char *path;
	int fd;
	struct v4l2_capability cap;
	struct v4l2_pix_format pix;
	void *map[GRAB_BUFFERS];
	size_t len[GRAB_BUFFERS];
	unsigned int nbuf;
	uint64_t frames, errors, dropped, written;
	uint32_t first_seq, last_seq;
	int pattern;		/* -1: not checked, 0: bad, 1: ok */
};

static int xioctl(int fd, unsigned long req, void *arg)
{
	int r;

	do
		r = ioctl(fd, req, arg);
	while (r < 0 && errno == EINTR);
	return r;
}

/* mapdev_edu's pattern (docs/ABI.md): is the frame what it drew? */
static bool edu_frame_ok(const uint8_t *f, unsigned int w, unsigned int h,
			 unsigned int bpl)
{
	uint32_t seq = f[0] | f[1] << 8 | f[2] << 16 | (uint32_t)f[3] << 24;
	unsigned int r, x;

	if (w < 8)
		return false;
	for (r = 0; r < h; r++) {
		const uint8_t *p = f + (size_t)r * bpl;
		uint16_t sum = 0;

		if ((p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24) != seq ||
		    (unsigned int)(p[4] | p[5] << 8) != r)
			return false;
		for (x = 0; x < w; x++) {
			if (x == 6 || x == 7)
				continue;
			sum += p[x];
			if (x >= 8 && p[x] != (uint8_t)(x + r + 4 * seq))
				return false;
		}
		if ((p[6] | p[7] << 8) != sum)
			return false;
	}
	return true;
}

static int write_pgm(struct grab *g, const char *dir, const uint8_t *f,
		     uint32_t seq)
{
	char path[4096];
	unsigned int r;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/frame-%06u.pgm", dir, seq);
	fp = fopen(path, "wbe");
	if (!fp)
		return fail("%s: %s", path, strerror(errno));
	fprintf(fp, "P5\n%u %u\n255\n", g->pix.width, g->pix.height);
	for (r = 0; r < g->pix.height; r++)
		fwrite(f + (size_t)r * g->pix.bytesperline, 1, g->pix.width, fp);
	if (fclose(fp))
		return fail("%s: %s", path, strerror(errno));
	g->written++;
	return 0;
}

static int grab_setup(struct grab *g, const char *size)
{
	struct v4l2_format f = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
	struct v4l2_requestbuffers rb = {
		.count = GRAB_BUFFERS, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
		.memory = V4L2_MEMORY_MMAP,
	};
	unsigned int i, w, h;
	uint32_t caps;

	if (xioctl(g->fd, VIDIOC_QUERYCAP, &g->cap))
		return fail("%s: not a V4L2 device (%s)", g->path,
			    strerror(errno));
	caps = g->cap.capabilities & V4L2_CAP_DEVICE_CAPS ?
	       g->cap.device_caps : g->cap.capabilities;
	if (!(caps & V4L2_CAP_VIDEO_CAPTURE) || !(caps & V4L2_CAP_STREAMING))
		return fail("%s: not a video capture device with streaming I/O",
			    g->path);
	if (xioctl(g->fd, VIDIOC_G_FMT, &f))
		return fail("%s: VIDIOC_G_FMT: %s", g->path, strerror(errno));
	if (size) {
		sscanf(size, "%ux%u", &w, &h);
		f.fmt.pix.width = w;
		f.fmt.pix.height = h;
		f.fmt.pix.pixelformat = V4L2_PIX_FMT_GREY;
		if (xioctl(g->fd, VIDIOC_S_FMT, &f))
			return fail("%s: VIDIOC_S_FMT %s: %s", g->path, size,
				    strerror(errno));
	}
	g->pix = f.fmt.pix;
	if (g->pix.pixelformat != V4L2_PIX_FMT_GREY)
		return fail("%s: the format is not 8-bit grey (GREY)", g->path);
	if (xioctl(g->fd, VIDIOC_REQBUFS, &rb))
		return fail("%s: VIDIOC_REQBUFS: %s", g->path, strerror(errno));
	if (!rb.count)
		return fail("%s: the driver gave no buffers", g->path);
	g->nbuf = rb.count < GRAB_BUFFERS ? rb.count : GRAB_BUFFERS;
	for (i = 0; i < g->nbuf; i++) {
		struct v4l2_buffer b = {
			.index = i, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
			.memory = V4L2_MEMORY_MMAP,
		};

		if (xioctl(g->fd, VIDIOC_QUERYBUF, &b))
			return fail("%s: VIDIOC_QUERYBUF: %s", g->path,
				    strerror(errno));
		g->map[i] = mmap(NULL, b.length, PROT_READ, MAP_SHARED, g->fd,
				 b.m.offset);
		if (g->map[i] == MAP_FAILED) {
			g->map[i] = NULL;
			return fail("%s: mmap: %s", g->path, strerror(errno));
		}
		g->len[i] = b.length;
		if (xioctl(g->fd, VIDIOC_QBUF, &b))
			return fail("%s: VIDIOC_QBUF: %s", g->path,
				    strerror(errno));
	}
	g->pattern = strcmp((char *)g->cap.driver, "mapdev_edu") ? -1 : 1;
	return 0;
}

/* The rate from the frames' own timestamps, first to last. */
static void live_line(struct grab *g, uint64_t first_ts, uint64_t last_ts)
{
	double s = (double)(last_ts - first_ts) / 1e9;

	fprintf(stderr, "\rgrab: %llu frames, %.2f fps, %llu dropped, %llu failed",
		(unsigned long long)g->frames,
		s > 0 ? (g->frames - 1) / s : 0.0,
		(unsigned long long)g->dropped, (unsigned long long)g->errors);
	fflush(stderr);
}

static void print_json(struct grab *g, const char *out, double secs)
{
	printf("{\"device\": ");
	json_str(stdout, g->path);
	printf(", \"driver\": ");
	json_str(stdout, (char *)g->cap.driver);
	printf(", \"card\": ");
	json_str(stdout, (char *)g->cap.card);
	printf(", \"bus_info\": ");
	json_str(stdout, (char *)g->cap.bus_info);
	printf(",\n \"width\": %u, \"height\": %u, \"format\": \"GREY\",\n",
	       g->pix.width, g->pix.height);
	printf(" \"frames\": %llu, \"failed\": %llu, \"dropped\": %llu, "
	       "\"first_sequence\": %u, \"last_sequence\": %u,\n",
	       (unsigned long long)g->frames, (unsigned long long)g->errors,
	       (unsigned long long)g->dropped, g->first_seq, g->last_seq);
	printf(" \"seconds\": %.3f, \"fps\": %.3f, \"out\": ", secs,
	       secs > 0 && g->frames > 1 ? (g->frames - 1) / secs : 0.0);
	json_str(stdout, out);
	printf(", \"written\": %llu, \"pattern\": %s}\n",
	       (unsigned long long)g->written,
	       g->pattern < 0 ? "null" : g->pattern ? "\"ok\"" : "\"bad\"");
}

int cmd_grab(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "frames", required_argument, NULL, 'n' },
		{ "out", required_argument, NULL, 'o' },
		{ "size", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	struct grab g = { .fd = -1 };
	uint64_t want = 10, timeout = 0, first_ts = 0, last_ts = 0;
	const char *out = NULL, *size = NULL;
	bool json = false, verbose = false, live, has_timeout = false;
	int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	int c, ret = EXIT_FAIL;
	unsigned int i, w, h;
	char extra;

	if (wants_help(argc, argv)) {
		fputs(grab_usage, stdout);
		return EXIT_OK;
	}
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":n:o:s:t:vjh", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (parse_number(optarg, &want) || !want ||
			    want > UINT32_MAX)
				return usage_error("bad frame count '%s': expected "
						   "a number from 1 to %u",
						   optarg, UINT32_MAX);
			break;
		case 'o':
			out = optarg;
			break;
		case 's':
			if (sscanf(optarg, "%ux%u%c", &w, &h, &extra) != 2 ||
			    !w || !h)
				return usage_error("bad size '%s': expected "
						   "WIDTHxHEIGHT, e.g. 128x96",
						   optarg);
			size = optarg;
			break;
		case 't':
			if (parse_number(optarg, &timeout) || !timeout ||
			    timeout > INT32_MAX)
				return usage_error("bad timeout '%s': expected "
						   "milliseconds, e.g. 5000",
						   optarg);
			has_timeout = true;
			break;
		case 'j':
			json = true;
			break;
		case 'v':
			verbose = true;
			break;
		default:
			return getopt_error(c, argv);
		}
	}
	if (argc - optind < 1)
		return usage_error("missing DEVICE (a V4L2 node such as "
				   "/dev/video0)");
	if (argc - optind > 1)
		return usage_error("unexpected argument '%s'", argv[optind + 1]);
	g.path = argv[optind];
	if (out && mkdir(out, 0777) && errno != EEXIST)
		return fail("%s: %s", out, strerror(errno));

	g.fd = open(g.path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (g.fd < 0)
		return fail("%s: %s", g.path, strerror(errno));
	if (grab_setup(&g, size))
		goto out;
	if (xioctl(g.fd, VIDIOC_STREAMON, &type)) {
		fail("%s: VIDIOC_STREAMON: %s", g.path, strerror(errno));
		goto out;
	}
	/* The live line on a terminal; --verbose's lines are progress enough. */
	live = isatty(STDERR_FILENO) && !verbose;
	while (g.frames < want) {
		struct pollfd p = { .fd = g.fd, .events = POLLIN };
		struct v4l2_buffer b = {
			.type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
			.memory = V4L2_MEMORY_MMAP,
		};
		const uint8_t *f;
		int n = poll(&p, 1, has_timeout ? (int)timeout : -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fail("%s: poll: %s", g.path, strerror(errno));
			goto stop;
		}
		if (!n) {
			fail("%s: no frame for %llu ms", g.path,
			     (unsigned long long)timeout);
			goto stop;
		}
		if (xioctl(g.fd, VIDIOC_DQBUF, &b)) {
			if (errno == EAGAIN)
				continue;
			fail("%s: VIDIOC_DQBUF: %s", g.path, strerror(errno));
			goto stop;
		}
		if (g.frames)
			g.dropped += b.sequence - g.last_seq - 1;
		else
			g.first_seq = b.sequence;
		g.last_seq = b.sequence;
		g.frames++;
		last_ts = b.timestamp.tv_sec * 1000000000ull +
			  b.timestamp.tv_usec * 1000ull;
		if (g.frames == 1)
			first_ts = last_ts;
		f = g.map[b.index];
		if (b.flags & V4L2_BUF_FLAG_ERROR) {
			g.errors++;
		} else {
			if (g.pattern == 1 &&
			    !edu_frame_ok(f, g.pix.width, g.pix.height,
					  g.pix.bytesperline))
				g.pattern = 0;
			if (out && write_pgm(&g, out, f, b.sequence))
				goto stop;
		}
		if (verbose) {
			printf("frame %u: %llu.%06llu s, %u bytes%s\n", b.sequence,
			       (unsigned long long)b.timestamp.tv_sec,
			       (unsigned long long)b.timestamp.tv_usec,
			       b.bytesused,
			       b.flags & V4L2_BUF_FLAG_ERROR ? ", failed" : "");
			fflush(stdout);
		}
		if (xioctl(g.fd, VIDIOC_QBUF, &b)) {
			fail("%s: VIDIOC_QBUF: %s", g.path, strerror(errno));
			goto stop;
		}
		if (live)
			live_line(&g, first_ts, last_ts);
	}
	ret = EXIT_OK;
stop:
	if (live && g.frames)
		fputc('\n', stderr);
	xioctl(g.fd, VIDIOC_STREAMOFF, &type);
	if (ret == EXIT_OK && g.pattern == 0)
		ret = fail("%s: frames do not carry mapdev_edu's test pattern",
			   g.path);
	if (json)
		print_json(&g, out, (double)(last_ts - first_ts) / 1e9);
	else if (ret == EXIT_OK)
		printf("%s: %llu frames %ux%u GREY, %llu dropped, %llu failed%s%s\n",
		       g.path, (unsigned long long)g.frames, g.pix.width,
		       g.pix.height, (unsigned long long)g.dropped,
		       (unsigned long long)g.errors, out ? ", written to " : "",
		       out ? out : "");
out:
	for (i = 0; i < g.nbuf; i++)
		if (g.map[i])
			munmap(g.map[i], g.len[i]);
	close(g.fd);
	return ret;
}
