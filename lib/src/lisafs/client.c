// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lisafs client core: connect and Mount, start the channels, pick a
 * transport per call, and a watchdog that notices the socket closing and
 * shuts the channels so no call hangs on a dead server.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "export.h"
#include "lisafs/client_internal.h"
#include "lisafs/wire.h"

static bool client_dead(const struct lisafs_client *c)
{
	return __atomic_load_n(&c->dead, __ATOMIC_ACQUIRE);
}

void lfs_client_kill(struct lisafs_client *c)
{
	__atomic_store_n(&c->dead, 1, __ATOMIC_RELEASE);
	pthread_mutex_lock(&c->ch_mu);
	for (int i = 0; i < c->n_chans; i++)
		lfs_channel_shutdown(&c->chans[i]->ch);
	pthread_mutex_unlock(&c->ch_mu);
	shutdown(c->sock, SHUT_RDWR);
}

int lfs_tx_begin(struct lisafs_client *c, struct lfs_tx *tx, bool socket_only)
{
	memset(tx, 0, sizeof(*tx));
	tx->c = c;
	tx->idx = -1;
	if (client_dead(c))
		return -ECONNRESET;
	if (!socket_only) {
		pthread_mutex_lock(&c->ch_mu);
		for (int i = 0; i < c->n_chans; i++) {
			if ((c->busy & (1U << i)) || c->chans[i]->dead)
				continue;
			c->busy |= 1U << i;
			tx->idx = i;
			break;
		}
		pthread_mutex_unlock(&c->ch_mu);
	}
	if (tx->idx >= 0) {
		struct lfs_channel *ch = &c->chans[tx->idx]->ch;

		tx->buf = lfs_channel_payload(ch);
		tx->cap = ch->payload_cap < c->max_msg ? ch->payload_cap :
							 c->max_msg;
		return 0;
	}
	pthread_mutex_lock(&c->sock_mu);
	tx->buf = c->sock_buf;
	tx->cap = c->sock_cap < c->max_msg ? c->sock_cap : c->max_msg;
	return 0;
}

int lfs_client_begin(struct lisafs_client *c, struct lfs_tx *tx, uint16_t mid,
		     struct lfs_wr *w)
{
	int err;

	if (!c)
		return -EINVAL;
	if (!lisafs_client_supports(c, mid))
		return -EOPNOTSUPP;
	err = lfs_tx_begin(c, tx, false);
	if (err)
		return err;
	lfs_wr_init(w, tx->buf, tx->cap);
	return 0;
}

static int decode_response(struct lfs_tx *tx, uint16_t mid, uint16_t rmid)
{
	uint32_t e;

	if (rmid == LISAFS_MID_ERROR) {
		if (tx->resp_len < 4)
			return -EPROTO;
		memcpy(&e, tx->resp, 4);
		return (e == 0 || e > 4095) ? -EIO : -(int)e;
	}
	return rmid == mid ? 0 : -EPROTO;
}

static int call_channel(struct lfs_tx *tx, uint16_t mid, uint32_t len)
{
	struct lfs_client_channel *cc = tx->c->chans[tx->idx];
	uint16_t rmid;
	int err;

	err = lfs_channel_call(&cc->ch, mid, len, &rmid, &tx->resp_len,
			       tx->fds, LFS_CLIENT_MAX_FDS, &tx->nfds);
	if (err) {
		/* Whatever went wrong, this channel is out of step now. */
		__atomic_store_n(&cc->dead, 1, __ATOMIC_RELEASE);
		if (client_dead(tx->c))
			return -ECONNRESET;
		return err == -ETIMEDOUT ? err : -EIO;
	}
	if (tx->resp_len > tx->c->max_msg)
		return -EIO;
	tx->resp = lfs_channel_payload(&cc->ch);
	return decode_response(tx, mid, rmid);
}

