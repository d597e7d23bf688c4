// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The TX queue (client -> server). The client cuts its data file into
 * buffers, sends one descriptor per packet and learns from the 8-byte
 * completions which buffers it may reuse; the server reads the packet in
 * place and completes it after the reader is done with it.
 *
 * Free buffers are reused oldest first. The server has just read the
 * buffers it completes last; writing into those at once (a stack) keeps
 * both CPUs fighting over the same few dozen cache lines, and halved the
 * rate of 1500-byte packets across CPUs against cycling through them all.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sharedmem/queue.h"

int shm_txq_client_init(struct shm_txq_client *q, struct shm_queue_mem *m,
			uint32_t buf_size)
{
	int err;

	memset(q, 0, sizeof(*q));
	err = shm_queue_client_setup(m, buf_size, &q->desc, &q->comp,
				     &q->nbufs);
	if (err)
		return err;
	q->data = m->data;
	q->buf_size = buf_size;
	q->seq = 1;
	q->free_ring = calloc(q->nbufs, sizeof(*q->free_ring));
	q->chain = calloc(q->nbufs, sizeof(*q->chain));
	q->pkt_nbufs = calloc(q->nbufs, sizeof(*q->pkt_nbufs));
	q->pkt_id = calloc(q->nbufs, sizeof(*q->pkt_id));
	if (!q->free_ring || !q->chain || !q->pkt_nbufs || !q->pkt_id) {
		shm_txq_client_fini(q);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < q->nbufs; i++)
		q->free_ring[i] = i;
	q->free_head = 0;
	q->nfree = q->nbufs;
	return 0;
}

void shm_txq_client_fini(struct shm_txq_client *q)
{
	free(q->free_ring);
	free(q->chain);
	free(q->pkt_nbufs);
	free(q->pkt_id);
	q->free_ring = q->chain = q->pkt_nbufs = NULL;
	q->pkt_id = NULL;
}

size_t shm_txq_client_max_packet(const struct shm_txq_client *q)
{
	uint64_t n = q->nbufs < SHM_MAX_PACKET_BUFFERS ? q->nbufs :
		     SHM_MAX_PACKET_BUFFERS;

	while (n && shm_tx_desc_size(n) > q->desc.max_payload)
		n--;
	return n * q->buf_size;
}

/* Ring positions: nbufs need not be a power of two. */
static uint32_t ring_add(const struct shm_txq_client *q, uint32_t a,
			 uint32_t b)
{
	uint32_t r = a + b;

	return r >= q->nbufs ? r - q->nbufs : r;
}

/* A free buffer, newest: behind every other. */
static void free_ring_put(struct shm_txq_client *q, uint32_t b)
{
	q->free_ring[ring_add(q, q->free_head, q->nfree)] = b;
	q->nfree++;
}

/* The oldest free buffer. */
static uint32_t free_ring_take(struct shm_txq_client *q)
{
	uint32_t b = q->free_ring[q->free_head];

	q->free_head = ring_add(q, q->free_head, 1);
	q->nfree--;
	return b;
}

/* A buffer just taken goes back where it came from, first in line. */
static void free_ring_untake(struct shm_txq_client *q, uint32_t b)
{
	q->free_head = ring_add(q, q->free_head, q->nbufs - 1);
	q->free_ring[q->free_head] = b;
	q->nfree++;
}

/* The packet whose first buffer is idx completed: free its buffers. */
static void txq_client_complete(struct shm_txq_client *q, uint32_t idx)
{
	uint32_t b = idx;

	for (uint32_t i = 0; i < q->pkt_nbufs[idx]; i++) {
		free_ring_put(q, b);
		b = q->chain[b];
	}
	q->pkt_id[idx] = 0;
}

int shm_txq_client_reap(struct shm_txq_client *q, struct sharedmem_stats *st)
{
	const uint8_t *slot;
	uint32_t size;
	uint64_t id;
	int r;

	while ((r = shm_pipe_rx_pull(&q->comp, &slot, &size)) > 0) {
		uint32_t idx;

		if (shm_tx_completion_decode(slot, size, &id)) {
			st->drops_bad_completion++;
			continue;
		}
		/* Only an id in flight frees anything; the low half indexes. */
		idx = (uint32_t)id;
		if (!id || idx >= q->nbufs || q->pkt_id[idx] != id) {
			st->drops_bad_completion++;
			continue;
		}
		txq_client_complete(q, idx);
	}
	shm_pipe_rx_flush(&q->comp);
	if (r < 0) {
		st->drops_ring_damaged++;
		return -EPROTO;
	}
	return 0;
}

static uint32_t txq_client_buffers(const struct shm_txq_client *q, size_t len)
{
	return len ? (uint32_t)((len + q->buf_size - 1) / q->buf_size) : 1;
}

int shm_txq_client_reserve(struct shm_txq_client *q, size_t size,
			   struct iovec *iov, int cap, int *iovcnt)
{
	size_t left = size;
	uint32_t n;

