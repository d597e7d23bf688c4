// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Moving a packet between the caller's iovecs and a queue's data file,
 * the same for both queues: the producer side copies in (shm_gather), the
 * consumer side reads in place (shm_packet_point).
 */
#include <string.h>

#include "sharedmem/queue.h"

void shm_gather(uint8_t *dst, const struct iovec *iov, int iovcnt,
		size_t *iov_idx, size_t *iov_off, size_t len)
{
	while (len && *iov_idx < (size_t)iovcnt) {
		const struct iovec *v = &iov[*iov_idx];
		size_t take = v->iov_len - *iov_off;

		if (take > len)
			take = len;
		memcpy(dst, (const uint8_t *)v->iov_base + *iov_off, take);
		dst += take;
		len -= take;
		*iov_off += take;
		if (*iov_off == v->iov_len) {
			(*iov_idx)++;
			*iov_off = 0;
		}
	}
}

void shm_packet_point(struct shm_packet *pkt, uint8_t *data,
		      const struct shm_buffer *buf, uint32_t n, uint32_t total)
{
	size_t left = total;

	pkt->len = total;
	pkt->n = 0;
	for (uint32_t i = 0; i < n && left; i++) {
		size_t take = buf[i].size < left ? buf[i].size : left;

		/* Empty buffers are legal on the wire but make no iovec. */
		if (!take)
			continue;
		pkt->iov[pkt->n].iov_base = data + buf[i].offset;
		pkt->iov[pkt->n++].iov_len = take;
		left -= take;
	}
}
