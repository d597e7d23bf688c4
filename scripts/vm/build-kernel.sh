#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# build-kernel.sh FLAVOUR : print the directory of a cached test kernel,
# building it first if needed. FLAVOUR is "debug" (tests: KASAN, lockdep,
# kmemleak, KUnit) or "base" (benchmarks).
#
# The cache entry $FLIPCALL_CACHE/kernel-FLAVOUR-HASH holds bzImage,
# System.map, config and build/ (a module-build tree like Debian's
# linux-headers). HASH covers everything that changes the result: the
# fragments, the linux-source package version, the compiler and this script.
# An entry is built in a temporary directory and renamed into place, so a
# directory with the final name is always complete; a lock serialises
# concurrent builders of the same entry (parallel worktrees).
set -euo pipefail

flavour=${1:?usage: build-kernel.sh debug|base}
here=$(cd "$(dirname "$0")" && pwd)
cache=${FLIPCALL_CACHE:-$HOME/.cache/flipcall}
tarball=/usr/src/linux-source-6.1.tar.xz
jobs=${KERNEL_JOBS:-2}

case $flavour in
base)	fragments=("$here/config/base.config") ;;
debug)	fragments=("$here/config/base.config" "$here/config/debug.config") ;;
*)	echo "build-kernel.sh: unknown flavour '$flavour'" >&2; exit 2 ;;
esac

for need in "$tarball" /usr/bin/gcc /usr/bin/bc /usr/bin/flex /usr/bin/bison; do
	[ -e "$need" ] || { echo "build-kernel.sh: no $need: run scripts/install-deps.sh build vm" >&2; exit 1; }
done

key=$( {
	cat "${fragments[@]}" "$0"
	dpkg-query -W -f='${Version}\n' linux-source-6.1
	gcc --version | head -n 1
} | sha256sum | cut -c1-16)
entry=$cache/kernel-$flavour-$key

if [ -f "$entry/bzImage" ]; then
	echo "$entry"
	exit 0
fi

mkdir -p "$cache"
exec 9>"$entry.lock"
if ! flock -n 9; then
	echo "build-kernel.sh: waiting for another build of $(basename "$entry")" >&2
	flock 9
fi
if [ -f "$entry/bzImage" ]; then
	echo "$entry"
	exit 0
fi

# Holding the lock, any directory of an earlier build of this entry is
# debris of a killed build.
rm -rf "$cache/.building-kernel-$flavour-$key".*
tmp=$(mktemp -d "$cache/.building-kernel-$flavour-$key.XXXXXX")
log=$tmp/build.log
# On failure the log survives the temporary tree.
trap '[ $? -eq 0 ] || cp "$log" "$entry.failed.log" 2>/dev/null; rm -rf "$tmp"' EXIT
t0=$(date +%s)
echo "build-kernel.sh: building the $flavour test kernel (several minutes, cached in $entry)" >&2

tar -C "$tmp" -xf "$tarball"
src=$tmp/linux-source-6.1
kmake() { make -C "$src" ARCH=x86_64 "$@"; }

{
	kmake tinyconfig
	(cd "$src" && ./scripts/kconfig/merge_config.sh -m .config "${fragments[@]}")
	kmake olddefconfig
} >"$log" 2>&1 || { tail -n 50 "$log" >&2; exit 1; }

# merge_config.sh drops options whose dependencies are unmet without
# failing: check each requested line made it into the final config.
lost=0
while IFS= read -r line; do
	case $line in
	CONFIG_*=*)
		opt=${line%%=*}
		grep -qxF "$line" "$src/.config" && continue ;;
	"# CONFIG_"*" is not set")
		opt=${line#\# }; opt=${opt%% *}
		grep -q "^$opt=" "$src/.config" || continue ;;
	*)	continue ;;
	esac
	got=$(grep -E "^(# )?$opt[= ]" "$src/.config" || echo "nothing (dependencies unmet?)")
	echo "build-kernel.sh: requested '$line' but got: $got" >&2
	lost=1
done < <(cat "${fragments[@]}")
[ $lost -eq 0 ] || { echo "build-kernel.sh: config fragments did not survive; fix scripts/vm/config/" >&2; exit 1; }

echo "build-kernel.sh: config ok after $(( $(date +%s) - t0 )) s, compiling with -j$jobs" >&2
kmake -j"$jobs" bzImage modules >>"$log" 2>&1 ||
	{ tail -n 80 "$log" >&2; exit 1; }

# Keep what building an external module needs, the same selection Debian's
# linux-headers package makes (scripts/package/builddeb), and drop the rest.
out=$tmp/entry
mkdir -p "$out/build"
(
	cd "$src"
	test -f Module.symvers
	{
		find . arch/x86 -maxdepth 1 -name 'Makefile*'
		find include scripts arch/x86/include -type f -o -type l
		find arch/x86 -name Kbuild.platforms -o -name Platform
		find arch/x86 -path '*/scripts/*' -type f
		echo Module.symvers
		echo .config
		[ -x tools/objtool/objtool ] && echo tools/objtool/objtool
		find include/config -type f
	} | grep -vE '\.(o|cmd)$|/\.[^/]*\.cmd$' | sort -u |
		cpio -pdm --quiet "$out/build"
)
cp "$src/arch/x86/boot/bzImage" "$src/System.map" "$out/"
cp "$src/.config" "$out/config"
cp "$src/System.map" "$out/build/"
echo "built $(date -u +%FT%TZ) in $(( $(date +%s) - t0 )) s" >"$out/build-info"

rm -rf "$entry" "$entry.failed.log"
mv "$out" "$entry"
echo "build-kernel.sh: $flavour kernel ready in $(( $(date +%s) - t0 )) s ($(du -sh "$entry" | cut -f1))" >&2
echo "$entry"
