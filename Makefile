# SPDX-License-Identifier: GPL-2.0
#
# mapdev top-level build.  `make` builds everything, `make check` runs every
# test (host and VM), `make demo` shows it working, `make bench` measures.
#
# Each area keeps its rules in a fragment included below, so the pieces stay
# apart: lib/lib.mk, tools/tools.mk, tests/tests.mk, bench/bench.mk,
# examples/examples.mk.

# The kernel the modules are built for: the newest Debian amd64 headers
# installed (the VM boots the matching linux-image), or KVER/KDIR given.
KVER ?= $(shell scripts/kver)
KDIR ?= /usr/src/linux-headers-$(KVER)
BUILD ?= $(CURDIR)/build
PREFIX ?= /usr/local
DESTDIR ?=

CC ?= gcc
CFLAGS ?= -O2 -g
CPPFLAGS += -I$(CURDIR)/include/uapi -I$(CURDIR)/lib/include
WARNFLAGS := -Wall -Wextra -Wformat=2 -Wshadow -Wno-unused-parameter \
	-Wmissing-prototypes -Wstrict-prototypes -D_GNU_SOURCE
export KVER KDIR BUILD

.PHONY: all modules deps check check-run host-check vm-check demo bench \
	fuzz clean install help

all: modules

help:
	@echo "make deps     install what mapdev needs (Debian packages, VM kernel)"
	@echo "make          build modules, library, tools and tests"
	@echo "make check    run every test: host tests and the VM suite"
	@echo "make demo     boot the VM and show mapdev at work"
	@echo "make bench    run the benchmarks in the VM"
	@echo "make install  install library, header and tool (PREFIX, DESTDIR), and the modules"
	@echo "make deb      Debian packages (mapdev-dkms, libmapdev0, -dev, mapdev-tools) in build/deb/"
	@echo "make package-check  the packages installed, built by DKMS and tested in the VM"

deps:
	scripts/deps

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR)/kernel W=1 modules

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

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR)/kernel clean
	rm -rf $(BUILD)
