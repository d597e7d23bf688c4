#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# install-deps.sh GROUP... : install the Debian packages a make target needs,
# only those missing, so a warm machine pays nothing. Groups:
#   build  compiler, libraries and headers for the module, library and tools
#          (clang and its runtimes for the libFuzzer targets)
#   vm     qemu, busybox and the kernel source for the test kernel
#   stock  Debian's own kernel image and headers (module load check)
#   deb    Debian packaging tools (make deb; debian/control's build
#          dependencies are installed by scripts/pkg/build-deb.sh)
#   pkgtest  the package test's chroot (make check-deb)
#   go     Debian's Go toolchain, for the Go twin of bench/pingpong
set -eu

pkgs_build="build-essential pkg-config libjson-c-dev libnl-3-dev libnl-genl-3-dev \
linux-headers-amd64 kmod python3 rsync perl clang libclang-rt-14-dev"
pkgs_vm="qemu-system-x86 busybox-static cpio linux-source-6.1 flex bison bc \
libelf-dev libssl-dev xz-utils rsync jq gdb"
pkgs_stock="linux-image-amd64 linux-headers-amd64"
pkgs_deb="dpkg-dev debhelper dh-dkms fakeroot lintian git rsync"
pkgs_pkgtest="debootstrap"
pkgs_go="golang-go"
# kmod/build.sh copies the sources with rsync; checkpatch.pl is perl.
pkgs_build="$pkgs_build rsync perl"
# flipcall-nic's test and benchmark: namespaces, ping, TCP with a hash, iperf3.
pkgs_build="$pkgs_build iproute2 iputils-ping socat iperf3"
# lisafs-fuse links libfuse3 and mounts with fusermount3; its tests run fio
# and strace.
pkgs_build="$pkgs_build libfuse3-dev fuse3 fio strace libcap2-bin"

want=
for group in "$@"; do
	eval "want=\"\$want \$pkgs_$group\""
done

missing=
for p in $want; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "install-deps: installing$missing"
if [ "$(id -u)" -ne 0 ]; then
	SUDO=sudo
else
	SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q >/dev/null
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing >/dev/null
