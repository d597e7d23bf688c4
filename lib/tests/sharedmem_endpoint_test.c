// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * sharedmem endpoint tests through the public API: queue pair layout,
 * packets both ways, batches, notification suppression, full queues,
 * zero-copy reserve/commit/abort, fd passing, waking, shutdown and peer
 * exit. They run on memfd queues
 * natively and on /dev/flipcall windows in the VM (sharedmem_util.h).
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "sharedmem_util.h"
#include "kselftest_harness.h"

#define SKIP_UNLESS_BACKING() do { \
	if (shm_test_on_device() && !shm_test_device_present()) \
		SKIP(return, "no " FLIPCALL_DEVICE_PATH); \
} while (0)

static void fill_pattern(uint8_t *p, size_t len, unsigned int seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seed * 31 + i * 7);
}

static int fd_is_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

TEST(pair_layout_like_gvisor)
{
	struct sharedmem_queue_config tx, rx;
	uint8_t hdr[8], want[8] = { 0, 0, 0, 0, 0, 0, 0, 0x80 };
	struct stat st;

	ASSERT_EQ(0, sharedmem_queue_pair_create(NULL, &tx, &rx));
	ASSERT_EQ(0, fstat(tx.data_fd, &st));
	EXPECT_EQ(1 << 20, st.st_size);
	ASSERT_EQ(0, fstat(tx.tx_pipe_fd, &st));
	EXPECT_EQ(64 << 10, st.st_size);
	ASSERT_EQ(0, fstat(rx.rx_pipe_fd, &st));
	EXPECT_EQ(64 << 10, st.st_size);
	ASSERT_EQ(0, fstat(rx.shared_data_fd, &st));
	EXPECT_EQ(4096, st.st_size);
	ASSERT_EQ(8, pread(rx.tx_pipe_fd, hdr, 8, 0));
	EXPECT_EQ(0, memcmp(hdr, want, 8));
	ASSERT_EQ(8, pread(tx.rx_pipe_fd, hdr, 8, 0));
	EXPECT_EQ(0, memcmp(hdr, want, 8));
	/* Shrinking would SIGBUS the peer: sealed. */
	EXPECT_TRUE(fcntl(tx.data_fd, F_GET_SEALS) & F_SEAL_SHRINK);
	EXPECT_EQ(-1, ftruncate(tx.data_fd, 4096));
	EXPECT_NE(0, fcntl(tx.event_fd, F_GETFL) & O_NONBLOCK);
	EXPECT_EQ(0, sharedmem_queue_config_is_device(&tx));
	sharedmem_queue_config_close(&tx);
	sharedmem_queue_config_close(&rx);
	EXPECT_EQ(-1, tx.data_fd);
}

TEST(options_checked_and_fds_taken_on_failure)
{
	struct sharedmem_pair_options po = { .size = sizeof(po) };
	struct sharedmem_endpoint_options eo = { .size = sizeof(eo) };
	struct sharedmem_queue_config tx, rx;
	struct sharedmem_endpoint *ep = NULL;
	int data_fd;

	po.pipe_len = 100;	/* not a multiple of 8 */
	EXPECT_EQ(-EINVAL, sharedmem_queue_pair_create(&po, &tx, &rx));
	po.pipe_len = 0;
	po.flags = 1;
	EXPECT_EQ(-EINVAL, sharedmem_queue_pair_create(&po, &tx, &rx));
	po.flags = 0;
	ASSERT_EQ(0, sharedmem_queue_pair_create(&po, &tx, &rx));
	data_fd = tx.data_fd;
	eo.flags = 4;
	eo.peer_fd = -1;
	EXPECT_EQ(-EINVAL, sharedmem_endpoint_create(SHAREDMEM_CLIENT, &tx, &rx,
						     &eo, &ep));
	EXPECT_EQ(NULL, ep);
	EXPECT_FALSE(fd_is_open(data_fd));
	EXPECT_FALSE(fd_is_open(rx.event_fd));
}

FIXTURE(eps) {
	struct shm_test_eps e;
};

FIXTURE_SETUP(eps)
{
	SKIP_UNLESS_BACKING();
	ASSERT_EQ(0, shm_test_endpoints(&self->e, NULL, NULL));
}

FIXTURE_TEARDOWN(eps)
{
	shm_test_endpoints_close(&self->e);
}

