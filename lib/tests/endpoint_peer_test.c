// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The endpoint against a raw peer: byte-exact gVisor wire behaviour (the
 * test plays the Go side by hand, as spec'd in gvisor-protocols.md section
 * 1), and hostile peers that write garbage lengths and states, fall
 * silent, or vanish. Raw-window cases are futex-only; the rest also run on
 * the device transport.
 */
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "endpoint_util.h"
#include "kselftest_harness.h"

#define SKIP_UNLESS_TRANSPORT() do { \
	if (test_on_device() && !device_present()) \
		SKIP(return, "no " FLIPCALL_DEVICE_PATH); \
} while (0)

#define FUTEX_ONLY() do { \
	if (test_on_device()) \
		SKIP(return, "raw futex window test"); \
} while (0)

static const unsigned char hdr_client_sent[8] = { 1, 0, 0, 0, 3, 0, 0, 0 };
static const unsigned char hdr_server_sent[8] = { 0, 0, 0, 0, 3, 0, 0, 0 };

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* A futex window, our endpoint on one side and a raw view for the peer. */
static int rig_open(struct flipcall_window_allocator **a,
		    struct flipcall_window *w, struct raw_peer *go,
		    struct flipcall_endpoint **ep, int side)
{
	int err = flipcall_window_allocator_create(a);

	if (!err)
		err = flipcall_window_allocator_alloc(*a, 4096, w);
	if (!err)
		err = raw_open(go, w);
	return err ? err : flipcall_endpoint_init(ep, side, w, NULL);
}

static void rig_close(struct flipcall_window_allocator *a,
		      struct raw_peer *go, struct flipcall_endpoint *ep)
{
	flipcall_endpoint_destroy(ep);
	raw_close(go);
	flipcall_window_allocator_destroy(a);
}

/* Our client against a hand-driven Go server. */
TEST(wire_client_handshake_and_exchange)
{
	static const unsigned char zero8[8];
	struct flipcall_endpoint *client;
	struct flipcall_window_allocator *a;
	struct flipcall_window w;
	struct raw_peer go;
	struct call c;

	FUTEX_ONLY();
	ASSERT_EQ(0, rig_open(&a, &w, &go, &client, FLIPCALL_SIDE_CLIENT));

	ASSERT_EQ(0, call_start(&c, client, CALL_CONNECT, 0));
	raw_wait_for(&go, FLIPCALL_STATE_SERVER_ACTIVE);
	EXPECT_EQ(0, memcmp(go.base, hdr_client_sent, 8));
	EXPECT_EQ(0, memcmp(go.base + 8, zero8, 8));
	EXPECT_EQ(0, memcmp(raw_data(&go), "{}\n", 3));
	memcpy(raw_data(&go), "{}\n", 3);
	raw_hand_over(&go, 3, FLIPCALL_STATE_CLIENT_ACTIVE);
	EXPECT_EQ(0, call_join(&c));

	memcpy(flipcall_endpoint_data(client), "hello", 5);
	ASSERT_EQ(0, call_start(&c, client, CALL_SEND_RECV, 5));
	raw_wait_for(&go, FLIPCALL_STATE_SERVER_ACTIVE);
	EXPECT_EQ(5, *raw_len(&go));
	EXPECT_EQ(0, memcmp(raw_data(&go), "hello", 5));
	memcpy(raw_data(&go), "world!", 6);
	raw_hand_over(&go, 6, FLIPCALL_STATE_CLIENT_ACTIVE);
	EXPECT_EQ(6, call_join(&c));
	EXPECT_EQ(0, memcmp(flipcall_endpoint_data(client), "world!", 6));

	/* Shutdown is the state word set to 2. */
	EXPECT_EQ(0, flipcall_endpoint_shutdown(client));
	EXPECT_EQ(FLIPCALL_STATE_SHUTDOWN, *raw_state(&go));
	rig_close(a, &go, client);
}

