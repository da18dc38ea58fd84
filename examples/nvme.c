// SPDX-License-Identifier: GPL-2.0
/*
 * nvme: a user-space NVMe driver on mapdev_pci and libmapdev, for QEMU's
 * nvme controller (or a real one).
 *
 *   nvme BDF identify
 *   nvme BDF read LBA COUNT > FILE
 *   nvme BDF write LBA COUNT < FILE
 *   nvme BDF bench [--qd N] [--queues Q] [--seconds S] [--irq] [--json]
 *
 * It binds the function to mapdev_pci (when it is not already), resets and
 * enables the controller, makes the admin queue and I/O queue pairs (one;
 * bench: Q, the reads spread over them in turn), the completions of queue
 * pair q on MSI-X vector q, and moves data through an sg buffer: PRP lists
 * are built from the buffer's DMA segments, so a large transfer crosses
 * discontiguous memory.  Polling by default; --irq waits for the queues'
 * vectors, each on a handle of its own.  At the end it disables the controller,
 * clears bus mastering, destroys its buffers and, when it bound the
 * function, unbinds it and lets the kernel probe it again (so the nvme
 * driver takes it back).
 */
#include <errno.h>
#include <stdarg.h>
#include <sys/mman.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <mapdev.h>

#define PG		4096u
#define QD_MAX		32
#define QUEUES_MAX	8		/* I/O queue pairs */
#define AQ_DEPTH	16
#define IOQ_DEPTH	64
#define MAX_XFER	(128 * PG)	/* one PRP list page; QEMU's MDTS 7 */

/*
 * The queue buffer's pages: the admin queue pair, identify data, then
 * queue pair q's submission queue at Q_IO + 2 * (q - 1) and its
 * completion queue in the page after, then a PRP list page per slot.
 */
#define Q_ASQ		0
#define Q_ACQ		1
#define Q_IDENT		2
#define Q_IO		3
#define Q_PRP		(Q_IO + 2 * QUEUES_MAX)	/* QD_MAX pages of PRP lists */
#define Q_PAGES		(Q_PRP + QD_MAX)

struct ctrl {
	struct mapdev_pci *pci;
	struct mapdev_device *dev;
	bool bound_here;
	struct mapdev_mapping *barmap, *qmap, *dmap;
	volatile uint8_t *bar;
	uint8_t *q;
	uint64_t qdma;
	uint8_t *data;
	struct mapdev_dma_segment *seg;
	size_t nseg;
	uint64_t data_size;
	unsigned int dstrd, timeout_ms;
	unsigned int nq;		/* I/O queue pairs: 1 to nq */
	unsigned int sq_tail[QUEUES_MAX + 1], cq_head[QUEUES_MAX + 1];
	unsigned int phase[QUEUES_MAX + 1];
	uint64_t ios[QUEUES_MAX + 1], irqs[QUEUES_MAX + 1];
	uint32_t dw0;			/* of the last completion reaped */
	uint16_t cid;
	bool qbuf, dbuf, enabled;
	uint64_t nsze;
	uint32_t lba_size;
	/* --irq: irqdev[q] is a handle on vector q, for queue pair q */
	struct mapdev_device *irqdev[QUEUES_MAX + 1];
};

static struct ctrl C;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void cleanup(void);

static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("nvme: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	cleanup();
	exit(1);
}

static void on_sigbus(int sig)
{
	static const char msg[] = "nvme: SIGBUS: a mapping was revoked under the driver (its DMA buffer destroyed, or the function unbound or removed); stopping\n";

	(void)sig;
	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(1);
	_exit(1);
}

