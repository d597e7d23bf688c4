// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Extended attributes. The FDID holds an O_PATH fd, which the f*xattr calls
 * refuse, so they go through its /proc/self/fd link; symlinks have none we
 * could reach without following them, so they answer EOPNOTSUPP.
 */
#include <errno.h>
#include <string.h>
#include <sys/xattr.h>

#include "lisafs/server_internal.h"
#include "lisafs/wire.h"

#define XATTR_VALUE_MAX	65535	/* a SizedString */

/* Holds the FDID (so its fd number cannot be recycled) and names it. */
static int xattr_target(struct lfs_req *r, uint64_t id, char path[32],
			struct lfs_fd **f)
{
	int err = lfs_req_fd(r, id, LFS_FD_CONTROL, f);

	if (err)
		return err;
	if ((*f)->type == S_IFLNK) {
		lfs_fd_put(*f);
		return -EOPNOTSUPP;
	}
	lfs_fd_path((*f)->host_fd, path);
	return 0;
}

int lfs_h_fgetxattr(struct lfs_req *r)
{
	char name[LFS_NAME_BUF], path[32];
	struct lfs_rd rd;
	struct lfs_fd *f;
	uint64_t id;
	uint32_t size;
	ssize_t n;
	int err;

	lfs_rd_init(&rd, r->buf, r->len);
	id = lfs_rd_u64(&rd);
	size = lfs_rd_u32(&rd);
	err = lfs_rd_string(&rd, name, sizeof(name), NULL);
	err = lfs_rd_result(&rd, err);
	if (err)
		return err;
	if (size > XATTR_VALUE_MAX)
		size = XATTR_VALUE_MAX;
	if (size > r->cap - 2)
		size = r->cap - 2;
	err = xattr_target(r, id, path, &f);
	if (err)
		return err;
	n = getxattr(path, name, size ? r->buf + 2 : NULL, size);
	lfs_fd_put(f);
	if (n < 0)
		return -errno;
	if (n > XATTR_VALUE_MAX)
		return -E2BIG;
	{
		uint16_t len = (uint16_t)n;

		memcpy(r->buf, &len, 2);
	}
	/* With size 0 the client asked for the length only: no bytes. */
	return size ? 2 + (int)n : 2;
}

int lfs_h_fsetxattr(struct lfs_req *r)
{
	char name[LFS_NAME_BUF], path[32];
	const uint8_t *value;
	struct lfs_rd rd;
	struct lfs_fd *f;
	uint64_t id;
	uint32_t flags;
	uint16_t len;
	int err;

	lfs_rd_init(&rd, r->buf, r->len);
	id = lfs_rd_u64(&rd);
	flags = lfs_rd_u32(&rd);
	err = lfs_rd_string(&rd, name, sizeof(name), NULL);
	len = lfs_rd_u16(&rd);
	value = lfs_rd_bytes(&rd, len);
	err = lfs_rd_result(&rd, err);
	if (err)
		return err;
	if (lfs_readonly(r))
		return -EROFS;
	if (flags & ~(uint32_t)(XATTR_CREATE | XATTR_REPLACE))
		return -EINVAL;
	err = xattr_target(r, id, path, &f);
	if (err)
		return err;
	err = setxattr(path, name, value, len, (int)flags) < 0 ? -errno : 0;
	lfs_fd_put(f);
	return err;
}

int lfs_h_flistxattr(struct lfs_req *r)
{
	char list[XATTR_VALUE_MAX], path[32];
	struct lfs_rd rd;
	struct lfs_fd *f;
	struct lfs_wr w;
	uint64_t id, size;
	uint16_t count = 0;
	ssize_t n;
	int err;

	lfs_rd_init(&rd, r->buf, r->len);
	id = lfs_rd_u64(&rd);
	size = lfs_rd_u64(&rd);
	if (rd.bad)
		return -EIO;
	err = xattr_target(r, id, path, &f);
	if (err)
		return err;
	if (size > sizeof(list))
		size = sizeof(list);
	n = listxattr(path, list, size ? size : sizeof(list));
	lfs_fd_put(f);
	if (n < 0)
		return -errno;
	lfs_wr_init(&w, r->buf, r->cap);
	lfs_wr_reserve(&w, 2);
	for (ssize_t i = 0; i < n;) {
		size_t len = strnlen(list + i, (size_t)(n - i));

		lfs_wr_string(&w, list + i, len);
		count++;
		i += (ssize_t)len + 1;
	}
	if (w.over)
		return -ERANGE;
	memcpy(r->buf, &count, 2);
	return (int)w.off;
}

int lfs_h_fremovexattr(struct lfs_req *r)
{
	char name[LFS_NAME_BUF], path[32];
	struct lfs_rd rd;
	struct lfs_fd *f;
	uint64_t id;
	int err;

	lfs_rd_init(&rd, r->buf, r->len);
	id = lfs_rd_u64(&rd);
	err = lfs_rd_string(&rd, name, sizeof(name), NULL);
	err = lfs_rd_result(&rd, err);
	if (err)
		return err;
	if (lfs_readonly(r))
		return -EROFS;
	err = xattr_target(r, id, path, &f);
	if (err)
		return err;
	err = removexattr(path, name) < 0 ? -errno : 0;
	lfs_fd_put(f);
	return err;
}
