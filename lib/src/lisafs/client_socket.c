// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Client calls for unix sockets in the export (Connect, BindAt, Listen,
 * Accept), and the raw call used by tools, tests and extension MIDs.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "export.h"
#include "lisafs/client_internal.h"
#include "lisafs/wire.h"

/* The response's single donated fd, or -EPROTO when it did not come. */
static int take_sock(struct lfs_tx *tx, int *out)
{
	int fd = lfs_tx_take_fd(tx, 0);

	if (fd < 0)
		return -EPROTO;
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	if (out)
		*out = fd;
	else
		close(fd);
	return 0;
}

/* Connect and ConnectWithCreds: ConnectReq, then the ids for the latter. */
static int connect_call(struct lisafs_client *c, uint16_t mid, uint64_t fd,
			int sock_type, uid_t uid, gid_t gid, int *sock_fd)
{
	struct lfs_tx tx;
	struct lfs_wr w;
	int err = lfs_client_begin(c, &tx, mid, &w);

	if (err)
		return err;
	lfs_wr_u64(&w, fd);
	lfs_wr_u32(&w, (uint32_t)sock_type);
	lfs_wr_u32(&w, 0);
	if (mid == LISAFS_MID_CONNECT_WITH_CREDS) {
		lfs_wr_u32(&w, uid);
		lfs_wr_u32(&w, gid);
	}
	err = lfs_tx_call(&tx, mid, (uint32_t)w.off);
	if (!err)
		err = take_sock(&tx, sock_fd);
	lfs_tx_end(&tx);
	return err;
}

FLIPCALL_EXPORT int lisafs_client_connect_socket(struct lisafs_client *c,
						 uint64_t fd, int sock_type,
						 int *sock_fd)
{
	return connect_call(c, LISAFS_MID_CONNECT, fd, sock_type, 0, 0,
			    sock_fd);
}

FLIPCALL_EXPORT int lisafs_client_connect_with_creds(struct lisafs_client *c,
						     uint64_t fd, int sock_type,
						     uid_t uid, gid_t gid,
						     int *sock_fd)
{
	return connect_call(c, LISAFS_MID_CONNECT_WITH_CREDS, fd, sock_type,
			    uid, gid, sock_fd);
}

FLIPCALL_EXPORT int lisafs_client_bindat(struct lisafs_client *c,
					 uint64_t dirfd, const char *name,
					 int sock_type, mode_t mode, uid_t uid,
					 gid_t gid, struct lisafs_inode *child,
					 uint64_t *bound_fd, int *sock_fd)
{
	struct lisafs_inode ino;
	struct lfs_tx tx;
	struct lfs_wr w;
	struct lfs_rd rd;
	uint64_t id;
	int err;

	err = lfs_client_begin_named(c, &tx, LISAFS_MID_BINDAT, &w, name);
	if (err)
		return err;
	lfs_wr_create_common(&w, dirfd, uid, gid, (uint16_t)(mode | S_IFSOCK));
	lfs_wr_u32(&w, (uint32_t)sock_type);
	lfs_wr_string(&w, name, strlen(name));
	err = w.over ? -EIO : lfs_tx_call(&tx, LISAFS_MID_BINDAT,
					  (uint32_t)w.off);
	if (!err) {
		lfs_rd_init(&rd, tx.resp, tx.resp_len);
		lfs_rd_inode(&rd, &ino);
		id = lfs_rd_u64(&rd);
		err = rd.bad ? -EPROTO : take_sock(&tx, sock_fd);
		if (!err) {
			if (child)
				*child = ino;
			if (bound_fd)
				*bound_fd = id;
		}
	}
	lfs_tx_end(&tx);
	return err;
}

FLIPCALL_EXPORT int lisafs_client_listen(struct lisafs_client *c,
					 uint64_t bound_fd, int backlog)
{
	struct lfs_tx tx;
	struct lfs_wr w;
	int err = lfs_client_begin(c, &tx, LISAFS_MID_LISTEN, &w);

	if (err)
		return err;
	lfs_wr_u64(&w, bound_fd);
	lfs_wr_u32(&w, (uint32_t)backlog);
	lfs_wr_u32(&w, 0);
	err = lfs_tx_call(&tx, LISAFS_MID_LISTEN, (uint32_t)w.off);
	lfs_tx_end(&tx);
	return err;
}

FLIPCALL_EXPORT int lisafs_client_accept(struct lisafs_client *c,
					 uint64_t bound_fd, int *conn_fd,
					 char *peer_addr, size_t addr_size)
{
	struct lfs_tx tx;
	struct lfs_wr w;
	struct lfs_rd rd;
	int err = lfs_client_begin(c, &tx, LISAFS_MID_ACCEPT, &w);

	if (err)
		return err;
	lfs_wr_u64(&w, bound_fd);
	err = lfs_tx_call(&tx, LISAFS_MID_ACCEPT, (uint32_t)w.off);
	if (!err) {
		uint16_t len;
		const uint8_t *p;

		lfs_rd_init(&rd, tx.resp, tx.resp_len);
		len = lfs_rd_u16(&rd);
		p = lfs_rd_bytes(&rd, len);
		err = p ? take_sock(&tx, conn_fd) : -EPROTO;
		if (!err && peer_addr && addr_size) {
			size_t n = len < addr_size - 1 ? len : addr_size - 1;

			memcpy(peer_addr, p, n);
			peer_addr[n] = '\0';
		}
	}
	lfs_tx_end(&tx);
	return err;
}

FLIPCALL_EXPORT int lisafs_client_call(struct lisafs_client *c, uint16_t mid,
				       const void *req, size_t req_len,
				       void *resp, size_t resp_size,
				       size_t *resp_len, int *fds,
				       unsigned int max_fds,
				       unsigned int *n_fds)
{
	struct lfs_tx tx;
	unsigned int i, n = 0;
	int err;

	if (!c || (req_len && !req) || (resp_size && !resp))
		return -EINVAL;
	err = lfs_tx_begin(c, &tx, false);
	if (err)
		return err;
	if (req_len > tx.cap) {
		lfs_tx_end(&tx);
		return -EIO;
	}
	if (req_len)
		memcpy(tx.buf, req, req_len);
	err = lfs_tx_call(&tx, mid, (uint32_t)req_len);
	if (!err) {
		size_t copy = tx.resp_len < resp_size ? tx.resp_len : resp_size;

		if (copy)
			memcpy(resp, tx.resp, copy);
		if (resp_len)
			*resp_len = tx.resp_len;
		for (i = 0; i < tx.nfds && fds && n < max_fds; i++)
			fds[n++] = lfs_tx_take_fd(&tx, i);
	}
	if (n_fds)
		*n_fds = n;
	lfs_tx_end(&tx);
	return err;
}
