// SPDX-License-Identifier: GPL-2.0
/*
 * Interrupt to user-space wake-up latency on QEMU's edu (make bench).
 *
 * Each round: note the time, write edu's interrupt raise register through
 * the mapped BAR, poll() until the interrupt arrives, read its count, note
 * the time; then acknowledge it in the device and unmask as each driver
 * wants.  Side by side in one boot, on the same device:
 *
 *   mapdev_pci, MSI       nothing to unmask
 *   mapdev_pci, INTx      unmask: write 1 at the irq region's offset
 *   uio_pci_generic, INTx BAR0 mapped from sysfs resource0 (uio_pci_generic
 *                         has no memory maps), unmask by clearing INTx
 *                         disable in config space (it has no irqcontrol)
 *
 * The process and each driver's interrupt are pinned to CPU 0: an
 * interrupt taken on the other vCPU wakes the poller with an IPI, which
 * under TCG costs more than everything else and made the samples bimodal.
 * Whichever runs first is slower under TCG (code not yet translated), so
 * every variant is warmed up first, then the variants take turns REPS
 * times.  The ratio is paired: in each repetition a variant's p50 over
 * uio_pci_generic's p50 in the same repetition, and the median of those,
 * so a burst of load on the host hits both sides of a ratio.  p50/p99 are
 * over all samples.  Writes JSON with --json FILE.
 */
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <linux/mapdev.h>

#define BDF "0000:00:10.0"
#define REPS 9		/* interleaved repetitions of every variant */
#define ROUNDS 250	/* interrupts per repetition */
#define WARMUP 300	/* interrupts per variant first, not counted */
#define IRQ_OFF ((off_t)MAPDEV_REGION_OFFSET(7))

static void die(const char *what)
{
	fprintf(stderr, "bench_irq: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void sh(const char *cmd)
{
	if (system(cmd) != 0) {
		fprintf(stderr, "bench_irq: failed: %s\n", cmd);
		exit(1);
	}
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

enum kind { MAPDEV_MSI, MAPDEV_INTX, UIO };

struct result {
	const char *name;
	double p50, p99;
	double lat[REPS * ROUNDS];
	int n;
	double ratio[REPS];	/* paired p50 ratio to uio, per repetition */
	double ratio_median;
};

static void bind(const char *driver, const char *modprobe)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd),
		 "D=/sys/bus/pci/devices/" BDF "; "
		 "[ -e $D/driver ] && echo " BDF " > $D/driver/unbind; "
		 "rmmod mapdev_pci uio_pci_generic 2>/dev/null; %s && "
		 "echo %s > $D/driver_override && echo " BDF " > /sys/bus/pci/drivers_probe",
		 modprobe, driver);
	sh(cmd);
}

/* Steers the function's interrupt (MSI vector or INTx line) to CPU 0. */
static void pin_irq(void)
{
	DIR *d = opendir("/sys/bus/pci/devices/" BDF "/msi_irqs");
	struct dirent *e;
	char path[64];
	int irq = -1;
	FILE *f;

	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.')
			irq = atoi(e->d_name);
	if (d)
		closedir(d);
	if (irq < 0) {
		f = fopen("/sys/bus/pci/devices/" BDF "/irq", "r");
		if (!f || fscanf(f, "%d", &irq) != 1)
			die("irq of " BDF);
		fclose(f);
	}
	snprintf(path, sizeof(path), "/proc/irq/%d/smp_affinity_list", irq);
	f = fopen(path, "w");
	if (!f || fputs("0", f) < 0 || fclose(f))
		die(path);
}

static int open_uio(void)
{
	char path[128], name[64];
	FILE *f = popen("ls /sys/bus/pci/devices/" BDF "/uio", "r");

	if (!f || !fgets(name, sizeof(name), f))
		die("no uio device for " BDF);
	pclose(f);
	name[strcspn(name, "\n")] = '\0';
	snprintf(path, sizeof(path), "/dev/%s", name);
	return open(path, O_RDWR | O_CLOEXEC);
}

