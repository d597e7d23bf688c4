// SPDX-License-Identifier: GPL-2.0
/*
 * Open files: each FUSE file handle is one lisafs OpenFD, plus the host file
 * descriptor the server donated with it, if it did and -o host_fd allows it
 * (then data moves with pread/pwrite on that descriptor and skips the RPC).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "lisafs-fuse.h"

struct lfs_file {
	uint64_t open_fd;
	int host_fd;
};

/* The server keeps only the access mode and O_TRUNC (lisafs OpenAt). */
#define LFS_OPEN_FLAGS (O_ACCMODE | O_TRUNC)

static struct lfs_file *file_of(struct fuse_file_info *fi)
{
	return (struct lfs_file *)(uintptr_t)fi->fh;
}

/*
 * A donated descriptor outlives the server; once the server is gone, data
 * stops too, like every other operation (and a copy under way fails).
 */
static bool use_host_fd(fuse_req_t req, const struct lfs_file *f)
{
	return f->host_fd >= 0 && !atomic_load(&lfs_of(req)->dead);
}

static struct lfs_file *new_file(struct lfs *fs, uint64_t open_fd, int host_fd)
{
	struct lfs_file *f = malloc(sizeof(*f));

	if (host_fd >= 0 && (!fs->opt.host_fd || !f)) {
		close(host_fd);
		host_fd = -1;
	}
	if (!f) {
		(void)lisafs_client_close(fs->client, &open_fd, 1);
		return NULL;
	}
	f->open_fd = open_fd;
	f->host_fd = host_fd;
	return f;
}

/*
 * release cannot report an error, so the OpenFD's Close rides in the next
 * batch of closes (FORGET's): one round trip fewer per open-close. The
 * reaper sends a partial batch within a tick.
 */
static void free_file(struct lfs *fs, struct lfs_file *f)
{
	if (f->host_fd >= 0)
		close(f->host_fd);
	lfs_nodes_close_fdid(&fs->nodes, f->open_fd);
	free(f);
}

static void lfs_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct lfs *fs = lfs_of(req);
	uint64_t open_fd;
	int host_fd = -1, err;
	struct lfs_file *f;

	err = lisafs_client_openat(fs->client,
				   lfs_node(&fs->nodes, ino)->fdid,
				   fi->flags & LFS_OPEN_FLAGS, &open_fd,
				   &host_fd);
	if (err)
		return lfs_reply_err(req, err);
	f = new_file(fs, open_fd, host_fd);
	if (!f)
		return lfs_fail(req, ENOMEM);
	fi->fh = (uintptr_t)f;
	if (fuse_reply_open(req, fi))
		free_file(fs, f);
}

static void lfs_create(fuse_req_t req, fuse_ino_t parent, const char *name,
		       mode_t mode, struct fuse_file_info *fi)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	struct lfs *fs = lfs_of(req);
	struct lisafs_inode child;
	struct fuse_entry_param e;
	uint64_t open_fd;
	int host_fd = -1, err;
	struct lfs_file *f;

	err = lisafs_client_open_create_at(fs->client,
					   lfs_node(&fs->nodes, parent)->fdid,
					   name, fi->flags & LFS_OPEN_FLAGS,
					   (mode & 07777) | S_IFREG, ctx->uid,
					   ctx->gid, &child, &open_fd,
					   &host_fd);
	if (err)
		return lfs_reply_err(req, err);
	f = new_file(fs, open_fd, host_fd);
	if (!f) {
		lfs_nodes_close_fdid(&fs->nodes, child.fdid);
		return lfs_fail(req, ENOMEM);
	}
	err = lfs_make_entry(fs, parent, name, &child, &e);
	if (err) {
		free_file(fs, f);
		return lfs_reply_err(req, err);
	}
	fi->fh = (uintptr_t)f;
	if (fuse_reply_create(req, &e, fi)) {
		free_file(fs, f);
		lfs_nodes_forget(&fs->nodes, e.ino, 1);
	}
}

static void lfs_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		     struct fuse_file_info *fi)
{
	struct lfs_file *f = file_of(fi);
	struct fuse_bufvec bv = FUSE_BUFVEC_INIT(size);
	ssize_t n;
	void *buf;

	(void)ino;
	if (use_host_fd(req, f)) {
		/* libfuse splices straight from the donated descriptor. */
		bv.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
		bv.buf[0].fd = f->host_fd;
		bv.buf[0].pos = off;
		fuse_reply_data(req, &bv, FUSE_BUF_SPLICE_MOVE);
		return;
	}
	buf = malloc(size ? size : 1);
	if (!buf)
		return lfs_fail(req, ENOMEM);
	n = lisafs_client_pread(lfs_of(req)->client, f->open_fd, buf, size, off);
	if (n < 0)
		lfs_reply_err(req, (int)n);
	else
		fuse_reply_buf(req, buf, n);
	free(buf);
}

static void lfs_write(fuse_req_t req, fuse_ino_t ino, const char *buf,
		      size_t size, off_t off, struct fuse_file_info *fi)
{
	struct lfs_file *f = file_of(fi);
	ssize_t n;

	(void)ino;
	if (use_host_fd(req, f)) {
		n = pwrite(f->host_fd, buf, size, off);
		if (n < 0)
			n = -errno;
	} else {
		n = lisafs_client_pwrite(lfs_of(req)->client, f->open_fd, buf,
					 size, off);
	}
	if (n < 0)
		return lfs_reply_err(req, (int)n);
	fuse_reply_write(req, n);
}

static void lfs_release(fuse_req_t req, fuse_ino_t ino,
			struct fuse_file_info *fi)
{
	(void)ino;
	free_file(lfs_of(req), file_of(fi));
	fuse_reply_err(req, 0);
}

static void lfs_fsync(fuse_req_t req, fuse_ino_t ino, int datasync,
		      struct fuse_file_info *fi)
{
	struct lfs_file *f = file_of(fi);
	int err;

	(void)ino;
	if (use_host_fd(req, f))
		err = (datasync ? fdatasync(f->host_fd) : fsync(f->host_fd)) ?
		      -errno : 0;
	else
		err = lisafs_client_fsync(lfs_of(req)->client, &f->open_fd, 1);
	if (err)
		return lfs_reply_err(req, err);
	fuse_reply_err(req, 0);
}

static void lfs_fallocate(fuse_req_t req, fuse_ino_t ino, int mode,
			  off_t off, off_t len, struct fuse_file_info *fi)
{
	int err;

	(void)ino;
	if (off < 0 || len <= 0)
		return lfs_fail(req, EINVAL);
	err = lisafs_client_fallocate(lfs_of(req)->client,
				      file_of(fi)->open_fd, (uint64_t)mode,
				      (uint64_t)off, (uint64_t)len);
	if (err)
		return lfs_reply_err(req, err);
	fuse_reply_err(req, 0);
}

/*
 * No flush: writes reach the server before they are answered, so there is
 * nothing to push at close, and lisafs Flush does nothing on our server (and
 * gVisor's gofer lacks it). Without the op, libfuse answers ENOSYS once and
 * the kernel stops sending FLUSH, two round trips less per open and close.
 */
void lfs_set_file_ops(struct fuse_lowlevel_ops *ops)
{
	ops->open = lfs_open;
	ops->create = lfs_create;
	ops->read = lfs_read;
	ops->write = lfs_write;
	ops->release = lfs_release;
	ops->fsync = lfs_fsync;
	ops->fallocate = lfs_fallocate;
}
