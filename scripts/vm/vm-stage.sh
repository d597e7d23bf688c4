#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vm-stage.sh STAGE [PROGRAM...] : build what a VM stage needs, boot it and
# report. Called by scripts/vm/vm.mk; always exits 0 for the check stages
# (the results files carry the verdict) so the other stages still run.
#   debug  debug kernel: KUnit, PROGRAMs (selftests), kernel log, kmemleak
#          -> vm-kunit, vm-selftests, vm-kernel-log, vm-kmemleak.results
#   stock  Debian's kernel and the module from `make module`: load, PROGRAMs
#          (the smoke test), unload, kernel log -> vm-stock.results
#   stock-dkms  the same with the module in $STOCK_KO (the one DKMS built in
#          the package test, scripts/pkg/) -> vm-stock-dkms.results
#   bench  base kernel: run PROGRAMs, print their output, copy the files they
#          wrote to $BENCH_OUT (default build/bench/)
#   bench-icount  the same on one vCPU (VM_SMP=2: two, see run-vm.sh) under
#          qemu's instruction counting;
#          the programs get -I first; files go to $BENCH_OUT (default
#          build/bench/icount/)
#   demo   $DEMO_FLAVOUR kernel (default debug): run PROGRAMs, show output
#   shell  $SHELL_FLAVOUR kernel (default debug): a shell on this terminal
#          with the module loaded and PROGRAMs in /progs; on exit the module
#          is unloaded and kmemleak runs
# Environment: BUILD RESULTS (from make), VM_TESTS (comma or space separated
# program names), KUNIT_ONLY=1, VM_TEST_TIMEOUT (per program, s),
# VM_TIMEOUT (whole boot, s), VM_MEM (MiB), VM_SHOW=all (whole console),
# VM_BENCH_ARGS (arguments of every bench program, "{}" = its name),
# VM_TOOLS (programs the tests call, packed into /usr/local/bin),
# KMOD_SRC (a tree to build the module from instead of this one).
set -uo pipefail

stage=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
BUILD=${BUILD:-$src/build}
RESULTS=${RESULTS:-$BUILD/results}
report=$here/vm-report.sh
out=$BUILD/vm/$stage
mkdir -p "$out" "$RESULTS"
t0=$(date +%s)

case $stage in
debug)	flavour=debug mode=test
	files="vm-kunit vm-selftests vm-kernel-log vm-kmemleak" ;;
stock)	flavour=stock mode=stock files=vm-stock ;;
stock-dkms) flavour=stock mode=stock files=vm-stock-dkms ;;
bench)	flavour=base mode=bench files= ;;
bench-icount)
	flavour=base mode=bench files=
	export VM_ACCEL=icount ;;
demo)	flavour=${DEMO_FLAVOUR:-debug} mode=demo files= ;;
shell)	flavour=${SHELL_FLAVOUR:-debug} mode=shell files=
	export VM_INTERACTIVE=1 ;;
*)	echo "vm-stage.sh: unknown stage $stage" >&2; exit 2 ;;
esac
for f in $files; do : >"$RESULTS/$f.results"; done

# fail_stage REASON: the stage could not run at all; every results file
# of the stage gets a FAIL line, so the summary shows it.
fail_stage() {
	echo "vm: $stage: $1" >&2
	for f in $files; do echo "FAIL $f: $1" >>"$RESULTS/$f.results"; done
	[ -n "$files" ] && exit 0
	exit 1
}

# The kernel and the module built against it.
deps=()
if [ "$flavour" = stock ]; then
	ko=${STOCK_KO:-$BUILD/kmod/host/kmod/flipcall.ko}
	[ -f "$ko" ] || fail_stage "no $ko (make module)"
	release=$(modinfo -F vermagic "$ko" | cut -d' ' -f1)
	kernel=/boot/vmlinuz-$release
	[ -f "$kernel" ] || fail_stage "the module is built for $release but $kernel is missing (scripts/install-deps.sh stock)"
	for dep in $(modinfo -F depends "$ko" | tr , ' '); do
		for m in $(modprobe -S "$release" --show-depends "$dep" | awk '$1 == "insmod" { print $2 }'); do
			deps+=(-d "$m")
		done
	done
else
	entry=$("$here/build-kernel.sh" "$flavour") || fail_stage "building the $flavour kernel failed"
	kernel=$entry/bzImage
	# KMOD_SRC: build the module from another tree (scripts/vm/canary.sh).
	"${KMOD_SRC:-$src}/kmod/build.sh" "$entry/build" "$BUILD/kmod/$flavour" ||
		fail_stage "the module does not build against the $flavour kernel"
	ko=$BUILD/kmod/$flavour/kmod/flipcall.ko
fi

# VM_TESTS limits the programs; the names are the programs' file names.
vm_tests=${VM_TESTS:-}
[ "$flavour" = stock ] && vm_tests=	# always the whole smoke test
# Programs that failed to build are reported, not packed.
progs=()
unbuilt=()
for p in "$@"; do
	name=$(basename "$p")
	if [ -n "$vm_tests" ] && ! echo " ${vm_tests//,/ } " | grep -q " $name "; then
		continue
	fi
	if [ -x "$p" ]; then
		progs+=("$p")
	else
		unbuilt+=("$name")
		echo "vm: $name was not built (see the compiler's errors above)"
	fi
