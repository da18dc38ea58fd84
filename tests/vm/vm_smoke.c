// SPDX-License-Identifier: GPL-2.0
/*
 * The test VM itself (scripts/vm): what every VM test relies on.  Root,
 * the mounts, the host's files read-only but the repository writable, the
 * edu and ivshmem devices with ivshmem's memory shared with the host file
 * in MAPDEV_IVSHMEM_FILE, and modprobe finding the repository's modules.
 */
#define HARNESS_IMPLEMENTATION
#include <dirent.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <linux/magic.h>
#include "../harness.h"

const char *harness_suite = "vm_smoke";

#define IVSHMEM_SIZE (1UL << 20)	/* scripts/vm: size=1M */

static void need_vm(void)
{
	const char *vm = getenv("MAPDEV_VM");

	if (!vm || strcmp(vm, "1"))
		SKIP("not inside the test VM (run it through scripts/vm)");
}

static long fs_type(const char *path)
{
	struct statfs st;

	if (statfs(path, &st) < 0)
		FAILF("statfs %s: %s", path, strerror(errno));
	return (long)st.f_type;
}

/* The sysfs directory of the first PCI device vendor:device, or NULL. */
static const char *pci_find(unsigned int vendor, unsigned int device)
{
	static char path[PATH_MAX];
	unsigned int v, d;
	struct dirent *de;
	DIR *dir = opendir("/sys/bus/pci/devices");
	FILE *f;
	int ok;

	if (!dir)
		FAILF("opendir /sys/bus/pci/devices: %s", strerror(errno));
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vendor",
			 de->d_name);
		f = fopen(path, "r");
		ok = f && fscanf(f, "%x", &v) == 1;
		if (f)
			fclose(f);
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/device",
			 de->d_name);
		f = fopen(path, "r");
		ok = ok && f && fscanf(f, "%x", &d) == 1;
		if (f)
			fclose(f);
		if (ok && v == vendor && d == device) {
			snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s",
				 de->d_name);
			closedir(dir);
			return path;
		}
	}
	closedir(dir);
	return NULL;
}

static void need_devices(void)
{
	if (!getenv("MAPDEV_IVSHMEM_FILE"))
		SKIP("VM started without devices (scripts/vm --no-devices)");
}

TEST(root)
{
	need_vm();
	CHECK_EQ(geteuid(), 0);
}

TEST(kernel_version)
{
	const char *kver = getenv("MAPDEV_VM_KVER");
	struct utsname u;

	need_vm();
	CHECK(kver != NULL);
	CHECK_OK(uname(&u));
	if (strcmp(u.release, kver))
		FAILF("running %s, scripts/vm meant to boot %s", u.release, kver);
}

TEST(mounts)
{
	struct statvfs vfs;
	struct stat st;

	need_vm();
	CHECK_EQ(fs_type("/proc"), PROC_SUPER_MAGIC);
	CHECK_EQ(fs_type("/sys"), SYSFS_MAGIC);
	CHECK_EQ(fs_type("/sys/kernel/debug"), DEBUGFS_MAGIC);
	CHECK_EQ(fs_type("/tmp"), TMPFS_MAGIC);
	CHECK_EQ(fs_type("/run"), TMPFS_MAGIC);
	CHECK_EQ(fs_type("/dev/shm"), TMPFS_MAGIC);
	CHECK_OK(statvfs("/", &vfs));	/* 9p reports the host's f_type */
	CHECK(vfs.f_flag & ST_RDONLY);
	CHECK_OK(stat("/dev/null", &st));
	CHECK(S_ISCHR(st.st_mode));
}

TEST(tmp_writable)
{
	char path[] = "/tmp/vm_smoke.XXXXXX", buf[8] = "";
	int fd;

	need_vm();
	fd = CHECK_OK(mkstemp(path));
	CHECK_EQ(pwrite(fd, "mapdev", 6, 0), 6);
	CHECK_EQ(pread(fd, buf, sizeof(buf), 0), 6);
	CHECK(!memcmp(buf, "mapdev", 6));
	close(fd);
	CHECK_OK(unlink(path));
}

TEST(host_root_read_only)
{
	need_vm();
	CHECK_ERRNO(open("/etc/mapdev-vm-smoke", O_WRONLY | O_CREAT, 0600),
		    EROFS);
}

