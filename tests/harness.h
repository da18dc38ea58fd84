/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small test harness shared by the host and VM tests.
 *
 * Each TEST() runs in its own child process, so a crash, a signal or a
 * leaked mapping stays inside it.  A test reports through the macros below
 * and ends with its exit status: 0 pass, 77 skip (with a reason), anything
 * else or a signal a failure.  Output, one line a test:
 *
 *   PASS suite.test
 *   FAIL suite.test: file.c:123: what went wrong
 *   SKIP suite.test: the reason
 *
 * Before any test runs, a first line says how many will:
 *
 *   PLAN suite 42
 *
 * and a last line "suite: N passed, N failed, N skipped".  scripts/summarize
 * adds these lines up over every suite, and fails a suite whose verdicts do
 * not add up to its plan (a binary that died half way), a SKIP whose reason
 * tests/skip-reasons does not list, and a suite that should have run but
 * left no log.
 *
 *   TEST(name) { ... }            define a test
 *   CHECK(cond)                   fail unless cond
 *   CHECK_ERRNO(expr, err)        expr must return -1 (or MAP_FAILED) with errno
 *   CHECK_EQ(a, b)                integers, both printed on failure
 *   SKIP("reason %d", x)          skip the test
 *   EXPECT_SIGNAL(sig, stmt)      stmt must die of sig (run in a grandchild)
 *   harness_main(argc, argv)      run all tests, or those named on the command
 *                                 line (a prefix match)
 *
 * A test has TEST()'s 60 s or TEST_TIMEOUT()'s limit, times the whole number
 * MAPDEV_TEST_SLOWDOWN (1 to 20, default 1) where the machine is slow (the
 * debug kernel, KASAN under TCG).  A test that takes more than half its
 * limit says so on a "#" line, so a limit is raised before it is hit.
 */
#ifndef MAPDEV_TEST_HARNESS_H
#define MAPDEV_TEST_HARNESS_H

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define HARNESS_SKIP_STATUS 77
#define HARNESS_MAX_TESTS 512

struct harness_test {
	const char *name;
	void (*fn)(void);
	unsigned int timeout;	/* seconds */
};

extern struct harness_test harness_tests[HARNESS_MAX_TESTS];
extern int harness_ntests;
extern const char *harness_suite;

static inline void harness_register(const char *name, void (*fn)(void),
				    unsigned int timeout)
{
	if (harness_ntests >= HARNESS_MAX_TESTS) {
		fprintf(stderr, "harness: too many tests\n");
		abort();
	}
	harness_tests[harness_ntests].name = name;
	harness_tests[harness_ntests].fn = fn;
	harness_tests[harness_ntests].timeout = timeout;
	harness_ntests++;
}

#define TEST_TIMEOUT(name, secs)					\
	static void test_##name(void);					\
	__attribute__((constructor)) static void register_##name(void)	\
	{ harness_register(#name, test_##name, secs); }			\
	static void test_##name(void)

#define TEST(name) TEST_TIMEOUT(name, 60)

__attribute__((format(printf, 3, 4), noreturn))
static inline void harness_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stdout, "#FAIL %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
	_exit(1);
}

#define FAILF(...) harness_fail(__FILE__, __LINE__, __VA_ARGS__)

#define SKIP(...) do {							\
	fprintf(stdout, "#SKIP ");					\
	fprintf(stdout, __VA_ARGS__);					\
	fputc('\n', stdout);						\
	fflush(stdout);							\
	_exit(HARNESS_SKIP_STATUS);					\
} while (0)

#define CHECK(cond) do {						\
	if (!(cond))							\
		FAILF("CHECK(%s) failed (errno %d: %s)", #cond, errno,	\
		      strerror(errno));					\
} while (0)

#define CHECK_EQ(a, b) do {						\
	long long _a = (long long)(a), _b = (long long)(b);		\
	if (_a != _b)							\
		FAILF("%s == %lld, expected %s == %lld", #a, _a, #b, _b);\
} while (0)

