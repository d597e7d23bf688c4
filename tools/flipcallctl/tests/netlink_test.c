// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "flipcall" through fcnl.c: what it reports
 * about connections this test creates and drives, who may see what, and
 * how strictly requests are validated.
 */
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/capability.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "fcnl.h"
#include "fctest.h"
#include "flipcall_test.h"
#include "kselftest_harness.h"

#define ROUNDS		50
#define NOBODY		65534

struct seen {
	pid_t creator;			/* only connections it created */
	size_t nr;
	struct fcnl_conn conns[16];
};

static int collect(const struct fcnl_conn *conn, void *arg)
{
	struct seen *seen = arg;

	if (seen->creator && conn->creator_pid != (uint32_t)seen->creator)
		return 0;
	if (seen->nr == sizeof(seen->conns) / sizeof(seen->conns[0]))
		return -E2BIG;
	seen->conns[seen->nr++] = *conn;
	return 0;
}

static const struct fcnl_conn *find(const struct seen *seen, uint64_t id)
{
	size_t i;

	for (i = 0; i < seen->nr; i++)
		if (seen->conns[i].id == id)
			return &seen->conns[i];
	return NULL;
}

TEST(get_counts_round_trips_and_peer_pid)
{
	struct fctest_conn c;
	struct fcnl_conn got;
	struct fcnl *nl;
	uint64_t fdinfo;
	int release;
	pid_t server;

	ASSERT_EQ(0, fcnl_open(&nl));
	ASSERT_EQ(0, fctest_create(&c, 4096, 0));
	server = fctest_serve(&c, ROUNDS, &release);
	ASSERT_GT(server, 0);
	ASSERT_EQ(0, fctest_ping(&c, ROUNDS));

	ASSERT_EQ(0, fcnl_conn_get(nl, c.id, &got));
	EXPECT_EQ(c.id, got.id);
	EXPECT_EQ(FLIPCALL_STATE_CLIENT_ACTIVE, got.state);
	EXPECT_EQ(FLIPCALL_END_NONE, got.end);
	EXPECT_EQ(4096, got.window_len);
	EXPECT_EQ(0, got.spin_ns);
	EXPECT_EQ(getpid(), got.creator_pid);
	EXPECT_EQ(getuid(), got.creator_uid);
	EXPECT_EQ(ROUNDS, got.ep[FLIPCALL_SIDE_CLIENT].handoffs);
	EXPECT_EQ(ROUNDS, got.ep[FLIPCALL_SIDE_SERVER].handoffs);
	EXPECT_EQ(0, got.ep[FLIPCALL_SIDE_CLIENT].spin_hits);
	/* The counters are the ones fdinfo shows. */
	ASSERT_EQ(0, fct_fdinfo_u64(c.client, "flipcall-sleeps", &fdinfo));
	EXPECT_EQ(fdinfo, got.ep[FLIPCALL_SIDE_CLIENT].sleeps);
	ASSERT_EQ(0, fct_fdinfo_u64(c.client, "flipcall-wakes", &fdinfo));
	EXPECT_EQ(fdinfo, got.ep[FLIPCALL_SIDE_CLIENT].wakes);
	EXPECT_GE(ROUNDS, got.ep[FLIPCALL_SIDE_CLIENT].sleeps);
	/* Created here; the server side was last queried by the child. */
	EXPECT_EQ(getpid(), got.ep[FLIPCALL_SIDE_CLIENT].pid);
	EXPECT_EQ(server, got.ep[FLIPCALL_SIDE_SERVER].pid);

	ASSERT_EQ(0, fctest_serve_end(server, release));
	fctest_close(&c);
	fcnl_close(nl);
}

/*
 * In a pid namespace the creator's and the endpoints' pids are the ones
 * seen from there: pid 1 for the namespace's first process.
 */
static int pid_ns_view(void)
{
	struct fctest_conn c;
	struct fcnl_conn got;
	struct fcnl *nl;
	int ret = 0;

	if (fcnl_open(&nl) || fctest_create(&c, 4096, 0))
		return 10;
	if (fcnl_conn_get(nl, c.id, &got))
		ret = 11;
	else if (got.creator_pid != (uint32_t)getpid())
		ret = 12;
	else if (got.ep[FLIPCALL_SIDE_CLIENT].pid != (uint32_t)getpid())
		ret = 13;
	fctest_close(&c);
	fcnl_close(nl);
	return ret;
}

