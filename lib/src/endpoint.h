/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Internals shared by the endpoint API (endpoint.c) and its two transports.
 * The protocol sequences (handshake, phases, local shutdown bookkeeping) live
 * in endpoint.c; a transport only moves control across with handoff().
 */
#ifndef FLIPCALL_ENDPOINT_H
#define FLIPCALL_ENDPOINT_H

#include <stdint.h>
#include <flipcall/flipcall.h>

#include "wait_policy.h"

/* Local control word bits (gVisor's epsBlocked / epsShutdown). */
#define EP_CTRL_BLOCKED		1U
#define EP_CTRL_SHUTDOWN	2U

enum ep_phase { EP_NEW, EP_OPEN, EP_DONE };

struct flipcall_endpoint;

struct ep_transport {
	int id;			/* enum flipcall_transport */
	/*
	 * Do one FLIPCALL_OP_* step: unless RECV_FIRST, hand send_len bytes
	 * and control to the peer; unless SEND_LAST, wait for control to come
	 * back. Returns the peer's datagram length (checked against data_cap)
	 * or a negative errno.
	 */
	int (*handoff)(struct flipcall_endpoint *ep, unsigned int op,
		       uint32_t send_len);
	/* End the connection as seen by the peer (gVisor's shutdownConn). */
	void (*end_connection)(struct flipcall_endpoint *ep);
	/* Make a thread blocked in handoff() re-check the local shutdown bit. */
	void (*kick_waiter)(struct flipcall_endpoint *ep);
};

struct flipcall_endpoint {
	const struct ep_transport *transport;
	unsigned char *window;
	uint64_t window_len;
	uint32_t data_cap;
	uint32_t active_state;		/* header state meaning "our turn" */
	uint32_t inactive_state;
	int side;
	int device_fd;			/* device transport only, else -1 */
	enum ep_phase phase;
	uint32_t ctrl;			/* EP_CTRL_*, atomic */
	uint32_t shutdown_requested;	/* atomic, makes shutdown idempotent */
	struct flipcall_endpoint_options opts;
	struct flipcall_endpoint_stats stats;
	struct wait_policy wait;
	int spin_yield;			/* sched_yield() inside a spin */
	uint32_t spin_budget;		/* of the wait in progress (ns) */
	uint64_t wait_start_ns;		/* when a spin that missed began */
};

extern const struct ep_transport ep_futex_transport;
extern const struct ep_transport ep_device_transport;

static inline uint32_t *ep_state_word(const struct flipcall_endpoint *ep)
{
	return (uint32_t *)ep->window;
}

static inline uint32_t *ep_data_len_word(const struct flipcall_endpoint *ep)
{
	return (uint32_t *)(ep->window + 4);
}

static inline int ep_shutdown_locally(const struct flipcall_endpoint *ep)
{
	return __atomic_load_n(&ep->ctrl, __ATOMIC_ACQUIRE) & EP_CTRL_SHUTDOWN;
}

/* Nanoseconds on CLOCK_MONOTONIC, for spin and timeout budgets. */
uint64_t ep_now_ns(void);
/* endpoint_wait.c: the wait policy from opts, once the transport is set. */
void ep_wait_init(struct flipcall_endpoint *ep);
/* Whether this wait should spin: the policy gave it a budget. */
int ep_spin_due(struct flipcall_endpoint *ep);
/*
 * Busy-poll ready(ep) for up to that budget: its first non-zero result,
 * or 0 if the budget ran out. Call only when ep_spin_due() said so.
 */
int ep_spin(struct flipcall_endpoint *ep,
	    int (*ready)(const struct flipcall_endpoint *ep));
/* A wait whose spin ran out has control back: tell the policy how long
 * the whole wait took.
 */
void ep_spin_missed_wait_done(struct flipcall_endpoint *ep);
/* endpoint_device.c: poll()'s timeout for the time left until deadline. */
int ep_poll_timeout_ms(uint64_t deadline, uint64_t now);
/* 1 if opts->peer_fd says the peer is gone, else 0. */
int ep_peer_gone(const struct flipcall_endpoint *ep);

#endif
