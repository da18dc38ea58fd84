// SPDX-License-Identifier: GPL-2.0
/*
 * mapdev buf create|list|info|rm: DMA buffers through the control device.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mapdev-tool.h"

static const char buf_usage[] =
"Usage: mapdev buf create NAME SIZE [--backend coherent|contig|sg]\n"
"                                   [--cache cached|uncached|wc] [--json]\n"
"       mapdev buf list [--json]\n"
"       mapdev buf info NAME [--segments] [--json]\n"
"       mapdev buf rm NAME...\n"
"\n"
"DMA buffers: mapdev_buf's, made through /dev/mapdev/buf-control, and\n"
"those of PCI functions (mapdev pci buf create).  Each buffer NAME is the\n"
"device /dev/mapdev/NAME.\n";

static const char create_usage[] =
"Usage: mapdev buf create NAME SIZE [OPTION]...\n"
"\n"
"Create the buffer /dev/mapdev/NAME of SIZE bytes (rounded up to the page\n"
"size, zero-filled).  SIZE takes K, M and G suffixes: 4096, 0x1000, 64K,\n"
"16M, 1G.  NAME: up to 31 characters of A-Z a-z 0-9 _ . -, not starting\n"
"with '.' or '-'.\n"
"\n"
"  -b, --backend B   coherent (default: dma_alloc_coherent), contig\n"
"                    (physically contiguous pages) or sg (scattered pages,\n"
"                    any size)\n"
"  -c, --cache C     cached (default), uncached or wc (write-combined):\n"
"                    how user mappings are cached\n"
"  -d, --device BDF  allocate and DMA-map it for the PCI function BDF,\n"
"                    whatever driver has it: its DMA address is that\n"
"                    function's (an IOVA behind an IOMMU); it goes away\n"
"                    when a driver binds or unbinds the function, or it\n"
"                    is removed\n"
"  -j, --json        print the new buffer as 'buf info --json' does\n"
"  -h, --help        this help\n";

static const char list_usage[] =
"Usage: mapdev buf list [--json]\n"
"\n"
"List every buffer, whoever made it (mapdev_buf or a PCI function): name,\n"
"size, backend, cache mode, live mappings, open files and owner.  Reads\n"
"/sys/class/mapdev/: needs no privileges.  --json prints a list of objects\n"
"with name, size (bytes), backend, cache, map_count, open_count, driver\n"
"and owner.\n";

static const char info_usage[] =
"Usage: mapdev buf info NAME [--segments] [--json]\n"
"\n"
"Show one buffer: size, backend, cache mode, counts, owner, its regions\n"
"and (for root) its DMA address.  The regions need the device itself to be\n"
"open: root, or the group mapdev.\n"
"\n"
"  -s, --segments   list its DMA segments too: DMA address, offset, length\n"
"                   (root: CAP_SYS_ADMIN)\n"
"  -j, --json       one JSON object (shape in mapdev(1))\n"
"  -h, --help       this help\n";

static const char rm_usage[] =
"Usage: mapdev buf rm NAME...\n"
"\n"
"Destroy buffers, mapdev_buf's or a PCI function's.  Every mapping of them\n"
"is revoked: a process that touches one afterwards gets SIGBUS.  Needs\n"
"root.\n";

static const struct option json_opts[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "segments", no_argument, NULL, 's' },
	{ "help", no_argument, NULL, 'h' },
	{ }
};

static struct mapdev_bufctl *open_ctl(void)
{
	struct mapdev_bufctl *ctl = mapdev_bufctl_open();

	if (!ctl) {
		if (errno == ENOENT)
			fail("%s: no such device (is the mapdev_buf module "
			     "loaded?)", MAPDEV_BUFCTL_PATH);
		else if (errno == EACCES || errno == EPERM)
			fail("%s: %s (%s)", MAPDEV_BUFCTL_PATH,
			     strerror(errno), access_hint(MAPDEV_BUFCTL_PATH));
		else
			fail("%s: %s", MAPDEV_BUFCTL_PATH, strerror(errno));
	}
	return ctl;
}

/* A backend's name, or its number when this tool does not know it. */
static const char *backend_str(unsigned int v, char *buf, size_t len)
{
	const char *name = mapdev_backend_name(v);

	if (name)
		return name;
	snprintf(buf, len, "%u", v);
	return buf;
}

