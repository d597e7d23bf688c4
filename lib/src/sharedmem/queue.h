/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The two sharedmem queues, each seen from either side (gVisor's queue.Tx,
 * queue.Rx, serverRx, serverTx):
 *
 *   TX queue  client: packet descriptors out, completions (ids) back
 *             server: descriptors in, completions out
 *   RX queue  client: posted buffers out, received packets back
 *             server: posted buffers in, received packets out
 *
 * Functions return 1/0 (a packet or none), 0 or a negative errno:
 * -EAGAIN no room, -EPROTO the ring was damaged (the queue is then dead).
 * Drops of malformed descriptors are counted in the stats, not returned.
 */
#ifndef FLIPCALL_SHAREDMEM_QUEUE_H
#define FLIPCALL_SHAREDMEM_QUEUE_H

#include <errno.h>
#include <stdbool.h>
#include <sys/uio.h>

#include <flipcall/sharedmem.h>

#include "sharedmem/descriptor.h"
#include "sharedmem/pipe.h"
#include "sharedmem/queue_mem.h"

/* A received packet: up to SHM_MAX_PACKET_BUFFERS pieces of shared memory. */
struct shm_packet {
	size_t len;
	int n;
	struct iovec iov[SHM_MAX_PACKET_BUFFERS];
};

struct shm_txq_client {
	struct shm_pipe_tx desc;
	struct shm_pipe_rx comp;
	uint8_t *data;
	uint32_t buf_size;
	uint32_t nbufs;
	uint32_t nfree;
	uint32_t seq;
	/*
	 * Free buffers, oldest first: free_ring[free_head] is taken next and
	 * completed buffers join at the far end (see queue_tx.c).
	 */
	uint32_t *free_ring;
	uint32_t free_head;
	uint32_t *chain;	/* next buffer of the same packet */
	uint32_t *pkt_nbufs;	/* by first buffer */
	uint64_t *pkt_id;	/* by first buffer: id in flight, 0 none */
	uint32_t res[SHM_MAX_PACKET_BUFFERS];	/* buffers reserved, in order */
	uint32_t nres;		/* 0: nothing reserved */
	uint8_t *res_slot;	/* its descriptor slot, pushed, not filled */
};

struct shm_txq_server {
	struct shm_pipe_rx desc;
	struct shm_pipe_tx comp;
	uint8_t *data;
	uint64_t data_len;
	struct shm_tx_packet pkt;	/* scratch: the descriptor decoded */
};

struct shm_rxq_client {
	struct shm_pipe_tx fill;
	struct shm_pipe_rx comp;
	uint8_t *data;
	uint32_t buf_size;
	uint32_t nbufs;
	uint32_t nto_post;
	uint32_t post_limit;	/* gVisor's PostedBuffersLimit */
	uint32_t nposted;
	bool *posted;		/* by buffer: held by the server */
	uint32_t *to_post;	/* buffers waiting to be posted again */
	struct shm_rx_packet pkt;	/* scratch */
	uint32_t held[SHM_MAX_PACKET_BUFFERS];	/* of the packet delivered */
	uint32_t nheld;
};

struct shm_rxq_server {
	struct shm_pipe_rx fill;
	struct shm_pipe_tx comp;
	uint8_t *data;
	uint64_t data_len;
	struct shm_buffer bufs[SHM_MAX_PACKET_BUFFERS];	/* reserved */
	uint32_t nres;
	uint8_t *res_slot;	/* its completion slot, pushed, not filled */
	bool reserved;
};

/*
 * Both queues wire their pipes the same way: the client writes tx_pipe
 * and reads rx_pipe, the server the other way round.
 */
static inline int shm_queue_client_pipes(struct shm_queue_mem *m,
					 struct shm_pipe_tx *out,
					 struct shm_pipe_rx *in)
{
	int err = shm_pipe_tx_init(out, m->tx_pipe, m->tx_pipe_len);

	return err ? err : shm_pipe_rx_init(in, m->rx_pipe, m->rx_pipe_len);
}

static inline int shm_queue_server_pipes(struct shm_queue_mem *m,
					 struct shm_pipe_rx *in,
					 struct shm_pipe_tx *out)
{
	int err = shm_pipe_rx_init(in, m->tx_pipe, m->tx_pipe_len);

	return err ? err : shm_pipe_tx_init(out, m->rx_pipe, m->rx_pipe_len);
}

