// SPDX-License-Identifier: GPL-2.0
/*
 * The test machinery itself, on the host: a suite that did not test what
 * it claims must be red.  scripts/summarize against hand-made logs (short
 * plans, missing logs, skips for unlisted reasons, a run of nothing but
 * skips), tests/vm/run-all with no binaries and with one that dies half
 * way, the harness's PLAN line, and scripts/vm's kernel-log patterns, each
 * fed a sample line of the report it is there to catch.
 */
#define HARNESS_IMPLEMENTATION
#include <regex.h>
#include "../harness.h"
#include "testutil.h"

const char *harness_suite = "machinery";

static char tmp[PATH_MAX];

/* A fresh temporary directory for this test. */
static const char *tmpdir(void)
{
	snprintf(tmp, sizeof(tmp), "/tmp/mapdev-machinery.XXXXXX");
	if (!mkdtemp(tmp))
		FAILF("mkdtemp: %s", strerror(errno));
	return tmp;
}

static void rm_tmpdir(void)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	if (tmp[0] && system(cmd))
		printf("# could not remove %s\n", tmp);
}

/* Writes @text to DIR/NAME. */
static void put(const char *name, const char *text)
{
	char path[PATH_MAX + 64];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmp, name);
	f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f))
		FAILF("write %s: %s", path, strerror(errno));
}

static const char *script(const char *rel)
{
	static char path[4][PATH_MAX];
	static int n;
	char *p = path[n++ % 4];

	snprintf(p, PATH_MAX, "%s/%s", tu_srcdir(), rel);
	if (access(p, X_OK))
		FAILF("%s is not there (run from the repository)", p);
	return p;
}

/* scripts/summarize on every *.log of the temporary directory. */
static void summarize(struct tu_run *r, const char *reasons)
{
	char cmd[3 * PATH_MAX];
	char *argv[] = { "/bin/sh", "-c", cmd, NULL };

	snprintf(cmd, sizeof(cmd), "MAPDEV_SKIP_REASONS='%s' '%s' '%s'/*.log",
		 reasons ? reasons : "/dev/null", script("scripts/summarize"), tmp);
	tu_runv(r, argv, NULL);
}

#define EXPECT_IN(hay, needle) do {					\
	if (!strstr((hay), (needle)))					\
		FAILF("'%s' not found in: %.900s", (needle), (hay));	\
} while (0)

/* The last line of @out. */
static const char *last_line(const char *out)
{
	static char line[256];
	size_t n = strlen(out);
	const char *s;

	while (n && out[n - 1] == '\n')
		n--;
	s = out + n;
	while (s > out && s[-1] != '\n')
		s--;
	snprintf(line, sizeof(line), "%.*s", (int)(out + n - s), s);
	return line;
}

/* -- scripts/summarize ---------------------------------------------------- */

/* The run the issue reproduced: only skips and the kernel log's PASS. */
TEST(summarize_only_skips_is_red)
{
	struct tu_run r;

	tmpdir();
	put("vm-6.1-kernel.log", "PLAN 6.1/vm 1\nPASS 6.1/vm.kernel-log-clean\n");
	put("vm-6.1-buf_test.log",
	    "PLAN 6.1/buf 2\n"
	    "SKIP 6.1/buf.a: modprobe mapdev_buf failed\n"
	    "SKIP 6.1/buf.b: modprobe mapdev_buf failed\n");
	summarize(&r, NULL);
	CHECK_EQ(r.status, 1);
	EXPECT_IN(r.out, "FAIL 6.1/buf.a: modprobe mapdev_buf failed [a skip for a reason tests/skip-reasons does not list]");
	CHECK(!strcmp(last_line(r.out), "1 passed, 2 failed, 0 skipped"));
	rm_tmpdir();
}

TEST(summarize_listed_skip_is_green)
{
	struct tu_run r;
	char reasons[PATH_MAX + 16];

	tmpdir();
	put("reasons", "# comment\n\n^buf\\.a: no such thing in this kernel$\n");
	put("vm-6.1-buf_test.log",
	    "PLAN 6.1/buf 2\nPASS 6.1/buf.b\n"
	    "SKIP 6.1/buf.a: no such thing in this kernel\n");
	snprintf(reasons, sizeof(reasons), "%s/reasons", tmp);
	summarize(&r, reasons);
	CHECK_EQ(r.status, 0);
	CHECK(!strcmp(last_line(r.out), "1 passed, 0 failed, 1 skipped"));
	/* The same reason for another test is not listed. */
	put("vm-6.1-pci_test.log",
	    "PLAN 6.1/pci 1\nSKIP 6.1/pci.a: no such thing in this kernel\n");
	summarize(&r, reasons);
	CHECK_EQ(r.status, 1);
	CHECK(!strcmp(last_line(r.out), "1 passed, 1 failed, 1 skipped"));
	rm_tmpdir();
}

