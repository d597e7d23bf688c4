// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Handlers for open files: OpenAt, OpenCreateAt, Close, FSync, PRead,
 * PWrite, FAllocate, Flush, Getdents64.
 *
 * Host fds are donated for regular files only: a directory fd would let
 * the client openat(fd, "..") out of the export, and on a read-only server
 * even a file fd would allow fchmod(2), so there none are donated.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lisafs/server_internal.h"
#include "lisafs/wire.h"

static bool may_donate(const struct lfs_req *r, mode_t type)
{
	return type == S_IFREG && !lfs_readonly(r);
}

static void donate_dup(struct lfs_req *r, int fd)
{
	int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);

	/* The host fd is an optimisation: without it the client uses RPCs. */
	if (copy >= 0)
		lfs_req_donate(r, copy);
}

/* Open what control FD f names with the client's flags (O_ACCMODE|O_TRUNC). */
static int open_control(struct lfs_req *r, struct lfs_fd *f, uint32_t flags)
{
	int acc = flags & O_ACCMODE, extra = 0;

	if (f->type == S_IFLNK || acc == O_ACCMODE)
		return -EINVAL;
	if (f->type == S_IFDIR && (acc != O_RDONLY || (flags & O_TRUNC)))
		return -EISDIR;
	if (lfs_readonly(r) && (acc != O_RDONLY || (flags & O_TRUNC)))
		return -EROFS;
	switch (f->type) {
	case S_IFDIR:
		extra = O_DIRECTORY;
		break;
	case S_IFIFO:
		extra = O_NONBLOCK;	/* never block a server thread */
		break;
	case S_IFCHR:
	case S_IFBLK:
		return -EPERM;		/* devices are not exported */
	default:
		break;
	}
	return lfs_reopen(r->conn->srv, f->host_fd,
			  acc | (flags & O_TRUNC) | extra | O_NOCTTY);
}

int lfs_h_openat(struct lfs_req *r)
{
	struct lfs_wr w;
	struct lfs_fd *f;
	uint64_t open_id;
	uint32_t flags;
	mode_t type;
	int fd, err;

	err = lfs_req_fd_u32(r, LFS_FD_CONTROL, &f, &flags);
	if (err)
		return err;
	flags &= O_ACCMODE | O_TRUNC;
	type = f->type;
	fd = open_control(r, f, flags);
	lfs_fd_put(f);
	if (fd < 0)
		return fd;
	if (may_donate(r, type))
		donate_dup(r, fd);
	err = lfs_fdt_insert(&r->conn->fdt, LFS_FD_OPEN, fd, type,
			     flags & O_ACCMODE, &open_id);
	if (err)
		return err;
	lfs_wr_init(&w, r->buf, r->cap);
	lfs_wr_u64(&w, open_id);
	return (int)w.off;
}

int lfs_h_open_create_at(struct lfs_req *r)
{
	char name[LFS_NAME_BUF];
	struct lfs_create_common cc;
	struct lisafs_inode child;
	struct lfs_rd rd;
	struct lfs_wr w;
	struct lfs_fd *dir;
	uint64_t open_id;
	uint32_t flags;
	int fd, path_fd, err;

	lfs_rd_init(&rd, r->buf, r->len);
	lfs_rd_create_common(&rd, &cc);
	flags = lfs_rd_u32(&rd) & (O_ACCMODE | O_TRUNC);
	err = lfs_rd_name(&rd, name);
	err = lfs_rd_result(&rd, err);
	if (err)
		return err;
	if ((flags & O_ACCMODE) == O_ACCMODE)
		return -EINVAL;
	err = lfs_req_dir_to_change(r, cc.dirfd, &dir);
	if (err)
		return err;
	fd = openat(dir->host_fd, name,
		    O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC | flags,
		    cc.mode & 07777);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	/* The control fd comes from the open fd, not the name: the name may
	 * already point elsewhere.
	 */
	path_fd = lfs_reopen(r->conn->srv, fd, O_PATH);
	err = path_fd < 0 ? path_fd :
	      lfs_new_owned_control(r->conn, path_fd, cc.uid, cc.gid, &child);
	if (err) {
		close(fd);
		unlinkat(dir->host_fd, name, 0);
		goto out;
	}
	donate_dup(r, fd);
	err = lfs_fdt_insert(&r->conn->fdt, LFS_FD_OPEN, fd, S_IFREG,
			     flags & O_ACCMODE, &open_id);
	if (err) {
		lfs_fdt_remove(&r->conn->fdt, child.fdid);
		unlinkat(dir->host_fd, name, 0);
		goto out;
	}
	lfs_wr_init(&w, r->buf, r->cap);
	lfs_wr_inode(&w, &child);
	lfs_wr_u64(&w, open_id);
	err = (int)w.off;
out:
	lfs_fd_put(dir);
	return err;
}

