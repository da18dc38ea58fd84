// SPDX-License-Identifier: GPL-2.0
/*
 * `mapdev grab` on the host, where no capture device is needed: --help,
 * its usage errors (exit 2), the runtime errors (exit 1) naming the device,
 * and mapdev(1) documenting it.  tests/vm/edu_test.c runs it on mapdev_edu.
 */
#define HARNESS_IMPLEMENTATION
#include "../harness.h"
#include "testutil.h"

const char *harness_suite = "cli_grab";

static void run(struct tu_run *r, const char *const *args)
{
	char *argv[10] = { (char *)tu_tool(), "grab" };
	int j;

	for (j = 0; args[j]; j++)
		argv[j + 2] = (char *)args[j];
	tu_runv(r, argv, NULL);
}

TEST(help)
{
	static const char *const a[] = { "--help", NULL };
	struct tu_run r;

	run(&r, a);
	CHECK_EQ(r.status, 0);
	CHECK(strstr(r.out, "Usage: mapdev grab DEVICE [--frames N] [--out DIR]"));
	CHECK(strstr(r.out, "--json"));
	tu_run_free(&r);
}

TEST(usage_errors)
{
	static const struct {
		const char *argv[6];
		const char *msg;
	} cases[] = {
		{ { NULL }, "missing DEVICE" },
		{ { "/dev/video0", "/dev/video1" }, "unexpected argument '/dev/video1'" },
		{ { "/dev/video0", "--frames", "0" }, "bad frame count '0'" },
		{ { "/dev/video0", "--frames", "many" }, "bad frame count 'many'" },
		{ { "/dev/video0", "--frames", "99999999999" }, "bad frame count" },
		{ { "/dev/video0", "--frames" }, "needs a value" },
		{ { "/dev/video0", "--size", "128" }, "bad size '128'" },
		{ { "/dev/video0", "--size", "0x96" }, "bad size '0x96'" },
		{ { "/dev/video0", "--size", "128x96x" }, "bad size" },
		{ { "/dev/video0", "--timeout", "0" }, "bad timeout '0'" },
		{ { "/dev/video0", "--bogus" }, "unknown option '--bogus'" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tu_run r;

		run(&r, cases[i].argv);
		if (r.status != 2 || !strstr(r.err, cases[i].msg) ||
		    !strstr(r.err, "Try 'mapdev grab --help'") || r.out[0])
			FAILF("case %zu: exit %d, stderr: %s (expected exit 2 and '%s')",
			      i, r.status, r.err, cases[i].msg);
		tu_run_free(&r);
	}
}

TEST(runtime_errors)
{
	static const struct {
		const char *argv[4];
		const char *msg;
	} cases[] = {
		{ { "/nonexistent/video9" }, "/nonexistent/video9: No such file" },
		{ { "/dev/null" }, "/dev/null: not a V4L2 device" },
		{ { "/dev/null", "--out", "/proc/no/such/dir" }, "/proc/no/such/dir: " },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tu_run r;

		run(&r, cases[i].argv);
		if (r.status != 1 || !strstr(r.err, cases[i].msg))
			FAILF("case %zu: exit %d, stderr: %s (expected exit 1 and '%s')",
			      i, r.status, r.err, cases[i].msg);
		tu_run_free(&r);
	}
}

static const char *man_page(void)
{
	static char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/docs/man/mapdev.1", tu_srcdir());
	return p;
}

TEST(man_page_documents_grab)
{
	char *argv[] = { "/usr/bin/man", "--warnings", "-l",
			 (char *)man_page(), NULL };
	char *env[] = { "MANWIDTH=80", "MANPAGER=cat", "PAGER=cat",
			"LC_ALL=C.UTF-8", NULL };
	static const char *const want[] = {
		"grab DEVICE", "--frames", "--out", "--size", "frame-SEQUENCE.pgm",
		"\"dropped\"", "\"first_sequence\"", "\"pattern\"", "\"written\"",
	};
	struct tu_run r;
	size_t i;

	if (access(argv[0], X_OK))
		SKIP("man (man-db) is not installed");
	tu_runv(&r, argv, env);
	CHECK_EQ(r.status, 0);
	CHECK_EQ(strlen(r.err), 0);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (!strstr(r.out, want[i]))
			FAILF("mapdev(1) does not mention '%s'", want[i]);
	tu_run_free(&r);
}
