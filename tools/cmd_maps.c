// SPDX-License-Identifier: GPL-2.0
/*
 * mapdev maps: a process's mappings as a table (or JSON), each classified,
 * with device names and mapdev mappings marked.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mapdev-tool.h"

static const char maps_usage[] =
"Usage: mapdev maps [PID] [OPTION]...\n"
"\n"
"Show every mapping of process PID (default: mapdev itself): address\n"
"range, size, permissions (rwx, p private / s shared), offset, the device\n"
"major:minor of the file with its name, inode, kind and path.  Kinds: text,\n"
"data, bss, heap, stack, vdso, vvar, vsyscall, anon, shm (shared memory),\n"
"file, device.  mapdev mappings are marked with the device name, region,\n"
"backend, cache mode and (for root) DMA address.\n"
"\n"
"  -s, --summary      totals by kind instead of every mapping; the total\n"
"                     is pmap -x's \"total kB\"\n"
"  -S, --smaps        add RSS, PSS and swap from /proc/PID/smaps\n"
"  -j, --json         one JSON object: pid, command, total_kib, mappings\n"
"                     (or summary); see mapdev(1)\n"
"      --color WHEN   highlight mapdev mappings: auto (on a terminal),\n"
"                     always or never\n"
"  -h, --help         this help\n";

struct maps_opts {
	bool summary;
	bool smaps;
	bool json;
	bool color;
};

static void read_comm(pid_t pid, char *buf, size_t len)
{
	char path[64];
	FILE *f;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(buf, len, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

/* ------------------------------------------------------------- JSON */

static void json_mapdev(const struct mapdev_vma *v)
{
	uint64_t dma;

	if (!mapdev_vma_is_mapdev(v)) {
		printf("null");
		return;
	}
	printf("{\"name\": ");
	json_str(stdout, mapdev_vma_mapdev_name(v));
	printf(", \"region\": %u, \"region_name\": ",
	       mapdev_vma_mapdev_region(v));
	json_str(stdout, mapdev_vma_mapdev_region_name(v));
	printf(", \"backend\": ");
	json_str(stdout, mapdev_vma_mapdev_backend(v));
	printf(", \"cache\": ");
	json_str(stdout, mapdev_vma_mapdev_cache(v));
	printf(", \"size\": ");
	if (mapdev_vma_mapdev_size(v))
		printf("%" PRIu64, mapdev_vma_mapdev_size(v));
	else
		printf("null");
	printf(", \"dma_addr\": ");
	if (mapdev_vma_mapdev_dma_addr(v, &dma))
		printf("\"0x%" PRIx64 "\"", dma);
	else
		printf("null");
	printf(", \"nr_segments\": ");
	if (mapdev_vma_mapdev_nr_segments(v))
		printf("%u}", mapdev_vma_mapdev_nr_segments(v));
	else
		printf("null}");
}

static void json_vma(const struct mapdev_vma *v, bool smaps)
{
	char dev[32];

	snprintf(dev, sizeof(dev), "%u:%u", mapdev_vma_dev_major(v),
		 mapdev_vma_dev_minor(v));
	printf("{\"start\": \"0x%" PRIx64 "\", \"end\": \"0x%" PRIx64 "\", "
	       "\"size_kib\": %" PRIu64 ", \"perms\": \"%s\", "
	       "\"offset\": \"0x%" PRIx64 "\", \"dev\": \"%s\", "
	       "\"dev_name\": ", mapdev_vma_start(v), mapdev_vma_end(v),
	       mapdev_vma_size(v) >> 10, mapdev_vma_perms(v),
	       mapdev_vma_offset(v), dev);
	json_str(stdout, mapdev_vma_dev_name(v));
	printf(", \"inode\": %" PRIu64 ", \"path\": ", mapdev_vma_inode(v));
	json_str(stdout, mapdev_vma_path(v));
	printf(", \"deleted\": %s, \"kind\": \"%s\"",
	       mapdev_vma_deleted(v) ? "true" : "false",
	       mapdev_vma_kind_name(mapdev_vma_kind(v)));
	if (mapdev_vma_rdev_major(v) || mapdev_vma_rdev_minor(v)) {
		printf(", \"rdev\": \"%u:%u\", \"rdev_name\": ",
		       mapdev_vma_rdev_major(v), mapdev_vma_rdev_minor(v));
		json_str(stdout, mapdev_vma_rdev_name(v));
	}
	if (smaps)
		printf(", \"rss_kib\": %" PRIu64 ", \"pss_kib\": %" PRIu64
		       ", \"swap_kib\": %" PRIu64, mapdev_vma_rss_kib(v),
		       mapdev_vma_pss_kib(v), mapdev_vma_swap_kib(v));
	printf(", \"mapdev\": ");
	json_mapdev(v);
	printf("}");
}