static volatile uint32_t *reg(unsigned int off)
{
	return (volatile uint32_t *)(C.bar + off);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

static int config_rw(void *v, size_t n, off_t off, bool write)
{
	off_t base = (off_t)mapdev_region_offset(C.dev, 6);
	ssize_t r = write ? pwrite(mapdev_device_fd(C.dev), v, n, base + off) :
			    pread(mapdev_device_fd(C.dev), v, n, base + off);

	return r == (ssize_t)n ? 0 : -1;
}

static void bus_master(bool on)
{
	uint16_t cmd;

	if (config_rw(&cmd, 2, 4, false))
		die("reading the command register: %s", strerror(errno));
	cmd = on ? cmd | 4 : cmd & ~4;
	if (config_rw(&cmd, 2, 4, true))
		die("writing the command register: %s", strerror(errno));
}

/* Registers that read all ones: no device answers at the BAR. */
#define NO_ANSWER "the controller does not answer (its registers read all ones: " \
	"powered down or removed; see lspci -vv)"

/*
 * BAR 0 reaches the controller only while the function decodes memory
 * (PCI command bit 1; mapdev_pci turns it on at bind, anyone with config
 * access may turn it off).  Off, the BAR reads zeros or all ones and the
 * controller never becomes ready: say so, before touching a register.
 */
static void check_decoding(const char *bdf)
{
	uint16_t cmd;

	if (config_rw(&cmd, 2, 4, false))
		die("reading the command register: %s", strerror(errno));
	if (cmd == 0xffff)
		die(NO_ANSWER);
	if (!(cmd & 2))
		die("%s does not decode memory (PCI command register 0x%04x): BAR 0 "
		    "does not reach the controller, so it cannot become ready; "
		    "turn it on (setpci -s %s COMMAND=0x%04x) or rebind the function "
		    "(mapdev pci unbind %s; mapdev pci bind %s)",
		    bdf, cmd, bdf, cmd | 2, bdf, bdf);
}

static void wait_ready(bool rdy)
{
	uint64_t end = now_ns() + (uint64_t)C.timeout_ms * 1000000u;
	uint32_t csts;

	for (;;) {
		csts = *reg(0x1c);
		if (csts == 0xffffffff)
			die(NO_ANSWER);
		if ((csts & 1) == rdy)
			return;
		if (rdy && (csts & 2))
			die("the controller reports a fatal status (CSTS.CFS) instead of becoming ready");
		if (now_ns() > end)
			die("the controller did not become %s within %u ms (CAP.TO); CSTS %#x",
			    rdy ? "ready" : "disabled", C.timeout_ms, csts);
		usleep(1000);
	}
}

/* The DMA address of byte @off of the data buffer (inside one page). */
static uint64_t data_dma(uint64_t off)
{
	size_t i;

	for (i = 0; i < C.nseg; i++)
		if (off >= C.seg[i].offset && off < C.seg[i].offset + C.seg[i].len)
			return C.seg[i].dma_addr + (off - C.seg[i].offset);
	die("no DMA segment holds offset %#" PRIx64 " of the data buffer", off);
}

/* PRP1 and PRP2 for [off, off + len) of the data buffer; @slot's list. */
static void prps(uint64_t off, uint32_t len, unsigned int slot, uint64_t *p1,
		 uint64_t *p2)
{
	unsigned int pages = (len + PG - 1) / PG, i;
	uint64_t *list = (uint64_t *)(C.q + (Q_PRP + slot) * PG);

	*p1 = data_dma(off);
	*p2 = 0;
	if (pages == 2)
		*p2 = data_dma(off + PG);
	else if (pages > 2) {
		for (i = 1; i < pages; i++)
			list[i - 1] = data_dma(off + (uint64_t)i * PG);
		*p2 = C.qdma + (Q_PRP + slot) * PG;
	}
}

static unsigned int sq_page(unsigned int q)
{
	return q ? Q_IO + 2 * (q - 1) : Q_ASQ;
}

static unsigned int cq_page(unsigned int q)
{
	return q ? Q_IO + 2 * (q - 1) + 1 : Q_ACQ;
}

static uint16_t submit(unsigned int q, uint8_t opc, uint32_t nsid, uint64_t p1,
		       uint64_t p2, uint32_t c10, uint32_t c11, uint32_t c12)
{
	uint32_t *sqe = (uint32_t *)(C.q + sq_page(q) * PG + 64 * C.sq_tail[q]);
	uint16_t cid = ++C.cid;

	memset(sqe, 0, 64);
	sqe[0] = opc | (uint32_t)cid << 16;
	sqe[1] = nsid;
	sqe[6] = (uint32_t)p1;
	sqe[7] = (uint32_t)(p1 >> 32);
	sqe[8] = (uint32_t)p2;
	sqe[9] = (uint32_t)(p2 >> 32);
	sqe[10] = c10;
	sqe[11] = c11;
	sqe[12] = c12;
	C.sq_tail[q] = (C.sq_tail[q] + 1) % (q ? IOQ_DEPTH : AQ_DEPTH);
	__sync_synchronize();
	*reg(0x1000 + 2 * q * (4u << C.dstrd)) = C.sq_tail[q];
	return cid;
}

/* The next completion of queue @q, if there is one: its cid and status. */
static bool reap(unsigned int q, uint16_t *cid, uint16_t *status)
{
	volatile uint32_t *cqe = (volatile uint32_t *)(C.q + cq_page(q) * PG +
						       16 * C.cq_head[q]);
	uint32_t dw3 = cqe[3];

	if (((dw3 >> 16) & 1) != C.phase[q])
		return false;
	__sync_synchronize();
	C.dw0 = cqe[0];
	*cid = dw3 & 0xffff;
	*status = (dw3 >> 17) & 0x7fff;
	if (++C.cq_head[q] == (q ? IOQ_DEPTH : AQ_DEPTH)) {
		C.cq_head[q] = 0;
		C.phase[q] ^= 1;
	}
	*reg(0x1000 + (2 * q + 1) * (4u << C.dstrd)) = C.cq_head[q];
	return true;
}

/*
 * Wait for the interrupts of the I/O queues' vectors (--irq), up to
 * @timeout_ms, and count them per queue.
 */
static void wait_irqs(int timeout_ms)
{
	struct pollfd p[QUEUES_MAX];
	unsigned int q;

	for (q = 1; q <= C.nq; q++)
		p[q - 1] = (struct pollfd){ .fd = mapdev_device_fd(C.irqdev[q]),
					    .events = POLLIN };
	if (poll(p, C.nq, timeout_ms) <= 0)
		return;
	for (q = 1; q <= C.nq; q++) {
		if (!(p[q - 1].revents & POLLIN))
			continue;
		if (mapdev_device_irq_wait(C.irqdev[q], NULL) == 0)
			C.irqs[q]++;
		else if (errno != EAGAIN)
			die("waiting for vector %u's interrupt: %s", q, strerror(errno));
	}
}

/* Wait for completion @want of queue @q (by polling, or its interrupt). */
static uint16_t wait_cid(unsigned int q, uint16_t want)
{
	uint64_t end = now_ns() + 10000000000ull;
	uint16_t cid, st;

	for (;;) {
		if (reap(q, &cid, &st)) {
			if (cid != want)
				die("queue %u: completion of command %u, expected %u", q, cid, want);
			return st;
		}
		if (now_ns() > end)
			die("queue %u: command %u did not complete within 10 s", q, want);
		if (q && C.irqdev[q])
			wait_irqs(100);
	}
}

static void admin(uint8_t opc, uint32_t nsid, uint64_t p1, uint32_t c10, uint32_t c11,
		  const char *what)
{
	uint16_t st = wait_cid(0, submit(0, opc, nsid, p1, 0, c10, c11, 0));

	if (st)
		die("%s: the controller answered status %#x (SCT %u, SC %#x)", what, st,
		    (st >> 8) & 7, st & 0xff);
}

static struct mapdev_mapping *map_region(struct mapdev_device *d, unsigned int i,
					 size_t len)
{
	struct mapdev_mapping *m = mapdev_device_map(d, i, 0, len, PROT_READ | PROT_WRITE);

	if (!m)
		die("mapping region %u of %s: %s", i, mapdev_device_name(d), strerror(errno));
	return m;
}

static struct mapdev_device *make_buf(const char *name, uint64_t size, unsigned int backend)
{
	struct mapdev_device *b;

	if (mapdev_pci_buf_create(C.dev, name, size, backend, MAPDEV_CACHE_CACHED))
		die("creating buffer %s (%" PRIu64 " bytes): %s", name, size, strerror(errno));
	b = mapdev_device_open(name, O_RDWR);
	if (!b)
		die("opening buffer %s: %s", name, strerror(errno));
	return b;
}

/*
 * Bind, reset, enable; the admin queue and @nq I/O queue pairs, their
 * completions on vectors 1 to @nq with @irq; a data buffer of @data_size.
 */
static void setup(const char *bdf, uint64_t data_size, bool irq, unsigned int nq)
{
	struct mapdev_device *qb, *db;
	unsigned int q;
	uint64_t cap;
	uint32_t *id;

	C.pci = mapdev_pci_open(bdf);
	if (!C.pci)
		die("%s: %s", bdf, strerror(errno));
	if (!mapdev_pci_is_bound(C.pci)) {
		if (mapdev_pci_bind(C.pci) || mapdev_pci_wait_device(C.pci, 5000))
			die("%s: binding to mapdev_pci: %s", bdf, strerror(errno));
		C.bound_here = true;
	} else if (strcmp(mapdev_pci_driver(C.pci) ?: "", "mapdev_pci")) {
		die("%s: bound to %s; nvme binds only functions with no driver or mapdev_pci's",
		    bdf, mapdev_pci_driver(C.pci));
	}
	C.dev = mapdev_pci_open_device(C.pci, O_RDWR);
	if (!C.dev)
		die("%s: opening its device: %s", bdf, strerror(errno));
	check_decoding(bdf);
	if (mapdev_pci_set_dma_mask(C.dev, 64))
		die("64-bit DMA mask: %s", strerror(errno));
	C.barmap = map_region(C.dev, 0, 2 * PG);
	C.bar = mapdev_mapping_addr(C.barmap);

	qb = make_buf("nvme-queues", Q_PAGES * PG, MAPDEV_BACKEND_COHERENT);
	C.qbuf = true;
	C.qmap = map_region(qb, 0, Q_PAGES * PG);
	C.q = mapdev_mapping_addr(C.qmap);
	C.qdma = mapdev_region_dma_addr(qb, 0);
	C.data_size = (data_size + PG - 1) / PG * PG;
	db = make_buf("nvme-data", C.data_size, MAPDEV_BACKEND_SG);
	C.dbuf = true;
	C.dmap = map_region(db, 0, C.data_size);
	C.data = mapdev_mapping_addr(C.dmap);
	C.seg = mapdev_device_dma_segments(db, 0, &C.nseg);
	if (!C.seg)
		die("the data buffer's DMA segments: %s", strerror(errno));

	C.nq = nq;
	if (irq) {
		/* Vector 0 is the admin queue's (polled), q the queue pair q's. */
		if (mapdev_device_irq_vectors(C.dev, nq + 1, NULL, NULL))
			die("%u MSI-X vectors: %s", nq + 1, strerror(errno));
		for (q = 1; q <= nq; q++) {
			C.irqdev[q] = mapdev_pci_open_device(C.pci, O_RDWR | O_NONBLOCK);
			if (!C.irqdev[q] || mapdev_device_irq_vector(C.irqdev[q], q))
				die("a handle on vector %u: %s", q, strerror(errno));
		}
	}

	cap = *reg(0) | (uint64_t)*reg(4) << 32;
	if (cap == ~0ULL)
		die(NO_ANSWER);
	if (!(cap >> 37 & 1))
		die("the controller does not offer the NVM command set (CAP %#llx)",
		    (unsigned long long)cap);
	C.dstrd = (cap >> 32) & 0xf;
	C.timeout_ms = ((cap >> 24) & 0xff) * 500;
	if (!C.timeout_ms)
		C.timeout_ms = 500;
	if ((cap & 0xffff) + 1 < IOQ_DEPTH)
		die("the controller's queues hold %u entries, nvme needs %u",
		    (unsigned int)(cap & 0xffff) + 1, IOQ_DEPTH);
	/* Reset, then the admin queue, then enable. */
	*reg(0x14) = 0;
	wait_ready(false);
	*reg(0x24) = (AQ_DEPTH - 1) << 16 | (AQ_DEPTH - 1);
	*reg(0x28) = (uint32_t)(C.qdma + Q_ASQ * PG);
	*reg(0x2c) = (uint32_t)((C.qdma + Q_ASQ * PG) >> 32);
	*reg(0x30) = (uint32_t)(C.qdma + Q_ACQ * PG);
	*reg(0x34) = (uint32_t)((C.qdma + Q_ACQ * PG) >> 32);
	bus_master(true);
	for (q = 0; q <= nq; q++)
		C.phase[q] = 1;
	*reg(0x14) = 6 << 16 | 4 << 20 | 1;
	C.enabled = true;
	wait_ready(true);

	/* Namespace 1: size and LBA format. */
	admin(0x06, 1, C.qdma + Q_IDENT * PG, 0, 0, "identify namespace 1");
	id = (uint32_t *)(C.q + Q_IDENT * PG);
	C.nsze = id[0] | (uint64_t)id[1] << 32;
	{
		uint8_t flbas = C.q[Q_IDENT * PG + 26] & 0xf;
		uint32_t lbaf = *(uint32_t *)(C.q + Q_IDENT * PG + 128 + 4 * flbas);

		C.lba_size = 1u << ((lbaf >> 16) & 0xff);
	}
	if (!C.nsze || C.lba_size < 512)
		die("namespace 1: size %" PRIu64 ", LBA size %u: not usable", C.nsze, C.lba_size);
	/*
	 * Set Features, Number of Queues (0-based counts; the answer is what
	 * the controller allocated), then the pairs: completion queue q on
	 * vector q with --irq, submission queue q completing into it.
	 */
	admin(0x09, 0, 0, 0x07, (nq - 1) << 16 | (nq - 1), "set the number of queues");
	if ((C.dw0 & 0xffff) + 1 < nq || (C.dw0 >> 16) + 1 < nq)
		die("the controller allocated %u submission and %u completion queues; %u pairs asked for",
		    (C.dw0 & 0xffff) + 1, (C.dw0 >> 16) + 1, nq);
	for (q = 1; q <= nq; q++) {
		admin(0x05, 0, C.qdma + cq_page(q) * PG, (IOQ_DEPTH - 1) << 16 | q,
		      (irq ? q << 16 | 2 : 0) | 1, "create I/O completion queue");
		admin(0x01, 0, C.qdma + sq_page(q) * PG, (IOQ_DEPTH - 1) << 16 | q,
		      q << 16 | 1, "create I/O submission queue");
	}
}

/* Undo what setup() did, as far as it got. */
static void cleanup(void)
{
	static bool done;

	if (done)
		return;
	done = true;
	if (C.enabled) {
		*reg(0x14) = 0;		/* disable: the queues are forgotten */
		wait_ready(false);
	}
	if (C.dev)
		bus_master(false);
	free(C.seg);
	if (C.dmap)
		mapdev_mapping_unmap(C.dmap);
	if (C.qmap)
		mapdev_mapping_unmap(C.qmap);
	if (C.dbuf)
		mapdev_pci_buf_destroy(C.dev, "nvme-data");
	if (C.qbuf)
		mapdev_pci_buf_destroy(C.dev, "nvme-queues");
	if (C.barmap)
		mapdev_mapping_unmap(C.barmap);
	if (C.irqdev[1]) {
		unsigned int q;

		for (q = 1; q <= C.nq; q++)
			if (C.irqdev[q])
				mapdev_device_close(C.irqdev[q]);
		mapdev_device_irq_vectors(C.dev, 1, NULL, NULL);
	}
	if (C.dev)
		mapdev_device_close(C.dev);
	if (C.bound_here && mapdev_pci_unbind(C.pci, MAPDEV_PCI_REPROBE))
		fprintf(stderr, "nvme: unbinding: %s\n", strerror(errno));
	if (C.pci)
		mapdev_pci_close(C.pci);
}

static void show(const char *label, const uint8_t *s, size_t n)
{
	while (n && (s[n - 1] == ' ' || !s[n - 1]))
		n--;
	printf("%s%.*s\n", label, (int)n, (const char *)s);
}

static int cmd_identify(const char *bdf)
{
	uint64_t nsze;
	uint32_t lba;

	setup(bdf, PG, false, 1);
	nsze = C.nsze;
	lba = C.lba_size;
	admin(0x06, 0, C.qdma + Q_IDENT * PG, 1, 0, "identify controller");
	show("model:     ", C.q + Q_IDENT * PG + 24, 40);
	show("serial:    ", C.q + Q_IDENT * PG + 4, 20);
	show("firmware:  ", C.q + Q_IDENT * PG + 64, 8);
	printf("namespace: 1, %" PRIu64 " blocks, %" PRIu64 " bytes\n", nsze, nsze * lba);
	printf("lba size:  %u\n", lba);
	cleanup();
	return 0;
}

static uint64_t number(const char *s, const char *what)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-')
		die("bad %s '%s'", what, s);
	return v;
}