TEST_F(eps, packets_both_ways_intact)
{
	static uint8_t a[1500], b[3000], got[4096];
	struct iovec iov[2] = {
		{ .iov_base = a, .iov_len = 700 },
		{ .iov_base = a + 700, .iov_len = 800 },
	};
	struct sharedmem_stats st;

	fill_pattern(a, sizeof(a), 1);
	fill_pattern(b, sizeof(b), 2);
	EXPECT_EQ(-EAGAIN, sharedmem_endpoint_recv(self->e.server, got,
						   sizeof(got)));
	ASSERT_EQ(0, sharedmem_endpoint_send(self->e.client, iov, 2));
	ASSERT_EQ(0, shm_send_buf(self->e.client, a, 64));
	ASSERT_EQ(1500, sharedmem_endpoint_recv(self->e.server, got,
						sizeof(got)));
	EXPECT_EQ(0, memcmp(got, a, 1500));
	ASSERT_EQ(64, sharedmem_endpoint_recv(self->e.server, got,
					      sizeof(got)));
	EXPECT_EQ(0, memcmp(got, a, 64));
	/* 3000 bytes span two of the client's 2048-byte buffers. */
	ASSERT_EQ(0, shm_send_buf(self->e.server, b, sizeof(b)));
	ASSERT_EQ(0, shm_send_buf(self->e.server, b, 0));
	ASSERT_EQ(3000, sharedmem_endpoint_recv(self->e.client, got,
						sizeof(got)));
	EXPECT_EQ(0, memcmp(got, b, 3000));
	EXPECT_EQ(0, sharedmem_endpoint_recv(self->e.client, got, sizeof(got)));
	EXPECT_EQ(-EAGAIN, sharedmem_endpoint_recv(self->e.client, got,
						   sizeof(got)));
	st = shm_stats(self->e.client);
	EXPECT_EQ(2, st.tx_packets);
	EXPECT_EQ(1564, st.tx_bytes);
	EXPECT_EQ(2, st.rx_packets);
	EXPECT_EQ(0, st.drops_bad_descriptor + st.drops_bad_completion +
		  st.drops_ring_damaged);
}

TEST_F(eps, too_big_for_buffer_or_mtu)
{
	static uint8_t a[SHAREDMEM_MAX_PACKET + 1], got[100];

	ASSERT_EQ(0, shm_send_buf(self->e.client, a, 200));
	EXPECT_EQ(-EMSGSIZE, sharedmem_endpoint_recv(self->e.server, got,
						     sizeof(got)));
	EXPECT_EQ(-EAGAIN, sharedmem_endpoint_recv(self->e.server, got,
						   sizeof(got)));
	EXPECT_EQ(1, shm_stats(self->e.server).drops_too_big);
	EXPECT_EQ(-EMSGSIZE, shm_send_buf(self->e.client, a, sizeof(a)));
	EXPECT_EQ(-EMSGSIZE, shm_send_buf(self->e.server, a, sizeof(a)));
}

struct counter {
	int packets;
	size_t bytes;
	int stop_after;
};

static int count_packet(const struct iovec *iov, int iovcnt, size_t len,
			void *arg)
{
	struct counter *c = arg;
	size_t sum = 0;

	for (int i = 0; i < iovcnt; i++)
		sum += iov[i].iov_len;
	if (sum != len)
		return -1;
	c->packets++;
	c->bytes += len;
	return c->stop_after && c->packets == c->stop_after;
}

TEST_F(eps, batch_rings_once)
{
	static uint8_t a[100];
	struct iovec iov = { .iov_base = a, .iov_len = sizeof(a) };
	const struct iovec *pkts[32];
	int cnts[32];
	struct counter c = { 0 };

	for (int i = 0; i < 32; i++) {
		pkts[i] = &iov;
		cnts[i] = 1;
	}
	ASSERT_EQ(32, sharedmem_endpoint_send_batch(self->e.client, pkts, cnts,
						    32));
	EXPECT_EQ(1, shm_stats(self->e.client).notifications);
	c.stop_after = 10;
	EXPECT_EQ(10, sharedmem_endpoint_recv_batch(self->e.server,
						    count_packet, &c, 64));
	c.stop_after = 0;
	EXPECT_EQ(22, sharedmem_endpoint_recv_batch(self->e.server,
						    count_packet, &c, 64));
	EXPECT_EQ(32, c.packets);
	EXPECT_EQ(3200, c.bytes);
	EXPECT_EQ(-EAGAIN, sharedmem_endpoint_recv_batch(self->e.server,
							 count_packet, &c, 64));
}

/* ---- zero-copy sending: reserve, commit, abort --------------------- */

