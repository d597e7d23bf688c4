// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Per-connection FDID table. FDIDs count up from 1 and are never reused, so
 * a stale FDID can never name somebody else's file; the number live at once
 * is capped so one client cannot pin unbounded host fds. Entries are
 * reference counted: a Close racing a handler on another channel only
 * unlinks the entry, and the host fd closes when the handler lets go.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "lisafs/server_internal.h"

void lfs_fdt_init(struct lfs_fdtable *t, uint32_t max)
{
	pthread_mutex_init(&t->mu, NULL);
	for (unsigned int i = 0; i < LFS_FDT_BUCKETS; i++)
		t->buckets[i] = NULL;
	t->next_id = 1;
	t->count = 0;
	t->max = max;
}

void lfs_fdt_fini(struct lfs_fdtable *t)
{
	for (unsigned int i = 0; i < LFS_FDT_BUCKETS; i++) {
		while (t->buckets[i]) {
			struct lfs_fd *f = t->buckets[i];

			t->buckets[i] = f->next;
			lfs_fd_put(f);
		}
	}
	t->count = 0;
	pthread_mutex_destroy(&t->mu);
}

static struct lfs_fd **bucket(struct lfs_fdtable *t, uint64_t id)
{
	return &t->buckets[id % LFS_FDT_BUCKETS];
}

int lfs_fdt_insert(struct lfs_fdtable *t, int kind, int host_fd, mode_t type,
		   int acc, uint64_t *id)
{
	struct lfs_fd *f = calloc(1, sizeof(*f));
	struct lfs_fd **b;

	if (!f) {
		close(host_fd);
		return -ENOMEM;
	}
	f->kind = kind;
	f->host_fd = host_fd;
	f->type = type & S_IFMT;
	f->acc = acc;
	f->refs = 1;
	pthread_mutex_init(&f->mu, NULL);
	pthread_mutex_lock(&t->mu);
	if (t->count >= t->max) {
		pthread_mutex_unlock(&t->mu);
		lfs_fd_put(f);
		return -EMFILE;
	}
	f->id = t->next_id++;
	b = bucket(t, f->id);
	f->next = *b;
	*b = f;
	t->count++;
	pthread_mutex_unlock(&t->mu);
	*id = f->id;
	return 0;
}

int lfs_fdt_get(struct lfs_fdtable *t, uint64_t id, int kind,
		struct lfs_fd **out)
{
	struct lfs_fd *f;
	int err = -EBADF;

	pthread_mutex_lock(&t->mu);
	for (f = *bucket(t, id); f; f = f->next) {
		if (f->id != id)
			continue;
		if (kind != LFS_FD_ANY && f->kind != kind) {
			err = -EINVAL;
			break;
		}
		__atomic_add_fetch(&f->refs, 1, __ATOMIC_RELAXED);
		*out = f;
		err = 0;
		break;
	}
	pthread_mutex_unlock(&t->mu);
	return err;
}

void lfs_fd_put(struct lfs_fd *f)
{
	if (__atomic_sub_fetch(&f->refs, 1, __ATOMIC_ACQ_REL))
		return;
	close(f->host_fd);
	pthread_mutex_destroy(&f->mu);
	free(f);
}

int lfs_fdt_remove(struct lfs_fdtable *t, uint64_t id)
{
	struct lfs_fd **p, *f = NULL;

	pthread_mutex_lock(&t->mu);
	for (p = bucket(t, id); *p; p = &(*p)->next) {
		if ((*p)->id == id) {
			f = *p;
			*p = f->next;
			t->count--;
			break;
		}
	}
	pthread_mutex_unlock(&t->mu);
	if (!f)
		return -EBADF;
	lfs_fd_put(f);
	return 0;
}
