// SPDX-License-Identifier: GPL-2.0
/*
 * VM tests of `mapdev pci` against QEMU's edu (00:10.0) and ivshmem-plain
 * (00:12.0): bind (loading mapdev_pci, taking the function from another
 * driver), unbind, info and list with their --json parsed back, peek, poke
 * and dump of BAR0 and config space through the device, waiting for MSI
 * and INTx interrupts with `pci irq`, and the errors: no such function, a
 * malformed address, not bound, not root.  Then what issue 17 found:
 * bind refusing bridges and busy drivers, a PCI function's buffers from
 * the tool, `pci irq --json` after a timeout, fill of a BAR, config
 * writes, write-combining.  Every test leaves the functions unbound with
 * no driver_override.
 */
#define HARNESS_IMPLEMENTATION
#include "pci_util.h"
#include "../unit/testutil.h"

#include <grp.h>
#include <mapdev.h>

const char *harness_suite = "cli_pci";

#define EDU_NODE	"pci-" EDU_BDF
#define IVSHMEM_NODE	"pci-" IVSHMEM_BDF

#define EXPECT_EXIT(r, code) do {					\
	if ((r)->status != (code))					\
		FAILF("exit status %d, expected %d; stdout: %.300s; "	\
		      "stderr: %.300s", (r)->status, (code), (r)->out,	\
		      (r)->err);					\
} while (0)

#define EXPECT_IN(hay, needle) do {					\
	if (!strstr((hay), (needle)))					\
		FAILF("'%s' not found in: %.600s", (needle), (hay));	\
} while (0)

#define MAPDEV_OK(r, ...) do {						\
	TU_MAPDEV((r), __VA_ARGS__);					\
	EXPECT_EXIT((r), 0);						\
} while (0)

/* /sys/bus/pci/devices/BDF/ATTR, or "" when it cannot be read. */
static const char *pci_attr(const char *bdf, const char *attr)
{
	static char val[256];
	char path[256];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", bdf, attr);
	if (read_file(path, val, sizeof(val)))
		val[0] = '\0';
	return val;
}

/* The driver bound to @bdf, or "" for none. */
static const char *driver_of(const char *bdf)
{
	static char link[256];
	char path[128];
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", bdf);
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return "";
	link[n] = '\0';
	return strrchr(link, '/') + 1;
}

/* Unbound, no driver_override: how every test finds and leaves @bdf. */
static void release(const char *bdf)
{
	char path[128];

	if (*driver_of(bdf)) {
		snprintf(path, sizeof(path),
			 "/sys/bus/pci/devices/%s/driver/unbind", bdf);
		if (write_file(path, bdf))
			FAILF("unbind %s: %s", bdf, strerror(errno));
	}
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override",
		 bdf);
	if (write_file(path, "\n"))
		FAILF("clear driver_override of %s: %s", bdf, strerror(errno));
}

static void need_pci(const char *bdf)
{
	if (!pci_present(bdf))
		SKIP("no PCI function %s: scripts/vm attaches edu and ivshmem "
		     "there", bdf);
	tu_tool();
}

/* `mapdev pci bind BDF`, which must work. */
static void tool_bind(const char *bdf)
{
	struct tu_run r;

	MAPDEV_OK(&r, "pci", "bind", (char *)bdf);
	tu_run_free(&r);
	if (strcmp(driver_of(bdf), "mapdev_pci"))
		FAILF("%s is bound to '%s' after mapdev pci bind", bdf,
		      driver_of(bdf));
}

static bool has_flag(const struct tu_json *region, const char *flag)
{
	struct tu_json *f;

	for (f = tu_jmust(region, "flags", TJ_ARR)->child; f; f = f->next)
		if (f->type == TJ_STR && !strcmp(f->str, flag))
			return true;
	return false;
}

/* Region @i of a `pci info --json` object, checked for every field. */
static struct tu_json *region(const struct tu_json *info, unsigned int i)
{
	struct tu_json *r;
	unsigned int n = 0;

	for (r = tu_jmust(info, "regions", TJ_ARR)->child; r; r = r->next) {
		CHECK_EQ(tu_jmust(r, "index", TJ_NUM)->num, n);
		tu_jmust(r, "name", TJ_STR);
		CHECK_EQ(tu_jhex(tu_jget(r, "offset")),
			 MAPDEV_REGION_OFFSET(n));
		tu_jmust(r, "size", TJ_NUM);
		tu_jmust(r, "backend", TJ_STR);
		/* null where a region cannot be mapped */
		CHECK(tu_jget(r, "cache") &&
		      (tu_jget(r, "cache")->type == TJ_STR) ==
		      has_flag(r, "mmap"));
		tu_jmust(r, "flags", TJ_ARR);
		if (n++ == i)
			return r;
	}
	FAILF("no region %u in pci info --json", i);
}

/* The object of @bdf in `pci list --json`, or NULL. */
static struct tu_json *listed(const char *bdf)
{
	struct tu_json *l, *e;
	struct tu_run r;

	MAPDEV_OK(&r, "pci", "list", "--json");
	l = tu_json_parse(r.out);
	CHECK(l->type == TJ_ARR);
	for (e = l->child; e; e = e->next) {
		CHECK(!strcmp(tu_jmust(e, "driver", TJ_STR)->str,
			      "mapdev_pci"));
		tu_jmust(e, "vendor", TJ_STR);
		tu_jmust(e, "device_id", TJ_STR);
		tu_jmust(e, "class", TJ_STR);
		tu_jmust(e, "device", TJ_STR);
		tu_jmust(e, "interrupt", TJ_STR);
		CHECK(tu_jget(e, "irq"));
		if (!strcmp(tu_jmust(e, "bdf", TJ_STR)->str, bdf))
			return e;
	}
	return NULL;
}

/* ------------------------------------------------------ bind and unbind */

