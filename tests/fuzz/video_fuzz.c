// SPDX-License-Identifier: GPL-2.0
/*
 * video_fuzz: seeded random call sequences on a mapdev_edu V4L2 node
 * (/dev/videoN), every result checked against a model of the vb2 queue.
 *
 *   video_fuzz [--node /dev/videoN] [--seed S] [--calls N] [--time SECONDS]
 *              [--trace]
 *
 * The calls: open and close (close mid-stream, with DMA in flight, too),
 * QUERYCAP, the format ioctls with sizes and formats the device can and
 * cannot do, REQBUFS and CREATE_BUFS with absurd counts and every memory
 * type, QUERYBUF, QBUF and DQBUF of good, foreign, stale and out-of-range
 * indexes, STREAMON/STREAMOFF (of the wrong type too), read() (the READ I/O
 * method, which then owns the queue), EXPBUF and the exported fd's mmap,
 * mmap of good and bad offsets, sizes and flags, touches of every live
 * mapping (orphaned ones included: vb2 keeps a freed buffer's memory while
 * it is mapped), and ioctls the driver does not implement.
 *
 * The model knows which fd owns the queue, how many buffers it has, their
 * memory type and which are queued, whether it streams or reads; each
 * call's result must be the one vb2 and mapdev_edu document for that state
 * (an errno where one is due, and success where none is), and after each
 * call QUERYBUF must agree with the model's buffer count and queue states.
 * Dequeued frames must carry the pattern's row headers (docs/ABI.md) and
 * strictly increasing sequence numbers within a stream.
 *
 * Runs in the test VM with mapdev_edu loaded (tests/vm/fuzz_check.c sets it
 * up); exits 1 after the first PROBLEM lines, printing the replay command.
 * The last lines: "video_fuzz: N calls in T s, ..." and "...: no problem".
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/videodev2.h>

#define NFD	4
#define NMAP	24
#define MAXBUF	32	/* VB2_MAX_FRAME */
#define PG	4096UL

static const struct { unsigned int w, h; } sizes[] = {
	{ 64, 48 }, { 64, 64 }, { 128, 96 },
};

/* -- the model ---------------------------------------------------------------- */

static struct {
	int fd[NFD];			/* -1: closed */
	int nonblock[NFD];
	unsigned int fid[NFD];		/* the open file behind each fd */
	unsigned int next_fid;
	unsigned int owner;		/* the file owning the queue, 0: none */
	int nbufs;			/* buffers the queue has */
	int memory;			/* their V4L2_MEMORY_*, 0: none */
	int streaming;			/* STREAMON by the owner */
	int fileio;			/* read() set the queue up */
	int queued[MAXBUF];		/* queued (or done, not yet dequeued) */
	unsigned int bsize[MAXBUF];	/* each buffer's size */
	unsigned int w, h, sizeimage;	/* the format */
	uint32_t last_seq;
	int have_seq;
	unsigned int rpos;		/* read(): offset in the current frame */
	int dmabuf_ok;			/* the node imports dma-bufs */
	int read_drops_owner;		/* vb2 behaviours that changed */
	int release_ownerless;		/* (learnt: learn_vb2()) */
	/* A mapping keeps its file open (and owning) after close(). */
	struct { uint8_t *p; size_t len; unsigned int fid; } map[NMAP];
} M;

static const char *node;
static unsigned long long calls, ncalls = 2000, seed = 1;
static double time_limit = 60, t0;
static int tracing;
static long problems;
static unsigned long long frames, rframes, maps_ok, touches, expbufs;
static char desc[256];

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t rng_state;
static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned int below(unsigned int n) { return n ? rnd() % n : 0; }
static int chance(int pct) { return below(100) < (unsigned int)pct; }

static void problem(const char *fmt, ...)
{
	va_list ap;

	printf("PROBLEM call %llu (%s): ", calls, desc);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	problems++;
}

static void trace(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(desc, sizeof(desc), fmt, ap);
	va_end(ap);
	if (tracing)
		printf("call %llu: %s\n", calls, desc);
}

/*
 * The verdict on one call: @r its result (-1 and errno), @want the errno
 * the model predicts (0: success).
 */
static void judge(long r, int err, int want)
{
	if (want == 0 && r < 0)
		problem("failed with %s, the model says it succeeds", strerror(err));
	else if (want && r >= 0)
		problem("succeeded, the model says %s", strerror(want));
	else if (want && err != want)
		problem("failed with %s, the model says %s", strerror(err),
			strerror(want));
}

static int xioctl(int fd, unsigned long cmd, void *arg)
{
	int r;

	do
		r = ioctl(fd, cmd, arg);
	while (r < 0 && errno == EINTR);
	return r;
}

/* The queue is another fd's: vb2's ioctls and read() say EBUSY. */
static int busy_for(int s)
{
	return M.owner && M.owner != M.fid[s];
}

/* Is @s's file the owner? */
static int owns(int s)
{
	return M.owner && M.owner == M.fid[s];
}

static int pick_open(void)
{
	int tries, s;

	for (tries = 0; tries < 8; tries++) {
		s = below(NFD);
		if (M.fd[s] >= 0)
			return s;
	}
	return -1;
}

static void queue_gone(void)
{
	M.owner = 0;
	M.nbufs = 0;
	M.memory = 0;
	M.streaming = 0;
	M.fileio = 0;
	M.rpos = 0;
	memset(M.queued, 0, sizeof(M.queued));
}