/* A call that must fail: returns -1 or MAP_FAILED with errno == err. */
#define CHECK_ERRNO(expr, err) do {					\
	errno = 0;							\
	long _r = (long)(expr);						\
	int _e = errno;							\
	if (_r != -1)							\
		FAILF("%s returned %ld, expected failure with %s",	\
		      #expr, _r, strerrorname_np(err));		\
	if (_e != (err))						\
		FAILF("%s failed with %s, expected %s", #expr,		\
		      strerrorname_np(_e) ?: "?", strerrorname_np(err));\
} while (0)

/* A call that must succeed (return >= 0, or not MAP_FAILED). */
#define CHECK_OK(expr) ({						\
	errno = 0;							\
	long _r = (long)(expr);						\
	if (_r == -1)							\
		FAILF("%s failed: %s", #expr, strerror(errno));	\
	_r;								\
})

/*
 * Run stmt in a child; it must be killed by sig.  Returns the child's
 * exit status otherwise (as a failure of the test).
 */
#define EXPECT_SIGNAL(sig, stmt) do {					\
	fflush(stdout);							\
	pid_t _p = fork();						\
	int _st;							\
	if (_p < 0)							\
		FAILF("fork: %s", strerror(errno));			\
	if (_p == 0) {							\
		signal(sig, SIG_DFL);					\
		stmt;							\
		_exit(0);						\
	}								\
	if (waitpid(_p, &_st, 0) != _p)					\
		FAILF("waitpid: %s", strerror(errno));			\
	if (!WIFSIGNALED(_st) || WTERMSIG(_st) != (sig))		\
		FAILF("%s: expected signal %s, got %s %d", #stmt,	\
		      sigabbrev_np(sig),				\
		      WIFSIGNALED(_st) ? "signal" : "exit status",	\
		      WIFSIGNALED(_st) ? WTERMSIG(_st) : WEXITSTATUS(_st)); \
} while (0)

int harness_main(int argc, char **argv);

#ifdef HARNESS_IMPLEMENTATION
struct harness_test harness_tests[HARNESS_MAX_TESTS];
int harness_ntests;

static int harness_selected(const char *name, int argc, char **argv)
{
	int i;

	if (argc <= 1)
		return 1;
	for (i = 1; i < argc; i++)
		if (!strncmp(name, argv[i], strlen(argv[i])))
			return 1;
	return 0;
}

/* One line of a test's output: a verdict message, or a note passed on. */
static void harness_line(const char *line, char *msg, size_t msglen)
{
	if (!strncmp(line, "#FAIL ", 6) || !strncmp(line, "#SKIP ", 6))
		snprintf(msg, msglen, "%.1000s", line + 6);
	else
		printf("%s\n", line);
}

/*
 * Reads the child's output so the verdict line carries its message.  It
 * stops when the test process has exited, not at EOF: a grandchild the
 * test left behind may hold the pipe open.
 */
