#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# native-cli.sh FLIPCALLCTL RESULTS : what flipcallctl does without the
# module (the host cannot load it): usage errors, --help, and a clear
# message with exit status 3 when the netlink family is missing.
bin=$1 results=$2
: >"$results"

# check NAME EXPECTED_STATUS PATTERN ARGS... : the status and a line of
# its output (stdout and stderr) matching PATTERN.
check() {
	name=$1 want=$2 pattern=$3
	shift 3
	out=$("$bin" "$@" 2>&1)
	got=$?
	if [ "$got" = "$want" ] && printf '%s\n' "$out" | grep -q -- "$pattern"; then
		echo "PASS flipcallctl-native: $name" >>"$results"
	else
		echo "FAIL flipcallctl-native: $name (status $got)" >>"$results"
		printf '%s\n' "$out" | sed 's/^/    /' >&2
	fi
}

check "help" 0 "^Usage: flipcallctl" --help
check "no command" 2 "no command"
check "unknown command" 2 "unknown command" frobnicate
check "get without id" 2 "get needs one connection id" get
check "bad pid" 2 "needs a process id" show --pid 0
if [ -d /sys/module/flipcall ]; then
	echo "SKIP flipcallctl-native: module not loaded (it is loaded)" >>"$results"
else
	check "module not loaded" 3 "flipcall module is not loaded" show
	check "module not loaded (stats)" 3 "flipcall module is not loaded" -j stats
fi
exit 0