TEST(bind_loads_the_module_and_unbind_clears_the_override)
{
	struct tu_run r;

	need_pci(EDU_BDF);
	if (module_loaded("mapdev_pci"))
		CHECK_EQ(sh("rmmod mapdev_pci"), 0);
	release(EDU_BDF);

	/* The short form; the module is loaded for it. */
	MAPDEV_OK(&r, "pci", "bind", "00:10.0");
	EXPECT_IN(r.out, EDU_BDF ": bound to mapdev_pci: /dev/mapdev/"
		  EDU_NODE);
	EXPECT_IN(r.out, "1234:11e8");
	EXPECT_IN(r.out, "interrupts: msi");
	tu_run_free(&r);
	CHECK(module_loaded("mapdev_pci"));
	CHECK(!access("/dev/mapdev/" EDU_NODE, F_OK));
	CHECK(!strcmp(driver_of(EDU_BDF), "mapdev_pci"));
	CHECK(!strcmp(pci_attr(EDU_BDF, "driver_override"), "mapdev_pci"));

	/* Again: nothing to do, still fine. */
	MAPDEV_OK(&r, "pci", "bind", EDU_BDF);
	EXPECT_IN(r.out, "already bound to mapdev_pci");
	tu_run_free(&r);

	MAPDEV_OK(&r, "pci", "unbind", "pci-" EDU_BDF);
	EXPECT_IN(r.out, EDU_BDF ": unbound from mapdev_pci");
	tu_run_free(&r);
	CHECK(!strcmp(driver_of(EDU_BDF), ""));
	CHECK(!strcmp(pci_attr(EDU_BDF, "driver_override"), "(null)"));
	CHECK(access("/dev/mapdev/" EDU_NODE, F_OK) != 0);
}

/* The function has another driver: bind takes it from that driver. */
TEST(bind_takes_it_from_another_driver)
{
	char path[128];
	struct tu_run r;

	need_pci(EDU_BDF);
	release(EDU_BDF);
	if (sh("modprobe uio_pci_generic 2>&1"))
		SKIP("no uio_pci_generic in this kernel");
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override",
		 EDU_BDF);
	CHECK_OK(write_file(path, "uio_pci_generic"));
	CHECK_OK(write_file("/sys/bus/pci/drivers_probe", EDU_BDF));
	CHECK(!strcmp(driver_of(EDU_BDF), "uio_pci_generic"));

	MAPDEV_OK(&r, "pci", "bind", EDU_BDF);
	EXPECT_IN(r.out, "unbound from uio_pci_generic");
	EXPECT_IN(r.out, "bound to mapdev_pci");
	tu_run_free(&r);
	CHECK(!strcmp(driver_of(EDU_BDF), "mapdev_pci"));

	/* --reprobe: no driver wants edu without an override. */
	MAPDEV_OK(&r, "pci", "unbind", EDU_BDF, "--reprobe");
	CHECK(!strstr(r.out, "now bound"));
	tu_run_free(&r);
	CHECK(!strcmp(driver_of(EDU_BDF), ""));
	CHECK(!strcmp(pci_attr(EDU_BDF, "driver_override"), "(null)"));
	sh("rmmod uio_pci_generic 2>/dev/null");
}

/* ---------------------------------------------------------- info, list */

TEST(info_json_edu)
{
	struct tu_json *j, *r0, *r;
	struct tu_run run;
	unsigned int i;

	need_pci(EDU_BDF);
	need_module("mapdev_pci", "");
	release(EDU_BDF);
	tool_bind(EDU_BDF);

	MAPDEV_OK(&run, "pci", "info", "00:10.0", "--json");
	j = tu_json_parse(run.out);
	CHECK(!strcmp(tu_jmust(j, "bdf", TJ_STR)->str, EDU_BDF));
	CHECK_EQ(tu_jhex(tu_jget(j, "vendor")), 0x1234);
	CHECK_EQ(tu_jhex(tu_jget(j, "device_id")), 0x11e8);
	CHECK_EQ(tu_jhex(tu_jget(j, "class")),
		 strtoul(pci_attr(EDU_BDF, "class"), NULL, 0));
	CHECK(!strcmp(tu_jmust(j, "driver", TJ_STR)->str, "mapdev_pci"));
	CHECK(!strcmp(tu_jmust(j, "device", TJ_STR)->str,
		      "/dev/mapdev/" EDU_NODE));
	CHECK(!strcmp(tu_jmust(j, "interrupt", TJ_STR)->str, "msi"));
	CHECK_EQ(tu_jmust(j, "irq", TJ_NUM)->num,
		 atoi(pci_attr(EDU_BDF, "irq")));
	CHECK_EQ(tu_jlen(tu_jget(j, "regions")), 8);
	/* What its DMA reaches: as the IOMMU group's domain says. */
	if (getenv("MAPDEV_VM_IOMMU")) {
		CHECK(!strncmp(tu_jmust(j, "iommu", TJ_STR)->str, "DMA", 3));
		CHECK(!tu_jmust(j, "reaches_all_memory", TJ_BOOL)->b);
	} else {
		CHECK(tu_jmust(j, "reaches_all_memory", TJ_BOOL)->b);
	}

	/* BAR0: 1 MiB of registers at mmap offset 0. */
	r0 = region(j, 0);
	CHECK(!strcmp(tu_jget(r0, "name")->str, "bar0"));
	CHECK_EQ(tu_jget(r0, "size")->num, 1048576);
	CHECK_EQ(tu_jhex(tu_jget(r0, "offset")), 0);
	CHECK(has_flag(r0, "mmap"));
	CHECK(has_flag(r0, "read"));
	CHECK(has_flag(r0, "write"));
	CHECK(!has_flag(r0, "prefetch"));
	CHECK(!strcmp(tu_jget(r0, "backend")->str, "iomem"));
	CHECK(!strcmp(tu_jget(r0, "cache")->str, "uncached"));
	/* edu has no other BAR. */
	for (i = 1; i < 6; i++) {
		r = region(j, i);
		CHECK_EQ(tu_jget(r, "size")->num, 0);
		CHECK_EQ(tu_jlen(tu_jget(r, "flags")), 0);
	}
	r = region(j, REGION_CONFIG);
	CHECK(!strcmp(tu_jget(r, "name")->str, "config"));
	CHECK(tu_jget(r, "size")->num >= 256);
	CHECK(has_flag(r, "read"));
	CHECK(!has_flag(r, "mmap"));
	r = region(j, REGION_IRQ);
	CHECK(!strcmp(tu_jget(r, "name")->str, "irq"));
	CHECK(has_flag(r, "irq"));
	tu_run_free(&run);

	/* For people: the same, and every spelling of the address. */
	MAPDEV_OK(&run, "pci", "info", "pci-" EDU_BDF);
	EXPECT_IN(run.out, "function:   " EDU_BDF);
	EXPECT_IN(run.out, "1234:11e8");
	EXPECT_IN(run.out, "interrupt:  msi (irq ");
	EXPECT_IN(run.out, getenv("MAPDEV_VM_IOMMU") ?
		  "dma:        through an IOMMU (DMA" :
		  "dma:        no IOMMU translation: the function can reach all of memory");
	EXPECT_IN(run.out, "/dev/mapdev/" EDU_NODE);
	EXPECT_IN(run.out, "bar0     0x0 ");
	EXPECT_IN(run.out, "read,write,mmap");
	EXPECT_IN(run.out, "config   0x60000000000");
	EXPECT_IN(run.out, "irq      0x70000000000");
	tu_run_free(&run);
	MAPDEV_OK(&run, "pci", "info", "0000:00:10.0");
	tu_run_free(&run);
	release(EDU_BDF);
}

