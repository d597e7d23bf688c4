#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# build.sh GVISOR_SRC OUTDIR
# Builds the gVisor peers of sharedmem_gvisor_test: a client on gVisor's own
# queue.Tx/queue.Rx and a server on gVisor's pipe and queue code following
# serverRx/serverTx. gVisor's files are copied from a checkout at build
# time (nothing of gVisor lives in this repository); its two small
# dependencies (atomicbitops, log) are replaced by the shims below.
set -eu
src=$1 out=$2
pkg=$src/pkg/tcpip/link/sharedmem
here=$(cd "$(dirname "$0")" && pwd)
if [ ! -d "$pkg/pipe" ] || [ ! -d "$pkg/queue" ]; then
	echo "build.sh: no gVisor sharedmem sources under $src" >&2
	exit 1
fi
mod=$out/src
rm -rf "$mod"
mkdir -p "$mod/pipe" "$mod/queue" "$mod/atomicbitops" "$mod/log" \
	"$mod/cmd/client" "$mod/cmd/server"
printf 'module gvpeer\n\ngo 1.19\n' >"$mod/go.mod"
for d in pipe queue; do
	for f in "$pkg/$d"/*.go; do
		case $f in *_test.go|*autogen*) continue ;; esac
		sed -e 's|"gvisor.dev/gvisor/pkg/atomicbitops"|"gvpeer/atomicbitops"|' \
		    -e 's|"gvisor.dev/gvisor/pkg/log"|"gvpeer/log"|' \
		    -e 's|"gvisor.dev/gvisor/pkg/tcpip/link/sharedmem/pipe"|"gvpeer/pipe"|' \
		    "$f" >"$mod/$d/$(basename "$f")"
	done
done
cat >"$mod/atomicbitops/atomicbitops.go" <<'GO'
// Package atomicbitops stands in for gVisor's: just what pipe and queue use.
package atomicbitops

import "sync/atomic"

type Uint32 struct{ v uint32 }
type Uint64 struct{ v uint64 }

func (u *Uint32) Load() uint32       { return atomic.LoadUint32(&u.v) }
func (u *Uint32) Store(x uint32)     { atomic.StoreUint32(&u.v, x) }
func (u *Uint64) Load() uint64       { return atomic.LoadUint64(&u.v) }
func (u *Uint64) Store(x uint64)     { atomic.StoreUint64(&u.v, x) }
func (u *Uint64) RacyLoad() uint64   { return u.v }
func (u *Uint64) RacyStore(x uint64) { u.v = x }
GO
cat >"$mod/log/log.go" <<'GO'
// Package log stands in for gVisor's.
package log

import (
	"fmt"
	"os"
)

func Warningf(f string, a ...interface{}) { fmt.Fprintf(os.Stderr, "WARNING "+f+"\n", a...) }
GO
cp "$here/client/main.go" "$mod/cmd/client/"
cp "$here/server/main.go" "$mod/cmd/server/"
cd "$mod"
GOFLAGS=-mod=mod GOPROXY=off go build -o "$out/sharedmem-gvisor-client" ./cmd/client
GOFLAGS=-mod=mod GOPROXY=off go build -o "$out/sharedmem-gvisor-server" ./cmd/server
echo "build.sh: gVisor peers in $out"
