// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "fctest.h"
#include "flipcall_test.h"

int fctest_create_at(int ctl, struct fctest_conn *conn, uint64_t window_len,
		     uint32_t flags)
{
	struct flipcall_create create;
	int ret;

	ret = fct_create(ctl, window_len, flags | FLIPCALL_CREATE_CLOEXEC,
			 &create);
	if (ret)
		return ret;
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

	ctl = fct_open_ctl();
	if (ctl < 0)
		return ctl;
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

static int fctest_serve_rounds(int fd, int rounds)
{
	struct flipcall_endpoint_info info;
	int i;

	if (fct_info(fd, &info))
		return 10;
	if (fct_handoff(fd, FLIPCALL_OP_RECV_FIRST, 0, 0, NULL))
		return 11;
	for (i = 1; i < rounds; i++)
		if (fct_handoff(fd, FLIPCALL_OP_SEND_RECV, 0, 8, NULL))
			return 12;
	if (fct_handoff(fd, FLIPCALL_OP_SEND_LAST, 0, 8, NULL))
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

	ret = fct_handoff(conn->client, FLIPCALL_OP_CONNECT, 0, 8, NULL);
	for (i = 1; !ret && i < rounds; i++)
		ret = fct_handoff(conn->client, FLIPCALL_OP_SEND_RECV, 0, 8,
				  NULL);
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
