#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# canary.sh RESULTS_FILE PROGRAM : prove the debug VM stage catches module
# bugs. For each injected bug, build a copy of the module with the bug in
# the FLIPCALL_IOC_API handler, run PROGRAM (which calls that ioctl) in the
# debug VM under a separate build directory, and record PASS only if the
# stage named below turned red for that reason. The real results and module
# are never touched.
set -uo pipefail

results=$1 prog=$2
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
BUILD=${BUILD:-$src/build}
# The line after which the bug goes; if it moves, the canary says so.
anchor='	flipcall_limits_read(&lim);'

# bug KIND: C statements injected after the anchor.
bug() {
	case $1 in
	use-after-free)
		echo '	{ u8 *canary = kmalloc(64, GFP_KERNEL); if (canary) { kfree(canary); OPTIMIZER_HIDE_VAR(canary); WRITE_ONCE(canary[8], 1); } }' ;;
	leak)
		echo '	{ u8 *canary = kmalloc(128, GFP_KERNEL); OPTIMIZER_HIDE_VAR(canary); if (canary) memset(canary, 0x5a, 128); }' ;;
	esac
}

# KIND STAGE_FILE PATTERN: the red the bug must cause.
check() {
	local kind=$1 file=$2 pattern=$3
	local dir=$BUILD/canary/$kind
	rm -rf "$dir" && mkdir -p "$dir/src"
	cp -r "$src/Kbuild" "$src/kmod" "$src/uapi" "$dir/src/"
	rm -f "$dir/src/kmod/"*.o "$dir/src/kmod/"*.ko
	if ! grep -qxF "$anchor" "$dir/src/kmod/main.c"; then
		echo "FAIL canary $kind: anchor line not found in kmod/main.c (update scripts/vm/canary.sh)" >>"$results"
		return
	fi
	awk -v anchor="$anchor" -v code="$(bug "$kind")" \
		'{ print } $0 == anchor { print code }' \
		"$src/kmod/main.c" >"$dir/src/kmod/main.c"
	echo "vm: canary: module with an injected $kind"
	BUILD=$dir RESULTS=$dir/results KMOD_SRC=$dir/src VM_TESTS=$(basename "$prog") \
		"$here/vm-stage.sh" debug "$prog" >"$dir/stage.log" 2>&1
	if grep -q '^FAIL' "$dir/results/$file.results" &&
	   grep -qE "$pattern" "$dir/vm/debug/"*.log; then
		echo "PASS canary: injected $kind turns $file red" >>"$results"
		echo "vm: canary: caught ($(grep -m1 -oE "$pattern" "$dir/vm/debug/"*.log | head -n 1 | cut -d: -f2-))"
	else
		echo "FAIL canary: injected $kind went unnoticed by $file" >>"$results"
		sed 's/^/  canary| /' "$dir/stage.log"
	fi
}

: >"$results"
check use-after-free vm-kernel-log 'KASAN: (slab-)?use-after-free'
check leak vm-kmemleak 'unreferenced object'
