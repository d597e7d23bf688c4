// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the hand-off state machine. The pure decision functions are
 * checked exhaustively against the table of Documentation/uapi.rst; real
 * connections are then driven through HANDOFF, non-blocking and with a
 * kthread peer sleeping and spinning.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/kthread.h>

#include "flipcall.h"

#define CLIENT	FLIPCALL_SIDE_CLIENT
#define SERVER	FLIPCALL_SIDE_SERVER
/* An endpoint's counter, as the observability interface reads it. */
#define STAT(ep, name)	flipcall_stat_read(&(ep)->stats.name)

static u32 cs_make(u32 active, u32 reason)
{
	return active | reason << FLIPCALL_CS_END_SHIFT;
}

static void handoff_check_each_errno(struct kunit *test)
{
	struct flipcall_handoff h;
	const u64 cap = 100;

	h = (struct flipcall_handoff){ .op = FLIPCALL_OP_SEND_RECV, .send_len = 100 };
	KUNIT_EXPECT_EQ(test, flipcall_handoff_check(&h, CLIENT), 0);
	KUNIT_EXPECT_EQ(test, flipcall_handoff_send_check(&h, cap), 0);
	h.recv_len = 12345;	/* ignored on input */
	KUNIT_EXPECT_EQ(test, flipcall_handoff_check(&h, SERVER), 0);

	h = (struct flipcall_handoff){ .op = 0 };
	KUNIT_EXPECT_EQ(test, flipcall_handoff_check(&h, CLIENT), -EINVAL);
	h.op = FLIPCALL_OP_SEND_LAST + 1;
	KUNIT_EXPECT_EQ(test, flipcall_handoff_check(&h, CLIENT), -EINVAL);

	h = (struct flipcall_handoff){ .op = FLIPCALL_OP_SEND_RECV, .flags = 2 };
	KUNIT_EXPECT_EQ(test, flipcall_handoff_check(&h, CLIENT), -EINVAL);

	h = (struct flipcall_handoff){ .op = FLIPCALL_OP_SEND_RECV, .reserved = 1 };
	KUNIT_EXPECT_EQ(test, flipcall_handoff_check(&h, CLIENT), -EINVAL);

	h = (struct flipcall_handoff){ .op = FLIPCALL_OP_CONNECT };
	KUNIT_EXPECT_EQ(test, flipcall_handoff_check(&h, SERVER), -EINVAL);
	KUNIT_EXPECT_EQ(test, flipcall_handoff_check(&h, CLIENT), 0);
	h.op = FLIPCALL_OP_RECV_FIRST;
	KUNIT_EXPECT_EQ(test, flipcall_handoff_check(&h, CLIENT), -EINVAL);
	KUNIT_EXPECT_EQ(test, flipcall_handoff_check(&h, SERVER), 0);
	KUNIT_EXPECT_EQ(test, flipcall_handoff_send_check(&h, cap), 0);

	h.send_len = 1;
	KUNIT_EXPECT_EQ(test, flipcall_handoff_send_check(&h, cap), -EINVAL);

	h = (struct flipcall_handoff){ .op = FLIPCALL_OP_SEND_LAST, .send_len = 101 };
	KUNIT_EXPECT_EQ(test, flipcall_handoff_send_check(&h, cap), -EMSGSIZE);
	h.send_len = U32_MAX;
	KUNIT_EXPECT_EQ(test, flipcall_handoff_send_check(&h, cap), -EMSGSIZE);
}

/* One row of the "State machine" table of Documentation/uapi.rst. */
struct step_rule {
	u32 phase;		/* phase the op is valid in */
	bool needs_control;
	bool pass;
	bool wait;
	u32 next_phase;
};

