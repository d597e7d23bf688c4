/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef FLIPCALL_SHAREDMEM_ENDPOINT_H
#define FLIPCALL_SHAREDMEM_ENDPOINT_H

#include <poll.h>
#include <stdbool.h>

#include "sharedmem/queue.h"

/* The consumer's view of its notification word (local copy). */
enum shm_arm_state {
	SHM_ARM_UNKNOWN,	/* the doorbell may hold a stale count */
	SHM_ARM_DISABLED,
	SHM_ARM_ENABLED,
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
	struct shm_packet pkt;	/* scratch for receiving */
	struct sharedmem_stats st;
};

#endif
