// SPDX-License-Identifier: GPL-2.0
/*
 * Many connections at once: 100 client threads in the test process
 * ping-pong with 100 server threads in a forked process. Every message
 * carries its connection, a sequence number, a length and a checksum over a
 * seeded payload, so a lost, duplicated, misrouted or corrupted hand-off
 * fails. Iteration counts stay modest: the debug kernel under TCG is 20-50x
 * slower than native.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "flipcall_test.h"
#include "kselftest_harness.h"

#define CONNS		100
#define ROUNDS		5
#define HOLD_ROUND	2	/* servers stop answering here when holding */
#define WINDOW_LEN	FCT_PAGE
#define CAPACITY	(WINDOW_LEN - FLIPCALL_PACKET_HEADER_BYTES)
#define WAIT_MS		(3 * FCT_WAIT_MS)	/* 200 threads share 2 vCPUs */

struct message {
	uint32_t conn;
	uint32_t seq;		/* odd: a server's reply */
	uint32_t payload_len;
	uint32_t checksum;
	unsigned char payload[];
};

#define MAX_PAYLOAD	(CAPACITY - sizeof(struct message))

enum verdict {
	OK,
	HANDOFF_FAILED,
	BAD_LENGTH,
	BAD_CONN,
	BAD_SEQ,
	BAD_CHECKSUM,
	BAD_PAYLOAD,
	MAP_FAILED_VERDICT,
};

static const char * const verdict_names[] = {
	"ok", "hand-off failed", "recv_len differs from the message",
	"message for another connection", "lost or duplicated message",
	"checksum mismatch", "payload corrupted", "mmap failed",
};

static uint64_t seed_of(uint32_t conn, uint32_t seq)
{
	return (uint64_t)conn << 32 | seq;
}

/* Write message @seq of @conn into the window; returns its length. */
static uint32_t compose(unsigned char *win, uint32_t conn, uint32_t seq)
{
	struct message *m = (struct message *)FCT_DATA(win);

	m->conn = conn;
	m->seq = seq;
	m->payload_len = (conn * 31 + seq * 977) % (MAX_PAYLOAD + 1);
	fct_fill(m->payload, m->payload_len, seed_of(conn, seq));
	m->checksum = fct_checksum(m->payload, m->payload_len);
	return sizeof(*m) + m->payload_len;
}

static enum verdict check(const unsigned char *win, uint32_t recv_len,
			  uint32_t conn, uint32_t seq)
{
	const struct message *m = (const struct message *)FCT_DATA(win);

	if (recv_len < sizeof(*m) || recv_len != sizeof(*m) + m->payload_len)
		return BAD_LENGTH;
	if (m->conn != conn)
		return BAD_CONN;
	if (m->seq != seq)
		return BAD_SEQ;
	if (m->checksum != fct_checksum(m->payload, m->payload_len))
		return BAD_CHECKSUM;
	if (!fct_check_fill(m->payload, m->payload_len, seed_of(conn, seq)))
		return BAD_PAYLOAD;
	return OK;
}

struct worker {
	pthread_t thread;
	int fd;
	uint32_t conn;
	int rounds;		/* client: < 0 until the connection ends;
				 * server: the request that ends its loop
				 */
	atomic_int *held;	/* server: if set, keep request @rounds
				 * unanswered, count it here, sleep
				 */
	enum verdict verdict;
	int err;		/* the hand-off error that ended the loop */
	int completed;		/* round trips checked */
};

/* State the server process shares with the test. */
struct fleet_shared {
	struct worker servers[CONNS];
	atomic_int held;
};

