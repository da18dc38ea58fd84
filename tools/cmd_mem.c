// SPDX-License-Identifier: GPL-2.0
/*
 * mapdev peek|poke|dump|fill: device memory through a mapping, devmem2's
 * job done against a region's bounds.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "mapdev-tool.h"

/* dump and fill map a region this much at a time. */
#define WINDOW	(64ull << 20)
/* Regions smaller than this are done before progress would be seen. */
#define PROGRESS_MIN	(4ull << 20)

static const char peek_usage[] =
"Usage: mapdev peek DEVICE OFFSET [WIDTH] [--json]\n"
"\n"
"Read one 8, 16, 32 (default) or 64-bit value through a mapping of\n"
"DEVICE, at OFFSET in its mmap offset space: region N starts at N << 40,\n"
"and REGION:OFFSET is a shorthand (1:0x10 is region 1, offset 0x10).\n"
"OFFSET must be aligned to WIDTH and inside a region.  DEVICE is a name\n"
"(frames for /dev/mapdev/frames, pci-0000:00:10.0 for a PCI function) or a\n"
"path.  A region that cannot be mapped but read (a PCI function's config\n"
"space, region 6) is read with pread().\n"
"\n"
"  -j, --json   print {\"device\", \"offset\", \"width\", \"value\"}\n"
"  -h, --help   this help\n";

static const char poke_usage[] =
"Usage: mapdev poke DEVICE OFFSET VALUE [WIDTH]\n"
"\n"
"Write VALUE as one 8, 16, 32 (default) or 64-bit access through a\n"
"mapping of DEVICE, at OFFSET (as for peek; pwrite() where the region\n"
"cannot be mapped).  VALUE must fit in WIDTH.\n"
"\n"
"  -q, --quiet  print nothing on success\n"
"  -h, --help   this help\n";

static const char dump_usage[] =
"Usage: mapdev dump DEVICE [OFFSET [LENGTH]] [--raw]\n"
"\n"
"Hexdump LENGTH bytes (default: to the end of the region) from OFFSET\n"
"(default 0; as for peek) through a read-only mapping (pread() for a\n"
"region that cannot be mapped, such as PCI config space), like\n"
"hexdump -C: repeated lines are shown once, then '*'.\n"
"\n"
"  -r, --raw    write the bytes themselves instead\n"
"  -h, --help   this help\n";

static const char fill_usage[] =
"Usage: mapdev fill DEVICE PATTERN [OPTION]...\n"
"\n"
"Fill a region (region 0 unless --offset says otherwise) through a\n"
"mapping (read()/write() while another mapping has another cache mode).\n"
"A BAR needs --length or --force.  PATTERN is\n"
"  NUMBER     every WIDTH-bit unit holds it (e.g. 0xaa, 0xdeadbeef -w 32)\n"
"  zero       all bytes 0x00            ones    all bytes 0xff\n"
"  incr       every WIDTH-bit unit holds its index (0, 1, 2, ...)\n"
"  random     pseudo-random bytes (xorshift64*, seeded by --seed)\n"
"\n"
"  -o, --offset OFF   start here (as for peek; default 0)\n"
"  -l, --length LEN   this many bytes (default: to the region's end)\n"
"  -w, --width BITS   8 (default), 16, 32 or 64\n"
"  -s, --seed N       the seed for random (default 1)\n"
"  -f, --force        fill device memory (a BAR) to its end without\n"
"                     --length: a BAR may be registers (edu's DMA and\n"
"                     interrupt registers are in its BAR0)\n"
"  -q, --quiet        print nothing on success\n"
"  -h, --help         this help\n";

/* A device, the region an offset falls in, and the offset inside it. */
struct target {
	struct mapdev_device *dev;
	const char *name;
	unsigned int region;
	uint64_t inner;		/* offset inside the region */
	uint64_t rsize;		/* the region's size */
	/* pread()/pwrite() at the device offset, not a mapping */
	bool rw;
};

