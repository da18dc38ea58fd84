// SPDX-License-Identifier: GPL-2.0
/*
 * VM tests of mapdev_pci's MSI-X against QEMU's nvme controller, which
 * scripts/vm --nvme puts at 00:13.0 (65 vectors, the table and PBA in
 * BAR 0 after the doorbells): the vector count, per-vector waits, masks
 * and eventfds (interrupts made by real NVMe commands), the errnos of bad
 * vectors, counts and eventfds, unbind waking every vector, and the MSI-X
 * table user space cannot rewrite.
 */
#define HARNESS_IMPLEMENTATION
#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include "pci_util.h"

const char *harness_suite = "msix";

#define PG 4096UL
#define QD 16			/* entries of every queue here */

static void need_nvme(void)
{
	if (!pci_present(NVME_BDF))
		SKIP("no NVMe controller at %s: scripts/vm --nvme IMG attaches one", NVME_BDF);
	pci_bind(NVME_BDF, "");
}

static struct mapdev_pci_irqs irqs_get(int fd)
{
	struct mapdev_pci_irqs a = { .argsz = sizeof(a) };

	CHECK_OK(ioctl(fd, MAPDEV_PCI_IOC_IRQS, &a));
	return a;
}

static int irqs_set(int fd, uint32_t count)
{
	struct mapdev_pci_irqs a = {
		.argsz = sizeof(a), .flags = MAPDEV_PCI_IRQS_F_SET, .count = count,
	};

	return ioctl(fd, MAPDEV_PCI_IOC_IRQS, &a);
}

static int set_vector(int fd, uint32_t v)
{
	struct mapdev_irq_vector iv = { .argsz = sizeof(iv), .vector = v };

	return ioctl(fd, MAPDEV_IOC_SET_IRQ_VECTOR, &iv);
}

static int set_eventfd(int fd, uint32_t v, int efd)
{
	struct mapdev_set_eventfd se = {
		.argsz = sizeof(se), .flags = MAPDEV_EVENTFD_F_VECTOR, .fd = efd,
		.vector = v,
	};

	return ioctl(fd, MAPDEV_IOC_SET_EVENTFD, &se);
}

/* Entries in sysfs msi_irqs: the vectors the kernel gave the function. */
static int msi_irqs(void)
{
	return sh("exit $(ls /sys/bus/pci/devices/" NVME_BDF "/msi_irqs 2>/dev/null | wc -l)");
}

/* The MSI-X capability's table size, from config space. */
static unsigned int msix_table_size(int fd)
{
	off_t cfg = (off_t)MAPDEV_REGION_OFFSET(REGION_CONFIG);
	uint8_t c[256];
	int pos, hops = 0;

	CHECK_EQ(pread(fd, c, sizeof(c), cfg), 256);
	for (pos = c[0x34] & ~3; pos >= 0x40 && hops++ < 48; pos = c[pos + 1] & ~3)
		if (c[pos] == 0x11)
			return ((c[pos + 2] | c[pos + 3] << 8) & 0x7ff) + 1;
	FAILF("no MSI-X capability in config space");
}

/* Whether a poll() of @fd says POLLIN within @ms. */
static int pollin(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) == 1 && (p.revents & POLLIN);
}

/* -- a minimal NVMe host: admin queue, one I/O queue pair ------------------- */

struct nvme {
	int fd, bfd;
	volatile uint8_t *bar;
	uint8_t *mem;			/* the coherent buffer: queues, data */
	uint64_t dma;
	unsigned int dstrd;
	unsigned int sq_tail[2], cq_head[2], phase[2];
	uint16_t cid;
};

/* Buffer layout */
#define ASQ_OFF	0
#define ACQ_OFF	PG
#define IOSQ_OFF (2 * PG)
#define IOCQ_OFF (3 * PG)
#define DATA_OFF (4 * PG)
#define NVME_BUF (8 * PG)

static volatile uint32_t *nreg(struct nvme *n, unsigned int off)
{
	return (volatile uint32_t *)(n->bar + off);
}

static void nvme_wait_rdy(struct nvme *n, int rdy)
{
	int i;

	for (i = 0; i < 5000; i++) {
		if ((*nreg(n, 0x1c) & 1) == (uint32_t)rdy)
			return;
		usleep(1000);
	}
	FAILF("CSTS.RDY did not become %d", rdy);
}

