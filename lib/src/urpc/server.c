// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * urpc server: the method registry, the set of client connections and
 * gVisor's stop protocol (stoppers first; after the timeout idle clients are
 * closed at once and busy ones once their current call is answered).
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "export.h"
#include "server_internal.h"
#include "sized.h"

FLIPCALL_EXPORT
int urpc_server_new(struct urpc_server **serverp)
{
	struct urpc_server *server = calloc(1, sizeof(*server));
	pthread_condattr_t attr;

	if (!server)
		return -ENOMEM;
	pthread_mutex_init(&server->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&server->conn_gone, &attr);
	pthread_condattr_destroy(&attr);
	server->limits.size = sizeof(server->limits);
	server->limits.max_message = URPC_DEFAULT_MAX_MESSAGE;
	server->limits.max_depth = URPC_DEFAULT_MAX_DEPTH;
	server->limits.max_fds = URPC_MAX_FDS;
	server->listen_fd = -1;
	server->wake_fd = -1;
	*serverp = server;
	return 0;
}

FLIPCALL_EXPORT
int urpc_server_set_limits(struct urpc_server *server,
			   const struct urpc_server_limits *limits)
{
	struct urpc_server_limits set;
	int ret = sized_check(limits, sizeof(set));

	if (ret)
		return ret;
	sized_copy_in(&set, limits, sizeof(set));
	set.size = sizeof(set);
	if (!set.max_message)
		set.max_message = URPC_DEFAULT_MAX_MESSAGE;
	if (!set.max_depth)
		set.max_depth = URPC_DEFAULT_MAX_DEPTH;
	if (!set.max_fds)
		set.max_fds = URPC_MAX_FDS;
	/* json-c takes int lengths; Go's decoder stops nesting at 10000. */
	if (set.max_message > INT32_MAX || set.max_depth > URPC_MAX_DEPTH ||
	    set.max_fds > URPC_SCM_MAX_FD)
		return -EINVAL;
	pthread_mutex_lock(&server->lock);
	server->limits = set;	/* for connections accepted from now on */
	pthread_mutex_unlock(&server->lock);
	return 0;
}

static int compare_methods(const void *a, const void *b)
{
	return strcmp(((const struct urpc_method *)a)->name,
		      ((const struct urpc_method *)b)->name);
}

/* Copies the method out: registering may move the table meanwhile. */
int urpc_server_lookup(struct urpc_server *server, const char *name,
		       struct urpc_method *method)
{
	struct urpc_method key = { .name = (char *)name }, *found;

	pthread_mutex_lock(&server->lock);
	found = bsearch(&key, server->methods, server->nmethods,
			sizeof(key), compare_methods);
	if (found)
		*method = *found;
	pthread_mutex_unlock(&server->lock);
	return found ? 0 : -ENOENT;
}

/* gVisor names a method "Type.Method". */
static bool valid_method_name(const char *name)
{
	const char *dot = strchr(name, '.');

	return dot && dot != name && dot[1] && !strchr(dot + 1, '.');
}

FLIPCALL_EXPORT
int urpc_server_register(struct urpc_server *server, const char *method,
			 urpc_method_fn fn, void *data)
{
	struct urpc_method entry = { .fn = fn, .data = data }, *table;
	size_t at;
	int ret = 0;

	if (!method || !fn || !valid_method_name(method))
		return -EINVAL;
	entry.name = strdup(method);
	if (!entry.name)
		return -ENOMEM;
	pthread_mutex_lock(&server->lock);
	for (at = 0; at < server->nmethods; at++) {
		int order = strcmp(method, server->methods[at].name);

		if (!order)
			ret = -EEXIST;
		if (order <= 0)
			break;
	}
	table = ret ? NULL : realloc(server->methods,
				     (server->nmethods + 1) * sizeof(*table));
	if (table) {
		memmove(table + at + 1, table + at,
			(server->nmethods - at) * sizeof(*table));
		table[at] = entry;
		server->methods = table;
		server->nmethods++;
	} else if (!ret) {
		ret = -ENOMEM;
	}
	pthread_mutex_unlock(&server->lock);
	if (ret)
		free(entry.name);
	return ret;
}

FLIPCALL_EXPORT
int urpc_server_on_stop(struct urpc_server *server, urpc_stop_fn fn,
			void *data)
{
	struct urpc_stopper *table;
	int ret = 0;

	if (!fn)
		return -EINVAL;
	pthread_mutex_lock(&server->lock);
	table = realloc(server->stoppers,
			(server->nstoppers + 1) * sizeof(*table));
	if (table) {
		table[server->nstoppers++] = (struct urpc_stopper){ fn, data };
		server->stoppers = table;
	} else {
		ret = -ENOMEM;
	}
	pthread_mutex_unlock(&server->lock);
	return ret;
}

