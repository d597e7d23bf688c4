// SPDX-License-Identifier: GPL-2.0
/* Conversions and replies every group of lisafs-fuse operations uses. */
#include <errno.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "lisafs-fuse.h"

void lfs_reply_err(fuse_req_t req, int err)
{
	struct lfs *fs = lfs_of(req);

	/* Whatever a dying connection reported, the caller sees one errno. */
	if (atomic_load(&fs->dead))
		err = -EIO;
	if (err >= 0)
		err = -EIO;
	fuse_reply_err(req, -err);
}

void lfs_fill_stat(const struct statx *sx, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = sx->stx_ino;
	st->st_mode = sx->stx_mode;
	st->st_nlink = sx->stx_nlink;
	st->st_uid = sx->stx_uid;
	st->st_gid = sx->stx_gid;
	st->st_rdev = makedev(sx->stx_rdev_major, sx->stx_rdev_minor);
	st->st_size = sx->stx_size;
	st->st_blksize = sx->stx_blksize;
	st->st_blocks = sx->stx_blocks;
	st->st_atim.tv_sec = sx->stx_atime.tv_sec;
	st->st_atim.tv_nsec = sx->stx_atime.tv_nsec;
	st->st_mtim.tv_sec = sx->stx_mtime.tv_sec;
	st->st_mtim.tv_nsec = sx->stx_mtime.tv_nsec;
	st->st_ctim.tv_sec = sx->stx_ctime.tv_sec;
	st->st_ctim.tv_nsec = sx->stx_ctime.tv_nsec;
}

int lfs_make_entry(struct lfs *fs, fuse_ino_t parent, const char *name,
		   const struct lisafs_inode *child, struct fuse_entry_param *e)
{
	int err = 0;

	memset(e, 0, sizeof(*e));
	e->ino = lfs_nodes_get(&fs->nodes, parent, name, child, &err);
	if (!e->ino)
		return err;
	lfs_fill_stat(&child->stat, &e->attr);
	e->attr_timeout = fs->opt.attr_timeout;
	e->entry_timeout = fs->opt.entry_timeout;
	return 0;
}