TEST(pids_are_seen_from_the_callers_pid_namespace)
{
	int status;
	pid_t pid;

	if (access("/proc/self/ns/pid", F_OK))
		SKIP(return, "kernel without pid namespaces");
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		pid_t inner;

		if (unshare(CLONE_NEWPID))
			_exit(20);
		inner = fork();
		if (inner < 0)
			_exit(21);
		if (inner == 0)
			_exit(pid_ns_view());
		if (waitpid(inner, &status, 0) != inner)
			_exit(22);
		_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 23);
	}
	ASSERT_EQ(0, fct_wait_child(pid, FCT_WAIT_MS, &status));
	EXPECT_EQ(0, status) TH_LOG("12: creator pid, 13: endpoint pid not "
				   "from the caller's pid namespace");
}

/* Setting the wall clock does not age a connection. */
TEST(age_ignores_wall_clock_steps)
{
	struct timespec now;
	struct fctest_conn c;
	struct fcnl_conn got;
	struct fcnl *nl;
	int step_ret;

	ASSERT_EQ(0, fcnl_open(&nl));
	ASSERT_EQ(0, fctest_create(&c, 4096, 0));
	ASSERT_EQ(0, clock_gettime(CLOCK_REALTIME, &now));
	now.tv_sec += 3600;
	step_ret = clock_settime(CLOCK_REALTIME, &now);
	if (step_ret == 0) {
		EXPECT_EQ(0, fcnl_conn_get(nl, c.id, &got));
		clock_gettime(CLOCK_REALTIME, &now);
		now.tv_sec -= 3600;
		clock_settime(CLOCK_REALTIME, &now);
		EXPECT_GT(3600ULL * 1000000000ULL, got.age_ns);
	}
	fctest_close(&c);
	fcnl_close(nl);
	if (step_ret)
		SKIP(return, "cannot set the clock: %s", strerror(errno));
}

TEST(get_reports_how_it_ended)
{
	struct fctest_conn shut, gone;
	struct fcnl_conn got;
	struct fcnl *nl;

	ASSERT_EQ(0, fcnl_open(&nl));
	ASSERT_EQ(0, fctest_create(&shut, 4096, 0));
	ASSERT_EQ(0, fctest_create(&gone, 4096, 0));

	ASSERT_EQ(0, fct_shutdown(shut.server));
	ASSERT_EQ(0, fcnl_conn_get(nl, shut.id, &got));
	EXPECT_EQ(FLIPCALL_STATE_SHUTDOWN, got.state);
	EXPECT_EQ(FLIPCALL_END_SHUTDOWN_SERVER, got.end);

	close(gone.client);
	gone.client = -1;
	ASSERT_EQ(0, fcnl_conn_get(nl, gone.id, &got));
	EXPECT_EQ(FLIPCALL_STATE_SHUTDOWN, got.state);
	EXPECT_EQ(FLIPCALL_END_CLIENT_GONE, got.end);

	/* Unmapped and closed: the connection is gone from the registry. */
	fctest_close(&gone);
	EXPECT_EQ(-ENOENT, fcnl_conn_get(nl, gone.id, &got));
	EXPECT_STREQ("no such connection", fcnl_error_message(nl));
	fctest_close(&shut);
	fcnl_close(nl);
}

TEST(dump_lists_exactly_the_connections_created)
{
	static const uint64_t lens[] = { 4096, 8192, 65536 };
	struct fctest_conn c[3];
	struct seen seen = { .creator = getpid() };
	const struct fcnl_conn *got;
	struct fcnl *nl;
	int i;

	ASSERT_EQ(0, fcnl_open(&nl));
	ASSERT_EQ(0, fcnl_conn_dump(nl, collect, &seen));
	ASSERT_EQ(0, seen.nr);
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, fctest_create(&c[i], lens[i],
					   i == 2 ? FLIPCALL_CREATE_SPIN : 0));

	ASSERT_EQ(0, fcnl_conn_dump(nl, collect, &seen));
	ASSERT_EQ(3, seen.nr);
	for (i = 0; i < 3; i++) {
		got = find(&seen, c[i].id);
		ASSERT_NE(NULL, got);
		EXPECT_EQ(lens[i], got->window_len);
		EXPECT_EQ(FLIPCALL_STATE_CLIENT_ACTIVE, got->state);
		EXPECT_EQ(FLIPCALL_END_NONE, got->end);
		EXPECT_EQ(0, got->ep[FLIPCALL_SIDE_CLIENT].handoffs);
		EXPECT_EQ(i == 2, got->spin_ns != 0);
	}
	for (i = 0; i < 3; i++)
		fctest_close(&c[i]);
	seen.nr = 0;
	ASSERT_EQ(0, fcnl_conn_dump(nl, collect, &seen));
	EXPECT_EQ(0, seen.nr);
	fcnl_close(nl);
}