static void nvme_up(struct nvme *n, int fd)
{
	struct mapdev_buf_create c = {
		.argsz = sizeof(c), .size = NVME_BUF,
		.backend = MAPDEV_BACKEND_COHERENT, .cache = MAPDEV_CACHE_CACHED,
	};
	struct mapdev_region_info ri;
	uint64_t cap;

	memset(n, 0, sizeof(*n));
	n->fd = fd;
	strcpy(c.name, "msixq");
	CHECK_OK(ioctl(fd, MAPDEV_PCI_IOC_BUF_CREATE, &c));
	n->bfd = buf_open("msixq", O_RDWR);
	ri = region_info(n->bfd, 0);
	n->dma = ri.dma_addr;
	CHECK(n->dma != 0);
	n->mem = map(n->bfd, NVME_BUF, PROT_READ | PROT_WRITE, 0);
	n->bar = map(fd, 2 * PG, PROT_READ | PROT_WRITE, 0);
	cap = *nreg(n, 0) | (uint64_t)*nreg(n, 4) << 32;
	n->dstrd = (cap >> 32) & 0xf;
	*nreg(n, 0x14) = 0;
	nvme_wait_rdy(n, 0);
	*nreg(n, 0x24) = (QD - 1) << 16 | (QD - 1);
	*nreg(n, 0x28) = (uint32_t)(n->dma + ASQ_OFF);
	*nreg(n, 0x2c) = (uint32_t)((n->dma + ASQ_OFF) >> 32);
	*nreg(n, 0x30) = (uint32_t)(n->dma + ACQ_OFF);
	*nreg(n, 0x34) = (uint32_t)((n->dma + ACQ_OFF) >> 32);
	bus_master(fd, 1);
	*nreg(n, 0x14) = 6 << 16 | 4 << 20 | 1;
	nvme_wait_rdy(n, 1);
	n->phase[0] = n->phase[1] = 1;
}

/* Submit a command on queue @q (0 admin, 1 I/O); returns its cid. */
static uint16_t nvme_submit(struct nvme *n, int q, uint8_t opc, uint32_t nsid,
			    uint64_t prp1, uint32_t cdw10, uint32_t cdw11,
			    uint32_t cdw12)
{
	uint32_t *sqe = (uint32_t *)(n->mem + (q ? IOSQ_OFF : ASQ_OFF) +
				     64 * n->sq_tail[q]);
	uint16_t cid = ++n->cid;

	memset(sqe, 0, 64);
	sqe[0] = opc | (uint32_t)cid << 16;
	sqe[1] = nsid;
	sqe[6] = (uint32_t)prp1;
	sqe[7] = (uint32_t)(prp1 >> 32);
	sqe[10] = cdw10;
	sqe[11] = cdw11;
	sqe[12] = cdw12;
	n->sq_tail[q] = (n->sq_tail[q] + 1) % QD;
	__sync_synchronize();
	*nreg(n, 0x1000 + (2 * q) * (4 << n->dstrd)) = n->sq_tail[q];
	return cid;
}

/* Wait (spinning on memory) for the next completion of queue @q; status. */
static uint16_t nvme_complete(struct nvme *n, int q, uint16_t cid)
{
	volatile uint32_t *cqe = (volatile uint32_t *)(n->mem + (q ? IOCQ_OFF : ACQ_OFF) +
						       16 * n->cq_head[q]);
	uint32_t dw3;
	int i;

	for (i = 0; i < 200000; i++) {
		dw3 = cqe[3];
		if (((dw3 >> 16) & 1) == n->phase[q])
			break;
		if (i > 1000)
			usleep(1);
	}
	if (((dw3 >> 16) & 1) != n->phase[q])
		FAILF("no completion on queue %d for command %u", q, cid);
	CHECK_EQ(dw3 & 0xffff, cid);
	if (++n->cq_head[q] == QD) {
		n->cq_head[q] = 0;
		n->phase[q] ^= 1;
	}
	*nreg(n, 0x1000 + (2 * q + 1) * (4 << n->dstrd)) = n->cq_head[q];
	return (dw3 >> 17) & 0x7fff;
}

static void nvme_admin(struct nvme *n, uint8_t opc, uint32_t nsid, uint64_t prp1,
		       uint32_t cdw10, uint32_t cdw11)
{
	uint16_t cid = nvme_submit(n, 0, opc, nsid, prp1, cdw10, cdw11, 0);
	uint16_t st = nvme_complete(n, 0, cid);

	if (st)
		FAILF("admin command %#x: status %#x", opc, st);
}