static const struct step_rule step_rules[] = {
	[FLIPCALL_OP_CONNECT] = {
		FLIPCALL_PHASE_NEW, true, true, true, FLIPCALL_PHASE_OPEN },
	[FLIPCALL_OP_RECV_FIRST] = {
		FLIPCALL_PHASE_NEW, false, false, true, FLIPCALL_PHASE_OPEN },
	[FLIPCALL_OP_SEND_RECV] = {
		FLIPCALL_PHASE_OPEN, true, true, true, FLIPCALL_PHASE_OPEN },
	[FLIPCALL_OP_SEND_LAST] = {
		FLIPCALL_PHASE_OPEN, true, true, false, FLIPCALL_PHASE_DONE },
};

/* The documented outcome, written independently of flipcall_handoff_step(). */
static struct flipcall_step expected_step(u32 active, u32 reason, u32 side,
					  u32 phase, u32 pending, u32 op)
{
	const struct step_rule *rule = &step_rules[op];
	int end_err = reason >= FLIPCALL_END_CLIENT_GONE ? -ECONNRESET :
		      -ESHUTDOWN;
	struct flipcall_step step = { .next_phase = FLIPCALL_PHASE_OPEN };

	if ((op == FLIPCALL_OP_CONNECT && side != CLIENT) ||
	    (op == FLIPCALL_OP_RECV_FIRST && side != SERVER))
		step.err = -EINVAL;
	else if (pending && reason && (op != pending || active != side))
		step.err = end_err;
	else if (pending && op != pending)
		step.err = -EPROTO;
	else if (pending)
		step.wait = true;
	else if (reason && !(op == FLIPCALL_OP_RECV_FIRST &&
			     phase == FLIPCALL_PHASE_NEW && active == side))
		step.err = end_err;
	else if (phase != rule->phase || (rule->needs_control && active != side))
		step.err = -EPROTO;
	else
		step = (struct flipcall_step){ .pass = rule->pass,
					       .wait = rule->wait,
					       .next_phase = rule->next_phase };
	return step;
}

static void step_matches_table_exhaustively(struct kunit *test)
{
	static const u32 pendings[] = {
		0, FLIPCALL_OP_CONNECT, FLIPCALL_OP_RECV_FIRST,
		FLIPCALL_OP_SEND_RECV,
	};
	u32 i, checked = 0;

	/* i enumerates every (active, reason, side, phase, pending, op). */
	for (i = 0; i < 2 * 5 * 2 * 3 * 4 * 4; i++) {
		u32 n = i, active, reason, side, phase, p, op;
		struct flipcall_step want, got;

		op = FLIPCALL_OP_CONNECT + n % 4;
		n /= 4;
		p = n % ARRAY_SIZE(pendings);
		n /= ARRAY_SIZE(pendings);
		phase = n % 3;
		n /= 3;
		side = n % 2;
		n /= 2;
		reason = n % 5;
		active = n / 5;

		want = expected_step(active, reason, side, phase, pendings[p], op);
		got = flipcall_handoff_step(cs_make(active, reason), side,
					    phase, pendings[p], op);
		KUNIT_EXPECT_EQ_MSG(test, got.err, want.err,
				    "active %u reason %u side %u phase %u pending %u op %u",
				    active, reason, side, phase, pendings[p], op);
		if (got.err) {
			/* A refused call must not touch the connection. */
			KUNIT_EXPECT_FALSE(test, got.pass);
			KUNIT_EXPECT_FALSE(test, got.wait);
			checked++;
			continue;
		}
		KUNIT_EXPECT_EQ_MSG(test, got.pass, want.pass,
				    "active %u reason %u side %u phase %u pending %u op %u",
				    active, reason, side, phase, pendings[p], op);
		KUNIT_EXPECT_EQ_MSG(test, got.wait, want.wait,
				    "active %u reason %u side %u phase %u pending %u op %u",
				    active, reason, side, phase, pendings[p], op);
		KUNIT_EXPECT_EQ(test, got.next_phase, want.next_phase);
		/* Only the side holding control of a live connection passes. */
		if (got.pass)
			KUNIT_EXPECT_TRUE(test, !reason && active == side &&
					  !pendings[p]);
		checked++;
	}
	KUNIT_EXPECT_EQ(test, checked, 2U * 5 * 2 * 3 * 4 * 4);
}