static uint64_t user_bytes(const struct fcnl_stats *st, uint32_t uid)
{
	size_t i;

	for (i = 0; i < st->nr_users; i++)
		if (st->users[i].uid == uid)
			return st->users[i].window_bytes;
	return 0;
}

TEST(stats_count_connections_and_bytes)
{
	struct fcnl_stats before, after;
	struct flipcall_api api = { .api = FLIPCALL_API };
	struct fctest_conn a, b;
	struct fcnl *nl;
	int ctl;

	ASSERT_EQ(0, fcnl_open(&nl));
	ctl = fct_open_ctl();
	ASSERT_LE(0, ctl);
	ASSERT_EQ(0, fct_api(ctl, &api));
	close(ctl);
	ASSERT_EQ(0, fcnl_stats_get(nl, &before));
	ASSERT_EQ(0, fctest_create(&a, 4096, 0));
	ASSERT_EQ(0, fctest_create(&b, 3 * 4096, 0));
	ASSERT_EQ(0, fcnl_stats_get(nl, &after));

	EXPECT_EQ(before.live_conns + 2, after.live_conns);
	EXPECT_EQ(before.total_conns + 2, after.total_conns);
	EXPECT_EQ(before.live_window_bytes + 4 * 4096,
		  after.live_window_bytes);
	EXPECT_EQ(user_bytes(&before, getuid()) + 4 * 4096,
		  user_bytes(&after, getuid()));
	EXPECT_EQ(api.user_limit, after.user_limit);
	fcnl_stats_free(&before);
	fcnl_stats_free(&after);

	fctest_close(&a);
	fctest_close(&b);
	ASSERT_EQ(0, fcnl_stats_get(nl, &after));
	EXPECT_EQ(before.live_conns, after.live_conns);
	fcnl_stats_free(&after);
	fcnl_close(nl);
}

static int has_net_admin(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = { 0 };

	if (syscall(SYS_capget, &hdr, data))
		return -1;
	return !!(data[0].effective & (1U << CAP_NET_ADMIN));
}

/*
 * The unprivileged half, in a child: returns 0 or the number of the check
 * that failed. It reports its connection's id through @report and keeps it
 * open until @hold is closed. @ctl is /dev/flipcall, opened while still
 * root, so the test does not depend on nobody reaching /dev.
 */
static int nobody_view(int ctl, uint64_t roots_id, int report, int hold)
{
	struct seen seen = { 0 };
	struct fcnl_stats stats;
	struct fctest_conn mine;
	struct fcnl_conn got;
	struct fcnl *nl;
	int ret;
	char c;

	if (setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY))
		return 1;
	if (has_net_admin() != 0) {
		fprintf(stderr, "# nobody still has CAP_NET_ADMIN (%d)\n",
			has_net_admin());
		return 2;
	}
	/* Created as nobody: the uid is the caller's, not the opener's. */
	ret = fctest_create_at(ctl, &mine, 4096, 0);
	if (ret) {
		fprintf(stderr, "# nobody cannot create: %s\n", strerror(-ret));
		return 3;
	}
	ret = fcnl_open(&nl);
	if (ret) {
		fprintf(stderr, "# nobody cannot open netlink: %s\n",
			strerror(-ret));
		return 4;
	}
	if (fcnl_conn_dump(nl, collect, &seen))
		return 12;
	/* Only nobody's connections: at least ours, never root's. */
	if (!find(&seen, mine.id) || find(&seen, roots_id))
		return 5;
	for (size_t i = 0; i < seen.nr; i++)
		if (seen.conns[i].creator_uid != NOBODY)
			return 6;
	if (fcnl_conn_get(nl, roots_id, &got) != -ENOENT)
		return 7;
	if (fcnl_conn_get(nl, mine.id, &got) || got.creator_uid != NOBODY)
		return 8;
	if (fcnl_stats_get(nl, &stats))
		return 9;
	if (stats.nr_users != 1 || stats.users[0].uid != NOBODY ||
	    stats.users[0].window_bytes < 4096)
		return 10;
	fcnl_stats_free(&stats);
	if (write(report, &mine.id, sizeof(mine.id)) != sizeof(mine.id))
		return 11;
	while (read(hold, &c, 1) < 0 && errno == EINTR)
		;
	fctest_close(&mine);
	fcnl_close(nl);
	return 0;
}