TEST(info_json_ivshmem)
{
	struct tu_json *j, *r, *bar2;
	struct tu_run run;
	char path[128];
	struct stat st;

	need_pci(IVSHMEM_BDF);
	need_module("mapdev_pci", "");
	release(IVSHMEM_BDF);
	tool_bind(IVSHMEM_BDF);

	MAPDEV_OK(&run, "pci", "info", "00:12.0", "--json");
	j = tu_json_parse(run.out);
	CHECK_EQ(tu_jhex(tu_jget(j, "vendor")), 0x1af4);
	CHECK_EQ(tu_jhex(tu_jget(j, "device_id")), 0x1110);
	/* ivshmem-plain has no interrupt: no irq region. */
	CHECK(!strcmp(tu_jmust(j, "interrupt", TJ_STR)->str, "none"));
	CHECK(tu_jget(j, "irq")->type == TJ_NULL);
	for (r = tu_jget(j, "regions")->child; r; r = r->next)
		CHECK(!has_flag(r, "irq"));
	/* BAR2, the shared memory: prefetchable, mappable, its file's size. */
	bar2 = region(j, 2);
	CHECK(!strcmp(tu_jget(bar2, "name")->str, "bar2"));
	CHECK_EQ(tu_jhex(tu_jget(bar2, "offset")), MAPDEV_REGION_OFFSET(2));
	CHECK(has_flag(bar2, "prefetch"));
	CHECK(has_flag(bar2, "mmap"));
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource2",
		 IVSHMEM_BDF);
	CHECK_OK(stat(path, &st));
	CHECK_EQ(tu_jget(bar2, "size")->num, st.st_size);
	tu_run_free(&run);

	MAPDEV_OK(&run, "pci", "info", IVSHMEM_BDF);
	EXPECT_IN(run.out, "interrupt:  none\n");
	EXPECT_IN(run.out, "prefetch");
	tu_run_free(&run);
	release(IVSHMEM_BDF);
}

TEST(list_both_then_one)
{
	struct tu_json *e;
	struct tu_run r;

	need_pci(EDU_BDF);
	need_pci(IVSHMEM_BDF);
	need_module("mapdev_pci", "");
	release(EDU_BDF);
	release(IVSHMEM_BDF);

	MAPDEV_OK(&r, "pci", "list", "--json");
	CHECK(!strcmp(r.out, "[]\n"));
	tu_run_free(&r);
	MAPDEV_OK(&r, "pci", "list");
	EXPECT_IN(r.out, "no PCI functions bound to mapdev_pci\n");
	tu_run_free(&r);

	tool_bind(EDU_BDF);
	tool_bind(IVSHMEM_BDF);
	e = listed(EDU_BDF);
	CHECK(e);
	CHECK_EQ(tu_jhex(tu_jget(e, "vendor")), 0x1234);
	CHECK(!strcmp(tu_jget(e, "device")->str, "/dev/mapdev/" EDU_NODE));
	CHECK(!strcmp(tu_jget(e, "interrupt")->str, "msi"));
	CHECK(tu_jget(e, "irq")->type == TJ_NUM);
	e = listed(IVSHMEM_BDF);
	CHECK(e);
	CHECK_EQ(tu_jhex(tu_jget(e, "device_id")), 0x1110);
	CHECK(!strcmp(tu_jget(e, "interrupt")->str, "none"));

	MAPDEV_OK(&r, "pci", "list");
	EXPECT_IN(r.out, "BDF ");
	EXPECT_IN(r.out, EDU_BDF "  1234:11e8 00ff00 msi   /dev/mapdev/"
		  EDU_NODE);
	EXPECT_IN(r.out, IVSHMEM_BDF);
	tu_run_free(&r);
	/* "ls" is list. */
	MAPDEV_OK(&r, "pci", "ls");
	EXPECT_IN(r.out, IVSHMEM_BDF);
	tu_run_free(&r);

	MAPDEV_OK(&r, "pci", "unbind", IVSHMEM_BDF);
	tu_run_free(&r);
	CHECK(listed(EDU_BDF));
	CHECK(!listed(IVSHMEM_BDF));
	release(EDU_BDF);
	CHECK(!listed(EDU_BDF));
}

/* ------------------------------------------- peek, poke, dump on a BAR */