static const char *cache_str(unsigned int v, char *buf, size_t len)
{
	const char *name = mapdev_cache_name(v);

	if (name)
		return name;
	snprintf(buf, len, "%u", v);
	return buf;
}

/*
 * Parse [--json] [--help] (and [--segments] when @segments is not NULL)
 * and exactly @nargs positional arguments.
 */
static int simple_args(int argc, char **argv, const char *help, int nargs,
		       bool at_least, bool *json, bool *segments)
{
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":jsh", json_opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			*json = true;
			break;
		case 's':
			if (!segments)
				return getopt_error('?', argv);
			*segments = true;
			break;
		case 'h':
			fputs(help, stdout);
			exit(EXIT_OK);
		default:
			return getopt_error(c, argv);
		}
	}
	if (argc - optind < nargs)
		return usage_error("missing %s", nargs > 1 &&
				   argc - optind == 1 ? "argument" : "NAME");
	if (!at_least && argc - optind > nargs)
		return usage_error("unexpected argument '%s'", argv[optind +
								   nargs]);
	return -1;
}

/* The fields of a `buf list --json` object, without the braces. */
static void print_entry_fields(const struct mapdev_buflist *l, size_t i)
{
	char b1[16], b2[16];

	printf("\"name\": ");
	json_str(stdout, mapdev_buflist_name(l, i));
	printf(", \"size\": %" PRIu64 ", \"backend\": ",
	       mapdev_buflist_size(l, i));
	json_str(stdout, backend_str(mapdev_buflist_backend(l, i), b1,
				     sizeof(b1)));
	printf(", \"cache\": ");
	json_str(stdout, cache_str(mapdev_buflist_cache(l, i), b2,
				   sizeof(b2)));
	printf(", \"map_count\": %u, \"open_count\": %u, \"driver\": ",
	       mapdev_buflist_map_count(l, i),
	       mapdev_buflist_open_count(l, i));
	json_str(stdout, mapdev_buflist_driver(l, i));
	printf(", \"owner\": ");
	json_str(stdout, mapdev_buflist_owner(l, i));
}

/* The buffers, or NULL after a message. */
static struct mapdev_buflist *read_list(void)
{
	struct mapdev_buflist *l = mapdev_buflist_read();

	if (!l)
		fail("cannot list buffers (%s): %s", MAPDEV_SYSFS_CLASS,
		     strerror(errno));
	return l;
}

static int buf_list(int argc, char **argv)
{
	struct mapdev_buflist *l;
	bool json = false;
	size_t i, n;
	int ret;

	ret = simple_args(argc, argv, list_usage, 0, false, &json, NULL);
	if (ret >= 0)
		return ret;
	l = read_list();
	if (!l)
		return EXIT_FAIL;
	n = mapdev_buflist_count(l);
	if (json) {
		printf("[");
		for (i = 0; i < n; i++) {
			printf(i ? ",\n {" : "{");
			print_entry_fields(l, i);
			printf("}");
		}
		printf("]\n");
	} else if (!n) {
		printf("no buffers%s\n", access(MAPDEV_SYSFS_CLASS, F_OK) ?
		       " (no mapdev module is loaded)" : "");
	} else {
		printf("%-31s %8s %-8s %-8s %5s %5s %s\n", "NAME", "SIZE",
		       "BACKEND", "CACHE", "MAPS", "OPENS", "OWNER");
		for (i = 0; i < n; i++) {
			char sz[32], b1[16], b2[16];

			printf("%-31s %8s %-8s %-8s %5u %5u %s\n",
			       mapdev_buflist_name(l, i),
			       human_size(mapdev_buflist_size(l, i), sz,
					  sizeof(sz)),
			       backend_str(mapdev_buflist_backend(l, i), b1,
					sizeof(b1)),
			       cache_str(mapdev_buflist_cache(l, i), b2,
					sizeof(b2)),
			       mapdev_buflist_map_count(l, i),
			       mapdev_buflist_open_count(l, i),
			       mapdev_buflist_owner(l, i));
		}
	}
	mapdev_buflist_free(l);
	return EXIT_OK;
}