/* ------------------------------------------------------------ totals */

struct totals {
	unsigned int count;
	uint64_t kib, rss, pss, swap;
};

static void add(struct totals *t, const struct mapdev_vma *v)
{
	t->count++;
	t->kib += mapdev_vma_size(v) >> 10;
	t->rss += mapdev_vma_rss_kib(v);
	t->pss += mapdev_vma_pss_kib(v);
	t->swap += mapdev_vma_swap_kib(v);
}

static void sum(const struct mapdev_maps *maps, struct totals *kinds,
		struct totals *all)
{
	size_t i;

	memset(all, 0, sizeof(*all));
	memset(kinds, 0, sizeof(*kinds) * (MAPDEV_VMA_KIND_MAX + 1));
	for (i = 0; i < mapdev_maps_count(maps); i++) {
		const struct mapdev_vma *v = mapdev_maps_get(maps, i);

		add(&kinds[mapdev_vma_kind(v)], v);
		add(all, v);
	}
}

static void json_totals(const struct totals *t, bool smaps)
{
	if (smaps)
		printf(", \"rss_kib\": %" PRIu64 ", \"pss_kib\": %" PRIu64
		       ", \"swap_kib\": %" PRIu64, t->rss, t->pss, t->swap);
}

static void print_json(const struct mapdev_maps *maps, const char *comm,
		       const struct maps_opts *o)
{
	struct totals kinds[MAPDEV_VMA_KIND_MAX + 1], all;
	unsigned int k;
	size_t i, n;

	sum(maps, kinds, &all);
	printf("{\"pid\": %d, \"command\": ", (int)mapdev_maps_pid(maps));
	json_str(stdout, comm);
	printf(", \"total_kib\": %" PRIu64, all.kib);
	json_totals(&all, o->smaps);
	if (o->summary) {
		printf(", \"summary\": [");
		for (k = 0, n = 0; k <= MAPDEV_VMA_KIND_MAX; k++) {
			if (!kinds[k].count)
				continue;
			printf("%s\n  {\"kind\": \"%s\", \"count\": %u, "
			       "\"size_kib\": %" PRIu64, n++ ? "," : "",
			       mapdev_vma_kind_name(k), kinds[k].count,
			       kinds[k].kib);
			json_totals(&kinds[k], o->smaps);
			printf("}");
		}
		printf("]}\n");
		return;
	}
	printf(", \"mappings\": [");
	for (i = 0; i < mapdev_maps_count(maps); i++) {
		printf("%s\n  ", i ? "," : "");
		json_vma(mapdev_maps_get(maps, i), o->smaps);
	}
	printf("]}\n");
}

/* ------------------------------------------------------------- human */

static int hexwidth(uint64_t v)
{
	int n = 1;

	while (v >>= 4)
		n++;
	return n;
}

static void print_mapdev_note(const struct mapdev_vma *v)
{
	const char *rn = mapdev_vma_mapdev_region_name(v);
	uint64_t dma;
	char sz[32];

	printf("  <- mapdev %s region %u", mapdev_vma_mapdev_name(v),
	       mapdev_vma_mapdev_region(v));
	if (rn && strcmp(rn, mapdev_vma_mapdev_name(v)))
		printf(" '%s'", rn);
	if (mapdev_vma_mapdev_size(v))
		printf(" %s", human_size(mapdev_vma_mapdev_size(v), sz,
					 sizeof(sz)));
	if (mapdev_vma_mapdev_backend(v))
		printf(" %s", mapdev_vma_mapdev_backend(v));
	if (mapdev_vma_mapdev_cache(v))
		printf(" %s", mapdev_vma_mapdev_cache(v));
	if (mapdev_vma_mapdev_dma_addr(v, &dma))
		printf(" dma 0x%" PRIx64, dma);
	if (mapdev_vma_mapdev_nr_segments(v) > 1)
		printf(" (the first of %u DMA segments: mapdev buf info %s "
		       "--segments)", mapdev_vma_mapdev_nr_segments(v),
		       mapdev_vma_mapdev_name(v));
}