/*
 * Either queue's client also cuts the data file into *nbufs buffers of
 * buf_size: at least one, at most 1 << 24 (a bound on the per-buffer
 * tables each client allocates).
 */
static inline int shm_queue_client_setup(struct shm_queue_mem *m,
					 uint32_t buf_size,
					 struct shm_pipe_tx *out,
					 struct shm_pipe_rx *in,
					 uint32_t *nbufs)
{
	uint64_t n = m->data_len / buf_size;

	if (!n || n > (1u << 24))
		return -EINVAL;
	*nbufs = (uint32_t)n;
	return shm_queue_client_pipes(m, out, in);
}

int shm_txq_client_init(struct shm_txq_client *q, struct shm_queue_mem *m,
			uint32_t buf_size);
void shm_txq_client_fini(struct shm_txq_client *q);
/* Frees the buffers of every completed packet. */
int shm_txq_client_reap(struct shm_txq_client *q, struct sharedmem_stats *st);
int shm_txq_client_enqueue(struct shm_txq_client *q, const struct iovec *iov,
			   int iovcnt, size_t len);
void shm_txq_client_flush(struct shm_txq_client *q);
/*
 * Reserve/commit/abort: the buffers (and the descriptor's room) for one
 * packet of up to size bytes, pointed at by iov[0..*iovcnt) (at most cap
 * entries, else -EINVAL, nothing reserved); commit(len <= size) queues
 * the packet's first len bytes, unflushed; abort gives everything back.
 * One reservation at a time; the caller keeps track of it.
 */
int shm_txq_client_reserve(struct shm_txq_client *q, size_t size,
			   struct iovec *iov, int cap, int *iovcnt);
int shm_txq_client_commit(struct shm_txq_client *q, size_t len);
void shm_txq_client_abort(struct shm_txq_client *q);
/* Most payload bytes one packet can have. */
size_t shm_txq_client_max_packet(const struct shm_txq_client *q);

int shm_txq_server_init(struct shm_txq_server *q, struct shm_queue_mem *m);
/*
 * The next packet (1), none (0), or an error. Malformed descriptors are
 * completed, counted and skipped; longer than mtu likewise.
 */
int shm_txq_server_next(struct shm_txq_server *q, struct shm_packet *pkt,
			size_t mtu, struct sharedmem_stats *st);
bool shm_txq_server_pending(const struct shm_txq_server *q);
void shm_txq_server_flush(struct shm_txq_server *q);

int shm_rxq_client_init(struct shm_rxq_client *q, struct shm_queue_mem *m,
			uint32_t buf_size);
void shm_rxq_client_fini(struct shm_rxq_client *q);
int shm_rxq_client_next(struct shm_rxq_client *q, struct shm_packet *pkt,
			size_t mtu, struct sharedmem_stats *st);
/* The buffers of the packet next() returned go back to the server. */
void shm_rxq_client_release(struct shm_rxq_client *q);
bool shm_rxq_client_pending(const struct shm_rxq_client *q);
/* Flushes completions and posts every buffer waiting to go back. */
int shm_rxq_client_flush(struct shm_rxq_client *q);

int shm_rxq_server_init(struct shm_rxq_server *q, struct shm_queue_mem *m);
int shm_rxq_server_enqueue(struct shm_rxq_server *q, const struct iovec *iov,
			   int iovcnt, size_t len, struct sharedmem_stats *st);
void shm_rxq_server_flush(struct shm_rxq_server *q);
/* As the TX client's; buffers a shorter packet does not need go back to
 * the client in its completion with size 0.
 */
int shm_rxq_server_reserve(struct shm_rxq_server *q, size_t size,
			   struct iovec *iov, int cap, int *iovcnt,
			   struct sharedmem_stats *st);
void shm_rxq_server_commit(struct shm_rxq_server *q, size_t len);
void shm_rxq_server_abort(struct shm_rxq_server *q);

/* Copies len bytes gathered from iov to dst (shared memory or not). */
void shm_gather(uint8_t *dst, const struct iovec *iov, int iovcnt,
		size_t *iov_idx, size_t *iov_off, size_t len);
/*
 * Points pkt at the first total bytes of n buffers of data; the caller
 * has checked that they lie inside the data file and hold total bytes.
 */
void shm_packet_point(struct shm_packet *pkt, uint8_t *data,
		      const struct shm_buffer *buf, uint32_t n, uint32_t total);

#endif
