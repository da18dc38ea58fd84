// SPDX-License-Identifier: GPL-2.0
/*
 * libmapdev's PCI helpers (lib/pci.c) on the host, where mapdev_pci is
 * never loaded: PCI address parsing and normalising, interrupt names, and
 * the error paths of a function that does not exist.  Nothing here writes
 * to sysfs: binding is tested in the VM (tests/vm/cli_pci_test.c).
 */
#define HARNESS_IMPLEMENTATION
#include "../harness.h"
#include "testutil.h"

#include <dirent.h>
#include <mapdev.h>

const char *harness_suite = "lib_pci";

/* A function no machine has: a domain nobody numbers so. */
#define ABSENT_BDF "fffe:ff:1f.7"

static void need_absent(const char *bdf)
{
	char path[128];

	snprintf(path, sizeof(path), MAPDEV_PCI_SYSFS "/devices/%s", bdf);
	if (!access(path, F_OK))
		SKIP("this machine has a PCI function %s", bdf);
}

TEST(parse_bdf_good)
{
	static const struct {
		const char *in, *out;
	} ok[] = {
		{ "0000:00:10.0", "0000:00:10.0" },
		{ "00:10.0", "0000:00:10.0" },
		{ "00:1f.7", "0000:00:1f.7" },
		{ "0000:AB:1F.3", "0000:ab:1f.3" },
		{ "ffff:ff:1f.7", "ffff:ff:1f.7" },
		{ "10000:e0:06.0", "10000:e0:06.0" },	/* VMD domains */
		{ "00000001:00:00.0", "0001:00:00.0" },
		{ "pci-0000:00:10.0", "0000:00:10.0" },	/* device names */
		{ "pci-00:12.0", "0000:00:12.0" },
	};
	char buf[MAPDEV_PCI_BDF_LEN];
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		memset(buf, 'x', sizeof(buf));
		if (mapdev_pci_parse_bdf(ok[i].in, buf, sizeof(buf)))
			FAILF("'%s' did not parse: %s", ok[i].in,
			      strerror(errno));
		if (strcmp(buf, ok[i].out))
			FAILF("'%s' gave '%s', expected '%s'", ok[i].in, buf,
			      ok[i].out);
	}
}

TEST(parse_bdf_bad)
{
	static const char *const bad[] = {
		"", "0", "00:10", "00:10.", "10.0", ":00:10.0", "0:10.0",
		"000:10.0", "00:010.0", "00:20.0", "00:10.8", "00:10.00",
		"00:1g.0", "000:00:10.0", "123456789:00:10.0", " 00:10.0",
		"00:10.0 ", "00:10.0\n", "0000:00:10.0:1", "0000-00-10.0",
		"pci-", "pci-zz", "PCI-00:10.0", "0x00:10.0", "00:10,0",
		"0000:00:10.0/",
	};
	char buf[MAPDEV_PCI_BDF_LEN];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		if (!mapdev_pci_parse_bdf(bad[i], buf, sizeof(buf)))
			FAILF("'%s' parsed as '%s'", bad[i], buf);
		if (errno != EINVAL)
			FAILF("'%s': errno %d, expected EINVAL", bad[i], errno);
	}
	CHECK_ERRNO(mapdev_pci_parse_bdf(NULL, buf, sizeof(buf)), EINVAL);
	CHECK_ERRNO(mapdev_pci_parse_bdf("00:10.0", NULL, 16), EINVAL);
	/* "0000:00:10.0" needs 13 bytes. */
	CHECK_ERRNO(mapdev_pci_parse_bdf("00:10.0", buf, 12), ENAMETOOLONG);
	CHECK_EQ(mapdev_pci_parse_bdf("00:10.0", buf, 13), 0);
}

TEST(irq_names)
{
	CHECK(!strcmp(mapdev_pci_irq_name(MAPDEV_PCI_IRQ_NONE), "none"));
	CHECK(!strcmp(mapdev_pci_irq_name(MAPDEV_PCI_IRQ_INTX), "intx"));
	CHECK(!strcmp(mapdev_pci_irq_name(MAPDEV_PCI_IRQ_MSI), "msi"));
	CHECK(!strcmp(mapdev_pci_irq_name(MAPDEV_PCI_IRQ_MSIX), "msix"));
	errno = 0;
	CHECK(!mapdev_pci_irq_name(MAPDEV_PCI_IRQ_MAX + 1));
	CHECK_EQ(errno, EINVAL);
}

TEST(open_errors)
{
	need_absent(ABSENT_BDF);
	errno = 0;
	CHECK(!mapdev_pci_open(ABSENT_BDF));
	CHECK_EQ(errno, ENOENT);
	errno = 0;
	CHECK(!mapdev_pci_open("00:20.0"));
	CHECK_EQ(errno, EINVAL);
	errno = 0;
	CHECK(!mapdev_pci_open(NULL));
	CHECK_EQ(errno, EINVAL);
	mapdev_pci_close(NULL);
}

/* A function this machine has, read but never bound or unbound. */
TEST(open_a_real_function)
{
	struct mapdev_pci *pci;
	struct dirent *de;
	char name[256] = "";
	DIR *d;

	d = opendir(MAPDEV_PCI_SYSFS "/devices");
	if (!d)
		SKIP("no %s/devices here", MAPDEV_PCI_SYSFS);
	while ((de = readdir(d)))
		if (de->d_name[0] != '.') {
			snprintf(name, sizeof(name), "%s", de->d_name);
			break;
		}
	closedir(d);
	if (!name[0])
		SKIP("this machine has no PCI functions");
	pci = mapdev_pci_open(name);
	if (!pci)
		FAILF("mapdev_pci_open(%s): %s", name, strerror(errno));
	CHECK(!strcmp(mapdev_pci_bdf(pci), name));
	CHECK(!strncmp(mapdev_pci_device_name(pci), "pci-", 4));
	CHECK(!strcmp(mapdev_pci_device_name(pci) + 4, name));
	CHECK(mapdev_pci_vendor(pci) != 0);
	CHECK(mapdev_pci_class(pci) <= 0xffffff);
	CHECK(mapdev_pci_irq_kind(pci) <= MAPDEV_PCI_IRQ_MAX);
	if (mapdev_pci_irq(pci) < 0)
		CHECK_EQ(errno, ENOENT);
	CHECK(!mapdev_pci_is_bound(pci));	/* never on the host */
	CHECK_EQ(mapdev_pci_refresh(pci), 0);
	CHECK_ERRNO(mapdev_pci_wait_device(pci, 0), ETIMEDOUT);
	/* Unknown flags are refused before anything is touched. */
	CHECK_ERRNO(mapdev_pci_unbind(pci, 0x80), EINVAL);
	mapdev_pci_close(pci);
}

TEST(list_without_the_module)
{
	struct mapdev_pcilist *l;

	if (mapdev_pci_driver_loaded())
		SKIP("mapdev_pci is loaded here");
	l = mapdev_pci_list();
	CHECK(l);
	CHECK_EQ(mapdev_pcilist_count(l), 0);
	errno = 0;
	CHECK(!mapdev_pcilist_bdf(l, 0));
	CHECK_EQ(errno, EINVAL);
	mapdev_pcilist_free(l);
	mapdev_pcilist_free(NULL);
}
