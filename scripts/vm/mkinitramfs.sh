#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# mkinitramfs.sh OUT MODULE.ko [-d DEP.ko]... [-t TOOL]... [PROGRAM]...
# Pack the test VM's initramfs: busybox-static, scripts/vm/init.sh as /init,
# the module (debug info stripped), Debian modules it depends on (-d, loaded
# first, in order), tools the programs call (-t, in /usr/local/bin, on init's
# PATH) and the programs to run (/progs, in the order given), with
# the shared libraries they link. Libraries from outside the system
# directories (e.g. libflipcall.so from build/) go to /usr/local/lib.
# LD_LIBRARY_PATH is used to resolve them. PROG_ARGS, if set, is given to
# every program as its arguments, "{}" replaced by the program's name.
set -euo pipefail

out=$1 module=$2
shift 2
deps=()
tools=()
while [ $# -gt 0 ]; do
	case $1 in
	-d) deps+=("$2") ;;
	-t) tools+=("$2") ;;
	*) break ;;
	esac
	shift 2
done
here=$(cd "$(dirname "$0")" && pwd)
busybox=/bin/busybox
! ldd "$busybox" >/dev/null 2>&1 ||
	{ echo "mkinitramfs.sh: $busybox is not static: apt-get install busybox-static" >&2; exit 1; }

root=$(mktemp -d "${out}.root.XXXXXX")
trap 'rm -rf "$root"' EXIT
chmod 755 "$root"	# the guest's "/": tests run programs as other users
mkdir -p "$root"/{bin,dev,etc,proc,sys,tmp,progs,lib/deps,usr/local/bin,usr/local/lib}
# libfuse (run as root, it mounts without fusermount3) keeps /etc/mtab
# only where it is not a link to the kernel's table.
ln -s /proc/self/mounts "$root/etc/mtab"
cp "$busybox" "$root/bin/busybox"
for applet in $("$busybox" --list); do
	[ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
done
install -m 0755 "$here/init.sh" "$root/init"
strip --strip-debug -o "$root/flipcall.ko" "$module"
# The KUnit suites' module, where the kernel has KUnit (built next to it).
kunit_module=$(dirname "$module")/flipcall_kunit.ko
if [ -f "$kunit_module" ]; then
	strip --strip-debug -o "$root/flipcall_kunit.ko" "$kunit_module"
fi

n=0
for dep in "${deps[@]}"; do
	n=$((n + 1))
	cp "$dep" "$root/lib/deps/$(printf %02d $n)-$(basename "$dep")"
done

# copy_libs ELF: the shared objects ELF needs, at the same path for system
# ones (the dynamic loader's search path matches the host's).
copy_libs() {
	local lib
	# ldd fails on static programs: they need nothing.
	{ ldd "$1" 2>/dev/null || true; } | awk '/not found/ { print "MISSING " $1; next }
		/=> \// { print $3; next } /^\t\// { print $1 }' |
	while read -r lib rest; do
		if [ "$lib" = MISSING ]; then
			echo "mkinitramfs.sh: $1 needs $rest, not found (set LD_LIBRARY_PATH)" >&2
			exit 1
		fi
		case $lib in
		/lib/*|/lib64/*|/usr/lib/*) dest=$root$lib ;;
		*) dest=$root/usr/local/lib/$(basename "$lib") ;;
		esac
		[ -e "$dest" ] && continue
		mkdir -p "$(dirname "$dest")"
		cp -L "$lib" "$dest"
	done
}

for tool in ${tools[@]+"${tools[@]}"}; do
	cp "$tool" "$root/usr/local/bin/$(basename "$tool")"
	copy_libs "$tool"
done

for prog in "$@"; do
	name=$(basename "$prog")
	cp "$prog" "$root/progs/$name"
	echo "$name" >>"$root/progs.list"
	copy_libs "$prog"
done

[ -n "${PROG_ARGS:-}" ] && echo "$PROG_ARGS" >"$root/progs.args"

(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$out.tmp"
mv "$out.tmp" "$out"
