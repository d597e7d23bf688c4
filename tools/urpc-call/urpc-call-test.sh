#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# urpc-call-test.sh URPC_CALL URPC_ECHO_SERVER: the tool against the example
# server (which uses the shared library), as TAP.
set -u
call=$1 server=$2
dir=$(mktemp -d)
sock=$dir/sock
n=0 failed=0

. "$(dirname "$0")/../../scripts/tap-lib.sh"

# expect NAME WANT_EXIT WANT_STDOUT WANT_STDERR_SUBSTRING -- ARGS...
expect() {
	name=$1 want_rc=$2 want_out=$3 want_err=$4
	shift 5
	out=$("$call" "$@" 2>"$dir/err" </dev/null)
	rc=$?
	if [ "$rc" = "$want_rc" ] && [ "$out" = "$want_out" ] &&
	   { [ -z "$want_err" ] || grep -qF -- "$want_err" "$dir/err"; }; then
		ok 0 "$name"
	else
		echo "# rc=$rc out=$out err=$(cat "$dir/err")"
		ok 1 "$name"
	fi
}

echo "TAP version 13"
echo "1..11"
"$server" "$sock" 2>"$dir/server.log" &
pid=$!
i=0
while [ ! -S "$sock" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done

expect echo 0 '{"S":"hi","I":1}' '' -- "$sock" Echo.Echo '{"S":"hi","I":1}'
expect null_argument_by_default 0 'null' '' -- "$sock" Echo.Echo
expect remote_error 1 '' 'Echo.Fail failed: echo failure: "x"' -- "$sock" Echo.Fail '"x"'
expect unknown_method 1 '' 'failed: unknown method' -- "$sock" No.Such
expect bad_json_argument 2 '' 'ARG is not JSON' -- "$sock" Echo.Echo '{"a":'
expect trailing_garbage_argument 2 '' 'ARG is not JSON' -- "$sock" Echo.Echo '1 2'
expect no_server 3 '' 'cannot connect' -- "$dir/nothing" Echo.Echo
expect sends_descriptors 0 '{"N":2}' '' -- -f 1 -f 2 "$sock" Echo.CountFiles
expect receives_descriptors 0 '3' 'received 3 descriptors' -- "$sock" Echo.SendFiles 3

out=$(echo '[1, {"b": "c/d"}]' | "$call" "$sock" Echo.Echo - 2>/dev/null)
[ "$out" = '[1,{"b":"c/d"}]' ]; ok $? argument_from_stdin

kill -TERM $pid
wait $pid
rc=$?
[ $rc = 0 ] && [ ! -e "$sock" ] && grep -q stopping "$dir/server.log"
ok $? server_stops_on_sigterm

rm -rf "$dir"
exit $failed