TEST(peek_poke_dump_edu)
{
	struct tu_json *j;
	struct tu_run r;
	int tries;

	need_pci(EDU_BDF);
	need_module("mapdev_pci", "");
	release(EDU_BDF);
	tool_bind(EDU_BDF);

	/* The identification register, through a mapping of BAR0. */
	MAPDEV_OK(&r, "peek", EDU_NODE, "0", "32");
	EXPECT_IN(r.out, EDU_NODE " 0x0: 0x010000ed");
	tu_run_free(&r);
	MAPDEV_OK(&r, "peek", EDU_NODE, "0:0", "--json");
	j = tu_json_parse(r.out);
	CHECK(!strcmp(tu_jmust(j, "value", TJ_STR)->str, "0x010000ed"));
	CHECK(!strcmp(tu_jmust(j, "device", TJ_STR)->str,
		      "/dev/mapdev/" EDU_NODE));
	tu_run_free(&r);
	/* A path too (edu takes 32 and 64-bit accesses only). */
	MAPDEV_OK(&r, "peek", "/dev/mapdev/" EDU_NODE, "0x0", "32");
	EXPECT_IN(r.out, ": 0x010000ed");
	tu_run_free(&r);

	/* Liveness inverts; factorial computes (in a QEMU thread). */
	MAPDEV_OK(&r, "poke", EDU_NODE, "0x4", "0x12345678");
	tu_run_free(&r);
	MAPDEV_OK(&r, "peek", EDU_NODE, "0x4");
	EXPECT_IN(r.out, "0xedcba987");
	tu_run_free(&r);
	MAPDEV_OK(&r, "poke", EDU_NODE, "0:8", "5", "-q");
	CHECK_EQ(strlen(r.out), 0);
	tu_run_free(&r);
	for (tries = 0; ; tries++) {
		MAPDEV_OK(&r, "peek", EDU_NODE, "0x8");
		if (strstr(r.out, ": 0x00000078"))
			break;
		if (tries > 50)
			FAILF("5! did not arrive: %s", r.out);
		tu_run_free(&r);
		usleep(20000);
	}
	tu_run_free(&r);

	MAPDEV_OK(&r, "dump", EDU_NODE, "0", "16");
	EXPECT_IN(r.out, "00000000  ed 00 00 01");
	EXPECT_IN(r.out, "\n00000010\n");
	tu_run_free(&r);

	/* Config space (region 6) cannot be mapped: read with pread(). */
	MAPDEV_OK(&r, "peek", EDU_NODE, "6:0", "16");
	EXPECT_IN(r.out, ": 0x1234");
	tu_run_free(&r);
	MAPDEV_OK(&r, "peek", EDU_NODE, "6:0", "32");
	EXPECT_IN(r.out, ": 0x11e81234");
	tu_run_free(&r);
	MAPDEV_OK(&r, "dump", EDU_NODE, "6:0", "16");
	EXPECT_IN(r.out, "60000000000  34 12 e8 11");
	tu_run_free(&r);

	/* Bounds: past BAR0, an absent BAR, the interrupt counter. */
	TU_MAPDEV(&r, "peek", EDU_NODE, "0x100000");
	EXPECT_EXIT(&r, 1);
	EXPECT_IN(r.err, "past the end of region 0 'bar0'");
	tu_run_free(&r);
	TU_MAPDEV(&r, "peek", EDU_NODE, "1:0");
	EXPECT_EXIT(&r, 1);
	EXPECT_IN(r.err, "region 1 'bar1'");
	tu_run_free(&r);
	TU_MAPDEV(&r, "peek", EDU_NODE, "7:0");
	EXPECT_EXIT(&r, 1);
	EXPECT_IN(r.err, "interrupt counter");
	tu_run_free(&r);
	TU_MAPDEV(&r, "fill", EDU_NODE, "0", "-o", "6:0");
	EXPECT_EXIT(&r, 1);
	EXPECT_IN(r.err, "cannot be mapped");
	tu_run_free(&r);
	release(EDU_BDF);
}

/* ivshmem's BAR2 through the tool lands in the host's file. */
TEST(poke_ivshmem_bar2)
{
	const char *file = getenv("MAPDEV_IVSHMEM_FILE");
	struct tu_run r;
	uint32_t v = 0;
	int fd;

	need_pci(IVSHMEM_BDF);
	if (!file)
		SKIP("MAPDEV_IVSHMEM_FILE is not set");
	need_module("mapdev_pci", "");
	release(IVSHMEM_BDF);
	tool_bind(IVSHMEM_BDF);
	MAPDEV_OK(&r, "poke", IVSHMEM_NODE, "2:0x1f0", "0xc0ffee11");
	tu_run_free(&r);
	MAPDEV_OK(&r, "peek", IVSHMEM_NODE, "0x200000001f0");
	EXPECT_IN(r.out, "0xc0ffee11");
	tu_run_free(&r);
	fd = CHECK_OK(open(file, O_RDONLY | O_CLOEXEC));
	CHECK_EQ(pread(fd, &v, 4, 0x1f0), 4);
	close(fd);
	CHECK_EQ(v, 0xc0ffee11);
	release(IVSHMEM_BDF);
}

/* ------------------------------------------------------------ pci irq */

/*
 * Run `mapdev pci irq BDF ARGS...` while raising edu's interrupt every
 * 50 ms through a mapping of BAR0 (the tool's baseline is the count when
 * it opens the device, so raising before it waits is harmless).  For INTx
 * each raise is acknowledged again first, so the line drops and rises.
 */