/*
 * The file @fid lost an fd or a mapping: with none left it is released,
 * and vb2_fop_release frees the queue if the file owned it.
 */
static void file_put(unsigned int fid)
{
	int i;

	for (i = 0; i < NFD; i++)
		if (M.fd[i] >= 0 && M.fid[i] == fid)
			return;
	for (i = 0; i < NMAP; i++)
		if (M.map[i].p && M.map[i].fid == fid)
			return;
	if (M.owner == fid || (!M.owner && M.release_ownerless))
		queue_gone();
}

/* -- touching mappings ------------------------------------------------------- */

static sigjmp_buf touch_jmp;
static volatile sig_atomic_t in_touch;

static void on_fault(int sig)
{
	if (in_touch)
		siglongjmp(touch_jmp, sig);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* 0, or the signal a read of @p took. */
static int touch(const volatile uint8_t *p)
{
	int sig = sigsetjmp(touch_jmp, 1);

	if (sig) {
		in_touch = 0;
		return sig;
	}
	in_touch = 1;
	(void)*p;
	in_touch = 0;
	return 0;
}

static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The pattern's row headers: sequence, then the row number. */
static const char *frame_headers(const uint8_t *f, unsigned int w,
				 unsigned int h, uint32_t *seq)
{
	unsigned int r;

	*seq = le32(f);
	for (r = 0; r < h; r++) {
		const uint8_t *p = f + (size_t)r * w;

		if (le32(p) != *seq)
			return "a row's sequence differs from row 0's";
		if ((unsigned int)(p[4] | p[5] << 8) != r)
			return "a row's number is wrong";
	}
	return NULL;
}

static void check_seq(uint32_t seq, const char *how)
{
	if (M.have_seq && (int32_t)(seq - M.last_seq) <= 0)
		problem("%s: frame sequence %u after %u", how, seq, M.last_seq);
	M.last_seq = seq;
	M.have_seq = 1;
}

/* -- the model's check after every call ----------------------------------------- */

static void check_queue(void)
{
	struct v4l2_buffer b;
	int s, i;

	if (M.fileio)
		return;		/* read()'s own buffers: not the model's */
	for (s = 0; s < NFD && M.fd[s] < 0; s++)
		;
	if (s == NFD)
		return;
	for (i = 0; i <= M.nbufs && i < MAXBUF + 1; i++) {
		memset(&b, 0, sizeof(b));
		b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
		b.index = i;
		if (i == M.nbufs) {
			if (!xioctl(M.fd[s], VIDIOC_QUERYBUF, &b))
				problem("QUERYBUF %d succeeds: the model has %d buffers",
					i, M.nbufs);
			break;
		}
		if (xioctl(M.fd[s], VIDIOC_QUERYBUF, &b)) {
			problem("QUERYBUF %d: %s; the model has %d buffers", i,
				strerror(errno), M.nbufs);
			break;
		}
		if ((int)b.memory != M.memory)
			problem("buffer %d: memory %u, the model says %d", i,
				b.memory, M.memory);
		if (!!(b.flags & (V4L2_BUF_FLAG_QUEUED | V4L2_BUF_FLAG_DONE)) !=
		    M.queued[i])
			problem("buffer %d: flags 0x%x, the model says %s", i,
				b.flags, M.queued[i] ? "queued" : "dequeued");
	}
}

/* -- the calls ----------------------------------------------------------------- */

static void op_open(void)
{
	int s, nb = chance(70);

	for (s = 0; s < NFD && M.fd[s] >= 0; s++)
		;
	if (s == NFD)
		return;
	trace("open %s%s -> slot %d", node, nb ? " O_NONBLOCK" : "", s);
	M.fd[s] = open(node, O_RDWR | O_CLOEXEC | (nb ? O_NONBLOCK : 0));
	if (M.fd[s] < 0)
		problem("open: %s", strerror(errno));
	M.nonblock[s] = nb;
	M.fid[s] = ++M.next_fid;
}

static void op_close(void)
{
	int s = pick_open();

	if (s < 0)
		return;
	trace("close slot %d%s%s", s, owns(s) ? " (the owner)" : "",
	      M.streaming && owns(s) ? " mid-stream" : "");
	if (close(M.fd[s]))
		problem("close: %s", strerror(errno));
	M.fd[s] = -1;
	file_put(M.fid[s]);
}

static void op_fmt(void)
{
	int s = pick_open(), which = below(4), wrong_type = chance(8);
	struct v4l2_format f = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
	unsigned int i;
	int r, want = 0;

	if (s < 0)
		return;
	if (wrong_type)
		f.type = chance(50) ? V4L2_BUF_TYPE_VIDEO_OUTPUT : 0x77;
	f.fmt.pix.width = chance(30) ? rnd() : below(300);
	f.fmt.pix.height = chance(30) ? rnd() : below(300);
	f.fmt.pix.pixelformat = chance(70) ? V4L2_PIX_FMT_GREY : (uint32_t)rnd();
	f.fmt.pix.field = below(10);
	if (which == 0) {
		trace("G_FMT slot %d type %u", s, f.type);
		r = xioctl(M.fd[s], VIDIOC_G_FMT, &f);
		judge(r, errno, wrong_type ? EINVAL : 0);
		if (!r && !wrong_type &&
		    (f.fmt.pix.width != M.w || f.fmt.pix.height != M.h))
			problem("G_FMT %ux%u, the model says %ux%u",
				f.fmt.pix.width, f.fmt.pix.height, M.w, M.h);
		return;
	}
	if (which == 1) {
		trace("TRY_FMT slot %d %ux%u type %u", s, f.fmt.pix.width,
		      f.fmt.pix.height, f.type);
		r = xioctl(M.fd[s], VIDIOC_TRY_FMT, &f);
		want = wrong_type ? EINVAL : 0;
	} else {
		trace("S_FMT slot %d %ux%u type %u", s, f.fmt.pix.width,
		      f.fmt.pix.height, f.type);
		r = xioctl(M.fd[s], VIDIOC_S_FMT, &f);
		/* Buffers of the old size exist (read()'s own too). */
		want = wrong_type ? EINVAL : M.nbufs || M.fileio ? EBUSY : 0;
	}
	judge(r, errno, want);
	if (r)
		return;
	for (i = 0; i < 3; i++)
		if (f.fmt.pix.width == sizes[i].w && f.fmt.pix.height == sizes[i].h)
			break;
	if (i == 3 || f.fmt.pix.pixelformat != V4L2_PIX_FMT_GREY ||
	    f.fmt.pix.sizeimage != f.fmt.pix.width * f.fmt.pix.height ||
	    f.fmt.pix.bytesperline != f.fmt.pix.width ||
	    f.fmt.pix.field != V4L2_FIELD_NONE)
		problem("format %ux%u, fourcc 0x%x, %u bytes, %u a line, field %u: not one the device has",
			f.fmt.pix.width, f.fmt.pix.height, f.fmt.pix.pixelformat,
			f.fmt.pix.sizeimage, f.fmt.pix.bytesperline, f.fmt.pix.field);
	if (which != 1) {
		M.w = f.fmt.pix.width;
		M.h = f.fmt.pix.height;
		M.sizeimage = f.fmt.pix.sizeimage;
	}
}

static void op_enum(void)
{
	int s = pick_open(), r;
	unsigned int idx = chance(80) ? below(5) : (unsigned int)rnd();

	if (s < 0)
		return;
	switch (below(4)) {
	case 0: {
		struct v4l2_fmtdesc d = { .index = idx,
					  .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };

		trace("ENUM_FMT slot %d index %u", s, idx);
		r = xioctl(M.fd[s], VIDIOC_ENUM_FMT, &d);
		judge(r, errno, idx ? EINVAL : 0);
		if (!r && d.pixelformat != V4L2_PIX_FMT_GREY)
			problem("ENUM_FMT 0 is 0x%x, not GREY", d.pixelformat);
		break;
	}
	case 1: {
		struct v4l2_frmsizeenum e = { .index = idx,
			.pixel_format = chance(80) ? V4L2_PIX_FMT_GREY : (uint32_t)rnd() };
		int ok = e.pixel_format == V4L2_PIX_FMT_GREY && idx < 3;

		trace("ENUM_FRAMESIZES slot %d index %u", s, idx);
		r = xioctl(M.fd[s], VIDIOC_ENUM_FRAMESIZES, &e);
		judge(r, errno, ok ? 0 : EINVAL);
		if (!r && ok && (e.discrete.width != sizes[idx].w ||
				 e.discrete.height != sizes[idx].h))
			problem("ENUM_FRAMESIZES %u: %ux%u", idx, e.discrete.width,
				e.discrete.height);
		break;
	}
	case 2: {
		unsigned int si = below(4);
		struct v4l2_frmivalenum e = { .index = idx,
			.pixel_format = V4L2_PIX_FMT_GREY,
			.width = si < 3 ? sizes[si].w : 65, .height = si < 3 ? sizes[si].h : 3 };

		trace("ENUM_FRAMEINTERVALS slot %d index %u %ux%u", s, idx,
		      e.width, e.height);
		r = xioctl(M.fd[s], VIDIOC_ENUM_FRAMEINTERVALS, &e);
		judge(r, errno, si < 3 && idx < 3 ? 0 : EINVAL);
		break;
	}
	default: {
		struct v4l2_streamparm p = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
		int wrong = chance(10);

		if (wrong)
			p.type = V4L2_BUF_TYPE_VIDEO_OUTPUT;
		/* Mostly the fastest rate (0/0): the slow ones are 1 and 2 s. */
		if (chance(10)) {
			p.parm.capture.timeperframe.numerator = rnd();
			p.parm.capture.timeperframe.denominator = below(5);
		}
		trace("S_PARM slot %d %u/%u", s, p.parm.capture.timeperframe.numerator,
		      p.parm.capture.timeperframe.denominator);
		r = xioctl(M.fd[s], VIDIOC_S_PARM, &p);
		judge(r, errno, wrong ? EINVAL : 0);
	}
	}
}

static int pick_memory(void)
{
	static const int mem[] = {
		V4L2_MEMORY_MMAP, V4L2_MEMORY_MMAP, V4L2_MEMORY_MMAP,
		V4L2_MEMORY_USERPTR, V4L2_MEMORY_DMABUF, V4L2_MEMORY_OVERLAY,
		0, 99,
	};

	return mem[below(sizeof(mem) / sizeof(mem[0]))];
}

static int memory_ok(int memory)
{
	return memory == V4L2_MEMORY_MMAP ||
	       (memory == V4L2_MEMORY_DMABUF && M.dmabuf_ok);
}

static void op_reqbufs(void)
{
	static const unsigned int counts[] = { 0, 1, 2, 3, 4, 8, 33, 1000, ~0U };
	int s = pick_open(), wrong = chance(5), r, want, i;
	struct v4l2_requestbuffers rb = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };

	if (s < 0)
		return;
	rb.count = counts[below(sizeof(counts) / sizeof(counts[0]))];
	rb.memory = pick_memory();
	if (wrong)
		rb.type = V4L2_BUF_TYPE_VIDEO_OUTPUT;
	trace("REQBUFS slot %d count %u memory %u%s", s, rb.count, rb.memory,
	      wrong ? " (output type)" : "");
	r = xioctl(M.fd[s], VIDIOC_REQBUFS, &rb);
	if (wrong || !memory_ok(rb.memory))
		want = EINVAL;
	else if (M.fileio || busy_for(s) || M.streaming)
		want = EBUSY;
	else
		want = 0;
	judge(r, errno, want);
	if (r)
		return;
	if (!rb.count) {
		queue_gone();
		return;
	}
	if (rb.count > MAXBUF)
		problem("REQBUFS gave %u buffers, more than vb2's %d", rb.count,
			MAXBUF);
	queue_gone();
	M.owner = M.fid[s];
	M.nbufs = rb.count > MAXBUF ? MAXBUF : rb.count;
	M.memory = rb.memory;
	for (i = 0; i < M.nbufs; i++)
		M.bsize[i] = M.sizeimage;
}