static void wait_result_all_states(struct kunit *test)
{
	u32 i;

	for (i = 0; i < 2 * 5 * 2; i++) {
		u32 side = i % 2, reason = i / 2 % 5, active = i / 10;
		int got = flipcall_wait_result(cs_make(active, reason), side);

		if (active == side)
			KUNIT_EXPECT_EQ(test, got, 0);
		else if (!reason)
			KUNIT_EXPECT_EQ(test, got, -EAGAIN);
		else
			KUNIT_EXPECT_EQ(test, got, flipcall_end_errno(reason));
	}
	KUNIT_EXPECT_EQ(test, flipcall_end_errno(FLIPCALL_END_NONE), 0);
	KUNIT_EXPECT_EQ(test, flipcall_end_errno(FLIPCALL_END_SHUTDOWN_CLIENT),
			-ESHUTDOWN);
	KUNIT_EXPECT_EQ(test, flipcall_end_errno(FLIPCALL_END_SHUTDOWN_SERVER),
			-ESHUTDOWN);
	KUNIT_EXPECT_EQ(test, flipcall_end_errno(FLIPCALL_END_CLIENT_GONE),
			-ECONNRESET);
	KUNIT_EXPECT_EQ(test, flipcall_end_errno(FLIPCALL_END_SERVER_GONE),
			-ECONNRESET);
}

static void first_ending_wins(struct kunit *test)
{
	u32 i, second;

	for (i = 0; i < 2 * 4; i++) {
		u32 active = i % 2, first = 1 + i / 2;
		u32 ended = flipcall_cs_ended(cs_make(active, 0), first);

		KUNIT_EXPECT_EQ(test, ended, cs_make(active, first));
		KUNIT_EXPECT_EQ(test, flipcall_info_state(ended),
				(u32)FLIPCALL_STATE_SHUTDOWN);
		for (second = 1; second <= FLIPCALL_END_SERVER_GONE; second++)
			KUNIT_EXPECT_EQ(test, flipcall_cs_ended(ended, second),
					ended);
	}
	KUNIT_EXPECT_EQ(test, flipcall_info_state(cs_make(CLIENT, 0)),
			(u32)FLIPCALL_STATE_CLIENT_ACTIVE);
	KUNIT_EXPECT_EQ(test, flipcall_info_state(cs_make(SERVER, 0)),
			(u32)FLIPCALL_STATE_SERVER_ACTIVE);
}

/* __poll_t is a sparse-restricted type; KUnit compares plain integers. */
static u32 poll_mask(u32 cs, u32 side)
{
	return (__force u32)flipcall_poll_mask(cs, side);
}

static void poll_mask_all_states(struct kunit *test)
{
	const u32 in = (__force u32)(EPOLLIN | EPOLLRDNORM);
	const u32 hup = (__force u32)EPOLLHUP;
	const u32 err = (__force u32)EPOLLERR;

	KUNIT_EXPECT_EQ(test, poll_mask(cs_make(CLIENT, 0), CLIENT), in);
	KUNIT_EXPECT_EQ(test, poll_mask(cs_make(CLIENT, 0), SERVER), 0U);
	KUNIT_EXPECT_EQ(test, poll_mask(cs_make(SERVER, 0), SERVER), in);
	KUNIT_EXPECT_EQ(test,
			poll_mask(cs_make(SERVER, FLIPCALL_END_SHUTDOWN_CLIENT), CLIENT),
			hup);
	KUNIT_EXPECT_EQ(test,
			poll_mask(cs_make(SERVER, FLIPCALL_END_SHUTDOWN_SERVER), SERVER),
			in | hup);
	KUNIT_EXPECT_EQ(test,
			poll_mask(cs_make(CLIENT, FLIPCALL_END_SERVER_GONE), SERVER),
			hup | err);
	KUNIT_EXPECT_EQ(test,
			poll_mask(cs_make(SERVER, FLIPCALL_END_CLIENT_GONE), SERVER),
			in | hup | err);
}

