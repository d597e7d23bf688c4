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
 */
#include <errno.h>
#include <poll.h>
#include <sys/ioctl.h>

#include "endpoint.h"

#define SPIN_CLOCK_CHECK_EVERY	64

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

static int spin_on_hint(struct flipcall_endpoint *ep)
{
	uint64_t deadline = ep_now_ns() + ep->opts.spin_ns;
	unsigned int i;

	for (i = 1;; i++) {
		if (state_hint_ready(ep))
			return 1;
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
		if (i % SPIN_CLOCK_CHECK_EVERY == 0 && ep_now_ns() >= deadline)
			return 0;
	}
}

/* Sleep in poll until the endpoint is readable, hung up or out of time. */
static int poll_until_ready(struct flipcall_endpoint *ep)
{
	uint64_t deadline = ep_now_ns() + ep->opts.timeout_ms * 1000000ULL;
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
			   (int)((deadline - now + 999999) / 1000000));
		if (ret < 0 && errno != EINTR)
			return -errno;
		if (ret > 0 && pfd[0].revents)
			return 0;
		if (ret > 0 && pfd[1].revents)
			return -ECONNRESET;
	}
}

static int device_handoff(struct flipcall_endpoint *ep, unsigned int op,
			  uint32_t send_len)
{
	int ret, waits_differently;

	waits_differently = op != FLIPCALL_OP_SEND_LAST &&
			    (ep->opts.spin_ns || ep->opts.timeout_ms);
	if (op != FLIPCALL_OP_RECV_FIRST)
		ep->stats.handoffs++;
	if (waits_differently) {
		ret = handoff_ioctl(ep, op, FLIPCALL_HANDOFF_NONBLOCK,
				    send_len);
		if (ret != -EAGAIN)
			return ret;
		if (ep->opts.spin_ns && spin_on_hint(ep)) {
			ep->stats.spin_hits++;
		} else if (ep->opts.timeout_ms) {
			ret = poll_until_ready(ep);
			if (ret)
				return ret;
		}
	}
	/* EINTR leaves the hand-off pending; the same op resumes it. */
	do {
		ret = handoff_ioctl(ep, op, 0, send_len);
	} while (ret == -EINTR && !ep_shutdown_locally(ep));
	return ret;
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