done
names=()
for p in ${progs[@]+"${progs[@]}"}; do names+=("$(basename "$p")"); done
for want in ${vm_tests//,/ }; do
	for p in "$@"; do [ "$(basename "$p")" = "$want" ] && continue 2; done
	unbuilt+=("$want")
	echo "vm: VM_TESTS names $want, which is not one of: $(for p in "$@"; do basename "$p"; done | tr '\n' ' ')"
done
[ "${KUNIT_ONLY:-0}" = 1 ] && names=()

trace=
case $stage in
# Traced events cost instructions, so only the timed boot records them.
bench)	export PROG_ARGS=${VM_BENCH_ARGS-"-j {}.json"}
	trace=${VM_BENCH_TRACE:-} ;;
# On one vCPU "unpinned" would only repeat "same"; VM_SMP=2 adds "cross".
bench-icount)
	places=same
	[ "${VM_SMP:-1}" -gt 1 ] && places=same,cross
	export PROG_ARGS="-I ${VM_BENCH_ARGS-"-P $places -j {}.json"}" ;;
demo) export PROG_ARGS=${DEMO_ARGS:-} ;;
esac
# VM_TOOLS: programs the tests call (lisafs-fuse, flipcall-nic...), on PATH.
# They link the shared libflipcall from the build, as packaged.
export LD_LIBRARY_PATH=$BUILD/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
for t in ${VM_TOOLS:-}; do
	[ -x "$t" ] && deps+=(-t "$t") || echo "vm: tool $t was not built; the tests that need it will fail"
done
"$here/mkinitramfs.sh" "$out/initramfs.cpio" "$ko" ${deps[@]+"${deps[@]}"} ${progs[@]+"${progs[@]}"} ||
	fail_stage "packing the initramfs failed"

test_timeout=${VM_TEST_TIMEOUT:-300}
vm_timeout=${VM_TIMEOUT:-$((240 + ${#names[@]} * (test_timeout + 20)))}
tests=$(IFS=,; echo "${names[*]}")
echo "vm: $stage: booting $(basename "$kernel") ($flavour) with ${#names[@]} program(s)"
"$here/run-vm.sh" "$kernel" "$out/initramfs.cpio" "$out" "$vm_timeout" \
	MODE=$mode TEST_TIMEOUT="$test_timeout" KUNIT_ONLY="${KUNIT_ONLY:-0}" \
	${tests:+TESTS=$tests} ${trace:+TRACE=$trace}
vm_rc=$?
"$report" split "$out" "$([ $vm_rc -eq 124 ] && echo "$vm_timeout")"
"$report" verdict "$out"
dead=$?
echo "vm: $stage: took $(( $(date +%s) - t0 )) s with the builds (logs in $out)"

for name in ${unbuilt[@]+"${unbuilt[@]}"}; do
	for f in $files; do
		case $f in vm-selftests|vm-stock*) echo "FAIL $name (not built or unknown)" >>"$RESULTS/$f.results" ;; esac
	done
done

case $stage in
debug)
	"$report" module "$out" "$RESULTS/vm-selftests.results" "module: " insmod
	"$report" kunit "$out" "$RESULTS/vm-kunit.results"
	"$report" programs "$out" "$RESULTS/vm-selftests.results" test ${names[@]+"${names[@]}"}
	"$report" module "$out" "$RESULTS/vm-selftests.results" "module: " rmmod
	"$report" log "$out" "$RESULTS/vm-kernel-log.results" ""
	"$report" kmemleak "$out" "$RESULTS/vm-kmemleak.results" "$ko"
	;;
stock|stock-dkms)
	"$report" module "$out" "$RESULTS/$files.results" "" insmod
	"$report" programs "$out" "$RESULTS/$files.results" test ${names[@]+"${names[@]}"}
	"$report" module "$out" "$RESULTS/$files.results" "" rmmod
	"$report" log "$out" "$RESULTS/$files.results" ""
	;;
shell)
	"$report" log "$out" /dev/stdout ""
	"$report" kmemleak "$out" /dev/stdout "$ko"
	;;
bench|bench-icount|demo)
	for n in ${names[@]+"${names[@]}"}; do
		echo "==== $n (in the VM: $(cat "$out/sections/info.kernel" 2>/dev/null), $(cat "$out/sections/info.cpus" 2>/dev/null) CPUs)"
		cat "$out/sections/$mode.$n" 2>/dev/null || echo "(no output: the VM died first)"
		echo "==== $n exit status: $(cat "$out/sections/$mode.$n.rc" 2>/dev/null || echo none)"
	done
	if [ "$mode" = bench ]; then
		dest=${BENCH_OUT:-$BUILD/bench$([ "$stage" = bench-icount ] && echo /icount)}
		mkdir -p "$dest"
		for f in "$out"/sections/file.*; do
			[ -f "$f" ] && [ "${f%.rc}" = "$f" ] || continue
			cp "$f" "$dest/${f##*/file.}"
			echo "vm: copied ${f##*/file.} to $dest/"
		done
	fi
	[ $dead -eq 0 ] && [ $vm_rc -eq 0 ]
	exit $?
	;;
esac
exit 0
