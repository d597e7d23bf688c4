/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libflipcall endpoints: synchronous hand-off IPC over a shared packet
 * window, wire-compatible with gVisor's pkg/flipcall.
 *
 * Every function returns 0 or a non-negative length on success and a
 * negative errno on failure; none aborts or exits because of what a peer
 * did. Documentation/library.rst and the flipcall_*(3) man pages hold the
 * full contract.
 */
#ifndef FLIPCALL_FLIPCALL_H
#define FLIPCALL_FLIPCALL_H

#include <stddef.h>
#include <stdint.h>
#include <linux/flipcall.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes before the datagram in every packet window (gVisor's header). */
#define FLIPCALL_HEADER_BYTES	FLIPCALL_PACKET_HEADER_BYTES

/*
 * Where a packet window lives: a range of a file both peers can mmap. For
 * the futex transport that is a memfd range; for the device transport the
 * fd is a device endpoint fd, offset is 0 and length is the window length
 * (or 0 for "all of it").
 */
struct flipcall_window {
	int fd;
	uint64_t offset;
	uint64_t length;
};

/* Window length (page rounded) whose datagram holds data_cap bytes. */
uint64_t flipcall_window_len_for_data_cap(uint64_t data_cap);

/*
 * memfd window allocator, like gVisor's PacketWindowAllocator: one sealed
 * memfd (F_SEAL_SHRINK | F_SEAL_SEAL) that grows by doubling; windows are
 * page aligned and live until the allocator is destroyed.
 */
struct flipcall_window_allocator;

int flipcall_window_allocator_create(struct flipcall_window_allocator **out);
/* The returned window's fd is the allocator's memfd: borrowed, not dup'ed. */
int flipcall_window_allocator_alloc(struct flipcall_window_allocator *alloc,
				    uint64_t length,
				    struct flipcall_window *window);
int flipcall_window_allocator_fd(const struct flipcall_window_allocator *alloc);
void flipcall_window_allocator_destroy(struct flipcall_window_allocator *alloc);

/*
 * /dev/flipcall connection: two endpoint fds (O_CLOEXEC) sharing a window
 * of window_len bytes. With FLIPCALL_DEVICE_SPIN the kernel spins up to
 * spin_ns (0: module default) before it sleeps in a hand-off. The caller
 * owns both fds.
 */
#define FLIPCALL_DEVICE_SPIN	(1U << 0)

int flipcall_device_create(uint64_t window_len, unsigned int flags,
			   uint32_t spin_ns, struct flipcall_window *client,
			   struct flipcall_window *server);
/* FLIPCALL_IOC_INFO; -ENOTTY when fd is not a device endpoint. */
int flipcall_device_info(int fd, struct flipcall_endpoint_info *info);

enum flipcall_transport {
	FLIPCALL_TRANSPORT_AUTO = 0,	/* device endpoint fd -> device */
	FLIPCALL_TRANSPORT_FUTEX = 1,	/* gVisor's futex protocol */
	FLIPCALL_TRANSPORT_DEVICE = 2,	/* FLIPCALL_IOC_HANDOFF */
};

/* flipcall_endpoint_options.flags */
/* Accept a futex window whose file lacks F_SEAL_SHRINK (a peer could then
 * truncate it and make our accesses fault with SIGBUS).
 */
#define FLIPCALL_ENDPOINT_ALLOW_UNSEALED	(1U << 0)
/* Spin with pause instructions only; by default a spin also yields the CPU
 * now and then, so that a peer waiting to run on our CPU answers at once.
 */
#define FLIPCALL_ENDPOINT_SPIN_NO_YIELD		(1U << 1)

/*
 * flipcall_endpoint_options.wait_policy: what a wait does before it sleeps
 * (Documentation/library.rst, "Waiting"). The wire protocol is the same in
 * every policy; only our side's CPU use and latency differ.
 */
