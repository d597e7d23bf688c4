// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Typed client calls on files: FStat, SetStat, Walk, WalkStat, OpenAt,
 * OpenCreateAt, Close, FSync, PRead, PWrite, FStatFS, FAllocate, Flush.
 * Each marshals its request into the transaction's buffer and decodes the
 * response with the bounded readers, so a garbled answer is -EPROTO.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "export.h"
#include "lisafs/client_internal.h"
#include "lisafs/wire.h"

FLIPCALL_EXPORT int lisafs_client_fstat(struct lisafs_client *c, uint64_t fd,
					struct statx *st)
{
	struct lfs_tx tx;
	struct lfs_wr w;
	struct lfs_rd rd;
	int err = lfs_client_begin(c, &tx, LISAFS_MID_FSTAT, &w);

	if (err)
		return err;
	lfs_wr_u64(&w, fd);
	err = lfs_client_send(&tx, LISAFS_MID_FSTAT, &w, &rd);
	if (!err) {
		struct statx tmp;

		lfs_rd_statx(&rd, &tmp);
		if (rd.bad)
			err = -EPROTO;
		else if (st)
			*st = tmp;
	}
	lfs_tx_end(&tx);
	return err;
}

FLIPCALL_EXPORT int lisafs_client_setstat(struct lisafs_client *c, uint64_t fd,
					  const struct lisafs_setstat *req,
					  uint32_t *failure_mask,
					  int *failure_errno)
{
	struct lfs_tx tx;
	struct lfs_wr w;
	struct lfs_rd rd;
	int err;

	if (!req)
		return -EINVAL;
	err = lfs_client_begin(c, &tx, LISAFS_MID_SETSTAT, &w);
	if (err)
		return err;
	lfs_wr_u64(&w, fd);
	lfs_wr_u32(&w, req->mask);
	lfs_wr_u32(&w, req->mode);
	lfs_wr_u32(&w, req->uid);
	lfs_wr_u32(&w, req->gid);
	lfs_wr_u64(&w, req->size);
	lfs_wr_u64(&w, (uint64_t)req->atime.tv_sec);
	lfs_wr_u64(&w, (uint64_t)req->atime.tv_nsec);
	lfs_wr_u64(&w, (uint64_t)req->mtime.tv_sec);
	lfs_wr_u64(&w, (uint64_t)req->mtime.tv_nsec);
	err = lfs_client_send(&tx, LISAFS_MID_SETSTAT, &w, &rd);
	if (!err) {
		uint32_t mask = lfs_rd_u32(&rd), e = lfs_rd_u32(&rd);

		if (rd.bad) {
			err = -EPROTO;
		} else {
			if (failure_mask)
				*failure_mask = mask;
			if (failure_errno)
				*failure_errno = (int)e;
		}
	}
	lfs_tx_end(&tx);
	return err;
}

static int wr_walk_req(struct lfs_wr *w, uint64_t dirfd,
		       const char *const *names, size_t n, bool allow_empty)
{
	if (n > UINT16_MAX || (n && !names))
		return -EINVAL;
	lfs_wr_u64(w, dirfd);
	lfs_wr_u16(w, (uint16_t)n);
	for (size_t i = 0; i < n; i++) {
		if (!(allow_empty && i == 0 && names[0] && !names[0][0]) &&
		    lfs_client_check_name(names[i]))
			return -EINVAL;
		lfs_wr_string(w, names[i], strlen(names[i]));
	}
	return 0;
}

