/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The bridge's counters, printed on SIGUSR1 (text, stderr) and with
 * --stats (one JSON line on stdout per SIGUSR1 and at exit).
 */
#ifndef FLIPCALL_NIC_STATS_H
#define FLIPCALL_NIC_STATS_H

#include <stdint.h>
#include <stdio.h>

/* Every reason a frame is lost, in the order they are printed. */
#define NIC_DROP_CAUSES(X)						\
	X(tap_oversize)		/* longer than the MTU, from TAP */	\
	X(tap_read_error)						\
	X(queue_full)		/* peer did not take it in time */	\
	X(peer_oversize)	/* longer than the MTU, from the peer */\
	X(tap_link_down)	/* written while the interface was down */ \
	X(tap_write_error)						\
	X(bad_descriptor)	/* transport: hostile or broken peer */	\
	X(bad_completion)						\
	X(ring_damaged)

struct nic_drops {
#define NIC_DROP_FIELD(name) uint64_t name;
	NIC_DROP_CAUSES(NIC_DROP_FIELD)
#undef NIC_DROP_FIELD
};

struct nic_stats {
	uint64_t to_peer_packets, to_peer_bytes;	/* TAP -> transport */
	uint64_t from_peer_packets, from_peer_bytes;	/* transport -> TAP */
	/* Times the peer had no room and a batch had to wait (not a drop). */
	uint64_t peer_full_waits;
	/* Doorbells rung for the peer (sharedmem: only while it sleeps). */
	uint64_t doorbells;
	/* Frames from the peer that went to TAP inside a larger GSO frame. */
	uint64_t coalesced;
	struct nic_drops drops;
};

struct nic_stats_label {
	const char *tap;
	const char *transport;
	const char *side;
};

void nic_stats_print_text(FILE *f, const struct nic_stats_label *l,
			  const struct nic_stats *st);
/* Returns 0 or -ENOMEM. */
int nic_stats_print_json(FILE *f, const struct nic_stats_label *l,
			 const struct nic_stats *st);

#endif