static void op_create_bufs(void)
{
	int s = pick_open(), r, want, i;
	struct v4l2_create_buffers cb = { .count = below(40),
					  .memory = pick_memory() };

	if (s < 0)
		return;
	cb.format.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	cb.format.fmt.pix = (struct v4l2_pix_format){
		.width = M.w, .height = M.h, .pixelformat = V4L2_PIX_FMT_GREY,
		.sizeimage = chance(80) ? M.sizeimage : below(2 * M.sizeimage),
	};
	trace("CREATE_BUFS slot %d count %u memory %u size %u", s, cb.count,
	      cb.memory, cb.format.fmt.pix.sizeimage);
	r = xioctl(M.fd[s], VIDIOC_CREATE_BUFS, &cb);
	if (!memory_ok(cb.memory))
		want = EINVAL;
	else if (!cb.count)
		want = 0;	/* only asks what the queue can do */
	else if (M.fileio || busy_for(s))
		want = EBUSY;
	else if (M.nbufs == MAXBUF)
		want = ENOBUFS;
	else if (M.nbufs && cb.memory != (unsigned int)M.memory)
		want = EINVAL;
	else if (cb.format.fmt.pix.sizeimage < M.sizeimage)
		want = EINVAL;
	else
		want = 0;
	judge(r, errno, want);
	if (r || !cb.count)
		return;
	if ((int)cb.index != M.nbufs || !cb.count || M.nbufs + cb.count > MAXBUF) {
		problem("CREATE_BUFS gave %u from index %u; the model had %d",
			cb.count, cb.index, M.nbufs);
		return;
	}
	M.owner = M.fid[s];
	M.memory = cb.memory;
	for (i = M.nbufs; i < (int)(cb.index + cb.count); i++)
		M.bsize[i] = cb.format.fmt.pix.sizeimage;
	M.nbufs = cb.index + cb.count;
}

