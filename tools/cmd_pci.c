// SPDX-License-Identifier: GPL-2.0
/*
 * mapdev pci bind|unbind|info|list|irq: PCI functions for user-space
 * drivers, through mapdev_pci and libmapdev's sysfs helpers (lib/pci.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include "mapdev-tool.h"

/* How long bind waits for /dev/mapdev/pci-BDF. */
#define NODE_TIMEOUT_MS	5000

static const char pci_usage[] =
"Usage: mapdev pci bind BDF [--force]\n"
"       mapdev pci unbind BDF [--reprobe]\n"
"       mapdev pci info BDF [--json]\n"
"       mapdev pci list [--json]\n"
"       mapdev pci irq BDF [--vector N] [--count N] [--timeout MS] [--json]\n"
"       mapdev pci buf create BDF NAME SIZE [--backend B] [--cache C]\n"
"                             [--dma-bits N] [--json]\n"
"       mapdev pci buf rm BDF NAME...\n"
"       mapdev pci cache BDF REGION uncached|wc\n"
"\n"
"PCI functions for user-space drivers, through mapdev_pci.  A bound\n"
"function is the device /dev/mapdev/pci-DDDD:BB:DD.F: BAR N is region N\n"
"(mmap offset N << 40), config space region 6, the interrupt region 7;\n"
"mapdev peek, poke and dump reach them (pci-DDDD:BB:DD.F 0:0x10).\n"
"BDF is DDDD:BB:DD.F or BB:DD.F (domain 0), as lspci prints it.\n";

static const char bind_usage[] =
"Usage: mapdev pci bind BDF [--force]\n"
"\n"
"Bind the PCI function BDF to mapdev_pci: load the module with modprobe if\n"
"it is not loaded, set the function's driver_override to mapdev_pci,\n"
"unbind it from its current driver if it has one, and probe it; then wait\n"
"for /dev/mapdev/pci-BDF and print it.  Needs root.\n"
"\n"
"Refused unless --force: a bridge (class 06: the host bridge, an ISA or\n"
"PCI bridge), and a function whose driver is in use: it made devices of\n"
"the function (a disk controller's ports, a virtio device, a USB bus, a\n"
"network interface that is up...) that would go away with it.  A function\n"
"with no driver or a pass-through one (uio_pci_generic, vfio-pci,\n"
"pci-stub) is taken as it is.\n"
"\n"
"  -f, --force  bind it anyway\n"
"  -h, --help   this help\n";

static const char buf_create_usage[] =
"Usage: mapdev pci buf create BDF NAME SIZE [OPTION]...\n"
"\n"
"Create the DMA buffer /dev/mapdev/NAME for the function BDF, bound to\n"
"mapdev_pci: allocated below the function's DMA mask and mapped for its\n"
"DMA (through its IOMMU, if it has one), so the DMA addresses 'buf info\n"
"NAME --segments' shows are the ones to program into the device.  It goes\n"
"away with the function (unbind, removal), or with 'pci buf rm'.  SIZE\n"
"and NAME as for 'mapdev buf create'.  Needs root.\n"
"\n"
"  -b, --backend B    coherent (default), contig or sg\n"
"  -c, --cache C      cached (default), uncached or wc\n"
"  -d, --dma-bits N   set the function's DMA mask to N bits (12 to 64)\n"
"                     first; it stays for the function's later buffers\n"
"                     (mapdev_pci starts with 32)\n"
"  -j, --json         print the new buffer as 'buf info --json' does\n"
"  -h, --help         this help\n";

static const char buf_rm_usage[] =
"Usage: mapdev pci buf rm BDF NAME...\n"
"\n"
"Destroy buffers of the function BDF; their mappings are revoked\n"
"(SIGBUS).  'mapdev buf rm NAME' does the same for any buffer.  Needs\n"
"root.\n"
"\n"
"  -h, --help   this help\n";

static const char cache_usage[] =
"Usage: mapdev pci cache BDF REGION uncached|wc\n"
"\n"
"Set the cache mode of a memory BAR's future mappings (yours, the tool's,\n"
"any program's): uncached, or wc (write-combined) for a BAR that is\n"
"prefetchable ('pci info' flags it prefetch).  REGION is the BAR's index\n"
"(0 to 5) or name (bar2).  Only while nothing maps the BAR.  Needs root.\n"
"\n"
"  -h, --help   this help\n";

static const char unbind_usage[] =
"Usage: mapdev pci unbind BDF [--reprobe]\n"
"\n"
"Unbind the PCI function BDF from mapdev_pci and clear its\n"
"driver_override.  Every mapping of /dev/mapdev/pci-BDF is revoked: a\n"
"process that touches one afterwards gets SIGBUS.  Needs root.\n"
"\n"
"  -r, --reprobe   then let a kernel driver claim the function again\n"
"  -h, --help      this help\n";

static const char info_usage[] =
"Usage: mapdev pci info BDF [--json]\n"
"\n"
"Show a function bound to mapdev_pci: vendor:device, class, driver,\n"
"interrupt (msi, msix, intx or none) and each region with the offset to\n"
"pass to mmap, its size, flags, backend and cache mode.\n"
"\n"
"  -j, --json   one JSON object (shape in mapdev(1))\n"
"  -h, --help   this help\n";

static const char list_usage[] =
"Usage: mapdev pci list [--json]\n"
"\n"
"List the functions bound to mapdev_pci: address, vendor:device, class,\n"
"interrupt and device node.  --json prints a list of objects with bdf,\n"
"vendor, device_id, class, driver, device, interrupt and irq.\n"
"\n"
"  -j, --json   JSON output\n"
"  -h, --help   this help\n";

