#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# PID 1 of the test VM (busybox sh). The kernel command line's NAME=value
# words arrive as environment variables:
#   MODE=test|bench|demo|stock|shell  what to run (default test)
#   TESTS=a,b                   run only these of the programs in /progs
#   KUNIT_ONLY=1                load the module, collect KUnit, run no program
#   TEST_TIMEOUT=N              seconds each program may run
#   TRACE=sys:event,...         bench mode: record these tracefs events while
#                               the programs run, returned as trace.txt
#
# ttyS0 is the console (progress for a human), ttyS1 carries the machine
# readable results, ttyS2 the full kernel log at the end. Results protocol
# on ttyS1 (run-vm-stage.sh reads it):
#   @@ info KEY VALUE
#   @@ begin KIND NAME     raw output follows (TAP, KTAP, kmemleak report...)
#   @@ end KIND NAME RC
#   @@ verdict done|aborted
# A missing "@@ end" means the VM died inside that section; a missing
# verdict means it crashed.

PATH=/bin:/usr/local/bin	# tools the tests call (mkinitramfs.sh -t)
LD_LIBRARY_PATH=/usr/local/lib	# libraries from outside /lib (mkinitramfs.sh)
export PATH LD_LIBRARY_PATH
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t debugfs debugfs /sys/kernel/debug
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null &&
	echo +memory >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null
mkdir -p /tmp && mount -t tmpfs tmpfs /tmp
# The tty line discipline would turn \n into \r\n.
stty -F /dev/ttyS1 raw -echo
stty -F /dev/ttyS2 raw -echo
exec 3>/dev/ttyS1

MODE=${MODE:-test}
TEST_TIMEOUT=${TEST_TIMEOUT:-300}
KMEMLEAK=/sys/kernel/debug/kmemleak

say() { echo "$*" >&3; }
note() { echo "flipcall-vm: $*"; }
uptime_s() { cut -d. -f1 /proc/uptime; }
jiffies() { awk '/^jiffies:/ { print $2; exit }' /proc/timer_list; }

send_dmesg() {
	dmesg >/dev/ttyS2
}

finish() {
	trap - EXIT
	send_dmesg
	say "@@ verdict ${1:-aborted}"
	exec 3>&-	# closing a serial port waits until it has drained
	poweroff -f
}
trap finish EXIT

# run_program KIND PATH : run one program in /tmp/out with a deadline, its
# output inside a section. A program stuck in the kernel cannot be killed:
# after the deadline it is abandoned so the rest still runs (the kernel log
# check then reports the hang).
run_program() {
	kind=$1 path=$2 name=$(basename "$2")
	say "@@ begin $kind $name"
	note "running $name"
	start=$(uptime_s)
	# shellcheck disable=SC2046 # the arguments are words
	(cd /tmp/out && exec timeout -s KILL "$TEST_TIMEOUT" "$path" \
		$(sed "s/{}/$name/g" /progs.args 2>/dev/null)) >&3 2>&1 &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		if [ $(($(uptime_s) - start)) -gt $((TEST_TIMEOUT + 10)) ]; then
			note "$name did not exit after ${TEST_TIMEOUT}s; abandoning it"
			say "@@ end $kind $name timeout"
			return
		fi
		usleep 200000
	done
	wait "$pid"
	rc=$?
	say "@@ end $kind $name $rc"
	note "$name exited with $rc"
}

# A benchmark's wake-ups, as the guest saw them (make bench-vm
# VM_BENCH_TRACE=...): per-CPU buffers large enough for a few rows.
TRACEFS=/sys/kernel/tracing
trace_start() {
	echo 32768 >$TRACEFS/buffer_size_kb
	: >$TRACEFS/set_event
	for e in $(echo "$TRACE" | tr , ' '); do
		echo "$e" >>$TRACEFS/set_event || note "no trace event $e"
	done
	echo 1 >$TRACEFS/tracing_on
}

trace_stop() {
	echo 0 >$TRACEFS/tracing_on
	cat $TRACEFS/trace >/tmp/out/trace.txt
}

wanted() {
	[ -z "$TESTS" ] && return 0
	case ",$TESTS," in *",$1,"*) return 0 ;; esac
	return 1
}

