/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The inode table: FUSE node IDs to lisafs control FDIDs. One node per host
 * inode (device and inode number), so hard links share a node and the kernel
 * sees one inode. The kernel's lookup count decides a node's life: forget
 * dropping it to zero closes the FDID. FDIDs to close are batched, as Close
 * takes an array and FDIDs are never reused by the server.
 *
 * Each node also remembers where it was first found (parent node ID and
 * name) and sits on a least-recently-found list, so the reaper (reaper.c)
 * can ask the kernel to drop the oldest names when the table grows past a
 * limit; the kernel then forgets their inodes and the FDIDs are closed.
 */
#ifndef LISAFS_FUSE_NODES_H
#define LISAFS_FUSE_NODES_H

#include <pthread.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/stat.h>

struct lisafs_client;
struct lisafs_inode;

struct lfs_node {
	uint64_t fdid;			/* control FDID, fixed for the node's life */
	uint64_t ino;
	uint32_t dev_major, dev_minor;
	uint64_t nlookup;		/* the kernel's references */
	struct lfs_node *hash_next;
	uint64_t parent;		/* node ID it was first found in */
	char *name;			/* ... under this name; NULL: unknown */
	struct lfs_node *lru_prev, *lru_next;
	/* CLOCK_MONOTONIC ns until which security.capability is known absent */
	_Atomic uint64_t nocap_until;
};

/* A name to drop from the kernel's cache (see lfs_nodes_victims). */
struct lfs_victim {
	uint64_t parent;
	char *name;			/* the caller frees it */
};

#define LFS_CLOSE_BATCH 64
#define LFS_ROOT_NODEID 1	/* FUSE_ROOT_ID */

struct lfs_nodes {
	pthread_mutex_t lock;
	struct lfs_node **buckets;
	size_t n_buckets, count;
	struct lfs_node root;		/* node ID 1; never forgotten */
	struct lfs_node lru;		/* list head: next is the newest */
	struct lisafs_client *client;
	uint64_t to_close[LFS_CLOSE_BATCH];
	size_t n_to_close;
};

int lfs_nodes_init(struct lfs_nodes *t, struct lisafs_client *client,
		   const struct lisafs_inode *root);
/* Closes every FDID still held (unless the server is gone) and frees. */
void lfs_nodes_destroy(struct lfs_nodes *t, int server_gone);
/* The node behind a FUSE node ID the kernel holds a reference to. */
struct lfs_node *lfs_node(struct lfs_nodes *t, uint64_t nodeid);
/*
 * Finds or adds the node of a freshly walked or created inode and counts one
 * kernel reference; the inode's FDID becomes the node's or is closed.
 * Returns the node ID, or 0 with -ENOMEM in *err.
 */
uint64_t lfs_nodes_get(struct lfs_nodes *t, uint64_t parent, const char *name,
		       const struct lisafs_inode *in, int *err);
void lfs_nodes_forget(struct lfs_nodes *t, uint64_t nodeid, uint64_t n);
/* Closes an FDID that no node keeps (a failed reply, a lost race). */
void lfs_nodes_close_fdid(struct lfs_nodes *t, uint64_t fdid);
void lfs_nodes_flush(struct lfs_nodes *t);
size_t lfs_nodes_count(struct lfs_nodes *t);
/*
 * Up to max of the least recently found nodes, while more than limit nodes
 * exist; they move to the front, so the next call picks others.
 */
size_t lfs_nodes_victims(struct lfs_nodes *t, size_t limit,
			 struct lfs_victim *out, size_t max);

#endif
