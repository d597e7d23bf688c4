/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sharedmem: gVisor's shared-memory NIC queues (pkg/tcpip/link/sharedmem),
 * byte-compatible with the Go code: slot-ring pipes, little-endian TX/RX
 * queue descriptors, a shared notification word per queue and an eventfd
 * doorbell. A gVisor endpoint can sit on the other side of a memfd-backed
 * queue pair; when both sides are ours, the queue memory can instead come
 * from /dev/flipcall windows, so that a peer's exit shows at once.
 *
 * Two queues make a pair, each described by a QueueConfig of 5 fds:
 *   TX: client -> server packets (the server returns completions by id),
 *   RX: server -> client packets into buffers the client has posted.
 * Both endpoints are created from the same two configs, like gVisor's
 * sharedmem.New / NewServerEndpoint.
 *
 * Every function returns 0 (or a count/length) on success and a negative
 * errno on failure. Nothing here aborts because of what a peer wrote into
 * shared memory: a malformed descriptor or ring is dropped and counted in
 * struct sharedmem_stats. See Documentation/sharedmem.rst.
 */
#ifndef FLIPCALL_SHAREDMEM_H
#define FLIPCALL_SHAREDMEM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* gVisor's NewQueuePair defaults. */
#define SHAREDMEM_DEFAULT_DATA_LEN	(1u << 20)
#define SHAREDMEM_DEFAULT_PIPE_LEN	(64u << 10)
#define SHAREDMEM_DEFAULT_SHARED_LEN	4096u
#define SHAREDMEM_DEFAULT_BUFFER_SIZE	2048u
/* Largest packet an endpoint sends or accepts (bytes). */
#define SHAREDMEM_MAX_PACKET		(64u << 10)

/*
 * One queue's files, in gVisor's QueueConfig order: the fds travel in this
 * order (QueueConfig.FDs()). -1 marks an fd that is not open.
 */
struct sharedmem_queue_config {
	int data_fd;
	int event_fd;
	int tx_pipe_fd;
	int rx_pipe_fd;
	int shared_data_fd;
};

#define SHAREDMEM_CONFIG_FDS	5

struct sharedmem_pair_options {
	uint32_t size;		/* sizeof(struct sharedmem_pair_options) */
	uint32_t flags;		/* must be 0 */
	uint64_t data_len;	/* 0: 1 MiB */
	uint64_t pipe_len;	/* 0: 64 KiB; a multiple of 8, >= 64 */
	uint32_t buffer_size;	/* 0: 2048; only checked against data_len */
	uint32_t reserved;	/* must be 0 */
};

/* Sets every config fd to -1. */
void sharedmem_queue_config_init(struct sharedmem_queue_config *q);

/*
 * Allocates a TX and an RX config like gVisor's NewQueuePair: sealed
 * memfds (data, two pipes pre-initialised with the slot-free header, 4 KiB
 * shared data) and a non-blocking eventfd each. o may be NULL (defaults).
 * The caller owns the fds; an endpoint created from them takes them over.
 */
int sharedmem_queue_pair_create(const struct sharedmem_pair_options *o,
				struct sharedmem_queue_config *tx,
				struct sharedmem_queue_config *rx);

/*
 * One side's two configs of a device-backed pair. Each queue lives in one
 * /dev/flipcall window; each side holds only its own endpoint fd of it
 * (data_fd, with dups in the pipe and shared-data slots), so when one side
 * exits the kernel shows the other POLLHUP|POLLERR, and the memory,
 * charged to the creating user, is freed once both sides are gone.
 * Only our endpoints understand this layout; gVisor peers need the memfd
 * pair above.
 */
struct sharedmem_side_configs {
	struct sharedmem_queue_config tx;
	struct sharedmem_queue_config rx;
};

/* -ENODEV (or the open error) when /dev/flipcall is not there. */
int sharedmem_device_pair_create(const struct sharedmem_pair_options *o,
				 struct sharedmem_side_configs *client,
				 struct sharedmem_side_configs *server);

/* 1 when the config's memory is a /dev/flipcall window, 0 if not. */
int sharedmem_queue_config_is_device(const struct sharedmem_queue_config *q);

