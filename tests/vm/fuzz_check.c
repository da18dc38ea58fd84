// SPDX-License-Identifier: GPL-2.0
/*
 * The fuzzer (tests/fuzz/mapdev_fuzz) in `make check`, on a bounded
 * budget, and the minimal reproducers of what it found (regress_*).
 *
 * Each fuzz run loads the modules itself, checks its own invariants (a
 * model of every call's result, SIGBUS after revocation, sysfs and debugfs
 * counters, clean unload, the kernel log) and exits 1 with PROBLEM lines
 * when one fails; replay a failure with the command it prints.
 *
 * Budget: about a minute on the 6.1 guest under TCG.  Each run stops at
 * its call count or its time limit, whichever comes first, so a slower
 * kernel (the debug one) runs fewer calls in the same time.
 * MAPDEV_FUZZ_SCALE=N multiplies both (e.g. 10 for a longer run).
 */
#define HARNESS_IMPLEMENTATION
#include <limits.h>
#include <dirent.h>
#include "mapdev_test.h"
#include "pci_util.h"

const char *harness_suite = "fuzz";

#define PG 4096UL

/* Fails the test if the kernel logged what fails a VM run since kmsg_open(). */
static void kmsg_check(int fd, const char *what)
{
	const char *bad = kmsg_bad(fd);

	if (bad)
		FAILF("%s: the kernel logged: %s", what, bad);
	close(fd);
}

/* -- reproducers of what the fuzzer found ---------------------------------- */

/*
 * A coherent buffer larger than the page allocator's largest block (4 MiB
 * on x86-64) made dma_alloc_coherent() hit the WARN_ON in __alloc_pages():
 * a warning in the kernel log that any CAP_SYS_ADMIN caller could trigger.
 * It must fail quietly with ENOMEM (or work, where CMA backs it).
 */
TEST(regress_coherent_over_max_order_quiet)
{
	long long before;
	int ctl, kmsg, ret;

	need_module("mapdev_buf", "");
	ctl = ctl_open();
	before = core_stat("buffers");
	kmsg = kmsg_open();
	buf_destroy_raw(ctl, "rg_coh");
	errno = 0;
	ret = buf_create_raw(ctl, "rg_coh", 8 << 20, MAPDEV_BACKEND_COHERENT, 0);
	if (ret) {
		CHECK_EQ(errno, ENOMEM);
		CHECK_EQ(core_stat("buffers"), before);
	} else {
		CHECK_OK(buf_destroy_raw(ctl, "rg_coh"));
	}
	kmsg_check(kmsg, "an 8 MiB coherent buffer");
	close(ctl);
}

/*
 * Names are [A-Za-z0-9_.-] (docs/ABI.md), but mapdev_check_name() used the
 * kernel's isalnum(), whose table takes Latin-1 letters (0xc0-0xff) too:
 * "x\xff" was accepted as /dev/mapdev/x\xff.
 */
TEST(regress_name_ascii_only)
{
	static const char *const bad[] = { "x\xff", "\xe9t\xe9", "a\xc0z", "\xaa" };
	unsigned int i;
	int ctl;

	need_module("mapdev_buf", "");
	ctl = ctl_open();
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (!buf_create_raw(ctl, bad[i], PG, MAPDEV_BACKEND_SG, 0)) {
			buf_destroy_raw(ctl, bad[i]);
			FAILF("a buffer named \"%s\" (byte %#x) was created",
			      bad[i], (uint8_t)bad[i][strlen(bad[i]) - 1]);
		}
		CHECK_EQ(errno, EINVAL);
	}
	close(ctl);
}

/* -- the fuzzer --------------------------------------------------------------- */

static char fuzz_bin[PATH_MAX + 32];

/* $BUILD/fuzz/mapdev_fuzz, found next to this binary ($BUILD/tests/vm/). */
static void find_fuzzer(void)
{
	char self[PATH_MAX - 64];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *s;

	if (n <= 0)
		FAILF("readlink /proc/self/exe: %s", strerror(errno));
	self[n] = '\0';
	s = strrchr(self, '/');
	*s = '\0';
	s = strrchr(self, '/');		/* .../tests/vm -> .../tests */
	if (s)
		*s = '\0';
	s = strrchr(self, '/');		/* .../tests -> ... */
	if (s)
		*s = '\0';
	snprintf(fuzz_bin, sizeof(fuzz_bin), "%s/fuzz/mapdev_fuzz", self);
	if (access(fuzz_bin, X_OK))
		FAILF("%s is not built (make): the fuzzer is ours", fuzz_bin);
}

static int scale(void)
{
	const char *s = getenv("MAPDEV_FUZZ_SCALE");
	int n = s ? atoi(s) : 1;

	return n > 0 ? n : 1;
}

