// SPDX-License-Identifier: LGPL-2.1-or-later
// gVisor's queue.Tx/queue.Rx (client side) against a C server endpoint.
// fds 3-7: TX QueueConfig, 8-12: RX QueueConfig. Sends N packets, receives N.
package main

import (
	"encoding/binary"
	"fmt"
	"os"
	"strconv"
	"syscall"
	"unsafe"

	"gvpeer/atomicbitops"
	"gvpeer/queue"
)

const bufSize = 2048

type qmem struct {
	data, txp, rxp, shared []byte
	efd                    int
}

func mapFd(fd int) []byte {
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		panic(err)
	}
	b, err := syscall.Mmap(fd, 0, int(st.Size), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
	if err != nil {
		panic(err)
	}
	return b
}

func load(base int) qmem {
	return qmem{data: mapFd(base), efd: base + 1, txp: mapFd(base + 2), rxp: mapFd(base + 3), shared: mapFd(base + 4)}
}

func pktLen(seq uint64) int { return 8 + int((seq*0x9e3779b97f4a7c15)>>40)%3900 }

func fill(b []byte, seq uint64) {
	binary.LittleEndian.PutUint64(b, seq)
	for i := 8; i < len(b); i++ {
		b[i] = byte(seq ^ uint64(i))
	}
}

func ring(fd int) {
	var one [8]byte
	binary.LittleEndian.PutUint64(one[:], 1)
	syscall.Write(fd, one[:])
}

func main() {
	n, _ := strconv.Atoi(os.Args[1])
	txm, rxm := load(3), load(8)
	var tx queue.Tx
	var rx queue.Rx
	tx.Init(txm.txp, txm.rxp, (*atomicbitops.Uint32)(unsafe.Pointer(&txm.shared[0])))
	rx.Init(rxm.txp, rxm.rxp, (*atomicbitops.Uint32)(unsafe.Pointer(&rxm.shared[0])))

	// Post RX buffers like the dispatch loop.
	limit := rx.PostedBuffersLimit()
	nb := uint64(len(rxm.data) / bufSize)
	if nb > limit {
		nb = limit
	}
	bufs := make([]queue.RxBuffer, nb)
	for i := range bufs {
		bufs[i] = queue.RxBuffer{Offset: uint64(i) * bufSize, Size: bufSize, ID: uint64(i)}
	}
	if !rx.PostBuffers(bufs) {
		panic("post")
	}
	// TX buffers: pairs of 2048-byte buffers, one pair per packet.
	npairs := len(txm.data) / (2 * bufSize)
	free := make([]int, 0, npairs)
	for i := 0; i < npairs; i++ {
		free = append(free, i)
	}
	sent, got, bad, idle := uint64(0), uint64(0), 0, 0
	pkt := make([]byte, 4096)
	for (sent < uint64(n) || got < uint64(n)) && bad == 0 {
		progress := false
		for {
			id, ok := tx.CompletedPacket()
			if !ok {
				break
			}
			free = append(free, int(id))
		}
		if sent < uint64(n) && len(free) > 0 {
			p := free[len(free)-1]
			l := pktLen(sent)
			off := uint64(p) * 2 * bufSize
			fill(txm.data[off:off+uint64(l)], sent)
			b2 := &queue.TxBuffer{Offset: off + bufSize}
			b1 := &queue.TxBuffer{Offset: off, Next: b2}
			cnt := uint32(1)
			if l > bufSize {
				b1.Size, b2.Size, cnt = bufSize, uint32(l-bufSize), 2
			} else {
				b1.Size = uint32(l)
			}
			if tx.Enqueue(uint64(p), uint32(l), cnt, b1) {
				free = free[:len(free)-1]
				sent++
				progress = true
				if tx.NotificationsEnabled() {
					ring(txm.efd)
				}
			}
		}
		out, total := rx.Dequeue(nil)
		if len(out) > 0 || total > 0 {
			progress = true
			off := 0
			for _, b := range out {
				take := int(b.Size)
				if take > int(total)-off {
					take = int(total) - off
				}
				copy(pkt[off:], rxm.data[b.Offset:b.Offset+uint64(take)])
				off += take
			}
			seq := binary.LittleEndian.Uint64(pkt)
			if seq != got || int(total) != pktLen(seq) {
				fmt.Printf("bad packet %d: seq %d len %d\n", got, seq, total)
				bad++
			}
			for i := 8; i < int(total) && bad == 0; i++ {
				if pkt[i] != byte(seq^uint64(i)) {
					fmt.Printf("bad byte %d in %d\n", i, seq)
					bad++
				}
			}
			got++
			for i := range out {
				out[i].Size = bufSize
			}
			rx.PostBuffers(out)
		}
		if progress {
			idle = 0
			rx.DisableNotification()
			continue
		}
		rx.EnableNotification()
		pfd := []pollFd{{fd: int32(rxm.efd), events: 1}}
		r := poll(pfd, 1)
		if r > 0 {
			var cnt [8]byte
			syscall.Read(rxm.efd, cnt[:])
		}
		if sent >= uint64(n) {
			idle++
			if idle > 5000 {
				fmt.Println("stalled")
				os.Exit(3)
			}
		}
	}
	fmt.Printf("go client: sent %d, received %d intact, bad %d\n", sent, got, bad)
	if bad != 0 {
		os.Exit(1)
	}
}

type pollFd struct {
	fd      int32
	events  int16
	revents int16
}

func poll(p []pollFd, ms int) int {
	r, _, _ := syscall.Syscall(syscall.SYS_POLL, uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)), uintptr(ms))
	return int(r)
}
