// SPDX-License-Identifier: GPL-2.0
/*
 * The sharedmem transport: gVisor's shared-memory NIC queues. The server
 * allocates the queue pair and sends the client its two QueueConfigs (TX
 * then RX, 5 fds each) over the control socket. Queue memory comes from
 * /dev/flipcall windows when the module is loaded (the kernel then tells
 * each side at once when the other is gone), else from memfds, the layout
 * a gVisor peer expects; --memfd forces the latter.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <flipcall/sharedmem.h>

#include "transport.h"

#define SHM_BATCH	32
/*
 * Each queue's data area holds at least this many of the largest frames,
 * and at least as much as the socketpair transport's socket buffers: a
 * peer that is off its CPU for a millisecond must not leave the sender
 * without posted buffers (the sender has no doorbell for room, only a
 * timer, and TAP drops meanwhile).
 */
#define SHM_FRAMES_IN_FLIGHT	64
#define SHM_DATA_MIN		(4u << 20)
/* slotSize of the largest descriptor a one-buffer packet needs (§6.3). */
#define SHM_SLOT_PER_BUFFER	40
/*
 * Frames larger than this (offload) go in buffers of this size (the client
 * decides, for both directions) instead of gVisor's 2 KiB: a 64 KiB frame
 * then takes 4 buffers, not 32 - fewer descriptors to post and complete,
 * and an iovec short enough for the kernel's on-stack fast path in the TAP
 * readv/writev.
 */
#define SHM_BIG_BUFFER		(16u << 10)

struct nic_transport {
	struct sharedmem_endpoint *ep;
	int device;		/* queue memory is /dev/flipcall windows */
};

/* The receive buffer size the client posts (it decides, see above). */
static uint32_t buffer_size(const struct nic_transport_params *p)
{
	return p->frame_max + 1 > SHM_BIG_BUFFER ? SHM_BIG_BUFFER :
		SHAREDMEM_DEFAULT_BUFFER_SIZE;
}

static size_t shm_frame_limit(void)
{
	/* The bridge reserves one byte more than a frame (see bridge.c). */
	return SHAREDMEM_MAX_PACKET - 1;
}

static int send_configs(int sock, const struct sharedmem_queue_config *tx,
			const struct sharedmem_queue_config *rx)
{
	int err = sharedmem_queue_config_send(sock, tx);

	return err ? err : sharedmem_queue_config_send(sock, rx);
}

/* Makes the pair and gives the client its half; tx and rx get ours. */
static int server_configs(const struct nic_transport_params *p,
			  struct sharedmem_queue_config *tx,
			  struct sharedmem_queue_config *rx)
{
	struct sharedmem_pair_options po = {
		.size = sizeof(po),
		.data_len = SHAREDMEM_DEFAULT_DATA_LEN,
	};
	struct sharedmem_side_configs client, server;
	int err = -ENODEV;

	while (po.data_len < SHM_DATA_MIN ||
	       po.data_len < SHM_FRAMES_IN_FLIGHT * (p->frame_max + 1))
		po.data_len *= 2;
	/* Room in the pipes to post and complete every buffer at once. */
	po.pipe_len = SHAREDMEM_DEFAULT_PIPE_LEN;
	while (po.pipe_len <
	       po.data_len / buffer_size(p) * SHM_SLOT_PER_BUFFER + 8)
		po.pipe_len *= 2;
	if (!(p->flags & NIC_TRANSPORT_MEMFD))
		err = sharedmem_device_pair_create(&po, &client, &server);
	if (!err) {
		err = send_configs(p->ctrl_fd, &client.tx, &client.rx);
		sharedmem_queue_config_close(&client.tx);
		sharedmem_queue_config_close(&client.rx);
		*tx = server.tx;
		*rx = server.rx;
		if (err) {
			sharedmem_queue_config_close(tx);
			sharedmem_queue_config_close(rx);
		}
		return err;
	}
	if (err != -ENODEV && err != -ENOENT)
		return err;
	/* Both sides use the same memfd configs, as in gVisor. */
	err = sharedmem_queue_pair_create(&po, tx, rx);
	if (err)
		return err;
	err = send_configs(p->ctrl_fd, tx, rx);
	if (err) {
		sharedmem_queue_config_close(tx);
		sharedmem_queue_config_close(rx);
	}
	return err;
}

static int client_configs(const struct nic_transport_params *p,
			  struct sharedmem_queue_config *tx,
			  struct sharedmem_queue_config *rx)
{
	int err;

	sharedmem_queue_config_init(tx);
	sharedmem_queue_config_init(rx);
	err = sharedmem_queue_config_recv(p->ctrl_fd, tx);
	if (!err)
		err = sharedmem_queue_config_recv(p->ctrl_fd, rx);
	if (err) {
		sharedmem_queue_config_close(tx);
		sharedmem_queue_config_close(rx);
	}
	return err;
}