/* Closes every open fd and sets it to -1. */
void sharedmem_queue_config_close(struct sharedmem_queue_config *q);

/*
 * Passes a config's 5 fds in one SCM_RIGHTS message (payload: one byte) on
 * a unix socket; recv takes them over, or fails with -EPROTO (closing what
 * arrived) unless exactly 5 came.
 */
int sharedmem_queue_config_send(int sock,
				const struct sharedmem_queue_config *q);
int sharedmem_queue_config_recv(int sock, struct sharedmem_queue_config *q);

/* ---- endpoints ------------------------------------------------------- */

struct sharedmem_endpoint;

enum sharedmem_side {
	SHAREDMEM_CLIENT = 0,	/* sends on TX, receives on RX */
	SHAREDMEM_SERVER = 1,	/* receives on TX, sends on RX */
};

struct sharedmem_endpoint_options {
	uint32_t size;		/* sizeof(struct sharedmem_endpoint_options) */
	uint32_t flags;		/* must be 0 */
	uint32_t mtu;		/* largest packet; 0: SHAREDMEM_MAX_PACKET */
	int32_t peer_fd;	/* gVisor's PeerFD: readable or hung up when
				 * the peer is gone; -1 none. Taken over.
				 */
	uint32_t buffer_size;	/* client: 0: 2048 */
	uint32_t reserved;	/* must be 0 */
};

/*
 * Creates one side's endpoint from the pair's TX and RX configs. Takes
 * over their fds, also on failure: the caller must not close them. o may
 * be NULL.
 */
int sharedmem_endpoint_create(int side,
			      const struct sharedmem_queue_config *tx,
			      const struct sharedmem_queue_config *rx,
			      const struct sharedmem_endpoint_options *o,
			      struct sharedmem_endpoint **out);

/*
 * Queues one packet gathered from iov and rings the doorbell unless the
 * peer has switched notifications off. -EAGAIN: no room (client: no free
 * buffer or descriptor slot yet; server: not enough buffers posted by the
 * client) - nothing was queued; the peer does not notify when room comes
 * back, so retry later. -EMSGSIZE: longer than the MTU. -ENOBUFS (server):
 * the client's posted buffers were too small, the packet was dropped.
 * -ECONNRESET: the peer is gone (reported instead of -EAGAIN);
 * -ESHUTDOWN: this endpoint was shut down; -EPROTO: the peer damaged a
 * ring, the endpoint is dead.
 */
int sharedmem_endpoint_send(struct sharedmem_endpoint *ep,
			    const struct iovec *iov, int iovcnt);
/* Queues up to n packets, one doorbell; returns how many were queued
 * (0 < ret < n when room ran out), or a negative errno if none was.
 */
int sharedmem_endpoint_send_batch(struct sharedmem_endpoint *ep,
				  const struct iovec *const *pkts,
				  const int *iovcnts, int n);

/*
 * Zero-copy sending, one packet at a time. send_reserve takes the buffers
 * for a packet of up to size bytes (size <= the MTU) and points iov at
 * them: *iovcnt is in the capacity of iov (SHAREDMEM_MAX_IOV always
 * suffices), out the entries used; the caller writes the packet there.
 * Errors as send, and -EINVAL (bad arguments, or iov too short: nothing
 * reserved), -EBUSY (a reservation is already open; send and send_batch
 * also refuse with -EBUSY until it is committed or aborted).
 *
 * send_commit queues the first len bytes (len <= size; buffers a shorter
 * packet does not need are given back) and, unless flags has
 * SHAREDMEM_SEND_MORE, publishes everything committed so far and rings the
 * doorbell (as send_flush). -EINVAL: no reservation, len too long, unknown
 * flags (the reservation stays open). On -ESHUTDOWN/-EPROTO the
 * reservation is gone. send_abort gives a reservation back (-EINVAL if
 * there is none); it works after shutdown too. send_flush publishes
 * packets committed with SHAREDMEM_SEND_MORE; send and send_batch do too.
 */
