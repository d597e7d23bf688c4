// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Endpoint API tests: windows, argument checks, the call sequences, and
 * shutdown at every protocol point from either side. They run on the futex
 * transport natively and on the device transport in the VM (see
 * endpoint_util.h).
 */
#include <fcntl.h>
#include <stddef.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "endpoint_util.h"
#include "endpoint.h"	/* white-box: ep_poll_timeout_ms() */
#include "kselftest_harness.h"

#define SKIP_UNLESS_TRANSPORT() do { \
	if (test_on_device() && !device_present()) \
		SKIP(return, "no " FLIPCALL_DEVICE_PATH); \
} while (0)


/* Windows and the memfd allocator */

TEST(window_len_for_data_cap)
{
	EXPECT_EQ(4096, flipcall_window_len_for_data_cap(0));
	EXPECT_EQ(4096, flipcall_window_len_for_data_cap(4080));
	EXPECT_EQ(8192, flipcall_window_len_for_data_cap(4081));
}

TEST(allocator_layout_seals_and_growth)
{
	struct flipcall_window_allocator *a;
	struct flipcall_window w1, w2, w3;
	struct stat st;
	int fd;

	ASSERT_EQ(0, flipcall_window_allocator_create(&a));
	fd = flipcall_window_allocator_fd(a);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(F_SEAL_SHRINK | F_SEAL_SEAL, fcntl(fd, F_GET_SEALS));
	EXPECT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD));

	ASSERT_EQ(0, flipcall_window_allocator_alloc(a, 1, &w1));
	EXPECT_EQ(fd, w1.fd);
	EXPECT_EQ(0, w1.offset);
	EXPECT_EQ(4096, w1.length);
	ASSERT_EQ(0, fstat(fd, &st));
	EXPECT_EQ(4096, st.st_size);

	ASSERT_EQ(0, flipcall_window_allocator_alloc(a, 5000, &w2));
	EXPECT_EQ(4096, w2.offset);
	EXPECT_EQ(8192, w2.length);
	ASSERT_EQ(0, fstat(fd, &st));
	EXPECT_EQ(16384, st.st_size);	/* 4096 doubled until >= 12288 */

	ASSERT_EQ(0, flipcall_window_allocator_alloc(a, 4096, &w3));
	EXPECT_EQ(12288, w3.offset);
	ASSERT_EQ(0, fstat(fd, &st));
	EXPECT_EQ(16384, st.st_size);

	/* The seal is what keeps a peer from truncating windows away. */
	EXPECT_EQ(-1, ftruncate(fd, 4096));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, fcntl(fd, F_ADD_SEALS, F_SEAL_GROW));
	EXPECT_EQ(EPERM, errno);
	flipcall_window_allocator_destroy(a);
}

TEST(allocator_invalid)
{
	struct flipcall_window_allocator *a;
	struct flipcall_window w;

	EXPECT_EQ(-EINVAL, flipcall_window_allocator_create(NULL));
	ASSERT_EQ(0, flipcall_window_allocator_create(&a));
	EXPECT_EQ(-EINVAL, flipcall_window_allocator_alloc(a, 0, &w));
	EXPECT_EQ(-EINVAL, flipcall_window_allocator_alloc(a, 1ULL << 32, &w));
	EXPECT_EQ(-EINVAL, flipcall_window_allocator_alloc(a, 4096, NULL));
	EXPECT_EQ(-EINVAL, flipcall_window_allocator_alloc(NULL, 4096, &w));
	EXPECT_EQ(-EINVAL, flipcall_window_allocator_fd(NULL));
	flipcall_window_allocator_destroy(a);
	flipcall_window_allocator_destroy(NULL);
}

