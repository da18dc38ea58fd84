// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark of O_DIRECT from a mapdev mapping, run in the test VM (make
 * bench): a filled 64 MiB sg buffer written to a block device (the VM's
 * virtio disk mapdev-disk0, a host file) with O_DIRECT, three ways, in one
 * boot and interleaved run by run:
 *
 *  1. straight from the mapdev mapping (its pages are pinned and DMAed);
 *  2. memcpy() into anonymous memory, then O_DIRECT from there: what users
 *     of PFN-mapped buffers do today;
 *  3. O_DIRECT from anonymous memory already holding the data: the limit
 *     (transparent huge pages where the kernel gives them, as by default);
 *  4. the same from anonymous memory in 4 KiB pages (MADV_NOHUGEPAGE), as
 *     the mapping is: what the page size alone costs.
 *
 * Every figure is the median of RUNS runs; 1 is reported as a ratio to 2
 * and to 3.  Prints a table and writes JSON to the file named by --json.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/mapdev.h>

#include "bench_util.h"

#define RUNS 15
#define SIZE (64UL << 20)

static void die(const char *what)
{
	fprintf(stderr, "bench_io: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* /dev/vdX whose serial is mapdev-disk0 (scripts/vm --disk FILE). */
static int open_disk(void)
{
	char path[300], serial[64] = "";
	struct dirent *e;
	int tries, fd;
	DIR *d;

	if (system("modprobe virtio_blk 2>/dev/null"))
		fprintf(stderr, "bench_io: modprobe virtio_blk failed (built in?)\n");
	for (tries = 0; tries < 100; tries++) {
		d = opendir("/sys/block");
		while (d && (e = readdir(d))) {
			FILE *f;

			if (strncmp(e->d_name, "vd", 2))
				continue;
			snprintf(path, sizeof(path), "/sys/block/%s/serial", e->d_name);
			f = fopen(path, "r");
			if (!f)
				continue;
			if (!fgets(serial, sizeof(serial), f))
				serial[0] = '\0';
			fclose(f);
			serial[strcspn(serial, "\n")] = '\0';
			if (strcmp(serial, "mapdev-disk0"))
				continue;
			closedir(d);
			snprintf(path, sizeof(path), "/dev/%s", e->d_name);
			fd = open(path, O_RDWR | O_DIRECT | O_CLOEXEC);
			if (fd < 0)
				die(path);
			return fd;
		}
		if (d)
			closedir(d);
		usleep(100000);
	}
	errno = ENODEV;
	die("no disk mapdev-disk0 (scripts/vm --disk FILE; make bench attaches one)");
	return -1;
}

static void write_all(int bd, const void *p)
{
	if (pwrite(bd, p, SIZE, 0) != (ssize_t)SIZE)
		die("O_DIRECT write");
}

static double time_direct(int bd, const uint8_t *p)
{
	double t = now();

	write_all(bd, p);
	return now() - t;
}

static double time_copy_direct(int bd, const uint8_t *p, uint8_t *bounce)
{
	double t = now();

	memcpy(bounce, p, SIZE);
	write_all(bd, bounce);
	return now() - t;
}

/* What the disk holds now is the buffer's: the benchmark wrote the data. */
static void verify(int bd, const uint8_t *p, uint8_t *scratch)
{
	if (pread(bd, scratch, SIZE, 0) != (ssize_t)SIZE)
		die("O_DIRECT read back");
	if (memcmp(scratch, p, SIZE)) {
		fprintf(stderr, "bench_io: the disk does not hold the buffer's bytes\n");
		exit(1);
	}
}

int main(int argc, char **argv)
{
	double vmap[RUNS], vcopy[RUNS], vanon[RUNS], vsmall[RUNS], map, copy, anon, small;
	struct mapdev_buf_create c = {
		.argsz = sizeof(c), .size = SIZE, .backend = MAPDEV_BACKEND_SG,
	};
	struct mapdev_buf_destroy d = { .argsz = sizeof(d) };
	const char *json = NULL;
	uint8_t *p, *bounce, *src, *src4k;
	int ctl, fd, bd, i, k;
	FILE *f;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json") && i + 1 < argc)
			json = argv[++i];
		else {
			fprintf(stderr, "usage: bench_io [--json FILE]\n");
			return 2;
		}
	}
	ctl = open("/dev/mapdev/buf-control", O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		die("/dev/mapdev/buf-control (is mapdev_buf loaded?)");
	snprintf(c.name, sizeof(c.name), "bench-io");
	snprintf(d.name, sizeof(d.name), "bench-io");
	ioctl(ctl, MAPDEV_BUF_IOC_DESTROY, &d);
	if (ioctl(ctl, MAPDEV_BUF_IOC_CREATE, &c))
		die("create buffer");
	fd = open("/dev/mapdev/bench-io", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		die("/dev/mapdev/bench-io");
	bd = open_disk();
	p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	bounce = mmap(NULL, SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	src = mmap(NULL, SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	src4k = mmap(NULL, SIZE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED || bounce == MAP_FAILED || src == MAP_FAILED ||
	    src4k == MAP_FAILED || madvise(src4k, SIZE, MADV_NOHUGEPAGE))
		die("mmap");
	/* A filled buffer, as an acquisition leaves it. */
	for (size_t j = 0; j < SIZE; j += 8)
		*(uint64_t *)(p + j) = j * 0x9e3779b97f4a7c15ULL;
	memcpy(src, p, SIZE);
	memcpy(src4k, p, SIZE);
	memset(bounce, 0, SIZE);

	/* One warm-up of each, then the runs, the order rotating. */
	time_direct(bd, p);
	time_copy_direct(bd, p, bounce);
	time_direct(bd, src);
	time_direct(bd, src4k);
	for (i = 0; i < RUNS; i++)
		for (k = 0; k < 4; k++)
			switch ((i + k) % 4) {
			case 0:
				vmap[i] = time_direct(bd, p);
				break;
			case 1:
				vcopy[i] = time_copy_direct(bd, p, bounce);
				break;
			case 2:
				vanon[i] = time_direct(bd, src);
				break;
			default:
				vsmall[i] = time_direct(bd, src4k);
				break;
			}
	time_direct(bd, p);
	verify(bd, p, bounce);
	map = median(vmap, RUNS);
	copy = median(vcopy, RUNS);
	anon = median(vanon, RUNS);
	small = median(vsmall, RUNS);

	printf("O_DIRECT write of a filled 64 MiB buffer to %s, medians of %d runs\n",
	       "mapdev-disk0", RUNS);
	printf("%-40s %10s\n", "variant", "median ms");
	printf("%-40s %10.2f\n", "mapdev mapping, O_DIRECT", map * 1e3);
	printf("%-40s %10.2f\n", "memcpy into anonymous, then O_DIRECT", copy * 1e3);
	printf("%-40s %10.2f\n", "anonymous, O_DIRECT", anon * 1e3);
	printf("%-40s %10.2f\n", "anonymous 4 KiB pages, O_DIRECT", small * 1e3);
	printf("mapdev / memcpy path: %.3fx (target <= 0.6)\n", map / copy);
	printf("mapdev / anonymous:   %.3fx (target <= 1.05)\n", map / anon);
	printf("mapdev / anonymous 4 KiB pages: %.3fx\n", map / small);
	if (json) {
		f = fopen(json, "w");
		if (!f)
			die(json);
		fprintf(f, "{\n  \"runs\": %d,\n  \"note\": \"medians, TCG guest, virtio-blk disk on a host file; compare ratios only\",\n  \"results\": [\n",
			RUNS);
		fprintf(f, "    {\"benchmark\": \"O_DIRECT write 64 MiB\", \"variant\": \"memcpy into anonymous, then O_DIRECT\", \"median_seconds\": %.6f, \"baseline\": \"memcpy into anonymous, then O_DIRECT\", \"ratio\": 1.000},\n",
			copy);
		fprintf(f, "    {\"benchmark\": \"O_DIRECT write 64 MiB\", \"variant\": \"anonymous, O_DIRECT\", \"median_seconds\": %.6f, \"baseline\": \"anonymous, O_DIRECT\", \"ratio\": 1.000},\n",
			anon);
		fprintf(f, "    {\"benchmark\": \"O_DIRECT write 64 MiB\", \"variant\": \"mapdev mapping, O_DIRECT\", \"median_seconds\": %.6f, \"baseline\": \"memcpy into anonymous, then O_DIRECT\", \"ratio\": %.3f},\n",
			map, map / copy);
		fprintf(f, "    {\"benchmark\": \"O_DIRECT write 64 MiB\", \"variant\": \"mapdev mapping, O_DIRECT\", \"median_seconds\": %.6f, \"baseline\": \"anonymous, O_DIRECT\", \"ratio\": %.3f},\n",
			map, map / anon);
		fprintf(f, "    {\"benchmark\": \"O_DIRECT write 64 MiB\", \"variant\": \"anonymous 4 KiB pages, O_DIRECT\", \"median_seconds\": %.6f, \"baseline\": \"anonymous, O_DIRECT\", \"ratio\": %.3f},\n",
			small, small / anon);
		fprintf(f, "    {\"benchmark\": \"O_DIRECT write 64 MiB\", \"variant\": \"mapdev mapping, O_DIRECT\", \"median_seconds\": %.6f, \"baseline\": \"anonymous 4 KiB pages, O_DIRECT\", \"ratio\": %.3f}\n",
			map, map / small);
		fprintf(f, "  ]\n}\n");
		fclose(f);
		printf("wrote %s\n", json);
	}
	munmap(p, SIZE);
	munmap(bounce, SIZE);
	munmap(src, SIZE);
	munmap(src4k, SIZE);
	close(fd);
	ioctl(ctl, MAPDEV_BUF_IOC_DESTROY, &d);
	close(bd);
	close(ctl);
	return 0;
}