static const char irq_usage[] =
"Usage: mapdev pci irq BDF [--vector N] [--count N] [--timeout MS] [--json]\n"
"\n"
"Wait for interrupts of a function bound to mapdev_pci, as a user-space\n"
"driver does: poll() the device, then read the interrupt count (region 7).\n"
"Prints each interrupt with the device's total count.  The interrupt is\n"
"unmasked before each wait; with INTx, acknowledge it in the device in\n"
"between, or the same interrupt is counted again.  The device must raise\n"
"one: QEMU's edu does when its register 0x60 is written (mapdev poke\n"
"pci-0000:00:10.0 0x60 1, from another shell).\n"
"\n"
"  -v, --vector N     wait on MSI-X vector N (default 0); a function with\n"
"                     fewer vectors is given N + 1 first\n"
"  -n, --count N      wait for N interrupts (default 1)\n"
"  -t, --timeout MS   give up after MS milliseconds in all (exit 1);\n"
"                     default: wait for ever\n"
"  -j, --json         print {\"bdf\", \"interrupt\", \"vector\", \"received\",\n"
"                     \"count\", \"timed_out\"} at the end, also after a\n"
"                     timeout\n"
"  -h, --help         this help\n";

/* A BDF argument: prints a usage error and returns -1 if it is not one. */
/*
 * Why MAPDEV_PCI_IOC_BUF_DESTROY failed (errno), for `pci buf rm` and
 * `buf rm` of a PCI function's buffer.  Returns EXIT_FAIL.
 */
int pci_buf_destroy_failed(const char *name, const char *bdf)
{
	if (errno == EPERM)
		return fail("%s: cannot destroy: %s (needs root: CAP_SYS_ADMIN)",
			    name, strerror(errno));
	if (errno == EBUSY)
		return fail("%s: cannot destroy: %s can still reach it by DMA "
			    "(its bus master bit is set; MSI sets it at bind): "
			    "stop the device's DMA and clear bus mastering "
			    "(bit 2 of the command register, 'mapdev poke "
			    "pci-%s 6:4 VALUE 16'), or unbind the function",
			    name, bdf, bdf);
	return fail("%s: cannot destroy: %s", name, strerror(errno));
}

static int parse_bdf_arg(const char *str, char *bdf, size_t len)
{
	if (!mapdev_pci_parse_bdf(str, bdf, len))
		return 0;
	usage_error("bad PCI address '%s': expected DDDD:BB:DD.F or BB:DD.F "
		    "in hex (device up to 1f, function up to 7), e.g. "
		    "0000:00:10.0", str);
	return -1;
}

/* The function @bdf, or NULL after a message naming it and the reason. */
static struct mapdev_pci *open_pci(const char *bdf)
{
	struct mapdev_pci *pci = mapdev_pci_open(bdf);

	if (pci)
		return pci;
	if (errno == ENOENT)
		fail("%s: no such PCI function (not in %s/devices)", bdf,
		     MAPDEV_PCI_SYSFS);
	else
		fail("%s: cannot read its sysfs files: %s", bdf,
		     strerror(errno));
	return NULL;
}

static const char *irq_str(const struct mapdev_pci *pci)
{
	return mapdev_pci_irq_name(mapdev_pci_irq_kind(pci)) ?: "?";
}

/* Fails, naming the function, unless it is bound to mapdev_pci. */
static int need_bound(const struct mapdev_pci *pci)
{
	const char *drv = mapdev_pci_driver(pci);

	if (mapdev_pci_is_bound(pci))
		return -1;
	return fail("%s: not bound to mapdev_pci (%s%s); bind it with 'mapdev "
		    "pci bind %s'", mapdev_pci_bdf(pci),
		    drv ? "its driver is " : "no driver", drv ? drv : "",
		    mapdev_pci_bdf(pci));
}

/*
 * Parse [--json] [--help] and one BDF (or none for list).  Returns -1 to
 * go on, or an exit status.
 */
static int simple_args(int argc, char **argv, const char *help, bool want_bdf,
		       bool *json, char *bdf, size_t len)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			*json = true;
			break;
		case 'h':
			fputs(help, stdout);
			return EXIT_OK;
		default:
			return getopt_error(c, argv);
		}
	}
	if (want_bdf && argc - optind < 1)
		return usage_error("missing BDF (a PCI address such as "
				   "0000:00:10.0)");
	if (argc - optind > (want_bdf ? 1 : 0))
		return usage_error("unexpected argument '%s'",
				   argv[optind + (want_bdf ? 1 : 0)]);
	if (want_bdf && parse_bdf_arg(argv[optind], bdf, len))
		return EXIT_USAGE;
	return -1;
}

/* ------------------------------------------------------------------ bind */

/* modprobe mapdev_pci, its output on stderr.  0, or an exit status. */
static int load_module(const char *bdf)
{
	static const char *const paths[] = {
		"modprobe", "/sbin/modprobe", "/usr/sbin/modprobe",
	};
	int st;
	pid_t p;

	fflush(stdout);
	p = fork();
	if (p < 0)
		return fail("%s: cannot run modprobe: %s", bdf,
			    strerror(errno));
	if (!p) {
		char *argv[] = { "modprobe", MAPDEV_PCI_DRIVER, NULL };
		size_t i;

		dup2(STDERR_FILENO, STDOUT_FILENO);
		for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
			execvp(paths[i], argv);
		_exit(127);
	}
	while (waitpid(p, &st, 0) < 0)
		if (errno != EINTR)
			return fail("%s: waiting for modprobe: %s", bdf,
				    strerror(errno));
	if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
		return fail("%s: mapdev_pci is not loaded and modprobe was not "
			    "found", bdf);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		return fail("%s: mapdev_pci is not loaded and 'modprobe %s' "
			    "failed (exit status %d)%s", bdf, MAPDEV_PCI_DRIVER,
			    WIFEXITED(st) ? WEXITSTATUS(st) : 128 +
			    WTERMSIG(st), geteuid() ? "; it needs root" : "");
	if (!mapdev_pci_driver_loaded())
		return fail("%s: modprobe %s succeeded but the driver is not "
			    "registered", bdf, MAPDEV_PCI_DRIVER);
	return 0;
}

