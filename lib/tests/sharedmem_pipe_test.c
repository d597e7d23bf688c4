// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * White-box tests of the sharedmem pipe (lib/src/sharedmem/pipe_*.c):
 * the ring image of gvisor-protocols.md 6.2, verified against gVisor's Go
 * code, reproduced byte for byte; then millions of random-size slots
 * between two processes with flushes and aborts on both sides, checking
 * every byte. SHAREDMEM_TEST_PACKETS sets how many (default 10^7).
 */
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sharedmem/pipe.h"
#include "kselftest_harness.h"

#define FREE	0x8000000000000000ULL
#define A8	0x4141414141414141ULL
#define C8	0x4343434343434343ULL
#define D8	0x4444444444444444ULL

/* 8-byte aligned, so u64 headers are single loads as in gVisor. */
static uint64_t ring[8];

static void expect_ring(struct __test_metadata *_metadata,
			const uint64_t want[8], const char *step)
{
	uint8_t img[64];

	memcpy(img, want, sizeof(img));
	if (memcmp(ring, img, sizeof(img))) {
		for (int i = 0; i < 8; i++)
			TH_LOG("%s @%d: %016llx want %016llx", step, i * 8,
			       (unsigned long long)ring[i],
			       (unsigned long long)want[i]);
		_metadata->passed = 0;
	}
}

TEST(verified_64_byte_ring_dump)
{
	struct shm_pipe_tx tx;
	struct shm_pipe_rx rx;
	const uint8_t *data;
	uint32_t size;
	uint8_t *p;

	memset(ring, 0, sizeof(ring));
	ASSERT_EQ(0, shm_pipe_tx_init(&tx, ring, sizeof(ring)));
	ASSERT_EQ(0, shm_pipe_rx_init(&rx, ring, sizeof(ring)));
	expect_ring(_metadata, (uint64_t[8]){ FREE }, "init");

	p = shm_pipe_tx_push(&tx, 8);
	ASSERT_NE(NULL, p);
	memset(p, 'A', 8);
	shm_pipe_tx_flush(&tx);
	expect_ring(_metadata, (uint64_t[8]){ 8, A8, FREE }, "push8+flush");

	p = shm_pipe_tx_push(&tx, 4);
	ASSERT_NE(NULL, p);
	memset(p, 'B', 4);
	shm_pipe_tx_flush(&tx);
	expect_ring(_metadata,
		    (uint64_t[8]){ 8, A8, 4, 0x42424242, FREE }, "push4+flush");

	ASSERT_EQ(1, shm_pipe_rx_pull(&rx, &data, &size));
	EXPECT_EQ(8, size);
	EXPECT_EQ(0, memcmp(data, "AAAAAAAA", 8));
	ASSERT_EQ(1, shm_pipe_rx_pull(&rx, &data, &size));
	EXPECT_EQ(4, size);
	EXPECT_EQ(0, memcmp(data, "BBBB", 4));
	EXPECT_EQ(0, shm_pipe_rx_pull(&rx, &data, &size));
	shm_pipe_rx_flush(&rx);
	/* Two slots released as one free slot of 24 payload bytes. */
	expect_ring(_metadata,
		    (uint64_t[8]){ FREE | 24, A8, 4, 0x42424242, FREE },
		    "pull,pull,flush");

	p = shm_pipe_tx_push(&tx, 16);
	ASSERT_NE(NULL, p);
	memset(p, 'C', 16);
	shm_pipe_tx_flush(&tx);
	expect_ring(_metadata,
		    (uint64_t[8]){ FREE | 24, A8, 4, 0x42424242, 16, C8, C8,
				   FREE }, "push16+flush");

	/* No room before the end: a wrap slot at 56, the data at 0. */
	p = shm_pipe_tx_push(&tx, 16);
	ASSERT_NE(NULL, p);
	EXPECT_EQ((uint8_t *)ring + 8, p);
	memset(p, 'D', 16);
	shm_pipe_tx_flush(&tx);
	expect_ring(_metadata,
		    (uint64_t[8]){ 16, D8, D8, FREE, 16, C8, C8, 0xffffffc0 },
		    "push16 wraps");

	ASSERT_EQ(1, shm_pipe_rx_pull(&rx, &data, &size));
	EXPECT_EQ(16, size);
	EXPECT_EQ('C', data[0]);
	shm_pipe_rx_flush(&rx);
	expect_ring(_metadata,
		    (uint64_t[8]){ 16, D8, D8, FREE, FREE | 16, C8, C8,
				   0xffffffc0 }, "pull C+flush");
	/* The first pull after a flush frees the wrap slot at once. */
	ASSERT_EQ(1, shm_pipe_rx_pull(&rx, &data, &size));
	EXPECT_EQ(16, size);
	EXPECT_EQ('D', data[15]);
	expect_ring(_metadata,
		    (uint64_t[8]){ 16, D8, D8, FREE, FREE | 16, C8, C8,
				   FREE | 0xffffffc0 }, "pull wrap freed");
}

