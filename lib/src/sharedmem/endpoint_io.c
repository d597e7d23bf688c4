// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Sending and receiving on a sharedmem endpoint. The client sends on the
 * TX queue and receives on the RX queue; the server the other way round.
 * A batch costs one flush and at most one doorbell.
 */
#include <errno.h>
#include <string.h>

#include "export.h"
#include "sharedmem/endpoint.h"
#include "sharedmem/endpoint_internal.h"

static size_t iov_total(const struct iovec *iov, int iovcnt)
{
	size_t len = 0;

	for (int i = 0; i < iovcnt; i++)
		len += iov[i].iov_len;
	return len;
}

static int enqueue_one(struct sharedmem_endpoint *ep, const struct iovec *iov,
		       int iovcnt)
{
	size_t len;
	int err;

	if (iovcnt < 0 || (iovcnt && !iov))
		return -EINVAL;
	len = iov_total(iov, iovcnt);
	if (len > ep->mtu) {
		ep->st.drops_too_big++;
		return -EMSGSIZE;
	}
	if (ep->side == SHAREDMEM_CLIENT)
		err = shm_txq_client_enqueue(&ep->client.txq, iov, iovcnt,
					     len);
	else
		err = shm_rxq_server_enqueue(&ep->server.rxq, iov, iovcnt,
					     len, &ep->st);
	if (!err) {
		ep->st.tx_packets++;
		ep->st.tx_bytes += len;
	}
	return err;
}

void shm_endpoint_publish(struct sharedmem_endpoint *ep)
{
	if (ep->side == SHAREDMEM_CLIENT)
		shm_txq_client_flush(&ep->client.txq);
	else
		shm_rxq_server_flush(&ep->server.rxq);
	ep->unpublished = false;
	shm_endpoint_kick(ep);
}

int shm_endpoint_send_failed(struct sharedmem_endpoint *ep, int err)
{
	if (err == -EAGAIN) {
		ep->st.tx_full++;
		if (sharedmem_endpoint_peer_gone(ep))
			err = -ECONNRESET;
	}
	return shm_endpoint_broke(ep, err);
}

FLIPCALL_EXPORT int
sharedmem_endpoint_send_batch(struct sharedmem_endpoint *ep,
			      const struct iovec *const *pkts,
			      const int *iovcnts, int n)
{
	int err, sent = 0;

	if (!ep || n < 0 || (n && (!pkts || !iovcnts)))
		return -EINVAL;
	if (ep->reserved)
		return -EBUSY;
	err = shm_endpoint_usable(ep);
	if (err)
		return err;
	if (ep->side == SHAREDMEM_CLIENT) {
		err = shm_txq_client_reap(&ep->client.txq, &ep->st);
		if (err)
			return shm_endpoint_broke(ep, err);
	}
	while (sent < n) {
		err = enqueue_one(ep, pkts[sent], iovcnts[sent]);
		if (err)
			break;
		sent++;
	}
	if (sent) {
		shm_endpoint_publish(ep);
		return sent;
	}
	return shm_endpoint_send_failed(ep, err);
}

FLIPCALL_EXPORT int sharedmem_endpoint_send(struct sharedmem_endpoint *ep,
					    const struct iovec *iov,
					    int iovcnt)
{
	int r = sharedmem_endpoint_send_batch(ep, &iov, &iovcnt, 1);

	return r > 0 ? 0 : r;
}

/* The next packet into ep->pkt: 1, 0 (none), or an error. */
static int dequeue_one(struct sharedmem_endpoint *ep)
{
	if (ep->side == SHAREDMEM_CLIENT)
		return shm_rxq_client_next(&ep->client.rxq, &ep->pkt, ep->mtu,
					   &ep->st);
	return shm_txq_server_next(&ep->server.txq, &ep->pkt, ep->mtu,
				   &ep->st);
}

static int dequeue_flush(struct sharedmem_endpoint *ep)
{
	if (ep->side == SHAREDMEM_CLIENT)
		return shm_rxq_client_flush(&ep->client.rxq);
	shm_txq_server_flush(&ep->server.txq);
	return 0;
}

FLIPCALL_EXPORT int
sharedmem_endpoint_recv_batch(struct sharedmem_endpoint *ep,
			      sharedmem_packet_fn fn, void *arg, int max)
{
	int r = 0, got = 0, err;
	bool rearmed = false;

	if (!ep || !fn || max <= 0)
		return -EINVAL;
	err = shm_endpoint_usable(ep);
	if (err)
		return err;
	while (got < max) {
		r = dequeue_one(ep);
		if (r < 0)
			break;
		if (r == 0) {
			if (got || rearmed)
				break;
			/*
			 * Empty twice with notifications on: a stale ring would
			 * keep rx_fd readable, so empty the doorbell.
			 */
			if (ep->arm == SHM_ARM_ENABLED)
				shm_endpoint_drain(ep);
			/*
			 * Switch notifications on and look once more, so that
			 * a packet flushed meanwhile is not missed.
			 */
			if (!shm_endpoint_arm(ep))
				break;
			rearmed = true;
			continue;
		}
		got++;
		ep->st.rx_packets++;
		ep->st.rx_bytes += ep->pkt.len;
		if (fn(ep->pkt.iov, ep->pkt.n, ep->pkt.len, arg))
			break;
	}
	err = dequeue_flush(ep);
	if (r < 0 && r != -EAGAIN)
		err = r;
	if (got) {
		shm_endpoint_disarm(ep);
		if (err)
			shm_endpoint_broke(ep, err);
		return got;
	}
	if (err)
		return shm_endpoint_broke(ep, err);
	if (sharedmem_endpoint_peer_gone(ep))
		return -ECONNRESET;
	return -EAGAIN;
}

struct copy_out {
	void *buf;
	size_t cap;
	ssize_t len;
};

static int copy_packet(const struct iovec *iov, int iovcnt, size_t len,
		       void *arg)
{
	struct copy_out *c = arg;
	size_t off = 0;

	if (len > c->cap) {
		c->len = -EMSGSIZE;
		return 1;
	}
	for (int i = 0; i < iovcnt; i++) {
		memcpy((char *)c->buf + off, iov[i].iov_base, iov[i].iov_len);
		off += iov[i].iov_len;
	}
	c->len = (ssize_t)len;
	return 1;
}

FLIPCALL_EXPORT ssize_t sharedmem_endpoint_recv(struct sharedmem_endpoint *ep,
						void *buf, size_t len)
{
	struct copy_out c = { .buf = buf, .cap = len, .len = 0 };
	int r;

	if (!buf && len)
		return -EINVAL;
	r = sharedmem_endpoint_recv_batch(ep, copy_packet, &c, 1);
	if (r < 0)
		return r;
	if (c.len == -EMSGSIZE)
		ep->st.drops_too_big++;
	return c.len;
}