/* "host bridge" and so on, for class 0x06SSPP. */
static const char *bridge_kind(uint32_t class)
{
	switch ((class >> 8) & 0xff) {
	case 0x00:
		return "a host bridge";
	case 0x01:
		return "an ISA bridge";
	case 0x04:
		return "a PCI-to-PCI bridge";
	case 0x09:
		return "a PCI-to-PCI bridge";
	default:
		return "a bridge";
	}
}

/*
 * Whether mapdev_pci may take the function: not a bridge, and not from a
 * driver in use (mapdev_pci_users()).  -1 to go on, or an exit status.
 */
static int may_take(const struct mapdev_pci *pci)
{
	const char *bdf = mapdev_pci_bdf(pci);
	uint32_t class = mapdev_pci_class(pci);
	char users[512];
	int n;

	if (class >> 16 == 0x06)
		return fail("%s: refused: it is %s (class 0x%06x): the buses "
			    "and devices behind it, or the machine's own "
			    "chipset functions, depend on it; --force binds "
			    "it anyway", bdf, bridge_kind(class), class);
	n = mapdev_pci_users(pci, users, sizeof(users));
	if (n < 0)
		return fail("%s: cannot tell whether its driver is in use: %s",
			    bdf, strerror(errno));
	if (n > 0)
		return fail("%s: refused: its driver %s is in use: it serves "
			    "%s through it (%d device%s that would go away, "
			    "on real hardware a disk, a network link or the "
			    "console); --force takes it anyway", bdf,
			    mapdev_pci_driver(pci), users, n, n == 1 ? "" : "s");
	return -1;
}

static int pci_bind(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	char bdf[MAPDEV_PCI_BDF_LEN], node[4096], old[256] = "";
	struct mapdev_pci *pci;
	bool force = false;
	int c, ret;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":fh", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(bind_usage, stdout);
			return EXIT_OK;
		}
		if (c == 'f') {
			force = true;
			continue;
		}
		return getopt_error(c, argv);
	}
	if (argc - optind < 1)
		return usage_error("missing BDF (a PCI address such as "
				   "0000:00:10.0)");
	if (argc - optind > 1)
		return usage_error("unexpected argument '%s'",
				   argv[optind + 1]);
	if (parse_bdf_arg(argv[optind], bdf, sizeof(bdf)))
		return EXIT_USAGE;

	pci = open_pci(bdf);
	if (!pci)
		return EXIT_FAIL;
	mapdev_device_path(mapdev_pci_device_name(pci), node, sizeof(node));
	if (mapdev_pci_is_bound(pci)) {
		if (mapdev_pci_wait_device(pci, NODE_TIMEOUT_MS))
			ret = fail("%s: bound to mapdev_pci, but %s is not "
				   "there", bdf, node);
		else
			ret = printf("%s: already bound to mapdev_pci: %s\n",
				     bdf, node) < 0;
		mapdev_pci_close(pci);
		return ret;
	}
	if (!force) {
		ret = may_take(pci);
		if (ret >= 0) {
			mapdev_pci_close(pci);
			return ret;
		}
	}
	if (!mapdev_pci_driver_loaded()) {
		ret = load_module(bdf);
		if (ret) {
			mapdev_pci_close(pci);
			return ret;
		}
	}
	if (mapdev_pci_driver(pci))
		snprintf(old, sizeof(old), "%s", mapdev_pci_driver(pci));
	if (mapdev_pci_bind(pci)) {
		switch (errno) {
		case EACCES:
		case EPERM:
			ret = fail("%s: cannot bind: %s (writing to sysfs "
				   "needs root)", bdf, strerror(errno));
			break;
		case EIO:
			ret = fail("%s: mapdev_pci did not take the function: "
				   "its probe failed (the kernel log says why: "
				   "dmesg)", bdf);
			break;
		case ENODEV:
			ret = fail("%s: cannot bind: mapdev_pci is not loaded",
				   bdf);
			break;
		case ENOENT:
			ret = fail("%s: the function went away", bdf);
			break;
		default:
			ret = fail("%s: cannot bind: %s", bdf, strerror(errno));
		}
		mapdev_pci_close(pci);
		return ret;
	}
	if (mapdev_pci_wait_device(pci, NODE_TIMEOUT_MS)) {
		ret = fail("%s: bound to mapdev_pci, but %s did not appear "
			   "within %d ms", bdf, node, NODE_TIMEOUT_MS);
		mapdev_pci_close(pci);
		return ret;
	}
	if (old[0])
		printf("%s: unbound from %s\n", bdf, old);
	printf("%s: bound to mapdev_pci: %s (%04x:%04x, interrupts: %s)\n",
	       bdf, node, mapdev_pci_vendor(pci), mapdev_pci_device_id(pci),
	       irq_str(pci));
	mapdev_pci_close(pci);
	return EXIT_OK;
}

