/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef FLIPCALL_SHAREDMEM_ENDPOINT_INTERNAL_H
#define FLIPCALL_SHAREDMEM_ENDPOINT_INTERNAL_H

#include <stdbool.h>

struct sharedmem_endpoint;

/* Rings the peer's doorbell unless it switched notifications off. */
void shm_endpoint_kick(struct sharedmem_endpoint *ep);
/* Switches our notifications on; true if work is already waiting. */
int shm_endpoint_arm(struct sharedmem_endpoint *ep);
void shm_endpoint_disarm(struct sharedmem_endpoint *ep);
/* Empties the doorbell; call before shm_endpoint_arm's look at the ring. */
void shm_endpoint_drain(struct sharedmem_endpoint *ep);
bool shm_endpoint_pending(const struct sharedmem_endpoint *ep);
bool shm_endpoint_shut(const struct sharedmem_endpoint *ep);
/* Makes every committed packet visible to the peer, then kicks it. */
void shm_endpoint_publish(struct sharedmem_endpoint *ep);
/* A send that found no room is counted (-EAGAIN), or the peer is gone. */
int shm_endpoint_send_failed(struct sharedmem_endpoint *ep, int err);

#endif
