/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Receive-side coalescing in userspace (GRO before the TAP write): runs of
 * in-order TCP segments of one flow that arrive from the peer as separate
 * MTU-sized frames go to the TAP device as one frame of up to 64 KiB with
 * a virtio_net_hdr saying how the kernel would have cut it (GSO), so the
 * receiving stack handles one packet instead of dozens. Everything else
 * goes out unchanged, in order, behind a header that asks for nothing.
 *
 * Only plain frames: Ethernet without VLAN tags, IPv4 without options or
 * fragments, IPv6 without extension headers, TCP with ACK and nothing but
 * PSH besides. Segments merge when the headers of the run agree in every
 * field the kernel's GRO compares (addresses, ports, TOS or traffic class,
 * TTL or hop limit, DF, consecutive IPv4 IDs, ack number, window, TCP
 * options) and the sequence numbers follow on; a run ends at a PSH,
 * a short segment, or 64 KiB.
 */
#ifndef FLIPCALL_NIC_COALESCE_H
#define FLIPCALL_NIC_COALESCE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/* What the TAP write takes: iov[0] is the virtio_net_hdr. */
typedef void (*coalesce_emit_fn)(const struct iovec *iov, int iovcnt,
				 size_t frame_len, void *arg);

struct coalesce_stats {
	uint64_t frames_in;	/* frames offered */
	uint64_t frames_out;	/* frames emitted (merged or not) */
	uint64_t merged;	/* frames that went out inside a larger one */
};

struct coalescer;

/* frame_max: the largest frame offered (the bridge's MTU + headers). */
int coalescer_create(size_t frame_max, coalesce_emit_fn emit, void *arg,
		     struct coalescer **out);
void coalescer_destroy(struct coalescer *c);
/*
 * Offer one frame (copied; the caller's memory is free on return). It may
 * emit what was held first, and this frame too if it cannot start a run.
 * An empty frame is ignored (not counted, never emitted).
 */
void coalescer_add(struct coalescer *c, const struct iovec *iov, int iovcnt,
		   size_t len);
/* Emit what is held. Call at the end of every batch. */
void coalescer_flush(struct coalescer *c);
void coalescer_stats(const struct coalescer *c, struct coalesce_stats *st);

#endif
