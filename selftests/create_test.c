// SPDX-License-Identifier: GPL-2.0
/*
 * FLIPCALL_IOC_CREATE: each validation error with its errno, the limits the
 * module parameters impose, rounding, CLOEXEC, and what INFO and fdinfo
 * report about a new connection.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "flipcall_test.h"
#include "kselftest_harness.h"

FIXTURE(create) {
	int ctl;
	struct flipcall_create conn;	/* closed by teardown if created */
	struct fct_param_saved param;	/* restored by teardown */
};

FIXTURE_SETUP(create)
{
	FCT_ASSERT_OPEN_CTL(self->ctl);
	self->conn.client_fd = -1;
	self->conn.server_fd = -1;
}

FIXTURE_TEARDOWN(create)
{
	if (self->conn.client_fd >= 0)
		close(self->conn.client_fd);
	if (self->conn.server_fd >= 0)
		close(self->conn.server_fd);
	fct_param_restore(&self->param);
	close(self->ctl);
}

/* A create that must fail with @err and leave no fd behind. */
static int create_fails(int ctl, struct flipcall_create *create)
{
	int before = fct_count_fds();
	int ret;

	create->client_fd = -1;
	create->server_fd = -1;
	ret = fct_create_raw(ctl, create);
	if (ret == 0) {
		close(create->client_fd);
		close(create->server_fd);
		return 0;
	}
	return fct_count_fds() == before ? ret : -EBADFD;
}

TEST_F(create, returns_two_distinct_endpoints)
{
	ASSERT_EQ(0, fct_create(self->ctl, FCT_PAGE, 0, &self->conn));
	EXPECT_LE(0, self->conn.client_fd);
	EXPECT_LE(0, self->conn.server_fd);
	EXPECT_NE(self->conn.client_fd, self->conn.server_fd);
	EXPECT_NE(self->conn.client_fd, self->ctl);
	EXPECT_NE(self->conn.server_fd, self->ctl);
	EXPECT_EQ(FCT_PAGE, self->conn.window_len);
}

TEST_F(create, conn_ids_are_unique_and_not_reused)
{
	struct flipcall_create a, b;

	ASSERT_EQ(0, fct_create(self->ctl, FCT_PAGE, 0, &a));
	close(a.client_fd);
	close(a.server_fd);
	ASSERT_EQ(0, fct_create(self->ctl, FCT_PAGE, 0, &b));
	close(b.client_fd);
	close(b.server_fd);
	EXPECT_NE(a.conn_id, b.conn_id);
}

TEST_F(create, output_fields_are_ignored_on_input)
{
	struct flipcall_create *c = &self->conn;

	memset(c, 0, sizeof(*c));
	c->window_len = FCT_PAGE;
	c->client_fd = 12345;
	c->server_fd = -7;
	c->conn_id = ~0ULL;
	ASSERT_EQ(0, fct_create_raw(self->ctl, c));
	EXPECT_NE(12345, c->client_fd);
	EXPECT_LE(0, c->server_fd);
	EXPECT_NE(~0ULL, c->conn_id);
}

TEST_F(create, one_byte_rounds_to_one_page)
{
	ASSERT_EQ(0, fct_create(self->ctl, 1, 0, &self->conn));
	EXPECT_EQ(4096, self->conn.window_len);
}

TEST_F(create, page_plus_one_rounds_to_two_pages)
{
	struct flipcall_endpoint_info info;

	ASSERT_EQ(0, fct_create(self->ctl, 4097, 0, &self->conn));
	EXPECT_EQ(8192, self->conn.window_len);
	ASSERT_EQ(0, fct_info(self->conn.server_fd, &info));
	EXPECT_EQ(8192, info.window_len);
}

TEST_F(create, exact_page_multiple_is_kept)
{
	ASSERT_EQ(0, fct_create(self->ctl, 3 * FCT_PAGE, 0, &self->conn));
	EXPECT_EQ(3 * FCT_PAGE, self->conn.window_len);
}

