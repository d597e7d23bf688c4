// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Runs the example server and client (linked in with their main()s
 * renamed) as two processes talking over a unix socket, and checks what
 * the client printed. Natively on the futex transport; the static
 * example_test-device build does the device transport in the VM.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"

int example_server_main(int argc, char **argv);
int example_client_main(int argc, char **argv);

/* Run fn in a child with stdout (and stderr) going to out_fd. */
static pid_t spawn(int (*fn)(int, char **), char **argv, int out_fd)
{
	pid_t pid = fork();
	int argc = 0;

	if (pid)
		return pid;
	dup2(out_fd, 1);
	dup2(out_fd, 2);
	while (argv[argc])
		argc++;
	fflush(NULL);
	exit(fn(argc, argv));
}

static void client_server(struct __test_metadata *_metadata, char *mode)
{
	char dir[] = "/tmp/flipcall-example-XXXXXX", sock[64], out[256];
	char *server_argv[] = { "flipcall-server", mode, sock, NULL };
	char *client_argv[] = { "flipcall-client", sock, "hello", "flipcall",
				NULL };
	int pipefd[2], sink, status, i;
	pid_t server, client;
	struct stat st;
	size_t len;
	ssize_t n;

	ASSERT_NE(NULL, mkdtemp(dir));
	snprintf(sock, sizeof(sock), "%s/sock", dir);
	sink = open("/dev/null", O_WRONLY);
	ASSERT_GE(sink, 0);
	server = spawn(example_server_main, server_argv, sink);
	ASSERT_GT(server, 0);
	for (i = 0; i < 200 && stat(sock, &st); i++)
		usleep(20 * 1000);
	ASSERT_EQ(0, pipe(pipefd));
	client = spawn(example_client_main, client_argv, pipefd[1]);
	ASSERT_GT(client, 0);
	close(pipefd[1]);
	for (len = 0; len < sizeof(out) - 1; len += (size_t)n) {
		n = read(pipefd[0], out + len, sizeof(out) - 1 - len);
		if (n <= 0)
			break;
	}
	out[len] = 0;
	ASSERT_EQ(client, waitpid(client, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(server, waitpid(server, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_STREQ("client: HELLO\nclient: FLIPCALL\n", out);
	close(pipefd[0]);
	close(sink);
	rmdir(dir);
}

TEST(client_server_futex)
{
	client_server(_metadata, "-f");
}

TEST(client_server_device)
{
	if (access("/dev/flipcall", R_OK | W_OK))
		SKIP(return, "no /dev/flipcall");
	client_server(_metadata, "-d");
}

TEST_HARNESS_MAIN
