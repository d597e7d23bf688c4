// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * One lisafs connection: a thread reads requests off the socket, and each
 * channel the client starts gets a thread of its own (gVisor runs a
 * goroutine per channel the same way). Everything a connection owns (FDIDs,
 * windows, buffers) is freed when its socket ends; nothing it does can reach
 * another connection's state.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lisafs/server_internal.h"
#include "lisafs/wire.h"

int lfs_req_donate(struct lfs_req *r, int fd)
{
	int fl;

	if (r->nfds >= LFS_MAX_DONATED) {
		close(fd);
		return -EIO;
	}
	/* As gVisor's DonateFD; an O_PATH fd refuses with EBADF, harmlessly. */
	fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	r->fds[r->nfds++] = fd;
	return 0;
}

int lfs_req_one_fd(struct lfs_req *r, int kind, struct lfs_fd **out)
{
	struct lfs_rd rd;
	uint64_t id;

	lfs_rd_init(&rd, r->buf, r->len);
	id = lfs_rd_u64(&rd);
	if (rd.bad)
		return -EIO;
	return lfs_fdt_get(&r->conn->fdt, id, kind, out);
}

int lfs_req_dir_to_change(struct lfs_req *r, uint64_t id, struct lfs_fd **out)
{
	int err;

	if (lfs_readonly(r))
		return -EROFS;
	err = lfs_fdt_get(&r->conn->fdt, id, LFS_FD_CONTROL, out);
	if (err)
		return err;
	if ((*out)->type != S_IFDIR) {
		lfs_fd_put(*out);
		return -ENOTDIR;
	}
	return 0;
}

int lfs_req_fd_u32(struct lfs_req *r, int kind, struct lfs_fd **out,
		   uint32_t *arg)
{
	struct lfs_rd rd;
	uint64_t id;

	lfs_rd_init(&rd, r->buf, r->len);
	id = lfs_rd_u64(&rd);
	*arg = lfs_rd_u32(&rd);
	lfs_rd_u32(&rd);	/* padding: the Go struct is 16 bytes */
	if (rd.bad)
		return -EIO;
	return lfs_fdt_get(&r->conn->fdt, id, kind, out);
}

static void close_donated(struct lfs_req *r)
{
	while (r->nfds)
		close(r->fds[--r->nfds]);
}

static uint32_t error_response(struct lfs_req *r, int err, uint16_t *resp_mid)
{
	uint32_t e = (uint32_t)-err;

	close_donated(r);
	memcpy(r->buf, &e, 4);
	*resp_mid = LISAFS_MID_ERROR;
	return 4;
}

uint32_t lfs_conn_handle(struct lfs_conn *c, uint16_t mid, struct lfs_req *r,
			 uint16_t *resp_mid)
{
	lfs_handler_fn fn;
	int n;

	r->conn = c;
	r->nfds = 0;
	if (r->len > c->srv->max_msg)
		return error_response(r, -EIO, resp_mid);
	fn = lfs_handler_for(c->srv, mid);
	if (!fn)
		return error_response(r, -EOPNOTSUPP, resp_mid);
	n = fn(r);
	if (n < 0)
		return error_response(r, n, resp_mid);
	if ((uint32_t)n > r->cap)
		return error_response(r, -EIO, resp_mid);
	*resp_mid = mid;
	return (uint32_t)n;
}

/* A channel's service loop: dataLen 0 or any channel failure ends it. */
static void *channel_thread(void *arg)
{
	struct lfs_conn_channel *cc = arg;
	struct lfs_channel *ch = &cc->ch;
	int n = flipcall_endpoint_recv_first(ch->ep);

	while (n > 0) {
		struct lfs_req r = {
			.buf = lfs_channel_payload(ch),
			.cap = ch->payload_cap,
		};
		uint16_t mid, resp_mid;
		uint8_t num_fds;
		uint32_t resp_len;

		if (lfs_channel_parse(ch, n, &mid, &num_fds, &r.len) < 0)
			break;
		if (num_fds) {
			/* Requests never carry fds; a client that says so is
			 * broken, answer it but accept none.
			 */
			resp_len = error_response(&r, -EIO, &resp_mid);
		} else {
			if (r.cap > cc->conn->srv->max_msg)
				r.cap = cc->conn->srv->max_msg;
			resp_len = lfs_conn_handle(cc->conn, mid, &r, &resp_mid);
		}
		n = lfs_channel_reply(ch, resp_mid, resp_len, r.fds, r.nfds);
		close_donated(&r);
	}
	/* Garbage or a failure: make sure the client sees the end too. */
	lfs_channel_shutdown(ch);
	return NULL;
}

int lfs_conn_start_channel(struct lfs_conn *c, struct lfs_conn_channel *cc)
{
	int err = -ENOMEM;

	cc->conn = c;
	pthread_mutex_lock(&c->mu);
	if (c->closing) {
		err = -ENOSYS;
	} else if (c->n_chans < LISAFS_MAX_CHANNELS) {
		err = -pthread_create(&cc->thread, NULL, channel_thread, cc);
		if (!err)
			c->chans[c->n_chans++] = cc;
	}
	pthread_mutex_unlock(&c->mu);
	return err;
}

struct lfs_conn *lfs_conn_new(struct lisafs_server *s, int sock)
{
	struct lfs_conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->sock_buf = malloc(s->max_msg);
	if (!c->sock_buf) {
		free(c);
		return NULL;
	}
	c->srv = s;
	c->sock = sock;
	lfs_fdt_init(&c->fdt, s->max_fdids);
	pthread_mutex_init(&c->mu, NULL);
	return c;
}

void lfs_conn_run(struct lfs_conn *c)
{
	for (;;) {
		struct lfs_req r = { .buf = c->sock_buf, .cap = c->srv->max_msg };
		uint16_t mid, resp_mid;
		uint32_t resp_len;
		int err;

		err = lfs_sock_recv(c->sock, &mid, r.buf, r.cap, &r.len,
				    NULL, 0, NULL);
		/* Oversized, or carrying fds (closed): answered, not fatal. */
		if (err == -EMSGSIZE || err == -EPROTO)
			resp_len = error_response(&r, -EIO, &resp_mid);
		else if (err)
			break;
		else
			resp_len = lfs_conn_handle(c, mid, &r, &resp_mid);
		err = lfs_sock_send(c->sock, resp_mid, r.buf, resp_len, r.fds,
				    r.nfds);
		close_donated(&r);
		if (err)
			break;
	}
	pthread_mutex_lock(&c->mu);
	c->closing = true;
	pthread_mutex_unlock(&c->mu);
	for (int i = 0; i < c->n_chans; i++)
		lfs_channel_shutdown(&c->chans[i]->ch);
	for (int i = 0; i < c->n_chans; i++)
		pthread_join(c->chans[i]->thread, NULL);
}

void lfs_conn_free(struct lfs_conn *c)
{
	for (int i = 0; i < c->n_chans; i++) {
		lfs_channel_fini(&c->chans[i]->ch);
		free(c->chans[i]);
	}
	if (c->alloc)
		flipcall_window_allocator_destroy(c->alloc);
	lfs_fdt_fini(&c->fdt);
	pthread_mutex_destroy(&c->mu);
	close(c->sock);
	free(c->sock_buf);
	free(c);
}
