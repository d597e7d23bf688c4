// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Typed client calls on directories and links: MkdirAt, MknodAt,
 * SymlinkAt, LinkAt, ReadLinkAt, UnlinkAt, RenameAt(2), Getdents64.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "export.h"
#include "lisafs/client_internal.h"
#include "lisafs/wire.h"

FLIPCALL_EXPORT int lisafs_client_mkdirat(struct lisafs_client *c,
					  uint64_t dirfd, const char *name,
					  mode_t mode, uid_t uid, gid_t gid,
					  struct lisafs_inode *child)
{
	struct lfs_tx tx;
	struct lfs_wr w;
	int err = lfs_client_begin_named(c, &tx, LISAFS_MID_MKDIRAT, &w, name);

	if (err)
		return err;
	lfs_wr_create_common(&w, dirfd, uid, gid, (uint16_t)mode);
	lfs_wr_string(&w, name, strlen(name));
	return lfs_client_inode_call(&tx, LISAFS_MID_MKDIRAT, &w, child);
}

FLIPCALL_EXPORT int lisafs_client_mknodat(struct lisafs_client *c,
					  uint64_t dirfd, const char *name,
					  mode_t mode, dev_t rdev, uid_t uid,
					  gid_t gid, struct lisafs_inode *child)
{
	struct lfs_tx tx;
	struct lfs_wr w;
	int err = lfs_client_begin_named(c, &tx, LISAFS_MID_MKNODAT, &w, name);

	if (err)
		return err;
	lfs_wr_create_common(&w, dirfd, uid, gid, (uint16_t)mode);
	lfs_wr_u32(&w, minor(rdev));
	lfs_wr_u32(&w, major(rdev));
	lfs_wr_string(&w, name, strlen(name));
	return lfs_client_inode_call(&tx, LISAFS_MID_MKNODAT, &w, child);
}

FLIPCALL_EXPORT int lisafs_client_symlinkat(struct lisafs_client *c,
					    uint64_t dirfd, const char *name,
					    const char *target, uid_t uid,
					    gid_t gid,
					    struct lisafs_inode *child)
{
	struct lfs_tx tx;
	struct lfs_wr w;
	int err;

	if (!target)
		return -EINVAL;
	err = lfs_client_begin_named(c, &tx, LISAFS_MID_SYMLINKAT, &w, name);
	if (err)
		return err;
	lfs_wr_u64(&w, dirfd);
	lfs_wr_u32(&w, uid);
	lfs_wr_u32(&w, gid);
	lfs_wr_string(&w, name, strlen(name));
	lfs_wr_string(&w, target, strlen(target));
	return lfs_client_inode_call(&tx, LISAFS_MID_SYMLINKAT, &w, child);
}

FLIPCALL_EXPORT int lisafs_client_linkat(struct lisafs_client *c,
					 uint64_t dirfd, const char *name,
					 uint64_t target_fd,
					 struct lisafs_inode *child)
{
	struct lfs_tx tx;
	struct lfs_wr w;
	int err = lfs_client_begin_named(c, &tx, LISAFS_MID_LINKAT, &w, name);

	if (err)
		return err;
	lfs_wr_u64(&w, dirfd);
	lfs_wr_u64(&w, target_fd);
	lfs_wr_string(&w, name, strlen(name));
	return lfs_client_inode_call(&tx, LISAFS_MID_LINKAT, &w, child);
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
	err = lfs_client_send(&tx, LISAFS_MID_READLINKAT, &w, &rd);
	ret = err ? err : lfs_client_sized_string(&rd, buf, size, -ENAMETOOLONG);
	lfs_tx_end(&tx);
	return ret;
}

FLIPCALL_EXPORT int lisafs_client_unlinkat(struct lisafs_client *c,
					   uint64_t dirfd, const char *name,
					   uint32_t flags)
{
	struct lfs_tx tx;
	struct lfs_wr w;
	int err = lfs_client_begin_named(c, &tx, LISAFS_MID_UNLINKAT, &w, name);

	if (err)
		return err;
	lfs_wr_u64(&w, dirfd);
	lfs_wr_u32(&w, flags);
	lfs_wr_string(&w, name, strlen(name));
	return lfs_client_finish(&tx, LISAFS_MID_UNLINKAT, &w);
}

static int rename_call(struct lisafs_client *c, uint16_t mid,
		       uint64_t old_dir, const char *old_name,
		       uint64_t new_dir, const char *new_name, uint32_t flags)
{
	struct lfs_tx tx;
	struct lfs_wr w;
	int err;

	if (lfs_client_check_name(old_name) || lfs_client_check_name(new_name))
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
	return lfs_client_finish(&tx, mid, &w);
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
	err = lfs_client_send(&tx, LISAFS_MID_GETDENTS64, &w, &rd);
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