static int call_socket(struct lfs_tx *tx, uint16_t mid, uint32_t len)
{
	struct lisafs_client *c = tx->c;
	uint16_t rmid;
	int err;

	err = lfs_sock_send(c->sock, mid, c->sock_buf, len, NULL, 0);
	if (!err)
		err = lfs_sock_recv(c->sock, &rmid, c->sock_buf, c->sock_cap,
				    &tx->resp_len, tx->fds, LFS_CLIENT_MAX_FDS,
				    &tx->nfds);
	if (err == -EMSGSIZE)
		return -EIO;	/* dropped whole: the stream is still in step */
	if (err == -EPROTO)
		return err;	/* too many fds, all closed; still in step */
	if (err) {
		lfs_client_kill(c);
		return -ECONNRESET;
	}
	tx->resp = c->sock_buf;
	return decode_response(tx, mid, rmid);
}

int lfs_tx_call(struct lfs_tx *tx, uint16_t mid, uint32_t req_len)
{
	int err;

	if (req_len > tx->cap)
		return -EIO;
	err = tx->idx >= 0 ? call_channel(tx, mid, req_len) :
			     call_socket(tx, mid, req_len);
	if (err) {
		while (tx->nfds)
			close(tx->fds[--tx->nfds]);
	}
	return err;
}

int lfs_tx_take_fd(struct lfs_tx *tx, unsigned int i)
{
	int fd;

	if (i >= tx->nfds || tx->fds[i] < 0)
		return -1;
	fd = tx->fds[i];
	tx->fds[i] = -1;
	return fd;
}

void lfs_tx_end(struct lfs_tx *tx)
{
	struct lisafs_client *c = tx->c;

	while (tx->nfds) {
		int fd = tx->fds[--tx->nfds];

		if (fd >= 0)
			close(fd);
	}
	if (tx->idx >= 0) {
		pthread_mutex_lock(&c->ch_mu);
		c->busy &= ~(1U << tx->idx);
		pthread_mutex_unlock(&c->ch_mu);
	} else {
		pthread_mutex_unlock(&c->sock_mu);
	}
}

static void set_supported(struct lisafs_client *c, uint16_t mid)
{
	c->supported[mid / 8] |= (uint8_t)(1U << (mid % 8));
}

FLIPCALL_EXPORT int lisafs_client_supports(const struct lisafs_client *c,
					   uint16_t mid)
{
	if (!c)
		return 0;
	return !!(c->supported[mid / 8] & (1U << (mid % 8)));
}

int lfs_client_mount(struct lisafs_client *c, struct lisafs_inode *root)
{
	struct lisafs_inode ino;
	struct lfs_tx tx;
	struct lfs_rd rd;
	uint32_t max;
	uint16_t n;
	uint8_t *buf;
	int err;

	err = lfs_tx_begin(c, &tx, true);
	if (err)
		return err;
	err = lfs_tx_call(&tx, LISAFS_MID_MOUNT, 0);
	if (err)
		goto out;
	lfs_rd_init(&rd, tx.resp, tx.resp_len);
	lfs_rd_inode(&rd, &ino);
	max = lfs_rd_u32(&rd);
	n = lfs_rd_u16(&rd);
	for (uint16_t i = 0; i < n && !rd.bad; i++)
		set_supported(c, lfs_rd_u16(&rd));
	if (rd.bad || max < LFS_CLIENT_MIN_MSG) {
		err = -EPROTO;
		goto out;
	}
	if (max > LFS_CLIENT_MAX_MSG)
		max = LFS_CLIENT_MAX_MSG;
	/* Grow the socket buffer to the negotiated size (we hold sock_mu). */
	if (max > c->sock_cap) {
		buf = realloc(c->sock_buf, max);
		if (!buf) {
			err = -ENOMEM;
			goto out;
		}
		c->sock_buf = buf;
		c->sock_cap = max;
	}
	c->max_msg = max;
	if (root)
		*root = ino;
out:
	lfs_tx_end(&tx);
	return err;
}