static void harness_run_one(const struct harness_test *t, unsigned int limit,
			    int *pass, int *fail, int *skip)
{
	char buf[8192], msg[1024] = "";
	struct timespec t0, t1;
	size_t have = 0;
	int pfd[2], st = 0, reaped = 0;
	double took;
	pid_t pid;

	if (pipe(pfd) < 0) {
		perror("pipe");
		exit(1);
	}
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		exit(1);
	}
	if (pid == 0) {
		close(pfd[0]);
		dup2(pfd[1], STDOUT_FILENO);
		close(pfd[1]);
		setpgid(0, 0);
		alarm(limit);
		t->fn();
		fflush(stdout);
		_exit(0);
	}
	close(pfd[1]);
	for (;;) {
		struct pollfd p = { .fd = pfd[0], .events = POLLIN };
		ssize_t n = 0;
		char *nl;

		if (!reaped && waitpid(pid, &st, WNOHANG) == pid)
			reaped = 1;
		if (poll(&p, 1, reaped ? 0 : 50) > 0) {
			n = read(pfd[0], buf + have, sizeof(buf) - 1 - have);
			if (n > 0)
				have += n;
		}
		buf[have] = '\0';
		while ((nl = strchr(buf, '\n'))) {
			*nl = '\0';
			harness_line(buf, msg, sizeof(msg));
			have -= nl + 1 - buf;
			memmove(buf, nl + 1, have + 1);
		}
		if (have == sizeof(buf) - 1) {	/* a very long line */
			harness_line(buf, msg, sizeof(msg));
			have = 0;
		}
		if (n <= 0 && reaped)
			break;		/* exited, and nothing more to read now */
	}
	if (have) {
		buf[have] = '\0';
		harness_line(buf, msg, sizeof(msg));
	}
	close(pfd[0]);
	kill(-pid, SIGKILL);	/* leftovers of the test's process group */
	clock_gettime(CLOCK_MONOTONIC, &t1);
	took = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (took * 2 > limit)
		printf("# %s.%s took %.0f s of its %u s limit\n", harness_suite,
		       t->name, took, limit);

	if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
		printf("PASS %s.%s\n", harness_suite, t->name);
		(*pass)++;
	} else if (WIFEXITED(st) && WEXITSTATUS(st) == HARNESS_SKIP_STATUS) {
		printf("SKIP %s.%s: %s\n", harness_suite, t->name,
		       msg[0] ? msg : "no reason given");
		(*skip)++;
	} else {
		if (!msg[0] && WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM)
			snprintf(msg, sizeof(msg),
				 "timed out after %u s (its limit times MAPDEV_TEST_SLOWDOWN)",
				 limit);
		else if (!msg[0] && WIFSIGNALED(st))
			snprintf(msg, sizeof(msg), "killed by signal %s",
				 sigabbrev_np(WTERMSIG(st)) ?: "?");
		else if (!msg[0])
			snprintf(msg, sizeof(msg), "exit status %d",
				 WEXITSTATUS(st));
		printf("FAIL %s.%s: %s\n", harness_suite, t->name, msg);
		(*fail)++;
	}
	fflush(stdout);
}

/* MAPDEV_TEST_SLOWDOWN: a whole number from 1 to 20; a bad one stops the run. */
static unsigned int harness_slowdown(void)
{
	const char *s = getenv("MAPDEV_TEST_SLOWDOWN");
	char *end;
	long v;

	if (!s || !*s)
		return 1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (*s < '0' || *s > '9' || errno || *end || v < 1 || v > 20) {
		fprintf(stderr, "%s: MAPDEV_TEST_SLOWDOWN=%s: want a whole number "
			"from 1 to 20 (what each test's time limit is multiplied by)\n",
			harness_suite, s);
		exit(2);
	}
	return v;
}

int harness_main(int argc, char **argv)
{
	int i, pass = 0, fail = 0, skip = 0, planned = 0;
	unsigned int slowdown = harness_slowdown();

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; i < harness_ntests; i++)
		planned += harness_selected(harness_tests[i].name, argc, argv);
	/* The count first, so a binary that dies later is seen to be short. */
	printf("PLAN %s %d\n", harness_suite, planned);
	fflush(stdout);
	for (i = 0; i < harness_ntests; i++)
		if (harness_selected(harness_tests[i].name, argc, argv))
			harness_run_one(&harness_tests[i],
					harness_tests[i].timeout * slowdown,
					&pass, &fail, &skip);
	printf("%s: %d passed, %d failed, %d skipped\n", harness_suite, pass,
	       fail, skip);
	return fail ? 1 : 0;
}

int main(int argc, char **argv)
{
	return harness_main(argc, argv);
}
#endif /* HARNESS_IMPLEMENTATION */

#endif /* MAPDEV_TEST_HARNESS_H */
