#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench/nvme.sh OUT.json - in the test VM (scripts/vm --nvme IMG): 4 KiB
# random reads from QEMU's nvme at 00:13.0, first by the kernel's nvme
# driver (fio, io_uring, --direct=1, QD1 and QD32), then, the function
# rebound to mapdev_pci, by examples/nvme (polling at QD1 and QD32, and
# with interrupts at QD1), then the function back to nvme.  Each run's
# IOPS, p50/p99 and CPU seconds an I/O (the guest's, from /proc/stat; the
# host's QEMU process is measured by bench.mk around the boot) as JSON.
set -euo pipefail
out=$1 secs=${MAPDEV_BENCH_SECONDS:-10} phases=${2:-/dev/null}
bdf=0000:00:13.0
nvme=build/examples/nvme
modprobe nvme
modprobe mapdev_pci
for _ in $(seq 50); do [ -b /dev/nvme0n1 ] && break; sleep 0.2; done
[ -b /dev/nvme0n1 ] || { echo "bench/nvme.sh: no /dev/nvme0n1" >&2; exit 1; }
busy() { awk '/^cpu /{print $2+$3+$4+$6+$7+$8}' /proc/stat; }
hz=$(getconf CLK_TCK)
results=()
mark() { echo "$1" >>"$phases"; sleep 0.3; }	# bench/nvme-host samples QEMU
fio_run() {	# fio_run QD
	local b0 b1 j
	mark "start kernel-irq-$1"
	b0=$(busy)
	j=$(fio --name=r --filename=/dev/nvme0n1 --direct=1 --ioengine=io_uring \
		--rw=randread --bs=4k --iodepth="$1" --runtime="$secs" --time_based \
		--output-format=json 2>/dev/null)
	b1=$(busy)
	mark "end kernel-irq-$1"
	results+=("$(echo "$j" | python3 -c '
import json, sys
j = json.load(sys.stdin)["jobs"][0]["read"]
p = j["clat_ns"]["percentile"]
qd, cpu, hz = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
ios = j["total_ios"]
print(json.dumps({"driver": "kernel nvme (fio io_uring)", "mode": "irq", "qd": qd,
	"ios": ios, "iops": round(j["iops"], 1), "p50_us": p["50.000000"] / 1e3,
	"p99_us": p["99.000000"] / 1e3, "guest_cpu_s_per_io": cpu / hz / ios}))' "$1" "$((b1 - b0))" "$hz")")
}
ours() {	# ours QD [--irq]
	local b0 b1 j m=poll
	[ -z "${2-}" ] || m=irq
	mark "start ours-$m-$1"
	b0=$(busy)
	j=$($nvme $bdf bench --qd "$1" --seconds "$secs" ${2-} --json)
	b1=$(busy)
	mark "end ours-$m-$1"
	results+=("$(echo "$j" | python3 -c '
import json, sys
j = json.load(sys.stdin)
cpu, hz = float(sys.argv[1]), float(sys.argv[2])
print(json.dumps({"driver": "examples/nvme (mapdev_pci)", "mode": j["mode"], "qd": j["qd"],
	"ios": j["ios"], "iops": j["iops"], "p50_us": j["p50_us"], "p99_us": j["p99_us"],
	"guest_cpu_s_per_io": cpu / hz / j["ios"]}))' "$((b1 - b0))" "$hz")")
}
fio_run 1
fio_run 32
echo "$bdf" > /sys/bus/pci/drivers/nvme/unbind
ours 1
ours 32
ours 1 --irq
echo nvme > /sys/bus/pci/devices/$bdf/driver_override
echo "$bdf" > /sys/bus/pci/drivers_probe
echo > /sys/bus/pci/devices/$bdf/driver_override
printf '%s\n' "${results[@]}" | python3 -c '
import json, sys
r = [json.loads(l) for l in sys.stdin]
k = {(x["mode"], x["qd"]): x for x in r if x["driver"].startswith("kernel")}
for x in r:
	base = k.get(("irq", x["qd"]))
	if base:
		x["iops_ratio"] = round(x["iops"] / base["iops"], 2)
		x["p99_ratio"] = round(x["p99_us"] / base["p99_us"], 2)
	print("%-28s %-4s qd %2d: %8.0f IOPS (x%.2f)  p50 %8.1f us  p99 %8.1f us (x%.2f)  %.1f us guest CPU/IO" % (
		x["driver"], x["mode"], x["qd"], x["iops"], x.get("iops_ratio", 0), x["p50_us"],
		x["p99_us"], x.get("p99_ratio", 0), x["guest_cpu_s_per_io"] * 1e6))
json.dump(r, open(sys.argv[1], "w"), indent=1)' "$out"
