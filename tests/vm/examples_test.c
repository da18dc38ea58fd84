// SPDX-License-Identifier: GPL-2.0
/*
 * examples/bufview.py, the numpy view of a buffer, run by Debian's python3
 * with python3-numpy: what the device (here: root's write()) put into the
 * buffer is what the array shows, and what the script writes through the
 * array is in the buffer (read back with pread(), not through a mapping).
 */
#define HARNESS_IMPLEMENTATION
#include "mapdev_test.h"

const char *harness_suite = "examples";

#define PYTHON "/usr/bin/python3"
#define SCRIPT "examples/bufview.py"
#define BUF "pyview"
#define BUF_SIZE (1UL << 20)
#define WORDS (BUF_SIZE / 4)

static void need_python(void)
{
	if (access("tests/harness.h", F_OK))
		SKIP("not run from the repository's top directory");
	if (access(SCRIPT, R_OK))
		FAILF("%s: %s", SCRIPT, strerror(errno));
	if (access(PYTHON, X_OK))
		SKIP("%s not installed (Debian's python3; make deps installs it)",
		     PYTHON);
	if (sh(PYTHON " -c 'import numpy' 2>/dev/null"))
		SKIP("numpy not importable by %s (Debian's python3-numpy; make deps installs it)",
		     PYTHON);
}

/* Runs the script on BUF with @args; its stdout into @out. */
static void run_script(const char *args, char *out, size_t len)
{
	char cmd[512];
	size_t n;
	FILE *p;
	int st;

	snprintf(cmd, sizeof(cmd), PYTHON " " SCRIPT " " BUF " %s", args);
	p = popen(cmd, "r");
	if (!p)
		FAILF("popen %s: %s", cmd, strerror(errno));
	n = fread(out, 1, len - 1, p);
	out[n] = '\0';
	st = pclose(p);
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st))
		FAILF("'%s' failed (status %d): %s", cmd, st, out);
}

/* The value of the line "KEY value..." of the script's output. */
static const char *field(const char *out, const char *key)
{
	static char val[256];
	size_t klen = strlen(key);
	const char *l;

	for (l = out; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		if (!strncmp(l, key, klen) && l[klen] == ' ') {
			size_t n = strcspn(l + klen + 1, "\n");

			snprintf(val, sizeof(val), "%.*s", (int)n, l + klen + 1);
			return val;
		}
	}
	FAILF("no '%s' line in the script's output: %s", key, out);
}

static uint32_t word(size_t i)
{
	return (uint32_t)(i * 2654435761u);
}

/* Python and numpy start slowly under TCG (over 9p): minutes on a busy machine. */
TEST_TIMEOUT(array_shows_the_buffer, 600)
{
	static uint32_t words[WORDS];
	unsigned long long sum = 0;
	char out[4096], want[256];
	size_t i;
	int fd;

	need_python();
	buf_create(BUF, BUF_SIZE, MAPDEV_BACKEND_SG, MAPDEV_CACHE_CACHED);
	for (i = 0; i < WORDS; i++) {
		words[i] = word(i);
		sum += words[i];
	}
	fd = buf_open(BUF, O_RDWR);
	CHECK_EQ(pwrite(fd, words, sizeof(words), 0), (ssize_t)sizeof(words));
	close(fd);

	run_script("--dtype uint32 --shape 256,1024 --head 3", out, sizeof(out));
	CHECK(strstr(out, "uint32[256, 1024]") != NULL);
	snprintf(want, sizeof(want), "%llu", sum);
	if (strcmp(field(out, "sum"), want))
		FAILF("the array's sum is %s, the buffer's %s", field(out, "sum"),
		      want);
	snprintf(want, sizeof(want), "%u %u %u", word(0), word(1), word(2));
	if (strcmp(field(out, "head"), want))
		FAILF("the array starts '%s', the buffer '%s'", field(out, "head"),
		      want);
	buf_destroy(BUF);
}

TEST_TIMEOUT(array_writes_land_in_the_buffer, 600)
{
	static uint16_t back[BUF_SIZE / 2];
	char out[4096];
	size_t i;
	int fd;

	need_python();
	buf_create(BUF, BUF_SIZE, MAPDEV_BACKEND_CONTIG, MAPDEV_CACHE_CACHED);
	run_script("--dtype uint16 --fill ramp", out, sizeof(out));
	fd = buf_open(BUF, O_RDONLY);
	CHECK_EQ(pread(fd, back, sizeof(back), 0), (ssize_t)sizeof(back));
	close(fd);
	for (i = 0; i < BUF_SIZE / 2; i++)
		if (back[i] != (uint16_t)i)
			FAILF("element %zu is %u after the ramp, not %u", i, back[i],
			      (unsigned int)(uint16_t)i);
	CHECK(!strcmp(field(out, "min"), "0 max 65535 mean 32767.5"));
	buf_destroy(BUF);
}

/* A shape bigger than the buffer is refused, and the buffer unchanged. */
TEST_TIMEOUT(shape_too_big_refused, 600)
{
	char cmd[256], zero[4096], back[4096];
	int fd;

	need_python();
	buf_create(BUF, 4096, MAPDEV_BACKEND_COHERENT, MAPDEV_CACHE_CACHED);
	snprintf(cmd, sizeof(cmd),
		 PYTHON " " SCRIPT " " BUF " --shape 4097 --fill 7 2>/dev/null");
	CHECK_EQ(sh("%s", cmd), 1);
	memset(zero, 0, sizeof(zero));
	fd = buf_open(BUF, O_RDONLY);
	CHECK_EQ(pread(fd, back, sizeof(back), 0), (ssize_t)sizeof(back));
	close(fd);
	CHECK(!memcmp(back, zero, sizeof(back)));
	buf_destroy(BUF);
}
