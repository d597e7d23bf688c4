/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The packet transport between two flipcall-nic processes. The bridge moves
 * frames between the TAP device and one of these, so the same forwarding
 * core runs over the sharedmem queues and over a plain SOCK_SEQPACKET
 * socketpair (the benchmark's baseline).
 *
 * Setup runs over the control socket: the server allocates the transport
 * and passes its fds to the client, which adopts them. Operations return a
 * count, 0 when nothing could be done now, or a negative errno; -EPIPE
 * means the peer is gone.
 */
#ifndef FLIPCALL_NIC_TRANSPORT_H
#define FLIPCALL_NIC_TRANSPORT_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "stats.h"

enum nic_side { NIC_CLIENT, NIC_SERVER };

/* Queue memory from memfds even where /dev/flipcall could provide it. */
#define NIC_TRANSPORT_MEMFD	0x1

struct nic_transport_params {
	enum nic_side side;
	unsigned int flags;
	int ctrl_fd;		/* connected SOCK_SEQPACKET; stays ours */
	size_t frame_max;	/* largest frame either way, headers included */
};

/* A frame handed over by recv_batch; it lives until the callback returns. */
typedef int (*nic_frame_fn)(const struct iovec *iov, int iovcnt, size_t len,
			    void *arg);

struct nic_transport;

struct nic_transport_ops {
	const char *name;
	int (*create)(const struct nic_transport_params *p,
		      struct nic_transport **out);
	/* What the transport runs on, for the start-up message. */
	const char *(*describe)(struct nic_transport *t);
	/* Largest frame the transport can carry (for --mtu checks). */
	size_t (*frame_limit)(void);
	/* Queue frames[0..n) in order, one doorbell; returns how many went. */
	int (*send_batch)(struct nic_transport *t, const struct iovec *frames,
			  int n);
	/*
	 * Optional (NULL: the bridge copies frames into send_batch). Point
	 * iov (*iovcnt entries in, used out) at transport memory for one
	 * frame of up to size bytes: 1, 0 (no room now), or a negative
	 * errno. commit queues its first len bytes (more: publish later, in
	 * flush); abort gives the reservation back; flush publishes what
	 * was committed and rings the doorbell.
	 */
	int (*reserve)(struct nic_transport *t, size_t size, struct iovec *iov,
		       int *iovcnt);
	int (*commit)(struct nic_transport *t, size_t len, int more);
	void (*abort)(struct nic_transport *t);
	int (*flush)(struct nic_transport *t);
	/* Pass up to max waiting frames to fn; returns how many. */
	int (*recv_batch)(struct nic_transport *t, nic_frame_fn fn, void *arg,
			  int max);
	/*
	 * About to sleep: enable notifications and fill in what to poll for
	 * incoming frames. Returns 1 if frames arrived meanwhile (do not
	 * sleep), 0, or a negative errno. The next recv_batch that finds
	 * frames switches notifications off again.
	 */
	int (*arm)(struct nic_transport *t, struct pollfd *rx);
	/*
	 * The send side was full: fill in a pollfd that becomes ready when
	 * there is room, or return 0 if there is none to wait on (then the
	 * caller retries after a short sleep).
	 */
	int (*tx_wait)(struct nic_transport *t, struct pollfd *pfd);
	/* 1 when the transport itself knows the peer is gone. */
	int (*peer_gone)(struct nic_transport *t);
	/* Add the transport's own counters (drops it saw) to st. */
	void (*stats)(struct nic_transport *t, struct nic_stats *st);
	void (*destroy)(struct nic_transport *t);
};

/* NULL if there is no transport of that name in this build. */
const struct nic_transport_ops *nic_transport_find(const char *name);
/* "sharedmem socketpair": this build's transports, the default first. */
const char *nic_transport_names(void);

extern const struct nic_transport_ops nic_transport_socketpair;
extern const struct nic_transport_ops nic_transport_sharedmem;

#endif
