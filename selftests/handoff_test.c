// SPDX-License-Identifier: GPL-2.0
/*
 * FLIPCALL_IOC_HANDOFF: every validation error, every op in every phase of
 * the state machine, data and lengths crossing, EBUSY for a second thread,
 * interrupted waits (with and without SA_RESTART) and NONBLOCK.
 *
 * Both endpoints live in the test process; blocking calls run in a
 * background thread (struct fct_async) or under a watchdog, so a hang fails
 * the test instead of stalling the run.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "flipcall_test.h"
#include "kselftest_harness.h"

#define WINDOW_LEN	(2 * FCT_PAGE)
#define CAPACITY	(WINDOW_LEN - FLIPCALL_PACKET_HEADER_BYTES)
#define NB		FLIPCALL_HANDOFF_NONBLOCK

FIXTURE(conn) {
	int ctl;
	int client;
	int server;
	unsigned char *cwin;	/* the client's mapping */
	unsigned char *swin;	/* the server's mapping */
};

FIXTURE_SETUP(conn)
{
	struct flipcall_create c;

	FCT_ASSERT_OPEN_CTL(self->ctl);
	ASSERT_EQ(0, fct_create(self->ctl, WINDOW_LEN, 0, &c));
	self->client = c.client_fd;
	self->server = c.server_fd;
	self->cwin = fct_map(self->client, WINDOW_LEN, 0);
	ASSERT_NE(MAP_FAILED, self->cwin);
	self->swin = fct_map(self->server, WINDOW_LEN, 0);
	ASSERT_NE(MAP_FAILED, self->swin);
}

FIXTURE_TEARDOWN(conn)
{
	if (self->cwin != MAP_FAILED)
		munmap(self->cwin, WINDOW_LEN);
	munmap(self->swin, WINDOW_LEN);
	if (self->client >= 0)
		close(self->client);
	close(self->server);
	close(self->ctl);
}

static int handoff_with(int fd, struct flipcall_handoff h)
{
	return fct_handoff_raw(fd, &h);
}

/* Client connected (nonblocking, pending) and server holding control. */
static void open_with_server_active(struct __test_metadata *_metadata,
				    FIXTURE_DATA(conn) *self, uint32_t len)
{
	uint32_t got;

	ASSERT_EQ(-EAGAIN, fct_handoff(self->client, FLIPCALL_OP_CONNECT, NB,
				       len, NULL));
	ASSERT_EQ(0, fct_handoff(self->server, FLIPCALL_OP_RECV_FIRST, NB, 0,
				 &got));
	ASSERT_EQ(len, got);
}

/* Both endpoints open, the client holding control, nobody pending. */
static void open_with_client_active(struct __test_metadata *_metadata,
				    FIXTURE_DATA(conn) *self)
{
	uint32_t got;

	open_with_server_active(_metadata, self, 1);
	ASSERT_EQ(-EAGAIN, fct_handoff(self->server, FLIPCALL_OP_SEND_RECV, NB,
				       2, NULL));
	ASSERT_EQ(0, fct_handoff(self->client, FLIPCALL_OP_CONNECT, NB, 0,
				 &got));
	ASSERT_EQ(2, got);
}

/* --- validation, in the documented order --- */

TEST_F(conn, op_0_is_einval)
{
	EXPECT_EQ(-EINVAL, fct_handoff(self->client, 0, NB, 0, NULL));
}

TEST_F(conn, op_5_is_einval)
{
	EXPECT_EQ(-EINVAL, fct_handoff(self->client, FLIPCALL_OP_SEND_LAST + 1,
				       NB, 0, NULL));
}

TEST_F(conn, unknown_flag_is_einval)
{
	EXPECT_EQ(-EINVAL, fct_handoff(self->client, FLIPCALL_OP_CONNECT,
				       NB << 1, 0, NULL));
}

TEST_F(conn, reserved_is_einval)
{
	EXPECT_EQ(-EINVAL, handoff_with(self->client, (struct flipcall_handoff){
		.op = FLIPCALL_OP_CONNECT, .flags = NB, .reserved = 1 }));
}

TEST_F(conn, connect_on_server_is_einval)
{
	EXPECT_EQ(-EINVAL, fct_handoff(self->server, FLIPCALL_OP_CONNECT, NB, 0,
				       NULL));
}

TEST_F(conn, recv_first_on_client_is_einval)
{
	EXPECT_EQ(-EINVAL, fct_handoff(self->client, FLIPCALL_OP_RECV_FIRST, NB,
				       0, NULL));
}

TEST_F(conn, recv_first_with_send_len_is_einval)
{
	EXPECT_EQ(-EINVAL, fct_handoff(self->server, FLIPCALL_OP_RECV_FIRST, NB,
				       1, NULL));
}