/* ---------------------------------------------------------------- unbind */

static int pci_unbind(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "reprobe", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	char bdf[MAPDEV_PCI_BDF_LEN], drv[256] = "";
	unsigned int flags = 0;
	struct mapdev_pci *pci;
	bool stale;
	int c, ret;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":rh", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			flags |= MAPDEV_PCI_REPROBE;
			break;
		case 'h':
			fputs(unbind_usage, stdout);
			return EXIT_OK;
		default:
			return getopt_error(c, argv);
		}
	}
	if (argc - optind < 1)
		return usage_error("missing BDF (a PCI address such as "
				   "0000:00:10.0)");
	if (argc - optind > 1)
		return usage_error("unexpected argument '%s'",
				   argv[optind + 1]);
	if (parse_bdf_arg(argv[optind], bdf, sizeof(bdf)))
		return EXIT_USAGE;

	pci = open_pci(bdf);
	if (!pci)
		return EXIT_FAIL;
	stale = !mapdev_pci_is_bound(pci) && mapdev_pci_driver_override(pci) &&
		!strcmp(mapdev_pci_driver_override(pci), MAPDEV_PCI_DRIVER);
	if (mapdev_pci_driver(pci))
		snprintf(drv, sizeof(drv), "%s", mapdev_pci_driver(pci));
	if (mapdev_pci_unbind(pci, flags)) {
		if (errno == ENXIO)
			ret = fail("%s: not bound to mapdev_pci (%s%s)%s", bdf,
				   drv[0] ? "its driver is " : "no driver",
				   drv, stale ? "; cleared its driver_override "
				   "of mapdev_pci" : "");
		else if (errno == EACCES || errno == EPERM)
			ret = fail("%s: cannot unbind: %s (writing to sysfs "
				   "needs root)", bdf, strerror(errno));
		else if (errno == ENOENT)
			ret = fail("%s: the function went away", bdf);
		else
			ret = fail("%s: cannot unbind: %s", bdf,
				   strerror(errno));
		mapdev_pci_close(pci);
		return ret;
	}
	printf("%s: unbound from mapdev_pci, driver_override cleared\n", bdf);
	if ((flags & MAPDEV_PCI_REPROBE) && mapdev_pci_driver(pci))
		printf("%s: now bound to %s\n", bdf, mapdev_pci_driver(pci));
	mapdev_pci_close(pci);
	return EXIT_OK;
}

/* ------------------------------------------------------------ info, list */

static const char *const flag_names[] = {
	"read", "write", "mmap", "dma", "contig", "prefetch", "irq"
};

static const char *enum_str(const char *name, unsigned int v, char *buf,
			    size_t len)
{
	if (name)
		return name;
	snprintf(buf, len, "%u", v);
	return buf;
}

/* The fields every function object has (list and info), no braces. */
static void print_fn_fields(const struct mapdev_pci *pci)
{
	char node[4096];

	mapdev_device_path(mapdev_pci_device_name(pci), node, sizeof(node));
	printf("\"bdf\": ");
	json_str(stdout, mapdev_pci_bdf(pci));
	printf(", \"vendor\": \"0x%04x\", \"device_id\": \"0x%04x\", "
	       "\"class\": \"0x%06x\", \"driver\": ", mapdev_pci_vendor(pci),
	       mapdev_pci_device_id(pci), mapdev_pci_class(pci));
	json_str(stdout, mapdev_pci_driver(pci));
	printf(", \"device\": ");
	json_str(stdout, node);
	printf(", \"interrupt\": ");
	json_str(stdout, irq_str(pci));
	printf(", \"irq\": ");
	if (mapdev_pci_irq_kind(pci) != MAPDEV_PCI_IRQ_NONE &&
	    mapdev_pci_irq(pci) >= 0)
		printf("%d", mapdev_pci_irq(pci));
	else
		printf("null");
}

static void print_region_json(struct mapdev_device *dev, unsigned int r)
{
	uint32_t f = mapdev_region_flags(dev, r);
	char b1[16], b2[16];
	size_t i, n = 0;

	printf("{\"index\": %u, \"name\": ", r);
	json_str(stdout, mapdev_region_name(dev, r));
	printf(", \"offset\": \"0x%" PRIx64 "\", \"size\": %" PRIu64
	       ", \"backend\": ", mapdev_region_offset(dev, r),
	       mapdev_region_size(dev, r));
	json_str(stdout, enum_str(mapdev_backend_name(mapdev_region_backend(dev,
			r)), mapdev_region_backend(dev, r), b1, sizeof(b1)));
	printf(", \"cache\": ");
	/* A cache mode is one of mappings: none for what cannot be mapped. */
	if (f & MAPDEV_REGION_F_MMAP)
		json_str(stdout, enum_str(mapdev_cache_name(
			mapdev_region_cache(dev, r)),
			mapdev_region_cache(dev, r), b2, sizeof(b2)));
	else
		printf("null");
	printf(", \"flags\": [");
	for (i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++)
		if (f & (1u << i))
			printf("%s\"%s\"", n++ ? ", " : "", flag_names[i]);
	printf("], \"nr_segments\": %u, \"dma_addr\": ",
	       mapdev_region_nr_segments(dev, r));
	if (mapdev_region_dma_addr(dev, r))
		printf("\"0x%" PRIx64 "\"}", mapdev_region_dma_addr(dev, r));
	else
		printf("null}");
}

