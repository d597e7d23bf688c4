/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * gVisor's sharedmem queue descriptors (queue/tx.go, queue/rx.go), all
 * little-endian whatever the host:
 *
 *   TX packet      id u64 | total u32 | reserved u32 | n x (offset u64, size u32)
 *   TX completion  id u64
 *   RX posted buf  offset u64 | size u32 | remaining u32 | user_data u64 | id u64
 *   RX completion  total u32 | reserved u32 | n x (offset u64, size u32,
 *                                                 user_data u64, id u64)
 *
 * Decoders read each field of the slot exactly once into private memory
 * (the peer may rewrite the slot while we read) and check every size and
 * offset against the data file before anyone touches what they point at.
 */
#ifndef FLIPCALL_SHAREDMEM_DESCRIPTOR_H
#define FLIPCALL_SHAREDMEM_DESCRIPTOR_H

#include <endian.h>
#include <stdint.h>
#include <string.h>

#define SHM_TX_DESC_HEADER	16u
#define SHM_TX_DESC_BUFFER	12u
#define SHM_TX_COMPLETION	8u
#define SHM_RX_POSTED		32u
#define SHM_RX_COMP_HEADER	8u
#define SHM_RX_COMP_BUFFER	28u
/* Most buffers one packet may span (both directions). */
#define SHM_MAX_PACKET_BUFFERS	128u

static inline uint32_t shm_tx_desc_size(uint32_t n)
{
	return SHM_TX_DESC_HEADER + SHM_TX_DESC_BUFFER * n;
}

/* gVisor's RxCompletionSize. */
static inline uint32_t shm_rx_completion_size(uint32_t n)
{
	return SHM_RX_COMP_HEADER + SHM_RX_COMP_BUFFER * n;
}

struct shm_buffer {
	uint64_t offset;
	uint32_t size;
	uint64_t user_data;
	uint64_t id;
};

struct shm_tx_packet {
	uint64_t id;
	uint32_t total;
	uint32_t n;
	struct shm_buffer buf[SHM_MAX_PACKET_BUFFERS];
};

struct shm_rx_packet {
	uint32_t total;
	uint32_t n;
	struct shm_buffer buf[SHM_MAX_PACKET_BUFFERS];
};

/* Little-endian fields at any alignment (the TX descriptor packs 12-byte
 * buffers, so its u64 offsets are unaligned).
 */
static inline void shm_put_le32(uint8_t *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, sizeof(v));
}

static inline void shm_put_le64(uint8_t *p, uint64_t v)
{
	v = htole64(v);
	memcpy(p, &v, sizeof(v));
}

static inline uint32_t shm_get_le32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return le32toh(v);
}

static inline uint64_t shm_get_le64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return le64toh(v);
}

/* Outcomes of decoding, beside 0 (valid). */
enum shm_desc_error {
	SHM_DESC_MALFORMED = 1,	/* slot too short or odd-sized */
	SHM_DESC_OUT_OF_BOUNDS,	/* a buffer outside the data file */
	SHM_DESC_SHORT,		/* buffers hold less than total (or overflow) */
	SHM_DESC_TOO_MANY,	/* more than SHM_MAX_PACKET_BUFFERS */
};

void shm_tx_desc_encode(uint8_t *slot, uint64_t id, uint32_t total,
			const struct shm_buffer *buf, uint32_t n);
/*
 * Decodes a TX packet slot of size bytes. The id is valid (set) whenever
 * the slot holds at least one, even if the rest is refused, so that the
 * server can still complete it.
 */
int shm_tx_desc_decode(const uint8_t *slot, uint32_t size, uint64_t data_len,
		       struct shm_tx_packet *pkt, int *has_id);

void shm_tx_completion_encode(uint8_t *slot, uint64_t id);
int shm_tx_completion_decode(const uint8_t *slot, uint32_t size,
			     uint64_t *id);

void shm_rx_posted_encode(uint8_t *slot, const struct shm_buffer *b);
int shm_rx_posted_decode(const uint8_t *slot, uint32_t size,
			 uint64_t data_len, struct shm_buffer *b);

void shm_rx_completion_encode(uint8_t *slot, uint32_t total,
			      const struct shm_buffer *buf, uint32_t n);
/* Checks the shape and the sizes' sum; the caller checks each buffer
 * against what it posted.
 */
int shm_rx_completion_decode(const uint8_t *slot, uint32_t size,
			     struct shm_rx_packet *pkt);

#endif