/*
 * Open @name and find @offset's region; @len bytes from there must fit.
 * A region that cannot be mapped but can be read (or written, with
 * O_RDWR), such as a PCI function's config space or I/O BAR, is reached
 * with pread()/pwrite() when @rw_ok: t->rw says so.
 * Prints the error and returns EXIT_FAIL, or -1 when all is well.
 */
static int find_target(struct target *t, const char *name, int flags,
		       uint64_t offset, uint64_t len, bool rw_ok)
{
	uint32_t rflags;

	unsigned int i, n;
	int r;

	t->name = name;
	t->dev = open_device(name, flags);
	if (!t->dev)
		return EXIT_FAIL;
	n = mapdev_device_num_regions(t->dev);
	r = mapdev_device_region_index(t->dev, offset, &t->inner);
	if (r < 0) {
		for (i = 0; i < n; i++) {
			uint64_t ro = mapdev_region_offset(t->dev, i);

			if (offset >> MAPDEV_REGION_SHIFT ==
			    ro >> MAPDEV_REGION_SHIFT) {
				fail("%s: offset 0x%" PRIx64 " is past the end "
				     "of region %u '%s' (size 0x%" PRIx64 ")",
				     name, offset, i,
				     mapdev_region_name(t->dev, i),
				     mapdev_region_size(t->dev, i));
				goto err;
			}
		}
		fail("%s: no region at offset 0x%" PRIx64 " (the device has "
		     "%u region%s; region N starts at N << 40)", name, offset,
		     n, n == 1 ? "" : "s");
		goto err;
	}
	t->region = r;
	t->rsize = mapdev_region_size(t->dev, r);
	if (len > t->rsize - t->inner) {
		fail("%s: %" PRIu64 " bytes at offset 0x%" PRIx64 " run past "
		     "the end of region %u '%s' (size 0x%" PRIx64 ")", name,
		     len, offset, r, mapdev_region_name(t->dev, r), t->rsize);
		goto err;
	}
	rflags = mapdev_region_flags(t->dev, r);
	t->rw = false;
	if (rflags & MAPDEV_REGION_F_IRQ) {
		/* Its read() waits for an interrupt. */
		fail("%s: region %u '%s' is the interrupt counter (see "
		     "'mapdev pci irq')", name, r,
		     mapdev_region_name(t->dev, r));
		goto err;
	}
	if (!(rflags & MAPDEV_REGION_F_MMAP)) {
		uint32_t need = (flags & O_ACCMODE) == O_RDONLY ?
				MAPDEV_REGION_F_READ : MAPDEV_REGION_F_WRITE;

		if (!rw_ok || !(rflags & need)) {
			fail("%s: region %u '%s' cannot be mapped", name, r,
			     mapdev_region_name(t->dev, r));
			goto err;
		}
		t->rw = true;
	}
	return -1;
err:
	mapdev_device_close(t->dev);
	t->dev = NULL;
	return EXIT_FAIL;
}

/* A PCI function's config space (mapdev_pci's region 6, "config"). */
static bool is_config(const struct target *t)
{
	return !strcmp(mapdev_device_driver(t->dev), "mapdev_pci") &&
	       !strcmp(mapdev_region_name(t->dev, t->region), "config");
}

/* All @len bytes at @inner of the region with pread() or pwrite(). */
static int rw_target(struct target *t, uint64_t inner, void *buf, size_t len,
		     bool write)
{
	uint64_t off = mapdev_region_offset(t->dev, t->region) + inner;
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		if (write)
			n = pwrite(mapdev_device_fd(t->dev),
				   (char *)buf + done, len - done,
				   (off_t)(off + done));
		else
			n = pread(mapdev_device_fd(t->dev), (char *)buf + done,
				  len - done, (off_t)(off + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && write && errno == EPERM && is_config(t)) {
			fail("%s: cannot write config space at 0x%" PRIx64 ": %s "
			     "(mapdev_pci lets only the bus master bit, bit 2 "
			     "of the command register at offset 4, change; "
			     "the rest of config space is read-only)", t->name,
			     inner + done, strerror(errno));
			return -1;
		}
		if (n <= 0) {
			fail("%s: cannot %s region %u at 0x%" PRIx64 ": %s",
			     t->name, write ? "write" : "read", t->region,
			     inner + done, n ? strerror(errno) :
			     "end of region");
			return -1;
		}
		done += n;
	}
	return 0;
}

