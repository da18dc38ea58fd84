// SPDX-License-Identifier: GPL-2.0
/*
 * mapdev_edu, the V4L2 frame grabber (make bench), side by side in one
 * boot:
 *
 * 1. CPU time (user + sys, getrusage) and system calls per frame: V4L2
 *    MMAP streaming (DQBUF, look at the frame in place, QBUF) against the
 *    READ I/O method (read() copies the frame out) on the same device, same
 *    size and frame count.  The program sums every byte of each frame in
 *    both, as an application would look at it.  The variants take turns.
 *
 * 2. Interrupt to application latency: a frame's completion interrupt to
 *    DQBUF's return (mapdev_edu on edu 00:10.0), against the same
 *    transfers (a 3072-byte chunk fetched into edu, then written to RAM,
 *    each with its interrupt) done by a driver in user space on mapdev_pci
 *    (edu 00:11.0) waiting with poll() on its irq region, measured to the
 *    second transfer's interrupt as for a one-chunk 64x48 frame.  Both
 *    interrupts' times come from the same place, the irq_handler_entry
 *    tracepoint (trace_clock mono, which is CLOCK_MONOTONIC, in
 *    microseconds); the V4L2 timestamp (taken a few MMIO accesses later in
 *    mapdev_edu's handler) is reported too, and each handler's own time
 *    (irq_handler_entry to irq_handler_exit), since the woken process runs
 *    only once the handler returns.  Process and both interrupts on
 *    CPU 0 (see bench_irq.c); warm-up first, then the two take turns REPS
 *    times and the ratio is the median of the per-turn p50 ratios.
 *
 * Writes JSON with --json FILE.  Runs in the test VM only (it loads
 * modules and binds edu functions).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <linux/mapdev.h>
#include <linux/videodev2.h>

#define EDU "0000:00:10.0"		/* mapdev_edu */
#define PCI "0000:00:11.0"		/* mapdev_pci, a driver in user space */
#define TRACE "/sys/kernel/tracing/"
#define IRQ_OFF ((off_t)MAPDEV_REGION_OFFSET(7))
#define CHUNK 3072			/* a 64x48 frame: one chunk */

#define CPU_REPS 4			/* turns of MMAP and READ */
#define LAT_REPS 7			/* turns of the latency variants */
#define LAT_ROUNDS 20			/* frames (transfers) a turn */
#define LAT_WARMUP 5

static void die(const char *what)
{
	fprintf(stderr, "bench_edu: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void sh(const char *cmd)
{
	if (system(cmd) != 0) {
		fprintf(stderr, "bench_edu: failed: %s\n", cmd);
		exit(1);
	}
}

static void put(const char *path, const char *val)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(val, f) < 0 || fclose(f))
		die(path);
}

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + t.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double pct(double *v, int n, int p)
{
	qsort(v, n, sizeof(*v), cmp);
	return v[(n - 1) * p / 100];
}

static int xioctl(int fd, unsigned long req, void *arg)
{
	int r;

	do
		r = ioctl(fd, req, arg);
	while (r < 0 && errno == EINTR);
	return r;
}

/* The /dev/videoN of a function, its MSI's irq on CPU 0. */
static void node_of(const char *bdf, char *node, size_t len)
{
	char path[128];
	struct dirent *e;
	DIR *d;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/video4linux", bdf);
	d = opendir(path);
	if (!d)
		die(path);
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, "video", 5))
			snprintf(node, len, "/dev/%s", e->d_name);
	closedir(d);
}

static void pin_irq(const char *bdf)
{
	char path[128];
	struct dirent *e;
	int irq = -1;
	DIR *d;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/msi_irqs", bdf);
	d = opendir(path);
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.')
			irq = atoi(e->d_name);
	if (d)
		closedir(d);
	if (irq < 0)
		die("no MSI");
	snprintf(path, sizeof(path), "/proc/irq/%d/smp_affinity_list", irq);
	put(path, "0");
}

static unsigned long frame_sum(const uint8_t *f, size_t n)
{
	unsigned long s = 0;
	size_t i;

	for (i = 0; i < n; i++)
		s += f[i];
	return s;
}

/* -- 1. MMAP vs READ ------------------------------------------------------- */

