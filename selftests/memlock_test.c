// SPDX-License-Identifier: GPL-2.0
/*
 * Window memory is unswappable, so it is charged against RLIMIT_MEMLOCK
 * through the user-namespace-aware accounting: the uids of a user
 * namespace share the limit of the user who created it, and pages that a
 * pipe still holds after vmsplice stay charged (or cannot get there at all).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "flipcall_test.h"
#include "kselftest_harness.h"

/* The namespace's owner, and the 8 uids it maps (outside: SUBUID_BASE..). */
#define OWNER_UID	4242
#define SUBUID_BASE	420000
#define NR_UIDS		8
#define MEMLOCK_LIMIT	(1UL << 20)
#define WINDOW_LEN	(64 * FCT_PAGE)
/* Each uid asks for twice its share: together, twice the owner's limit. */
#define WINDOWS_PER_UID	(2 * MEMLOCK_LIMIT / WINDOW_LEN / NR_UIDS)

FIXTURE(memlock) {
	int ctl;
};

FIXTURE_SETUP(memlock)
{
	FCT_ASSERT_OPEN_CTL(self->ctl);
}

FIXTURE_TEARDOWN(memlock)
{
	close(self->ctl);
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -EIO;
}

/*
 * As uid @uid of the namespace: create windows until refused or enough,
 * report how many on @report, hold them until @hold reaches EOF.
 */
static int hold_windows(int ctl, uid_t uid, int report, int hold)
{
	struct flipcall_create c;
	char n = 0, byte;

	if (setresgid(uid, uid, uid) || setresuid(uid, uid, uid))
		return 1;
	while (n < WINDOWS_PER_UID && !fct_create(ctl, WINDOW_LEN, 0, &c))
		n++;
	if (write(report, &n, 1) != 1)
		return 2;
	while (read(hold, &byte, 1) > 0)
		;
	return 0;
}

/* One round in the namespace: how many windows all uids got together. */
static int namespace_round(int ctl)
{
	int report[2], hold[2], total = 0, i;
	pid_t pids[NR_UIDS];
	char n;

	if (pipe(report) || pipe(hold))
		return -1;
	for (i = 0; i < NR_UIDS; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			return -1;
		if (pids[i] == 0) {
			close(hold[1]);
			_exit(hold_windows(ctl, i, report[1], hold[0]));
		}
	}
	close(hold[0]);
	for (i = 0; i < NR_UIDS; i++) {
		if (fct_expect(report[0], FCT_WAIT_MS, &n))
			return -1;
		total += n;
	}
	/* Every uid holds its windows until now. */
	close(hold[1]);
	for (i = 0; i < NR_UIDS; i++)
		waitpid(pids[i], NULL, 0);
	close(report[0]);
	close(report[1]);
	return total;
}

/* The namespace's creator: unprivileged, its limit set before unshare. */
static int namespace_owner(int ctl, int to_parent, int from_parent)
{
	struct rlimit lim = { MEMLOCK_LIMIT, MEMLOCK_LIMIT };
	char rounds[2];
	int i, n;

	if (setrlimit(RLIMIT_MEMLOCK, &lim) || setgroups(0, NULL) ||
	    setresgid(OWNER_UID, OWNER_UID, OWNER_UID) ||
	    setresuid(OWNER_UID, OWNER_UID, OWNER_UID))
		return 1;
	if (unshare(CLONE_NEWUSER))
		return 2;
	if (fct_notify(to_parent, 'u') || fct_expect(from_parent, FCT_WAIT_MS, NULL))
		return 3;
	for (i = 0; i < 2; i++) {
		n = namespace_round(ctl);
		if (n < 0)
			return 4;
		rounds[i] = n;
	}
	return write(to_parent, rounds, 2) == 2 ? 0 : 5;
}

TEST_F(memlock, userns_uids_share_the_owner_memlock_limit)
{
	int to_parent[2], from_parent[2], status;
	char path[64], map[64], rounds[2];
	pid_t pid;

	if (access("/proc/self/ns/user", F_OK))
		SKIP(return, "kernel without user namespaces");
	write_file("/proc/sys/kernel/unprivileged_userns_clone", "1");
	ASSERT_EQ(0, pipe(to_parent));
	ASSERT_EQ(0, pipe(from_parent));
	pid = fct_fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(namespace_owner(self->ctl, to_parent[1], from_parent[0]));
	/* What newuidmap does for a user with a subordinate uid range. */
	ASSERT_EQ(0, fct_expect(to_parent[0], FCT_WAIT_MS, NULL));
	snprintf(map, sizeof(map), "0 %d %d\n", SUBUID_BASE, NR_UIDS);
	snprintf(path, sizeof(path), "/proc/%d/uid_map", pid);
	ASSERT_EQ(0, write_file(path, map));
	snprintf(path, sizeof(path), "/proc/%d/gid_map", pid);
	ASSERT_EQ(0, write_file(path, map));
	ASSERT_EQ(0, fct_notify(from_parent[1], 'm'));
	ASSERT_EQ(0, fct_wait_child(pid, 10 * FCT_WAIT_MS, &status));
	ASSERT_EQ(0, status);
	ASSERT_EQ(2, read(to_parent[0], rounds, 2));
	TH_LOG("windows held at once: %d, then %d, limit %lu",
	       rounds[0], rounds[1], MEMLOCK_LIMIT / WINDOW_LEN);
	EXPECT_EQ(MEMLOCK_LIMIT / WINDOW_LEN, rounds[0]);
	/* Everything came back when the first round's windows closed. */
	EXPECT_EQ(rounds[0], rounds[1]);
}

/*
 * Pages a pipe took by vmsplice must not outlive the window's charge: a new
 * window of the whole budget fails while the pipe holds the old pages.
 */
TEST_F(memlock, vmspliced_window_pages_stay_within_the_limit)
{
	struct fct_param_saved limit;
	struct flipcall_create c;
	unsigned char *win;
	struct iovec iov;
	ssize_t spliced;
	int pipefd[2];

	ASSERT_EQ(0, fct_param_override(&limit, "user_limit", WINDOW_LEN));
	ASSERT_EQ(0, fct_create(self->ctl, WINDOW_LEN, 0, &c));
	win = fct_map(c.client_fd, WINDOW_LEN, 0);
	ASSERT_NE(MAP_FAILED, win);
	fct_fill(FCT_DATA(win), WINDOW_LEN - FLIPCALL_PACKET_HEADER_BYTES, 1);
	ASSERT_EQ(0, pipe(pipefd));
	fcntl(pipefd[1], F_SETPIPE_SZ, (int)WINDOW_LEN);
	iov.iov_base = win;
	iov.iov_len = WINDOW_LEN;
	spliced = vmsplice(pipefd[1], &iov, 1, SPLICE_F_NONBLOCK);
	TH_LOG("vmsplice of the window: %zd (%s)", spliced,
	       spliced < 0 ? strerror(errno) : "pages in the pipe");
	munmap(win, WINDOW_LEN);
	close(c.client_fd);
	close(c.server_fd);
	if (spliced > 0)
		EXPECT_EQ(-EDQUOT, fct_create(self->ctl, WINDOW_LEN, 0, &c));
	close(pipefd[0]);
	close(pipefd[1]);
	/* Everything comes back once the pipe lets go. */
	EXPECT_EQ(0, fct_create(self->ctl, WINDOW_LEN, 0, &c));
	close(c.client_fd);
	close(c.server_fd);
	fct_param_restore(&limit);
}

TEST_HARNESS_MAIN
