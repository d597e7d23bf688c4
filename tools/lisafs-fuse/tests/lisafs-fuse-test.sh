#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lisafs-fuse-test.sh LISAFS_FUSE LISAFS_SERVER: real tools on a lisafs-fuse
# mount, as TAP. Each check does the same thing on a plain
# directory (or has a fixed expected value) and compares. Every command runs
# under a timeout, so a hang is a FAIL; the trap unmounts and kills whatever
# was started, whatever happened.
set -u
LFS=$1 SERVER=$2
here=$(cd "$(dirname "$0")" && pwd)
. "$here/fixture.sh"

n=0 failed=0
. "$here/../../../scripts/tap-lib.sh"
skip() {
	n=$((n + 1))
	echo "ok $n $1 # SKIP $2"
}
note() {
	echo "# $*"
}
T() {
	timeout --kill-after=5 "$@"
}

echo "TAP version 13"
CHECKS="mount cp_a_into cp_a_out find_printf tar_roundtrip mv_across_dirs
rm_r ln_hard ln_s_readlink truncate touch_d chmod statfs read_only fio_verify
confinement_symlink_shown confinement_server_opens sigterm_unmounts
fusermount_unmounts server_killed_mid_copy socket_cp_a socket_confinement
socket_server_killed inode_limit usage_errors xattr file_capabilities socket_only
parallel_cp"
echo "1..$(echo $CHECKS | wc -w)"

skip_all() {
	for c in $CHECKS; do skip "$c" "$1"; done
	exit 0
}
[ -x "$LFS" ] || skip_all "no $LFS"
[ -x "$SERVER" ] || skip_all "no $SERVER"
[ -c /dev/fuse ] || skip_all "/dev/fuse is absent"
( exec 3<>/dev/fuse ) 2>/dev/null || skip_all "/dev/fuse cannot be opened"
command -v fusermount3 >/dev/null || skip_all "fusermount3 is not installed"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/lisafs-fuse-test.XXXXXX")
export_dir=$tmp/export mnt=$tmp/mnt plain=$tmp/plain log=$tmp/log
mkdir -p "$export_dir" "$mnt" "$plain" "$tmp/src" "$tmp/out"
daemons=