static bool has_dma(const struct target *t)
{
	return mapdev_region_flags(t->dev, t->region) & MAPDEV_REGION_F_DMA;
}

/*
 * A mapping of the target, or (*m NULL, t->rw set, 0 returned) read() and
 * write() when the region is mapped elsewhere with another cache mode
 * (EBUSY: x86 gives a page one memory type at a time, so an O_SYNC
 * mapping of a cached buffer excludes cached ones while it lasts), which
 * always work.  -1 after a message.
 */
static int map_or_rw(struct target *t, uint64_t inner, size_t len, int prot,
		     struct mapdev_mapping **m)
{
	char path[512], memtype[32] = "";

	*m = NULL;
	if (t->rw)
		return 0;
	*m = mapdev_device_map(t->dev, t->region, inner, len, prot);
	if (*m)
		return 0;
	if (errno != EBUSY) {
		fail("%s: cannot map region %u at 0x%" PRIx64 " (+%zu): %s",
		     t->name, t->region, inner, len, strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), MAPDEV_SYSFS_CLASS "/%s/memtype",
		 mapdev_device_name(t->dev));
	if (t->region == 0 && !access(path, R_OK)) {
		FILE *f = fopen(path, "re");

		if (f) {
			if (!fgets(memtype, sizeof(memtype), f))
				memtype[0] = '\0';
			memtype[strcspn(memtype, "\n")] = '\0';
			fclose(f);
		}
	}
	note("%s: region %u '%s' is mapped elsewhere with another cache mode "
	     "(%s%s%s): using read()/write() instead of a mapping", t->name,
	     t->region, mapdev_region_name(t->dev, t->region),
	     memtype[0] ? "its pages are " : "an O_SYNC open maps uncached",
	     memtype, memtype[0] ? " now, e.g. for an O_SYNC mapping" : "");
	t->rw = true;
	return 0;
}

static uint64_t load(const void *p, unsigned int bits)
{
	switch (bits) {
	case 8:
		return *(const volatile uint8_t *)p;
	case 16:
		return *(const volatile uint16_t *)p;
	case 32:
		return *(const volatile uint32_t *)p;
	default:
		return *(const volatile uint64_t *)p;
	}
}

static void store(void *p, unsigned int bits, uint64_t v)
{
	switch (bits) {
	case 8:
		*(volatile uint8_t *)p = v;
		break;
	case 16:
		*(volatile uint16_t *)p = v;
		break;
	case 32:
		*(volatile uint32_t *)p = v;
		break;
	default:
		*(volatile uint64_t *)p = v;
	}
}

static int check_aligned(uint64_t offset, unsigned int bits)
{
	if (offset % (bits / 8))
		return usage_error("offset 0x%" PRIx64 " is not aligned to %u "
				   "bits", offset, bits);
	return -1;
}

/* peek and poke of a region reached with pread()/pwrite(). */
static int access_rw(struct target *t, uint64_t offset, unsigned int bits,
		     bool write, uint64_t *value)
{
	uint8_t b[8] = { 0 };
	uint64_t v = 0;

	if (write) {
		v = *value;
		memcpy(b, &v, sizeof(v));	/* little endian: low bytes */
		return rw_target(t, t->inner, b, bits / 8, true) ?
		       EXIT_FAIL : EXIT_OK;
	}
	if (rw_target(t, t->inner, b, bits / 8, false))
		return EXIT_FAIL;
	memcpy(&v, b, sizeof(v));
	*value = bits == 64 ? v : v & ((1ull << bits) - 1);
	return EXIT_OK;
}