FLIPCALL_EXPORT int lisafs_client_walk(struct lisafs_client *c, uint64_t dirfd,
				       const char *const *names, size_t n_names,
				       struct lisafs_inode *inodes,
				       size_t *n_inodes, uint8_t *status)
{
	struct lfs_tx tx;
	struct lfs_wr w;
	struct lfs_rd rd;
	uint8_t st;
	uint16_t n;
	int err;

	if (!n_inodes || (n_names && !inodes))
		return -EINVAL;
	err = lfs_client_begin(c, &tx, LISAFS_MID_WALK, &w);
	if (err)
		return err;
	err = wr_walk_req(&w, dirfd, names, n_names, false);
	if (!err)
		err = lfs_client_send(&tx, LISAFS_MID_WALK, &w, &rd);
	if (!err) {
		st = lfs_rd_u8(&rd);
		n = lfs_rd_u16(&rd);
		if (rd.bad || n > n_names || st > LISAFS_WALK_COMPONENT_SYMLINK)
			err = -EPROTO;
		for (uint16_t i = 0; !err && i < n; i++)
			lfs_rd_inode(&rd, &inodes[i]);
		if (!err && rd.bad)
			err = -EPROTO;
		if (!err) {
			*n_inodes = n;
			if (status)
				*status = st;
		}
	}
	lfs_tx_end(&tx);
	return err;
}

FLIPCALL_EXPORT int lisafs_client_walk_stat(struct lisafs_client *c,
					    uint64_t dirfd,
					    const char *const *names,
					    size_t n_names, struct statx *stats,
					    size_t *n_stats)
{
	struct lfs_tx tx;
	struct lfs_wr w;
	struct lfs_rd rd;
	uint16_t n;
	int err;

	if (!n_stats || (n_names && !stats))
		return -EINVAL;
	err = lfs_client_begin(c, &tx, LISAFS_MID_WALK_STAT, &w);
	if (err)
		return err;
	err = wr_walk_req(&w, dirfd, names, n_names, true);
	if (!err)
		err = lfs_client_send(&tx, LISAFS_MID_WALK_STAT, &w, &rd);
	if (!err) {
		n = lfs_rd_u16(&rd);
		if (rd.bad || n > n_names)
			err = -EPROTO;
		for (uint16_t i = 0; !err && i < n; i++)
			lfs_rd_statx(&rd, &stats[i]);
		if (!err && rd.bad)
			err = -EPROTO;
		if (!err)
			*n_stats = n;
	}
	lfs_tx_end(&tx);
	return err;
}

/*
 * Hand a donated host fd to the caller, or close it. Both receive paths
 * (sock.c, fdchannel) take fds with MSG_CMSG_CLOEXEC: no fcntl here.
 */
static void give_host_fd(struct lfs_tx *tx, int *host_fd)
{
	if (host_fd)
		*host_fd = lfs_tx_take_fd(tx, 0);
}

FLIPCALL_EXPORT int lisafs_client_openat(struct lisafs_client *c, uint64_t fd,
					 uint32_t flags, uint64_t *open_fd,
					 int *host_fd)
{
	struct lfs_tx tx;
	struct lfs_wr w;
	struct lfs_rd rd;
	int err;

	if (host_fd)
		*host_fd = -1;
	if (!open_fd)
		return -EINVAL;
	err = lfs_client_begin(c, &tx, LISAFS_MID_OPENAT, &w);
	if (err)
		return err;
	lfs_wr_u64(&w, fd);
	lfs_wr_u32(&w, flags);
	lfs_wr_u32(&w, 0);
	err = lfs_client_send(&tx, LISAFS_MID_OPENAT, &w, &rd);
	if (!err) {
		uint64_t id = lfs_rd_u64(&rd);

		if (rd.bad) {
			err = -EPROTO;
		} else {
			*open_fd = id;
			give_host_fd(&tx, host_fd);
		}
	}
	lfs_tx_end(&tx);
	return err;
}

