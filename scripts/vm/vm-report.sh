#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vm-report.sh COMMAND OUTDIR [ARGS...] : turn what a VM run left in OUTDIR
# (see run-vm.sh, init.sh) into PASS/FAIL/SKIP lines, printing the evidence
# of every failure so a CI log shows why.
#   split    OUTDIR [TIMEOUT]            results.log -> OUTDIR/sections/;
#                                        TIMEOUT: the host killed the VM then
#   module   OUTDIR RESULTS PREFIX STEP  insmod or rmmod
#   kunit    OUTDIR RESULTS              one line per KUnit case
#   programs OUTDIR RESULTS KIND PROG... each program's TAP cases
#   log      OUTDIR RESULTS PREFIX       kernel log since the test start
#   kmemleak OUTDIR RESULTS KO           leaks allocated after the test start
#   verdict  OUTDIR                      exit 1 (and explain) if the VM died
set -uo pipefail

cmd=$1 out=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
tap_to_results=$here/../tap-to-results
sec=$out/sections

# section KIND NAME: path of a section's text; its exit status is in .rc
# (absent when the VM died inside it).
section() { echo "$sec/$1.$2"; }
info() { cat "$sec/info.$1" 2>/dev/null; }
finished() { [ "$(cat "$sec/verdict" 2>/dev/null)" = "done" ]; }
# Why a VM that did not finish stopped (vm-stage.sh notes a host timeout).
death() {
	if [ -f "$sec/host-timeout" ]; then
		echo "the VM hung and was killed after $(cat "$sec/host-timeout") s"
	else
		echo "the VM died"
	fi
}

indent() { sed 's/^/    /'; }

case $cmd in
split)
	rm -rf "$sec" && mkdir -p "$sec"
	awk -v dir="$sec" '
		/^@@ begin / { f = dir "/" $3 "." $4; printf "" > f; open = 1; next }
		/^@@ end / { close(f); print $5 > (f ".rc"); close(f ".rc"); open = 0; next }
		/^@@ info / { v = $0; sub(/^@@ info [^ ]+ /, "", v)
			print v > (dir "/info." $3); close(dir "/info." $3); next }
		/^@@ verdict / { print $3 > (dir "/verdict"); next }
		open { print >> f }' "$out/results.log" 2>/dev/null
	[ -n "${1:-}" ] && echo "$1" >"$sec/host-timeout"
	;;

verdict)
	finished && exit 0
	if [ -f "$sec/verdict" ]; then
		echo "vm: init aborted (verdict '$(cat "$sec/verdict")')"
	else
		echo "vm: no verdict from the VM: it crashed, hung or was killed"
	fi
	echo "vm: last 60 console lines ($out/console.log):"
	tail -n 60 "$out/console.log" 2>/dev/null | indent
	exit 1
	;;

module)
	results=$1 prefix=$2 step=$3
	f=$(section module "$step")
	if [ ! -f "$f" ]; then
		# No rmmod after a failed insmod: that FAIL is already there.
		[ "$step" = rmmod ] && [ "$(cat "$(section module insmod).rc" 2>/dev/null)" != 0 ] &&
			exit 0
		echo "FAIL ${prefix}$step (not reached: $(death))" >>"$results"
	elif [ "$(cat "$f.rc" 2>/dev/null)" = 0 ]; then
		echo "PASS ${prefix}$step" >>"$results"
	else
		echo "FAIL ${prefix}$step" >>"$results"
		echo "vm: $step failed (status $(cat "$f.rc" 2>/dev/null || echo none)):"
		indent <"$f"
	fi
	;;

kunit)
	results=$1
	if [ "$(cat "$(section module insmod).rc" 2>/dev/null)" != 0 ]; then
		echo "FAIL kunit (the module did not load)" >>"$results"
		exit 0
	fi
	kunit_rc=$(cat "$(section module insmod-kunit).rc" 2>/dev/null)
	if [ -n "$kunit_rc" ] && [ "$kunit_rc" != 0 ]; then
		echo "FAIL kunit (flipcall_kunit.ko did not load)" >>"$results"
		exit 0
	fi
	found=0
	for f in "$sec"/kunit.*; do
		case $f in *.rc|*"kunit.*") continue ;; esac
		found=1
		suite=${f##*/kunit.}
		lines=$("$tap_to_results" --leaves "$suite." <"$f")
		if [ -z "$lines" ]; then
			lines="FAIL $suite (no results)"
		fi
		# KUnit's per-case log is short: a long failure message can
		# swallow the case's own "not ok" line. The suite's still counts.
		if grep -q '^not ok' "$f" && ! echo "$lines" | grep -q '^FAIL'; then
			lines="$lines
FAIL $suite (the suite failed; a case's result line was lost in its log)"
		fi
		echo "$lines" >>"$results"
		if echo "$lines" | grep -q '^FAIL'; then
			echo "vm: KUnit suite $suite failed:"
			indent <"$f"
		fi
	done
	[ $found = 1 ] || echo "SKIP kunit (the module has no KUnit suite)" >>"$results"
	;;

programs)
	results=$1 kind=$2
	shift 2
	loaded=$(cat "$(section module insmod).rc" 2>/dev/null)
	for name in "$@"; do
		f=$(section "$kind" "$name")
		if [ ! -f "$f" ]; then
			if [ "$loaded" != 0 ]; then
				why="the module did not load"
			elif finished; then
				why="not in the image"
			else
				why=$(death)
			fi
			echo "FAIL $name (not run: $why)" >>"$results"
			continue
		fi
		lines=$("$tap_to_results" "$name: " <"$f")
		rc=$(cat "$f.rc" 2>/dev/null || echo died)
		case $rc in
		0) [ -n "$lines" ] || lines="FAIL $name (no TAP results)" ;;
		died) lines="$lines${lines:+$'\n'}FAIL $name (did not finish: $(death))" ;;
		timeout) lines="$lines${lines:+$'\n'}FAIL $name (timed out and could not be killed)" ;;
		137) lines="$lines${lines:+$'\n'}FAIL $name (killed after the time limit)" ;;
		*) echo "$lines" | grep -q '^FAIL' ||
			lines="$lines${lines:+$'\n'}FAIL $name (exited with status $rc)" ;;
		esac
		echo "$lines" >>"$results"
		if echo "$lines" | grep -q '^FAIL'; then
			echo "vm: $name failed (status $rc); its output:"
			indent <"$f"
		fi
	done
	;;

