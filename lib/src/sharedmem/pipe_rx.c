// SPDX-License-Identifier: LGPL-2.1-or-later
/* The consumer half of gVisor's sharedmem pipe (pipe/rx.go). */
#include <errno.h>

#include "pipe.h"

int shm_pipe_rx_init(struct shm_pipe_rx *rx, void *buf, uint64_t len)
{
	len &= ~7ULL;
	if (len < SHM_PIPE_MIN_LEN || len > SHM_PIPE_MAX_LEN ||
	    ((uintptr_t)buf & 7))
		return -EINVAL;
	rx->buf = buf;
	rx->len = len;
	rx->tail = SHM_PIPE_START;
	rx->head = rx->tail;
	rx->last = rx->head;
	return 0;
}

bool shm_pipe_rx_pending(const struct shm_pipe_rx *rx)
{
	if (rx->head == rx->tail + SHM_PIPE_JUMP)
		return false;
	return !(shm_pipe_load(rx->buf, rx->head) & SHM_SLOT_FREE);
}

int shm_pipe_rx_pull(struct shm_pipe_rx *rx, const uint8_t **data,
		     uint32_t *size)
{
	/*
	 * Each pass either returns or moves head to offset 0 of the next
	 * revolution, and head may never get more than a revolution past
	 * tail, so a ring of wrap slots ends in -EBADMSG, not a loop.
	 */
	for (;;) {
		uint64_t h, payload, new_head, wrap_at;

		if (rx->head == rx->tail + SHM_PIPE_JUMP)
			return 0;
		h = shm_pipe_load(rx->buf, rx->head);
		if (h & SHM_SLOT_FREE)
			return 0;
		/* Bits 32-62 are not part of any header gVisor writes. */
		if (h >> 32)
			return -EBADMSG;
		payload = h & SHM_SLOT_SIZE_MASK;
		new_head = rx->head + shm_slot_size(payload);
		if ((int64_t)(new_head - rx->tail) > (int64_t)SHM_PIPE_JUMP)
			return -EBADMSG;
		wrap_at = (rx->head & SHM_PIPE_REV_MASK) | rx->len;
		if ((int64_t)(new_head - wrap_at) < 0) {
			*data = rx->buf + (rx->head & SHM_PIPE_OFFSET_MASK) +
				SHM_SLOT_HEADER;
			*size = (uint32_t)payload;
			rx->last = rx->head;
			rx->head = new_head;
			return 1;
		}
		/* A wrap slot: it must end exactly at the next offset 0. */
		if ((int64_t)(new_head - wrap_at) > (int64_t)SHM_PIPE_JUMP ||
		    (new_head & SHM_PIPE_OFFSET_MASK))
			return -EBADMSG;
		if (rx->tail == rx->head) {
			/* Nothing pulled since the flush: free it at once so
			 * the producer can reuse the space.
			 */
			shm_pipe_store(rx->buf, rx->head,
				       SHM_SLOT_FREE |
				       (new_head - rx->head - SHM_SLOT_HEADER),
				       __ATOMIC_RELEASE);
			rx->tail = new_head;
		}
		rx->head = new_head;
	}
}

void shm_pipe_rx_unpull(struct shm_pipe_rx *rx)
{
	rx->head = rx->last;
}

void shm_pipe_rx_flush(struct shm_pipe_rx *rx)
{
	if (rx->head == rx->tail)
		return;
	/* Everything pulled since the last flush becomes one free slot. */
	shm_pipe_store(rx->buf, rx->tail,
		       SHM_SLOT_FREE | (rx->head - rx->tail - SHM_SLOT_HEADER),
		       __ATOMIC_RELEASE);
	rx->tail = rx->head;
}

void shm_pipe_rx_abort(struct shm_pipe_rx *rx)
{
	rx->head = rx->tail;
}
