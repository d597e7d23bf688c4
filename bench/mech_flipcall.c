// SPDX-License-Identifier: GPL-2.0
/*
 * The flipcall mechanisms: the raw wake-peer ioctl (with and without the
 * kernel's spin), gVisor's futex protocol written out by hand with no
 * library (the baseline every ratio is against), and libflipcall on both
 * of its transports.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bench.h"

#define WINDOW_LEN	8192	/* a 4 KiB payload plus the header */

/* Raw FLIPCALL_IOC_HANDOFF */

static int ioctl_setup(const struct mechanism *m, struct mech_state *st)
{
	struct flipcall_create c = {
		.window_len = WINDOW_LEN,
		.flags = FLIPCALL_CREATE_CLOEXEC | m->create_flags,
	};
	int dev = open(FLIPCALL_DEVICE_PATH, O_RDWR | O_CLOEXEC), err = 0;

	if (dev < 0)
		return -errno;
	if (ioctl(dev, FLIPCALL_IOC_CREATE, &c) < 0)
		err = -errno;
	close(dev);
	st->fds[BENCH_CLIENT] = c.client_fd;
	st->fds[BENCH_SERVER] = c.server_fd;
	return err;
}

/* Map a window; the payload goes where the datagram starts. */
static int map_window(struct mech_state *st, int fd)
{
	void *w = mmap(NULL, WINDOW_LEN, PROT_READ | PROT_WRITE, MAP_SHARED,
		       fd, 0);

	if (w == MAP_FAILED)
		return -errno;
	st->shared = w;
	st->shared_len = WINDOW_LEN;
	st->buf = st->shared + FLIPCALL_PACKET_HEADER_BYTES;
	return 0;
}

static int ioctl_open_side(const struct mechanism *m, struct mech_state *st)
{
	(void)m;
	close(st->fds[!st->side]);
	return map_window(st, st->fds[st->side]);
}

static int handoff(struct mech_state *st, unsigned int op, uint32_t len)
{
	struct flipcall_handoff h = { .op = op, .send_len = len };

	st->syscalls++;
	if (ioctl(st->fds[st->side], FLIPCALL_IOC_HANDOFF, &h) < 0)
		return -errno;
	return (int)h.recv_len;
}

static int ioctl_client_call(struct mech_state *st, uint32_t len)
{
	unsigned int op = st->started ? FLIPCALL_OP_SEND_RECV :
					FLIPCALL_OP_CONNECT;

	st->started = 1;
	return handoff(st, op, len);
}

static int ioctl_server_first(struct mech_state *st)
{
	return handoff(st, FLIPCALL_OP_RECV_FIRST, 0);
}

static int ioctl_server_reply(struct mech_state *st, uint32_t len)
{
	return handoff(st, FLIPCALL_OP_SEND_RECV, len);
}

static int ioctl_server_last(struct mech_state *st, uint32_t len)
{
	return handoff(st, FLIPCALL_OP_SEND_LAST, len);
}

static int own_fd(struct mech_state *st)
{
	return st->fds[st->side];
}

static void unmap_and_close(struct mech_state *st)
{
	munmap(st->shared, st->shared_len);
	close(st->fds[st->side]);
}

/* gVisor's futex protocol by hand: state word at 0, length at 4. */

static int futex_setup(const struct mechanism *m, struct mech_state *st)
{
	int fd = memfd_create("bench-futex", MFD_CLOEXEC), err;

	(void)m;
	if (fd < 0 || ftruncate(fd, WINDOW_LEN) < 0)
		return -errno;
	/* Mapped before fork: both processes share this mapping. */
	err = map_window(st, fd);
	close(fd);
	return err;
}

static int futex_open_side(const struct mechanism *m, struct mech_state *st)
{
	(void)m;
	(void)st;
	return 0;
}

static uint32_t *state_word(struct mech_state *st)
{
	return (uint32_t *)st->shared;
}

static void futex_wake_peer(struct mech_state *st, uint32_t len,
			    uint32_t peer_state)
{
	((uint32_t *)st->shared)[1] = len;
	__atomic_store_n(state_word(st), peer_state, __ATOMIC_SEQ_CST);
	st->syscalls++;
	syscall(SYS_futex, state_word(st), FUTEX_WAKE, 1, NULL, NULL, 0);
}

static int futex_wait_turn(struct mech_state *st, uint32_t mine)
{
	uint32_t s;

	while ((s = __atomic_load_n(state_word(st), __ATOMIC_ACQUIRE)) !=
	       mine) {
		if (s == FLIPCALL_STATE_SHUTDOWN)
			return -ESHUTDOWN;
		st->syscalls++;
		syscall(SYS_futex, state_word(st), FUTEX_WAIT, s, NULL, NULL,
			0);
	}
	return (int)((uint32_t *)st->shared)[1];
}

static int futex_client_call(struct mech_state *st, uint32_t len)
{
	futex_wake_peer(st, len, FLIPCALL_STATE_SERVER_ACTIVE);
	return futex_wait_turn(st, FLIPCALL_STATE_CLIENT_ACTIVE);
}

static int futex_server_first(struct mech_state *st)
{
	return futex_wait_turn(st, FLIPCALL_STATE_SERVER_ACTIVE);
}

static int futex_server_reply(struct mech_state *st, uint32_t len)
{
	futex_wake_peer(st, len, FLIPCALL_STATE_CLIENT_ACTIVE);
	return futex_wait_turn(st, FLIPCALL_STATE_SERVER_ACTIVE);
}

static int futex_server_last(struct mech_state *st, uint32_t len)
{
	futex_wake_peer(st, len, FLIPCALL_STATE_CLIENT_ACTIVE);
	return 0;
}

