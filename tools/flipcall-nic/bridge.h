/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The forwarding core: TAP -> transport and transport -> TAP, in batches,
 * busy while there is work and asleep in ppoll (transport notifications
 * enabled) only when both directions are idle.
 */
#ifndef FLIPCALL_NIC_BRIDGE_H
#define FLIPCALL_NIC_BRIDGE_H

#include <signal.h>
#include <stddef.h>

#include "stats.h"
#include "transport.h"

enum bridge_end {
	BRIDGE_STOP = 1,	/* *stop was set */
	BRIDGE_REPORT,		/* *report was set (and is now cleared) */
	BRIDGE_PEER_GONE,
	BRIDGE_PEER_OFFLOAD,	/* the peer runs with --offload, we without */
};

struct bridge_config {
	int tap_fd;
	int ctrl_fd;
	size_t frame_max;
	/*
	 * The TAP device has a vnet header but no offloads (TAP_VNET_HDR):
	 * strip it from frames read, and coalesce TCP segments from the peer
	 * into GSO frames on the way out (coalesce.h).
	 */
	int coalesce;
	const struct nic_transport_ops *ops;
	struct nic_transport *t;
	volatile sig_atomic_t *stop;
	volatile sig_atomic_t *report;
	/* The mask ppoll sleeps with: stop/report's signals unblocked. */
	const sigset_t *sleep_mask;
};

struct bridge;

int bridge_create(const struct bridge_config *cfg, struct bridge **out);
/*
 * Forward until something needs the caller: returns an enum bridge_end,
 * or a negative errno (the TAP device failed or the transport broke).
 * Call again to continue.
 */
int bridge_run(struct bridge *b);
/* The bridge's counters plus the transport's. */
void bridge_stats(struct bridge *b, struct nic_stats *st);
void bridge_destroy(struct bridge *b);

#endif
