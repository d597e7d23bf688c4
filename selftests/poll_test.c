// SPDX-License-Identifier: GPL-2.0
/*
 * poll and epoll on endpoints: EPOLLIN|EPOLLRDNORM while the endpoint holds
 * control, EPOLLHUP once shut down, EPOLLHUP|EPOLLERR once the peer is
 * gone, and sleepers woken by each of those transitions.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <unistd.h>

#include "flipcall_test.h"
#include "kselftest_harness.h"

#define NB		FLIPCALL_HANDOFF_NONBLOCK
#define READABLE	(POLLIN | POLLRDNORM)
#define ENDED_BITS	(POLLHUP | POLLERR)
#define ALL_BITS	(READABLE | ENDED_BITS)

FIXTURE(poll) {
	int ctl;
	int client;
	int server;
};

FIXTURE_SETUP(poll)
{
	struct flipcall_create c;

	FCT_ASSERT_OPEN_CTL(self->ctl);
	ASSERT_EQ(0, fct_create(self->ctl, FCT_PAGE, 0, &c));
	self->client = c.client_fd;
	self->server = c.server_fd;
}

FIXTURE_TEARDOWN(poll)
{
	if (self->client >= 0)
		close(self->client);
	if (self->server >= 0)
		close(self->server);
	close(self->ctl);
}

/* The endpoint's current poll bits (POLLIN asked; HUP/ERR always reported). */
static short revents(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLRDNORM };

	return poll(&pfd, 1, 0) < 0 ? -1 : pfd.revents;
}

TEST_F(poll, new_connection_client_holds_control)
{
	EXPECT_EQ(READABLE, revents(self->client) & ALL_BITS);
	EXPECT_EQ(0, revents(self->server) & ALL_BITS);
}

TEST_F(poll, control_moves_with_each_handoff)
{
	uint32_t got;

	ASSERT_EQ(-EAGAIN, fct_handoff(self->client, FLIPCALL_OP_CONNECT, NB, 0,
				       NULL));
	EXPECT_EQ(0, revents(self->client) & ALL_BITS);
	EXPECT_EQ(READABLE, revents(self->server) & ALL_BITS);
	ASSERT_EQ(0, fct_handoff(self->server, FLIPCALL_OP_RECV_FIRST, NB, 0,
				 &got));
	EXPECT_EQ(READABLE, revents(self->server) & ALL_BITS);
	ASSERT_EQ(-EAGAIN, fct_handoff(self->server, FLIPCALL_OP_SEND_RECV, NB,
				       0, NULL));
	EXPECT_EQ(READABLE, revents(self->client) & ALL_BITS);
	EXPECT_EQ(0, revents(self->server) & ALL_BITS);
}

TEST_F(poll, send_last_gives_control_away)
{
	uint32_t got;

	ASSERT_EQ(-EAGAIN, fct_handoff(self->client, FLIPCALL_OP_CONNECT, NB, 0,
				       NULL));
	ASSERT_EQ(0, fct_handoff(self->server, FLIPCALL_OP_RECV_FIRST, NB, 0,
				 &got));
	ASSERT_EQ(0, fct_handoff(self->server, FLIPCALL_OP_SEND_LAST, 0, 0,
				 NULL));
	EXPECT_EQ(0, revents(self->server) & ALL_BITS);
	EXPECT_EQ(READABLE, revents(self->client) & ALL_BITS);
}

TEST_F(poll, shutdown_is_pollhup_on_both)
{
	ASSERT_EQ(0, fct_shutdown(self->client));
	EXPECT_EQ(POLLHUP, revents(self->client) & ENDED_BITS);
	EXPECT_EQ(POLLHUP, revents(self->server) & ENDED_BITS);
}

TEST_F(poll, client_gone_is_pollhup_pollerr_on_server)
{
	close(self->client);
	self->client = -1;
	EXPECT_EQ(POLLHUP | POLLERR, revents(self->server) & ENDED_BITS);
}

TEST_F(poll, server_gone_is_pollhup_pollerr_on_client)
{
	close(self->server);
	self->server = -1;
	EXPECT_EQ(POLLHUP | POLLERR, revents(self->client) & ENDED_BITS);
}

/* A thread sleeping in poll(2) on @fd; result in revents. */
struct poller {
	pthread_t thread;
	pid_t tid;
	int fd;
	int ret;		/* revents, or -ETIME if never woken */
	int started[2];
};