static void irq_run(struct tu_run *res, bool intx, char *const extra[])
{
	char *argv[16] = { (char *)tu_tool(), "pci", "irq", EDU_BDF };
	int out = memfd_create("out", MFD_CLOEXEC);
	int err = memfd_create("err", MFD_CLOEXEC);
	volatile void *bar;
	int fd, st, i, n = 4;
	pid_t p;

	for (i = 0; extra[i]; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	CHECK(out >= 0 && err >= 0);
	fd = pci_open(EDU_BDF);
	bar = map(fd, 4096, PROT_READ | PROT_WRITE, 0);
	fflush(stdout);
	p = fork();
	CHECK(p >= 0);
	if (!p) {
		dup2(out, 1);
		dup2(err, 2);
		execv(argv[0], argv);
		_exit(126);
	}
	for (i = 0; i < 400; i++) {
		pid_t w = waitpid(p, &st, WNOHANG);

		if (w == p)
			break;
		if (intx)
			*reg32(bar, EDU_IRQ_ACK) = *reg32(bar, EDU_IRQ_STATUS);
		*reg32(bar, EDU_IRQ_RAISE) = 1;
		usleep(50000);
	}
	if (i == 400) {
		kill(p, SIGKILL);
		waitpid(p, &st, 0);
		FAILF("mapdev pci irq did not finish in 20 s");
	}
	*reg32(bar, EDU_IRQ_ACK) = *reg32(bar, EDU_IRQ_STATUS);
	munmap((void *)bar, 4096);
	close(fd);
	res->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	res->out = tu_slurp_fd(out);
	res->err = tu_slurp_fd(err);
	close(out);
	close(err);
}

static void irq_test(const char *params, const char *kind)
{
	char *json_args[] = { "--count", "3", "--timeout", "20000", "--json",
			      NULL };
	char *human_args[] = { "-n", "2", NULL };
	struct tu_json *j;
	struct tu_run r;

	need_pci(EDU_BDF);
	release(EDU_BDF);
	need_module("mapdev_pci", params);
	tool_bind(EDU_BDF);

	MAPDEV_OK(&r, "pci", "info", EDU_BDF, "--json");
	j = tu_json_parse(r.out);
	CHECK(!strcmp(tu_jget(j, "interrupt")->str, kind));
	tu_run_free(&r);

	irq_run(&r, !strcmp(kind, "intx"), json_args);
	EXPECT_EXIT(&r, 0);
	j = tu_json_parse(r.out);
	CHECK(!strcmp(tu_jmust(j, "bdf", TJ_STR)->str, EDU_BDF));
	CHECK(!strcmp(tu_jmust(j, "interrupt", TJ_STR)->str, kind));
	CHECK_EQ(tu_jmust(j, "received", TJ_NUM)->num, 3);
	CHECK(tu_jmust(j, "count", TJ_NUM)->num >= 3);
	tu_run_free(&r);

	irq_run(&r, !strcmp(kind, "intx"), human_args);
	EXPECT_EXIT(&r, 0);
	EXPECT_IN(r.out, EDU_BDF ": interrupt 1 (count ");
	EXPECT_IN(r.out, EDU_BDF ": interrupt 2 (count ");
	tu_run_free(&r);

	/* Nobody raises it: the timeout, exit 1. */
	TU_MAPDEV(&r, "pci", "irq", EDU_BDF, "--timeout", "300");
	EXPECT_EXIT(&r, 1);
	EXPECT_IN(r.err, EDU_BDF ": no interrupt within 300 ms");
	tu_run_free(&r);
	release(EDU_BDF);
	if (params[0])
		need_module("mapdev_pci", "");	/* the default again */
}

TEST(irq_msi) { irq_test("", "msi"); }
TEST(irq_intx) { irq_test("irq_mode=intx", "intx"); }

TEST(irq_none)
{
	struct tu_run r;

	need_pci(IVSHMEM_BDF);
	need_module("mapdev_pci", "");
	release(IVSHMEM_BDF);
	tool_bind(IVSHMEM_BDF);
	TU_MAPDEV(&r, "pci", "irq", IVSHMEM_BDF, "--timeout", "100");
	EXPECT_EXIT(&r, 1);
	EXPECT_IN(r.err, IVSHMEM_BDF ": has no interrupt");
	tu_run_free(&r);
	release(IVSHMEM_BDF);
}

/* ------------------------------------------------------------- errors */

TEST(errors_and_exit_codes)
{
	char path[128];
	struct tu_run r;

	need_pci(EDU_BDF);
	need_module("mapdev_pci", "");
	release(EDU_BDF);

	/* A well-formed address with no function there. */
	CHECK(!pci_present("0000:00:1e.0"));
	TU_MAPDEV(&r, "pci", "info", "00:1e.0");
	EXPECT_EXIT(&r, 1);
	EXPECT_IN(r.err, "0000:00:1e.0: no such PCI function");
	tu_run_free(&r);
	TU_MAPDEV(&r, "pci", "bind", "0000:00:1e.0");
	EXPECT_EXIT(&r, 1);
	EXPECT_IN(r.err, "0000:00:1e.0: no such PCI function");
	tu_run_free(&r);

	/* Malformed: a usage error, and nothing happens. */
	TU_MAPDEV(&r, "pci", "bind", "00:10");
	EXPECT_EXIT(&r, 2);
	EXPECT_IN(r.err, "bad PCI address '00:10'");
	EXPECT_IN(r.err, "--help");
	tu_run_free(&r);
	TU_MAPDEV(&r, "pci", "bind", "0000:00:10.0.0");
	EXPECT_EXIT(&r, 2);
	tu_run_free(&r);
	CHECK(!strcmp(driver_of(EDU_BDF), ""));

	/* Not bound: unbind, info and irq say so. */
	TU_MAPDEV(&r, "pci", "unbind", EDU_BDF);
	EXPECT_EXIT(&r, 1);
	EXPECT_IN(r.err, EDU_BDF ": not bound to mapdev_pci (no driver)");
	CHECK_EQ(strlen(r.out), 0);
	tu_run_free(&r);
	TU_MAPDEV(&r, "pci", "info", EDU_BDF, "--json");
	EXPECT_EXIT(&r, 1);
	EXPECT_IN(r.err, EDU_BDF ": not bound to mapdev_pci");
	EXPECT_IN(r.err, "mapdev pci bind " EDU_BDF);
	CHECK_EQ(strlen(r.out), 0);
	tu_run_free(&r);
	TU_MAPDEV(&r, "pci", "irq", EDU_BDF);
	EXPECT_EXIT(&r, 1);
	EXPECT_IN(r.err, "not bound to mapdev_pci");
	tu_run_free(&r);

	/* A leftover driver_override of mapdev_pci is cleared by unbind. */
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override",
		 EDU_BDF);
	CHECK_OK(write_file(path, "mapdev_pci"));
	TU_MAPDEV(&r, "pci", "unbind", EDU_BDF);
	EXPECT_EXIT(&r, 1);
	EXPECT_IN(r.err, "cleared its driver_override");
	tu_run_free(&r);
	CHECK(!strcmp(pci_attr(EDU_BDF, "driver_override"), "(null)"));

	/* The device goes away under peek's feet: gone, not bound. */
	tool_bind(EDU_BDF);
	release(EDU_BDF);
	TU_MAPDEV(&r, "peek", EDU_NODE, "0");
	EXPECT_EXIT(&r, 1);
	EXPECT_IN(r.err, "/dev/mapdev/" EDU_NODE ": no such device");
	tu_run_free(&r);
}

/* Run the tool as nobody (65534). */
static void run_as_nobody(struct tu_run *res, char *const args[])
{
	char *argv[12] = { (char *)tu_tool() };
	int out = memfd_create("out", MFD_CLOEXEC);
	int err = memfd_create("err", MFD_CLOEXEC);
	int st, i;
	pid_t p;

	for (i = 0; args[i] && i < 10; i++)
		argv[i + 1] = args[i];
	argv[i + 1] = NULL;
	CHECK(out >= 0 && err >= 0);
	fflush(stdout);
	p = fork();
	CHECK(p >= 0);
	if (!p) {
		dup2(out, 1);
		dup2(err, 2);
		if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(125);
		execv(argv[0], argv);
		_exit(126);
	}
	CHECK_EQ(waitpid(p, &st, 0), p);
	res->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	res->out = tu_slurp_fd(out);
	res->err = tu_slurp_fd(err);
	close(out);
	close(err);
}