/* Growing the memfd can fail; the error comes back, nothing half-done. */
TEST(allocator_growth_failure)
{
	struct rlimit lim = { .rlim_cur = 8192, .rlim_max = 8192 };
	struct flipcall_window_allocator *a;
	struct flipcall_window w;
	int status;
	pid_t pid = fork();

	ASSERT_GE(pid, 0);
	if (pid == 0) {
		signal(SIGXFSZ, SIG_IGN);
		if (setrlimit(RLIMIT_FSIZE, &lim) ||
		    flipcall_window_allocator_create(&a) ||
		    flipcall_window_allocator_alloc(a, 4096, &w))
			_exit(2);
		if (flipcall_window_allocator_alloc(a, 16384, &w) != -EFBIG)
			_exit(3);
		/* The failed window was not handed out: the next fits. */
		if (flipcall_window_allocator_alloc(a, 4096, &w) ||
		    w.offset != 4096)
			_exit(4);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST(device_create_without_module)
{
	struct flipcall_window c, s;

	if (device_present())
		SKIP(return, "the module is loaded");
	EXPECT_EQ(-ENOENT, flipcall_device_create(4096, 0, 0, &c, &s));
}

TEST(device_create_invalid)
{
	struct flipcall_window c, s;

	EXPECT_EQ(-EINVAL, flipcall_device_create(4096, 0, 0, NULL, &s));
	EXPECT_EQ(-EINVAL, flipcall_device_create(4096, 0, 0, &c, NULL));
	EXPECT_EQ(-EINVAL, flipcall_device_create(4096, 1U << 5, 0, &c, &s));
	EXPECT_EQ(-EINVAL, flipcall_device_create(4096, 0, 100, &c, &s));
}

TEST(device_info_rejects_other_fds)
{
	int fd = memfd_create("x", MFD_CLOEXEC);

	ASSERT_GE(fd, 0);
	EXPECT_EQ(-ENOTTY, flipcall_device_info(fd, NULL));
	EXPECT_EQ(-EBADF, flipcall_device_info(-1, NULL));
	close(fd);
}

TEST(device_create_info)
{
	struct flipcall_endpoint_info info;
	struct flipcall_window c, s;

	if (!device_present())
		SKIP(return, "no " FLIPCALL_DEVICE_PATH);
	ASSERT_EQ(0, flipcall_device_create(5000, FLIPCALL_DEVICE_SPIN, 0,
					    &c, &s));
	EXPECT_EQ(8192, c.length);
	EXPECT_EQ(0, c.offset);
	EXPECT_EQ(FD_CLOEXEC, fcntl(c.fd, F_GETFD));
	ASSERT_EQ(0, flipcall_device_info(s.fd, &info));
	EXPECT_EQ(FLIPCALL_SIDE_SERVER, info.side);
	EXPECT_EQ(8192, info.window_len);
	EXPECT_NE(0, info.spin_ns);
	close(c.fd);
	close(s.fd);
}

/* Endpoint initialisation */

TEST(init_invalid_arguments)
{
	struct flipcall_endpoint_options o;
	struct flipcall_endpoint *ep;
	struct conn cn;

	SKIP_UNLESS_TRANSPORT();
	ASSERT_EQ(0, conn_open(&cn, 4096));
	EXPECT_EQ(-EINVAL, flipcall_endpoint_init(NULL, 0, &cn.client, NULL));
	EXPECT_EQ(-EINVAL, flipcall_endpoint_init(&ep, 0, NULL, NULL));
	EXPECT_EQ(-EINVAL, flipcall_endpoint_init(&ep, 2, &cn.client, NULL));
	EXPECT_EQ(-EINVAL, flipcall_endpoint_init(&ep, -1, &cn.client, NULL));

	flipcall_endpoint_options_init(&o);
	o.transport = 3;
	EXPECT_EQ(-EINVAL, flipcall_endpoint_init(&ep, 0, &cn.client, &o));
	flipcall_endpoint_options_init(&o);
	o.flags = 1U << 7;
	EXPECT_EQ(-EINVAL, flipcall_endpoint_init(&ep, 0, &cn.client, &o));
	flipcall_endpoint_options_init(&o);
	o.reserved[2] = 1;
	EXPECT_EQ(-EINVAL, flipcall_endpoint_init(&ep, 0, &cn.client, &o));
	flipcall_endpoint_options_init(&o);
	o.wait_policy = FLIPCALL_WAIT_SPIN + 1;
	EXPECT_EQ(-EINVAL, flipcall_endpoint_init(&ep, 0, &cn.client, &o));
	conn_close(&cn);
}

TEST(init_bad_fd)
{
	struct flipcall_window w = { .fd = 1000, .offset = 0, .length = 4096 };
	struct flipcall_endpoint_options o;
	struct flipcall_endpoint *ep;

	close(1000);
	EXPECT_EQ(-EBADF, flipcall_endpoint_init(&ep, 0, &w, NULL));
	flipcall_endpoint_options_init(&o);
	o.transport = FLIPCALL_TRANSPORT_FUTEX;
	EXPECT_EQ(-EBADF, flipcall_endpoint_init(&ep, 0, &w, &o));
	w.fd = -1;
	EXPECT_EQ(-EINVAL, flipcall_endpoint_init(&ep, 0, &w, NULL));
}

TEST(init_futex_window_geometry)
{
	struct flipcall_window_allocator *a;
	struct flipcall_endpoint *ep;
	struct flipcall_window w;

	ASSERT_EQ(0, flipcall_window_allocator_create(&a));
	ASSERT_EQ(0, flipcall_window_allocator_alloc(a, 8192, &w));
	w.length = 100;			/* below one page */
	EXPECT_EQ(-EINVAL, flipcall_endpoint_init(&ep, 0, &w, NULL));
	w.length = 4096;
	w.offset = 100;			/* not page aligned */
	EXPECT_EQ(-EINVAL, flipcall_endpoint_init(&ep, 0, &w, NULL));
	w.offset = 4096;
	w.length = 8192;		/* past the end of the file */
	EXPECT_EQ(-EINVAL, flipcall_endpoint_init(&ep, 0, &w, NULL));
	w.offset = 1ULL << 40;
	EXPECT_EQ(-EINVAL, flipcall_endpoint_init(&ep, 0, &w, NULL));
	flipcall_window_allocator_destroy(a);
}

TEST(init_unsealed_window)
{
	struct flipcall_window w = { .offset = 0, .length = 4096 };
	struct flipcall_endpoint_options o;
	struct flipcall_endpoint *ep;

	w.fd = memfd_create("unsealed", MFD_CLOEXEC);
	ASSERT_GE(w.fd, 0);
	ASSERT_EQ(0, ftruncate(w.fd, 4096));
	EXPECT_EQ(-EPERM, flipcall_endpoint_init(&ep, 0, &w, NULL));
	flipcall_endpoint_options_init(&o);
	o.flags = FLIPCALL_ENDPOINT_ALLOW_UNSEALED;
	ASSERT_EQ(0, flipcall_endpoint_init(&ep, 0, &w, &o));
	EXPECT_EQ(FLIPCALL_TRANSPORT_FUTEX, flipcall_endpoint_transport(ep));
	flipcall_endpoint_destroy(ep);
	close(w.fd);
}

TEST(init_not_a_regular_file)
{
	struct flipcall_window w = { .offset = 0, .length = 4096 };
	struct flipcall_endpoint *ep;
	int p[2];

	ASSERT_EQ(0, pipe(p));
	w.fd = p[0];
	EXPECT_EQ(-EINVAL, flipcall_endpoint_init(&ep, 0, &w, NULL));
	close(p[0]);
	close(p[1]);
}

TEST(init_device_transport_on_memfd)
{
	struct flipcall_window_allocator *a;
	struct flipcall_endpoint_options o;
	struct flipcall_endpoint *ep;
	struct flipcall_window w;

	ASSERT_EQ(0, flipcall_window_allocator_create(&a));
	ASSERT_EQ(0, flipcall_window_allocator_alloc(a, 4096, &w));
	flipcall_endpoint_options_init(&o);
	o.transport = FLIPCALL_TRANSPORT_DEVICE;
	EXPECT_EQ(-ENOTTY, flipcall_endpoint_init(&ep, 0, &w, &o));
	flipcall_window_allocator_destroy(a);
}

TEST(init_device_checks)
{
	struct flipcall_endpoint *ep;
	struct flipcall_window c, s;

	if (!device_present())
		SKIP(return, "no " FLIPCALL_DEVICE_PATH);
	ASSERT_EQ(0, flipcall_device_create(4096, 0, 0, &c, &s));
	EXPECT_EQ(-EINVAL, flipcall_endpoint_init(&ep, 1, &c, NULL));
	c.offset = 4096;
	EXPECT_EQ(-EINVAL, flipcall_endpoint_init(&ep, 0, &c, NULL));
	c.offset = 0;
	c.length = 8192;
	EXPECT_EQ(-EINVAL, flipcall_endpoint_init(&ep, 0, &c, NULL));
	c.length = 0;
	ASSERT_EQ(0, flipcall_endpoint_init(&ep, 0, &c, NULL));
	EXPECT_EQ(FLIPCALL_TRANSPORT_DEVICE, flipcall_endpoint_transport(ep));
	EXPECT_EQ(4096 - 16, flipcall_endpoint_data_cap(ep));
	flipcall_endpoint_destroy(ep);
	close(c.fd);
	close(s.fd);
}

TEST(data_and_capacity)
{
	struct pair p;

	SKIP_UNLESS_TRANSPORT();
	ASSERT_EQ(0, pair_open_opts(&p, 3 * 4096, NULL));
	EXPECT_EQ(3 * 4096 - 16, flipcall_endpoint_data_cap(p.client));
	EXPECT_NE(NULL, flipcall_endpoint_data(p.client));
	EXPECT_EQ(test_on_device() ? FLIPCALL_TRANSPORT_DEVICE :
				     FLIPCALL_TRANSPORT_FUTEX,
		  flipcall_endpoint_transport(p.server));
	/* Both endpoints see one datagram. */
	memcpy(flipcall_endpoint_data(p.client), "shared", 6);
	EXPECT_EQ(0, memcmp(flipcall_endpoint_data(p.server), "shared", 6));
	pair_close(&p);
}

TEST(null_endpoint)
{
	struct flipcall_endpoint_stats st = { .size = sizeof(st) };

	EXPECT_EQ(NULL, flipcall_endpoint_data(NULL));
	EXPECT_EQ(0, flipcall_endpoint_data_cap(NULL));
	EXPECT_EQ(-EINVAL, flipcall_endpoint_transport(NULL));
	EXPECT_EQ(-EINVAL, flipcall_endpoint_stats(NULL, &st));
	EXPECT_EQ(-EINVAL, flipcall_endpoint_connect(NULL));
	EXPECT_EQ(-EINVAL, flipcall_endpoint_recv_first(NULL));
	EXPECT_EQ(-EINVAL, flipcall_endpoint_send_recv(NULL, 0));
	EXPECT_EQ(-EINVAL, flipcall_endpoint_send_last(NULL, 0));
	EXPECT_EQ(-EINVAL, flipcall_endpoint_shutdown(NULL));
	flipcall_endpoint_destroy(NULL);
	flipcall_endpoint_options_init(NULL);
}

/* Call sequences */

TEST(echo_round_trips)
{
	struct flipcall_endpoint_stats st = { .size = sizeof(st) };
	struct echo_server e;
	uint32_t i, cap;
	struct pair p;

	SKIP_UNLESS_TRANSPORT();
	ASSERT_EQ(0, pair_open(&p));
	cap = flipcall_endpoint_data_cap(p.client);
	ASSERT_EQ(0, echo_start(&e, p.server));
	ASSERT_EQ(0, flipcall_endpoint_connect(p.client));
	for (i = 0; i < 2000; i++)
		ASSERT_EQ(0, echo_check(p.client, (i * 37) % (cap + 1),
					(unsigned char)i));
	ASSERT_EQ(0, echo_check(p.client, cap, 7));
	ASSERT_EQ(0, flipcall_endpoint_stats(p.client, &st));
	EXPECT_EQ(2002, st.handoffs);	/* connect + 2001 round trips */
	EXPECT_GE(st.syscalls, st.handoffs);
	ASSERT_EQ(0, flipcall_endpoint_shutdown(p.client));
	EXPECT_EQ(-ESHUTDOWN, echo_join(&e));
	EXPECT_EQ(2001, e.served);
	pair_close(&p);
}

/* rounds 64-byte echoes with options o; the client's stats in *st. */
static void echo_session(struct __test_metadata *_metadata,
			 const struct flipcall_endpoint_options *o, int rounds,
			 struct flipcall_endpoint_stats *st)
{
	struct echo_server e;
	struct pair p;
	int i;

	ASSERT_EQ(0, pair_open_opts(&p, 4096, o));
	ASSERT_EQ(0, echo_start(&e, p.server));
	ASSERT_EQ(0, flipcall_endpoint_connect(p.client));
	for (i = 0; i < rounds; i++)
		ASSERT_EQ(0, echo_check(p.client, 64, (unsigned char)i));
	ASSERT_EQ(0, flipcall_endpoint_stats(p.client, st));
	ASSERT_EQ(0, flipcall_endpoint_shutdown(p.server));
	EXPECT_EQ(-ESHUTDOWN, echo_join(&e));
	pair_close(&p);
}

TEST(echo_with_spin)
{
	struct flipcall_endpoint_options o;
	struct flipcall_endpoint_stats st = { .size = sizeof(st) };

	SKIP_UNLESS_TRANSPORT();
	flipcall_endpoint_options_init(&o);
	o.spin_ns = 200 * 1000;
	echo_session(_metadata, &o, 2000, &st);
	EXPECT_EQ(2001, st.handoffs);
	/* A wait ends spinning or sleeping, never both. */
	EXPECT_LE(st.spin_hits + st.sleeps, 2001);
}

TEST(echo_sleep_policy_never_spins)
{
	struct flipcall_endpoint_options o;
	struct flipcall_endpoint_stats st = { .size = sizeof(st) };

	SKIP_UNLESS_TRANSPORT();
	flipcall_endpoint_options_init(&o);
	o.wait_policy = FLIPCALL_WAIT_SLEEP;
	o.spin_ns = 200 * 1000;
	echo_session(_metadata, &o, 500, &st);
	EXPECT_EQ(501, st.handoffs);
	EXPECT_EQ(0, st.spin_hits);
	/* The device transport sleeps in the kernel and counts no sleeps. */
	if (!test_on_device())
		EXPECT_LT(0, st.sleeps);
}

/* The environment sets the default policy, not an explicit one. */
TEST(echo_env_sets_the_default_policy_only)
{
	struct flipcall_endpoint_options o;
	struct flipcall_endpoint_stats st = { .size = sizeof(st) };

	SKIP_UNLESS_TRANSPORT();
	ASSERT_EQ(0, setenv("FLIPCALL_WAIT_POLICY", "sleep", 1));
	flipcall_endpoint_options_init(&o);
	echo_session(_metadata, &o, 500, &st);
	EXPECT_EQ(0, st.spin_hits);
	/* The device transport sleeps in the kernel and counts no sleeps. */
	if (!test_on_device())
		EXPECT_LT(0, st.sleeps);

	/* A peer thread answers at once: spinning for 200 ms always hits
	 * unless the thread is not scheduled for that long.
	 */
	o.wait_policy = FLIPCALL_WAIT_SPIN;
	o.spin_ns = 200 * 1000 * 1000;
	memset(&st, 0, sizeof(st));
	st.size = sizeof(st);
	echo_session(_metadata, &o, 500, &st);
	EXPECT_LT(400, st.spin_hits);
}

TEST(echo_spin_without_yield)
{
	struct flipcall_endpoint_options o;
	struct flipcall_endpoint_stats st = { .size = sizeof(st) };

	SKIP_UNLESS_TRANSPORT();
	flipcall_endpoint_options_init(&o);
	o.flags = FLIPCALL_ENDPOINT_SPIN_NO_YIELD;
	echo_session(_metadata, &o, 500, &st);
	EXPECT_EQ(501, st.handoffs);
}

TEST(echo_with_timeout_set)
{
	struct flipcall_endpoint_options o;
	struct flipcall_endpoint_stats st = { .size = sizeof(st) };

	SKIP_UNLESS_TRANSPORT();
	flipcall_endpoint_options_init(&o);
	o.timeout_ms = 10000;
	echo_session(_metadata, &o, 500, &st);
	EXPECT_EQ(501, st.handoffs);
}

/*
 * Whoever passed us the fd may have made its file O_NONBLOCK (lisafs
 * donates every fd so); the module then answers a blocking hand-off with
 * EAGAIN, and the endpoint must still wait instead of failing.
 */
TEST(echo_on_nonblocking_files)
{
	struct flipcall_endpoint_stats st = { .size = sizeof(st) };
	struct echo_server e;
	struct pair p;
	int i, fd;

	SKIP_UNLESS_TRANSPORT();
	ASSERT_EQ(0, conn_open(&p.cn, 4096));
	for (fd = 0; fd < 2; fd++) {
		int f = fd ? p.cn.server.fd : p.cn.client.fd;

		ASSERT_EQ(0, fcntl(f, F_SETFL, fcntl(f, F_GETFL) | O_NONBLOCK));
	}
	ASSERT_EQ(0, flipcall_endpoint_init(&p.client, FLIPCALL_SIDE_CLIENT,
					    &p.cn.client, NULL));
	ASSERT_EQ(0, flipcall_endpoint_init(&p.server, FLIPCALL_SIDE_SERVER,
					    &p.cn.server, NULL));
	ASSERT_EQ(0, echo_start(&e, p.server));
	ASSERT_EQ(0, flipcall_endpoint_connect(p.client));
	for (i = 0; i < 200; i++)
		ASSERT_EQ(0, echo_check(p.client, 64, (unsigned char)i));
	ASSERT_EQ(0, flipcall_endpoint_stats(p.client, &st));
	EXPECT_EQ(201, st.handoffs);
	ASSERT_EQ(0, flipcall_endpoint_shutdown(p.client));
	EXPECT_EQ(-ESHUTDOWN, echo_join(&e));
	EXPECT_EQ(200, e.served);
	pair_close(&p);
}

TEST(wrong_side_and_phase)
{
	struct call server;
	struct pair p;

	SKIP_UNLESS_TRANSPORT();
	ASSERT_EQ(0, pair_open(&p));
	EXPECT_EQ(-EINVAL, flipcall_endpoint_connect(p.server));
	EXPECT_EQ(-EINVAL, flipcall_endpoint_recv_first(p.client));
	/* No traffic before the handshake. */
	EXPECT_EQ(-EPROTO, flipcall_endpoint_send_recv(p.client, 0));
	EXPECT_EQ(-EPROTO, flipcall_endpoint_send_last(p.server, 0));

	ASSERT_EQ(0, call_start(&server, p.server, CALL_RECV_FIRST, 0));
	ASSERT_EQ(0, flipcall_endpoint_connect(p.client));
	EXPECT_EQ(-EPROTO, flipcall_endpoint_connect(p.client));
	ASSERT_EQ(0, flipcall_endpoint_send_last(p.client, 5));
	EXPECT_EQ(5, call_join(&server));
	EXPECT_EQ(-EPROTO, flipcall_endpoint_recv_first(p.server));
	/* After send_last only shutdown and destroy remain. */
	EXPECT_EQ(-EPROTO, flipcall_endpoint_send_recv(p.client, 0));
	EXPECT_EQ(-EPROTO, flipcall_endpoint_send_last(p.client, 0));
	ASSERT_EQ(0, flipcall_endpoint_shutdown(p.client));
	EXPECT_EQ(-ESHUTDOWN, flipcall_endpoint_send_recv(p.server, 1));
	pair_close(&p);
}

TEST(length_past_capacity)
{
	struct call server;
	struct pair p;
	uint32_t cap;

	SKIP_UNLESS_TRANSPORT();
	ASSERT_EQ(0, pair_open(&p));
	cap = flipcall_endpoint_data_cap(p.client);
	ASSERT_EQ(0, call_start(&server, p.server, CALL_RECV_FIRST, 0));
	ASSERT_EQ(0, flipcall_endpoint_connect(p.client));
	EXPECT_EQ(-EMSGSIZE, flipcall_endpoint_send_recv(p.client, cap + 1));
	EXPECT_EQ(-EMSGSIZE, flipcall_endpoint_send_last(p.client, UINT32_MAX));
	/* A refused length leaves the endpoint usable. */
	ASSERT_EQ(0, flipcall_endpoint_send_last(p.client, cap));
	EXPECT_EQ((int)cap, call_join(&server));
	flipcall_endpoint_shutdown(p.server);
	pair_close(&p);
}

TEST(concurrent_use_is_busy)
{
	struct call blocked, server;
	struct pair p;

	SKIP_UNLESS_TRANSPORT();
	ASSERT_EQ(0, pair_open(&p));
	ASSERT_EQ(0, call_start(&server, p.server, CALL_RECV_FIRST, 0));
	ASSERT_EQ(0, flipcall_endpoint_connect(p.client));
	ASSERT_EQ(0, call_start(&blocked, p.client, CALL_SEND_RECV, 1));
	EXPECT_EQ(1, call_join(&server));
	let_block();	/* the server holds control and does not answer */
	EXPECT_EQ(-EBUSY, flipcall_endpoint_send_recv(p.client, 1));
	ASSERT_EQ(0, flipcall_endpoint_shutdown(p.client));
	EXPECT_EQ(-ESHUTDOWN, call_join(&blocked));
	pair_close(&p);
}

/*
 * recv_first is two steps (take the handshake, answer it and wait for the
 * first datagram); a send_recv racing it must be refused throughout, never
 * slip in between and answer the client's handshake itself.
 */
struct racer {
	struct flipcall_endpoint *ep;
	int stop;
	int unexpected;		/* a result other than -EPROTO or -EBUSY */
	pthread_t thread;
};

static void *race_send_recv(void *arg)
{
	struct racer *r = arg;

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		int ret = flipcall_endpoint_send_recv(r->ep, 2);

		if (ret != -EPROTO && ret != -EBUSY) {
			r->unexpected = ret == 0 ? INT_MAX : ret;
			break;
		}
	}
	return NULL;
}

TEST(recv_first_holds_off_racing_send_recv)
{
	struct flipcall_endpoint_options o;
	int i, rounds = test_on_device() ? 100 : 1000;

	SKIP_UNLESS_TRANSPORT();
	flipcall_endpoint_options_init(&o);
	o.timeout_ms = 2000;	/* a racer that slipped in waits no longer */
	for (i = 0; i < rounds; i++) {
		struct racer r = { 0 };
		struct call first;
		struct pair p;
		int connected, got;

		ASSERT_EQ(0, pair_open_opts(&p, 4096, &o));
		r.ep = p.server;
		ASSERT_EQ(0, call_start(&first, p.server, CALL_RECV_FIRST, 0));
		ASSERT_EQ(0, pthread_create(&r.thread, NULL, race_send_recv, &r));
		connected = flipcall_endpoint_connect(p.client);
		__atomic_store_n(&r.stop, 1, __ATOMIC_RELEASE);
		pthread_join(r.thread, NULL);
		if (!connected && !r.unexpected) {
			EXPECT_EQ(0, flipcall_endpoint_send_last(p.client, 3));
		} else {
			flipcall_endpoint_shutdown(p.server);
		}
		got = call_join(&first);
		flipcall_endpoint_shutdown(p.client);
		flipcall_endpoint_shutdown(p.server);
		pair_close(&p);
		EXPECT_EQ(0, connected);
		EXPECT_EQ(0, r.unexpected) TH_LOG("round %d: racer got %d", i,
						  r.unexpected);
		if (!connected && !r.unexpected) {
			EXPECT_EQ(3, got);
		}
		if (r.unexpected || connected)
			break;
	}
}

/*
 * timeout_ms is a uint32_t; poll() takes an int. A wait past INT_MAX ms
 * goes in slices of INT_MAX rather than turn negative (poll forever).
 */
TEST(device_poll_timeout_fits_int)
{
	uint64_t now = 1000;

	EXPECT_EQ(1, ep_poll_timeout_ms(now + 1, now));
	EXPECT_EQ(500, ep_poll_timeout_ms(now + 500 * 1000000ULL, now));
	EXPECT_EQ(INT_MAX, ep_poll_timeout_ms(now + INT_MAX * 1000000ULL, now));
	EXPECT_EQ(INT_MAX, ep_poll_timeout_ms(now + (INT_MAX + 1ULL) * 1000000ULL,
					      now));
	EXPECT_EQ(INT_MAX, ep_poll_timeout_ms(now + UINT32_MAX * 1000000ULL, now));
}

/*
 * flipcall_endpoint_stats is sized: an older, smaller struct gets what it
 * has room for and nothing past it; a larger one only with a zero tail.
 */
TEST(stats_sized_struct)
{
	union {
		struct flipcall_endpoint_stats st;
		unsigned char bytes[sizeof(struct flipcall_endpoint_stats) + 16];
	} u;
	size_t old = offsetof(struct flipcall_endpoint_stats, handoffs) +
		     sizeof(uint64_t);
	struct echo_server e;
	struct pair p;

	SKIP_UNLESS_TRANSPORT();
	ASSERT_EQ(0, pair_open(&p));
	ASSERT_EQ(0, echo_start(&e, p.server));
	ASSERT_EQ(0, flipcall_endpoint_connect(p.client));
	ASSERT_EQ(0, echo_check(p.client, 8, 1));

	memset(&u, 0, sizeof(u));
	EXPECT_EQ(-EINVAL, flipcall_endpoint_stats(p.client, &u.st));	/* size 0 */
	EXPECT_EQ(-EINVAL, flipcall_endpoint_stats(p.client, NULL));
	memset(&u, 0xaa, sizeof(u));
	u.st.size = old;
	ASSERT_EQ(0, flipcall_endpoint_stats(p.client, &u.st));
	EXPECT_EQ(2, u.st.handoffs);	/* the handshake and one echo */
	EXPECT_EQ(old, u.st.size);
	EXPECT_EQ(0xaaaaaaaaaaaaaaaaULL, u.st.syscalls);	/* not its field */
	memset(&u, 0, sizeof(u));
	u.st.size = sizeof(u);
	EXPECT_EQ(0, flipcall_endpoint_stats(p.client, &u.st));
	EXPECT_EQ(2, u.st.handoffs);
	u.bytes[sizeof(u) - 1] = 1;
	EXPECT_EQ(-EINVAL, flipcall_endpoint_stats(p.client, &u.st));

	ASSERT_EQ(0, flipcall_endpoint_shutdown(p.server));
	EXPECT_EQ(-ESHUTDOWN, echo_join(&e));
	pair_close(&p);
}

TEST(shutdown_is_idempotent)
{
	struct pair p;

	SKIP_UNLESS_TRANSPORT();
	ASSERT_EQ(0, pair_open(&p));
	EXPECT_EQ(0, flipcall_endpoint_shutdown(p.client));
	EXPECT_EQ(0, flipcall_endpoint_shutdown(p.client));
	EXPECT_EQ(0, flipcall_endpoint_shutdown(p.server));
	EXPECT_EQ(-ESHUTDOWN, flipcall_endpoint_connect(p.client));
	EXPECT_EQ(-ESHUTDOWN, flipcall_endpoint_recv_first(p.server));
	EXPECT_EQ(-ESHUTDOWN, flipcall_endpoint_send_recv(p.server, 0));
	pair_close(&p);
}

/* Signals while waiting: the wait resumes, nothing is lost or repeated. */
static void ignore_signal(int sig)
{
	(void)sig;
}

TEST(signals_during_wait)
{
	struct sigaction sa = { .sa_handler = ignore_signal };
	struct call client, server;
	struct pair p;
	int i;

	SKIP_UNLESS_TRANSPORT();
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));	/* no SA_RESTART */
	ASSERT_EQ(0, pair_open(&p));
	ASSERT_EQ(0, call_start(&client, p.client, CALL_CONNECT, 0));
	for (i = 0; i < 10; i++) {
		pthread_kill(client.thread, SIGUSR1);
		usleep(5000);
	}
	ASSERT_EQ(0, call_start(&server, p.server, CALL_RECV_FIRST, 0));
	EXPECT_EQ(0, call_join(&client));
	ASSERT_EQ(0, call_start(&client, p.client, CALL_SEND_RECV, 4));
	EXPECT_EQ(4, call_join(&server));
	for (i = 0; i < 10; i++) {
		pthread_kill(client.thread, SIGUSR1);
		usleep(5000);
	}
	EXPECT_EQ(0, flipcall_endpoint_send_last(p.server, 9));
	EXPECT_EQ(9, call_join(&client));
	flipcall_endpoint_shutdown(p.client);
	pair_close(&p);
}