static unsigned int pick_index(void)
{
	if (M.nbufs && chance(85))
		return below(M.nbufs);
	return chance(50) ? (unsigned int)M.nbufs + below(3) : (unsigned int)rnd();
}

static void op_qbuf(void)
{
	int s = pick_open(), r, want;
	struct v4l2_buffer b = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };

	if (s < 0)
		return;
	b.index = pick_index();
	b.memory = chance(90) && M.memory ? M.memory : pick_memory();
	if (b.memory == V4L2_MEMORY_DMABUF)
		b.m.fd = chance(50) ? -1 : 0;	/* not a dma-buf */
	trace("QBUF slot %d index %u memory %u", s, b.index, b.memory);
	r = xioctl(M.fd[s], VIDIOC_QBUF, &b);
	if (M.fileio || busy_for(s))
		want = EBUSY;
	else if (!M.nbufs || b.memory != (unsigned int)M.memory ||
		 b.index >= (unsigned int)M.nbufs || M.queued[b.index] ||
		 b.memory == V4L2_MEMORY_DMABUF)
		want = EINVAL;
	else
		want = 0;
	/* A dma-buf fd that is none: vb2 says EINVAL, dma_buf_get EBADF. */
	if (want == EINVAL && b.memory == V4L2_MEMORY_DMABUF && r < 0 &&
	    errno == EBADF)
		want = EBADF;
	judge(r, errno, want);
	if (!r && b.index < MAXBUF)
		M.queued[b.index] = 1;
}

/* Where a buffer's memory is for mmap(), from QUERYBUF. */
static long buf_offset(int fd, unsigned int index)
{
	struct v4l2_buffer b = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
				 .index = index };

	if (xioctl(fd, VIDIOC_QUERYBUF, &b))
		return -1;
	return b.m.offset;
}