static void print_region_line(struct mapdev_device *dev, unsigned int r)
{
	uint32_t f = mapdev_region_flags(dev, r);
	char off[24], sz[32], fl[128], b1[16], b2[16];
	size_t i, n = 0;

	if (!mapdev_region_size(dev, r)) {
		printf("  %-5u %-8s -\n", r, mapdev_region_name(dev, r));
		return;
	}
	fl[0] = '\0';
	for (i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++)
		if (f & (1u << i))
			n += snprintf(fl + n, n < sizeof(fl) ?
				      sizeof(fl) - n : 0, "%s%s",
				      n ? "," : "", flag_names[i]);
	snprintf(off, sizeof(off), "0x%" PRIx64, mapdev_region_offset(dev, r));
	printf("  %-5u %-8s %-15s %6s %-8s %-9s %s\n", r,
	       mapdev_region_name(dev, r), off,
	       human_size(mapdev_region_size(dev, r), sz, sizeof(sz)),
	       enum_str(mapdev_backend_name(mapdev_region_backend(dev, r)),
			mapdev_region_backend(dev, r), b1, sizeof(b1)),
	       !(f & MAPDEV_REGION_F_MMAP) ? "-" :
	       enum_str(mapdev_cache_name(mapdev_region_cache(dev, r)),
			mapdev_region_cache(dev, r), b2, sizeof(b2)), fl);
}

/*
 * The type of the IOMMU domain the function's DMA goes through (sysfs
 * iommu_group/type: "DMA", "DMA-FQ", "identity"...), or NULL for none.
 */