/* FdArray: u16 count, then count FDIDs; fn runs on each in turn. */
static int for_each_fdid(struct lfs_req *r, int (*fn)(struct lfs_req *, uint64_t))
{
	struct lfs_rd rd;
	uint16_t n;
	int first = 0;

	lfs_rd_init(&rd, r->buf, r->len);
	n = lfs_rd_u16(&rd);
	if (rd.bad || (size_t)n * 8 > rd.len - rd.off)
		return -EIO;
	for (uint16_t i = 0; i < n; i++) {
		int err = fn(r, lfs_rd_u64(&rd));

		if (err && !first)
			first = err;
	}
	return first;
}

static int close_one(struct lfs_req *r, uint64_t id)
{
	lfs_fdt_remove(&r->conn->fdt, id);	/* unknown: ignored, as gVisor */
	return 0;
}

int lfs_h_close(struct lfs_req *r)
{
	int err = for_each_fdid(r, close_one);

	return err < 0 ? err : 0;
}

static int fsync_one(struct lfs_req *r, uint64_t id)
{
	struct lfs_fd *f;
	int err = lfs_req_fd(r, id, LFS_FD_OPEN, &f);

	if (err)
		return err;
	if (fsync(f->host_fd) < 0)
		err = -errno;
	lfs_fd_put(f);
	return err;
}

int lfs_h_fsync(struct lfs_req *r)
{
	int err = for_each_fdid(r, fsync_one);

	return err < 0 ? err : 0;
}

int lfs_h_pwrite(struct lfs_req *r)
{
	const uint8_t *data;
	struct lfs_rd rd;
	struct lfs_wr w;
	struct lfs_fd *f;
	uint64_t off, id;
	uint32_t n;
	ssize_t done;
	int err;

	lfs_rd_init(&rd, r->buf, r->len);
	off = lfs_rd_u64(&rd);
	id = lfs_rd_u64(&rd);
	n = lfs_rd_u32(&rd);
	data = lfs_rd_bytes(&rd, n);
	if (rd.bad)
		return -EIO;
	if (lfs_readonly(r))
		return -EROFS;
	if (off > INT64_MAX)
		return -EINVAL;
	err = lfs_req_fd(r, id, LFS_FD_OPEN, &f);
	if (err)
		return err;
	if (f->acc == O_RDONLY) {
		lfs_fd_put(f);
		return -EBADF;
	}
	done = pwrite(f->host_fd, data, n, (off_t)off);
	err = done < 0 ? -errno : 0;
	lfs_fd_put(f);
	if (err)
		return err;
	lfs_wr_init(&w, r->buf, r->cap);
	lfs_wr_u64(&w, (uint64_t)done);
	return (int)w.off;
}

int lfs_h_pread(struct lfs_req *r)
{
	struct lfs_rd rd;
	struct lfs_fd *f;
	uint64_t off, id, done64;
	uint32_t count;
	ssize_t done;
	int err;

	lfs_rd_init(&rd, r->buf, r->len);
	off = lfs_rd_u64(&rd);
	id = lfs_rd_u64(&rd);
	count = lfs_rd_u32(&rd);
	lfs_rd_u32(&rd);	/* padding */
	if (rd.bad)
		return -EIO;
	if (8 + (uint64_t)count > r->cap)
		return -ENOBUFS;
	if (off > INT64_MAX)
		return -EINVAL;
	err = lfs_req_fd(r, id, LFS_FD_OPEN, &f);
	if (err)
		return err;
	if (f->acc == O_WRONLY) {
		lfs_fd_put(f);
		return -EBADF;
	}
	done = pread(f->host_fd, r->buf + 8, count, (off_t)off);
	err = done < 0 ? -errno : 0;
	lfs_fd_put(f);
	if (err)
		return err;
	done64 = (uint64_t)done;
	memcpy(r->buf, &done64, 8);
	return (int)(8 + done);
}

