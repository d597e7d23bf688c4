// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Handlers that look at files without opening them: FStat, SetStat, Walk,
 * WalkStat, FStatFS, ReadLinkAt. Walk is where confinement matters most:
 * each component is opened on its own below a held directory fd.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "lisafs/server_internal.h"
#include "lisafs/wire.h"

int lfs_h_fstat(struct lfs_req *r)
{
	struct lfs_wr w;
	struct lfs_fd *f;
	struct statx st;
	int err;

	err = lfs_req_one_fd(r, LFS_FD_ANY, &f);
	if (err)
		return err;
	err = lfs_statx(f->host_fd, &st);
	lfs_fd_put(f);
	if (err)
		return err;
	lfs_wr_init(&w, r->buf, r->cap);
	lfs_wr_statx(&w, &st);
	return w.over ? -EIO : (int)w.off;
}

/*
 * AT_EMPTY_PATH on the held O_PATH fd reaches the file itself, symlinks
 * included (AT_SYMLINK_NOFOLLOW), without resolving any name.
 */
static int set_times(struct lfs_fd *f, uint32_t mask,
		     const struct timespec *atime, const struct timespec *mtime)
{
	struct timespec ts[2] = { { 0, UTIME_OMIT }, { 0, UTIME_OMIT } };

	if (mask & STATX_ATIME)
		ts[0] = *atime;
	if (mask & STATX_MTIME)
		ts[1] = *mtime;
	if (utimensat(f->host_fd, "", ts,
		      AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	return 0;
}

static int set_size(struct lfs_req *r, struct lfs_fd *f, uint64_t size)
{
	int fd, err = 0;

	if (f->type != S_IFREG)
		return f->type == S_IFDIR ? -EISDIR : -EINVAL;
	fd = lfs_reopen(r->conn->srv, f->host_fd, O_WRONLY);
	if (fd < 0)
		return fd;
	if (ftruncate(fd, (off_t)size) < 0)
		err = -errno;
	close(fd);
	return err;
}

int lfs_h_setstat(struct lfs_req *r)
{
	uint32_t mask, mode, uid, gid, fail_mask = 0, fail_errno = 0;
	struct timespec atime, mtime;
	struct lfs_rd rd;
	struct lfs_wr w;
	struct lfs_fd *f;
	uint64_t id, size;
	char path[32];
	int err;

	lfs_rd_init(&rd, r->buf, r->len);
	id = lfs_rd_u64(&rd);
	mask = lfs_rd_u32(&rd);
	mode = lfs_rd_u32(&rd);
	uid = lfs_rd_u32(&rd);
	gid = lfs_rd_u32(&rd);
	size = lfs_rd_u64(&rd);
	atime.tv_sec = (int64_t)lfs_rd_u64(&rd);
	atime.tv_nsec = (long)lfs_rd_u64(&rd);
	mtime.tv_sec = (int64_t)lfs_rd_u64(&rd);
	mtime.tv_nsec = (long)lfs_rd_u64(&rd);
	if (rd.bad)
		return -EIO;
	if (mask & ~(STATX_MODE | STATX_UID | STATX_GID | STATX_SIZE |
		     STATX_ATIME | STATX_MTIME))
		return -EPERM;
	if (lfs_readonly(r))
		return -EROFS;
	err = lfs_req_fd(r, id, LFS_FD_CONTROL, &f);
	if (err)
		return err;
	lfs_fd_path(f->host_fd, path);
	/* Like gVisor: try each part, report which ones failed. */
	if ((mask & STATX_MODE) && f->type != S_IFLNK &&
	    chmod(path, mode & 07777) < 0) {
		fail_mask |= STATX_MODE;
		fail_errno = errno;
	}
	if (mask & (STATX_UID | STATX_GID)) {
		uid_t u = (mask & STATX_UID) ? uid : (uid_t)-1;
		gid_t g = (mask & STATX_GID) ? gid : (gid_t)-1;

		if (fchownat(f->host_fd, "", u, g,
			     AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0) {
			fail_mask |= mask & (STATX_UID | STATX_GID);
			fail_errno = errno;
		}
	}
	if (mask & STATX_SIZE) {
		err = set_size(r, f, size);
		if (err) {
			fail_mask |= STATX_SIZE;
			fail_errno = -err;
		}
	}
	if (mask & (STATX_ATIME | STATX_MTIME)) {
		err = set_times(f, mask, &atime, &mtime);
		if (err) {
			fail_mask |= mask & (STATX_ATIME | STATX_MTIME);
			fail_errno = -err;
		}
	}
	lfs_fd_put(f);
	lfs_wr_init(&w, r->buf, r->cap);
	lfs_wr_u32(&w, fail_mask);
	lfs_wr_u32(&w, fail_errno);
	return (int)w.off;
}

/*
 * WalkReq: DirFD, then a StringArray. The request is copied out of the
 * shared buffer first: the response (152 bytes per component) overwrites
 * it, and on a channel the client could rewrite it under us.
 */
struct walk_req {
	uint64_t dirfd;
	uint16_t n;
	uint8_t *copy;
	struct lfs_rd names;
};

/*
 * Check every name before acting on any, as gVisor's checked unmarshal
 * does: a short array is EIO, an unsafe name EINVAL. WalkStat allows an
 * empty first name.
 */
static int walk_req_check(struct lfs_rd rd, uint16_t n, bool empty_first)
{
	int err = 0;

	for (uint16_t i = 0; i < n; i++) {
		char name[LFS_NAME_BUF];
		struct lfs_rd peek = rd;
		int e;

		if (i == 0 && empty_first && lfs_rd_u16(&peek) == 0 &&
		    !peek.bad) {
			rd = peek;
			continue;
		}
		e = lfs_rd_name(&rd, name);
		if (rd.bad)
			return -EIO;
		if (e && !err)
			err = e;
	}
	return err;
}

static int walk_req_decode(struct lfs_req *r, struct walk_req *wq,
			   bool empty_first)
{
	struct lfs_rd rd;
	int err;

	wq->copy = malloc(r->len ? r->len : 1);
	if (!wq->copy)
		return -ENOMEM;
	memcpy(wq->copy, r->buf, r->len);
	lfs_rd_init(&rd, wq->copy, r->len);
	wq->dirfd = lfs_rd_u64(&rd);
	wq->n = lfs_rd_u16(&rd);
	err = rd.bad ? -EIO : walk_req_check(rd, wq->n, empty_first);
	if (err) {
		free(wq->copy);
		return err;
	}
	wq->names = rd;
	return 0;
}

/* The next name of the array; a missing one is EIO, an unsafe one EINVAL. */
static int walk_next(struct walk_req *wq, char name[LFS_NAME_BUF])
{
	return lfs_rd_name(&wq->names, name);
}

int lfs_h_walk(struct lfs_req *r)
{
	struct lfs_fd *dir, *cur;
	struct walk_req wq;
	uint64_t *created;
	uint8_t status = LISAFS_WALK_SUCCESS;
	struct lfs_wr w;
	uint16_t done = 0;
	int err;

	err = walk_req_decode(r, &wq, false);
	if (err)
		return err;
	if (3 + (uint64_t)wq.n * LISAFS_INODE_BYTES > r->cap) {
		free(wq.copy);
		return -EIO;
	}
	err = lfs_req_fd(r, wq.dirfd, LFS_FD_CONTROL, &dir);
	if (err) {
		free(wq.copy);
		return err;
	}
	created = calloc(wq.n ? wq.n : 1, sizeof(*created));
	if (!created) {
		err = -ENOMEM;
		goto out;
	}
	lfs_wr_init(&w, r->buf, r->cap);
	lfs_wr_reserve(&w, 3);
	/*
	 * cur holds a reference, so a Close of its FDID racing on another
	 * channel cannot recycle the host fd we resolve below.
	 */
	cur = dir;
	__atomic_add_fetch(&cur->refs, 1, __ATOMIC_RELAXED);
	if (dir->type == S_IFLNK)
		status = LISAFS_WALK_COMPONENT_SYMLINK;
	else if (dir->type != S_IFDIR && wq.n)
		err = -ENOTDIR;
	while (!err && status == LISAFS_WALK_SUCCESS && done < wq.n) {
		char name[LFS_NAME_BUF];
		struct lisafs_inode ino;
		struct lfs_fd *child;
		int fd;

		err = walk_next(&wq, name);
		if (err)
			break;
		fd = lfs_open_child(cur->host_fd, name);
		if (fd == -ENOENT) {
			status = LISAFS_WALK_COMPONENT_DOES_NOT_EXIST;
			break;
		}
		if (fd < 0) {
			err = fd;
			break;
		}
		/* Keep our own reference to the new entry before it is
		 * visible to other channels.
		 */
		err = lfs_new_control(r->conn, fd, &ino);
		if (err)
			break;
		created[done++] = ino.fdid;
		lfs_wr_inode(&w, &ino);
		if (S_ISLNK(ino.stat.stx_mode)) {
			status = LISAFS_WALK_COMPONENT_SYMLINK;
		} else if (!S_ISDIR(ino.stat.stx_mode) && done < wq.n) {
			err = -ENOTDIR;
		} else if (done < wq.n) {
			err = lfs_req_fd(r, ino.fdid, LFS_FD_CONTROL, &child);
			if (err) {
				err = -EIO;	/* closed under us */
			} else {
				lfs_fd_put(cur);
				cur = child;
			}
		}
	}
	lfs_fd_put(cur);
	if (err) {
		while (done)
			lfs_fdt_remove(&r->conn->fdt, created[--done]);
		goto out;
	}
	r->buf[0] = status;
	memcpy(r->buf + 1, &done, 2);
	err = w.over ? -EIO : (int)w.off;
out:
	free(created);
	lfs_fd_put(dir);
	free(wq.copy);
	return err;
}

int lfs_h_walk_stat(struct lfs_req *r)
{
	struct lfs_fd *dir;
	struct walk_req wq;
	struct lfs_wr w;
	uint16_t done = 0;
	int cur, held = -1, err;

	err = walk_req_decode(r, &wq, true);
	if (err)
		return err;
	err = lfs_req_fd(r, wq.dirfd, LFS_FD_CONTROL, &dir);
	if (err) {
		free(wq.copy);
		return err;
	}
	lfs_wr_init(&w, r->buf, r->cap);
	lfs_wr_reserve(&w, 2);
	cur = dir->host_fd;
	for (uint16_t i = 0; i < wq.n; i++) {
		char name[LFS_NAME_BUF];
		struct statx st;
		int fd;

		if (i == 0) {
			/* An empty first name stands for DirFD itself. */
			struct lfs_rd save = wq.names;

			if (lfs_rd_u16(&save) == 0 && !save.bad) {
				wq.names = save;
				err = lfs_statx(cur, &st);
				if (err)
					break;
				lfs_wr_statx(&w, &st);
				done++;
				continue;
			}
		}
		if (dir->type != S_IFDIR && cur == dir->host_fd) {
			err = -ENOTDIR;
			break;
		}
		err = walk_next(&wq, name);
		if (err)
			break;
		fd = lfs_open_child(cur, name);
		if (fd == -ENOENT)
			break;
		if (fd < 0) {
			err = fd;
			break;
		}
		err = lfs_statx(fd, &st);
		if (held >= 0)
			close(held);
		held = cur = fd;
		if (err)
			break;
		lfs_wr_statx(&w, &st);
		done++;
		if (!S_ISDIR(st.stx_mode))
			break;
	}
	if (held >= 0)
		close(held);
	lfs_fd_put(dir);
	free(wq.copy);
	if (err)
		return err;
	if (w.over)
		return -EIO;
	memcpy(r->buf, &done, 2);
	return (int)w.off;
}

int lfs_h_fstatfs(struct lfs_req *r)
{
	struct lfs_wr w;
	struct lfs_fd *f;
	struct statfs sf;
	int err;

	err = lfs_req_one_fd(r, LFS_FD_CONTROL, &f);
	if (err)
		return err;
	err = fstatfs(f->host_fd, &sf) < 0 ? -errno : 0;
	lfs_fd_put(f);
	if (err)
		return err;
	lfs_wr_init(&w, r->buf, r->cap);
	lfs_wr_u64(&w, (uint64_t)sf.f_type);
	lfs_wr_u64(&w, (uint64_t)sf.f_bsize);
	lfs_wr_u64(&w, sf.f_blocks);
	lfs_wr_u64(&w, sf.f_bfree);
	lfs_wr_u64(&w, sf.f_bavail);
	lfs_wr_u64(&w, sf.f_files);
	lfs_wr_u64(&w, sf.f_ffree);
	lfs_wr_u64(&w, (uint64_t)sf.f_namelen);
	return (int)w.off;
}

int lfs_h_readlinkat(struct lfs_req *r)
{
	char target[LFS_PATH_BUF];
	struct lfs_wr w;
	struct lfs_fd *f;
	ssize_t n;
	int err;

	err = lfs_req_one_fd(r, LFS_FD_CONTROL, &f);
	if (err)
		return err;
	if (f->type != S_IFLNK) {
		lfs_fd_put(f);
		return -EINVAL;
	}
	/* An O_PATH fd of the link itself: the empty path reads it. */
	n = readlinkat(f->host_fd, "", target, sizeof(target));
	err = n < 0 ? -errno : 0;
	lfs_fd_put(f);
	if (err)
		return err;
	lfs_wr_init(&w, r->buf, r->cap);
	lfs_wr_string(&w, target, (size_t)n);
	return w.over ? -EIO : (int)w.off;
}