/* I/O queue pair 1, its completions on MSI-X vector @iv. */
static void nvme_io_queues(struct nvme *n, unsigned int iv)
{
	nvme_admin(n, 0x05, 0, n->dma + IOCQ_OFF, (QD - 1) << 16 | 1,
		   iv << 16 | 2 | 1);
	nvme_admin(n, 0x01, 0, n->dma + IOSQ_OFF, (QD - 1) << 16 | 1, 1 << 16 | 1);
}

static void nvme_down(struct nvme *n)
{
	*nreg(n, 0x14) = 0;
	nvme_wait_rdy(n, 0);
	bus_master(n->fd, 0);
	munmap((void *)n->bar, 2 * PG);
	munmap(n->mem, NVME_BUF);
	close(n->bfd);
}

/* -- the tests ---------------------------------------------------------------- */

TEST(msix_one_vector_until_asked)
{
	struct mapdev_pci_irqs a;
	int fd;

	need_nvme();
	fd = pci_open(NVME_BDF);
	a = irqs_get(fd);
	CHECK_EQ(a.type, MAPDEV_IRQ_TYPE_MSIX);
	CHECK_EQ(a.count, 1);
	CHECK_EQ(a.max, msix_table_size(fd));
	CHECK_EQ(msi_irqs(), 1);
	/* QEMU's nvme: table and PBA in BAR 0, past the registers. */
	CHECK_EQ(a.table_bar, 0);
	CHECK_EQ(a.table_size, a.max * 16);
	CHECK_EQ(a.pba_size, (a.max + 63) / 64 * 8);
	CHECK(a.table_offset >= 0x1000);
	CHECK(region_info(fd, REGION_IRQ).flags & MAPDEV_REGION_F_IRQ);
	CHECK(!strcmp(sysfs_param("mapdev_pci", "irq_mode"), "auto"));
	close(fd);
	CHECK_OK(pci_unbind(NVME_BDF));
}

/* All 65 vectors: slow on the debug kernel under TCG. */
TEST_TIMEOUT(msix_count_set_and_refused, 300)
{
	struct mapdev_pci_irqs a = { .argsz = sizeof(a) };
	int fd;

	need_nvme();
	fd = pci_open(NVME_BDF);
	a = irqs_get(fd);
	CHECK_OK(irqs_set(fd, 8));
	CHECK_EQ(irqs_get(fd).count, 8);
	CHECK_EQ(msi_irqs(), 8);
	/* Each errno, and nothing changes. */
	CHECK_ERRNO(irqs_set(fd, a.max + 1), ERANGE);
	CHECK_ERRNO(irqs_set(fd, 0), EINVAL);
	a.flags = 1u << 7;
	CHECK_ERRNO(ioctl(fd, MAPDEV_PCI_IOC_IRQS, &a), EINVAL);
	a.flags = 0;
	a.reserved = 1;
	CHECK_ERRNO(ioctl(fd, MAPDEV_PCI_IOC_IRQS, &a), EINVAL);
	CHECK_EQ(irqs_get(fd).count, 8);
	CHECK_EQ(msi_irqs(), 8);
	/* All of them, then one again. */
	CHECK_OK(irqs_set(fd, irqs_get(fd).max));
	CHECK_EQ(msi_irqs(), (int)irqs_get(fd).max);
	CHECK_OK(irqs_set(fd, 1));
	CHECK_EQ(msi_irqs(), 1);
	close(fd);
	CHECK_OK(pci_unbind(NVME_BDF));
}