FLIPCALL_EXPORT int lisafs_client_open_create_at(struct lisafs_client *c,
						 uint64_t dirfd,
						 const char *name,
						 uint32_t flags, mode_t mode,
						 uid_t uid, gid_t gid,
						 struct lisafs_inode *child,
						 uint64_t *open_fd,
						 int *host_fd)
{
	struct lisafs_inode ino;
	struct lfs_tx tx;
	struct lfs_wr w;
	struct lfs_rd rd;
	int err;

	if (host_fd)
		*host_fd = -1;
	if (!open_fd)
		return -EINVAL;
	err = lfs_client_begin_named(c, &tx, LISAFS_MID_OPEN_CREATE_AT, &w,
				     name);
	if (err)
		return err;
	lfs_wr_create_common(&w, dirfd, uid, gid, (uint16_t)mode);
	lfs_wr_u32(&w, flags);
	lfs_wr_string(&w, name, strlen(name));
	err = lfs_client_send(&tx, LISAFS_MID_OPEN_CREATE_AT, &w, &rd);
	if (!err) {
		uint64_t id;

		lfs_rd_inode(&rd, &ino);
		id = lfs_rd_u64(&rd);
		if (rd.bad) {
			err = -EPROTO;
		} else {
			if (child)
				*child = ino;
			*open_fd = id;
			give_host_fd(&tx, host_fd);
		}
	}
	lfs_tx_end(&tx);
	return err;
}

static int fd_array_call(struct lisafs_client *c, uint16_t mid,
			 const uint64_t *fds, size_t n)
{
	struct lfs_tx tx;
	struct lfs_wr w;
	int err;

	if (n > UINT16_MAX || (n && !fds))
		return -EINVAL;
	err = lfs_client_begin(c, &tx, mid, &w);
	if (err)
		return err;
	lfs_wr_u16(&w, (uint16_t)n);
	for (size_t i = 0; i < n; i++)
		lfs_wr_u64(&w, fds[i]);
	return lfs_client_finish(&tx, mid, &w);
}

FLIPCALL_EXPORT int lisafs_client_close(struct lisafs_client *c,
					const uint64_t *fds, size_t n)
{
	return fd_array_call(c, LISAFS_MID_CLOSE, fds, n);
}

FLIPCALL_EXPORT int lisafs_client_fsync(struct lisafs_client *c,
					const uint64_t *fds, size_t n)
{
	return fd_array_call(c, LISAFS_MID_FSYNC, fds, n);
}

/* One PRead of at most what a message can carry. */
static ssize_t pread_once(struct lisafs_client *c, uint64_t open_fd,
			  void *buf, uint32_t count, uint64_t offset)
{
	struct lfs_tx tx;
	struct lfs_wr w;
	struct lfs_rd rd;
	ssize_t ret;
	int err = lfs_client_begin(c, &tx, LISAFS_MID_PREAD, &w);

	if (err)
		return err;
	lfs_wr_u64(&w, offset);
	lfs_wr_u64(&w, open_fd);
	lfs_wr_u32(&w, count);
	lfs_wr_u32(&w, 0);
	err = lfs_client_send(&tx, LISAFS_MID_PREAD, &w, &rd);
	if (err) {
		ret = err;
	} else {
		uint64_t n = lfs_rd_u64(&rd);
		const uint8_t *p = rd.bad || n > count ? NULL :
				   lfs_rd_bytes(&rd, n);

		if (!p) {
			ret = -EPROTO;
		} else {
			memcpy(buf, p, n);
			ret = (ssize_t)n;
		}
	}
	lfs_tx_end(&tx);
	return ret;
}

FLIPCALL_EXPORT ssize_t lisafs_client_pread(struct lisafs_client *c,
					    uint64_t open_fd, void *buf,
					    size_t count, uint64_t offset)
{
	size_t done = 0;

	if (!c || (count && !buf))
		return -EINVAL;
	while (done < count) {
		size_t chunk = count - done;
		ssize_t n;

		if (chunk > c->max_msg - 8)
			chunk = c->max_msg - 8;
		n = pread_once(c, open_fd, (char *)buf + done, (uint32_t)chunk,
			       offset + done);
		if (n < 0)
			return done ? (ssize_t)done : n;
		done += (size_t)n;
		if ((size_t)n < chunk)
			break;
	}
	return (ssize_t)done;
}

