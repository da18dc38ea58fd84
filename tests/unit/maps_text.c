// SPDX-License-Identifier: GPL-2.0
/*
 * libmapdev's maps parser against recorded maps and smaps text under
 * tests/unit/data/: a 64-bit process with mapdev and other device
 * mappings, a 32-bit one, odd paths (blanks, "(deleted)", [anon:name],
 * escaped newlines, a ~4000-character path), smaps fields, and malformed
 * text, which must fail with EINVAL and the number of the bad line.
 */
#define HARNESS_IMPLEMENTATION
#include "../harness.h"
#include "testutil.h"

#include <mapdev.h>

const char *harness_suite = "maps_text";

static struct mapdev_maps *load(const char *name, unsigned int flags)
{
	unsigned int bad = 0;
	struct mapdev_maps *m;

	m = mapdev_maps_read_file(tu_data(name),
				  flags | MAPDEV_MAPS_NO_RESOLVE, &bad);
	if (!m)
		FAILF("%s: %s (line %u)", tu_data(name), strerror(errno), bad);
	CHECK_EQ(bad, 0);
	return m;
}

static const struct mapdev_vma *at(const struct mapdev_maps *m, size_t i)
{
	const struct mapdev_vma *v = mapdev_maps_get(m, i);

	if (!v)
		FAILF("no mapping %zu", i);
	return v;
}

static void expect_kinds(const struct mapdev_maps *m, const char *const *k,
			 size_t n)
{
	size_t i;

	CHECK_EQ(mapdev_maps_count(m), n);
	for (i = 0; i < n; i++) {
		const char *got = mapdev_vma_kind_name(
			mapdev_vma_kind(at(m, i)));

		if (strcmp(got, k[i]))
			FAILF("mapping %zu (%s) is %s, expected %s", i,
			      mapdev_vma_path(at(m, i)) ?: "anonymous", got,
			      k[i]);
	}
}

#define STREQ(a, b) do {						\
	const char *_a = (a), *_b = (b);				\
	if (!_a || !_b || strcmp(_a, _b))				\
		FAILF("%s is \"%s\", expected \"%s\"", #a,		\
		      _a ?: "(null)", _b ?: "(null)");			\
} while (0)

TEST(x86_64_kinds)
{
	static const char *const kinds[] = {
		"text", "text", "text", "text", "data", "bss", "heap",
		"device", "device", "device",
		"shm", "shm", "shm", "shm", "device", "file",
		"text", "text", "text", "text", "data", "bss", "anon",
		"vvar", "vdso",
		"text", "text", "text", "text", "data", "stack", "vsyscall",
	};
	struct mapdev_maps *m = load("x86_64.maps", 0);

	expect_kinds(m, kinds, sizeof(kinds) / sizeof(kinds[0]));
	CHECK_EQ(mapdev_maps_total_kib(m), 69156);
	CHECK_EQ(mapdev_maps_pid(m), 0);
	CHECK(!mapdev_maps_has_smaps(m));
	mapdev_maps_free(m);
}