/* Copies src into the reserved iovecs; -1 if they do not hold size bytes. */
static int scatter(const struct iovec *iov, int iovcnt, const uint8_t *src,
		   size_t size)
{
	size_t off = 0;

	for (int i = 0; i < iovcnt; i++) {
		memcpy(iov[i].iov_base, src + off, iov[i].iov_len);
		off += iov[i].iov_len;
	}
	return off == size ? 0 : -1;
}

TEST_F(eps, reserve_commit_both_ways_and_shorter)
{
	static uint8_t a[6000], got[8192];
	struct iovec iov[SHAREDMEM_MAX_IOV];
	int n;

	fill_pattern(a, sizeof(a), 3);
	/* Client: 3000 bytes in two of its 2048-byte buffers. */
	n = SHAREDMEM_MAX_IOV;
	ASSERT_EQ(0, sharedmem_endpoint_send_reserve(self->e.client, 3000, iov,
						     &n));
	ASSERT_EQ(2, n);
	EXPECT_EQ(2048, iov[0].iov_len);
	EXPECT_EQ(952, iov[1].iov_len);
	ASSERT_EQ(0, scatter(iov, n, a, 3000));
	ASSERT_EQ(0, sharedmem_endpoint_send_commit(self->e.client, 3000, 0));
	ASSERT_EQ(3000, sharedmem_endpoint_recv(self->e.server, got,
						sizeof(got)));
	EXPECT_EQ(0, memcmp(got, a, 3000));
	/* Server: 5000 reserved over three posted buffers, 100 sent. */
	n = SHAREDMEM_MAX_IOV;
	ASSERT_EQ(0, sharedmem_endpoint_send_reserve(self->e.server, 5000, iov,
						     &n));
	ASSERT_EQ(3, n);
	ASSERT_EQ(0, scatter(iov, n, a, 5000));
	ASSERT_EQ(0, sharedmem_endpoint_send_commit(self->e.server, 100, 0));
	ASSERT_EQ(100, sharedmem_endpoint_recv(self->e.client, got,
					       sizeof(got)));
	EXPECT_EQ(0, memcmp(got, a, 100));
	EXPECT_EQ(-EAGAIN, sharedmem_endpoint_recv(self->e.client, got,
						   sizeof(got)));
	/* Shorter commits give the rest back: nothing leaks over many. */
	for (int i = 0; i < 2000; i++) {
		struct sharedmem_endpoint *ep = i & 1 ? self->e.server :
						       self->e.client;
		struct sharedmem_endpoint *peer = i & 1 ? self->e.client :
							 self->e.server;
		size_t len = 1 + i % 64;

		n = SHAREDMEM_MAX_IOV;
		ASSERT_EQ(0, sharedmem_endpoint_send_reserve(ep, 6000, iov,
							     &n));
		ASSERT_EQ(0, scatter(iov, n, a, 6000));
		ASSERT_EQ(0, sharedmem_endpoint_send_commit(ep, len, 0));
		ASSERT_EQ((ssize_t)len, sharedmem_endpoint_recv(peer, got,
								sizeof(got)));
		ASSERT_EQ(0, memcmp(got, a, len));
	}
	EXPECT_EQ(0, shm_stats(self->e.client).drops_bad_descriptor);
	EXPECT_EQ(0, shm_stats(self->e.server).drops_bad_descriptor);
	EXPECT_EQ(1001, shm_stats(self->e.client).tx_packets);
}

