// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The RX queue (server -> client). The client posts buffers of its data
 * file; the server fills as many as a packet needs and returns them in a
 * completion; the client reads the packet and posts the buffers again.
 * The client trusts a returned buffer only if it is one it posted, at the
 * offset it posted it, no larger than it was.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sharedmem/queue.h"

int shm_rxq_client_init(struct shm_rxq_client *q, struct shm_queue_mem *m,
			uint32_t buf_size)
{
	int err;

	memset(q, 0, sizeof(*q));
	err = shm_queue_client_setup(m, buf_size, &q->fill, &q->comp,
				     &q->nbufs);
	if (err)
		return err;
	q->data = m->data;
	q->buf_size = buf_size;
	q->post_limit = (uint32_t)((q->fill.len - 8) /
				   shm_slot_size(SHM_RX_POSTED));
	q->posted = calloc(q->nbufs, sizeof(*q->posted));
	q->to_post = calloc(q->nbufs, sizeof(*q->to_post));
	if (!q->posted || !q->to_post) {
		shm_rxq_client_fini(q);
		return -ENOMEM;
	}
	/* A stack: buffer 0 is posted first, as gVisor's dispatch loop does. */
	for (uint32_t i = 0; i < q->nbufs; i++)
		q->to_post[i] = q->nbufs - 1 - i;
	q->nto_post = q->nbufs;
	return shm_rxq_client_flush(q);
}

void shm_rxq_client_fini(struct shm_rxq_client *q)
{
	free(q->posted);
	free(q->to_post);
	q->posted = NULL;
	q->to_post = NULL;
}

bool shm_rxq_client_pending(const struct shm_rxq_client *q)
{
	return shm_pipe_rx_pending(&q->comp);
}

static int rxq_client_post(struct shm_rxq_client *q)
{
	while (q->nto_post && q->nposted < q->post_limit) {
		struct shm_buffer b;
		uint8_t *slot = shm_pipe_tx_push(&q->fill, SHM_RX_POSTED);
		uint32_t id;

		if (!slot) {
			if (q->fill.damaged)
				return -EPROTO;
			break;
		}
		id = q->to_post[--q->nto_post];
		b.offset = (uint64_t)id * q->buf_size;
		b.size = q->buf_size;
		b.user_data = 0;
		b.id = id;
		shm_rx_posted_encode(slot, &b);
		q->posted[id] = true;
		q->nposted++;
	}
	shm_pipe_tx_flush(&q->fill);
	return 0;
}

void shm_rxq_client_release(struct shm_rxq_client *q)
{
	while (q->nheld)
		q->to_post[q->nto_post++] = q->held[--q->nheld];
}

/* Takes back the buffers of a completion; false if any is not ours. */
static bool rxq_client_take_buffers(struct shm_rxq_client *q,
				    const struct shm_rx_packet *p)
{
	bool ok = true;

	for (uint32_t i = 0; i < p->n; i++) {
		const struct shm_buffer *b = &p->buf[i];

		if (b->id >= q->nbufs || !q->posted[b->id] ||
		    b->offset != b->id * q->buf_size ||
		    b->size > q->buf_size) {
			ok = false;
			continue;
		}
		q->posted[b->id] = false;
		q->nposted--;
		q->held[q->nheld++] = (uint32_t)b->id;
	}
	return ok;
}

int shm_rxq_client_next(struct shm_rxq_client *q, struct shm_packet *pkt,
			size_t mtu, struct sharedmem_stats *st)
{
	struct shm_rx_packet *p = &q->pkt;
	const uint8_t *slot;
	uint32_t size;
	int r;

	shm_rxq_client_release(q);
	for (;;) {
		int err;

		r = shm_pipe_rx_pull(&q->comp, &slot, &size);
		if (r <= 0)
			break;
		err = shm_rx_completion_decode(slot, size, p);
		if (err == SHM_DESC_MALFORMED || err == SHM_DESC_TOO_MANY) {
			st->drops_bad_descriptor++;
			continue;
		}
		if (!rxq_client_take_buffers(q, p) || err) {
			st->drops_bad_descriptor++;
			shm_rxq_client_release(q);
			continue;
		}
		if (p->total > mtu) {
			st->drops_too_big++;
			shm_rxq_client_release(q);
			continue;
		}
		shm_packet_point(pkt, q->data, p->buf, p->n, p->total);
		return 1;
	}
	if (r < 0) {
		st->drops_ring_damaged++;
		return -EPROTO;
	}
	return 0;
}