static int shm_create(const struct nic_transport_params *p,
		      struct nic_transport **out)
{
	struct sharedmem_endpoint_options eo = {
		.size = sizeof(eo),
		/* One byte more: the bridge reserves that to see a long read. */
		.mtu = p->frame_max + 1,
		.peer_fd = -1,
		.buffer_size = buffer_size(p),
	};
	struct sharedmem_queue_config tx, rx;
	struct nic_transport *t;
	int err;

	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	err = p->side == NIC_SERVER ? server_configs(p, &tx, &rx) :
				      client_configs(p, &tx, &rx);
	if (!err) {
		t->device = sharedmem_queue_config_is_device(&tx) == 1;
		err = sharedmem_endpoint_create(p->side == NIC_SERVER ?
						SHAREDMEM_SERVER :
						SHAREDMEM_CLIENT,
						&tx, &rx, &eo, &t->ep);
	}
	if (err) {
		free(t);
		return err;
	}
	*out = t;
	return 0;
}

static const char *shm_describe(struct nic_transport *t)
{
	return t->device ? "queues in /dev/flipcall windows" :
			   "queues in memfds";
}

static int peer_errno(int err)
{
	return err == -ECONNRESET ? -EPIPE : err;
}

static int shm_send_batch(struct nic_transport *t, const struct iovec *frames,
			  int n)
{
	const struct iovec *pkts[SHM_BATCH];
	int iovcnts[SHM_BATCH];
	int i, r;

	if (n > SHM_BATCH)
		n = SHM_BATCH;
	for (i = 0; i < n; i++) {
		pkts[i] = &frames[i];
		iovcnts[i] = 1;
	}
	r = sharedmem_endpoint_send_batch(t->ep, pkts, iovcnts, n);
	return r == -EAGAIN ? 0 : peer_errno(r);
}

static int shm_reserve(struct nic_transport *t, size_t size,
		       struct iovec *iov, int *iovcnt)
{
	int r = sharedmem_endpoint_send_reserve(t->ep, size, iov, iovcnt);

	if (r == -EAGAIN)
		return 0;
	return r ? peer_errno(r) : 1;
}

static int shm_commit(struct nic_transport *t, size_t len, int more)
{
	return peer_errno(sharedmem_endpoint_send_commit(t->ep, len,
				more ? SHAREDMEM_SEND_MORE : 0));
}

static void shm_abort(struct nic_transport *t)
{
	sharedmem_endpoint_send_abort(t->ep);
}

static int shm_flush(struct nic_transport *t)
{
	return peer_errno(sharedmem_endpoint_send_flush(t->ep));
}

static int shm_recv_batch(struct nic_transport *t, nic_frame_fn fn, void *arg,
			  int max)
{
	int r = sharedmem_endpoint_recv_batch(t->ep, fn, arg, max);

	return r == -EAGAIN ? 0 : peer_errno(r);
}

static int shm_arm(struct nic_transport *t, struct pollfd *rx)
{
	*rx = (struct pollfd){
		.fd = sharedmem_endpoint_rx_fd(t->ep),
		.events = POLLIN,
	};
	return peer_errno(sharedmem_endpoint_arm(t->ep));
}

/* The peer does not signal room: the bridge retries on a timer. */
static int shm_tx_wait(struct nic_transport *t, struct pollfd *pfd)
{
	return 0;
}

static int shm_peer_gone(struct nic_transport *t)
{
	return sharedmem_endpoint_peer_gone(t->ep);
}

static void shm_stats(struct nic_transport *t, struct nic_stats *st)
{
	struct sharedmem_stats s = { .size = sizeof(s) };

	if (sharedmem_endpoint_stats(t->ep, &s))
		return;
	st->doorbells += s.notifications;
	st->drops.bad_descriptor += s.drops_bad_descriptor;
	st->drops.bad_completion += s.drops_bad_completion;
	st->drops.ring_damaged += s.drops_ring_damaged;
	st->drops.peer_oversize += s.drops_too_big;
	/*
	 * drops_no_buffers counts sends refused for want of posted buffers:
	 * the bridge keeps those frames and retries (peer_full_waits).
	 */
}

static void shm_destroy(struct nic_transport *t)
{
	sharedmem_endpoint_destroy(t->ep);
	free(t);
}

const struct nic_transport_ops nic_transport_sharedmem = {
	.name = "sharedmem",
	.create = shm_create,
	.describe = shm_describe,
	.frame_limit = shm_frame_limit,
	.send_batch = shm_send_batch,
	.reserve = shm_reserve,
	.commit = shm_commit,
	.abort = shm_abort,
	.flush = shm_flush,
	.recv_batch = shm_recv_batch,
	.arm = shm_arm,
	.tx_wait = shm_tx_wait,
	.peer_gone = shm_peer_gone,
	.stats = shm_stats,
	.destroy = shm_destroy,
};