/* Our server against a hand-driven Go client. */
TEST(wire_server_handshake_and_exchange)
{
	struct flipcall_window_allocator *a;
	struct flipcall_endpoint *server;
	struct flipcall_window w;
	struct raw_peer go;
	struct call s;
	uint32_t expect = FLIPCALL_STATE_CLIENT_ACTIVE;

	FUTEX_ONLY();
	ASSERT_EQ(0, rig_open(&a, &w, &go, &server, FLIPCALL_SIDE_SERVER));
	ASSERT_EQ(0, call_start(&s, server, CALL_RECV_FIRST, 0));

	/* Go's Connect: "{}\n", CAS 0 -> 1, wake, wait for 0. */
	memcpy(raw_data(&go), "{}\n", 3);
	*raw_len(&go) = 3;
	ASSERT_TRUE(__atomic_compare_exchange_n(raw_state(&go), &expect,
						FLIPCALL_STATE_SERVER_ACTIVE,
						0, __ATOMIC_SEQ_CST,
						__ATOMIC_SEQ_CST));
	raw_wake(&go);
	raw_wait_for(&go, FLIPCALL_STATE_CLIENT_ACTIVE);
	EXPECT_EQ(0, memcmp(go.base, hdr_server_sent, 8));
	EXPECT_EQ(0, memcmp(raw_data(&go), "{}\n", 3));

	memcpy(raw_data(&go), "ping", 4);
	raw_hand_over(&go, 4, FLIPCALL_STATE_SERVER_ACTIVE);
	EXPECT_EQ(4, call_join(&s));
	EXPECT_EQ(0, memcmp(flipcall_endpoint_data(server), "ping", 4));

	memcpy(flipcall_endpoint_data(server), "pong!", 5);
	ASSERT_EQ(0, call_start(&s, server, CALL_SEND_RECV, 5));
	raw_wait_for(&go, FLIPCALL_STATE_CLIENT_ACTIVE);
	EXPECT_EQ(5, *raw_len(&go));
	EXPECT_EQ(0, memcmp(raw_data(&go), "pong!", 5));
	/* Go's Shutdown while the server waits: store 2, wake. */
	raw_hand_over(&go, 5, FLIPCALL_STATE_SHUTDOWN);
	EXPECT_EQ(-ESHUTDOWN, call_join(&s));
	rig_close(a, &go, server);
}

/* A raw server answering the handshake with (len, state, bytes). */
static int client_vs_reply(uint32_t len, uint32_t state, const char *bytes,
			   int after_connect)
{
	struct flipcall_window_allocator *a;
	struct flipcall_endpoint *client;
	struct flipcall_window w;
	struct raw_peer go = { 0 };
	struct call c;
	int ret;

	if (rig_open(&a, &w, &go, &client, FLIPCALL_SIDE_CLIENT))
		return INT_MIN;
	call_start(&c, client, CALL_CONNECT, 0);
	raw_wait_for(&go, FLIPCALL_STATE_SERVER_ACTIVE);
	if (after_connect) {
		raw_hand_over(&go, 3, FLIPCALL_STATE_CLIENT_ACTIVE);
		if (call_join(&c))
			return INT_MIN + 1;
		call_start(&c, client, CALL_SEND_RECV, 1);
		raw_wait_for(&go, FLIPCALL_STATE_SERVER_ACTIVE);
	}
	memcpy(raw_data(&go), bytes, strlen(bytes));
	raw_hand_over(&go, len, state);
	ret = call_join(&c);
	/* Whatever happened, shutdown still works and says so in the word. */
	if (flipcall_endpoint_shutdown(client) ||
	    *raw_state(&go) != FLIPCALL_STATE_SHUTDOWN)
		ret = INT_MIN + 2;
	rig_close(a, &go, client);
	return ret;
}

TEST(hostile_length_past_capacity)
{
	FUTEX_ONLY();
	EXPECT_EQ(-EPROTO, client_vs_reply(4081, 0, "{}\n", 0));
	EXPECT_EQ(-EPROTO, client_vs_reply(4081, 0, "", 1));
	EXPECT_EQ(-EPROTO, client_vs_reply(UINT32_MAX, 0, "", 1));
	EXPECT_EQ(4080, client_vs_reply(4080, 0, "", 1));
}

TEST(hostile_unknown_state)
{
	FUTEX_ONLY();
	EXPECT_EQ(-EPROTO, client_vs_reply(3, 7, "{}\n", 0));
	EXPECT_EQ(-EPROTO, client_vs_reply(0, 0xffffffff, "", 1));
	EXPECT_EQ(-ESHUTDOWN, client_vs_reply(0, 2, "", 1));
}

