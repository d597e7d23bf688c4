#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nic-bench.sh FLIPCALL_NIC [JSON_OUT]: TCP throughput (iperf3, one
# stream, NIC_BENCH_SECONDS each, default 3) between two network namespaces
# joined by (1) a veth pair, the kernel's own path, (2) flipcall-nic over a
# socketpair, (3) flipcall-nic over the sharedmem queues, both as they run
# by default (MTU-sized frames on the transport, coalesced into GSO frames
# before the receiving TAP), (4, 5) the two bridges with --no-coalesce, and
# (6, 7) with --offload (vnet header, TSO and checksum offload: 64 KiB
# frames), and (8, 9) the same path with no transport at all, tap-direct:
# one process forwarding TAP to TAP with the same TAP handling (by default
# and with --offload). They take turns for NIC_BENCH_ROUNDS rounds (default 3), so a busy
# machine's noise falls on all of them; each path's median counts. For the bridges it also
# reports the CPU time both bridge processes spent per GB carried, which a
# busy machine disturbs less than throughput. Prints a table, one JSON line
# (also written to JSON_OUT) and the ratios. Needs root.
set -u
NIC_BIN=$1
json_out=${2:-}
DIRECT_BIN=$(dirname "$NIC_BIN")/tap-direct
secs=${NIC_BENCH_SECONDS:-3}
rounds=${NIC_BENCH_ROUNDS:-3}
here=$(dirname "$0")
. "$here/nic-netns.sh"
NIC_DIR=$(mktemp -d)
trap 'nic_cleanup; rm -rf "$NIC_DIR"' EXIT
trap 'exit 1' INT TERM

why=$(nic_unsupported)
[ -z "$why" ] && ! command -v iperf3 >/dev/null && why="no iperf3"
if [ -n "$why" ]; then
	echo "flipcall-nic bench: skipped: $why"
	exit 0
fi
nic_netns_up || exit 1

veth_up() {
	ip link add fcv0 netns "$NIC_NS_A" type veth peer name fcv1 \
		netns "$NIC_NS_B" &&
	nic_addr_up "$NIC_NS_A" fcv0 $NIC_ADDR_A &&
	nic_addr_up "$NIC_NS_B" fcv1 $NIC_ADDR_B
}

veth_down() { ip -n "$NIC_NS_A" link del fcv0; }

direct_up() { # [--offload]
	rm -f "$NIC_DIR/server.log"
	"$DIRECT_BIN" "$NIC_NS_A" "$NIC_NS_B" $NIC_TAP "$@" \
		2>"$NIC_DIR/server.log" &
	NIC_SERVER_PID=$!
	NIC_PIDS=$NIC_SERVER_PID
	nic_taps_up && nic_wait_forwarding "$NIC_DIR/server.log"
}

# iperf3 from A to B; prints received bits/s, retransmits and bytes, or
# nothing.
measure() {
	ip netns exec "$NIC_NS_B" timeout $((secs + 20)) iperf3 -s -1 \
		>/dev/null 2>&1 &
	server=$!
	i=0
	until ip netns exec "$NIC_NS_B" ss -ltn | grep -q ':5201 '; do
		i=$((i + 1)); [ $i -gt 100 ] && break; sleep 0.05
	done
	ip netns exec "$NIC_NS_A" timeout $((secs + 15)) iperf3 -J -t "$secs" \
		-c $NIC_ADDR_B >"$NIC_DIR/iperf.json" 2>/dev/null
	wait $server
	python3 - "$NIC_DIR/iperf.json" <<'PY'
import json, sys
try:
    end = json.load(open(sys.argv[1]))["end"]
    print(int(end["sum_received"]["bits_per_second"]),
          end["sum_sent"].get("retransmits", 0),
          int(end["sum_received"]["bytes"]))
except Exception:
    pass
PY
}

# CPU ticks (user + system) both bridges have used so far; 0 for veth.
bridge_ticks() {
	t=0
	for pid in $NIC_SERVER_PID $NIC_CLIENT_PID; do
		t=$((t + $(awk '{ print $14 + $15 }' /proc/$pid/stat)))
	done
	echo $t
}

declare -A samples retr bps cpu_ticks bytes round_bps
round=0
run_case() { # NAME UP_CMD DOWN_CMD
	NIC_SERVER_PID= NIC_CLIENT_PID=
	if ! $2; then
		echo "flipcall-nic bench: $1: setup failed" >&2
		$3
		return
	fi
	t0=$(bridge_ticks)
	read -r b r n < <(measure)
	t1=$(bridge_ticks)
	$3
	[ -n "${b:-}" ] || return
	samples[$1]="${samples[$1]:-} $b"
	round_bps[$1.$round]=$b
	retr[$1]=$(( ${retr[$1]:-0} + r ))
	bytes[$1]=$(( ${bytes[$1]:-0} + n ))
	cpu_ticks[$1]=$(( ${cpu_ticks[$1]:-0} + t1 - t0 ))
}

cases="veth direct socketpair sharedmem socketpair-nocoalesce sharedmem-nocoalesce direct-offload socketpair-offload sharedmem-offload"
for round in $(seq "$rounds"); do
	for k in $cases; do
		case $k in
		veth) run_case veth veth_up veth_down ;;
		direct) run_case $k direct_up nic_bridges_down ;;
		direct-offload)
			run_case $k "direct_up --offload" nic_bridges_down ;;
		*-offload)
			run_case $k "nic_bridges_up ${k%-offload} --offload" \
				nic_bridges_down ;;
		*-nocoalesce)
			run_case $k "nic_bridges_up ${k%-nocoalesce} --no-coalesce" \
				nic_bridges_down ;;
		*) run_case $k "nic_bridges_up $k" nic_bridges_down ;;
		esac
	done