static void frame_content(int fd, unsigned int index, const char *how)
{
	long off = buf_offset(fd, index);
	uint8_t *p;
	uint32_t seq;
	const char *why;

	if (off < 0 || M.memory != V4L2_MEMORY_MMAP)
		return;
	p = mmap(NULL, M.sizeimage, PROT_READ, MAP_SHARED, fd, off);
	if (p == MAP_FAILED) {
		problem("mmap of dequeued buffer %u: %s", index, strerror(errno));
		return;
	}
	why = frame_headers(p, M.w, M.h, &seq);
	if (why)
		problem("%s: buffer %u: %s", how, index, why);
	munmap(p, M.sizeimage);
}

static void op_dqbuf(void)
{
	int s = pick_open(), r, want, waited = 0;
	struct v4l2_buffer b = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
	struct pollfd pfd;
	int nq = 0, i;

	if (s < 0)
		return;
	for (i = 0; i < M.nbufs; i++)
		nq += M.queued[i];
	b.memory = M.memory ? M.memory : V4L2_MEMORY_MMAP;
	/* Wait for a frame, now and then, when one can come. */
	if (M.streaming && nq && owns(s) && chance(40)) {
		pfd = (struct pollfd){ .fd = M.fd[s], .events = POLLIN };
		waited = poll(&pfd, 1, 3000) == 1 && (pfd.revents & POLLIN);
	}
	trace("DQBUF slot %d memory %u%s", s, b.memory, waited ? " after poll" : "");
	if (!M.nonblock[s] && !waited) {
		/* Blocking with nothing done would wait forever: not here. */
		int fl = fcntl(M.fd[s], F_GETFL);

		fcntl(M.fd[s], F_SETFL, fl | O_NONBLOCK);
		r = xioctl(M.fd[s], VIDIOC_DQBUF, &b);
		i = errno;
		fcntl(M.fd[s], F_SETFL, fl);
		errno = i;
	} else {
		r = xioctl(M.fd[s], VIDIOC_DQBUF, &b);
	}
	if (M.fileio || busy_for(s))
		want = EBUSY;
	else if (!M.streaming)
		want = EINVAL;
	else if (r < 0 && errno == EAGAIN && !waited)
		want = EAGAIN;	/* nothing done yet */
	else
		want = 0;
	judge(r, errno, want);
	if (r)
		return;
	if (b.index >= (unsigned int)M.nbufs || !M.queued[b.index]) {
		problem("DQBUF gave buffer %u, which the model has not queued",
			b.index);
		return;
	}
	M.queued[b.index] = 0;
	frames++;
	if (b.flags & V4L2_BUF_FLAG_ERROR)
		return;
	if (b.bytesused != M.sizeimage)
		problem("DQBUF: %u bytes used, the format has %u", b.bytesused,
			M.sizeimage);
	if (b.field != V4L2_FIELD_NONE)
		problem("DQBUF: field %u", b.field);
	check_seq(b.sequence, "DQBUF");
	frame_content(M.fd[s], b.index, "DQBUF");
}

/*
 * What a capture application does: the owner, streaming, waits for a
 * frame, dequeues it, looks at it and queues it again; a few times.
 */
static void op_burst(void)
{
	int s, k, i, r;

	for (s = 0; s < NFD && !(M.fd[s] >= 0 && owns(s)); s++)
		;
	if (s == NFD || !M.streaming || M.memory != V4L2_MEMORY_MMAP)
		return;
	for (i = 0; i < M.nbufs; i++)
		if (!M.queued[i]) {
			struct v4l2_buffer b = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
						 .memory = V4L2_MEMORY_MMAP, .index = i };

			trace("burst: QBUF slot %d index %d", s, i);
			r = xioctl(M.fd[s], VIDIOC_QBUF, &b);
			judge(r, errno, 0);
			if (!r)
				M.queued[i] = 1;
		}
	for (k = 0; k < 3 && M.nbufs; k++) {
		struct pollfd pfd = { .fd = M.fd[s], .events = POLLIN };
		struct v4l2_buffer b = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
					 .memory = V4L2_MEMORY_MMAP };

		trace("burst: poll and DQBUF slot %d", s);
		if (poll(&pfd, 1, 5000) != 1 || !(pfd.revents & POLLIN)) {
			problem("streaming with %d buffers queued: no frame in 5 s (revents 0x%x)",
				M.nbufs, pfd.revents);
			return;
		}
		r = xioctl(M.fd[s], VIDIOC_DQBUF, &b);
		judge(r, errno, 0);
		if (r || b.index >= (unsigned int)M.nbufs || !M.queued[b.index]) {
			if (!r)
				problem("DQBUF gave buffer %u, not one queued", b.index);
			return;
		}
		M.queued[b.index] = 0;
		frames++;
		if (!(b.flags & V4L2_BUF_FLAG_ERROR)) {
			check_seq(b.sequence, "DQBUF");
			frame_content(M.fd[s], b.index, "DQBUF");
		}
		trace("burst: QBUF slot %d index %u", s, b.index);
		r = xioctl(M.fd[s], VIDIOC_QBUF, &b);
		judge(r, errno, 0);
		if (!r)
			M.queued[b.index] = 1;
	}
}