/*
 * Shutdown at every protocol point (gVisor's TestShutdown* matrix): the
 * blocked call fails with ESHUTDOWN whether the blocked side (local) or its
 * peer (remote) shuts down, and so does the peer's next call.
 */
enum point {
	BEFORE_CONNECT, DURING_CONNECT, BEFORE_RECV_FIRST,
	DURING_RECV_FIRST_BEFORE_CONNECT, DURING_RECV_FIRST_AFTER_CONNECT,
	DURING_CLIENT_SEND_RECV, DURING_SERVER_SEND_RECV,
};

/* Bring the pair to pt with one call blocked in c; returns the victim. */
static struct flipcall_endpoint *block_at(struct pair *p, enum point pt,
					  struct call *c, struct call *aux)
{
	struct call helper;

	switch (pt) {
	case DURING_CONNECT:
		call_start(c, p->client, CALL_CONNECT, 0);
		return p->client;
	case DURING_RECV_FIRST_BEFORE_CONNECT:
		call_start(c, p->server, CALL_RECV_FIRST, 0);
		return p->server;
	case DURING_RECV_FIRST_AFTER_CONNECT:
		call_start(c, p->server, CALL_RECV_FIRST, 0);
		return flipcall_endpoint_connect(p->client) ? NULL : p->server;
	case DURING_CLIENT_SEND_RECV:
	case DURING_SERVER_SEND_RECV:
		call_start(&helper, p->server, CALL_RECV_FIRST, 0);
		if (flipcall_endpoint_connect(p->client))
			return NULL;
		if (pt == DURING_CLIENT_SEND_RECV) {
			call_start(c, p->client, CALL_SEND_RECV, 3);
			return call_join(&helper) == 3 ? p->client : NULL;
		}
		/* The server answers and then waits in its own send_recv. */
		call_start(aux, p->client, CALL_SEND_RECV, 3);
		if (call_join(&helper) != 3)
			return NULL;
		call_start(c, p->server, CALL_SEND_RECV, 2);
		return call_join(aux) == 2 ? p->server : NULL;
	default:
		return NULL;
	}
}

