// SPDX-License-Identifier: GPL-2.0
/*
 * The baseline transport: frames as datagrams on an AF_UNIX SOCK_SEQPACKET
 * socketpair, batched with sendmmsg/recvmmsg. The server makes the pair
 * and passes one end to the client in an fdchannel message.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <flipcall/fdchannel.h>

#include "transport.h"

#define SP_BATCH	32
/* Room for a few hundred full frames in flight, like the queues' 1 MiB. */
#define SP_SOCKBUF	(4 << 20)
/* The kernel's bound on one AF_UNIX datagram with the default wmem_max. */
#define SP_FRAME_LIMIT	65535

struct nic_transport {
	int sock;
	size_t frame_max;
	uint64_t truncated;		/* longer than frame_max */
	unsigned char *bufs;		/* SP_BATCH receive buffers */
	struct iovec iov[SP_BATCH];
	struct mmsghdr msgs[SP_BATCH];
};

static size_t sp_frame_limit(void)
{
	return SP_FRAME_LIMIT;
}

/* An fdchannel on a dup of the control socket, which stays the caller's. */
static int control_channel(int ctrl_fd, struct fdchannel **ch)
{
	int dup_fd, err;

	dup_fd = fcntl(ctrl_fd, F_DUPFD_CLOEXEC, 0);
	if (dup_fd < 0)
		return -errno;
	err = fdchannel_init(ch, dup_fd);
	if (err)
		close(dup_fd);
	return err;
}

/* Pass one end over the control socket; the caller keeps its own fds. */
static int sp_pass_fd(int ctrl_fd, int fd)
{
	struct fdchannel *ch;
	int err;

	err = control_channel(ctrl_fd, &ch);
	if (err)
		return err;
	err = fdchannel_send(ch, fd);
	fdchannel_destroy(ch);
	return err;
}

static int sp_take_fd(int ctrl_fd)
{
	struct fdchannel *ch;
	struct stat st;
	int fd;

	fd = control_channel(ctrl_fd, &ch);
	if (fd)
		return fd;
	fd = fdchannel_recv(ch);
	fdchannel_destroy(ch);
	if (fd < 0)
		return fd;
	/* A server of the other transport sends memfds: say so clearly. */
	if (fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode)) {
		close(fd);
		return -EPROTOTYPE;
	}
	return fd;
}

static int sp_connect(const struct nic_transport_params *p)
{
	int pair[2], err;

	if (p->side == NIC_CLIENT)
		return sp_take_fd(p->ctrl_fd);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
		return -errno;
	err = sp_pass_fd(p->ctrl_fd, pair[1]);
	close(pair[1]);
	if (err) {
		close(pair[0]);
		return err;
	}
	return pair[0];
}

static int sp_create(const struct nic_transport_params *p,
		     struct nic_transport **out)
{
	int bufsize = SP_SOCKBUF;
	struct nic_transport *t;
	int i;

	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->frame_max = p->frame_max;
	t->bufs = malloc(SP_BATCH * t->frame_max);
	if (!t->bufs) {
		free(t);
		return -ENOMEM;
	}
	t->sock = sp_connect(p);
	if (t->sock < 0) {
		i = t->sock;
		free(t->bufs);
		free(t);
		return i;
	}
	/* Best effort: without CAP_NET_ADMIN the kernel caps it at wmem_max. */
	setsockopt(t->sock, SOL_SOCKET, SO_SNDBUFFORCE, &bufsize,
		   sizeof(bufsize));
	setsockopt(t->sock, SOL_SOCKET, SO_RCVBUFFORCE, &bufsize,
		   sizeof(bufsize));
	for (i = 0; i < SP_BATCH; i++) {
		t->iov[i].iov_base = t->bufs + i * t->frame_max;
		t->iov[i].iov_len = t->frame_max;
	}
	*out = t;
	return 0;
}

static int sp_send_batch(struct nic_transport *t, const struct iovec *frames,
			 int n)
{
	struct mmsghdr msgs[SP_BATCH];
	int i, sent;

	if (n > SP_BATCH)
		n = SP_BATCH;
	for (i = 0; i < n; i++) {
		msgs[i] = (struct mmsghdr){ .msg_hdr = {
			.msg_iov = (struct iovec *)&frames[i],
			.msg_iovlen = 1,
		} };
	}
	sent = sendmmsg(t->sock, msgs, n, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (sent >= 0)
		return sent;
	if (errno == EAGAIN || errno == ENOBUFS)
		return 0;
	return errno == ECONNRESET ? -EPIPE : -errno;
}

static int sp_recv_batch(struct nic_transport *t, nic_frame_fn fn, void *arg,
			 int max)
{
	int i, n, delivered = 0;

	if (max > SP_BATCH)
		max = SP_BATCH;
	for (i = 0; i < max; i++) {
		t->msgs[i] = (struct mmsghdr){ .msg_hdr = {
			.msg_iov = &t->iov[i],
			.msg_iovlen = 1,
		} };
	}
	n = recvmmsg(t->sock, t->msgs, max, MSG_DONTWAIT, NULL);
	if (n < 0)
		return errno == EAGAIN ? 0 :
		       errno == ECONNRESET ? -EPIPE : -errno;
	for (i = 0; i < n; i++) {
		size_t len = t->msgs[i].msg_len;

		/* We never send empty datagrams: this is the end of stream. */
		if (len == 0)
			return delivered ? delivered : -EPIPE;
		if (t->msgs[i].msg_hdr.msg_flags & MSG_TRUNC) {
			t->truncated++;
			continue;
		}
		fn(&(struct iovec){ .iov_base = t->iov[i].iov_base,
				    .iov_len = len }, 1, len, arg);
		delivered++;
	}
	/* Only truncated frames: still progress, not "nothing waiting". */
	return delivered ? delivered : n;
}

static int sp_arm(struct nic_transport *t, struct pollfd *rx)
{
	*rx = (struct pollfd){ .fd = t->sock, .events = POLLIN };
	return 0;
}

static const char *sp_describe(struct nic_transport *t)
{
	return "a unix SOCK_SEQPACKET socketpair";
}

/* The socket's hang-up shows in poll and as end of stream in recv. */
static int sp_peer_gone(struct nic_transport *t)
{
	return 0;
}

static int sp_tx_wait(struct nic_transport *t, struct pollfd *pfd)
{
	*pfd = (struct pollfd){ .fd = t->sock, .events = POLLOUT };
	return 1;
}

static void sp_stats(struct nic_transport *t, struct nic_stats *st)
{
	st->drops.peer_oversize += t->truncated;
}

static void sp_destroy(struct nic_transport *t)
{
	close(t->sock);
	free(t->bufs);
	free(t);
}

const struct nic_transport_ops nic_transport_socketpair = {
	.name = "socketpair",
	.create = sp_create,
	.frame_limit = sp_frame_limit,
	.send_batch = sp_send_batch,
	.recv_batch = sp_recv_batch,
	.arm = sp_arm,
	.describe = sp_describe,
	.tx_wait = sp_tx_wait,
	.peer_gone = sp_peer_gone,
	.stats = sp_stats,
	.destroy = sp_destroy,
};