TEST(x86_64_fields)
{
	struct mapdev_maps *m = load("x86_64.maps", 0);
	const struct mapdev_vma *v = at(m, 1);

	CHECK_EQ(mapdev_vma_start(v), 0x55d6a3c02000ull);
	CHECK_EQ(mapdev_vma_end(v), 0x55d6a3c09000ull);
	CHECK_EQ(mapdev_vma_size(v), 7 * 4096);
	STREQ(mapdev_vma_perms(v), "r-xp");
	CHECK_EQ(mapdev_vma_prot(v), PROT_READ | PROT_EXEC);
	CHECK(!mapdev_vma_shared(v));
	CHECK_EQ(mapdev_vma_offset(v), 0x2000);
	CHECK_EQ(mapdev_vma_dev_major(v), 0xfe);
	CHECK_EQ(mapdev_vma_dev_minor(v), 1);
	CHECK_EQ(mapdev_vma_inode(v), 1835013);
	STREQ(mapdev_vma_path(v), "/usr/bin/grabber");
	CHECK(!mapdev_vma_deleted(v));
	/* No resolving asked for: no names. */
	CHECK(!mapdev_vma_dev_name(v));

	/* "00:00 0 " with a trailing blank, as older kernels wrote it. */
	v = at(m, 5);
	CHECK(!mapdev_vma_path(v));
	CHECK_EQ(mapdev_vma_inode(v), 0);

	v = at(m, 10);
	STREQ(mapdev_vma_path(v), "/dev/zero");
	CHECK(mapdev_vma_deleted(v));
	CHECK(mapdev_vma_shared(v));

	v = at(m, 22);
	STREQ(mapdev_vma_anon_name(v), "glibc malloc arena");

	v = at(m, 31);
	CHECK_EQ(mapdev_vma_start(v), 0xffffffffff600000ull);
	CHECK_EQ(mapdev_vma_prot(v), PROT_EXEC);
	mapdev_maps_free(m);
}

TEST(x86_64_mapdev)
{
	struct mapdev_maps *m = load("x86_64.maps", 0);
	const struct mapdev_vma *v;
	uint64_t dma = 1;

	v = at(m, 7);
	CHECK(mapdev_vma_is_mapdev(v));
	STREQ(mapdev_vma_mapdev_name(v), "frames");
	CHECK_EQ(mapdev_vma_mapdev_region(v), 0);
	CHECK_EQ(mapdev_vma_size(v), 64 << 20);
	/* Not resolved: nothing from sysfs or the device. */
	CHECK(!mapdev_vma_mapdev_backend(v));
	CHECK(!mapdev_vma_mapdev_dma_addr(v, &dma));
	CHECK_EQ(dma, 1);

	/* Offset 1 << 40: region 1. */
	v = at(m, 8);
	CHECK(mapdev_vma_is_mapdev(v));
	STREQ(mapdev_vma_mapdev_name(v), "edu0");
	CHECK_EQ(mapdev_vma_mapdev_region(v), 1);
	CHECK_EQ(mapdev_vma_offset(v), 1ull << 40);

	/* /dev/mem is a device, not a mapdev one; nor is a dma-buf. */
	CHECK(!mapdev_vma_is_mapdev(at(m, 9)));
	CHECK(!mapdev_vma_mapdev_name(at(m, 9)));
	CHECK(!mapdev_vma_is_mapdev(at(m, 14)));
	mapdev_maps_free(m);
}

TEST(i386_style)
{
	static const char *const kinds[] = {
		"text", "data", "heap", "text", "data", "bss", "device",
		"stack", "vdso",
	};
	struct mapdev_maps *m = load("i386.maps", 0);
	const struct mapdev_vma *v;

	expect_kinds(m, kinds, sizeof(kinds) / sizeof(kinds[0]));
	CHECK_EQ(mapdev_maps_total_kib(m), 252);
	v = at(m, 0);
	CHECK_EQ(mapdev_vma_start(v), 0x08048000);
	CHECK_EQ(mapdev_vma_dev_major(v), 3);
	CHECK_EQ(mapdev_vma_dev_minor(v), 1);
	v = at(m, 6);
	CHECK_EQ(mapdev_vma_offset(v), 0xa0000);
	CHECK(mapdev_vma_shared(v));
	v = at(m, 7);
	CHECK_EQ(mapdev_vma_prot(v), PROT_READ | PROT_WRITE | PROT_EXEC);
	CHECK_EQ(mapdev_vma_offset(v), 0xfffff000);
	CHECK(mapdev_maps_find(m, 0xbfffffff) == v);
	CHECK(!mapdev_maps_find(m, 0xc0000000));
	mapdev_maps_free(m);
}