/* Client: request 2k, expect reply 2k+1; SEND_LAST after the last round. */
static void *client_main(void *arg)
{
	struct worker *w = arg;
	unsigned char *win = fct_map(w->fd, WINDOW_LEN, 0);
	uint32_t op = FLIPCALL_OP_CONNECT, got, seq;

	if (win == MAP_FAILED) {
		w->verdict = MAP_FAILED_VERDICT;
		return NULL;
	}
	for (seq = 0; w->rounds < 0 || seq < 2u * w->rounds; seq += 2) {
		w->err = fct_handoff_timed(w->fd, op, compose(win, w->conn, seq),
					   &got, WAIT_MS);
		if (w->err) {
			w->verdict = HANDOFF_FAILED;
			break;
		}
		op = FLIPCALL_OP_SEND_RECV;
		w->verdict = check(win, got, w->conn, seq + 1);
		if (w->verdict)
			break;
		w->completed++;
	}
	if (!w->verdict) {
		w->err = fct_handoff(w->fd, FLIPCALL_OP_SEND_LAST, 0,
				     compose(win, w->conn, seq), NULL);
		if (w->err)
			w->verdict = HANDOFF_FAILED;
	}
	munmap(win, WINDOW_LEN);
	return NULL;
}

/*
 * Server: answer each request until request @rounds: the client's last
 * message, or the one to hold unanswered.
 */
static void *server_main(void *arg)
{
	struct worker *w = arg;
	unsigned char *win = fct_map(w->fd, WINDOW_LEN, 0);
	uint32_t got, seq;

	if (win == MAP_FAILED) {
		w->verdict = MAP_FAILED_VERDICT;
		return NULL;
	}
	w->err = fct_handoff_timed(w->fd, FLIPCALL_OP_RECV_FIRST, 0, &got,
				   WAIT_MS);
	for (seq = 0; !w->err; seq += 2) {
		w->verdict = check(win, got, w->conn, seq);
		if (w->verdict)
			break;
		if (seq == 2u * w->rounds && w->held) {
			atomic_fetch_add(w->held, 1);
			pause();	/* until the process is killed */
		}
		if (seq == 2u * w->rounds)
			break;
		w->err = fct_handoff_timed(w->fd, FLIPCALL_OP_SEND_RECV,
					   compose(win, w->conn, seq + 1), &got,
					   WAIT_MS);
		w->completed++;
	}
	if (w->err)
		w->verdict = HANDOFF_FAILED;
	munmap(win, WINDOW_LEN);
	return NULL;
}

static int start_workers(struct worker *workers, void *(*fn)(void *))
{
	pthread_attr_t attr;
	int i, ret;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 << 10);
	for (i = 0, ret = 0; i < CONNS && !ret; i++)
		ret = pthread_create(&workers[i].thread, &attr, fn, &workers[i]);
	pthread_attr_destroy(&attr);
	return ret;
}

static void join_workers(struct worker *workers)
{
	int i;

	for (i = 0; i < CONNS; i++)
		pthread_join(workers[i].thread, NULL);
}

/* Runs the server half in a child; its verdicts land in @shared. */
static pid_t fork_servers(struct fleet_shared *shared, const int *server_fds,
			  const int *client_fds, int rounds, bool hold)
{
	pid_t pid = fct_fork();
	int i;

	if (pid)
		return pid;
	for (i = 0; i < CONNS; i++) {
		close(client_fds[i]);
		shared->servers[i] = (struct worker){
			.fd = server_fds[i], .conn = i, .rounds = rounds,
			.held = hold ? &shared->held : NULL };
	}
	if (start_workers(shared->servers, server_main))
		_exit(1);
	join_workers(shared->servers);
	_exit(0);
}

FIXTURE(fleet) {
	int ctl;
	int client_fds[CONNS];
	int server_fds[CONNS];
	struct worker clients[CONNS];
	struct fleet_shared *shared;	/* with the server process */
};

FIXTURE_SETUP(fleet)
{
	struct flipcall_create c;
	int i;

	FCT_ASSERT_OPEN_CTL(self->ctl);
	for (i = 0; i < CONNS; i++) {
		ASSERT_EQ(0, fct_create(self->ctl, WINDOW_LEN,
					FLIPCALL_CREATE_CLOEXEC, &c));
		self->client_fds[i] = c.client_fd;
		self->server_fds[i] = c.server_fd;
	}
	self->shared = mmap(NULL, sizeof(*self->shared),
			     PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
			     -1, 0);
	ASSERT_NE(MAP_FAILED, self->shared);
}