static void region_flags(uint32_t f, char *buf, size_t len)
{
	static const char *const names[] = {
		"read", "write", "mmap", "dma", "contig", "prefetch", "irq"
	};
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (f & (1u << i))
			n += snprintf(buf + n, n < len ? len - n : 0, "%s%s",
				      n ? "," : "", names[i]);
}

static void print_region_json(struct mapdev_device *dev, unsigned int r)
{
	static const char *const names[] = {
		"read", "write", "mmap", "dma", "contig", "prefetch", "irq"
	};
	uint32_t f = mapdev_region_flags(dev, r);
	char b1[16], b2[16];
	size_t i, n = 0;

	printf("{\"index\": %u, \"name\": ", r);
	json_str(stdout, mapdev_region_name(dev, r));
	printf(", \"offset\": \"0x%" PRIx64 "\", \"size\": %" PRIu64
	       ", \"backend\": ", mapdev_region_offset(dev, r),
	       mapdev_region_size(dev, r));
	json_str(stdout, backend_str(mapdev_region_backend(dev, r), b1,
				     sizeof(b1)));
	printf(", \"cache\": ");
	/* A cache mode is one of mappings: none for what cannot be mapped. */
	if (f & MAPDEV_REGION_F_MMAP)
		json_str(stdout, cache_str(mapdev_region_cache(dev, r), b2,
					   sizeof(b2)));
	else
		printf("null");
	printf(", \"flags\": [");
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (f & (1u << i))
			printf("%s\"%s\"", n++ ? ", " : "", names[i]);
	printf("], \"nr_segments\": %u, \"dma_addr\": ",
	       mapdev_region_nr_segments(dev, r));
	if (mapdev_region_dma_addr(dev, r))
		printf("\"0x%" PRIx64 "\"}", mapdev_region_dma_addr(dev, r));
	else
		printf("null}");
}

/* The DMA segments of region 0, or NULL after a message (count 0 too). */
static struct mapdev_dma_segment *get_segments(struct mapdev_device *dev,
					       const char *name, size_t *n)
{
	struct mapdev_dma_segment *segs;

	segs = mapdev_device_dma_segments(dev, 0, n);
	if (!segs && errno) {
		if (errno == EPERM || errno == EACCES)
			fail("%s: listing DMA segments needs root "
			     "(CAP_SYS_ADMIN)", name);
		else
			fail("%s: cannot list its DMA segments: %s", name,
			     strerror(errno));
	}
	return segs;
}

