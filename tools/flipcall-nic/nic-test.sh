#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nic-test.sh FLIPCALL_NIC: two network namespaces joined by two
# flipcall-nic bridges, once per transport; ping, a 256 MiB TCP transfer
# checked by SHA-256, stats, SIGTERM, jumbo frames and peer death. TAP
# output. Needs root, /dev/net/tun, netns, ping and socat.
set -u
NIC_BIN=$1
here=$(dirname "$0")
. "$here/nic-netns.sh"
NIC_DIR=$(mktemp -d)
trap 'nic_cleanup; rm -rf "$NIC_DIR"' EXIT
trap 'exit 1' INT TERM
n=0
failed=0

. "$here/../../scripts/tap-lib.sh"

show_logs() {
	for f in "$NIC_DIR"/server.log "$NIC_DIR"/client.log; do
		[ -s "$f" ] && sed "s|^|# $(basename "$f"): |" "$f"
	done
}

ping_ok() { # FROM_NS TO_ADDR [PING_ARGS...]
	ns=$1 to=$2
	shift 2
	out=$(timeout 30 ip netns exec "$ns" ping -q -W 2 "$@" "$to" 2>&1)
	echo "$out" | grep -q ' 0% packet loss' || { echo "# $out" | tail -3; return 1; }
}