/* A live connection without files: each case owns one reference. */
static int conn_init(struct kunit *test)
{
	struct flipcall_conn *conn;

	conn = flipcall_conn_create(PAGE_SIZE, 0, U64_MAX);
	if (IS_ERR(conn))
		return PTR_ERR(conn);
	test->priv = conn;
	return 0;
}

static void conn_exit(struct kunit *test)
{
	flipcall_conn_put(test->priv);
}

static int call(struct flipcall_endpoint *ep, u32 op, u32 send_len, u32 *recv)
{
	struct flipcall_handoff h = {
		.op = op, .send_len = send_len,
		.flags = FLIPCALL_HANDOFF_NONBLOCK, .recv_len = 0xdead,
	};
	int ret = flipcall_handoff(ep, &h, true, NULL);

	*recv = h.recv_len;
	return ret;
}

static void handoff_nonblocking_sequence(struct kunit *test)
{
	struct flipcall_conn *conn = test->priv;
	struct flipcall_endpoint *client = &conn->ep[CLIENT];
	struct flipcall_endpoint *server = &conn->ep[SERVER];
	struct flipcall_packet_header *hdr = flipcall_window_header(&conn->window);
	u32 cap = PAGE_SIZE - FLIPCALL_PACKET_HEADER_BYTES;
	u32 recv;

	KUNIT_EXPECT_EQ(test, call(server, FLIPCALL_OP_SEND_RECV, 0, &recv), -EPROTO);
	KUNIT_EXPECT_EQ(test, call(client, FLIPCALL_OP_SEND_RECV, 0, &recv), -EPROTO);
	KUNIT_EXPECT_EQ(test, call(client, FLIPCALL_OP_CONNECT, cap + 1, &recv),
			-EMSGSIZE);

	/* CONNECT passes once; repeating it only resumes the wait. */
	KUNIT_EXPECT_EQ(test, call(client, FLIPCALL_OP_CONNECT, cap, &recv), -EAGAIN);
	KUNIT_EXPECT_EQ(test, hdr->state, (u32)FLIPCALL_STATE_SERVER_ACTIVE);
	KUNIT_EXPECT_EQ(test, hdr->data_len, cap);
	KUNIT_EXPECT_EQ(test, STAT(client, handoffs), 1ULL);
	KUNIT_EXPECT_EQ(test, call(client, FLIPCALL_OP_CONNECT, 3, &recv), -EAGAIN);
	KUNIT_EXPECT_EQ(test, STAT(client, handoffs), 1ULL);
	KUNIT_EXPECT_EQ(test, call(client, FLIPCALL_OP_SEND_RECV, 3, &recv), -EPROTO);

	KUNIT_EXPECT_EQ(test, call(server, FLIPCALL_OP_RECV_FIRST, 0, &recv), 0);
	KUNIT_EXPECT_EQ(test, recv, cap);
	KUNIT_EXPECT_EQ(test, call(server, FLIPCALL_OP_RECV_FIRST, 0, &recv), -EPROTO);

	KUNIT_EXPECT_EQ(test, call(server, FLIPCALL_OP_SEND_RECV, 7, &recv), -EAGAIN);
	KUNIT_EXPECT_EQ(test, hdr->state, (u32)FLIPCALL_STATE_CLIENT_ACTIVE);
	KUNIT_EXPECT_EQ(test, hdr->data_len, 7U);
	KUNIT_EXPECT_EQ(test, call(client, FLIPCALL_OP_CONNECT, 0, &recv), 0);
	KUNIT_EXPECT_EQ(test, recv, 7U);

	KUNIT_EXPECT_EQ(test, call(client, FLIPCALL_OP_SEND_LAST, 3, &recv), 0);
	KUNIT_EXPECT_EQ(test, recv, 0U);
	KUNIT_EXPECT_EQ(test, call(client, FLIPCALL_OP_SEND_RECV, 3, &recv), -EPROTO);
	KUNIT_EXPECT_EQ(test, call(client, FLIPCALL_OP_SEND_LAST, 3, &recv), -EPROTO);
	KUNIT_EXPECT_EQ(test, call(server, FLIPCALL_OP_SEND_RECV, 0, &recv), 0);
	KUNIT_EXPECT_EQ(test, recv, 3U);
	KUNIT_EXPECT_EQ(test, STAT(client, handoffs), 2ULL);
	KUNIT_EXPECT_EQ(test, STAT(server, handoffs), 1ULL);
	/* Nobody slept, so nobody was woken. */
	KUNIT_EXPECT_EQ(test, STAT(client, wakes) + STAT(server, wakes), 0ULL);

	/* A second caller on the same endpoint. */
	set_bit(FLIPCALL_EP_BUSY, &server->flags);
	KUNIT_EXPECT_EQ(test, call(server, FLIPCALL_OP_SEND_RECV, 0, &recv), -EBUSY);
	clear_bit(FLIPCALL_EP_BUSY, &server->flags);

	KUNIT_EXPECT_TRUE(test, flipcall_conn_end(conn, FLIPCALL_END_SHUTDOWN_SERVER));
	KUNIT_EXPECT_FALSE(test, flipcall_conn_end(conn, FLIPCALL_END_CLIENT_GONE));
	KUNIT_EXPECT_EQ(test, flipcall_cs_end(atomic_read(&conn->state)),
			(u32)FLIPCALL_END_SHUTDOWN_SERVER);
	KUNIT_EXPECT_EQ(test, hdr->state, (u32)FLIPCALL_STATE_SHUTDOWN);
	KUNIT_EXPECT_EQ(test, call(server, FLIPCALL_OP_SEND_RECV, 0, &recv),
			-ESHUTDOWN);
	KUNIT_EXPECT_EQ(test, call(client, FLIPCALL_OP_SEND_RECV, 0, &recv),
			-ESHUTDOWN);
}

