// SPDX-License-Identifier: GPL-2.0
/* Server-death detection for lisafs-fuse; see watchdog.h. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "lisafs-fuse.h"
#include "watchdog.h"

struct lfs_watchdog {
	struct lfs *fs;
	int sock, stop;
	pthread_t thread;
};

static void *watch(void *arg)
{
	struct lfs_watchdog *w = arg;
	struct pollfd pfd[2] = {
		{ .fd = w->sock, .events = POLLRDHUP },
		{ .fd = w->stop, .events = POLLIN },
	};

	while (poll(pfd, 2, -1) < 0 && errno == EINTR)
		;
	if (pfd[1].revents)
		return NULL;
	fprintf(stderr, "lisafs-fuse: server connection lost\n");
	atomic_store(&w->fs->dead, true);
	lisafs_client_shutdown(w->fs->client);
	return NULL;
}

int lfs_watchdog_start(struct lfs *fs, int sock, struct lfs_watchdog **out)
{
	struct lfs_watchdog *w = calloc(1, sizeof(*w));
	int err;

	if (!w) {
		close(sock);
		return -ENOMEM;
	}
	w->fs = fs;
	w->sock = sock;
	w->stop = eventfd(0, EFD_CLOEXEC);
	if (w->stop < 0) {
		err = -errno;
		goto fail;
	}
	err = -pthread_create(&w->thread, NULL, watch, w);
	if (err)
		goto fail;
	*out = w;
	return 0;
fail:
	if (w->stop >= 0)
		close(w->stop);
	close(sock);
	free(w);
	return err;
}

void lfs_watchdog_stop(struct lfs_watchdog *w)
{
	uint64_t one = 1;

	if (!w)
		return;
	if (write(w->stop, &one, sizeof(one)) != sizeof(one))
		perror("lisafs-fuse: watchdog");
	pthread_join(w->thread, NULL);
	close(w->stop);
	close(w->sock);
	free(w);
}
