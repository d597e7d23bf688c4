// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The MID -> handler table, and the connection-setup handlers: Mount,
 * Channel, and our device-channel extension.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "lisafs/server_internal.h"
#include "lisafs/wire.h"

/* A client has no business sending an Error message. */
static int h_error(struct lfs_req *r)
{
	(void)r;
	return -EINVAL;
}

static const lfs_handler_fn handlers[LISAFS_MID_STANDARD_COUNT] = {
	[LISAFS_MID_ERROR] = h_error,
	[LISAFS_MID_MOUNT] = lfs_h_mount,
	[LISAFS_MID_CHANNEL] = lfs_h_channel,
	[LISAFS_MID_FSTAT] = lfs_h_fstat,
	[LISAFS_MID_SETSTAT] = lfs_h_setstat,
	[LISAFS_MID_WALK] = lfs_h_walk,
	[LISAFS_MID_WALK_STAT] = lfs_h_walk_stat,
	[LISAFS_MID_OPENAT] = lfs_h_openat,
	[LISAFS_MID_OPEN_CREATE_AT] = lfs_h_open_create_at,
	[LISAFS_MID_CLOSE] = lfs_h_close,
	[LISAFS_MID_FSYNC] = lfs_h_fsync,
	[LISAFS_MID_PWRITE] = lfs_h_pwrite,
	[LISAFS_MID_PREAD] = lfs_h_pread,
	[LISAFS_MID_MKDIRAT] = lfs_h_mkdirat,
	[LISAFS_MID_MKNODAT] = lfs_h_mknodat,
	[LISAFS_MID_SYMLINKAT] = lfs_h_symlinkat,
	[LISAFS_MID_LINKAT] = lfs_h_linkat,
	[LISAFS_MID_FSTATFS] = lfs_h_fstatfs,
	[LISAFS_MID_FALLOCATE] = lfs_h_fallocate,
	[LISAFS_MID_READLINKAT] = lfs_h_readlinkat,
	[LISAFS_MID_FLUSH] = lfs_h_flush,
	[LISAFS_MID_CONNECT] = lfs_h_connect,
	[LISAFS_MID_UNLINKAT] = lfs_h_unlinkat,
	[LISAFS_MID_RENAMEAT] = lfs_h_renameat,
	[LISAFS_MID_GETDENTS64] = lfs_h_getdents64,
	[LISAFS_MID_FGETXATTR] = lfs_h_fgetxattr,
	[LISAFS_MID_FSETXATTR] = lfs_h_fsetxattr,
	[LISAFS_MID_FLISTXATTR] = lfs_h_flistxattr,
	[LISAFS_MID_FREMOVEXATTR] = lfs_h_fremovexattr,
	[LISAFS_MID_BINDAT] = lfs_h_bindat,
	[LISAFS_MID_LISTEN] = lfs_h_listen,
	[LISAFS_MID_ACCEPT] = lfs_h_accept,
	[LISAFS_MID_CONNECT_WITH_CREDS] = lfs_h_connect_with_creds,
	[LISAFS_MID_RENAMEAT2] = lfs_h_renameat2,
};

static bool is_socket_mid(uint16_t mid)
{
	return mid == LISAFS_MID_CONNECT || mid == LISAFS_MID_BINDAT ||
	       mid == LISAFS_MID_LISTEN || mid == LISAFS_MID_ACCEPT ||
	       mid == LISAFS_MID_CONNECT_WITH_CREDS;
}

lfs_handler_fn lfs_handler_for(const struct lisafs_server *s, uint16_t mid)
{
	if (mid == LISAFS_MID_DEVICE_CHANNEL)
		return s->device_ok ? lfs_h_device_channel : NULL;
	if (mid >= LISAFS_MID_STANDARD_COUNT)
		return NULL;
	if (is_socket_mid(mid) && !(s->flags & LISAFS_SERVER_ALLOW_SOCKETS))
		return NULL;
	return handlers[mid];
}

