// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "control.h"

/* The whole offload hello message. */
#define OFFLOAD_HELLO	'O'

static int fill_addr(struct sockaddr_un *sun, const char *path)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path))
		return -ENAMETOOLONG;
	strcpy(sun->sun_path, path);
	return 0;
}

int control_accept(const char *path, volatile sig_atomic_t *stop)
{
	struct sockaddr_un sun;
	struct stat st;
	int lfd, fd, err;

	err = fill_addr(&sun, path);
	if (err)
		return err;
	/* A socket left by a bridge that was killed; never remove other files. */
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(path);
	lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		return -errno;
	if (bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    listen(lfd, 1) < 0) {
		err = -errno;
		close(lfd);
		return err;
	}
	do {
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		err = fd < 0 ? -errno : 0;
	} while (fd < 0 && err == -EINTR && !*stop);
	/* One peer per bridge: nobody else may connect later. */
	unlink(path);
	close(lfd);
	return fd < 0 ? err : fd;
}

int control_connect(const char *path, unsigned int wait_s,
		    volatile sig_atomic_t *stop)
{
	struct timespec pause = { .tv_nsec = 50 * 1000 * 1000 };
	unsigned int tries = wait_s * 20;
	struct sockaddr_un sun;
	int fd, err;

	err = fill_addr(&sun, path);
	if (err)
		return err;
	for (;;) {
		fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
			return fd;
		err = -errno;
		close(fd);
		if ((err != -ENOENT && err != -ECONNREFUSED) || !tries-- ||
		    *stop)
			return err;
		nanosleep(&pause, NULL);
	}
}

int control_adopt(int fd)
{
	int type;
	socklen_t len = sizeof(type);

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
		return -errno;
	if (type != SOCK_SEQPACKET)
		return -EPROTOTYPE;
	return 0;
}

int control_set_timeout(int fd, unsigned int seconds)
{
	struct timeval tv = { .tv_sec = seconds };

	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
		return -errno;
	return 0;
}

int control_offload_handshake(int fd)
{
	char msg = OFFLOAD_HELLO;
	ssize_t n;

	if (send(fd, &msg, 1, MSG_NOSIGNAL) != 1)
		return errno == EPIPE || errno == ECONNRESET ? -EPROTO : -errno;
	while ((n = recv(fd, &msg, 1, 0)) < 0 && errno == EINTR)
		;
	if (n == 1 && msg == OFFLOAD_HELLO)
		return 0;
	if (n < 0 && errno != EAGAIN && errno != ECONNRESET)
		return -errno;
	return -EPROTO;
}

int control_peer_gone(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char byte;
	ssize_t n;

	if (poll(&pfd, 1, 0) <= 0)
		return 0;
	if (pfd.revents & (POLLHUP | POLLERR))
		return 1;
	/* The peer sends nothing after setup; stray bytes are discarded. */
	n = recv(fd, &byte, 1, MSG_DONTWAIT);
	if (n == 0)
		return 1;
	if (n == 1 && byte == OFFLOAD_HELLO)
		return -EPROTO;
	return n < 0 && errno != EAGAIN && errno != EINTR;
}