/* The peer's last datagram survives the peer going away right after. */
static void handoff_last_datagram_survives_release(struct kunit *test)
{
	struct flipcall_conn *conn = test->priv;
	struct flipcall_packet_header *hdr = flipcall_window_header(&conn->window);
	struct flipcall_endpoint *client = &conn->ep[CLIENT];
	struct flipcall_endpoint *server = &conn->ep[SERVER];
	u32 recv;

	KUNIT_EXPECT_EQ(test, call(client, FLIPCALL_OP_CONNECT, 1, &recv), -EAGAIN);
	KUNIT_EXPECT_EQ(test, call(server, FLIPCALL_OP_RECV_FIRST, 0, &recv), 0);
	KUNIT_EXPECT_EQ(test, call(server, FLIPCALL_OP_SEND_LAST, 9, &recv), 0);
	KUNIT_EXPECT_TRUE(test, flipcall_conn_end(conn, FLIPCALL_END_SERVER_GONE));
	/* A release leaves the header as the last pass wrote it. */
	KUNIT_EXPECT_EQ(test, hdr->state, (u32)FLIPCALL_STATE_CLIENT_ACTIVE);
	KUNIT_EXPECT_EQ(test, hdr->data_len, 9U);
	KUNIT_EXPECT_EQ(test, call(client, FLIPCALL_OP_CONNECT, 0, &recv), 0);
	KUNIT_EXPECT_EQ(test, recv, 9U);
	KUNIT_EXPECT_EQ(test, call(client, FLIPCALL_OP_SEND_RECV, 0, &recv),
			-ECONNRESET);
}