TEST_F(eps, reserve_abort_and_misuse)
{
	static uint8_t a[100], got[100];
	struct iovec iov[SHAREDMEM_MAX_IOV];
	int n = 1;

	EXPECT_EQ(-EINVAL, sharedmem_endpoint_send_abort(self->e.client));
	EXPECT_EQ(-EINVAL, sharedmem_endpoint_send_commit(self->e.client, 0, 0));
	EXPECT_EQ(-EINVAL, sharedmem_endpoint_send_reserve(NULL, 10, iov, &n));
	EXPECT_EQ(-EINVAL, sharedmem_endpoint_send_reserve(self->e.client, 10,
							   NULL, &n));
	EXPECT_EQ(-EINVAL, sharedmem_endpoint_send_reserve(self->e.client, 10,
							   iov, NULL));
	n = 0;
	EXPECT_EQ(-EINVAL, sharedmem_endpoint_send_reserve(self->e.client, 10,
							   iov, &n));
	/* Two buffers needed, room for one iovec: nothing reserved. */
	n = 1;
	EXPECT_EQ(-EINVAL, sharedmem_endpoint_send_reserve(self->e.client,
							   3000, iov, &n));
	EXPECT_EQ(-EINVAL, sharedmem_endpoint_send_reserve(self->e.server,
							   3000, iov, &n));
	n = SHAREDMEM_MAX_IOV;
	EXPECT_EQ(-EMSGSIZE, sharedmem_endpoint_send_reserve(self->e.client,
						SHAREDMEM_MAX_PACKET + 1, iov, &n));
	ASSERT_EQ(0, sharedmem_endpoint_send_reserve(self->e.client, 100, iov,
						     &n));
	EXPECT_EQ(-EBUSY, sharedmem_endpoint_send_reserve(self->e.client, 100,
							  iov, &n));
	EXPECT_EQ(-EBUSY, shm_send_buf(self->e.client, a, 10));
	EXPECT_EQ(-EINVAL, sharedmem_endpoint_send_commit(self->e.client, 101,
							  0));
	EXPECT_EQ(-EINVAL, sharedmem_endpoint_send_commit(self->e.client, 10,
							  0x80));
	EXPECT_EQ(0, sharedmem_endpoint_send_abort(self->e.client));
	EXPECT_EQ(-EINVAL, sharedmem_endpoint_send_abort(self->e.client));
	EXPECT_EQ(-EAGAIN, sharedmem_endpoint_recv(self->e.server, got,
						   sizeof(got)));
	/* Aborts give everything back, on both sides, many times over. */
	for (int i = 0; i < 3000; i++) {
		struct sharedmem_endpoint *ep = i & 1 ? self->e.server :
						       self->e.client;

		n = SHAREDMEM_MAX_IOV;
		ASSERT_EQ(0, sharedmem_endpoint_send_reserve(ep, 5000, iov,
							     &n));
		ASSERT_EQ(0, sharedmem_endpoint_send_abort(ep));
	}
	EXPECT_EQ(-EAGAIN, sharedmem_endpoint_recv(self->e.server, got,
						   sizeof(got)));
	EXPECT_EQ(-EAGAIN, sharedmem_endpoint_recv(self->e.client, got,
						   sizeof(got)));
	fill_pattern(a, sizeof(a), 4);
	ASSERT_EQ(0, shm_send_buf(self->e.client, a, 100));
	ASSERT_EQ(100, sharedmem_endpoint_recv(self->e.server, got,
					       sizeof(got)));
	EXPECT_EQ(0, memcmp(got, a, 100));
	EXPECT_EQ(1, shm_stats(self->e.client).tx_packets);
	/* After shutdown a reservation can still be given back. */
	n = SHAREDMEM_MAX_IOV;
	ASSERT_EQ(0, sharedmem_endpoint_send_reserve(self->e.server, 10, iov,
						     &n));
	ASSERT_EQ(0, sharedmem_endpoint_shutdown(self->e.server));
	EXPECT_EQ(0, sharedmem_endpoint_send_abort(self->e.server));
	n = SHAREDMEM_MAX_IOV;
	EXPECT_EQ(-ESHUTDOWN, sharedmem_endpoint_send_reserve(self->e.server,
							      10, iov, &n));
	EXPECT_EQ(-ESHUTDOWN, sharedmem_endpoint_send_flush(self->e.server));
}

TEST_F(eps, commit_more_publishes_on_flush_with_one_doorbell)
{
	static uint8_t got[100];
	struct iovec iov[SHAREDMEM_MAX_IOV];
	int n;

	for (int i = 0; i < 3; i++) {
		n = SHAREDMEM_MAX_IOV;
		ASSERT_EQ(0, sharedmem_endpoint_send_reserve(self->e.client, 64,
							     iov, &n));
		memset(iov[0].iov_base, 'a' + i, 64);
		ASSERT_EQ(0, sharedmem_endpoint_send_commit(self->e.client,
						10 + i, SHAREDMEM_SEND_MORE));
	}
	EXPECT_EQ(-EAGAIN, sharedmem_endpoint_recv(self->e.server, got,
						   sizeof(got)));
	EXPECT_EQ(0, shm_stats(self->e.client).notifications);
	ASSERT_EQ(0, sharedmem_endpoint_send_flush(self->e.client));
	EXPECT_EQ(1, shm_stats(self->e.client).notifications);
	for (int i = 0; i < 3; i++) {
		ASSERT_EQ(10 + i, sharedmem_endpoint_recv(self->e.server, got,
							  sizeof(got)));
		EXPECT_EQ('a' + i, got[0]);
		EXPECT_EQ('a' + i, got[9 + i]);
	}
	/* Nothing left to publish: no second doorbell. */
	ASSERT_EQ(0, sharedmem_endpoint_send_flush(self->e.client));
	EXPECT_EQ(1, shm_stats(self->e.client).notifications);
}