/* A binary that died half way: fewer verdicts than its plan. */
TEST(summarize_short_of_plan_is_red)
{
	struct tu_run r;

	tmpdir();
	put("unit-a.log", "PLAN a 3\nPASS a.x\nPASS a.y\n");
	summarize(&r, NULL);
	CHECK_EQ(r.status, 1);
	EXPECT_IN(r.out, "FAIL a.plan: 3 test(s) planned, 2 reported");
	CHECK(!strcmp(last_line(r.out), "2 passed, 1 failed, 0 skipped"));
	/* More than planned (a test reported twice) is as wrong. */
	put("unit-a.log", "PLAN a 1\nPASS a.x\nPASS a.x\n");
	summarize(&r, NULL);
	CHECK_EQ(r.status, 1);
	EXPECT_IN(r.out, "FAIL a.plan: 1 test(s) planned, 2 reported");
	/* No plan at all, and a plan of nothing. */
	put("unit-a.log", "PASS a.x\n");
	summarize(&r, NULL);
	CHECK_EQ(r.status, 1);
	EXPECT_IN(r.out, "FAIL unit-a: no PLAN line");
	put("unit-a.log", "PLAN a 0\n");
	summarize(&r, NULL);
	CHECK_EQ(r.status, 1);
	EXPECT_IN(r.out, "FAIL a.plan: the suite planned no test");
	/* Kernel-tagged suites count apart. */
	put("unit-a.log", "PLAN 6.1/a 1\nPLAN 6.12/a 1\nPASS 6.1/a.x\nPASS 6.1/a.y\n");
	summarize(&r, NULL);
	CHECK_EQ(r.status, 1);
	EXPECT_IN(r.out, "FAIL 6.12/a.plan: 1 test(s) planned, 0 reported");
	EXPECT_IN(r.out, "FAIL 6.1/a.plan: 1 test(s) planned, 2 reported");
	rm_tmpdir();
}

/* A suite that should have run and left no log. */
TEST(summarize_missing_log_is_red)
{
	struct tu_run r;

	tmpdir();
	put("unit-a.log", "PLAN a 1\nPASS a.x\n");
	put("unit.expect", "unit-a\nunit-b\n");
	summarize(&r, NULL);
	CHECK_EQ(r.status, 1);
	EXPECT_IN(r.out, "FAIL unit-b: no log");
	EXPECT_IN(r.out, "the suite did not run");
	CHECK(!strcmp(last_line(r.out), "1 passed, 1 failed, 0 skipped"));
	put("unit-b.log", "PLAN b 1\nPASS b.x\n");
	summarize(&r, NULL);
	CHECK_EQ(r.status, 0);
	CHECK(!strcmp(last_line(r.out), "2 passed, 0 failed, 0 skipped"));
	rm_tmpdir();
}

/* The project's own list: every line is a regular expression awk takes. */
TEST(skip_reasons_file_is_valid)
{
	char path[PATH_MAX], line[1024];
	FILE *f;
	int n = 0;

	snprintf(path, sizeof(path), "%s/tests/skip-reasons", tu_srcdir());
	f = fopen(path, "r");
	if (!f)
		FAILF("%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		regex_t re;

		line[strcspn(line, "\n")] = '\0';
		if (!line[strspn(line, " \t")] || line[strspn(line, " \t")] == '#')
			continue;
		if (regcomp(&re, line, REG_EXTENDED | REG_NOSUB))
			FAILF("%s: not an extended regular expression: %s", path, line);
		regfree(&re);
		/* Bound to a test: a reason alone would let any test skip. */
		if (line[0] != '^' || !strchr(line, '.'))
			FAILF("%s: '%s' does not start with ^suite\\.test", path, line);
		n++;
	}
	fclose(f);
	CHECK(n > 0);
}

/* -- tests/vm/run-all --------------------------------------------------------- */