FIXTURE_TEARDOWN(fleet)
{
	munmap(self->shared, sizeof(*self->shared));
	close(self->ctl);
}

static void report(struct __test_metadata *_metadata, const char *side,
		   const struct worker *w)
{
	int i;

	for (i = 0; i < CONNS; i++)
		EXPECT_EQ(OK, w[i].verdict)
			TH_LOG("%s %d after %d round trips: %s (%s)", side, i,
			       w[i].completed, verdict_names[w[i].verdict],
			       strerror(-w[i].err));
}

/*
 * Fork the server process (answering up to request @server_rounds, holding
 * it if @hold) and start the 100 client threads making @client_rounds
 * requests (< 0: until the connection ends). Returns the server's pid.
 */
static pid_t launch(FIXTURE_DATA(fleet) *self, int server_rounds, bool hold,
		    int client_rounds)
{
	pid_t pid;
	int i;

	pid = fork_servers(self->shared, self->server_fds, self->client_fds,
			   server_rounds, hold);
	if (pid < 0)
		return pid;
	for (i = 0; i < CONNS; i++) {
		close(self->server_fds[i]);
		self->clients[i] = (struct worker){ .fd = self->client_fds[i],
						    .conn = i,
						    .rounds = client_rounds };
	}
	if (start_workers(self->clients, client_main)) {
		kill(pid, SIGKILL);
		return -1;
	}
	return pid;
}

TEST_F_TIMEOUT(fleet, hundred_connections_ping_pong_intact, 240)
{
	struct timespec start, end;
	int status, i;
	pid_t pid;

	clock_gettime(CLOCK_MONOTONIC, &start);
	pid = launch(self, ROUNDS, false, ROUNDS);
	ASSERT_LE(0, pid);
	join_workers(self->clients);
	clock_gettime(CLOCK_MONOTONIC, &end);
	TH_LOG("%d round trips in %.1f s", CONNS * ROUNDS,
	       (end.tv_sec - start.tv_sec) +
	       (end.tv_nsec - start.tv_nsec) / 1e9);
	ASSERT_EQ(0, fct_wait_child(pid, 2 * WAIT_MS, &status));
	EXPECT_EQ(0, status);
	report(_metadata, "client", self->clients);
	report(_metadata, "server", self->shared->servers);
	for (i = 0; i < CONNS; i++) {
		EXPECT_EQ(ROUNDS, self->clients[i].completed);
		EXPECT_EQ(ROUNDS, self->shared->servers[i].completed);
	}
}

/*
 * Kill the server process while all 100 clients wait for a reply it holds
 * back: every client must come back with ECONNRESET and none may hang.
 */
TEST_F_TIMEOUT(fleet, killing_the_server_resets_every_client, 240)
{
	struct timespec pause = { .tv_nsec = 10 * 1000000 };
	int status, i, waited;
	pid_t pid;

	pid = launch(self, HOLD_ROUND, true, -1);
	ASSERT_LE(0, pid);
	for (waited = 0; atomic_load(&self->shared->held) < CONNS &&
	     waited < WAIT_MS / 10; waited++)
		nanosleep(&pause, NULL);
	ASSERT_EQ(CONNS, atomic_load(&self->shared->held));
	ASSERT_EQ(0, kill(pid, SIGKILL));
	join_workers(self->clients);
	ASSERT_EQ(0, fct_wait_child(pid, WAIT_MS, &status));
	for (i = 0; i < CONNS; i++) {
		EXPECT_EQ(HOLD_ROUND, self->clients[i].completed)
			TH_LOG("client %d", i);
		EXPECT_EQ(-ECONNRESET, self->clients[i].err)
			TH_LOG("client %d: %s (%s)", i,
			       strerror(-self->clients[i].err),
			       verdict_names[self->clients[i].verdict]);
	}
}

TEST_HARNESS_MAIN
