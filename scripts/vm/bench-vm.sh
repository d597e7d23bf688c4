#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bench-vm.sh PROGRAM... : make bench-vm. Boots the base kernel once per mode
# (BENCH_MODE=timed|icount|both, default both) and, with both, puts
# flipcall-bench's two results side by side:
#   timed   two vCPUs, wall clock: placement effects (same, cross, unpinned),
#           but host load moves the numbers -> build/bench/flipcall-bench.json
#   icount  one vCPU under qemu's instruction counting: guest instructions
#           per round trip, the same on a busy host as on an idle one
#           -> build/bench/icount/flipcall-bench.json
# The merged table goes to stdout and build/bench/bench-vm.json.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
BUILD=${BUILD:-$(cd "$here/../.." && pwd)/build}
out=$BUILD/bench
mode=${BENCH_MODE:-both}
case $mode in
timed|icount|both) ;;
*) echo "bench-vm.sh: BENCH_MODE is timed, icount or both, not '$mode'" >&2; exit 2 ;;
esac

rc=0
if [ "$mode" != icount ]; then
	rm -f "$out"/*.json "$out/trace.txt"
	"$here/vm-stage.sh" bench "$@" || rc=1
	# VM_BENCH_TRACE: where each row's wake-ups waited, from the trace.
	if [ -n "${VM_BENCH_TRACE:-}" ] && [ -f "$out/trace.txt" ]; then
		echo "wake-ups per row ($out/trace.txt):"
		"$here/bench-trace-wakeups.py" "$out/trace.txt" || rc=1
	fi
fi
if [ "$mode" != timed ]; then
	rm -f "$out"/icount/*.json
	"$here/vm-stage.sh" bench-icount "$@" || rc=1
fi

# flipcall-bench-static writes {}.json, {} being its name (VM_BENCH_ARGS).
timed=$out/flipcall-bench-static.json icount=$out/icount/flipcall-bench-static.json
[ "$mode" = both ] && [ -f "$timed" ] && [ -f "$icount" ] || exit $rc

# One row per mechanism and payload: the timed median per placement and the
# icount instructions: "same", and "cross" where VM_SMP=2 gave it two vCPUs.
jq -n --slurpfile t "$timed" --slurpfile i "$icount" '
	def rt(p): map(select(.placement == p and .status == "ok"))[0].rt_ns_median;
	def xf(p): map(select(.placement == p and .status == "ok"))[0].ratio_to_futex;
	($t[0].results + $i[0].results) as $all |
	($all | reduce .[].mechanism as $m ([]; if index([$m]) then . else . + [$m] end)) as $order |
	{timed: $t[0], icount: $i[0],
	 rows: [$all | group_by(.mechanism, .payload)[] |
		(map(select(has("guest_instructions_per_rt") | not))) as $tr |
		(map(select(has("guest_instructions_per_rt")))) as $ir |
		{mechanism: .[0].mechanism, payload: .[0].payload,
		 timed_rt_ns: {same: ($tr | rt("same")), cross: ($tr | rt("cross")),
			       unpinned: ($tr | rt("unpinned"))},
		 timed_ratio_to_futex_cross: ($tr | xf("cross")),
		 guest_instructions_per_rt: ($ir | rt("same")),
		 guest_instructions_per_rt_cross: ($ir | rt("cross")),
		 instructions_ratio_to_futex: ($ir | xf("same"))}] |
		sort_by(.payload, (.mechanism as $m | $order | index([$m])))}' \
	>"$out/bench-vm.json" || exit 1

echo
echo "flipcall-bench in the VM, both modes (RT us: timed, 2 vCPUs, host-load dependent;"
echo "insns/RT: icount, guest instructions per round trip, same on any host; cross insns only"
echo "with VM_SMP=2, where the count is both vCPUs' instructions)"
jq -r '.rows[] | [.mechanism, .payload,
	.timed_rt_ns.same, .timed_rt_ns.cross, .timed_rt_ns.unpinned,
	.timed_ratio_to_futex_cross, .guest_instructions_per_rt,
	.instructions_ratio_to_futex, .guest_instructions_per_rt_cross] |
	map(. // "-") | @tsv' "$out/bench-vm.json" |
	awk -F'\t' '
		function us(v) { return v == "-" ? v : sprintf("%.1f", v / 1000) }
		function x(v) { return v == "-" ? v : sprintf("%.2f", v) }
		BEGIN { f = "%-15s %7s %9s %9s %9s %8s %10s %8s %11s\n"
			printf f, "mechanism", "payload", "same us", "cross us",
				"unpin us", "xfutex", "insns/RT", "xfutex", "cross insns" }
		{ printf f, $1, $2, us($3), us($4), us($5), x($6), $7, x($8), $9 }'
echo "vm: merged JSON in $out/bench-vm.json"
exit $rc
