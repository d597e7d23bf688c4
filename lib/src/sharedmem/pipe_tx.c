// SPDX-License-Identifier: LGPL-2.1-or-later
/* The producer half of gVisor's sharedmem pipe (pipe/tx.go). */
#include <errno.h>

#include "pipe.h"

int shm_pipe_tx_init(struct shm_pipe_tx *tx, void *buf, uint64_t len)
{
	len &= ~7ULL;
	if (len < SHM_PIPE_MIN_LEN || len > SHM_PIPE_MAX_LEN ||
	    ((uintptr_t)buf & 7))
		return -EINVAL;
	tx->buf = buf;
	tx->len = len;
	/* Room for the payload's header and for a wrap slot's. */
	tx->max_payload = len - 2 * SHM_SLOT_HEADER;
	tx->tail = SHM_PIPE_START;
	tx->next = tx->tail;
	tx->last = tx->tail;
	tx->head = tx->tail + SHM_PIPE_JUMP;
	tx->tail_header = 0;
	tx->damaged = false;
	shm_pipe_store(tx->buf, tx->tail, SHM_SLOT_FREE, __ATOMIC_RELEASE);
	return 0;
}

uint64_t shm_pipe_tx_capacity(const struct shm_pipe_tx *tx, uint64_t size)
{
	return (tx->len - SHM_SLOT_HEADER) / shm_slot_size(size);
}

/*
 * Moves head forward over slots the consumer has freed until it reaches
 * new_next. The consumer writes these headers: one that would move head
 * off the buffer is damage.
 */
static bool tx_reclaim(struct shm_pipe_tx *tx, uint64_t new_next)
{
	while ((int64_t)(new_next - tx->head) > 0) {
		uint64_t h = shm_pipe_load(tx->buf, tx->head);
		uint64_t new_head;

		if (!(h & SHM_SLOT_FREE))
			return false;
		new_head = tx->head + shm_slot_size(h & SHM_SLOT_SIZE_MASK);
		/*
		 * Past a revolution from tail: the ring is full (head has
		 * reached the unflushed slot at tail, whose old free header
		 * is still in place).
		 */
		if ((int64_t)(new_head - tx->tail) > (int64_t)SHM_PIPE_JUMP)
			return false;
		if ((new_head & SHM_PIPE_OFFSET_MASK) >= tx->len) {
			tx->damaged = true;
			return false;
		}
		tx->head = new_head;
	}
	return true;
}

void *shm_pipe_tx_push(struct shm_pipe_tx *tx, uint64_t size)
{
	uint64_t total, new_next, wrap_at;
	void *data;

	if (size > tx->max_payload || tx->damaged)
		return NULL;
	total = shm_slot_size(size);
	new_next = tx->next + total;
	wrap_at = (tx->next & SHM_PIPE_REV_MASK) | tx->len;
	if ((int64_t)(new_next - wrap_at) >= 0) {
		/*
		 * The slot would cross the end: a wrap slot fills the rest of
		 * this revolution (its size counts in index units, so it
		 * includes the 2^32 - len units past the buffer's end).
		 */
		uint64_t old_next = tx->next, wrap_header;

		new_next = (new_next & SHM_PIPE_REV_MASK) + SHM_PIPE_JUMP;
		wrap_header = new_next - tx->next - SHM_SLOT_HEADER;
		if (!tx_reclaim(tx, new_next))
			return NULL;
		tx->next = new_next;
		if (old_next != tx->tail) {
			shm_pipe_store(tx->buf, old_next, wrap_header,
				       __ATOMIC_RELAXED);
		} else {
			tx->tail_header = wrap_header;
			shm_pipe_tx_flush(tx);
		}
		new_next += total;
	}
	if (!tx_reclaim(tx, new_next))
		return NULL;
	if (tx->next != tx->tail)
		shm_pipe_store(tx->buf, tx->next, size, __ATOMIC_RELAXED);
	else
		tx->tail_header = size;
	data = tx->buf + (tx->next & SHM_PIPE_OFFSET_MASK) + SHM_SLOT_HEADER;
	tx->last = tx->next;
	tx->next = new_next;
	return data;
}

void shm_pipe_tx_abort(struct shm_pipe_tx *tx)
{
	tx->next = tx->tail;
}

void shm_pipe_tx_unpush(struct shm_pipe_tx *tx)
{
	tx->next = tx->last;
}

void shm_pipe_tx_flush(struct shm_pipe_tx *tx)
{
	if (tx->next == tx->tail)
		return;
	/* The consumer stops at next: mark it free before publishing. */
	if (tx->next != tx->head)
		shm_pipe_store(tx->buf, tx->next, SHM_SLOT_FREE,
			       __ATOMIC_RELAXED);
	/* One release store publishes every slot pushed since the last flush. */
	shm_pipe_store(tx->buf, tx->tail, tx->tail_header, __ATOMIC_RELEASE);
	tx->tail = tx->next;
}
