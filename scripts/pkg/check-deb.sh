#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# check-deb.sh SRC RESULTS : the Debian packages, tested the way a user
# meets them.
#   1. they build (scripts/pkg/build-deb.sh) from a clean clone of SRC's HEAD
#   2. lintian reports no error (warnings are listed as NOTE lines)
#   3. dpkg -i installs them into a throw-away root: an overlay on a
#      debootstrap chroot cached in ~/.cache/flipcall/, keyed by what goes
#      into it (the packages' dependencies, Debian's kernel ABI, the
#      mirror); there scripts/pkg/in-chroot.sh checks DKMS, pkg-config, an
#      example linked against the installed library and the installed tools
# The module DKMS built is copied to $BUILD/deb/dkms/flipcall.ko for the VM
# stage check-vm-stock-dkms. Results: PASS/FAIL/SKIP lines in RESULTS.
set -uo pipefail

src=$(cd "$1" && pwd)
results=$2
here=$(cd "$(dirname "$0")" && pwd)
BUILD=${BUILD:-$src/build}
work=$BUILD/deb-check
cache=${FLIPCALL_CACHE:-$HOME/.cache/flipcall}
dkms_out=$BUILD/deb/dkms
ours="flipcall-dkms libflipcall1 libflipcall-dev flipcall-tools"
: >"$results"
mkdir -p "$cache"

say() { echo "$*" >>"$results"; echo "check-deb: $*"; }
# give_up REASON: the rest of the stage cannot run.
give_up() { say "FAIL $1"; say "SKIP install and DKMS checks: $1"; exit 0; }

# 1. A clean clone, as CI has it.
rm -rf "$work" "$dkms_out"
mkdir -p "$work"
git -C "$src" rev-parse --git-dir >/dev/null 2>&1 ||
	{ say "SKIP deb: $src is not a git checkout"; exit 0; }
[ -z "$(git -C "$src" status --porcelain --untracked-files=no)" ] ||
	say "NOTE the clone is HEAD: uncommitted changes are not in these packages"
git clone -q "$src" "$work/src" || give_up "git clone $src"
t0=$(date +%s)
if "$work/src/scripts/pkg/build-deb.sh" "$work/src" "$work/out" >"$work/build.log" 2>&1; then
	say "PASS deb: dpkg-buildpackage -us -uc -b from a clean clone ($(( $(date +%s) - t0 )) s)"
else
	tail -20 "$work/build.log"
	give_up "deb: dpkg-buildpackage failed (log: $work/build.log)"
fi
debs=()
for p in $ours; do
	f=$(ls "$work"/out/"${p}"_*.deb 2>/dev/null | head -1)
	if [ -n "$f" ]; then
		say "PASS deb: $p built"
		debs+=("$f")
	else
		say "FAIL deb: $p was not built"
	fi
done

# 2. lintian: errors fail, warnings are reported.
lintian --fail-on error --no-tag-display-limit "$work"/out/*.changes \
	>"$work/lintian.log" 2>&1
rc=$?
grep -v 'running with root privileges' "$work/lintian.log" | sed 's/^/NOTE lintian: /' >>"$results"
if [ $rc -eq 0 ]; then
	say "PASS lintian: no errors ($(grep -c '^W:' "$work/lintian.log") warnings)"
else
	say "FAIL lintian: errors (see the NOTE lines, $work/lintian.log)"
fi

# 3. The throw-away root. Debian's kernel: the one the stock VM boots.
release=$(dpkg-query -W -f='${Depends}' linux-image-amd64 2>/dev/null |
	sed -n 's/^linux-image-\([^ ,]*\).*/\1/p')
[ -n "$release" ] || give_up "no linux-image-amd64 on this machine (scripts/install-deps.sh stock)"
# The mirror and suites this machine's apt uses (deb822 or one-line form).
sources=$(cat /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null)
mirror=$(echo "$sources" | awk '/^URIs:/ { print $2; exit } /^deb / { print $2; exit }')
suite=$(. /etc/os-release && echo "$VERSION_CODENAME")
[ -n "$mirror" ] && [ -n "$suite" ] || give_up "no Debian mirror in this machine's apt sources"
# Dependencies of our packages (first alternative, no versions), what DKMS
# and the example need, and the kernel's headers.
deps=$(for d in "${debs[@]}"; do dpkg-deb -f "$d" Depends; echo ,; done |
	tr ',' '\n' | sed 's/|.*//; s/(.*//; s/:.*//; s/ //g' | grep -v '^$')
