# SPDX-License-Identifier: GPL-2.0
#
# The fuzzer: tests/fuzz/mapdev_fuzz.c becomes $(BUILD)/fuzz/mapdev_fuzz
# (built by `make`).  It loads modules, so it runs in the test VM:
#
#   make fuzz                                  a random seed, 20000 calls, 6.1
#   make fuzz SEED=S CALLS=N KERNEL=NAME       replay / choose; KERNEL as in
#                                              scripts/vm --kernel NAME
#   make fuzz FUZZ_ARGS='--threads 3 --time 600'
#   make fuzz-long FUZZ_MINUTES=30 [SEED=S]      seed after seed (tests/fuzz/long-run)
#
# `make check` runs it with a bounded budget through tests/vm/fuzz_check.c.
# tests/fuzz/mapdev.txt is the syzkaller description of the devices.
#
# tests/fuzz/video_fuzz.c becomes $(BUILD)/fuzz/video_fuzz: the same for
# mapdev_edu's V4L2 node (a model of its vb2 queue); fuzz_check runs it on
# both edu functions, `make fuzz-video [SEED=S CALLS=N KERNEL=NAME]` alone.

FUZZ_BIN := $(BUILD)/fuzz/mapdev_fuzz
VIDEO_FUZZ_BIN := $(BUILD)/fuzz/video_fuzz
SEED ?=
CALLS ?= 20000
KERNEL ?= 6.1
FUZZ_ARGS ?=
# The VM's own limit: generous, the fuzzer stops itself with --time.
FUZZ_TIMEOUT ?= 7200

all: $(FUZZ_BIN) $(VIDEO_FUZZ_BIN)

$(FUZZ_BIN): tests/fuzz/mapdev_fuzz.c tests/fuzz/fuzz.mk include/uapi/linux/mapdev.h
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARNFLAGS) $(CFLAGS) -o $@ $< -lpthread

$(VIDEO_FUZZ_BIN): tests/fuzz/video_fuzz.c tests/fuzz/fuzz.mk
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARNFLAGS) $(CFLAGS) -o $@ $<

# fuzz_check runs the fuzzer binaries: build them first.
$(BUILD)/tests/vm/fuzz_check: $(FUZZ_BIN) $(VIDEO_FUZZ_BIN)

# The modules are built for KERNEL first (scripts/build-modules), as
# vm-check-one does.
fuzz: all | $(VM_DISKS)
	@BUILD=$(BUILD) scripts/build-modules $(KERNEL) >/dev/null
	@$(vm_nvme_image)
	BUILD=$(BUILD) MAPDEV_PHYS_RESERVED=$(VM_PHYS_RESERVED) \
		scripts/vm --kernel $(KERNEL) $(VM_CHECK_ARGS) --timeout $(FUZZ_TIMEOUT) -- \
		$(FUZZ_BIN) $(if $(SEED),--seed $(SEED)) --calls $(CALLS) $(FUZZ_ARGS)

# A long run: seed after seed for FUZZ_MINUTES minutes in one boot
# (tests/fuzz/long-run: three single-threaded runs of 20000 calls, then a
# threaded one of two minutes, ...), from SEED on.
FUZZ_MINUTES ?= 30
fuzz-long: all | $(VM_DISKS)
	@BUILD=$(BUILD) scripts/build-modules $(KERNEL) >/dev/null
	@$(vm_nvme_image)
	BUILD=$(BUILD) MAPDEV_PHYS_RESERVED=$(VM_PHYS_RESERVED) \
		scripts/vm --kernel $(KERNEL) $(VM_CHECK_ARGS) \
		--timeout $$(( $(FUZZ_MINUTES) * 60 + 900 )) -- \
		tests/fuzz/long-run $(FUZZ_MINUTES) $(SEED)

# mapdev_edu's node: the module loaded, both edu functions bound to it.
fuzz-video: all
	@BUILD=$(BUILD) scripts/build-modules $(KERNEL) >/dev/null
	BUILD=$(BUILD) scripts/vm --kernel $(KERNEL) --timeout $(FUZZ_TIMEOUT) -- \
		sh -c 'modprobe mapdev_edu dma_bits=0000:00:11.0:64 && \
		$(VIDEO_FUZZ_BIN) $(if $(SEED),--seed $(SEED)) --calls $(CALLS) $(FUZZ_ARGS)'

.PHONY: fuzz-long fuzz-video