/*
 * A device endpoint arrives O_NONBLOCK, as every donated fd does (gVisor's
 * rule, kept by our server), and the module honours that: each wait would
 * become HANDOFF, EAGAIN, poll, HANDOFF. The channel's waits are meant to
 * block, and this endpoint file is the client's alone.
 */
static void make_blocking(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl >= 0 && (fl & O_NONBLOCK))
		fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
}

static int start_one_channel(struct lisafs_client *c, uint16_t mid)
{
	struct lfs_client_channel *cc;
	struct flipcall_window win;
	struct lfs_tx tx;
	struct lfs_rd rd;
	int fdsock, err;

	err = lfs_tx_begin(c, &tx, false);
	if (err)
		return err;
	err = lfs_tx_call(&tx, mid, 0);
	if (err)
		goto out;
	lfs_rd_init(&rd, tx.resp, tx.resp_len);
	win.offset = lfs_rd_u64(&rd);
	win.length = lfs_rd_u64(&rd);
	if (rd.bad || tx.nfds != 2) {
		err = -EPROTO;
		goto out;
	}
	cc = calloc(1, sizeof(*cc));
	if (!cc) {
		err = -ENOMEM;
		goto out;
	}
	win.fd = tx.fds[0];
	if (mid == LISAFS_MID_DEVICE_CHANNEL)
		make_blocking(win.fd);
	fdsock = lfs_tx_take_fd(&tx, 1);
	err = lfs_channel_init(&cc->ch, FLIPCALL_SIDE_CLIENT, &win, fdsock,
			       c->opts.spin_ns, c->opts.wait_policy,
			       c->opts.timeout_ms);
	if (!err)
		err = flipcall_endpoint_connect(cc->ch.ep);
	if (err) {
		if (cc->ch.ep)
			lfs_channel_fini(&cc->ch);
		free(cc);
		goto out;
	}
	pthread_mutex_lock(&c->ch_mu);
	c->chans[c->n_chans++] = cc;
	pthread_mutex_unlock(&c->ch_mu);
out:
	lfs_tx_end(&tx);
	return err;
}

void lfs_client_start_channels(struct lisafs_client *c)
{
	bool device = !(c->opts.flags & LISAFS_CLIENT_NO_DEVICE) &&
		      lisafs_client_supports(c, LISAFS_MID_DEVICE_CHANNEL);
	uint32_t want = c->opts.channels ? c->opts.channels :
					   LISAFS_MAX_CHANNELS;

	if (want > LISAFS_MAX_CHANNELS)
		want = LISAFS_MAX_CHANNELS;
	while ((uint32_t)c->n_chans < want) {
		int err = -EOPNOTSUPP;

		if (device) {
			err = start_one_channel(c, LISAFS_MID_DEVICE_CHANNEL);
			if (err)
				device = false;	/* fall back for good */
		}
		if (err && lisafs_client_supports(c, LISAFS_MID_CHANNEL))
			err = start_one_channel(c, LISAFS_MID_CHANNEL);
		if (err)
			break;	/* ENOMEM past the server's limit: fine */
	}
}

static void *watchdog_thread(void *arg)
{
	struct lisafs_client *c = arg;
	struct pollfd p[2] = {
		{ .fd = c->sock, .events = POLLRDHUP },
		{ .fd = c->wake_efd, .events = POLLIN },
	};

	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[0].revents || p[1].revents)
			break;
	}
	lfs_client_kill(c);
	return NULL;
}

FLIPCALL_EXPORT int lisafs_client_connect(int sock_fd,
					  const struct lisafs_client_options *opts,
					  struct lisafs_client **out,
					  struct lisafs_inode *root)
{
	struct lisafs_client *c;
	int err;