# shellcheck disable=SC2086 # $deps is a list of names
want=$(printf '%s\n' $deps dkms gcc libc6-dev make pkg-config linux-headers-amd64 "linux-headers-$release" |
	grep -vxF -f <(tr ' ' '\n' <<<"$ours") | LC_ALL=C sort -u | tr '\n' ' ')
key=$(printf '%s\n' 1 "$mirror" "$suite" "$want" "$sources" | sha256sum | cut -c1-16)
chroot_dir=$cache/deb-chroot-$key

if [ ! -d "$chroot_dir" ]; then
	say "NOTE making the chroot $chroot_dir (once; minutes): $want"
	(
		flock 9
		[ -d "$chroot_dir" ] && exit 0
		tmp=$chroot_dir.tmp
		rm -rf "$tmp"
		debootstrap --variant=minbase "$suite" "$tmp" "$mirror" >"$work/debootstrap.log" 2>&1 ||
			{ tail -5 "$work/debootstrap.log"; exit 1; }
		# The same suites as this machine (the kernel's security updates).
		rm -f "$tmp/etc/apt/sources.list"
		cp /etc/apt/sources.list.d/*.sources "$tmp/etc/apt/sources.list.d/" 2>/dev/null
		[ -f /etc/apt/sources.list ] && cp /etc/apt/sources.list "$tmp/etc/apt/"
		cp /etc/resolv.conf "$tmp/etc/resolv.conf"
		# shellcheck disable=SC2086 # a list of package names
		unshare --mount --fork chroot "$tmp" /bin/sh -c "
			mount -t proc proc /proc &&
			apt-get update -q >/dev/null &&
			DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
				--no-install-recommends $want >/dev/null &&
			apt-get clean" >>"$work/debootstrap.log" 2>&1 ||
			{ tail -5 "$work/debootstrap.log"; exit 1; }
		mv "$tmp" "$chroot_dir"
		# Chroots for other inputs are stale (about 500 MB each).
		for old in "$cache"/deb-chroot-*; do
			case $old in "$chroot_dir"|*.lock|*.tmp) continue ;; esac
			rm -rf "$old" "$old.lock"
		done
	) 9>"$chroot_dir.lock" || give_up "making the chroot failed (log: $work/debootstrap.log)"
fi
say "NOTE chroot: $chroot_dir (Debian $suite, kernel headers $release)"

# An overlay keeps the cached chroot pristine; the mounts die with the
# namespace.
mkdir -p "$work"/{upper,ovl,root}
rm -rf "$work/upper/tmp/flipcall"
mkdir -p "$work/upper/tmp/flipcall/debs" "$work/upper/tmp/flipcall/examples"
cp "${debs[@]}" "$work/upper/tmp/flipcall/debs/"
cp "$work"/src/examples/flipcall-*.c "$work"/src/examples/example-proto.h \
	"$work/upper/tmp/flipcall/examples/"
cp "$work"/src/debian/flipcall-dkms.udev "$work"/src/debian/flipcall-dkms.modprobe \
	"$here/in-chroot.sh" "$work/upper/tmp/flipcall/"
version=$(cd "$work/src" && dpkg-parsechangelog -SVersion)
unshare --mount --fork /bin/sh -c "
	mount -t overlay overlay -o lowerdir=$chroot_dir,upperdir=$work/upper,workdir=$work/ovl $work/root &&
	mount -t proc proc $work/root/proc &&
	mount --bind /dev $work/root/dev &&
	chroot $work/root /bin/bash /tmp/flipcall/in-chroot.sh $release $version" \
	>"$work/in-chroot.log" 2>&1
rc=$?
grep -E '^(PASS|FAIL|SKIP|NOTE) ' "$work/in-chroot.log" | while read -r line; do say "$line"; done
grep -qE '^(PASS|FAIL) ' "$work/in-chroot.log" ||
	say "FAIL chroot: nothing ran (exit $rc; log: $work/in-chroot.log)"

# The module DKMS built, for the stock-kernel VM stage.
ko=$(ls "$work"/upper/tmp/flipcall/flipcall.ko* 2>/dev/null | head -1)
if [ -n "$ko" ]; then
	mkdir -p "$dkms_out"
	case $ko in
	*.xz) xz -dc "$ko" >"$dkms_out/flipcall.ko" ;;
	*) cp "$ko" "$dkms_out/flipcall.ko" ;;
	esac
	say "NOTE the DKMS-built module is in $dkms_out/flipcall.ko (make check-vm-stock-dkms)"
fi
rm -rf "$work/upper" "$work/ovl"
exit 0
