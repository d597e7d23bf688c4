// SPDX-License-Identifier: LGPL-2.1-or-later
/* Encoding and checked decoding of the sharedmem queue descriptors. */
#include "descriptor.h"

/* [offset, offset + size) inside a file of data_len bytes, no overflow. */
static int in_file(uint64_t offset, uint32_t size, uint64_t data_len)
{
	return offset <= data_len && size <= data_len - offset;
}

void shm_tx_desc_encode(uint8_t *slot, uint64_t id, uint32_t total,
			const struct shm_buffer *buf, uint32_t n)
{
	shm_put_le64(slot, id);
	shm_put_le32(slot + 8, total);
	shm_put_le32(slot + 12, 0);
	for (uint32_t i = 0; i < n; i++) {
		uint8_t *b = slot + SHM_TX_DESC_HEADER + SHM_TX_DESC_BUFFER * i;

		shm_put_le64(b, buf[i].offset);
		shm_put_le32(b + 8, buf[i].size);
	}
}

int shm_tx_desc_decode(const uint8_t *slot, uint32_t size, uint64_t data_len,
		       struct shm_tx_packet *pkt, int *has_id)
{
	uint64_t sum = 0;
	uint32_t n;

	*has_id = 0;
	if (size < SHM_TX_COMPLETION)
		return SHM_DESC_MALFORMED;
	pkt->id = shm_get_le64(slot);
	*has_id = 1;
	if (size < SHM_TX_DESC_HEADER)
		return SHM_DESC_MALFORMED;
	/* Like gVisor, trailing bytes short of a whole buffer are ignored. */
	n = (size - SHM_TX_DESC_HEADER) / SHM_TX_DESC_BUFFER;
	if (n > SHM_MAX_PACKET_BUFFERS)
		return SHM_DESC_TOO_MANY;
	pkt->total = shm_get_le32(slot + 8);
	pkt->n = n;
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *b = slot + SHM_TX_DESC_HEADER +
				   SHM_TX_DESC_BUFFER * i;

		pkt->buf[i].offset = shm_get_le64(b);
		pkt->buf[i].size = shm_get_le32(b + 8);
		if (!in_file(pkt->buf[i].offset, pkt->buf[i].size, data_len))
			return SHM_DESC_OUT_OF_BOUNDS;
		sum += pkt->buf[i].size;
	}
	if (sum < pkt->total)
		return SHM_DESC_SHORT;
	return 0;
}

void shm_tx_completion_encode(uint8_t *slot, uint64_t id)
{
	shm_put_le64(slot, id);
}

int shm_tx_completion_decode(const uint8_t *slot, uint32_t size,
			     uint64_t *id)
{
	if (size != SHM_TX_COMPLETION)
		return SHM_DESC_MALFORMED;
	*id = shm_get_le64(slot);
	return 0;
}

void shm_rx_posted_encode(uint8_t *slot, const struct shm_buffer *b)
{
	shm_put_le64(slot, b->offset);
	shm_put_le32(slot + 8, b->size);
	shm_put_le32(slot + 12, 0);
	shm_put_le64(slot + 16, b->user_data);
	shm_put_le64(slot + 24, b->id);
}

int shm_rx_posted_decode(const uint8_t *slot, uint32_t size,
			 uint64_t data_len, struct shm_buffer *b)
{
	if (size < SHM_RX_POSTED)
		return SHM_DESC_MALFORMED;
	b->offset = shm_get_le64(slot);
	b->size = shm_get_le32(slot + 8);
	b->user_data = shm_get_le64(slot + 16);
	b->id = shm_get_le64(slot + 24);
	if (!in_file(b->offset, b->size, data_len))
		return SHM_DESC_OUT_OF_BOUNDS;
	return 0;
}

void shm_rx_completion_encode(uint8_t *slot, uint32_t total,
			      const struct shm_buffer *buf, uint32_t n)
{
	shm_put_le32(slot, total);
	shm_put_le32(slot + 4, 0);
	for (uint32_t i = 0; i < n; i++) {
		uint8_t *b = slot + SHM_RX_COMP_HEADER + SHM_RX_COMP_BUFFER * i;

		shm_put_le64(b, buf[i].offset);
		shm_put_le32(b + 8, buf[i].size);
		shm_put_le64(b + 12, buf[i].user_data);
		shm_put_le64(b + 20, buf[i].id);
	}
}

int shm_rx_completion_decode(const uint8_t *slot, uint32_t size,
			     struct shm_rx_packet *pkt)
{
	uint64_t sum = 0;
	uint32_t n;

	if (size < SHM_RX_COMP_HEADER)
		return SHM_DESC_MALFORMED;
	n = (size - SHM_RX_COMP_HEADER) / SHM_RX_COMP_BUFFER;
	if (n > SHM_MAX_PACKET_BUFFERS)
		return SHM_DESC_TOO_MANY;
	pkt->total = shm_get_le32(slot);
	pkt->n = n;
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *b = slot + SHM_RX_COMP_HEADER +
				   SHM_RX_COMP_BUFFER * i;

		pkt->buf[i].offset = shm_get_le64(b);
		pkt->buf[i].size = shm_get_le32(b + 8);
		pkt->buf[i].user_data = shm_get_le64(b + 12);
		pkt->buf[i].id = shm_get_le64(b + 20);
		sum += pkt->buf[i].size;
	}
	/* gVisor drops it when the sizes fall short or overflow a u32. */
	if (sum < pkt->total || sum > UINT32_MAX)
		return SHM_DESC_SHORT;
	return 0;
}
