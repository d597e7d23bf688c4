#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# demo-fuse.sh LISAFS_FUSE: mounts a small directory through lisafs-fuse
# (FUSE -> lisafs client -> futex channels -> lisafs server child) and lists
# it, then unmounts. `make demo-fuse` runs it.
set -eu
lfs=$1
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tests/fixture.sh"
if ! [ -c /dev/fuse ] || ! command -v fusermount3 >/dev/null; then
	echo "demo-fuse: needs /dev/fuse and fusermount3 (Debian fuse3)" >&2
	exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lisafs-demo.XXXXXX")
trap 'mountpoint -q "$tmp/mnt" && fusermount3 -u -z "$tmp/mnt"; rm -rf "$tmp"' EXIT
mkdir "$tmp/export" "$tmp/mnt"
make_tree "$tmp/export"
rm -f "$tmp/export/$(long_name)"
echo "\$ lisafs-fuse --export $tmp/export $tmp/mnt"
"$lfs" --export "$tmp/export" "$tmp/mnt"
grep " $tmp/mnt " /proc/mounts
echo "\$ ls -la mnt mnt/a"
(cd "$tmp/mnt" && ls -la . a)
echo "\$ cat mnt/a/file1 && readlink mnt/abs_link"
cat "$tmp/mnt/a/file1"
readlink "$tmp/mnt/abs_link"
echo "\$ fusermount3 -u mnt"
fusermount3 -u "$tmp/mnt"
