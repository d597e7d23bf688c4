#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# build.sh KDIR OUTDIR : build flipcall.ko against the kernel tree KDIR in a
# copy of the sources under OUTDIR. Kbuild on 6.1 writes objects next to the
# sources, so each target kernel gets its own copy and they never mix.
set -eu
kdir=$1 out=$2
src=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)	# Kbuild wants an absolute M=
rsync -a --delete --exclude='*.o' --exclude='*.ko' --exclude='.*.cmd' \
	--exclude='*.mod' --exclude='*.mod.c' --exclude='modules.order' \
	--exclude='Module.symvers' --exclude='build.sh' --exclude='kmod.mk' \
	"$src/Kbuild" "$src/kmod" "$src/uapi" "$out/" 2>/dev/null ||
	rsync -a --delete "$src/Kbuild" "$src/kmod" "$src/uapi" "$out/"
make -s -C "$kdir" M="$out" modules