log)
	results=$1 prefix=$2
	log=$out/dmesg.log
	grep -q 'flipcall-vm: tests start' "$log" 2>/dev/null || log=$out/console.log
	since=$(mktemp)
	trap 'rm -f "$since"' EXIT
	# From the start marker on, without the "[ time][ T1] " prefixes.
	awk '/flipcall-vm: tests start/ { p = 1 } p' "$log" |
		sed -E 's/^<[0-9]+>//; s/^\[ *[0-9.]+\](\[ *[A-Z]?[0-9]+\])? ?//' >"$since"
	if [ ! -s "$since" ]; then
		echo "FAIL ${prefix}kernel log (no log after the test start)" >>"$results"
		exit 0
	fi
	hits=$(grep -nE -f <(grep -v '^#' "$here/splat-patterns") "$since" |
		grep -vE -f <(grep -v '^#' "$here/splat-ignore" | sed 's/^\^/^[0-9]+:/'))
	if ! finished; then
		echo "FAIL ${prefix}kernel log (incomplete: $(death))" >>"$results"
	fi
	if [ -z "$hits" ]; then
		finished && echo "PASS ${prefix}kernel log clean" >>"$results"
		exit 0
	fi
	echo "$hits" | cut -d: -f2- | awk '!seen[$0]++ { print "FAIL '"$prefix"'kernel log: " $0 }' |
		cut -c1-200 >>"$results"
	echo "vm: the kernel log has splats; each with the 40 lines after it:"
	for n in $(echo "$hits" | cut -d: -f1); do
		echo "  ---- line $n of the log since the test start"
		sed -n "${n},$((n + 40))p" "$since" | indent
	done
	;;

kmemleak)
	results=$1 ko=$2
	f=$(section kmemleak report)
	if [ ! -f "$f.rc" ]; then
		echo "FAIL kmemleak (no report: $(finished && echo 'kmemleak unavailable' || death))" >>"$results"
		exit 0
	fi
	start=$(info start-jiffies)
	base=$(info module-base)
	# Leak suspects allocated after the test start; raw return addresses
	# inside the (by now unloaded) module get the symbol from the .ko.
	leaks=$(awk -v start="${start:-0}" '
		/^unreferenced object/ { if (keep) printf "%s", block; block = ""; keep = 0 }
		/jiffies [0-9]+/ { match($0, /jiffies [0-9]+/); j = substr($0, RSTART + 8, RLENGTH - 8); keep = (j + 0 >= start + 0) }
		{ block = block $0 "\n" }
		END { if (keep) printf "%s", block }' "$f")
	if [ -z "$leaks" ]; then
		echo "PASS kmemleak: no leaks" >>"$results"
		exit 0
	fi
	if [ -n "$base" ] && [ -f "$ko" ]; then
		leaks=$(echo "$leaks" | "$here/symbolize.sh" "$ko" "$base")
	fi
	# One line per allocation site: the first frame that is not the
	# allocator itself, by its symbol when symbolize.sh found one.
	echo "$leaks" | awk '
		/^unreferenced object/ { size = $0; sub(/.*\(size /, "", size); sub(/\).*/, "", size); bt = 0; next }
		/backtrace:/ { bt = 1; next }
		bt == 1 && !/kmemleak|kmalloc|kmem_cache|__alloc|slab|vmalloc|kzalloc|alloc_pages|krealloc|kvmalloc/ {
			frame = $0
			if (frame ~ /\(.*\[.*\]\)$/) { sub(/^.*\(/, "", frame); sub(/\)$/, "", frame) }
			else sub(/^ *\[<[^>]*>\] */, "", frame)
			site = size " bytes from " frame
			if (!(site in n)) order[++sites] = site
			n[site]++; bt = 2 }
		END { for (i = 1; i <= sites; i++)
			printf "FAIL kmemleak: %d object(s) of %s\n", n[order[i]], order[i] }' >>"$results"
	echo "vm: kmemleak found leaks allocated during the tests:"
	echo "$leaks" | indent
	;;

*)
	echo "vm-report.sh: unknown command $cmd" >&2
	exit 2
	;;
esac
exit 0
