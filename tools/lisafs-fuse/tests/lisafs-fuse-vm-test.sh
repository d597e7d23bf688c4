#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lisafs-fuse-vm-test.sh: lisafs-fuse over DEVICE channels, in the test VM
# (the only place the module is loaded). busybox sh and applets only;
# lisafs-server and lisafs-fuse come on PATH (VM_TOOLS in lisafs-fuse.mk).
# A lisafs-server exports a tmpfs directory, lisafs-fuse mounts it; the
# client must report device channels only; 4 concurrent copiers and
# readers, a tar round trip; unmounting gives the server back every
# descriptor; the server killed: operations fail within a second and
# unmounting works; then the same over futex channels (-o no_device) for
# contrast. Nothing may be left running, nothing may hold the module.
set -u
n=0
failed=0
dir=$(mktemp -d /tmp/lisafs-fuse-vm.XXXXXX)
pids=

. tap-lib.sh	# ok, wait_for (on PATH: VM_TOOLS)

cleanup() {
	for m in "$dir"/*.mnt; do
		grep -q " $m fuse" /proc/mounts && umount -l "$m"
	done
	for p in $pids; do kill -KILL "$p" 2>/dev/null; done
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

now_cs() { awk '{ printf "%d\n", $1 * 100 }' /proc/uptime; }

gone() { ! kill -0 "$1" 2>/dev/null; }
mounted() { grep -q " $1 fuse" /proc/mounts; }
fd_count() { ls "/proc/$1/fd" 2>/dev/null | wc -l; }
module_refs() { awk '$1 == "flipcall" { print $3 }' /proc/modules; }

show_logs() {
	for f in "$dir"/*.log; do
		[ -s "$f" ] && sed "s|^|# $(basename "$f"): |" "$f" | tail -n 20
	done
}

# start_server NAME [ARGS...]: lisafs-server exporting $dir/NAME.export
# on $dir/NAME.sock; its pid in server_pid.
start_server() {
	name=$1
	shift
	mkdir -p "$dir/$name.export" "$dir/$name.mnt"
	lisafs-server --export "$dir/$name.export" --socket "$dir/$name.sock" \
		"$@" 2>"$dir/$name.server.log" &
	server_pid=$!
	pids="$pids $server_pid"
	wait_for 10 test -S "$dir/$name.sock"
}

# mount_export NAME [FUSE_ARGS...]: lisafs-fuse on $dir/NAME.mnt, in the
# foreground (so it logs its channels); its pid in fuse_pid.
mount_export() {
	name=$1
	shift
	lisafs-fuse --socket "$dir/$name.sock" "$dir/$name.mnt" -f "$@" \
		2>"$dir/$name.fuse.log" &
	fuse_pid=$!
	pids="$pids $fuse_pid"
	wait_for 10 mounted "$dir/$name.mnt" &&
		wait_for 10 grep -q 'connected:' "$dir/$name.fuse.log"
}

# unmount NAME: umount(8) ends the daemon. Retried: busybox timeout's
# watcher child outlives the command by up to a second, holding what it
# inherited (a file on the mount).
unmount() {
	wait_for 5 umount "$dir/$1.mnt" 2>/dev/null && wait_for 5 gone "$fuse_pid"
}

# The tree every copy is checked against: sizes around page and FUSE
# request boundaries, an empty file, a name with a space, a symlink.
make_tree() {
	mkdir -p "$1/a/b" "$1/empty dir" "$1/c"
	: >"$1/empty"
	for size in 1 4095 4096 4097 131072 131073 300000 1048576; do
		head -c $size /dev/urandom >"$1/a/f$size"
	done
	seq 1 5000 >"$1/a/b/lines.txt"
	printf 'spaced\n' >"$1/c/with space.txt"
	ln -s ../a/f4096 "$1/c/link"
	chmod 0600 "$1/a/f1"
}

sums() { # DIR: one line per file, content hash and path
	(cd "$1" && find . -type f | sort | while read -r f; do sha256sum "$f"; done)
}

# copier I MNT: copy the tree in, check it through the mount.
copier() {
	cp -a "$dir/src" "$2/w$1" && diff -r "$dir/src" "$2/w$1" >/dev/null &&
		sums "$2/w$1" | cmp -s - "$dir/src.sums"
}

# reader I MNT: hash a copy another copier made, then its own, through
# the mount (two trees each keeps the VM's time down).
reader() {
	for j in $((($1 + 1) % 4)) $1; do
		sums "$2/w$j" | cmp -s - "$dir/src.sums" || return 1
	done
}

run4() { # FUNCTION MNT: four at once; fails if any does
	p4=
	for i in 0 1 2 3; do
		"$1" $i "$2" &
		p4="$p4 $!"
	done
	rc=0
	for p in $p4; do wait "$p" || rc=1; done
	return $rc
}

# tar_round_trip MNT: into the mount and back out, both compared; the
# time into the mount in tar_cs (centiseconds).
tar_round_trip() {
	rm -rf "$dir/back" && mkdir -p "$1/tar" "$dir/back"
	t0=$(now_cs)
	tar -C "$dir/src" -cf - . | tar -C "$1/tar" -xf - || return 1
	tar_cs=$(($(now_cs) - t0))
	diff -r "$dir/src" "$1/tar" >/dev/null &&
		tar -C "$1/tar" -cf - . | tar -C "$dir/back" -xf - &&
		diff -r "$dir/src" "$dir/back" >/dev/null
}

# fails_fast COMMAND...: COMMAND fails, within a second.
fails_fast() {
	t0=$(now_cs)
	timeout 10 "$@" >/dev/null 2>&1 && { echo "# $* succeeded"; return 1; }
	took=$(($(now_cs) - t0))
	echo "# $* failed after $((took * 10)) ms"
	[ $took -le 100 ]
}

echo "TAP version 13"
why=
[ -c /dev/flipcall ] || why="no /dev/flipcall: the module is not loaded"
[ -c /dev/fuse ] || why="no /dev/fuse: the VM kernel lacks CONFIG_FUSE_FS"
for t in lisafs-server lisafs-fuse; do
	command -v $t >/dev/null || why="$t is not on PATH (VM_TOOLS)"
done
if [ -n "$why" ]; then
	# The VM is ours: a missing piece is a broken harness, not a skip.
	echo "1..1"
	ok 1 prerequisites "$why"
	exit 1
fi
echo "1..15"
# The server shares its fd limit among up to 64 connections: under the
# kernel's default for init (hard 4096) a connection would get only 64
# FDIDs, and four copies of the tree need more. A login on a Debian host
# has a hard limit of 524288; as root, take something like it.
ulimit -n 65536 2>/dev/null
started=$(now_cs)
refs_before=$(module_refs)
tar_cs=0
make_tree "$dir/src"
sums "$dir/src" >"$dir/src.sums"

# --- Device channels ---
mnt=$dir/dev.mnt
start_server dev
dev_server=$server_pid
server_fds=$(fd_count $dev_server)
mount_export dev
ok $? device/mounted "$(show_logs)"
line=$(grep 'connected:' "$dir/dev.fuse.log")
echo "# $line"
echo "$line" | grep -Eq 'connected: 0 futex and [1-9][0-9]* device channels'
ok $? device/client_uses_device_channels_only

run4 copier "$mnt"
ok $? device/4_concurrent_copies_identical
diff -r "$dir/src" "$dir/dev.export/w2" >/dev/null
ok $? device/copies_landed_in_the_export
run4 reader "$mnt"
ok $? device/4_concurrent_readers_same_hashes
tar_round_trip "$mnt"
ok $? device/tar_round_trip_diff_clean
device_tar_cs=$tar_cs

unmount dev
ok $? device/umount_ends_the_daemon
# The server closes everything the connection had (FDIDs, channels,
# device windows) once the client is gone.
wait_for 5 test "$(fd_count $dev_server)" = "$server_fds"
ok $? device/server_fds_back_after_unmount \
	"server had $server_fds fds before, $(fd_count $dev_server) after"

# The server killed under a live mount.
if mount_export dev && ls "$mnt/w0" >/dev/null; then
	exec 7<"$mnt/w1/a/f4096"	# a file open across the death
	kill -KILL $dev_server
	wait $dev_server 2>/dev/null
	usleep 200000
	fails_fast ls "$mnt/w0" && fails_fast cat "$mnt/w1/a/lines.txt" &&
		fails_fast touch "$mnt/new-file" && fails_fast cat <&7
	rc=$?
	exec 7<&-
else
	rc=1
fi
ok $rc device/server_killed_operations_fail_within_1s "$(show_logs)"
unmount dev
ok $? device/umount_after_server_death

# --- Futex channels, for contrast ---
mnt=$dir/futex.mnt
start_server futex
futex_server=$server_pid
if mount_export futex -o no_device; then
	line=$(grep 'connected:' "$dir/futex.fuse.log")
	echo "# $line"
	echo "$line" | grep -Eq 'connected: [1-9][0-9]* futex and 0 device channels'
	rc=$?
else
	rc=1
fi
ok $rc futex/no_device_uses_futex_channels_only "$(show_logs)"
tar_round_trip "$mnt"
ok $? futex/tar_round_trip_diff_clean
echo "# tar of the tree into the mount: device channels $((device_tar_cs * 10)) ms, futex channels $((tar_cs * 10)) ms"
unmount futex
kill -TERM $futex_server
wait_for 5 gone $futex_server
ok $? futex/server_exits_on_sigterm

# --- Nothing left ---
left=$(for p in $pids; do kill -0 "$p" 2>/dev/null && echo "$p"; done)
others=$(pidof lisafs-fuse lisafs-server)
[ -z "$left$others" ] && ! grep -q " $dir/" /proc/mounts
ok $? cleanup/no_process_or_mount_left \
	"left: $left $others; mounts: $(grep " $dir/" /proc/mounts)"
wait_for 5 test "$(module_refs)" = "$refs_before"
ok $? cleanup/module_references_back "before $refs_before, now $(module_refs)"
echo "# took $((($(now_cs) - started) / 100)) s"
exit $failed
