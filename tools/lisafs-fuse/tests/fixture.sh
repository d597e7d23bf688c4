# SPDX-License-Identifier: GPL-2.0
# Sourced by lisafs-fuse-test.sh and the demo: make_tree DIR builds the test
# tree: files, a sparse file, hard links, symlinks (relative, absolute,
# dangling, to a directory), a FIFO, empty and sticky directories, odd names
# (spaces, UTF-8, 255 bytes) and fixed modes and times.

long_name() {
	printf '%0255d' 0 | tr 0 L
}

make_tree() {
	d=$1
	mkdir -p "$d/a/b/c" "$d/empty" "$d/dir with space/inner" \
		"$d/ütf8-ñame-✓" "$d/sticky"
	printf 'first file\n' >"$d/a/file1"
	seq 1 20000 >"$d/a/b/c/deep.txt"
	printf 'two  spaces\n' >"$d/dir with space/file with  two spaces.txt"
	printf 'こんにちは\n' >"$d/ütf8-ñame-✓/日本語.txt"
	printf 'long\n' >"$d/$(long_name)"
	head -c 3145739 /dev/urandom >"$d/a/random.bin"
	truncate -s 10M "$d/sparse"
	printf 'middle' | dd of="$d/sparse" bs=1 seek=5000000 conv=notrunc \
		status=none
	: >"$d/a/b/empty-file"
	ln "$d/a/file1" "$d/a/b/hardlink1"
	ln "$d/a/file1" "$d/hardlink2"
	ln -s file1 "$d/a/rel_link"
	ln -s /etc/passwd "$d/abs_link"
	ln -s nowhere "$d/dangling"
	ln -s a/b "$d/dirlink"
	mkfifo "$d/a/fifo"
	chmod 0600 "$d/a/file1"
	chmod 0444 "$d/a/b/c/deep.txt"
	chmod 0750 "$d/a/b"
	chmod 1777 "$d/sticky"
	find "$d" -depth -exec touch -h -d '2001-02-03 04:05:06.123456789' {} +
}

# One line per entry: name, type, mode, links, size (files), link target,
# owner and, unless NOTIMES is given, mtime. Sorted bytewise, so two trees
# compare with cmp.
listing() {
	t='|%T+'
	[ $# -gt 1 ] && t=
	(cd "$1" && find . -mindepth 1 \( -type f -printf "%P|%y|%m|%n|%s|%U|%G$t\\n" \) -o \
		\( -type l -printf "%P|%y|%m|%n|-|%l|%U|%G$t\\n" \) -o \
		\( -printf "%P|%y|%m|%n|-|-|%U|%G$t\\n" \)) | LC_ALL=C sort
}
