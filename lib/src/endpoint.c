// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Endpoint API: gVisor's flipcall call sequences (the "{}\n" handshake,
 * one operation at a time, shutdown from any thread) on top of a transport
 * that only knows how to hand control across (endpoint_futex.c,
 * endpoint_device.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "endpoint.h"
#include "export.h"
#include "sized.h"
#include "window.h"

/* Go's json.Encoder output for struct{}{}: the connection handshake. */
static const char handshake_msg[] = "{}\n";
#define HANDSHAKE_LEN	(sizeof(handshake_msg) - 1)

uint64_t ep_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int ep_peer_gone(const struct flipcall_endpoint *ep)
{
	struct pollfd pfd = { .fd = ep->opts.peer_fd, .events = POLLIN };

	if (ep->opts.peer_fd < 0)
		return 0;
	if (poll(&pfd, 1, 0) <= 0)
		return 0;
	return (pfd.revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL)) != 0;
}

FLIPCALL_EXPORT void
flipcall_endpoint_options_init(struct flipcall_endpoint_options *opts)
{
	if (!opts)
		return;
	memset(opts, 0, sizeof(*opts));
	opts->transport = FLIPCALL_TRANSPORT_AUTO;
	opts->peer_fd = -1;
}

static int options_valid(const struct flipcall_endpoint_options *opts)
{
	size_t i;

	if (opts->transport > FLIPCALL_TRANSPORT_DEVICE)
		return 0;
	if (opts->flags & ~(FLIPCALL_ENDPOINT_ALLOW_UNSEALED |
			     FLIPCALL_ENDPOINT_SPIN_NO_YIELD))
		return 0;
	if (opts->wait_policy > FLIPCALL_WAIT_SPIN)
		return 0;
	for (i = 0; i < sizeof(opts->reserved) / sizeof(opts->reserved[0]); i++)
		if (opts->reserved[i])
			return 0;
	return 1;
}

/*
 * A futex window must stay mapped for as long as we use it: the range has
 * to lie inside the file, and unless the caller opts out the file must be
 * sealed against shrinking, or the peer could truncate it under us.
 */