TEST(not_root)
{
	char *bind[] = { "pci", "bind", EDU_BDF, NULL };
	char *unbind[] = { "pci", "unbind", EDU_BDF, NULL };
	char *info[] = { "pci", "info", EDU_BDF, NULL };
	char *list[] = { "pci", "list", "--json", NULL };
	struct tu_run r;

	need_pci(EDU_BDF);
	need_module("mapdev_pci", "");
	release(EDU_BDF);
	if (access(tu_tool(), X_OK))
		SKIP("the tool is not executable");

	run_as_nobody(&r, bind);
	if (r.status == 125 || r.status == 126)
		SKIP("cannot run the tool as nobody (%d)", r.status);
	EXPECT_EXIT(&r, 1);
	EXPECT_IN(r.err, EDU_BDF ": cannot bind: Permission denied");
	EXPECT_IN(r.err, "root");
	tu_run_free(&r);
	CHECK(!strcmp(driver_of(EDU_BDF), ""));
	CHECK(!strcmp(pci_attr(EDU_BDF, "driver_override"), "(null)"));

	tool_bind(EDU_BDF);
	run_as_nobody(&r, info);
	EXPECT_EXIT(&r, 1);
	EXPECT_IN(r.err, "/dev/mapdev/" EDU_NODE ": Permission denied");
	tu_run_free(&r);
	run_as_nobody(&r, unbind);
	EXPECT_EXIT(&r, 1);
	EXPECT_IN(r.err, EDU_BDF ": cannot unbind: Permission denied");
	tu_run_free(&r);
	CHECK(!strcmp(driver_of(EDU_BDF), "mapdev_pci"));
	/* Listing needs only sysfs. */
	run_as_nobody(&r, list);
	EXPECT_EXIT(&r, 0);
	EXPECT_IN(r.out, EDU_BDF);
	tu_run_free(&r);
	release(EDU_BDF);
}

/* ------------------------------------------------- issue 17's rough edges */

/* bind refuses bridges and functions whose driver serves something. */
TEST_TIMEOUT(bind_refuses_bridges_and_busy_drivers, 180)
{
	static char host_bridge[] = "0000:00:00.0";
	static char root_virtio[] = "0000:00:01.0";
	static char ahci[] = "0000:00:1f.2";
	char old_drv[64];
	struct tu_run r;

	need_pci(host_bridge);
	need_module("mapdev_pci", "");
	CHECK_EQ(strtoul(pci_attr(host_bridge, "class"), NULL, 0) >> 16, 0x06);
	snprintf(old_drv, sizeof(old_drv), "%s", driver_of(host_bridge));
	TU_MAPDEV(&r, "pci", "bind", "00:00.0");
	EXPECT_EXIT(&r, 1);
	EXPECT_IN(r.err, host_bridge);
	EXPECT_IN(r.err, "refused: it is a host bridge (class 0x0600");
	EXPECT_IN(r.err, "--force");
	CHECK_EQ(strlen(r.out), 0);
	tu_run_free(&r);
	/* Nothing was touched. */
	CHECK(!strcmp(driver_of(host_bridge), old_drv));
	CHECK(!strcmp(pci_attr(host_bridge, "driver_override"), "(null)"));

	/* The guest's root file system (virtio-9p) is behind 00:01.0. */
	if (pci_present(root_virtio) &&
	    !strcmp(driver_of(root_virtio), "virtio-pci")) {
		TU_MAPDEV(&r, "pci", "bind", root_virtio);
		EXPECT_EXIT(&r, 1);
		EXPECT_IN(r.err, "refused: its driver virtio-pci is in use: "
			  "it serves virtio");
		tu_run_free(&r);
		CHECK(!strcmp(driver_of(root_virtio), "virtio-pci"));
		CHECK(!strcmp(pci_attr(root_virtio, "driver_override"),
			      "(null)"));
	}

	/* A disk controller with its ports: refused, --force takes it. */
	if (!pci_present(ahci))
		SKIP("no AHCI function at %s (q35 has one)", ahci);
	if (strcmp(driver_of(ahci), "ahci") && sh("modprobe ahci 2>&1"))
		SKIP("no ahci driver in this kernel");
	CHECK(!strcmp(driver_of(ahci), "ahci"));
	TU_MAPDEV(&r, "pci", "bind", "00:1f.2");
	EXPECT_EXIT(&r, 1);
	EXPECT_IN(r.err, "refused: its driver ahci is in use: it serves ata1 ");
	tu_run_free(&r);
	CHECK(!strcmp(driver_of(ahci), "ahci"));
	MAPDEV_OK(&r, "pci", "bind", "00:1f.2", "--force");
	EXPECT_IN(r.out, "unbound from ahci");
	EXPECT_IN(r.out, "bound to mapdev_pci");
	tu_run_free(&r);
	CHECK(!strcmp(driver_of(ahci), "mapdev_pci"));
	/* Once mapdev_pci has it, binding it again is no refusal. */
	MAPDEV_OK(&r, "pci", "bind", ahci);
	EXPECT_IN(r.out, "already bound");
	tu_run_free(&r);
	MAPDEV_OK(&r, "pci", "unbind", ahci, "--reprobe");
	EXPECT_IN(r.out, "now bound to ahci");
	tu_run_free(&r);
	CHECK(!strcmp(driver_of(ahci), "ahci"));
	/* As the VM had it: no driver. */
	release(ahci);
	sh("rmmod ahci 2>/dev/null");
}