/* A pending wait whose control never came back fails with the ending. */
static void handoff_pending_wait_ends(struct kunit *test)
{
	struct flipcall_conn *conn = test->priv;
	u32 recv;

	KUNIT_EXPECT_EQ(test, call(&conn->ep[CLIENT], FLIPCALL_OP_CONNECT, 1, &recv),
			-EAGAIN);
	KUNIT_EXPECT_TRUE(test, flipcall_conn_end(conn, FLIPCALL_END_SERVER_GONE));
	KUNIT_EXPECT_EQ(test, call(&conn->ep[CLIENT], FLIPCALL_OP_CONNECT, 1, &recv),
			-ECONNRESET);
	/* The server got control before the ending: it still collects it. */
	KUNIT_EXPECT_EQ(test, call(&conn->ep[SERVER], FLIPCALL_OP_RECV_FIRST, 0, &recv),
			0);
	KUNIT_EXPECT_EQ(test, recv, 1U);
	KUNIT_EXPECT_EQ(test, call(&conn->ep[SERVER], FLIPCALL_OP_SEND_RECV, 0, &recv),
			-ECONNRESET);
}

#define PING_PONG_ROUNDS	200

struct ping_pong_server {
	struct flipcall_endpoint *ep;
	struct completion done;
	int err;
};

/* Echo each datagram length plus one, then leave with SEND_LAST. */
static int ping_pong_server_fn(void *data)
{
	struct ping_pong_server *srv = data;
	struct flipcall_handoff h = { .op = FLIPCALL_OP_RECV_FIRST };
	int i;

	for (i = 0; i < PING_PONG_ROUNDS && !srv->err; i++) {
		srv->err = flipcall_handoff(srv->ep, &h, false, NULL);
		h = (struct flipcall_handoff){
			.op = FLIPCALL_OP_SEND_RECV, .send_len = h.recv_len + 1,
		};
	}
	if (!srv->err) {
		h.op = FLIPCALL_OP_SEND_LAST;
		srv->err = flipcall_handoff(srv->ep, &h, false, NULL);
	}
	complete(&srv->done);
	return 0;
}

static void ping_pong(struct kunit *test, struct flipcall_conn *conn)
{
	struct flipcall_endpoint *client = &conn->ep[CLIENT];
	struct flipcall_endpoint *server = &conn->ep[SERVER];
	struct ping_pong_server srv = { .ep = server };
	struct flipcall_handoff h = { .op = FLIPCALL_OP_CONNECT };
	struct task_struct *task;
	int i, ret = 0;

	init_completion(&srv.done);
	task = kthread_run(ping_pong_server_fn, &srv, "flipcall-kunit");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));

	for (i = 0; i < PING_PONG_ROUNDS && !ret; i++) {
		h.send_len = i;
		ret = flipcall_handoff(client, &h, false, NULL);
		KUNIT_EXPECT_EQ(test, ret, 0);
		KUNIT_EXPECT_EQ(test, h.recv_len, (u32)i + 1);
		h.op = FLIPCALL_OP_SEND_RECV;
	}
	if (ret)
		flipcall_conn_end(conn, FLIPCALL_END_SHUTDOWN_CLIENT);
	if (!wait_for_completion_timeout(&srv.done, 60 * HZ)) {
		/* Unblock the server before its connection goes away. */
		flipcall_conn_end(conn, FLIPCALL_END_SHUTDOWN_CLIENT);
		wait_for_completion(&srv.done);
		KUNIT_FAIL(test, "server did not finish");
	}
	KUNIT_EXPECT_EQ(test, srv.err, 0);
	KUNIT_EXPECT_EQ(test, STAT(client, handoffs), (u64)PING_PONG_ROUNDS);
	KUNIT_EXPECT_EQ(test, STAT(server, handoffs), (u64)PING_PONG_ROUNDS);
	KUNIT_EXPECT_LE(test, STAT(client, wakes_same_cpu), STAT(client, wakes));
	KUNIT_EXPECT_LE(test, STAT(server, wakes_same_cpu), STAT(server, wakes));
	KUNIT_EXPECT_LE(test, STAT(client, sleeps) + STAT(client, spin_hits),
			(u64)PING_PONG_ROUNDS);
	kunit_info(test, "client sleeps %llu spin hits %llu wakes %llu same-cpu %llu",
		   STAT(client, sleeps), STAT(client, spin_hits),
		   STAT(client, wakes), STAT(client, wakes_same_cpu));
}