TEST(cursors_start_two_revolutions_before_zero)
{
	struct shm_pipe_tx tx;
	struct shm_pipe_rx rx;

	ASSERT_EQ(0, shm_pipe_tx_init(&tx, ring, sizeof(ring)));
	ASSERT_EQ(0, shm_pipe_rx_init(&rx, ring, sizeof(ring)));
	EXPECT_EQ(0xfffffffe00000000ULL, tx.tail);
	EXPECT_EQ(0xffffffff00000000ULL, tx.head);
	EXPECT_EQ(0xfffffffe00000000ULL, rx.head);
	/* Payload plus its header and a wrap slot's must fit. */
	EXPECT_EQ(48, tx.max_payload);
	EXPECT_EQ(NULL, shm_pipe_tx_push(&tx, 49));
	EXPECT_EQ(7, shm_pipe_tx_capacity(&tx, 0));
	EXPECT_EQ(-EINVAL, shm_pipe_tx_init(&tx, ring, 24));
	EXPECT_EQ(-EINVAL, shm_pipe_tx_init(&tx, (uint8_t *)ring + 4, 48));
}

TEST(full_ring_refuses_until_consumer_flushes)
{
	static uint64_t big[512];
	struct shm_pipe_tx tx;
	struct shm_pipe_rx rx;
	const uint8_t *data;
	uint32_t size;
	int n = 0;

	ASSERT_EQ(0, shm_pipe_tx_init(&tx, big, sizeof(big)));
	ASSERT_EQ(0, shm_pipe_rx_init(&rx, big, sizeof(big)));
	while (shm_pipe_tx_push(&tx, 32))
		n++;
	EXPECT_EQ(shm_pipe_tx_capacity(&tx, 32), n);
	EXPECT_FALSE(tx.damaged);
	shm_pipe_tx_flush(&tx);
	EXPECT_EQ(1, shm_pipe_rx_pull(&rx, &data, &size));
	EXPECT_EQ(NULL, shm_pipe_tx_push(&tx, 32));	/* not flushed yet */
	shm_pipe_rx_flush(&rx);
	EXPECT_NE(NULL, shm_pipe_tx_push(&tx, 32));
	shm_pipe_tx_abort(&tx);
	shm_pipe_tx_flush(&tx);		/* nothing to publish after abort */
	EXPECT_EQ(1, shm_pipe_rx_pull(&rx, &data, &size));
	shm_pipe_rx_abort(&rx);
	EXPECT_EQ(1, shm_pipe_rx_pull(&rx, &data, &size));
}

/* ---- two processes, random sizes, every byte checked ---------------- */

static uint32_t slot_size_for(uint64_t seq, uint32_t max)
{
	uint64_t h = seq * 0x9e3779b97f4a7c15ULL;

	/* Mostly small, sometimes up to max, sometimes empty. */
	if ((h >> 60) == 0)
		return (uint32_t)((h >> 20) % (max + 1));
	return (uint32_t)((h >> 24) % 200);
}

static void fill(uint8_t *p, uint32_t len, uint64_t seq)
{
	for (uint32_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seq + i * 13);
}

