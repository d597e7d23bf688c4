#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# compare.sh BINDIR [ROUND-TRIPS] [RUNS] : the futex ping-pong in C and Go
# (pingpong.c, pingpong.go), every pairing (client-server: c-c, go-go, c-go,
# go-c), on one CPU and across two, each process pinned whole with taskset
# (the Go runtime's own threads included). One line per run; PAIRS, PLACES
# and GO_ARGS (e.g. -rawwait) narrow or vary it; PIN=0 leaves processes
# unpinned (the "cross" place then means nothing); C_ARGS="-t 20" gives the
# C side a thread that wakes every 20 us, like Go's sysmon.
set -euo pipefail

bin=$1 n=${2:-20000} runs=${3:-3}
pairs=${PAIRS:-"c-c go-go c-go go-c"}
places=${PLACES:-"same cross"}
shm=$(mktemp /dev/shm/pingpong.XXXXXX)
trap 'rm -f "$shm"' EXIT

mapfile -t cpus < <(taskset -pc $$ | sed 's/.*: //' | tr ',' '\n' |
	while IFS=- read -r a b; do seq "$a" "${b:-$a}"; done)
[ ${#cpus[@]} -ge 2 ] || places=${places//cross/}

side() { # LANG ROLE CPU
	local exe=$bin/pingpong-$1 args=()
	[ "$1" = go ] && read -ra args <<<"${GO_ARGS:-}"
	[ "$1" = c ] && read -ra args <<<"${C_ARGS:-}"
	if [ "${PIN:-1}" = 1 ]; then
		taskset -c "$3" "$exe" ${args[@]+"${args[@]}"} "$2" "$shm" "$n"
	else
		"$exe" ${args[@]+"${args[@]}"} "$2" "$shm" "$n"
	fi
}

for place in $places; do
	ccpu=${cpus[0]} scpu=${cpus[0]}
	[ "$place" = cross ] && scpu=${cpus[1]}
	for pair in $pairs; do
		for ((r = 0; r < runs; r++)); do
			head -c 4096 /dev/zero >"$shm"
			side "${pair#*-}" server "$scpu" &
			srv=$!
			printf '%-6s %-6s ' "$place" "$pair"
			side "${pair%-*}" client "$ccpu"
			wait "$srv"
		done
	done
done
