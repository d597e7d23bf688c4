// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The accept thread of a server that owns its listening socket. It waits in
 * poll() on the listener and an eventfd, so stop() can end it without racing
 * a close() against accept().
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "export.h"
#include "server_internal.h"

/* gVisor's unet listens with this backlog. */
#define URPC_LISTEN_BACKLOG	16
/* Pause after running out of descriptors, rather than spin on poll(). */
#define URPC_ACCEPT_BACKOFF_MS	10

/* Sleeps for a backoff; true if stop() rang meanwhile. */
static bool woken_during(struct urpc_server *server, int ms)
{
	struct pollfd pfd = { .fd = server->wake_fd, .events = POLLIN };

	return poll(&pfd, 1, ms) > 0;
}

static void *accept_main(void *arg)
{
	struct urpc_server *server = arg;
	struct pollfd pfd[2] = {
		{ .fd = server->listen_fd, .events = POLLIN },
		{ .fd = server->wake_fd, .events = POLLIN },
	};

	for (;;) {
		int fd;

		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			break;
		if (pfd[1].revents)
			break;
		fd = accept4(server->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd >= 0) {
			if (urpc_server_handle(server, fd) == -ESHUTDOWN)
				break;
		} else if ((errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) &&
			   woken_during(server, URPC_ACCEPT_BACKOFF_MS)) {
			break;
		}
	}
	return NULL;
}

/*
 * Starts the accept thread on listen_fd (owned from here on). unlink_path,
 * if any, is handed over with the listener in one step, so that a stop()
 * racing with listen() always finds the path it has to remove.
 */
static int start_accepting(struct urpc_server *server, int listen_fd,
			   char *unlink_path)
{
	int ret;

	pthread_mutex_lock(&server->lock);
	if (server->stopping || server->accepting) {
		ret = server->stopping ? -ESHUTDOWN : -EBUSY;
		goto out_close;
	}
	server->wake_fd = eventfd(0, EFD_CLOEXEC);
	if (server->wake_fd < 0) {
		ret = -errno;
		goto out_close;
	}
	server->listen_fd = listen_fd;
	ret = urpc_start_thread(&server->accept_thread, accept_main, server);
	if (ret) {
		close(server->wake_fd);
		server->wake_fd = -1;
		server->listen_fd = -1;
		goto out_close;
	}
	server->accepting = true;
	server->unlink_path = unlink_path;
	pthread_mutex_unlock(&server->lock);
	return 0;

out_close:
	pthread_mutex_unlock(&server->lock);
	close(listen_fd);
	return ret;
}

FLIPCALL_EXPORT
int urpc_server_serve_listener(struct urpc_server *server, int listen_fd)
{
	if (listen_fd < 0)
		return -EBADF;
	return start_accepting(server, listen_fd, NULL);
}

FLIPCALL_EXPORT
int urpc_server_listen(struct urpc_server *server, const char *path)
{
	struct sockaddr_un addr;
	char *unlink_path;
	int fd, ret;

	ret = urpc_unix_address(path, &addr);
	if (ret)
		return ret;
	unlink_path = strdup(path);
	if (!unlink_path)
		return -ENOMEM;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ret = -errno;
		goto out_free;
	}
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		ret = -errno;	/* the path, if it exists, is not ours */
		close(fd);
		goto out_free;
	}
	if (listen(fd, URPC_LISTEN_BACKLOG)) {
		ret = -errno;
		close(fd);
		goto out_unlink;
	}
	ret = start_accepting(server, fd, unlink_path);
	if (!ret)
		return 0;
out_unlink:
	unlink(path);
out_free:
	free(unlink_path);
	return ret;
}

void urpc_listener_stop(struct urpc_server *server)
{
	uint64_t one = 1;

	if (!server->accepting)
		return;
	if (write(server->wake_fd, &one, sizeof(one)) != sizeof(one))
		return;	/* an eventfd cannot refuse this; keep the thread */
	pthread_join(server->accept_thread, NULL);
	close(server->listen_fd);
	close(server->wake_fd);
	server->listen_fd = server->wake_fd = -1;
	server->accepting = false;
	if (server->unlink_path) {
		unlink(server->unlink_path);
		free(server->unlink_path);
		server->unlink_path = NULL;
	}
}