static int check(const uint8_t *p, uint32_t len, uint64_t seq)
{
	for (uint32_t i = 0; i < len; i++)
		if (p[i] != (uint8_t)(seq + i * 13))
			return -1;
	return 0;
}

static uint64_t test_packets(void)
{
	const char *s = getenv("SHAREDMEM_TEST_PACKETS");

	return s ? strtoull(s, NULL, 0) : 10000000ULL;
}

/* The producer: pushes in random runs, sometimes aborting a run of junk. */
static int produce(void *buf, uint64_t len, uint64_t total)
{
	struct shm_pipe_tx tx;
	uint64_t seq = 0, rnd = 1;

	if (shm_pipe_tx_init(&tx, buf, len))
		return 1;
	while (seq < total) {
		int run = 1 + (int)(rnd % 16), pushed = 0;

		rnd = rnd * 6364136223846793005ULL + 1442695040888963407ULL;
		if ((rnd >> 58) == 0) {
			uint8_t *junk = shm_pipe_tx_push(&tx, rnd % 64);

			if (junk)
				memset(junk, 0xee, rnd % 64);
			shm_pipe_tx_abort(&tx);
		}
		for (; pushed < run && seq < total; pushed++, seq++) {
			uint32_t size = slot_size_for(seq, tx.max_payload);
			uint8_t *p = shm_pipe_tx_push(&tx, size);

			if (!p)
				break;
			fill(p, size, seq);
		}
		shm_pipe_tx_flush(&tx);
		if (tx.damaged)
			return 2;
		if (!pushed)
			sched_yield();
	}
	return 0;
}

/* The consumer: pulls in random runs, sometimes aborting and re-reading. */
static int consume(void *buf, uint64_t len, uint64_t total)
{
	struct shm_pipe_rx rx;
	uint64_t seq = 0, rnd = 7;
	uint32_t max = (uint32_t)((len & ~7ULL) - 16);

	if (shm_pipe_rx_init(&rx, buf, len))
		return 1;
	while (seq < total) {
		uint64_t start = seq;
		int run = 1 + (int)(rnd % 32), r = 0;
		const uint8_t *p;
		uint32_t size;

		rnd = rnd * 6364136223846793005ULL + 1442695040888963407ULL;
		for (int i = 0; i < run && seq < total; i++, seq++) {
			r = shm_pipe_rx_pull(&rx, &p, &size);
			if (r <= 0)
				break;
			if (size != slot_size_for(seq, max) ||
			    check(p, size, seq))
				return 3;
		}
		if (r < 0)
			return 4;
		if ((rnd >> 59) == 0) {
			shm_pipe_rx_abort(&rx);
			seq = start;
			continue;
		}
		shm_pipe_rx_flush(&rx);
		if (r == 0)
			sched_yield();
	}
	return 0;
}

static void two_process_run(struct __test_metadata *_metadata,
			    uint64_t ring_len, uint64_t total)
{
	void *buf = mmap(NULL, ring_len, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int status, rc;
	pid_t pid;

	ASSERT_NE(MAP_FAILED, buf);
	/* Pre-initialised like gVisor's pipe files: a zero header would be
	 * an empty published slot if the consumer looked first.
	 */
	*(uint64_t *)buf = FREE;
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(produce(buf, ring_len, total));
	rc = consume(buf, ring_len, total);
	EXPECT_EQ(0, rc);
	if (rc)
		kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	munmap(buf, ring_len);
}

/* A fixture only for the longer timeout the harness gives TEST_F. */
FIXTURE(two_procs) {
	int unused;
};

FIXTURE_SETUP(two_procs)
{
}

FIXTURE_TEARDOWN(two_procs)
{
}

TEST_F_TIMEOUT(two_procs, small_ring, 300)
{
	/* 1 KiB: a wrap every few slots. */
	two_process_run(_metadata, 1024, test_packets() / 2);
}

TEST_F_TIMEOUT(two_procs, default_ring, 300)
{
	two_process_run(_metadata, 64 << 10, test_packets() / 2);
}

TEST_HARNESS_MAIN
