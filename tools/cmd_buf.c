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

#include "mapdev-tool.h"

static const char buf_usage[] =
"Usage: mapdev buf create NAME SIZE [--backend coherent|contig|sg]\n"
"                                   [--cache cached|uncached|wc] [--json]\n"
"       mapdev buf list [--json]\n"
"       mapdev buf info NAME [--json]\n"
"       mapdev buf rm NAME...\n"
"\n"
"DMA buffers of mapdev_buf, made through /dev/mapdev/buf-control.  Each\n"
"buffer NAME is the device /dev/mapdev/NAME.\n";

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
"  -j, --json        print the new buffer as 'buf info --json' does\n"
"  -h, --help        this help\n";

static const char list_usage[] =
"Usage: mapdev buf list [--json]\n"
"\n"
"List every buffer: name, size, backend, cache mode, live mappings and open\n"
"files.  --json prints a list of objects with name, size (bytes), backend,\n"
"cache, map_count and open_count.\n";

static const char info_usage[] =
"Usage: mapdev buf info NAME [--json]\n"
"\n"
"Show one buffer: size, backend, cache mode, counts, its regions and (for\n"
"root) its DMA address.\n";

static const char rm_usage[] =
"Usage: mapdev buf rm NAME...\n"
"\n"
"Destroy buffers.  Every mapping of them is revoked: a process that\n"
"touches one afterwards gets SIGBUS.\n";

