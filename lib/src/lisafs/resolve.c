// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Confinement. The server never turns client input into a path: every name
 * is one checked component (no "/", ".", "..") opened relative to a
 * directory fd the server already holds, with O_PATH|O_NOFOLLOW, so a
 * symlink is returned as itself and never followed. Where openat2(2) exists
 * the kernel also enforces RESOLVE_BENEATH and refuses magic links and
 * symlinks. Files are only ever opened for real through the O_PATH fd the
 * server holds (via /proc/self/fd), so what is opened is the inode that was
 * walked, even if its name has since been replaced by a symlink.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lisafs/server_internal.h"

static int openat2_unsupported;	/* latched after ENOSYS */

int lfs_open_child(int dirfd, const char *name)
{
	int fd;

	if (!__atomic_load_n(&openat2_unsupported, __ATOMIC_RELAXED)) {
		struct open_how how = {
			.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
			.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS |
				   RESOLVE_NO_SYMLINKS,
		};

		fd = syscall(SYS_openat2, dirfd, name, &how, sizeof(how));
		if (fd >= 0)
			return fd;
		if (errno != ENOSYS)
			return -errno;
		__atomic_store_n(&openat2_unsupported, 1, __ATOMIC_RELAXED);
	}
	fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

void lfs_fd_path(int fd, char buf[32])
{
	snprintf(buf, 32, "/proc/self/fd/%d", fd);
}

int lfs_reopen(const struct lisafs_server *s, int path_fd, int flags)
{
	char name[16];
	int fd;

	snprintf(name, sizeof(name), "%d", path_fd);
	fd = openat(s->proc_fd, name, flags | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int lfs_statx(int fd, struct statx *st)
{
	if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW,
		  STATX_BASIC_STATS | STATX_BTIME, st) < 0)
		return -errno;
	return 0;
}

int lfs_new_control(struct lfs_conn *c, int path_fd, struct lisafs_inode *ino)
{
	int err = lfs_statx(path_fd, &ino->stat);

	if (err) {
		close(path_fd);
		return err;
	}
	return lfs_fdt_insert(&c->fdt, LFS_FD_CONTROL, path_fd,
			      ino->stat.stx_mode, 0, &ino->fdid);
}

int lfs_new_child_control(struct lfs_conn *c, int dirfd, const char *name,
			  struct lisafs_inode *ino)
{
	int fd = lfs_open_child(dirfd, name);

	if (fd < 0)
		return fd;
	return lfs_new_control(c, fd, ino);
}

/*
 * Applies uid/gid to a new file as gVisor does, but only where they differ
 * from what the file got: a chown that changes nothing still costs a
 * journalled inode update, and clears the set-user-ID bit of a file that
 * was just created with it.
 */
static int chown_new(int path_fd, uint32_t uid, uint32_t gid,
		     struct statx *st)
{
	bool differs = (uid != LISAFS_NO_UID && uid != st->stx_uid) ||
		       (gid != LISAFS_NO_GID && gid != st->stx_gid);

	/* An unprivileged server creates files as itself, like gVisor's
	 * gofer without CAP_CHOWN; only root honours the ids.
	 */
	if (!differs || geteuid() != 0)
		return 0;
	if (fchownat(path_fd, "", uid, gid,
		     AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	return lfs_statx(path_fd, st);
}

int lfs_new_owned_control(struct lfs_conn *c, int path_fd, uint32_t uid,
			  uint32_t gid, struct lisafs_inode *ino)
{
	int err = lfs_statx(path_fd, &ino->stat);

	if (!err)
		err = chown_new(path_fd, uid, gid, &ino->stat);
	if (err) {
		close(path_fd);
		return err;
	}
	return lfs_fdt_insert(&c->fdt, LFS_FD_CONTROL, path_fd,
			      ino->stat.stx_mode, 0, &ino->fdid);
}