say "@@ info mode $MODE"
say "@@ info kernel $(uname -r)"
say "@@ info cpus $(grep -c ^processor /proc/cpuinfo)"
[ -w /proc/sys/kernel/hung_task_timeout_secs ] &&
	echo 60 >/proc/sys/kernel/hung_task_timeout_secs
# Boot-time leak suspects are not ours; later ones are filtered by jiffies.
[ -w $KMEMLEAK ] && echo clear >$KMEMLEAK
say "@@ info start-jiffies $(jiffies)"
echo "flipcall-vm: tests start" >/dev/kmsg

# Modules the stock kernel needs first (Debian's own .ko files).
for m in /lib/deps/*.ko; do
	[ -e "$m" ] && insmod "$m"
done

say "@@ begin module insmod"
insmod /flipcall.ko >&3 2>&1
loaded=$?
say "@@ end module insmod $loaded"
if [ $loaded -eq 0 ]; then
	base=$(awk '$1 == "flipcall" { print $6 }' /proc/modules)
	note "flipcall.ko loaded at $base (objdump -d flipcall.ko --adjust-vma=$base)"
	say "@@ info module-base $base"
fi

# The KUnit suites are a module of their own (flipcall.ko carries no test
# code); they run while it is being inserted, and their debugfs results
# vanish when it is removed, right after they are read.
kunit_loaded=1
if [ $loaded -eq 0 ] && [ -f /flipcall_kunit.ko ]; then
	say "@@ begin module insmod-kunit"
	insmod /flipcall_kunit.ko >&3 2>&1
	kunit_loaded=$?
	say "@@ end module insmod-kunit $kunit_loaded"
fi
for d in /sys/kernel/debug/kunit/*/; do
	[ -f "$d/results" ] || continue
	suite=$(basename "$d")
	say "@@ begin kunit $suite"
	cat "$d/results" >&3
	say "@@ end kunit $suite 0"
done
[ $kunit_loaded -eq 0 ] && rmmod flipcall_kunit

last_test_end=$(uptime_s)
if [ $loaded -eq 0 ] && [ "${KUNIT_ONLY:-0}" != 1 ]; then
	kind=$MODE
	[ "$MODE" = stock ] && kind="test"
	mkdir -p /tmp/out
	if [ "$MODE" = shell ]; then
		note "shell with the module loaded; programs in /progs; exit to unload and check"
		(cd /tmp/out && setsid cttyhack sh -l)
	fi
	[ "$MODE" = bench ] && [ -n "$TRACE" ] && trace_start
	# /progs.list names the programs in the order the build gave them.
	for prog in $(cat /progs.list 2>/dev/null); do
		[ "$MODE" = shell ] && break
		wanted "$prog" || continue
		run_program "$kind" "/progs/$prog"
	done
	[ "$MODE" = bench ] && [ -n "$TRACE" ] && trace_stop
	# Files the programs left (benchmark JSON) go back to the host.
	for f in /tmp/out/*; do
		[ -f "$f" ] || continue
		say "@@ begin file $(basename "$f")"
		cat "$f" >&3
		say "@@ end file $(basename "$f") 0"
	done
	last_test_end=$(uptime_s)
fi

if [ $loaded -eq 0 ]; then
	say "@@ begin module rmmod"
	rmmod flipcall >&3 2>&1
	say "@@ end module rmmod $?"
fi

# kmemleak reports an object only when it is older than 5 s and unchanged
# since the previous scan: scan, wait until 5 s after the last test, scan
# again.
if [ -w $KMEMLEAK ] && { [ "$MODE" = test ] || [ "$MODE" = shell ]; }; then
	note "kmemleak scan"
	echo scan >$KMEMLEAK
	while [ $(($(uptime_s) - last_test_end)) -lt 7 ]; do
		sleep 1
	done
	echo scan >$KMEMLEAK
	say "@@ begin kmemleak report"
	cat $KMEMLEAK >&3
	say "@@ end kmemleak report 0"
fi

echo "flipcall-vm: tests end" >/dev/kmsg
note "done"
finish "done"