/* What read() adds to a frame at least: one copy of it, in user space. */
static double copy_cost(size_t n)
{
	static uint8_t a[128 * 96], b[128 * 96];
	uint64_t t0;
	int i;

	memset(a, 1, sizeof(a));
	memcpy(b, a, n);		/* warm */
	t0 = now_ns();
	for (i = 0; i < 1000; i++) {
		memcpy(b, a, n);
		__asm__ volatile("" : : "r"(b) : "memory");
	}
	return (now_ns() - t0) / 1000 / 1e3;
}

struct cpu_result {
	double cpu_us;		/* per frame */
	double calls;		/* system calls per frame */
	double csw;		/* context switches per frame */
	unsigned long frames;
};

static double cpu_us(void)
{
	struct rusage r;

	getrusage(RUSAGE_SELF, &r);
	return r.ru_utime.tv_sec * 1e6 + r.ru_utime.tv_usec +
	       r.ru_stime.tv_sec * 1e6 + r.ru_stime.tv_usec;
}

static long csw(void)
{
	struct rusage r;

	getrusage(RUSAGE_SELF, &r);
	return r.ru_nvcsw + r.ru_nivcsw;
}

static int open_fmt(const char *node, unsigned int w, unsigned int h)
{
	struct v4l2_format f = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
	struct v4l2_streamparm sp = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
	int fd = open(node, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		die(node);
	f.fmt.pix.width = w;
	f.fmt.pix.height = h;
	f.fmt.pix.pixelformat = V4L2_PIX_FMT_GREY;
	if (xioctl(fd, VIDIOC_S_FMT, &f) || f.fmt.pix.width != w)
		die("S_FMT");
	if (xioctl(fd, VIDIOC_S_PARM, &sp))	/* 0/0: the fastest */
		die("S_PARM");
	return fd;
}

static void run_mmap(const char *node, unsigned int w, unsigned int h,
		     int frames, struct cpu_result *r)
{
	struct v4l2_requestbuffers rb = {
		.count = 4, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
		.memory = V4L2_MEMORY_MMAP,
	};
	int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	int fd = open_fmt(node, w, h), i;
	void *m[4];
	unsigned long calls = 0, sum = 0;
	double c0 = 0;
	long s0 = 0;

	if (xioctl(fd, VIDIOC_REQBUFS, &rb) || rb.count != 4)
		die("REQBUFS");
	for (i = 0; i < 4; i++) {
		struct v4l2_buffer b = {
			.index = i, .type = type, .memory = V4L2_MEMORY_MMAP,
		};

		if (xioctl(fd, VIDIOC_QUERYBUF, &b))
			die("QUERYBUF");
		m[i] = mmap(NULL, b.length, PROT_READ, MAP_SHARED, fd, b.m.offset);
		if (m[i] == MAP_FAILED || xioctl(fd, VIDIOC_QBUF, &b))
			die("mmap/QBUF");
	}
	if (xioctl(fd, VIDIOC_STREAMON, &type))
		die("STREAMON");
	for (i = -1; i < frames; i++) {		/* the first is not counted */
		struct v4l2_buffer b = { .type = type, .memory = V4L2_MEMORY_MMAP };

		if (i == 0) {
			c0 = cpu_us();
			s0 = csw();
		}
		if (xioctl(fd, VIDIOC_DQBUF, &b))
			die("DQBUF");
		sum += frame_sum(m[b.index], b.bytesused);
		if (xioctl(fd, VIDIOC_QBUF, &b))
			die("QBUF");
		calls += 2;
	}
	r->cpu_us += cpu_us() - c0;
	r->csw += csw() - s0;
	r->calls += calls - 2;
	r->frames += frames;
	xioctl(fd, VIDIOC_STREAMOFF, &type);
	for (i = 0; i < 4; i++)
		munmap(m[i], w * h);
	close(fd);
	if (!sum)
		die("empty frames");
}

static void run_read(const char *node, unsigned int w, unsigned int h,
		     int frames, struct cpu_result *r)
{
	int fd = open_fmt(node, w, h), i;
	uint8_t *buf = malloc(w * h);
	unsigned long calls = 0, sum = 0;
	double c0 = 0;
	long s0 = 0;

	for (i = -1; i < frames; i++) {		/* the first starts streaming */
		if (i == 0) {
			c0 = cpu_us();
			s0 = csw();
		}
		if (read(fd, buf, w * h) != (ssize_t)(w * h))
			die("read");
		sum += frame_sum(buf, w * h);
		calls++;
	}
	r->cpu_us += cpu_us() - c0;
	r->csw += csw() - s0;
	r->calls += calls - 1;
	r->frames += frames;
	close(fd);
	free(buf);
	if (!sum)
		die("empty frames");
}

/* -- 2. interrupt to application -------------------------------------------- */

struct sample {
	uint64_t wake;		/* CLOCK_MONOTONIC ns */
	uint64_t v4l2_ts;	/* mapdev_edu: the buffer's timestamp;
				 * mapdev_pci: after reading the count */
};

static struct sample edu_s[LAT_REPS][LAT_ROUNDS], pci_s[LAT_REPS][LAT_ROUNDS];

static void lat_edu(const char *node, struct sample *s, int n)
{
	struct v4l2_requestbuffers rb = {
		.count = 4, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
		.memory = V4L2_MEMORY_MMAP,
	};
	int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	int fd = open_fmt(node, 64, 48), i;

	if (xioctl(fd, VIDIOC_REQBUFS, &rb))
		die("REQBUFS");
	for (i = 0; i < 4; i++) {
		struct v4l2_buffer b = {
			.index = i, .type = type, .memory = V4L2_MEMORY_MMAP,
		};

		if (xioctl(fd, VIDIOC_QBUF, &b))
			die("QBUF");
	}
	if (xioctl(fd, VIDIOC_STREAMON, &type))
		die("STREAMON");
	for (i = 0; i < n; i++) {
		struct v4l2_buffer b = { .type = type, .memory = V4L2_MEMORY_MMAP };

		if (xioctl(fd, VIDIOC_DQBUF, &b))
			die("DQBUF");
		s[i].wake = now_ns();
		s[i].v4l2_ts = b.timestamp.tv_sec * 1000000000ull +
			       b.timestamp.tv_usec * 1000ull;
		if (xioctl(fd, VIDIOC_QBUF, &b))
			die("QBUF");
	}
	xioctl(fd, VIDIOC_STREAMOFF, &type);
	close(fd);
}

/* The user-space driver: mapdev_pci's BAR0, a buffer, poll() on irq. */
struct upci {
	int fd, bfd;
	volatile uint8_t *bar;
	uint8_t *buf;
	uint64_t dma;
};

static void upci_open(struct upci *u)
{
	struct mapdev_pci_dma_mask m = { .argsz = sizeof(m), .bits = 64 };
	struct mapdev_buf_create c = {
		.argsz = sizeof(c), .size = 2 * 4096,
		.backend = MAPDEV_BACKEND_COHERENT,
	};
	struct mapdev_region_info ri = { .argsz = sizeof(ri) };
	uint16_t cmd;

	u->fd = open("/dev/mapdev/pci-" PCI, O_RDWR | O_CLOEXEC);
	if (u->fd < 0)
		die("open mapdev_pci");
	if (ioctl(u->fd, MAPDEV_PCI_IOC_SET_DMA_MASK, &m))
		die("SET_DMA_MASK");
	strcpy(c.name, "bench-edu");
	if (ioctl(u->fd, MAPDEV_PCI_IOC_BUF_CREATE, &c))
		die("BUF_CREATE");
	u->bfd = open("/dev/mapdev/bench-edu", O_RDWR | O_CLOEXEC);
	if (u->bfd < 0 || ioctl(u->bfd, MAPDEV_IOC_REGION_INFO, &ri))
		die("buffer");
	u->dma = ri.dma_addr;
	u->buf = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED,
		      u->bfd, 0);
	u->bar = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_SHARED,
		      u->fd, 0);
	if (u->buf == MAP_FAILED || u->bar == MAP_FAILED)
		die("mmap");
	/* Bus mastering: MSI turned it on; DMA needs it too. */
	if (pread(u->fd, &cmd, 2, (off_t)MAPDEV_REGION_OFFSET(6) + 4) != 2)
		die("config");
	cmd |= 4;
	if (pwrite(u->fd, &cmd, 2, (off_t)MAPDEV_REGION_OFFSET(6) + 4) != 2)
		die("bus master");
}

