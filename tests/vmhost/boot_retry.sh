#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/vmhost/boot_retry.sh KERNEL - scripts/vm's one retry of a boot
# whose kernel crashed before the guest's /init was done, run on the host
# (it boots the VM three times, about 25 s on 6.12).  It asserts:
#   - a kernel that panics in its own boot (rdinit= naming no file: no
#     root to mount) is booted once more, not more: the message saying so
#     comes once, the first boot's log is kept, and the run still fails
#     with 120 when the second boot crashes too;
#   - a kernel that crashes once COMMAND runs (sysrq c) is not booted
#     again: 120, no retry message, no crashed-boot log;
#   - a clean boot leaves no crashed-boot log from an earlier run behind.
# Prints PASS/FAIL lines as tests/harness.h does; make vm-check runs it in
# one kernel's lane (VM_BOOT_RETRY_KERNELS).
set -u

k=${1:?usage: tests/vmhost/boot_retry.sh KERNEL}
suite=$k/boot_retry
echo "PLAN $suite 3"
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${BUILD:-$top/build}
logs=last-$k-bootretry
crashed=$build/vm/$logs-boot-crashed.log
out=$(mktemp)
trap 'rm -f "$out"' EXIT
failed=0
pass() { echo "PASS $suite.$1"; }
fail() { echo "FAIL $suite.$1: $2"; failed=1; }
vm() {	# vm ARG...: scripts/vm on KERNEL, its stderr in $out; sets st
	st=0
	env BUILD="$build" MAPDEV_VM_LOGS=$logs "$top/scripts/vm" --kernel "$k" \
		--no-devices --timeout 120 "$@" >/dev/null 2>"$out" || st=$?
}
again='booting once more'

vm --append rdinit=/nonexistent -- true
n=$(grep -c "$again" "$out")
if [ "$st" != 120 ]; then
	fail crash_in_boot_boots_once_more "exit status $st, want 120: $(tail -n 3 "$out")"
elif [ "$n" != 1 ]; then
	fail crash_in_boot_boots_once_more "\"$again\" printed $n times, want 1"
elif ! grep -q 'Kernel panic' "$crashed" 2>/dev/null; then
	fail crash_in_boot_boots_once_more "$crashed has no kernel panic"
elif ! grep -q 'Kernel panic' "$out"; then
	fail crash_in_boot_boots_once_more "the first boot's report was not printed"
else
	pass crash_in_boot_boots_once_more
fi

vm -- sh -c 'echo c >/proc/sysrq-trigger; sleep 60'
if [ "$st" != 120 ]; then
	fail crash_in_command_not_retried "exit status $st, want 120: $(tail -n 3 "$out")"
elif grep -q "$again" "$out"; then
	fail crash_in_command_not_retried "a crash in COMMAND was booted again"
elif [ -e "$crashed" ]; then
	fail crash_in_command_not_retried "$crashed left behind by the earlier run"
else
	pass crash_in_command_not_retried
fi

vm -- true
if [ "$st" != 0 ]; then
	fail clean_boot_not_retried "exit status $st, want 0: $(tail -n 3 "$out")"
elif grep -q "$again" "$out" || [ -e "$crashed" ]; then
	fail clean_boot_not_retried "a clean boot was booted again"
else
	pass clean_boot_not_retried
fi
exit $failed
