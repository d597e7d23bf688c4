// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Moving urpc messages over a unix stream socket. Descriptors ride as one
 * SCM_RIGHTS message on the first sendmsg of a message, the way gVisor's
 * unet packs them; the receiver takes them from the read that brings the
 * message's first byte. Without a deadline the calls block in the kernel, so
 * an echo costs the same system calls as a raw socket echo; with one (or on
 * a socket someone made non-blocking) they wait in poll().
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#include "scm_rights.h"
#include "urpc_internal.h"

#define NSEC_PER_MSEC	1000000LL
#define NSEC_PER_SEC	1000000000LL

static int64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

int64_t urpc_deadline_after_ms(int timeout_ms)
{
	if (timeout_ms < 0)
		return URPC_NO_DEADLINE;
	return monotonic_ns() + timeout_ms * NSEC_PER_MSEC;
}

/*
 * After a failed sendmsg/recvmsg: 0 to try again (interrupted, or the socket
 * became ready), else the error; -ETIMEDOUT once the deadline passed.
 */
static int retry_after(int fd, short events, int64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int timeout = -1;
	int ret;

	if (errno == EINTR)
		return 0;
	if (errno != EAGAIN)
		return -errno;
	if (deadline != URPC_NO_DEADLINE) {
		int64_t left = deadline - monotonic_ns();

		if (left <= 0)
			return -ETIMEDOUT;
		timeout = (int)((left + NSEC_PER_MSEC - 1) / NSEC_PER_MSEC);
	}
	ret = poll(&pfd, 1, timeout);
	if (ret < 0)
		return errno == EINTR ? 0 : -errno;
	return ret ? 0 : -ETIMEDOUT;
}

void urpc_close_fds(const int *fds, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		close(fds[i]);
}

/* Drops n sent bytes from the front of iov[0..*cnt). */
static struct iovec *advance(struct iovec *iov, int *cnt, size_t n)
{
	while (*cnt && n >= iov->iov_len) {
		n -= iov->iov_len;
		iov++;
		(*cnt)--;
	}
	if (*cnt) {
		iov->iov_base = (char *)iov->iov_base + n;
		iov->iov_len -= n;
	}
	return iov;
}

int urpc_send_message(int fd, struct urpc_out *out, const int *fds,
		      unsigned int nfds, int64_t deadline)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * URPC_SCM_MAX_FD)];
		struct cmsghdr align;
	} control;
	int flags = MSG_NOSIGNAL |
		    (deadline == URPC_NO_DEADLINE ? 0 : MSG_DONTWAIT);
	struct iovec *iov = out->iov;
	int cnt = 3;
	bool first = true;

	if (nfds > URPC_SCM_MAX_FD)
		return -EINVAL;
	iov = advance(iov, &cnt, 0);
	while (cnt) {
		struct msghdr msg = { .msg_iov = iov, .msg_iovlen = (size_t)cnt };
		ssize_t n;
		int ret;

		if (first && nfds) {
			struct cmsghdr *cmsg;

			msg.msg_control = control.buf;
			msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
			cmsg = CMSG_FIRSTHDR(&msg);
			scm_rights_fill(cmsg, fds, nfds);
		}
		n = sendmsg(fd, &msg, flags);
		if (n >= 0) {
			first = false;
			iov = advance(iov, &cnt, (size_t)n);
			continue;
		}
		ret = retry_after(fd, POLLOUT, deadline);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Collects SCM_RIGHTS descriptors into fds (keep) or closes them. Returns
 * -ETOOMANYREFS if more than max_fds came: the kernel dropped some for lack
 * of room, or fitted one more because CMSG_SPACE() rounds up.
 */
static int take_fds(struct msghdr *msg, bool keep, int *fds,
		    unsigned int max_fds, unsigned int *nfds)
{
	unsigned int dropped = scm_rights_take(msg, fds, keep ? max_fds : 0,
					       nfds);

	if (keep && (dropped || (msg->msg_flags & MSG_CTRUNC)))
		return -ETOOMANYREFS;
	return 0;
}

static ssize_t recv_some(int fd, char *buf, size_t room, bool keep_fds,
			 int *fds, unsigned int max_fds, unsigned int *nfds,
			 int64_t deadline)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * URPC_SCM_MAX_FD)];
		struct cmsghdr align;
	} control;
	int flags = MSG_CMSG_CLOEXEC |
		    (deadline == URPC_NO_DEADLINE ? 0 : MSG_DONTWAIT);

	for (;;) {
		struct iovec iov = { .iov_base = buf, .iov_len = room };
		struct msghdr msg = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = control.buf,
			.msg_controllen = CMSG_SPACE(sizeof(int) * max_fds),
		};
		ssize_t n = recvmsg(fd, &msg, flags);
		int ret;

		if (n >= 0) {
			ret = take_fds(&msg, keep_fds, fds, max_fds, nfds);
			return ret ? ret : n;
		}
		ret = retry_after(fd, POLLIN, deadline);
		if (ret)
			return ret;
	}
}

int urpc_recv_message(int fd, struct urpc_decoder *dec, int *fds,
		      unsigned int max_fds, unsigned int *nfds,
		      struct json_object **valuep, int64_t deadline)
{
	bool first = true;
	int ret;

	*nfds = 0;
	if (max_fds > URPC_SCM_MAX_FD)
		return -EINVAL;
	for (;;) {
		size_t room;
		ssize_t n;
		char *dst;

		ret = urpc_decoder_space(dec, &dst, &room);
		if (ret)
			break;
		n = recv_some(fd, dst, room, first, fds, max_fds, nfds,
			      deadline);
		if (n < 0) {
			ret = (int)n;
			break;
		}
		if (!n) {
			ret = urpc_decoder_eof(dec);
			if (!ret && *nfds)
				ret = -EBADMSG;	/* descriptors, no message */
			if (ret)
				break;
			return 0;
		}
		first = false;
		ret = urpc_decoder_commit(dec, (size_t)n, valuep);
		if (ret)
			break;
	}
	if (ret < 0) {
		urpc_close_fds(fds, *nfds);
		*nfds = 0;
	}
	return ret;
}
