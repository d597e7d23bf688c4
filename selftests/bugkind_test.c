// SPDX-License-Identifier: GPL-2.0
/*
 * Tests aimed at kinds of bug that the functional tests let through (found
 * by injecting such bugs into the module): error paths only an allocation
 * failure reaches (failslab, in the debug kernel: a leaked reference there
 * shows as a kmemleak report or a module that cannot be removed), a budget
 * given back twice, output bytes the kernel never wrote, and the state word
 * updated by read-then-write instead of one atomic exchange.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "flipcall_test.h"
#include "kselftest_harness.h"

#define FAILSLAB	"/sys/kernel/debug/failslab/"
#define FAIL_NTH	"/proc/thread-self/fail-nth"
#define NB		FLIPCALL_HANDOFF_NONBLOCK
#define PATTERN		0xa5

static int write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	close(fd);
	return n < 0 ? -errno : 0;
}

/*
 * fail-nth through one fd opened up front: opening the file again would
 * itself allocate and could take the armed fault.
 */
static int fail_nth_arm(int fd, int nth)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%d", nth);

	return pwrite(fd, buf, len, 0) == len ? 0 : -errno;
}

/* The fault still armed for this thread: 0 once it was injected. */
static int fail_nth_left(int fd)
{
	char buf[16] = "";

	if (pread(fd, buf, sizeof(buf) - 1, 0) <= 0)
		return -EIO;
	return atoi(buf);
}

FIXTURE(bugkind) {
	int ctl;
	struct fct_param_saved limit;
};

FIXTURE_SETUP(bugkind)
{
	FCT_ASSERT_OPEN_CTL(self->ctl);
	ASSERT_EQ(0, fct_param_override(&self->limit, "user_limit",
					2 * FCT_PAGE));
}

FIXTURE_TEARDOWN(bugkind)
{
	fct_param_restore(&self->limit);
	close(self->ctl);
}

/*
 * Fail the n-th slab allocation of CREATE for n = 1, 2, ... until CREATE
 * gets through without reaching it: every error path runs once. Each
 * failure must be ENOMEM, leave no fd and give the whole budget back.
 */
TEST_F_TIMEOUT(bugkind, create_survives_each_allocation_failing, 240)
{
	struct flipcall_create c;
	int n, ret, fds, nth, injected = 0;

	nth = open(FAIL_NTH, O_RDWR | O_CLOEXEC);
	if (access(FAILSLAB, F_OK) || nth < 0)
		SKIP(return, "kernel without failslab and fail-nth");
	/* CREATE allocates with GFP_KERNEL: let those fail too. */
	ASSERT_EQ(0, write_text(FAILSLAB "ignore-gfp-wait", "N"));
	fds = fct_count_fds();
	for (n = 1; n < 1000; n++) {
		ASSERT_EQ(0, fail_nth_arm(nth, n));
		ret = fct_create(self->ctl, 2 * FCT_PAGE, 0, &c);
		if (fail_nth_left(nth) > 0) {
			/* Got through before the n-th allocation. */
			fail_nth_arm(nth, 0);
			ASSERT_EQ(0, ret);
			close(c.client_fd);
			close(c.server_fd);
			break;
		}
		injected++;
		if (!ret) {
			/* An allocation whose failure is absorbed. */
			close(c.client_fd);
			close(c.server_fd);
			continue;
		}
		EXPECT_EQ(-ENOMEM, ret) TH_LOG("allocation %d", n);
		EXPECT_EQ(fds, fct_count_fds()) TH_LOG("allocation %d", n);
		/* The whole budget is back. */
		ASSERT_EQ(0, fct_create(self->ctl, 2 * FCT_PAGE, 0, &c))
			TH_LOG("budget not back after allocation %d failed", n);
		close(c.client_fd);
		close(c.server_fd);
	}
	TH_LOG("%d allocation failures injected into CREATE", injected);
	EXPECT_LT(0, injected);
	write_text(FAILSLAB "ignore-gfp-wait", "Y");
	close(nth);
}

