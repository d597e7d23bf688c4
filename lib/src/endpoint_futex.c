// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * gVisor's futex protocol on the window's state word, so that a Go
 * endpoint can be the peer: pass control with CAS(active -> inactive) and a
 * shared FUTEX_WAKE, wait with a shared FUTEX_WAIT until the word says our
 * side is active, end the connection by storing FLIPCALL_STATE_SHUTDOWN.
 * Shared (not PRIVATE) futexes, because the peer is another process and
 * because a private wake never reaches a shared waiter.
 *
 * The protocol cannot tell a dead peer from a slow one; the timeout and the
 * peer liveness fd in the options are our additions for that.
 */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "endpoint.h"

#define DEFAULT_LIVENESS_INTERVAL_MS	100

static long futex(uint32_t *word, int op, uint32_t val,
		  const struct timespec *timeout)
{
	return syscall(SYS_futex, word, op, val, timeout, NULL, 0);
}

static void wake_peer(struct flipcall_endpoint *ep, uint32_t count)
{
	ep->stats.syscalls++;
	futex(ep_state_word(ep), FUTEX_WAKE, count, NULL);
}

static int set_peer_active(struct flipcall_endpoint *ep)
{
	uint32_t expected = ep->active_state;

	if (__atomic_compare_exchange_n(ep_state_word(ep), &expected,
					ep->inactive_state, 0,
					__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		return 0;
	return expected == FLIPCALL_STATE_SHUTDOWN ? -ESHUTDOWN : -EPROTO;
}

/* 1: our turn; 0: still the peer's; negative: shutdown or garbage. */
static int classify_state(const struct flipcall_endpoint *ep, uint32_t state)
{
	if (state == ep->active_state)
		return 1;
	if (state == ep->inactive_state)
		return ep_shutdown_locally(ep) ? -ESHUTDOWN : 0;
	return state == FLIPCALL_STATE_SHUTDOWN ? -ESHUTDOWN : -EPROTO;
}

static int futex_ready(const struct flipcall_endpoint *ep)
{
	return classify_state(ep, __atomic_load_n(ep_state_word(ep),
						  __ATOMIC_ACQUIRE));
}

/* How long one FUTEX_WAIT may sleep before we look at the clock/peer fd. */
static int next_sleep(const struct flipcall_endpoint *ep, uint64_t deadline,
		      struct timespec *ts)
{
	uint64_t slice = UINT64_MAX, now;

	if (ep->opts.peer_fd >= 0)
		slice = (uint64_t)(ep->opts.liveness_interval_ms ?
				   ep->opts.liveness_interval_ms :
				   DEFAULT_LIVENESS_INTERVAL_MS) * 1000000ULL;
	if (deadline) {
		now = ep_now_ns();
		if (now >= deadline)
			return -ETIMEDOUT;
		if (deadline - now < slice)
			slice = deadline - now;
	}
	if (slice == UINT64_MAX)
		return 0;
	ts->tv_sec = (time_t)(slice / 1000000000ULL);
	ts->tv_nsec = (long)(slice % 1000000000ULL);
	return 1;
}

static int wait_until_active(struct flipcall_endpoint *ep)
{
	uint64_t deadline = 0;
	struct timespec ts;
	int ret, timed, spun;

	spun = ep_spin_due(ep);
	ret = spun ? ep_spin(ep, futex_ready) : 0;
	if (ret)
		return ret < 0 ? ret : 0;
	if (ep->opts.timeout_ms)
		deadline = ep_now_ns() + ep->opts.timeout_ms * 1000000ULL;
	for (;;) {
		ret = futex_ready(ep);
		if (ret > 0 && spun)
			ep_spin_missed_wait_done(ep);
		if (ret)
			return ret < 0 ? ret : 0;
		if (ep_peer_gone(ep))
			return -ECONNRESET;
		timed = next_sleep(ep, deadline, &ts);
		if (timed < 0)
			return timed;
		ep->stats.sleeps++;
		ep->stats.syscalls++;
		/* EAGAIN (word changed), EINTR and ETIMEDOUT all re-check. */
		futex(ep_state_word(ep), FUTEX_WAIT, ep->inactive_state,
		      timed ? &ts : NULL);
	}
}

static int futex_handoff(struct flipcall_endpoint *ep, unsigned int op,
			 uint32_t send_len)
{
	uint32_t recv_len;
	int ret;

	if (op != FLIPCALL_OP_RECV_FIRST) {
		/* Published by the CAS below, as in gVisor. */
		*ep_data_len_word(ep) = send_len;
		ret = set_peer_active(ep);
		if (ret)
			return ret;
		ep->stats.handoffs++;
		wake_peer(ep, 1);
		if (op == FLIPCALL_OP_SEND_LAST)
			return 0;
	}
	ret = wait_until_active(ep);
	if (ret)
		return ret;
	recv_len = __atomic_load_n(ep_data_len_word(ep), __ATOMIC_RELAXED);
	if (recv_len > ep->data_cap)
		return -EPROTO;
	return (int)recv_len;
}

static void futex_end_connection(struct flipcall_endpoint *ep)
{
	uint32_t old = __atomic_exchange_n(ep_state_word(ep),
					   FLIPCALL_STATE_SHUTDOWN,
					   __ATOMIC_SEQ_CST);

	/* The peer sleeps only while we are active; otherwise it will see
	 * the shutdown at its next CAS.
	 */
	if (old == ep->active_state)
		wake_peer(ep, 1);
}

/* Runs on the shutdown thread: leaves the stats to the operating thread. */
static void futex_kick_waiter(struct flipcall_endpoint *ep)
{
	futex(ep_state_word(ep), FUTEX_WAKE, INT_MAX, NULL);
}

const struct ep_transport ep_futex_transport = {
	.id = FLIPCALL_TRANSPORT_FUTEX,
	.handoff = futex_handoff,
	.end_connection = futex_end_connection,
	.kick_waiter = futex_kick_waiter,
};
