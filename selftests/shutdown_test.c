// SPDX-License-Identifier: GPL-2.0
/*
 * Ending a connection at every point of the protocol, every way: the table
 * is point x ending. The test process is the side left waiting at the
 * point; a forked peer drives the protocol there and then ends it. The
 * waiter must come back promptly with ESHUTDOWN (shutdown by either side)
 * or ECONNRESET (peer endpoint released), and keep failing the same way.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "flipcall_test.h"
#include "kselftest_harness.h"

enum point {
	CLIENT_CONNECT,		/* client waits in CONNECT for the reply */
	SERVER_RECV_FIRST,	/* server waits in RECV_FIRST for a client */
	CLIENT_SEND_RECV,	/* client waits in SEND_RECV for the reply */
	SERVER_SEND_RECV,	/* server waits in SEND_RECV for the next call */
	AFTER_SEND_LAST,	/* server waits in SEND_RECV on a client that
				 * already sent its last message
				 */
};

enum ending {
	SHUTDOWN_WAITER,	/* SHUTDOWN on the waiting endpoint (other task) */
	SHUTDOWN_PEER,		/* SHUTDOWN on the peer endpoint */
	CLOSE_PEER,		/* the peer closes its endpoint and lives on */
	KILL_PEER,		/* the peer process is SIGKILLed */
};

#define REQUEST_LEN	10
#define REPLY_LEN	20

FIXTURE(ending) {
	int ctl;
	int waiter;		/* the test's endpoint */
	int peer;		/* the forked peer's endpoint */
	bool waiter_is_client;
	unsigned char *win;
};

FIXTURE_VARIANT(ending) {
	enum point point;
	enum ending ending;
};

/* Variant names: <point>__<ending>, e.g. client_connect__kill_peer. */
#define ENDING_VARIANT(pname, p, ename, e)		\
FIXTURE_VARIANT_ADD(ending, pname##__##ename) {		\
	.point = p,					\
	.ending = e,					\
}

#define ENDING_VARIANTS(pname, p)					\
	ENDING_VARIANT(pname, p, shutdown_waiter, SHUTDOWN_WAITER);	\
	ENDING_VARIANT(pname, p, shutdown_peer, SHUTDOWN_PEER);	\
	ENDING_VARIANT(pname, p, close_peer, CLOSE_PEER);		\
	ENDING_VARIANT(pname, p, kill_peer, KILL_PEER)

ENDING_VARIANTS(client_connect, CLIENT_CONNECT);
ENDING_VARIANTS(server_recv_first, SERVER_RECV_FIRST);
ENDING_VARIANTS(client_send_recv, CLIENT_SEND_RECV);
ENDING_VARIANTS(server_send_recv, SERVER_SEND_RECV);
ENDING_VARIANTS(after_send_last, AFTER_SEND_LAST);

FIXTURE_SETUP(ending)
{
	struct flipcall_create c;

	FCT_ASSERT_OPEN_CTL(self->ctl);
	ASSERT_EQ(0, fct_create(self->ctl, FCT_PAGE, 0, &c));
	self->waiter_is_client = variant->point == CLIENT_CONNECT ||
				 variant->point == CLIENT_SEND_RECV;
	self->waiter = self->waiter_is_client ? c.client_fd : c.server_fd;
	self->peer = self->waiter_is_client ? c.server_fd : c.client_fd;
	self->win = fct_map(self->waiter, FCT_PAGE, 0);
	ASSERT_NE(MAP_FAILED, self->win);
}

FIXTURE_TEARDOWN(ending)
{
	munmap(self->win, FCT_PAGE);
	close(self->waiter);
	if (self->peer >= 0)
		close(self->peer);
	close(self->ctl);
}

static int timed(int fd, uint32_t op, uint32_t len, uint32_t *got)
{
	return fct_handoff_timed(fd, op, len, got, FCT_WAIT_MS);
}