enum flipcall_wait_policy {
	/* ADAPTIVE on the futex transport; on the device transport ADAPTIVE
	 * if spin_ns is set, else SLEEP. The environment variable
	 * FLIPCALL_WAIT_POLICY=adaptive|sleep|spin overrides this default.
	 */
	FLIPCALL_WAIT_DEFAULT = 0,
	/* Spin for a learned budget of at most spin_ns, then sleep. */
	FLIPCALL_WAIT_ADAPTIVE = 1,
	/* Never spin: sleep at once, like gVisor. */
	FLIPCALL_WAIT_SLEEP = 2,
	/* Spin for spin_ns on every wait, then sleep. */
	FLIPCALL_WAIT_SPIN = 3,
};

/* Spin cap of ADAPTIVE and SPIN when spin_ns is 0: about what a sleep and
 * a cross-CPU wake-up cost, so spinning never costs more than twice that.
 */
#define FLIPCALL_WAIT_DEFAULT_SPIN_NS	50000

struct flipcall_endpoint_options {
	uint32_t transport;	/* enum flipcall_transport */
	uint32_t flags;		/* FLIPCALL_ENDPOINT_* */
	/* Most a wait spins before it sleeps (wait_policy; 0: the policy's
	 * default, FLIPCALL_WAIT_DEFAULT_SPIN_NS).
	 */
	uint32_t spin_ns;
	/* Give up a wait after timeout_ms with -ETIMEDOUT (0: wait forever). */
	uint32_t timeout_ms;
	/* Peer liveness: an fd that turns readable or hangs up when the peer
	 * is gone (a pidfd, or a pipe/socket only the peer holds the other
	 * end of); a wait then fails with -ECONNRESET. -1: none.
	 */
	int32_t peer_fd;
	/* How often a sleeping futex wait checks peer_fd (0: 100 ms). */
	uint32_t liveness_interval_ms;
	uint32_t wait_policy;	/* enum flipcall_wait_policy */
	uint32_t reserved[3];	/* must be 0 */
};

/*
 * Counters for benchmarks and diagnostics (per endpoint, never reset).
 * Set size to sizeof(struct flipcall_endpoint_stats) and the rest to 0.
 */
struct flipcall_endpoint_stats {
	size_t size;		/* in: sizeof(struct flipcall_endpoint_stats) */
	uint64_t handoffs;	/* control passed to the peer */
	uint64_t syscalls;	/* system calls made by hand-offs and waits */
	uint64_t sleeps;	/* waits that went to sleep */
	uint64_t spin_hits;	/* waits that ended while spinning */
};

struct flipcall_endpoint;

void flipcall_endpoint_options_init(struct flipcall_endpoint_options *opts);

/*
 * side is FLIPCALL_SIDE_CLIENT or FLIPCALL_SIDE_SERVER. The window's fd
 * stays the caller's (the endpoint keeps a mapping, and for the device
 * transport a dup of the fd). opts may be NULL for the defaults.
 */
int flipcall_endpoint_init(struct flipcall_endpoint **out, int side,
			   const struct flipcall_window *window,
			   const struct flipcall_endpoint_options *opts);
void flipcall_endpoint_destroy(struct flipcall_endpoint *ep);

void *flipcall_endpoint_data(const struct flipcall_endpoint *ep);
uint32_t flipcall_endpoint_data_cap(const struct flipcall_endpoint *ep);
/* The transport in use: FLIPCALL_TRANSPORT_FUTEX or _DEVICE. */
int flipcall_endpoint_transport(const struct flipcall_endpoint *ep);
int flipcall_endpoint_stats(const struct flipcall_endpoint *ep,
			    struct flipcall_endpoint_stats *stats);

/* Client, first call: the "{}\n" handshake. Returns 0. */
int flipcall_endpoint_connect(struct flipcall_endpoint *ep);
/* Server, first call: returns the length of the first real datagram. */
int flipcall_endpoint_recv_first(struct flipcall_endpoint *ep);
/* Send len bytes of data, wait for the reply; returns its length. */
int flipcall_endpoint_send_recv(struct flipcall_endpoint *ep, uint32_t len);
/* Send len bytes and return at once; only shutdown/destroy may follow. */
int flipcall_endpoint_send_last(struct flipcall_endpoint *ep, uint32_t len);
/* End the connection; any thread, any time, idempotent. Returns 0. */
int flipcall_endpoint_shutdown(struct flipcall_endpoint *ep);

#ifdef __cplusplus
}
#endif

#endif /* FLIPCALL_FLIPCALL_H */
