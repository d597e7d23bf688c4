// SPDX-License-Identifier: LGPL-2.1-or-later
/* QueueConfigs: gVisor's NewQueuePair on memfds, closing, fd passing. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <flipcall/sharedmem.h>

#include "export.h"
#include "sharedmem/pair_options.h"
#include "scm_rights.h"
#include "sharedmem/pipe.h"

FLIPCALL_EXPORT void
sharedmem_queue_config_init(struct sharedmem_queue_config *q)
{
	q->data_fd = q->event_fd = q->tx_pipe_fd = q->rx_pipe_fd = -1;
	q->shared_data_fd = -1;
}

FLIPCALL_EXPORT void
sharedmem_queue_config_close(struct sharedmem_queue_config *q)
{
	int *fds[] = { &q->data_fd, &q->event_fd, &q->tx_pipe_fd,
		       &q->rx_pipe_fd, &q->shared_data_fd };

	if (!q)
		return;
	for (unsigned int i = 0; i < SHAREDMEM_CONFIG_FDS; i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

int shm_pair_options_get(const struct sharedmem_pair_options *o,
			 struct sharedmem_pair_options *out)
{
	memset(out, 0, sizeof(*out));
	if (o) {
		if (o->size < 2 * sizeof(uint32_t) ||
		    o->size > sizeof(*out))
			return -EINVAL;
		memcpy(out, o, o->size);
	}
	if (out->flags || out->reserved)
		return -EINVAL;
	if (!out->data_len)
		out->data_len = SHAREDMEM_DEFAULT_DATA_LEN;
	if (!out->pipe_len)
		out->pipe_len = SHAREDMEM_DEFAULT_PIPE_LEN;
	if (!out->buffer_size)
		out->buffer_size = SHAREDMEM_DEFAULT_BUFFER_SIZE;
	if ((out->pipe_len & 7) || out->pipe_len < SHM_PIPE_MIN_LEN ||
	    out->pipe_len > SHM_PIPE_MAX_LEN ||
	    out->buffer_size > out->data_len ||
	    out->data_len > (1ULL << 32))
		return -EINVAL;
	return 0;
}

/* A sealed memfd of len bytes: shrinking it would SIGBUS the peer. */
static int shm_memfd(const char *name, uint64_t len)
{
	int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);

	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)len) < 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_SEAL) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static int shm_pipe_file(uint64_t len)
{
	uint8_t free_header[8] = { 0, 0, 0, 0, 0, 0, 0, 0x80 };
	int fd = shm_memfd("sharedmem_pipe", len);

	if (fd >= 0 && pwrite(fd, free_header, 8, 0) != 8) {
		close(fd);
		return -EIO;
	}
	return fd;
}

static int queue_config_create(const struct sharedmem_pair_options *o,
			       struct sharedmem_queue_config *q)
{
	int err;

	sharedmem_queue_config_init(q);
	q->data_fd = shm_memfd("sharedmem_data", o->data_len);
	if (q->data_fd < 0)
		goto fail;
	q->event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (q->event_fd < 0) {
		q->event_fd = -errno;
		goto fail;
	}
	q->tx_pipe_fd = shm_pipe_file(o->pipe_len);
	if (q->tx_pipe_fd < 0)
		goto fail;
	q->rx_pipe_fd = shm_pipe_file(o->pipe_len);
	if (q->rx_pipe_fd < 0)
		goto fail;
	q->shared_data_fd = shm_memfd("sharedmem_shared",
				      SHAREDMEM_DEFAULT_SHARED_LEN);
	if (q->shared_data_fd < 0)
		goto fail;
	return 0;
fail:
	/* The failing slot holds the negative errno. */
	err = q->data_fd < 0 ? q->data_fd : q->event_fd < 0 ? q->event_fd :
	      q->tx_pipe_fd < 0 ? q->tx_pipe_fd :
	      q->rx_pipe_fd < 0 ? q->rx_pipe_fd : q->shared_data_fd;
	sharedmem_queue_config_close(q);
	return err;
}

FLIPCALL_EXPORT int
sharedmem_queue_pair_create(const struct sharedmem_pair_options *o,
			    struct sharedmem_queue_config *tx,
			    struct sharedmem_queue_config *rx)
{
	struct sharedmem_pair_options opt;
	int err;

	if (!tx || !rx)
		return -EINVAL;
	err = shm_pair_options_get(o, &opt);
	if (err)
		return err;
	err = queue_config_create(&opt, tx);
	if (err)
		return err;
	err = queue_config_create(&opt, rx);
	if (err)
		sharedmem_queue_config_close(tx);
	return err;
}

FLIPCALL_EXPORT int
sharedmem_queue_config_send(int sock, const struct sharedmem_queue_config *q)
{
	int fds[SHAREDMEM_CONFIG_FDS];
	union {
		char buf[CMSG_SPACE(sizeof(fds))];
		struct cmsghdr align;
	} ctl;
	char byte = 'Q';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
	};
	ssize_t n;

	if (!q)
		return -EINVAL;
	fds[0] = q->data_fd;
	fds[1] = q->event_fd;
	fds[2] = q->tx_pipe_fd;
	fds[3] = q->rx_pipe_fd;
	fds[4] = q->shared_data_fd;
	for (unsigned int i = 0; i < SHAREDMEM_CONFIG_FDS; i++)
		if (fds[i] < 0)
			return -EBADF;
	memset(&ctl, 0, sizeof(ctl));
	scm_rights_fill(CMSG_FIRSTHDR(&msg), fds, SHAREDMEM_CONFIG_FDS);
	do {
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : 0;
}

FLIPCALL_EXPORT int
sharedmem_queue_config_recv(int sock, struct sharedmem_queue_config *q)
{
	int fds[SHAREDMEM_CONFIG_FDS];
	union {
		char buf[CMSG_SPACE(sizeof(fds)) + CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
	};
	unsigned int nfds = 0;
	ssize_t n;

	if (!q)
		return -EINVAL;
	do {
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	scm_rights_take(&msg, fds, SHAREDMEM_CONFIG_FDS, &nfds);
	if (n == 0 && nfds == 0)
		return -ECONNRESET;
	if (nfds != SHAREDMEM_CONFIG_FDS || (msg.msg_flags & MSG_CTRUNC)) {
		while (nfds)
			close(fds[--nfds]);
		return -EPROTO;
	}
	q->data_fd = fds[0];
	q->event_fd = fds[1];
	q->tx_pipe_fd = fds[2];
	q->rx_pipe_fd = fds[3];
	q->shared_data_fd = fds[4];
	return 0;
}
