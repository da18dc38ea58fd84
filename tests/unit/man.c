// SPDX-License-Identifier: GPL-2.0
/*
 * The man pages under docs/man/: man -l renders each without a warning,
 * mapdev(1) documents every subcommand and every --json field the tool
 * prints, libmapdev(3) names every function of <mapdev.h>, and every C
 * example of it builds, also against a staged install as it says.
 */
#define HARNESS_IMPLEMENTATION
#include "../harness.h"
#include "testutil.h"

#include <ctype.h>
#include <sys/wait.h>

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
		"buf info NAME [--segments]", "pci bind BDF [--force]",
		"pci buf create BDF NAME SIZE", "pci buf rm BDF NAME",
		"pci cache BDF REGION", "--dma-bits", "--force",
		"60-mapdev.rules", "usermod -aG mapdev", "0x60",
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
		"\"driver\"", "\"interrupt\"", "\"irq\"", "\"received\"", "\"vector\"",
		"\"timed_out\"", "\"owner\"", "\"segments\"", "\"len\"",
		"\"iommu\"", "\"reaches_all_memory\"",
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

/* ------------------------------------------------ the pages' examples */

/* The page's source, whole. */
static char *page_source(const char *name)
{
	size_t n;
	char *src = calloc(1, 1 << 20);
	FILE *f = fopen(page(name), "re");

	CHECK(src && f);
	n = fread(src, 1, (1 << 20) - 1, f);
	fclose(f);
	CHECK(n > 0);
	return src;
}

/* One .EX/.EE block from *pos on, as plain text (roff escapes undone). */
static char *next_example(const char **pos)
{
	const char *a = strstr(*pos, "\n.EX\n"), *b, *p;
	char *out, *o;

	if (!a)
		return NULL;
	a += 5;
	b = strstr(a, "\n.EE\n");
	CHECK(b);
	*pos = b + 4;
	out = calloc(1, b - a + 2);
	CHECK(out);
	for (p = a, o = out; p < b + 1; p++) {
		if (p[0] == '\\' && p[1] == 'e') {
			*o++ = '\\';
			p++;
		} else if (p[0] == '\\' && p[1] == '-') {
			*o++ = '-';
			p++;
		} else if (p[0] == '\\' && p[1] == '&') {
			p++;
		} else if (!strncmp(p, "\\(aq", 4)) {
			*o++ = '\'';
			p += 3;
		} else {
			*o++ = *p;
		}
	}
	return out;
}