/* One transfer; returns when poll() returned, *@counted after the count. */
static uint64_t upci_xfer(struct upci *u, uint64_t src, uint64_t dst,
			  uint64_t cmd, uint64_t *counted)
{
	struct pollfd p = { .fd = u->fd, .events = POLLIN };
	uint64_t woke;
	uint32_t count;

	*(volatile uint64_t *)(u->bar + 0x80) = src;
	*(volatile uint64_t *)(u->bar + 0x88) = dst;
	*(volatile uint64_t *)(u->bar + 0x90) = CHUNK;
	*(volatile uint64_t *)(u->bar + 0x98) = cmd | 1 | 4;	/* start, irq */
	if (poll(&p, 1, 10000) != 1)
		die("poll (no interrupt in 10 s)");
	woke = now_ns();
	if (pread(u->fd, &count, 4, IRQ_OFF) != 4)
		die("irq count");
	*counted = now_ns();
	*(volatile uint32_t *)(u->bar + 0x64) = 0x100;		/* ack */
	return woke;
}

static void lat_pci(struct upci *u, struct sample *s, int n)
{
	int i, k;

	for (i = 0; i < n; i++) {
		/* The same work as mapdev_edu's: draw, fetch, store. */
		for (k = 0; k < CHUNK; k++)
			u->buf[k] = k + i;
		uint64_t counted;

		upci_xfer(u, u->dma, 0x40000, 0, &counted);
		s[i].wake = upci_xfer(u, 0x40000, u->dma + 4096, 2, &counted);
		s[i].v4l2_ts = counted;		/* here: poll() and the count */
	}
}