static void *poller_main(void *arg)
{
	struct poller *p = arg;

	p->tid = fct_gettid();
	fct_notify(p->started[1], 's');
	p->ret = fct_poll_timed(p->fd, POLLIN, FCT_WAIT_MS);
	return NULL;
}

static void start_poller(struct __test_metadata *_metadata, struct poller *p,
			 int fd)
{
	p->fd = fd;
	ASSERT_EQ(0, pipe(p->started));
	ASSERT_EQ(0, pthread_create(&p->thread, NULL, poller_main, p));
	ASSERT_EQ(0, fct_expect(p->started[0], FCT_WAIT_MS, NULL));
	ASSERT_EQ(0, fct_wait_sleeping(p->tid, FCT_WAIT_MS));
}

/* The poller's revents, or -ETIME if nothing woke it. */
static int join_poller(struct poller *p)
{
	pthread_join(p->thread, NULL);
	close(p->started[0]);
	close(p->started[1]);
	return p->ret;
}

TEST_F(poll, sleeping_poll_wakes_on_handoff)
{
	struct poller p;
	int ev;

	start_poller(_metadata, &p, self->server);
	ASSERT_EQ(-EAGAIN, fct_handoff(self->client, FLIPCALL_OP_CONNECT, NB, 0,
				       NULL));
	ev = join_poller(&p);
	ASSERT_LE(0, ev) TH_LOG("the sleeping poll was never woken");
	EXPECT_EQ(POLLIN, ev & (POLLIN | ENDED_BITS));
}

TEST_F(poll, sleeping_poll_wakes_on_shutdown)
{
	struct poller p;
	int ev;

	start_poller(_metadata, &p, self->server);
	ASSERT_EQ(0, fct_shutdown(self->client));
	ev = join_poller(&p);
	ASSERT_LE(0, ev) TH_LOG("the sleeping poll was never woken");
	EXPECT_EQ(POLLHUP, ev & ENDED_BITS);
}

TEST_F(poll, sleeping_poll_wakes_on_peer_close)
{
	struct poller p;
	int ev;

	start_poller(_metadata, &p, self->server);
	close(self->client);
	self->client = -1;
	ev = join_poller(&p);
	ASSERT_LE(0, ev) TH_LOG("the sleeping poll was never woken");
	EXPECT_EQ(POLLHUP | POLLERR, ev & ENDED_BITS);
}

TEST_F(poll, sleeping_poll_wakes_on_peer_death)
{
	struct poller p;
	int ev;
	int status;
	pid_t pid = fct_fork();

	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(self->server);
		pause();
		_exit(1);
	}
	close(self->client);
	self->client = -1;
	start_poller(_metadata, &p, self->server);
	EXPECT_EQ(0, revents(self->server) & ENDED_BITS);
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ev = join_poller(&p);
	ASSERT_LE(0, ev) TH_LOG("the sleeping poll was never woken");
	EXPECT_EQ(POLLHUP | POLLERR, ev & ENDED_BITS);
	ASSERT_EQ(0, fct_wait_child(pid, FCT_WAIT_MS, &status));
}

TEST_F(poll, epoll_level_triggered_follows_control)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = 7 };
	int ep = epoll_create1(EPOLL_CLOEXEC);

	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->server, &ev));
	EXPECT_EQ(0, epoll_wait(ep, &ev, 1, 0));
	ASSERT_EQ(-EAGAIN, fct_handoff(self->client, FLIPCALL_OP_CONNECT, NB, 0,
				       NULL));
	ASSERT_EQ(1, epoll_wait(ep, &ev, 1, FCT_WAIT_MS));
	EXPECT_EQ(7, ev.data.u32);
	EXPECT_EQ(EPOLLIN, ev.events & (EPOLLIN | EPOLLHUP | EPOLLERR));
	/* Level-triggered: still ready until control moves on. */
	EXPECT_EQ(1, epoll_wait(ep, &ev, 1, 0));
	close(ep);
}