struct run {
	int status;
	char hash[32];
	char summary[256];
	char setup[256];
	int problems;
	int no_problem;		/* its last line said "no problem" */
};

/*
 * Runs the fuzzer; its PROBLEM lines (and the last few lines) are passed
 * on to the test's output.  Returns its exit status and trace hash.
 */
static struct run run_fuzzer(const char *bin, const char *args)
{
	struct run r = { .status = -1 };
	char cmd[PATH_MAX + 256], line[2048];
	FILE *f;
	int st;

	snprintf(cmd, sizeof(cmd), "%s %s 2>&1", bin, args);
	printf("# %s\n", cmd);
	fflush(stdout);
	f = popen(cmd, "r");
	if (!f)
		FAILF("popen %s: %s", cmd, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		char *h;

		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "PROBLEM", 7)) {
			r.problems++;
			printf("# %s\n", line);
		} else if ((h = strstr(line, "trace hash "))) {
			snprintf(r.hash, sizeof(r.hash), "%.16s", h + 11);
			printf("# %s\n", line);
		} else if (strstr(line, " calls in ") || strstr(line, "problem") ||
			   strstr(line, "mapdev_fuzz: ") == line ||
			   strstr(line, "video_fuzz: ") == line) {
			if (strstr(line, " calls in "))
				snprintf(r.summary, sizeof(r.summary), "%.200s", line);
			if (strstr(line, "mapdev_fuzz: setup ") == line)
				snprintf(r.setup, sizeof(r.setup), "%.200s", line);
			if (strstr(line, ": no problem"))
				r.no_problem = 1;
			printf("# %s\n", line);
		}
	}
	st = pclose(f);
	r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	fflush(stdout);
	return r;
}

static struct run fuzz(const char *args)
{
	find_fuzzer();
	return run_fuzzer(fuzz_bin, args);
}

/*
 * The run did the work it was given: it says how many calls it made in
 * how long, all of them when it stopped before its time was up, and at
 * least MIN_CALLS_PER_S a second when the time stopped it (a floor that
 * only a run doing next to nothing misses: the debug kernel under TCG
 * makes 110-135 on an idle machine, 6.12 70-180 on one loaded to 15);
 * it fuzzed PCI, and the physical ranges
 * when the guest reserved them (MAPDEV_PHYS_RESERVED).
 */
#define MIN_CALLS_PER_S 5
static void check_work(const struct run *r, const char *args, long calls, int secs)
{
	unsigned long long done = 0;
	double el = 0;

	if (!r->no_problem)
		FAILF("mapdev_fuzz %s: no \"no problem\" line at the end", args);
	if (!r->summary[0] ||
	    sscanf(strstr(r->summary, "mapdev_fuzz: ") ? strstr(r->summary, "mapdev_fuzz: ") + 13 : r->summary,
		   "%llu calls in %lf s", &done, &el) != 2)
		FAILF("mapdev_fuzz %s: no \"N calls in T s\" line", args);
	if (done > (unsigned long long)calls)
		FAILF("mapdev_fuzz %s: %llu calls, more than the %ld asked for", args, done, calls);
	if (done < (unsigned long long)calls && el < secs * 0.95)
		FAILF("mapdev_fuzz %s: stopped after %llu of %ld calls in %.1f s, before its %d s were up",
		      args, done, calls, el, secs);
	if (done < (unsigned long long)calls && done < (unsigned long long)(MIN_CALLS_PER_S * secs))
		FAILF("mapdev_fuzz %s: only %llu calls in %.1f s (at least %d a second)",
		      args, done, el, MIN_CALLS_PER_S);
	if (!strstr(r->setup, "pci yes"))
		FAILF("mapdev_fuzz %s: PCI was not fuzzed: %s", args, r->setup);
	if (getenv("MAPDEV_PHYS_RESERVED") && !strstr(r->setup, "phys yes"))
		FAILF("mapdev_fuzz %s: MAPDEV_PHYS_RESERVED is set but the ranges were not fuzzed: %s",
		      args, r->setup);
	printf("# %llu of %ld calls in %.1f s\n", done, calls, el);
}

static void fuzz_seed(unsigned int seed, int calls, int secs, const char *extra)
{
	char args[256];
	struct run r;

	snprintf(args, sizeof(args), "--seed %u --calls %d --time %d %s", seed,
		 calls * scale(), secs * scale(), extra);
	r = fuzz(args);
	if (r.status)
		FAILF("mapdev_fuzz %s: exit status %d, %d problem(s); replay it with the command above (add --trace)",
		      args, r.status, r.problems);
	check_work(&r, args, (long)calls * scale(), secs * scale());
}

