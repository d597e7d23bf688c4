// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The typed client calls, one per MID: each marshals its request into the
 * transaction's buffer, makes the call and decodes the response with the
 * bounded readers, so a server's short or garbled answer is -EPROTO.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "export.h"
#include "lisafs/client_internal.h"
#include "lisafs/wire.h"

/* Send what w holds; EIO if it did not fit in a message. */
static int call(struct lfs_tx *tx, uint16_t mid, const struct lfs_wr *w,
		struct lfs_rd *rd)
{
	int err;

	if (w->over)
		return -EIO;
	err = lfs_tx_call(tx, mid, (uint32_t)w->off);
	if (!err && rd)
		lfs_rd_init(rd, tx->resp, tx->resp_len);
	return err;
}

/* The usual shape: request in w, empty or ignored response. */
static int finish(struct lfs_tx *tx, uint16_t mid, struct lfs_wr *w)
{
	int err = call(tx, mid, w, NULL);

	lfs_tx_end(tx);
	return err;
}

static int check_name(const char *name)
{
	if (!name)
		return -EINVAL;
	return lfs_name_is_safe(name, strlen(name)) ? 0 : -EINVAL;
}

static void wr_create_common(struct lfs_wr *w, uint64_t dirfd, uint32_t uid,
			     uint32_t gid, mode_t mode)
{
	lfs_wr_u64(w, dirfd);
	lfs_wr_u32(w, uid);
	lfs_wr_u32(w, gid);
	lfs_wr_u16(w, (uint16_t)mode);
	lfs_wr_bytes(w, "\0\0\0\0\0\0", 6);
}

/* A response that is exactly one Inode. */
static int inode_call(struct lfs_tx *tx, uint16_t mid, struct lfs_wr *w,
		      struct lisafs_inode *child)
{
	struct lisafs_inode ino;
	struct lfs_rd rd;
	int err = call(tx, mid, w, &rd);

	if (!err) {
		lfs_rd_inode(&rd, &ino);
		if (rd.bad)
			err = -EPROTO;
		else if (child)
			*child = ino;
	}
	lfs_tx_end(tx);
	return err;
}

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
	err = call(&tx, LISAFS_MID_FSTAT, &w, &rd);
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
	err = call(&tx, LISAFS_MID_SETSTAT, &w, &rd);
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
		    check_name(names[i]))
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
		err = call(&tx, LISAFS_MID_WALK, &w, &rd);
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
		err = call(&tx, LISAFS_MID_WALK_STAT, &w, &rd);
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

