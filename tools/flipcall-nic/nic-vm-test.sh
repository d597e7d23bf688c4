#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# nic-vm-test.sh: flipcall-nic over device-backed queues, in the test VM
# (the only place the module is loaded, so the only place its default
# transport runs). busybox sh and applets only; flipcall-nic comes on PATH
# (VM_TOOLS in flipcall-nic.mk). Two network namespaces (held by a sleeping
# `unshare -n`, entered with nsenter: busybox ip has no netns), a bridge in
# each; both must say their queues are /dev/flipcall windows; ping both
# ways, a TCP transfer checked by SHA-256, SIGUSR1 stats; one bridge
# killed: the other sees its peer gone (the kernel's POLLHUP on the
# device); nothing left running or holding the module.
set -u
n=0
failed=0
dir=$(mktemp -d /tmp/nic-vm.XXXXXX)
pids=
ADDR_A=10.213.77.1
ADDR_B=10.213.77.2
TAP=fcnic0
PORT=5301
PAYLOAD_MIB=4

. tap-lib.sh	# ok, wait_for (on PATH: VM_TOOLS)

cleanup() {
	for p in $pids; do kill -KILL "$p" 2>/dev/null; done
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

gone() { ! kill -0 "$1" 2>/dev/null; }
module_refs() { awk '$1 == "flipcall" { print $3 }' /proc/modules; }
in_a() { nsenter -t "$ns_a" -n "$@"; }
in_b() { nsenter -t "$ns_b" -n "$@"; }
own_netns() { [ "$(readlink /proc/"$1"/ns/net)" != "$(readlink /proc/self/ns/net)" ]; }

show_logs() {
	for f in "$dir"/*.log; do
		[ -s "$f" ] && sed "s|^|# $(basename "$f"): |" "$f" | tail -n 10
	done
}

# ping_ok IN_NS TO: 20 echo requests, every reply back.
ping_ok() {
	out=$($1 timeout 60 ping -c 20 -i 0.05 -W 5 "$2" 2>&1)
	echo "$out" | tail -n 2 | sed 's/^/# /'
	echo "$out" | grep -q ' 0% packet loss'
}

# A payload from A to B over TCP (busybox nc); both ends' SHA-256. The
# listener's stdin is a FIFO nobody writes: busybox nc quits when its stdin
# ends, which would cut the transfer short.
tcp_transfer_ok() {
	head -c $((PAYLOAD_MIB << 20)) /dev/urandom >"$dir/payload"
	sent=$(sha256sum <"$dir/payload" | cut -d' ' -f1)
	mkfifo "$dir/idle"
	exec 8<>"$dir/idle"
	in_b timeout 120 nc -l -p $PORT <"$dir/idle" | sha256sum >"$dir/recv.sum" &
	recv=$!
	exec 8>&-
	wait_for 10 sh -c "nsenter -t $ns_b -n netstat -ltn | grep -q ':$PORT '"
	in_a timeout 120 nc $ADDR_B $PORT <"$dir/payload"
	wait $recv
	got=$(cut -d' ' -f1 "$dir/recv.sum")
	echo "# sha256 sent $sent received $got"
	[ "$sent" = "$got" ]
}

echo "TAP version 13"
why=
[ -c /dev/flipcall ] || why="no /dev/flipcall: the module is not loaded"
[ -c /dev/net/tun ] || why="no /dev/net/tun: the VM kernel lacks CONFIG_TUN"
command -v flipcall-nic >/dev/null || why="flipcall-nic is not on PATH (VM_TOOLS)"
if [ -z "$why" ]; then
	unshare -n sleep 600 &
	ns_a=$!
	unshare -n sleep 600 &
	ns_b=$!
	pids="$ns_a $ns_b"
	wait_for 5 own_netns $ns_a && wait_for 5 own_netns $ns_b ||
		why="no network namespaces: the VM kernel lacks CONFIG_NET_NS"
fi
if [ -n "$why" ]; then
	# The VM is ours: a missing piece is a broken harness, not a skip.
	echo "1..1"
	ok 1 prerequisites "$why"
	exit 1
fi
echo "1..9"
started=$(awk '{ printf "%d\n", $1 }' /proc/uptime)
refs_before=$(module_refs)

# nsenter, not in_a: a function in the background would be a subshell,
# and the signals below must reach flipcall-nic itself.
nsenter -t "$ns_a" -n flipcall-nic --tap $TAP --server --socket "$dir/ctl" \
	--stats >"$dir/server.out" 2>"$dir/server.log" &
server=$!
wait_for 10 test -S "$dir/ctl"
nsenter -t "$ns_b" -n flipcall-nic --tap $TAP --client --socket "$dir/ctl" \
	--stats >"$dir/client.out" 2>"$dir/client.log" &
client=$!
pids="$pids $server $client"
up() {
	wait_for 20 grep -q 'forwarding over' "$dir/server.log" &&
	wait_for 20 grep -q 'forwarding over' "$dir/client.log" &&
	in_a ip link set lo up && in_b ip link set lo up &&
	in_a ip addr add $ADDR_A/24 dev $TAP && in_a ip link set $TAP up &&
	in_b ip addr add $ADDR_B/24 dev $TAP && in_b ip link set $TAP up
}
up
ok $? bridges_up "$(show_logs)"
grep -h 'forwarding over' "$dir/server.log" "$dir/client.log" | sed 's/^/# /'
grep -q 'forwarding over sharedmem (queues in /dev/flipcall windows)' "$dir/server.log" &&
	grep -q 'forwarding over sharedmem (queues in /dev/flipcall windows)' "$dir/client.log"
ok $? both_bridges_on_device_backed_queues

ping_ok in_a $ADDR_B
ok $? ping_a_to_b_20_no_loss
ping_ok in_b $ADDR_A
ok $? ping_b_to_a_20_no_loss
tcp_transfer_ok
ok $? tcp_${PAYLOAD_MIB}mib_same_sha256

kill -USR1 $server
wait_for 5 grep -Eq 'to peer [1-9][0-9]* packets' "$dir/server.log"
ok $? sigusr1_prints_stats "$(grep 'to peer' "$dir/server.log")"

# The client killed outright: only the kernel can tell the server.
kill -KILL $client
wait $client 2>/dev/null
wait_for 5 gone $server
wait $server
rc=$?
[ $rc = 3 ] && grep -q 'peer gone' "$dir/server.log"
ok $? killed_peer_seen_gone "server exit $rc; $(show_logs)"
tail -n 1 "$dir/server.out" | sed 's/^/# server stats: /'

kill -KILL $ns_a $ns_b
wait $ns_a $ns_b 2>/dev/null
left=$(for p in $pids; do kill -0 "$p" 2>/dev/null && echo "$p"; done)
others=$(pidof flipcall-nic)
[ -z "$left$others" ]
ok $? no_process_left "ours left: $left; any flipcall-nic: $others"
wait_for 5 test "$(module_refs)" = "$refs_before"
ok $? module_references_back "before $refs_before, now $(module_refs)"
echo "# took $(($(awk '{ printf "%d\n", $1 }' /proc/uptime) - started)) s"
exit $failed
