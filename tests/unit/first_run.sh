#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/unit/first_run.sh - the top-level targets on a machine where
# `make deps` has not run yet (issue 9): no kernel headers when make starts.
#
# In a copy of the tree whose scripts/deps, scripts/kver, scripts/vm and
# scripts/build-modules are stand-ins: scripts/kver prints nothing until the
# stand-in deps has "installed the headers" (a stand-in kernel build tree
# whose Makefile only records how it was called), so the test runs in
# seconds and never touches the machine's packages or kernels.  It asserts:
#   - `make`, `make -j2` and `make modules` before deps stop with exactly one
#     line, saying to run `make deps`, build nothing, and name no path like
#     /usr/src/linux-headers-;
#   - `make modules KVER=X` (or KDIR=X) with no such headers names the
#     directory;
#   - `make demo` and `make check` (a fresh start each) run deps, then build
#     the modules against the tree deps made, in the same invocation, then
#     boot the VM; `make check` ends with "N passed, 0 failed, N skipped",
#     even with KVER and KDIR empty in its environment;
#   - `make clean` works without headers.
# Run by `make host-check`; prints PASS/FAIL lines as tests/harness.h does.
set -u

suite=first_run
echo "PLAN $suite 8"
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
passed=0 failed=0
pass() { echo "PASS $suite.$1"; passed=$((passed + 1)); }
fail() { echo "FAIL $suite.$1: $2"; failed=$((failed + 1)); }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mapdev-first-run.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
tree=$tmp/tree state=$tmp/state events=$tmp/state/events
mkdir -p "$tree" "$state"

# The tree as it is checked out (tracked and new files, not build products).
if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
	git -C "$top" ls-files -z -c -o --exclude-standard |
		tar -C "$top" --null -T - --ignore-failed-read -cf - 2>/dev/null |
		tar -C "$tree" -xf -
else
	tar -C "$top" --exclude=./build --exclude=./.git -cf - . | tar -C "$tree" -xf -
fi
[ -f "$tree/Makefile" ] || { echo "FAIL $suite.setup: could not copy the tree"; exit 1; }
# Inside the copy's make check, not this test again, nor host tests that
# drive the stand-ins below: one self-contained host test (text parsing) is
# enough to see host-check run.
find "$tree/tests/unit" -maxdepth 1 -type f \( -name '*.sh' -o -name '*.c' \) \
	! -name maps_text.c -delete

# The stand-ins.  deps "installs the headers": a kernel build tree (kdir/)
# and the flag that makes kver see it.
cat >"$tree/scripts/deps" <<EOF
#!/bin/sh
echo "deps \$*" >>'$events'
mkdir -p '$state/kdir'
printf 'modules clean:\n\t@echo "kbuild \$@ M=\$(M)" >>$events\n' >'$state/kdir/Makefile'
touch '$state/headers'
EOF
cat >"$tree/scripts/kver" <<EOF
#!/bin/sh
[ -f '$state/headers' ] || exit 0
case \${1:-6.1} in
--kdir)	echo '$state/kdir' ;;
*)	echo 0.0-stand-in ;;
esac
EOF
# vm "runs" tests/vm/run-all: a passing log for each test binary, as the
# summary expects of a kernel's run (or for the binaries given to run-all).
cat >"$tree/scripts/vm" <<EOF
#!/bin/sh
echo "vm \$*" >>'$events'
k=6.1
while [ \$# -gt 0 ]; do
	case \$1 in --kernel) k=\$2; shift 2 ;; --) shift; break ;; *) shift ;; esac
done
shift
tag=\$k
case \${1-} in
--prefix) shift 2 ;;
--tag) tag=\$2; shift 2 ;;
esac
bins=\$*
[ -n "\$bins" ] || bins=\$(ls "\$BUILD"/tests/vm/* | grep -v '[.]d\$')
mkdir -p "\$BUILD/results"
for t in \$bins; do
	n=\${t##*/}
	printf 'PLAN stand-in-%s 1\nPASS stand-in-%s.ran\n' "\$n" "\$n" \
		>"\$BUILD/results/vm-\$tag-\$n.log"
done
EOF
# tests/vmhost/boot_retry.sh drives scripts/vm's real crashes: a stand-in
# too, passing as the real one would.
cat >"$tree/tests/vmhost/boot_retry.sh" <<EOF
#!/bin/sh
echo "boot_retry \$*" >>'$events'
printf 'PLAN stand-in-boot_retry 1\nPASS stand-in-boot_retry.ran\n'
EOF
chmod +x "$tree/tests/vmhost/boot_retry.sh"
cat >"$tree/scripts/build-modules" <<EOF
#!/bin/sh
echo "build-modules \$*" >>'$events'
echo '$tree/kernel'
EOF
chmod +x "$tree"/scripts/{deps,kver,vm,build-modules}