/* cc with @args, the C text on stdin: exit status, diagnostics in *err. */
static int compile(const char *text, char *const args[], char **err)
{
	char *argv[32] = { "cc", "-x", "c", "-", "-std=gnu11", "-Wall",
			   "-Wextra", "-Werror", "-Wno-unused-parameter" };
	int in[2], res[2], st, i, n = 9;
	pid_t p;

	for (i = 0; args[i] && n < 30; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	CHECK_OK(pipe(in));
	CHECK_OK(pipe(res));
	fflush(stdout);
	p = fork();
	CHECK(p >= 0);
	if (!p) {
		dup2(in[0], 0);
		dup2(res[1], 1);
		dup2(res[1], 2);
		close(in[1]);
		close(res[0]);
		execvp("cc", argv);
		_exit(127);
	}
	close(in[0]);
	close(res[1]);
	if (write(in[1], text, strlen(text)) != (ssize_t)strlen(text))
		FAILF("writing to cc: %s", strerror(errno));
	close(in[1]);
	*err = tu_slurp_fd(res[0]);
	close(res[0]);
	CHECK_EQ(waitpid(p, &st, 0), p);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
		SKIP("no C compiler (cc)");
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/*
 * Every C example of libmapdev(3) (the .EX blocks of EXAMPLES holding
 * "main(") compiles and links as it is, against the tree's headers and
 * library: it includes what it uses, its calls have the documented
 * arguments.
 */
TEST(libmapdev_3_examples_compile)
{
	char inc1[PATH_MAX], inc2[PATH_MAX], lib[PATH_MAX], out[64];
	const char *src = page_source("libmapdev.3"), *pos;
	char *ex, *err;
	int n = 0;

	pos = strstr(src, "\n.SH EXAMPLES\n");
	CHECK(pos);
	snprintf(inc1, sizeof(inc1), "-I%s/include/uapi", tu_srcdir());
	snprintf(inc2, sizeof(inc2), "-I%s/lib/include", tu_srcdir());
	snprintf(lib, sizeof(lib), "%s/build/lib/libmapdev.a", tu_srcdir());
	if (access(lib, R_OK))
		snprintf(lib, sizeof(lib), "%s/../../lib/libmapdev.a",
			 tu_exe_dir());
	CHECK_OK(access(lib, R_OK));
	snprintf(out, sizeof(out), "/tmp/mapdev-man-ex-%d", (int)getpid());
	while ((ex = next_example(&pos))) {
		char *args[] = { inc1, inc2, "-o", out, "-x", "none", lib,
				 NULL };

		if (!strstr(ex, "main("))
			continue;
		n++;
		if (compile(ex, args, &err))
			FAILF("example %d of libmapdev.3 does not build:\n%s\n"
			      "--- the example:\n%s", n, err, ex);
		free(err);
		unlink(out);
	}
	/* The device, maps, buffer list and PCI examples. */
	CHECK_EQ(n, 4);
}

/*
 * The page's recipe for building against a staged install works: make
 * install DESTDIR=..., then pkg-config with PKG_CONFIG_PATH and
 * PKG_CONFIG_SYSROOT_DIR, and the program runs from the stage.
 */
TEST(libmapdev_3_staged_install_recipe)
{
	char stage[] = "/tmp/mapdev-stage-XXXXXX", cmd[4 * PATH_MAX];
	const char *src = page_source("libmapdev.3"), *pos;
	char *ex = NULL, *e;
	FILE *f;
	int st;

	CHECK(strstr(src, "PKG_CONFIG_SYSROOT_DIR=/tmp/stage"));
	if (access("/usr/bin/pkg-config", X_OK) &&
	    access("/usr/bin/pkgconf", X_OK))
		SKIP("pkg-config is not installed");
	pos = strstr(src, "\n.SH EXAMPLES\n");
	CHECK(pos);
	/* The buffer-list example: it runs anywhere, module or not. */
	while ((e = next_example(&pos)))
		if (strstr(e, "mapdev_buflist_read()"))
			ex = e;
	CHECK(ex);
	CHECK(mkdtemp(stage));
	snprintf(cmd, sizeof(cmd), "%s/ex.c", stage);
	f = fopen(cmd, "we");
	CHECK(f);
	fputs(ex, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd),
		 "set -e; cd '%s'; env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS "
		 "make -s --no-print-directory install DESTDIR='%s' "
		 "PREFIX=/usr/local >'%s/make.log' 2>&1; "
		 "PKG_CONFIG_PATH='%s/usr/local/lib/pkgconfig' "
		 "PKG_CONFIG_SYSROOT_DIR='%s' cc '%s/ex.c' -o '%s/ex' "
		 "$(PKG_CONFIG_PATH='%s/usr/local/lib/pkgconfig' "
		 "PKG_CONFIG_SYSROOT_DIR='%s' pkg-config --cflags --libs "
		 "mapdev) -Wl,-rpath,'%s/usr/local/lib'; '%s/ex' >/dev/null",
		 tu_srcdir(), stage, stage, stage, stage, stage, stage, stage,
		 stage, stage, stage);
	st = system(cmd);
	if (st) {
		snprintf(cmd, sizeof(cmd), "cat '%s/make.log' >&2", stage);
		st = system(cmd) ? st : st;
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", stage);
	if (system(cmd))
		FAILF("cannot remove %s", stage);
	if (st)
		FAILF("the staged install recipe failed (status %d)", st);
}
