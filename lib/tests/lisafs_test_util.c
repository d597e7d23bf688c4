// SPDX-License-Identifier: LGPL-2.1-or-later
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lisafs_test_util.h"

int lt_default_transport(void)
{
	const char *t = getenv("LISAFS_TEST_TRANSPORT");

	if (t)
		return !strcmp(t, "device") ? LT_DEVICE : LT_FUTEX;
#ifdef TEST_DEFAULT_DEVICE
	return LT_DEVICE;
#else
	return LT_FUTEX;
#endif
}

bool lt_device_present(void)
{
	return access("/dev/flipcall", R_OK | W_OK) == 0;
}

static int client_over(int sock, int transport, struct lisafs_client **c,
		       struct lisafs_inode *root)
{
	struct lisafs_client_options o = { .size = sizeof(o) };

	if (transport == LT_SOCKET)
		o.flags = LISAFS_CLIENT_NO_CHANNELS;
	else if (transport == LT_FUTEX)
		o.flags = LISAFS_CLIENT_NO_DEVICE;
	return lisafs_client_connect(sock, &o, c, root);
}

int lt_raw_socket(struct lt_env *e)
{
	int sv[2], err;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	err = lisafs_server_add_connection(e->srv, sv[1]);
	if (err) {
		close(sv[0]);
		return err;
	}
	return sv[0];
}

int lt_connect(struct lt_env *e, int transport, struct lisafs_client **c,
	       struct lisafs_inode *root)
{
	int sock = lt_raw_socket(e);

	return sock < 0 ? sock : client_over(sock, transport, c, root);
}

int lt_setup(struct lt_env *e, uint32_t server_flags, int transport)
{
	struct lisafs_server_options o = { .size = sizeof(o) };
	int err;

	memset(e, 0, sizeof(*e));
	e->fds_before = lt_count_fds();
	strcpy(e->outside, "/tmp/lisafs-test-XXXXXX");
	if (!mkdtemp(e->outside))
		return -errno;
	snprintf(e->dir, sizeof(e->dir), "%s/export", e->outside);
	if (mkdir(e->dir, 0755) < 0)
		return -errno;
	o.flags = server_flags;
	if (transport != LT_DEVICE)
		o.flags |= LISAFS_SERVER_NO_DEVICE;
	err = lisafs_server_new(e->dir, &o, &e->srv);
	if (err)
		return err;
	return lt_connect(e, transport, &e->c, &e->root);
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void lt_teardown(struct lt_env *e)
{
	lisafs_client_destroy(e->c);
	e->c = NULL;
	lisafs_server_destroy(e->srv);
	e->srv = NULL;
	if (e->outside[0])
		nftw(e->outside, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int lt_count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;
}

int lt_wait_fds(int want, int timeout_ms)
{
	int n;

	for (int waited = 0;; waited += 10) {
		n = lt_count_fds();
		if (n == want || waited >= timeout_ms)
			return n;
		usleep(10000);
	}
}

int lt_fork_server(const char *dir, const struct lisafs_server_options *so,
		   pid_t *pid)
{
	int sv[2], err;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	*pid = fork();
	if (*pid < 0) {
		err = -errno;
		close(sv[0]);
		close(sv[1]);
		return err;
	}
	if (*pid == 0) {
		struct lisafs_server *s;

		close(sv[0]);
		if (lisafs_server_new(dir, so, &s) ||
		    lisafs_server_add_connection(s, sv[1]))
			_exit(1);
		/* Serves until the client's socket closes. */
		while (lisafs_server_connections(s) > 0)
			usleep(50000);
		lisafs_server_destroy(s);
		_exit(0);
	}
	close(sv[1]);
	return sv[0];
}

int lt_wait_connections(struct lisafs_server *s, int want, int timeout_ms)
{
	int n;

	for (int waited = 0;; waited += 10) {
		n = lisafs_server_connections(s);
		if (n <= want || waited >= timeout_ms)
			return n;
		usleep(10000);
	}
}

const char *lt_path(const struct lt_env *e, const char *name)
{
	/* A few rotating buffers, so one call may use several paths. */
	static __thread char bufs[4][256];
	static __thread unsigned int next;
	char *buf = bufs[next++ % 4];

	snprintf(buf, 256, "%s/%s", e->dir, name);
	return buf;
}

int lt_write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -EIO;
}

int lt_sock_send(int sock, uint16_t mid, const void *p, uint32_t len)
{
	uint8_t *buf = malloc(8 + (size_t)len);
	ssize_t n;

	if (!buf)
		return -ENOMEM;
	memcpy(buf, &len, 4);
	memcpy(buf + 4, &mid, 2);
	memset(buf + 6, 0, 2);
	if (len)
		memcpy(buf + 8, p, len);
	n = send(sock, buf, 8 + (size_t)len, MSG_NOSIGNAL);
	free(buf);
	return n == (ssize_t)(8 + (size_t)len) ? 0 : -EIO;
}

static int recv_exact(int sock, void *buf, size_t len, int *fds,
		      unsigned int *nfds, int timeout_ms)
{
	char control[CMSG_SPACE(16 * sizeof(int))];
	size_t got = 0;

	while (got < len) {
		struct iovec iov = { (char *)buf + got, len - got };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
				      .msg_control = control,
				      .msg_controllen = sizeof(control) };
		struct pollfd p = { .fd = sock, .events = POLLIN };
		struct cmsghdr *cm;
		ssize_t n;

		if (poll(&p, 1, timeout_ms) <= 0)
			return -ETIMEDOUT;
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
		if (n <= 0)
			return n < 0 ? -errno : -ECONNRESET;
		for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
			int k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);

			for (int i = 0; i < k; i++) {
				int fd;

				memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), 4);
				if (fds && nfds && *nfds < 16)
					fds[(*nfds)++] = fd;
				else
					close(fd);
			}
		}
		got += n;
	}
	return 0;
}

int lt_sock_recv(int sock, uint16_t *mid, void *buf, uint32_t cap, int *fds,
		 unsigned int *nfds, int timeout_ms)
{
	uint8_t hdr[8];
	uint32_t len;
	unsigned int dummy = 0;
	int err;

	if (!nfds)
		nfds = &dummy;
	*nfds = 0;
	err = recv_exact(sock, hdr, 8, fds, nfds, timeout_ms);
	if (err)
		return err;
	memcpy(&len, hdr, 4);
	memcpy(mid, hdr + 4, 2);
	if (len > cap)
		return -EMSGSIZE;
	err = recv_exact(sock, buf, len, NULL, NULL, timeout_ms);
	return err ? err : (int)len;
}

int lt_error_of(uint16_t mid, const void *buf, int len)
{
	uint32_t e;

	if (mid != 0 || len < 4)
		return -1;
	memcpy(&e, buf, 4);
	return (int)e;
}

uint64_t lt_walk1(struct lisafs_client *c, uint64_t dir, const char *name,
		  uint8_t *status)
{
	const char *names[1] = { name };
	struct lisafs_inode ino;
	size_t n = 0;
	uint8_t st = 0xff;

	if (lisafs_client_walk(c, dir, names, 1, &ino, &n, &st))
		return 0;
	if (status)
		*status = st;
	return n == 1 ? ino.fdid : 0;
}