TEST(hostile_handshake)
{
	FUTEX_ONLY();
	EXPECT_EQ(-EPROTO, client_vs_reply(3, 0, "xyz", 0));
	EXPECT_EQ(-EPROTO, client_vs_reply(0, 0, "{}\n", 0));
	EXPECT_EQ(-EPROTO, client_vs_reply(2, 0, "  {", 0));
	/* Go decodes any JSON object into struct{}; so do we. */
	EXPECT_EQ(0, client_vs_reply(9, 0, " {\"a\":1}", 0));
}

TEST(hostile_client_handshake)
{
	struct flipcall_window_allocator *a;
	struct flipcall_endpoint *server;
	struct flipcall_window w;
	struct raw_peer go;
	struct call s;

	FUTEX_ONLY();
	ASSERT_EQ(0, rig_open(&a, &w, &go, &server, FLIPCALL_SIDE_SERVER));
	ASSERT_EQ(0, call_start(&s, server, CALL_RECV_FIRST, 0));
	memcpy(raw_data(&go), "[]\n", 3);
	raw_hand_over(&go, 3, FLIPCALL_STATE_SERVER_ACTIVE);
	EXPECT_EQ(-EPROTO, call_join(&s));
	EXPECT_EQ(0, flipcall_endpoint_shutdown(server));
	rig_close(a, &go, server);
}

/* A state the peer scribbled before our CAS fails the hand-off. */
TEST(hostile_state_before_send)
{
	struct flipcall_window_allocator *a;
	struct flipcall_endpoint *client;
	struct flipcall_window w;
	struct raw_peer go;

	FUTEX_ONLY();
	ASSERT_EQ(0, rig_open(&a, &w, &go, &client, FLIPCALL_SIDE_CLIENT));
	*raw_state(&go) = 0x41414141;
	EXPECT_EQ(-EPROTO, flipcall_endpoint_connect(client));
	EXPECT_EQ(0, flipcall_endpoint_shutdown(client));
	rig_close(a, &go, client);
}

/* A peer that never answers: the timeout ends the wait, shutdown works. */
TEST(silent_peer_timeout)
{
	struct flipcall_endpoint_options o;
	struct call server;
	struct pair p;
	uint64_t t0;

	SKIP_UNLESS_TRANSPORT();
	flipcall_endpoint_options_init(&o);
	o.timeout_ms = 150;
	ASSERT_EQ(0, pair_open_opts(&p, 4096, &o));
	ASSERT_EQ(0, call_start(&server, p.server, CALL_RECV_FIRST, 0));
	ASSERT_EQ(0, flipcall_endpoint_connect(p.client));
	t0 = now_ms();
	EXPECT_EQ(-ETIMEDOUT, call_join(&server));	/* no first message */
	EXPECT_LE(now_ms() - t0, 5000);
	t0 = now_ms();
	EXPECT_EQ(-ETIMEDOUT, flipcall_endpoint_send_recv(p.client, 1));
	EXPECT_GE(now_ms() - t0, 140);
	EXPECT_EQ(0, flipcall_endpoint_shutdown(p.client));
	EXPECT_EQ(0, flipcall_endpoint_shutdown(p.server));
	pair_close(&p);
}

/*
 * A peer process that vanishes while we wait. gVisor's protocol cannot
 * see it; the liveness fd (a pipe whose only writer was the peer) can, and
 * the device reports ECONNRESET by itself.
 */
