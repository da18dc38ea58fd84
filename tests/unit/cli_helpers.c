// SPDX-License-Identifier: GPL-2.0
/*
 * The mapdev command's own helpers (tools/common.c), compiled in here:
 * human sizes that never pass a rounded value for an exact one, and the
 * progress line, which leaves a clean line behind on any terminal.
 */
#define HARNESS_IMPLEMENTATION
#include "../harness.h"
#include "testutil.h"

#include <pty.h>

#include "../../tools/common.c"

const char *harness_suite = "cli_helpers";

TEST(human_sizes)
{
	static const struct {
		uint64_t bytes;
		const char *want;
	} c[] = {
		{ 0, "0" }, { 1, "1" }, { 1023, "1023" }, { 1024, "1K" },
		{ 4096, "4K" }, { 8192, "8K" },
		/* Not 4.0K: 4097 bytes is not 4 KiB. */
		{ 4097, "4097" }, { 4095, "4095" }, { 10241, "~10.0K" },
		{ 1536, "1536" }, { 1572864, "1536K" }, { 10 << 20, "10M" },
		{ 16383ull << 20, "~16.0G" },
		{ 64ull << 20, "64M" }, { 1200ull << 20, "1200M" },
		{ 1ull << 30, "1G" }, { (1ull << 30) + 1, "~1.0G" },
		{ 16ull << 40, "16T" }, { UINT64_MAX, "~16.0E" },
	};
	char buf[32];
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		if (strcmp(human_size(c[i].bytes, buf, sizeof(buf)),
			   c[i].want))
			FAILF("%" PRIu64 " bytes: '%s', expected '%s'",
			      c[i].bytes, buf, c[i].want);
}

/* What progress wrote to a terminal on stderr. */
static char *progress_output(void)
{
	static char out[4096];
	struct progress p;
	int m, s, saved;
	ssize_t n, got = 0;

	if (openpty(&m, &s, NULL, NULL, NULL))
		SKIP("no pseudo-terminal: %s", strerror(errno));
	saved = dup(2);
	CHECK(saved >= 0);
	dup2(s, 2);
	progress_start(&p, "fill", 64ull << 20, true);
	CHECK(p.on);
	progress_update(&p, 1ull << 20);
	progress_end(&p);
	dup2(saved, 2);
	close(saved);
	close(s);
	fcntl(m, F_SETFL, O_NONBLOCK);
	while ((n = read(m, out + got, sizeof(out) - 1 - got)) > 0)
		got += n;
	out[got] = '\0';
	close(m);
	return out;
}

TEST(progress_leaves_a_clean_line)
{
	const char *out = progress_output();
	const char *last = strrchr(out, '\r');
	size_t longest = 0, cur = 0;
	const char *p;

	if (!strstr(out, "fill: 1M / 64M"))
		FAILF("no progress line in '%s'", out);
	CHECK(strstr(out, "fill: 64M / 64M (100%)"));
	/* No escape sequence a dumb terminal would print as text. */
	CHECK(!strchr(out, '\033'));
	/* It ends with the line blanked: CR, as many spaces as it had, CR. */
	CHECK(last && last[1] == '\0');
	for (p = out; *p; p++) {
		if (*p == '\r' || *p == '\n') {
			if (cur > longest && p[-1] != ' ')
				longest = cur;
			cur = 0;
		} else {
			cur++;
		}
	}
	p = last - 1;
	cur = 0;
	while (p >= out && *p == ' ') {
		p--;
		cur++;
	}
	CHECK(p >= out && *p == '\r');
	if (cur < longest)
		FAILF("blanked %zu columns of a %zu-column line", cur,
		      longest);
}