fresh() { rm -rf "$state/kdir" "$state/headers"; : >"$events"; with_env=(); }
# run NAME MAKE-ARGS...: make in the copy, as a user would start it (none of
# the calling make's variables), output in $tmp/NAME.out, status in $st.
run() {
	local name=$1
	shift
	st=0
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES -u KVER -u KDIR \
		BUILD="$tmp/build" "${with_env[@]}" make -C "$tree" --no-print-directory "$@" \
		>"$tmp/$name.out" 2>&1 </dev/null || st=$?
}
show() { sed 's/^/    /' "$tmp/$1.out" | tail -n 15; }

# One line, saying to run make deps, nothing built.
stops_with_one_line() {
	local name=$1 out=$tmp/$1.out
	if [ "$st" = 0 ]; then
		fail "$name" "exited 0 with no kernel headers"; show "$name"
	elif [ "$(wc -l <"$out")" -ne 1 ]; then
		fail "$name" "$(wc -l <"$out") lines of output, not one"; show "$name"
	elif ! grep -q "run 'make deps'" "$out"; then
		fail "$name" "the line does not say to run 'make deps': $(cat "$out")"
	elif grep -qE '/usr/src/linux-headers-([^0-9A-Za-z]|$)' "$out"; then
		fail "$name" "the line names an empty headers path: $(cat "$out")"
	elif [ -s "$events" ] || [ -e "$tmp/build/lib" ]; then
		fail "$name" "something was built or run: $(tr '\n' ';' <"$events")"
	else
		pass "$name"
	fi
}

fresh; run make; stops_with_one_line make
fresh; run make_j2 -j2; stops_with_one_line make_j2
fresh; run make_modules modules; stops_with_one_line make_modules

# names_dir NAME DIR: stopped with one line naming DIR.
names_dir() {
	if [ "$st" != 0 ] && [ "$(wc -l <"$tmp/$1.out")" -eq 1 ] &&
	   grep -qF "$2" "$tmp/$1.out" && [ ! -s "$events" ]; then
		pass "$1"
	else
		fail "$1" "status $st; want one line naming $2"
		show "$1"
	fi
}
fresh; run make_modules_kver modules KVER=0.0-none
names_dir make_modules_kver /usr/src/linux-headers-0.0-none
fresh; run make_modules_kdir modules KDIR="$tmp/no-such-kdir"
names_dir make_modules_kdir "$tmp/no-such-kdir"

# events_in_order NAME LINE...: each LINE (a grep -E pattern) is in the
# events, in this order.
events_in_order() {
	local name=$1 at=0 n pat
	shift
	for pat in "$@"; do
		n=$(grep -nE "$pat" "$events" | head -n 1 | cut -d: -f1)
		if [ -z "$n" ] || [ "$n" -le "$at" ]; then
			fail "$name" "no '$pat' after line $at of: $(tr '\n' ';' <"$events")"
			return 1
		fi
		at=$n
	done
}

fresh; run make_demo -j2 demo
if [ "$st" != 0 ]; then
	fail make_demo "exited $st"; show make_demo
elif events_in_order make_demo '^deps --kernels 6\.1$' \
	"^kbuild modules M=$tree/kernel\$" '^vm -- scripts/demo-guest$'; then
	pass make_demo
fi

# As an outer make that exported them empty would start it (issue 9).
fresh; with_env=(KVER= KDIR=); run make_check -j2 check
last=$(tail -n 1 "$tmp/make_check.out")
if [ "$st" != 0 ]; then
	fail make_check "exited $st"; show make_check
elif ! [[ $last =~ ^[1-9][0-9]*\ passed,\ 0\ failed,\ [0-9]+\ skipped$ ]]; then
	fail make_check "last line is '$last'"
# The modules for every kernel first, then the boots (lanes side by side,
# so only each kernel's own boots are in order).
elif events_in_order make_check '^deps --kernels debug 6\.1 6\.12$' \
	"^kbuild modules M=$tree/kernel\$" '^build-modules debug$' '^build-modules 6\.1$' \
	'^build-modules 6\.12$' '^vm --kernel debug ' &&
     events_in_order make_check '^build-modules 6\.12$' '^vm --kernel 6\.1 --append' \
	'^vm --kernel 6\.1 --iommu ' &&
     events_in_order make_check '^build-modules 6\.12$' '^vm --kernel 6\.12 '; then
	pass make_check
fi

fresh; touch "$tree/kernel/core/stale.o"; run make_clean clean
if [ "$st" = 0 ] && [ ! -e "$tree/kernel/core/stale.o" ] && [ ! -e "$tmp/build" ]; then
	pass make_clean
else
	fail make_clean "status $st, kernel/core/stale.o or the build directory left"
	show make_clean
fi

echo "$suite: $passed passed, $failed failed, 0 skipped"
[ "$failed" = 0 ]
