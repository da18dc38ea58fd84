// SPDX-License-Identifier: GPL-2.0
/*
 * VM tests of examples/nvme, the user-space NVMe driver on libmapdev,
 * against QEMU's nvme at 00:13.0 (scripts/vm --nvme IMG): data written
 * into the image file is what the driver reads, what it writes is in the
 * image file, its errors end with a clear message, and it leaves the
 * function unbound as it found it.
 */
#define HARNESS_IMPLEMENTATION
#include <stdbool.h>
#include "pci_util.h"

const char *harness_suite = "nvme";

#define NVME "build/examples/nvme"
#define LBA 512

static const char *image(void)
{
	const char *img = getenv("MAPDEV_NVME_IMAGE");

	if (!pci_present(NVME_BDF) || !img)
		SKIP("no NVMe controller at %s: scripts/vm --nvme IMG attaches one", NVME_BDF);
	if (access(NVME, X_OK))
		FAILF("%s is not built (make)", NVME);
	need_module("mapdev_pci", NULL);
	/* A driver the kernel gave it: the example binds only a free one. */
	sh("d=/sys/bus/pci/devices/" NVME_BDF "/driver; [ ! -e $d ] || echo " NVME_BDF " > $d/unbind");
	return img;
}

/* Runs @cmd; its output (stdout and stderr) into @out; its exit status. */
static int run(const char *cmd, char *out, size_t len)
{
	FILE *p = popen(cmd, "r");
	size_t n;
	int st;

	if (!p)
		FAILF("popen %s: %s", cmd, strerror(errno));
	n = fread(out, 1, len - 1, p);
	out[n] = '\0';
	st = pclose(p);
	return st == -1 || !WIFEXITED(st) ? -1 : WEXITSTATUS(st);
}

static void fill(uint8_t *b, size_t n, unsigned int seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = pattern(i, seed);
}

static void image_rw(const char *img, void *b, size_t n, off_t off, bool write)
{
	int fd = open(img, O_RDWR | O_CLOEXEC);

	CHECK(fd >= 0);
	if (write)
		CHECK_EQ(pwrite(fd, b, n, off), (ssize_t)n);
	else
		CHECK_EQ(pread(fd, b, n, off), (ssize_t)n);
	if (write)
		CHECK_OK(fsync(fd));
	close(fd);
}

TEST(identify_names_the_controller)
{
	char out[4096];

	image();
	CHECK_EQ(run(NVME " " NVME_BDF " identify 2>&1", out, sizeof(out)), 0);
	CHECK(strstr(out, "serial:    mapdev-nvme0\n"));
	CHECK(strstr(out, "model:     QEMU NVMe Ctrl\n"));
	CHECK(strstr(out, "lba size:  512\n"));
	CHECK(strstr(out, "namespace: 1, 32768 blocks, 16777216 bytes\n"));
	/* It bound the function, so it unbound it again. */
	CHECK(access("/dev/mapdev/pci-" NVME_BDF, F_OK) != 0);
}

/* 2 MiB: four transfers of 128 pages, each through a PRP list. */
TEST(read_returns_what_the_host_wrote)
{
	size_t n = 2 << 20;
	uint8_t *want = malloc(n), *got = malloc(n);
	const char *img = image();
	char cmd[256], out[4096];
	int fd;

	fill(want, n, 7);
	image_rw(img, want, n, 1 << 20, true);
	snprintf(cmd, sizeof(cmd), NVME " " NVME_BDF " read 2048 4096 > /tmp/nvme-read 2>&1");
	CHECK_EQ(run(cmd, out, sizeof(out)), 0);
	fd = open("/tmp/nvme-read", O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0);
	CHECK_EQ(read(fd, got, n), (ssize_t)n);
	close(fd);
	CHECK(!memcmp(want, got, n));
	free(want);
	free(got);
}