	if (size > SHM_MAX_PACKET_BUFFERS * (size_t)q->buf_size)
		return -EMSGSIZE;
	n = txq_client_buffers(q, size);
	if (n > SHM_MAX_PACKET_BUFFERS)
		return -EMSGSIZE;
	if (cap < 0 || n > (uint32_t)cap)
		return -EINVAL;
	if (n > q->nfree)
		return -EAGAIN;
	q->res_slot = shm_pipe_tx_push(&q->desc, shm_tx_desc_size(n));
	if (!q->res_slot)
		return q->desc.damaged ? -EPROTO : -EAGAIN;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t b = free_ring_take(q);
		size_t take = left < q->buf_size ? left : q->buf_size;

		q->res[i] = b;
		iov[i].iov_base = q->data + (uint64_t)b * q->buf_size;
		iov[i].iov_len = take;
		left -= take;
	}
	q->nres = n;
	*iovcnt = (int)n;
	return 0;
}

/* Back to the free ring in reverse, so its order is as before. */
static void txq_client_unreserve(struct shm_txq_client *q, uint32_t keep)
{
	while (q->nres > keep)
		free_ring_untake(q, q->res[--q->nres]);
}

int shm_txq_client_commit(struct shm_txq_client *q, size_t len)
{
	struct shm_buffer bufs[SHM_MAX_PACKET_BUFFERS];
	uint32_t n = txq_client_buffers(q, len), first = q->res[0];
	size_t left = len;
	uint64_t id;

	if (n < q->nres) {
		/* A smaller descriptor in the same place: it fits. */
		shm_pipe_tx_unpush(&q->desc);
		q->res_slot = shm_pipe_tx_push(&q->desc, shm_tx_desc_size(n));
		txq_client_unreserve(q, n);
		if (!q->res_slot) {
			txq_client_unreserve(q, 0);
			return -EPROTO;
		}
	}
	for (uint32_t i = 0; i < n; i++) {
		size_t take = left < q->buf_size ? left : q->buf_size;

		if (i)
			q->chain[q->res[i - 1]] = q->res[i];
		bufs[i].offset = (uint64_t)q->res[i] * q->buf_size;
		bufs[i].size = (uint32_t)take;
		left -= take;
	}
	id = (uint64_t)q->seq << 32 | first;
	if (++q->seq == 0)
		q->seq = 1;
	q->pkt_id[first] = id;
	q->pkt_nbufs[first] = n;
	shm_tx_desc_encode(q->res_slot, id, (uint32_t)len, bufs, n);
	q->nres = 0;
	return 0;
}

void shm_txq_client_abort(struct shm_txq_client *q)
{
	if (!q->nres)
		return;
	shm_pipe_tx_unpush(&q->desc);
	txq_client_unreserve(q, 0);
}

int shm_txq_client_enqueue(struct shm_txq_client *q, const struct iovec *iov,
			   int iovcnt, size_t len)
{
	struct iovec dst[SHM_MAX_PACKET_BUFFERS];
	size_t idx = 0, off = 0;
	int n, err;

	err = shm_txq_client_reserve(q, len, dst, SHM_MAX_PACKET_BUFFERS, &n);
	if (err)
		return err;
	for (int i = 0; i < n; i++)
		shm_gather(dst[i].iov_base, iov, iovcnt, &idx, &off,
			   dst[i].iov_len);
	return shm_txq_client_commit(q, len);
}

void shm_txq_client_flush(struct shm_txq_client *q)
{
	shm_pipe_tx_flush(&q->desc);
}

int shm_txq_server_init(struct shm_txq_server *q, struct shm_queue_mem *m)
{
	int err;

	memset(q, 0, sizeof(*q));
	err = shm_queue_server_pipes(m, &q->desc, &q->comp);
	q->data = m->data;
	q->data_len = m->data_len;
	return err;
}

bool shm_txq_server_pending(const struct shm_txq_server *q)
{
	return shm_pipe_rx_pending(&q->desc);
}

int shm_txq_server_next(struct shm_txq_server *q, struct shm_packet *pkt,
			size_t mtu, struct sharedmem_stats *st)
{
	struct shm_tx_packet *d = &q->pkt;
	const uint8_t *slot;
	uint32_t size;
	uint8_t *comp;
	int r, err, has_id;

	for (;;) {
		r = shm_pipe_rx_pull(&q->desc, &slot, &size);
		if (r <= 0)
			break;
		err = shm_tx_desc_decode(slot, size, q->data_len, d, &has_id);
		if (!has_id) {
			st->drops_bad_descriptor++;
			continue;
		}
		/* The completion goes out with the next flush, after the
		 * reader is done with the client's buffers.
		 */
		comp = shm_pipe_tx_push(&q->comp, SHM_TX_COMPLETION);
		if (!comp) {
			shm_pipe_rx_unpull(&q->desc);
			return q->comp.damaged ? -EPROTO : -EAGAIN;
		}
		shm_tx_completion_encode(comp, d->id);
		if (err) {
			st->drops_bad_descriptor++;
			continue;
		}
		if (d->total > mtu) {
			st->drops_too_big++;
			continue;
		}
		shm_packet_point(pkt, q->data, d->buf, d->n, d->total);
		return 1;
	}
	if (r < 0) {
		st->drops_ring_damaged++;
		return -EPROTO;
	}
	return 0;
}

void shm_txq_server_flush(struct shm_txq_server *q)
{
	shm_pipe_rx_flush(&q->desc);
	shm_pipe_tx_flush(&q->comp);
}