/* The peer's moves up to @point; returns non-zero on a protocol error. */
static int peer_reach(enum point point, int peer)
{
	uint32_t got;

	switch (point) {
	case CLIENT_CONNECT:
		return timed(peer, FLIPCALL_OP_RECV_FIRST, 0, &got);
	case SERVER_RECV_FIRST:
		return 0;
	case CLIENT_SEND_RECV:
		if (timed(peer, FLIPCALL_OP_RECV_FIRST, 0, &got))
			return 1;
		return timed(peer, FLIPCALL_OP_SEND_RECV, REPLY_LEN, &got);
	case SERVER_SEND_RECV:
		return timed(peer, FLIPCALL_OP_CONNECT, REQUEST_LEN, &got);
	case AFTER_SEND_LAST:
		if (timed(peer, FLIPCALL_OP_CONNECT, REQUEST_LEN, &got))
			return 1;
		return fct_handoff(peer, FLIPCALL_OP_SEND_LAST, 0, REQUEST_LEN,
				   NULL);
	}
	return 1;
}

/* The waiter's moves before its final, blocking call at @point. */
static int waiter_reach(enum point point, int waiter)
{
	uint32_t got;

	switch (point) {
	case CLIENT_CONNECT:
	case SERVER_RECV_FIRST:
		return 0;
	case CLIENT_SEND_RECV:
		return timed(waiter, FLIPCALL_OP_CONNECT, REQUEST_LEN, &got);
	case SERVER_SEND_RECV:
		return timed(waiter, FLIPCALL_OP_RECV_FIRST, 0, &got);
	case AFTER_SEND_LAST:
		if (timed(waiter, FLIPCALL_OP_RECV_FIRST, 0, &got))
			return 1;
		return timed(waiter, FLIPCALL_OP_SEND_RECV, REPLY_LEN, &got);
	}
	return 1;
}

static uint32_t final_op(enum point point)
{
	switch (point) {
	case CLIENT_CONNECT:
		return FLIPCALL_OP_CONNECT;
	case SERVER_RECV_FIRST:
		return FLIPCALL_OP_RECV_FIRST;
	default:
		return FLIPCALL_OP_SEND_RECV;
	}
}

/* RECV_FIRST sends nothing; the others send a byte. */
static uint32_t final_send_len(enum point point)
{
	return point == SERVER_RECV_FIRST ? 0 : 1;
}

/*
 * The forked peer: reach the point, wait until the waiter sleeps in its
 * final call, end the connection. Exit status names a failed step.
 */
static int run_peer(FIXTURE_DATA(ending) *self,
		    const FIXTURE_VARIANT(ending) *variant,
		    int ready_fd, int done_fd)
{
	if (variant->ending != SHUTDOWN_WAITER)
		close(self->waiter);
	if (peer_reach(variant->point, self->peer))
		return 10;
	if (fct_expect(ready_fd, FCT_WAIT_MS, NULL))
		return 11;
	if (fct_wait_sleeping(getppid(), FCT_WAIT_MS))
		return 12;
	switch (variant->ending) {
	case SHUTDOWN_WAITER:
		if (fct_shutdown(self->waiter))
			return 13;
		break;
	case SHUTDOWN_PEER:
		if (fct_shutdown(self->peer))
			return 14;
		/* The ender's own endpoint fails the same way. */
		if (fct_handoff(self->peer, FLIPCALL_OP_SEND_RECV, 0, 0,
				NULL) != -ESHUTDOWN)
			return 15;
		break;
	case CLOSE_PEER:
		close(self->peer);
		break;
	case KILL_PEER:
		kill(getpid(), SIGKILL);
		return 16;
	}
	/* Stay alive until the waiter has checked everything. */
	fct_expect(done_fd, FCT_WAIT_MS, NULL);
	return 0;
}

static uint32_t expected_end(bool waiter_is_client, enum ending ending)
{
	switch (ending) {
	case SHUTDOWN_WAITER:
		return waiter_is_client ? FLIPCALL_END_SHUTDOWN_CLIENT :
					  FLIPCALL_END_SHUTDOWN_SERVER;
	case SHUTDOWN_PEER:
		return waiter_is_client ? FLIPCALL_END_SHUTDOWN_SERVER :
					  FLIPCALL_END_SHUTDOWN_CLIENT;
	default:
		return waiter_is_client ? FLIPCALL_END_SERVER_GONE :
					  FLIPCALL_END_CLIENT_GONE;
	}
}

