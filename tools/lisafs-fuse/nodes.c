// SPDX-License-Identifier: GPL-2.0
/* The inode table of lisafs-fuse; see nodes.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <flipcall/lisafs.h>

#include "nodes.h"

#define LFS_MIN_BUCKETS 1024

static size_t key_hash(uint64_t ino, uint32_t major, uint32_t minor,
		       size_t n_buckets)
{
	uint64_t h = ino * 0x9e3779b97f4a7c15ull;

	h ^= ((uint64_t)major << 32 | minor) * 0xc2b2ae3d27d4eb4full;
	return (size_t)(h ^ (h >> 29)) & (n_buckets - 1);
}

static size_t node_hash(const struct lfs_node *n, size_t n_buckets)
{
	return key_hash(n->ino, n->dev_major, n->dev_minor, n_buckets);
}

static void insert(struct lfs_nodes *t, struct lfs_node *n)
{
	size_t b = node_hash(n, t->n_buckets);

	n->hash_next = t->buckets[b];
	t->buckets[b] = n;
	t->count++;
}

static void unlink_node(struct lfs_nodes *t, struct lfs_node *n)
{
	struct lfs_node **p = &t->buckets[node_hash(n, t->n_buckets)];

	while (*p != n)
		p = &(*p)->hash_next;
	*p = n->hash_next;
	t->count--;
}

/* Doubles the table when it is half full; a failed grow only slows lookups. */
static void maybe_grow(struct lfs_nodes *t)
{
	size_t old = t->n_buckets, i;
	struct lfs_node **nb, *n, *next;

	if (t->count < old * 2)
		return;
	nb = calloc(old * 2, sizeof(*nb));
	if (!nb)
		return;
	for (i = 0; i < old; i++) {
		for (n = t->buckets[i]; n; n = next) {
			size_t b = node_hash(n, old * 2);

			next = n->hash_next;
			n->hash_next = nb[b];
			nb[b] = n;
		}
	}
	free(t->buckets);
	t->buckets = nb;
	t->n_buckets = old * 2;
}

static void lru_unlink(struct lfs_node *n)
{
	n->lru_prev->lru_next = n->lru_next;
	n->lru_next->lru_prev = n->lru_prev;
}

static void lru_push(struct lfs_nodes *t, struct lfs_node *n)
{
	n->lru_next = t->lru.lru_next;
	n->lru_prev = &t->lru;
	t->lru.lru_next->lru_prev = n;
	t->lru.lru_next = n;
}

static void fill_key(struct lfs_node *n, const struct lisafs_inode *in)
{
	n->fdid = in->fdid;
	n->ino = in->stat.stx_ino;
	n->dev_major = in->stat.stx_dev_major;
	n->dev_minor = in->stat.stx_dev_minor;
}

int lfs_nodes_init(struct lfs_nodes *t, struct lisafs_client *client,
		   const struct lisafs_inode *root)
{
	memset(t, 0, sizeof(*t));
	t->buckets = calloc(LFS_MIN_BUCKETS, sizeof(*t->buckets));
	if (!t->buckets)
		return -ENOMEM;
	t->n_buckets = LFS_MIN_BUCKETS;
	t->client = client;
	t->lru.lru_next = t->lru.lru_prev = &t->lru;
	pthread_mutex_init(&t->lock, NULL);
	fill_key(&t->root, root);
	t->root.nlookup = 1;
	insert(t, &t->root);
	return 0;
}

struct lfs_node *lfs_node(struct lfs_nodes *t, uint64_t nodeid)
{
	if (nodeid == LFS_ROOT_NODEID)
		return &t->root;
	return (struct lfs_node *)(uintptr_t)nodeid;
}

static uint64_t nodeid_of(struct lfs_nodes *t, struct lfs_node *n)
{
	return n == &t->root ? LFS_ROOT_NODEID : (uint64_t)(uintptr_t)n;
}

/* Called with the lock held; hands a full batch back to send unlocked. */
static size_t queue_close(struct lfs_nodes *t, uint64_t fdid, uint64_t *batch)
{
	size_t n = 0;

	t->to_close[t->n_to_close++] = fdid;
	if (t->n_to_close == LFS_CLOSE_BATCH) {
		n = t->n_to_close;
		memcpy(batch, t->to_close, n * sizeof(*batch));
		t->n_to_close = 0;
	}
	return n;
}

/* Close failures are the server's business: the FDID is gone either way. */
static void send_closes(struct lfs_nodes *t, const uint64_t *batch, size_t n)
{
	if (n)
		(void)lisafs_client_close(t->client, batch, n);
}