TEST(unprivileged_caller_sees_only_its_uid)
{
	struct seen seen = { 0 };
	int report[2], hold[2], ctl;
	struct fctest_conn root;
	uint64_t nobodys_id;
	struct fcnl *nl;
	int status;
	pid_t pid;

	if (getuid() != 0)
		SKIP(return, "needs root to switch to nobody");
	ASSERT_EQ(0, fcnl_open(&nl));
	ASSERT_EQ(0, fctest_create(&root, 4096, 0));
	ctl = fct_open_ctl();
	ASSERT_LE(0, ctl);
	ASSERT_EQ(0, pipe(report));
	ASSERT_EQ(0, pipe(hold));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		close(report[0]);
		close(hold[1]);
		_exit(nobody_view(ctl, root.id, report[1], hold[0]));
	}
	close(ctl);
	close(report[1]);
	close(hold[0]);

	/* Root (CAP_NET_ADMIN) sees both users' connections. */
	if (read(report[0], &nobodys_id, sizeof(nobodys_id)) !=
	    sizeof(nobodys_id)) {
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		/* The child's failed check, by number. */
		ASSERT_EQ(0, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	}
	ASSERT_EQ(0, fcnl_conn_dump(nl, collect, &seen));
	EXPECT_NE(NULL, find(&seen, root.id));
	ASSERT_NE(NULL, find(&seen, nobodys_id));
	EXPECT_EQ(NOBODY, find(&seen, nobodys_id)->creator_uid);

	close(hold[1]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	close(report[0]);
	fctest_close(&root);
	fcnl_close(nl);
}

struct churn {
	int dumps;
	int bad;
};

static int check_churned(const struct fcnl_conn *conn, void *arg)
{
	struct churn *churn = arg;

	/* Whatever is caught mid-release must still read as a whole. */
	if (!conn->id || !conn->window_len || conn->end > FLIPCALL_END_SERVER_GONE)
		churn->bad++;
	return 0;
}

/*
 * Dumps and gets while a child creates, maps and drops connections: the
 * dump's reference may be the last one, so it frees them (KASAN and
 * lockdep watch this in the debug kernel).
 */
TEST(dump_races_with_create_and_release)
{
	struct churn churn = { 0 };
	struct fcnl_conn got;
	struct fcnl *nl;
	int status, i;
	pid_t pid;

	ASSERT_EQ(0, fcnl_open(&nl));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		struct fctest_conn c;
		void *win;

		for (i = 0; i < 300; i++) {
			if (fctest_create(&c, 4096, 0))
				_exit(1);
			win = fct_map(c.server, 4096, 0);
			if (win == MAP_FAILED)
				_exit(2);
			fctest_close(&c);
			munmap(win, 4096);
		}
		_exit(0);
	}
	while (waitpid(pid, &status, WNOHANG) == 0) {
		ASSERT_EQ(0, fcnl_conn_dump(nl, check_churned, &churn));
		churn.dumps++;
		i = fcnl_conn_get(nl, churn.dumps, &got);
		ASSERT_TRUE(i == 0 || i == -ENOENT);
	}
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(0, churn.bad);
	TH_LOG("%d dumps while the child churned", churn.dumps);
	fcnl_close(nl);
}

/* A raw request with one attribute of @len bytes, for the checks below. */
static int request(struct fcnl *nl, uint8_t cmd, int dump, int type,
		   const void *data, int len)
{
	struct nl_msg *msg = fcnl_request_new(nl, cmd, dump);

	if (!msg)
		return -ENOMEM;
	if (type >= 0 && nla_put(msg, type, len, data)) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return fcnl_transact(nl, msg, NULL);
}

