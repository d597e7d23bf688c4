/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lisafs-fuse: a FUSE low-level filesystem over a lisafs connection. Shared
 * state of the daemon; the FUSE operations live in ops_*.c, the inode table
 * in nodes.c, start-up and teardown in main.c.
 */
#ifndef LISAFS_FUSE_H
#define LISAFS_FUSE_H

#define FUSE_USE_VERSION 312
#include <fuse_lowlevel.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <flipcall/lisafs.h>

#include "nodes.h"

struct lfs_options {
	double entry_timeout;		/* seconds the kernel may cache a name */
	double attr_timeout;		/* seconds it may cache attributes */
	double negative_timeout;	/* seconds it may cache "no such name" */
	bool read_only;
	bool xattr;			/* forward xattrs when the server can */
	bool host_fd;			/* use a file descriptor the server donates */
	unsigned int channels;
	unsigned int client_flags;	/* LISAFS_CLIENT_NO_DEVICE, ... */
	unsigned int call_timeout_ms;
	unsigned int max_inodes;	/* 0: let the kernel keep them all */
};

/* Well below the server's default of 65536 FDIDs per connection. */
#define LFS_DEFAULT_MAX_INODES 16384

struct lfs {
	struct lisafs_client *client;
	struct lfs_nodes nodes;
	struct lfs_options opt;
	struct fuse_session *se;
	atomic_bool dead;		/* the server is gone: every op fails */
	bool can_rename2;
	bool can_xattr;
};

static inline struct lfs *lfs_of(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

/* Reply with a plain errno (positive), as fuse_reply_err but void. */
static inline void lfs_fail(fuse_req_t req, int errnum)
{
	fuse_reply_err(req, errnum);
}

/* Reply with -err from a lisafs call, EIO once the server is gone. */
void lfs_reply_err(fuse_req_t req, int err);
void lfs_fill_stat(const struct statx *sx, struct stat *st);
/*
 * The kernel's entry for a new (or re-found) inode, found as name in parent;
 * takes child's FDID.
 */
int lfs_make_entry(struct lfs *fs, fuse_ino_t parent, const char *name,
		   const struct lisafs_inode *child, struct fuse_entry_param *e);

void lfs_set_entry_ops(struct fuse_lowlevel_ops *ops);
void lfs_set_file_ops(struct fuse_lowlevel_ops *ops);
void lfs_set_dir_ops(struct fuse_lowlevel_ops *ops);
void lfs_set_xattr_ops(struct fuse_lowlevel_ops *ops);

#endif