/* Buffers of a PCI function, from the tool, seen by buf list/info/rm. */
/* Many commands, some binds: minutes on the debug kernel of a loaded machine. */
TEST_TIMEOUT(pci_buf_create_list_info_rm, 240)
{
	char name[MAPDEV_NAME_LEN], name2[MAPDEV_NAME_LEN];
	struct tu_json *j, *e, *s;
	struct tu_run r;
	int found;

	need_pci(EDU_BDF);
	need_module("mapdev_pci", "");
	release(EDU_BDF);
	tool_bind(EDU_BDF);
	snprintf(name, sizeof(name), "edu-dma-%d", (int)getpid());
	snprintf(name2, sizeof(name2), "edu-two-%d", (int)getpid());

	/* edu's DMA engine reaches 28 bits. */
	MAPDEV_OK(&r, "pci", "buf", "create", "00:10.0", name, "64K",
		  "--dma-bits", "28", "--backend", "sg", "--json");
	j = tu_json_parse(r.out);
	CHECK(!strcmp(tu_jmust(j, "name", TJ_STR)->str, name));
	CHECK(!strcmp(tu_jmust(j, "driver", TJ_STR)->str, "mapdev_pci"));
	CHECK(!strcmp(tu_jmust(j, "owner", TJ_STR)->str, EDU_BDF));
	CHECK_EQ(tu_jmust(j, "size", TJ_NUM)->num, 65536);
	CHECK(!strcmp(tu_jmust(j, "backend", TJ_STR)->str, "sg"));
	tu_run_free(&r);
	CHECK_EQ(atoi(pci_attr(EDU_BDF, "dma_mask_bits")), 28);

	/* buf list shows it with its owner, buf info its segments. */
	MAPDEV_OK(&r, "buf", "list", "--json");
	j = tu_json_parse(r.out);
	found = 0;
	for (e = j->child; e; e = e->next)
		if (!strcmp(tu_jget(e, "name")->str, name)) {
			CHECK(!strcmp(tu_jget(e, "owner")->str, EDU_BDF));
			found++;
		}
	CHECK_EQ(found, 1);
	tu_run_free(&r);
	MAPDEV_OK(&r, "buf", "list");
	EXPECT_IN(r.out, name);
	EXPECT_IN(r.out, EDU_BDF);
	tu_run_free(&r);
	MAPDEV_OK(&r, "buf", "info", name, "--segments", "--json");
	j = tu_json_parse(r.out);
	for (s = tu_jmust(j, "segments", TJ_ARR)->child; s; s = s->next)
		CHECK(tu_jhex(tu_jget(s, "dma_addr")) +
		      (uint64_t)tu_jget(s, "len")->num <= 1ull << 28);
	tu_run_free(&r);
	MAPDEV_OK(&r, "buf", "info", name);
	EXPECT_IN(r.out, "owner:      " EDU_BDF " (mapdev_pci)");
	tu_run_free(&r);
	/* It is a buffer like any: peek and poke. */
	MAPDEV_OK(&r, "poke", name, "0x40", "0x600df00d");
	tu_run_free(&r);
	MAPDEV_OK(&r, "peek", name, "0x40");
	EXPECT_IN(r.out, "0x600df00d");
	tu_run_free(&r);

	/*
	 * buf rm goes through the function: refused while the function can
	 * master (MSI turned it on at bind), saying how to stop it; once bus
	 * mastering is off it goes.
	 */
	TU_MAPDEV(&r, "buf", "rm", name);
	EXPECT_EXIT(&r, 1);
	EXPECT_IN(r.err, "can still reach it by DMA");
	EXPECT_IN(r.err, "clear bus mastering");
	tu_run_free(&r);
	{
		char node[64];
		int cfd;

		snprintf(node, sizeof(node), "/dev/mapdev/%s", name);
		CHECK(access(node, F_OK) == 0);
		cfd = open("/dev/mapdev/" EDU_NODE, O_RDWR | O_CLOEXEC);
		CHECK(cfd >= 0);
		bus_master(cfd, 0);
		close(cfd);
	}
	MAPDEV_OK(&r, "buf", "rm", name);
	tu_run_free(&r);
	CHECK(access("/dev/mapdev/", F_OK) == 0);
	TU_MAPDEV(&r, "buf", "info", name);
	EXPECT_EXIT(&r, 1);
	EXPECT_IN(r.err, "no such buffer");
	tu_run_free(&r);

	/* pci buf rm; a name it does not have is an error, the rest go. */
	MAPDEV_OK(&r, "pci", "buf", "create", EDU_BDF, name, "8K");
	EXPECT_IN(r.out, "created /dev/mapdev/");
	EXPECT_IN(r.out, ": 8K, coherent, cached");
	tu_run_free(&r);
	MAPDEV_OK(&r, "pci", "buf", "create", EDU_BDF, name2, "8K");
	tu_run_free(&r);
	TU_MAPDEV(&r, "pci", "buf", "create", EDU_BDF, name2, "8K");
	EXPECT_EXIT(&r, 1);
	EXPECT_IN(r.err, "already exists");
	tu_run_free(&r);
	TU_MAPDEV(&r, "pci", "buf", "rm", EDU_BDF, name, "nope", name2);
	EXPECT_EXIT(&r, 1);
	EXPECT_IN(r.err, "nope: no such buffer of " EDU_BDF);
	tu_run_free(&r);
	CHECK(access("/dev/mapdev/edu-two", F_OK) != 0);
	MAPDEV_OK(&r, "buf", "list", "--json");
	CHECK(!strstr(r.out, name));
	CHECK(!strstr(r.out, name2));
	tu_run_free(&r);

	/* A mask the platform cannot do; one too small for the size. */
	TU_MAPDEV(&r, "pci", "buf", "create", EDU_BDF, name, "64K",
		  "--dma-bits", "12");
	EXPECT_EXIT(&r, 1);
	EXPECT_IN(r.err, "cannot set a 12-bit DMA mask: the platform cannot "
		  "address that");
	tu_run_free(&r);
	TU_MAPDEV(&r, "pci", "buf", "create", EDU_BDF, name, "64M",
		  "--dma-bits", "24", "--backend", "sg");
	EXPECT_EXIT(&r, 1);
	EXPECT_IN(r.err, "DMA mask is 24 bits: its memory must come from "
		  "below 16M");
	tu_run_free(&r);

	/* Not bound: told so; unbinding takes the function's buffers. */
	MAPDEV_OK(&r, "pci", "buf", "create", EDU_BDF, name, "4K",
		  "--dma-bits", "32");
	tu_run_free(&r);
	MAPDEV_OK(&r, "pci", "unbind", EDU_BDF);
	tu_run_free(&r);
	CHECK(access("/dev/mapdev/edu-dma", F_OK) != 0);
	MAPDEV_OK(&r, "buf", "list", "--json");
	CHECK(!strstr(r.out, name));
	tu_run_free(&r);
	TU_MAPDEV(&r, "pci", "buf", "create", EDU_BDF, name, "4K");
	EXPECT_EXIT(&r, 1);
	EXPECT_IN(r.err, "not bound to mapdev_pci");
	tu_run_free(&r);
	release(EDU_BDF);
}

/* --json is valid JSON when nothing came too. */
TEST(irq_json_on_timeout)
{
	struct tu_json *j;
	struct tu_run r;

	need_pci(EDU_BDF);
	need_module("mapdev_pci", "");
	release(EDU_BDF);
	tool_bind(EDU_BDF);
	TU_MAPDEV(&r, "pci", "irq", EDU_BDF, "--timeout", "300", "--json");
	EXPECT_EXIT(&r, 1);
	EXPECT_IN(r.err, "no interrupt within 300 ms");
	j = tu_json_parse(r.out);
	CHECK(!strcmp(tu_jmust(j, "bdf", TJ_STR)->str, EDU_BDF));
	CHECK(!strcmp(tu_jmust(j, "interrupt", TJ_STR)->str, "msi"));
	CHECK_EQ(tu_jmust(j, "received", TJ_NUM)->num, 0);
	CHECK(tu_jget(j, "count")->type == TJ_NULL);
	CHECK(tu_jmust(j, "timed_out", TJ_BOOL)->b);
	tu_run_free(&r);
	release(EDU_BDF);
}