TEST_F_TIMEOUT(ending, wakes_waiter_and_sticks, 60)
{
	bool shutdown = variant->ending == SHUTDOWN_WAITER ||
			variant->ending == SHUTDOWN_PEER;
	int err = shutdown ? -ESHUTDOWN : -ECONNRESET;
	short hup = shutdown ? POLLHUP : POLLHUP | POLLERR;
	struct pollfd pfd = { .fd = self->waiter, .events = POLLIN };
	struct flipcall_endpoint_info info;
	int ready[2], done[2], status;
	uint32_t got;
	pid_t pid;

	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(done));
	pid = fct_fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(ready[1]);
		close(done[1]);
		_exit(run_peer(self, variant, ready[0], done[0]));
	}
	close(ready[0]);
	close(done[0]);
	close(self->peer);
	self->peer = -1;

	ASSERT_EQ(0, waiter_reach(variant->point, self->waiter));
	ASSERT_EQ(0, fct_notify(ready[1], 'r'));
	EXPECT_EQ(err, timed(self->waiter, final_op(variant->point),
			     final_send_len(variant->point), &got));

	/* Every later call fails the same way, and the state says why. */
	EXPECT_EQ(err, fct_handoff(self->waiter, FLIPCALL_OP_SEND_RECV, 0, 0,
				   NULL));
	EXPECT_EQ(err, fct_handoff(self->waiter, final_op(variant->point),
				   FLIPCALL_HANDOFF_NONBLOCK, 0, NULL));
	ASSERT_EQ(0, fct_info(self->waiter, &info));
	EXPECT_EQ(expected_end(self->waiter_is_client, variant->ending),
		  info.end_reason);
	EXPECT_EQ(FLIPCALL_STATE_SHUTDOWN, info.state);
	if (shutdown)
		EXPECT_EQ(FLIPCALL_STATE_SHUTDOWN, FCT_HDR(self->win)->state);
	ASSERT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(hup, pfd.revents & (POLLHUP | POLLERR));
	EXPECT_EQ(0, fct_shutdown(self->waiter));

	close(done[1]);
	ASSERT_EQ(0, fct_wait_child(pid, FCT_WAIT_MS, &status));
	if (variant->ending == KILL_PEER) {
		EXPECT_TRUE(WIFSIGNALED(status));
	} else {
		EXPECT_TRUE(WIFEXITED(status));
		EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("peer step failed");
	}
	close(ready[1]);
}

/* --- endings before any call, and which ending wins --- */

FIXTURE(ended) {
	int ctl;
	struct flipcall_create conn;
};

FIXTURE_SETUP(ended)
{
	FCT_ASSERT_OPEN_CTL(self->ctl);
	ASSERT_EQ(0, fct_create(self->ctl, FCT_PAGE, 0, &self->conn));
}

FIXTURE_TEARDOWN(ended)
{
	if (self->conn.client_fd >= 0)
		close(self->conn.client_fd);
	if (self->conn.server_fd >= 0)
		close(self->conn.server_fd);
	close(self->ctl);
}

static void close_server(FIXTURE_DATA(ended) *self)
{
	close(self->conn.server_fd);
	self->conn.server_fd = -1;
}

TEST_F(ended, connect_after_shutdown_is_eshutdown)
{
	ASSERT_EQ(0, fct_shutdown(self->conn.client_fd));
	EXPECT_EQ(-ESHUTDOWN, fct_handoff(self->conn.client_fd,
					  FLIPCALL_OP_CONNECT, 0, 0, NULL));
	EXPECT_EQ(-ESHUTDOWN, fct_handoff(self->conn.server_fd,
					  FLIPCALL_OP_RECV_FIRST, 0, 0, NULL));
}

TEST_F(ended, connect_after_server_closed_is_econnreset)
{
	close_server(self);
	EXPECT_EQ(-ECONNRESET, fct_handoff(self->conn.client_fd,
					   FLIPCALL_OP_CONNECT, 0, 0, NULL));
}