	if (sock_fd < 0 || !out) {
		if (sock_fd >= 0)
			close(sock_fd);
		return -EINVAL;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(sock_fd);
		return -ENOMEM;
	}
	c->sock = sock_fd;
	c->wake_efd = -1;
	if (opts) {
		if (opts->size < sizeof(uint32_t)) {
			err = -EINVAL;
			goto fail;
		}
		memcpy(&c->opts, opts, opts->size < sizeof(c->opts) ?
					       opts->size : sizeof(c->opts));
	}
	c->opts.size = sizeof(c->opts);
	if (c->opts.wait_policy > FLIPCALL_WAIT_SPIN) {
		err = -EINVAL;
		goto fail;
	}
	pthread_mutex_init(&c->sock_mu, NULL);
	pthread_mutex_init(&c->ch_mu, NULL);
	c->sock_cap = c->max_msg = LISAFS_PREMOUNT_MESSAGE_SIZE;
	c->sock_buf = malloc(c->sock_cap);
	c->wake_efd = eventfd(0, EFD_CLOEXEC);
	if (!c->sock_buf || c->wake_efd < 0) {
		err = -ENOMEM;
		goto fail;
	}
	if (c->opts.timeout_ms) {
		struct timeval tv = {
			.tv_sec = c->opts.timeout_ms / 1000,
			.tv_usec = (c->opts.timeout_ms % 1000) * 1000,
		};

		setsockopt(sock_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(sock_fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	}
	err = lfs_client_mount(c, root);
	if (err)
		goto fail;
	err = -pthread_create(&c->watchdog, NULL, watchdog_thread, c);
	if (err)
		goto fail;
	c->watchdog_started = 1;
	if (!(c->opts.flags & LISAFS_CLIENT_NO_CHANNELS))
		lfs_client_start_channels(c);
	*out = c;
	return 0;

fail:
	lisafs_client_destroy(c);
	return err;
}

FLIPCALL_EXPORT int lisafs_client_connect_path(const char *socket_path,
					       const struct lisafs_client_options *opts,
					       struct lisafs_client **out,
					       struct lisafs_inode *root)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd;

	if (!socket_path || strlen(socket_path) >= sizeof(addr.sun_path))
		return -EINVAL;
	strcpy(addr.sun_path, socket_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return lisafs_client_connect(fd, opts, out, root);
}

FLIPCALL_EXPORT int lisafs_client_shutdown(struct lisafs_client *c)
{
	if (!c)
		return -EINVAL;
	lfs_client_kill(c);
	return 0;
}

FLIPCALL_EXPORT void lisafs_client_destroy(struct lisafs_client *c)
{
	uint64_t one = 1;

	if (!c)
		return;
	if (c->watchdog_started) {
		if (write(c->wake_efd, &one, sizeof(one)) < 0) {
			/* Cannot fail for a fresh eventfd; the kill below
			 * wakes the watchdog through the socket anyway.
			 */
		}
		lfs_client_kill(c);
		pthread_join(c->watchdog, NULL);
	}
	for (int i = 0; i < c->n_chans; i++) {
		lfs_channel_fini(&c->chans[i]->ch);
		free(c->chans[i]);
	}
	pthread_mutex_destroy(&c->ch_mu);
	pthread_mutex_destroy(&c->sock_mu);
	if (c->wake_efd >= 0)
		close(c->wake_efd);
	close(c->sock);
	free(c->sock_buf);
	free(c);
}

FLIPCALL_EXPORT uint32_t lisafs_client_max_message_size(const struct lisafs_client *c)
{
	return c ? c->max_msg : 0;
}

FLIPCALL_EXPORT int lisafs_client_channels(const struct lisafs_client *c,
					   int *futex, int *device)
{
	int f = 0, d = 0;

	if (!c)
		return -EINVAL;
	for (int i = 0; i < c->n_chans; i++) {
		if (__atomic_load_n(&c->chans[i]->dead, __ATOMIC_ACQUIRE))
			continue;
		if (c->chans[i]->ch.device)
			d++;
		else
			f++;
	}
	if (futex)
		*futex = f;
	if (device)
		*device = d;
	return f + d;
}