TEST(run_all_without_binaries_fails)
{
	char build[PATH_MAX + 16], env[PATH_MAX + 32], log[PATH_MAX + 64];
	char *argv[] = { (char *)script("tests/vm/run-all"), "--prefix", "t",
			 "/nonexistent/binary", NULL };
	char *envp[] = { env, NULL };
	struct tu_run r;
	FILE *f;
	char *text;

	tmpdir();
	snprintf(build, sizeof(build), "%s/build", tmp);
	snprintf(env, sizeof(env), "BUILD=%s", build);
	tu_runv(&r, argv, envp);
	CHECK_EQ(r.status, 1);
	EXPECT_IN(r.out, "FAIL run-all.binaries: no test binaries");
	snprintf(log, sizeof(log), "%s/results/t-run-all.log", build);
	f = fopen(log, "r");
	if (!f)
		FAILF("no %s", log);
	fclose(f);
	text = tu_slurp_fd(open(log, O_RDONLY));
	EXPECT_IN(text, "PLAN run-all 1\n");
	EXPECT_IN(text, "FAIL run-all.binaries:");
	rm_tmpdir();
}

/* A binary that plans three tests and dies after one. */
TEST(run_all_binary_dies_half_way)
{
	char build[PATH_MAX + 16], env[PATH_MAX + 32], bin[PATH_MAX + 16];
	char cmd[3 * PATH_MAX];
	char *argv[] = { (char *)script("tests/vm/run-all"), "--prefix", "t",
			 bin, NULL };
	char *sh_argv[] = { "/bin/sh", "-c", cmd, NULL };
	char *envp[] = { env, NULL };
	struct tu_run r;

	tmpdir();
	snprintf(build, sizeof(build), "%s/build", tmp);
	snprintf(env, sizeof(env), "BUILD=%s", build);
	snprintf(bin, sizeof(bin), "%s/dies", tmp);
	put("dies", "#!/bin/sh\necho 'PLAN d 3'\necho 'PASS d.one'\nkill -9 $$\n");
	CHECK_OK(chmod(bin, 0755));
	tu_runv(&r, argv, envp);
	CHECK_EQ(r.status, 1);
	EXPECT_IN(r.out, "FAIL dies.binary: killed by signal 9");
	tu_run_free(&r);
	snprintf(cmd, sizeof(cmd), "MAPDEV_SKIP_REASONS=/dev/null '%s' '%s'/results/*.log",
		 script("scripts/summarize"), build);
	tu_runv(&r, sh_argv, NULL);
	CHECK_EQ(r.status, 1);
	EXPECT_IN(r.out, "FAIL d.plan: 3 test(s) planned, 1 reported");
	CHECK(!strcmp(last_line(r.out), "1 passed, 2 failed, 0 skipped"));
	rm_tmpdir();
}

/* -- the harness ------------------------------------------------------------- */

TEST(plan_target)
{
	/* Run by plan_counts_the_selected_tests below: passes. */
}

TEST(plan_target_skips)
{
	/* Only in the child below: a skip of the real run would be red. */
	if (getenv("MAPDEV_MACHINERY_CHILD"))
		SKIP("a skip to count");
}

/* This binary again, running the tests @test selects, with @env only. */
static void run_self(struct tu_run *r, const char *test, char **env)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *argv[] = { self, (char *)test, NULL };

	CHECK(n > 0);
	self[n] = '\0';
	tu_runv(r, argv, env);
}

/* The first line is the plan: what the arguments selected, before any runs. */
TEST(plan_counts_the_selected_tests)
{
	char *env[] = { "MAPDEV_MACHINERY_CHILD=1", NULL };
	struct tu_run r;

	run_self(&r, "plan_target", env);
	CHECK_EQ(r.status, 0);
	if (strncmp(r.out, "PLAN machinery 2\n", 17))
		FAILF("first line not 'PLAN machinery 2': %.200s", r.out);
	EXPECT_IN(r.out, "PASS machinery.plan_target\n");
	EXPECT_IN(r.out, "SKIP machinery.plan_target_skips: a skip to count\n");
	EXPECT_IN(r.out, "machinery: 1 passed, 0 failed, 1 skipped\n");
}

/* Sleeps 2 s in the children below; its limit is 1 s, times the slowdown. */
TEST_TIMEOUT(slowdown_target, 1)
{
	if (getenv("MAPDEV_MACHINERY_CHILD"))
		sleep(2);
}

