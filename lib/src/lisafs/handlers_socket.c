// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Unix sockets in the export: BindAt, Listen, Accept, Connect and
 * ConnectWithCreds. Only offered with LISAFS_SERVER_ALLOW_SOCKETS. Socket
 * paths are reached through /proc/self/fd of a held fd, so bind and connect
 * stay inside the export like every other lookup.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "lisafs/server_internal.h"
#include "lisafs/wire.h"

static bool valid_sock_type(uint32_t type)
{
	return type == SOCK_STREAM || type == SOCK_DGRAM ||
	       type == SOCK_SEQPACKET;
}

static int connect_common(struct lfs_req *r, bool with_creds)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	uint32_t type, uid = 0, gid = 0;
	struct lfs_rd rd;
	struct lfs_fd *f;
	uint64_t id;
	int sock, err = 0;

	lfs_rd_init(&rd, r->buf, r->len);
	id = lfs_rd_u64(&rd);
	type = lfs_rd_u32(&rd);
	lfs_rd_u32(&rd);
	if (with_creds) {
		uid = lfs_rd_u32(&rd);
		gid = lfs_rd_u32(&rd);
	}
	if (rd.bad)
		return -EIO;
	if (!valid_sock_type(type))
		return -EINVAL;
	err = lfs_req_fd(r, id, LFS_FD_CONTROL, &f);
	if (err)
		return err;
	if (f->type != S_IFSOCK) {
		err = -ECONNREFUSED;
		goto out;
	}
	lfs_fd_path(f->host_fd, addr.sun_path);
	/* Non-blocking: a full listen backlog must not park a server
	 * thread (connect would wait for room, and stop would wait for it).
	 */
	sock = socket(AF_UNIX, (int)type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (sock < 0) {
		err = -errno;
		goto out;
	}
	/* Only a privileged server can check access as someone else; the
	 * fs ids are per thread, so this affects this request only.
	 */
	if (with_creds && geteuid() == 0) {
		setfsgid(gid);
		setfsuid(uid);
	}
	if (connect(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		err = -errno;
	if (with_creds && geteuid() == 0) {
		setfsuid(0);
		setfsgid(getegid());
	}
	if (err)
		close(sock);
	else
		lfs_req_donate(r, sock);
out:
	lfs_fd_put(f);
	return err;
}

int lfs_h_connect(struct lfs_req *r)
{
	return connect_common(r, false);
}

int lfs_h_connect_with_creds(struct lfs_req *r)
{
	return connect_common(r, true);
}

int lfs_h_bindat(struct lfs_req *r)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct lfs_create_common cc;
	char name[LFS_NAME_BUF];
	struct lisafs_inode ino;
	struct lfs_rd rd;
	struct lfs_wr w;
	struct lfs_fd *dir;
	uint64_t bound_id;
	uint32_t type;
	int sock, copy, path_fd, err, n;

	lfs_rd_init(&rd, r->buf, r->len);
	lfs_rd_create_common(&rd, &cc);
	type = lfs_rd_u32(&rd);
	err = lfs_rd_name(&rd, name);
	err = lfs_rd_result(&rd, err);
	if (err)
		return err;
	if (!valid_sock_type(type))
		return -EINVAL;
	err = lfs_req_dir_to_change(r, cc.dirfd, &dir);
	if (err)
		return err;
	n = snprintf(addr.sun_path, sizeof(addr.sun_path), "/proc/self/fd/%d/%s",
		     dir->host_fd, name);
	if (n < 0 || (size_t)n >= sizeof(addr.sun_path)) {
		err = -ENAMETOOLONG;
		goto out;
	}
	sock = socket(AF_UNIX, (int)type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (sock < 0) {
		err = -errno;
		goto out;
	}
	if (bind(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		err = -errno;
		close(sock);
		goto out;
	}
	path_fd = lfs_open_child(dir->host_fd, name);
	if (path_fd >= 0 && fchmodat(dir->host_fd, name, cc.mode & 07777, 0) < 0) {
		/* Best effort, like the umask-governed bind itself. */
	}
	err = path_fd < 0 ? path_fd : lfs_new_control(r->conn, path_fd, &ino);
	if (err) {
		close(sock);
		unlinkat(dir->host_fd, name, 0);
		goto out;
	}
	copy = fcntl(sock, F_DUPFD_CLOEXEC, 0);
	err = copy < 0 ? -errno :
	      lfs_fdt_insert(&r->conn->fdt, LFS_FD_BOUND_SOCKET, sock,
			     S_IFSOCK, 0, &bound_id);
	if (err) {
		if (copy >= 0)
			close(copy);
		else
			close(sock);
		lfs_fdt_remove(&r->conn->fdt, ino.fdid);
		unlinkat(dir->host_fd, name, 0);
		goto out;
	}
	lfs_req_donate(r, copy);
	lfs_wr_init(&w, r->buf, r->cap);
	lfs_wr_inode(&w, &ino);
	lfs_wr_u64(&w, bound_id);
	err = (int)w.off;
out:
	lfs_fd_put(dir);
	return err;
}

int lfs_h_listen(struct lfs_req *r)
{
	struct lfs_fd *f;
	uint32_t backlog;
	int err;

	err = lfs_req_fd_u32(r, LFS_FD_BOUND_SOCKET, &f, &backlog);
	if (err)
		return err;
	if (listen(f->host_fd, (int32_t)backlog) < 0)
		err = -errno;
	lfs_fd_put(f);
	return err;
}

int lfs_h_accept(struct lfs_req *r)
{
	struct sockaddr_un peer;
	socklen_t plen = sizeof(peer);
	struct lfs_wr w;
	struct lfs_fd *f;
	size_t alen = 0;
	int conn, err;

	err = lfs_req_one_fd(r, LFS_FD_BOUND_SOCKET, &f);
	if (err)
		return err;
	/* Never block a server thread on a client's listener. */
	conn = accept4(f->host_fd, (struct sockaddr *)&peer, &plen,
		       SOCK_CLOEXEC | SOCK_NONBLOCK);
	err = conn < 0 ? -errno : 0;
	lfs_fd_put(f);
	if (err)
		return err;
	if (plen > offsetof(struct sockaddr_un, sun_path))
		alen = strnlen(peer.sun_path,
			       plen - offsetof(struct sockaddr_un, sun_path));
	lfs_req_donate(r, conn);
	lfs_wr_init(&w, r->buf, r->cap);
	lfs_wr_string(&w, peer.sun_path, alen);
	return (int)w.off;
}