/* A BAR is filled only as far as asked; config writes say what may. */
TEST(fill_bar_needs_a_length_config_write_says_why)
{
	struct tu_run r;

	need_pci(EDU_BDF);
	need_module("mapdev_pci", "");
	release(EDU_BDF);
	tool_bind(EDU_BDF);
	/* 5! in the factorial register must survive the refusal. */
	MAPDEV_OK(&r, "poke", EDU_NODE, "0x8", "5");
	tu_run_free(&r);
	usleep(100000);
	TU_MAPDEV(&r, "fill", EDU_NODE, "0");
	EXPECT_EXIT(&r, 2);
	EXPECT_IN(r.err, "region 0 'bar0' is a BAR");
	EXPECT_IN(r.err, "give --length");
	EXPECT_IN(r.err, "--force");
	EXPECT_IN(r.err, "--help");
	tu_run_free(&r);
	MAPDEV_OK(&r, "peek", EDU_NODE, "0x8");
	EXPECT_IN(r.out, ": 0x00000078");
	tu_run_free(&r);
	/* An explicit length: the liveness register, inverted on read. */
	MAPDEV_OK(&r, "fill", EDU_NODE, "0x0f0f0f0f", "-w", "32", "-o", "4",
		  "-l", "4");
	tu_run_free(&r);
	MAPDEV_OK(&r, "peek", EDU_NODE, "0x4");
	EXPECT_IN(r.out, ": 0xf0f0f0f0");
	tu_run_free(&r);

	TU_MAPDEV(&r, "poke", EDU_NODE, "6:0", "0x1234", "16");
	EXPECT_EXIT(&r, 1);
	EXPECT_IN(r.err, "Operation not permitted");
	EXPECT_IN(r.err, "only the bus master bit");
	tu_run_free(&r);
	release(EDU_BDF);
}

/* pci cache: write-combining of a prefetchable BAR from the command. */
TEST(cache_wc_on_a_prefetchable_bar)
{
	struct tu_json *j, *r2;
	struct tu_run r;
	void *p;
	int fd;

	need_pci(IVSHMEM_BDF);
	need_module("mapdev_pci", "");
	release(IVSHMEM_BDF);
	tool_bind(IVSHMEM_BDF);
	MAPDEV_OK(&r, "pci", "cache", "00:12.0", "bar2", "wc");
	EXPECT_IN(r.out, "bar2's mappings from now on are wc");
	tu_run_free(&r);
	MAPDEV_OK(&r, "pci", "info", IVSHMEM_BDF, "--json");
	j = tu_json_parse(r.out);
	r2 = region(j, 2);
	CHECK(!strcmp(tu_jget(r2, "cache")->str, "wc"));
	/* Absent BARs and what cannot be mapped have no cache mode. */
	CHECK(tu_jget(region(j, 1), "cache")->type == TJ_NULL);
	CHECK(tu_jget(region(j, REGION_CONFIG), "cache")->type == TJ_NULL);
	tu_run_free(&r);
	/* Not prefetchable, not mappable, absent. */
	TU_MAPDEV(&r, "pci", "cache", IVSHMEM_BDF, "0", "wc");
	EXPECT_EXIT(&r, 1);
	EXPECT_IN(r.err, "bar0 cannot be mapped");
	tu_run_free(&r);
	TU_MAPDEV(&r, "pci", "cache", IVSHMEM_BDF, "3", "uncached");
	EXPECT_EXIT(&r, 1);
	EXPECT_IN(r.err, "has no bar3");
	tu_run_free(&r);
	/* While mapped: no change. */
	fd = pci_open(IVSHMEM_BDF);
	p = map(fd, 4096, PROT_READ, (off_t)MAPDEV_REGION_OFFSET(2));
	TU_MAPDEV(&r, "pci", "cache", IVSHMEM_BDF, "2", "uncached");
	EXPECT_EXIT(&r, 1);
	EXPECT_IN(r.err, "bar2 is mapped now");
	tu_run_free(&r);
	munmap(p, 4096);
	close(fd);
	MAPDEV_OK(&r, "pci", "cache", IVSHMEM_BDF, "2", "uncached");
	tu_run_free(&r);
	release(IVSHMEM_BDF);

	/* edu's BAR0 is not prefetchable. */
	need_pci(EDU_BDF);
	release(EDU_BDF);
	tool_bind(EDU_BDF);
	TU_MAPDEV(&r, "pci", "cache", EDU_BDF, "bar0", "wc");
	EXPECT_EXIT(&r, 1);
	EXPECT_IN(r.err, "bar0 is not prefetchable");
	tu_run_free(&r);
	release(EDU_BDF);
}

/*
 * buf create --device: a mapdev_buf buffer DMA-mapped for a PCI function
 * (here edu, driverless); buf info names that function; a bad or absent
 * address is refused with what to do, and nothing is made.
 */
TEST(buf_create_for_a_pci_function)
{
	struct tu_run r;

	need_pci(EDU_BDF);
	need_module("mapdev_buf", "");
	release(EDU_BDF);
	MAPDEV_OK(&r, "buf", "create", "--device", "00:10.0", "--backend", "sg",
		  "devbuf", "64K");
	tu_run_free(&r);
	MAPDEV_OK(&r, "buf", "info", "devbuf");
	EXPECT_IN(r.out, "dma device: " EDU_BDF " (the DMA addresses are its view)");
	tu_run_free(&r);
	MAPDEV_OK(&r, "buf", "info", "--json", "devbuf");
	EXPECT_IN(r.out, "\"dma_device\": \"" EDU_BDF "\"");
	tu_run_free(&r);
	MAPDEV_OK(&r, "buf", "rm", "devbuf");
	tu_run_free(&r);

	TU_MAPDEV(&r, "buf", "create", "--device", "00:10", "devbuf", "64K");
	EXPECT_EXIT(&r, 2);
	EXPECT_IN(r.err, "bad PCI address '00:10' for --device");
	tu_run_free(&r);
	TU_MAPDEV(&r, "buf", "create", "-d", "0000:00:1e.7", "devbuf", "64K");
	EXPECT_EXIT(&r, 1);
	EXPECT_IN(r.err, "no PCI function 0000:00:1e.7 (lspci -D lists them)");
	tu_run_free(&r);
	CHECK(access("/dev/mapdev/devbuf", F_OK) != 0);
}