static const char *iommu_domain(const char *bdf, char *buf, size_t len)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/devices/%s/iommu_group/type",
		 MAPDEV_PCI_SYSFS, bdf);
	f = fopen(path, "re");
	if (!f)
		return NULL;
	if (!fgets(buf, (int)len, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return buf[0] ? buf : NULL;
}

/* Whether the domain translates: only mapped IOVAs reach memory. */
static bool iommu_translates(const char *type)
{
	return type && !strncmp(type, "DMA", 3);
}

static int pci_info(int argc, char **argv)
{
	char dom[32];
	const char *type;
	char bdf[MAPDEV_PCI_BDF_LEN];
	struct mapdev_device *dev;
	struct mapdev_pci *pci;
	bool json = false;
	unsigned int r;
	int ret;

	ret = simple_args(argc, argv, info_usage, true, &json, bdf,
			  sizeof(bdf));
	if (ret >= 0)
		return ret;
	pci = open_pci(bdf);
	if (!pci)
		return EXIT_FAIL;
	ret = need_bound(pci);
	if (ret >= 0) {
		mapdev_pci_close(pci);
		return ret;
	}
	dev = open_device(mapdev_pci_device_name(pci), O_RDONLY);
	if (!dev) {
		mapdev_pci_close(pci);
		return EXIT_FAIL;
	}
	type = iommu_domain(bdf, dom, sizeof(dom));
	if (json) {
		printf("{");
		print_fn_fields(pci);
		printf(", \"iommu\": ");
		if (type)
			json_str(stdout, type);
		else
			printf("null");
		printf(", \"reaches_all_memory\": %s",
		       iommu_translates(type) ? "false" : "true");
		printf(",\n \"regions\": [");
		for (r = 0; r < mapdev_device_num_regions(dev); r++) {
			printf(r ? ",\n  " : "");
			print_region_json(dev, r);
		}
		printf("]}\n");
	} else {
		printf("function:   %s\n", bdf);
		printf("id:         %04x:%04x (class %06x)\n",
		       mapdev_pci_vendor(pci), mapdev_pci_device_id(pci),
		       mapdev_pci_class(pci));
		printf("driver:     %s\n", MAPDEV_PCI_DRIVER);
		printf("device:     %s\n", mapdev_device_node(dev));
		printf("interrupt:  %s", irq_str(pci));
		if (mapdev_pci_irq_kind(pci) != MAPDEV_PCI_IRQ_NONE &&
		    mapdev_pci_irq(pci) >= 0)
			printf(" (irq %d)", mapdev_pci_irq(pci));
		if (iommu_translates(type))
			printf("\ndma:        through an IOMMU (%s domain): only its buffers' DMA addresses (IOVAs)",
			       type);
		else
			printf("\ndma:        no IOMMU translation%s%s%s: the function can reach all of memory",
			       type ? " (" : "", type ? type : "", type ? " domain)" : "");
		printf("\nregions:\n  %-5s %-8s %-15s %6s %-8s %-9s %s\n",
		       "INDEX", "NAME", "OFFSET", "SIZE", "BACKEND", "CACHE",
		       "FLAGS");
		for (r = 0; r < mapdev_device_num_regions(dev); r++)
			print_region_line(dev, r);
	}
	mapdev_device_close(dev);
	mapdev_pci_close(pci);
	return EXIT_OK;
}

static int pci_list(int argc, char **argv)
{
	struct mapdev_pcilist *l;
	bool json = false;
	size_t i, n, shown = 0;
	int ret;

	ret = simple_args(argc, argv, list_usage, false, &json, NULL, 0);
	if (ret >= 0)
		return ret;
	l = mapdev_pci_list();
	if (!l)
		return fail("cannot list %s/drivers/%s: %s", MAPDEV_PCI_SYSFS,
			    MAPDEV_PCI_DRIVER, strerror(errno));
	n = mapdev_pcilist_count(l);
	if (json)
		printf("[");
	for (i = 0; i < n; i++) {
		struct mapdev_pci *pci = mapdev_pci_open(mapdev_pcilist_bdf(l,
									 i));
		char node[4096];

		if (!pci)
			continue;	/* gone since the list was read */
		if (json) {
			printf(shown ? ",\n {" : "{");
			print_fn_fields(pci);
			printf("}");
		} else {
			if (!shown)
				printf("%-13s %-9s %-6s %-5s %s\n", "BDF", "ID",
				       "CLASS", "IRQ", "DEVICE");
			mapdev_device_path(mapdev_pci_device_name(pci), node,
					   sizeof(node));
			printf("%-13s %04x:%04x %06x %-5s %s\n",
			       mapdev_pci_bdf(pci), mapdev_pci_vendor(pci),
			       mapdev_pci_device_id(pci), mapdev_pci_class(pci),
			       irq_str(pci), node);
		}
		shown++;
		mapdev_pci_close(pci);
	}
	if (json)
		printf("]\n");
	else if (!shown)
		printf("no PCI functions bound to mapdev_pci%s\n",
		       mapdev_pci_driver_loaded() ? "" :
		       " (the module is not loaded)");
	mapdev_pcilist_free(l);
	return EXIT_OK;
}

/* ------------------------------------------------------------------- irq */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int pci_irq(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "count", required_argument, NULL, 'n' },
		{ "vector", required_argument, NULL, 'v' },
		{ "timeout", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	uint64_t want = 1, timeout = 0, received = 0, vector = 0;
	char bdf[MAPDEV_PCI_BDF_LEN];
	bool json = false, has_timeout = false, timed_out = false;
	struct mapdev_device *dev;
	struct mapdev_pci *pci;
	uint32_t count = 0;
	int64_t deadline = 0;
	int c, ret;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":n:v:t:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'v':
			if (parse_number(optarg, &vector) || vector > 2047)
				return usage_error("bad vector '%s': expected a "
						   "number from 0 to 2047",
						   optarg);
			break;
		case 'n':
			if (parse_number(optarg, &want) || !want ||
			    want > UINT32_MAX)
				return usage_error("bad count '%s': expected a "
						   "number from 1 to %u",
						   optarg, UINT32_MAX);
			break;
		case 't':
			if (parse_number(optarg, &timeout) ||
			    timeout > INT32_MAX)
				return usage_error("bad timeout '%s': expected "
						   "milliseconds, e.g. 1000",
						   optarg);
			has_timeout = true;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			fputs(irq_usage, stdout);
			return EXIT_OK;
		default:
			return getopt_error(c, argv);
		}
	}
	if (argc - optind < 1)
		return usage_error("missing BDF (a PCI address such as "
				   "0000:00:10.0)");
	if (argc - optind > 1)
		return usage_error("unexpected argument '%s'",
				   argv[optind + 1]);
	if (parse_bdf_arg(argv[optind], bdf, sizeof(bdf)))
		return EXIT_USAGE;

	pci = open_pci(bdf);
	if (!pci)
		return EXIT_FAIL;
	ret = need_bound(pci);
	if (ret >= 0)
		goto out_pci;
	dev = open_device(mapdev_pci_device_name(pci), O_RDWR | O_NONBLOCK);
	if (!dev) {
		ret = EXIT_FAIL;
		goto out_pci;
	}
	if (mapdev_device_irq_region(dev) < 0) {
		ret = fail("%s: has no interrupt (no MSI and no maskable INTx, "
			   "or mapdev_pci's irq_mode is none)", bdf);
		goto out_dev;
	}
	if (vector) {
		unsigned int nvec = 0, max = 0;

		if (mapdev_device_irq_vectors(dev, 0, &nvec, &max)) {
			ret = fail("%s: its interrupt vectors: %s", bdf,
				   strerror(errno));
			goto out_dev;
		}
		if (vector >= max) {
			ret = fail("%s: has no vector %" PRIu64 " (%s, %u "
				   "vector%s)", bdf, vector, irq_str(pci), max,
				   max == 1 ? "" : "s");
			goto out_dev;
		}
		if (vector >= nvec &&
		    mapdev_device_irq_vectors(dev, vector + 1, NULL, NULL)) {
			ret = fail("%s: cannot get %" PRIu64 " vectors: %s",
				   bdf, vector + 1, strerror(errno));
			goto out_dev;
		}
		if (mapdev_device_irq_vector(dev, vector)) {
			ret = fail("%s: vector %" PRIu64 ": %s", bdf, vector,
				   strerror(errno));
			goto out_dev;
		}
	}
	if (has_timeout)
		deadline = now_ms() + (int64_t)timeout;
	while (received < want) {
		struct pollfd p = { .fd = mapdev_device_fd(dev),
				    .events = POLLIN };
		int left = -1, n;

		if (mapdev_device_irq_enable(dev, true)) {
			ret = fail("%s: cannot unmask the interrupt: %s", bdf,
				   strerror(errno));
			goto out_dev;
		}
		if (has_timeout) {
			int64_t l = deadline - now_ms();

			left = l < 0 ? 0 : (int)l;
		}
		n = poll(&p, 1, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = fail("%s: poll: %s", bdf, strerror(errno));
			goto out_dev;
		}
		if (!n) {
			timed_out = true;
			ret = fail("%s: no interrupt within %" PRIu64 " ms "
				   "(%" PRIu64 " of %" PRIu64 " received)", bdf,
				   timeout, received, want);
			goto out_json;
		}
		if (p.revents & (POLLERR | POLLHUP | POLLNVAL)) {
			ret = fail("%s: the device went away (unbound or "
				   "removed)", bdf);
			goto out_dev;
		}
		if (mapdev_device_irq_wait(dev, &count)) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			ret = fail("%s: reading the interrupt count: %s", bdf,
				   errno == ENODEV ? "the device went away" :
				   strerror(errno));
			goto out_dev;
		}
		received++;
		if (!json) {
			if (vector)
				printf("%s: vector %" PRIu64 ": interrupt %"
				       PRIu64 " (count %u)\n", bdf, vector,
				       received, count);
			else
				printf("%s: interrupt %" PRIu64 " (count %u)\n",
				       bdf, received, count);
			fflush(stdout);
		}
	}
	ret = EXIT_OK;
