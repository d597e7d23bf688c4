#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# checkpatch.sh RESULTS DIR... : run the kernel's checkpatch.pl --strict on
# every tracked file under DIRs, one PASS/FAIL line per file, printing the
# complaints of the failing ones. checkpatch.pl and its data files come from
# Debian's linux-source tarball, extracted once into the cache.
set -uo pipefail

results=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
tarball=/usr/src/linux-source-6.1.tar.xz
cache=${FLIPCALL_CACHE:-$HOME/.cache/flipcall}
version=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null)
tool=$cache/checkpatch-$version
mkdir -p "$(dirname "$results")"
: >"$results"

if [ ! -x "$tool/scripts/checkpatch.pl" ]; then
	mkdir -p "$cache"
	exec 9>"$tool.lock"
	flock 9
	if [ ! -x "$tool/scripts/checkpatch.pl" ]; then
		tmp=$(mktemp -d "$cache/.checkpatch.XXXXXX")
		if ! tar -C "$tmp" -xf "$tarball" --strip-components=1 \
			linux-source-6.1/scripts/checkpatch.pl \
			linux-source-6.1/scripts/spelling.txt \
			linux-source-6.1/scripts/const_structs.checkpatch; then
			rm -rf "$tmp"
			echo "FAIL checkpatch (cannot extract it from $tarball)" >>"$results"
			exit 0
		fi
		rm -rf "$tool"
		mv "$tmp" "$tool"
	fi
	exec 9>&-
fi

cd "$src" || exit 1
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	files=$(git ls-files -- "$@")
else
	files=$(find "$@" -type f | sort)
fi
for f in $files; do
	[ -f "$f" ] || continue
	if report=$("$tool/scripts/checkpatch.pl" --strict --no-tree --quiet \
			--show-types -f "$f" 2>&1); then
		echo "PASS $f" >>"$results"
	else
		echo "FAIL $f" >>"$results"
		echo "checkpatch: $f:"
		echo "$report" | sed 's/^/    /'
	fi
done