/* Fixed seeds, one thread: every call's result is predicted. */
TEST_TIMEOUT(seed_1, 300) { fuzz_seed(1, 4000, 9, ""); }
TEST_TIMEOUT(seed_2, 300) { fuzz_seed(2, 4000, 9, ""); }
TEST_TIMEOUT(seed_3, 300) { fuzz_seed(3, 4000, 9, ""); }
TEST_TIMEOUT(seed_4, 300) { fuzz_seed(4, 4000, 9, ""); }

/* Three threads on the same fds, mappings and devices. */
TEST_TIMEOUT(threads_3, 300) { fuzz_seed(5, 6000, 10, "--threads 3"); }

/* A seed replays exactly: same calls, same results, same trace hash. */
TEST_TIMEOUT(replay_is_exact, 300)
{
	struct run a, b;

	a = fuzz("--seed 77 --calls 600");
	if (a.status)
		FAILF("first run: exit status %d", a.status);
	check_work(&a, "--seed 77 --calls 600", 600, 1000);
	b = fuzz("--seed 77 --calls 600");
	if (b.status)
		FAILF("second run: exit status %d", b.status);
	check_work(&b, "--seed 77 --calls 600", 600, 1000);
	if (!a.hash[0] || strcmp(a.hash, b.hash))
		FAILF("seed 77 gave trace hash %s, then %s: not reproducible (compare --trace output)",
		      a.hash, b.hash);
}

/* -- mapdev_edu's V4L2 node (tests/fuzz/video_fuzz.c) ------------------------- */

#define EDU_MOD "mapdev_edu"

/* /dev/videoN of @bdf, bound to mapdev_edu. */
static const char *video_node(const char *bdf)
{
	static char node[300];
	char path[128];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/video4linux", bdf);
	d = opendir(path);
	if (!d)
		FAILF("%s has no video4linux node: not bound to " EDU_MOD "?", bdf);
	node[0] = '\0';
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, "video", 5))
			snprintf(node, sizeof(node), "/dev/%s", de->d_name);
	closedir(d);
	if (!node[0])
		FAILF("%s has no video4linux node", bdf);
	return node;
}

/*
 * A run on @bdf's node: no problem, and work done: every call it was given
 * or its time up, frames dequeued and checked, buffers mapped and touched.
 */
static void video_seed(const char *bdf, unsigned int seed, int calls, int secs)
{
	unsigned long long done = 0, frames = 0, rframes = 0, maps = 0, touches = 0;
	char bin[PATH_MAX + 32], args[512], *sl;
	const char *sum;
	double el = 0;
	struct run r;
	int kmsg, rm;

	find_fuzzer();
	snprintf(bin, sizeof(bin), "%s", fuzz_bin);
	sl = strrchr(bin, '/');
	snprintf(sl + 1, bin + sizeof(bin) - sl - 1, "video_fuzz");
	if (access(bin, X_OK))
		FAILF("%s is not built (make): the fuzzer is ours", bin);
	edu_load_params("dma_bits=" EDU_WIDE_BDF ":64");
	kmsg = kmsg_open();
	snprintf(args, sizeof(args), "--node %s --seed %u --calls %d --time %d",
		 video_node(bdf), seed, calls * scale(), secs * scale());
	r = run_fuzzer(bin, args);
	/* Unloaded first, so a failure below leaves edu to the next suites. */
	rm = sh("rmmod " EDU_MOD);
	if (r.status)
		FAILF("video_fuzz %s: exit status %d, %d problem(s); replay it with the command above (add --trace)",
		      args, r.status, r.problems);
	if (!r.no_problem)
		FAILF("video_fuzz %s: no \"no problem\" line at the end", args);
	sum = strstr(r.summary, "video_fuzz: ");
	if (!sum || sscanf(sum + 12, "%llu calls in %lf s: %llu frames dequeued, %llu read, %llu mappings, %llu touches",
			   &done, &el, &frames, &rframes, &maps, &touches) != 6)
		FAILF("video_fuzz %s: no summary line (\"N calls in T s: ...\")", args);
	if (done < (unsigned long long)calls * scale() && el < secs * scale() * 0.95)
		FAILF("video_fuzz %s: stopped after %llu calls in %.1f s", args, done, el);
	if (!frames || !maps || !touches)
		FAILF("video_fuzz %s: did too little: %llu frames, %llu mappings, %llu touches",
		      args, frames, maps, touches);
	kmsg_check(kmsg, "video_fuzz");
	if (rm)
		FAILF("rmmod " EDU_MOD " after the run failed: something still holds it");
}

/* The 28-bit function (no dma-buf import) and the 64-bit one. */
TEST_TIMEOUT(video_edu_28bit, 300) { video_seed(EDU_BDF, 11, 100000, 30); }
TEST_TIMEOUT(video_edu_64bit, 300) { video_seed(EDU_WIDE_BDF, 12, 100000, 30); }
