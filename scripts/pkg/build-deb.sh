#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# build-deb.sh SRC OUT : build the Debian packages of the tree SRC (its
# tracked and untracked, not ignored, files: what a commit would hold) in
# OUT/flipcall-<version>/ with dpkg-buildpackage -us -uc -b; the .debs,
# .changes and .buildinfo land in OUT. Missing build dependencies
# (debian/control) are installed first.
set -eu
src=$(cd "$1" && pwd)
mkdir -p "$2"
out=$(cd "$2" && pwd)
version=$(cd "$src" && dpkg-parsechangelog -SVersion)
tree=$out/flipcall-$version

rm -rf "$tree" "$out"/*.deb "$out"/*.changes "$out"/*.buildinfo
mkdir -p "$tree"
(cd "$src" && git ls-files -z --cached --others --exclude-standard |
	rsync -a --from0 --files-from=- ./ "$tree/")

if ! (cd "$tree" && dpkg-checkbuilddeps >/dev/null 2>&1); then
	echo "build-deb: installing the build dependencies of debian/control"
	SUDO=
	[ "$(id -u)" -eq 0 ] || SUDO=sudo
	(cd "$tree" && DEBIAN_FRONTEND=noninteractive $SUDO apt-get build-dep -y -q ./ >/dev/null)
fi
(cd "$tree" && dpkg-buildpackage -us -uc -b)
ls "$out"/*.deb