int lfs_h_mount(struct lfs_req *r)
{
	struct lisafs_server *s = r->conn->srv;
	struct lisafs_inode root;
	struct lfs_wr w;
	int fd, err;

	fd = fcntl(s->export_fd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	err = lfs_new_control(r->conn, fd, &root);
	if (err)
		return err;
	lfs_wr_init(&w, r->buf, r->cap);
	lfs_wr_inode(&w, &root);
	lfs_wr_u32(&w, s->max_msg);
	lfs_wr_u16(&w, s->n_supported);
	for (unsigned int i = 0; i < s->n_supported; i++)
		lfs_wr_u16(&w, s->supported[i]);
	return w.over ? -EIO : (int)w.off;
}

/*
 * Both kinds of channel: window fd + fdchannel socket donated, the
 * ChannelResp says where the window lies in the first fd.
 */
static int start_channel(struct lfs_req *r, struct flipcall_window *client_win,
			 const struct flipcall_window *server_win)
{
	struct lfs_conn_channel *cc;
	struct lfs_wr w;
	int socks[2], err;

	err = fdchannel_pair(socks);
	if (err)
		return err;
	cc = calloc(1, sizeof(*cc));
	if (!cc) {
		err = -ENOMEM;
		goto fail_socks;
	}
	err = lfs_channel_init(&cc->ch, FLIPCALL_SIDE_SERVER, server_win,
			       socks[0], r->conn->srv->spin_ns,
			       r->conn->srv->wait_policy, 0);
	if (err) {
		free(cc);
		close(socks[1]);
		return err;
	}
	err = lfs_conn_start_channel(r->conn, cc);
	if (err) {
		lfs_channel_fini(&cc->ch);
		free(cc);
		close(socks[1]);
		return err;
	}
	/* From here the channel belongs to the connection. */
	lfs_req_donate(r, client_win->fd);
	client_win->fd = -1;
	lfs_req_donate(r, socks[1]);
	lfs_wr_init(&w, r->buf, r->cap);
	lfs_wr_u64(&w, client_win->offset);
	lfs_wr_u64(&w, client_win->length);
	return (int)w.off;

fail_socks:
	close(socks[0]);
	close(socks[1]);
	return err;
}

/*
 * Both kinds of channel start alike: refuse when the connection has all
 * it may have, else size a window for the header and the largest message.
 */
static int new_channel_len(struct lfs_conn *c, uint64_t *len)
{
	bool full;

	pthread_mutex_lock(&c->mu);
	full = c->n_chans >= LISAFS_MAX_CHANNELS;
	pthread_mutex_unlock(&c->mu);
	if (full)
		return -ENOMEM;
	*len = flipcall_window_len_for_data_cap(LISAFS_CHANNEL_HEADER_BYTES +
						c->srv->max_msg);
	return 0;
}

int lfs_h_channel(struct lfs_req *r)
{
	struct lfs_conn *c = r->conn;
	struct flipcall_window win;
	uint64_t len;
	int err;

	err = new_channel_len(c, &len);
	if (err)
		return err;
	pthread_mutex_lock(&c->mu);
	err = c->alloc ? 0 : flipcall_window_allocator_create(&c->alloc);
	if (!err)
		err = flipcall_window_allocator_alloc(c->alloc, len, &win);
	pthread_mutex_unlock(&c->mu);
	if (err)
		return err;
	{
		struct flipcall_window client_win = win;

		client_win.fd = fcntl(win.fd, F_DUPFD_CLOEXEC, 0);
		if (client_win.fd < 0)
			return -errno;
		err = start_channel(r, &client_win, &win);
		if (client_win.fd >= 0)
			close(client_win.fd);
	}
	return err;
}

int lfs_h_device_channel(struct lfs_req *r)
{
	struct lfs_conn *c = r->conn;
	struct lisafs_server *s = c->srv;
	struct flipcall_window cw, sw;
	uint64_t len;
	int err;

	err = new_channel_len(c, &len);
	if (err)
		return err;
	err = flipcall_device_create(len,
				     s->spin_ns ? FLIPCALL_DEVICE_SPIN : 0,
				     s->spin_ns, &cw, &sw);
	if (err)
		return err;
	err = start_channel(r, &cw, &sw);
	/* The server endpoint keeps its own dup of the device fd. */
	close(sw.fd);
	if (cw.fd >= 0)
		close(cw.fd);
	return err;
}
