// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Interoperability with gVisor's own sharedmem code: our server endpoint
 * against a client built on gVisor's queue.Tx/queue.Rx, and our client
 * endpoint against a server built on gVisor's pipe and queue code (with its
 * posted-size quirk). 20000 packets of 8 to 3907 bytes each way, every byte
 * checked on both sides. The peers come from lib/tests/gvisor_peer/build.sh
 * and a gVisor checkout (make sharedmem-test GVISOR_SRC=...); without them
 * (SHAREDMEM_GVISOR_PEERS unset) the tests SKIP.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/wait.h>

#include "sharedmem_util.h"
#include "kselftest_harness.h"

#define PACKETS		20000
#define BUFFER_SIZE	2048

static size_t pkt_len(uint64_t seq)
{
	return 8 + (size_t)(((seq * 0x9e3779b97f4a7c15ULL) >> 40) % 3900);
}

struct checker {
	uint64_t next;
	uint64_t bad;
	bool trim;	/* a gVisor server reports whole posted buffers */
};

static int check_packet(const struct iovec *iov, int iovcnt, size_t len,
			void *arg)
{
	struct checker *c = arg;
	uint8_t pkt[2 * BUFFER_SIZE];
	size_t off = 0;
	uint64_t seq;

	for (int i = 0; i < iovcnt && off + iov[i].iov_len <= sizeof(pkt);
	     i++) {
		memcpy(pkt + off, iov[i].iov_base, iov[i].iov_len);
		off += iov[i].iov_len;
	}
	memcpy(&seq, pkt, 8);
	/* As the IP layer would, cut the padding up to the buffer's end. */
	if (c->trim && len % BUFFER_SIZE == 0 && len >= pkt_len(seq))
		len = pkt_len(seq);
	if (seq != c->next || len != pkt_len(seq))
		c->bad++;
	for (size_t i = 8; i < len && !c->bad; i++)
		if (pkt[i] != (uint8_t)(seq ^ i))
			c->bad++;
	c->next++;
	return 0;
}

/* Runs the peer with the TX config at fds 3-7 and the RX config at 8-12. */
static pid_t spawn_peer(const char *prog, struct sharedmem_queue_config *tx,
			struct sharedmem_queue_config *rx)
{
	int fds[10] = { tx->data_fd, tx->event_fd, tx->tx_pipe_fd,
			tx->rx_pipe_fd, tx->shared_data_fd, rx->data_fd,
			rx->event_fd, rx->tx_pipe_fd, rx->rx_pipe_fd,
			rx->shared_data_fd };
	pid_t pid = fork();

	if (pid == 0) {
		char count[16];
		int high[10];

		for (int i = 0; i < 10; i++)
			high[i] = fcntl(fds[i], F_DUPFD, 20);
		for (int i = 0; i < 10; i++)
			dup2(high[i], 3 + i);
		snprintf(count, sizeof(count), "%d", PACKETS);
		execl(prog, prog, count, (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* Sends and receives PACKETS each way; 0 when all arrived intact. */
static int exchange(struct sharedmem_endpoint *ep, struct checker *c)
{
	uint8_t pkt[2 * BUFFER_SIZE];
	uint64_t sent = 0;
	int idle = 0;

	while ((sent < PACKETS || c->next < PACKETS) && !c->bad) {
		bool progress = false;
		int r;

		if (sent < PACKETS) {
			size_t len = pkt_len(sent);

			memcpy(pkt, &sent, 8);
			for (size_t i = 8; i < len; i++)
				pkt[i] = (uint8_t)(sent ^ i);
			r = shm_send_buf(ep, pkt, len);
			if (r == 0) {
				sent++;
				progress = true;
			} else if (r != -EAGAIN) {
				return r;
			}
		}
		r = sharedmem_endpoint_recv_batch(ep, check_packet, c, 64);
		if (r > 0)
			progress = true;
		else if (r != -EAGAIN)
			return r;
		if (progress) {
			idle = 0;
			continue;
		}
		if (sharedmem_endpoint_wait(ep, 1) == 0 && ++idle > 5000)
			return -ETIMEDOUT;
	}
	return c->bad ? -EBADMSG : 0;
}

static void run_against(struct __test_metadata *_metadata, int side,
			const char *peer_name)
{
	const char *dir = getenv("SHAREDMEM_GVISOR_PEERS");
	struct sharedmem_queue_config tx, rx;
	struct sharedmem_endpoint *ep;
	struct checker c = { .trim = side == SHAREDMEM_CLIENT };
	char prog[4096];
	int status;
	pid_t pid;

	if (!dir || !*dir)
		SKIP(return, "SHAREDMEM_GVISOR_PEERS not set (make sharedmem-test GVISOR_SRC=<gVisor checkout>)");
	snprintf(prog, sizeof(prog), "%s/%s", dir, peer_name);
	if (access(prog, X_OK))
		SKIP(return, "no %s in SHAREDMEM_GVISOR_PEERS", peer_name);
	ASSERT_EQ(0, sharedmem_queue_pair_create(NULL, &tx, &rx));
	pid = spawn_peer(prog, &tx, &rx);
	ASSERT_GE(pid, 0);
	ASSERT_EQ(0, sharedmem_endpoint_create(side, &tx, &rx, NULL, &ep));
	EXPECT_EQ(0, exchange(ep, &c));
	EXPECT_EQ(PACKETS, c.next);
	EXPECT_EQ(0, shm_stats(ep).drops_bad_descriptor +
		  shm_stats(ep).drops_bad_completion +
		  shm_stats(ep).drops_ring_damaged);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	sharedmem_endpoint_destroy(ep);
}

TEST(our_server_with_gvisor_client)
{
	run_against(_metadata, SHAREDMEM_SERVER, "sharedmem-gvisor-client");
}

TEST(our_client_with_gvisor_server)
{
	run_against(_metadata, SHAREDMEM_CLIENT, "sharedmem-gvisor-server");
}

TEST_HARNESS_MAIN