int buf_show_info(const char *name, bool json, bool segments)
{
	struct mapdev_dma_segment *segs = NULL;
	struct mapdev_device *dev = NULL;
	struct mapdev_buflist *l;
	const char *dmadev;
	char path[4096];
	size_t nsegs = 0, k;
	unsigned int r;
	int open_err = 0;
	ssize_t i;
	int ret = EXIT_OK;

	l = read_list();
	if (!l)
		return EXIT_FAIL;
	i = mapdev_buflist_find(l, name);
	if (i < 0) {
		ret = fail("%s: no such buffer", name);
		goto out_list;
	}
	mapdev_device_path(name, path, sizeof(path));
	dmadev = mapdev_buflist_dma_device(l, i);
	/* The regions need the device; a buffer we cannot open still shows. */
	dev = mapdev_device_open(name, O_RDONLY);
	if (!dev)
		open_err = errno;
	if (segments) {
		if (!dev) {
			errno = open_err;
			ret = fail("%s: %s%s%s", path, strerror(open_err),
				   open_err == EACCES ? "; " : "",
				   open_err == EACCES ? access_hint(path) : "");
			goto out_list;
		}
		segs = get_segments(dev, name, &nsegs);
		if (!segs && errno) {
			ret = EXIT_FAIL;
			goto out_dev;
		}
	}

	if (json) {
		printf("{");
		print_entry_fields(l, i);
		printf(", \"device\": ");
		json_str(stdout, path);
		printf(", \"dma_device\": ");
		json_str(stdout, dmadev);
		printf(", \"regions\": ");
		if (dev) {
			printf("[");
			for (r = 0; r < mapdev_device_num_regions(dev); r++) {
				printf(r ? ", " : "");
				print_region_json(dev, r);
			}
			printf("]");
		} else {
			printf("null");
		}
		if (segments) {
			printf(",\n \"segments\": [");
			for (k = 0; k < nsegs; k++)
				printf("%s{\"dma_addr\": \"0x%" PRIx64 "\", "
				       "\"offset\": \"0x%" PRIx64 "\", "
				       "\"len\": %" PRIu64 "}",
				       k ? ",\n  " : "",
				       (uint64_t)segs[k].dma_addr,
				       (uint64_t)segs[k].offset,
				       (uint64_t)segs[k].len);
			printf("]");
		}
		printf("}\n");
		goto out_dev;
	}

	{
		char sz[32], b1[16], b2[16];

		printf("name:       %s\n", name);
		printf("device:     %s\n", path);
		printf("size:       %" PRIu64 " (%s)\n",
		       mapdev_buflist_size(l, i),
		       human_size(mapdev_buflist_size(l, i), sz, sizeof(sz)));
		printf("backend:    %s\n",
		       backend_str(mapdev_buflist_backend(l, i), b1,
				   sizeof(b1)));
		printf("cache:      %s\n",
		       cache_str(mapdev_buflist_cache(l, i), b2, sizeof(b2)));
		printf("owner:      %s (%s)\n", mapdev_buflist_owner(l, i),
		       mapdev_buflist_driver(l, i));
		if (*dmadev)
			printf("dma device: %s (the DMA addresses are its view)\n",
			       dmadev);
		printf("mappings:   %u\n", mapdev_buflist_map_count(l, i));
		printf("open files: %u\n", mapdev_buflist_open_count(l, i));
	}
	if (!dev) {
		printf("regions:    unknown (%s: %s%s%s)\n", path,
		       strerror(open_err), open_err == EACCES ? "; " : "",
		       open_err == EACCES ? access_hint(path) : "");
		goto out_dev;
	}
	for (r = 0; r < mapdev_device_num_regions(dev); r++) {
		char sz[32], flags[128], b1[16], b2[16];
		unsigned int ns = mapdev_region_nr_segments(dev, r);

		region_flags(mapdev_region_flags(dev, r), flags,
			     sizeof(flags));
		printf("region %u:   %s offset 0x%" PRIx64 " size %s %s %s "
		       "[%s]", r, mapdev_region_name(dev, r),
		       mapdev_region_offset(dev, r),
		       human_size(mapdev_region_size(dev, r), sz, sizeof(sz)),
		       backend_str(mapdev_region_backend(dev, r), b1, sizeof(b1)),
		       cache_str(mapdev_region_cache(dev, r), b2, sizeof(b2)),
		       flags);
		if (ns > 1)
			printf(" %u DMA segments", ns);
		if (mapdev_region_dma_addr(dev, r))
			printf(" dma 0x%" PRIx64 "%s",
			       mapdev_region_dma_addr(dev, r),
			       ns > 1 && !segments ? " (the first segment's; "
			       "--segments lists all)" : "");
		printf("\n");
	}
	if (segments) {
		printf("segments:   %zu\n", nsegs);
		if (nsegs)
			printf("  %5s %-18s %-12s %s\n", "INDEX", "DMA_ADDR",
			       "OFFSET", "LENGTH");
		for (k = 0; k < nsegs; k++) {
			char a[24], o[24], sz[32];

			snprintf(a, sizeof(a), "0x%" PRIx64,
				 (uint64_t)segs[k].dma_addr);
			snprintf(o, sizeof(o), "0x%" PRIx64,
				 (uint64_t)segs[k].offset);
			printf("  %5zu %-18s %-12s %s\n", k, a, o,
			       human_size(segs[k].len, sz, sizeof(sz)));
		}
	}
out_dev:
	free(segs);
	mapdev_device_close(dev);
out_list:
	mapdev_buflist_free(l);
	return ret;
}

static int buf_info(int argc, char **argv)
{
	bool json = false, segments = false;
	int ret;

	ret = simple_args(argc, argv, info_usage, 1, false, &json, &segments);
	if (ret >= 0)
		return ret;
	if (!mapdev_name_valid(argv[optind]))
		return usage_error("bad buffer name '%s'", argv[optind]);
	return buf_show_info(argv[optind], json, segments);
}