#define SHAREDMEM_MAX_IOV	128
#define SHAREDMEM_SEND_MORE	0x1u
int sharedmem_endpoint_send_reserve(struct sharedmem_endpoint *ep,
				    size_t size, struct iovec *iov,
				    int *iovcnt);
int sharedmem_endpoint_send_commit(struct sharedmem_endpoint *ep, size_t len,
				   unsigned int flags);
int sharedmem_endpoint_send_abort(struct sharedmem_endpoint *ep);
int sharedmem_endpoint_send_flush(struct sharedmem_endpoint *ep);

/*
 * Receives one packet into buf; returns its length. -EAGAIN: none waiting;
 * notifications are then switched on, so rx_fd will wake the caller.
 * -EMSGSIZE: the packet was longer than len; it was dropped.
 */
ssize_t sharedmem_endpoint_recv(struct sharedmem_endpoint *ep, void *buf,
				size_t len);

/*
 * Calls fn for each waiting packet, at most max, with iov pointing into
 * the shared memory (valid only during the call; the peer can still write
 * there, so copy what must not change). A non-zero return from fn stops
 * after that packet. Returns the number of packets delivered, -EAGAIN as
 * recv when none was waiting.
 */
typedef int (*sharedmem_packet_fn)(const struct iovec *iov, int iovcnt,
				   size_t len, void *arg);
int sharedmem_endpoint_recv_batch(struct sharedmem_endpoint *ep,
				  sharedmem_packet_fn fn, void *arg, int max);

/*
 * An fd that polls readable when packets may be waiting (an epoll fd over
 * the doorbell eventfd and whatever tells of the peer's exit): after it
 * fires, call recv until -EAGAIN. Owned by the endpoint.
 */
int sharedmem_endpoint_rx_fd(struct sharedmem_endpoint *ep);
/*
 * Switches notifications on and empties the doorbell, before the caller
 * sleeps on rx_fd; returns 1 if a packet is already waiting.
 */
int sharedmem_endpoint_arm(struct sharedmem_endpoint *ep);
/*
 * gVisor's sleep protocol: returns 1 as soon as a packet is waiting
 * (sleeping with notifications on only if none is), 0 after timeout_ms
 * (-1: no limit), -ECONNRESET if the peer is gone, -ESHUTDOWN after
 * shutdown, -EINTR on a signal.
 */
int sharedmem_endpoint_wait(struct sharedmem_endpoint *ep, int timeout_ms);
/* 1 when the peer is known to be gone (device HUP or peer_fd), else 0. */
int sharedmem_endpoint_peer_gone(struct sharedmem_endpoint *ep);
/*
 * Stops the endpoint: later calls fail with -ESHUTDOWN, waiters wake up,
 * and on the device the peer sees POLLHUP. Safe from another thread.
 */
int sharedmem_endpoint_shutdown(struct sharedmem_endpoint *ep);
void sharedmem_endpoint_destroy(struct sharedmem_endpoint *ep);

struct sharedmem_stats {
	uint32_t size;			/* in: sizeof(struct sharedmem_stats) */
	uint32_t reserved;
	uint64_t tx_packets, tx_bytes;	/* queued by send */
	uint64_t rx_packets, rx_bytes;	/* delivered by recv */
	uint64_t notifications;		/* doorbell writes */
	uint64_t drops_bad_descriptor;	/* outside the data file, sizes
					 * that do not add up, overflow
					 */
	uint64_t drops_bad_completion;	/* id never sent, malformed slot */
	uint64_t drops_ring_damaged;	/* pipe header / wrap slot garbage */
	uint64_t drops_too_big;		/* longer than the MTU or buffer */
	uint64_t drops_no_buffers;	/* server: too few posted buffers */
	uint64_t tx_full;		/* sends refused with -EAGAIN */
};

/* Copies min(st->size, sizeof) bytes of the counters into st. */
int sharedmem_endpoint_stats(const struct sharedmem_endpoint *ep,
			     struct sharedmem_stats *st);

#ifdef __cplusplus
}
#endif

#endif /* FLIPCALL_SHAREDMEM_H */
