// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Handlers that change directories: MkdirAt, MknodAt, SymlinkAt, LinkAt,
 * UnlinkAt, RenameAt, RenameAt2. Every name is one safe component below a
 * directory FDID of this connection; LinkAt's target must be an FDID this
 * connection was handed, so nothing outside the export can be linked in.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "lisafs/server_internal.h"
#include "lisafs/wire.h"

/* After a create: chown, control FDID, Inode response; undo on failure. */
static int finish_create(struct lfs_req *r, struct lfs_fd *dir,
			 const char *name, const struct lfs_create_common *cc,
			 bool is_dir)
{
	struct lisafs_inode ino;
	struct lfs_wr w;
	int fd, err;

	fd = lfs_open_child(dir->host_fd, name);
	err = fd < 0 ? fd : lfs_new_owned_control(r->conn, fd, cc->uid,
						   cc->gid, &ino);
	if (err) {
		unlinkat(dir->host_fd, name, is_dir ? AT_REMOVEDIR : 0);
		return err;
	}
	lfs_wr_init(&w, r->buf, r->cap);
	lfs_wr_inode(&w, &ino);
	return (int)w.off;
}

int lfs_h_mkdirat(struct lfs_req *r)
{
	struct lfs_create_common cc;
	char name[LFS_NAME_BUF];
	struct lfs_rd rd;
	struct lfs_fd *dir;
	int err;

	lfs_rd_init(&rd, r->buf, r->len);
	lfs_rd_create_common(&rd, &cc);
	err = lfs_rd_name(&rd, name);
	err = lfs_rd_result(&rd, err);
	if (err)
		return err;
	err = lfs_req_dir_to_change(r, cc.dirfd, &dir);
	if (err)
		return err;
	if (mkdirat(dir->host_fd, name, cc.mode & 07777) < 0)
		err = -errno;
	else
		err = finish_create(r, dir, name, &cc, true);
	lfs_fd_put(dir);
	return err;
}

int lfs_h_mknodat(struct lfs_req *r)
{
	struct lfs_create_common cc;
	char name[LFS_NAME_BUF];
	uint32_t minor, major;
	struct lfs_rd rd;
	struct lfs_fd *dir;
	mode_t type;
	int err;

	lfs_rd_init(&rd, r->buf, r->len);
	lfs_rd_create_common(&rd, &cc);
	minor = lfs_rd_u32(&rd);
	major = lfs_rd_u32(&rd);
	err = lfs_rd_name(&rd, name);
	err = lfs_rd_result(&rd, err);
	if (err)
		return err;
	type = cc.mode & S_IFMT;
	if (type == 0)
		type = S_IFREG;
	/* Like gVisor's gofer: no device nodes on the host. */
	if (type != S_IFREG && type != S_IFIFO && type != S_IFSOCK)
		return -EPERM;
	err = lfs_req_dir_to_change(r, cc.dirfd, &dir);
	if (err)
		return err;
	if (mknodat(dir->host_fd, name, type | (cc.mode & 07777),
		    makedev(major, minor)) < 0)
		err = -errno;
	else
		err = finish_create(r, dir, name, &cc, false);
	lfs_fd_put(dir);
	return err;
}

int lfs_h_symlinkat(struct lfs_req *r)
{
	struct lfs_create_common cc = { 0 };
	char name[LFS_NAME_BUF], target[LFS_PATH_BUF];
	struct lfs_rd rd;
	struct lfs_fd *dir;
	int err, err2;

	lfs_rd_init(&rd, r->buf, r->len);
	cc.dirfd = lfs_rd_u64(&rd);
	cc.uid = lfs_rd_u32(&rd);
	cc.gid = lfs_rd_u32(&rd);
	err = lfs_rd_name(&rd, name);
	err2 = lfs_rd_string(&rd, target, sizeof(target), NULL);
	err = lfs_rd_result(&rd, err ? err : err2);
	if (err)
		return err;
	err = lfs_req_dir_to_change(r, cc.dirfd, &dir);
	if (err)
		return err;
	/* The target is stored, never resolved by us. */
	if (symlinkat(target, dir->host_fd, name) < 0)
		err = -errno;
	else
		err = finish_create(r, dir, name, &cc, false);
	lfs_fd_put(dir);
	return err;
}