static const struct option json_opts[] = {
	{ "json", no_argument, NULL, 'j' },
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

/* Parse [--json] [--help] and exactly @nargs positional arguments. */
static int simple_args(int argc, char **argv, const char *help, int nargs,
		       bool at_least, bool *json)
{
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":jh", json_opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			*json = true;
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
	printf(", \"map_count\": %u, \"open_count\": %u",
	       mapdev_buflist_map_count(l, i),
	       mapdev_buflist_open_count(l, i));
}

static int buf_list(int argc, char **argv)
{
	struct mapdev_buflist *l;
	struct mapdev_bufctl *ctl;
	bool json = false;
	size_t i, n;
	int ret;

	ret = simple_args(argc, argv, list_usage, 0, false, &json);
	if (ret >= 0)
		return ret;
	ctl = open_ctl();
	if (!ctl)
		return EXIT_FAIL;
	l = mapdev_bufctl_list(ctl);
	if (!l) {
		ret = fail("cannot list buffers: %s", strerror(errno));
		mapdev_bufctl_close(ctl);
		return ret;
	}
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
		printf("no buffers\n");
	} else {
		printf("%-31s %8s %-8s %-8s %5s %5s\n", "NAME", "SIZE",
		       "BACKEND", "CACHE", "MAPS", "OPENS");
		for (i = 0; i < n; i++) {
			char sz[32], b1[16], b2[16];

			printf("%-31s %8s %-8s %-8s %5u %5u\n",
			       mapdev_buflist_name(l, i),
			       human_size(mapdev_buflist_size(l, i), sz,
					  sizeof(sz)),
			       backend_str(mapdev_buflist_backend(l, i), b1,
					sizeof(b1)),
			       cache_str(mapdev_buflist_cache(l, i), b2,
					sizeof(b2)),
			       mapdev_buflist_map_count(l, i),
			       mapdev_buflist_open_count(l, i));
		}
	}
	mapdev_buflist_free(l);
	mapdev_bufctl_close(ctl);
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
	json_str(stdout, cache_str(mapdev_region_cache(dev, r), b2,
				   sizeof(b2)));
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

static int show_info(const char *name, bool json)
{
	struct mapdev_device *dev = NULL;
	struct mapdev_buflist *l;
	struct mapdev_bufctl *ctl;
	char path[4096];
	unsigned int r;
	ssize_t i;
	int ret = EXIT_OK;

	ctl = open_ctl();
	if (!ctl)
		return EXIT_FAIL;
	l = mapdev_bufctl_list(ctl);
	if (!l) {
		ret = fail("cannot list buffers: %s", strerror(errno));
		goto out_ctl;
	}
	i = mapdev_buflist_find(l, name);
	if (i < 0) {
		ret = fail("%s: no such buffer", name);
		goto out_list;
	}
	mapdev_device_path(name, path, sizeof(path));
	/* The regions need the device; a buffer we cannot open still shows. */
	dev = mapdev_device_open(name, O_RDONLY);

	if (json) {
		printf("{");
		print_entry_fields(l, i);
		printf(", \"device\": ");
		json_str(stdout, path);
		printf(", \"regions\": ");
		if (dev) {
			printf("[");
			for (r = 0; r < mapdev_device_num_regions(dev); r++) {
				printf(r ? ", " : "");
				print_region_json(dev, r);
			}
			printf("]}\n");
		} else {
			printf("null}\n");
		}
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
		printf("mappings:   %u\n", mapdev_buflist_map_count(l, i));
		printf("open files: %u\n", mapdev_buflist_open_count(l, i));
	}
	if (!dev) {
		printf("regions:    unknown (%s: %s)\n", path, strerror(errno));
		goto out_dev;
	}
	for (r = 0; r < mapdev_device_num_regions(dev); r++) {
		char sz[32], flags[128], b1[16], b2[16];

		region_flags(mapdev_region_flags(dev, r), flags,
			     sizeof(flags));
		printf("region %u:   %s offset 0x%" PRIx64 " size %s %s %s "
		       "[%s]", r, mapdev_region_name(dev, r),
		       mapdev_region_offset(dev, r),
		       human_size(mapdev_region_size(dev, r), sz, sizeof(sz)),
		       backend_str(mapdev_region_backend(dev, r), b1, sizeof(b1)),
		       cache_str(mapdev_region_cache(dev, r), b2, sizeof(b2)),
		       flags);
		if (mapdev_region_nr_segments(dev, r) > 1)
			printf(" %u DMA segments",
			       mapdev_region_nr_segments(dev, r));
		if (mapdev_region_dma_addr(dev, r))
			printf(" dma 0x%" PRIx64,
			       mapdev_region_dma_addr(dev, r));
		printf("\n");
	}
out_dev:
	mapdev_device_close(dev);
out_list:
	mapdev_buflist_free(l);
out_ctl:
	mapdev_bufctl_close(ctl);
	return ret;
}

static int buf_info(int argc, char **argv)
{
	bool json = false;
	int ret;

	ret = simple_args(argc, argv, info_usage, 1, false, &json);
	if (ret >= 0)
		return ret;
	if (!mapdev_name_valid(argv[optind]))
		return usage_error("bad buffer name '%s'", argv[optind]);
	return show_info(argv[optind], json);
}

static int buf_rm(int argc, char **argv)
{
	struct mapdev_bufctl *ctl;
	bool json = false;
	int ret, i;

	ret = simple_args(argc, argv, rm_usage, 1, true, &json);
	if (ret >= 0)
		return ret;
	if (json)
		return usage_error("rm has no --json output");
	for (i = optind; i < argc; i++)
		if (!mapdev_name_valid(argv[i]))
			return usage_error("bad buffer name '%s'", argv[i]);
	ctl = open_ctl();
	if (!ctl)
		return EXIT_FAIL;
	ret = EXIT_OK;
	for (i = optind; i < argc; i++) {
		if (mapdev_bufctl_destroy(ctl, argv[i]) == 0)
			continue;
		if (errno == ENOENT)
			ret = fail("%s: no such buffer", argv[i]);
		else
			ret = fail("%s: cannot destroy: %s", argv[i],
				   strerror(errno));
	}
	mapdev_bufctl_close(ctl);
	return ret;
}

static const struct option create_opts[] = {
	{ "backend", required_argument, NULL, 'b' },
	{ "cache", required_argument, NULL, 'c' },
	{ "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ }
};

static int buf_create(int argc, char **argv)
{
	int backend = MAPDEV_BACKEND_COHERENT, cache = MAPDEV_CACHE_CACHED;
	struct mapdev_bufctl *ctl;
	const char *name;
	bool json = false;
	uint64_t size;
	int c, ret;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":b:c:jh", create_opts,
				NULL)) != -1) {
		switch (c) {
		case 'b':
			backend = mapdev_backend_from_name(optarg);
			if (backend != MAPDEV_BACKEND_COHERENT &&
			    backend != MAPDEV_BACKEND_CONTIG &&
			    backend != MAPDEV_BACKEND_SG)
				return usage_error("bad backend '%s': expected "
						   "coherent, contig or sg",
						   optarg);
			break;
		case 'c':
			cache = mapdev_cache_from_name(optarg);
			if (cache < 0)
				return usage_error("bad cache mode '%s': "
						   "expected cached, uncached "
						   "or wc", optarg);
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
	ret = mapdev_bufctl_create(ctl, name, size, backend, cache);
	if (ret) {
		char sz[32];

		human_size(size, sz, sizeof(sz));
		if (errno == EEXIST)
			ret = fail("%s: a buffer or device of that name "
				   "already exists", name);
		else if (errno == ENOMEM)
			ret = fail("%s: cannot allocate %s with backend %s: "
				   "%s", name, sz, mapdev_backend_name(backend),
				   strerror(errno));
		else
			ret = fail("%s: cannot create (%s, %s, %s): %s", name,
				   sz, mapdev_backend_name(backend),
				   mapdev_cache_name(cache), strerror(errno));
		mapdev_bufctl_close(ctl);
		return ret;
	}
	mapdev_bufctl_close(ctl);
	if (json)
		return show_info(name, true);
	{
		char sz[32];

		printf("created %s/%s: %s, %s, %s\n", MAPDEV_DEV_DIR, name,
		       human_size(size, sz, sizeof(sz)),
		       mapdev_backend_name(backend), mapdev_cache_name(cache));
	}
	return EXIT_OK;
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
