// SPDX-License-Identifier: GPL-2.0

// futex-pingpong (Go): the twin of pingpong.c, same page layout, same
// protocol, same output, so that any pairing of the two languages can be
// timed on any placement (compare.sh). Like gVisor's flipcall, it waits
// with syscall.Syscall6 (the runtime knows the thread is blocked in the
// kernel) and wakes with RawSyscall6; -rawwait makes the wait a
// RawSyscall6 too, to see what the runtime's bookkeeping changes.
//
//	pingpong-go [-rawwait] client|server SHM-FILE [ROUND-TRIPS]
package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"sync/atomic"
	"syscall"
	"unsafe"
)

const (
	pageSize      = 4096
	clientActive  = 0
	serverActive  = 1
	shutdown      = 2
	wakeTimeOff   = 64
	buckets       = 24
	futexWait     = 0
	futexWake     = 1
	warmupDivisor = 10
	dataLenOff    = 4  // flipcall header: datagram length
	dataOff       = 16 // flipcall header size: the datagram starts here
)

//go:linkname nanotime runtime.nanotime
func nanotime() int64

type side struct {
	page        []byte
	mine, peers uint32
	id          int
	rawWait     bool
	waits       uint64
	sleeps      uint64
	hist        [buckets]uint64
}

func (s *side) state() *uint32 { return (*uint32)(unsafe.Pointer(&s.page[0])) }

func (s *side) wakeTime(waker int) *int64 {
	return (*int64)(unsafe.Pointer(&s.page[wakeTimeOff+8*waker]))
}

func (s *side) futex(op, val uintptr, raw bool) {
	addr := uintptr(unsafe.Pointer(s.state()))
	if raw {
		syscall.RawSyscall6(syscall.SYS_FUTEX, addr, op, val, 0, 0, 0)
	} else {
		syscall.Syscall6(syscall.SYS_FUTEX, addr, op, val, 0, 0, 0)
	}
}

func (s *side) handOver() error {
	atomic.StoreInt64(s.wakeTime(s.id), nanotime())
	if !atomic.CompareAndSwapUint32(s.state(), s.mine, s.peers) {
		return fmt.Errorf("unexpected connection state %d", atomic.LoadUint32(s.state()))
	}
	s.futex(futexWake, 1, true)
	return nil
}

var errShutdown = fmt.Errorf("shutdown")

func (s *side) waitTurn() error {
	slept := false
	for {
		v := atomic.LoadUint32(s.state())
		if v == s.mine {
			break
		}
		if v == shutdown {
			return errShutdown
		}
		s.futex(futexWait, uintptr(v), s.rawWait)
		slept = true
	}
	s.waits++
	if slept {
		s.sleeps++
		lat := uint64(nanotime() - atomic.LoadInt64(s.wakeTime(1-s.id)))
		b := 0
		for b+1 < buckets && lat >= 2<<b {
			b++
		}
		s.hist[b]++
	}
	return nil
}

func (s *side) percentile(p float64) uint64 {
	want := uint64(p / 100 * float64(s.sleeps))
	seen := uint64(0)
	for b := 0; b < buckets; b++ {
		seen += s.hist[b]
		if seen > want {
			return 2 << b
		}
	}
	return 2 << (buckets - 1)
}

// cpuNs is the CPU time this process (every thread) has used so far.
func cpuNs() uint64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return uint64(ru.Utime.Nano() + ru.Stime.Nano())
}

func main() {
	rawWait := flag.Bool("rawwait", false, "wait with RawSyscall6 (no runtime bookkeeping)")
	flag.Parse()
	args := flag.Args()
	if len(args) < 2 || (args[0] != "client" && args[0] != "server") {
		fmt.Fprintln(os.Stderr, "usage: pingpong-go [-rawwait] client|server SHM-FILE [ROUND-TRIPS]")
		os.Exit(2)
	}
	n := uint64(20000)
	if len(args) > 2 {
		v, err := strconv.ParseUint(args[2], 10, 64)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		n = v
	}
	f, err := os.OpenFile(args[1], os.O_RDWR, 0)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	page, err := syscall.Mmap(int(f.Fd()), 0, pageSize, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	s := &side{page: page, rawWait: *rawWait}
	if args[0] == "client" {
		s.id, s.mine, s.peers = 0, clientActive, serverActive
		// flipcall's "{}\n" handshake, so a libflipcall server takes the
		// first hand-over as its connect.
		atomic.StoreUint32((*uint32)(unsafe.Pointer(&s.page[dataLenOff])), 3)
		copy(s.page[dataOff:], "{}\n")
		var t0 int64
		var cpu0 uint64
		for i := uint64(0); i < n+n/warmupDivisor; i++ {
			if i == n/warmupDivisor {
				t0 = nanotime()
				cpu0 = cpuNs()
				s.waits, s.sleeps, s.hist = 0, 0, [buckets]uint64{}
			}
			if err = s.handOver(); err == nil {
				err = s.waitTurn()
			}
			if err != nil {
				break
			}
		}
		if err == nil {
			fmt.Printf("client=go rt_ns=%d slept=%.2f wake_p50_ns<=%d wake_p90_ns<=%d wake_p99_ns<=%d cpu_ns=%d\n",
				uint64(nanotime()-t0)/n, float64(s.sleeps)/float64(s.waits),
				s.percentile(50), s.percentile(90), s.percentile(99),
				(cpuNs()-cpu0)/n)
		}
		atomic.StoreUint32(s.state(), shutdown)
		s.futex(futexWake, 1, true)
	} else {
		s.id, s.mine, s.peers = 1, serverActive, clientActive
		rts, cpu0 := uint64(0), uint64(0)
		for err = s.waitTurn(); err == nil; err = s.waitTurn() {
			if err = s.handOver(); err != nil {
				break
			}
			if rts == 0 { // start-up is not a hand-off cost
				cpu0 = cpuNs()
			}
			rts++
		}
		if err == errShutdown {
			err = nil
			if rts > 1 {
				fmt.Printf("server_cpu_ns=%d\n", (cpuNs()-cpu0)/(rts-1))
			}
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