int lfs_h_linkat(struct lfs_req *r)
{
	struct lfs_create_common cc = {
		.uid = LISAFS_NO_UID, .gid = LISAFS_NO_GID,
	};
	char name[LFS_NAME_BUF], src[16];
	struct lfs_fd *dir, *target;
	struct lfs_rd rd;
	uint64_t target_id;
	int err;

	lfs_rd_init(&rd, r->buf, r->len);
	cc.dirfd = lfs_rd_u64(&rd);
	target_id = lfs_rd_u64(&rd);
	err = lfs_rd_name(&rd, name);
	err = lfs_rd_result(&rd, err);
	if (err)
		return err;
	err = lfs_req_dir_to_change(r, cc.dirfd, &dir);
	if (err)
		return err;
	err = lfs_req_fd(r, target_id, LFS_FD_CONTROL, &target);
	if (err)
		goto out_dir;
	if (target->type == S_IFDIR) {
		err = -EPERM;
		goto out;
	}
	/* Link the inode we hold, through /proc/self/fd: AT_EMPTY_PATH
	 * would need CAP_DAC_READ_SEARCH.
	 */
	snprintf(src, sizeof(src), "%d", target->host_fd);
	if (linkat(r->conn->srv->proc_fd, src, dir->host_fd, name,
		   AT_SYMLINK_FOLLOW) < 0)
		err = -errno;
	else
		err = finish_create(r, dir, name, &cc, false);
out:
	lfs_fd_put(target);
out_dir:
	lfs_fd_put(dir);
	return err;
}

int lfs_h_unlinkat(struct lfs_req *r)
{
	char name[LFS_NAME_BUF];
	struct lfs_rd rd;
	struct lfs_fd *dir;
	uint64_t id;
	uint32_t flags;
	int err;

	lfs_rd_init(&rd, r->buf, r->len);
	id = lfs_rd_u64(&rd);
	flags = lfs_rd_u32(&rd);
	err = lfs_rd_name(&rd, name);
	err = lfs_rd_result(&rd, err);
	if (err)
		return err;
	if (flags & ~(uint32_t)AT_REMOVEDIR)
		return -EINVAL;
	err = lfs_req_dir_to_change(r, id, &dir);
	if (err)
		return err;
	if (unlinkat(dir->host_fd, name, (int)flags) < 0)
		err = -errno;
	lfs_fd_put(dir);
	return err;
}

static int rename_common(struct lfs_req *r, bool has_flags)
{
	char old_name[LFS_NAME_BUF], new_name[LFS_NAME_BUF];
	struct lfs_fd *old_dir, *new_dir;
	uint64_t old_id, new_id;
	uint32_t flags = 0;
	struct lfs_rd rd;
	int err, err2;

	lfs_rd_init(&rd, r->buf, r->len);
	old_id = lfs_rd_u64(&rd);
	new_id = lfs_rd_u64(&rd);
	err = lfs_rd_name(&rd, old_name);
	err2 = lfs_rd_name(&rd, new_name);
	if (has_flags)
		flags = lfs_rd_u32(&rd);
	err = lfs_rd_result(&rd, err ? err : err2);
	if (err)
		return err;
	if (flags & ~(uint32_t)(RENAME_NOREPLACE | RENAME_EXCHANGE))
		return -EINVAL;
	err = lfs_req_dir_to_change(r, old_id, &old_dir);
	if (err)
		return err;
	err = lfs_req_dir_to_change(r, new_id, &new_dir);
	if (err) {
		lfs_fd_put(old_dir);
		return err;
	}
	if (renameat2(old_dir->host_fd, old_name, new_dir->host_fd, new_name,
		      flags) < 0)
		err = -errno;
	lfs_fd_put(new_dir);
	lfs_fd_put(old_dir);
	return err;
}

int lfs_h_renameat(struct lfs_req *r)
{
	return rename_common(r, false);
}

int lfs_h_renameat2(struct lfs_req *r)
{
	return rename_common(r, true);
}
