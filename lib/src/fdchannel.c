// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * gVisor's fdchannel format: one zero-length SOCK_SEQPACKET datagram per
 * fd, the fd in a single SCM_RIGHTS message of CMSG_LEN(sizeof(int)).
 *
 * The receive buffer is far larger than one fd needs so that a peer who
 * sends extra fds or control messages gets them delivered to us (with
 * MSG_CMSG_CLOEXEC) rather than silently dropped: then we can close every
 * one of them and report the message as bad.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <flipcall/fdchannel.h>

#include "export.h"
#include "scm_rights.h"

/* Room for the kernel's per-message maximum of fds (SCM_MAX_FD, 253). */
#define RECV_CONTROL_BYTES	2048

struct fdchannel {
	int sockfd;
	int shut_down;		/* atomic */
};

FLIPCALL_EXPORT int fdchannel_pair(int fds[2])
{
	if (!fds)
		return -EINVAL;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
		return -errno;
	return 0;
}

FLIPCALL_EXPORT int fdchannel_init(struct fdchannel **out, int sockfd)
{
	struct fdchannel *ch;

	if (!out || sockfd < 0)
		return -EINVAL;
	ch = calloc(1, sizeof(*ch));
	if (!ch)
		return -ENOMEM;
	ch->sockfd = sockfd;
	*out = ch;
	return 0;
}

FLIPCALL_EXPORT void fdchannel_destroy(struct fdchannel *ch)
{
	if (!ch)
		return;
	close(ch->sockfd);
	free(ch);
}

FLIPCALL_EXPORT int fdchannel_send(struct fdchannel *ch, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	struct msghdr msg = {
		.msg_control = control.buf,
		.msg_controllen = CMSG_LEN(sizeof(int)),
	};
	struct cmsghdr *cmsg;

	if (!ch)
		return -EINVAL;
	if (fd < 0)
		return -EBADF;
	memset(&control, 0, sizeof(control));
	cmsg = CMSG_FIRSTHDR(&msg);
	scm_rights_fill(cmsg, &fd, 1);
	/* MSG_NOSIGNAL: a closed peer is an error code, not a SIGPIPE. */
	if (sendmsg(ch->sockfd, &msg, MSG_NOSIGNAL) < 0)
		return errno == EPIPE && __atomic_load_n(&ch->shut_down,
							 __ATOMIC_ACQUIRE) ?
			-ESHUTDOWN : -errno;
	return 0;
}

/* Exactly one SCM_RIGHTS message with one fd, nothing truncated. */
static int single_fd_message(struct msghdr *msg, ssize_t len, int *fd)
{
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(msg);

	if (len != 0 || (msg->msg_flags & (MSG_CTRUNC | MSG_TRUNC)) || !cmsg)
		return 0;
	if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS ||
	    cmsg->cmsg_len != CMSG_LEN(sizeof(int)))
		return 0;
	if (CMSG_NXTHDR(msg, cmsg))
		return 0;
	memcpy(fd, CMSG_DATA(cmsg), sizeof(*fd));
	return 1;
}

static int recv_fd(struct fdchannel *ch, int flags)
{
	union {
		char buf[RECV_CONTROL_BYTES];
		struct cmsghdr align;
	} control;
	struct msghdr msg = {
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	ssize_t len;
	int fd;

	if (!ch)
		return -EINVAL;
	len = recvmsg(ch->sockfd, &msg, MSG_TRUNC | MSG_CMSG_CLOEXEC | flags);
	if (len < 0)
		return -errno;
	if (single_fd_message(&msg, len, &fd))
		return fd;
	scm_rights_take(&msg, NULL, 0, &(unsigned int){ 0 });
	if (len == 0 && msg.msg_controllen == 0)
		/* End of stream: we or the peer shut down, or it closed. */
		return __atomic_load_n(&ch->shut_down, __ATOMIC_ACQUIRE) ?
			-ESHUTDOWN : -ECONNRESET;
	return -EBADMSG;
}

FLIPCALL_EXPORT int fdchannel_recv(struct fdchannel *ch)
{
	return recv_fd(ch, 0);
}

FLIPCALL_EXPORT int fdchannel_recv_nonblock(struct fdchannel *ch)
{
	return recv_fd(ch, MSG_DONTWAIT);
}

FLIPCALL_EXPORT int fdchannel_shutdown(struct fdchannel *ch)
{
	if (!ch)
		return -EINVAL;
	__atomic_store_n(&ch->shut_down, 1, __ATOMIC_RELEASE);
	shutdown(ch->sockfd, SHUT_RDWR);
	return 0;
}
