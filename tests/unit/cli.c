// SPDX-License-Identifier: GPL-2.0
/*
 * The mapdev command on the host, where no module is needed: --help of
 * every subcommand, usage errors (exit 2), runtime errors (exit 1) with a
 * message naming the object, and `mapdev maps` on itself and on a child,
 * its --json output parsed back and checked.
 */
#define HARNESS_IMPLEMENTATION
#include "../harness.h"
#include "testutil.h"

#include <mapdev.h>

const char *harness_suite = "cli";

#define EXPECT_EXIT(r, code) do {					\
	if ((r)->status != (code))					\
		FAILF("exit status %d, expected %d; stdout: %.300s; "	\
		      "stderr: %.300s", (r)->status, (code), (r)->out,	\
		      (r)->err);					\
} while (0)

#define EXPECT_IN(hay, needle) do {					\
	if (!strstr((hay), (needle)))					\
		FAILF("'%s' not found in: %.400s", (needle), (hay));	\
} while (0)

/* A usage error: exit 2, a message, a pointer to --help, no stdout. */
#define EXPECT_USAGE(r, msg) do {					\
	EXPECT_EXIT((r), 2);						\
	EXPECT_IN((r)->err, (msg));					\
	EXPECT_IN((r)->err, "--help");					\
	CHECK_EQ(strlen((r)->out), 0);					\
} while (0)

TEST(no_arguments)
{
	struct tu_run r;
	char *argv[] = { (char *)tu_tool(), NULL };

	tu_runv(&r, argv, NULL);
	EXPECT_EXIT(&r, 2);
	EXPECT_IN(r.err, "Usage: mapdev COMMAND");
}

TEST(top_help_and_version)
{
	struct tu_run r;

	TU_MAPDEV(&r, "--help");
	EXPECT_EXIT(&r, 0);
	EXPECT_IN(r.out, "Usage: mapdev COMMAND");
	EXPECT_IN(r.out, "buf create");
	EXPECT_IN(r.out, "maps [PID]");
	EXPECT_IN(r.out, "pci info BDF");
	CHECK_EQ(strlen(r.err), 0);
	tu_run_free(&r);
	TU_MAPDEV(&r, "--version");
	EXPECT_EXIT(&r, 0);
	EXPECT_IN(r.out, mapdev_version());
}

TEST(unknown_command)
{
	struct tu_run r;

	TU_MAPDEV(&r, "frobnicate");
	EXPECT_USAGE(&r, "unknown command 'frobnicate'");
}


static void help_of(const char *const *args, const char *want)
{
	char *argv[10] = { (char *)tu_tool() };
	struct tu_run r;
	int i;

	for (i = 0; args[i]; i++)
		argv[i + 1] = (char *)args[i];
	argv[i + 1] = "--help";
	argv[i + 2] = NULL;
	tu_runv(&r, argv, NULL);
	if (r.status)
		FAILF("mapdev %s %s --help: exit %d: %s", args[0],
		      args[1] ?: "", r.status, r.err);
	EXPECT_IN(r.out, want);
	CHECK_EQ(strlen(r.err), 0);
	tu_run_free(&r);
}

TEST(help_of_every_subcommand)
{
	static const struct {
		const char *args[4];
		const char *want;
	} h[] = {
		{ { "buf" }, "Usage: mapdev buf create" },
		{ { "buf", "create" }, "Usage: mapdev buf create NAME SIZE" },
		{ { "buf", "list" }, "Usage: mapdev buf list" },
		{ { "buf", "info" }, "Usage: mapdev buf info NAME" },
		{ { "buf", "rm" }, "Usage: mapdev buf rm NAME" },
		{ { "peek" }, "Usage: mapdev peek DEVICE OFFSET [WIDTH]" },
		{ { "poke" }, "Usage: mapdev poke DEVICE OFFSET VALUE" },
		{ { "dump" }, "Usage: mapdev dump DEVICE [OFFSET [LENGTH]]" },
		{ { "fill" }, "Usage: mapdev fill DEVICE PATTERN" },
		{ { "maps" }, "Usage: mapdev maps [PID]" },
		{ { "pci" }, "Usage: mapdev pci bind BDF" },
		{ { "pci", "bind" }, "Usage: mapdev pci bind BDF" },
		{ { "pci", "unbind" }, "Usage: mapdev pci unbind BDF" },
		{ { "pci", "info" }, "Usage: mapdev pci info BDF [--json]" },
		{ { "pci", "list" }, "Usage: mapdev pci list [--json]" },
		{ { "pci", "irq" }, "Usage: mapdev pci irq BDF" },
		{ { "pci", "buf" }, "Usage: mapdev pci buf create BDF NAME" },
		{ { "pci", "buf", "create" },
		  "Usage: mapdev pci buf create BDF NAME SIZE" },
		{ { "pci", "buf", "rm" }, "Usage: mapdev pci buf rm BDF NAME" },
		{ { "pci", "cache" }, "Usage: mapdev pci cache BDF REGION" },
	};
	size_t i;

	for (i = 0; i < sizeof(h) / sizeof(h[0]); i++)
		help_of(h[i].args, h[i].want);
}

