/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * gVisor's sharedmem pipe: a single-producer, single-consumer ring of
 * slots, each an 8-byte header (bit 63 "free", bits 0-31 payload size)
 * and the payload padded to 8 bytes. No index lives in shared memory; each
 * side keeps 64-bit cursors (revolution << 32 | offset) that start at
 * 0xfffffffe << 32 so the revolution counter wraps early.
 *
 * The peer owns the other half of the ring and may write anything into
 * it, so every header read from the ring is checked before it moves a
 * cursor: a header that cannot be right makes the call report -EBADMSG
 * without reading or writing outside the buffer.
 */
#ifndef FLIPCALL_SHAREDMEM_PIPE_H
#define FLIPCALL_SHAREDMEM_PIPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SHM_SLOT_FREE		(1ULL << 63)
#define SHM_SLOT_SIZE_MASK	0xffffffffULL
#define SHM_PIPE_JUMP		(1ULL << 32)
#define SHM_PIPE_OFFSET_MASK	(SHM_PIPE_JUMP - 1)
#define SHM_PIPE_REV_MASK	(~SHM_PIPE_OFFSET_MASK)
#define SHM_PIPE_START		(0xfffffffeULL * SHM_PIPE_JUMP)
#define SHM_SLOT_HEADER		8u

/* Smallest and largest buffer the cursors can address. */
#define SHM_PIPE_MIN_LEN	32u
#define SHM_PIPE_MAX_LEN	(SHM_PIPE_JUMP - 8)

static inline uint64_t shm_slot_size(uint64_t payload)
{
	return (SHM_SLOT_HEADER + payload + 7) & ~7ULL;
}

struct shm_pipe_tx {
	uint8_t *buf;
	uint64_t len;		/* multiple of 8 */
	uint64_t max_payload;
	uint64_t head;		/* first byte not yet known to be free */
	uint64_t tail;		/* first slot not yet flushed */
	uint64_t next;		/* where the next push goes */
	uint64_t last;		/* where the last push's slot starts */
	uint64_t tail_header;	/* header of the slot at tail, held back */
	bool damaged;		/* the consumer wrote an impossible header */
};

struct shm_pipe_rx {
	uint8_t *buf;
	uint64_t len;
	uint64_t head;		/* next slot to pull */
	uint64_t tail;		/* first slot pulled since the last flush */
	uint64_t last;		/* slot the last pull returned */
};

/* Buffers shorter than SHM_PIPE_MIN_LEN or longer than SHM_PIPE_MAX_LEN
 * are refused with -EINVAL; the length is truncated to a multiple of 8.
 * buf must be 8-byte aligned. tx_init writes the free header at offset 0.
 */
int shm_pipe_tx_init(struct shm_pipe_tx *tx, void *buf, uint64_t len);
int shm_pipe_rx_init(struct shm_pipe_rx *rx, void *buf, uint64_t len);

/*
 * Reserves a slot for size payload bytes, visible to the consumer after
 * the next flush. NULL when there is no room now (tx->damaged tells that
 * the consumer corrupted the free slots and room will never come).
 */
void *shm_pipe_tx_push(struct shm_pipe_tx *tx, uint64_t size);
void shm_pipe_tx_flush(struct shm_pipe_tx *tx);
void shm_pipe_tx_abort(struct shm_pipe_tx *tx);
/*
 * Takes back the last push (only right after it, before any flush): its
 * room stays reclaimed, so pushing the same size or less again succeeds.
 * A wrap slot that push wrote stays; the consumer skips it.
 */
void shm_pipe_tx_unpush(struct shm_pipe_tx *tx);
/* How many records of this size fit in an empty ring. */
uint64_t shm_pipe_tx_capacity(const struct shm_pipe_tx *tx, uint64_t size);

/*
 * Takes the next slot: 1 with the payload's address and size set (valid
 * until the next flush or abort), 0 when none is published, -EBADMSG when
 * the producer wrote a
 * header that cannot be right (a damaged wrap slot, a slot past the
 * consumer's revolution).
 */
int shm_pipe_rx_pull(struct shm_pipe_rx *rx, const uint8_t **data,
		     uint32_t *size);
/* 1 when pull would return a slot or an error, without taking it. */
bool shm_pipe_rx_pending(const struct shm_pipe_rx *rx);
/* Gives back the slot the last pull returned; only right after it. */
void shm_pipe_rx_unpull(struct shm_pipe_rx *rx);
void shm_pipe_rx_flush(struct shm_pipe_rx *rx);
void shm_pipe_rx_abort(struct shm_pipe_rx *rx);

/* Header access: atomic at 8-aligned offsets of the mapping. */
static inline uint64_t shm_pipe_load(const uint8_t *buf, uint64_t idx)
{
	return __atomic_load_n((const uint64_t *)(buf + (idx & SHM_PIPE_OFFSET_MASK)),
			       __ATOMIC_ACQUIRE);
}

static inline void shm_pipe_store(uint8_t *buf, uint64_t idx, uint64_t v,
				  int order)
{
	__atomic_store_n((uint64_t *)(buf + (idx & SHM_PIPE_OFFSET_MASK)), v,
			 order);
}

#endif
