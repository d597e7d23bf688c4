#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nic-bench.sh FLIPCALL_NIC [JSON_OUT]: TCP throughput (iperf3, one
# stream, NIC_BENCH_SECONDS each, default 3) between two network namespaces
# joined by (1) a veth pair, the kernel's own path, (2) flipcall-nic over a
# socketpair, (3) flipcall-nic over the sharedmem queues. Prints a table,
# one JSON line (also written to JSON_OUT) and the ratios. Needs root.
set -u
NIC_BIN=$1
json_out=${2:-}
secs=${NIC_BENCH_SECONDS:-3}
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

# iperf3 from A to B; prints received bits/s and retransmits, or nothing.
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
          end["sum_sent"].get("retransmits", 0))
except Exception:
    pass
PY
}

declare -A bps retr
run_case() { # NAME UP_CMD DOWN_CMD
	if ! $2; then
		echo "flipcall-nic bench: $1: setup failed" >&2
		$3
		return
	fi
	read -r bps[$1] retr[$1] < <(measure)
	$3
}

run_case veth veth_up veth_down
for t in socketpair sharedmem; do
	if "$NIC_BIN" --help | grep -Eq "^transports.*: (.* )?$t( |\$)"; then
		run_case "$t" "nic_bridges_up $t" nic_bridges_down
	fi
done

printf '\nflipcall-nic: TCP throughput between two namespaces (iperf3, 1 stream, %s s, MTU 1500)\n' "$secs"
printf '%-28s %10s %12s\n' path Gbit/s retransmits
label() {
	case $1 in
	veth) echo "veth pair (kernel)" ;;
	*) echo "flipcall-nic over $1" ;;
	esac
}
json="{\"bench\":\"flipcall-nic\",\"seconds\":$secs,\"mtu\":1500,\"bits_per_second\":{"
sep=
for k in veth socketpair sharedmem; do
	v=${bps[$k]:-}
	if [ -z "$v" ]; then
		printf '%-28s %10s\n' "$(label $k)" "-"
		continue
	fi
	printf '%-28s %10.2f %12s\n' "$(label $k)" \
		"$(awk "BEGIN { print $v / 1e9 }")" "${retr[$k]}"
	json="$json$sep\"$k\":$v"
	sep=,
done
json="$json}}"
echo "$json"
[ -n "$json_out" ] && echo "$json" >"$json_out"

ratio() { # NUM DEN TEXT
	if [ -n "${bps[$1]:-}" ] && [ -n "${bps[$2]:-}" ] && [ "${bps[$2]}" != 0 ]; then
		printf 'ratio %s/%s: %.2fx%s\n' "$1" "$2" \
			"$(awk "BEGIN { print ${bps[$1]} / ${bps[$2]} }")" "$3"
	fi
}
ratio sharedmem socketpair " (target >= 1.50x)"
ratio sharedmem veth ""
ratio socketpair veth ""
exit 0