TEST(vanished_peer_process)
{
	struct flipcall_endpoint_options o;
	struct flipcall_endpoint *client;
	struct conn cn;
	int live[2], status;
	pid_t pid;

	SKIP_UNLESS_TRANSPORT();
	ASSERT_EQ(0, pipe2(live, O_CLOEXEC));
	ASSERT_EQ(0, conn_open(&cn, 4096));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		struct flipcall_endpoint *server;

		close(live[0]);
		if (flipcall_endpoint_init(&server, FLIPCALL_SIDE_SERVER,
					   &cn.server, NULL))
			_exit(2);
		/* Take the first message, then die holding control. */
		_exit(flipcall_endpoint_recv_first(server) == 1 ? 0 : 3);
	}
	close(live[1]);
	if (test_on_device())
		close(cn.server.fd);
	flipcall_endpoint_options_init(&o);
	o.peer_fd = test_on_device() ? -1 : live[0];
	o.liveness_interval_ms = 20;
	ASSERT_EQ(0, flipcall_endpoint_init(&client, FLIPCALL_SIDE_CLIENT,
					    &cn.client, &o));
	ASSERT_EQ(0, flipcall_endpoint_connect(client));
	EXPECT_EQ(-ECONNRESET, flipcall_endpoint_send_recv(client, 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(0, flipcall_endpoint_shutdown(client));
	flipcall_endpoint_destroy(client);
	close(live[0]);
	if (!test_on_device())
		conn_close(&cn);
	else
		close(cn.client.fd);
}

/*
 * A peer process scribbling random words over the whole header and data
 * while our endpoints run: every call ends in a length within capacity or
 * an error, never a crash or a hang.
 */
static __attribute__((noreturn, noinline)) void scribble(struct raw_peer *r)
{
	uint32_t x = 2463534242U, *words = (uint32_t *)r->base;
	size_t n = r->len / 4;

	for (;;) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		words[x % 8 < 6 ? x % 2 : x % n] = x % 3 ? x % 4 : x;
		if ((x & 0xff) == 0)
			raw_wake(r);
	}
}

TEST(hostile_scribbling_peer)
{
	struct flipcall_window_allocator *a;
	struct flipcall_endpoint_options o;
	struct flipcall_endpoint *ep;
	struct flipcall_window w;
	int i, ret, outcomes = 0;
	struct raw_peer go;
	pid_t pid;

	FUTEX_ONLY();
	ASSERT_EQ(0, flipcall_window_allocator_create(&a));
	ASSERT_EQ(0, flipcall_window_allocator_alloc(a, 4096, &w));
	ASSERT_EQ(0, raw_open(&go, &w));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0)
		scribble(&go);
	flipcall_endpoint_options_init(&o);
	o.timeout_ms = 5;
	for (i = 0; i < 3000; i++) {
		ASSERT_EQ(0, flipcall_endpoint_init(&ep, i % 2, &w, &o));
		ret = i % 2 ? flipcall_endpoint_recv_first(ep) :
			      flipcall_endpoint_connect(ep);
		if (ret >= 0 && !(i % 2))
			ret = flipcall_endpoint_send_recv(ep, 8);
		if (ret >= 0) {
			EXPECT_LE(ret, 4080);
		} else {
			EXPECT_TRUE(ret == -EPROTO || ret == -ESHUTDOWN ||
				    ret == -ETIMEDOUT);
		}
		outcomes |= ret >= 0 ? 1 : 1 << (-ret % 30);
		EXPECT_EQ(0, flipcall_endpoint_shutdown(ep));
		flipcall_endpoint_destroy(ep);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	/* The storm really did produce garbage we refused. */
	EXPECT_NE(0, outcomes & (1 << (EPROTO % 30)));
	raw_close(&go);
	flipcall_window_allocator_destroy(a);
}

/*
 * Device transport: the kernel owns the state and lengths, so a peer
 * thread hammering the header (state and length words) changes nothing,
 * with or without the spin that reads the state word as a hint.
 */
static void *scribble_header(void *arg)
{
	volatile uint32_t *hdr = arg;
	uint32_t x = 1;

	while (hdr[2] != 0x5a5a5a5a) {	/* reserved word: the stop sign */
		x = x * 1103515245U + 12345U;
		hdr[x % 2] = x;
	}
	return NULL;
}

static void device_scribbled_echo(struct __test_metadata *_metadata,
				  uint32_t spin_ns)
{
	struct flipcall_endpoint_options o;
	struct echo_server e;
	pthread_t scribbler;
	unsigned char *hdr;
	struct pair p;
	int i;

	if (!test_on_device() || !device_present())
		SKIP(return, "device transport only");
	flipcall_endpoint_options_init(&o);
	o.spin_ns = spin_ns;
	ASSERT_EQ(0, pair_open_opts(&p, 4096, &o));
	hdr = (unsigned char *)flipcall_endpoint_data(p.server) -
	      FLIPCALL_HEADER_BYTES;
	ASSERT_EQ(0, echo_start(&e, p.server));
	ASSERT_EQ(0, pthread_create(&scribbler, NULL, scribble_header, hdr));
	ASSERT_EQ(0, flipcall_endpoint_connect(p.client));
	for (i = 0; i < 300; i++)
		ASSERT_EQ(0, echo_check(p.client, (uint32_t)(i * 13) % 4081,
					(unsigned char)i));
	((volatile uint32_t *)hdr)[2] = 0x5a5a5a5a;
	pthread_join(scribbler, NULL);
	ASSERT_EQ(0, flipcall_endpoint_shutdown(p.client));
	EXPECT_EQ(-ESHUTDOWN, echo_join(&e));
	pair_close(&p);
}

