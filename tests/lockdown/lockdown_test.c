// SPDX-License-Identifier: GPL-2.0
/*
 * mapdev under kernel lockdown: raw PCI access (BAR mmap and writes,
 * config space writes) is LOCKDOWN_PCI_ACCESS, as sysfs resourceN and
 * config have it, and a physical range is LOCKDOWN_DEV_MEM, as /dev/mem;
 * DMA buffers are not concerned.
 *
 * Raising lockdown cannot be undone until the next boot, so this binary is
 * not in build/tests/vm (which tests/vm/run-all runs in the suite's boot):
 * tests/tests.mk gives it a boot of its own on each kernel (vm-lockdown),
 * with the suite's reserved range.  It loads every module first: once
 * locked down, the kernel loads only signed modules.
 */
#define HARNESS_IMPLEMENTATION
#include <sys/mount.h>
#include "vm/pci_util.h"

const char *harness_suite = "lockdown";

/* "6.1/lockdown": the kernel's name in front, as run-all's suites have. */
__attribute__((constructor)) static void suite_name(void)
{
	static char name[64];
	const char *k = getenv("MAPDEV_VM_KERNEL");

	if (k) {
		snprintf(name, sizeof(name), "%s/lockdown", k);
		harness_suite = name;
	}
}

#define PG 4096UL
#define LOCKDOWN "/sys/kernel/security/lockdown"

static unsigned long long reserved_start(void)
{
	const char *r = getenv("MAPDEV_PHYS_RESERVED");

	if (!r)
		SKIP("MAPDEV_PHYS_RESERVED not set: boot with memmap=SIZE$START (make vm-check does)");
	return strtoull(r, NULL, 0);
}

TEST(raw_access_refused_buffers_not)
{
	off_t cfg = (off_t)MAPDEV_REGION_OFFSET(REGION_CONFIG) + 4;
	unsigned long long start = reserved_start();
	uint32_t v = 0, id;
	char mode[128];
	uint16_t cmd;
	uint8_t *b;
	void *p;
	int fd, bfd, pfd;

	if (access(LOCKDOWN, F_OK))
		mount("none", "/sys/kernel/security", "securityfs", 0, NULL);
	if (read_file(LOCKDOWN, mode, sizeof(mode)))
		SKIP("no %s: this kernel has no lockdown LSM", LOCKDOWN);
	if (!strstr(mode, "[none]"))
		FAILF("locked down already (%s): this test wants its own boot", mode);

	/* Everything loaded and working before. */
	buf_create("ldb", PG, MAPDEV_BACKEND_SG, 0);
	pci_bind(EDU_BDF, "irq_mode=msi");
	sh("rmmod mapdev_phys 2>/dev/null");
	if (sh("modprobe mapdev_phys ranges=ld:%#llx:4K", start))
		FAILF("modprobe mapdev_phys ranges=ld:%#llx:4K failed", start);
	fd = pci_open(EDU_BDF);
	p = map(fd, PG, PROT_READ | PROT_WRITE, 0);
	munmap(p, PG);
	bus_master(fd, 1);
	CHECK_EQ(pwrite(fd, &v, 4, EDU_IRQ_ACK), 4);
	pfd = buf_open("phys-ld", O_RDWR);
	close(pfd);

	CHECK_OK(write_file(LOCKDOWN, "integrity"));
	CHECK_OK(read_file(LOCKDOWN, mode, sizeof(mode)));
	CHECK(strstr(mode, "[integrity]") != NULL);

	/* PCI: reads yes; BAR mmap, BAR writes and config writes no. */
	CHECK_EQ(pread(fd, &id, 4, EDU_ID), 4);
	CHECK_EQ(id & 0xff, 0xed);
	CHECK_EQ(pread(fd, &cmd, 2, cfg), 2);
	CHECK(mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED);
	CHECK_EQ(errno, EPERM);
	CHECK_ERRNO(pwrite(fd, &v, 4, EDU_IRQ_ACK), EPERM);
	CHECK_ERRNO(pwrite(fd, &cmd, 2, cfg), EPERM);
	close(fd);
	fd = pci_open(EDU_BDF);
	CHECK(mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED);
	CHECK_EQ(errno, EPERM);
	/* The interrupt is not raw access. */
	v = 1;
	CHECK_EQ(pwrite(fd, &v, 4, (off_t)MAPDEV_REGION_OFFSET(REGION_IRQ)), 4);
	close(fd);

	/* A physical range is /dev/mem. */
	CHECK_ERRNO(open("/dev/mapdev/phys-ld", O_RDWR), EPERM);
	CHECK_ERRNO(open("/dev/mapdev/phys-ld", O_RDONLY), EPERM);

	/* Buffers work as before. */
	bfd = buf_open("ldb", O_RDWR);
	b = map(bfd, PG, PROT_READ | PROT_WRITE, 0);
	b[5] = 0x42;
	CHECK_EQ(pread(bfd, &v, 1, 5), 1);
	CHECK_EQ(v & 0xff, 0x42);
	munmap(b, PG);
	close(bfd);

	buf_destroy("ldb");
	CHECK_OK(pci_unbind(EDU_BDF));
	CHECK_EQ(sh("rmmod mapdev_phys mapdev_pci mapdev_buf"), 0);
}
