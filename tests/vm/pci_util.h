/* SPDX-License-Identifier: GPL-2.0 */
/*
 * PCI helpers for the VM tests: the test VM (scripts/vm) puts QEMU's edu
 * at 00:10.0 (its default 28-bit DMA mask), a second edu with a 64-bit
 * mask at 00:11.0, and ivshmem-plain at 00:12.0 (BAR2 backed by the host
 * file $MAPDEV_IVSHMEM_FILE); with --nvme IMG (as the suite runs it),
 * QEMU's nvme at 00:13.0 (MSI-X, its namespace the host file
 * $MAPDEV_NVME_IMAGE).
 */
#ifndef MAPDEV_PCI_UTIL_H
#define MAPDEV_PCI_UTIL_H

#include <poll.h>
#include "mapdev_test.h"

#define EDU_BDF		"0000:00:10.0"
#define EDU_WIDE_BDF	"0000:00:11.0"
#define IVSHMEM_BDF	"0000:00:12.0"
#define NVME_BDF	"0000:00:13.0"

#define REGION_CONFIG	6
#define REGION_IRQ	7

/* edu registers (QEMU docs/specs/edu.rst) */
#define EDU_ID		0x00
#define EDU_LIVENESS	0x04
#define EDU_FACT	0x08
#define EDU_STATUS	0x20
#define EDU_IRQ_STATUS	0x24
#define EDU_IRQ_RAISE	0x60
#define EDU_IRQ_ACK	0x64
#define EDU_DMA_SRC	0x80
#define EDU_DMA_DST	0x88
#define EDU_DMA_COUNT	0x90
#define EDU_DMA_CMD	0x98
#define EDU_DMA_START	0x01
#define EDU_DMA_TO_RAM	0x02
#define EDU_DMA_IRQ	0x04
#define EDU_BUF		0x40000	/* its 4 KiB internal buffer, for DMA */

static inline int pci_present(const char *bdf)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", bdf);
	return access(path, F_OK) == 0;
}

/* Binds @bdf to mapdev_pci (loaded with @params, NULL: as it is). */
static inline void pci_bind(const char *bdf, const char *params)
{
	char path[128];

	if (!pci_present(bdf))
		SKIP("no PCI function %s: scripts/vm attaches edu and ivshmem there",
		     bdf);
	need_module("mapdev_pci", params);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", bdf);
	if (access(path, F_OK) == 0)
		sh("echo %s > %s/unbind", bdf, path);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override", bdf);
	if (write_file(path, "mapdev_pci"))
		FAILF("driver_override %s: %s", bdf, strerror(errno));
	if (write_file("/sys/bus/pci/drivers_probe", bdf))
		FAILF("probe %s: %s", bdf, strerror(errno));
	snprintf(path, sizeof(path), "/dev/mapdev/pci-%s", bdf);
	if (access(path, F_OK))
		FAILF("%s did not appear", path);
}

/*
 * Takes both edu functions from whatever driver holds them and loads
 * mapdev_edu with @params (it binds both).
 */
static inline void edu_load_params(const char *params)
{
	const char *bdfs[] = { EDU_BDF, EDU_WIDE_BDF };
	char path[160];
	unsigned int i;

	for (i = 0; i < 2; i++) {
		if (!pci_present(bdfs[i]))
			SKIP("no PCI function %s: scripts/vm attaches edu there",
			     bdfs[i]);
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override",
			 bdfs[i]);
		write_file(path, "\n");
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", bdfs[i]);
		if (access(path, F_OK) == 0)
			sh("echo %s > %s/unbind", bdfs[i], path);
	}
	sh("rmmod mapdev_edu 2>/dev/null");
	if (sh("modprobe mapdev_edu %s", params))
		FAILF("modprobe mapdev_edu %s failed", params);
}

/* A module parameter's value, e.g. sysfs_param("mapdev_pci", "irq_mode"). */
static inline const char *sysfs_param(const char *mod, const char *param)
{
	static char v[64];
	char path[160];

	snprintf(path, sizeof(path), "/sys/module/%s/parameters/%s", mod, param);
	if (read_file(path, v, sizeof(v)))
		FAILF("read %s: %s", path, strerror(errno));
	return v;
}

static inline int pci_unbind(const char *bdf)
{
	return write_file("/sys/bus/pci/drivers/mapdev_pci/unbind", bdf);
}

/*
 * Undoes pci_bind() for a suite that only borrowed @bdf: unbound from
 * mapdev_pci, no driver_override left, so a later suite finds it as the
 * VM booted (mapdev_pci holds no device of core's).
 */
static inline void pci_release(const char *bdf)
{
	char path[128];

	if (pci_unbind(bdf))
		FAILF("unbind %s from mapdev_pci: %s", bdf, strerror(errno));
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override", bdf);
	if (write_file(path, "\n"))
		FAILF("clear driver_override of %s: %s", bdf, strerror(errno));
}

static inline int pci_open(const char *bdf)
{
	char name[64];

	snprintf(name, sizeof(name), "pci-%s", bdf);
	return buf_open(name, O_RDWR);
}

static inline struct mapdev_region_info region_info(int fd, unsigned int i)
{
	struct mapdev_region_info ri = { .argsz = sizeof(ri), .index = i };

	if (ioctl(fd, MAPDEV_IOC_REGION_INFO, &ri))
		FAILF("REGION_INFO %u: %s", i, strerror(errno));
	return ri;
}

static inline volatile uint32_t *reg32(volatile void *bar, unsigned int off)
{
	return (volatile uint32_t *)((volatile char *)bar + off);
}

static inline volatile uint64_t *reg64(volatile void *bar, unsigned int off)
{
	return (volatile uint64_t *)((volatile char *)bar + off);
}

/* Waits for an interrupt with poll(), then returns the count. */
static inline uint32_t wait_irq(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint32_t count;
	int n = poll(&p, 1, timeout_ms);

	if (n != 1)
		FAILF("poll for an interrupt: %s", n ? strerror(errno) : "timed out");
	if (!(p.revents & POLLIN))
		FAILF("poll revents 0x%x", p.revents);
	if (pread(fd, &count, 4, (off_t)MAPDEV_REGION_OFFSET(REGION_IRQ)) != 4)
		FAILF("read irq count: %s", strerror(errno));
	return count;
}

static inline void irq_unmask(int fd)
{
	uint32_t one = 1;

	if (pwrite(fd, &one, 4, (off_t)MAPDEV_REGION_OFFSET(REGION_IRQ)) != 4)
		FAILF("unmask: %s", strerror(errno));
}

static inline void bus_master(int fd, int on)
{
	uint16_t cmd;
	off_t cfg = (off_t)MAPDEV_REGION_OFFSET(REGION_CONFIG);

	if (pread(fd, &cmd, 2, cfg + 4) != 2)
		FAILF("read command register: %s", strerror(errno));
	cmd = on ? cmd | 0x4 : cmd & ~0x4;
	if (pwrite(fd, &cmd, 2, cfg + 4) != 2)
		FAILF("write command register: %s", strerror(errno));
}

#endif /* MAPDEV_PCI_UTIL_H */
