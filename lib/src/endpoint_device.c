// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Device transport: one FLIPCALL_IOC_HANDOFF per step. The kernel owns the
 * connection state, so the only thing we trust from the window is the
 * datagram itself; lengths come from the ioctl's recv_len.
 *
 * Spin and timeout use FLIPCALL_HANDOFF_NONBLOCK: the hand-off is made and
 * the call returns EAGAIN with the endpoint pending; we then spin on the
 * header's state word (a hint the kernel mirrors before it wakes us) or
 * poll the endpoint fd, and repeat the same op to collect recv_len. That
 * costs a second ioctl, so without spin or timeout we just block.
 *
 * The state word is only a hint: the peer can write it too. So after a
 * spin "hit" the op is repeated still non-blocking, and if control is not
 * in fact back we fall back to the wait bounded by timeout_ms; a blocking
 * hand-off there would let a scribbling peer hang us past the timeout.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <sys/ioctl.h>

#include "endpoint.h"

static int handoff_ioctl(struct flipcall_endpoint *ep, unsigned int op,
			 unsigned int flags, uint32_t send_len)
{
	struct flipcall_handoff h = {
		.op = op, .flags = flags, .send_len = send_len,
	};

	ep->stats.syscalls++;
	if (ioctl(ep->device_fd, FLIPCALL_IOC_HANDOFF, &h) < 0)
		return -errno;
	if (h.recv_len > ep->data_cap)
		return -EPROTO;
	return (int)h.recv_len;
}

static int state_hint_ready(const struct flipcall_endpoint *ep)
{
	uint32_t state = __atomic_load_n(ep_state_word(ep), __ATOMIC_ACQUIRE);

	return state != ep->inactive_state || ep_shutdown_locally(ep);
}

/* poll() takes an int of milliseconds: a longer wait goes in slices. */
int ep_poll_timeout_ms(uint64_t deadline, uint64_t now)
{
	uint64_t ms = (deadline - now + 999999) / 1000000;

	return ms > INT_MAX ? INT_MAX : (int)ms;
}

/* Sleep in poll until the endpoint is readable, hung up or out of time. */
static int poll_until_ready(struct flipcall_endpoint *ep, uint64_t deadline)
{
	struct pollfd pfd[2] = {
		{ .fd = ep->device_fd, .events = POLLIN },
		{ .fd = ep->opts.peer_fd, .events = POLLIN },
	};
	uint64_t now;
	int ret;

	for (;;) {
		now = ep_now_ns();
		if (now >= deadline)
			return -ETIMEDOUT;
		ep->stats.sleeps++;
		ep->stats.syscalls++;
		ret = poll(pfd, ep->opts.peer_fd >= 0 ? 2 : 1,
			   ep_poll_timeout_ms(deadline, now));
		if (ret < 0 && errno != EINTR)
			return -errno;
		if (ret > 0 && pfd[0].revents)
			return 0;
		if (ret > 0 && pfd[1].revents)
			return -ECONNRESET;
	}
}

/*
 * The hand-off is made and pending (EAGAIN): collect it without blocking
 * after a spin hit, then within the deadline (0: none, block below).
 * Returns -EAGAIN if it is still pending and there is no deadline.
 */
static int collect_pending(struct flipcall_endpoint *ep, unsigned int op,
			   uint32_t send_len, int spin, uint64_t deadline)
{
	int ret = -EAGAIN;

	if (spin && ep_spin(ep, state_hint_ready))
		ret = handoff_ioctl(ep, op, FLIPCALL_HANDOFF_NONBLOCK,
				    send_len);
	while (ret == -EAGAIN && deadline) {
		ret = poll_until_ready(ep, deadline);
		if (!ret)
			ret = handoff_ioctl(ep, op, FLIPCALL_HANDOFF_NONBLOCK,
					    send_len);
	}
	return ret;
}

/*
 * With spin or timeout: a non-blocking hand-off, then the bounded wait.
 * Returns -EAGAIN if it is still pending and the caller should block.
 * Out of line, like the retry below: device_handoff() then needs few
 * registers saved on its default path.
 */
static __attribute__((noinline)) int handoff_bounded(struct flipcall_endpoint *ep, unsigned int op,
			   uint32_t send_len)
{
	uint64_t deadline = 0;
	int ret, spin;

	spin = ep_spin_due(ep);
	if (ep->opts.timeout_ms)
		deadline = ep_now_ns() + ep->opts.timeout_ms * 1000000ULL;
	if (!spin && !deadline)
		return -EAGAIN;
	ret = handoff_ioctl(ep, op, FLIPCALL_HANDOFF_NONBLOCK, send_len);
	if (ret == -EAGAIN)
		ret = collect_pending(ep, op, send_len, spin, deadline);
	return ret;
}

/*
 * A blocking hand-off that returned ret < 0. EINTR leaves it pending; the
 * same op resumes it. So does EAGAIN from a file that is O_NONBLOCK (lisafs
 * donates every fd so, as gVisor does, and the module honours it): wait in
 * poll instead.
 */
static __attribute__((noinline)) int
handoff_blocking_retry(struct flipcall_endpoint *ep, unsigned int op,
		       uint32_t send_len, int ret)
{
	for (;;) {
		if (ret == -EAGAIN) {
			ret = poll_until_ready(ep, UINT64_MAX);
			if (!ret)
				ret = -EINTR;
		}
		if (ret != -EINTR || ep_shutdown_locally(ep))
			return ret;
		ret = handoff_ioctl(ep, op, 0, send_len);
		if (ret >= 0)
			return ret;
	}
}

/*
 * The default (no spin, no timeout: the wait mode is fixed at init) is one
 * blocking ioctl. This runs twice per round trip, so that path does not ask
 * the wait policy (which can only say "sleep" there) nor carry the slow
 * paths' state (Documentation/benchmarks.rst, "Part 3, second round").
 */
static int device_handoff(struct flipcall_endpoint *ep, unsigned int op,
			  uint32_t send_len)
{
	int ret;

	if (op != FLIPCALL_OP_RECV_FIRST)
		ep->stats.handoffs++;
	if (op != FLIPCALL_OP_SEND_LAST &&
	    (ep->wait.mode != WP_SLEEP || ep->opts.timeout_ms)) {
		ret = handoff_bounded(ep, op, send_len);
		if (ret != -EAGAIN)
			return ret;
	}
	ret = handoff_ioctl(ep, op, 0, send_len);
	if (ret >= 0)
		return ret;
	return handoff_blocking_retry(ep, op, send_len, ret);
}

static void device_end_connection(struct flipcall_endpoint *ep)
{
	ep->stats.syscalls++;
	ioctl(ep->device_fd, FLIPCALL_IOC_SHUTDOWN);
}

static void device_kick_waiter(struct flipcall_endpoint *ep)
{
	ioctl(ep->device_fd, FLIPCALL_IOC_SHUTDOWN);
}

const struct ep_transport ep_device_transport = {
	.id = FLIPCALL_TRANSPORT_DEVICE,
	.handoff = device_handoff,
	.end_connection = device_end_connection,
	.kick_waiter = device_kick_waiter,
};