static int readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

TEST_F(eps, notifications_suppressed_while_busy)
{
	uint8_t a[64] = { 0 }, got[64];
	int fd = sharedmem_endpoint_rx_fd(self->e.server);

	ASSERT_GE(fd, 0);
	/* Idle: the server's recv switched notifications on. */
	EXPECT_EQ(-EAGAIN, sharedmem_endpoint_recv(self->e.server, got, 64));
	EXPECT_FALSE(readable(fd));
	ASSERT_EQ(0, shm_send_buf(self->e.client, a, 64));
	EXPECT_EQ(1, shm_stats(self->e.client).notifications);
	EXPECT_TRUE(readable(fd));
	/* Busy: having found work, the server switched them off. */
	EXPECT_EQ(64, sharedmem_endpoint_recv(self->e.server, got, 64));
	ASSERT_EQ(0, shm_send_buf(self->e.client, a, 64));
	ASSERT_EQ(0, shm_send_buf(self->e.client, a, 64));
	EXPECT_EQ(1, shm_stats(self->e.client).notifications);
	EXPECT_EQ(64, sharedmem_endpoint_recv(self->e.server, got, 64));
	EXPECT_EQ(64, sharedmem_endpoint_recv(self->e.server, got, 64));
	/*
	 * Idle again: on at no cost; the ring from the first packet is still
	 * counted, so a poller wakes once, finds nothing, and that second
	 * empty recv drains it.
	 */
	EXPECT_EQ(-EAGAIN, sharedmem_endpoint_recv(self->e.server, got, 64));
	EXPECT_TRUE(readable(fd));
	EXPECT_EQ(-EAGAIN, sharedmem_endpoint_recv(self->e.server, got, 64));
	EXPECT_FALSE(readable(fd));
	EXPECT_EQ(0, sharedmem_endpoint_arm(self->e.server));
	ASSERT_EQ(0, shm_send_buf(self->e.client, a, 64));
	EXPECT_EQ(2, shm_stats(self->e.client).notifications);
	EXPECT_EQ(1, sharedmem_endpoint_arm(self->e.server));
	EXPECT_EQ(1, sharedmem_endpoint_wait(self->e.server, 0));
}

TEST_F(eps, full_queues_refuse_then_recover)
{
	static uint8_t a[2048], got[2048];
	int sent = 0, r;

	/* 1 MiB of 2048-byte buffers: 512 packets in flight at most. */
	while ((r = shm_send_buf(self->e.client, a, sizeof(a))) == 0)
		sent++;
	EXPECT_EQ(-EAGAIN, r);
	EXPECT_EQ(512, sent);
	EXPECT_EQ(1, shm_stats(self->e.client).tx_full);
	for (int i = 0; i < 100; i++)
		ASSERT_EQ(2048, sharedmem_endpoint_recv(self->e.server, got,
							sizeof(got)));
	/* The completions came back: 100 more fit. */
	for (int i = 0; i < 100; i++)
		ASSERT_EQ(0, shm_send_buf(self->e.client, a, sizeof(a)));
	EXPECT_EQ(-EAGAIN, shm_send_buf(self->e.client, a, sizeof(a)));

	/* The server can send only into buffers the client posted. */
	sent = 0;
	while ((r = shm_send_buf(self->e.server, a, 1000)) == 0)
		sent++;
	EXPECT_EQ(-EAGAIN, r);
	EXPECT_EQ(512, sent);
	EXPECT_EQ(1, shm_stats(self->e.server).drops_no_buffers);
	for (int i = 0; i < 512; i++)
		ASSERT_EQ(1000, sharedmem_endpoint_recv(self->e.client, got,
							sizeof(got)));
	EXPECT_EQ(0, shm_send_buf(self->e.server, a, 1000));
}

TEST_F(eps, wait_times_out_then_wakes_for_another_process)
{
	uint8_t a[64] = { 7 }, got[64];
	pid_t pid;
	int status;

	EXPECT_EQ(0, sharedmem_endpoint_wait(self->e.server, 10));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		usleep(100 * 1000);
		_exit(shm_send_buf(self->e.client, a, 64) ? 1 : 0);
	}
	EXPECT_EQ(1, sharedmem_endpoint_wait(self->e.server, 5000));
	EXPECT_EQ(64, sharedmem_endpoint_recv(self->e.server, got, 64));
	EXPECT_EQ(7, got[0]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status);
}