TEST_F(ended, recv_first_after_client_closed_is_econnreset)
{
	close(self->conn.client_fd);
	self->conn.client_fd = -1;
	EXPECT_EQ(-ECONNRESET, fct_handoff(self->conn.server_fd,
					   FLIPCALL_OP_RECV_FIRST, 0, 0, NULL));
}

/* An ended connection fails state checks with its errno, not EPROTO. */
TEST_F(ended, out_of_turn_after_shutdown_is_eshutdown)
{
	ASSERT_EQ(0, fct_shutdown(self->conn.server_fd));
	EXPECT_EQ(-ESHUTDOWN, fct_handoff(self->conn.client_fd,
					  FLIPCALL_OP_SEND_RECV, 0, 0, NULL));
}

TEST_F(ended, shutdown_is_idempotent)
{
	struct flipcall_endpoint_info info;

	EXPECT_EQ(0, fct_shutdown(self->conn.server_fd));
	EXPECT_EQ(0, fct_shutdown(self->conn.server_fd));
	EXPECT_EQ(0, fct_shutdown(self->conn.client_fd));
	ASSERT_EQ(0, fct_info(self->conn.client_fd, &info));
	EXPECT_EQ(FLIPCALL_END_SHUTDOWN_SERVER, info.end_reason);
}

TEST_F(ended, shutdown_then_close_stays_eshutdown)
{
	struct flipcall_endpoint_info info;

	ASSERT_EQ(0, fct_shutdown(self->conn.client_fd));
	close_server(self);
	EXPECT_EQ(-ESHUTDOWN, fct_handoff(self->conn.client_fd,
					  FLIPCALL_OP_CONNECT, 0, 0, NULL));
	ASSERT_EQ(0, fct_info(self->conn.client_fd, &info));
	EXPECT_EQ(FLIPCALL_END_SHUTDOWN_CLIENT, info.end_reason);
}

TEST_F(ended, close_then_shutdown_stays_econnreset)
{
	struct flipcall_endpoint_info info;

	close_server(self);
	EXPECT_EQ(0, fct_shutdown(self->conn.client_fd));
	EXPECT_EQ(-ECONNRESET, fct_handoff(self->conn.client_fd,
					   FLIPCALL_OP_CONNECT, 0, 0, NULL));
	ASSERT_EQ(0, fct_info(self->conn.client_fd, &info));
	EXPECT_EQ(FLIPCALL_END_SERVER_GONE, info.end_reason);
}

/* A pending hand-off collected after the ending reports the ending. */
TEST_F(ended, pending_nonblock_handoff_sees_shutdown)
{
	ASSERT_EQ(-EAGAIN, fct_handoff(self->conn.client_fd, FLIPCALL_OP_CONNECT,
				       FLIPCALL_HANDOFF_NONBLOCK, 0, NULL));
	ASSERT_EQ(0, fct_shutdown(self->conn.server_fd));
	EXPECT_EQ(-ESHUTDOWN, fct_handoff(self->conn.client_fd,
					  FLIPCALL_OP_CONNECT,
					  FLIPCALL_HANDOFF_NONBLOCK, 0, NULL));
}

/* SHUTDOWN from another thread of the waiter's own process wakes it. */
TEST_F(ended, shutdown_from_another_thread_wakes_blocked_client)
{
	struct fct_async async;

	ASSERT_EQ(0, fct_async_start(&async, self->conn.client_fd,
				     FLIPCALL_OP_CONNECT, 0));
	ASSERT_EQ(0, fct_async_wait_blocked(&async));
	ASSERT_EQ(0, fct_shutdown(self->conn.client_fd));
	EXPECT_EQ(-ESHUTDOWN, fct_async_join(&async));
}

/*
 * Control that came back before the ending still completes the wait:
 * a peer's last datagram is never lost to its close or shutdown.
 */
