/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Notices the server going away (its end of the connection socket hangs up)
 * and shuts the client down, so every pending and later call fails at once
 * instead of waiting on a peer that will never answer.
 */
#ifndef LISAFS_FUSE_WATCHDOG_H
#define LISAFS_FUSE_WATCHDOG_H

struct lfs;
struct lfs_watchdog;

/* sock: a duplicate of the connection socket; the watchdog takes it. */
int lfs_watchdog_start(struct lfs *fs, int sock, struct lfs_watchdog **out);
void lfs_watchdog_stop(struct lfs_watchdog *w);

#endif
