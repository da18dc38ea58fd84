// SPDX-License-Identifier: GPL-2.0
/*
 * mapdev: the command-line tool of the mapdev kit.  Each subcommand lives
 * in its own file; this one dispatches.
 */
#include <stdlib.h>
#include <string.h>

#include "mapdev-tool.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} cmds[] = {
	{ "buf", cmd_buf },
	{ "peek", cmd_peek },
	{ "poke", cmd_poke },
	{ "dump", cmd_dump },
	{ "fill", cmd_fill },
	{ "maps", cmd_maps },
	{ "pci", cmd_pci },
	{ "grab", cmd_grab },
};

static void usage(FILE *f)
{
	fputs(
"Usage: mapdev COMMAND [ARG]...\n"
"\n"
"Work with mapdev devices (/dev/mapdev/NAME) and look at process mappings.\n"
"\n"
"Commands:\n"
"  buf create NAME SIZE [--backend coherent|contig|sg]\n"
"                       [--cache cached|uncached|wc]\n"
"                               create a DMA buffer /dev/mapdev/NAME\n"
"  buf list [--json]            list every buffer and its owner\n"
"  buf info NAME [--segments] [--json]\n"
"                               show a buffer, its regions and DMA address\n"
"  buf rm NAME...               destroy buffers (their mappings are revoked)\n"
"  peek DEVICE OFFSET [WIDTH]   read 8/16/32/64 bits through a mapping\n"
"  poke DEVICE OFFSET VALUE [WIDTH]\n"
"                               write 8/16/32/64 bits through a mapping\n"
"  dump DEVICE [OFFSET [LENGTH]]\n"
"                               hexdump a region\n"
"  fill DEVICE PATTERN          fill a region with a pattern\n"
"  maps [PID] [--summary] [--smaps] [--json]\n"
"                               a process's mappings, classified\n"
"  pci bind|unbind BDF          give a PCI function to mapdev_pci, or\n"
"                               take it back (bind: not a bridge or a\n"
"                               function in use, unless --force)\n"
"  pci info BDF [--json]        its regions (BARs, config, irq), IDs,\n"
"                               interrupt kind\n"
"  pci list [--json]            the functions bound to mapdev_pci\n"
"  pci irq BDF [--count N] [--timeout MS]\n"
"                               wait for its interrupts\n"
"  pci buf create BDF NAME SIZE [--dma-bits N] | pci buf rm BDF NAME...\n"
"                               DMA buffers of a bound function\n"
"  pci cache BDF REGION uncached|wc\n"
"                               a BAR's cache mode (wc: prefetchable)\n"
"  grab DEVICE [--frames N] [--out DIR] [--json]\n"
"                               stream frames from a V4L2 capture device\n"
"                               (mapdev_edu), write them as PGM\n"
"\n"
"DEVICE is a name (frames means /dev/mapdev/frames; a bound PCI function\n"
"is pci-0000:00:10.0) or a path.  BDF is a PCI address: 0000:00:10.0 or\n"
"00:10.0.  SIZE, OFFSET and LENGTH take K, M and G suffixes (powers of\n"
"1024).\n"
"'mapdev COMMAND --help' shows a command's options; man mapdev(1) has it\n"
"all.  Exit status: 0 ok, 1 error, 2 usage error.\n", f);
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("mapdev %s\n", mapdev_version());
		return EXIT_OK;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (!strcmp(argv[1], cmds[i].name)) {
			tool_cmd = cmds[i].name;
			return cmds[i].fn(argc - 1, argv + 1);
		}
	}
	return usage_error("unknown command '%s'", argv[1]);
}
