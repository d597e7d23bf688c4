// SPDX-License-Identifier: GPL-2.0
/*
 * Extended attributes, forwarded when the server offers all four xattr
 * messages and -o noxattr is not given.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>
#include <time.h>

#include "lisafs-fuse.h"

static uint64_t fdid_of(fuse_req_t req, fuse_ino_t ino)
{
	return lfs_node(&lfs_of(req)->nodes, ino)->fdid;
}

/*
 * The table is fixed before the server is connected, so the check is here:
 * ENOSYS makes the kernel stop asking (and answer EOPNOTSUPP itself).
 */
static bool refused(fuse_req_t req)
{
	if (lfs_of(req)->can_xattr)
		return false;
	fuse_reply_err(req, ENOSYS);
	return true;
}

/* size 0 asks for the length, as with fgetxattr(2) and flistxattr(2). */
static void reply_sized(fuse_req_t req, ssize_t n, const char *buf,
			size_t size)
{
	if (n < 0)
		return lfs_reply_err(req, (int)n);
	if (size == 0)
		fuse_reply_xattr(req, n);
	else
		fuse_reply_buf(req, buf, n);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
}

/*
 * The kernel asks for security.capability before every write (to drop it),
 * one round trip each. Its absence is cached for attr_timeout, like the
 * attributes: a set or remove through this mount forgets it at once.
 */
static bool is_capability(const char *name)
{
	return !strcmp(name, "security.capability");
}

static void lfs_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
			 size_t size)
{
	struct lfs_node *node;
	char *buf = NULL;
	ssize_t n;

	if (refused(req))
		return;
	node = lfs_node(&lfs_of(req)->nodes, ino);
	if (is_capability(name) && atomic_load(&node->nocap_until) > now_ns()) {
		fuse_reply_err(req, ENODATA);
		return;
	}
	if (size && !(buf = malloc(size)))
		return lfs_fail(req, ENOMEM);
	n = lisafs_client_fgetxattr(lfs_of(req)->client, node->fdid, name,
				    buf, size);
	if (n == -ENODATA && is_capability(name))
		atomic_store(&node->nocap_until, now_ns() + (uint64_t)
			     (lfs_of(req)->opt.attr_timeout * 1e9));
	reply_sized(req, n, buf, size);
	free(buf);
}

static void forget_capability(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	if (is_capability(name))
		atomic_store(&lfs_node(&lfs_of(req)->nodes, ino)->nocap_until, 0);
}

static void lfs_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	char *buf = NULL;
	ssize_t n;

	if (refused(req))
		return;
	if (size && !(buf = malloc(size)))
		return lfs_fail(req, ENOMEM);
	n = lisafs_client_flistxattr(lfs_of(req)->client, fdid_of(req, ino),
				     buf, size);
	reply_sized(req, n, buf, size);
	free(buf);
}

static void lfs_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
			 const char *value, size_t size, int flags)
{
	int err;

	if (refused(req))
		return;
	forget_capability(req, ino, name);
	err = lisafs_client_fsetxattr(lfs_of(req)->client, fdid_of(req, ino),
				      name, value, size, (uint32_t)flags);
	if (err)
		return lfs_reply_err(req, err);
	fuse_reply_err(req, 0);
}

static void lfs_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	int err;

	if (refused(req))
		return;
	forget_capability(req, ino, name);
	err = lisafs_client_fremovexattr(lfs_of(req)->client,
					 fdid_of(req, ino), name);
	if (err)
		return lfs_reply_err(req, err);
	fuse_reply_err(req, 0);
}

void lfs_set_xattr_ops(struct fuse_lowlevel_ops *ops)
{
	ops->getxattr = lfs_getxattr;
	ops->listxattr = lfs_listxattr;
	ops->setxattr = lfs_setxattr;
	ops->removexattr = lfs_removexattr;
}