static ssize_t pwrite_once(struct lisafs_client *c, uint64_t open_fd,
			   const void *buf, uint32_t count, uint64_t offset)
{
	struct lfs_tx tx;
	struct lfs_wr w;
	struct lfs_rd rd;
	ssize_t ret;
	int err = lfs_client_begin(c, &tx, LISAFS_MID_PWRITE, &w);

	if (err)
		return err;
	lfs_wr_u64(&w, offset);
	lfs_wr_u64(&w, open_fd);
	lfs_wr_u32(&w, count);
	lfs_wr_bytes(&w, buf, count);
	err = lfs_client_send(&tx, LISAFS_MID_PWRITE, &w, &rd);
	if (err) {
		ret = err;
	} else {
		uint64_t n = lfs_rd_u64(&rd);

		ret = rd.bad || n > count ? -EPROTO : (ssize_t)n;
	}
	lfs_tx_end(&tx);
	return ret;
}

FLIPCALL_EXPORT ssize_t lisafs_client_pwrite(struct lisafs_client *c,
					     uint64_t open_fd, const void *buf,
					     size_t count, uint64_t offset)
{
	size_t done = 0;

	if (!c || (count && !buf))
		return -EINVAL;
	do {
		size_t chunk = count - done;
		ssize_t n;

		if (chunk > c->max_msg - 20)
			chunk = c->max_msg - 20;
		n = pwrite_once(c, open_fd, (const char *)buf + done,
				(uint32_t)chunk, offset + done);
		if (n < 0)
			return done ? (ssize_t)done : n;
		done += (size_t)n;
		if ((size_t)n < chunk)
			break;
	} while (done < count);
	return (ssize_t)done;
}

FLIPCALL_EXPORT int lisafs_client_fstatfs(struct lisafs_client *c, uint64_t fd,
					  struct lisafs_statfs *out)
{
	struct lfs_tx tx;
	struct lfs_wr w;
	struct lfs_rd rd;
	int err;

	if (!out)
		return -EINVAL;
	err = lfs_client_begin(c, &tx, LISAFS_MID_FSTATFS, &w);
	if (err)
		return err;
	lfs_wr_u64(&w, fd);
	err = lfs_client_send(&tx, LISAFS_MID_FSTATFS, &w, &rd);
	if (!err) {
		struct lisafs_statfs s;

		s.type = lfs_rd_u64(&rd);
		s.block_size = lfs_rd_u64(&rd);
		s.blocks = lfs_rd_u64(&rd);
		s.blocks_free = lfs_rd_u64(&rd);
		s.blocks_available = lfs_rd_u64(&rd);
		s.files = lfs_rd_u64(&rd);
		s.files_free = lfs_rd_u64(&rd);
		s.name_length = lfs_rd_u64(&rd);
		if (rd.bad)
			err = -EPROTO;
		else
			*out = s;
	}
	lfs_tx_end(&tx);
	return err;
}

FLIPCALL_EXPORT int lisafs_client_fallocate(struct lisafs_client *c,
					    uint64_t open_fd, uint64_t mode,
					    uint64_t offset, uint64_t length)
{
	struct lfs_tx tx;
	struct lfs_wr w;
	int err = lfs_client_begin(c, &tx, LISAFS_MID_FALLOCATE, &w);

	if (err)
		return err;
	lfs_wr_u64(&w, open_fd);
	lfs_wr_u64(&w, mode);
	lfs_wr_u64(&w, offset);
	lfs_wr_u64(&w, length);
	return lfs_client_finish(&tx, LISAFS_MID_FALLOCATE, &w);
}

FLIPCALL_EXPORT int lisafs_client_flush(struct lisafs_client *c,
					uint64_t open_fd)
{
	struct lfs_tx tx;
	struct lfs_wr w;
	int err = lfs_client_begin(c, &tx, LISAFS_MID_FLUSH, &w);

	if (err)
		return err;
	lfs_wr_u64(&w, open_fd);
	return lfs_client_finish(&tx, LISAFS_MID_FLUSH, &w);
}