/* irq_handler_entry events of one driver: times in ns (microseconds). */
struct irqs {
	uint64_t *t;
	int n;
	double *dur;	/* dur[i]: handler t[i]'s time to its exit, us */
	int irq;	/* its interrupt number */
};

static void read_trace(struct irqs *edu, struct irqs *pci)
{
	char line[512];
	FILE *f = fopen(TRACE "trace", "r");

	if (!f)
		die(TRACE "trace");
	edu->t = calloc(100000, 8);
	pci->t = calloc(100000, 8);
	edu->dur = calloc(100000, sizeof(double));
	pci->dur = calloc(100000, sizeof(double));
	edu->n = pci->n = 0;
	edu->irq = pci->irq = -1;
	if (!edu->t || !pci->t || !edu->dur || !pci->dur)
		die("calloc");
	while (fgets(line, sizeof(line), f)) {
		char *ev = strstr(line, ": irq_handler_entry:"), *p;
		char *ex = strstr(line, ": irq_handler_exit:");
		unsigned long long sec, usec, t;
		struct irqs *to;
		int irq;

		if ((!ev && !ex) || line[0] == '#')
			continue;
		if (ex) {
			/* The handler's end: pair it with its interrupt's entry. */
			if (sscanf(ex, ": irq_handler_exit: irq=%d", &irq) != 1)
				continue;
			to = irq == edu->irq ? edu : irq == pci->irq ? pci : NULL;
			*ex = '\0';
			p = strrchr(line, ' ');
			if (!to || !to->n || !p ||
			    sscanf(p, " %llu.%llu", &sec, &usec) != 2)
				continue;
			t = sec * 1000000000ull + usec * 1000ull;
			if (t >= to->t[to->n - 1] && !to->dur[to->n - 1])
				to->dur[to->n - 1] = (t - to->t[to->n - 1]) / 1e3;
			continue;
		}
		to = strstr(ev, "name=mapdev_edu") ? edu :
		     strstr(ev, "name=mapdev_pci") ? pci : NULL;
		if (!to || to->n >= 100000 ||
		    sscanf(ev, ": irq_handler_entry: irq=%d", &irq) != 1)
			continue;
		to->irq = irq;
		*ev = '\0';
		p = strrchr(line, ' ');
		if (!p || sscanf(p, " %llu.%llu", &sec, &usec) != 2)
			continue;
		to->t[to->n++] = sec * 1000000000ull + usec * 1000ull;
	}
	fclose(f);
}

/*
 * The last interrupt at or before @wake (irqs are in time order): the time
 * from it to @wake; its handler's own time in *@handler_us.
 */