/* Edge-triggered epoll sees one event per hand-back, none lost. */
TEST_F(poll, epoll_edge_triggered_reports_every_handback)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET };
	int ep = epoll_create1(EPOLL_CLOEXEC);
	uint32_t got;
	int round;

	ASSERT_LE(0, ep);
	ASSERT_EQ(-EAGAIN, fct_handoff(self->client, FLIPCALL_OP_CONNECT, NB, 0,
				       NULL));
	ASSERT_EQ(0, fct_handoff(self->server, FLIPCALL_OP_RECV_FIRST, NB, 0,
				 &got));
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->client, &ev));
	EXPECT_EQ(0, epoll_wait(ep, &ev, 1, 0));
	for (round = 0; round < 5; round++) {
		ASSERT_EQ(-EAGAIN, fct_handoff(self->server,
					       FLIPCALL_OP_SEND_RECV, NB, round,
					       NULL));
		ASSERT_EQ(1, epoll_wait(ep, &ev, 1, FCT_WAIT_MS))
			TH_LOG("round %d", round);
		EXPECT_EQ(0, epoll_wait(ep, &ev, 1, 0));
		/* The pending call is CONNECT the first time round. */
		ASSERT_EQ(0, fct_handoff(self->client,
					 round ? FLIPCALL_OP_SEND_RECV :
						 FLIPCALL_OP_CONNECT,
					 NB, 0, &got));
		EXPECT_EQ(round, got);
		ASSERT_EQ(-EAGAIN, fct_handoff(self->client,
					       FLIPCALL_OP_SEND_RECV, NB, 0,
					       NULL));
		ASSERT_EQ(0, fct_handoff(self->server, FLIPCALL_OP_SEND_RECV,
					 NB, 0, &got));
	}
	close(ep);
}

TEST_F(poll, epoll_reports_shutdown_as_epollhup)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int ep = epoll_create1(EPOLL_CLOEXEC);

	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->server, &ev));
	EXPECT_EQ(0, epoll_wait(ep, &ev, 1, 0));
	ASSERT_EQ(0, fct_shutdown(self->server));
	ASSERT_EQ(1, epoll_wait(ep, &ev, 1, FCT_WAIT_MS));
	EXPECT_EQ(EPOLLHUP, ev.events & (EPOLLHUP | EPOLLERR));
	close(ep);
}

TEST_F(poll, epoll_reports_peer_gone_as_epollhup_epollerr)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int ep = epoll_create1(EPOLL_CLOEXEC);

	ASSERT_LE(0, ep);
	/* The server: not ready yet, so only the ending's wake-up reports it. */
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->server, &ev));
	EXPECT_EQ(0, epoll_wait(ep, &ev, 1, 0));
	close(self->client);
	self->client = -1;
	ASSERT_EQ(1, epoll_wait(ep, &ev, 1, FCT_WAIT_MS));
	EXPECT_EQ(EPOLLHUP | EPOLLERR, ev.events & (EPOLLHUP | EPOLLERR));
	close(ep);
}

/*
 * Ping-pong where each side sleeps only in poll and collects with NONBLOCK:
 * a poller that registers on the wait queue while the peer's pass checks
 * for sleepers must still see the pass (the barrier after poll_wait()), or
 * one poll runs into its timeout.
 */
#define PINGPONG_ROUNDS	2000

struct poll_side {
	int fd;
	uint32_t first_op;
	int err;	/* 0, or the first failure: ETIME is a missed wake */
	int round;
};

static void *poll_pingpong(void *arg)
{
	struct poll_side *side = arg;
	uint32_t op = side->first_op;
	int ret;

	for (side->round = 0; side->round < PINGPONG_ROUNDS; side->round++) {
		ret = fct_handoff(side->fd, op, NB, 0, NULL);
		if (ret == -EAGAIN) {
			ret = fct_poll_timed(side->fd, POLLIN, FCT_WAIT_MS);
			if (ret < 0)
				break;
			ret = fct_handoff(side->fd, op, NB, 0, NULL);
		}
		if (ret < 0)
			break;
		op = FLIPCALL_OP_SEND_RECV;
	}
	side->err = side->round < PINGPONG_ROUNDS ? ret : 0;
	/* The server answers the client's last round and leaves. */
	if (!side->err && side->first_op == FLIPCALL_OP_RECV_FIRST)
		side->err = fct_handoff(side->fd, FLIPCALL_OP_SEND_LAST, 0, 0,
					NULL);
	return NULL;
}

