# SPDX-License-Identifier: GPL-2.0
# Benchmarks: built by `make`, run in the test VM by `make bench`.

BENCH_SRCS := $(wildcard bench/*.c)
BENCH_BINS := $(patsubst bench/%.c,$(BUILD)/bench/%,$(BENCH_SRCS))

all: $(BENCH_BINS)

$(BUILD)/bench/%: bench/%.c bench/bench_util.h include/uapi/linux/mapdev.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(WARNFLAGS) $(CFLAGS) -o $@ $<

# bench_io writes to a virtio disk on this host file (scripts/vm --disk).
BENCH_DISK := $(BUILD)/vm/bench-disk.img

# One VM boot: load the modules, run every benchmark, results in bench/results/;
# then one boot with QEMU's nvme: the kernel's driver (fio) against
# examples/nvme (bench/nvme-host, bench/nvme.sh).
bench:
	scripts/deps
	$(MAKE) all
	@mkdir -p $(dir $(BENCH_DISK)) && truncate -s 128M $(BENCH_DISK)
	scripts/vm --mem 2G --timeout 1200 --disk $(BENCH_DISK) -- sh -c 'modprobe mapdev_buf && \
		$(BUILD)/bench/bench_buf --json $(CURDIR)/bench/results/buf.json && \
		$(BUILD)/bench/bench_io --json $(CURDIR)/bench/results/io.json && \
		$(BUILD)/bench/bench_irq --json $(CURDIR)/bench/results/irq.json && \
		$(BUILD)/bench/bench_edu --json $(CURDIR)/bench/results/edu.json'
	bench/nvme-host