static double irq_to_wake_us(struct irqs *q, uint64_t wake, double *handler_us)
{
	int lo = 0, hi = q->n - 1, best = -1;

	while (lo <= hi) {
		int mid = (lo + hi) / 2;

		if (q->t[mid] <= wake) {
			best = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	if (best < 0)
		die("no interrupt before a wake-up in the trace");
	*handler_us = q->dur[best];
	return (wake - q->t[best]) / 1e3;
}

int main(int argc, char **argv)
{
	static const struct { unsigned int w, h; int frames; } sizes[] = {
		{ 64, 48, 20 }, { 128, 96, 6 },
	};
	static double cratio[2][CPU_REPS];
	double cmed[2], copy_us[2];
	struct cpu_result mm[2] = { 0 }, rd[2] = { 0 };
	static double le[LAT_REPS * LAT_ROUNDS], lp[LAT_REPS * LAT_ROUNDS],
		      lv[LAT_REPS * LAT_ROUNDS], lc[LAT_REPS * LAT_ROUNDS],
		      he[LAT_REPS * LAT_ROUNDS], hp[LAT_REPS * LAT_ROUNDS],
		      ratio[LAT_REPS];
	double e50, e99, p50, p99, v50, v99, c50, c99, rmed, he50, hp50;
	struct sample warm[LAT_WARMUP];
	const char *json = NULL;
	struct irqs qe, qp;
	char node[300];
	struct upci u;
	cpu_set_t cpu0;
	int i, k, rep;
	FILE *f;

	if (argc == 3 && !strcmp(argv[1], "--json"))
		json = argv[2];
	else if (argc != 1) {
		fprintf(stderr, "usage: bench_edu [--json FILE]\n");
		return 2;
	}
	if (access("/sys/bus/pci/devices/" EDU, F_OK) ||
	    access("/sys/bus/pci/devices/" PCI, F_OK))
		die("no edu at " EDU " and " PCI " (run under scripts/vm)");
	/* edu 00:10.0 to mapdev_edu, 00:11.0 to mapdev_pci. */
	sh("for b in " EDU " " PCI "; do D=/sys/bus/pci/devices/$b; "
	   "[ -e $D/driver ] && echo $b > $D/driver/unbind; done; "
	   "rmmod mapdev_edu mapdev_pci 2>/dev/null; "
	   "echo mapdev_edu > /sys/bus/pci/devices/" EDU "/driver_override && "
	   "echo mapdev_pci > /sys/bus/pci/devices/" PCI "/driver_override && "
	   "modprobe mapdev_pci irq_mode=msi && modprobe mapdev_edu && "
	   "echo " EDU " > /sys/bus/pci/drivers_probe && "
	   "echo " PCI " > /sys/bus/pci/drivers_probe");
	node_of(EDU, node, sizeof(node));
	pin_irq(EDU);
	pin_irq(PCI);
	CPU_ZERO(&cpu0);
	CPU_SET(0, &cpu0);
	if (sched_setaffinity(0, sizeof(cpu0), &cpu0))
		die("sched_setaffinity");

	/*
	 * 1. CPU and system calls per frame.  A short run of each first (TCG
	 * translates code at its first use); then turns, the order swapped
	 * every turn, and a paired ratio per turn.
	 */
	{
		struct cpu_result junk = { 0 };

		run_mmap(node, 64, 48, 3, &junk);
		run_read(node, 64, 48, 3, &junk);
	}
	for (rep = 0; rep < CPU_REPS; rep++)
		for (k = 0; k < 2; k++) {
			struct cpu_result a = { 0 }, b = { 0 };

			if (rep & 1)
				run_read(node, sizes[k].w, sizes[k].h, sizes[k].frames, &b);
			run_mmap(node, sizes[k].w, sizes[k].h, sizes[k].frames, &a);
			if (!(rep & 1))
				run_read(node, sizes[k].w, sizes[k].h, sizes[k].frames, &b);
			cratio[k][rep] = (a.cpu_us / a.frames) / (b.cpu_us / b.frames);
			mm[k].cpu_us += a.cpu_us;
			mm[k].calls += a.calls;
			mm[k].csw += a.csw;
			mm[k].frames += a.frames;
			rd[k].cpu_us += b.cpu_us;
			rd[k].calls += b.calls;
			rd[k].csw += b.csw;
			rd[k].frames += b.frames;
		}
	for (k = 0; k < 2; k++) {
		copy_us[k] = copy_cost(sizes[k].w * sizes[k].h);
		cmed[k] = pct(cratio[k], CPU_REPS, 50);
	}

	/* 2. Interrupt to application. */
	upci_open(&u);
	put(TRACE "tracing_on", "0");
	put(TRACE "trace_clock", "mono");
	put(TRACE "events/irq/irq_handler_entry/filter", "name ~ \"mapdev*\"");
	put(TRACE "events/irq/irq_handler_entry/enable", "1");
	/* Exits have no name: all, paired by interrupt number. */
	put(TRACE "events/irq/irq_handler_exit/enable", "1");
	put(TRACE "trace", "");
	put(TRACE "tracing_on", "1");
	lat_edu(node, warm, LAT_WARMUP);
	lat_pci(&u, warm, LAT_WARMUP);
	for (rep = 0; rep < LAT_REPS; rep++) {
		lat_edu(node, edu_s[rep], LAT_ROUNDS);
		lat_pci(&u, pci_s[rep], LAT_ROUNDS);
	}
	put(TRACE "tracing_on", "0");
	put(TRACE "events/irq/irq_handler_entry/enable", "0");
	put(TRACE "events/irq/irq_handler_entry/filter", "0");
	put(TRACE "events/irq/irq_handler_exit/enable", "0");
	read_trace(&qe, &qp);
	put(TRACE "trace", "");
	for (rep = 0; rep < LAT_REPS; rep++) {
		double a[LAT_ROUNDS], b[LAT_ROUNDS];

		for (i = 0; i < LAT_ROUNDS; i++) {
			a[i] = irq_to_wake_us(&qe, edu_s[rep][i].wake,
					      &he[rep * LAT_ROUNDS + i]);
			b[i] = irq_to_wake_us(&qp, pci_s[rep][i].wake,
					      &hp[rep * LAT_ROUNDS + i]);
			le[rep * LAT_ROUNDS + i] = a[i];
			lp[rep * LAT_ROUNDS + i] = b[i];
			lv[rep * LAT_ROUNDS + i] =
				(edu_s[rep][i].wake - edu_s[rep][i].v4l2_ts) / 1e3;
			lc[rep * LAT_ROUNDS + i] = b[i] +
				(pci_s[rep][i].v4l2_ts - pci_s[rep][i].wake) / 1e3;
		}
		ratio[rep] = pct(a, LAT_ROUNDS, 50) / pct(b, LAT_ROUNDS, 50);
	}
	i = LAT_REPS * LAT_ROUNDS;
	e50 = pct(le, i, 50);
	e99 = pct(le, i, 99);
	p50 = pct(lp, i, 50);
	p99 = pct(lp, i, 99);
	v50 = pct(lv, i, 50);
	v99 = pct(lv, i, 99);
	c50 = pct(lc, i, 50);
	c99 = pct(lc, i, 99);
	rmed = pct(ratio, LAT_REPS, 50);
	he50 = pct(he, i, 50);
	hp50 = pct(hp, i, 50);

	sh("D=/sys/bus/pci/devices; "
	   "echo " EDU " > $D/" EDU "/driver/unbind; echo " PCI " > $D/" PCI "/driver/unbind; "
	   "echo > $D/" EDU "/driver_override; echo > $D/" PCI "/driver_override; "
	   "rmmod mapdev_edu");

	printf("\n%-34s %9s %9s %16s %11s %9s\n", "CPU per frame (user+sys)",
	       "MMAP us", "READ us", "MMAP/READ", "syscalls", "copy us");
	for (k = 0; k < 2; k++) {
		char name[40];

		snprintf(name, sizeof(name), "%ux%u GREY, %lu frames each",
			 sizes[k].w, sizes[k].h, mm[k].frames);
		printf("%-34s %9.1f %9.1f %6.2fx (%.2f-%.2f) %5.1f / %.1f %9.1f\n",
		       name, mm[k].cpu_us / mm[k].frames,
		       rd[k].cpu_us / rd[k].frames, cmed[k], cratio[k][0],
		       cratio[k][CPU_REPS - 1], mm[k].calls / mm[k].frames,
		       rd[k].calls / rd[k].frames, copy_us[k]);
	}
	printf("(MMAP/READ: paired median of %d turns, min-max; copy: one memcpy of a frame in user space)\n",
	       CPU_REPS);
	printf("\n%-44s %8s %8s\n", "interrupt -> application (64x48, one chunk)",
	       "p50 us", "p99 us");
	printf("%-44s %8.1f %8.1f\n", "mapdev_edu: irq -> DQBUF return", e50, e99);
	printf("%-44s %8.1f %8.1f\n", "mapdev_pci user driver: irq -> poll() return",
	       p50, p99);
	printf("%-44s %8.1f %8.1f\n", "mapdev_pci user driver: irq -> count read",
	       c50, c99);
	printf("%-44s %8.1f %8.1f\n", "mapdev_edu: V4L2 timestamp -> DQBUF return",
	       v50, v99);
	printf("%-44s %8.1f\n", "mapdev_edu: its handler (entry -> exit)", he50);
	printf("%-44s %8.1f\n", "mapdev_pci: its handler (entry -> exit)", hp50);
	printf("p50 ratio, mapdev_edu / mapdev_pci (paired median, min-max): "
	       "%.2fx (%.2f-%.2f)\n", rmed, ratio[0], ratio[LAT_REPS - 1]);

	if (json) {
		f = fopen(json, "w");
		if (!f)
			die(json);
		fprintf(f, "{\n  \"note\": \"edu under TCG, one boot; CPU: a warm-up, then MMAP and READ took turns %d times (order swapped each turn), ratio the paired median; latency: %d turns of %d samples each, interrupt times from the irq_handler_entry tracepoint (trace_clock mono, microseconds); compare ratios only\",\n",
			CPU_REPS, LAT_REPS, LAT_ROUNDS);
		fprintf(f, "  \"cpu_per_frame\": [\n");
		for (k = 0; k < 2; k++)
			fprintf(f, "    {\"size\": \"%ux%u\", \"frames\": %lu, \"mmap_us\": %.2f, \"read_us\": %.2f, \"mmap_over_read\": %.3f, \"ratio_min\": %.3f, \"ratio_max\": %.3f, \"mmap_syscalls\": %.2f, \"read_syscalls\": %.2f, \"mmap_ctxsw\": %.2f, \"read_ctxsw\": %.2f, \"frame_copy_us\": %.2f}%s\n",
				sizes[k].w, sizes[k].h, mm[k].frames,
				mm[k].cpu_us / mm[k].frames, rd[k].cpu_us / rd[k].frames,
				cmed[k], cratio[k][0], cratio[k][CPU_REPS - 1],
				mm[k].calls / mm[k].frames, rd[k].calls / rd[k].frames,
				mm[k].csw / mm[k].frames, rd[k].csw / rd[k].frames,
				copy_us[k], k ? "" : ",");
		fprintf(f, "  ],\n  \"irq_to_app\": {\"samples\": %d,\n", i);
		fprintf(f, "    \"mapdev_edu_dqbuf\": {\"p50_us\": %.1f, \"p99_us\": %.1f},\n", e50, e99);
		fprintf(f, "    \"mapdev_pci_poll\": {\"p50_us\": %.1f, \"p99_us\": %.1f},\n", p50, p99);
		fprintf(f, "    \"mapdev_pci_poll_and_count\": {\"p50_us\": %.1f, \"p99_us\": %.1f},\n", c50, c99);
		fprintf(f, "    \"mapdev_edu_v4l2_timestamp_to_dqbuf\": {\"p50_us\": %.1f, \"p99_us\": %.1f},\n", v50, v99);
		fprintf(f, "    \"handler_p50_us\": {\"mapdev_edu\": %.1f, \"mapdev_pci\": %.1f},\n", he50, hp50);
		fprintf(f, "    \"p50_ratio_edu_over_pci\": %.3f, \"ratio_min\": %.3f, \"ratio_max\": %.3f}\n}\n",
			rmed, ratio[0], ratio[LAT_REPS - 1]);
		fclose(f);
		printf("wrote %s\n", json);
	}
	return 0;
}
