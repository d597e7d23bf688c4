#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# run-fs-bench.sh LISAFS_FUSE PASSTHROUGH_LL FS_BENCH [FS_BENCH_ARGS...]
# Prepares one directory, mounts it with lisafs-fuse over futex channels (as
# it runs by default; FS_BENCH_NOHOSTFD=1 adds a second mount with -o
# no_host_fd, all data over lisafs) and with libfuse's passthrough_ll, and
# runs fs-bench on the plain directory and the mounts in one run, the
# targets interleaved per repetition. Both FUSE file systems keep their
# default 1 s caches and leave xattrs off. Nothing is pinned to a CPU: the
# daemons' threads and the benchmark share the host's CPUs as the scheduler
# places them, the same for every target. The load average is printed
# before and after. Unmounts on the way out, whatever happened.
set -eu
lfs=$1 pt=$2 bench=$3
shift 3
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fs-bench.XXXXXX")
pids=
cleanup() {
	for m in "$tmp"/mnt-*; do
		mountpoint -q "$m" && timeout 10 fusermount3 -u -z "$m"
	done
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	for p in $pids; do wait "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# mount_fs MOUNTPOINT CMD...: starts a foreground FUSE daemon, waits 10 s.
mount_fs() {
	m=$1
	shift
	mkdir -p "$m"
	"$@" "$m" -f 2>>"$tmp/log" &
	pids="$pids $!"
	i=0
	while ! mountpoint -q "$m"; do
		i=$((i + 1))
		if [ $i -gt 100 ]; then
			echo "run-fs-bench: $* did not mount" >&2
			cat "$tmp/log" >&2
			exit 1
		fi
		sleep 0.1
	done
}

# passthrough_ll holds a descriptor per inode the kernel caches.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
mkdir "$tmp/export"
"$bench" --prepare "$tmp/export" "$@"
mount_fs "$tmp/mnt-lisafs" "$lfs" --export "$tmp/export" -o noxattr,no_device
targets="direct=$tmp/export lisafs-fuse=$tmp/mnt-lisafs"
if [ "${FS_BENCH_NOHOSTFD:-0}" = 1 ]; then
	mount_fs "$tmp/mnt-lisafs-nohostfd" "$lfs" --export "$tmp/export" \
		-o noxattr,no_host_fd,no_device
	targets="$targets lisafs-nohostfd=$tmp/mnt-lisafs-nohostfd"
fi
mount_fs "$tmp/mnt-pt" "$pt" -o "source=$tmp/export"
echo "run-fs-bench: $(date -u '+%F %T UTC'), load before:$(uptime | sed 's/.*load average://')"
# shellcheck disable=SC2086 # the targets are words without blanks
"$bench" "$@" $targets passthrough="$tmp/mnt-pt"
echo "run-fs-bench: load after:$(uptime | sed 's/.*load average://')"
