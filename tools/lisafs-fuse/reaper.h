/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Keeps the inode table (so the server's descriptors) near -o max_inodes:
 * the kernel caches every inode it has looked up until memory runs short,
 * and each one holds a server FDID. Past the limit, a thread asks the kernel
 * to drop the least recently found names; it forgets their inodes, unless
 * something still uses them, and the FDIDs are closed.
 */
#ifndef LISAFS_FUSE_REAPER_H
#define LISAFS_FUSE_REAPER_H

#include <stddef.h>

struct lfs;
struct lfs_reaper;

/* limit 0: no reaper (*out = NULL). */
int lfs_reaper_start(struct lfs *fs, size_t limit, struct lfs_reaper **out);
void lfs_reaper_stop(struct lfs_reaper *r);

#endif