/* @rounds interrupts through one driver; their latencies go to @lat. */
static void run(enum kind kind, double *lat, int rounds)
{
	volatile uint32_t *bar;
	int fd, bar_fd, cfg_fd = -1, i;
	uint32_t count, one = 1;

	if (kind == UIO) {
		bind("uio_pci_generic", "modprobe uio_pci_generic");
		fd = open_uio();
		bar_fd = open("/sys/bus/pci/devices/" BDF "/resource0",
			      O_RDWR | O_CLOEXEC);
		cfg_fd = open("/sys/bus/pci/devices/" BDF "/config",
			      O_RDWR | O_CLOEXEC);
	} else {
		bind("mapdev_pci", kind == MAPDEV_MSI ?
		     "modprobe mapdev_pci irq_mode=msi" :
		     "modprobe mapdev_pci irq_mode=intx");
		fd = open("/dev/mapdev/pci-" BDF, O_RDWR | O_CLOEXEC);
		bar_fd = fd;
	}
	if (fd < 0 || bar_fd < 0 || (kind == UIO && cfg_fd < 0))
		die("open");
	pin_irq();
	bar = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_SHARED, bar_fd, 0);
	if (bar == MAP_FAILED)
		die("mmap BAR0");

	for (i = 0; i < rounds; i++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		double t0 = now_us();

		bar[0x60 / 4] = 1;			/* raise */
		if (poll(&p, 1, 5000) != 1)
			die("poll (no interrupt within 5 s)");
		if ((kind == UIO ? read(fd, &count, 4) :
		     pread(fd, &count, 4, IRQ_OFF)) != 4)
			die("read count");
		lat[i] = now_us() - t0;
		bar[0x64 / 4] = 1;			/* acknowledge */
		if (kind == MAPDEV_INTX) {
			if (pwrite(fd, &one, 4, IRQ_OFF) != 4)
				die("unmask");
		} else if (kind == UIO) {
			uint16_t cmd;

			if (pread(cfg_fd, &cmd, 2, 4) != 2)
				die("read command");
			cmd &= ~0x400;			/* INTx disable off */
			if (pwrite(cfg_fd, &cmd, 2, 4) != 2)
				die("write command");
		}
	}
	munmap((void *)bar, 1 << 20);
	close(fd);
	if (bar_fd != fd)
		close(bar_fd);
	if (cfg_fd >= 0)
		close(cfg_fd);
}

static struct result res[3] = {
	{ .name = "uio_pci_generic, INTx" },
	{ .name = "mapdev_pci, INTx" },
	{ .name = "mapdev_pci, MSI" },
};
static const enum kind kinds[3] = { UIO, MAPDEV_INTX, MAPDEV_MSI };
static double scratch[WARMUP > ROUNDS ? WARMUP : ROUNDS];

int main(int argc, char **argv)
{
	const char *json = NULL;
	FILE *f;
	int i, rep;

	if (argc == 3 && !strcmp(argv[1], "--json"))
		json = argv[2];
	else if (argc != 1) {
		fprintf(stderr, "usage: bench_irq [--json FILE]\n");
		return 2;
	}
	if (access("/sys/bus/pci/devices/" BDF, F_OK))
		die("no edu at " BDF " (run under scripts/vm)");
	cpu_set_t cpu0;

	CPU_ZERO(&cpu0);
	CPU_SET(0, &cpu0);
	if (sched_setaffinity(0, sizeof(cpu0), &cpu0))
		die("sched_setaffinity");
	for (i = 0; i < 3; i++)
		run(kinds[i], scratch, WARMUP);
	for (rep = 0; rep < REPS; rep++) {
		double p50[3];

		for (i = 0; i < 3; i++) {
			double *l = res[i].lat + res[i].n;

			run(kinds[i], l, ROUNDS);
			res[i].n += ROUNDS;
			memcpy(scratch, l, ROUNDS * sizeof(double));
			qsort(scratch, ROUNDS, sizeof(double), cmp);
			p50[i] = scratch[ROUNDS / 2];
		}
		for (i = 0; i < 3; i++)
			res[i].ratio[rep] = p50[i] / p50[0];
	}
	for (i = 0; i < 3; i++) {
		qsort(res[i].lat, res[i].n, sizeof(double), cmp);
		res[i].p50 = res[i].lat[res[i].n / 2];
		res[i].p99 = res[i].lat[res[i].n * 99 / 100];
		qsort(res[i].ratio, REPS, sizeof(double), cmp);
		res[i].ratio_median = res[i].ratio[REPS / 2];
	}
	sh("echo " BDF " > /sys/bus/pci/devices/" BDF "/driver/unbind");

	printf("\n%-26s %10s %10s  %s\n", "interrupt -> poll() return",
	       "p50 us", "p99 us", "p50 ratio to uio_pci_generic (paired median, min-max)");
	for (i = 0; i < 3; i++)
		printf("%-26s %10.1f %10.1f  %5.2fx (%.2f-%.2f)\n", res[i].name,
		       res[i].p50, res[i].p99, res[i].ratio_median,
		       res[i].ratio[0], res[i].ratio[REPS - 1]);
	if (json) {
		f = fopen(json, "w");
		if (!f)
			die(json);
		fprintf(f, "{\n  \"samples_per_variant\": %d,\n  \"note\": \"edu under TCG, variants interleaved %d times after a warm-up; compare ratios only\",\n  \"results\": [\n",
			REPS * ROUNDS, REPS);
		for (i = 0; i < 3; i++)
			fprintf(f, "    {\"variant\": \"%s\", \"p50_us\": %.2f, \"p99_us\": %.2f, \"p50_ratio_to_uio\": %.3f, \"ratio_min\": %.3f, \"ratio_max\": %.3f}%s\n",
				res[i].name, res[i].p50, res[i].p99,
				res[i].ratio_median, res[i].ratio[0],
				res[i].ratio[REPS - 1], i < 2 ? "," : "");
		fprintf(f, "  ]\n}\n");
		fclose(f);
		printf("wrote %s\n", json);
	}
	return 0;
}