TEST(write_lands_in_the_image)
{
	size_t n = 1 << 20;
	uint8_t *want = malloc(n), *got = malloc(n);
	const char *img = image();
	char out[4096];
	int fd;

	fill(want, n, 11);
	fd = open("/tmp/nvme-write", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	CHECK_EQ(write(fd, want, n), (ssize_t)n);
	close(fd);
	CHECK_EQ(run(NVME " " NVME_BDF " write 10000 2048 < /tmp/nvme-write 2>&1", out,
		     sizeof(out)), 0);
	image_rw(img, got, n, 10000 * LBA, false);
	CHECK(!memcmp(want, got, n));
	free(want);
	free(got);
}

TEST(read_past_the_namespace_is_refused)
{
	char out[4096];

	image();
	CHECK_EQ(run(NVME " " NVME_BDF " read 32760 16 2>&1 >/dev/null", out, sizeof(out)), 1);
	CHECK(strstr(out, "past the end of namespace 1 (32768 blocks of 512 bytes)"));
	CHECK(access("/dev/mapdev/pci-" NVME_BDF, F_OK) != 0);
}

/* Its data buffer destroyed under it (the function unbound): SIGBUS, said. */
TEST(buffer_revoked_under_it)
{
	char out[4096];

	image();
	CHECK_EQ(run("( " NVME " " NVME_BDF " bench --qd 4 --seconds 20 & sleep 8; "
		     "echo " NVME_BDF " > /sys/bus/pci/drivers/mapdev_pci/unbind; wait $! ) 2>&1",
		     out, sizeof(out)), 1);
	CHECK(strstr(out, "SIGBUS: a mapping was revoked under the driver"));
}

/* @bdf's PCI command register, through sysfs: read, then @set if >= 0. */
static uint16_t pci_command(const char *bdf, int set)
{
	char path[128];
	uint16_t cmd;
	int fd;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", bdf);
	fd = open(path, O_RDWR | O_CLOEXEC);
	CHECK(fd >= 0);
	CHECK_EQ(pread(fd, &cmd, 2, 4), 2);
	if (set >= 0) {
		cmd = (uint16_t)set;
		CHECK_EQ(pwrite(fd, &cmd, 2, 4), 2);
	}
	close(fd);
	return cmd;
}

/*
 * A function whose memory decoding is off (its BAR then reads zeros under
 * QEMU): the controller cannot become ready.  The driver says so before
 * touching a register, names the fix, and leaves the binding it found.
 */
TEST(controller_that_cannot_become_ready_is_named)
{
	char out[4096];
	uint16_t cmd;

	image();
	pci_bind(NVME_BDF, NULL);
	cmd = pci_command(NVME_BDF, -1);
	CHECK(cmd & 2);
	pci_command(NVME_BDF, cmd & ~2);
	CHECK_EQ(run(NVME " " NVME_BDF " identify 2>&1", out, sizeof(out)), 1);
	pci_command(NVME_BDF, cmd);
	if (!strstr(out, NVME_BDF " does not decode memory (PCI command register") ||
	    !strstr(out, "cannot become ready") || !strstr(out, "setpci -s " NVME_BDF))
		FAILF("want \"does not decode memory ... cannot become ready\", got: %s", out);
	/* It found the function bound, so it is still bound. */
	CHECK(access("/dev/mapdev/pci-" NVME_BDF, F_OK) == 0);
	pci_release(NVME_BDF);
	/* And the controller works again. */
	CHECK_EQ(run(NVME " " NVME_BDF " identify 2>&1", out, sizeof(out)), 0);
}

TEST(bench_polls_and_takes_interrupts)
{
	char out[4096];

	image();
	CHECK_EQ(run(NVME " " NVME_BDF " bench --qd 2 --seconds 2 --json 2>&1", out, sizeof(out)), 0);
	CHECK(strstr(out, "\"mode\": \"poll\", \"qd\": 2"));
	CHECK(!strstr(out, "\"ios\": 0,"));
	CHECK_EQ(run(NVME " " NVME_BDF " bench --qd 1 --seconds 2 --irq --json 2>&1", out,
		     sizeof(out)), 0);
	CHECK(strstr(out, "\"mode\": \"irq\""));
	CHECK(!strstr(out, "\"ios\": 0,"));
}

/* The @n numbers of JSON array @key in @out, each at least @min. */
static void check_array(const char *out, const char *key, unsigned int n, long long min)
{
	const char *p = strstr(out, key);
	unsigned int i;
	char *end;

	CHECK(p != NULL);
	p += strlen(key);
	for (i = 0; i < n; i++) {
		long long v = strtoll(p, &end, 10);

		CHECK(end != p);
		if (v < min)
			FAILF("%s element %u is %lld, want at least %lld: %s", key, i, v, min, out);
		p = end;
		if (i + 1 < n) {
			CHECK(*p == ',');
			p++;
		}
	}
	CHECK(*p == ']');
}

/*
 * One I/O queue pair per vector: four pairs, the reads spread over them,
 * each pair's completions waking the process on its own MSI-X vector; and
 * the counts it refuses.  The function is free again after each.
 */
TEST(bench_queue_pairs_each_on_its_vector)
{
	char out[4096];

	image();
	CHECK_EQ(run(NVME " " NVME_BDF " bench --qd 4 --queues 4 --seconds 2 --irq --json 2>&1",
		     out, sizeof(out)), 0);
	printf("# %s", out);
	CHECK(strstr(out, "\"mode\": \"irq\", \"qd\": 4, \"queues\": 4,"));
	check_array(out, "\"queue_ios\": [", 4, 1);
	check_array(out, "\"queue_irqs\": [", 4, 1);
	CHECK(access("/dev/mapdev/pci-" NVME_BDF, F_OK) != 0);
	CHECK_EQ(run(NVME " " NVME_BDF " bench --qd 8 --queues 2 --seconds 1 --json 2>&1",
		     out, sizeof(out)), 0);
	check_array(out, "\"queue_ios\": [", 2, 1);
	check_array(out, "\"queue_irqs\": [", 2, 0);

	CHECK_EQ(run(NVME " " NVME_BDF " bench --queues 0 2>&1", out, sizeof(out)), 1);
	CHECK(strstr(out, "--queues must be 1 to 8"));
	CHECK_EQ(run(NVME " " NVME_BDF " bench --qd 16 --queues 9 2>&1", out, sizeof(out)), 1);
	CHECK(strstr(out, "--queues must be 1 to 8"));
	CHECK_EQ(run(NVME " " NVME_BDF " bench --qd 2 --queues 4 2>&1", out, sizeof(out)), 1);
	CHECK(strstr(out, "--qd at least --queues"));
	CHECK(access("/dev/mapdev/pci-" NVME_BDF, F_OK) != 0);
}