static void *wait_thread(void *arg)
{
	return (void *)(intptr_t)sharedmem_endpoint_wait(arg, 10000);
}

TEST_F(eps, shutdown_wakes_a_waiter)
{
	uint8_t a[8] = { 0 };
	pthread_t t;
	void *ret;

	ASSERT_EQ(0, pthread_create(&t, NULL, wait_thread, self->e.client));
	usleep(50 * 1000);
	EXPECT_EQ(0, sharedmem_endpoint_shutdown(self->e.client));
	ASSERT_EQ(0, pthread_join(t, &ret));
	EXPECT_EQ(-ESHUTDOWN, (intptr_t)ret);
	EXPECT_EQ(-ESHUTDOWN, shm_send_buf(self->e.client, a, 8));
	EXPECT_EQ(-ESHUTDOWN, sharedmem_endpoint_recv(self->e.client, a, 8));
}

TEST(configs_travel_over_a_unix_socket)
{
	struct sharedmem_side_configs c, s;
	struct sharedmem_queue_config got_tx, got_rx;
	struct sharedmem_endpoint *client, *server;
	uint8_t a[64] = { 9 }, b[64];
	int sv[2], one;
	char byte = 'x';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = ctl.buf,
			      .msg_controllen = sizeof(ctl.buf) };
	struct cmsghdr *cm;

	SKIP_UNLESS_BACKING();
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv));
	ASSERT_EQ(0, shm_test_pair(NULL, &c, &s));
	ASSERT_EQ(0, sharedmem_queue_config_send(sv[0], &s.tx));
	ASSERT_EQ(0, sharedmem_queue_config_send(sv[0], &s.rx));
	sharedmem_queue_config_close(&s.tx);
	sharedmem_queue_config_close(&s.rx);
	ASSERT_EQ(0, sharedmem_queue_config_recv(sv[1], &got_tx));
	ASSERT_EQ(0, sharedmem_queue_config_recv(sv[1], &got_rx));
	EXPECT_EQ(shm_test_on_device(),
		  sharedmem_queue_config_is_device(&got_tx));
	ASSERT_EQ(0, sharedmem_endpoint_create(SHAREDMEM_SERVER, &got_tx,
					       &got_rx, NULL, &server));
	ASSERT_EQ(0, sharedmem_endpoint_create(SHAREDMEM_CLIENT, &c.tx, &c.rx,
					       NULL, &client));
	ASSERT_EQ(0, shm_send_buf(client, a, 64));
	EXPECT_EQ(64, sharedmem_endpoint_recv(server, b, 64));
	EXPECT_EQ(9, b[0]);

	/* One fd where five belong: refused, and nothing leaks. */
	one = dup(0);
	memset(&ctl, 0, sizeof(ctl));
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &one, sizeof(int));
	ASSERT_EQ(1, sendmsg(sv[0], &msg, 0));
	close(one);
	EXPECT_EQ(-EPROTO, sharedmem_queue_config_recv(sv[1], &got_tx));
	EXPECT_FALSE(fd_is_open(one));
	close(sv[0]);
	EXPECT_EQ(-ECONNRESET, sharedmem_queue_config_recv(sv[1], &got_tx));
	close(sv[1]);
	sharedmem_endpoint_destroy(client);
	sharedmem_endpoint_destroy(server);
}

/*
 * The client lives in a child that exits: on the device the kernel tells
 * the server at once; on memfds only gVisor's optional PeerFD can.
 */