/* Destroy a PCI function's buffer through the function's device. */
static int rm_pci_buf(const char *name, const char *bdf)
{
	char dev_name[MAPDEV_NAME_LEN + 8];
	struct mapdev_device *dev;
	int ret = EXIT_OK;

	snprintf(dev_name, sizeof(dev_name), "pci-%s", bdf);
	dev = open_device(dev_name, O_RDWR);
	if (!dev)
		return EXIT_FAIL;
	if (mapdev_pci_buf_destroy(dev, name)) {
		if (errno == ENOENT)
			ret = fail("%s: no such buffer (gone meanwhile)", name);
		else
			ret = pci_buf_destroy_failed(name, bdf);
	}
	mapdev_device_close(dev);
	return ret;
}

static int buf_rm(int argc, char **argv)
{
	struct mapdev_bufctl *ctl = NULL;
	struct mapdev_buflist *l;
	bool json = false;
	int ret, i;

	ret = simple_args(argc, argv, rm_usage, 1, true, &json, NULL);
	if (ret >= 0)
		return ret;
	if (json)
		return usage_error("rm has no --json output");
	for (i = optind; i < argc; i++)
		if (!mapdev_name_valid(argv[i]))
			return usage_error("bad buffer name '%s'", argv[i]);
	l = read_list();
	if (!l)
		return EXIT_FAIL;
	ret = EXIT_OK;
	for (i = optind; i < argc; i++) {
		ssize_t k = mapdev_buflist_find(l, argv[i]);

		if (k < 0) {
			ret = fail("%s: no such buffer", argv[i]);
			continue;
		}
		if (!strcmp(mapdev_buflist_driver(l, k), MAPDEV_PCI_DRIVER)) {
			if (rm_pci_buf(argv[i], mapdev_buflist_owner(l, k)))
				ret = EXIT_FAIL;
			continue;
		}
		if (!ctl) {
			ctl = open_ctl();
			if (!ctl) {
				ret = EXIT_FAIL;
				break;
			}
		}
		if (mapdev_bufctl_destroy(ctl, argv[i]) == 0)
			continue;
		if (errno == ENOENT)
			ret = fail("%s: no such buffer", argv[i]);
		else if (errno == EPERM)
			ret = fail("%s: cannot destroy: %s (needs root: "
				   "CAP_SYS_ADMIN)", argv[i], strerror(errno));
		else
			ret = fail("%s: cannot destroy: %s", argv[i],
				   strerror(errno));
	}
	mapdev_bufctl_close(ctl);
	mapdev_buflist_free(l);
	return ret;
}

/* ---------------------------------------------- why a creation failed */

/* A "Key:   123 kB" line of /proc/meminfo, in bytes; false if absent. */
static bool meminfo(const char *key, uint64_t *bytes)
{
	char line[256];
	size_t klen = strlen(key);
	bool found = false;
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, klen) && line[klen] == ':') {
			*bytes = strtoull(line + klen + 1, NULL, 10) * 1024;
			found = true;
		}
	}
	fclose(f);
	return found;
}

/*
 * The page allocator's largest block: the page size times 2 to the
 * number of orders /proc/buddyinfo shows, less one (4 MiB on x86-64).
 */
static uint64_t max_block(void)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE), best = 0;
	char line[512];
	FILE *f = fopen("/proc/buddyinfo", "re");

	if (!f)
		return 4ull << 20;
	while (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, "zone");
		unsigned int orders = 0;

		if (!p)
			continue;
		p += 4;
		while (*p == ' ')
			p++;
		while (*p && *p != ' ')	/* the zone's name */
			p++;
		for (;;) {
			char *end;

			strtoull(p, &end, 10);
			if (end == p)
				break;
			orders++;
			p = end;
		}
		if (orders && page << (orders - 1) > best)
			best = page << (orders - 1);
	}
	fclose(f);
	return best ? best : 4ull << 20;
}