/* One mapping's columns, without trailing blanks or a newline. */
static void print_row(const struct mapdev_vma *v, int w, bool smaps)
{
	const char *name = mapdev_vma_dev_name(v);
	char line[8192], sz[32], dev[64];
	size_t k;

	snprintf(dev, sizeof(dev), "%u:%u%s%s", mapdev_vma_dev_major(v),
		 mapdev_vma_dev_minor(v), name ? " " : "", name ? name : "");
	k = snprintf(line, sizeof(line), "%0*" PRIx64 "-%0*" PRIx64 " %6s", w,
		     mapdev_vma_start(v), w, mapdev_vma_end(v),
		     human_size(mapdev_vma_size(v), sz, sizeof(sz)));
	if (smaps) {
		char a[32], b[32], c[32];

		k += snprintf(line + k, sizeof(line) - k, " %6s %6s %6s",
			      human_size(mapdev_vma_rss_kib(v) << 10, a,
					 sizeof(a)),
			      human_size(mapdev_vma_pss_kib(v) << 10, b,
					 sizeof(b)),
			      human_size(mapdev_vma_swap_kib(v) << 10, c,
					 sizeof(c)));
	}
	k += snprintf(line + k, sizeof(line) - k,
		      " %s %08" PRIx64 " %-16s %9" PRIu64 " %-8s %s%s",
		      mapdev_vma_perms(v), mapdev_vma_offset(v), dev,
		      mapdev_vma_inode(v),
		      mapdev_vma_kind_name(mapdev_vma_kind(v)),
		      mapdev_vma_path(v) ? mapdev_vma_path(v) : "",
		      mapdev_vma_deleted(v) ? " (deleted)" : "");
	if (k >= sizeof(line))
		k = sizeof(line) - 1;
	while (k && line[k - 1] == ' ')
		line[--k] = '\0';
	fputs(line, stdout);
	/* The node's own number: what makes it this device. */
	if (mapdev_vma_kind(v) == MAPDEV_VMA_DEVICE &&
	    (mapdev_vma_rdev_major(v) || mapdev_vma_rdev_minor(v)))
		printf(" [%u:%u %s]", mapdev_vma_rdev_major(v),
		       mapdev_vma_rdev_minor(v),
		       mapdev_vma_rdev_name(v) ? mapdev_vma_rdev_name(v) :
		       "?");
}

static void print_table(const struct mapdev_maps *maps, const char *comm,
			const struct maps_opts *o)
{
	struct totals kinds[MAPDEV_VMA_KIND_MAX + 1], all;
	size_t i, n = mapdev_maps_count(maps);
	unsigned int nmapdev = 0;
	int w = 8;

	sum(maps, kinds, &all);
	for (i = 0; i < n; i++) {
		const struct mapdev_vma *v = mapdev_maps_get(maps, i);

		if (hexwidth(mapdev_vma_end(v) - 1) > w)
			w = hexwidth(mapdev_vma_end(v) - 1);
	}
	printf("pid %d (%s): %zu mappings, %" PRIu64 " KiB\n",
	       (int)mapdev_maps_pid(maps), comm[0] ? comm : "?", n, all.kib);
	if (!n) {
		printf("no user mappings (a kernel thread, or a process that "
		       "has exited)\n");
		return;
	}
	printf("%-*s %6s", 2 * w + 1, "ADDRESS", "SIZE");
	if (o->smaps)
		printf(" %6s %6s %6s", "RSS", "PSS", "SWAP");
	printf(" PERM %8s %-16s %9s %-8s PATH\n", "OFFSET", "DEVICE",
	       "INODE", "KIND");
	for (i = 0; i < n; i++) {
		const struct mapdev_vma *v = mapdev_maps_get(maps, i);
		bool hl = mapdev_vma_is_mapdev(v) && o->color;

		if (hl)
			printf("\033[1;33m");
		print_row(v, w, o->smaps);
		if (mapdev_vma_is_mapdev(v)) {
			print_mapdev_note(v);
			nmapdev++;
		}
		if (hl)
			printf("\033[0m");
		printf("\n");
	}
	printf("total %" PRIu64 " KiB", all.kib);
	if (o->smaps)
		printf(", RSS %" PRIu64 " KiB, PSS %" PRIu64 " KiB, swap %"
		       PRIu64 " KiB", all.rss, all.pss, all.swap);
	if (nmapdev)
		printf(", %u mapdev mapping%s", nmapdev,
		       nmapdev == 1 ? "" : "s");
	printf("\n");
}

