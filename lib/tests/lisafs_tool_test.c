// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lisafs-server(1) as a real process: a client over its socket path and
 * over an inherited fd, --readonly, usage errors, and SIGTERM with a client
 * connected (the server drains and exits 0; the client's calls then fail
 * instead of hanging).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lisafs_test_util.h"

#ifndef LISAFS_SERVER_BIN
#define LISAFS_SERVER_BIN "build/tools/lisafs-server"
#endif

static pid_t spawn(const char *const *argv, int keep_fd)
{
	pid_t pid = fork();

	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);

		if (keep_fd >= 0)
			fcntl(keep_fd, F_SETFD, 0);
		if (!getenv("LISAFS_TEST_VERBOSE"))
			dup2(devnull, 2);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	return pid;
}

/* Exit status, or -1 if it did not exit within ms. */
static int wait_exit(pid_t pid, int ms)
{
	int status;

	for (int i = 0; i < ms / 10; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) :
						   128 + WTERMSIG(status);
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

static int connect_retry(const char *path, struct lisafs_client **c,
			 struct lisafs_inode *root)
{
	struct lisafs_client_options o = { .size = sizeof(o),
					   .flags = LISAFS_CLIENT_NO_DEVICE };
	int err = -ENOENT;

	for (int i = 0; i < 200 && err; i++) {
		err = lisafs_client_connect_path(path, &o, c, root);
		if (err)
			usleep(10000);
	}
	return err;
}

FIXTURE(tool) {
	char dir[64];
	char export[80];
	char sock[80];
};

FIXTURE_SETUP(tool)
{
	if (access(LISAFS_SERVER_BIN, X_OK))
		SKIP(return, "%s not built", LISAFS_SERVER_BIN);
	strcpy(self->dir, "/tmp/lisafs-tool-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	snprintf(self->export, sizeof(self->export), "%s/export", self->dir);
	snprintf(self->sock, sizeof(self->sock), "%s/sock", self->dir);
	ASSERT_EQ(0, mkdir(self->export, 0755));
}

FIXTURE_TEARDOWN(tool)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", self->dir);
	if (system(cmd)) {
		/* Best effort. */
	}
}

TEST_F(tool, socket_path_then_sigterm_with_client)
{
	const char *argv[] = { LISAFS_SERVER_BIN, "--export", self->export,
			       "--socket", self->sock, NULL };
	struct lisafs_client *c;
	struct lisafs_inode root;
	uint64_t ofd;
	struct statx st;
	pid_t pid = spawn(argv, -1);

	ASSERT_LT(0, pid);
	ASSERT_EQ(0, connect_retry(self->sock, &c, &root));
	ASSERT_EQ(0, lisafs_client_open_create_at(c, root.fdid, "f", O_RDWR,
						  0644, LISAFS_NO_UID,
						  LISAFS_NO_GID, NULL, &ofd,
						  NULL));
	EXPECT_EQ(2, lisafs_client_pwrite(c, ofd, "ok", 2, 0));
	ASSERT_EQ(0, kill(pid, SIGTERM));
	EXPECT_EQ(0, wait_exit(pid, 5000));
	/* The client learns, it does not hang. */
	usleep(50000);
	EXPECT_GT(0, lisafs_client_fstat(c, root.fdid, &st));
	lisafs_client_destroy(c);
	EXPECT_EQ(-1, access(self->sock, F_OK));	/* socket removed */
}

TEST_F(tool, inherited_fd_and_readonly)
{
	char fdarg[16];
	const char *argv[] = { LISAFS_SERVER_BIN, "--export", self->export,
			       "--fd", fdarg, "--readonly", NULL };
	struct lisafs_client *c;
	struct lisafs_inode root;
	uint64_t ofd;
	int sv[2];
	pid_t pid;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	snprintf(fdarg, sizeof(fdarg), "%d", sv[1]);
	pid = spawn(argv, sv[1]);
	ASSERT_LT(0, pid);
	close(sv[1]);
	ASSERT_EQ(0, lisafs_client_connect(sv[0], NULL, &c, &root));
	EXPECT_EQ(-EROFS, lisafs_client_open_create_at(c, root.fdid, "f",
						       O_RDWR, 0644, 0, 0,
						       NULL, &ofd, NULL));
	lisafs_client_destroy(c);
	/* With its only connection gone, the server exits by itself. */
	EXPECT_EQ(0, wait_exit(pid, 5000));
}

TEST_F(tool, usage_errors)
{
	const char *none[] = { LISAFS_SERVER_BIN, NULL };
	const char *both[] = { LISAFS_SERVER_BIN, "--export", self->export,
			       "--socket", self->sock, "--fd", "0", NULL };
	const char *missing[] = { LISAFS_SERVER_BIN, "--export",
				  "/nonexistent/lisafs", "--socket",
				  self->sock, NULL };

	EXPECT_EQ(2, wait_exit(spawn(none, -1), 5000));
	EXPECT_EQ(2, wait_exit(spawn(both, -1), 5000));
	EXPECT_EQ(1, wait_exit(spawn(missing, -1), 5000));
}

TEST_HARNESS_MAIN
