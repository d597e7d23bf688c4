// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * fdchannel: gVisor's one-fd-per-zero-length-datagram format, and no fd
 * leak on any malformed message (counted in /proc/self/fd).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <flipcall/fdchannel.h>

#include "kselftest_harness.h"

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1;	/* the directory's own fd */
}

FIXTURE(chan) {
	struct fdchannel *tx, *rx;
	int raw_tx;	/* a dup of tx's socket for hand-made messages */
	int fds_before;
};

FIXTURE_SETUP(chan)
{
	int sv[2];

	self->fds_before = count_fds();
	ASSERT_EQ(0, fdchannel_pair(sv));
	self->raw_tx = dup(sv[0]);
	ASSERT_EQ(0, fdchannel_init(&self->tx, sv[0]));
	ASSERT_EQ(0, fdchannel_init(&self->rx, sv[1]));
}

FIXTURE_TEARDOWN(chan)
{
	fdchannel_destroy(self->tx);
	fdchannel_destroy(self->rx);
	close(self->raw_tx);
	/* Every test ends with exactly the fds it started with. */
	EXPECT_EQ(self->fds_before, count_fds());
}

/* Send n copies of fd in ncmsg SCM_RIGHTS messages plus len data bytes. */
static int send_raw(int sock, int fd, int n, int ncmsg, size_t len)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * 300) * 2];
		struct cmsghdr align;
	} control;
	struct iovec iov = { .iov_base = "xxxxxxxx", .iov_len = len };
	struct msghdr msg = { .msg_control = control.buf };
	struct cmsghdr *cmsg;
	int i, c, per = ncmsg ? n / ncmsg : 0;

	memset(&control, 0, sizeof(control));
	if (len) {
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
	}
	msg.msg_controllen = ncmsg ? CMSG_SPACE(sizeof(int) * per) * ncmsg : 0;
	if (!ncmsg)
		msg.msg_control = NULL;
	for (c = 0, cmsg = ncmsg ? CMSG_FIRSTHDR(&msg) : NULL; c < ncmsg;
	     c++, cmsg = CMSG_NXTHDR(&msg, cmsg)) {
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int) * per);
		for (i = 0; i < per; i++)
			memcpy(CMSG_DATA(cmsg) + i * sizeof(int), &fd,
			       sizeof(fd));
	}
	return sendmsg(sock, &msg, 0) < 0 ? -errno : 0;
}

TEST_F(chan, send_recv_fd)
{
	int p[2], fd;
	char c = 0;

	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(0, fdchannel_send(self->tx, p[1]));
	fd = fdchannel_recv(self->rx);
	ASSERT_GE(fd, 0);
	EXPECT_NE(p[1], fd);
	EXPECT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD));
	ASSERT_EQ(1, write(fd, "z", 1));
	ASSERT_EQ(1, read(p[0], &c, 1));
	EXPECT_EQ('z', c);
	close(fd);
	close(p[0]);
	close(p[1]);
}

/* What goes on the wire is gVisor's format, byte for byte. */
TEST_F(chan, wire_format)
{
	union {
		char buf[256];
		struct cmsghdr align;
	} control;
	struct msghdr msg = {
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	struct cmsghdr *cmsg;
	ssize_t n;
	int fd;

	ASSERT_EQ(0, fdchannel_send(self->rx, 0));
	n = recvmsg(self->raw_tx, &msg, MSG_TRUNC | MSG_CMSG_CLOEXEC);
	EXPECT_EQ(0, n);
	EXPECT_EQ(0, msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC));
	cmsg = CMSG_FIRSTHDR(&msg);
	ASSERT_NE(NULL, cmsg);
	EXPECT_EQ(SOL_SOCKET, cmsg->cmsg_level);
	EXPECT_EQ(SCM_RIGHTS, cmsg->cmsg_type);
	EXPECT_EQ(CMSG_LEN(sizeof(int)), cmsg->cmsg_len);
	EXPECT_EQ(NULL, CMSG_NXTHDR(&msg, cmsg));
	memcpy(&fd, CMSG_DATA(cmsg), sizeof(fd));
	close(fd);
}

TEST_F(chan, many_fds_no_leak)
{
	int i, fd;

	for (i = 0; i < 1000; i++) {
		ASSERT_EQ(0, fdchannel_send(self->tx, 1));
		fd = fdchannel_recv_nonblock(self->rx);
		ASSERT_GE(fd, 0);
		close(fd);
	}
}

TEST_F(chan, recv_nonblock_empty)
{
	EXPECT_EQ(-EAGAIN, fdchannel_recv_nonblock(self->rx));
}

TEST_F(chan, send_bad_fd)
{
	EXPECT_EQ(-EBADF, fdchannel_send(self->tx, -1));
	EXPECT_EQ(-EBADF, fdchannel_send(self->tx, 999));
}

