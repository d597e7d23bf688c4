// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "fctest.h"

int fctest_create_at(int ctl, struct fctest_conn *conn, uint64_t window_len,
		     uint32_t flags)
{
	struct flipcall_create create = {
		.window_len = window_len,
		.flags = flags | FLIPCALL_CREATE_CLOEXEC,
	};

	if (ioctl(ctl, FLIPCALL_IOC_CREATE, &create))
		return -errno;
	conn->client = create.client_fd;
	conn->server = create.server_fd;
	conn->id = create.conn_id;
	conn->window_len = create.window_len;
	return 0;
}

int fctest_create(struct fctest_conn *conn, uint64_t window_len,
		  uint32_t flags)
{
	int ctl, ret;

	ctl = open(FLIPCALL_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		return -errno;
	ret = fctest_create_at(ctl, conn, window_len, flags);
	close(ctl);
	return ret;
}

void fctest_close(struct fctest_conn *conn)
{
	if (conn->client >= 0)
		close(conn->client);
	if (conn->server >= 0)
		close(conn->server);
	conn->client = -1;
	conn->server = -1;
}

int fctest_handoff(int fd, uint32_t op, uint32_t send_len)
{
	struct flipcall_handoff arg = { .op = op, .send_len = send_len };

	while (ioctl(fd, FLIPCALL_IOC_HANDOFF, &arg)) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

int fctest_user_limit(uint64_t *limit)
{
	struct flipcall_api api = { .api = FLIPCALL_API };
	int ctl, ret = 0;

	ctl = open(FLIPCALL_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		return -errno;
	if (ioctl(ctl, FLIPCALL_IOC_API, &api))
		ret = -errno;
	close(ctl);
	*limit = api.user_limit;
	return ret;
}

static int fctest_serve_rounds(int fd, int rounds)
{
	struct flipcall_endpoint_info info;
	int i;

	if (ioctl(fd, FLIPCALL_IOC_INFO, &info))
		return 10;
	if (fctest_handoff(fd, FLIPCALL_OP_RECV_FIRST, 0))
		return 11;
	for (i = 1; i < rounds; i++)
		if (fctest_handoff(fd, FLIPCALL_OP_SEND_RECV, 8))
			return 12;
	if (fctest_handoff(fd, FLIPCALL_OP_SEND_LAST, 8))
		return 13;
	return 0;
}

pid_t fctest_serve(struct fctest_conn *conn, int rounds, int *release_fd)
{
	int release[2];
	pid_t pid;
	char c;
	int rc;

	if (pipe2(release, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(release[0]);
		close(release[1]);
		return -errno;
	}
	if (!pid) {
		close(release[1]);
		close(conn->client);
		rc = fctest_serve_rounds(conn->server, rounds);
		/* Stay until released, so the server side stays open. */
		while (read(release[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(rc);
	}
	close(release[0]);
	close(conn->server);
	conn->server = -1;
	*release_fd = release[1];
	return pid;
}

int fctest_ping(struct fctest_conn *conn, int rounds)
{
	int i, ret;

	ret = fctest_handoff(conn->client, FLIPCALL_OP_CONNECT, 8);
	for (i = 1; !ret && i < rounds; i++)
		ret = fctest_handoff(conn->client, FLIPCALL_OP_SEND_RECV, 8);
	return ret;
}

int fctest_serve_end(pid_t pid, int release_fd)
{
	int status;

	close(release_fd);
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

long long fctest_fdinfo(int fd, const char *name)
{
	char path[64], line[256], key[64];
	long long value = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	snprintf(key, sizeof(key), "flipcall-%s:", name);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, strlen(key))) {
			value = strtoll(line + strlen(key), NULL, 10);
			break;
		}
	}
	fclose(f);
	return value;
}

int fctest_cli(char *out, size_t len, const char *const *argv)
{
	char *args[16] = { "flipcallctl" };
	char scratch[512];
	size_t n = 0, argc = 1;
	int pipefd[2], status;
	ssize_t got;
	pid_t pid;

	while (argv[argc - 1] && argc < 15) {
		args[argc] = (char *)argv[argc - 1];
		argc++;
	}
	args[argc] = NULL;
	if (pipe2(pipefd, O_CLOEXEC))
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		dup2(pipefd[1], STDOUT_FILENO);
		status = flipcallctl_main(argc, args);
		fflush(stdout);
		_exit(status);
	}
	close(pipefd[1]);
	for (;;) {
		/* Past @len, drain the rest so the child can finish. */
		char *dst = n + 1 < len ? out + n : scratch;
		size_t room = n + 1 < len ? len - 1 - n : sizeof(scratch);

		got = read(pipefd[0], dst, room);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		if (dst != scratch)
			n += got;
	}
	out[n] = '\0';
	close(pipefd[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

void fctest_log_lines(const char *title, const char *text)
{
	const char *end;

	fprintf(stderr, "# %s:\n", title);
	for (; *text; text = *end ? end + 1 : end) {
		end = strchrnul(text, '\n');
		fprintf(stderr, "#   %.*s\n", (int)(end - text), text);
	}
}