static void op_stream(void)
{
	int s = pick_open(), on = chance(60), wrong = chance(8), r, want;
	int type = wrong ? V4L2_BUF_TYPE_VIDEO_OUTPUT : V4L2_BUF_TYPE_VIDEO_CAPTURE;

	if (s < 0)
		return;
	trace("%s slot %d type %d", on ? "STREAMON" : "STREAMOFF", s, type);
	r = xioctl(M.fd[s], on ? VIDIOC_STREAMON : VIDIOC_STREAMOFF, &type);
	if (M.fileio || busy_for(s))
		want = EBUSY;
	else if (wrong)
		want = EINVAL;
	else if (on && !M.nbufs)
		want = EINVAL;
	else
		want = 0;
	judge(r, errno, want);
	if (r)
		return;
	if (on) {
		if (!M.streaming)
			M.have_seq = 0;
		M.streaming = 1;
	} else {
		M.streaming = 0;
		memset(M.queued, 0, sizeof(M.queued));
	}
}

static void op_read(void)
{
	int s = pick_open(), want;
	size_t n = chance(60) ? M.sizeimage : below(2 * M.sizeimage + 2);
	uint8_t *buf;
	ssize_t r;
	int e;

	if (s < 0)
		return;
	/* A blocking read waits for a frame (a fraction of a second). */
	trace("read slot %d %zu bytes%s", s, n, M.nonblock[s] ? "" : " (blocking)");
	buf = malloc(n + 1);
	r = read(M.fd[s], buf, n);
	e = errno;
	if (busy_for(s) || (!M.fileio && M.nbufs))
		want = EBUSY;
	else if (r < 0 && e == EAGAIN && M.nonblock[s])
		want = EAGAIN;
	else
		want = 0;
	judge(r, e, want);
	/* Newer vb2: read() owns the queue for its time only, unless it started file I/O. */
	if (want == EBUSY && !busy_for(s) && M.read_drops_owner)
		M.owner = 0;
	if (want != EBUSY) {
		/* read() set the queue up for itself, even if no frame came. */
		M.fileio = 1;
		M.owner = M.fid[s];
	}
	if (r > 0) {
		if ((size_t)r > n || (size_t)r > M.sizeimage - M.rpos)
			problem("read %zd bytes: asked %zu, %u left in the frame",
				r, n, M.sizeimage - M.rpos);
		if (!M.rpos && (size_t)r == M.sizeimage) {
			uint32_t seq;
			const char *why = frame_headers(buf, M.w, M.h, &seq);

			if (why)
				problem("read: %s", why);
			rframes++;
		}
		M.rpos = (M.rpos + r) % M.sizeimage;
	}
	free(buf);
}

static void op_mmap(void)
{
	int s = pick_open(), m, i, hit = -1, want;
	unsigned int index = pick_index();
	long off = -1;
	size_t len;
	int prot = PROT_READ | (chance(70) ? PROT_WRITE : 0);
	int flags = chance(90) ? MAP_SHARED : MAP_PRIVATE;
	uint8_t *p;

	if (s < 0)
		return;
	for (m = 0; m < NMAP && M.map[m].p; m++)
		;
	if (m == NMAP)
		return;
	if (!M.fileio && M.memory == V4L2_MEMORY_MMAP && index < (unsigned int)M.nbufs)
		off = buf_offset(M.fd[s], index);
	if (off < 0 || chance(10))
		off = chance(50) ? (long)(rnd() % (64 << 20)) & ~(PG - 1) : (long)below(64) * PG;
	len = chance(85) ? M.sizeimage : below(4) * PG + below(2) * 7;
	if (chance(5))
		prot = PROT_WRITE;
	/* Which buffer the offset names, if any (QUERYBUF says). */
	if (!M.fileio && M.memory == V4L2_MEMORY_MMAP)
		for (i = 0; i < M.nbufs && hit < 0; i++)
			if (buf_offset(M.fd[s], i) == off)
				hit = i;
	trace("mmap slot %d offset 0x%lx (buffer %d) len %zu prot %d %s", s,
	      off, hit, len, prot, flags == MAP_SHARED ? "shared" : "private");
	p = mmap(NULL, len, prot, flags, M.fd[s], off);
	if (!len || M.memory != V4L2_MEMORY_MMAP || flags != MAP_SHARED ||
	    !(prot & PROT_READ))
		want = M.fileio && len && flags == MAP_SHARED && (prot & PROT_READ) ?
		       EBUSY : EINVAL;	/* read()'s queue is an MMAP one */
	else if (hit < 0 ||
		 ((len + PG - 1) & ~(PG - 1)) > ((M.bsize[hit] + PG - 1) & ~(PG - 1)))
		want = EINVAL;
	else
		want = 0;
	judge(p == MAP_FAILED ? -1 : 0, errno, want);
	if (p == MAP_FAILED)
		return;
	maps_ok++;
	M.map[m].p = p;
	M.map[m].len = len;
	M.map[m].fid = M.fid[s];
}

static void op_munmap_touch(void)
{
	int m = below(NMAP), sig;

	if (!M.map[m].p)
		return;
	if (chance(40)) {
		trace("munmap mapping %d", m);
		munmap(M.map[m].p, M.map[m].len);
		M.map[m].p = NULL;
		file_put(M.map[m].fid);
		return;
	}
	trace("touch mapping %d", m);
	sig = touch(M.map[m].p + below(M.map[m].len));
	touches++;
	if (sig)
		problem("a read of a live buffer mapping took signal %d (vb2 keeps the memory while mapped)",
			sig);
}