/* read/write COUNT blocks at LBA, through the data buffer in chunks. */
static int cmd_rw(const char *bdf, const char *slba_s, const char *count_s, bool write)
{
	uint64_t slba = number(slba_s, "LBA"), count = number(count_s, "COUNT"), done = 0;
	uint64_t p1, p2, bytes;
	uint32_t per;

	static uint8_t bounce[MAX_XFER];

	if (!count)
		die("COUNT must be at least 1");
	setup(bdf, MAX_XFER, false, 1);
	if (slba >= C.nsze || count > C.nsze - slba)
		die("LBA %" PRIu64 " + %" PRIu64 " blocks is past the end of namespace 1 (%" PRIu64 " blocks of %u bytes)",
		    slba, count, C.nsze, C.lba_size);
	per = MAX_XFER / C.lba_size;
	while (done < count) {
		uint32_t n = count - done < per ? (uint32_t)(count - done) : per;
		uint64_t lba = slba + done;
		uint16_t st;

		bytes = (uint64_t)n * C.lba_size;
		/*
		 * Through a bounce buffer: a file system may pin the pages of
		 * the buffer it reads into (9p, FUSE do), and the device's
		 * mapping has none to pin.
		 */
		if (write) {
			size_t got = fread(bounce, 1, bytes, stdin);

			if (got != bytes)
				die("stdin ended after %" PRIu64 " of %" PRIu64 " bytes",
				    done * C.lba_size + got, count * C.lba_size);
			memcpy(C.data, bounce, bytes);
		}
		prps(0, (uint32_t)bytes, 0, &p1, &p2);
		st = wait_cid(1, submit(1, write ? 0x01 : 0x02, 1, p1, p2, (uint32_t)lba,
					(uint32_t)(lba >> 32), n - 1));
		if (st)
			die("%s of LBA %" PRIu64 " (%u blocks): status %#x", write ? "write" : "read",
			    lba, n, st);
		if (!write) {
			memcpy(bounce, C.data, bytes);
			if (fwrite(bounce, 1, bytes, stdout) != bytes)
				die("writing to stdout: %s", strerror(errno));
		}
		done += n;
	}
	if (write) {
		uint16_t st = wait_cid(1, submit(1, 0x00, 1, 0, 0, 0, 0, 0));	/* flush */

		if (st)
			die("flush: status %#x", st);
	}
	fflush(stdout);
	cleanup();
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int cmd_bench(const char *bdf, int argc, char **argv)
{
	unsigned int qd = 1, nq = 1, seconds = 5, i, q = 0, inflight = 0;
	bool irq = false, json = false;
	uint64_t t_sub[QD_MAX + 1], *lat, nlat = 0, cap_lat = 1 << 20, t0, t_end, blocks;
	uint16_t slot_cid[QD_MAX], cid = 0, st = 0;
	unsigned int seed = 1;
	struct timespec c0, c1;
	double secs, cpu;

	for (i = 0; i < (unsigned int)argc; i++) {
		if (!strcmp(argv[i], "--qd") && i + 1 < (unsigned int)argc)
			qd = number(argv[++i], "queue depth");
		else if (!strcmp(argv[i], "--queues") && i + 1 < (unsigned int)argc)
			nq = number(argv[++i], "queue count");
		else if (!strcmp(argv[i], "--seconds") && i + 1 < (unsigned int)argc)
			seconds = number(argv[++i], "seconds");
		else if (!strcmp(argv[i], "--irq"))
			irq = true;
		else if (!strcmp(argv[i], "--json"))
			json = true;
		else
			die("bench: unknown argument '%s'", argv[i]);
	}
	if (!qd || qd > QD_MAX)
		die("--qd must be 1 to %u", QD_MAX);
	if (!nq || nq > QUEUES_MAX)
		die("--queues must be 1 to %u", QUEUES_MAX);
	if (nq > qd)
		die("--queues %u with --qd %u: each queue pair needs a read in flight (--qd at least --queues)",
		    nq, qd);
	if (!seconds)
		die("--seconds must be at least 1");
	memset(slot_cid, 0, sizeof(slot_cid));
	lat = malloc(cap_lat * sizeof(*lat));
	if (!lat)
		die("out of memory");
	setup(bdf, qd * PG, irq, nq);
	blocks = C.nsze / (PG / C.lba_size);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
	t0 = now_ns();
	t_end = t0 + (uint64_t)seconds * 1000000000u;
	for (;;) {
		bool more = now_ns() < t_end;

		while (more && inflight < qd) {
			unsigned int s;
			uint64_t lba, p1, p2;

			for (s = 0; s < qd && slot_cid[s]; s++)
				;
			/* Slot s is always queue pair s % nq + 1's. */
			lba = (uint64_t)(rand_r(&seed) % blocks) * (PG / C.lba_size);
			prps((uint64_t)s * PG, PG, s, &p1, &p2);
			slot_cid[s] = submit(s % nq + 1, 0x02, 1, p1, p2, (uint32_t)lba,
					     (uint32_t)(lba >> 32), PG / C.lba_size - 1);
			t_sub[s] = now_ns();
			inflight++;
		}
		if (!inflight)
			break;
		/* From the queue pair after the last one reaped, in turn. */
		for (i = 0;; i++) {
			q = (q + 1) % nq;
			if (reap(q + 1, &cid, &st))
				break;
			if (irq && i % nq == nq - 1)
				wait_irqs(1000);
		}
		if (st)
			die("bench read: status %#x", st);
		for (i = 0; i < qd && slot_cid[i] != cid; i++)
			;
		if (i == qd || i % nq != q)
			die("bench: completion of unknown command %u on queue %u", cid, q + 1);
		C.ios[q + 1]++;
		if (nlat < cap_lat)
			lat[nlat++] = now_ns() - t_sub[i];
		slot_cid[i] = 0;
		inflight--;
	}
	secs = (now_ns() - t0) / 1e9;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
	cpu = (c1.tv_sec - c0.tv_sec) + (c1.tv_nsec - c0.tv_nsec) / 1e9;
	qsort(lat, nlat, sizeof(*lat), cmp_u64);
	if (json) {
		printf("{\"bdf\": \"%s\", \"mode\": \"%s\", \"qd\": %u, \"queues\": %u, \"ios\": %" PRIu64
		       ", \"seconds\": %.3f, \"iops\": %.1f, \"p50_us\": %.1f, \"p99_us\": %.1f, \"cpu_s_per_io\": %.9f",
		       bdf, irq ? "irq" : "poll", qd, nq, nlat, secs, nlat / secs,
		       nlat ? lat[nlat / 2] / 1e3 : 0, nlat ? lat[nlat * 99 / 100] / 1e3 : 0,
		       nlat ? cpu / nlat : 0);
		/* Per queue pair: its reads, and the wake-ups its vector gave. */
		for (i = 0; i < 2; i++) {
			printf(", \"%s\": [", i ? "queue_irqs" : "queue_ios");
			for (q = 1; q <= nq; q++)
				printf("%s%" PRIu64, q > 1 ? ", " : "", i ? C.irqs[q] : C.ios[q]);
			printf("]");
		}
		printf("}\n");
	} else {
		printf("%s qd %u, %u queue pair%s: %" PRIu64 " reads in %.2f s: %.0f IOPS, p50 %.1f us, p99 %.1f us, %.1f us CPU an I/O\n",
		       irq ? "irq" : "poll", qd, nq, nq > 1 ? "s" : "", nlat, secs, nlat / secs,
		       nlat ? lat[nlat / 2] / 1e3 : 0, nlat ? lat[nlat * 99 / 100] / 1e3 : 0,
		       nlat ? cpu / nlat * 1e6 : 0);
		for (q = 1; irq && q <= nq; q++)
			printf("  queue pair %u: %" PRIu64 " reads, %" PRIu64 " wake-ups on vector %u\n",
			       q, C.ios[q], C.irqs[q], q);
	}
	free(lat);
	cleanup();
	return 0;
}

int main(int argc, char **argv)
{
	char bdf[MAPDEV_PCI_BDF_LEN];

	if (argc < 3) {
		fprintf(stderr, "usage: nvme BDF identify | read LBA COUNT | write LBA COUNT | bench [--qd N] [--queues Q] [--seconds S] [--irq] [--json]\n");
		return 2;
	}
	if (mapdev_pci_parse_bdf(argv[1], bdf, sizeof(bdf))) {
		fprintf(stderr, "nvme: bad BDF '%s'\n", argv[1]);
		return 2;
	}
	signal(SIGBUS, on_sigbus);
	if (!strcmp(argv[2], "identify") && argc == 3)
		return cmd_identify(bdf);
	if ((!strcmp(argv[2], "read") || !strcmp(argv[2], "write")) && argc == 5)
		return cmd_rw(bdf, argv[3], argv[4], argv[2][0] == 'w');
	if (!strcmp(argv[2], "bench"))
		return cmd_bench(bdf, argc - 3, argv + 3);
	fprintf(stderr, "nvme: unknown command or arguments: %s\n", argv[2]);
	return 2;
}
