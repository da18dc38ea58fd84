# SPDX-License-Identifier: GPL-2.0
#
# Putting mapdev on a real machine.  Included by the top Makefile.
#
#   make install-modules   the modules, built for KVER, into
#                          /lib/modules/KVER/$(MODULES_INSTALL_DIR) with
#                          modules_install, then depmod.  Not part of `make
#                          install` (library, header, tool): modules belong
#                          to one kernel, so they come from DKMS, which
#                          builds them again for each new kernel and signs
#                          them; and installing the library needs no kernel
#                          headers
#   make dkms-install      the module sources into /usr/src/mapdev-VERSION,
#                          then dkms add, build and install for KVER (from a
#                          clone; the package mapdev-dkms does the same)
#   make dkms-uninstall    dkms remove, and the sources go
#   make deb               the Debian packages, built in a clean copy of the
#                          tree: build/deb/*.deb
#   make package-check     the packages' proof (scripts/package-check):
#                          lintian, then in a Debian 12 chroot (6.1) and the
#                          trixie tree (6.12) apt install, DKMS, the VM suite
#                          on the modules DKMS built, apt purge

# One version for the modules and the packages: dkms.conf's, which `make
# deb` checks against debian/changelog and libmapdev's.
MAPDEV_VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"$$/\1/p' dkms.conf)
DKMS_SRCDIR := /usr/src/mapdev-$(MAPDEV_VERSION)
DEB_OUT := $(BUILD)/deb

# extra/, not updates/: DKMS installs into updates/dkms/, which depmod
# prefers, so modules from the mapdev-dkms package win over a `make
# install` done some time before.
MODULES_INSTALL_DIR ?= extra

.PHONY: install-modules dkms-install dkms-uninstall deb package-check

# depmod only for the machine itself: into a DESTDIR the packager runs it.
# Not signed: Debian's headers lack the kernel's signing key (sign-file
# would only print SSL errors); DKMS signs with its own key (README).
install-modules: modules
	$(MAKE) -C $(KDIR) M=$(CURDIR)/kernel INSTALL_MOD_PATH=$(DESTDIR) \
		INSTALL_MOD_DIR=$(MODULES_INSTALL_DIR) CONFIG_MODULE_SIG_ALL= \
		modules_install
	$(if $(DESTDIR),,depmod -a $(KVER))

# The tree DKMS builds: kernel/'s sources, the uapi header, dkms.conf
# (debian/rules installs the same for mapdev-dkms).
dkms-install:
	@if dpkg-query -W -f='$${db:Status-Abbrev}' mapdev-dkms 2>/dev/null | grep -q '^ii'; then \
		echo "mapdev-dkms is installed: it owns /usr/src/mapdev-$(MAPDEV_VERSION); apt remove it first" >&2; \
		exit 1; fi
	-dkms remove mapdev/$(MAPDEV_VERSION) --all 2>/dev/null
	rm -rf $(DKMS_SRCDIR)
	cd kernel && find . -type f \( -name '*.c' -o -name '*.h' -o -name Kbuild \) \
		! -name '*.mod.c' -exec install -D -m 644 {} $(DKMS_SRCDIR)/kernel/{} \;
	install -D -m 644 include/uapi/linux/mapdev.h \
		$(DKMS_SRCDIR)/include/uapi/linux/mapdev.h
	install -m 644 dkms.conf $(DKMS_SRCDIR)/dkms.conf
	dkms add mapdev/$(MAPDEV_VERSION)
	dkms install mapdev/$(MAPDEV_VERSION) -k $(KVER)

dkms-uninstall:
	-dkms remove mapdev/$(MAPDEV_VERSION) --all
	rm -rf $(DKMS_SRCDIR)

# dpkg-buildpackage writes next to the source tree: so in build/deb/src/,
# a copy of the files git knows (or of everything but build/ outside git),
# built as from a release tarball: git does not see this repository there.
deb:
	@v=$$(dpkg-parsechangelog -l debian/changelog -S Version) && \
	[ "$$v" = "$(MAPDEV_VERSION)" ] && [ "$(LIBMAPDEV_VERSION)" = "$(MAPDEV_VERSION)" ] || \
		{ echo "make deb: versions differ: debian/changelog $$v, dkms.conf $(MAPDEV_VERSION)," \
			"lib/lib.mk $(LIBMAPDEV_VERSION)" >&2; exit 1; }
	rm -rf $(DEB_OUT)
	mkdir -p $(DEB_OUT)/src/mapdev-$(MAPDEV_VERSION)
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
		git ls-files -z -c -o --exclude-standard | \
			tar --null -T - -cf - | tar -xf - -C $(DEB_OUT)/src/mapdev-$(MAPDEV_VERSION); \
	else \
		tar --exclude=./build --exclude='*.o' --exclude='*.ko' -cf - . | \
			tar -xf - -C $(DEB_OUT)/src/mapdev-$(MAPDEV_VERSION); \
	fi
	cd $(DEB_OUT)/src/mapdev-$(MAPDEV_VERSION) && \
		GIT_CEILING_DIRECTORIES=$(DEB_OUT)/src \
		dpkg-buildpackage -us -uc >../build.log 2>&1 || \
		{ tail -n 30 ../build.log >&2; echo "make deb: dpkg-buildpackage failed; log: $(DEB_OUT)/src/build.log" >&2; exit 1; }
	mv $(DEB_OUT)/src/*.deb $(DEB_OUT)/src/*.changes $(DEB_OUT)/src/*.buildinfo \
		$(DEB_OUT)/src/*.dsc $(DEB_OUT)/src/*.tar.* $(DEB_OUT)/
	@ls $(DEB_OUT)/*.deb

package-check: deb tests
	scripts/package-check