int create_failed(const char *name, uint64_t size, unsigned int backend,
		  unsigned int cache, int err, const char *bdf)
{
	const char *bname = mapdev_backend_name(backend) ?: "?";
	uint64_t block = max_block(), cma = 0, cma_free = 0, avail = 0;
	char sz[32], lim[32], a[32], b[32], mask[96] = "";
	bool has_cma = meminfo("CmaTotal", &cma) && cma;

	human_size(size, sz, sizeof(sz));
	human_size(block, lim, sizeof(lim));
	if (bdf) {
		struct mapdev_pci *pci = mapdev_pci_open(bdf);
		int bits = pci ? mapdev_pci_dma_mask_bits(pci) : -1;

		if (bits > 0 && bits < 64)
			snprintf(mask, sizeof(mask), "; %s's DMA mask is %d "
				 "bits: its memory must come from below %s",
				 bdf, bits, human_size(1ull << bits, a,
						       sizeof(a)));
		mapdev_pci_close(pci);
	}
	switch (err) {
	case EEXIST:
		return fail("%s: a buffer or device of that name already "
			    "exists", name);
	case EPERM:
	case EACCES:
		return fail("%s: cannot create: %s (creating buffers needs "
			    "root: CAP_SYS_ADMIN, even for the group %s)", name,
			    strerror(err), MAPDEV_GROUP);
	case EINVAL:
		if (backend == MAPDEV_BACKEND_CONTIG && size > block)
			return fail("%s: cannot create %s with backend contig: "
				    "contig buffers are at most %s (the page "
				    "allocator's largest block); use --backend "
				    "sg (any size)", name, sz, lim);
		break;
	case ENOMEM:
		if (backend == MAPDEV_BACKEND_COHERENT && size > block &&
		    !has_cma)
			return fail("%s: cannot allocate %s with backend "
				    "coherent: %s (coherent buffers over %s "
				    "come from CMA, and this kernel has none: "
				    "no CmaTotal in /proc/meminfo, see the "
				    "cma= boot option); use --backend sg (any "
				    "size)%s", name, sz, strerror(err), lim,
				    mask);
		if (backend == MAPDEV_BACKEND_COHERENT && size > block &&
		    meminfo("CmaFree", &cma_free))
			return fail("%s: cannot allocate %s with backend "
				    "coherent: %s (coherent buffers over %s "
				    "come from CMA: CmaFree %s of CmaTotal "
				    "%s); use --backend sg (any size)%s", name,
				    sz, strerror(err), lim,
				    human_size(cma_free, a, sizeof(a)),
				    human_size(cma, b, sizeof(b)), mask);
		if (meminfo("MemAvailable", &avail) && size > avail)
			return fail("%s: cannot allocate %s with backend %s: "
				    "%s (more than the machine has available: "
				    "MemAvailable %s)%s", name, sz, bname,
				    strerror(err),
				    human_size(avail, a, sizeof(a)), mask);
		if (backend != MAPDEV_BACKEND_SG)
			return fail("%s: cannot allocate %s with backend %s: "
				    "%s (no free block of %s in one piece: "
				    "memory is fragmented, see /proc/buddyinfo)"
				    "; --backend sg needs no contiguous "
				    "memory%s", name, sz, bname, strerror(err),
				    sz, mask);
		return fail("%s: cannot allocate %s with backend %s: %s%s",
			    name, sz, bname, strerror(err), mask);
	case ENOTTY:
		return fail("%s: cannot create: the device does not make "
			    "buffers (%s)", name, strerror(err));
	}
	return fail("%s: cannot create (%s, %s, %s): %s", name, sz, bname,
		    mapdev_cache_name(cache) ?: "?", strerror(err));
}