TEST(peer_exit_is_seen)
{
	struct sharedmem_endpoint_options eo = { .size = sizeof(eo) };
	struct sharedmem_side_configs c, s;
	struct sharedmem_endpoint *server;
	uint8_t a[64] = { 3 }, got[64];
	int sv[2], status, r = 0;
	struct pollfd p;
	pid_t pid;

	SKIP_UNLESS_BACKING();
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	ASSERT_EQ(0, shm_test_pair(NULL, &c, &s));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		struct sharedmem_endpoint *client;

		close(sv[0]);
		sharedmem_queue_config_close(&s.tx);
		sharedmem_queue_config_close(&s.rx);
		if (sharedmem_endpoint_create(SHAREDMEM_CLIENT, &c.tx, &c.rx,
					      NULL, &client))
			_exit(1);
		shm_send_buf(client, a, 64);
		usleep(100 * 1000);
		/* No destroy: the exit itself must be enough. */
		_exit(0);
	}
	close(sv[1]);
	sharedmem_queue_config_close(&c.tx);
	sharedmem_queue_config_close(&c.rx);
	eo.peer_fd = shm_test_on_device() ? -1 : sv[0];
	ASSERT_EQ(0, sharedmem_endpoint_create(SHAREDMEM_SERVER, &s.tx, &s.rx,
					       &eo, &server));
	EXPECT_EQ(1, sharedmem_endpoint_wait(server, 5000));
	/* The packet sent before the exit is not lost. */
	EXPECT_EQ(64, sharedmem_endpoint_recv(server, got, 64));
	EXPECT_EQ(-ECONNRESET, sharedmem_endpoint_wait(server, 5000));
	p.fd = sharedmem_endpoint_rx_fd(server);
	p.events = POLLIN;
	EXPECT_EQ(1, poll(&p, 1, 0));
	EXPECT_EQ(-ECONNRESET, sharedmem_endpoint_recv(server, got, 64));
	/* Sends fill the buffers the client had posted, then say why not. */
	for (int i = 0; i < 600 && r == 0; i++)
		r = shm_send_buf(server, a, 64);
	EXPECT_EQ(-ECONNRESET, r);
	EXPECT_EQ(1, sharedmem_endpoint_peer_gone(server));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status);
	sharedmem_endpoint_destroy(server);
	if (!shm_test_on_device())
		close(sv[0]);
}

#define USER_LIMIT_PARAM "/sys/module/flipcall/parameters/user_limit"