static void op_expbuf(void)
{
	int s = pick_open(), r, want;
	struct v4l2_exportbuffer e = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };

	if (s < 0)
		return;
	e.index = pick_index();
	e.flags = chance(85) ? (chance(50) ? O_RDWR : O_RDONLY) | O_CLOEXEC :
			       (uint32_t)rnd();
	e.plane = chance(95) ? 0 : 1;
	trace("EXPBUF slot %d index %u flags 0x%x plane %u", s, e.index, e.flags,
	      e.plane);
	r = xioctl(M.fd[s], VIDIOC_EXPBUF, &e);
	if (busy_for(s))
		want = EBUSY;
	else if (M.fileio)	/* its buffers' count is not the model's */
		want = r < 0 && errno == EINVAL ? EINVAL : EBUSY;
	else if (M.memory != V4L2_MEMORY_MMAP || e.index >= (unsigned int)M.nbufs ||
		 e.plane || (e.flags & ~(O_CLOEXEC | O_ACCMODE)))
		want = EINVAL;
	else
		want = 0;
	/* O_WRONLY|O_RDWR (3) is no access mode: dma_buf_fd may refuse it. */
	if (!want && (e.flags & O_ACCMODE) == O_ACCMODE && r < 0)
		want = errno;
	judge(r, errno, want);
	if (r)
		return;
	expbufs++;
	if ((e.flags & O_ACCMODE) == O_RDONLY || (e.flags & O_ACCMODE) == O_RDWR) {
		uint8_t *p = mmap(NULL, M.sizeimage, PROT_READ, MAP_SHARED, e.fd, 0);

		if (p == MAP_FAILED) {
			problem("mmap of an exported buffer: %s", strerror(errno));
		} else {
			if (touch(p) || touch(p + M.sizeimage - 1))
				problem("a read of an exported buffer's mapping faulted");
			munmap(p, M.sizeimage);
		}
	}
	close(e.fd);
}

/* Ioctls the driver leaves to the core's ENOTTY (or cannot honour). */
static void op_other_ioctl(void)
{
	static const unsigned long cmds[] = {
		VIDIOC_G_STD, VIDIOC_S_STD, VIDIOC_ENUMSTD, VIDIOC_G_CTRL,
		VIDIOC_S_CTRL, VIDIOC_G_TUNER, VIDIOC_G_AUDIO, VIDIOC_OVERLAY,
		VIDIOC_G_FBUF, VIDIOC_G_SELECTION, VIDIOC_S_SELECTION,
		VIDIOC_G_JPEGCOMP, VIDIOC_S_OUTPUT, VIDIOC_ENUMOUTPUT,
		_IOWR('X', 3, int), _IO('V', 250),
	};
	static uint8_t arg[4096];
	int s = pick_open(), r;
	unsigned int i = below(sizeof(cmds) / sizeof(cmds[0])), k;

	if (s < 0)
		return;
	for (k = 0; k < sizeof(arg); k++)
		arg[k] = rnd();
	trace("ioctl slot %d 0x%lx (not implemented)", s, cmds[i]);
	r = xioctl(M.fd[s], cmds[i], arg);
	if (r >= 0)
		problem("ioctl 0x%lx succeeded: mapdev_edu does not implement it",
			cmds[i]);
	else if (errno != ENOTTY && errno != EINVAL)
		problem("ioctl 0x%lx: %s, not ENOTTY or EINVAL", cmds[i],
			strerror(errno));
}

static void op_input_cap(void)
{
	int s = pick_open(), r;
	unsigned int in = chance(70) ? 0 : rnd();

	if (s < 0)
		return;
	if (chance(50)) {
		struct v4l2_capability c;

		trace("QUERYCAP slot %d", s);
		r = xioctl(M.fd[s], VIDIOC_QUERYCAP, &c);
		judge(r, errno, 0);
		if (!r && (strcmp((char *)c.driver, "mapdev_edu") ||
			   !(c.device_caps & V4L2_CAP_VIDEO_CAPTURE)))
			problem("QUERYCAP: driver %.16s, caps 0x%x", c.driver,
				c.device_caps);
		return;
	}
	trace("S_INPUT slot %d %u", s, in);
	r = xioctl(M.fd[s], VIDIOC_S_INPUT, &in);
	judge(r, errno, in ? EINVAL : 0);
}

/* -- main ------------------------------------------------------------------------ */

static const char *find_node(void)
{
	static char path[300];
	char drv[512], link[300];
	struct dirent *de;
	DIR *d = opendir("/sys/class/video4linux");
	ssize_t n;

	if (!d)
		return NULL;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "video", 5))
			continue;
		snprintf(link, sizeof(link), "/sys/class/video4linux/%s/device/driver",
			 de->d_name);
		n = readlink(link, drv, sizeof(drv) - 1);
		if (n <= 0)
			continue;
		drv[n] = '\0';
		if (strstr(drv, "/mapdev_edu")) {
			snprintf(path, sizeof(path), "/dev/%s", de->d_name);
			closedir(d);
			return path;
		}
	}
	closedir(d);
	return NULL;
}

/*
 * Two things vb2 does differently from one kernel to another (6.1 and
 * 6.12 differ), learnt before the run:
 *  - read() on a queue with streaming buffers (EBUSY): does the caller,
 *    if it owned the queue, stay its owner (6.1), or is the queue left
 *    with none (6.12: read() owns it for the time of the call only)?
 *  - closing any file of a queue without an owner: does it free the
 *    queue's buffers (6.12) or not (6.1)?
 */