TEST_F(create, cloexec_flag_sets_fd_cloexec)
{
	ASSERT_EQ(0, fct_create(self->ctl, FCT_PAGE, FLIPCALL_CREATE_CLOEXEC,
				&self->conn));
	EXPECT_EQ(FD_CLOEXEC, fcntl(self->conn.client_fd, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(FD_CLOEXEC, fcntl(self->conn.server_fd, F_GETFD) & FD_CLOEXEC);
}

TEST_F(create, no_cloexec_flag_leaves_fd_inheritable)
{
	ASSERT_EQ(0, fct_create(self->ctl, FCT_PAGE, 0, &self->conn));
	EXPECT_EQ(0, fcntl(self->conn.client_fd, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(0, fcntl(self->conn.server_fd, F_GETFD) & FD_CLOEXEC);
}

TEST_F(create, endpoints_are_read_write)
{
	ASSERT_EQ(0, fct_create(self->ctl, FCT_PAGE, 0, &self->conn));
	EXPECT_EQ(O_RDWR, fcntl(self->conn.client_fd, F_GETFL) & O_ACCMODE);
	EXPECT_EQ(O_RDWR, fcntl(self->conn.server_fd, F_GETFL) & O_ACCMODE);
}

TEST_F(create, unknown_flag_is_einval)
{
	struct flipcall_create c = { .window_len = FCT_PAGE, .flags = 1U << 2 };

	EXPECT_EQ(-EINVAL, create_fails(self->ctl, &c));
}

TEST_F(create, top_flag_is_einval)
{
	struct flipcall_create c = { .window_len = FCT_PAGE, .flags = 1U << 31 };

	EXPECT_EQ(-EINVAL, create_fails(self->ctl, &c));
}

#define RESERVED_TEST(i)						\
TEST_F(create, reserved_##i##_is_einval)				\
{									\
	struct flipcall_create c = { .window_len = FCT_PAGE };		\
									\
	c.reserved[i] = 1;						\
	EXPECT_EQ(-EINVAL, create_fails(self->ctl, &c));		\
}
RESERVED_TEST(0)
RESERVED_TEST(1)
RESERVED_TEST(2)
RESERVED_TEST(3)

TEST_F(create, spin_ns_without_spin_flag_is_einval)
{
	struct flipcall_create c = { .window_len = FCT_PAGE, .spin_ns = 1 };

	EXPECT_EQ(-EINVAL, create_fails(self->ctl, &c));
}

TEST_F(create, spin_ns_above_max_is_einval)
{
	struct flipcall_create c = { .window_len = FCT_PAGE,
				     .flags = FLIPCALL_CREATE_SPIN };
	uint64_t max_spin;

	ASSERT_EQ(0, fct_param_get("max_spin_ns", &max_spin));
	c.spin_ns = max_spin + 1;
	EXPECT_EQ(-EINVAL, create_fails(self->ctl, &c));
}

TEST_F(create, spin_ns_at_max_is_kept)
{
	struct flipcall_endpoint_info info;
	uint64_t max_spin;

	ASSERT_EQ(0, fct_param_get("max_spin_ns", &max_spin));
	self->conn = (struct flipcall_create){ .window_len = FCT_PAGE,
					       .flags = FLIPCALL_CREATE_SPIN,
					       .spin_ns = max_spin };
	ASSERT_EQ(0, fct_create_raw(self->ctl, &self->conn));
	ASSERT_EQ(0, fct_info(self->conn.client_fd, &info));
	EXPECT_EQ(max_spin, info.spin_ns);
}

TEST_F(create, spin_ns_0_means_default)
{
	struct flipcall_endpoint_info info;

	ASSERT_EQ(0, fct_param_override(&self->param, "default_spin_ns", 1234));
	ASSERT_EQ(0, fct_create(self->ctl, FCT_PAGE, FLIPCALL_CREATE_SPIN,
				&self->conn));
	ASSERT_EQ(0, fct_info(self->conn.server_fd, &info));
	EXPECT_EQ(1234, info.spin_ns);
}

TEST_F(create, lowered_max_spin_ns_applies_to_new_connections)
{
	struct flipcall_create c = { .window_len = FCT_PAGE,
				     .flags = FLIPCALL_CREATE_SPIN,
				     .spin_ns = 501 };

	ASSERT_EQ(0, fct_param_override(&self->param, "max_spin_ns", 500));
	EXPECT_EQ(-EINVAL, create_fails(self->ctl, &c));
}

TEST_F(create, window_len_0_is_einval)
{
	struct flipcall_create c = { .window_len = 0 };

	EXPECT_EQ(-EINVAL, create_fails(self->ctl, &c));
}

/* Above the ABI's ceiling is EINVAL, not E2BIG: the size is meaningless. */
TEST_F(create, window_len_above_abi_max_is_einval)
{
	struct flipcall_create c = { .window_len = FLIPCALL_WINDOW_MAX_LEN + 1 };

	EXPECT_EQ(-EINVAL, create_fails(self->ctl, &c));
}

TEST_F(create, window_len_2_pow_63_is_einval)
{
	struct flipcall_create c = { .window_len = 1ULL << 63 };

	EXPECT_EQ(-EINVAL, create_fails(self->ctl, &c));
}

TEST_F(create, window_len_above_max_window_len_is_e2big)
{
	struct flipcall_create c = { .window_len = 4 * FCT_PAGE + 1 };

	ASSERT_EQ(0, fct_param_override(&self->param, "max_window_len",
					 4 * FCT_PAGE));
	EXPECT_EQ(-E2BIG, create_fails(self->ctl, &c));
}

TEST_F(create, window_len_at_max_window_len_succeeds)
{
	ASSERT_EQ(0, fct_param_override(&self->param, "max_window_len",
					 4 * FCT_PAGE));
	ASSERT_EQ(0, fct_create(self->ctl, 4 * FCT_PAGE, 0, &self->conn));
	EXPECT_EQ(4 * FCT_PAGE, self->conn.window_len);
}

/* The default max_window_len (64 MiB) is enforced without any tuning. */
TEST_F(create, default_max_window_len_is_e2big_above)
{
	struct flipcall_create c = { 0 };
	uint64_t max;

	ASSERT_EQ(0, fct_param_get("max_window_len", &max));
	c.window_len = max + 1;
	EXPECT_EQ(-E2BIG, create_fails(self->ctl, &c));
}

TEST_F(create, over_user_limit_is_edquot)
{
	struct flipcall_create c = { .window_len = 2 * FCT_PAGE };

	ASSERT_EQ(0, fct_param_override(&self->param, "user_limit",
					 3 * FCT_PAGE));
	ASSERT_EQ(0, fct_create(self->ctl, 2 * FCT_PAGE, 0, &self->conn));
	EXPECT_EQ(-EDQUOT, create_fails(self->ctl, &c));
}

TEST_F(create, up_to_user_limit_succeeds)
{
	struct flipcall_create c = { .window_len = FCT_PAGE };

	ASSERT_EQ(0, fct_param_override(&self->param, "user_limit",
					 3 * FCT_PAGE));
	ASSERT_EQ(0, fct_create(self->ctl, 2 * FCT_PAGE, 0, &self->conn));
	EXPECT_EQ(0, create_fails(self->ctl, &c));
}

/* The budget counts rounded windows: 1 byte costs a page. */
TEST_F(create, user_limit_counts_rounded_length)
{
	struct flipcall_create c = { .window_len = 1 };

	ASSERT_EQ(0, fct_param_override(&self->param, "user_limit", FCT_PAGE));
	ASSERT_EQ(0, fct_create(self->ctl, 1, 0, &self->conn));
	EXPECT_EQ(-EDQUOT, create_fails(self->ctl, &c));
}

/* The budget is per uid: another user is not held back by root's windows. */
TEST_F(create, user_limit_is_per_uid)
{
	struct flipcall_create c = { .window_len = FCT_PAGE };
	int status;
	pid_t pid;

	ASSERT_EQ(0, fct_param_override(&self->param, "user_limit", FCT_PAGE));
	ASSERT_EQ(0, fct_create(self->ctl, FCT_PAGE, 0, &self->conn));
	EXPECT_EQ(-EDQUOT, create_fails(self->ctl, &c));
	pid = fct_fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int ctl;

		if (setgid(65534) || setuid(65534))
			_exit(1);
		ctl = fct_open_ctl();
		_exit(ctl < 0 ? 2 : create_fails(ctl, &c) ? 3 : 0);
	}
	ASSERT_EQ(0, fct_wait_child(pid, FCT_WAIT_MS, &status));
	EXPECT_EQ(0, status);
}

/* The ABI ceiling caps the parameter: API never reports more. */
TEST_F(create, max_window_len_param_is_capped)
{
	struct flipcall_api api = { .api = FLIPCALL_API };

	if (fct_param_override(&self->param, "max_window_len", 1ULL << 40))
		return;	/* refusing the value is as good as capping it */
	ASSERT_EQ(0, fct_api(self->ctl, &api));
	EXPECT_GE(FLIPCALL_WINDOW_MAX_LEN, api.max_window_len);
}

/* With one free fd slot the pair cannot be installed: EMFILE, nothing held. */
TEST_F(create, one_free_fd_slot_is_emfile)
{
	struct rlimit lim = { .rlim_cur = 64, .rlim_max = 64 };
	struct flipcall_create c = { .window_len = FCT_PAGE };
	int last = -1, fd;

	ASSERT_EQ(0, fct_param_override(&self->param, "user_limit", FCT_PAGE));
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &lim));
	while ((fd = open("/dev/null", O_RDONLY)) >= 0)
		last = fd;
	ASSERT_EQ(EMFILE, errno);
	ASSERT_LE(0, last);
	close(last);
	EXPECT_EQ(-EMFILE, create_fails(self->ctl, &c));
	/* The failed create gave its page of budget back. */
	close(last - 1);
	EXPECT_EQ(0, create_fails(self->ctl, &c));
}

TEST_F(create, null_argument_is_efault)
{
	EXPECT_EQ(-1, ioctl(self->ctl, FLIPCALL_IOC_CREATE, NULL));
	EXPECT_EQ(EFAULT, errno);
}

/* The output cannot be written back: no fd may be left installed. */
TEST_F(create, read_only_argument_is_efault_without_fds)
{
	struct flipcall_create c = { .window_len = FCT_PAGE };
	void *arg = fct_readonly_copy(&c, sizeof(c));
	int before = fct_count_fds();

	ASSERT_NE(MAP_FAILED, arg);
	EXPECT_EQ(-EFAULT, fct_create_raw(self->ctl, arg));
	EXPECT_EQ(before, fct_count_fds());
	fct_readonly_free(arg);
}

/* A failed create must not consume the user's budget. */
TEST_F(create, failed_create_does_not_charge_user_limit)
{
	struct flipcall_create bad = { .window_len = FCT_PAGE, .flags = 1U << 2 };
	int i;

	ASSERT_EQ(0, fct_param_override(&self->param, "user_limit", FCT_PAGE));
	for (i = 0; i < 4; i++)
		ASSERT_EQ(-EINVAL, create_fails(self->ctl, &bad));
	EXPECT_EQ(0, fct_create(self->ctl, FCT_PAGE, 0, &self->conn));
}

TEST_F(create, info_describes_each_side)
{
	struct flipcall_endpoint_info client, server;

	ASSERT_EQ(0, fct_create(self->ctl, 2 * FCT_PAGE, 0, &self->conn));
	memset(&client, 0xff, sizeof(client));
	memset(&server, 0xff, sizeof(server));
	ASSERT_EQ(0, fct_info(self->conn.client_fd, &client));
	ASSERT_EQ(0, fct_info(self->conn.server_fd, &server));
	EXPECT_EQ(self->conn.conn_id, client.conn_id);
	EXPECT_EQ(self->conn.conn_id, server.conn_id);
	EXPECT_EQ(2 * FCT_PAGE, client.window_len);
	EXPECT_EQ(2 * FCT_PAGE, server.window_len);
	EXPECT_EQ(FLIPCALL_SIDE_CLIENT, client.side);
	EXPECT_EQ(FLIPCALL_SIDE_SERVER, server.side);
	EXPECT_EQ(FLIPCALL_STATE_CLIENT_ACTIVE, client.state);
	EXPECT_EQ(FLIPCALL_STATE_CLIENT_ACTIVE, server.state);
	EXPECT_EQ(FLIPCALL_END_NONE, client.end_reason);
	EXPECT_EQ(FLIPCALL_END_NONE, server.end_reason);
	EXPECT_EQ(0, client.spin_ns);
	EXPECT_EQ(0, client.reserved[0] | client.reserved[1] |
		     client.reserved[2] | client.reserved[3]);
	EXPECT_EQ(0, server.reserved[0] | server.reserved[1] |
		     server.reserved[2] | server.reserved[3]);
}

TEST_F(create, info_null_argument_is_efault)
{
	ASSERT_EQ(0, fct_create(self->ctl, FCT_PAGE, 0, &self->conn));
	EXPECT_EQ(-1, ioctl(self->conn.client_fd, FLIPCALL_IOC_INFO, NULL));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(create, info_read_only_argument_is_efault)
{
	struct flipcall_endpoint_info info = { 0 };
	void *arg = fct_readonly_copy(&info, sizeof(info));

	ASSERT_NE(MAP_FAILED, arg);
	ASSERT_EQ(0, fct_create(self->ctl, FCT_PAGE, 0, &self->conn));
	EXPECT_EQ(-EFAULT, fct_info(self->conn.server_fd, arg));
	fct_readonly_free(arg);
}

static void expect_fdinfo(struct __test_metadata *_metadata, int fd,
			  const char *key, const char *want)
{
	char got[128];

	ASSERT_EQ(0, fct_fdinfo(fd, key, got, sizeof(got))) TH_LOG("%s", key);
	EXPECT_STREQ(want, got) TH_LOG("%s", key);
}

TEST_F(create, fdinfo_describes_a_new_connection)
{
	static const char * const counters[] = {
		"flipcall-handoffs", "flipcall-sleeps", "flipcall-spin-hits",
		"flipcall-wakes", "flipcall-wakes-same-cpu",
	};
	char want[32];
	uint64_t value;
	unsigned int i;

	ASSERT_EQ(0, fct_create(self->ctl, 3 * FCT_PAGE, 0, &self->conn));
	snprintf(want, sizeof(want), "%" PRIu64, (uint64_t)self->conn.conn_id);
	expect_fdinfo(_metadata, self->conn.client_fd, "flipcall-conn", want);
	expect_fdinfo(_metadata, self->conn.server_fd, "flipcall-conn", want);
	expect_fdinfo(_metadata, self->conn.client_fd, "flipcall-side", "client");
	expect_fdinfo(_metadata, self->conn.server_fd, "flipcall-side", "server");
	expect_fdinfo(_metadata, self->conn.client_fd, "flipcall-window-len",
		      "12288");
	expect_fdinfo(_metadata, self->conn.client_fd, "flipcall-state",
		      "client-active");
	expect_fdinfo(_metadata, self->conn.server_fd, "flipcall-end", "none");
	for (i = 0; i < sizeof(counters) / sizeof(counters[0]); i++) {
		EXPECT_EQ(0, fct_fdinfo_u64(self->conn.client_fd, counters[i],
					    &value)) TH_LOG("%s", counters[i]);
		EXPECT_EQ(0, value) TH_LOG("%s", counters[i]);
	}
}

TEST_F(create, fdinfo_after_shutdown)
{
	ASSERT_EQ(0, fct_create(self->ctl, FCT_PAGE, 0, &self->conn));
	ASSERT_EQ(0, fct_shutdown(self->conn.server_fd));
	expect_fdinfo(_metadata, self->conn.client_fd, "flipcall-state",
		      "shutdown");
	expect_fdinfo(_metadata, self->conn.client_fd, "flipcall-end",
		      "shutdown-server");
}

TEST_F(create, fdinfo_after_peer_close)
{
	ASSERT_EQ(0, fct_create(self->ctl, FCT_PAGE, 0, &self->conn));
	close(self->conn.client_fd);
	self->conn.client_fd = -1;
	expect_fdinfo(_metadata, self->conn.server_fd, "flipcall-state",
		      "peer-gone");
	expect_fdinfo(_metadata, self->conn.server_fd, "flipcall-end",
		      "client-gone");
}

TEST_F(create, fdinfo_counts_handoffs_and_wakes)
{
	uint64_t value;

	ASSERT_EQ(0, fct_create(self->ctl, FCT_PAGE, 0, &self->conn));
	ASSERT_EQ(-EAGAIN, fct_handoff(self->conn.client_fd, FLIPCALL_OP_CONNECT,
				       FLIPCALL_HANDOFF_NONBLOCK, 0, NULL));
	ASSERT_EQ(0, fct_fdinfo_u64(self->conn.client_fd, "flipcall-handoffs",
				    &value));
	EXPECT_EQ(1, value);
	ASSERT_EQ(0, fct_fdinfo_u64(self->conn.client_fd, "flipcall-wakes",
				    &value));
	EXPECT_GE(1, value);
	ASSERT_EQ(0, fct_fdinfo_u64(self->conn.server_fd, "flipcall-handoffs",
				    &value));
	EXPECT_EQ(0, value);
	expect_fdinfo(_metadata, self->conn.server_fd, "flipcall-state",
		      "server-active");
}

TEST_HARNESS_MAIN