static long long read_param(const char *path)
{
	char buf[32] = { 0 };
	int fd = open(path, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

	if (fd >= 0)
		close(fd);
	return n > 0 ? atoll(buf) : -1;
}

static int write_param(const char *path, long long v)
{
	char buf[32];
	int fd = open(path, O_WRONLY), n, ok;

	if (fd < 0)
		return -errno;
	n = snprintf(buf, sizeof(buf), "%lld\n", v);
	ok = write(fd, buf, n) == n;
	close(fd);
	return ok ? 0 : -EIO;
}

/*
 * Device windows are charged to the user (the module's user_limit) while
 * either side holds them, and uncharged once both are gone. Under an 8 MiB
 * limit, three pairs of about 2.2 MiB fit and a fourth does not; then many
 * more pairs, each destroyed in turn, all fit.
 */
TEST(device_windows_charged_until_both_sides_gone)
{
	uint8_t a[64] = { 1 }, got[64];
	struct shm_test_eps e[4];
	long long old;

	if (!shm_test_on_device())
		SKIP(return, "memfd backing: nothing is charged to the user");
	SKIP_UNLESS_BACKING();
	old = read_param(USER_LIMIT_PARAM);
	if (old < 0 || write_param(USER_LIMIT_PARAM, 8 << 20))
		SKIP(return, "cannot set " USER_LIMIT_PARAM " (needs root)");
	for (int i = 0; i < 3; i++)
		ASSERT_EQ(0, shm_test_endpoints(&e[i], NULL, NULL));
	EXPECT_EQ(-EDQUOT, shm_test_endpoints(&e[3], NULL, NULL));
	for (int i = 0; i < 3; i++)
		shm_test_endpoints_close(&e[i]);
	for (int i = 0; i < 12; i++) {
		ASSERT_EQ(0, shm_test_endpoints(&e[0], NULL, NULL)) {
			TH_LOG("pair %d", i);
		}
		ASSERT_EQ(0, shm_send_buf(e[0].client, a, 64));
		ASSERT_EQ(64, sharedmem_endpoint_recv(e[0].server, got, 64));
		shm_test_endpoints_close(&e[0]);
	}
	EXPECT_EQ(0, write_param(USER_LIMIT_PARAM, old));
}

/* ---- both directions at once between two processes ------------------ */

static size_t stress_len(uint64_t seq)
{
	uint64_t h = seq * 0x9e3779b97f4a7c15ULL;

	return 8 + (h >> 40) % 3000;
}

static void stress_fill(uint8_t *p, uint64_t seq)
{
	size_t len = stress_len(seq);

	memcpy(p, &seq, 8);
	for (size_t i = 8; i < len; i++)
		p[i] = (uint8_t)(seq ^ i);
}

struct stress_rx {
	uint64_t next;
	uint64_t bad;
};

static int stress_check(const struct iovec *iov, int iovcnt, size_t len,
			void *arg)
{
	struct stress_rx *rx = arg;
	uint8_t pkt[4096];
	size_t off = 0;
	uint64_t seq;

	for (int i = 0; i < iovcnt && off + iov[i].iov_len <= sizeof(pkt);
	     i++) {
		memcpy(pkt + off, iov[i].iov_base, iov[i].iov_len);
		off += iov[i].iov_len;
	}
	memcpy(&seq, pkt, 8);
	if (off != len || seq != rx->next || len != stress_len(seq))
		rx->bad++;
	for (size_t i = 8; i < len && !rx->bad; i++)
		if (pkt[i] != (uint8_t)(seq ^ i))
			rx->bad++;
	rx->next++;
	return 0;
}

static int stress_send_in_place(struct sharedmem_endpoint *ep,
				const uint8_t *pkt, size_t len)
{
	struct iovec iov[SHAREDMEM_MAX_IOV];
	size_t off = 0, size = len + len % 3000;
	int n = SHAREDMEM_MAX_IOV, r;

	r = sharedmem_endpoint_send_reserve(ep, size, iov, &n);
	if (r)
		return r;
	for (int i = 0; i < n && off < len; i++) {
		size_t take = iov[i].iov_len < len - off ? iov[i].iov_len :
							  len - off;

		memcpy(iov[i].iov_base, pkt + off, take);
		off += take;
	}
	return sharedmem_endpoint_send_commit(ep, len, 0);
}

/* Sends and receives n packets each way; 0 when all arrived intact. */
static int stress_side(struct sharedmem_endpoint *ep, uint64_t n)
{
	struct stress_rx rx = { 0 };
	uint8_t pkt[4096];
	uint64_t sent = 0;
	int idle = 0;

	while ((sent < n || rx.next < n) && !rx.bad) {
		bool progress = false;
		int r;

		if (sent < n) {
			stress_fill(pkt, sent);
			/* Every other packet is written in place, reserved
			 * longer than it turns out.
			 */
			r = sent & 1 ? stress_send_in_place(ep, pkt,
							    stress_len(sent)) :
				       shm_send_buf(ep, pkt, stress_len(sent));
			if (r == 0) {
				sent++;
				progress = true;
			} else if (r != -EAGAIN) {
				return 10;
			}
		}
		r = sharedmem_endpoint_recv_batch(ep, stress_check, &rx, 64);
		if (r > 0)
			progress = true;
		else if (r != -EAGAIN)
			return 11;
		if (progress) {
			idle = 0;
			continue;
		}
		/* Nothing moved: sleep until a packet comes (or briefly, when
		 * only waiting for room, which nobody rings for).
		 */
		r = sharedmem_endpoint_wait(ep, sent < n ? 1 : 1000);
		if (r < 0)
			return 12;
		if (r == 0 && sent >= n && ++idle > 10)
			return 13;	/* a lost wake-up */
	}
	return rx.bad ? 14 : 0;
}

TEST(random_packets_both_ways_between_processes)
{
	const char *s = getenv("SHAREDMEM_TEST_PACKETS");
	uint64_t n = (s ? strtoull(s, NULL, 0) : 10000000ULL) / 50;
	struct sharedmem_side_configs c, sv;
	struct sharedmem_endpoint *server;
	int status, rc;
	pid_t pid;

	SKIP_UNLESS_BACKING();
	if (shm_test_on_device() && n > 3000)
		n = 3000;	/* the VM emulates its CPUs */
	ASSERT_EQ(0, shm_test_pair(NULL, &c, &sv));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		struct sharedmem_endpoint *client;

		sharedmem_queue_config_close(&sv.tx);
		sharedmem_queue_config_close(&sv.rx);
		if (sharedmem_endpoint_create(SHAREDMEM_CLIENT, &c.tx, &c.rx,
					      NULL, &client))
			_exit(1);
		/* What it flushed before exiting stays readable. */
		_exit(stress_side(client, n));
	}
	sharedmem_queue_config_close(&c.tx);
	sharedmem_queue_config_close(&c.rx);
	ASSERT_EQ(0, sharedmem_endpoint_create(SHAREDMEM_SERVER, &sv.tx, &sv.rx,
					       NULL, &server));
	rc = stress_side(server, n);
	EXPECT_EQ(0, rc);
	EXPECT_EQ(n, shm_stats(server).rx_packets);
	EXPECT_EQ(0, shm_stats(server).drops_bad_descriptor);
	sharedmem_endpoint_destroy(server);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_HARNESS_MAIN