TEST_F(chan, two_fds_in_one_message)
{
	ASSERT_EQ(0, send_raw(self->raw_tx, 0, 2, 1, 0));
	EXPECT_EQ(-EBADMSG, fdchannel_recv(self->rx));
}

TEST_F(chan, two_rights_messages)
{
	ASSERT_EQ(0, send_raw(self->raw_tx, 0, 2, 2, 0));
	EXPECT_EQ(-EBADMSG, fdchannel_recv(self->rx));
}

TEST_F(chan, maximum_fds_in_one_message)
{
	ASSERT_EQ(0, send_raw(self->raw_tx, 0, 253, 1, 0));
	EXPECT_EQ(-EBADMSG, fdchannel_recv(self->rx));
}

TEST_F(chan, data_with_the_fd)
{
	ASSERT_EQ(0, send_raw(self->raw_tx, 0, 1, 1, 8));
	EXPECT_EQ(-EBADMSG, fdchannel_recv(self->rx));
}

TEST_F(chan, data_without_fd)
{
	ASSERT_EQ(0, send_raw(self->raw_tx, 0, 0, 0, 4));
	EXPECT_EQ(-EBADMSG, fdchannel_recv_nonblock(self->rx));
}

/* SO_PASSCRED makes the kernel add an SCM_CREDENTIALS message. */
TEST_F(chan, credentials_with_the_fd)
{
	struct fdchannel *rx;
	int one = 1, sv[2];

	/* A pair whose receiving socket options we control. */
	ASSERT_EQ(0, fdchannel_pair(sv));
	ASSERT_EQ(0, setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &one,
				sizeof(one)));
	ASSERT_EQ(0, fdchannel_init(&rx, sv[1]));
	ASSERT_EQ(0, send_raw(sv[0], 0, 1, 1, 0));
	EXPECT_EQ(-EBADMSG, fdchannel_recv(rx));
	fdchannel_destroy(rx);
	close(sv[0]);
}

TEST_F(chan, shutdown_then_recv)
{
	EXPECT_EQ(0, fdchannel_shutdown(self->rx));
	EXPECT_EQ(-ESHUTDOWN, fdchannel_recv(self->rx));
	EXPECT_EQ(-ESHUTDOWN, fdchannel_send(self->rx, 0));
	/* The peer sees the end of the stream. */
	EXPECT_EQ(-ECONNRESET, fdchannel_recv(self->tx));
	EXPECT_EQ(-EPIPE, fdchannel_send(self->tx, 0));
}

static void *recv_thread(void *arg)
{
	return (void *)(long)fdchannel_recv(arg);
}

TEST_F(chan, recv_then_shutdown)
{
	pthread_t t;
	void *ret;

	ASSERT_EQ(0, pthread_create(&t, NULL, recv_thread, self->rx));
	usleep(50 * 1000);
	EXPECT_EQ(0, fdchannel_shutdown(self->rx));
	pthread_join(t, &ret);
	EXPECT_EQ(-ESHUTDOWN, (long)ret);
}

TEST_F(chan, peer_closed)
{
	fdchannel_destroy(self->tx);
	self->tx = NULL;
	close(self->raw_tx);
	self->raw_tx = -1;
	EXPECT_EQ(-ECONNRESET, fdchannel_recv(self->rx));
}

TEST(invalid_arguments)
{
	struct fdchannel *ch;

	EXPECT_EQ(-EINVAL, fdchannel_pair(NULL));
	EXPECT_EQ(-EINVAL, fdchannel_init(NULL, 0));
	EXPECT_EQ(-EINVAL, fdchannel_init(&ch, -1));
	EXPECT_EQ(-EINVAL, fdchannel_send(NULL, 0));
	EXPECT_EQ(-EINVAL, fdchannel_recv(NULL));
	EXPECT_EQ(-EINVAL, fdchannel_recv_nonblock(NULL));
	EXPECT_EQ(-EINVAL, fdchannel_shutdown(NULL));
	fdchannel_destroy(NULL);
}

TEST(pair_is_blocking_cloexec_seqpacket)
{
	int sv[2], type;
	socklen_t len = sizeof(type);

	ASSERT_EQ(0, fdchannel_pair(sv));
	ASSERT_EQ(0, getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &type, &len));
	EXPECT_EQ(SOCK_SEQPACKET, type);
	EXPECT_EQ(FD_CLOEXEC, fcntl(sv[1], F_GETFD));
	EXPECT_EQ(0, fcntl(sv[1], F_GETFL) & O_NONBLOCK);
	close(sv[0]);
	close(sv[1]);
}

TEST_HARNESS_MAIN
