#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# run-vm.sh KERNEL INITRD OUTDIR TIMEOUT [NAME=value...]
# Boot KERNEL with INITRD in qemu (TCG: this host has no usable KVM) and
# leave the three serial ports in OUTDIR: console.log (ttyS0), results.log
# (ttyS1, see init.sh) and dmesg.log (ttyS2). The NAME=value words go on the
# kernel command line, where the kernel hands them to init as environment.
# Lines init marks "flipcall-vm:" are shown as they come (VM_SHOW=all shows
# the whole console; VM_INTERACTIVE=1 makes the console this terminal).
# VM_ACCEL=icount runs the guest under qemu's instruction counting (one
# vCPU thread, guest time = guest instructions, see Documentation/
# benchmarks.rst); VM_SMP sets the CPU count (default 2, with icount 1;
# more than 1 under icount is an experiment: icount-smp-kick.sh),
# VM_CPU the CPU model (default max). VM_ACCEL=kvm uses KVM where /dev/kvm
# works (another machine: this host's KVM hangs), with the host's CPU model.
# VM_QEMU names another qemu-system-x86_64 binary and VM_QEMU_DATA its
# firmware directory (qemu -L), for a machine without Debian's qemu.
# Exits 124 when the VM overran TIMEOUT seconds.
set -uo pipefail

kernel=$1 initrd=$2 out=$3 secs=$4
shift 4
mkdir -p "$out"
rm -f "$out"/{console,results,dmesg}.{raw,log} "$out/qemu.log"
: >"$out/console.raw"

# A vCPU thread the host does not schedule for a while looks like a CPU
# stuck in the kernel to the guest: give RCU's stall detector more slack
# than its 21 s default, as the host runs other work too.
quirks=rcupdate.rcu_cpu_stall_timeout=60
# qemu's "-cpu max" has RDRAND: seed the RNG at once, so getrandom() does not
# wait and %p prints hashed pointers instead of "(____ptrval____)".
quirks="$quirks random.trust_cpu=on"
# "-cpu max" offers MONITOR/MWAIT, so the guest idles in mwait and a waker
# only sets the idle CPU's need-resched flag instead of sending an IPI; TCG
# does not wake an mwait-ing vCPU on that write, so a cross-CPU wake-up waited
# for the next tick (measured: 1.5-3 ms per round trip pinned to two CPUs,
# against ~0.1 ms with HLT). HLT idles take a real interrupt.
quirks="$quirks idle=halt"
# VM_CMDLINE: extra kernel command-line words, for experiments.
quirks="$quirks ${VM_CMDLINE:-}"

filter='flipcall-vm:'
[ "${VM_SHOW:-}" = all ] && filter=''

# shellcheck disable=SC2054 # qemu's option values contain commas
if [ "${VM_ACCEL:-}" = icount ]; then
	# shift=0: one guest instruction is one nanosecond of guest time;
	# sleep=off: an idle guest jumps to its next timer instead of waiting
	# for the host's clock, so nothing on the host can change a result.
	# Debian 12's qemu 7.2 hangs at "Booting SMP configuration" with -smp 2
	# under icount unless a debugger pokes the second vCPU (Documentation/
	# benchmarks.rst), hence one CPU unless VM_SMP asks for more.
	accel=(-accel tcg,thread=single -icount shift=0,sleep=off -smp "${VM_SMP:-1}")
	if [ "${VM_SMP:-1}" -gt 1 ]; then
		# The TSC runs at 1 GHz of guest time, HZ=250: preset the delay
		# loop, whose per-CPU calibration spins on jiffies the other
		# vCPU must advance; skip the TSC warp check for the same reason.
		quirks="$quirks lpj=4000000 tsc=reliable"
		rm -f "$out/gdb.sock"
		accel+=(-gdb "unix:$out/gdb.sock,server=on,wait=off")
		kick=1
	fi
elif [ "${VM_ACCEL:-}" = kvm ]; then
	accel=(-accel kvm -smp "${VM_SMP:-2}")
	VM_CPU=${VM_CPU:-host}
else
	accel=(-accel tcg,thread=multi -smp "${VM_SMP:-2}")
fi
# shellcheck disable=SC2054 # qemu's option values contain commas
qemu=("${VM_QEMU:-qemu-system-x86_64}" ${VM_QEMU_DATA:+-L "$VM_QEMU_DATA"}
	"${accel[@]}" -cpu "${VM_CPU:-max}" -m "${VM_MEM:-1024}"
	-kernel "$kernel" -initrd "$initrd"
	-append "console=ttyS0 panic=-1 nokaslr loglevel=6 log_buf_len=4M $quirks $*"
	-display none -monitor none -no-reboot -nodefaults
	-chardev file,id=results,path="$out/results.raw"
	-chardev file,id=dmesg,path="$out/dmesg.raw")
ports=(-serial chardev:console -serial chardev:results -serial chardev:dmesg)

if [ "${VM_INTERACTIVE:-0}" = 1 ]; then
	# make vm-shell: the console is this terminal, no time limit.
	"${qemu[@]}" -chardev stdio,id=console,signal=off "${ports[@]}"
	rc=$?
else
	timeout --kill-after=10 "$secs" "${qemu[@]}" \
		-chardev file,id=console,path="$out/console.raw" "${ports[@]}" \
		</dev/null >"$out/qemu.log" 2>&1 &
	vm=$!
	kicker=
	if [ "${kick:-0}" = 1 ]; then
		"$(dirname "$0")/icount-smp-kick.sh" "$out/gdb.sock" "$out/results.raw" $vm &
		kicker=$!
	fi
	# The live view ends by itself when the VM does.
	tail -s 0.2 --pid=$vm -n +1 -f "$out/console.raw" 2>/dev/null |
		grep --line-buffered -e "$filter" | sed -u 's/\r$//; s/^/  vm| /'
	wait $vm
	rc=$?
	[ -n "$kicker" ] && wait "$kicker"
fi

for port in console results dmesg; do
	tr -d '\r' <"$out/$port.raw" >"$out/$port.log" 2>/dev/null
	rm -f "$out/$port.raw"
done
if [ $rc -ne 0 ]; then
	echo "run-vm.sh: qemu exited with status $rc$([ $rc -eq 124 ] && echo " (timeout after ${secs}s)")" >&2
	grep -v 'TCG doesn.t support requested feature' "$out/qemu.log" >&2
fi
exit $rc