int buf_created(const char *name, uint64_t asked, unsigned int backend,
		unsigned int cache, bool json)
{
	struct mapdev_buflist *l;
	uint64_t size = asked;
	char sz[32], a[32];
	ssize_t i;

	if (json)
		return buf_show_info(name, true, false);
	/* The size it has: the kernel rounds up to whole pages. */
	l = mapdev_buflist_read();
	if (l && (i = mapdev_buflist_find(l, name)) >= 0)
		size = mapdev_buflist_size(l, i);
	mapdev_buflist_free(l);
	printf("created %s/%s: %s", MAPDEV_DEV_DIR, name,
	       human_size(size, sz, sizeof(sz)));
	if (size != asked && asked < 10000 && asked % 1024)
		printf(" (%" PRIu64 " byte%s asked, rounded up to whole pages)",
		       asked, asked == 1 ? "" : "s");
	else if (size != asked)
		printf(" (%s asked, rounded up to whole pages)",
		       human_size(asked, a, sizeof(a)));
	printf(", %s, %s\n", mapdev_backend_name(backend),
	       mapdev_cache_name(cache));
	return EXIT_OK;
}

static const struct option create_opts[] = {
	{ "backend", required_argument, NULL, 'b' },
	{ "cache", required_argument, NULL, 'c' },
	{ "device", required_argument, NULL, 'd' },
	{ "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ }
};

static int buf_create(int argc, char **argv)
{
	int backend = MAPDEV_BACKEND_COHERENT, cache = MAPDEV_CACHE_CACHED;
	char bdf[MAPDEV_PCI_BDF_LEN] = "";
	struct mapdev_bufctl *ctl;
	const char *name;
	bool json = false;
	uint64_t size;
	int c, ret;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":b:c:d:jh", create_opts,
				NULL)) != -1) {
		switch (c) {
		case 'b':
			backend = buffer_backend_arg(optarg);
			if (backend < 0)
				return EXIT_USAGE;
			break;
		case 'c':
			cache = buffer_cache_arg(optarg);
			if (cache < 0)
				return EXIT_USAGE;
			break;
		case 'd':
			if (mapdev_pci_parse_bdf(optarg, bdf, sizeof(bdf)))
				return usage_error("bad PCI address '%s' for "
						   "--device: DDDD:BB:DD.F or "
						   "BB:DD.F, as lspci -D "
						   "prints", optarg);
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			fputs(create_usage, stdout);
			return EXIT_OK;
		default:
			return getopt_error(c, argv);
		}
	}
	if (argc - optind < 2)
		return usage_error(argc - optind ? "missing SIZE" :
				   "missing NAME and SIZE");
	if (argc - optind > 2)
		return usage_error("unexpected argument '%s'",
				   argv[optind + 2]);
	name = argv[optind];
	if (!mapdev_name_valid(name))
		return usage_error("bad buffer name '%s': up to %d characters "
				   "of A-Z a-z 0-9 _ . -, not starting with "
				   "'.' or '-'", name, MAPDEV_NAME_LEN - 1);
	if (parse_size_arg("SIZE", argv[optind + 1], &size))
		return EXIT_USAGE;

	ctl = open_ctl();
	if (!ctl)
		return EXIT_FAIL;
	ret = *bdf ? mapdev_bufctl_create_pci(ctl, name, size, backend, cache,
					      bdf) :
		     mapdev_bufctl_create(ctl, name, size, backend, cache);
	if (ret) {
		if (errno == ENODEV && *bdf) {
			mapdev_bufctl_close(ctl);
			return fail("%s: no PCI function %s (lspci -D lists "
				    "them)", name, bdf);
		}
		ret = create_failed(name, size, backend, cache, errno,
				    *bdf ? bdf : NULL);
		mapdev_bufctl_close(ctl);
		return ret;
	}
	mapdev_bufctl_close(ctl);
	return buf_created(name, size, backend, cache, json);
}

int cmd_buf(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int argc, char **argv);
		const char *cmd;
	} subs[] = {
		{ "create", buf_create, "buf create" },
		{ "list", buf_list, "buf list" },
		{ "ls", buf_list, "buf list" },
		{ "info", buf_info, "buf info" },
		{ "rm", buf_rm, "buf rm" },
	};
	size_t i;

	if (argc < 2)
		return usage_error("missing subcommand: create, list, info "
				   "or rm");
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fputs(buf_usage, stdout);
		return EXIT_OK;
	}
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		if (!strcmp(argv[1], subs[i].name)) {
			tool_cmd = subs[i].cmd;
			return subs[i].fn(argc - 1, argv + 1);
		}
	}
	return usage_error("unknown subcommand '%s': expected create, list, "
			   "info or rm", argv[1]);
}