static void print_summary(const struct mapdev_maps *maps, const char *comm,
			  const struct maps_opts *o)
{
	struct totals kinds[MAPDEV_VMA_KIND_MAX + 1], all;
	unsigned int k;

	sum(maps, kinds, &all);
	printf("pid %d (%s)\n", (int)mapdev_maps_pid(maps),
	       comm[0] ? comm : "?");
	printf("%-9s %6s %10s", "KIND", "COUNT", "KIB");
	if (o->smaps)
		printf(" %10s %10s %10s", "RSS_KIB", "PSS_KIB", "SWAP_KIB");
	printf("\n");
	for (k = 0; k <= MAPDEV_VMA_KIND_MAX + 1; k++) {
		const struct totals *t = k <= MAPDEV_VMA_KIND_MAX ?
					 &kinds[k] : &all;

		if (!t->count && k <= MAPDEV_VMA_KIND_MAX)
			continue;
		printf("%-9s %6u %10" PRIu64, k <= MAPDEV_VMA_KIND_MAX ?
		       mapdev_vma_kind_name(k) : "total", t->count, t->kib);
		if (o->smaps)
			printf(" %10" PRIu64 " %10" PRIu64 " %10" PRIu64,
			       t->rss, t->pss, t->swap);
		printf("\n");
	}
}

/* ------------------------------------------------------------- main */

static const struct option maps_opts_long[] = {
	{ "summary", no_argument, NULL, 's' },
	{ "smaps", no_argument, NULL, 'S' },
	{ "json", no_argument, NULL, 'j' },
	{ "color", required_argument, NULL, 'C' },
	{ "colour", required_argument, NULL, 'C' },
	{ "help", no_argument, NULL, 'h' },
	{ }
};

static int parse_pid(const char *s, pid_t *pid)
{
	unsigned long v = 0;
	const char *p;

	if (!strcmp(s, "self")) {
		*pid = getpid();
		return 0;
	}
	for (p = s; *p; p++) {
		if (*p < '0' || *p > '9' || v > (unsigned long)INT_MAX / 10)
			return -1;
		v = v * 10 + (*p - '0');
	}
	if (p == s || !v || v > INT_MAX)
		return -1;
	*pid = v;
	return 0;
}

int cmd_maps(int argc, char **argv)
{
	struct maps_opts o = { };
	const char *color = "auto";
	struct mapdev_maps *maps;
	char comm[64];
	pid_t pid;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":sSjh", maps_opts_long,
				NULL)) != -1) {
		switch (c) {
		case 's':
			o.summary = true;
			break;
		case 'S':
			o.smaps = true;
			break;
		case 'j':
			o.json = true;
			break;
		case 'C':
			color = optarg;
			break;
		case 'h':
			fputs(maps_usage, stdout);
			return EXIT_OK;
		default:
			return getopt_error(c, argv);
		}
	}
	if (!strcmp(color, "always")) {
		o.color = true;
	} else if (!strcmp(color, "auto")) {
		const char *term = getenv("TERM");

		o.color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR") &&
			  !(term && !strcmp(term, "dumb"));
	} else if (strcmp(color, "never")) {
		return usage_error("bad --color '%s': expected auto, always or "
				   "never", color);
	}
	if (argc - optind > 1)
		return usage_error("unexpected argument '%s'",
				   argv[optind + 1]);
	pid = getpid();
	if (argc - optind == 1 && parse_pid(argv[optind], &pid))
		return usage_error("bad PID '%s': expected a process ID",
				   argv[optind]);

	maps = mapdev_maps_read(pid, o.smaps ? MAPDEV_MAPS_SMAPS : 0);
	if (!maps) {
		if (errno == ESRCH)
			return fail("no process with PID %d", (int)pid);
		if (errno == EACCES || errno == EPERM)
			return fail("cannot read /proc/%d/%s: %s (only root "
				    "or the process's owner may)", (int)pid,
				    o.smaps ? "smaps" : "maps",
				    strerror(errno));
		return fail("cannot read the mappings of PID %d: %s",
			    (int)pid, strerror(errno));
	}
	read_comm(pid, comm, sizeof(comm));
	if (o.json)
		print_json(maps, comm, &o);
	else if (o.summary)
		print_summary(maps, comm, &o);
	else
		print_table(maps, comm, &o);
	mapdev_maps_free(maps);
	if (fflush(stdout) || ferror(stdout))
		return fail("write error: %s", strerror(errno));
	return EXIT_OK;
}
