// SPDX-License-Identifier: GPL-2.0
/*
 * The udev rule (udev/60-mapdev.rules, installed by mapdev-tools as
 * /usr/lib/udev/rules.d/60-mapdev.rules) under Debian's systemd-udevd,
 * started here in the guest: the group mapdev gets read and write on
 * mapdev_buf's nodes (buffers made at load or at run time, buf-control),
 * so a member maps a buffer and an outsider gets EACCES; a PCI function's
 * node, its DMA buffers and physical ranges stay root's (0600); the nodes
 * keep devtmpfs's names, and devtmpfs alone makes them root's.
 *
 * The guest's root is the host's, read-only: the rule goes to
 * /run/udev/rules.d (MAPDEV_UDEV_RULES names another copy, e.g. the one
 * the package installed), and when the host has no group mapdev (the
 * package is not installed there), the suite bind-mounts an /etc/group
 * with one over the host's for its run.  Set up once, before the tests
 * (the constructor below), torn down when the suite ends.
 */
#define HARNESS_IMPLEMENTATION
#include <grp.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include "pci_util.h"

const char *harness_suite = "udev";

#define STATE_DIR "/run/mapdev-udev-test"
#define RULE_DST "/run/udev/rules.d/60-mapdev.rules"
#define MEMBER_UID 61000	/* in group mapdev */
#define OUTSIDER_UID 61001	/* in no group */
#define SPARE_GID 61100		/* for group mapdev when the host has none */

static char setup_skip[256], setup_fail[512];
static pid_t udevd_pid = -1;
static int group_mounted;
static gid_t mapdev_gid;

static const char *udevd_binary(void)
{
	static const char * const paths[] = {
		"/usr/lib/systemd/systemd-udevd", "/lib/systemd/systemd-udevd",
	};
	unsigned int i;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (!access(paths[i], X_OK))
			return paths[i];
	return NULL;
}

/* Group mapdev, from the host's /etc/group or from ours over it. */
static int setup_group(void)
{
	struct group *g = getgrnam("mapdev");
	FILE *f;

	if (g) {
		mapdev_gid = g->gr_gid;
		return 0;
	}
	if (getgrgid(SPARE_GID)) {
		snprintf(setup_fail, sizeof(setup_fail),
			 "no group mapdev, and gid %d is taken", SPARE_GID);
		return -1;
	}
	if (sh("cp /etc/group " STATE_DIR "/group")) {
		snprintf(setup_fail, sizeof(setup_fail), "cannot copy /etc/group");
		return -1;
	}
	f = fopen(STATE_DIR "/group", "a");
	if (!f || fprintf(f, "mapdev:x:%d:\n", SPARE_GID) < 0 || fclose(f)) {
		snprintf(setup_fail, sizeof(setup_fail), "cannot write %s/group",
			 STATE_DIR);
		return -1;
	}
	if (mount(STATE_DIR "/group", "/etc/group", NULL, MS_BIND, NULL)) {
		snprintf(setup_fail, sizeof(setup_fail),
			 "bind-mount over /etc/group: %s", strerror(errno));
		return -1;
	}
	group_mounted = 1;
	mapdev_gid = SPARE_GID;
	return 0;
}