static void handoff_ping_pong_sleeping(struct kunit *test)
{
	struct flipcall_conn *conn = test->priv;

	ping_pong(test, conn);
	KUNIT_EXPECT_EQ(test, STAT(&conn->ep[CLIENT], spin_hits), 0ULL);
}

static void handoff_ping_pong_spinning(struct kunit *test)
{
	struct flipcall_conn *conn = test->priv;

	conn->spin_ns = 100000;
	ping_pong(test, conn);
}

static struct kunit_case flipcall_state_cases[] = {
	KUNIT_CASE(handoff_check_each_errno),
	KUNIT_CASE(step_matches_table_exhaustively),
	KUNIT_CASE(wait_result_all_states),
	KUNIT_CASE(first_ending_wins),
	KUNIT_CASE(poll_mask_all_states),
	{}
};

static struct kunit_suite flipcall_state_suite = {
	.name = "flipcall_state",
	.test_cases = flipcall_state_cases,
};

/*
 * INFO is the one struct the module builds for userspace: every byte of it
 * must be written, so no kernel memory leaks through a field or padding
 * the filler forgot. A poisoned buffer shows any byte left alone.
 */
static void info_fill_writes_every_byte(struct kunit *test)
{
	struct flipcall_conn *conn = test->priv;
	struct flipcall_endpoint_info info;
	const u8 *bytes = (const u8 *)&info;
	size_t i, poisoned = 0, reserved_set = 0;

	memset(&info, 0xa5, sizeof(info));
	flipcall_conn_end(conn, FLIPCALL_END_SHUTDOWN_SERVER);
	flipcall_ep_info_fill(&conn->ep[SERVER], &info);
	KUNIT_EXPECT_EQ(test, info.conn_id, conn->id);
	KUNIT_EXPECT_EQ(test, info.window_len, (u64)PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, info.side, (u32)SERVER);
	KUNIT_EXPECT_EQ(test, info.state, (u32)FLIPCALL_STATE_SHUTDOWN);
	KUNIT_EXPECT_EQ(test, info.end_reason, (u32)FLIPCALL_END_SHUTDOWN_SERVER);
	KUNIT_EXPECT_EQ(test, info.spin_ns, 0U);
	/* One expectation each: KUnit's per-case log is short. */
	for (i = 0; i < ARRAY_SIZE(info.reserved); i++)
		reserved_set += info.reserved[i] != 0;
	KUNIT_EXPECT_EQ(test, reserved_set, (size_t)0);
	for (i = 0; i < sizeof(info); i++)
		poisoned += bytes[i] == 0xa5;
	KUNIT_EXPECT_EQ(test, poisoned, (size_t)0);
}

static struct kunit_case flipcall_handoff_cases[] = {
	KUNIT_CASE(info_fill_writes_every_byte),
	KUNIT_CASE(handoff_nonblocking_sequence),
	KUNIT_CASE(handoff_last_datagram_survives_release),
	KUNIT_CASE(handoff_pending_wait_ends),
	KUNIT_CASE(handoff_ping_pong_sleeping),
	KUNIT_CASE(handoff_ping_pong_spinning),
	{}
};

static struct kunit_suite flipcall_handoff_suite = {
	.name = "flipcall_handoff",
	.init = conn_init,
	.exit = conn_exit,
	.test_cases = flipcall_handoff_cases,
};

kunit_test_suites(&flipcall_state_suite, &flipcall_handoff_suite);
