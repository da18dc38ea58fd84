// SPDX-License-Identifier: GPL-2.0
/*
 * The man pages under docs/man/: man -l renders each without a warning,
 * mapdev(1) documents every subcommand and every --json field the tool
 * prints, and libmapdev(3) names every function of <mapdev.h>.
 */
#define HARNESS_IMPLEMENTATION
#include "../harness.h"
#include "testutil.h"

#include <ctype.h>

const char *harness_suite = "man";

static const char *man_path(void)
{
	if (!access("/usr/bin/man", X_OK))
		return "/usr/bin/man";
	if (!access("/bin/man", X_OK))
		return "/bin/man";
	SKIP("man (man-db) is not installed");
}

static const char *page(const char *name)
{
	static char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/docs/man/%s", tu_srcdir(), name);
	if (access(p, R_OK))
		FAILF("%s: %s", p, strerror(errno));
	return p;
}

/* man --warnings -l: stdout is the page, stderr must stay empty. */
static char *render(const char *name)
{
	char *argv[] = { (char *)man_path(), "--warnings", "-l",
			 (char *)page(name), NULL };
	char *env[] = { "MANWIDTH=80", "MANPAGER=cat", "PAGER=cat",
			"LC_ALL=C.UTF-8", NULL };
	struct tu_run r;

	tu_runv(&r, argv, env);
	if (r.status)
		FAILF("man -l %s: exit %d: %s", name, r.status, r.err);
	if (r.err[0])
		FAILF("man -l %s warns:\n%s", name, r.err);
	if (strlen(r.out) < 1000)
		FAILF("man -l %s rendered only %zu bytes", name,
		      strlen(r.out));
	free(r.err);
	return r.out;
}

TEST(mapdev_1_renders_cleanly)
{
	render("mapdev.1");
}

TEST(libmapdev_3_renders_cleanly)
{
	render("libmapdev.3");
}

#define EXPECT_IN(hay, needle) do {					\
	if (!strstr((hay), (needle)))					\
		FAILF("'%s' is not in the page", (needle));		\
} while (0)

TEST(mapdev_1_documents_every_command)
{
	static const char *const want[] = {
		"buf create NAME SIZE", "buf list", "buf info NAME",
		"buf rm NAME", "peek DEVICE OFFSET", "poke DEVICE OFFSET VALUE",
		"dump DEVICE", "fill DEVICE PATTERN", "maps [PID]",
		"--backend", "--cache", "--summary", "--smaps", "--json",
		"--raw", "--offset", "--length", "--width", "--seed",
		"--quiet", "--color", "EXIT STATUS", "REGION:OFFSET",
		"coherent", "contig", "sg", "uncached", "wc",
		"zero", "ones", "incr", "random",
		"pci bind BDF", "pci unbind BDF", "pci info BDF", "pci list",
		"pci irq BDF", "--reprobe", "--count", "--timeout",
		"pci-DDDD:BB:DD.F", "driver_override",
	};
	static const char *const kinds[] = {
		"text", "data", "bss", "heap", "stack", "vdso", "vvar",
		"vsyscall", "anon", "shm", "file", "device",
	};
	char *out = render("mapdev.1");
	size_t i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		EXPECT_IN(out, want[i]);
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		char k[32];

		snprintf(k, sizeof(k), "\n       %s\n", kinds[i]);
		if (!strstr(out, k)) {
			snprintf(k, sizeof(k), "\n       %s ", kinds[i]);
			EXPECT_IN(out, k);
		}
	}
}

TEST(mapdev_1_documents_the_json_fields)
{
	static const char *const fields[] = {
		/* maps --json */
		"\"pid\"", "\"command\"", "\"total_kib\"", "\"mappings\"",
		"\"start\"", "\"end\"", "\"size_kib\"", "\"perms\"",
		"\"offset\"", "\"dev\"", "\"dev_name\"", "\"inode\"",
		"\"path\"", "\"deleted\"", "\"kind\"", "\"rdev\"",
		"\"rdev_name\"", "\"mapdev\"", "\"region\"",
		"\"region_name\"", "\"backend\"", "\"cache\"", "\"size\"",
		"\"dma_addr\"", "rss_kib", "pss_kib", "swap_kib",
		"\"summary\"", "\"count\"",
		/* buf list/info --json */
		"\"name\"", "\"map_count\"", "\"open_count\"", "\"device\"",
		"regions", "\"index\"", "\"flags\"", "\"nr_segments\"",
		/* peek --json */
		"\"width\"", "\"value\"",
		/* pci list/info/irq --json */
		"\"bdf\"", "\"vendor\"", "\"device_id\"", "\"class\"",
		"\"driver\"", "\"interrupt\"", "\"irq\"", "\"received\"",
	};
	char *out = render("mapdev.1");
	size_t i;

	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		EXPECT_IN(out, fields[i]);
}

/* Every "mapdev_xxx(" declared in lib/include/mapdev.h. */
TEST(libmapdev_3_names_every_function)
{
	char hdr[PATH_MAX], *text, *p;
	size_t len = 0, n = 0;
	char *src;
	FILE *f;

	snprintf(hdr, sizeof(hdr), "%s/lib/include/mapdev.h", tu_srcdir());
	f = fopen(hdr, "re");
	CHECK(f);
	text = calloc(1, 1 << 20);
	CHECK(text);
	len = fread(text, 1, (1 << 20) - 1, f);
	fclose(f);
	CHECK(len > 0);

	f = fopen(page("libmapdev.3"), "re");
	CHECK(f);
	src = calloc(1, 1 << 20);
	CHECK(src);
	CHECK(fread(src, 1, (1 << 20) - 1, f) > 0);
	fclose(f);

	for (p = text; (p = strstr(p, "mapdev_")); ) {
		char name[128];
		size_t k = 0;
		const char *q = p;

		while ((isalnum((unsigned char)*q) || *q == '_') &&
		       k < sizeof(name) - 1)
			name[k++] = *q++;
		name[k] = '\0';
		p = (char *)q;
		/* Functions: a name followed by '(' (comments name them so). */
		if (*q != '(')
			continue;
		n++;
		if (strstr(src, name))
			continue;
		/* The vma accessors are listed by their suffix. */
		if (!strncmp(name, "mapdev_vma_", 11)) {
			char suffix[128];

			snprintf(suffix, sizeof(suffix), "%s", name + 10);
			if (strstr(src, suffix))
				continue;
		}
		FAILF("%s is not in libmapdev.3", name);
	}
	CHECK(n > 60);
}