int shm_rxq_client_flush(struct shm_rxq_client *q)
{
	shm_rxq_client_release(q);
	shm_pipe_rx_flush(&q->comp);
	return rxq_client_post(q);
}

int shm_rxq_server_init(struct shm_rxq_server *q, struct shm_queue_mem *m)
{
	int err;

	memset(q, 0, sizeof(*q));
	err = shm_queue_server_pipes(m, &q->fill, &q->comp);
	q->data = m->data;
	q->data_len = m->data_len;
	return err;
}

int shm_rxq_server_reserve(struct shm_rxq_server *q, size_t size,
			   struct iovec *iov, int cap, int *iovcnt,
			   struct sharedmem_stats *st)
{
	size_t covered = 0, left = size;
	uint32_t n = 0, slot_size;
	const uint8_t *slot;
	int r;

	/* Buffers taken for this packet only: the last flush was per packet. */
	while (covered < size) {
		r = shm_pipe_rx_pull(&q->fill, &slot, &slot_size);
		if (r < 0) {
			st->drops_ring_damaged++;
			return -EPROTO;
		}
		if (!r) {
			shm_pipe_rx_abort(&q->fill);
			st->drops_no_buffers++;
			return -EAGAIN;
		}
		if (shm_rx_posted_decode(slot, slot_size, q->data_len,
					 &q->bufs[n])) {
			st->drops_bad_descriptor++;
			continue;
		}
		if (!q->bufs[n].size)
			continue;
		covered += q->bufs[n++].size;
		if (covered >= size)
			break;
		if (n == SHM_MAX_PACKET_BUFFERS) {
			/* Buffers this small are the client's fault: drop. */
			shm_pipe_rx_flush(&q->fill);
			st->drops_too_big++;
			return -ENOBUFS;
		}
	}
	if (cap < 0 || n > (uint32_t)cap) {
		shm_pipe_rx_abort(&q->fill);
		return -EINVAL;
	}
	q->res_slot = shm_pipe_tx_push(&q->comp, shm_rx_completion_size(n));
	if (!q->res_slot) {
		shm_pipe_rx_abort(&q->fill);
		return q->comp.damaged ? -EPROTO : -EAGAIN;
	}
	for (uint32_t i = 0; i < n; i++) {
		size_t take = q->bufs[i].size < left ? q->bufs[i].size : left;

		iov[i].iov_base = q->data + q->bufs[i].offset;
		iov[i].iov_len = take;
		left -= take;
	}
	q->nres = n;
	q->reserved = true;
	*iovcnt = (int)n;
	return 0;
}

void shm_rxq_server_commit(struct shm_rxq_server *q, size_t len)
{
	size_t left = len;

	for (uint32_t i = 0; i < q->nres; i++) {
		size_t take = q->bufs[i].size < left ? q->bufs[i].size : left;

		/* The exact length, which gVisor's client accepts too. */
		q->bufs[i].size = (uint32_t)take;
		left -= take;
	}
	shm_rx_completion_encode(q->res_slot, (uint32_t)len, q->bufs, q->nres);
	shm_pipe_rx_flush(&q->fill);
	q->reserved = false;
}

void shm_rxq_server_abort(struct shm_rxq_server *q)
{
	if (!q->reserved)
		return;
	shm_pipe_tx_unpush(&q->comp);
	shm_pipe_rx_abort(&q->fill);
	q->reserved = false;
}

int shm_rxq_server_enqueue(struct shm_rxq_server *q, const struct iovec *iov,
			   int iovcnt, size_t len, struct sharedmem_stats *st)
{
	struct iovec dst[SHM_MAX_PACKET_BUFFERS];
	size_t idx = 0, off = 0;
	int n, err;

	err = shm_rxq_server_reserve(q, len, dst, SHM_MAX_PACKET_BUFFERS, &n,
				     st);
	if (err)
		return err;
	for (int i = 0; i < n; i++)
		shm_gather(dst[i].iov_base, iov, iovcnt, &idx, &off,
			   dst[i].iov_len);
	shm_rxq_server_commit(q, len);
	return 0;
}

void shm_rxq_server_flush(struct shm_rxq_server *q)
{
	shm_pipe_tx_flush(&q->comp);
}