/* Library threads leave every signal to the application's threads. */
int urpc_start_thread(pthread_t *thread, void *(*fn)(void *), void *arg)
{
	sigset_t all, old;
	int ret;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ret = -pthread_create(thread, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return ret;
}

static void join_all(struct urpc_conn *conn)
{
	while (conn) {
		struct urpc_conn *next = conn->next;

		pthread_join(conn->thread, NULL);
		free(conn);
		conn = next;
	}
}

FLIPCALL_EXPORT
int urpc_server_handle(struct urpc_server *server, int conn_fd)
{
	struct urpc_conn *conn, *finished;
	int ret;

	if (conn_fd < 0)
		return -EBADF;
	conn = calloc(1, sizeof(*conn));
	if (!conn) {
		close(conn_fd);
		return -ENOMEM;
	}
	conn->server = server;
	conn->fd = conn_fd;
	conn->state = CONN_IDLE;
	pthread_mutex_lock(&server->lock);
	finished = server->finished;
	server->finished = NULL;
	ret = server->stopping ? -ESHUTDOWN :
	      urpc_start_thread(&conn->thread, urpc_conn_main, conn);
	if (!ret) {
		conn->next = server->live;
		server->live = conn;
	}
	pthread_mutex_unlock(&server->lock);
	/* Reap connections that ended since the last one came. */
	join_all(finished);
	if (ret) {
		close(conn_fd);
		free(conn);
	}
	return ret;
}

static int wait_until_gone(struct urpc_server *server, int timeout_ms)
{
	struct timespec at;
	int ret = 0;

	clock_gettime(CLOCK_MONOTONIC, &at);
	at.tv_sec += timeout_ms / 1000;
	at.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (at.tv_nsec >= 1000000000) {
		at.tv_sec++;
		at.tv_nsec -= 1000000000;
	}
	while (server->live && ret != ETIMEDOUT)
		ret = timeout_ms < 0 ?
		      pthread_cond_wait(&server->conn_gone, &server->lock) :
		      pthread_cond_timedwait(&server->conn_gone, &server->lock,
					     &at);
	return server->live ? -ETIMEDOUT : 0;
}

static void close_connections(struct urpc_server *server)
{
	struct urpc_conn *conn;

	for (conn = server->live; conn; conn = conn->next) {
		if (conn->state == CONN_IDLE) {
			/* The thread sees end of stream and closes the fd. */
			shutdown(conn->fd, SHUT_RDWR);
			conn->state = CONN_CLOSED;
		} else if (conn->state == CONN_PROCESSING) {
			conn->state = CONN_CLOSE_REQUESTED;
		}
	}
}

__thread struct urpc_server *urpc_stopping;

/* Outside the lock, so that a callback may use the server. */
static void run_stoppers(struct urpc_server *server)
{
	struct urpc_stopper *copy;
	size_t i, n;

	pthread_mutex_lock(&server->lock);
	n = server->nstoppers;
	copy = malloc(n * sizeof(*copy) + 1);
	if (copy && n)
		memcpy(copy, server->stoppers, n * sizeof(*copy));
	pthread_mutex_unlock(&server->lock);
	urpc_stopping = server;
	for (i = 0; copy && i < n; i++)
		copy[i].fn(copy[i].data);
	urpc_stopping = NULL;
	free(copy);
}

FLIPCALL_EXPORT
int urpc_server_stop(struct urpc_server *server, int timeout_ms)
{
	struct urpc_conn *finished;

	if (timeout_ms < 0)
		return -EINVAL;
	if (urpc_serving == server || urpc_stopping == server)
		return -EDEADLK;
	pthread_mutex_lock(&server->lock);
	if (server->stopping) {
		pthread_mutex_unlock(&server->lock);
		return -EALREADY;
	}
	server->stopping = true;
	pthread_mutex_unlock(&server->lock);

	urpc_listener_stop(server);
	run_stoppers(server);

	pthread_mutex_lock(&server->lock);
	if (wait_until_gone(server, timeout_ms)) {
		close_connections(server);
		wait_until_gone(server, -1);
	}
	finished = server->finished;
	server->finished = NULL;
	pthread_mutex_unlock(&server->lock);
	join_all(finished);

	pthread_mutex_lock(&server->lock);
	server->stopped = true;
	pthread_cond_broadcast(&server->conn_gone);
	pthread_mutex_unlock(&server->lock);
	return 0;
}

/* For a stop() running on another thread: destroy must not free under it. */
static void wait_until_stopped(struct urpc_server *server)
{
	pthread_mutex_lock(&server->lock);
	while (!server->stopped)
		pthread_cond_wait(&server->conn_gone, &server->lock);
	pthread_mutex_unlock(&server->lock);
}

FLIPCALL_EXPORT
int urpc_server_destroy(struct urpc_server *server)
{
	size_t i;

	if (!server)
		return 0;
	/* Threads that the server's own stop waits for, or that stop runs. */
	if (urpc_serving == server || urpc_stopping == server)
		return -EDEADLK;
	if (urpc_server_stop(server, 0) == -EALREADY)
		wait_until_stopped(server);
	for (i = 0; i < server->nmethods; i++)
		free(server->methods[i].name);
	free(server->methods);
	free(server->stoppers);
	pthread_cond_destroy(&server->conn_gone);
	pthread_mutex_destroy(&server->lock);
	free(server);
	return 0;
}