static void print_access(const struct target *t, uint64_t offset,
			 unsigned int bits, bool write, bool json, bool quiet,
			 uint64_t value)
{
	if (write) {
		if (!quiet)
			printf("%s 0x%" PRIx64 ": wrote 0x%0*" PRIx64
			       " (%u bits)\n", t->name, offset, bits / 4,
			       value, bits);
	} else if (json) {
		printf("{\"device\": ");
		json_str(stdout, mapdev_device_node(t->dev));
		printf(", \"offset\": \"0x%" PRIx64 "\", \"width\": %u, "
		       "\"value\": \"0x%0*" PRIx64 "\"}\n", offset, bits,
		       bits / 4, value);
	} else {
		printf("%s 0x%" PRIx64 ": 0x%0*" PRIx64 "\n", t->name, offset,
		       bits / 4, value);
	}
}

static const struct option peek_opts[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ }
};

/* peek and poke: one aligned access. */
static int access_one(int argc, char **argv, bool write)
{
	const char *help = write ? poke_usage : peek_usage;
	unsigned int bits = 32, nargs = write ? 3 : 2;
	struct mapdev_mapping *m;
	bool json = false, quiet = false;
	uint64_t offset, value = 0;
	struct target t;
	int c, ret;

	opterr = 0;
	while ((c = getopt_long(argc, argv, write ? ":qh" : ":jh", peek_opts,
				NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			fputs(help, stdout);
			return EXIT_OK;
		default:
			return getopt_error(c, argv);
		}
	}
	if ((unsigned int)(argc - optind) < nargs)
		return usage_error("missing %s", argc - optind == 0 ? "DEVICE" :
				   argc - optind == 1 ? "OFFSET" : "VALUE");
	if ((unsigned int)(argc - optind) > nargs + 1)
		return usage_error("unexpected argument '%s'",
				   argv[optind + nargs + 1]);
	if (parse_offset_arg(argv[optind + 1], &offset))
		return EXIT_USAGE;
	if ((unsigned int)(argc - optind) == nargs + 1 &&
	    parse_width_arg(argv[optind + nargs], &bits))
		return EXIT_USAGE;
	if (write) {
		if (parse_number(argv[optind + 2], &value))
			return usage_error("bad VALUE '%s': expected a number "
					   "such as 255 or 0xff",
					   argv[optind + 2]);
		if (bits < 64 && value >> bits)
			return usage_error("VALUE 0x%" PRIx64 " does not fit in "
					   "%u bits", value, bits);
	}
	ret = check_aligned(offset, bits);
	if (ret >= 0)
		return ret;

	ret = find_target(&t, argv[optind], write ? O_RDWR : O_RDONLY,
			  offset, bits / 8, true);
	if (ret >= 0)
		return ret;
	if (t.rw) {
		ret = access_rw(&t, offset, bits, write, &value);
		if (ret == EXIT_OK)
			print_access(&t, offset, bits, write, json, quiet,
				     value);
		mapdev_device_close(t.dev);
		return ret;
	}
	if (map_or_rw(&t, t.inner, bits / 8,
		      write ? PROT_READ | PROT_WRITE : PROT_READ, &m)) {
		mapdev_device_close(t.dev);
		return EXIT_FAIL;
	}
	if (!m) {
		if (has_dma(&t) && !write)
			mapdev_device_sync_for_cpu(t.dev, t.region, t.inner,
						   bits / 8,
						   MAPDEV_DIR_FROM_DEVICE);
		ret = access_rw(&t, offset, bits, write, &value);
		if (ret == EXIT_OK && has_dma(&t) && write)
			mapdev_device_sync_for_device(t.dev, t.region, t.inner,
						      bits / 8,
						      MAPDEV_DIR_TO_DEVICE);
		if (ret == EXIT_OK)
			print_access(&t, offset, bits, write, json, quiet,
				     value);
		mapdev_device_close(t.dev);
		return ret;
	}
	if (write) {
		store(mapdev_mapping_addr(m), bits, value);
		if (has_dma(&t))
			mapdev_mapping_sync_for_device(m, t.dev,
						       MAPDEV_DIR_TO_DEVICE);
	} else {
		if (has_dma(&t))
			mapdev_mapping_sync_for_cpu(m, t.dev,
						    MAPDEV_DIR_FROM_DEVICE);
		value = load(mapdev_mapping_addr(m), bits);
	}
	print_access(&t, offset, bits, write, json, quiet, value);
	mapdev_mapping_unmap(m);
	mapdev_device_close(t.dev);
	return EXIT_OK;
}

int cmd_peek(int argc, char **argv)
{
	return access_one(argc, argv, false);
}

int cmd_poke(int argc, char **argv)
{
	return access_one(argc, argv, true);
}

/* Copy from device memory with aligned 32-bit loads where possible. */
static void copy_in(uint8_t *dst, const uint8_t *src, size_t n)
{
	size_t i = 0;

	if (!((uintptr_t)src & 3) && !(n & 3)) {
		for (; i < n; i += 4) {
			uint32_t v = *(const volatile uint32_t *)(src + i);

			memcpy(dst + i, &v, 4);
		}
		return;
	}
	for (; i < n; i++)
		dst[i] = *(const volatile uint8_t *)(src + i);
}

static void hexline(uint64_t off, const uint8_t *b, size_t n)
{
	char out[100];
	size_t i, k;

	k = snprintf(out, sizeof(out), "%08" PRIx64 " ", off);
	for (i = 0; i < 16; i++) {
		if (i == 8)
			out[k++] = ' ';
		if (i < n)
			k += snprintf(out + k, sizeof(out) - k, " %02x", b[i]);
		else
			k += snprintf(out + k, sizeof(out) - k, "   ");
	}
	k += snprintf(out + k, sizeof(out) - k, "  |");
	for (i = 0; i < n; i++)
		out[k++] = b[i] >= 0x20 && b[i] < 0x7f ? b[i] : '.';
	out[k++] = '|';
	out[k++] = '\n';
	fwrite(out, 1, k, stdout);
}

/* Progress for dump only when its output goes to a file, not a screen. */
static bool stdout_is_file(void)
{
	struct stat st;

	return !fstat(STDOUT_FILENO, &st) && S_ISREG(st.st_mode);
}

static const struct option dump_opts[] = {
	{ "raw", no_argument, NULL, 'r' },
	{ "help", no_argument, NULL, 'h' },
	{ }
};

int cmd_dump(int argc, char **argv)
{
	uint64_t offset = 0, len = 0, done = 0;
	uint8_t line[16], prev[16], *rwbuf = NULL;
	bool raw = false, have_prev = false, starred = false;
	struct progress prog;
	struct target t;
	int c, ret, nargs;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":rh", dump_opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			raw = true;
			break;
		case 'h':
			fputs(dump_usage, stdout);
			return EXIT_OK;
		default:
			return getopt_error(c, argv);
		}
	}
	nargs = argc - optind;
	if (nargs < 1)
		return usage_error("missing DEVICE");
	if (nargs > 3)
		return usage_error("unexpected argument '%s'",
				   argv[optind + 3]);
	if (nargs >= 2 && parse_offset_arg(argv[optind + 1], &offset))
		return EXIT_USAGE;
	if (nargs >= 3 && parse_size_arg("LENGTH", argv[optind + 2], &len))
		return EXIT_USAGE;

	ret = find_target(&t, argv[optind], O_RDONLY, offset, len, true);
	if (ret >= 0)
		return ret;
	if (!len)
		len = t.rsize - t.inner;
	if (t.rw) {
		rwbuf = malloc(len > WINDOW ? WINDOW : len);
		if (!rwbuf) {
			mapdev_device_close(t.dev);
			return fail("%s: %s", t.name, strerror(errno));
		}
	}
	if (has_dma(&t))
		mapdev_device_sync_for_cpu(t.dev, t.region, t.inner, len,
					   MAPDEV_DIR_FROM_DEVICE);
	progress_start(&prog, "dump", len, len >= PROGRESS_MIN &&
		       stdout_is_file());
	while (done < len) {
		size_t chunk = len - done > WINDOW ? WINDOW : len - done;
		struct mapdev_mapping *m = NULL;
		const uint8_t *p;
		size_t i;

		if (map_or_rw(&t, t.inner + done, chunk, PROT_READ, &m)) {
			free(rwbuf);
			mapdev_device_close(t.dev);
			return EXIT_FAIL;
		}
		if (!m && !rwbuf)
			rwbuf = malloc(len > WINDOW ? WINDOW : len);
		if (!m && !rwbuf) {
			mapdev_device_close(t.dev);
			return fail("%s: %s", t.name, strerror(errno));
		}
		if (!m) {
			if (rw_target(&t, t.inner + done, rwbuf, chunk,
				      false)) {
				free(rwbuf);
				mapdev_device_close(t.dev);
				return EXIT_FAIL;
			}
			p = rwbuf;
		} else {
			p = mapdev_mapping_addr(m);
		}
		for (i = 0; i < chunk; i += 16) {
			size_t n = chunk - i < 16 ? chunk - i : 16;
			uint64_t off = offset + done + i;

			copy_in(line, p + i, n);
			if (raw) {
				fwrite(line, 1, n, stdout);
				continue;
			}
			if (have_prev && n == 16 && !memcmp(line, prev, 16)) {
				if (!starred)
					fputs("*\n", stdout);
				starred = true;
				continue;
			}
			hexline(off, line, n);
			memcpy(prev, line, 16);
			have_prev = n == 16;
			starred = false;
		}
		mapdev_mapping_unmap(m);
		done += chunk;
		progress_update(&prog, done);
		if (ferror(stdout))
			break;
	}
	progress_end(&prog);
	if (!raw)
		printf("%08" PRIx64 "\n", offset + len);
	free(rwbuf);
	mapdev_device_close(t.dev);
	if (fflush(stdout) || ferror(stdout))
		return fail("writing the dump: %s", strerror(errno));
	return EXIT_OK;
}

