/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef FLIPCALL_SHAREDMEM_ENDPOINT_H
#define FLIPCALL_SHAREDMEM_ENDPOINT_H

#include <errno.h>
#include <poll.h>
#include <stdbool.h>

#include "sharedmem/queue.h"

/*
 * The consumer's view of its notification word (a local copy) and of its
 * doorbell, which may hold a count rung for packets already taken. The
 * count is drained (a read system call) only when it could make a poller
 * spin: before sleeping in wait(), and when recv finds nothing twice in a
 * row with notifications on. Switching them on after a busy spell costs
 * no system call.
 */
enum shm_arm_state {
	SHM_ARM_UNKNOWN,	/* word unknown, doorbell maybe stale */
	SHM_ARM_DISABLED,
	SHM_ARM_ENABLED,	/* doorbell maybe stale */
	SHM_ARM_ENABLED_DRAINED,
};

struct sharedmem_endpoint {
	int side;
	size_t mtu;
	struct shm_queue_mem tx_mem, rx_mem;
	union {
		struct {		/* SHAREDMEM_CLIENT */
			struct shm_txq_client txq;
			struct shm_rxq_client rxq;
		} client;
		struct {		/* SHAREDMEM_SERVER */
			struct shm_txq_server txq;
			struct shm_rxq_server rxq;
		} server;
	};
	/* The queue this side consumes (wait) and the one it feeds (kick). */
	struct shm_queue_mem *wait_mem, *kick_mem;
	enum shm_arm_state arm;
	int epoll_fd;
	int peer_fd;
	struct pollfd watch[3];	/* what tells of the peer's exit */
	int nwatch;
	bool gone;
	bool broken;		/* a ring was damaged: the queues are dead */
	int shut;		/* atomic */
	bool reserved;		/* a send_reserve awaits commit or abort */
	size_t res_size;
	bool unpublished;	/* committed with SHAREDMEM_SEND_MORE */
	struct shm_packet pkt;	/* scratch for receiving */
	struct sharedmem_stats st;
};

bool shm_endpoint_shut(const struct sharedmem_endpoint *ep);

static inline int shm_endpoint_usable(struct sharedmem_endpoint *ep)
{
	if (shm_endpoint_shut(ep))
		return -ESHUTDOWN;
	if (ep->broken)
		return -EPROTO;
	return 0;
}

/* -EPROTO means a damaged ring: the endpoint is dead from now on. */
static inline int shm_endpoint_broke(struct sharedmem_endpoint *ep, int err)
{
	if (err == -EPROTO)
		ep->broken = true;
	return err;
}

#endif