FIXTURE(requests) {
	struct fcnl *nl;
	struct fctest_conn conn;
};

FIXTURE_SETUP(requests)
{
	ASSERT_EQ(0, fcnl_open(&self->nl));
	ASSERT_EQ(0, fctest_create(&self->conn, 4096, 0));
}

FIXTURE_TEARDOWN(requests)
{
	fctest_close(&self->conn);
	fcnl_close(self->nl);
}

TEST_F(requests, valid_get_succeeds)
{
	EXPECT_EQ(0, request(self->nl, FLIPCALL_CMD_CONN_GET, 0,
			     FLIPCALL_A_CONN_ID, &self->conn.id, 8));
}

TEST_F(requests, get_without_id_is_einval_naming_it)
{
	EXPECT_EQ(-EINVAL, request(self->nl, FLIPCALL_CMD_CONN_GET, 0, -1,
				   NULL, 0));
	EXPECT_EQ(FLIPCALL_A_CONN_ID, fcnl_error_missing_attr(self->nl));
}

TEST_F(requests, get_unknown_id_is_enoent)
{
	uint64_t id = UINT64_MAX - 1;

	EXPECT_EQ(-ENOENT, request(self->nl, FLIPCALL_CMD_CONN_GET, 0,
				   FLIPCALL_A_CONN_ID, &id, 8));
	EXPECT_STREQ("no such connection", fcnl_error_message(self->nl));
}

TEST_F(requests, id_of_four_bytes_is_einval)
{
	uint32_t id = self->conn.id;

	EXPECT_EQ(-EINVAL, request(self->nl, FLIPCALL_CMD_CONN_GET, 0,
				   FLIPCALL_A_CONN_ID, &id, 4));
}

TEST_F(requests, id_of_twelve_bytes_is_einval)
{
	uint32_t id[3] = { self->conn.id, 0, 0 };

	EXPECT_EQ(-EINVAL, request(self->nl, FLIPCALL_CMD_CONN_GET, 0,
				   FLIPCALL_A_CONN_ID, id, 12));
}

TEST_F(requests, unknown_attribute_is_einval)
{
	uint32_t value = 0;

	EXPECT_EQ(-EINVAL, request(self->nl, FLIPCALL_CMD_CONN_GET, 0,
				   FLIPCALL_A_MAX + 10, &value, 4));
}

TEST_F(requests, reply_only_attribute_is_einval)
{
	uint32_t state = 0;

	EXPECT_EQ(-EINVAL, request(self->nl, FLIPCALL_CMD_CONN_GET, 0,
				   FLIPCALL_A_CONN_STATE, &state, 4));
}

TEST_F(requests, pad_attribute_is_einval)
{
	EXPECT_EQ(-EINVAL, request(self->nl, FLIPCALL_CMD_CONN_GET, 0,
				   FLIPCALL_A_PAD, NULL, 0));
}

TEST_F(requests, dump_with_bad_attribute_is_einval)
{
	uint32_t id = self->conn.id;
	uint32_t value = 0;

	EXPECT_EQ(-EINVAL, request(self->nl, FLIPCALL_CMD_CONN_GET, 1,
				   FLIPCALL_A_CONN_ID, &id, 4));
	EXPECT_EQ(-EINVAL, request(self->nl, FLIPCALL_CMD_CONN_GET, 1,
				   FLIPCALL_A_MAX + 10, &value, 4));
}

TEST_F(requests, stats_with_any_attribute_is_einval)
{
	EXPECT_EQ(0, request(self->nl, FLIPCALL_CMD_STATS_GET, 0, -1,
			     NULL, 0));
	EXPECT_EQ(-EINVAL, request(self->nl, FLIPCALL_CMD_STATS_GET, 0,
				   FLIPCALL_A_CONN_ID, &self->conn.id, 8));
}

TEST_F(requests, unknown_command_is_eopnotsupp)
{
	EXPECT_EQ(-EOPNOTSUPP, request(self->nl, FLIPCALL_CMD_MAX + 1, 0,
				       -1, NULL, 0));
}

TEST_HARNESS_MAIN
