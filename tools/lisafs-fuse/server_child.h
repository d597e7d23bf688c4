/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --export: lisafs-server --fd for one directory, in a child process on a
 * socketpair, so one command mounts a directory through the whole stack.
 */
#ifndef LISAFS_FUSE_SERVER_CHILD_H
#define LISAFS_FUSE_SERVER_CHILD_H

#include <stdbool.h>
#include <sys/types.h>

/*
 * Forks the server; *client_sock gets the client end. Call before any thread
 * starts. The child serves until the client end closes or it gets SIGTERM
 * (lisafs-server also stops on SIGINT).
 */
int lfs_server_child_start(const char *export_dir, bool read_only,
			   pid_t *pid, int *client_sock);
/* Waits up to timeout_ms for the child to exit, then kills it. */
void lfs_server_child_reap(pid_t pid, int timeout_ms);

#endif
