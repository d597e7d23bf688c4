// SPDX-License-Identifier: GPL-2.0
/*
 * Names and attributes: lookup/forget, getattr/setattr, the creating and
 * removing operations, rename, readlink and statfs. A directory is named by
 * its node's control FDID, an entry by (directory FDID, name), as lisafs does.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>

#include "lisafs-fuse.h"

static uint64_t fdid_of(fuse_req_t req, fuse_ino_t ino)
{
	return lfs_node(&lfs_of(req)->nodes, ino)->fdid;
}

/* Hands a new inode to the kernel; a reply the kernel never got is forgotten. */
static void reply_entry(fuse_req_t req, fuse_ino_t parent, const char *name,
			const struct lisafs_inode *child)
{
	struct lfs *fs = lfs_of(req);
	struct fuse_entry_param e;
	int err = lfs_make_entry(fs, parent, name, child, &e);

	if (err)
		return lfs_reply_err(req, err);
	if (fuse_reply_entry(req, &e))
		lfs_nodes_forget(&fs->nodes, e.ino, 1);
}

static void reply_created(fuse_req_t req, int err, fuse_ino_t parent,
			  const char *name, const struct lisafs_inode *child)
{
	if (err)
		return lfs_reply_err(req, err);
	reply_entry(req, parent, name, child);
}

static void lfs_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct lfs *fs = lfs_of(req);
	struct lisafs_inode child;
	size_t n = 1;
	uint8_t status = 0;
	int err;

	err = lisafs_client_walk(fs->client, fdid_of(req, parent), &name, 1,
				 &child, &n, &status);
	if (err)
		return lfs_reply_err(req, err);
	if (n == 0) {
		struct fuse_entry_param e = {
			.ino = 0, .entry_timeout = fs->opt.negative_timeout,
		};

		if (fs->opt.negative_timeout > 0)
			fuse_reply_entry(req, &e);
		else
			fuse_reply_err(req, ENOENT);
		return;
	}
	reply_entry(req, parent, name, &child);
}

static void lfs_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	lfs_nodes_forget(&lfs_of(req)->nodes, ino, nlookup);
	fuse_reply_none(req);
}

static void lfs_forget_multi(fuse_req_t req, size_t count,
			     struct fuse_forget_data *forgets)
{
	struct lfs *fs = lfs_of(req);
	size_t i;

	for (i = 0; i < count; i++)
		lfs_nodes_forget(&fs->nodes, forgets[i].ino, forgets[i].nlookup);
	fuse_reply_none(req);
}

static void reply_attr_of(fuse_req_t req, fuse_ino_t ino)
{
	struct lfs *fs = lfs_of(req);
	struct statx sx;
	struct stat st;
	int err;

	err = lisafs_client_fstat(fs->client, fdid_of(req, ino), &sx);
	if (err)
		return lfs_reply_err(req, err);
	lfs_fill_stat(&sx, &st);
	fuse_reply_attr(req, &st, fs->opt.attr_timeout);
}

static void lfs_getattr(fuse_req_t req, fuse_ino_t ino,
			struct fuse_file_info *fi)
{
	(void)fi;
	reply_attr_of(req, ino);
}

static struct timespec set_time(int set, int now, const struct timespec *t)
{
	struct timespec ts = { .tv_nsec = UTIME_OMIT };

	if (now)
		ts.tv_nsec = UTIME_NOW;
	else if (set)
		ts = *t;
	return ts;
}

static void lfs_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
			int to_set, struct fuse_file_info *fi)
{
	struct lfs *fs = lfs_of(req);
	struct lisafs_setstat s = { 0 };
	uint32_t failed = 0;
	int failed_errno = 0, err;

	(void)fi;
	if (to_set & FUSE_SET_ATTR_MODE) {
		s.mask |= STATX_MODE;
		s.mode = attr->st_mode & 07777;
	}
	if (to_set & FUSE_SET_ATTR_UID) {
		s.mask |= STATX_UID;
		s.uid = attr->st_uid;
	}
	if (to_set & FUSE_SET_ATTR_GID) {
		s.mask |= STATX_GID;
		s.gid = attr->st_gid;
	}
	if (to_set & FUSE_SET_ATTR_SIZE) {
		s.mask |= STATX_SIZE;
		s.size = attr->st_size;
	}
	if (to_set & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_ATIME_NOW))
		s.mask |= STATX_ATIME;
	if (to_set & (FUSE_SET_ATTR_MTIME | FUSE_SET_ATTR_MTIME_NOW))
		s.mask |= STATX_MTIME;
	s.atime = set_time(to_set & FUSE_SET_ATTR_ATIME,
			   to_set & FUSE_SET_ATTR_ATIME_NOW, &attr->st_atim);
	s.mtime = set_time(to_set & FUSE_SET_ATTR_MTIME,
			   to_set & FUSE_SET_ATTR_MTIME_NOW, &attr->st_mtim);
	if (s.mask) {
		err = lisafs_client_setstat(fs->client, fdid_of(req, ino), &s,
					    &failed, &failed_errno);
		if (err)
			return lfs_reply_err(req, err);
		if (failed)
			return lfs_reply_err(req, failed_errno > 0 ?
					     -failed_errno : -EIO);
	}
	reply_attr_of(req, ino);
}

