// SPDX-License-Identifier: GPL-2.0
/*
 * The classic fd mechanisms for comparison: a pipe pair and a unix stream
 * socket pair carry the payload themselves (at least one byte, so a 0-byte
 * payload still wakes the peer); an eventfd pair only signals, with the
 * payload in shared memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"

/* After open_side, fds[0] sends to the peer and fds[1] receives. */
#define TX 0
#define RX 1

static int io_all(struct mech_state *st, int fd, int writing, void *buf,
		  size_t len)
{
	unsigned char *p = buf;
	ssize_t n;

	while (len) {
		st->syscalls++;
		n = writing ? write(fd, p, len) : read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EPIPE;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static uint32_t wire_len(uint32_t len)
{
	return len ? len : 1;
}

static int stream_send(struct mech_state *st, uint32_t len)
{
	return io_all(st, st->fds[TX], 1, st->buf, wire_len(len));
}

/* The receiver knows the length: the harness sends the same size back. */
static int stream_recv(struct mech_state *st, uint32_t len)
{
	int err = io_all(st, st->fds[RX], 0, st->buf, wire_len(len));

	return err ? err : (int)len;
}

static int stream_client_call(struct mech_state *st, uint32_t len)
{
	int err = stream_send(st, len);

	return err ? err : stream_recv(st, len);
}

static int stream_server_first(struct mech_state *st)
{
	return stream_recv(st, st->payload);
}

static int stream_server_reply(struct mech_state *st, uint32_t len)
{
	int err = stream_send(st, len);

	return err ? err : stream_recv(st, len);
}

static int stream_server_last(struct mech_state *st, uint32_t len)
{
	return stream_send(st, len);
}

static void close_pair(struct mech_state *st)
{
	close(st->fds[TX]);
	if (st->fds[RX] != st->fds[TX])
		close(st->fds[RX]);
	if (st->shared)
		munmap(st->shared, st->shared_len);
}

/* pipe: fds[0..1] client->server, fds[2..3] server->client before open. */
static int pipe_setup(const struct mechanism *m, struct mech_state *st)
{
	(void)m;
	if (pipe2(st->fds, O_CLOEXEC) || pipe2(st->fds + 2, O_CLOEXEC))
		return -errno;
	return 0;
}

static int pipe_open_side(const struct mechanism *m, struct mech_state *st)
{
	int c2s_r = st->fds[0], c2s_w = st->fds[1];
	int s2c_r = st->fds[2], s2c_w = st->fds[3];

	(void)m;
	st->buf = st->local;
	if (st->side == BENCH_CLIENT) {
		close(c2s_r);
		close(s2c_w);
		st->fds[TX] = c2s_w;
		st->fds[RX] = s2c_r;
	} else {
		close(c2s_w);
		close(s2c_r);
		st->fds[TX] = s2c_w;
		st->fds[RX] = c2s_r;
	}
	return 0;
}

static int unix_setup(const struct mechanism *m, struct mech_state *st)
{
	(void)m;
	return socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, st->fds) ?
		-errno : 0;
}

static int unix_open_side(const struct mechanism *m, struct mech_state *st)
{
	int mine = st->fds[st->side];

	(void)m;
	close(st->fds[!st->side]);
	st->buf = st->local;
	st->fds[TX] = st->fds[RX] = mine;
	return 0;
}

/* eventfd: the payload length and bytes sit in a shared page. */
static int eventfd_setup(const struct mechanism *m, struct mech_state *st)
{
	void *p;

	(void)m;
	st->fds[0] = eventfd(0, EFD_CLOEXEC);	/* client -> server */
	st->fds[2] = eventfd(0, EFD_CLOEXEC);	/* server -> client */
	if (st->fds[0] < 0 || st->fds[2] < 0)
		return -errno;
	p = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	st->shared = p;
	st->shared_len = 8192;
	st->buf = st->shared + 64;
	return 0;
}

static int eventfd_open_side(const struct mechanism *m,
			     struct mech_state *st)
{
	int c2s = st->fds[0], s2c = st->fds[2];

	(void)m;
	st->fds[TX] = st->side == BENCH_CLIENT ? c2s : s2c;
	st->fds[RX] = st->side == BENCH_CLIENT ? s2c : c2s;
	return 0;
}

static int eventfd_signal(struct mech_state *st, uint32_t len)
{
	uint64_t one = 1;

	*(volatile uint32_t *)st->shared = len;
	return io_all(st, st->fds[TX], 1, &one, sizeof(one));
}

static int eventfd_wait(struct mech_state *st)
{
	uint64_t count;
	int err = io_all(st, st->fds[RX], 0, &count, sizeof(count));

	return err ? err : (int)*(volatile uint32_t *)st->shared;
}

static int eventfd_client_call(struct mech_state *st, uint32_t len)
{
	int err = eventfd_signal(st, len);

	return err ? err : eventfd_wait(st);
}

static int eventfd_server_reply(struct mech_state *st, uint32_t len)
{
	return eventfd_client_call(st, len);
}

const struct mechanism mech_pipe = {
	.name = "pipe", .what = "pipe pair",
	.setup = pipe_setup, .open_side = pipe_open_side,
	.client_call = stream_client_call, .server_first = stream_server_first,
	.server_reply = stream_server_reply, .server_last = stream_server_last,
	.close_side = close_pair,
};
const struct mechanism mech_eventfd = {
	.name = "eventfd", .what = "eventfd pair + shared payload",
	.setup = eventfd_setup, .open_side = eventfd_open_side,
	.client_call = eventfd_client_call, .server_first = eventfd_wait,
	.server_reply = eventfd_server_reply, .server_last = eventfd_signal,
	.close_side = close_pair,
};
const struct mechanism mech_unix = {
	.name = "unix", .what = "unix stream socket pair",
	.setup = unix_setup, .open_side = unix_open_side,
	.client_call = stream_client_call, .server_first = stream_server_first,
	.server_reply = stream_server_reply, .server_last = stream_server_last,
	.close_side = close_pair,
};