int lfs_h_fallocate(struct lfs_req *r)
{
	uint64_t id, mode, off, len;
	struct lfs_rd rd;
	struct lfs_fd *f;
	int err;

	lfs_rd_init(&rd, r->buf, r->len);
	id = lfs_rd_u64(&rd);
	mode = lfs_rd_u64(&rd);
	off = lfs_rd_u64(&rd);
	len = lfs_rd_u64(&rd);
	if (rd.bad)
		return -EIO;
	if (lfs_readonly(r))
		return -EROFS;
	if (mode > INT32_MAX || off > INT64_MAX || len > INT64_MAX)
		return -EINVAL;
	err = lfs_req_fd(r, id, LFS_FD_OPEN, &f);
	if (err)
		return err;
	if (fallocate(f->host_fd, (int)mode, (off_t)off, (off_t)len) < 0)
		err = -errno;
	lfs_fd_put(f);
	return err;
}

int lfs_h_flush(struct lfs_req *r)
{
	struct lfs_fd *f;
	int err = lfs_req_one_fd(r, LFS_FD_OPEN, &f);

	if (err)
		return err;
	lfs_fd_put(f);
	return 0;	/* nothing is buffered on our side */
}

struct host_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	uint16_t d_reclen;
	uint8_t d_type;
	char d_name[];
};

/* Fill the response with as many entries as fit in budget bytes. */
static int pack_dirents(struct lfs_fd *f, struct lfs_wr *w, uint32_t budget)
{
	char tmp[8192] __attribute__((aligned(8)));
	struct statx dst;
	uint16_t count = 0;
	off_t pos;
	int err;

	err = lfs_statx(f->host_fd, &dst);
	if (err)
		return err;
	pos = lseek(f->host_fd, 0, SEEK_CUR);
	if (pos < 0)
		return -errno;
	lfs_wr_reserve(w, 2);
	for (;;) {
		long n = syscall(SYS_getdents64, f->host_fd, tmp, sizeof(tmp));
		long i;

		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		for (i = 0; i < n;) {
			struct host_dirent64 *d = (void *)(tmp + i);
			size_t len = strnlen(d->d_name, d->d_reclen - 19);

			if (27 + len > budget || count == UINT16_MAX) {
				if (lseek(f->host_fd, pos, SEEK_SET) < 0)
					return -errno;
				goto done;
			}
			lfs_wr_u64(w, d->d_ino);
			lfs_wr_u32(w, dst.stx_dev_minor);
			lfs_wr_u32(w, dst.stx_dev_major);
			lfs_wr_u64(w, (uint64_t)d->d_off);
			lfs_wr_u8(w, d->d_type);
			lfs_wr_string(w, d->d_name, len);
			budget -= 27 + len;
			count++;
			pos = d->d_off;
			i += d->d_reclen;
		}
	}
done:
	memcpy(w->p, &count, 2);
	return w->over ? -EIO : (int)w->off;
}

int lfs_h_getdents64(struct lfs_req *r)
{
	struct lfs_wr w;
	struct lfs_fd *f;
	int32_t count;
	uint32_t budget, arg;
	int err;

	err = lfs_req_fd_u32(r, LFS_FD_OPEN, &f, &arg);
	if (err)
		return err;
	count = (int32_t)arg;
	if (f->type != S_IFDIR) {
		lfs_fd_put(f);
		return -ENOTDIR;
	}
	budget = count < 0 ? -(uint32_t)count : (uint32_t)count;
	if (budget > r->cap - 2)
		budget = r->cap - 2;
	pthread_mutex_lock(&f->mu);
	err = 0;
	if (count < 0 && lseek(f->host_fd, 0, SEEK_SET) < 0)
		err = -errno;
	if (!err) {
		lfs_wr_init(&w, r->buf, r->cap);
		err = pack_dirents(f, &w, budget);
	}
	pthread_mutex_unlock(&f->mu);
	lfs_fd_put(f);
	return err;
}
