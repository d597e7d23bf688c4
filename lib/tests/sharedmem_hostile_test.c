// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * An honest endpoint against a hostile peer that writes the shared rings
 * itself (through the library's internal pipe code and raw stores): bad
 * descriptors, completions for ids never sent, damaged wrap slots and
 * garbage headers are dropped and counted; nothing reads or writes outside
 * the mappings (run under ASan by sharedmem-test-sanitize) and nothing
 * hangs. White-box: links the internals.
 */
#include <string.h>

#include "sharedmem/descriptor.h"
#include "sharedmem/pipe.h"
#include "sharedmem/queue.h"
#include "sharedmem/queue_mem.h"
#include "sharedmem_util.h"
#include "kselftest_harness.h"

/* The peer's view of both queues, mapped from dups of the configs. */
struct hostile {
	struct shm_queue_mem tx, rx;
	struct shm_pipe_tx out_tx, out_rx;	/* pipes the peer produces */
	struct shm_pipe_rx in_tx, in_rx;	/* pipes the peer consumes */
};

/*
 * An endpoint on side, and h mapping the same queues from dups of their
 * configs, its pipes wired as the other side's would be.
 */
static void hostile_setup(struct __test_metadata *_metadata, int side,
			  struct sharedmem_endpoint **ep, struct hostile *h)
{
	struct sharedmem_queue_config tx, rx, tx2, rx2;

	ASSERT_EQ(0, sharedmem_queue_pair_create(NULL, &tx, &rx));
	ASSERT_EQ(0, shm_config_dup(&tx, &tx2));
	ASSERT_EQ(0, shm_config_dup(&rx, &rx2));
	ASSERT_EQ(0, sharedmem_endpoint_create(side, &tx, &rx, NULL, ep));
	ASSERT_EQ(0, shm_queue_map(&tx2, &h->tx));
	ASSERT_EQ(0, shm_queue_map(&rx2, &h->rx));
	if (side == SHAREDMEM_SERVER) {
		ASSERT_EQ(0, shm_queue_client_pipes(&h->tx, &h->out_tx,
						    &h->in_tx));
		ASSERT_EQ(0, shm_queue_client_pipes(&h->rx, &h->out_rx,
						    &h->in_rx));
	} else {
		ASSERT_EQ(0, shm_queue_server_pipes(&h->tx, &h->in_tx,
						    &h->out_tx));
		ASSERT_EQ(0, shm_queue_server_pipes(&h->rx, &h->in_rx,
						    &h->out_rx));
	}
}

static void hostile_teardown(struct sharedmem_endpoint *ep, struct hostile *h)
{
	sharedmem_endpoint_destroy(ep);
	shm_queue_unmap(&h->tx);
	shm_queue_unmap(&h->rx);
}

FIXTURE(vs_server) {
	struct sharedmem_endpoint *ep;
	struct hostile h;	/* a hostile client */
};

FIXTURE_SETUP(vs_server)
{
	hostile_setup(_metadata, SHAREDMEM_SERVER, &self->ep, &self->h);
}

FIXTURE_TEARDOWN(vs_server)
{
	hostile_teardown(self->ep, &self->h);
}

static void push_desc(struct hostile *h, uint64_t id, uint32_t total,
		      const struct shm_buffer *b, uint32_t n)
{
	uint8_t *slot = shm_pipe_tx_push(&h->out_tx, shm_tx_desc_size(n));

	shm_tx_desc_encode(slot, id, total, b, n);
	shm_pipe_tx_flush(&h->out_tx);
}

/* Completions the server returned, in order; count returned. */
static int completions(struct hostile *h, uint64_t *ids, int max)
{
	const uint8_t *slot;
	uint32_t size;
	int n = 0;

	while (n < max && shm_pipe_rx_pull(&h->in_tx, &slot, &size) == 1)
		if (size == 8)
			ids[n++] = shm_get_le64(slot);
	shm_pipe_rx_flush(&h->in_tx);
	return n;
}

TEST_F(vs_server, bad_tx_descriptors_dropped_counted_completed)
{
	const uint64_t len = SHAREDMEM_DEFAULT_DATA_LEN;
	struct shm_buffer b[2];
	uint8_t got[256];
	uint64_t ids[16];
	uint8_t *slot;

	b[0] = (struct shm_buffer){ .offset = len, .size = 10 };
	push_desc(&self->h, 1, 10, b, 1);		/* offset outside */
	b[0] = (struct shm_buffer){ .offset = len - 5, .size = 10 };
	push_desc(&self->h, 2, 10, b, 1);		/* size outside */
	b[0] = (struct shm_buffer){ .offset = ~0ULL - 7, .size = 16 };
	push_desc(&self->h, 3, 16, b, 1);		/* sum overflows */
	b[0] = (struct shm_buffer){ .offset = 0, .size = 50 };
	b[1] = (struct shm_buffer){ .offset = 64, .size = 49 };
	push_desc(&self->h, 4, 100, b, 2);		/* total > buffers */
	slot = shm_pipe_tx_push(&self->h.out_tx, 4);	/* no id at all */
	memset(slot, 0xff, 4);
	shm_pipe_tx_flush(&self->h.out_tx);
	/* Then an honest packet: still delivered, in order. */
	memcpy(self->h.tx.data + 128, "hello", 5);
	b[0] = (struct shm_buffer){ .offset = 128, .size = 5 };
	push_desc(&self->h, 5, 5, b, 1);

	ASSERT_EQ(5, sharedmem_endpoint_recv(self->ep, got, sizeof(got)));
	EXPECT_EQ(0, memcmp(got, "hello", 5));
	EXPECT_EQ(-EAGAIN, sharedmem_endpoint_recv(self->ep, got, sizeof(got)));
	EXPECT_EQ(5, shm_stats(self->ep).drops_bad_descriptor);
	EXPECT_EQ(1, shm_stats(self->ep).rx_packets);
	/* Every packet with an id is completed, so its buffers come back. */
	ASSERT_EQ(5, completions(&self->h, ids, 16));
	for (int i = 0; i < 5; i++)
		EXPECT_EQ(i + 1, ids[i]);
}

TEST_F(vs_server, damaged_wrap_slot_kills_queue_without_hang)
{
	uint8_t got[64];

	/* A "wrap" whose end is not offset 0 of the next revolution. */
	shm_pipe_store(self->h.tx.tx_pipe, 0, 0xfffff000ULL, __ATOMIC_RELEASE);
	EXPECT_EQ(-EPROTO, sharedmem_endpoint_recv(self->ep, got, sizeof(got)));
	EXPECT_EQ(1, shm_stats(self->ep).drops_ring_damaged);
	EXPECT_EQ(-EPROTO, sharedmem_endpoint_recv(self->ep, got, sizeof(got)));
	EXPECT_EQ(-EPROTO, sharedmem_endpoint_wait(self->ep, 1000));
	EXPECT_EQ(1, shm_stats(self->ep).drops_ring_damaged);
}

TEST_F(vs_server, garbage_pipe_header)
{
	uint8_t got[64];

	shm_pipe_store(self->h.tx.tx_pipe, 0, 0x1234567800000010ULL,
		       __ATOMIC_RELEASE);
	EXPECT_EQ(-EPROTO, sharedmem_endpoint_recv(self->ep, got, sizeof(got)));
	EXPECT_EQ(1, shm_stats(self->ep).drops_ring_damaged);
}

TEST_F(vs_server, ring_of_wrap_slots_ends)
{
	uint8_t got[64];

	/*
	 * A valid wrap slot at 0 spanning the whole revolution: skipped and
	 * freed, after which the ring is empty, not looping.
	 */
	shm_pipe_store(self->h.tx.tx_pipe, 0, SHM_PIPE_JUMP - 8,
		       __ATOMIC_RELEASE);
	EXPECT_EQ(-EAGAIN, sharedmem_endpoint_recv(self->ep, got, sizeof(got)));
	EXPECT_EQ(SHM_SLOT_FREE | (SHM_PIPE_JUMP - 8),
		  shm_pipe_load(self->h.tx.tx_pipe, 0));
}

TEST_F(vs_server, posted_buffers_outside_data_file)
{
	struct shm_buffer b = { .offset = SHAREDMEM_DEFAULT_DATA_LEN - 100,
				.size = 2048, .id = 1 };
	uint8_t pkt[200] = { 0 };
	uint8_t *slot;

	slot = shm_pipe_tx_push(&self->h.out_rx, SHM_RX_POSTED);
	shm_rx_posted_encode(slot, &b);
	shm_pipe_tx_flush(&self->h.out_rx);
	EXPECT_EQ(-EAGAIN, shm_send_buf(self->ep, pkt, sizeof(pkt)));
	EXPECT_EQ(1, shm_stats(self->ep).drops_bad_descriptor);
	EXPECT_EQ(1, shm_stats(self->ep).drops_no_buffers);
	/* Posted buffers too small for the packet: dropped, not stuck. */
	for (int i = 0; i < (int)SHM_MAX_PACKET_BUFFERS; i++) {
		b = (struct shm_buffer){ .offset = 0, .size = 1, .id = i };
		slot = shm_pipe_tx_push(&self->h.out_rx, SHM_RX_POSTED);
		ASSERT_NE(NULL, slot);
		shm_rx_posted_encode(slot, &b);
	}
	shm_pipe_tx_flush(&self->h.out_rx);
	EXPECT_EQ(-ENOBUFS, shm_send_buf(self->ep, pkt, sizeof(pkt)));
	EXPECT_EQ(-EAGAIN, shm_send_buf(self->ep, pkt, sizeof(pkt)));
}

FIXTURE(vs_client) {
	struct sharedmem_endpoint *ep;
	struct hostile h;	/* a hostile server */
};

FIXTURE_SETUP(vs_client)
{
	hostile_setup(_metadata, SHAREDMEM_CLIENT, &self->ep, &self->h);
}

FIXTURE_TEARDOWN(vs_client)
{
	hostile_teardown(self->ep, &self->h);
}

static void push_tx_completion(struct hostile *h, uint64_t id, uint32_t size)
{
	uint8_t *slot = shm_pipe_tx_push(&h->out_tx, size);

	memset(slot, 0, size);
	shm_tx_completion_encode(slot, id);
	shm_pipe_tx_flush(&h->out_tx);
}

TEST_F(vs_client, completions_for_ids_never_sent)
{
	static uint8_t pkt[2048];
	static struct shm_tx_packet d;
	const uint8_t *slot;
	uint32_t size;
	int has_id, sent = 0;

	ASSERT_EQ(0, shm_send_buf(self->ep, pkt, 100));
	ASSERT_EQ(1, shm_pipe_rx_pull(&self->h.in_tx, &slot, &size));
	ASSERT_EQ(0, shm_tx_desc_decode(slot, size, SHAREDMEM_DEFAULT_DATA_LEN,
					&d, &has_id));
	shm_pipe_rx_flush(&self->h.in_tx);
	push_tx_completion(&self->h, 0xdeadbeef, 8);	/* never sent */
	push_tx_completion(&self->h, d.id ^ (1ULL << 40), 8); /* stale seq */
	push_tx_completion(&self->h, d.id, 12);		/* malformed */
	push_tx_completion(&self->h, d.id, 8);		/* the real one */
	push_tx_completion(&self->h, d.id, 8);		/* again */
	/* Completions are reaped at the next send. */
	ASSERT_EQ(0, shm_send_buf(self->ep, pkt, 100));
	EXPECT_EQ(4, shm_stats(self->ep).drops_bad_completion);
	/* No buffer was freed twice: 511 more packets fit, not 512. */
	while (shm_send_buf(self->ep, pkt, sizeof(pkt)) == 0)
		sent++;
	EXPECT_EQ(511, sent);
}

/* The buffers the client posted, as a hostile server pulls them. */
static int pull_posted(struct hostile *h, struct shm_buffer *b, int max)
{
	const uint8_t *slot;
	uint32_t size;
	int n = 0;

	while (n < max && shm_pipe_rx_pull(&h->in_rx, &slot, &size) == 1)
		shm_rx_posted_decode(slot, size, SHAREDMEM_DEFAULT_DATA_LEN,
				     &b[n++]);
	shm_pipe_rx_flush(&h->in_rx);
	return n;
}

static void push_rx_completion(struct hostile *h, uint32_t total,
			       const struct shm_buffer *b, uint32_t n)
{
	uint8_t *slot = shm_pipe_tx_push(&h->out_rx, shm_rx_completion_size(n));

	shm_rx_completion_encode(slot, total, b, n);
	shm_pipe_tx_flush(&h->out_rx);
}

TEST_F(vs_client, bad_rx_completions_dropped_buffers_kept)
{
	static struct shm_buffer posted[600];
	struct shm_buffer b[2];
	uint8_t got[4096];
	int n = pull_posted(&self->h, posted, 600);

	/* 1 MiB of 2048-byte buffers, all posted (the pipe holds 1638). */
	ASSERT_EQ(512, n);
	b[0] = posted[0];
	b[0].id = 9999;					/* never posted */
	push_rx_completion(&self->h, 10, b, 1);
	b[0] = posted[1];
	b[0].offset += 8;				/* not where posted */
	push_rx_completion(&self->h, 10, b, 1);
	b[0] = posted[2];
	b[0].size = 4096;				/* larger than posted */
	push_rx_completion(&self->h, 10, b, 1);
	b[0] = posted[3];
	push_rx_completion(&self->h, 4000, b, 1);	/* total > buffers */
	b[0] = posted[4];
	b[0].size = 0xffffffff;				/* sum overflows */
	b[1] = posted[5];
	push_rx_completion(&self->h, 1, b, 2);
	b[0] = posted[6];
	b[1] = posted[6];				/* same buffer twice */
	push_rx_completion(&self->h, 10, b, 2);
	/* Then an honest one. */
	memcpy(self->h.rx.data + posted[7].offset, "world", 5);
	b[0] = posted[7];
	b[0].size = 5;
	push_rx_completion(&self->h, 5, b, 1);

	ASSERT_EQ(5, sharedmem_endpoint_recv(self->ep, got, sizeof(got)));
	EXPECT_EQ(0, memcmp(got, "world", 5));
	EXPECT_EQ(-EAGAIN, sharedmem_endpoint_recv(self->ep, got, sizeof(got)));
	EXPECT_EQ(6, shm_stats(self->ep).drops_bad_descriptor);
	/* Buffers named correctly were posted again, the others not. */
	n = pull_posted(&self->h, posted, 600);
	EXPECT_EQ(4, n);	/* 3, 5, 6, 7: 4 was named with a wrong size */
}

TEST_F(vs_client, damaged_completion_ring)
{
	uint8_t got[64];

	shm_pipe_store(self->h.rx.rx_pipe, 0, 0xfffffff0ULL, __ATOMIC_RELEASE);
	EXPECT_EQ(-EPROTO, sharedmem_endpoint_recv(self->ep, got, sizeof(got)));
	EXPECT_EQ(1, shm_stats(self->ep).drops_ring_damaged);
	shm_pipe_store(self->h.tx.rx_pipe, 0, 0x00ff000000000008ULL,
		       __ATOMIC_RELEASE);
	EXPECT_EQ(-EPROTO, shm_send_buf(self->ep, got, 8));
}

TEST_HARNESS_MAIN