/* Hand a donated host fd to the caller, or close it. */
static void give_host_fd(struct lfs_tx *tx, int *host_fd)
{
	if (!host_fd)
		return;
	*host_fd = lfs_tx_take_fd(tx, 0);
	if (*host_fd >= 0)
		fcntl(*host_fd, F_SETFD, FD_CLOEXEC);
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
	err = call(&tx, LISAFS_MID_OPENAT, &w, &rd);
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
	err = check_name(name);
	if (err || !open_fd)
		return -EINVAL;
	err = lfs_client_begin(c, &tx, LISAFS_MID_OPEN_CREATE_AT, &w);
	if (err)
		return err;
	wr_create_common(&w, dirfd, uid, gid, mode);
	lfs_wr_u32(&w, flags);
	lfs_wr_string(&w, name, strlen(name));
	err = call(&tx, LISAFS_MID_OPEN_CREATE_AT, &w, &rd);
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
	return finish(&tx, mid, &w);
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
	err = call(&tx, LISAFS_MID_PREAD, &w, &rd);
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
	err = call(&tx, LISAFS_MID_PWRITE, &w, &rd);
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

FLIPCALL_EXPORT int lisafs_client_mkdirat(struct lisafs_client *c,
					  uint64_t dirfd, const char *name,
					  mode_t mode, uid_t uid, gid_t gid,
					  struct lisafs_inode *child)
{
	struct lfs_tx tx;
	struct lfs_wr w;
	int err = check_name(name);

	if (err)
		return err;
	err = lfs_client_begin(c, &tx, LISAFS_MID_MKDIRAT, &w);
	if (err)
		return err;
	wr_create_common(&w, dirfd, uid, gid, mode);
	lfs_wr_string(&w, name, strlen(name));
	return inode_call(&tx, LISAFS_MID_MKDIRAT, &w, child);
}

FLIPCALL_EXPORT int lisafs_client_mknodat(struct lisafs_client *c,
					  uint64_t dirfd, const char *name,
					  mode_t mode, dev_t rdev, uid_t uid,
					  gid_t gid, struct lisafs_inode *child)
{
	struct lfs_tx tx;
	struct lfs_wr w;
	int err = check_name(name);

	if (err)
		return err;
	err = lfs_client_begin(c, &tx, LISAFS_MID_MKNODAT, &w);
	if (err)
		return err;
	wr_create_common(&w, dirfd, uid, gid, mode);
	lfs_wr_u32(&w, minor(rdev));
	lfs_wr_u32(&w, major(rdev));
	lfs_wr_string(&w, name, strlen(name));
	return inode_call(&tx, LISAFS_MID_MKNODAT, &w, child);
}

FLIPCALL_EXPORT int lisafs_client_symlinkat(struct lisafs_client *c,
					    uint64_t dirfd, const char *name,
					    const char *target, uid_t uid,
					    gid_t gid,
					    struct lisafs_inode *child)
{
	struct lfs_tx tx;
	struct lfs_wr w;
	int err = check_name(name);

	if (err || !target)
		return -EINVAL;
	err = lfs_client_begin(c, &tx, LISAFS_MID_SYMLINKAT, &w);
	if (err)
		return err;
	lfs_wr_u64(&w, dirfd);
	lfs_wr_u32(&w, uid);
	lfs_wr_u32(&w, gid);
	lfs_wr_string(&w, name, strlen(name));
	lfs_wr_string(&w, target, strlen(target));
	return inode_call(&tx, LISAFS_MID_SYMLINKAT, &w, child);
}

FLIPCALL_EXPORT int lisafs_client_linkat(struct lisafs_client *c,
					 uint64_t dirfd, const char *name,
					 uint64_t target_fd,
					 struct lisafs_inode *child)
{
	struct lfs_tx tx;
	struct lfs_wr w;
	int err = check_name(name);

	if (err)
		return err;
	err = lfs_client_begin(c, &tx, LISAFS_MID_LINKAT, &w);
	if (err)
		return err;
	lfs_wr_u64(&w, dirfd);
	lfs_wr_u64(&w, target_fd);
	lfs_wr_string(&w, name, strlen(name));
	return inode_call(&tx, LISAFS_MID_LINKAT, &w, child);
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
	err = call(&tx, LISAFS_MID_FSTATFS, &w, &rd);
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
	return finish(&tx, LISAFS_MID_FALLOCATE, &w);
}

/* A response that is one SizedString, copied into buf. */
static ssize_t sized_string_resp(struct lfs_rd *rd, char *buf, size_t size,
				 int too_small)
{
	uint16_t len = lfs_rd_u16(rd);
	const uint8_t *p;

	if (rd->bad)
		return -EPROTO;
	if (size == 0 && too_small == -ERANGE)
		return len;	/* a size query: the server sends no bytes */
	p = lfs_rd_bytes(rd, len);
	if (!p)
		return -EPROTO;
	if (len > size)
		return too_small;
	memcpy(buf, p, len);
	return len;
}

FLIPCALL_EXPORT ssize_t lisafs_client_readlinkat(struct lisafs_client *c,
						 uint64_t fd, char *buf,
						 size_t size)
{
	struct lfs_tx tx;
	struct lfs_wr w;
	struct lfs_rd rd;
	ssize_t ret;
	int err;

	if (size && !buf)
		return -EINVAL;
	err = lfs_client_begin(c, &tx, LISAFS_MID_READLINKAT, &w);
	if (err)
		return err;
	lfs_wr_u64(&w, fd);
	err = call(&tx, LISAFS_MID_READLINKAT, &w, &rd);
	ret = err ? err : sized_string_resp(&rd, buf, size, -ENAMETOOLONG);
	lfs_tx_end(&tx);
	return ret;
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
	return finish(&tx, LISAFS_MID_FLUSH, &w);
}

FLIPCALL_EXPORT int lisafs_client_unlinkat(struct lisafs_client *c,
					   uint64_t dirfd, const char *name,
					   uint32_t flags)
{
	struct lfs_tx tx;
	struct lfs_wr w;
	int err = check_name(name);

	if (err)
		return err;
	err = lfs_client_begin(c, &tx, LISAFS_MID_UNLINKAT, &w);
	if (err)
		return err;
	lfs_wr_u64(&w, dirfd);
	lfs_wr_u32(&w, flags);
	lfs_wr_string(&w, name, strlen(name));
	return finish(&tx, LISAFS_MID_UNLINKAT, &w);
}

static int rename_call(struct lisafs_client *c, uint16_t mid,
		       uint64_t old_dir, const char *old_name,
		       uint64_t new_dir, const char *new_name, uint32_t flags)
{
	struct lfs_tx tx;
	struct lfs_wr w;
	int err;

	if (check_name(old_name) || check_name(new_name))
		return -EINVAL;
	err = lfs_client_begin(c, &tx, mid, &w);
	if (err)
		return err;
	lfs_wr_u64(&w, old_dir);
	lfs_wr_u64(&w, new_dir);
	lfs_wr_string(&w, old_name, strlen(old_name));
	lfs_wr_string(&w, new_name, strlen(new_name));
	if (mid == LISAFS_MID_RENAMEAT2)
		lfs_wr_u32(&w, flags);
	return finish(&tx, mid, &w);
}

FLIPCALL_EXPORT int lisafs_client_renameat(struct lisafs_client *c,
					   uint64_t old_dir,
					   const char *old_name,
					   uint64_t new_dir,
					   const char *new_name)
{
	return rename_call(c, LISAFS_MID_RENAMEAT, old_dir, old_name, new_dir,
			   new_name, 0);
}

FLIPCALL_EXPORT int lisafs_client_renameat2(struct lisafs_client *c,
					    uint64_t old_dir,
					    const char *old_name,
					    uint64_t new_dir,
					    const char *new_name,
					    uint32_t flags)
{
	return rename_call(c, LISAFS_MID_RENAMEAT2, old_dir, old_name,
			   new_dir, new_name, flags);
}

FLIPCALL_EXPORT int lisafs_client_getdents64(struct lisafs_client *c,
					     uint64_t dirfd, int32_t count,
					     lisafs_dirent_fn fn, void *arg)
{
	struct lfs_tx tx;
	struct lfs_wr w;
	struct lfs_rd rd;
	uint16_t n = 0;
	int err = lfs_client_begin(c, &tx, LISAFS_MID_GETDENTS64, &w);

	if (err)
		return err;
	lfs_wr_u64(&w, dirfd);
	lfs_wr_u32(&w, (uint32_t)count);
	lfs_wr_u32(&w, 0);
	err = call(&tx, LISAFS_MID_GETDENTS64, &w, &rd);
	if (!err) {
		n = lfs_rd_u16(&rd);
		for (uint16_t i = 0; !rd.bad && i < n; i++) {
			struct lisafs_dirent d;

			d.ino = lfs_rd_u64(&rd);
			d.dev_minor = lfs_rd_u32(&rd);
			d.dev_major = lfs_rd_u32(&rd);
			d.off = lfs_rd_u64(&rd);
			d.type = lfs_rd_u8(&rd);
			d.name_len = lfs_rd_u16(&rd);
			d.name = (const char *)lfs_rd_bytes(&rd, d.name_len);
			if (rd.bad)
				break;
			if (fn && fn(&d, arg))
				break;
		}
		if (rd.bad)
			err = -EPROTO;
	}
	lfs_tx_end(&tx);
	return err ? err : n;
}

FLIPCALL_EXPORT ssize_t lisafs_client_fgetxattr(struct lisafs_client *c,
						uint64_t fd, const char *name,
						void *buf, size_t size)
{
	struct lfs_tx tx;
	struct lfs_wr w;
	struct lfs_rd rd;
	ssize_t ret;
	int err;

	if (!name || (size && !buf))
		return -EINVAL;
	err = lfs_client_begin(c, &tx, LISAFS_MID_FGETXATTR, &w);
	if (err)
		return err;
	lfs_wr_u64(&w, fd);
	lfs_wr_u32(&w, size > UINT32_MAX ? UINT32_MAX : (uint32_t)size);
	lfs_wr_string(&w, name, strlen(name));
	err = call(&tx, LISAFS_MID_FGETXATTR, &w, &rd);
	ret = err ? err : sized_string_resp(&rd, buf, size, -ERANGE);
	lfs_tx_end(&tx);
	return ret;
}

FLIPCALL_EXPORT int lisafs_client_fsetxattr(struct lisafs_client *c,
					    uint64_t fd, const char *name,
					    const void *value, size_t size,
					    uint32_t flags)
{
	struct lfs_tx tx;
	struct lfs_wr w;
	int err;

	if (!name || size > UINT16_MAX || (size && !value))
		return -EINVAL;
	err = lfs_client_begin(c, &tx, LISAFS_MID_FSETXATTR, &w);
	if (err)
		return err;
	lfs_wr_u64(&w, fd);
	lfs_wr_u32(&w, flags);
	lfs_wr_string(&w, name, strlen(name));
	lfs_wr_string(&w, value, size);
	return finish(&tx, LISAFS_MID_FSETXATTR, &w);
}

FLIPCALL_EXPORT ssize_t lisafs_client_flistxattr(struct lisafs_client *c,
						 uint64_t fd, char *buf,
						 size_t size)
{
	struct lfs_tx tx;
	struct lfs_wr w;
	struct lfs_rd rd;
	ssize_t total = 0;
	int err;

	if (size && !buf)
		return -EINVAL;
	err = lfs_client_begin(c, &tx, LISAFS_MID_FLISTXATTR, &w);
	if (err)
		return err;
	lfs_wr_u64(&w, fd);
	lfs_wr_u64(&w, size);
	err = call(&tx, LISAFS_MID_FLISTXATTR, &w, &rd);
	if (!err) {
		uint16_t n = lfs_rd_u16(&rd);

		for (uint16_t i = 0; !rd.bad && !err && i < n; i++) {
			uint16_t len = lfs_rd_u16(&rd);
			const uint8_t *p = lfs_rd_bytes(&rd, len);

			if (!p)
				break;
			if (size && (size_t)total + len + 1 > size) {
				err = -ERANGE;
				break;
			}
			if (size) {
				memcpy(buf + total, p, len);
				buf[total + len] = '\0';
			}
			total += len + 1;
		}
		if (rd.bad)
			err = -EPROTO;
	}
	lfs_tx_end(&tx);
	return err ? err : total;
}

FLIPCALL_EXPORT int lisafs_client_fremovexattr(struct lisafs_client *c,
					       uint64_t fd, const char *name)
{
	struct lfs_tx tx;
	struct lfs_wr w;
	int err;

	if (!name)
		return -EINVAL;
	err = lfs_client_begin(c, &tx, LISAFS_MID_FREMOVEXATTR, &w);
	if (err)
		return err;
	lfs_wr_u64(&w, fd);
	lfs_wr_string(&w, name, strlen(name));
	return finish(&tx, LISAFS_MID_FREMOVEXATTR, &w);
}