enum pattern { PAT_VALUE, PAT_INCR, PAT_RANDOM };

static const struct option fill_opts[] = {
	{ "offset", required_argument, NULL, 'o' },
	{ "length", required_argument, NULL, 'l' },
	{ "width", required_argument, NULL, 'w' },
	{ "seed", required_argument, NULL, 's' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "force", no_argument, NULL, 'f' },
	{ "help", no_argument, NULL, 'h' },
	{ }
};

static uint64_t xorshift64s(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

int cmd_fill(int argc, char **argv)
{
	uint64_t offset = 0, len = 0, done = 0, value = 0, seed = 1, index = 0;
	enum pattern pat = PAT_VALUE;
	unsigned int bits = 8, step;
	const char *pstr;
	struct progress prog;
	bool quiet = false, force = false;
	uint8_t *wbuf = NULL;
	struct target t;
	int c, ret;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:l:w:s:qfh", fill_opts,
				NULL)) != -1) {
		switch (c) {
		case 'o':
			if (parse_offset_arg(optarg, &offset))
				return EXIT_USAGE;
			break;
		case 'l':
			if (parse_size_arg("LENGTH", optarg, &len))
				return EXIT_USAGE;
			break;
		case 'w':
			if (parse_width_arg(optarg, &bits))
				return EXIT_USAGE;
			break;
		case 's':
			if (parse_number(optarg, &seed))
				return usage_error("bad seed '%s'", optarg);
			break;
		case 'q':
			quiet = true;
			break;
		case 'f':
			force = true;
			break;
		case 'h':
			fputs(fill_usage, stdout);
			return EXIT_OK;
		default:
			return getopt_error(c, argv);
		}
	}
	if (argc - optind < 2)
		return usage_error(argc - optind ? "missing PATTERN" :
				   "missing DEVICE and PATTERN");
	if (argc - optind > 2)
		return usage_error("unexpected argument '%s'",
				   argv[optind + 2]);
	pstr = argv[optind + 1];
	if (!strcmp(pstr, "zero")) {
		value = 0;
	} else if (!strcmp(pstr, "ones")) {
		value = bits == 64 ? ~0ull : (1ull << bits) - 1;
	} else if (!strcmp(pstr, "incr")) {
		pat = PAT_INCR;
	} else if (!strcmp(pstr, "random")) {
		pat = PAT_RANDOM;
	} else if (parse_number(pstr, &value)) {
		return usage_error("bad PATTERN '%s': expected a number, zero, "
				   "ones, incr or random", pstr);
	} else if (bits < 64 && value >> bits) {
		return usage_error("PATTERN 0x%" PRIx64 " does not fit in %u "
				   "bits (see --width)", value, bits);
	}
	step = bits / 8;
	ret = check_aligned(offset, bits);
	if (ret >= 0)
		return ret;
	if (len % step)
		return usage_error("LENGTH %" PRIu64 " is not a multiple of "
				   "%u bits", len, bits);
	if (!seed)
		seed = 1;	/* xorshift's one bad seed */

	ret = find_target(&t, argv[optind], O_RDWR, offset, len, false);
	if (ret >= 0)
		return ret;
	if (!len && !force &&
	    !strcmp(mapdev_device_driver(t.dev), "mapdev_pci") &&
	    mapdev_region_backend(t.dev, t.region) == MAPDEV_BACKEND_IOMEM) {
		char sz[32];

		human_size(t.rsize - t.inner, sz, sizeof(sz));
		/*
		 * A BAR is registers as often as memory: filling all of
		 * edu's starts its DMA engine and raises its interrupt.
		 */
		ret = usage_error("%s: region %u '%s' is a BAR, "
				  "registers perhaps: give --length (the rest "
				  "of it is %s from 0x%" PRIx64 "), or --force "
				  "to fill it to its end", t.name, t.region,
				  mapdev_region_name(t.dev, t.region), sz,
				  offset);
		mapdev_device_close(t.dev);
		return ret;
	}
	if (!len)
		len = t.rsize - t.inner;
	if (len % step) {
		mapdev_device_close(t.dev);
		return fail("%s: the region's remaining %" PRIu64 " bytes are "
			    "not a multiple of %u bits", t.name, len, bits);
	}
	progress_start(&prog, "fill", len, len >= PROGRESS_MIN);
	while (done < len) {
		size_t chunk = len - done > WINDOW ? WINDOW : len - done;
		struct mapdev_mapping *m;
		uint8_t *p;
		size_t i;

		if (map_or_rw(&t, t.inner + done, chunk,
			      PROT_READ | PROT_WRITE, &m)) {
			free(wbuf);
			mapdev_device_close(t.dev);
			return EXIT_FAIL;
		}
		if (!m && !wbuf)
			wbuf = malloc(len > WINDOW ? WINDOW : len);
		if (!m && !wbuf) {
			mapdev_device_close(t.dev);
			return fail("%s: %s", t.name, strerror(errno));
		}
		p = m ? mapdev_mapping_addr(m) : wbuf;
		if (pat == PAT_VALUE && bits == 8) {
			memset(p, (int)value, chunk);
		} else if (pat == PAT_RANDOM) {
			for (i = 0; i < chunk; i += 8) {
				uint64_t r = xorshift64s(&seed);

				memcpy(p + i, &r,
				       chunk - i < 8 ? chunk - i : 8);
			}
		} else {
			for (i = 0; i < chunk; i += step)
				store(p + i, bits,
				      pat == PAT_INCR ? index++ : value);
		}
		if (!m && rw_target(&t, t.inner + done, wbuf, chunk, true)) {
			free(wbuf);
			mapdev_device_close(t.dev);
			return EXIT_FAIL;
		}
		if (has_dma(&t))
			mapdev_device_sync_for_device(t.dev, t.region,
						      t.inner + done, chunk,
						      MAPDEV_DIR_TO_DEVICE);
		mapdev_mapping_unmap(m);
		done += chunk;
		progress_update(&prog, done);
	}
	progress_end(&prog);
	free(wbuf);
	if (!quiet) {
		char sz[32];

		printf("filled %s (%" PRIu64 " bytes) of %s at 0x%" PRIx64
		       " with %s\n", human_size(len, sz, sizeof(sz)), len,
		       t.name, offset, pstr);
	}
	mapdev_device_close(t.dev);
	return EXIT_OK;
}