static void learn_vb2(void)
{
	struct v4l2_requestbuffers rb = { .count = 1, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
					  .memory = V4L2_MEMORY_MMAP };
	struct v4l2_buffer b = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
				 .memory = V4L2_MEMORY_MMAP, .index = ~0U };
	int a = open(node, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	int o = open(node, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	char c;

	if (a < 0 || o < 0 || xioctl(a, VIDIOC_REQBUFS, &rb) || read(a, &c, 1) >= 0 ||
	    errno != EBUSY) {
		fprintf(stderr, "video_fuzz: %s: REQBUFS then read() did not give EBUSY: %s\n",
			node, strerror(errno));
		exit(2);
	}
	if (!xioctl(o, VIDIOC_QBUF, &b) || (errno != EBUSY && errno != EINVAL)) {
		fprintf(stderr, "video_fuzz: QBUF of buffer ~0: %s\n", strerror(errno));
		exit(2);
	}
	M.read_drops_owner = errno == EINVAL;
	close(o);
	memset(&b, 0, sizeof(b));
	b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	M.release_ownerless = M.read_drops_owner && xioctl(a, VIDIOC_QUERYBUF, &b);
	rb.count = 0;
	xioctl(a, VIDIOC_REQBUFS, &rb);
	close(a);
}

static void usage(void)
{
	fprintf(stderr, "usage: video_fuzz [--node /dev/videoN] [--seed S] [--calls N] [--time SECONDS] [--trace]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct v4l2_format f = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
	struct v4l2_requestbuffers rb = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
					  .memory = V4L2_MEMORY_DMABUF };
	struct v4l2_streamparm parm = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
	struct sigaction sa = { .sa_handler = on_fault };
	int i, fd;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--trace"))
			tracing = 1;
		else if (i + 1 >= argc)
			usage();
		else if (!strcmp(argv[i], "--node"))
			node = argv[++i];
		else if (!strcmp(argv[i], "--seed"))
			seed = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--calls"))
			ncalls = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--time"))
			time_limit = atof(argv[++i]);
		else
			usage();
	}
	if (!node)
		node = find_node();
	if (!node) {
		fprintf(stderr, "video_fuzz: no video4linux node of mapdev_edu (modprobe mapdev_edu, with an edu function unbound)\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	rng_state = seed * 0x2545f4914f6cdd1dULL + 1;
	for (i = 0; i < NFD; i++)
		M.fd[i] = -1;
	queue_gone();

	/* What the node is now: its format, whether it imports dma-bufs. */
	fd = open(node, O_RDWR | O_CLOEXEC);
	if (fd < 0 || xioctl(fd, VIDIOC_G_FMT, &f)) {
		fprintf(stderr, "video_fuzz: %s: %s\n", node, strerror(errno));
		return 2;
	}
	M.w = f.fmt.pix.width;
	M.h = f.fmt.pix.height;
	M.sizeimage = f.fmt.pix.sizeimage;
	rb.count = 0;
	M.dmabuf_ok = !xioctl(fd, VIDIOC_REQBUFS, &rb);
	close(fd);
	learn_vb2();
	printf("video_fuzz: %s, seed %llu, %llu calls, %.0f s; dma-buf import %s; read() %s the owner; closing a file of an ownerless queue %s\n",
	       node, seed, ncalls, time_limit, M.dmabuf_ok ? "yes" : "no",
	       M.read_drops_owner ? "drops" : "keeps",
	       M.release_ownerless ? "frees it" : "leaves it");

	t0 = now();
	for (calls = 0; calls < ncalls && now() - t0 < time_limit && !problems;
	     calls++) {
		unsigned int op = below(100);

		if (op < 5)
			op_open();
		else if (op < 9)
			op_close();
		else if (op < 17)
			op_fmt();
		else if (op < 23)
			op_enum();
		else if (op < 31)
			op_reqbufs();
		else if (op < 35)
			op_create_bufs();
		else if (op < 50)
			op_qbuf();
		else if (op < 63)
			op_dqbuf();
		else if (op < 70)
			op_stream();
		else if (op < 74)
			op_read();
		else if (op < 82)
			op_mmap();
		else if (op < 90)
			op_munmap_touch();
		else if (op < 94)
			op_expbuf();
		else if (op < 96)
			op_other_ioctl();
		else if (op < 98)
			op_burst();
		else
			op_input_cap();
		if (!problems)
			check_queue();
	}
	for (i = 0; i < NMAP; i++)
		if (M.map[i].p)
			munmap(M.map[i].p, M.map[i].len);
	for (i = 0; i < NFD; i++)
		if (M.fd[i] >= 0)
			close(M.fd[i]);
	/* Leave the node as it was found: its format, the fastest rate. */
	fd = open(node, O_RDWR | O_CLOEXEC);
	if (fd < 0 || xioctl(fd, VIDIOC_S_FMT, &f) || xioctl(fd, VIDIOC_S_PARM, &parm))
		problem("restoring %s's format and rate: %s", node, strerror(errno));
	if (fd >= 0)
		close(fd);
	printf("video_fuzz: %llu calls in %.1f s: %llu frames dequeued, %llu read, %llu mappings, %llu touches, %llu exports\n",
	       calls, now() - t0, frames, rframes, maps_ok, touches, expbufs);
	if (problems) {
		printf("video_fuzz: %ld problem(s); replay: video_fuzz --node %s --seed %llu --calls %llu --trace\n",
		       problems, node, seed, calls);
		return 1;
	}
	printf("video_fuzz: no problem\n");
	return 0;
}