/* The same for mmap of a window and for the first fault on it. */
TEST_F_TIMEOUT(bugkind, mmap_survives_each_allocation_failing, 240)
{
	struct flipcall_create c;
	volatile unsigned char *win;
	int n, nth, injected = 0;

	nth = open(FAIL_NTH, O_RDWR | O_CLOEXEC);
	if (access(FAILSLAB, F_OK) || nth < 0)
		SKIP(return, "kernel without failslab and fail-nth");
	ASSERT_EQ(0, write_text(FAILSLAB "ignore-gfp-wait", "N"));
	ASSERT_EQ(0, fct_create(self->ctl, FCT_PAGE, 0, &c));
	for (n = 1; n < 1000; n++) {
		ASSERT_EQ(0, fail_nth_arm(nth, n));
		win = fct_map(c.server_fd, FCT_PAGE, 0);
		if (fail_nth_left(nth) > 0) {
			fail_nth_arm(nth, 0);
			ASSERT_NE(MAP_FAILED, win);
			munmap((void *)win, FCT_PAGE);
			break;
		}
		injected++;
		if (win != MAP_FAILED) {
			win[FLIPCALL_PACKET_HEADER_BYTES] = 1;
			munmap((void *)win, FCT_PAGE);
		}
	}
	write_text(FAILSLAB "ignore-gfp-wait", "Y");
	close(nth);
	close(c.client_fd);
	close(c.server_fd);
	EXPECT_LT(0, injected);
	/* Nothing of the connection is left holding the budget. */
	ASSERT_EQ(0, fct_create(self->ctl, 2 * FCT_PAGE, 0, &c));
	close(c.client_fd);
	close(c.server_fd);
}

/*
 * Two windows fill the budget; closing one gives back exactly one window's
 * worth: a third fits, a fourth does not (a budget given back twice would
 * let it in).
 */
TEST_F(bugkind, closing_one_of_two_windows_frees_exactly_one)
{
	struct flipcall_create a, b, c, d;
	unsigned char *win;

	ASSERT_EQ(0, fct_create(self->ctl, FCT_PAGE, 0, &a));
	ASSERT_EQ(0, fct_create(self->ctl, FCT_PAGE, 0, &b));
	win = fct_map(a.client_fd, FCT_PAGE, 0);
	ASSERT_NE(MAP_FAILED, win);
	close(a.client_fd);
	close(a.server_fd);
	munmap(win, FCT_PAGE);
	ASSERT_EQ(0, fct_create(self->ctl, FCT_PAGE, 0, &c));
	EXPECT_EQ(-EDQUOT, fct_create(self->ctl, FCT_PAGE, 0, &d));
	close(b.client_fd);
	close(b.server_fd);
	close(c.client_fd);
	close(c.server_fd);
}

/*
 * poll() copies its pollfd array into a buffer on the kernel stack: leave
 * a pattern there, where the next system call's locals are likely to lie,
 * so a local copied out without being written shows the pattern.
 */
static void dirty_kernel_stack(void)
{
	struct pollfd fds[32];
	unsigned int i;

	for (i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		fds[i].fd = -1;
		fds[i].events = (short)0xa5a5;
		fds[i].revents = (short)0xa5a5;
	}
	poll(fds, sizeof(fds) / sizeof(fds[0]), 0);
}

/*
 * Every byte the kernel copies out is one it wrote: output structs filled
 * with a pattern come back with their reserved words zero and no byte of
 * the pattern left where a field is.
 */
