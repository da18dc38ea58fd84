// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmarks of mapdev buffers, run in the test VM (make bench).
 *
 * Every figure is the median of RUNS runs, measured side by side in one
 * boot against what a user would otherwise pick, and reported as a ratio:
 *
 *  1. map + first touch of 64 MiB: map_mode fault, batch and populate
 *     (the whole mapping at the first fault),
 *     against anonymous memory with MAP_POPULATE (the kernel's best path)
 *     and anonymous memory faulted page by page;
 *  2. sequential read and write of a mapped cached buffer against the same
 *     loops over anonymous memory;
 *  3. reading 1 MiB blocks with read() (the copy path) against reading them
 *     through the mapping.
 *
 * Prints a table and writes JSON to the file named by --json.
 */
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

#define RUNS 7
#define MAP_SIZE (64UL << 20)
#define PG 4096UL

static const char *const mode_param = "/sys/module/mapdev_core/parameters/map_mode";

static void die(const char *what)
{
	fprintf(stderr, "bench_buf: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void set_mode(const char *mode)
{
	FILE *f = fopen(mode_param, "w");

	if (!f || fputs(mode, f) < 0 || fclose(f))
		die(mode_param);
}

static int ctl_fd;

static void create(const char *name, uint64_t size)
{
	struct mapdev_buf_create c = {
		.argsz = sizeof(c), .size = size, .backend = MAPDEV_BACKEND_SG,
	};
	struct mapdev_buf_destroy d = { .argsz = sizeof(d) };

	snprintf(c.name, sizeof(c.name), "%s", name);
	snprintf(d.name, sizeof(d.name), "%s", name);
	ioctl(ctl_fd, MAPDEV_BUF_IOC_DESTROY, &d);
	if (ioctl(ctl_fd, MAPDEV_BUF_IOC_CREATE, &c))
		die("create buffer");
}

static int open_buf(const char *name)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/dev/mapdev/%s", name);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		die(path);
	return fd;
}

/* Touches one byte per page: the cost of getting every page mapped. */
static void touch(volatile uint8_t *p, size_t size)
{
	size_t i;

	for (i = 0; i < size; i += PG)
		p[i] = (uint8_t)i;
}

static double time_map_touch_dev(int fd)
{
	double t = now();
	uint8_t *p = mmap(NULL, MAP_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (p == MAP_FAILED)
		die("mmap buffer");
	touch(p, MAP_SIZE);
	munmap(p, MAP_SIZE);
	return now() - t;
}

static double time_map_touch_anon(int extra)
{
	double t = now();
	uint8_t *p = mmap(NULL, MAP_SIZE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | extra, -1, 0);

	if (p == MAP_FAILED)
		die("mmap anonymous");
	touch(p, MAP_SIZE);
	munmap(p, MAP_SIZE);
	return now() - t;
}

static uint64_t sink;

static double time_seq_read(const uint64_t *p, size_t size)
{
	double t = now();
	uint64_t s = 0;
	size_t i;

	for (i = 0; i < size / 8; i++)
		s += p[i];
	sink += s;
	return now() - t;
}

static double time_seq_write(uint64_t *p, size_t size)
{
	double t = now();
	size_t i;

	for (i = 0; i < size / 8; i++)
		p[i] = i;
	return now() - t;
}

/* Reads the buffer in 1 MiB blocks: with read() into a user buffer... */
static double time_read_copy(int fd, uint8_t *dst, size_t size)
{
	double t = now();
	size_t off;

	for (off = 0; off < size; off += 1 << 20)
		if (pread(fd, dst, 1 << 20, off) != 1 << 20)
			die("pread");
	return now() - t;
}

/* ...and by consuming the same bytes where they are, through the mapping. */
static double time_read_mapped(const uint8_t *p, size_t size)
{
	return time_seq_read((const uint64_t *)p, size);
}

struct result {
	const char *group, *name, *baseline;
	double seconds, ratio;
};

static struct result results[32];
static int nresults;

static void record(const char *group, const char *name, double *v,
		   const char *baseline, double base)
{
	struct result *r = &results[nresults++];

	r->group = group;
	r->name = name;
	r->seconds = median(v, RUNS);
	r->baseline = baseline;
	r->ratio = base > 0 ? r->seconds / base : 1.0;
}

int main(int argc, char **argv)
{
	double v[RUNS], anon_pop, anon_rd, anon_wr, copy_rd;
	static const char *const modes[] = { "fault", "batch", "populate" };
	const char *json = NULL;
	uint8_t *p, *anon, *dst;
	char oldmode[32] = "batch";
	FILE *f;
	int fd, i, m;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json") && i + 1 < argc)
			json = argv[++i];
		else {
			fprintf(stderr, "usage: bench_buf [--json FILE]\n");
			return 2;
		}
	}
	ctl_fd = open("/dev/mapdev/buf-control", O_RDWR | O_CLOEXEC);
	if (ctl_fd < 0)
		die("/dev/mapdev/buf-control (is mapdev_buf loaded?)");
	f = fopen(mode_param, "r");
	if (f) {
		if (fscanf(f, "%31s", oldmode) != 1)
			strcpy(oldmode, "batch");
		fclose(f);
	}
	create("bench", MAP_SIZE);
	fd = open_buf("bench");

	/* 1. map + first touch */
	for (i = 0; i < RUNS; i++)
		v[i] = time_map_touch_anon(MAP_POPULATE);
	record("map+touch 64 MiB", "anonymous, MAP_POPULATE", v,
	       "anonymous, MAP_POPULATE", 0);
	anon_pop = results[nresults - 1].seconds;
	for (i = 0; i < RUNS; i++)
		v[i] = time_map_touch_anon(0);
	record("map+touch 64 MiB", "anonymous, faulted", v,
	       "anonymous, MAP_POPULATE", anon_pop);
	for (m = 0; m < 3; m++) {
		static char names[3][48];

		set_mode(modes[m]);
		for (i = 0; i < RUNS; i++)
			v[i] = time_map_touch_dev(fd);
		snprintf(names[m], sizeof(names[m]), "mapdev sg, map_mode=%s",
			 modes[m]);
		record("map+touch 64 MiB", names[m], v,
		       "anonymous, MAP_POPULATE", anon_pop);
	}
	set_mode(oldmode);

	/* 2. sequential access, pages already mapped */
	p = mmap(NULL, MAP_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
		 fd, 0);
	anon = mmap(NULL, MAP_SIZE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (p == MAP_FAILED || anon == MAP_FAILED)
		die("mmap");
	touch(p, MAP_SIZE);
	touch(anon, MAP_SIZE);
	for (i = 0; i < RUNS; i++)
		v[i] = time_seq_read((uint64_t *)anon, MAP_SIZE);
	record("sequential 64 MiB", "read anonymous", v, "read anonymous", 0);
	anon_rd = results[nresults - 1].seconds;
	for (i = 0; i < RUNS; i++)
		v[i] = time_seq_read((uint64_t *)p, MAP_SIZE);
	record("sequential 64 MiB", "read mapdev (cached)", v, "read anonymous",
	       anon_rd);
	for (i = 0; i < RUNS; i++)
		v[i] = time_seq_write((uint64_t *)anon, MAP_SIZE);
	record("sequential 64 MiB", "write anonymous", v, "write anonymous", 0);
	anon_wr = results[nresults - 1].seconds;
	for (i = 0; i < RUNS; i++)
		v[i] = time_seq_write((uint64_t *)p, MAP_SIZE);
	record("sequential 64 MiB", "write mapdev (cached)", v,
	       "write anonymous", anon_wr);

	/* 3. copy path against the mapping, 1 MiB blocks */
	dst = malloc(1 << 20);
	if (!dst)
		die("malloc");
	memset(dst, 0, 1 << 20);
	for (i = 0; i < RUNS; i++)
		v[i] = time_read_copy(fd, dst, MAP_SIZE);
	record("64 MiB in 1 MiB blocks", "read() copy path", v,
	       "read() copy path", 0);
	copy_rd = results[nresults - 1].seconds;
	for (i = 0; i < RUNS; i++)
		v[i] = time_read_mapped(p, MAP_SIZE);
	record("64 MiB in 1 MiB blocks", "read through the mapping", v,
	       "read() copy path", copy_rd);
	munmap(p, MAP_SIZE);
	munmap(anon, MAP_SIZE);
	close(fd);

	printf("%-24s %-32s %10s  %s\n", "benchmark", "variant", "median ms",
	       "ratio to baseline");
	for (i = 0; i < nresults; i++)
		printf("%-24s %-32s %10.2f  %5.2fx %s\n", results[i].group,
		       results[i].name, results[i].seconds * 1e3,
		       results[i].ratio, results[i].baseline);
	if (json) {
		f = fopen(json, "w");
		if (!f)
			die(json);
		fprintf(f, "{\n  \"runs\": %d,\n  \"note\": \"medians, TCG guest; compare ratios only\",\n  \"results\": [\n",
			RUNS);
		for (i = 0; i < nresults; i++)
			fprintf(f, "    {\"benchmark\": \"%s\", \"variant\": \"%s\", \"median_seconds\": %.6f, \"baseline\": \"%s\", \"ratio\": %.3f}%s\n",
				results[i].group, results[i].name,
				results[i].seconds, results[i].baseline,
				results[i].ratio, i + 1 < nresults ? "," : "");
		fprintf(f, "  ]\n}\n");
		fclose(f);
		printf("wrote %s\n", json);
	}
	return 0;
}
