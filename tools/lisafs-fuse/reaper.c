// SPDX-License-Identifier: GPL-2.0
/* The inode table's reaper; see reaper.h. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lisafs-fuse.h"
#include "reaper.h"

/* Names dropped per pass, and how often the table is looked at. */
#define LFS_REAP_BATCH 256
#define LFS_REAP_PERIOD_MS 100

struct lfs_reaper {
	struct lfs *fs;
	size_t limit;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;
};

static bool sleep_or_stop(struct lfs_reaper *r)
{
	struct timespec ts;
	bool stop;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += LFS_REAP_PERIOD_MS * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&r->lock);
	if (!r->stop)
		pthread_cond_timedwait(&r->cond, &r->lock, &ts);
	stop = r->stop;
	pthread_mutex_unlock(&r->lock);
	return stop;
}

/*
 * Its own thread: an invalidation takes the parent directory's lock in the
 * kernel, which a FUSE request being served may hold.
 */
static void *reap(void *arg)
{
	struct lfs_reaper *r = arg;
	struct lfs_victim v[LFS_REAP_BATCH];
	size_t n, i;

	while (!sleep_or_stop(r)) {
		if (atomic_load(&r->fs->dead))
			continue;
		lfs_nodes_flush(&r->fs->nodes);	/* closes still waiting */
		if (lfs_nodes_count(&r->fs->nodes) <= r->limit)
			continue;
		/* Down to 7/8 of the limit, so it does not run at every step. */
		n = lfs_nodes_victims(&r->fs->nodes, r->limit - r->limit / 8,
				      v, LFS_REAP_BATCH);
		for (i = 0; i < n; i++) {
			/* ENOENT: the kernel had already let it go. */
			(void)fuse_lowlevel_notify_inval_entry(r->fs->se,
							       v[i].parent,
							       v[i].name,
							       strlen(v[i].name));
			free(v[i].name);
		}
	}
	return NULL;
}

int lfs_reaper_start(struct lfs *fs, size_t limit, struct lfs_reaper **out)
{
	struct lfs_reaper *r;
	int err;

	*out = NULL;
	if (!limit)
		return 0;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->fs = fs;
	r->limit = limit;
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->cond, NULL);
	err = -pthread_create(&r->thread, NULL, reap, r);
	if (err) {
		free(r);
		return err;
	}
	*out = r;
	return 0;
}

void lfs_reaper_stop(struct lfs_reaper *r)
{
	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	r->stop = true;
	pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->lock);
	pthread_join(r->thread, NULL);
	pthread_cond_destroy(&r->cond);
	pthread_mutex_destroy(&r->lock);
	free(r);
}
