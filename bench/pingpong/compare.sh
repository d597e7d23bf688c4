#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# compare.sh BINDIR [ROUND-TRIPS] [RUNS] : the futex ping-pong in C and Go
# (pingpong.c, pingpong.go) and through libflipcall in each wait policy
# (pingpong_lib.c), pairings client-server, on one CPU and across two, each
# process pinned whole with taskset (the Go runtime's own threads included).
# Sides: c (hand-written C), go, lib (libflipcall, default = adaptive
# policy), libny (adaptive without yields in the spin), libsleep (never
# spin), libspin (always spin). One line per run, then per placement a
# table of medians with ratios to go-go (or c-c) of the same placement,
# and JSON (to $PINGPONG_JSON if set). PAIRS, PLACES and GO_ARGS (e.g.
# -rawwait) narrow or vary it; PIN=0 leaves processes unpinned (the
# "cross" place then means nothing); C_ARGS="-t 20" gives the hand-written
# C side a thread that wakes every 20 us, like Go's sysmon. DELAY_US=N
# makes every C and library server sleep N us before each reply (a slow
# peer: what does waiting for it cost the client's CPU?); Go pairs are
# left out then.
set -euo pipefail

bin=$1 n=${2:-20000} runs=${3:-3}
pairs=${PAIRS:-"c-c go-go c-go go-c lib-lib libny-libny libsleep-libsleep libspin-libspin lib-go go-lib"}
places=${PLACES:-"same cross"}
shm=$(mktemp /dev/shm/pingpong.XXXXXX)
out=$(mktemp)
trap 'rm -f "$shm" "$out"' EXIT

mapfile -t cpus < <(taskset -pc $$ | sed 's/.*: //' | tr ',' '\n' |
	while IFS=- read -r a b; do seq "$a" "${b:-$a}"; done)
[ ${#cpus[@]} -ge 2 ] || places=${places//cross/}
if [ -n "${DELAY_US:-}" ]; then
	kept=""
	for p in $pairs; do [[ $p == *go* ]] || kept+=" $p"; done
	pairs=$kept
fi

side() { # SIDE ROLE CPU
	local exe=$bin/pingpong-c args=()
	case $1 in
	go) exe=$bin/pingpong-go; read -ra args <<<"${GO_ARGS:-}" ;;
	c) read -ra args <<<"${C_ARGS:-}" ;;
	lib) args=(-w adaptive) ;;
	libny) args=(-w adaptive -Y) ;;
	libsleep) args=(-w sleep) ;;
	libspin) args=(-w spin) ;;
	*) echo "compare.sh: unknown side $1" >&2; return 2 ;;
	esac
	[ "$1" != go ] && [ "$2" = server ] && [ -n "${DELAY_US:-}" ] &&
		args+=(-d "$DELAY_US")
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
			side "${pair#*-}" server "$scpu" >"$out" &
			srv=$!
			line=$(side "${pair%-*}" client "$ccpu")
			wait "$srv"
			printf '%-6s %-18s %s %s\n' "$place" "$pair" "$line" \
				"$(cat "$out")" | tee -a "$out.all"
		done
	done
done

# Medians per placement and pairing; ratios against go-go (else c-c).
awk -v json="${PINGPONG_JSON:-}" -v n="$n" -v runs="$runs" '
function val(k,   i) { for (i = 3; i <= NF; i++) if (index($i, k "=") == 1) return substr($i, length(k) + 2); return "" }
function median(arr, key,   m, i, j, t, a) {
	m = cnt[key]; for (i = 1; i <= m; i++) a[i] = arr[key, i] + 0
	for (i = 2; i <= m; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
	return m % 2 ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
}
{
	key = $1 SUBSEP $2
	if (!(key in cnt)) { order[++rows] = key }
	c = ++cnt[key]
	rtv[key, c] = val("rt_ns"); clv[key, c] = val("cpu_ns")
	cpv[key, c] = val("cpu_ns") + val("server_cpu_ns"); slv[key, c] = val("slept")
}
END {
	printf "\n%-6s %-18s %10s %7s %10s %7s %10s %6s\n", "place", "pair", "RT ns", "ratio", "CPU ns/RT", "ratio", "client CPU", "slept"
	if (json != "") printf "{\"benchmark\": \"futex-pingpong\", \"round_trips\": %d, \"runs\": %d, \"rows\": [\n", n, runs > json
	for (r = 1; r <= rows; r++) {
		key = order[r]; rt[key] = median(rtv, key); cpu[key] = median(cpv, key)
	}
	for (r = 1; r <= rows; r++) {
		key = order[r]; split(key, k, SUBSEP)
		base = (k[1] SUBSEP "go-go") in rt ? k[1] SUBSEP "go-go" : k[1] SUBSEP "c-c"
		br = (base in rt) ? rt[base] : rt[key]; bc = (base in cpu) ? cpu[base] : cpu[key]
		cl = median(clv, key); sl = median(slv, key)
		printf "%-6s %-18s %10d %7.2f %10d %7.2f %10d %6.2f\n", k[1], k[2], rt[key], rt[key] / br, cpu[key], (bc ? cpu[key] / bc : 0), cl, sl
		if (json != "") printf "  {\"place\": \"%s\", \"pair\": \"%s\", \"rt_ns\": %d, \"rt_vs_base\": %.3f, \"cpu_ns_per_rt\": %d, \"cpu_vs_base\": %.3f, \"client_cpu_ns_per_rt\": %d, \"slept\": %.2f, \"base\": \"%s\"}%s\n", k[1], k[2], rt[key], rt[key] / br, cpu[key], (bc ? cpu[key] / bc : 0), cl, sl, substr(base, length(k[1]) + 2), r < rows ? "," : "" > json
	}
	if (json != "") print "]}" > json
	print "(ratios: against go-go of the same placement, else c-c, if it ran; CPU: client + server per round trip)"
}' "$out.all"
[ -z "${PINGPONG_JSON:-}" ] || cat "$PINGPONG_JSON"
rm -f "$out.all"