TEST(msix_bad_vectors_and_eventfds)
{
	struct mapdev_set_eventfd se = { .argsz = sizeof(se), .fd = -1, .vector = 1 };
	int fd, fd5, efd, pfd[2];
	long long ev0;
	struct pollfd p;

	need_nvme();
	ev0 = core_stat("eventfds");
	fd = pci_open(NVME_BDF);
	CHECK_ERRNO(set_vector(fd, 1), ENXIO);
	CHECK_ERRNO(set_eventfd(fd, 1, -1), ENXIO);
	CHECK_OK(irqs_set(fd, 8));
	CHECK_ERRNO(set_vector(fd, 8), ENXIO);
	CHECK_ERRNO(set_eventfd(fd, 8, -1), ENXIO);
	CHECK_OK(set_vector(fd, 7));
	/* A vector without the flag: EINVAL (the field was reserved). */
	CHECK_ERRNO(ioctl(fd, MAPDEV_IOC_SET_EVENTFD, &se), EINVAL);
	CHECK_OK(pipe(pfd));
	CHECK_ERRNO(set_eventfd(fd, 3, pfd[0]), EINVAL);
	CHECK_ERRNO(set_eventfd(fd, 3, 1000), EBADF);
	close(pfd[0]);
	close(pfd[1]);
	/* A file whose vector goes away: ENXIO and POLLERR, woken. */
	fd5 = pci_open(NVME_BDF);
	efd = eventfd(0, EFD_CLOEXEC);
	CHECK_OK(set_vector(fd5, 5));
	CHECK_OK(set_eventfd(fd5, 5, efd));
	CHECK_EQ(core_stat("eventfds"), ev0 + 1);
	CHECK_OK(irqs_set(fd, 2));
	CHECK_EQ(core_stat("eventfds"), ev0);	/* vector 5's eventfd dropped */
	CHECK_ERRNO(pread(fd5, &se, 4, (off_t)MAPDEV_REGION_OFFSET(REGION_IRQ)), ENXIO);
	p = (struct pollfd){ .fd = fd5, .events = POLLIN };
	CHECK_EQ(poll(&p, 1, 0), 1);
	CHECK(p.revents & POLLERR);
	close(efd);
	close(fd5);
	close(fd);
	CHECK_OK(pci_unbind(NVME_BDF));
}

/*
 * Real interrupts: admin completions on vector 0, an I/O queue's on
 * vector 3, each counted, polled and signalled on its own; a masked
 * vector delivers once unmasked.
 */
TEST(msix_vectors_fire_on_their_own)
{
	int fd, fd3, efd;
	uint64_t ev;
	struct nvme n;
	uint16_t cid;

	need_nvme();
	fd = pci_open(NVME_BDF);
	CHECK_OK(irqs_set(fd, 4));
	fd3 = pci_open(NVME_BDF);
	CHECK_OK(set_vector(fd3, 3));
	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	CHECK_OK(set_eventfd(fd, 3, efd));
	nvme_up(&n, fd);

	/* Identify controller: the admin queue's vector, 0. */
	nvme_admin(&n, 0x06, 0, n.dma + DATA_OFF, 1, 0);
	CHECK(wait_irq(fd, 5000) >= 1);
	CHECK(!memcmp(n.mem + DATA_OFF + 4, "mapdev-nvme0", 12));	/* serial */
	nvme_io_queues(&n, 3);
	usleep(100000);
	if (pollin(fd, 0))
		wait_irq(fd, 0);	/* the two admin completions' */
	CHECK(!pollin(fd3, 0));

	/* A read of LBA 0 on I/O queue 1: vector 3 only. */
	cid = nvme_submit(&n, 1, 0x02, 1, n.dma + DATA_OFF, 0, 0, 0);
	CHECK_EQ(wait_irq(fd3, 5000), 1);
	CHECK_EQ(nvme_complete(&n, 1, cid), 0);
	CHECK_EQ(read(efd, &ev, 8), 8);
	CHECK_EQ(ev, 1);
	usleep(100000);
	CHECK(!pollin(fd, 0));

	/* Masked: the command completes, no interrupt until unmasked. */
	CHECK_EQ(pwrite(fd3, &(uint32_t){ 0 }, 4, (off_t)MAPDEV_REGION_OFFSET(REGION_IRQ)), 4);
	cid = nvme_submit(&n, 1, 0x02, 1, n.dma + DATA_OFF, 0, 0, 0);
	CHECK_EQ(nvme_complete(&n, 1, cid), 0);
	CHECK(!pollin(fd3, 300));
	irq_unmask(fd3);
	CHECK_EQ(wait_irq(fd3, 5000), 2);
	CHECK_EQ(read(efd, &ev, 8), 8);
	CHECK(!pollin(fd, 0));

	nvme_down(&n);
	close(efd);
	close(fd3);
	CHECK_OK(ioctl(fd, MAPDEV_PCI_IOC_BUF_DESTROY,
		       &(struct mapdev_buf_destroy){ .argsz = sizeof(struct mapdev_buf_destroy),
						     .name = "msixq" }));
	close(fd);
	CHECK_OK(pci_unbind(NVME_BDF));
}

struct waiter {
	int fd;
	int err;
};

static void *wait_one(void *arg)
{
	struct waiter *w = arg;
	uint32_t v;

	w->err = pread(w->fd, &v, 4, (off_t)MAPDEV_REGION_OFFSET(REGION_IRQ)) < 0 ? errno : 0;
	return NULL;
}