uint64_t lfs_nodes_get(struct lfs_nodes *t, uint64_t parent, const char *name,
		       const struct lisafs_inode *in, int *err)
{
	uint64_t batch[LFS_CLOSE_BATCH], id;
	struct lfs_node *n, *fresh = NULL;
	size_t b, n_batch = 0;

	fresh = calloc(1, sizeof(*fresh));
	pthread_mutex_lock(&t->lock);
	b = key_hash(in->stat.stx_ino, in->stat.stx_dev_major,
		     in->stat.stx_dev_minor, t->n_buckets);
	for (n = t->buckets[b]; n; n = n->hash_next) {
		if (n->ino == in->stat.stx_ino &&
		    n->dev_major == in->stat.stx_dev_major &&
		    n->dev_minor == in->stat.stx_dev_minor)
			break;
	}
	if (n) {
		/* The node's FDID pins the same host inode; keep that one. */
		n_batch = queue_close(t, in->fdid, batch);
		if (n != &t->root) {
			lru_unlink(n);
			lru_push(t, n);
		}
	} else if (fresh) {
		n = fresh;
		fresh = NULL;
		fill_key(n, in);
		n->parent = parent;
		n->name = strdup(name);	/* NULL only makes it unreapable */
		insert(t, n);
		lru_push(t, n);
		maybe_grow(t);
	} else {
		n_batch = queue_close(t, in->fdid, batch);
		pthread_mutex_unlock(&t->lock);
		send_closes(t, batch, n_batch);
		*err = -ENOMEM;
		return 0;
	}
	n->nlookup++;
	id = nodeid_of(t, n);
	pthread_mutex_unlock(&t->lock);
	free(fresh);
	send_closes(t, batch, n_batch);
	return id;
}

void lfs_nodes_forget(struct lfs_nodes *t, uint64_t nodeid, uint64_t count)
{
	struct lfs_node *n = lfs_node(t, nodeid);
	uint64_t batch[LFS_CLOSE_BATCH];
	size_t n_batch = 0;

	if (n == &t->root)
		return;
	pthread_mutex_lock(&t->lock);
	n->nlookup = count < n->nlookup ? n->nlookup - count : 0;
	if (n->nlookup == 0) {
		unlink_node(t, n);
		lru_unlink(n);
		n_batch = queue_close(t, n->fdid, batch);
	} else {
		n = NULL;
	}
	pthread_mutex_unlock(&t->lock);
	if (n)
		free(n->name);
	free(n);
	send_closes(t, batch, n_batch);
}

void lfs_nodes_close_fdid(struct lfs_nodes *t, uint64_t fdid)
{
	uint64_t batch[LFS_CLOSE_BATCH];
	size_t n_batch;

	pthread_mutex_lock(&t->lock);
	n_batch = queue_close(t, fdid, batch);
	pthread_mutex_unlock(&t->lock);
	send_closes(t, batch, n_batch);
}

void lfs_nodes_flush(struct lfs_nodes *t)
{
	uint64_t batch[LFS_CLOSE_BATCH];
	size_t n_batch;

	pthread_mutex_lock(&t->lock);
	n_batch = t->n_to_close;
	memcpy(batch, t->to_close, n_batch * sizeof(*batch));
	t->n_to_close = 0;
	pthread_mutex_unlock(&t->lock);
	send_closes(t, batch, n_batch);
}

size_t lfs_nodes_count(struct lfs_nodes *t)
{
	size_t n;

	pthread_mutex_lock(&t->lock);
	n = t->count;
	pthread_mutex_unlock(&t->lock);
	return n;
}

size_t lfs_nodes_victims(struct lfs_nodes *t, size_t limit,
			 struct lfs_victim *out, size_t max)
{
	size_t got = 0, scanned = 0;
	struct lfs_node *n;

	pthread_mutex_lock(&t->lock);
	while (got < max && t->count > limit + got && scanned++ < t->count) {
		n = t->lru.lru_prev;
		if (n == &t->lru)
			break;
		lru_unlink(n);
		lru_push(t, n);
		if (!n->name)
			continue;
		out[got].parent = n->parent;
		out[got].name = strdup(n->name);
		if (out[got].name)
			got++;
	}
	pthread_mutex_unlock(&t->lock);
	return got;
}

void lfs_nodes_destroy(struct lfs_nodes *t, int server_gone)
{
	struct lfs_node *n, *next;
	size_t i;

	for (i = 0; i < t->n_buckets; i++) {
		for (n = t->buckets[i]; n; n = next) {
			next = n->hash_next;
			if (!server_gone)
				lfs_nodes_close_fdid(t, n->fdid);
			if (n != &t->root) {
				free(n->name);
				free(n);
			}
		}
	}
	if (!server_gone)
		lfs_nodes_flush(t);
	free(t->buckets);
	t->buckets = NULL;
	pthread_mutex_destroy(&t->lock);
}