TEST_F(bugkind, copied_out_structs_carry_no_stale_bytes)
{
	struct flipcall_endpoint_info info;
	struct flipcall_create c;
	struct flipcall_api api;
	unsigned int i, round;

	memset(&api, PATTERN, sizeof(api));
	api.api = FLIPCALL_API;
	api.flags = 0;
	api.features = 0;
	memset(api.reserved, 0, sizeof(api.reserved));
	ASSERT_EQ(0, fct_api(self->ctl, &api));
	for (i = 0; i < sizeof(api.reserved) / sizeof(api.reserved[0]); i++)
		EXPECT_EQ(0, api.reserved[i]);

	memset(&c, PATTERN, sizeof(c));
	c.window_len = FCT_PAGE;
	c.flags = 0;
	c.spin_ns = 0;
	memset(c.reserved, 0, sizeof(c.reserved));
	ASSERT_EQ(0, fct_create_raw(self->ctl, &c));
	EXPECT_NE(0xa5a5a5a5a5a5a5a5ULL, c.conn_id);

	for (round = 0; round < 20; round++) {
		dirty_kernel_stack();
		memset(&info, PATTERN, sizeof(info));
		ASSERT_EQ(0, fct_info(c.server_fd, &info));
		for (i = 0; i < sizeof(info.reserved) / sizeof(info.reserved[0]); i++)
			EXPECT_EQ(0, info.reserved[i]) TH_LOG("reserved[%u]", i);
	}
	EXPECT_EQ(c.conn_id, info.conn_id);
	EXPECT_EQ(FCT_PAGE, info.window_len);
	EXPECT_EQ(FLIPCALL_SIDE_SERVER, info.side);
	EXPECT_EQ(0, info.spin_ns);
	close(c.client_fd);
	close(c.server_fd);
}

/*
 * Passes racing with SHUTDOWN from another thread, many times: once
 * SHUTDOWN has returned, the ending must stay (a pass that read the state
 * and wrote it back would erase it).
 */
#define RACE_CONNS	300

struct racer {
	int client;
	int server;
	volatile int stop;
};

static void *pingpong_until_ended(void *arg)
{
	struct racer *r = arg;
	uint32_t op = FLIPCALL_OP_CONNECT, sop = FLIPCALL_OP_RECV_FIRST;
	int ret;

	while (!r->stop) {
		ret = fct_handoff(r->client, op, NB, 0, NULL);
		if (ret && ret != -EAGAIN)
			break;
		ret = fct_handoff(r->server, sop, NB, 0, NULL);
		if (ret && ret != -EAGAIN)
			break;
		ret = fct_handoff(r->server, FLIPCALL_OP_SEND_RECV, NB, 0, NULL);
		if (ret && ret != -EAGAIN)
			break;
		sop = FLIPCALL_OP_SEND_RECV;
		ret = fct_handoff(r->client, op, NB, 0, NULL);
		if (ret && ret != -EAGAIN)
			break;
		op = FLIPCALL_OP_SEND_RECV;
	}
	return NULL;
}

TEST_F_TIMEOUT(bugkind, shutdown_racing_passes_always_sticks, 240)
{
	struct flipcall_endpoint_info info;
	struct flipcall_create c;
	int i, lost = 0;

	for (i = 0; i < RACE_CONNS; i++) {
		struct racer r = { 0 };
		pthread_t thread;

		ASSERT_EQ(0, fct_create(self->ctl, FCT_PAGE, 0, &c));
		r.client = c.client_fd;
		r.server = c.server_fd;
		ASSERT_EQ(0, pthread_create(&thread, NULL, pingpong_until_ended,
					    &r));
		usleep(i % 7 * 50);
		ASSERT_EQ(0, fct_shutdown(i % 2 ? c.client_fd : c.server_fd));
		r.stop = 1;
		pthread_join(thread, NULL);
		ASSERT_EQ(0, fct_info(c.client_fd, &info));
		if (info.state != FLIPCALL_STATE_SHUTDOWN ||
		    info.end_reason != (i % 2 ? FLIPCALL_END_SHUTDOWN_CLIENT :
					    FLIPCALL_END_SHUTDOWN_SERVER))
			lost++;
		close(c.client_fd);
		close(c.server_fd);
	}
	EXPECT_EQ(0, lost) TH_LOG("%d of %d endings lost", lost, RACE_CONNS);
}

TEST_HARNESS_MAIN
