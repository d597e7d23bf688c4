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
	rm -f "$out"/*.json
	"$here/vm-stage.sh" bench "$@" || rc=1
fi
if [ "$mode" != timed ]; then
	rm -f "$out"/icount/*.json
	"$here/vm-stage.sh" bench-icount "$@" || rc=1
fi

timed=$out/flipcall-bench.json icount=$out/icount/flipcall-bench.json
[ "$mode" = both ] && [ -f "$timed" ] && [ -f "$icount" ] || exit $rc

# One row per mechanism and payload: the timed median per placement and the
# icount instructions (its only placement is "same": one vCPU).
jq -n --slurpfile t "$timed" --slurpfile i "$icount" '
	def rt(p): map(select(.placement == p and .status == "ok"))[0].rt_ns_median;
	def xf(p): map(select(.placement == p and .status == "ok"))[0].ratio_to_futex;
	{timed: $t[0], icount: $i[0],
	 rows: [($t[0].results + $i[0].results) | group_by(.mechanism, .payload)[] |
		(map(select(has("guest_instructions_per_rt") | not))) as $tr |
		(map(select(has("guest_instructions_per_rt")))) as $ir |
		{mechanism: .[0].mechanism, payload: .[0].payload,
		 timed_rt_ns: {same: ($tr | rt("same")), cross: ($tr | rt("cross")),
			       unpinned: ($tr | rt("unpinned"))},
		 timed_ratio_to_futex_cross: ($tr | xf("cross")),
		 guest_instructions_per_rt: ($ir | rt("same")),
		 instructions_ratio_to_futex: ($ir | xf("same"))}]}' \
	>"$out/bench-vm.json" || exit 1

echo
echo "flipcall-bench in the VM, both modes (RT us: timed, 2 vCPUs, host-load dependent;"
echo "insns/RT: icount, 1 vCPU, guest instructions per round trip, same on any host)"
jq -r '.rows | sort_by(.payload)[] | [.mechanism, .payload,
	(.timed_rt_ns.same, .timed_rt_ns.cross, .timed_rt_ns.unpinned |
	 if . == null then "-" else . / 1000 * 10 | round / 10 | tostring end),
	(.timed_ratio_to_futex_cross // "-" | tostring | .[0:4]),
	(.guest_instructions_per_rt // "-"),
	(.instructions_ratio_to_futex // "-" | tostring | .[0:4])] | @tsv' \
	"$out/bench-vm.json" |
	awk -F'\t' 'BEGIN { printf "%-15s %7s %9s %9s %9s %8s %10s %8s\n", "mechanism",
			"payload", "same us", "cross us", "unpin us", "xfutex", "insns/RT", "xfutex" }
		{ printf "%-15s %7s %9s %9s %9s %8s %10s %8s\n", $1, $2, $3, $4, $5, $6, $7, $8 }'
echo "vm: merged JSON in $out/bench-vm.json"
exit $rc