TEST(odd_paths)
{
	struct mapdev_maps *m = load("odd_paths.maps", 0);
	char longp[8192];
	FILE *f;

	CHECK_EQ(mapdev_maps_count(m), 12);
	CHECK_EQ(mapdev_maps_total_kib(m), 48);
	STREQ(mapdev_vma_path(at(m, 0)), "/tmp/dir with spaces/file name");
	/* Trailing blanks belong to the name. */
	STREQ(mapdev_vma_path(at(m, 1)), "/tmp/trailing blanks  ");
	STREQ(mapdev_vma_path(at(m, 2)), "/tmp/was here");
	CHECK(mapdev_vma_deleted(at(m, 2)));
	/* Only a " (deleted)" at the very end is the kernel's mark. */
	STREQ(mapdev_vma_path(at(m, 3)), "/tmp/not (deleted) really");
	CHECK(!mapdev_vma_deleted(at(m, 3)));
	STREQ(mapdev_vma_path(at(m, 4)), "/tmp/spaced (deleted)");
	CHECK(mapdev_vma_deleted(at(m, 4)));

	STREQ(mapdev_vma_path(at(m, 5)), "[anon:my buffer: 1]");
	STREQ(mapdev_vma_anon_name(at(m, 5)), "my buffer: 1");
	CHECK_EQ(mapdev_vma_kind(at(m, 5)), MAPDEV_VMA_ANON);
	STREQ(mapdev_vma_anon_name(at(m, 6)), "shared ring");
	CHECK_EQ(mapdev_vma_kind(at(m, 6)), MAPDEV_VMA_SHM);

	/* The kernel's escape for a newline stays as it is. */
	STREQ(mapdev_vma_path(at(m, 7)), "/tmp/new\\012line");

	f = fopen(tu_data("long_path.txt"), "re");
	CHECK(f);
	CHECK(fgets(longp, sizeof(longp), f));
	fclose(f);
	longp[strcspn(longp, "\n")] = '\0';
	CHECK(strlen(longp) > 3900);
	STREQ(mapdev_vma_path(at(m, 8)), longp);
	CHECK_EQ(mapdev_vma_kind(at(m, 8)), MAPDEV_VMA_FILE);

	STREQ(mapdev_vma_path(at(m, 9)), "/tmp/\xc3\xbcn\xc3\xaf" "c\xc3\xb6"
	      "d\xc3\xa9");
	/* No blank at all after the inode. */
	CHECK(!mapdev_vma_path(at(m, 10)));
	CHECK_EQ(mapdev_vma_kind(at(m, 10)), MAPDEV_VMA_ANON);
	CHECK_EQ(mapdev_vma_prot(at(m, 11)), 0);
	CHECK_EQ(mapdev_vma_kind(at(m, 11)), MAPDEV_VMA_ANON);
	mapdev_maps_free(m);
}

TEST(smaps_fields)
{
	struct mapdev_maps *m = load("sample.smaps", MAPDEV_MAPS_SMAPS);
	const struct mapdev_vma *v;

	CHECK(mapdev_maps_has_smaps(m));
	CHECK_EQ(mapdev_maps_count(m), 3);
	CHECK_EQ(mapdev_maps_total_kib(m), 65676);
	v = at(m, 0);
	CHECK_EQ(mapdev_vma_rss_kib(v), 8);
	CHECK_EQ(mapdev_vma_pss_kib(v), 4);
	CHECK_EQ(mapdev_vma_swap_kib(v), 0);
	v = at(m, 1);
	CHECK_EQ(mapdev_vma_kind(v), MAPDEV_VMA_HEAP);
	CHECK_EQ(mapdev_vma_rss_kib(v), 100);
	CHECK_EQ(mapdev_vma_swap_kib(v), 28);
	CHECK_EQ(mapdev_vma_dirty_kib(v), 96);
	v = at(m, 2);
	CHECK(mapdev_vma_is_mapdev(v));
	CHECK_EQ(mapdev_vma_pss_kib(v), 32768);
	CHECK_EQ(mapdev_vma_dirty_kib(v), 65536);
	mapdev_maps_free(m);
}

