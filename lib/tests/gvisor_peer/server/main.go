// SPDX-License-Identifier: LGPL-2.1-or-later
// A server built from gVisor's pipe and queue code, following serverRx.receive
// and serverTx.transmit (with its posted-size quirk), against a C client.
// fds 3-7: TX QueueConfig, 8-12: RX QueueConfig. Receives N, sends N.
package main

import (
	"encoding/binary"
	"fmt"
	"os"
	"strconv"
	"sync/atomic"
	"syscall"
	"unsafe"

	"gvpeer/pipe"
	"gvpeer/queue"
)

func mapFd(fd int) []byte {
	var st syscall.Stat_t
	syscall.Fstat(fd, &st)
	b, err := syscall.Mmap(fd, 0, int(st.Size), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
	if err != nil {
		panic(err)
	}
	return b
}

func pktLen(seq uint64) int { return 8 + int((seq*0x9e3779b97f4a7c15)>>40)%3900 }

func main() {
	n, _ := strconv.Atoi(os.Args[1])
	txData, txEfd, txTxp, txRxp, txShared := mapFd(3), 4, mapFd(5), mapFd(6), mapFd(7)
	rxData, rxEfd, rxTxp, rxRxp, rxShared := mapFd(8), 9, mapFd(10), mapFd(11), mapFd(12)
	var packetPipe, fillPipe pipe.Rx
	var completion, completionPipe pipe.Tx
	packetPipe.Init(txTxp)
	completion.Init(txRxp)
	fillPipe.Init(rxTxp)
	completionPipe.Init(rxRxp)
	txWord := (*uint32)(unsafe.Pointer(&txShared[0]))
	rxWord := (*uint32)(unsafe.Pointer(&rxShared[0]))
	_ = rxShared
	got, sent, bad, idle := 0, 0, 0, 0
	pkt := make([]byte, 4096)
	for (got < n || sent < n) && bad == 0 {
		progress := false
		// serverRx.receive
		if desc := packetPipe.Pull(); desc != nil {
			info := queue.DecodeTxPacketHeader(desc)
			contents := make([]byte, 0, info.Size)
			toCopy := info.Size
			for i := 0; i < info.BufferCount; i++ {
				b := queue.DecodeTxBufferHeader(desc, i)
				if b.Size <= toCopy {
					contents = append(contents, txData[b.Offset:][:b.Size]...)
					toCopy -= b.Size
					continue
				}
				contents = append(contents, txData[b.Offset:][:toCopy]...)
				break
			}
			packetPipe.Flush()
			c := completion.Push(8)
			queue.EncodeTxCompletion(c, info.ID)
			completion.Flush()
			seq := binary.LittleEndian.Uint64(contents)
			if seq != uint64(got) || len(contents) != pktLen(seq) {
				fmt.Printf("bad packet %d: seq %d len %d\n", got, seq, len(contents))
				bad++
			}
			got++
			progress = true
		}
		// serverTx.transmit
		if sent < n {
			l := pktLen(uint64(sent))
			binary.LittleEndian.PutUint64(pkt, uint64(sent))
			for i := 8; i < l; i++ {
				pkt[i] = byte(uint64(sent) ^ uint64(i))
			}
			var bufs []queue.RxBuffer
			want := l
			ok := true
			for want > 0 {
				b := fillPipe.Pull()
				if b == nil {
					fillPipe.Abort()
					ok = false
					break
				}
				rb := queue.DecodeRxBufferHeader(b)
				bufs = append(bufs, rb)
				want -= int(rb.Size)
			}
			if ok {
				total, off := uint32(0), 0
				for _, b := range bufs {
					m := copy(rxData[b.Offset:][:b.Size], pkt[off:l])
					off += m
					total += b.Size // gVisor's quirk: the posted size
				}
				c := completionPipe.Push(queue.RxCompletionSize(len(bufs)))
				queue.EncodeRxCompletion(c, total, 0)
				for i := range bufs {
					queue.EncodeRxCompletionBuffer(c, i, bufs[i])
				}
				completionPipe.Flush()
				fillPipe.Flush()
				if atomic.LoadUint32(rxWord) != queue.EventFDDisabled {
					var one [8]byte
					one[0] = 1
					syscall.Write(rxEfd, one[:])
				}
				sent++
				progress = true
			}
		}
		if progress {
			idle = 0
			atomic.StoreUint32(txWord, queue.EventFDDisabled)
			continue
		}
		atomic.StoreUint32(txWord, queue.EventFDEnabled)
		p := [1]struct {
			fd      int32
			ev, rev int16
		}{{int32(txEfd), 1, 0}}
		r, _, _ := syscall.Syscall(syscall.SYS_POLL, uintptr(unsafe.Pointer(&p[0])), 1, 1)
		if int(r) > 0 {
			var c [8]byte
			syscall.Read(txEfd, c[:])
		}
		if got >= n {
			idle++
			if idle > 5000 {
				fmt.Println("stalled")
				os.Exit(3)
			}
		}
	}
	fmt.Printf("go server: received %d intact, sent %d, bad %d\n", got, sent, bad)
	if bad != 0 {
		os.Exit(1)
	}
}