TEST_F_TIMEOUT(poll, pingpong_in_poll_never_misses_a_handoff, 300)
{
	struct poll_side client = { .fd = self->client,
				    .first_op = FLIPCALL_OP_CONNECT };
	struct poll_side server = { .fd = self->server,
				    .first_op = FLIPCALL_OP_RECV_FIRST };
	pthread_t thread;

	ASSERT_EQ(0, pthread_create(&thread, NULL, poll_pingpong, &server));
	poll_pingpong(&client);
	if (client.err)
		fct_shutdown(self->client);	/* let the server thread go */
	pthread_join(thread, NULL);
	EXPECT_EQ(0, client.err) TH_LOG("client round %d", client.round);
	EXPECT_EQ(0, server.err) TH_LOG("server round %d", server.round);
}

/*
 * The same race, aimed: the passer spins on the window header instead of
 * sleeping and hands control back after a delay that sweeps, round by
 * round, across the poller's way into poll(), so some passes land between
 * poll_wait() and the poller's read of the state. Each side has its own
 * vCPU. Documentation/design.rst ("poll") says what this can and cannot
 * show under TCG.
 */
#define SWEEP_ROUNDS	20000
#define SWEEP_STEPS	1024

struct sweep_passer {
	int fd;
	const struct flipcall_packet_header *hdr;
	bool stop;
	int err;
};

static void pin_to_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);	/* best effort */
}

static bool sweep_my_turn(struct sweep_passer *p)
{
	while (__atomic_load_n(&p->hdr->state, __ATOMIC_ACQUIRE) !=
	       FLIPCALL_STATE_SERVER_ACTIVE)
		if (__atomic_load_n(&p->stop, __ATOMIC_RELAXED))
			return false;
	return true;
}

static void *sweep_pass(void *arg)
{
	struct sweep_passer *p = arg;
	uint32_t op = FLIPCALL_OP_RECV_FIRST;
	unsigned int round, i;
	int ret = 0;

	pin_to_cpu(1);
	for (round = 0;; round++) {
		/*
		 * The header changes just before the state word, so a
		 * collect right after it may still find nothing (EAGAIN).
		 */
		while (ret == -EAGAIN || !round) {
			if (!sweep_my_turn(p))
				return NULL;
			ret = fct_handoff(p->fd, op, NB, 0, NULL); /* collect */
			if (ret != -EAGAIN)
				break;
		}
		if (ret)
			break;
		for (i = 0; i < round % SWEEP_STEPS * 8; i++)
			__asm__ volatile("" ::: "memory");
		op = FLIPCALL_OP_SEND_RECV;
		/* 0: control came back before the pass returned (collected). */
		ret = fct_handoff(p->fd, op, NB, 0, NULL);	/* pass */
		if (ret && ret != -EAGAIN)
			break;
	}
	p->err = ret;
	return NULL;
}

TEST_F_TIMEOUT(poll, poll_racing_a_spinning_passer_never_misses, 300)
{
	struct sweep_passer passer = { .fd = self->server };
	uint32_t op = FLIPCALL_OP_CONNECT;
	pthread_t thread;
	int round, ret = 0;

	passer.hdr = fct_map(self->server, FCT_PAGE, 0);
	ASSERT_NE(MAP_FAILED, passer.hdr);
	ASSERT_EQ(0, pthread_create(&thread, NULL, sweep_pass, &passer));
	pin_to_cpu(0);
	for (round = 0; round < SWEEP_ROUNDS; round++) {
		ret = fct_handoff(self->client, op, NB, 0, NULL);
		if (ret == -EAGAIN) {
			/* -ETIME: the pass came and poll slept through it. */
			ret = fct_poll_timed(self->client, POLLIN, FCT_WAIT_MS);
			if (ret < 0)
				break;
			ret = fct_handoff(self->client, op, NB, 0, NULL);
		}
		if (ret < 0)
			break;
		op = FLIPCALL_OP_SEND_RECV;
	}
	__atomic_store_n(&passer.stop, true, __ATOMIC_RELAXED);
	pthread_join(thread, NULL);
	munmap((void *)passer.hdr, FCT_PAGE);
	EXPECT_EQ(SWEEP_ROUNDS, round)
		TH_LOG("round %d: %d; control is here now: %s", round, ret,
		       revents(self->client) & READABLE ? "yes, a missed wake-up" : "no");
	EXPECT_EQ(0, passer.err);
}

TEST_HARNESS_MAIN
