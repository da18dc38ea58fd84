# SPDX-License-Identifier: GPL-2.0
#
# mapdev top-level build.  `make` builds everything, `make check` runs every
# test (host and VM), `make demo` shows it working, `make bench` measures.
#
# Each area keeps its rules in a fragment included below, so the pieces stay
# apart: lib/lib.mk, tools/tools.mk, tests/tests.mk, bench/bench.mk,
# examples/examples.mk.

# The kernel the modules are built for: the newest Debian amd64 headers
# installed (scripts/kver; the VM boots the matching linux-image), or KVER
# (headers in /usr/src/linux-headers-KVER) or KDIR given.  KVER and KDIR are
# looked up each time a recipe uses them, never when make starts (nor
# exported): `make demo` and `make check` install the headers (scripts/deps)
# after start-up, in the same run.  Without headers, `make` and `make
# modules` stop with one line saying to run `make deps` ($(kdir_or_stop), for
# any recipe that needs them); they install nothing themselves.
ifeq ($(strip $(KVER)),)
KVER = $(shell scripts/kver)
kdir_default = $(shell scripts/kver --kdir)
else
kdir_default = /usr/src/linux-headers-$(KVER)
endif
ifeq ($(strip $(KDIR)),)
KDIR = $(kdir_default)
endif
kdir_ok = $(if $1,$(wildcard $1/Makefile))
kdir_or_stop = $(call kdir_check,$(strip $(KDIR)))
kdir_check = $(if $(call kdir_ok,$1),$1,$(error $(if $1,$(kdir_bad),$(kdir_none))))
kdir_none = no kernel headers to build the modules against (linux-headers-*-amd64 \
	in /usr/src): run 'make deps' first (or give KVER= or KDIR=)
kdir_bad = no kernel build tree at $1$(if $(filter file,$(origin KDIR)),: install \
	linux-headers-$(KVER) (or give KDIR=), (KDIR): give the kernel's build directory)
BUILD ?= $(CURDIR)/build
PREFIX ?= /usr/local
DESTDIR ?=

CC ?= gcc
CFLAGS ?= -O2 -g
CPPFLAGS += -I$(CURDIR)/include/uapi -I$(CURDIR)/lib/include
WARNFLAGS := -Wall -Wextra -Wformat=2 -Wshadow -Wno-unused-parameter \
	-Wmissing-prototypes -Wstrict-prototypes -D_GNU_SOURCE
export BUILD

.PHONY: all modules deps check check-run host-check vm-check demo bench \
	fuzz clean install help

all: modules

help:
	@echo "make deps     install what mapdev needs (Debian packages, VM kernel)"
	@echo "make          build modules, library, tools and tests"
	@echo "make check    run every test: host tests and the VM suite"
	@echo "make demo     boot the VM and show mapdev at work"
	@echo "make bench    run the benchmarks in the VM"
	@echo "make install  install library, header and tool (PREFIX, DESTDIR); modules: make dkms-install"
	@echo "make deb      Debian packages (mapdev-dkms, libmapdev0, -dev, mapdev-tools) in build/deb/"
	@echo "make package-check  the packages installed, built by DKMS and tested in the VM"

deps:
	scripts/deps

modules:
	$(MAKE) -C $(kdir_or_stop) M=$(CURDIR)/kernel W=1 modules

include lib/lib.mk
include tools/tools.mk
include tests/tests.mk
include bench/bench.mk
include examples/examples.mk
include tests/fuzz/fuzz.mk
include debian/packaging.mk

# `make check`: deps, build, host tests, the VM suite; the last line of its
# output counts every test: "N passed, N failed, N skipped".  The rest runs
# in a new make, so KVER is read after deps installed the headers.
check:
	scripts/deps --kernels '$(VM_KERNELS)'
	$(MAKE) --no-print-directory check-run

check-run: all
	@mkdir -p $(BUILD)/results
	@rm -f $(BUILD)/results/*.log
	-$(MAKE) --no-print-directory host-check
	-$(MAKE) --no-print-directory vm-check
	@scripts/summarize $(BUILD)/results/*.log

# `make demo`: one VM boot showing buffers made, mapped, filled, read back,
# explained by mapdev maps, and revoked; then a PCI device's registers.
demo:
	scripts/deps --kernels 6.1
	$(MAKE) all
	scripts/vm -- scripts/demo-guest

# Without kernel headers, kernel/ is cleaned without Kbuild's help.
clean:
	$(if $(call kdir_ok,$(strip $(KDIR))),$(MAKE) -C $(KDIR) \
		M=$(CURDIR)/kernel clean,find kernel -type f \( -name '*.o' -o \
		-name '*.ko' -o -name '*.mod' -o -name '*.mod.c' -o -name '.*.cmd' \
		-o -name Module.symvers -o -name modules.order \) -delete)
	rm -rf $(BUILD)