out_json:
	/* Valid JSON however the wait ended: 0 received after a timeout. */
	if (json) {
		printf("{\"bdf\": ");
		json_str(stdout, bdf);
		printf(", \"interrupt\": ");
		json_str(stdout, irq_str(pci));
		printf(", \"vector\": %" PRIu64, vector);
		printf(", \"received\": %" PRIu64 ", \"count\": ", received);
		if (received)
			printf("%u", count);
		else
			printf("null");
		printf(", \"timed_out\": %s}\n", timed_out ? "true" : "false");
	}
out_dev:
	mapdev_device_close(dev);
out_pci:
	mapdev_pci_close(pci);
	return ret;
}

/* ------------------------------------------------------------- buffers */

/* The bound function @str names, its device opened O_RDWR; or NULL. */
static struct mapdev_device *open_bound(const char *bdf,
					struct mapdev_pci **pcip)
{
	struct mapdev_device *dev;
	struct mapdev_pci *pci;

	*pcip = NULL;
	pci = open_pci(bdf);
	if (!pci)
		return NULL;
	if (need_bound(pci) >= 0) {
		mapdev_pci_close(pci);
		return NULL;
	}
	dev = open_device(mapdev_pci_device_name(pci), O_RDWR);
	if (!dev) {
		mapdev_pci_close(pci);
		return NULL;
	}
	*pcip = pci;
	return dev;
}

static int pci_buf_create(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "backend", required_argument, NULL, 'b' },
		{ "cache", required_argument, NULL, 'c' },
		{ "dma-bits", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	int backend = MAPDEV_BACKEND_COHERENT, cache = MAPDEV_CACHE_CACHED;
	char bdf[MAPDEV_PCI_BDF_LEN];
	struct mapdev_device *dev;
	struct mapdev_pci *pci;
	unsigned int bits = 0;
	bool json = false;
	const char *name;
	uint64_t size, v;
	int c, ret;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":b:c:d:jh", opts, NULL)) != -1) {
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
			if (strspn(optarg, "0123456789") != strlen(optarg) ||
			    parse_number(optarg, &v) ||
			    v < MAPDEV_PCI_DMA_BITS_MIN ||
			    v > MAPDEV_PCI_DMA_BITS_MAX)
				return usage_error("bad DMA mask width '%s': "
						   "expected bits, %d to %d",
						   optarg,
						   MAPDEV_PCI_DMA_BITS_MIN,
						   MAPDEV_PCI_DMA_BITS_MAX);
			bits = (unsigned int)v;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			fputs(buf_create_usage, stdout);
			return EXIT_OK;
		default:
			return getopt_error(c, argv);
		}
	}
	if (argc - optind < 3)
		return usage_error(argc - optind == 0 ?
				   "missing BDF, NAME and SIZE" :
				   argc - optind == 1 ? "missing NAME and SIZE"
				   : "missing SIZE");
	if (argc - optind > 3)
		return usage_error("unexpected argument '%s'",
				   argv[optind + 3]);
	if (parse_bdf_arg(argv[optind], bdf, sizeof(bdf)))
		return EXIT_USAGE;
	name = argv[optind + 1];
	if (!mapdev_name_valid(name))
		return usage_error("bad buffer name '%s': up to %d characters "
				   "of A-Z a-z 0-9 _ . -, not starting with "
				   "'.' or '-'", name, MAPDEV_NAME_LEN - 1);
	if (parse_size_arg("SIZE", argv[optind + 2], &size))
		return EXIT_USAGE;

	dev = open_bound(bdf, &pci);
	if (!dev)
		return EXIT_FAIL;
	if (bits && mapdev_pci_set_dma_mask(dev, bits)) {
		if (errno == EIO)
			ret = fail("%s: cannot set a %u-bit DMA mask: the "
				   "platform cannot address that for the "
				   "function (%s)", bdf, bits, strerror(errno));
		else if (errno == EPERM)
			ret = fail("%s: cannot set its DMA mask: %s (needs "
				   "root: CAP_SYS_ADMIN)", bdf,
				   strerror(errno));
		else
			ret = fail("%s: cannot set a %u-bit DMA mask: %s", bdf,
				   bits, strerror(errno));
		goto out;
	}
	if (mapdev_pci_buf_create(dev, name, size, backend, cache)) {
		ret = create_failed(name, size, backend, cache, errno, bdf);
		goto out;
	}
	ret = buf_created(name, size, backend, cache, json);
out:
	mapdev_device_close(dev);
	mapdev_pci_close(pci);
	return ret;
}