static void run_slowdown_target(struct tu_run *r, const char *slowdown)
{
	char env1[64];
	char *env[] = { "MAPDEV_MACHINERY_CHILD=1", env1, NULL };

	snprintf(env1, sizeof(env1), "MAPDEV_TEST_SLOWDOWN=%s", slowdown);
	run_self(r, "slowdown_target", env);
}

/* A test past its limit fails and says so; MAPDEV_TEST_SLOWDOWN stretches it. */
TEST(slowdown_stretches_the_limit)
{
	struct tu_run r;

	run_slowdown_target(&r, "1");
	CHECK_EQ(r.status, 1);
	EXPECT_IN(r.out, "FAIL machinery.slowdown_target: timed out after 1 s");
	EXPECT_IN(r.out, "# machinery.slowdown_target took ");
	tu_run_free(&r);
	run_slowdown_target(&r, "3");
	CHECK_EQ(r.status, 0);
	EXPECT_IN(r.out, "PASS machinery.slowdown_target\n");
	/* 2 s of 3: over half, said on a comment line. */
	EXPECT_IN(r.out, "# machinery.slowdown_target took 2 s of its 3 s limit\n");
	tu_run_free(&r);
}

/* A bad MAPDEV_TEST_SLOWDOWN stops the run before any test, with a message. */
TEST(slowdown_bad_values_refused)
{
	static const char *const bad[] = { "0", "21", "x", "2x", "-1", " 3" };
	struct tu_run r;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		run_slowdown_target(&r, bad[i]);
		if (r.status != 2)
			FAILF("MAPDEV_TEST_SLOWDOWN='%s': exit status %d, not 2",
			      bad[i], r.status);
		EXPECT_IN(r.err, "want a whole number from 1 to 20");
		if (strstr(r.out, "PLAN"))
			FAILF("MAPDEV_TEST_SLOWDOWN='%s': a test ran", bad[i]);
		tu_run_free(&r);
	}
}

/* -- scripts/vm's kernel-log patterns ------------------------------------------ */

/*
 * One sample line for each report the VM run must fail on: as the kernels
 * print them (6.1's source), timestamps and all.  Each of scripts/vm's
 * patterns must match one of them; each alone makes --check-log fail.
 */
