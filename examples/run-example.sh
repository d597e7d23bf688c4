#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# run-example.sh BINDIR RESULTS [-f|-d]: start the example server, run the
# client against it in another process, check the answers, and append one
# PASS/FAIL/SKIP line to RESULTS.
set -u
bindir=$1 results=$2 mode=${3:--f}
name=examples/client-server${mode}
if [ "$mode" = -d ] && [ ! -e /dev/flipcall ]; then
	echo "SKIP $name" >>"$results"
	exit 0
fi
dir=$(mktemp -d)
sock=$dir/sock
"$bindir/flipcall-server" "$mode" "$sock" >"$dir/server.out" 2>&1 &
server=$!
i=0
while [ ! -S "$sock" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
out=$(timeout 20 "$bindir/flipcall-client" "$sock" hello flipcall 2>&1)
rc=$?
wait $server
src=$?
expected=$(printf 'client: HELLO\nclient: FLIPCALL')
if [ $rc -eq 0 ] && [ $src -eq 0 ] && [ "$out" = "$expected" ]; then
	echo "PASS $name" >>"$results"
else
	echo "client ($rc): $out"; echo "server ($src):"; cat "$dir/server.out"
	echo "FAIL $name" >>"$results"
fi
rm -rf "$dir"
exit 0