TEST_F(conn, send_len_over_capacity_is_emsgsize)
{
	EXPECT_EQ(-EMSGSIZE, fct_handoff(self->client, FLIPCALL_OP_CONNECT, NB,
					 CAPACITY + 1, NULL));
}

TEST_F(conn, send_len_u32_max_is_emsgsize)
{
	EXPECT_EQ(-EMSGSIZE, fct_handoff(self->client, FLIPCALL_OP_CONNECT, NB,
					 UINT32_MAX, NULL));
}

TEST_F(conn, send_len_at_capacity_crosses)
{
	open_with_server_active(_metadata, self, CAPACITY);
}

TEST_F(conn, null_argument_is_efault)
{
	EXPECT_EQ(-1, ioctl(self->client, FLIPCALL_IOC_HANDOFF, NULL));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(conn, wrong_side_precedes_emsgsize)
{
	EXPECT_EQ(-EINVAL, fct_handoff(self->server, FLIPCALL_OP_CONNECT, NB,
				       CAPACITY + 1, NULL));
}

TEST_F(conn, emsgsize_precedes_eproto)
{
	EXPECT_EQ(-EMSGSIZE, fct_handoff(self->client, FLIPCALL_OP_SEND_RECV, NB,
					 CAPACITY + 1, NULL));
}

TEST_F(conn, einval_precedes_eshutdown)
{
	ASSERT_EQ(0, fct_shutdown(self->server));
	EXPECT_EQ(-EINVAL, fct_handoff(self->client, FLIPCALL_OP_CONNECT,
				       NB << 1, 0, NULL));
}

TEST_F(conn, emsgsize_precedes_eshutdown)
{
	ASSERT_EQ(0, fct_shutdown(self->server));
	EXPECT_EQ(-EMSGSIZE, fct_handoff(self->client, FLIPCALL_OP_CONNECT, NB,
					 CAPACITY + 1, NULL));
}

/* A rejected call changes nothing: the connection works as if it never was. */
TEST_F(conn, rejected_calls_leave_state_intact)
{
	struct flipcall_endpoint_info info;
	uint64_t handoffs;

	EXPECT_EQ(-EINVAL, fct_handoff(self->client, 0, 0, 0, NULL));
	EXPECT_EQ(-EMSGSIZE, fct_handoff(self->client, FLIPCALL_OP_CONNECT, 0,
					 CAPACITY + 1, NULL));
	EXPECT_EQ(-EPROTO, fct_handoff(self->client, FLIPCALL_OP_SEND_RECV, 0,
				       0, NULL));
	ASSERT_EQ(0, fct_info(self->client, &info));
	EXPECT_EQ(FLIPCALL_STATE_CLIENT_ACTIVE, info.state);
	ASSERT_EQ(0, fct_fdinfo_u64(self->client, "flipcall-handoffs",
				    &handoffs));
	EXPECT_EQ(0, handoffs);
	open_with_client_active(_metadata, self);
}

/* --- the state machine --- */

TEST_F(conn, send_recv_before_connect_is_eproto)
{
	EXPECT_EQ(-EPROTO, fct_handoff(self->client, FLIPCALL_OP_SEND_RECV, NB,
				       0, NULL));
}

TEST_F(conn, send_last_before_connect_is_eproto)
{
	EXPECT_EQ(-EPROTO, fct_handoff(self->client, FLIPCALL_OP_SEND_LAST, NB,
				       0, NULL));
}

TEST_F(conn, server_send_recv_before_recv_first_is_eproto)
{
	ASSERT_EQ(-EAGAIN, fct_handoff(self->client, FLIPCALL_OP_CONNECT, NB, 0,
				       NULL));
	EXPECT_EQ(-EPROTO, fct_handoff(self->server, FLIPCALL_OP_SEND_RECV, NB,
				       0, NULL));
}

TEST_F(conn, server_send_last_before_recv_first_is_eproto)
{
	ASSERT_EQ(-EAGAIN, fct_handoff(self->client, FLIPCALL_OP_CONNECT, NB, 0,
				       NULL));
	EXPECT_EQ(-EPROTO, fct_handoff(self->server, FLIPCALL_OP_SEND_LAST, NB,
				       0, NULL));
}

TEST_F(conn, connect_twice_is_eproto)
{
	open_with_client_active(_metadata, self);
	EXPECT_EQ(-EPROTO, fct_handoff(self->client, FLIPCALL_OP_CONNECT, NB, 0,
				       NULL));
}

TEST_F(conn, recv_first_twice_is_eproto)
{
	open_with_server_active(_metadata, self, 0);
	EXPECT_EQ(-EPROTO, fct_handoff(self->server, FLIPCALL_OP_RECV_FIRST, NB,
				       0, NULL));
}

/* Pending CONNECT: the client does not hold control. */
TEST_F(conn, send_recv_while_connect_pending_is_eproto)
{
	ASSERT_EQ(-EAGAIN, fct_handoff(self->client, FLIPCALL_OP_CONNECT, NB, 0,
				       NULL));
	EXPECT_EQ(-EPROTO, fct_handoff(self->client, FLIPCALL_OP_SEND_RECV, NB,
				       0, NULL));
}

TEST_F(conn, send_last_while_connect_pending_is_eproto)
{
	ASSERT_EQ(-EAGAIN, fct_handoff(self->client, FLIPCALL_OP_CONNECT, NB, 0,
				       NULL));
	EXPECT_EQ(-EPROTO, fct_handoff(self->client, FLIPCALL_OP_SEND_LAST, NB,
				       0, NULL));
}

TEST_F(conn, send_recv_while_recv_first_pending_is_eproto)
{
	ASSERT_EQ(-EAGAIN, fct_handoff(self->server, FLIPCALL_OP_RECV_FIRST, NB,
				       0, NULL));
	EXPECT_EQ(-EPROTO, fct_handoff(self->server, FLIPCALL_OP_SEND_RECV, NB,
				       0, NULL));
}

/* The server's SEND_RECV is pending: it does not hold control. */
TEST_F(conn, server_send_recv_without_control_is_eproto)
{
	open_with_server_active(_metadata, self, 0);
	ASSERT_EQ(-EAGAIN, fct_handoff(self->server, FLIPCALL_OP_SEND_RECV, NB,
				       0, NULL));
	EXPECT_EQ(-EPROTO, fct_handoff(self->server, FLIPCALL_OP_SEND_LAST, NB,
				       0, NULL));
}

TEST_F(conn, client_send_last_ends_the_client)
{
	uint32_t got = 1;

	open_with_client_active(_metadata, self);
	EXPECT_EQ(0, fct_handoff(self->client, FLIPCALL_OP_SEND_LAST, 0, 9,
				 &got));
	EXPECT_EQ(0, got);
	EXPECT_EQ(0, fct_handoff(self->server, FLIPCALL_OP_SEND_RECV, NB, 0,
				 &got));
	EXPECT_EQ(9, got);
	EXPECT_EQ(-EPROTO, fct_handoff(self->client, FLIPCALL_OP_SEND_RECV, NB,
				       0, NULL));
	EXPECT_EQ(-EPROTO, fct_handoff(self->client, FLIPCALL_OP_SEND_LAST, NB,
				       0, NULL));
	EXPECT_EQ(-EPROTO, fct_handoff(self->client, FLIPCALL_OP_CONNECT, NB,
				       0, NULL));
}

TEST_F(conn, server_send_last_ends_the_server)
{
	uint32_t got = 1;

	open_with_server_active(_metadata, self, 3);
	EXPECT_EQ(0, fct_handoff(self->server, FLIPCALL_OP_SEND_LAST, 0, 4,
				 &got));
	EXPECT_EQ(0, got);
	EXPECT_EQ(0, fct_handoff(self->client, FLIPCALL_OP_CONNECT, NB, 0, &got));
	EXPECT_EQ(4, got);
	EXPECT_EQ(-EPROTO, fct_handoff(self->server, FLIPCALL_OP_SEND_RECV, NB,
				       0, NULL));
	EXPECT_EQ(-EPROTO, fct_handoff(self->server, FLIPCALL_OP_RECV_FIRST, NB,
				       0, NULL));
}

TEST_F(conn, after_send_last_shutdown_and_info_still_work)
{
	struct flipcall_endpoint_info info;

	open_with_client_active(_metadata, self);
	ASSERT_EQ(0, fct_handoff(self->client, FLIPCALL_OP_SEND_LAST, 0, 0,
				 NULL));
	EXPECT_EQ(0, fct_info(self->client, &info));
	EXPECT_EQ(FLIPCALL_STATE_SERVER_ACTIVE, info.state);
	EXPECT_EQ(0, fct_shutdown(self->client));
	EXPECT_EQ(0, fct_info(self->client, &info));
	EXPECT_EQ(FLIPCALL_END_SHUTDOWN_CLIENT, info.end_reason);
}

/* --- data and lengths --- */

static void exchange(struct __test_metadata *_metadata,
		     FIXTURE_DATA(conn) *self, uint32_t request, uint32_t reply)
{
	uint32_t got;

	fct_fill(FCT_DATA(self->cwin), request, request);
	ASSERT_EQ(-EAGAIN, fct_handoff(self->client, FLIPCALL_OP_CONNECT, NB,
				       request, NULL));
	ASSERT_EQ(0, fct_handoff_timed(self->server, FLIPCALL_OP_RECV_FIRST, 0,
				       &got, FCT_WAIT_MS));
	EXPECT_EQ(request, got);
	EXPECT_EQ(FLIPCALL_STATE_SERVER_ACTIVE, FCT_HDR(self->swin)->state);
	EXPECT_EQ(request, FCT_HDR(self->swin)->data_len);
	EXPECT_TRUE(fct_check_fill(FCT_DATA(self->swin), request, request));

	fct_fill(FCT_DATA(self->swin), reply, ~reply);
	ASSERT_EQ(-EAGAIN, fct_handoff(self->server, FLIPCALL_OP_SEND_RECV, NB,
				       reply, NULL));
	ASSERT_EQ(0, fct_handoff_timed(self->client, FLIPCALL_OP_CONNECT, 0,
				       &got, FCT_WAIT_MS));
	EXPECT_EQ(reply, got);
	EXPECT_EQ(FLIPCALL_STATE_CLIENT_ACTIVE, FCT_HDR(self->cwin)->state);
	EXPECT_EQ(reply, FCT_HDR(self->cwin)->data_len);
	EXPECT_TRUE(fct_check_fill(FCT_DATA(self->cwin), reply, ~reply));
}

TEST_F(conn, empty_messages_cross)
{
	exchange(_metadata, self, 0, 0);
}

TEST_F(conn, one_byte_messages_cross)
{
	exchange(_metadata, self, 1, 1);
}

TEST_F(conn, full_capacity_messages_cross)
{
	exchange(_metadata, self, CAPACITY, CAPACITY);
}

TEST_F(conn, unequal_lengths_cross)
{
	exchange(_metadata, self, 100, 3000);
}

/* The receiver gets the kernel's length even if the sender rewrites the header. */
TEST_F(conn, recv_len_ignores_header_rewrite)
{
	uint32_t got;

	ASSERT_EQ(-EAGAIN, fct_handoff(self->client, FLIPCALL_OP_CONNECT, NB, 10,
				       NULL));
	FCT_HDR(self->cwin)->data_len = 0xffffffff;
	FCT_HDR(self->cwin)->state = FLIPCALL_STATE_CLIENT_ACTIVE;
	ASSERT_EQ(0, fct_handoff(self->server, FLIPCALL_OP_RECV_FIRST, NB, 0,
				 &got));
	EXPECT_EQ(10, got);
}

TEST_F(conn, many_round_trips_keep_lengths)
{
	uint32_t got, i;

	open_with_client_active(_metadata, self);
	/* The server's SEND_RECV from the setup is pending. */
	for (i = 0; i < 50; i++) {
		uint32_t len = (i * 977) % (CAPACITY + 1);

		ASSERT_EQ(-EAGAIN, fct_handoff(self->client,
					       FLIPCALL_OP_SEND_RECV, NB, len,
					       NULL));
		ASSERT_EQ(0, fct_handoff(self->server, FLIPCALL_OP_SEND_RECV,
					 NB, 0, &got)) TH_LOG("round %u", i);
		ASSERT_EQ(len, got);
		ASSERT_EQ(-EAGAIN, fct_handoff(self->server,
					       FLIPCALL_OP_SEND_RECV, NB,
					       CAPACITY - len, NULL));
		ASSERT_EQ(0, fct_handoff(self->client, FLIPCALL_OP_SEND_RECV,
					 NB, 0, &got));
		ASSERT_EQ(CAPACITY - len, got);
	}
}

/* --- pending hand-offs resume without sending again --- */

TEST_F(conn, pending_connect_resumes_without_resending)
{
	uint64_t handoffs;
	uint32_t got;

	ASSERT_EQ(-EAGAIN, fct_handoff(self->client, FLIPCALL_OP_CONNECT, NB, 10,
				       NULL));
	/* send_len of a resumed call is ignored. */
	ASSERT_EQ(-EAGAIN, fct_handoff(self->client, FLIPCALL_OP_CONNECT, NB, 20,
				       NULL));
	ASSERT_EQ(0, fct_handoff(self->server, FLIPCALL_OP_RECV_FIRST, NB, 0,
				 &got));
	EXPECT_EQ(10, got);
	ASSERT_EQ(-EAGAIN, fct_handoff(self->server, FLIPCALL_OP_SEND_RECV, NB,
				       30, NULL));
	ASSERT_EQ(0, fct_handoff(self->client, FLIPCALL_OP_CONNECT, NB, 40,
				 &got));
	EXPECT_EQ(30, got);
	ASSERT_EQ(0, fct_fdinfo_u64(self->client, "flipcall-handoffs",
				    &handoffs));
	EXPECT_EQ(1, handoffs);
	/* And the next request is a new one, not the old one again. */
	ASSERT_EQ(-EAGAIN, fct_handoff(self->client, FLIPCALL_OP_SEND_RECV, NB,
				       50, NULL));
	ASSERT_EQ(0, fct_handoff(self->server, FLIPCALL_OP_SEND_RECV, NB, 0,
				 &got));
	EXPECT_EQ(50, got);
}

TEST_F(conn, nonblock_recv_first_without_client_is_eagain)
{
	EXPECT_EQ(-EAGAIN, fct_handoff(self->server, FLIPCALL_OP_RECV_FIRST, NB,
				       0, NULL));
}

/* O_NONBLOCK set by fcntl counts like FLIPCALL_HANDOFF_NONBLOCK. */
TEST_F(conn, fcntl_nonblock_recv_first_is_eagain)
{
	ASSERT_EQ(0, fcntl(self->server, F_SETFL, O_NONBLOCK));
	EXPECT_EQ(-EAGAIN, fct_handoff_timed(self->server,
					     FLIPCALL_OP_RECV_FIRST, 0, NULL,
					     2000));
}

/* A resumed wait sends nothing, so its send_len is not even checked. */
TEST_F(conn, resumed_connect_ignores_oversized_send_len)
{
	uint32_t got;

	ASSERT_EQ(-EAGAIN, fct_handoff(self->client, FLIPCALL_OP_CONNECT, NB, 3,
				       NULL));
	EXPECT_EQ(-EAGAIN, fct_handoff(self->client, FLIPCALL_OP_CONNECT, NB,
				       CAPACITY + 1, NULL));
	ASSERT_EQ(0, fct_handoff(self->server, FLIPCALL_OP_RECV_FIRST, NB, 0,
				 &got));
	EXPECT_EQ(3, got);
}

/* Control arrived before the client closed: the datagram is not lost. */
TEST_F(conn, recv_first_after_client_connected_and_closed_completes)
{
	uint32_t got = 0;

	ASSERT_EQ(-EAGAIN, fct_handoff(self->client, FLIPCALL_OP_CONNECT, NB, 7,
				       NULL));
	munmap(self->cwin, WINDOW_LEN);
	self->cwin = MAP_FAILED;
	close(self->client);
	self->client = -1;
	EXPECT_EQ(0, fct_handoff(self->server, FLIPCALL_OP_RECV_FIRST, NB, 0,
				 &got));
	EXPECT_EQ(7, got);
	/* Then the ending shows. */
	EXPECT_EQ(-ECONNRESET, fct_handoff(self->server, FLIPCALL_OP_SEND_RECV,
					   NB, 0, NULL));
}

TEST_F(conn, nonblock_eagain_then_poll_then_collect)
{
	struct pollfd pfd = { .fd = self->client, .events = POLLIN };
	uint32_t got;

	ASSERT_EQ(-EAGAIN, fct_handoff(self->client, FLIPCALL_OP_CONNECT, NB, 5,
				       NULL));
	EXPECT_EQ(0, poll(&pfd, 1, 0));
	ASSERT_EQ(0, fct_handoff(self->server, FLIPCALL_OP_RECV_FIRST, NB, 0,
				 &got));
	EXPECT_EQ(-EAGAIN, fct_handoff(self->client, FLIPCALL_OP_CONNECT, NB, 0,
				       NULL));
	ASSERT_EQ(-EAGAIN, fct_handoff(self->server, FLIPCALL_OP_SEND_RECV, NB,
				       6, NULL));
	ASSERT_EQ(1, poll(&pfd, 1, FCT_WAIT_MS));
	EXPECT_EQ(POLLIN, pfd.revents & POLLIN);
	ASSERT_EQ(0, fct_handoff(self->client, FLIPCALL_OP_CONNECT, NB, 0,
				 &got));
	EXPECT_EQ(6, got);
}

TEST_F(conn, nonblock_send_last_does_not_wait)
{
	open_with_client_active(_metadata, self);
	EXPECT_EQ(0, fct_handoff(self->client, FLIPCALL_OP_SEND_LAST, NB, 0,
				 NULL));
}

/* --- blocking hand-offs between threads --- */

/*
 * fdinfo counters: exact hand-offs, at least @min_sleeps sleeps; a sleeping
 * peer must have been woken, and same-CPU wakes are a subset of wakes.
 */
static void expect_counters(struct __test_metadata *_metadata, int fd,
			    uint64_t handoffs, uint64_t min_sleeps)
{
	uint64_t value, wakes;

	ASSERT_EQ(0, fct_fdinfo_u64(fd, "flipcall-handoffs", &value));
	EXPECT_EQ(handoffs, value);
	ASSERT_EQ(0, fct_fdinfo_u64(fd, "flipcall-sleeps", &value));
	EXPECT_LE(min_sleeps, value);
	ASSERT_EQ(0, fct_fdinfo_u64(fd, "flipcall-wakes", &wakes));
	EXPECT_GE(handoffs, wakes);
	ASSERT_EQ(0, fct_fdinfo_u64(fd, "flipcall-wakes-same-cpu", &value));
	EXPECT_GE(wakes, value);
}

TEST_F(conn, blocking_connect_wakes_on_reply)
{
	struct fct_async async;
	uint64_t wakes;
	uint32_t got;

	fct_fill(FCT_DATA(self->cwin), 77, 1);
	ASSERT_EQ(0, fct_async_start(&async, self->client, FLIPCALL_OP_CONNECT,
				     77));
	ASSERT_EQ(0, fct_handoff_timed(self->server, FLIPCALL_OP_RECV_FIRST, 0,
				       &got, FCT_WAIT_MS));
	EXPECT_EQ(77, got);
	EXPECT_TRUE(fct_check_fill(FCT_DATA(self->swin), 77, 1));
	ASSERT_EQ(0, fct_async_wait_blocked(&async));
	EXPECT_FALSE(fct_async_finished(&async, 0));
	ASSERT_EQ(-EAGAIN, fct_handoff(self->server, FLIPCALL_OP_SEND_RECV, NB,
				       88, NULL));
	ASSERT_EQ(0, fct_async_join(&async));
	EXPECT_EQ(88, async.recv_len);
	expect_counters(_metadata, self->client, 1, 1);
	expect_counters(_metadata, self->server, 1, 0);
	/* The client was asleep: the server's hand-off had to wake it. */
	ASSERT_EQ(0, fct_fdinfo_u64(self->server, "flipcall-wakes", &wakes));
	EXPECT_EQ(1, wakes);
}

TEST_F(conn, blocking_recv_first_wakes_on_connect)
{
	struct fct_async async;

	ASSERT_EQ(0, fct_async_start(&async, self->server,
				     FLIPCALL_OP_RECV_FIRST, 0));
	ASSERT_EQ(0, fct_async_wait_blocked(&async));
	EXPECT_FALSE(fct_async_finished(&async, 0));
	ASSERT_EQ(-EAGAIN, fct_handoff(self->client, FLIPCALL_OP_CONNECT, NB,
				       CAPACITY, NULL));
	ASSERT_EQ(0, fct_async_join(&async));
	EXPECT_EQ(CAPACITY, async.recv_len);
}

/* --- a second thread on a busy endpoint --- */

TEST_F(conn, second_thread_on_blocked_client_is_ebusy)
{
	struct fct_async async;
	uint32_t got;

	ASSERT_EQ(0, fct_async_start(&async, self->client, FLIPCALL_OP_CONNECT,
				     11));
	ASSERT_EQ(0, fct_async_wait_blocked(&async));
	EXPECT_EQ(-EBUSY, fct_handoff(self->client, FLIPCALL_OP_CONNECT, NB, 12,
				      NULL));
	EXPECT_EQ(-EBUSY, fct_handoff(self->client, FLIPCALL_OP_SEND_RECV, NB,
				      13, NULL));
	/* The first call is unaffected and still blocked. */
	EXPECT_FALSE(fct_async_finished(&async, 0));
	ASSERT_EQ(0, fct_handoff(self->server, FLIPCALL_OP_RECV_FIRST, NB, 0,
				 &got));
	EXPECT_EQ(11, got);
	ASSERT_EQ(-EAGAIN, fct_handoff(self->server, FLIPCALL_OP_SEND_RECV, NB,
				       14, NULL));
	ASSERT_EQ(0, fct_async_join(&async));
	EXPECT_EQ(14, async.recv_len);
	/* State intact: the next round trip works. */
	ASSERT_EQ(-EAGAIN, fct_handoff(self->client, FLIPCALL_OP_SEND_RECV, NB,
				       15, NULL));
	ASSERT_EQ(0, fct_handoff(self->server, FLIPCALL_OP_SEND_RECV, NB, 0,
				 &got));
	EXPECT_EQ(15, got);
}

TEST_F(conn, second_thread_on_blocked_server_is_ebusy)
{
	struct fct_async async;

	ASSERT_EQ(0, fct_async_start(&async, self->server,
				     FLIPCALL_OP_RECV_FIRST, 0));
	ASSERT_EQ(0, fct_async_wait_blocked(&async));
	EXPECT_EQ(-EBUSY, fct_handoff(self->server, FLIPCALL_OP_RECV_FIRST, NB,
				      0, NULL));
	ASSERT_EQ(-EAGAIN, fct_handoff(self->client, FLIPCALL_OP_CONNECT, NB, 21,
				       NULL));
	ASSERT_EQ(0, fct_async_join(&async));
	EXPECT_EQ(21, async.recv_len);
}

/* --- interrupted waits --- */

static volatile sig_atomic_t usr1_count;

static void count_usr1(int sig)
{
	usr1_count++;
}

static void catch_usr1(struct __test_metadata *_metadata, int flags)
{
	struct sigaction sa = { .sa_handler = count_usr1, .sa_flags = flags };

	usr1_count = 0;
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
}

struct interrupter {
	pthread_t thread;
	pthread_t target;
	pid_t target_tid;
	int reply_fd;		/* >= 0: hand back reply_len once restarted */
	uint32_t reply_len;
	int ret;
};

static int wait_handled(void)
{
	struct timespec pause = { .tv_nsec = 1000000 };
	int waited;

	for (waited = 0; waited < FCT_WAIT_MS && !usr1_count; waited++)
		nanosleep(&pause, NULL);
	return usr1_count ? 0 : -ETIME;
}

/*
 * Signal the target once it sleeps. With a reply to give, wait until the
 * handler ran and the target sleeps again, then hand back to it.
 */
static void *interrupt_main(void *arg)
{
	struct interrupter *in = arg;

	in->ret = fct_wait_sleeping(in->target_tid, FCT_WAIT_MS);
	if (!in->ret)
		in->ret = -pthread_kill(in->target, SIGUSR1);
	if (in->ret || in->reply_fd < 0)
		return NULL;
	in->ret = wait_handled();
	if (!in->ret)
		in->ret = fct_wait_sleeping(in->target_tid, FCT_WAIT_MS);
	if (!in->ret)
		in->ret = fct_handoff(in->reply_fd, FLIPCALL_OP_SEND_RECV,
				      NB, in->reply_len, NULL);
	return NULL;
}

static void start_interrupter(struct __test_metadata *_metadata,
			      struct interrupter *in, int reply_fd,
			      uint32_t reply_len)
{
	in->target = pthread_self();
	in->target_tid = fct_gettid();
	in->reply_fd = reply_fd;
	in->reply_len = reply_len;
	ASSERT_EQ(0, pthread_create(&in->thread, NULL, interrupt_main, in));
}

TEST_F(conn, signal_without_restart_is_eintr_then_resumes_once)
{
	struct interrupter in;
	uint64_t handoffs;
	uint32_t got;

	catch_usr1(_metadata, 0);
	start_interrupter(_metadata, &in, -1, 0);
	EXPECT_EQ(-EINTR, fct_handoff_timed(self->client, FLIPCALL_OP_CONNECT,
					    31, &got, FCT_WAIT_MS));
	pthread_join(in.thread, NULL);
	ASSERT_EQ(0, in.ret);
	EXPECT_EQ(1, usr1_count);
	/* The hand-off was made before the signal, exactly once. */
	ASSERT_EQ(0, fct_handoff(self->server, FLIPCALL_OP_RECV_FIRST, NB, 0,
				 &got));
	EXPECT_EQ(31, got);
	ASSERT_EQ(-EAGAIN, fct_handoff(self->server, FLIPCALL_OP_SEND_RECV, NB,
				       32, NULL));
	ASSERT_EQ(0, fct_handoff_timed(self->client, FLIPCALL_OP_CONNECT, 99,
				       &got, FCT_WAIT_MS));
	EXPECT_EQ(32, got);
	ASSERT_EQ(0, fct_fdinfo_u64(self->client, "flipcall-handoffs",
				    &handoffs));
	EXPECT_EQ(1, handoffs);
	/* The server has nothing more from the client. */
	EXPECT_EQ(-EAGAIN, fct_handoff(self->server, FLIPCALL_OP_SEND_RECV, NB,
				       0, NULL));
}

TEST_F(conn, signal_with_sa_restart_is_transparent)
{
	struct interrupter in;
	uint32_t got;

	catch_usr1(_metadata, SA_RESTART);
	start_interrupter(_metadata, &in, -1, 0);
	/* Nobody replies: the restarted wait ends only by the watchdog. */
	EXPECT_EQ(-ETIME, fct_handoff_timed(self->client, FLIPCALL_OP_CONNECT,
					    41, &got, 1500));
	pthread_join(in.thread, NULL);
	ASSERT_EQ(0, in.ret);
	EXPECT_EQ(1, usr1_count);
	ASSERT_EQ(0, fct_handoff(self->server, FLIPCALL_OP_RECV_FIRST, NB, 0,
				 &got));
	EXPECT_EQ(41, got);
	EXPECT_EQ(-EAGAIN, fct_handoff(self->server, FLIPCALL_OP_SEND_RECV, NB,
				       42, NULL));
	ASSERT_EQ(0, fct_handoff(self->client, FLIPCALL_OP_CONNECT, NB, 0, &got));
	EXPECT_EQ(42, got);
}

/* With SA_RESTART the caller sees only the reply, once. */
TEST_F(conn, restarted_wait_returns_the_reply_once)
{
	struct interrupter in;
	uint32_t got = 0;

	catch_usr1(_metadata, SA_RESTART);
	open_with_server_active(_metadata, self, 51);
	start_interrupter(_metadata, &in, self->server, 52);
	EXPECT_EQ(0, fct_handoff_timed(self->client, FLIPCALL_OP_CONNECT, 0,
				       &got, FCT_WAIT_MS));
	pthread_join(in.thread, NULL);
	EXPECT_EQ(-EAGAIN, in.ret);
	EXPECT_EQ(52, got);
	EXPECT_EQ(1, usr1_count);
	/* Nothing more is waiting for the client, nor for the server. */
	EXPECT_EQ(-EPROTO, fct_handoff(self->client, FLIPCALL_OP_CONNECT, NB, 0,
				       NULL));
	EXPECT_EQ(-EAGAIN, fct_handoff(self->server, FLIPCALL_OP_SEND_RECV, NB,
				       0, NULL));
}

TEST_F(conn, signal_during_recv_first_is_eintr_then_resumes)
{
	struct interrupter in;
	uint32_t got;

	catch_usr1(_metadata, 0);
	start_interrupter(_metadata, &in, -1, 0);
	EXPECT_EQ(-EINTR, fct_handoff_timed(self->server, FLIPCALL_OP_RECV_FIRST,
					    0, &got, FCT_WAIT_MS));
	pthread_join(in.thread, NULL);
	ASSERT_EQ(0, in.ret);
	EXPECT_EQ(-EPROTO, fct_handoff(self->server, FLIPCALL_OP_SEND_RECV, NB,
				       0, NULL));
	ASSERT_EQ(-EAGAIN, fct_handoff(self->client, FLIPCALL_OP_CONNECT, NB, 61,
				       NULL));
	ASSERT_EQ(0, fct_handoff_timed(self->server, FLIPCALL_OP_RECV_FIRST, 0,
				       &got, FCT_WAIT_MS));
	EXPECT_EQ(61, got);
}

TEST_F(conn, signal_during_send_recv_is_eintr_then_resumes)
{
	struct interrupter in;
	uint32_t got;

	open_with_client_active(_metadata, self);
	catch_usr1(_metadata, 0);
	start_interrupter(_metadata, &in, -1, 0);
	EXPECT_EQ(-EINTR, fct_handoff_timed(self->client, FLIPCALL_OP_SEND_RECV,
					    71, &got, FCT_WAIT_MS));
	pthread_join(in.thread, NULL);
	ASSERT_EQ(0, in.ret);
	/* The server's pending SEND_RECV collects the one request. */
	ASSERT_EQ(0, fct_handoff(self->server, FLIPCALL_OP_SEND_RECV, NB, 0,
				 &got));
	EXPECT_EQ(71, got);
	ASSERT_EQ(-EAGAIN, fct_handoff(self->server, FLIPCALL_OP_SEND_RECV, NB,
				       73, NULL));
	ASSERT_EQ(0, fct_handoff_timed(self->client, FLIPCALL_OP_SEND_RECV, 0,
				       &got, FCT_WAIT_MS));
	EXPECT_EQ(73, got);
}

/* --- spinning connections behave the same --- */

TEST(spin_connection_crosses_data)
{
	struct flipcall_create c;
	struct fct_async async;
	int ctl;
	uint32_t got;

	FCT_ASSERT_OPEN_CTL(ctl);
	ASSERT_EQ(0, fct_create(ctl, FCT_PAGE, FLIPCALL_CREATE_SPIN, &c));
	ASSERT_EQ(0, fct_async_start(&async, c.server_fd,
				     FLIPCALL_OP_RECV_FIRST, 0));
	ASSERT_EQ(-EAGAIN, fct_handoff(c.client_fd, FLIPCALL_OP_CONNECT, NB, 8,
				       NULL));
	ASSERT_EQ(0, fct_async_join(&async));
	EXPECT_EQ(8, async.recv_len);
	ASSERT_EQ(0, fct_async_start(&async, c.client_fd, FLIPCALL_OP_CONNECT,
				     0));
	ASSERT_EQ(-EAGAIN, fct_handoff(c.server_fd, FLIPCALL_OP_SEND_RECV, NB, 9,
				       &got));
	ASSERT_EQ(0, fct_async_join(&async));
	EXPECT_EQ(9, async.recv_len);
	close(c.client_fd);
	close(c.server_fd);
	close(ctl);
}

TEST_HARNESS_MAIN
