# SPDX-License-Identifier: GPL-2.0
# Sourced by nic-test.sh and nic-bench.sh: two network namespaces made for
# the run, a TAP in each, a flipcall-nic pair between them. Addresses exist
# only inside these namespaces. Callers set NIC_BIN and NIC_DIR (a private
# directory) and call nic_cleanup from an EXIT trap.

NIC_NS_A=fcnic-$$-a
NIC_NS_B=fcnic-$$-b
NIC_ADDR_A=10.213.77.1
NIC_ADDR_B=10.213.77.2
NIC_ADDR6_A=fd00:fc:77::1
NIC_ADDR6_B=fd00:fc:77::2
NIC_TAP=fcnic0
NIC_PIDS=
NIC_SERVER_PID=
NIC_CLIENT_PID=

# Why this machine cannot run the namespaces, or nothing.
nic_unsupported() {
	[ "$(id -u)" = 0 ] || { echo "needs root"; return; }
	[ -c /dev/net/tun ] || { echo "no /dev/net/tun"; return; }
	for tool in ip ping timeout; do
		command -v $tool >/dev/null || { echo "no $tool"; return; }
	done
	if ! ip netns add "$NIC_NS_A" 2>/dev/null; then
		echo "cannot create a network namespace"
		return
	fi
	ip netns del "$NIC_NS_A"
}

nic_netns_up() {
	ip netns add "$NIC_NS_A" && ip netns add "$NIC_NS_B" &&
	ip -n "$NIC_NS_A" link set lo up && ip -n "$NIC_NS_B" link set lo up
}

# Wait up to 5 s for interface $2 in namespace $1.
nic_wait_link() {
	i=0
	until ip -n "$1" link show "$2" >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -gt 100 ] && return 1
		sleep 0.05
	done
}

nic_addr_up() { # NS IFACE ADDR
	ip -n "$1" addr add "$3/24" dev "$2" && ip -n "$1" link set "$2" up
}

# nic_bridges_up TRANSPORT [EXTRA_ARGS...]: a server in A, a client in B,
# logs in $NIC_DIR/{server,client}.{log,out}, addresses configured.
nic_bridges_up() {
	transport=$1
	shift
	rm -f "$NIC_DIR/ctl"
	ip netns exec "$NIC_NS_A" "$NIC_BIN" --tap $NIC_TAP --server \
		--socket "$NIC_DIR/ctl" --transport "$transport" "$@" \
		>"$NIC_DIR/server.out" 2>"$NIC_DIR/server.log" &
	NIC_SERVER_PID=$!
	ip netns exec "$NIC_NS_B" "$NIC_BIN" --tap $NIC_TAP --client \
		--socket "$NIC_DIR/ctl" --transport "$transport" "$@" \
		>"$NIC_DIR/client.out" 2>"$NIC_DIR/client.log" &
	NIC_CLIENT_PID=$!
	NIC_PIDS="$NIC_PIDS $NIC_SERVER_PID $NIC_CLIENT_PID"
	nic_links_up
}

# Both TAP devices configured once whoever makes them has.
nic_taps_up() {
	nic_wait_link "$NIC_NS_A" $NIC_TAP && nic_wait_link "$NIC_NS_B" $NIC_TAP &&
	nic_addr_up "$NIC_NS_A" $NIC_TAP $NIC_ADDR_A &&
	nic_addr_up "$NIC_NS_B" $NIC_TAP $NIC_ADDR_B
}

# ... and both bridges forwarding.
nic_links_up() {
	nic_taps_up &&
	nic_wait_forwarding "$NIC_DIR/server.log" &&
	nic_wait_forwarding "$NIC_DIR/client.log"
}

nic_wait_forwarding() {
	i=0
	until grep -q 'forwarding over' "$1" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 100 ] && return 1
		sleep 0.05
	done
}

# Wait up to $2 seconds for pid $1 (a child) to exit; its status in NIC_RC.
nic_wait_exit() {
	i=0
	while kill -0 "$1" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt $(($2 * 20)) ]; then
			NIC_RC=timeout
			return 1
		fi
		sleep 0.05
	done
	wait "$1"
	NIC_RC=$?
}

# Stop both bridges (TERM, then KILL) and forget them.
nic_bridges_down() {
	for pid in $NIC_PIDS; do kill -TERM "$pid" 2>/dev/null; done
	for pid in $NIC_PIDS; do
		nic_wait_exit "$pid" 5 || { kill -KILL "$pid"; wait "$pid"; }
	done 2>/dev/null
	NIC_PIDS=
}

nic_cleanup() {
	nic_bridges_down
	ip netns del "$NIC_NS_A" 2>/dev/null
	ip netns del "$NIC_NS_B" 2>/dev/null
}
