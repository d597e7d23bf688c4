// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The lisafs socket communicator: {payloadLen u32, MID u16, pad u16} then
 * the payload, over a SOCK_STREAM unix socket. Donated fds travel with the
 * first sendmsg; the receiver collects them with the header.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "lisafs/comm.h"
#include "lisafs/wire.h"
#include "scm_rights.h"

#define SEND_MAX_FDS	16	/* our handlers donate at most 2 */

int lfs_sock_send(int sock, uint16_t mid, const void *payload, uint32_t len,
		  const int *fds, unsigned int nfds)
{
	union {
		char buf[CMSG_SPACE(SEND_MAX_FDS * sizeof(int))];
		struct cmsghdr align;
	} control;
	uint8_t hdr[LISAFS_SOCK_HEADER_BYTES] = { 0 };
	struct iovec iov[2] = {
		{ .iov_base = hdr, .iov_len = sizeof(hdr) },
		{ .iov_base = (void *)payload, .iov_len = len },
	};
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = len ? 2 : 1 };

	if (nfds > SEND_MAX_FDS)
		return -EINVAL;
	memcpy(hdr, &len, 4);
	memcpy(hdr + 4, &mid, 2);
	if (nfds) {
		memset(&control, 0, sizeof(control));
		msg.msg_control = control.buf;
		msg.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		scm_rights_fill(CMSG_FIRSTHDR(&msg), fds, nfds);
	}
	while (msg.msg_iovlen) {
		ssize_t n = sendmsg(sock, &msg, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		msg.msg_control = NULL;
		msg.msg_controllen = 0;
		while (msg.msg_iovlen && (size_t)n >= msg.msg_iov->iov_len) {
			n -= msg.msg_iov->iov_len;
			msg.msg_iov++;
			msg.msg_iovlen--;
		}
		if (msg.msg_iovlen) {
			msg.msg_iov->iov_base = (char *)msg.msg_iov->iov_base + n;
			msg.msg_iov->iov_len -= n;
		}
	}
	return 0;
}

/* Read exactly n bytes; the first recvmsg may collect fds. */
static int read_full(int sock, void *buf, size_t n, int *fds,
		     unsigned int max_fds, unsigned int *nfds)
{
	union {
		char buf[CMSG_SPACE(LFS_MAX_RESP_FDS * sizeof(int))];
		struct cmsghdr align;
	} control;
	bool truncated = false;
	size_t got = 0;

	while (got < n) {
		struct iovec iov = { (char *)buf + got, n - got };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t r;

		if (nfds) {
			msg.msg_control = control.buf;
			msg.msg_controllen = sizeof(control.buf);
		}
		r = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (nfds) {
			/* More fds than the message may carry: the peer is
			 * broken; they are closed, and so is the call.
			 */
			if (scm_rights_take(&msg, fds, max_fds, nfds) ||
			    (msg.msg_flags & MSG_CTRUNC))
				truncated = true;
			nfds = NULL;
		}
		if (r == 0)
			return -ECONNRESET;
		got += r;
	}
	return truncated ? -EPROTO : 0;
}

int lfs_sock_recv(int sock, uint16_t *mid, void *buf, uint32_t cap,
		  uint32_t *len, int *fds, unsigned int max_fds,
		  unsigned int *nfds)
{
	uint8_t hdr[LISAFS_SOCK_HEADER_BYTES];
	unsigned int dummy = 0;
	uint32_t left;
	int err;

	if (!nfds)
		nfds = &dummy;
	*nfds = 0;
	/* Always ask for fds so that unexpected ones arrive to be closed. */
	err = read_full(sock, hdr, sizeof(hdr), fds, max_fds, nfds);
	if (err && err != -EPROTO)
		goto fail;
	memcpy(len, hdr, 4);
	memcpy(mid, hdr + 4, 2);
	if (*len <= cap) {
		int err2 = read_full(sock, buf, *len, NULL, 0, NULL);

		if (err2 || err) {
			err = err2 ? err2 : err;
			goto fail;
		}
		return 0;
	}
	for (left = *len; left;) {
		uint8_t sink[4096];
		uint32_t n = left < sizeof(sink) ? left : sizeof(sink);

		err = read_full(sock, sink, n, NULL, 0, NULL);
		if (err)
			goto fail;
		left -= n;
	}
	err = -EMSGSIZE;
fail:
	while (*nfds)
		close(fds[--*nfds]);
	return err;
}