static const char *const reports[] = {
	"[   12.345678] BUG: unable to handle page fault for address: ffff888012345678",
	"[   12.345678] WARNING: CPU: 1 PID: 123 at kernel/irq/manage.c:774 enable_irq+0x9a/0xf0",
	"[   12.345678] Oops: 0002 [#1] PREEMPT SMP KASAN NOPTI",
	"[   12.345678] ==================================================================\n"
	"[   12.345679] BUG: KASAN: use-after-free in mapdev_fault+0x12/0x40 [mapdev_core]",
	"[   12.345678] KASAN: null-ptr-deref in range [0x0000000000000008-0x000000000000000f]",
	"[   12.345678] BUG: Bad page state in process a.out  pfn:1234a",
	"[   12.345678] Bad page map in process a.out  pte:8000000012345067 pmd:1234067",
	"[   12.345678] Call Trace:",
	"[   12.345678] UBSAN: shift-out-of-bounds in kernel/core/mmap.c:123:45",
	"[   12.345678] kernel BUG at mm/memory.c:2417!",
	"[   12.345678] general protection fault, probably for non-canonical address 0xdffffc0000000001: 0000 [#1] PREEMPT SMP KASAN",
	"[   12.345678] stack segment: 0000 [#1] PREEMPT SMP KASAN NOPTI",
	"[   12.345678] Kernel panic - not syncing: Fatal exception",
	"[   12.345678] traps: PANIC: double fault, error_code: 0x0",
	"[   12.345678] Unable to handle kernel paging request",
	"[   12.345678] INFO: possible circular locking dependency detected",
	"[   12.345678] INFO: trying to register non-static key.",
	"[  241.000000] INFO: task rmmod:1234 blocked for more than 120 seconds.",
	"[  120.000000] rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:",
	"[  120.000000] INFO: rcu_sched detected stalls on CPUs/tasks:",
	"[  120.000000] INFO: rcu_preempt self-detected stall on CPU",
	"[   80.000000] Watchdog detected hard LOCKUP on cpu 1",
	"[   80.000000] watchdog: BUG: soft lockup - CPU#0 stuck for 61s! [a.out:1234]",
	"[   80.000000] BUG: workqueue lockup - pool cpus=1 node=0 flags=0x0 nice=0 stuck for 61s!",
	"[   12.345678] BUG kmalloc-64 (Not tainted): Redzone overwritten",
	"[   12.345678] ODEBUG: free active (active state 0) object: 000000001234abcd object type: timer_list hint: mapdev_timer+0x0/0x10",
	"[   12.345678] list_add corruption. next->prev should be prev (ffff888012340000), but was ffff888012340008. (next=ffff888012340010).",
	"[   12.345678] list_del corruption, ffff888012340000->next is LIST_POISON1 (dead000000000100)",
	"[   12.345678] refcount_t: underflow; use-after-free.",
	"[   12.345678] kmemleak: unreferenced object 0xffff888012345678 (size 64):",
	"[   12.345678] kmemleak: Kernel memory leak detector disabled",
	"[   12.345678] DMA-API: debugging out of memory - disabling",
	"[   12.345678] DMA-API: cacheline tracking ENOMEM, dma-debug disabled",
	"[   12.345678] DMA-API: dma_debug_add_bus: out of memory",
	"[   12.345678] x86/PAT: reserve_ram_pages_type failed [mem 0x12340000-0x12340fff], track 0x4, req 0x0",
	"[   12.345678] x86/PAT: a.out:1234 freeing invalid memtype [mem 0x12340000-0x12340fff]",
	"[   12.345678] x86/PAT: a.out:1234 map pfn expected mapping type uncached-minus for [mem 0x12340000-0x12340fff], got write-back",
	"[   12.345678] x86/PAT: a.out:1234 conflicting memory types 12340000-12341000 write-combining<->uncached-minus",
	"[   12.345678] x86/PAT: memtype_reserve failed [mem 0x12340000-0x12340fff], track write-back, req uncached-minus",
	"[   12.345678] x86/PAT: a.out:1234 ioremap_change_attr failed write-combining for [mem 0x12340000-0x12340fff]",
	"[   12.345678] x86/PAT: a.out:1234 map pfn RAM range req write-combining for [mem 0x12340000-0x12340fff], got write-back",
	"[   12.345678] ioremap error for 0xfe000000-0xfe100000, requested 0x2, got 0x0",
	"[   12.345678] ioremap memtype_reserve failed -16",
	"[   12.345678] mapdev_buf mapdev_buf: cannot restore write-back on 64 pages; leaking them",
	"[   13.622623] DMAR: DRHD: handling fault status reg 2",
	"[   13.624179] DMAR: [DMA Write NO_PASID] Request device [00:11.0] fault addr 0x7fe08000 [fault reason 0x05] PTE Write access is not set",
	"[   13.624179] DMAR: [DMA Read NO_PASID] Request device [00:10.0] fault addr 0xfff000 [fault reason 0x06] PTE Read access is not set",
	"[   13.700000] dmar_fault: 12 callbacks suppressed",
};

/* What a clean boot says, some of it close to the reports above. */
static const char clean[] =
	"[    0.000000] Linux version 6.1.0-57-amd64 (debian-kernel@lists.debian.org)\n"
	"[    0.000000] x86/PAT: Configuration [0-7]: WB  WC  UC- UC  WB  WP  UC- WT\n"
	"[    0.100000] rcu: Preemptible hierarchical RCU implementation.\n"
	"[    0.100000] rcu: \tRCU event tracing is enabled.\n"
	"[    0.200000] DMA-API: preallocated 65536 debug entries\n"
	"[    0.200000] DMA-API: debugging enabled by kernel config\n"
	"[    0.300000] kmemleak: Kernel memory leak detector initialized (mem pool available: 14000)\n"
	"[    0.300000] kmemleak: Automatic memory scanning thread ended\n"
	"[    0.400000] watchdog: Disabling watchdog on nohz_full cores by default\n"
	"[    0.400000] ODEBUG selftest passed\n"
	"[    1.000000] mapdev_core: loading out-of-tree module taints kernel.\n"
	"[    1.100000] mapdev_pci 0000:00:10.0: enabling device (0000 -> 0002)\n"
	"[    2.000000] a.out[1234]: segfault at 7f0000001000 ip 0000000000401234 sp 00007ffd12345678 error 6\n";

