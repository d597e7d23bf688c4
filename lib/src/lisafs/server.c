// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The embeddable lisafs server: exports one directory to any number of
 * connections, each on its own threads, up to max_connections at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "export.h"
#include "lisafs/server_internal.h"

static bool device_available(void)
{
	int fd = open("/dev/flipcall", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/*
 * The default FDID cap shares the process's fd limit among the connections
 * (less a reserve for sockets, channels and donations), so one client
 * cannot use up the fds the others need.
 */
static uint32_t default_max_fdids(uint32_t max_conns)
{
	struct rlimit rl;
	uint64_t per;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
		return LFS_DEFAULT_MAX_FDIDS;
	per = rl.rlim_cur > 256 ? (rl.rlim_cur - 256) / max_conns : 0;
	if (per < 64)
		per = 64;
	return per < LFS_DEFAULT_MAX_FDIDS ? (uint32_t)per :
					     LFS_DEFAULT_MAX_FDIDS;
}

static void build_supported(struct lisafs_server *s)
{
	for (uint16_t mid = LISAFS_MID_MOUNT; mid < LISAFS_MID_STANDARD_COUNT;
	     mid++) {
		if (lfs_handler_for(s, mid))
			s->supported[s->n_supported++] = mid;
	}
	if (lfs_handler_for(s, LISAFS_MID_DEVICE_CHANNEL))
		s->supported[s->n_supported++] = LISAFS_MID_DEVICE_CHANNEL;
}

FLIPCALL_EXPORT int lisafs_server_new(const char *export_dir,
				      const struct lisafs_server_options *opts,
				      struct lisafs_server **out)
{
	struct lisafs_server_options o = { 0 };
	struct lisafs_server *s;
	int err;

	if (!export_dir || !out)
		return -EINVAL;
	if (opts) {
		if (opts->size < offsetof(struct lisafs_server_options, size) +
				 sizeof(opts->size))
			return -EINVAL;
		memcpy(&o, opts, opts->size < sizeof(o) ? opts->size : sizeof(o));
	}
	if (o.wait_policy > FLIPCALL_WAIT_SPIN)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->flags = o.flags;
	s->max_conns = o.max_connections ? o.max_connections :
					   LFS_DEFAULT_MAX_CONNECTIONS;
	s->max_fdids = o.max_fdids_per_conn ? o.max_fdids_per_conn :
					      default_max_fdids(s->max_conns);
	s->max_msg = LISAFS_MAX_MESSAGE_SIZE;
	s->spin_ns = o.spin_ns;
	s->wait_policy = o.wait_policy;
	s->stop_efd = -1;
	s->proc_fd = -1;
	s->export_fd = open(export_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (s->export_fd < 0)
		goto fail_errno;
	s->proc_fd = open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (s->proc_fd < 0)
		goto fail_errno;
	s->stop_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->stop_efd < 0)
		goto fail_errno;
	s->device_ok = !(s->flags & LISAFS_SERVER_NO_DEVICE) &&
		       device_available();
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	build_supported(s);
	*out = s;
	return 0;

fail_errno:
	err = -errno;
	if (s->export_fd >= 0)
		close(s->export_fd);
	if (s->proc_fd >= 0)
		close(s->proc_fd);
	free(s);
	return err;
}

static void *conn_thread(void *arg)
{
	struct lfs_conn *c = arg;
	struct lisafs_server *s = c->srv;

	lfs_conn_run(c);
	pthread_mutex_lock(&s->mu);
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->n_conns--;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	lfs_conn_free(c);
	return NULL;
}

FLIPCALL_EXPORT int lisafs_server_add_connection(struct lisafs_server *srv,
						 int sock_fd)
{
	struct lisafs_server *s = srv;
	pthread_attr_t attr;
	struct lfs_conn *c;
	int err;

	if (!s || sock_fd < 0) {
		if (sock_fd >= 0)
			close(sock_fd);
		return -EINVAL;
	}
	c = lfs_conn_new(s, sock_fd);
	if (!c) {
		close(sock_fd);
		return -ENOMEM;
	}
	pthread_mutex_lock(&s->mu);
	if (s->stopping || s->n_conns >= (int)s->max_conns) {
		err = s->stopping ? -ESHUTDOWN : -EAGAIN;
		pthread_mutex_unlock(&s->mu);
		lfs_conn_free(c);
		return err;
	}
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	err = -pthread_create(&c->thread, &attr, conn_thread, c);
	pthread_attr_destroy(&attr);
	if (err) {
		pthread_mutex_unlock(&s->mu);
		lfs_conn_free(c);
		return err;
	}
	c->next = s->conns;
	if (s->conns)
		s->conns->prev = c;
	s->conns = c;
	s->n_conns++;
	pthread_mutex_unlock(&s->mu);
	return 0;
}

FLIPCALL_EXPORT int lisafs_server_serve_listener(struct lisafs_server *srv,
						 int listen_fd)
{
	struct lisafs_server *s = srv;

	if (!s || listen_fd < 0)
		return -EINVAL;
	for (;;) {
		struct pollfd p[2] = {
			{ .fd = listen_fd, .events = POLLIN },
			{ .fd = s->stop_efd, .events = POLLIN },
		};
		int fd;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (p[1].revents)
			return 0;
		if (!p[0].revents)
			continue;
		fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == EAGAIN ||
			    errno == ECONNABORTED || errno == EMFILE ||
			    errno == ENFILE || errno == ENOMEM)
				continue;
			return -errno;
		}
		/* Over the limit the client just sees its socket close. */
		lisafs_server_add_connection(srv, fd);
	}
}

FLIPCALL_EXPORT int lisafs_server_stop(struct lisafs_server *srv)
{
	struct lisafs_server *s = srv;
	uint64_t one = 1;

	if (!s)
		return -EINVAL;
	pthread_mutex_lock(&s->mu);
	s->stopping = true;
	if (write(s->stop_efd, &one, sizeof(one)) < 0) {
		/* The counter is already non-zero: the listener is awake. */
	}
	/* A shut-down socket ends its connection after the current request. */
	for (struct lfs_conn *c = s->conns; c; c = c->next)
		shutdown(c->sock, SHUT_RDWR);
	while (s->n_conns)
		pthread_cond_wait(&s->cv, &s->mu);
	pthread_mutex_unlock(&s->mu);
	return 0;
}

FLIPCALL_EXPORT int lisafs_server_connections(const struct lisafs_server *srv)
{
	struct lisafs_server *s = (struct lisafs_server *)srv;	/* locks mu */
	int n;

	if (!s)
		return -EINVAL;
	pthread_mutex_lock(&s->mu);
	n = s->n_conns;
	pthread_mutex_unlock(&s->mu);
	return n;
}

FLIPCALL_EXPORT void lisafs_server_destroy(struct lisafs_server *srv)
{
	struct lisafs_server *s = srv;

	if (!s)
		return;
	lisafs_server_stop(srv);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	close(s->stop_efd);
	close(s->proc_fd);
	close(s->export_fd);
	free(s);
}
