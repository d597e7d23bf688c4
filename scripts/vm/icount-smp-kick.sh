#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# icount-smp-kick.sh GDB-SOCKET RESULTS-FILE QEMU-PID : help a -smp 2 guest
# under qemu -icount past "Booting SMP configuration" (run-vm.sh starts it).
# Debian 12's qemu 7.2 does not run the second vCPU after the guest's
# INIT/SIPI under icount's round-robin vCPU thread until something kicks
# it; a debugger that selects that vCPU does (Documentation/benchmarks.rst).
# So, every 2 s until init reports on the results port (which needs every
# CPU up), attach gdb to qemu's gdbstub, select CPU 2, read its PC, detach.
set -uo pipefail

sock=$1 results=$2 qemu=$3
for _ in $(seq 1 60); do
	sleep 2
	kill -0 "$qemu" 2>/dev/null || exit 0
	if grep -q '^@@ info' "$results" 2>/dev/null; then
		exit 0
	fi
	# shellcheck disable=SC2016 # $pc is gdb's
	timeout 10 gdb -q -batch -nx -ex "target remote $sock" -ex "thread 2" \
		-ex 'p/x $pc' -ex detach >/dev/null 2>&1
done
echo "icount-smp-kick.sh: the guest's second CPU never came up" >&2
exit 1