static int pci_buf_rm(int argc, char **argv)
{
	char bdf[MAPDEV_PCI_BDF_LEN];
	struct mapdev_device *dev;
	struct mapdev_pci *pci;
	int ret, i;
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(buf_rm_usage, stdout);
			return EXIT_OK;
		}
		return getopt_error(c, argv);
	}
	if (argc - optind < 1)
		return usage_error("missing BDF and NAME");
	if (argc - optind < 2)
		return usage_error("missing NAME");
	if (parse_bdf_arg(argv[optind], bdf, sizeof(bdf)))
		return EXIT_USAGE;
	for (i = optind + 1; i < argc; i++)
		if (!mapdev_name_valid(argv[i]))
			return usage_error("bad buffer name '%s'", argv[i]);
	dev = open_bound(bdf, &pci);
	if (!dev)
		return EXIT_FAIL;
	ret = EXIT_OK;
	for (i = optind + 1; i < argc; i++) {
		if (!mapdev_pci_buf_destroy(dev, argv[i]))
			continue;
		if (errno == ENOENT)
			ret = fail("%s: no such buffer of %s", argv[i], bdf);
		else
			ret = pci_buf_destroy_failed(argv[i], bdf);
	}
	mapdev_device_close(dev);
	mapdev_pci_close(pci);
	return ret;
}

static int pci_buf(int argc, char **argv)
{
	if (argc < 2)
		return usage_error("missing subcommand: create or rm");
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fputs(buf_create_usage, stdout);
		fputc('\n', stdout);
		fputs(buf_rm_usage, stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "create")) {
		tool_cmd = "pci buf create";
		return pci_buf_create(argc - 1, argv + 1);
	}
	if (!strcmp(argv[1], "rm")) {
		tool_cmd = "pci buf rm";
		return pci_buf_rm(argc - 1, argv + 1);
	}
	return usage_error("unknown subcommand '%s': expected create or rm",
			   argv[1]);
}

/* --------------------------------------------------------------- cache */

static int pci_cache(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	char bdf[MAPDEV_PCI_BDF_LEN], *end;
	struct mapdev_device *dev;
	struct mapdev_pci *pci;
	const char *rstr;
	unsigned long r;
	int c, mode, ret;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(cache_usage, stdout);
			return EXIT_OK;
		}
		return getopt_error(c, argv);
	}
	if (argc - optind < 3)
		return usage_error(argc - optind == 0 ?
				   "missing BDF, REGION and MODE" :
				   argc - optind == 1 ? "missing REGION and MODE"
				   : "missing MODE (uncached or wc)");
	if (argc - optind > 3)
		return usage_error("unexpected argument '%s'",
				   argv[optind + 3]);
	if (parse_bdf_arg(argv[optind], bdf, sizeof(bdf)))
		return EXIT_USAGE;
	rstr = argv[optind + 1];
	if (!strncmp(rstr, "bar", 3))
		rstr += 3;
	errno = 0;
	r = strtoul(rstr, &end, 10);
	if (!*rstr || *end || errno || r > 5)
		return usage_error("bad REGION '%s': expected a BAR, 0 to 5 or "
				   "bar0 to bar5", argv[optind + 1]);
	mode = mapdev_cache_from_name(argv[optind + 2]);
	if (mode != MAPDEV_CACHE_UNCACHED && mode != MAPDEV_CACHE_WC)
		return usage_error("bad cache mode '%s': a BAR is uncached or "
				   "wc", argv[optind + 2]);

	dev = open_bound(bdf, &pci);
	if (!dev)
		return EXIT_FAIL;
	if (!mapdev_device_set_cache(dev, (unsigned int)r, mode)) {
		printf("%s: bar%lu's mappings from now on are %s\n", bdf, r,
		       mapdev_cache_name(mode));
		ret = EXIT_OK;
	} else if (errno == EBUSY) {
		ret = fail("%s: bar%lu is mapped now (see 'mapdev maps'): its "
			   "cache mode changes only while nothing maps it",
			   bdf, r);
	} else if (errno == EINVAL) {
		uint32_t f = mapdev_region_flags(dev, (unsigned int)r);

		if (!mapdev_region_size(dev, (unsigned int)r))
			ret = fail("%s: the function has no bar%lu", bdf, r);
		else if (!(f & MAPDEV_REGION_F_MMAP))
			ret = fail("%s: bar%lu cannot be mapped (an I/O BAR, "
				   "or smaller than a page)", bdf, r);
		else if (mode == MAPDEV_CACHE_WC &&
			 !(f & MAPDEV_REGION_F_PREFETCH))
			ret = fail("%s: bar%lu is not prefetchable: "
				   "write-combining could merge or reorder its "
				   "register writes", bdf, r);
		else
			ret = fail("%s: bar%lu cannot be %s: %s", bdf, r,
				   mapdev_cache_name(mode), strerror(errno));
	} else {
		ret = fail("%s: cannot set bar%lu's cache mode: %s", bdf, r,
			   strerror(errno));
	}
	mapdev_device_close(dev);
	mapdev_pci_close(pci);
	return ret;
}

int cmd_pci(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int argc, char **argv);
		const char *cmd;
	} subs[] = {
		{ "bind", pci_bind, "pci bind" },
		{ "unbind", pci_unbind, "pci unbind" },
		{ "info", pci_info, "pci info" },
		{ "list", pci_list, "pci list" },
		{ "ls", pci_list, "pci list" },
		{ "irq", pci_irq, "pci irq" },
		{ "buf", pci_buf, "pci buf" },
		{ "cache", pci_cache, "pci cache" },
	};
	size_t i;

	if (argc < 2)
		return usage_error("missing subcommand: bind, unbind, info, "
				   "list, irq, buf or cache");
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fputs(pci_usage, stdout);
		return EXIT_OK;
	}
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		if (!strcmp(argv[1], subs[i].name)) {
			tool_cmd = subs[i].cmd;
			return subs[i].fn(argc - 1, argv + 1);
		}
	}
	return usage_error("unknown subcommand '%s': expected bind, unbind, "
			   "info, list, irq, buf or cache", argv[1]);
}