static void futex_close_side(struct mech_state *st)
{
	munmap(st->shared, st->shared_len);
}

/* libflipcall endpoints (both transports) */

static int lib_futex_setup(const struct mechanism *m, struct mech_state *st)
{
	int err = flipcall_window_allocator_create(&st->alloc);

	(void)m;
	if (err)
		return err;
	err = flipcall_window_allocator_alloc(st->alloc, WINDOW_LEN,
					      &st->win[0]);
	st->win[1] = st->win[0];
	return err;
}

static int lib_device_setup(const struct mechanism *m, struct mech_state *st)
{
	return flipcall_device_create(WINDOW_LEN,
				      m->create_flags & FLIPCALL_CREATE_SPIN ?
				      FLIPCALL_DEVICE_SPIN : 0, 0,
				      &st->win[0], &st->win[1]);
}

static int lib_open_side(const struct mechanism *m, struct mech_state *st)
{
	struct flipcall_endpoint_options o;
	int err;

	if (!st->alloc)
		close(st->win[!st->side].fd);
	flipcall_endpoint_options_init(&o);
	o.spin_ns = m->lib_spin_ns;
	o.wait_policy = m->lib_wait_policy;
	err = flipcall_endpoint_init(&st->ep, st->side, &st->win[st->side],
				     &o);
	if (err)
		return err;
	st->buf = flipcall_endpoint_data(st->ep);
	/* The client's handshake pairs with the server's recv_first. */
	return st->side == BENCH_CLIENT ? flipcall_endpoint_connect(st->ep) : 0;
}

static int lib_client_call(struct mech_state *st, uint32_t len)
{
	return flipcall_endpoint_send_recv(st->ep, len);
}

static int lib_server_first(struct mech_state *st)
{
	return flipcall_endpoint_recv_first(st->ep);
}

static int lib_server_reply(struct mech_state *st, uint32_t len)
{
	return flipcall_endpoint_send_recv(st->ep, len);
}

static int lib_server_last(struct mech_state *st, uint32_t len)
{
	return flipcall_endpoint_send_last(st->ep, len);
}

static uint64_t lib_syscalls(struct mech_state *st)
{
	struct flipcall_endpoint_stats s = { .size = sizeof(s) };

	return flipcall_endpoint_stats(st->ep, &s) ? 0 : s.syscalls;
}

static int lib_device_fd(struct mech_state *st)
{
	return st->alloc ? -1 : st->win[st->side].fd;
}

/*
 * Only the client shuts down: the server's send_last passes control, and a
 * shutdown right behind it could end the connection before the client has
 * seen its turn.
 */
static void lib_close_side(struct mech_state *st)
{
	if (st->side == BENCH_CLIENT)
		flipcall_endpoint_shutdown(st->ep);
	flipcall_endpoint_destroy(st->ep);
	if (st->alloc)
		flipcall_window_allocator_destroy(st->alloc);
	else
		close(st->win[st->side].fd);
}

#define IOCTL_MECH(n, w, flags) { \
	.name = n, .what = w, .needs_device = 1, .create_flags = flags, \
	.setup = ioctl_setup, .open_side = ioctl_open_side, \
	.client_call = ioctl_client_call, .server_first = ioctl_server_first, \
	.server_reply = ioctl_server_reply, .server_last = ioctl_server_last, \
	.device_fd = own_fd, .close_side = unmap_and_close, }

#define LIB_MECH(n, w, dev, setup_fn, flags, spin, policy) { \
	.name = n, .what = w, .needs_device = dev, .create_flags = flags, \
	.lib_spin_ns = spin, .lib_wait_policy = policy, \
	.setup = setup_fn, .open_side = lib_open_side, \
	.client_call = lib_client_call, .server_first = lib_server_first, \
	.server_reply = lib_server_reply, .server_last = lib_server_last, \
	.syscalls = lib_syscalls, .device_fd = lib_device_fd, \
	.close_side = lib_close_side, }

const struct mechanism mech_ioctl =
	IOCTL_MECH("ioctl", "raw FLIPCALL_IOC_HANDOFF", 0);
const struct mechanism mech_ioctl_spin =
	IOCTL_MECH("ioctl-spin", "raw FLIPCALL_IOC_HANDOFF, kernel spin",
		   FLIPCALL_CREATE_SPIN);
const struct mechanism mech_futex = {
	.name = "futex", .what = "raw futex wake+wait (gVisor protocol)",
	.setup = futex_setup, .open_side = futex_open_side,
	.client_call = futex_client_call, .server_first = futex_server_first,
	.server_reply = futex_server_reply, .server_last = futex_server_last,
	.close_side = futex_close_side,
};
/* lib-futex never spins, so that it measures the library's overhead on
 * gVisor's protocol against the raw futex row; lib-futex-adapt is what
 * an application gets by default.
 */
const struct mechanism mech_lib_futex =
	LIB_MECH("lib-futex", "libflipcall, futex transport, never spin", 0,
		 lib_futex_setup, 0, 0, FLIPCALL_WAIT_SLEEP);
const struct mechanism mech_lib_futex_adaptive =
	LIB_MECH("lib-futex-adapt",
		 "libflipcall, futex transport, default (adaptive) wait", 0,
		 lib_futex_setup, 0, 0, FLIPCALL_WAIT_DEFAULT);
const struct mechanism mech_lib_futex_spin =
	LIB_MECH("lib-futex-spin",
		 "libflipcall, futex transport, adaptive spin up to 20us",
		 0, lib_futex_setup, 0, 20000, FLIPCALL_WAIT_ADAPTIVE);
const struct mechanism mech_lib_device =
	LIB_MECH("lib-device", "libflipcall, device transport", 1,
		 lib_device_setup, 0, 0, FLIPCALL_WAIT_DEFAULT);