static int check_log(const char *text)
{
	char path[PATH_MAX + 16];
	char *argv[] = { (char *)script("scripts/vm"), "--check-log", path, NULL };
	struct tu_run r;

	put("dmesg", text);
	snprintf(path, sizeof(path), "%s/dmesg", tmp);
	tu_runv(&r, argv, NULL);
	if (r.status != 0 && r.status != 121)
		FAILF("scripts/vm --check-log: exit status %d: %s", r.status, r.err);
	tu_run_free(&r);
	return r.status;
}

TEST(kernel_log_patterns_each_catch_their_report)
{
	char *argv[] = { (char *)script("scripts/vm"), "--list-patterns", NULL };
	char *text, *pat, *save;
	struct tu_run r;
	size_t i;
	int npat = 0;

	tmpdir();
	CHECK_EQ(check_log(clean), 0);
	for (i = 0; i < sizeof(reports) / sizeof(reports[0]); i++) {
		text = malloc(sizeof(clean) + strlen(reports[i]) + 2);
		sprintf(text, "%s%s\n", clean, reports[i]);
		if (check_log(text) != 121)
			FAILF("scripts/vm --check-log passes a log with: %s", reports[i]);
		free(text);
	}
	/* Every pattern has a sample here that it matches. */
	tu_runv(&r, argv, NULL);
	CHECK_EQ(r.status, 0);
	for (pat = strtok_r(r.out, "\n", &save); pat; pat = strtok_r(NULL, "\n", &save)) {
		regex_t re;
		int hit = 0;

		if (regcomp(&re, pat, REG_EXTENDED | REG_NOSUB))
			FAILF("pattern '%s' is not an extended regular expression", pat);
		for (i = 0; i < sizeof(reports) / sizeof(reports[0]) && !hit; i++)
			hit = !regexec(&re, reports[i], 0, NULL, 0);
		regfree(&re);
		if (!hit)
			FAILF("scripts/vm's pattern '%s' has no sample report in %s",
			      pat, __FILE__);
		if (!regcomp(&re, pat, REG_EXTENDED | REG_NOSUB | REG_NEWLINE)) {
			if (!regexec(&re, clean, 0, NULL, 0))
				FAILF("pattern '%s' matches a clean boot", pat);
			regfree(&re);
		}
		npat++;
	}
	CHECK(npat >= 40);
	rm_tmpdir();
}

/*
 * The IOMMU's fault reports fail a run, except between the markers a test
 * that provokes them writes (tests/vm/mapdev_test.h, expect_dma_faults());
 * only those lines are excused there, and only until the end marker.
 */
TEST(kernel_log_dma_faults_only_where_expected)
{
	static const char fault[] =
		"[   13.622623] DMAR: DRHD: handling fault status reg 2\n"
		"[   13.624179] DMAR: [DMA Write NO_PASID] Request device [00:11.0] fault addr 0x7fe08000 [fault reason 0x05] PTE Write access is not set\n"
		"[   13.700000] dmar_fault: 3 callbacks suppressed\n";
	static const char begin[] = "[   13.521758] mapdev-test: expect DMA faults\n";
	static const char end[] = "[   13.900000] mapdev-test: end of expected DMA faults\n";
	static const char warn[] =
		"[   13.800000] WARNING: CPU: 1 PID: 123 at drivers/iommu/intel/iommu.c:42 f+0x9a/0xf0\n";
	char text[4096];

	tmpdir();
	snprintf(text, sizeof(text), "%s%s", clean, fault);
	CHECK_EQ(check_log(text), 121);
	snprintf(text, sizeof(text), "%s%s%s%s", clean, begin, fault, end);
	CHECK_EQ(check_log(text), 0);
	/* Bracketed, yet not a fault report: still bad. */
	snprintf(text, sizeof(text), "%s%s%s%s%s", clean, begin, fault, warn, end);
	CHECK_EQ(check_log(text), 121);
	/* After the end marker, and with no end at all before it. */
	snprintf(text, sizeof(text), "%s%s%s%s", clean, begin, end, fault);
	CHECK_EQ(check_log(text), 121);
	snprintf(text, sizeof(text), "%s%s%s", clean, end, fault);
	CHECK_EQ(check_log(text), 121);
	/* A marker left open excuses faults to the end of the log. */
	snprintf(text, sizeof(text), "%s%s%s", clean, begin, fault);
	CHECK_EQ(check_log(text), 0);
	rm_tmpdir();
}