/* systemd-udevd in the foreground, a child of the suite's process. */
static int start_udevd(const char *udevd)
{
	int i;

	udevd_pid = fork();
	if (udevd_pid < 0)
		return -1;
	if (udevd_pid == 0) {
		int fd = open(STATE_DIR "/udevd.log",
			      O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		setsid();
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execl(udevd, udevd, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 200; i++) {
		if (!sh("udevadm control --ping --timeout=1 2>/dev/null"))
			return 0;
		if (waitpid(udevd_pid, NULL, WNOHANG) == udevd_pid) {
			udevd_pid = -1;
			break;
		}
		usleep(50000);
	}
	snprintf(setup_fail, sizeof(setup_fail),
		 "%s did not start (its log: %s/udevd.log)", udevd, STATE_DIR);
	return -1;
}

__attribute__((constructor)) static void udev_setup(void)
{
	const char *vm = getenv("MAPDEV_VM");
	const char *rule = getenv("MAPDEV_UDEV_RULES");
	const char *udevd;

	if (!vm || strcmp(vm, "1")) {
		snprintf(setup_skip, sizeof(setup_skip),
			 "not inside the test VM (run it through scripts/vm)");
		return;
	}
	udevd = udevd_binary();
	if (!udevd) {
		snprintf(setup_skip, sizeof(setup_skip),
			 "systemd-udevd not installed (Debian's udev; make deps installs it)");
		return;
	}
	if (!rule || !*rule)
		rule = "udev/60-mapdev.rules";
	if (access(rule, R_OK)) {
		snprintf(setup_fail, sizeof(setup_fail), "the rule %s: %s", rule,
			 strerror(errno));
		return;
	}
	if (sh("mkdir -p " STATE_DIR " /run/udev/rules.d && cp '%s' " RULE_DST,
	       rule)) {
		snprintf(setup_fail, sizeof(setup_fail), "cannot copy %s to %s",
			 rule, RULE_DST);
		return;
	}
	if (setup_group())
		return;
	/* The tests load them under udev; nothing of an earlier suite stays. */
	sh("rmmod mapdev_buf mapdev_phys 2>/dev/null");
	if (start_udevd(udevd))
		return;
	sh("udevadm settle --timeout=30");
}

__attribute__((destructor)) static void udev_teardown(void)
{
	if (udevd_pid > 0) {
		/* A test that failed may have left the queue stopped. */
		sh("udevadm control --start-exec-queue 2>/dev/null");
		sh("udevadm settle --timeout=30");
		kill(udevd_pid, SIGTERM);
		waitpid(udevd_pid, NULL, 0);
		udevd_pid = -1;
		sh("rmmod mapdev_buf mapdev_phys 2>/dev/null");
	}
	if (group_mounted && umount("/etc/group"))
		fprintf(stderr, "udev: cannot unmount /etc/group: %s\n",
			strerror(errno));
	group_mounted = 0;
	unlink(RULE_DST);
}

static void need_udev(void)
{
	if (setup_skip[0])
		SKIP("%s", setup_skip);
	if (setup_fail[0])
		FAILF("setting up udev: %s", setup_fail);
	if (udevd_pid <= 0 || kill(udevd_pid, 0))
		FAILF("systemd-udevd is not running (its log: %s/udevd.log)",
		      STATE_DIR);
}

static void settle(void)
{
	if (sh("udevadm settle --timeout=60"))
		FAILF("udevadm settle failed or timed out");
}

/* The node /dev/mapdev/@name is a char device of @uid:@gid, mode @mode. */
static void check_node(const char *name, uid_t uid, gid_t gid, mode_t mode)
{
	char path[128];
	struct stat st;

	snprintf(path, sizeof(path), "/dev/mapdev/%s", name);
	if (stat(path, &st))
		FAILF("stat %s: %s", path, strerror(errno));
	if (!S_ISCHR(st.st_mode))
		FAILF("%s is not a character device", path);
	if (st.st_uid != uid || st.st_gid != gid || (st.st_mode & 07777) != mode)
		FAILF("%s is %u:%u mode %04o, expected %u:%u mode %04o", path,
		      (unsigned int)st.st_uid, (unsigned int)st.st_gid,
		      (unsigned int)(st.st_mode & 07777), (unsigned int)uid,
		      (unsigned int)gid, (unsigned int)mode);
}

static void check_group_rw(const char *name)
{
	check_node(name, 0, mapdev_gid, 0660);
}

static void check_root_only(const char *name)
{
	check_node(name, 0, 0, 0600);
}

/* Become @uid, in group mapdev or in none; in a child only. */
static void become(uid_t uid, int member)
{
	gid_t groups[1] = { mapdev_gid };

	if (setgroups(member ? 1 : 0, groups) || setgid(uid) || setuid(uid))
		_exit(100);
	if (!geteuid())
		_exit(101);
}

/* Runs @fn as @uid (a member of mapdev or not); fails the test unless it
 * exits 0.  @fn's exit status says which of its steps failed. */
static void run_as(uid_t uid, int member, int (*fn)(const char *),
		   const char *arg)
{
	pid_t pid;
	int st;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		FAILF("fork: %s", strerror(errno));
	if (pid == 0) {
		become(uid, member);
		_exit(fn(arg));
	}
	if (waitpid(pid, &st, 0) != pid)
		FAILF("waitpid: %s", strerror(errno));
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		FAILF("as uid %u (%s group mapdev) on %s: step %d failed (100: could not drop root)",
		      (unsigned int)uid, member ? "in" : "not in", arg,
		      WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

static int open_errno(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC);

	if (fd >= 0) {
		close(fd);
		return 0;
	}
	return errno;
}

/* Buffers made when the module loads (modprobe.d's buffers=), and
 * buf-control, are the group's; the names are devtmpfs's. */
TEST_TIMEOUT(load_time_nodes_group_rw, 300)
{
	need_udev();
	need_module("mapdev_buf", "buffers=udev0:64K");
	settle();
	check_group_rw("udev0");
	check_group_rw("buf-control");
}

TEST_TIMEOUT(run_time_buffer_group_rw, 300)
{
	need_udev();
	buf_create("udev1", 1 << 20, MAPDEV_BACKEND_SG, MAPDEV_CACHE_CACHED);
	settle();
	check_group_rw("udev1");
	buf_destroy("udev1");
}

#define SHARED_BYTES 4096

/* As a member: map the buffer, check root's bytes, write our own. */
static int member_maps(const char *name)
{
	char path[128];
	uint8_t *p;
	size_t i;
	int fd;

	snprintf(path, sizeof(path), "/dev/mapdev/%s", name);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return 2;
	p = mmap(NULL, SHARED_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return 3;
	for (i = 0; i < SHARED_BYTES; i++)
		if (p[i] != pattern(i, 1))
			return 4;
	for (i = 0; i < SHARED_BYTES; i++)
		p[i] = pattern(i, 2);
	munmap(p, SHARED_BYTES);
	close(fd);
	/* buf-control: listing is the group's, making buffers root's. */
	fd = open(CTL_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return 5;
	if (buf_create_raw(fd, "udev-nope", 4096, MAPDEV_BACKEND_COHERENT,
			   MAPDEV_CACHE_CACHED) != -1 || errno != EPERM)
		return 6;
	close(fd);
	return 0;
}

TEST_TIMEOUT(member_maps_buffer, 300)
{
	uint8_t buf[SHARED_BYTES];
	size_t i;
	int fd;

	need_udev();
	buf_create("udev2", 64 << 10, MAPDEV_BACKEND_CONTIG, MAPDEV_CACHE_CACHED);
	settle();
	for (i = 0; i < SHARED_BYTES; i++)
		buf[i] = pattern(i, 1);
	fd = buf_open("udev2", O_RDWR);
	CHECK_EQ(pwrite(fd, buf, sizeof(buf), 0), (ssize_t)sizeof(buf));
	run_as(MEMBER_UID, 1, member_maps, "udev2");
	CHECK_EQ(pread(fd, buf, sizeof(buf), 0), (ssize_t)sizeof(buf));
	for (i = 0; i < SHARED_BYTES; i++)
		if (buf[i] != pattern(i, 2))
			FAILF("byte %zu is %u, the member wrote %u", i, buf[i],
			      pattern(i, 2));
	close(fd);
	buf_destroy("udev2");
}

/* Outside the group: EACCES on every mapdev_buf node, read or write. */
static int outsider_refused(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/dev/mapdev/%s", name);
	if (open_errno(path, O_RDWR) != EACCES)
		return 2;
	if (open_errno(path, O_RDONLY) != EACCES)
		return 3;
	if (open_errno(CTL_PATH, O_RDONLY) != EACCES)
		return 4;
	return 0;
}

TEST_TIMEOUT(outsider_gets_eacces, 300)
{
	need_udev();
	buf_create("udev3", 64 << 10, MAPDEV_BACKEND_COHERENT, MAPDEV_CACHE_CACHED);
	settle();
	check_group_rw("udev3");
	run_as(OUTSIDER_UID, 0, outsider_refused, "udev3");
	buf_destroy("udev3");
}

/* Root only: a member of mapdev and an outsider both get EACCES. */
static int refused(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/dev/mapdev/%s", name);
	if (open_errno(path, O_RDWR) != EACCES)
		return 2;
	if (open_errno(path, O_RDONLY) != EACCES)
		return 3;
	return 0;
}

/* A PCI function's node and its DMA buffers reach all of memory: root's. */
TEST_TIMEOUT(pci_nodes_root_only, 300)
{
	struct mapdev_buf_create c = {
		.argsz = sizeof(c), .size = 64 << 10,
		.backend = MAPDEV_BACKEND_COHERENT,
	};
	char node[64];
	int fd;

	need_udev();
	pci_bind(EDU_BDF, NULL);
	settle();
	snprintf(node, sizeof(node), "pci-%s", EDU_BDF);
	check_root_only(node);
	run_as(MEMBER_UID, 1, refused, node);
	run_as(OUTSIDER_UID, 0, refused, node);

	fd = pci_open(EDU_BDF);
	snprintf(c.name, sizeof(c.name), "udev-pcibuf");
	CHECK_OK(ioctl(fd, MAPDEV_PCI_IOC_BUF_CREATE, &c));
	settle();
	check_root_only("udev-pcibuf");
	run_as(MEMBER_UID, 1, refused, "udev-pcibuf");
	close(fd);
	CHECK_OK(pci_unbind(EDU_BDF));
}

TEST_TIMEOUT(phys_node_root_only, 300)
{
	const char *r = getenv("MAPDEV_PHYS_RESERVED");
	unsigned long long start;

	need_udev();
	if (!r || sscanf(r, "%llx:", &start) != 1)
		SKIP("MAPDEV_PHYS_RESERVED not set: boot with memmap=SIZE$START (make vm-check does)");
	sh("rmmod mapdev_phys 2>/dev/null");
	if (sh("modprobe mapdev_phys ranges=udev:%#llx:4K", start))
		FAILF("modprobe mapdev_phys ranges=udev:%#llx:4K failed", start);
	settle();
	check_root_only("phys-udev");
	run_as(MEMBER_UID, 1, refused, "phys-udev");
	CHECK_EQ(sh("rmmod mapdev_phys"), 0);
}

/* Before udev has handled the event, the node is devtmpfs's: same name,
 * root's, 0600; udev then gives it to the group. */
TEST_TIMEOUT(devtmpfs_default_then_udev, 300)
{
	need_udev();
	need_module("mapdev_buf", NULL);
	CHECK_EQ(sh("udevadm control --stop-exec-queue"), 0);
	buf_create("udev4", 64 << 10, MAPDEV_BACKEND_COHERENT, MAPDEV_CACHE_CACHED);
	check_root_only("udev4");
	CHECK_EQ(sh("udevadm control --start-exec-queue"), 0);
	settle();
	check_group_rw("udev4");
	buf_destroy("udev4");
}