static int check_futex_window(const struct flipcall_window *window,
			      uint32_t flags)
{
	struct stat st;
	int seals;

	if (fstat(window->fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if (window->offset > (uint64_t)st.st_size ||
	    window->length > (uint64_t)st.st_size - window->offset)
		return -EINVAL;
	if (flags & FLIPCALL_ENDPOINT_ALLOW_UNSEALED)
		return 0;
	seals = fcntl(window->fd, F_GET_SEALS);
	if (seals < 0 || !(seals & F_SEAL_SHRINK))
		return -EPERM;
	return 0;
}

static int init_device(struct flipcall_endpoint *ep, int side,
		       const struct flipcall_window *window,
		       const struct flipcall_endpoint_info *info)
{
	int err;

	if (info->side != (uint32_t)side || window->offset != 0)
		return -EINVAL;
	if (window->length && window->length != info->window_len)
		return -EINVAL;
	ep->window_len = info->window_len;
	ep->device_fd = fcntl(window->fd, F_DUPFD_CLOEXEC, 0);
	if (ep->device_fd < 0)
		return -errno;
	err = window_map(ep->device_fd, 0, ep->window_len, &ep->window);
	if (err) {
		close(ep->device_fd);
		ep->device_fd = -1;
	}
	ep->transport = &ep_device_transport;
	return err;
}

static int init_futex(struct flipcall_endpoint *ep,
		      const struct flipcall_window *window)
{
	int err = check_futex_window(window, ep->opts.flags);

	if (err)
		return err;
	ep->window_len = window->length;
	ep->transport = &ep_futex_transport;
	return window_map(window->fd, window->offset, window->length,
			  &ep->window);
}

/* Device endpoint fd or not; any other error (EBADF...) is returned. */
static int probe_device(int fd, struct flipcall_endpoint_info *info)
{
	int err = flipcall_device_info(fd, info);

	if (err == -ENOTTY || err == -EINVAL)
		return 0;
	return err ? err : 1;
}

FLIPCALL_EXPORT int
flipcall_endpoint_init(struct flipcall_endpoint **out, int side,
		       const struct flipcall_window *window,
		       const struct flipcall_endpoint_options *opts)
{
	struct flipcall_endpoint_info info;
	struct flipcall_endpoint *ep;
	int is_device = 0, err;

	if (!out || !window || window->fd < 0)
		return -EINVAL;
	if (side != FLIPCALL_SIDE_CLIENT && side != FLIPCALL_SIDE_SERVER)
		return -EINVAL;
	if (opts && !options_valid(opts))
		return -EINVAL;
	ep = calloc(1, sizeof(*ep));
	if (!ep)
		return -ENOMEM;
	if (opts)
		ep->opts = *opts;
	else
		flipcall_endpoint_options_init(&ep->opts);
	ep->device_fd = -1;
	ep->side = side;
	ep->active_state = side == FLIPCALL_SIDE_CLIENT ?
		FLIPCALL_STATE_CLIENT_ACTIVE : FLIPCALL_STATE_SERVER_ACTIVE;
	ep->inactive_state = side == FLIPCALL_SIDE_CLIENT ?
		FLIPCALL_STATE_SERVER_ACTIVE : FLIPCALL_STATE_CLIENT_ACTIVE;

	if (ep->opts.transport != FLIPCALL_TRANSPORT_FUTEX) {
		is_device = probe_device(window->fd, &info);
		if (is_device < 0) {
			err = is_device;
			goto free_ep;
		}
	}
	if (ep->opts.transport == FLIPCALL_TRANSPORT_DEVICE && !is_device)
		err = -ENOTTY;
	else if (is_device)
		err = init_device(ep, side, window, &info);
	else
		err = init_futex(ep, window);
	if (err)
		goto free_ep;
	ep_wait_init(ep);
	ep->data_cap = ep->window_len - FLIPCALL_HEADER_BYTES > INT_MAX ?
		INT_MAX : (uint32_t)(ep->window_len - FLIPCALL_HEADER_BYTES);
	*out = ep;
	return 0;

free_ep:
	free(ep);
	return err;
}

FLIPCALL_EXPORT void flipcall_endpoint_destroy(struct flipcall_endpoint *ep)
{
	if (!ep)
		return;
	window_unmap(ep->window, ep->window_len);
	if (ep->device_fd >= 0)
		close(ep->device_fd);
	free(ep);
}

FLIPCALL_EXPORT void *flipcall_endpoint_data(const struct flipcall_endpoint *ep)
{
	return ep ? ep->window + FLIPCALL_HEADER_BYTES : NULL;
}

FLIPCALL_EXPORT uint32_t
flipcall_endpoint_data_cap(const struct flipcall_endpoint *ep)
{
	return ep ? ep->data_cap : 0;
}

FLIPCALL_EXPORT int
flipcall_endpoint_transport(const struct flipcall_endpoint *ep)
{
	return ep ? ep->transport->id : -EINVAL;
}

FLIPCALL_EXPORT int
flipcall_endpoint_stats(const struct flipcall_endpoint *ep,
			struct flipcall_endpoint_stats *stats)
{
	int ret;

	if (!ep)
		return -EINVAL;
	ret = sized_check(stats, sizeof(*stats));
	if (ret)
		return ret;
	sized_copy_out(stats, &ep->stats, sizeof(*stats));
	return 0;
}

/*
 * One operation at a time per endpoint: gVisor panics on concurrent use,
 * we answer EBUSY. A local shutdown makes every later operation fail. The
 * BLOCKED bit is taken with a CAS, so a refused caller never touches the
 * word (an add and undo would briefly look like the SHUTDOWN bit to the
 * operation in progress).
 */
static int enter_operation(struct flipcall_endpoint *ep)
{
	uint32_t ctrl = __atomic_load_n(&ep->ctrl, __ATOMIC_ACQUIRE);

	do {
		if (ctrl & EP_CTRL_SHUTDOWN)
			return -ESHUTDOWN;
		if (ctrl & EP_CTRL_BLOCKED)
			return -EBUSY;
	} while (!__atomic_compare_exchange_n(&ep->ctrl, &ctrl,
					      ctrl | EP_CTRL_BLOCKED, 0,
					      __ATOMIC_ACQ_REL,
					      __ATOMIC_ACQUIRE));
	return 0;
}

static void exit_operation(struct flipcall_endpoint *ep)
{
	/*
	 * We hold BLOCKED, so subtracting it clears exactly that bit: one
	 * fetch-and-add, where an and-and-fetch needs a compare-exchange loop.
	 */
	uint32_t ctrl = __atomic_sub_fetch(&ep->ctrl, EP_CTRL_BLOCKED,
					   __ATOMIC_ACQ_REL);

	/* Shutdown arrived while we were blocked and left this to us. */
	if (ctrl == EP_CTRL_SHUTDOWN)
		ep->transport->end_connection(ep);
}

static enum ep_phase get_phase(const struct flipcall_endpoint *ep)
{
	return __atomic_load_n(&ep->phase, __ATOMIC_ACQUIRE);
}

static void set_phase(struct flipcall_endpoint *ep, enum ep_phase phase)
{
	__atomic_store_n(&ep->phase, phase, __ATOMIC_RELEASE);
}

/*
 * Run one transport step; failures end the endpoint. The caller holds the
 * operation (enter_operation) across all the steps of its call, and sets
 * the phase before it lets go, so no other call sees a half-done one.
 */
static int run_step(struct flipcall_endpoint *ep, unsigned int op,
		    uint32_t send_len)
{
	int ret = ep->transport->handoff(ep, op, send_len);

	if (ret < 0)
		set_phase(ep, EP_DONE);
	return ret;
}

/*
 * Go decodes the handshake into struct{}: any JSON object will do. ret is
 * the handshake step's result; a bad handshake ends the endpoint.
 */
static int check_handshake(struct flipcall_endpoint *ep, int ret)
{
	const unsigned char *data = ep->window + FLIPCALL_HEADER_BYTES;
	int i;

	for (i = 0; i < ret; i++) {
		if (data[i] == '{')
			return 0;
		if (!strchr(" \t\r\n", data[i]))
			break;
	}
	if (ret < 0)
		return ret;
	set_phase(ep, EP_DONE);
	return -EPROTO;
}

static void write_handshake(struct flipcall_endpoint *ep)
{
	memcpy(ep->window + FLIPCALL_HEADER_BYTES, handshake_msg,
	       HANDSHAKE_LEN);
}

/* Inlined, like begin_call(): both run on every call. */
static inline int check_call(const struct flipcall_endpoint *ep, int side,
			     enum ep_phase phase)
{
	if (!ep)
		return -EINVAL;
	if (side >= 0 && ep->side != side)
		return -EINVAL;
	if (get_phase(ep) != phase)
		return ep_shutdown_locally(ep) ? -ESHUTDOWN : -EPROTO;
	return 0;
}

/*
 * enter_operation() after the caller's check_call(): the phase is checked
 * again once we own the endpoint, since another call may have moved it
 * meanwhile.
 */
static inline int begin_call(struct flipcall_endpoint *ep, int side,
			     enum ep_phase phase)
{
	int ret = enter_operation(ep);

	if (ret)
		return ret;
	ret = check_call(ep, side, phase);
	if (ret)
		exit_operation(ep);
	return ret;
}

/* Ends a call begun with begin_call(): the phase, then the endpoint. */
static int end_call(struct flipcall_endpoint *ep, int ret,
		    enum ep_phase next_phase)
{
	if (ret >= 0)
		set_phase(ep, next_phase);
	exit_operation(ep);
	return ret;
}

FLIPCALL_EXPORT int flipcall_endpoint_connect(struct flipcall_endpoint *ep)
{
	int ret = check_call(ep, FLIPCALL_SIDE_CLIENT, EP_NEW);

	if (ret)
		return ret;
	if (ep->data_cap < HANDSHAKE_LEN)
		return -EMSGSIZE;
	ret = begin_call(ep, FLIPCALL_SIDE_CLIENT, EP_NEW);
	if (ret)
		return ret;
	write_handshake(ep);
	ret = run_step(ep, FLIPCALL_OP_CONNECT, HANDSHAKE_LEN);
	ret = check_handshake(ep, ret);
	return end_call(ep, ret, EP_OPEN);
}

/*
 * Both steps (take the handshake, answer it and wait for the first
 * datagram) run inside one operation: a send_recv racing with us is
 * refused throughout instead of answering the client's handshake itself.
 */
FLIPCALL_EXPORT int flipcall_endpoint_recv_first(struct flipcall_endpoint *ep)
{
	int ret = check_call(ep, FLIPCALL_SIDE_SERVER, EP_NEW);

	if (ret)
		return ret;
	if (ep->data_cap < HANDSHAKE_LEN)
		return -EMSGSIZE;
	ret = begin_call(ep, FLIPCALL_SIDE_SERVER, EP_NEW);
	if (ret)
		return ret;
	ret = check_handshake(ep, run_step(ep, FLIPCALL_OP_RECV_FIRST, 0));
	if (!ret) {
		write_handshake(ep);
		ret = run_step(ep, FLIPCALL_OP_SEND_RECV, HANDSHAKE_LEN);
	}
	return end_call(ep, ret, EP_OPEN);
}

/* A data hand-off on an open endpoint: send_recv or send_last. */
static int send_step(struct flipcall_endpoint *ep, unsigned int op,
		     uint32_t len, enum ep_phase next_phase)
{
	int ret = check_call(ep, -1, EP_OPEN);

	if (ret)
		return ret;
	if (len > ep->data_cap)
		return -EMSGSIZE;
	ret = begin_call(ep, -1, EP_OPEN);
	if (ret)
		return ret;
	return end_call(ep, run_step(ep, op, len), next_phase);
}

FLIPCALL_EXPORT int flipcall_endpoint_send_recv(struct flipcall_endpoint *ep,
						uint32_t len)
{
	return send_step(ep, FLIPCALL_OP_SEND_RECV, len, EP_OPEN);
}

FLIPCALL_EXPORT int flipcall_endpoint_send_last(struct flipcall_endpoint *ep,
						uint32_t len)
{
	int ret = send_step(ep, FLIPCALL_OP_SEND_LAST, len, EP_DONE);

	return ret < 0 ? ret : 0;
}

FLIPCALL_EXPORT int flipcall_endpoint_shutdown(struct flipcall_endpoint *ep)
{
	uint32_t old;

	if (!ep)
		return -EINVAL;
	if (__atomic_exchange_n(&ep->shutdown_requested, 1, __ATOMIC_ACQ_REL))
		return 0;
	old = __atomic_fetch_or(&ep->ctrl, EP_CTRL_SHUTDOWN, __ATOMIC_ACQ_REL);
	if (!(old & EP_CTRL_BLOCKED)) {
		ep->transport->end_connection(ep);
		return 0;
	}
	/* The blocked thread ends the connection on its way out. */
	while (__atomic_load_n(&ep->ctrl, __ATOMIC_ACQUIRE) & EP_CTRL_BLOCKED) {
		ep->transport->kick_waiter(ep);
		sched_yield();
	}
	return 0;
}