cleanup() {
	for m in "$mnt" "$tmp"/mnt-*; do
		[ -d "$m" ] && mountpoint -q "$m" && T 10 fusermount3 -u -z "$m"
	done
	for p in $(pgrep -f -- "--socket $tmp/sock") $daemons; do
		kill -KILL "$p" 2>/dev/null
	done
	for p in $daemons; do wait "$p" 2>/dev/null; done
	[ -n "${LFS_TEST_KEEP:-}" ] && return
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# mount_lfs MOUNTPOINT ARGS...: starts lisafs-fuse in the foreground (so the
# test owns its pid) and waits up to 10 s for the mount. Sets $pid.
# LFS_TEST_PASSTHROUGH=path/to/passthrough_ll mounts that instead, to check
# the checks themselves; the server-specific ones then fail.
mount_lfs() {
	m=$1
	shift
	if [ -n "${LFS_TEST_PASSTHROUGH:-}" ]; then
		src=$2
		shift 2
		"$LFS_TEST_PASSTHROUGH" -o "source=$src" -o timeout=1 "$@" "$m" \
			-f 2>>"$log" &
	else
		"$LFS" "$@" "$m" -f 2>>"$log" &
	fi
	pid=$!
	daemons="$daemons $pid"
	wait_mount "$m" "$pid"
}
wait_mount() {
	i=0
	while [ $i -lt 100 ]; do
		mountpoint -q "$1" && return 0
		alive "$2" || return 1
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
# alive PID: running, not a zombie (a child of this shell stays one until
# the shell reaps it, which it does when it pleases).
alive() {
	state=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)
	[ -n "$state" ] && [ "$state" != Z ]
}
# wait_gone PID SECONDS: true once the process has exited.
wait_gone() {
	i=0
	while [ $i -lt $(($2 * 10)) ]; do
		alive "$1" || return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
server_child() {
	pgrep -P "$1" | head -n1
}
# same_listing A B [NOTIMES]
same_listing() {
	listing "$1" ${3:+"$3"} >"$tmp/l1" && listing "$2" ${3:+"$3"} >"$tmp/l2" &&
		cmp -s "$tmp/l1" "$tmp/l2" && return 0
	diff "$tmp/l1" "$tmp/l2" | head -n 10 | sed 's/^/# /'
	return 1
}
same_tree() {
	T 120 diff -r --no-dereference -x fifo "$1" "$2" >"$tmp/diff" 2>&1 &&
		same_listing "$1" "$2" ${3:+"$3"} && return 0
	head -n 10 "$tmp/diff" | sed 's/^/# /'
	return 1
}
run_ops() {
	T 60 sh -c '. "$1/fixture.sh" && . "$1/ops.sh" && "$2"' sh "$here" "$1"
}
# no_error_output FILE: a tool that exited 0 must also have said nothing.
no_error_output() {
	[ ! -s "$1" ] && return 0
	sed 's/^/# /' "$1"
	return 1
}
# both OPS: runs the shell function OPS on the plain copy and on the mount.
both() {
	(cd "$plain/t1" && run_ops "$1") >"$tmp/o1" 2>&1 &&
		(cd "$mnt/t1" && run_ops "$1") >"$tmp/o2" 2>&1 &&
		cmp -s "$tmp/o1" "$tmp/o2" && return 0
	sed 's/^/# plain: /' "$tmp/o1"
	sed 's/^/# mount: /' "$tmp/o2"
	return 1
}

make_tree "$tmp/src"
mount_lfs "$mnt" --export "$export_dir"
ok $? mount
lfs_pid=$pid
grep -q "^lisafs:$export_dir $mnt fuse.lisafs " /proc/mounts ||
	note "mount table: $(grep " $mnt " /proc/mounts)"

# cp -a: a tree with every kind of entry in and back out.
mkdir "$plain/t1"
T 120 cp -a "$tmp/src/." "$plain/t1/"
T 120 cp -a "$tmp/src/." "$mnt/t1/" 2>"$tmp/err" && no_error_output "$tmp/err"
[ $? = 0 ] && same_tree "$plain/t1" "$mnt/t1" &&
	same_listing "$plain/t1" "$export_dir/t1"
ok $? cp_a_into
T 120 cp -a "$mnt/t1/." "$tmp/out/" 2>"$tmp/err" &&
	same_tree "$tmp/src" "$tmp/out"
ok $? cp_a_out
(cd "$mnt/t1" && T 60 find . -printf '%p %M %s %n %i\n' | LC_ALL=C sort) \
	>"$tmp/f1" && (cd "$export_dir/t1" &&
	T 60 find . -printf '%p %M %s %n %i\n' | LC_ALL=C sort) >"$tmp/f2" &&
	cmp -s "$tmp/f1" "$tmp/f2"
ok $? find_printf

# tar c | tar x into the mount, then out of it again (pax: nanoseconds).
mkdir "$mnt/t2" "$tmp/t2out"
(cd "$tmp/src" && T 120 tar --format=posix -cf - .) |
	(cd "$mnt/t2" && T 120 tar xpf -) 2>"$tmp/err" &&
	no_error_output "$tmp/err"
[ $? = 0 ] && (cd "$mnt/t2" && T 120 tar --format=posix -cf - .) |
	(cd "$tmp/t2out" && T 120 tar xpf -) &&
	same_tree "$tmp/src" "$tmp/t2out" && same_tree "$tmp/src" "$mnt/t2"
ok $? tar_roundtrip

# The same operations (ops.sh) on the plain copy and the mounted one.
both ops_mv && same_listing "$plain/t1" "$mnt/t1" notimes
ok $? mv_across_dirs
both ops_rm && same_listing "$plain/t1" "$mnt/t1" notimes
ok $? rm_r
both ops_ln && same_listing "$plain/t1" "$mnt/t1" notimes
ok $? ln_hard
both ops_ln_s && [ "$(readlink "$mnt/t1/sl")" = 'target with  space/../x' ]
ok $? ln_s_readlink
both ops_truncate && same_tree "$plain/t1" "$mnt/t1" notimes
ok $? truncate
both ops_touch && same_listing "$plain/t1" "$mnt/t1" notimes
ok $? touch_d
both ops_chmod && same_listing "$plain/t1" "$mnt/t1" notimes
ok $? chmod

# statfs answers for the export's file system.
[ "$(stat -f -c '%S %b %l' "$mnt")" = "$(stat -f -c '%S %b %l' "$export_dir")" ]
ok $? statfs

# Data integrity under load: 4 jobs of random writes with random read-back.
mkdir "$mnt/fio" &&
	T 300 fio --name=verify --directory="$mnt/fio" --ioengine=psync \
		--rw=randwrite --bs=4k --size=16m --numjobs=4 --verify=crc32c \
		--verify_fatal=1 --verify_backlog=64 --do_verify=1 \
		--verify_state_save=0 \
		--group_reporting >"$tmp/fio" 2>&1 &&
	grep -q 'err= 0' "$tmp/fio" && ! grep -qi 'verify.*fail\|bad magic' "$tmp/fio"
rc=$?
[ $rc = 0 ] || tail -n 15 "$tmp/fio" | sed 's/^/# /'
ok $rc fio_verify

# Four copies at once (the multi-threaded loop, the shared inode table and
# the channels under concurrent calls), then four listings at once.
pids=
for k in 1 2 3 4; do
	T 120 cp -a "$tmp/src/." "$mnt/par$k/" 2>"$tmp/err$k" &
	pids="$pids $!"
done
# Not a bare wait: the mount's daemon is a child of this shell too.
rc=0
for p in $pids; do wait "$p" || rc=1; done
pids=
for k in 1 2 3 4; do
	no_error_output "$tmp/err$k" || rc=1
	(cd "$mnt/par$k" && T 60 find . -printf '%p %s %n\n' | LC_ALL=C sort) \
		>"$tmp/par$k" &
	pids="$pids $!"
done
for p in $pids; do wait "$p"; done
(cd "$tmp/src" && find . -printf '%p %s %n\n' | LC_ALL=C sort) >"$tmp/par0"
for k in 1 2 3 4; do
	cmp -s "$tmp/par0" "$tmp/par$k" || rc=1
done
[ $rc = 0 ] && same_tree "$tmp/src" "$mnt/par4"
ok $? parallel_cp

# Extended attributes: the same calls on a plain file and a mounted one.
if command -v python3 >/dev/null; then
	: >"$plain/xattr-file" && : >"$mnt/xattr-file" &&
		T 10 python3 "$here/xattr-ops.py" "$plain/xattr-file" >"$tmp/x1" 2>&1 &&
		T 10 python3 "$here/xattr-ops.py" "$mnt/xattr-file" >"$tmp/x2" 2>&1 &&
		cmp -s "$tmp/x1" "$tmp/x2"
	rc=$?
	[ $rc = 0 ] || diff "$tmp/x1" "$tmp/x2" | sed 's/^/# /'
	ok $rc xattr
else
	skip xattr "python3 is not installed"
fi

# File capabilities: lisafs-fuse caches the absence of security.capability
# (the kernel asks before every write); a cap set through the mount must be
# seen at once, and a later write must drop it, as on a plain file.
if command -v setcap >/dev/null; then
	cap=$mnt/cap-file
	echo x >"$cap" && echo y >>"$cap" &&
		T 10 setcap cap_net_raw+ep "$cap" &&
		[ "$(getcap "$cap")" = "$cap cap_net_raw=ep" ] &&
		echo z >>"$cap" && [ -z "$(getcap "$cap")" ] &&
		[ -z "$(getcap "$export_dir/cap-file")" ] &&
		[ "$(cat "$export_dir/cap-file")" = "x
y
z" ]
	ok $? file_capabilities
else
	skip file_capabilities "setcap (libcap2-bin) is not installed"
fi

# A symlink out of the export is shown, not followed by the server.
[ "$(readlink "$mnt/t1/a/rel_link")" = file1 ] &&
	ln -s /etc/passwd "$export_dir/escape" &&
	[ "$(T 10 readlink "$mnt/escape")" = /etc/passwd ] &&
	[ "$(T 10 stat -c %F "$mnt/escape")" = "symbolic link" ]
ok $? confinement_symlink_shown

# Read-only: the kernel mount and the server refuse writes, reads work.
mkdir "$tmp/mnt-ro"
mount_lfs "$tmp/mnt-ro" --export "$export_dir" -o ro
ro_pid=$pid
cmp -s "$tmp/src/a/random.bin" "$tmp/mnt-ro/t2/a/random.bin" &&
	! T 10 sh -c ": >'$tmp/mnt-ro/new'" 2>"$tmp/err" &&
	grep -q 'Read-only' "$tmp/err" && [ ! -e "$export_dir/new" ]
ok $? read_only
T 10 fusermount3 -u "$tmp/mnt-ro"
wait_gone "$ro_pid" 5 || note "read-only daemon did not exit"

# Unmounting with fusermount3: the daemon and its server child exit.
child=$(server_child "$lfs_pid")
T 10 fusermount3 -u "$mnt" && wait_gone "$lfs_pid" 5 &&
	[ -n "$child" ] && wait_gone "$child" 5 && ! mountpoint -q "$mnt"
ok $? fusermount_unmounts

# SIGTERM unmounts just the same.
mount_lfs "$mnt" --export "$export_dir"
lfs_pid=$pid
child=$(server_child "$lfs_pid")
kill -TERM "$lfs_pid" && wait_gone "$lfs_pid" 5 && [ -n "$child" ] &&
	wait_gone "$child" 5 && ! mountpoint -q "$mnt"
ok $? sigterm_unmounts

# Confinement, seen from the server's system calls: every path it resolves
# while serving a copy, a listing and reads of links out of the export.
if command -v strace >/dev/null && command -v python3 >/dev/null; then
	T 20 strace -f -Y -y -qq -o "$tmp/strace" -e trace=%file,dup,dup2,dup3,fcntl \
		"$LFS" --export "$export_dir" "$mnt" -f 2>>"$log" &
	strace_pid=$!
	daemons="$daemons $strace_pid"
	if wait_mount "$mnt" "$strace_pid"; then
		T 60 cp -a "$tmp/src/." "$mnt/t3/"
		T 30 ls -lR "$mnt" >/dev/null
		T 10 cat "$mnt/escape" "$mnt/t3/dirlink/c/deep.txt" >/dev/null
		T 10 ls "$mnt/t3/dirlink/" "$mnt/t3/dirlink/../" >/dev/null
		T 10 fusermount3 -u "$mnt"
	fi
	wait_gone "$strace_pid" 10
	T 30 "$here/strace-confined.py" "$tmp/strace" lisafs-server \
		"$export_dir" >"$tmp/conf" 2>&1
	rc=$?
	sed 's/^/# /' "$tmp/conf"
	ok $rc confinement_server_opens
else
	skip confinement_server_opens "strace or python3 is not installed"
fi

# The server killed in the middle of a copy: the copy fails (not a hang),
# later operations fail, and the mount can still be unmounted.
mount_lfs "$mnt" --export "$export_dir"
lfs_pid=$pid
child=$(server_child "$lfs_pid")
slow_source() {
	while :; do
		head -c 65536 /dev/zero || exit 0
		sleep 0.005
	done
}
slow_source | T 30 cp /dev/stdin "$mnt/copy" 2>"$tmp/err" &
cp_pid=$!
sleep 1
start=$(date +%s)
[ -n "$child" ] && kill -KILL "$child"
wait "$cp_pid"
cp_rc=$?
end=$(date +%s)
note "cp: status $cp_rc after $((end - start)) s: $(cat "$tmp/err")"
T 10 ls "$mnt" >/dev/null 2>"$tmp/err"
ls_rc=$?
note "ls after the server died: status $ls_rc: $(cat "$tmp/err")"
[ -n "$child" ] && [ "$cp_rc" != 0 ] && [ "$cp_rc" != 124 ] &&
	[ "$cp_rc" != 137 ] && [ $((end - start)) -le 5 ] &&
	[ "$ls_rc" != 0 ] && [ "$ls_rc" != 124 ] && [ "$ls_rc" != 137 ] &&
	T 10 fusermount3 -u "$mnt" && wait_gone "$lfs_pid" 5
ok $? server_killed_mid_copy

# -o max_inodes: a stat of 3,000 names needs 3,000 inodes (each a server
# descriptor); within a few seconds the kernel has dropped all but about 300.
mkdir "$export_dir/many"
i=0
while [ $i -lt 3000 ]; do : >"$export_dir/many/f$i"; i=$((i + 1)); done
mount_lfs "$mnt" --export "$export_dir" -o max_inodes=300
lfs_pid=$pid
child=$(server_child "$lfs_pid")
(cd "$export_dir/many" && find . -printf '%p %s %n\n' | LC_ALL=C sort) >"$tmp/f1"
(cd "$mnt/many" && T 60 find . -printf '%p %s %n\n' | LC_ALL=C sort) >"$tmp/f2"
cmp -s "$tmp/f1" "$tmp/f2"
rc=$?
fds=99999
i=0
while [ $rc = 0 ] && [ -n "$child" ] && [ $i -lt 50 ]; do
	fds=$(ls "/proc/$child/fd" | wc -l)
	[ "$fds" -le 364 ] && break
	sleep 0.1
	i=$((i + 1))
done
note "server descriptors after the walk: $fds"
[ $rc = 0 ] && [ "$fds" -le 364 ]
ok $? inode_limit
T 10 fusermount3 -u "$mnt"
wait_gone "$lfs_pid" 5

# -o no_channels: every call on the connection socket.
mount_lfs "$mnt" --export "$export_dir" -o no_channels
lfs_pid=$pid
T 120 cp -a "$tmp/src/." "$mnt/t5/" 2>"$tmp/err" && no_error_output "$tmp/err"
[ $? = 0 ] && same_tree "$tmp/src" "$mnt/t5" && grep -q ' 0 futex and 0 device' "$log"
ok $? socket_only
T 10 fusermount3 -u "$mnt"
wait_gone "$lfs_pid" 5

# Bad usage is status 2; a server that cannot start is status 1 with the
# reason, and leaves no mount and no process behind.
T 10 "$LFS" "$mnt" >/dev/null 2>&1
rc1=$?
T 10 "$LFS" --export "$tmp/nonexistent" "$mnt" -f 2>"$tmp/err"
rc2=$?
T 10 "$LFS" --socket "$tmp/nonexistent.sock" "$mnt" -f 2>>"$tmp/err"
rc3=$?
note "statuses $rc1 $rc2 $rc3: $(tr '\n' ' ' <"$tmp/err")"
[ $rc1 = 2 ] && [ $rc2 = 1 ] && [ $rc3 = 1 ] && ! mountpoint -q "$mnt" &&
	grep -q "$tmp/nonexistent: No such file" "$tmp/err" &&
	grep -q "cannot connect to $tmp/nonexistent.sock" "$tmp/err"
ok $? usage_errors

# --socket: lisafs-server on its own, under strace, so every system call it
# makes is checked, and lisafs-fuse connecting to its socket.
# start_server [WRAPPER...]: sets $server_pid to the server itself, not to
# a wrapper (timeout, strace), whose death would leave the server running.
start_server() {
	"$@" "$SERVER" --export "$export_dir" --socket "$tmp/sock" 2>>"$log" &
	daemons="$daemons $!"
	i=0
	while [ ! -S "$tmp/sock" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	server_pid=$(pgrep -n -f -- "--socket $tmp/sock")
	daemons="$daemons $server_pid"
}
if command -v strace >/dev/null && command -v python3 >/dev/null; then
	start_server T 120 strace -f -Y -y -qq -o "$tmp/strace2" \
		-e trace=%file,dup,dup2,dup3,fcntl
else
	start_server
fi
mount_lfs "$mnt" --socket "$tmp/sock"
lfs_pid=$pid
T 120 cp -a "$tmp/src/." "$mnt/t4/" 2>"$tmp/err" && no_error_output "$tmp/err"
[ $? = 0 ] && same_tree "$tmp/src" "$mnt/t4" && T 10 cat "$mnt/escape" >/dev/null
ok $? socket_cp_a
T 10 fusermount3 -u "$mnt" && wait_gone "$lfs_pid" 5
kill -TERM "$server_pid"
wait_gone "$server_pid" 10
if [ -s "$tmp/strace2" ]; then
	T 30 "$here/strace-confined.py" "$tmp/strace2" lisafs-server \
		"$export_dir" "$tmp/sock" >"$tmp/conf" 2>&1
	rc=$?
	sed 's/^/# /' "$tmp/conf"
	ok $rc socket_confinement
else
	skip socket_confinement "strace or python3 is not installed"
fi

# The server process killed: ls fails at once, unmounting works.
rm -f "$tmp/sock"
start_server
mount_lfs "$mnt" --socket "$tmp/sock"
lfs_pid=$pid
T 10 ls "$mnt/t4" >/dev/null && kill -KILL "$server_pid" && sleep 0.2
start=$(date +%s)
T 10 ls -R "$mnt/t4" >/dev/null 2>"$tmp/err"
ls_rc=$?
end=$(date +%s)
note "ls after the server died: status $ls_rc in $((end - start)) s: $(head -n1 "$tmp/err")"
[ "$ls_rc" != 0 ] && [ "$ls_rc" != 124 ] && [ "$ls_rc" != 137 ] &&
	[ $((end - start)) -le 2 ] && T 10 fusermount3 -u "$mnt" &&
	wait_gone "$lfs_pid" 5
ok $? socket_server_killed

exit $failed