TEST(help_wins_over_bad_arguments)
{
	struct tu_run r;

	/* --help anywhere shows help, whatever else is wrong. */
	TU_MAPDEV(&r, "peek", "--help", "x", "garbage", "99");
	EXPECT_EXIT(&r, 0);
	EXPECT_IN(r.out, "Usage: mapdev peek");
}

TEST(buf_usage_errors)
{
	static const struct {
		const char *argv[7];
		const char *msg;
	} cases[] = {
		{ { "buf" }, "missing subcommand" },
		{ { "buf", "grow" }, "unknown subcommand 'grow'" },
		{ { "buf", "create" }, "missing NAME and SIZE" },
		{ { "buf", "create", "x" }, "missing SIZE" },
		{ { "buf", "create", "x", "4K", "extra" },
		  "unexpected argument 'extra'" },
		{ { "buf", "create", "a/b", "4K" }, "bad buffer name 'a/b'" },
		{ { "buf", "create", ".x", "4K" }, "bad buffer name '.x'" },
		{ { "buf", "create", "x", "0" }, "SIZE must not be 0" },
		{ { "buf", "create", "x", "0K" }, "SIZE must not be 0" },
		{ { "buf", "create", "x", "12X" }, "bad SIZE '12X'" },
		{ { "buf", "create", "x", "-4K" }, "'-4K': negative" },
		{ { "buf", "create", "x", "1.5M" }, "bad SIZE '1.5M'" },
		{ { "buf", "create", "x", "99999999999999999999" },
		  "too large" },
		{ { "buf", "create", "x", "17179869184G" }, "too large" },
		{ { "buf", "create", "x", "4K", "--backend", "iomem" },
		  "bad backend 'iomem'" },
		{ { "buf", "create", "x", "4K", "--cache", "wb" },
		  "bad cache mode 'wb'" },
		{ { "buf", "create", "x", "4K", "--backend" },
		  "needs a value" },
		{ { "buf", "create", "x", "4K", "--bogus" },
		  "unknown option '--bogus'" },
		{ { "buf", "list", "extra" }, "unexpected argument" },
		{ { "buf", "info" }, "missing NAME" },
		{ { "buf", "info", "a b" }, "bad buffer name" },
		{ { "buf", "info", "x", "--segs" }, "unknown option '--segs'" },
		{ { "buf", "list", "--segments" },
		  "unknown option '--segments'" },
		{ { "buf", "rm", "x", "--segments" },
		  "unknown option '--segments'" },
		{ { "buf", "rm" }, "missing NAME" },
		{ { "buf", "rm", "ok", "../bad" }, "bad buffer name '../bad'" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *argv[8] = { (char *)tu_tool() };
		struct tu_run r;
		int j;

		for (j = 0; cases[i].argv[j]; j++)
			argv[j + 1] = (char *)cases[i].argv[j];
		tu_runv(&r, argv, NULL);
		if (r.status != 2 || !strstr(r.err, cases[i].msg))
			FAILF("case %zu (%s %s %s): exit %d, stderr: %s "
			      "(expected exit 2 and '%s')", i,
			      cases[i].argv[0], cases[i].argv[1] ?: "",
			      cases[i].argv[2] ?: "", r.status, r.err,
			      cases[i].msg);
		EXPECT_IN(r.err, "Try 'mapdev ");
		tu_run_free(&r);
	}
}

TEST(mem_usage_errors)
{
	static const struct {
		const char *argv[8];
		const char *msg;
	} cases[] = {
		{ { "peek" }, "missing DEVICE" },
		{ { "peek", "x" }, "missing OFFSET" },
		{ { "peek", "x", "0", "12" }, "bad width '12'" },
		{ { "peek", "x", "0", "32", "more" }, "unexpected argument" },
		{ { "peek", "x", "zz" }, "bad offset 'zz'" },
		{ { "peek", "x", "0x3" }, "not aligned to 32 bits" },
		{ { "peek", "x", "0x2", "32" }, "not aligned to 32 bits" },
		{ { "peek", "x", "0x4", "64" }, "not aligned to 64 bits" },
		{ { "peek", "x", "9:0" }, "REGION:OFFSET" },
		{ { "peek", "x", "1:2T" }, "REGION:OFFSET" },
		{ { "poke", "x", "0" }, "missing VALUE" },
		{ { "poke", "x", "0", "0x100", "8" }, "does not fit in 8 bits" },
		{ { "poke", "x", "0", "0x10000", "16" }, "does not fit" },
		{ { "poke", "x", "0", "-1" }, "'-1': negative" },
		{ { "poke", "x", "0", "1", "7" }, "bad width '7'" },
		{ { "dump" }, "missing DEVICE" },
		{ { "dump", "x", "0", "0" }, "LENGTH must not be 0" },
		{ { "dump", "x", "0", "1Q" }, "bad LENGTH" },
		{ { "dump", "x", "0", "16", "more" }, "unexpected argument" },
		{ { "fill", "x" }, "missing PATTERN" },
		{ { "fill", "x", "stripes" }, "bad PATTERN 'stripes'" },
		{ { "fill", "x", "0x1ff" }, "does not fit in 8 bits" },
		{ { "fill", "x", "1", "-w", "24" }, "bad width '24'" },
		{ { "fill", "x", "1", "-w", "32", "-o", "2" }, "not aligned" },
		{ { "fill", "x", "1", "-w", "32", "-l", "6" },
		  "not a multiple of 32 bits" },
		{ { "fill", "x", "1", "--length", "0" }, "must not be 0" },
		{ { "fill", "x", "1", "--force=yes" }, "--force=yes" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *argv[10] = { (char *)tu_tool() };
		struct tu_run r;
		int j;

		for (j = 0; cases[i].argv[j]; j++)
			argv[j + 1] = (char *)cases[i].argv[j];
		tu_runv(&r, argv, NULL);
		if (r.status != 2 || !strstr(r.err, cases[i].msg))
			FAILF("case %zu (%s %s %s %s): exit %d, stderr: %s "
			      "(expected exit 2 and '%s')", i,
			      cases[i].argv[0], cases[i].argv[1] ?: "",
			      cases[i].argv[2] ?: "", cases[i].argv[3] ?: "",
			      r.status, r.err, cases[i].msg);
		tu_run_free(&r);
	}
}

TEST(no_such_device)
{
	struct tu_run r;
	char name[64];

	snprintf(name, sizeof(name), "nodev-%d", (int)getpid());
	TU_MAPDEV(&r, "peek", name, "0");
	EXPECT_EXIT(&r, 1);
	EXPECT_IN(r.err, "/dev/mapdev/nodev-");
	EXPECT_IN(r.err, "no such device");
	CHECK_EQ(strlen(r.out), 0);
	tu_run_free(&r);

	TU_MAPDEV(&r, "dump", "/dev/null");
	EXPECT_EXIT(&r, 1);
	EXPECT_IN(r.err, "/dev/null: not a mapdev device");
	tu_run_free(&r);

	TU_MAPDEV(&r, "fill", "/nonexistent/dev", "zero");
	EXPECT_EXIT(&r, 1);
	EXPECT_IN(r.err, "/nonexistent/dev");
}

TEST(buf_without_module)
{
	struct tu_run r;

	if (!access(MAPDEV_SYSFS_CLASS, F_OK))
		SKIP("%s exists here: a mapdev module is loaded",
		     MAPDEV_SYSFS_CLASS);
	/* Creating needs buf-control, which names its module. */
	TU_MAPDEV(&r, "buf", "create", "x", "64K", "--backend", "sg");
	EXPECT_EXIT(&r, 1);
	EXPECT_IN(r.err, MAPDEV_BUFCTL_PATH);
	EXPECT_IN(r.err, "mapdev_buf");
	tu_run_free(&r);
	/* Listing reads sysfs: no module, no buffers, and that is no error. */
	TU_MAPDEV(&r, "buf", "list", "--json");
	EXPECT_EXIT(&r, 0);
	CHECK(!strcmp(r.out, "[]\n"));
	tu_run_free(&r);
	TU_MAPDEV(&r, "buf", "list");
	EXPECT_EXIT(&r, 0);
	EXPECT_IN(r.out, "no buffers (no mapdev module is loaded)");
	tu_run_free(&r);
	TU_MAPDEV(&r, "buf", "info", "x", "--json");
	EXPECT_EXIT(&r, 1);
	EXPECT_IN(r.err, "x: no such buffer");
	CHECK_EQ(strlen(r.out), 0);
	tu_run_free(&r);
	TU_MAPDEV(&r, "buf", "rm", "x");
	EXPECT_EXIT(&r, 1);
	EXPECT_IN(r.err, "x: no such buffer");
}

/* ----------------------------------------------------------------- pci */

/*
 * Only usage errors and functions that do not exist here: on the host the
 * tool must never bind, unbind or load anything (it would, as root, for a
 * real function).
 */
TEST(pci_usage_errors)
{
	static const struct {
		const char *argv[9];
		const char *msg;
	} cases[] = {
		{ { "pci" }, "missing subcommand" },
		{ { "pci", "attach" }, "unknown subcommand 'attach'" },
		{ { "pci", "bind" }, "missing BDF" },
		{ { "pci", "unbind" }, "missing BDF" },
		{ { "pci", "info" }, "missing BDF" },
		{ { "pci", "irq" }, "missing BDF" },
		{ { "pci", "bind", "zz" }, "bad PCI address 'zz'" },
		{ { "pci", "bind", "00:20.0" }, "bad PCI address '00:20.0'" },
		{ { "pci", "bind", "00:10.8" }, "bad PCI address" },
		{ { "pci", "bind", "0:10.0" }, "bad PCI address" },
		{ { "pci", "unbind", "0000:00:10" }, "bad PCI address" },
		{ { "pci", "info", "0000:00:10.0:0" }, "bad PCI address" },
		{ { "pci", "info", "00:10.0 " }, "bad PCI address" },
		{ { "pci", "irq", "x" }, "bad PCI address 'x'" },
		{ { "pci", "bind", "00:10.0", "00:11.0" },
		  "unexpected argument '00:11.0'" },
		{ { "pci", "unbind", "00:10.0", "extra" },
		  "unexpected argument 'extra'" },
		{ { "pci", "info", "00:10.0", "extra" },
		  "unexpected argument 'extra'" },
		{ { "pci", "list", "00:10.0" }, "unexpected argument" },
		{ { "pci", "bind", "00:10.0", "--json" },
		  "unknown option '--json'" },
		{ { "pci", "unbind", "00:10.0", "--force" },
		  "unknown option '--force'" },
		{ { "pci", "info", "00:10.0", "-x" }, "unknown option '-x'" },
		{ { "pci", "irq", "00:10.0", "--count", "0" }, "bad count '0'" },
		{ { "pci", "irq", "00:10.0", "--count", "many" },
		  "bad count 'many'" },
		{ { "pci", "irq", "00:10.0", "-n", "-1" }, "bad count '-1'" },
		{ { "pci", "irq", "00:10.0", "--timeout", "soon" },
		  "bad timeout 'soon'" },
		{ { "pci", "irq", "00:10.0", "--timeout", "99999999999" },
		  "bad timeout" },
		{ { "pci", "irq", "00:10.0", "--timeout" }, "needs a value" },
		{ { "pci", "bind", "00:10.0", "--forced" },
		  "unknown option '--forced'" },
		{ { "pci", "buf" }, "missing subcommand: create or rm" },
		{ { "pci", "buf", "grow" }, "unknown subcommand 'grow'" },
		{ { "pci", "buf", "create" }, "missing BDF, NAME and SIZE" },
		{ { "pci", "buf", "create", "00:10.0" },
		  "missing NAME and SIZE" },
		{ { "pci", "buf", "create", "00:10.0", "x" }, "missing SIZE" },
		{ { "pci", "buf", "create", "00:10", "x", "4K" },
		  "bad PCI address '00:10'" },
		{ { "pci", "buf", "create", "00:10.0", "a/b", "4K" },
		  "bad buffer name 'a/b'" },
		{ { "pci", "buf", "create", "00:10.0", "x", "0" },
		  "SIZE must not be 0" },
		{ { "pci", "buf", "create", "00:10.0", "x", "4K", "extra" },
		  "unexpected argument 'extra'" },
		{ { "pci", "buf", "create", "00:10.0", "x", "4K", "-b", "iomem" },
		  "bad backend 'iomem'" },
		{ { "pci", "buf", "create", "00:10.0", "x", "4K", "-c", "wb" },
		  "bad cache mode 'wb'" },
		{ { "pci", "buf", "create", "00:10.0", "x", "4K", "--dma-bits",
		    "11" }, "bad DMA mask width '11'" },
		{ { "pci", "buf", "create", "00:10.0", "x", "4K", "--dma-bits",
		    "65" }, "bad DMA mask width '65'" },
		{ { "pci", "buf", "create", "00:10.0", "x", "4K", "--dma-bits",
		    "32K" }, "bad DMA mask width '32K'" },
		{ { "pci", "buf", "create", "00:10.0", "x", "4K", "--dma-bits",
		    "0x20" }, "bad DMA mask width '0x20'" },
		{ { "pci", "buf", "rm" }, "missing BDF and NAME" },
		{ { "pci", "buf", "rm", "00:10.0" }, "missing NAME" },
		{ { "pci", "buf", "rm", "00:10.0", "ok", "../x" },
		  "bad buffer name '../x'" },
		{ { "pci", "buf", "rm", "zz", "ok" }, "bad PCI address 'zz'" },
		{ { "pci", "cache" }, "missing BDF, REGION and MODE" },
		{ { "pci", "cache", "00:12.0" }, "missing REGION and MODE" },
		{ { "pci", "cache", "00:12.0", "2" }, "missing MODE" },
		{ { "pci", "cache", "00:12.0", "6", "wc" }, "bad REGION '6'" },
		{ { "pci", "cache", "00:12.0", "bar", "wc" },
		  "bad REGION 'bar'" },
		{ { "pci", "cache", "00:12.0", "x2", "wc" }, "bad REGION 'x2'" },
		{ { "pci", "cache", "00:12.0", "bar2", "cached" },
		  "bad cache mode 'cached'" },
		{ { "pci", "cache", "00:12.0", "2", "wc", "more" },
		  "unexpected argument 'more'" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *argv[11] = { (char *)tu_tool() };
		struct tu_run r;
		int j;

		for (j = 0; cases[i].argv[j]; j++)
			argv[j + 1] = (char *)cases[i].argv[j];
		tu_runv(&r, argv, NULL);
		if (r.status != 2 || !strstr(r.err, cases[i].msg))
			FAILF("case %zu (%s %s %s): exit %d, stderr: %s "
			      "(expected exit 2 and '%s')", i,
			      cases[i].argv[1] ?: "", cases[i].argv[2] ?: "",
			      cases[i].argv[3] ?: "", r.status, r.err,
			      cases[i].msg);
		EXPECT_IN(r.err, "Try 'mapdev pci");
		CHECK_EQ(strlen(r.out), 0);
		tu_run_free(&r);
	}
}

/* A PCI address no machine has (domain fffe), in both spellings. */
TEST(pci_no_such_function)
{
	static const char *const subs[] = { "bind", "unbind", "info", "irq" };
	struct tu_run r;
	size_t i;

	if (!access(MAPDEV_PCI_SYSFS "/devices/fffe:ff:1f.7", F_OK))
		SKIP("this machine has a PCI function fffe:ff:1f.7");
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		TU_MAPDEV(&r, "pci", (char *)subs[i], "fffe:FF:1f.7");
		EXPECT_EXIT(&r, 1);
		/* Named as sysfs names it, with the reason. */
		EXPECT_IN(r.err, "fffe:ff:1f.7: no such PCI function");
		CHECK_EQ(strlen(r.out), 0);
		tu_run_free(&r);
	}
	/* The short form is domain 0, and the device name works too. */
	if (access(MAPDEV_PCI_SYSFS "/devices/0000:ff:1f.7", F_OK)) {
		TU_MAPDEV(&r, "pci", "info", "ff:1f.7");
		EXPECT_EXIT(&r, 1);
		EXPECT_IN(r.err, "0000:ff:1f.7: no such PCI function");
		tu_run_free(&r);
		TU_MAPDEV(&r, "pci", "info", "pci-0000:ff:1f.7", "--json");
		EXPECT_EXIT(&r, 1);
		EXPECT_IN(r.err, "0000:ff:1f.7: no such PCI function");
		CHECK_EQ(strlen(r.out), 0);
	}
}

TEST(pci_list_without_module)
{
	struct tu_run r;
	struct tu_json *j;

	if (!access(MAPDEV_PCI_SYSFS "/drivers/mapdev_pci", F_OK))
		SKIP("mapdev_pci is loaded here");
	TU_MAPDEV(&r, "pci", "list");
	EXPECT_EXIT(&r, 0);
	EXPECT_IN(r.out, "no PCI functions bound to mapdev_pci");
	EXPECT_IN(r.out, "not loaded");
	tu_run_free(&r);
	TU_MAPDEV(&r, "pci", "list", "--json");
	EXPECT_EXIT(&r, 0);
	j = tu_json_parse(r.out);
	CHECK(j->type == TJ_ARR);
	CHECK_EQ(tu_jlen(j), 0);
}

/* ---------------------------------------------------------------- maps */

static const char *const kinds[] = {
	"text", "data", "bss", "heap", "stack", "vdso", "vvar", "vsyscall",
	"anon", "shm", "file", "device",
};

/* Every mapping object has every field, with the documented types. */
static void check_maps_json(const struct tu_json *j, pid_t pid)
{
	struct tu_json *ms, *m;
	uint64_t total = 0, last_end = 0;
	size_t k;

	CHECK(j->type == TJ_OBJ);
	if (pid)
		CHECK_EQ(tu_jmust(j, "pid", TJ_NUM)->num, pid);
	tu_jmust(j, "command", TJ_STR);
	ms = tu_jmust(j, "mappings", TJ_ARR);
	CHECK(tu_jlen(ms) > 3);
	for (m = ms->child; m; m = m->next) {
		uint64_t start = tu_jhex(tu_jget(m, "start"));
		uint64_t end = tu_jhex(tu_jget(m, "end"));
		const char *kind = tu_jmust(m, "kind", TJ_STR)->str;
		struct tu_json *path = tu_jget(m, "path");
		struct tu_json *md = tu_jget(m, "mapdev");

		CHECK(start < end);
		CHECK(start >= last_end);
		last_end = end;
		CHECK_EQ(tu_jmust(m, "size_kib", TJ_NUM)->num,
			 (end - start) / 1024);
		total += (end - start) / 1024;
		CHECK_EQ(strlen(tu_jmust(m, "perms", TJ_STR)->str), 4);
		tu_jhex(tu_jget(m, "offset"));
		CHECK(strchr(tu_jmust(m, "dev", TJ_STR)->str, ':'));
		tu_jmust(m, "inode", TJ_NUM);
		CHECK(path && (path->type == TJ_STR || path->type == TJ_NULL));
		tu_jmust(m, "deleted", TJ_BOOL);
		for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
			if (!strcmp(kind, kinds[k]))
				break;
		if (k == sizeof(kinds) / sizeof(kinds[0]))
			FAILF("unknown kind '%s'", kind);
		CHECK(md && (md->type == TJ_NULL || md->type == TJ_OBJ));
	}
	CHECK_EQ(tu_jmust(j, "total_kib", TJ_NUM)->num, total);
}

static struct tu_json *find_mapping(const struct tu_json *j, uint64_t addr)
{
	struct tu_json *m;

	for (m = tu_jget(j, "mappings")->child; m; m = m->next)
		if (addr >= tu_jhex(tu_jget(m, "start")) &&
		    addr < tu_jhex(tu_jget(m, "end")))
			return m;
	FAILF("no mapping holds 0x%" PRIx64, addr);
}

TEST(maps_self_json)
{
	struct tu_json *j, *m;
	struct tu_run r;
	int n = 0;

	TU_MAPDEV(&r, "maps", "--json");
	EXPECT_EXIT(&r, 0);
	CHECK_EQ(strlen(r.err), 0);
	j = tu_json_parse(r.out);
	check_maps_json(j, 0);
	CHECK(!strcmp(tu_jget(j, "command")->str, "mapdev"));
	/* Its own program text, and a stack. */
	for (m = tu_jget(j, "mappings")->child; m; m = m->next) {
		const char *kind = tu_jget(m, "kind")->str;
		struct tu_json *p = tu_jget(m, "path");

		if (!strcmp(kind, "text") && p->type == TJ_STR &&
		    strstr(p->str, "mapdev"))
			n |= 1;
		if (!strcmp(kind, "stack"))
			n |= 2;
	}
	CHECK_EQ(n, 3);
}

static char child_file[128];
static void *child_file_map, *child_shm;

static int child_setup(char *msg, size_t len)
{
	int fd = open(child_file, O_RDONLY);

	if (fd < 0) {
		snprintf(msg, len, "%s: %s", child_file, strerror(errno));
		return 1;
	}
	if (mmap(child_file_map, 4096, PROT_READ, MAP_SHARED | MAP_FIXED, fd,
		 0) == MAP_FAILED ||
	    mmap(child_shm, 8192, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED) {
		snprintf(msg, len, "mmap: %s", strerror(errno));
		return 1;
	}
	close(fd);
	return 0;
}

TEST(maps_child_json)
{
	struct tu_json *j, *m;
	struct tu_child c;
	struct tu_run r;
	char pid[16];
	int fd;

	/* Reserve the addresses here, so parent and child know them. */
	child_file_map = mmap(NULL, 4096, PROT_NONE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	child_shm = mmap(NULL, 8192, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
	CHECK(child_file_map != MAP_FAILED && child_shm != MAP_FAILED);
	snprintf(child_file, sizeof(child_file),
		 "/tmp/mapdev cli \"test\" %d", (int)getpid());
	fd = open(child_file, O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0);
	CHECK_OK(ftruncate(fd, 4096));
	close(fd);
	tu_child_start(&c, child_setup);
	unlink(child_file);

	snprintf(pid, sizeof(pid), "%d", (int)c.pid);
	TU_MAPDEV(&r, "maps", pid, "--json");
	EXPECT_EXIT(&r, 0);
	j = tu_json_parse(r.out);
	check_maps_json(j, c.pid);

	m = find_mapping(j, (uintptr_t)child_file_map);
	CHECK(!strcmp(tu_jget(m, "kind")->str, "file"));
	/* The quotes and blanks of the name come back intact. */
	CHECK(!strcmp(tu_jget(m, "path")->str, child_file));
	CHECK(tu_jget(m, "deleted")->b);
	CHECK(!strcmp(tu_jget(m, "perms")->str, "r--s"));
	CHECK(tu_jget(m, "mapdev")->type == TJ_NULL);

	m = find_mapping(j, (uintptr_t)child_shm);
	CHECK(!strcmp(tu_jget(m, "kind")->str, "shm"));
	CHECK_EQ(tu_jget(m, "size_kib")->num, 8);
	tu_run_free(&r);

	/* The human table names the same file, and the summary adds up. */
	TU_MAPDEV(&r, "maps", pid);
	EXPECT_EXIT(&r, 0);
	EXPECT_IN(r.out, child_file);
	EXPECT_IN(r.out, "(deleted)");
	tu_run_free(&r);

	TU_MAPDEV(&r, "maps", pid, "--summary", "--smaps", "--json");
	EXPECT_EXIT(&r, 0);
	{
		struct tu_json *s = tu_json_parse(r.out), *k;
		double total = 0, rss = 0;

		for (k = tu_jmust(s, "summary", TJ_ARR)->child; k;
		     k = k->next) {
			total += tu_jmust(k, "size_kib", TJ_NUM)->num;
			rss += tu_jmust(k, "rss_kib", TJ_NUM)->num;
			tu_jmust(k, "count", TJ_NUM);
		}
		CHECK_EQ(total, tu_jmust(s, "total_kib", TJ_NUM)->num);
		CHECK_EQ(rss, tu_jmust(s, "rss_kib", TJ_NUM)->num);
		CHECK_EQ(total, tu_jget(j, "total_kib")->num);
	}
	tu_run_free(&r);
	tu_child_stop(&c);
}

TEST(maps_summary_human)
{
	struct tu_run r;

	TU_MAPDEV(&r, "maps", "--summary", "--smaps");
	EXPECT_EXIT(&r, 0);
	EXPECT_IN(r.out, "KIND");
	EXPECT_IN(r.out, "RSS_KIB");
	EXPECT_IN(r.out, "\ntext ");
	EXPECT_IN(r.out, "\ntotal ");
}

TEST(maps_errors)
{
	struct tu_run r;
	char pid[16];
	pid_t p;

	p = fork();
	CHECK(p >= 0);
	if (!p)
		_exit(0);
	waitpid(p, NULL, 0);
	snprintf(pid, sizeof(pid), "%d", (int)p);
	TU_MAPDEV(&r, "maps", pid);
	EXPECT_EXIT(&r, 1);
	EXPECT_IN(r.err, "no process with PID");
	EXPECT_IN(r.err, pid);
	CHECK_EQ(strlen(r.out), 0);
	tu_run_free(&r);

	TU_MAPDEV(&r, "maps", "abc");
	EXPECT_USAGE(&r, "bad PID 'abc'");
	tu_run_free(&r);
	TU_MAPDEV(&r, "maps", "0");
	EXPECT_USAGE(&r, "bad PID '0'");
	tu_run_free(&r);
	TU_MAPDEV(&r, "maps", "-5");
	EXPECT_EXIT(&r, 2);
	tu_run_free(&r);
	TU_MAPDEV(&r, "maps", "99999999999");
	EXPECT_USAGE(&r, "bad PID");
	tu_run_free(&r);
	TU_MAPDEV(&r, "maps", "1", "2");
	EXPECT_USAGE(&r, "unexpected argument '2'");
	tu_run_free(&r);
	TU_MAPDEV(&r, "maps", "--color", "sometimes");
	EXPECT_USAGE(&r, "bad --color");
}

/*
 * Whether the kernel lets the caller read /proc/@pid/maps (a plain open
 * and read, not the tool): 1 yes, 0 no (EACCES/EPERM).
 */
static int kernel_lets_read_maps(pid_t pid)
{
	char path[64], b[64];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, b, sizeof(b));
	close(fd);
	return n >= 0;
}

TEST(maps_unreadable)
{
	char *argv[] = { (char *)tu_tool(), "maps", "1", NULL };
	struct tu_run r;

	if (getuid() == 0) {
		/* Run the tool as nobody against a root process. */
		char *env[] = { NULL };
		pid_t p;
		int st, out[2];

		CHECK_OK(pipe(out));
		fflush(stdout);
		p = fork();
		CHECK(p >= 0);
		if (!p) {
			char ppid[16];

			snprintf(ppid, sizeof(ppid), "%d", (int)getppid());
			argv[2] = ppid;
			dup2(out[1], 2);
			dup2(out[1], 1);
			if (setgid(65534) || setuid(65534))
				_exit(99);
			/* The kernel's answer decides what the tool must say. */
			if (kernel_lets_read_maps(getppid()))
				_exit(97);
			execve(argv[0], argv, env);
			_exit(98);
		}
		close(out[1]);
		r.out = tu_slurp_fd(out[0]);
		close(out[0]);
		CHECK_EQ(waitpid(p, &st, 0), p);
		CHECK(WIFEXITED(st));
		if (WEXITSTATUS(st) == 97)
			SKIP("the kernel lets user 65534 read root's /proc/PID/maps here");
		if (WEXITSTATUS(st) == 98)
			SKIP("user 65534 cannot run %s (its directory is not "
			     "searchable)", argv[0]);
		if (WEXITSTATUS(st) == 0)
			FAILF("mapdev maps of a process the kernel refuses us exited 0: %.300s",
			      r.out);
		CHECK_EQ(WEXITSTATUS(st), 1);
		EXPECT_IN(r.out, "cannot read /proc/");
		EXPECT_IN(r.out, "Permission denied");
		return;
	}
	if (kernel_lets_read_maps(1))
		SKIP("the kernel lets this user read PID 1's /proc/PID/maps");
	tu_runv(&r, argv, NULL);
	if (r.status == 0)
		FAILF("mapdev maps 1 exited 0 where the kernel refuses the read: %.300s",
		      r.out);
	EXPECT_EXIT(&r, 1);
	EXPECT_IN(r.err, "cannot read /proc/1/maps");
}
