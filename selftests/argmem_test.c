// SPDX-License-Identifier: GPL-2.0
/*
 * A failed ioctl changes nothing: every ioctl with its argument in
 * read-only memory (the kernel can read the input but not write the output
 * back) and in unmapped memory fails with EFAULT before any side effect. No
 * hand-off is passed, no endpoint is left pending, no connection id, fd or
 * budget is consumed.
 */
#include <errno.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "flipcall_test.h"
#include "kselftest_harness.h"

#define NB	FLIPCALL_HANDOFF_NONBLOCK

/* An address no mapping covers: a page mapped, then unmapped again. */
static void *unmapped_address(void)
{
	void *page = mmap(NULL, FCT_PAGE, PROT_READ,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (page != MAP_FAILED)
		munmap(page, FCT_PAGE);
	return page;
}

FIXTURE(argmem) {
	int ctl;
	int client;
	int server;
	uint64_t conn_id;
};

FIXTURE_SETUP(argmem)
{
	struct flipcall_create c;

	FCT_ASSERT_OPEN_CTL(self->ctl);
	ASSERT_EQ(0, fct_create(self->ctl, FCT_PAGE, 0, &c));
	self->client = c.client_fd;
	self->server = c.server_fd;
	self->conn_id = c.conn_id;
}

FIXTURE_TEARDOWN(argmem)
{
	close(self->client);
	close(self->server);
	close(self->ctl);
}

/* HANDOFF of @op with its argument in a read-only page. */
static int handoff_read_only(int fd, uint32_t op, uint32_t flags)
{
	struct flipcall_handoff h = { .op = op, .flags = flags };
	void *arg = fct_readonly_copy(&h, sizeof(h));
	int ret;

	if (arg == MAP_FAILED)
		return -ENOMEM;
	ret = fct_handoff_raw(fd, arg);
	fct_readonly_free(arg);
	return ret;
}

/* Client connected, server opened: the client waits for control. */
static void open_connection(struct __test_metadata *_metadata,
			    FIXTURE_DATA(argmem) *self)
{
	ASSERT_EQ(-EAGAIN, fct_handoff(self->client, FLIPCALL_OP_CONNECT, NB,
				       0, NULL));
	ASSERT_EQ(0, fct_handoff(self->server, FLIPCALL_OP_RECV_FIRST, NB, 0,
				 NULL));
}

TEST_F(argmem, api_unmapped_is_efault)
{
	EXPECT_EQ(-EFAULT, fct_api(self->ctl, unmapped_address()));
}

TEST_F(argmem, api_read_only_is_efault)
{
	struct flipcall_api api = { .api = FLIPCALL_API };
	void *arg = fct_readonly_copy(&api, sizeof(api));

	ASSERT_NE(MAP_FAILED, arg);
	EXPECT_EQ(-EFAULT, fct_api(self->ctl, arg));
	fct_readonly_free(arg);
}

/* Nothing is created, not even a connection id is used up. */
TEST_F(argmem, create_read_only_consumes_no_conn_id)
{
	struct flipcall_create c = { .window_len = FCT_PAGE };
	void *arg = fct_readonly_copy(&c, sizeof(c));
	int fds = fct_count_fds();

	ASSERT_NE(MAP_FAILED, arg);
	EXPECT_EQ(-EFAULT, fct_create_raw(self->ctl, arg));
	fct_readonly_free(arg);
	EXPECT_EQ(fds, fct_count_fds());
	ASSERT_EQ(0, fct_create(self->ctl, FCT_PAGE, 0, &c));
	EXPECT_EQ(self->conn_id + 1, c.conn_id);
	close(c.client_fd);
	close(c.server_fd);
}

TEST_F(argmem, create_unmapped_consumes_no_conn_id)
{
	struct flipcall_create c;
	int fds = fct_count_fds();

	EXPECT_EQ(-EFAULT, fct_create_raw(self->ctl, unmapped_address()));
	EXPECT_EQ(fds, fct_count_fds());
	ASSERT_EQ(0, fct_create(self->ctl, FCT_PAGE, 0, &c));
	EXPECT_EQ(self->conn_id + 1, c.conn_id);
	close(c.client_fd);
	close(c.server_fd);
}

/* The measured defect: the pass happened, yet the caller got EFAULT. */
TEST_F(argmem, connect_read_only_does_not_pass)
{
	EXPECT_EQ(-EFAULT, handoff_read_only(self->client, FLIPCALL_OP_CONNECT,
					     NB));
	EXPECT_EQ(-EAGAIN, fct_handoff(self->server, FLIPCALL_OP_RECV_FIRST,
				       NB, 0, NULL));
	/* Nothing pending either: a fresh CONNECT is accepted. */
	EXPECT_EQ(-EAGAIN, fct_handoff(self->client, FLIPCALL_OP_CONNECT, NB,
				       0, NULL));
	EXPECT_EQ(0, fct_handoff(self->server, FLIPCALL_OP_RECV_FIRST, NB, 0,
				 NULL));
}

/* Blocking: a pass would leave it waiting until the watchdog ends it. */
TEST_F(argmem, connect_read_only_blocking_does_not_pass)
{
	struct fct_watchdog dog;

	ASSERT_EQ(0, fct_watchdog_arm(&dog, 2000));
	EXPECT_EQ(-EFAULT, handoff_read_only(self->client, FLIPCALL_OP_CONNECT,
					     0));
	EXPECT_FALSE(fct_watchdog_disarm(&dog));
	EXPECT_EQ(-EAGAIN, fct_handoff(self->server, FLIPCALL_OP_RECV_FIRST,
				       NB, 0, NULL));
}

TEST_F(argmem, connect_unmapped_does_not_pass)
{
	EXPECT_EQ(-EFAULT, fct_handoff_raw(self->client, unmapped_address()));
	EXPECT_EQ(-EAGAIN, fct_handoff(self->server, FLIPCALL_OP_RECV_FIRST,
				       NB, 0, NULL));
}

/* Not left pending: a SEND_RECV is still out of turn, not resumed. */
TEST_F(argmem, recv_first_read_only_leaves_nothing_pending)
{
	EXPECT_EQ(-EFAULT, handoff_read_only(self->server,
					     FLIPCALL_OP_RECV_FIRST, NB));
	EXPECT_EQ(-EAGAIN, fct_handoff(self->server, FLIPCALL_OP_RECV_FIRST,
				       NB, 0, NULL));
}

TEST_F(argmem, send_recv_read_only_does_not_pass)
{
	open_connection(_metadata, self);
	EXPECT_EQ(-EFAULT, handoff_read_only(self->server,
					     FLIPCALL_OP_SEND_RECV, NB));
	/* Control is still the server's: the client's wait goes on. */
	EXPECT_EQ(-EAGAIN, fct_handoff(self->client, FLIPCALL_OP_CONNECT, NB,
				       0, NULL));
	EXPECT_EQ(-EAGAIN, fct_handoff(self->server, FLIPCALL_OP_SEND_RECV, NB,
				       0, NULL));
	EXPECT_EQ(0, fct_handoff(self->client, FLIPCALL_OP_CONNECT, NB, 0,
				 NULL));
}

TEST_F(argmem, send_last_read_only_does_not_pass)
{
	open_connection(_metadata, self);
	EXPECT_EQ(-EFAULT, handoff_read_only(self->server,
					     FLIPCALL_OP_SEND_LAST, 0));
	EXPECT_EQ(-EAGAIN, fct_handoff(self->client, FLIPCALL_OP_CONNECT, NB,
				       0, NULL));
	/* The server is still open, not done: it can still hand off. */
	EXPECT_EQ(0, fct_handoff(self->server, FLIPCALL_OP_SEND_LAST, 0, 0,
				 NULL));
	EXPECT_EQ(0, fct_handoff(self->client, FLIPCALL_OP_CONNECT, NB, 0,
				 NULL));
}

TEST_F(argmem, send_recv_unmapped_does_not_pass)
{
	open_connection(_metadata, self);
	EXPECT_EQ(-EFAULT, fct_handoff_raw(self->server, unmapped_address()));
	EXPECT_EQ(-EAGAIN, fct_handoff(self->client, FLIPCALL_OP_CONNECT, NB,
				       0, NULL));
}

TEST_F(argmem, info_read_only_is_efault)
{
	struct flipcall_endpoint_info info = { 0 };
	void *arg = fct_readonly_copy(&info, sizeof(info));

	ASSERT_NE(MAP_FAILED, arg);
	EXPECT_EQ(-EFAULT, fct_info(self->client, arg));
	fct_readonly_free(arg);
}

TEST_F(argmem, info_unmapped_is_efault)
{
	EXPECT_EQ(-EFAULT, fct_info(self->client, unmapped_address()));
}

/* SHUTDOWN takes no argument: whatever the third word, it works. */
TEST_F(argmem, shutdown_ignores_unmapped_argument)
{
	struct flipcall_endpoint_info info;

	EXPECT_EQ(0, ioctl(self->server, FLIPCALL_IOC_SHUTDOWN,
			   unmapped_address()));
	ASSERT_EQ(0, fct_info(self->client, &info));
	EXPECT_EQ(FLIPCALL_END_SHUTDOWN_SERVER, info.end_reason);
}

TEST_HARNESS_MAIN
