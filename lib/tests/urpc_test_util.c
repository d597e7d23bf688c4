// SPDX-License-Identifier: LGPL-2.1-or-later
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <json-c/json.h>

#include "urpc_test_util.h"

int count_open_fds(void)
{
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *ent;
	int n = 0;

	if (!dir)
		return -errno;
	while ((ent = readdir(dir)))
		if (ent->d_name[0] != '.')
			n++;
	closedir(dir);
	return n - 1;
}

int wait_open_fds(int want, int timeout_ms)
{
	int n;

	for (;;) {
		n = count_open_fds();
		if (n == want || timeout_ms <= 0)
			return n;
		usleep(10000);
		timeout_ms -= 10;
	}
}

ssize_t send_raw(int fd, const void *buf, size_t len, const int *fds,
		 unsigned int nfds)
{
	char control[CMSG_SPACE(sizeof(int) * 253)] = { 0 };
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (nfds) {
		struct cmsghdr *cmsg;

		msg.msg_control = control;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(cmsg), fds, sizeof(int) * nfds);
	}
	n = sendmsg(fd, &msg, MSG_NOSIGNAL);
	return n < 0 ? -errno : n;
}

int send_str(int fd, const char *text)
{
	size_t len = strlen(text);

	return send_raw(fd, text, len, NULL, 0) == (ssize_t)len ? 0 : -EIO;
}

ssize_t recv_raw(int fd, char *buf, size_t len, int *fds, unsigned int *nfds,
		 int timeout_ms)
{
	unsigned int room = nfds ? *nfds : 0, got = 0;
	size_t have = 0;

	while (have < len) {
		char control[CMSG_SPACE(sizeof(int) * 253)];
		struct iovec iov = { .iov_base = buf + have,
				     .iov_len = len - have };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
				      .msg_control = control,
				      .msg_controllen = sizeof(control) };
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		struct cmsghdr *cmsg;
		ssize_t n;

		if (poll(&pfd, 1, timeout_ms) <= 0)
			break;
		n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
		if (n <= 0)
			break;
		have += (size_t)n;
		for (cmsg = CMSG_FIRSTHDR(&msg); cmsg;
		     cmsg = CMSG_NXTHDR(&msg, cmsg)) {
			unsigned int i, k = (cmsg->cmsg_len - CMSG_LEN(0)) /
					    sizeof(int);
			int got_fd;

			for (i = 0; i < k; i++, got++) {
				memcpy(&got_fd, CMSG_DATA(cmsg) + i * sizeof(int),
				       sizeof(int));
				if (got < room)
					fds[got] = got_fd;
				else
					close(got_fd);
			}
		}
	}
	if (nfds)
		*nfds = got;
	return (ssize_t)have;
}

bool peer_closed(int fd, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char c;

	if (poll(&pfd, 1, timeout_ms) <= 0)
		return false;
	return recv(fd, &c, 1, MSG_DONTWAIT) <= 0;
}

void open_null_fds(int *fds, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

void close_fds(const int *fds, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		close(fds[i]);
}

static int test_echo(struct urpc_call *call, void *data)
{
	(void)data;
	return urpc_call_set_result(call, json_object_get(urpc_call_arg(call)));
}

static int test_fail(struct urpc_call *call, void *data)
{
	(void)data;
	urpc_call_set_error(call, "failed: %s",
			    json_object_get_string(urpc_call_arg(call)));
	return -1;
}

static int test_sleep(struct urpc_call *call, void *data)
{
	int ms = json_object_get_int(urpc_call_arg(call));
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	(void)data;
	nanosleep(&ts, NULL);
	return 0;
}

static int test_send_files(struct urpc_call *call, void *data)
{
	int i, n = json_object_get_int(urpc_call_arg(call));

	(void)data;
	for (i = 0; i < n; i++)
		urpc_call_send_fd(call, open("/dev/null", O_RDONLY | O_CLOEXEC));
	return urpc_call_set_result(call, json_object_new_int(n));
}

static int test_count_files(struct urpc_call *call, void *data)
{
	struct json_object *result = json_object_new_object();

	(void)data;
	json_object_object_add(result, "N",
			       json_object_new_int((int)urpc_call_nfds(call)));
	return urpc_call_set_result(call, result);
}

static int test_stop(struct urpc_call *call, void *data)
{
	int ret = urpc_server_stop(data, 0);

	return urpc_call_set_result(call, json_object_new_int(ret));
}

int register_test_methods(struct urpc_server *server)
{
	return urpc_server_register(server, "Test.Echo", test_echo, NULL) ?:
	       urpc_server_register(server, "Test.Fail", test_fail, NULL) ?:
	       urpc_server_register(server, "Test.Sleep", test_sleep, NULL) ?:
	       urpc_server_register(server, "Test.SendFiles", test_send_files,
				    NULL) ?:
	       urpc_server_register(server, "Test.CountFiles",
				    test_count_files, NULL) ?:
	       urpc_server_register(server, "Test.Stop", test_stop, server);
}

int serve_socketpair(struct urpc_server *server)
{
	int sv[2], ret;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return -errno;
	ret = urpc_server_handle(server, sv[1]);
	if (ret) {
		close(sv[0]);
		return ret;
	}
	return sv[0];
}