TEST(msix_unbind_wakes_every_vector)
{
	struct waiter w[4];
	pthread_t t[4];
	int fd, efd[4], i;
	long long ev0;

	need_nvme();
	ev0 = core_stat("eventfds");
	fd = pci_open(NVME_BDF);
	CHECK_OK(irqs_set(fd, 4));
	for (i = 0; i < 4; i++) {
		w[i].fd = pci_open(NVME_BDF);
		w[i].err = -1;
		CHECK_OK(set_vector(w[i].fd, i));
		efd[i] = eventfd(0, EFD_CLOEXEC);
		CHECK_OK(set_eventfd(fd, i, efd[i]));
		CHECK_OK(pthread_create(&t[i], NULL, wait_one, &w[i]));
	}
	CHECK_EQ(core_stat("eventfds"), ev0 + 4);
	usleep(200000);
	for (i = 0; i < 4; i++)
		CHECK_EQ(w[i].err, -1);		/* all still waiting */
	CHECK_OK(pci_unbind(NVME_BDF));
	for (i = 0; i < 4; i++) {
		CHECK_OK(pthread_join(t[i], NULL));
		CHECK_EQ(w[i].err, ENODEV);
		close(w[i].fd);
		close(efd[i]);
	}
	CHECK_EQ(core_stat("eventfds"), ev0);
	close(fd);
}

/* The MSI-X table and PBA: read-only to user space, the vectors intact. */
TEST(msix_table_not_writable)
{
	struct mapdev_pci_irqs a;
	uint32_t entry[4], again[4], junk[4] = { 0xfee01000, 0, 0x4242, 0 };
	uint64_t first, bar0;
	void *p;
	int fd;

	need_nvme();
	fd = pci_open(NVME_BDF);
	CHECK_OK(irqs_set(fd, 2));
	a = irqs_get(fd);
	bar0 = region_info(fd, 0).size;
	first = a.table_offset & ~(PG - 1);
	/* The whole BAR, writable: refused; read-only: fine. */
	CHECK_ERRNO(mmap(NULL, bar0, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), EACCES);
	CHECK_ERRNO(mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, first), EACCES);
	CHECK_ERRNO(mmap(NULL, PG, PROT_WRITE, MAP_SHARED, fd,
			 (a.pba_offset & ~(PG - 1))), EACCES);
	p = map(fd, bar0, PROT_READ, 0);
	memcpy(entry, (char *)p + a.table_offset, 16);
	CHECK(entry[0] != 0);			/* vector 0's address, programmed */
	CHECK_ERRNO(mprotect(p, bar0, PROT_READ | PROT_WRITE), EACCES);
	munmap(p, bar0);
	/* The registers before it map writable. */
	p = map(fd, first, PROT_READ | PROT_WRITE, 0);
	munmap(p, first);
	/* write() into the table or PBA: EACCES; read() works. */
	CHECK_ERRNO(pwrite(fd, junk, 16, a.table_offset), EACCES);
	CHECK_ERRNO(pwrite(fd, junk, 4, a.table_offset + 16 + 8), EACCES);
	CHECK_ERRNO(pwrite(fd, junk, 8, a.table_offset - 4), EACCES);
	CHECK_ERRNO(pwrite(fd, junk, 8, a.pba_offset), EACCES);
	CHECK_EQ(pread(fd, again, 16, a.table_offset), 16);
	CHECK(!memcmp(entry, again, 16));
	close(fd);
	CHECK_OK(pci_unbind(NVME_BDF));
}

/* Functions without MSI-X: MSI as before, one vector, max 1. */
TEST(msi_function_has_one_vector)
{
	struct mapdev_pci_irqs a;
	int fd;

	pci_bind(EDU_BDF, "");
	fd = pci_open(EDU_BDF);
	a = irqs_get(fd);
	CHECK_EQ(a.type, MAPDEV_IRQ_TYPE_MSI);
	CHECK_EQ(a.count, 1);
	CHECK_EQ(a.max, 1);
	CHECK_EQ(a.table_size, 0);
	CHECK_OK(irqs_set(fd, 1));
	CHECK_ERRNO(irqs_set(fd, 2), ERANGE);
	CHECK_ERRNO(set_vector(fd, 1), ENXIO);
	CHECK_OK(set_vector(fd, 0));
	close(fd);
	CHECK_OK(pci_unbind(EDU_BDF));
}