static void lfs_readlink(fuse_req_t req, fuse_ino_t ino)
{
	char buf[PATH_MAX + 1];
	ssize_t n;

	n = lisafs_client_readlinkat(lfs_of(req)->client, fdid_of(req, ino),
				     buf, PATH_MAX);
	if (n < 0)
		return lfs_reply_err(req, (int)n);
	buf[n] = '\0';
	fuse_reply_readlink(req, buf);
}

static void lfs_mknod(fuse_req_t req, fuse_ino_t parent, const char *name,
		      mode_t mode, dev_t rdev)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	struct lisafs_inode child;
	int err;

	err = lisafs_client_mknodat(lfs_of(req)->client, fdid_of(req, parent),
				    name, mode, rdev, ctx->uid, ctx->gid, &child);
	reply_created(req, err, parent, name, &child);
}

static void lfs_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name,
		      mode_t mode)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	struct lisafs_inode child;
	int err;

	err = lisafs_client_mkdirat(lfs_of(req)->client, fdid_of(req, parent),
				    name, (mode & 07777) | S_IFDIR, ctx->uid,
				    ctx->gid, &child);
	reply_created(req, err, parent, name, &child);
}

static void lfs_symlink(fuse_req_t req, const char *target, fuse_ino_t parent,
			const char *name)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	struct lisafs_inode child;
	int err;

	err = lisafs_client_symlinkat(lfs_of(req)->client, fdid_of(req, parent),
				      name, target, ctx->uid, ctx->gid, &child);
	reply_created(req, err, parent, name, &child);
}

static void lfs_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent,
		     const char *newname)
{
	struct lisafs_inode child;
	int err;

	err = lisafs_client_linkat(lfs_of(req)->client, fdid_of(req, newparent),
				   newname, fdid_of(req, ino), &child);
	reply_created(req, err, newparent, newname, &child);
}

static void lfs_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	int err = lisafs_client_unlinkat(lfs_of(req)->client,
					 fdid_of(req, parent), name, 0);

	if (err)
		return lfs_reply_err(req, err);
	fuse_reply_err(req, 0);
}

static void lfs_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	int err = lisafs_client_unlinkat(lfs_of(req)->client,
					 fdid_of(req, parent), name,
					 AT_REMOVEDIR);

	if (err)
		return lfs_reply_err(req, err);
	fuse_reply_err(req, 0);
}

/*
 * Servers without RenameAt2 get RENAME_NOREPLACE as a check, then a rename:
 * exact while this mount is the only writer, which is what it promises.
 * RENAME_EXCHANGE cannot be emulated; EINVAL makes callers (gnulib's
 * renameatu, for mv) fall back.
 */
static int target_exists(struct lfs *fs, uint64_t dirfd, const char *name)
{
	struct lisafs_inode in;
	size_t n = 1;
	uint8_t status;
	int err;

	err = lisafs_client_walk(fs->client, dirfd, &name, 1, &in, &n, &status);
	if (err)
		return err;
	if (n == 0)
		return 0;
	lfs_nodes_close_fdid(&fs->nodes, in.fdid);
	return 1;
}

static void lfs_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
		       fuse_ino_t newparent, const char *newname,
		       unsigned int flags)
{
	struct lfs *fs = lfs_of(req);
	uint64_t olddir = fdid_of(req, parent), newdir = fdid_of(req, newparent);
	int err;

	if (flags && fs->can_rename2) {
		err = lisafs_client_renameat2(fs->client, olddir, name, newdir,
					      newname, flags);
	} else if (flags & ~RENAME_NOREPLACE) {
		err = -EINVAL;
	} else {
		err = flags ? target_exists(fs, newdir, newname) : 0;
		if (err > 0)
			err = -EEXIST;
		if (!err)
			err = lisafs_client_renameat(fs->client, olddir, name,
						     newdir, newname);
	}
	if (err)
		return lfs_reply_err(req, err);
	fuse_reply_err(req, 0);
}

static void lfs_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct lisafs_statfs s;
	struct statvfs v = { 0 };
	int err;

	err = lisafs_client_fstatfs(lfs_of(req)->client, fdid_of(req, ino), &s);
	if (err)
		return lfs_reply_err(req, err);
	v.f_bsize = s.block_size;
	v.f_frsize = s.block_size;
	v.f_blocks = s.blocks;
	v.f_bfree = s.blocks_free;
	v.f_bavail = s.blocks_available;
	v.f_files = s.files;
	v.f_ffree = s.files_free;
	v.f_favail = s.files_free;
	v.f_namemax = s.name_length;
	fuse_reply_statfs(req, &v);
}

void lfs_set_entry_ops(struct fuse_lowlevel_ops *ops)
{
	ops->lookup = lfs_lookup;
	ops->forget = lfs_forget;
	ops->forget_multi = lfs_forget_multi;
	ops->getattr = lfs_getattr;
	ops->setattr = lfs_setattr;
	ops->readlink = lfs_readlink;
	ops->mknod = lfs_mknod;
	ops->mkdir = lfs_mkdir;
	ops->symlink = lfs_symlink;
	ops->link = lfs_link;
	ops->unlink = lfs_unlink;
	ops->rmdir = lfs_rmdir;
	ops->rename = lfs_rename;
	ops->statfs = lfs_statfs;
}