# tcp_transfer_ok [MIB [ADDR_B]]: MIB (256) MiB of random bytes from A to
# B over TCP; both ends hash what they saw.
tcp_transfer_ok() {
	mib=${1:-256} to=${2:-$NIC_ADDR_B} listen=TCP-LISTEN connect=TCP
	case $to in *:*) listen=TCP6-LISTEN connect=TCP6 ;; esac
	port=5301
	rm -f "$NIC_DIR"/fifo "$NIC_DIR"/*.sum
	mkfifo "$NIC_DIR/fifo"
	ip netns exec "$NIC_NS_B" timeout 120 socat -u \
		$listen:$port,reuseaddr STDOUT | sha256sum >"$NIC_DIR/recv.sum" &
	recv_pid=$!
	i=0
	until ip netns exec "$NIC_NS_B" ss -ltn | grep -q ":$port "; do
		i=$((i + 1)); [ $i -gt 100 ] && break; sleep 0.05
	done
	sha256sum <"$NIC_DIR/fifo" >"$NIC_DIR/sent.sum" &
	hash_pid=$!
	head -c $((mib << 20)) /dev/urandom | tee "$NIC_DIR/fifo" |
		ip netns exec "$NIC_NS_A" timeout 120 socat -u STDIN \
			$connect:$to:$port
	wait $hash_pid
	wait $recv_pid
	sent=$(cut -d' ' -f1 "$NIC_DIR/sent.sum")
	recv=$(cut -d' ' -f1 "$NIC_DIR/recv.sum")
	echo "# sha256 sent $sent received $recv"
	# The empty input's hash would mean nothing was sent.
	[ -n "$sent" ] && [ "$sent" = "$recv" ] &&
		[ "$sent" != e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 ]
}

json_stat() { # FILE KEY[.KEY]: that field of the last JSON line
	python3 -c 'import json,sys
v = json.loads(open(sys.argv[1]).read().splitlines()[-1])
for k in sys.argv[2].split("."):
    v = v[k]
print(v)' "$1" "$2" 2>/dev/null
}

# memfd descriptors and mappings of a process (the queues are mapped, and
# their descriptors may be closed once mapped).
memfds_of() {
	{ ls -l /proc/"$1"/fd; cat /proc/"$1"/maps; } 2>/dev/null | grep -c 'memfd:'
}

# Traffic, stats and SIGTERM over one transport (with --offload: t is
# TRANSPORT+offload; TRANSPORT+nocoalesce: with --no-coalesce).
traffic_tests() {
	t=$1
	set -- ${t%+*}
	# The TAP queue holds 8 MiB of frames, never less than 1000 of them,
	# unless --txqueuelen says otherwise.
	qlen=5526
	case $t in
	*+offload) set -- "$1" --offload; qlen=1000 ;;
	*+nocoalesce) set -- "$1" --no-coalesce --txqueuelen 3000; qlen=3000 ;;
	esac
	if ! nic_bridges_up "$@" --stats; then
		show_logs
		ok 1 "$t/bridges_up"
		nic_bridges_down
		return
	fi
	ok 0 "$t/bridges_up"
	got=$(ip -n "$NIC_NS_B" link show $NIC_TAP | grep -o 'qlen [0-9]*')
	[ "$got" = "qlen $qlen" ]
	ok $? "$t/tap_txqueuelen_$qlen" "$got"
	ping_ok "$NIC_NS_A" $NIC_ADDR_B -c 100 -i 0.01
	ok $? "$t/ping_a_to_b_100_no_loss"
	ping_ok "$NIC_NS_B" $NIC_ADDR_A -c 100 -i 0.01
	ok $? "$t/ping_b_to_a_100_no_loss"
	tcp_transfer_ok
	ok $? "$t/tcp_256mib_same_sha256"
	ip -n "$NIC_NS_A" addr add $NIC_ADDR6_A/64 dev $NIC_TAP nodad &&
		ip -n "$NIC_NS_B" addr add $NIC_ADDR6_B/64 dev $NIC_TAP nodad &&
		tcp_transfer_ok 64 "[$NIC_ADDR6_B]"
	ok $? "$t/tcp_ipv6_64mib_same_sha256"

	kill -USR1 $NIC_SERVER_PID
	sleep 0.3
	line=$(grep 'to peer' "$NIC_DIR/server.log" | tail -1)
	echo "# $line"
	echo "$line" | grep -Eq 'to peer [1-9][0-9]* packets'
	ok $? "$t/sigusr1_prints_stats"

	server=$NIC_SERVER_PID client=$NIC_CLIENT_PID
	kill -TERM $server
	nic_wait_exit $server 5
	packets=$(json_stat "$NIC_DIR/server.out" to_peer.packets)
	[ "$NIC_RC" = 0 ] && [ "${packets:-0}" -gt 100 ]
	ok $? "$t/sigterm_exits_0_with_json_stats" \
		"exit $NIC_RC, to_peer.packets '$packets'"
	# The 256 MiB went A -> B: in frames far above the MTU (GSO) only
	# with offload.
	bytes=$(json_stat "$NIC_DIR/server.out" to_peer.bytes)
	avg=$(( ${bytes:-0} / (${packets:-0} > 0 ? packets : 1) ))
	echo "# average frame A -> B: $avg bytes"
	if [ "${2:-}" = --offload ]; then
		[ "$avg" -gt 3000 ]
	else
		[ "$avg" -gt 0 ] && [ "$avg" -le 1518 ]
	fi
	ok $? "$t/frame_sizes_match_offload_setting" \
		"average frame A -> B: $avg bytes"
	nic_wait_exit $client 5
	[ "$NIC_RC" = 3 ] && grep -q 'peer gone' "$NIC_DIR/client.log"
	ok $? "$t/peer_reports_terminated_server_gone" "client exit $NIC_RC"
	# B received the transfers: by default most of their MTU-sized
	# segments reached its TAP inside coalesced GSO frames.
	frames=$(json_stat "$NIC_DIR/client.out" from_peer.packets)
	merged=$(json_stat "$NIC_DIR/client.out" coalesced)
	echo "# B: $merged of $frames frames from the peer went out coalesced"
	if [ "${2:-}" = "" ]; then
		[ "${merged:-0}" -gt $(( ${frames:-0} / 2 )) ]
	else
		[ "${frames:-0}" -gt 0 ] && [ "$merged" = 0 ]
	fi
	ok $? "$t/coalescing_matches_setting" "$merged of $frames"
	NIC_PIDS=
}

# Jumbo frames, then one bridge is killed: the other must notice and exit,
# leaving nothing behind.
peer_death_tests() {
	t=$1
	set -- ${t%+offload}
	[ "$t" != "$1" ] && set -- "$1" --offload
	if ! nic_bridges_up "$@" --mtu 9000; then
		show_logs
		ok 1 "$t/mtu_9000_unfragmented_ping" "bridges with --mtu 9000 did not come up"
		nic_bridges_down
		return
	fi
	ping_ok "$NIC_NS_A" $NIC_ADDR_B -c 5 -i 0.05 -s 8972 -M do &&
		ping_ok "$NIC_NS_B" $NIC_ADDR_A -c 5 -i 0.05 -s 8972 -M do
	ok $? "$t/mtu_9000_unfragmented_ping"

	server=$NIC_SERVER_PID client=$NIC_CLIENT_PID
	before=$(memfds_of $server)
	echo "# server holds $before memfd descriptors/mappings before its peer dies"
	kill -KILL $client
	wait $client 2>/dev/null
	nic_wait_exit $server 5
	[ "$NIC_RC" = 3 ] && grep -q 'peer gone' "$NIC_DIR/server.log"
	ok $? "$t/killed_peer_seen_gone" "server exit $NIC_RC"
	# Exited and reaped: its memfds and mappings went with it. The queues
	# were there before (so this check could see them).
	{ [ "$1" != sharedmem ] || [ "$before" -gt 0 ]; } &&
		[ ! -e /proc/$server ] && [ ! -e /proc/$client ] &&
		! ip netns pids "$NIC_NS_A" | grep -q . &&
		! ip netns pids "$NIC_NS_B" | grep -q .
	ok $? "$t/no_process_or_memfd_left"
	NIC_PIDS=
}

# A client of the other transport gets descriptors it cannot use: it must
# fail cleanly (exit 1), and the server must not outlive it. The same when
# only one side has --offload (TRANSPORT+offload): the hello exchange
# catches it before any frame is misread.
mismatch_test() { # SERVER_TRANSPORT CLIENT_TRANSPORT
	rm -f "$NIC_DIR/ctl"
	s_args="--transport ${1%+offload}" c_args="--transport ${2%+offload}"
	[ "$1" != "${1%+offload}" ] && s_args="$s_args --offload"
	[ "$2" != "${2%+offload}" ] && c_args="$c_args --offload"
	ip netns exec "$NIC_NS_A" "$NIC_BIN" --tap $NIC_TAP --server \
		--socket "$NIC_DIR/ctl" $s_args 2>"$NIC_DIR/server.log" &
	server=$!
	ip netns exec "$NIC_NS_B" "$NIC_BIN" --tap $NIC_TAP --client \
		--socket "$NIC_DIR/ctl" $c_args 2>"$NIC_DIR/client.log" &
	client=$!
	NIC_PIDS="$server $client"
	nic_wait_exit $client 15
	client_rc=$NIC_RC
	nic_wait_exit $server 5
	# The server fails its own setup (1) or sees the peer go (3). An
	# offload mismatch is named as such.
	[ "$client_rc" = 1 ] && { [ "$NIC_RC" = 1 ] || [ "$NIC_RC" = 3 ]; } &&
		{ [ "$1$2" = "${1%+offload}${2%+offload}" ] ||
		  cat "$NIC_DIR/server.log" "$NIC_DIR/client.log" | grep -q 'offload'; }
	ok $? "mismatch/$2_client_of_$1_server_fails" \
		"client exit $client_rc, server exit $NIC_RC: $(cat "$NIC_DIR/client.log")"
	NIC_PIDS=
}

# Deleting a bridge's interface ends that bridge (1), and its peer sees it go.
tap_deleted_test() {
	if nic_bridges_up sharedmem; then
		server=$NIC_SERVER_PID client=$NIC_CLIENT_PID
		ip -n "$NIC_NS_A" link del $NIC_TAP
		nic_wait_exit $server 5
		server_rc=$NIC_RC
		nic_wait_exit $client 5
		[ "$server_rc" = 1 ] && [ "$NIC_RC" = 3 ] &&
			grep -q 'TAP device went away' "$NIC_DIR/server.log"
	else
		false
	fi
	ok $? teardown/deleted_tap_ends_its_bridge_and_peer \
		"server exit ${server_rc:-}, client exit ${NIC_RC:-}"
	nic_bridges_down
}

# SIGUSR1 while the server waits for its peer must not break the setup: the
# report comes once the bridge runs.
setup_signal_test() {
	rm -f "$NIC_DIR/ctl"
	ip netns exec "$NIC_NS_A" "$NIC_BIN" --tap $NIC_TAP --server \
		--socket "$NIC_DIR/ctl" 2>"$NIC_DIR/server.log" &
	NIC_SERVER_PID=$!
	NIC_PIDS=$NIC_SERVER_PID
	i=0
	until [ -S "$NIC_DIR/ctl" ] || [ $i -gt 100 ]; do i=$((i + 1)); sleep 0.05; done
	kill -USR1 $NIC_SERVER_PID
	sleep 0.2
	ip netns exec "$NIC_NS_B" "$NIC_BIN" --tap $NIC_TAP --client \
		--socket "$NIC_DIR/ctl" 2>"$NIC_DIR/client.log" &
	NIC_PIDS="$NIC_PIDS $!"
	nic_wait_forwarding "$NIC_DIR/client.log" &&
		nic_wait_forwarding "$NIC_DIR/server.log" && sleep 0.2 &&
		grep -q 'to peer 0 packets' "$NIC_DIR/server.log"
	ok $? setup/sigusr1_while_waiting_for_peer_is_kept "$(cat "$NIC_DIR/server.log")"
	nic_bridges_down
}

# --fd: a supervisor (here python) makes the control socketpair and starts
# both bridges with one end each.
fd_test() {
	python3 - "$NIC_BIN" "$NIC_NS_A" "$NIC_NS_B" $NIC_TAP "$NIC_DIR" <<'PY' &
import socket, subprocess, sys
nic, ns_a, ns_b, tap, d = sys.argv[1:]
ends = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
procs = [subprocess.Popen(["ip", "netns", "exec", ns, nic, "--tap", tap, side,
                           "--fd", str(end.fileno())],
                          pass_fds=[end.fileno()],
                          stderr=open(f"{d}/{side[2:]}.log", "w"))
         for ns, side, end in ((ns_a, "--server", ends[0]),
                               (ns_b, "--client", ends[1]))]
for end in ends:
    end.close()
open(f"{d}/pids.tmp", "w").write(" ".join(str(p.pid) for p in procs))
subprocess.run(["mv", f"{d}/pids.tmp", f"{d}/pids"])
for p in procs:
    p.wait()
PY
	launcher=$!
	rm -f "$NIC_DIR/pids"
	i=0
	until [ -s "$NIC_DIR/pids" ] || [ $i -gt 100 ]; do i=$((i + 1)); sleep 0.05; done
	NIC_PIDS=$(cat "$NIC_DIR/pids" 2>/dev/null)
	nic_links_up && ping_ok "$NIC_NS_A" $NIC_ADDR_B -c 5 -i 0.05 &&
		ping_ok "$NIC_NS_B" $NIC_ADDR_A -c 5 -i 0.05
	ok $? fd/bridges_on_inherited_socketpair_ping
	nic_bridges_down
	timeout 10 tail --pid=$launcher -f /dev/null
	wait $launcher
}

echo "TAP version 13"
why=$(nic_unsupported)
[ -z "$why" ] && ! command -v socat >/dev/null && why="no socat"
[ -z "$why" ] && ! command -v python3 >/dev/null && why="no python3"
if [ -n "$why" ]; then
	echo "1..1"
	echo "ok 1 flipcall-nic # SKIP $why"
	exit 0
fi
echo "1..76"

"$NIC_BIN" --tap x --server --socket "$NIC_DIR/none" --mtu 70000 2>/dev/null
ok $(($? != 2)) usage/mtu_above_limit_rejected
"$NIC_BIN" --tap x --server --socket "$NIC_DIR/none" --offload --memfd 2>/dev/null
ok $(($? != 2)) usage/offload_with_memfd_rejected

nic_netns_up || { ok 1 netns_up; exit 1; }
for t in sharedmem socketpair sharedmem+offload socketpair+offload; do
	traffic_tests $t
	peer_death_tests $t
done
traffic_tests sharedmem+nocoalesce
mismatch_test socketpair sharedmem
mismatch_test sharedmem socketpair
mismatch_test sharedmem+offload sharedmem
mismatch_test sharedmem sharedmem+offload
fd_test
setup_signal_test
tap_deleted_test
exit $failed
