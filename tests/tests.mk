# SPDX-License-Identifier: GPL-2.0
#
# Tests: every tests/unit/*.c becomes $(BUILD)/tests/unit/<name> (run on the
# host by `make host-check`), every tests/vm/*.c becomes
# $(BUILD)/tests/vm/<name> (run inside the test VM by `make vm-check`, all in
# one boot, through tests/vm/run-all).  Each writes $(BUILD)/results/*.log,
# which scripts/summarize adds up.  Included by the top Makefile after
# lib/lib.mk, whose $(LIBMAPDEV_A) the tests link when it is defined.

TESTS_UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,\
	$(sort $(wildcard tests/unit/*.c)))
TESTS_VM_BINS := $(patsubst tests/vm/%.c,$(BUILD)/tests/vm/%,\
	$(sort $(wildcard tests/vm/*.c)))
TESTS_RESULTS := $(BUILD)/results

# The kernels `make vm-check` (and so `make check`) runs the VM suite on,
# one boot each: scripts/vm --kernel NAME.  Debian 12's 6.1, Debian 13's
# 6.12 and the debug kernel (6.1 with KASAN, lockdep, kmemleak, DMA-API
# debugging...); VM_KERNELS=6.1 for a quick run.  The longest first: the
# lanes below take them in this order.
VM_KERNELS ?= debug 6.1 6.12

# The time-boxed tests, per kernel: MAPDEV_* variables for the guest
# (scripts/vm passes them on).  Race stress runs each scenario for 1000
# cycles or MAPDEV_STRESS_SECONDS, whichever comes first.  On 6.1, 30 s:
# on an idle machine most scenarios reach their 1000 cycles in 17-52 s
# (remove and rmmod_pci about 500 and 400 in 30 s: 63 and 81 ms a cycle),
# and every scenario asserts its own minimum of work; run-all's limit for
# a binary is 1200 s.  On 6.12 and debug, 15 s a scenario; debug's
# binaries get 900 s (KASAN under TCG: buf_test, with its core dump,
# module loads and DMA-mask tests, is the longest), and each test three
# times its own limit (tests/harness.h): phys.refused_ranges, 16 refused
# module loads, takes 17 s on an idle machine and took over 60 s in CI
# with the 6.1 lane beside it.
VM_CHECK_ENV_6.1 ?= MAPDEV_STRESS_SECONDS=30 MAPDEV_TEST_TIMEOUT=1200
VM_CHECK_ENV_6.12 ?= MAPDEV_STRESS_SECONDS=15
VM_CHECK_ENV_debug ?= MAPDEV_STRESS_SECONDS=15 MAPDEV_TEST_TIMEOUT=900 \
	MAPDEV_TEST_SLOWDOWN=3

# One kernel's VM run, boot to power-off; each test binary has its own limit
# in tests/vm/run-all (MAPDEV_TEST_TIMEOUT, seconds).
VM_CHECK_TIMEOUT ?= 1800
# The debug kernel's boot: KASAN under TCG, 1821 s on a loaded machine
# before its user-space suites were left out (about 1400 s after).
VM_CHECK_TIMEOUT_debug ?= 3000
VM_CHECK_TIMEOUT_debug-6.12 ?= 3000
vm_check_timeout = $(or $(VM_CHECK_TIMEOUT_$(VM_KERNEL)),$(VM_CHECK_TIMEOUT))

.PHONY: tests

all: tests
tests: $(TESTS_UNIT_BINS) $(TESTS_VM_BINS)

define tests_link
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Itests $(WARNFLAGS) $(CFLAGS) -MMD -MP -MF $@.d \
		-o $@ $< $(LIBMAPDEV_A) $(LDFLAGS) -lpthread
endef

$(BUILD)/tests/unit/%: tests/unit/%.c tests/tests.mk $(LIBMAPDEV_A)
	$(tests_link)

$(BUILD)/tests/vm/%: tests/vm/%.c tests/tests.mk $(LIBMAPDEV_A)
	$(tests_link)

-include $(addsuffix .d,$(TESTS_UNIT_BINS) $(TESTS_VM_BINS))

# Host tests: each binary's output on the terminal and in
# $(BUILD)/results/unit-<name>.log.  Fails if any test failed.  Shell
# scripts tests/unit/*.sh are host tests too, run as they are.
# $(BUILD)/results/unit.expect names the logs they must leave (one a binary
# or script): scripts/summarize fails a suite that left none.
TESTS_UNIT_SCRIPTS := $(sort $(wildcard tests/unit/*.sh))
host-check: $(TESTS_UNIT_BINS)
	@printf '%s\n' $(patsubst $(BUILD)/tests/unit/%,unit-%,$(TESTS_UNIT_BINS)) \
		$(patsubst tests/unit/%,unit-%,$(TESTS_UNIT_SCRIPTS)) \
		>$(TESTS_RESULTS)/unit.expect
	@BUILD=$(BUILD) tests/vm/run-all --prefix unit $(TESTS_UNIT_BINS) \
		$(TESTS_UNIT_SCRIPTS)

# VM tests: for each kernel in VM_KERNELS, build the modules for it
# (scripts/build-modules), boot it once and run every $(BUILD)/tests/vm/*
# binary (run-all writes $(BUILD)/results/vm-KERNEL-<name>.log, and on the
# debug kernel vm-debug-kmemleak.log).  Each kernel's VM run is a test too,
# in vm-KERNEL-kernel.log: its modules must build, its kernel log must stay
# clean, the guest must not hang or crash (scripts/vm's exit status says
# which).
host-check vm-check: | $(TESTS_RESULTS)
$(TESTS_RESULTS):
	@mkdir -p $@

# The suite's guest reserves 16 MiB at 512 MiB for mapdev_phys's tests,
# and has QEMU's NVMe controller (tests/vm/msix_test.c, nvme_test.c) on a
# 16 MiB image, and two scratch disks for tests/vm/io_test.c (O_DIRECT,
# io_uring): mapdev-disk0, and mapdev-disk1 whose writes QEMU throttles to
# 4 MiB/s, for an O_DIRECT write that lasts seconds.  Sparse host files,
# made afresh for each boot, one set a kernel (their boots run side by
# side, below).
VM_PHYS_RESERVED := 0x20000000:16M
vm_nvme_image = $(BUILD)/vm/nvme-$(VM_KERNEL).img
vm_disk = $(BUILD)/vm/test-disk$(1)-$(VM_KERNEL).img
vm_images = mkdir -p $(BUILD)/vm && rm -f $(vm_nvme_image) $(call vm_disk,0) \
	$(call vm_disk,1) && truncate -s 16M $(vm_nvme_image) && \
	truncate -s 256M $(call vm_disk,0) $(call vm_disk,1)
VM_CHECK_ARGS = --append 'memmap=16M$$0x20000000' --nvme $(vm_nvme_image) \
	--disk $(call vm_disk,0) \
	--disk $(call vm_disk,1),throttling.bps-write=4194304
# Each boot keeps its kernel logs apart: build/vm/last-KERNEL-boot.log,
# last-KERNEL-dmesg.log (scripts/vm's MAPDEV_VM_LOGS).
vm_logs = last-$(VM_KERNEL)

# The kernels' boots run in VM_JOBS lanes side by side: a guest under TCG
# leaves much of a CPU idle (edu's DMA timer, the throttled disk, poll
# timeouts), so two lanes on 2 CPUs take about 0.6 of the time of one.
# A kernel's boots (its suite, its lockdown boot, behind the IOMMU when it
# is in VM_IOMMU_KERNELS) stay in one lane, in turn: they share the
# kernel's module tree and initramfs.  Lanes take the kernels in the
# order of VM_KERNELS, the longest first.  Each kernel's output is kept
# in $(BUILD)/results/console-KERNEL.txt and printed when it is done.
VM_JOBS ?= 2

vm-check: $(TESTS_VM_BINS) $(MAPDEV_TOOL) $(TESTS_LOCKDOWN_BIN) | $(TESTS_RESULTS)
	@rm -f $(TESTS_RESULTS)/vm-*.log $(TESTS_RESULTS)/vm-*.txt \
		$(TESTS_RESULTS)/vm-*.expect $(TESTS_RESULTS)/console-*.txt
	@for k in $(VM_KERNELS); do \
		BUILD=$(BUILD) scripts/build-modules "$$k" >/dev/null 2>&1 || true; \
	done
	@echo "== vm-check: kernels $(VM_KERNELS), $(VM_JOBS) at a time"
	@failed=0; printf '%s\n' $(VM_KERNELS) | xargs -P $(VM_JOBS) -I{} \
		$(MAKE) --no-print-directory vm-check-kernel VM_KERNEL={} || failed=1; \
	exit $$failed

# One kernel's lane: its boots, their output shown once all are done.
vm-check-kernel:
	@k='$(VM_KERNEL)'; out=$(TESTS_RESULTS)/console-$$k.txt; st=0; \
	t0=$$(date +%s); echo "== vm-check: kernel $$k started"; \
	{ $(MAKE) --no-print-directory vm-check-one || st=1; \
	  $(MAKE) --no-print-directory vm-lockdown || st=1; \
	  for i in $(VM_IOMMU_KERNELS); do \
		[ "$$i" != "$$k" ] || $(MAKE) --no-print-directory vm-iommu || st=1; \
	  done; \
	  for i in $(VM_BOOT_RETRY_KERNELS); do \
		[ "$$i" != "$$k" ] || $(MAKE) --no-print-directory vm-boot-retry || st=1; \
	  done; echo $$st >$$out.status; } >$$out 2>&1; \
	cat $$out; st=$$(cat $$out.status); rm -f $$out.status; \
	echo "== vm-check: kernel $$k's lane took $$(( $$(date +%s) - t0 )) s"; \
	[ $$st = 0 ]

.PHONY: vm-check-kernel

# Which binaries a kernel's boot runs: all of them, except on the debug
# kernels, which run the suites that drive the kernel (buffers, PCI,
# MSI-X, NVMe, physical ranges, dma-buf, kernel I/O, the grabber, the
# fuzzers, the stress) and leave out those that test the user-space tools
# on top of the same kernel paths (the command, the library, the examples,
# udev), which 6.1 and 6.12 run: they cost the debug boot about 8 minutes
# of make check for no kernel path of their own.
VM_USER_BINS := cli_test cli_pci_test examples_test libmapdev_test udev_test
VM_CHECK_BINS_debug ?= $(filter-out $(addprefix $(BUILD)/tests/vm/,$(VM_USER_BINS)),\
	$(TESTS_VM_BINS))
VM_CHECK_BINS_debug-6.12 ?= $(VM_CHECK_BINS_debug)
vm_check_bins = $(or $(VM_CHECK_BINS_$(VM_KERNEL)),$(TESTS_VM_BINS))

# One kernel: make vm-check-one VM_KERNEL=6.12 (its logs only).
vm-check-one: $(TESTS_VM_BINS) $(MAPDEV_TOOL) | $(TESTS_RESULTS)
	@k='$(VM_KERNEL)'; log=$(TESTS_RESULTS)/vm-$$k-kernel.log; \
	rm -f $(TESTS_RESULTS)/vm-$$k-*; \
	printf "vm-$$k-%s\n" kernel $(notdir $(vm_check_bins)) \
		>$(TESTS_RESULTS)/vm-$$k-suite.expect; \
	t0=$$(date +%s); echo "== vm-check: kernel $$k"; \
	if ! BUILD=$(BUILD) scripts/build-modules "$$k" >/dev/null; then \
		printf 'PLAN %s/vm 1\nFAIL %s/vm.modules: the modules do not build for kernel %s\n' \
			"$$k" "$$k" "$$k" >$$log; \
		cat $$log; exit 1; \
	fi; \
	$(vm_images); \
	st=0; env BUILD=$(BUILD) MAPDEV_VM_LOGS=$(vm_logs) MAPDEV_PHYS_RESERVED=$(VM_PHYS_RESERVED) \
		$(VM_CHECK_ENV_$(VM_KERNEL)) scripts/vm --kernel "$$k" $(VM_CHECK_ARGS) \
		--timeout $(vm_check_timeout) -- tests/vm/run-all --tag "$$k" \
		$(vm_check_bins) || st=$$?; \
	{ echo "PLAN $$k/vm 1"; \
	case $$st in \
	0|1) echo "PASS $$k/vm.kernel-log-clean" ;; \
	121) echo "FAIL $$k/vm.kernel: the guest's kernel log has errors (build/vm/$(vm_logs)-dmesg.log)" ;; \
	124) echo "FAIL $$k/vm.kernel: the guest did not finish within $(vm_check_timeout) s (build/vm/$(vm_logs)-boot.log)" ;; \
	120) echo "FAIL $$k/vm.kernel: the guest crashed or failed to boot (build/vm/$(vm_logs)-boot.log)" ;; \
	*) echo "FAIL $$k/vm.kernel: scripts/vm failed with exit status $$st" ;; \
	esac; } > $$log; \
	[ $$st = 0 ] || [ $$st = 1 ] || cp $(BUILD)/vm/$(vm_logs)-dmesg.log \
		$(TESTS_RESULTS)/vm-$$k-dmesg.txt 2>/dev/null || true; \
	cat $$log; \
	echo "== vm-check: kernel $$k took $$(( $$(date +%s) - t0 )) s"; \
	[ $$st = 0 ]

.PHONY: vm-check-one

# Kernel lockdown (tests/lockdown): raising it lasts until the next boot, so
# its test has a boot of its own per kernel, after the suite's (vm-check
# runs it; make vm-lockdown VM_KERNEL=6.1 alone).  Its log is
# vm-KERNEL-lockdown_test.log; scripts/vm's verdict on the kernel log is
# a test of its own there, as in vm-check-one.
TESTS_LOCKDOWN_BIN := $(BUILD)/tests/lockdown/lockdown_test
tests: $(TESTS_LOCKDOWN_BIN)
$(TESTS_LOCKDOWN_BIN): tests/lockdown/lockdown_test.c tests/tests.mk $(LIBMAPDEV_A)
	$(tests_link)
-include $(TESTS_LOCKDOWN_BIN).d

vm-lockdown: $(TESTS_LOCKDOWN_BIN) | $(TESTS_RESULTS)
	@k='$(VM_KERNEL)'; st=0; \
	BUILD=$(BUILD) scripts/build-modules "$$k" >/dev/null || exit 1; \
	$(vm_images); \
	env BUILD=$(BUILD) MAPDEV_VM_LOGS=$(vm_logs)-lockdown MAPDEV_PHYS_RESERVED=$(VM_PHYS_RESERVED) \
		scripts/vm --kernel "$$k" $(VM_CHECK_ARGS) -- tests/vm/run-all \
		--prefix vm-$$k $(TESTS_LOCKDOWN_BIN) || st=$$?; \
	log=$(TESTS_RESULTS)/vm-$$k-lockdown_test.log; \
	{ echo "PLAN $$k/lockdown-boot 1"; \
	case $$st in \
	0|1) echo "PASS $$k/lockdown-boot.kernel-log-clean" ;; \
	*) echo "FAIL $$k/lockdown-boot.kernel: scripts/vm exit status $$st (build/vm/$(vm_logs)-lockdown-dmesg.log)" ;; \
	esac; } | tee -a $$log; \
	[ $$st = 0 ]

.PHONY: vm-lockdown

# scripts/vm's own verdicts on crashed boots (tests/vmhost/boot_retry.sh:
# a kernel crashing before /init is done is booted once more, a crash in
# COMMAND is not): three short boots, in the lane of one kernel (the
# logic is scripts/vm's, the same for every kernel), about 25 s; make
# vm-boot-retry VM_KERNEL=6.12 alone.  Its log: vm-KERNEL-boot_retry.log.
VM_BOOT_RETRY_KERNELS ?= 6.12

vm-boot-retry: | $(TESTS_RESULTS)
	@k='$(VM_KERNEL)'; log=$(TESTS_RESULTS)/vm-$$k-boot_retry.log; \
	echo vm-$$k-boot_retry >$(TESTS_RESULTS)/vm-$$k-boot_retry.expect; \
	BUILD=$(BUILD) scripts/build-modules "$$k" >/dev/null || exit 1; \
	st=0; BUILD=$(BUILD) tests/vmhost/boot_retry.sh "$$k" >$$log || st=1; \
	cat $$log; [ $$st = 0 ]

.PHONY: vm-boot-retry

# Behind an IOMMU (scripts/vm --iommu: QEMU's intel-iommu, strict
# invalidation): the buffer, PCI, stress and fuzz suites once more, one
# boot per kernel in VM_IOMMU_KERNELS (vm-check runs them after the
# kernels' own boots; make vm-iommu VM_KERNEL=6.1 alone).  Test names and
# logs say so: "PASS 6.1+iommu/pci.edu_dma_wide_mask", vm-6.1+iommu-*.log;
# the boot is a test of its own, as in vm-check-one (vm-6.1+iommu-kernel.log).
# In the order vm-check-one runs them (sorted).  Stress runs 15 s a
# scenario here: the races are the same with the IOMMU, what it adds is
# the DMA mapping.  Measured on the shared 2-CPU machine, loaded: 659 s
# and 1007 s (about 5.5 and 8.5 min of make check).
VM_IOMMU_KERNELS ?= 6.1
VM_IOMMU_BINS := $(addprefix $(BUILD)/tests/vm/,buf_test fuzz_check pci_test stress_test)
VM_IOMMU_ENV ?= MAPDEV_STRESS_SECONDS=15

vm-iommu: $(TESTS_VM_BINS) | $(TESTS_RESULTS)
	@k='$(VM_KERNEL)'; t=$$k+iommu; log=$(TESTS_RESULTS)/vm-$$t-kernel.log; \
	rm -f $(TESTS_RESULTS)/vm-$$t-*; \
	printf "vm-$$t-%s\n" kernel $(notdir $(VM_IOMMU_BINS)) \
		>$(TESTS_RESULTS)/vm-$$t-suite.expect; \
	t0=$$(date +%s); echo "== vm-check: kernel $$k behind an IOMMU"; \
	if ! BUILD=$(BUILD) scripts/build-modules "$$k" >/dev/null; then \
		printf 'PLAN %s/vm 1\nFAIL %s/vm.modules: the modules do not build for kernel %s\n' \
			"$$t" "$$t" "$$k" >$$log; \
		cat $$log; exit 1; \
	fi; \
	$(vm_images); \
	st=0; env BUILD=$(BUILD) MAPDEV_VM_LOGS=$(vm_logs)+iommu MAPDEV_PHYS_RESERVED=$(VM_PHYS_RESERVED) \
		$(VM_IOMMU_ENV) scripts/vm --kernel "$$k" --iommu $(VM_CHECK_ARGS) \
		--timeout $(VM_CHECK_TIMEOUT) -- tests/vm/run-all --tag "$$t" \
		$(VM_IOMMU_BINS) || st=$$?; \
	{ echo "PLAN $$t/vm 1"; \
	case $$st in \
	0|1) echo "PASS $$t/vm.kernel-log-clean" ;; \
	121) echo "FAIL $$t/vm.kernel: the guest's kernel log has errors (build/vm/$(vm_logs)+iommu-dmesg.log)" ;; \
	124) echo "FAIL $$t/vm.kernel: the guest did not finish within $(VM_CHECK_TIMEOUT) s (build/vm/$(vm_logs)+iommu-boot.log)" ;; \
	120) echo "FAIL $$t/vm.kernel: the guest crashed or failed to boot (build/vm/$(vm_logs)+iommu-boot.log)" ;; \
	*) echo "FAIL $$t/vm.kernel: scripts/vm failed with exit status $$st" ;; \
	esac; } > $$log; \
	[ $$st = 0 ] || [ $$st = 1 ] || cp $(BUILD)/vm/$(vm_logs)+iommu-dmesg.log \
		$(TESTS_RESULTS)/vm-$$t-dmesg.txt 2>/dev/null || true; \
	cat $$log; \
	echo "== vm-check: kernel $$k behind an IOMMU took $$(( $$(date +%s) - t0 )) s"; \
	[ $$st = 0 ]

.PHONY: vm-iommu