static void expect_bad(const char *name, unsigned int flags,
		       unsigned int line)
{
	unsigned int bad = 12345;
	struct mapdev_maps *m;

	errno = 0;
	m = mapdev_maps_read_file(tu_data(name),
				  flags | MAPDEV_MAPS_NO_RESOLVE, &bad);
	if (m)
		FAILF("%s parsed, expected EINVAL at line %u", name, line);
	if (errno != EINVAL)
		FAILF("%s: %s, expected EINVAL", name, strerror(errno));
	if (bad != line)
		FAILF("%s: bad line %u, expected %u", name, bad, line);
}

TEST(malformed)
{
	expect_bad("bad-garbage.maps", 0, 3);
	expect_bad("bad-perms.maps", 0, 1);
	expect_bad("bad-backwards.maps", 0, 2);
	expect_bad("bad-overlap.maps", 0, 2);
	expect_bad("bad-truncated.maps", 0, 1);
	expect_bad("bad-blank.maps", 0, 2);
	expect_bad("bad-inode.maps", 0, 1);
	expect_bad("bad-overflow.maps", 0, 1);
	/* smaps lines are only smaps lines when smaps is asked for */
	expect_bad("bad-smaps-in-maps.maps", 0, 2);
	expect_bad("bad-field.smaps", MAPDEV_MAPS_SMAPS, 2);
	/* and smaps text still has to start with a mapping */
	expect_bad("sample.smaps", 0, 2);
}

TEST(parse_from_memory)
{
	static const char text[] =
		"00400000-00401000 r-xp 00000000 08:01 42 /a\n"
		"00401000-00402000 rw-p 00001000 08:01 42 /a";
	unsigned int bad = 7;
	struct mapdev_maps *m;

	/* Not NUL-terminated, no final newline: the length rules. */
	m = mapdev_maps_parse(text, sizeof(text) - 1,
			      MAPDEV_MAPS_NO_RESOLVE, &bad);
	CHECK(m);
	CHECK_EQ(bad, 0);
	CHECK_EQ(mapdev_maps_count(m), 2);
	CHECK_EQ(mapdev_vma_kind(at(m, 1)), MAPDEV_VMA_DATA);
	mapdev_maps_free(m);

	/* Cut in the middle of the second line's perms. */
	CHECK_ERRNO(mapdev_maps_parse(text, 66, MAPDEV_MAPS_NO_RESOLVE,
				      &bad) ? 0 : -1, EINVAL);
	CHECK_EQ(bad, 2);

	/* Empty text: no mappings (a kernel thread's maps). */
	m = mapdev_maps_parse("", 0, 0, NULL);
	CHECK(m);
	CHECK_EQ(mapdev_maps_count(m), 0);
	CHECK_EQ(mapdev_maps_total_kib(m), 0);
	mapdev_maps_free(m);

	/* A NUL inside a line. */
	CHECK_ERRNO(mapdev_maps_parse("00400000-00401000 r-xp 0 08:01 42 /\0a",
				      36, MAPDEV_MAPS_NO_RESOLVE, &bad) ?
		    0 : -1, EINVAL);
	CHECK_ERRNO(mapdev_maps_parse(NULL, 5, 0, NULL) ? 0 : -1, EINVAL);
	CHECK_ERRNO(mapdev_maps_read_file("/nonexistent/maps", 0, NULL) ?
		    0 : -1, ENOENT);
}

TEST(kind_names)
{
	unsigned int k;

	for (k = 0; k <= MAPDEV_VMA_KIND_MAX; k++)
		CHECK(mapdev_vma_kind_name(k));
	STREQ(mapdev_vma_kind_name(MAPDEV_VMA_BSS), "bss");
	STREQ(mapdev_vma_kind_name(MAPDEV_VMA_SHM), "shm");
	CHECK(!mapdev_vma_kind_name(MAPDEV_VMA_KIND_MAX + 1));
	CHECK_EQ(errno, EINVAL);
}