TEST(device_ignores_header_scribbles)
{
	device_scribbled_echo(_metadata, 0);
}

TEST(device_spin_ignores_header_scribbles)
{
	device_scribbled_echo(_metadata, 50 * 1000);
}

/*
 * Device transport with spin and timeout: a peer that writes "your turn"
 * into the header (the spin's hint) but never hands control back must not
 * hold us past timeout_ms. A watchdog shuts the endpoint down after 5 s so
 * that a regression fails instead of hanging.
 */
struct hint_liar {
	volatile uint32_t *state;
	struct flipcall_endpoint *victim;
	int started;
	int stop;
};

static void *lie_about_state(void *arg)
{
	struct hint_liar *l = arg;

	*l->state = FLIPCALL_STATE_CLIENT_ACTIVE;
	__atomic_store_n(&l->started, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&l->stop, __ATOMIC_ACQUIRE))
		*l->state = FLIPCALL_STATE_CLIENT_ACTIVE;
	return NULL;
}

static void *watchdog(void *arg)
{
	struct hint_liar *l = arg;
	int i;

	for (i = 0; i < 500 && !__atomic_load_n(&l->stop, __ATOMIC_ACQUIRE); i++)
		usleep(10 * 1000);
	if (i == 500)
		flipcall_endpoint_shutdown(l->victim);
	return NULL;
}

TEST(device_spin_hint_lie_keeps_timeout)
{
	struct flipcall_endpoint_stats st = { .size = sizeof(st) };
	struct flipcall_endpoint_options o;
	pthread_t liar, dog;
	struct hint_liar l;
	uint64_t t0, took;
	struct pair p;
	int ret;

	if (!test_on_device() || !device_present())
		SKIP(return, "device transport only");
	flipcall_endpoint_options_init(&o);
	o.spin_ns = 200 * 1000 * 1000;	/* long enough for the liar to be seen */
	o.timeout_ms = 500;
	ASSERT_EQ(0, pair_open_opts(&p, 4096, &o));
	l.state = (uint32_t *)((unsigned char *)flipcall_endpoint_data(p.client) -
			       FLIPCALL_HEADER_BYTES);
	l.victim = p.client;
	l.started = l.stop = 0;
	ASSERT_EQ(0, pthread_create(&liar, NULL, lie_about_state, &l));
	while (!__atomic_load_n(&l.started, __ATOMIC_ACQUIRE))
		sched_yield();
	ASSERT_EQ(0, pthread_create(&dog, NULL, watchdog, &l));
	t0 = now_ms();
	ret = flipcall_endpoint_connect(p.client);	/* the server never answers */
	took = now_ms() - t0;
	__atomic_store_n(&l.stop, 1, __ATOMIC_RELEASE);
	pthread_join(liar, NULL);
	pthread_join(dog, NULL);
	ASSERT_EQ(0, flipcall_endpoint_stats(p.client, &st));
	TH_LOG("connect: %d after %llu ms; spin hits %llu, sleeps %llu, syscalls %llu",
	       ret, (unsigned long long)took, (unsigned long long)st.spin_hits,
	       (unsigned long long)st.sleeps, (unsigned long long)st.syscalls);
	/* The lie was believed at first, or this tested nothing. */
	EXPECT_EQ(1, st.spin_hits);
	EXPECT_EQ(-ETIMEDOUT, ret);
	EXPECT_GE(took, 450);
	EXPECT_LT(took, 3000);
	flipcall_endpoint_shutdown(p.client);
	flipcall_endpoint_shutdown(p.server);
	pair_close(&p);
}

TEST_HARNESS_MAIN