done

median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }

printf '\nflipcall-nic: TCP throughput between two namespaces (iperf3, 1 stream, MTU 1500, median of %s x %s s)\n' "$rounds" "$secs"
printf '%-40s %8s %20s %11s %13s\n' path Gbit/s "samples (Gbit/s)" retransmits "bridge CPU s/GB"
hz=$(getconf CLK_TCK)
declare -A cpu_per_gb
label() {
	case $1 in
	veth) echo "veth pair (kernel)" ;;
	direct) echo "no transport: TAP to TAP" ;;
	direct-offload) echo "no transport: TAP to TAP +offload" ;;
	*-offload) echo "flipcall-nic over ${1%-offload} +offload" ;;
	*-nocoalesce) echo "flipcall-nic over ${1%-nocoalesce} -coalesce" ;;
	*) echo "flipcall-nic over $1" ;;
	esac
}
gbit() { awk -v b="$1" 'BEGIN { printf "%.2f", b / 1e9 }'; }
json="{\"bench\":\"flipcall-nic\",\"seconds\":$secs,\"rounds\":$rounds,\"mtu\":1500,\"paths\":{"
sep=
for k in $cases; do
	if [ -z "${samples[$k]:-}" ]; then
		printf '%-40s %8s\n' "$(label $k)" "-"
		continue
	fi
	bps[$k]=$(echo "${samples[$k]}" | median)
	list=
	for v in ${samples[$k]}; do list="$list $(gbit "$v")"; done
	cpu=-
	if [ $k != veth ] && [ "${bytes[$k]}" -gt 0 ]; then
		cpu_per_gb[$k]=$(awk -v t="${cpu_ticks[$k]}" -v hz="$hz" \
			-v b="${bytes[$k]}" 'BEGIN { printf "%.3f", t / hz / (b / 1e9) }')
		cpu=${cpu_per_gb[$k]}
	fi
	printf '%-40s %8s %20s %11s %13s\n' "$(label $k)" "$(gbit "${bps[$k]}")" \
		"${list# }" "${retr[$k]}" "$cpu"
	json="$json$sep\"$k\":{\"median_bps\":${bps[$k]},\"samples_bps\":[$(echo ${samples[$k]} | tr ' ' ,)],\"retransmits\":${retr[$k]}"
	[ $k != veth ] && json="$json,\"bridge_cpu_s_per_gb\":${cpu_per_gb[$k]:-null}"
	json="$json}"
	sep=,
done
json="$json},\"ratios\":{"
sep=

# The ratio of the medians, and each round's own ratio (the spread).
ratio() { # NUM DEN TEXT
	if [ -n "${bps[$1]:-}" ] && [ -n "${bps[$2]:-}" ] && [ "${bps[$2]}" != 0 ]; then
		m=$(awk "BEGIN { printf \"%.2f\", ${bps[$1]} / ${bps[$2]} }")
		per=
		for i in $(seq "$rounds"); do
			a=${round_bps[$1.$i]:-} b=${round_bps[$2.$i]:-}
			[ -n "$a" ] && [ -n "$b" ] &&
				per="$per $(awk "BEGIN { printf \"%.2f\", $a / $b }")"
		done
		printf 'ratio %s/%s: %sx%s; per round:%s\n' "$1" "$2" "$m" "$3" "$per"
		json="$json$sep\"$1/$2\":{\"median\":$m,\"per_round\":[$(echo $per | tr ' ' ,)]}"
		sep=,
	fi
}
ratio sharedmem socketpair " (both as run by default: MTU-sized frames, coalesced; target >= 1.50x)"
ratio sharedmem-nocoalesce socketpair-nocoalesce " (both with --no-coalesce)"
ratio sharedmem-offload socketpair-offload " (both with --offload: 64 KiB frames)"
ratio sharedmem socketpair-nocoalesce " (queues vs the socketpair bridge without coalescing)"
ratio sharedmem sharedmem-nocoalesce " (what coalescing buys the queues)"
ratio socketpair socketpair-nocoalesce " (what coalescing buys the socketpair)"
ratio sharedmem-offload sharedmem " (what offload buys the queues)"
ratio direct socketpair " (the path with no transport at all vs the socketpair bridge)"
ratio direct-offload socketpair-offload " (the same, with --offload)"
ratio sharedmem direct " (the queues vs no transport)"
ratio sharedmem-offload direct-offload " (the same, with --offload)"
for k in sharedmem sharedmem-nocoalesce sharedmem-offload socketpair socketpair-nocoalesce socketpair-offload; do
	ratio $k veth ""
done
cpu_ratio() { # NUM DEN
	if [ -n "${cpu_per_gb[$1]:-}" ] && [ -n "${cpu_per_gb[$2]:-}" ]; then
		m=$(awk "BEGIN { printf \"%.2f\", ${cpu_per_gb[$1]} / ${cpu_per_gb[$2]} }")
		printf 'bridge CPU per GB, %s/%s: %sx\n' "$1" "$2" "$m"
		json="$json$sep\"cpu_per_gb $1/$2\":$m"
		sep=,
	fi
}
cpu_ratio socketpair sharedmem
cpu_ratio socketpair-nocoalesce sharedmem-nocoalesce
cpu_ratio socketpair-offload sharedmem-offload
json="$json},\"load\":\"$(cut -d' ' -f1-3 /proc/loadavg)\"}"
echo "$json"
[ -n "$json_out" ] && echo "$json" >"$json_out"
exit 0