/* The peer's next call in the phase it is in at pt. */
static int next_call(struct pair *p, struct flipcall_endpoint *ep,
		     enum point pt)
{
	if (pt == DURING_CONNECT)
		return flipcall_endpoint_recv_first(ep);
	if (pt == DURING_RECV_FIRST_BEFORE_CONNECT)
		return flipcall_endpoint_connect(ep);
	(void)p;
	return flipcall_endpoint_send_recv(ep, 0);
}

static int shutdown_at(enum point pt, int remote)
{
	struct flipcall_endpoint *victim, *other;
	struct call c, aux;
	struct pair p;
	int ret;

	if (pair_open(&p))
		return INT_MIN;
	if (pt == BEFORE_CONNECT || pt == BEFORE_RECV_FIRST) {
		victim = pt == BEFORE_CONNECT ? p.client : p.server;
		other = pt == BEFORE_CONNECT ? p.server : p.client;
		flipcall_endpoint_shutdown(remote ? other : victim);
		ret = pt == BEFORE_CONNECT ? flipcall_endpoint_connect(victim) :
			flipcall_endpoint_recv_first(victim);
		goto out;
	}
	victim = block_at(&p, pt, &c, &aux);
	if (!victim) {
		ret = INT_MIN + 1;
		goto out;
	}
	other = victim == p.client ? p.server : p.client;
	let_block();
	flipcall_endpoint_shutdown(remote ? other : victim);
	ret = call_join(&c);
	if (ret == -ESHUTDOWN && next_call(&p, other, pt) != -ESHUTDOWN)
		ret = INT_MIN + 2;
out:
	pair_close(&p);
	return ret;
}

#define SHUTDOWN_TEST(name, pt) \
	TEST(shutdown_##name##_local) \
	{ \
		SKIP_UNLESS_TRANSPORT(); \
		EXPECT_EQ(-ESHUTDOWN, shutdown_at(pt, 0)); \
	} \
	TEST(shutdown_##name##_remote) \
	{ \
		SKIP_UNLESS_TRANSPORT(); \
		EXPECT_EQ(-ESHUTDOWN, shutdown_at(pt, 1)); \
	}

SHUTDOWN_TEST(before_connect, BEFORE_CONNECT)
SHUTDOWN_TEST(during_connect, DURING_CONNECT)
SHUTDOWN_TEST(before_recv_first, BEFORE_RECV_FIRST)
SHUTDOWN_TEST(during_recv_first_before_connect,
	      DURING_RECV_FIRST_BEFORE_CONNECT)
SHUTDOWN_TEST(during_recv_first_after_connect, DURING_RECV_FIRST_AFTER_CONNECT)
SHUTDOWN_TEST(during_client_send_recv, DURING_CLIENT_SEND_RECV)
SHUTDOWN_TEST(during_server_send_recv, DURING_SERVER_SEND_RECV)

TEST_HARNESS_MAIN