TEST_F(ended, send_last_then_close_delivers_last_datagram)
{
	struct flipcall_endpoint_info info;
	uint32_t got;

	ASSERT_EQ(-EAGAIN, fct_handoff(self->conn.client_fd, FLIPCALL_OP_CONNECT,
				       FLIPCALL_HANDOFF_NONBLOCK, 5, NULL));
	ASSERT_EQ(0, fct_handoff(self->conn.server_fd, FLIPCALL_OP_RECV_FIRST,
				 FLIPCALL_HANDOFF_NONBLOCK, 0, &got));
	ASSERT_EQ(0, fct_handoff(self->conn.server_fd, FLIPCALL_OP_SEND_LAST, 0,
				 7, NULL));
	close_server(self);
	EXPECT_EQ(0, fct_handoff(self->conn.client_fd, FLIPCALL_OP_CONNECT,
				 FLIPCALL_HANDOFF_NONBLOCK, 0, &got));
	EXPECT_EQ(7, got);
	EXPECT_EQ(-ECONNRESET, fct_handoff(self->conn.client_fd,
					   FLIPCALL_OP_SEND_RECV, 0, 0, NULL));
	ASSERT_EQ(0, fct_info(self->conn.client_fd, &info));
	EXPECT_EQ(FLIPCALL_END_SERVER_GONE, info.end_reason);
}

TEST_F(ended, blocked_waiter_gets_reply_sent_before_close)
{
	struct fct_async async;
	uint32_t got;

	ASSERT_EQ(0, fct_async_start(&async, self->conn.client_fd,
				     FLIPCALL_OP_CONNECT, 5));
	ASSERT_EQ(0, fct_handoff_timed(self->conn.server_fd,
				       FLIPCALL_OP_RECV_FIRST, 0, &got,
				       FCT_WAIT_MS));
	ASSERT_EQ(0, fct_handoff(self->conn.server_fd, FLIPCALL_OP_SEND_LAST, 0,
				 9, NULL));
	close_server(self);
	EXPECT_EQ(0, fct_async_join(&async));
	EXPECT_EQ(9, async.recv_len);
	EXPECT_EQ(-ECONNRESET, fct_handoff(self->conn.client_fd,
					   FLIPCALL_OP_SEND_RECV, 0, 0, NULL));
}

TEST_F(ended, reply_then_shutdown_delivers_reply)
{
	uint32_t got;

	ASSERT_EQ(-EAGAIN, fct_handoff(self->conn.client_fd, FLIPCALL_OP_CONNECT,
				       FLIPCALL_HANDOFF_NONBLOCK, 1, NULL));
	ASSERT_EQ(0, fct_handoff(self->conn.server_fd, FLIPCALL_OP_RECV_FIRST,
				 FLIPCALL_HANDOFF_NONBLOCK, 0, &got));
	ASSERT_EQ(-EAGAIN, fct_handoff(self->conn.server_fd,
				       FLIPCALL_OP_SEND_RECV,
				       FLIPCALL_HANDOFF_NONBLOCK, 3, NULL));
	ASSERT_EQ(0, fct_shutdown(self->conn.server_fd));
	EXPECT_EQ(0, fct_handoff(self->conn.client_fd, FLIPCALL_OP_CONNECT,
				 FLIPCALL_HANDOFF_NONBLOCK, 0, &got));
	EXPECT_EQ(3, got);
	EXPECT_EQ(-ESHUTDOWN, fct_handoff(self->conn.client_fd,
					  FLIPCALL_OP_SEND_RECV, 0, 0, NULL));
	/* The server's own wait never got control back: it sees the ending. */
	EXPECT_EQ(-ESHUTDOWN, fct_handoff(self->conn.server_fd,
					  FLIPCALL_OP_SEND_RECV,
					  FLIPCALL_HANDOFF_NONBLOCK, 0, NULL));
}

TEST_F(ended, header_state_after_shutdown)
{
	unsigned char *win = fct_map(self->conn.server_fd, FCT_PAGE, 0);

	ASSERT_NE(MAP_FAILED, win);
	ASSERT_EQ(0, fct_shutdown(self->conn.client_fd));
	EXPECT_EQ(FLIPCALL_STATE_SHUTDOWN, FCT_HDR(win)->state);
	munmap(win, FCT_PAGE);
}

TEST_HARNESS_MAIN
