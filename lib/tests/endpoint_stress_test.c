// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Two processes, many round trips, every message checked: a sequence
 * number, a length and an FNV-1a checksum of a payload that changes with
 * every message. FLIPCALL_TEST_ROUNDS overrides the count (1,000,000
 * natively; the device build for the TCG VM defaults lower).
 */
#include <signal.h>
#include <sys/wait.h>

#include "endpoint_util.h"
#include "kselftest_harness.h"

#ifndef TEST_DEFAULT_ROUNDS
#define TEST_DEFAULT_ROUNDS 1000000
#endif

struct msg_head {
	uint64_t seq;
	uint32_t len;		/* payload bytes after the head */
	uint32_t sum;
};

static uint64_t rounds(void)
{
	const char *r = getenv("FLIPCALL_TEST_ROUNDS");

	if (r)
		return strtoull(r, NULL, 10);
	return test_on_device() ? 20000 : TEST_DEFAULT_ROUNDS;
}

static uint32_t fnv1a(const unsigned char *p, uint32_t n)
{
	uint32_t h = 2166136261U;

	while (n--)
		h = (h ^ *p++) * 16777619U;
	return h;
}

/* Write message seq (payload varies with seq); returns its total length. */
static uint32_t put_msg(unsigned char *data, uint32_t cap, uint64_t seq)
{
	struct msg_head h = { .seq = seq };
	uint32_t i;

	h.len = (uint32_t)((seq * 131) % (cap - sizeof(h) + 1));
	for (i = 0; i < h.len; i++)
		data[sizeof(h) + i] = (unsigned char)(seq * 7 + i);
	h.sum = fnv1a(data + sizeof(h), h.len);
	memcpy(data, &h, sizeof(h));
	return (uint32_t)sizeof(h) + h.len;
}

/* 0 if data holds exactly message seq of total length n. */
static int check_msg(const unsigned char *data, int n, uint64_t seq)
{
	struct msg_head h;

	if (n < (int)sizeof(h))
		return -1;
	memcpy(&h, data, sizeof(h));
	if (h.seq != seq || sizeof(h) + h.len != (uint32_t)n)
		return -2;
	return fnv1a(data + sizeof(h), h.len) == h.sum ? 0 : -3;
}

/* Server process: answer message k with message k + 1. */
static int serve(const struct flipcall_window *w)
{
	struct flipcall_endpoint *ep;
	unsigned char *data;
	uint64_t seq = 0;
	uint32_t cap;
	int n;

	if (flipcall_endpoint_init(&ep, FLIPCALL_SIDE_SERVER, w, NULL))
		return 10;
	data = flipcall_endpoint_data(ep);
	cap = flipcall_endpoint_data_cap(ep);
	for (n = flipcall_endpoint_recv_first(ep); n >= 0; seq += 2) {
		if (check_msg(data, n, seq))
			return 11;
		n = flipcall_endpoint_send_recv(ep, put_msg(data, cap, seq + 1));
	}
	return n == -ESHUTDOWN ? 0 : 12;
}

static void round_trips(struct __test_metadata *_metadata, uint64_t len,
			uint64_t total)
{
	struct flipcall_endpoint *ep;
	uint64_t i;
	unsigned char *data;
	struct conn cn;
	int status, n, bad;
	uint32_t cap;
	pid_t pid;

	ASSERT_EQ(0, conn_open(&cn, len));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(serve(&cn.server));
	ASSERT_EQ(0, flipcall_endpoint_init(&ep, FLIPCALL_SIDE_CLIENT,
					    &cn.client, NULL));
	data = flipcall_endpoint_data(ep);
	cap = flipcall_endpoint_data_cap(ep);
	ASSERT_EQ(0, flipcall_endpoint_connect(ep));
	for (i = 0; i < total; i++) {
		n = flipcall_endpoint_send_recv(ep, put_msg(data, cap, 2 * i));
		bad = check_msg(data, n, 2 * i + 1);
		if (bad) {
			TH_LOG("round trip %llu: reply %d, check %d",
			       (unsigned long long)i, n, bad);
			kill(pid, SIGKILL);
		}
		ASSERT_EQ(0, bad);
	}
	EXPECT_EQ(0, flipcall_endpoint_shutdown(ep));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	flipcall_endpoint_destroy(ep);
	conn_close(&cn);
}

/* The harness needs a fixture to lift its 30 s per-test limit. */
FIXTURE(stress) {};
FIXTURE_SETUP(stress) {}
FIXTURE_TEARDOWN(stress) {}

TEST_F_TIMEOUT(stress, round_trips_one_page, 800)
{
	if (test_on_device() && !device_present())
		SKIP(return, "no " FLIPCALL_DEVICE_PATH);
	round_trips(_metadata, 4096, rounds());
}

/* Payloads up to 64 KiB: a tenth of the round trips. */
TEST_F_TIMEOUT(stress, round_trips_64k_window, 800)
{
	if (test_on_device() && !device_present())
		SKIP(return, "no " FLIPCALL_DEVICE_PATH);
	round_trips(_metadata, 65536, rounds() / 10);
}

/* A process blocked in a hand-off wakes when another process shuts down. */
TEST(cross_process_shutdown)
{
	struct flipcall_endpoint *ep;
	struct conn cn;
	int status;
	pid_t pid;

	if (test_on_device() && !device_present())
		SKIP(return, "no " FLIPCALL_DEVICE_PATH);
	ASSERT_EQ(0, conn_open(&cn, 4096));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		if (flipcall_endpoint_init(&ep, FLIPCALL_SIDE_SERVER,
					   &cn.server, NULL))
			_exit(2);
		_exit(flipcall_endpoint_recv_first(ep) == -ESHUTDOWN ? 0 : 3);
	}
	ASSERT_EQ(0, flipcall_endpoint_init(&ep, FLIPCALL_SIDE_CLIENT,
					    &cn.client, NULL));
	let_block();
	EXPECT_EQ(0, flipcall_endpoint_shutdown(ep));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	flipcall_endpoint_destroy(ep);
	conn_close(&cn);
}

TEST_HARNESS_MAIN
