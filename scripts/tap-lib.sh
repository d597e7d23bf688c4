# SPDX-License-Identifier: GPL-2.0
# tap-lib.sh: what the shell test scripts share, sourced (POSIX sh, also
# busybox's ash in the test VM, where it comes on PATH through VM_TOOLS).
# The caller sets n=0 and failed=0, and exits with $failed at the end.

ok() { # STATUS NAME [DIAGNOSTIC]: one TAP line; a failure sets failed=1
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n $2"
	else
		[ -n "${3:-}" ] && echo "# $3"
		echo "not ok $n $2"
		failed=1
	fi
}

wait_for() { # SECONDS COMMAND...: poll COMMAND every 50 ms (busybox usleep)
	limit=$(($1 * 20))
	shift
	i=0
	until "$@"; do
		i=$((i + 1))
		[ $i -gt $limit ] && return 1
		usleep 50000
	done
}