/* The repository (cwd under make) is shared writable, at the same path. */
TEST(repo_writable)
{
	char path[PATH_MAX];
	struct stat st;
	int fd;

	need_vm();
	if (access("tests/harness.h", F_OK))
		SKIP("not run from the repository's top directory");
	snprintf(path, sizeof(path), "vm_smoke.%d.tmp", (int)getpid());
	fd = CHECK_OK(open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
	close(fd);
	CHECK_OK(stat(path, &st));
	CHECK_OK(unlink(path));
}

TEST(edu_present)
{
	need_vm();
	need_devices();
	if (!pci_find(0x1234, 0x11e8))
		FAILF("no PCI device 1234:11e8 (QEMU edu)");
}

/* Guest writes to ivshmem's BAR 2 land in the host file, and back. */
TEST(ivshmem_shared_with_host)
{
	const char *file = getenv("MAPDEV_IVSHMEM_FILE");
	const char *dev;
	char path[PATH_MAX], buf[32];
	volatile char *bar;
	int fd, hfd;

	need_vm();
	need_devices();
	dev = pci_find(0x1af4, 0x1110);
	if (!dev)
		FAILF("no PCI device 1af4:1110 (QEMU ivshmem-plain)");
	/* sysfs enable is refused (EBUSY) while a driver holds the device. */
	snprintf(path, sizeof(path), "%s/driver/unbind", dev);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		const char *bdf = strrchr(dev, '/') + 1;

		CHECK_EQ(write(fd, bdf, strlen(bdf)), (ssize_t)strlen(bdf));
		close(fd);
	}
	snprintf(path, sizeof(path), "%s/enable", dev);
	fd = CHECK_OK(open(path, O_WRONLY | O_CLOEXEC));
	CHECK_EQ(write(fd, "1", 1), 1);
	close(fd);

	snprintf(path, sizeof(path), "%s/resource2", dev);
	fd = CHECK_OK(open(path, O_RDWR | O_SYNC | O_CLOEXEC));
	bar = mmap(NULL, IVSHMEM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		   fd, 0);
	CHECK(bar != MAP_FAILED);
	hfd = CHECK_OK(open(file, O_RDWR | O_CLOEXEC));

	memcpy((char *)bar + 4096, "from-the-guest", 14);
	CHECK_EQ(pread(hfd, buf, 14, 4096), 14);
	if (memcmp(buf, "from-the-guest", 14))
		FAILF("host file has '%.14s' where the guest wrote", buf);

	CHECK_EQ(pwrite(hfd, "from-the-host", 13, 8192), 13);
	memcpy(buf, (char *)bar + 8192, 13);
	if (memcmp(buf, "from-the-host", 13))
		FAILF("BAR 2 has '%.13s' where the host wrote", buf);

	munmap((void *)bar, IVSHMEM_SIZE);
	close(hfd);
	close(fd);
}

/*
 * Every module kernel/Kbuild builds is installed for the booted kernel
 * (scripts/vm leaves out a .ko built for another one, and says so), and
 * mapdev_core loads.  Ours missing is a failure, never a skip.
 */
TEST(modules_installed)
{
	char path[PATH_MAX], line[256], mod[64];
	struct utsname u;
	FILE *f;
	int n = 0;

	need_vm();
	CHECK_OK(uname(&u));
	f = fopen("kernel/Kbuild", "r");
	if (!f)
		FAILF("kernel/Kbuild: %s (run from the repository's top directory)",
		      strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "obj-m += %63[A-Za-z0-9_].o", mod) != 1)
			continue;
		snprintf(path, sizeof(path), "/lib/modules/%s/extra/%s.ko",
			 u.release, mod);
		if (access(path, F_OK))
			FAILF("%s is not installed for %s: not built for this kernel (scripts/build-modules), or built for another (scripts/vm's warning)",
			      mod, u.release);
		n++;
	}
	fclose(f);
	if (n < 4)
		FAILF("kernel/Kbuild names %d modules, expected at least mapdev_core, _buf, _pci and _phys", n);
}

TEST(modprobe_core)
{
	char path[PATH_MAX];
	struct utsname u;
	int loaded;

	need_vm();
	CHECK_OK(uname(&u));
	snprintf(path, sizeof(path), "/lib/modules/%s/extra/mapdev_core.ko",
		 u.release);
	if (access(path, F_OK))
		FAILF("mapdev_core.ko not built for %s (make modules, scripts/build-modules)",
		      u.release);
	loaded = !access("/sys/module/mapdev_core", F_OK);
	CHECK_EQ(system("modprobe mapdev_core"), 0);
	CHECK(access("/sys/module/mapdev_core", F_OK) == 0);
	if (!loaded && system("modprobe -r mapdev_core 2>/dev/null"))
		printf("# note: mapdev_core stays loaded (modprobe -r failed)\n");
}
