// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * White-box tests of the queue descriptors (gvisor-protocols.md 6.3):
 * each encoder against a hand-written little-endian byte string, each
 * decoder back, and the decoders' refusals (out of bounds, overflow,
 * short, malformed).
 */
#include <string.h>

#include "sharedmem/descriptor.h"
#include "kselftest_harness.h"

TEST(tx_packet_descriptor_bytes)
{
	static const uint8_t want[] = {
		0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01,	/* id */
		0x34, 0x12, 0x00, 0x00,				/* total */
		0x00, 0x00, 0x00, 0x00,				/* reserved */
		0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* buf0.offset */
		0x00, 0x08, 0x00, 0x00,				/* buf0.size */
		0x00, 0x18, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,	/* buf1.offset */
		0x34, 0x0a, 0x00, 0x00,				/* buf1.size */
	};
	struct shm_buffer b[2] = {
		{ .offset = 0x1000, .size = 0x800 },
		{ .offset = 0x100001800ULL, .size = 0xa34 },
	};
	static struct shm_tx_packet p;
	uint8_t got[sizeof(want)];
	int has_id;

	ASSERT_EQ(sizeof(want), shm_tx_desc_size(2));
	shm_tx_desc_encode(got, 0x0102030405060708ULL, 0x1234, b, 2);
	EXPECT_EQ(0, memcmp(got, want, sizeof(want)));
	EXPECT_EQ(0, shm_tx_desc_decode(want, sizeof(want), 1ULL << 33, &p,
					&has_id));
	EXPECT_EQ(1, has_id);
	EXPECT_EQ(0x0102030405060708ULL, p.id);
	EXPECT_EQ(0x1234, p.total);
	EXPECT_EQ(2, p.n);
	EXPECT_EQ(0x100001800ULL, p.buf[1].offset);
	EXPECT_EQ(0xa34, p.buf[1].size);
	/* The same bytes against a 4 GiB data file: buf1 is outside. */
	EXPECT_EQ(SHM_DESC_OUT_OF_BOUNDS,
		  shm_tx_desc_decode(want, sizeof(want), 1ULL << 32, &p,
				     &has_id));
	EXPECT_EQ(1, has_id);
	/*
	 * Trailing bytes short of a buffer are ignored, as in gVisor: one
	 * buffer is left, and 0x800 bytes cannot hold 0x1234.
	 */
	EXPECT_EQ(SHM_DESC_SHORT, shm_tx_desc_decode(want, sizeof(want) - 1,
						     1ULL << 33, &p, &has_id));
	EXPECT_EQ(1, p.n);
}

TEST(tx_completion_bytes)
{
	static const uint8_t want[] = { 0xef, 0xbe, 0xad, 0xde, 0, 0, 0, 0x80 };
	uint8_t got[8];
	uint64_t id;

	shm_tx_completion_encode(got, 0x80000000deadbeefULL);
	EXPECT_EQ(0, memcmp(got, want, 8));
	EXPECT_EQ(0, shm_tx_completion_decode(want, 8, &id));
	EXPECT_EQ(0x80000000deadbeefULL, id);
	EXPECT_EQ(SHM_DESC_MALFORMED, shm_tx_completion_decode(want, 7, &id));
	EXPECT_EQ(SHM_DESC_MALFORMED, shm_tx_completion_decode(want, 16, &id));
}

TEST(rx_posted_buffer_bytes)
{
	static const uint8_t want[] = {
		0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* offset */
		0x00, 0x08, 0x00, 0x00,				/* size */
		0x00, 0x00, 0x00, 0x00,				/* remainingInGroup */
		0x55, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* userData */
		0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* id */
	};
	struct shm_buffer b = { .offset = 0x2000, .size = 0x800,
				.user_data = 0x55, .id = 7 }, d;
	uint8_t got[SHM_RX_POSTED];

	shm_rx_posted_encode(got, &b);
	EXPECT_EQ(0, memcmp(got, want, sizeof(want)));
	EXPECT_EQ(0, shm_rx_posted_decode(want, 32, 0x2800, &d));
	EXPECT_EQ(0x2000, d.offset);
	EXPECT_EQ(0x800, d.size);
	EXPECT_EQ(0x55, d.user_data);
	EXPECT_EQ(7, d.id);
	EXPECT_EQ(SHM_DESC_OUT_OF_BOUNDS, shm_rx_posted_decode(want, 32, 0x27ff,
								&d));
	EXPECT_EQ(SHM_DESC_MALFORMED, shm_rx_posted_decode(want, 31, 0x2800,
							    &d));
}

TEST(rx_completion_bytes)
{
	static const uint8_t want[] = {
		0x64, 0x00, 0x00, 0x00,				/* total */
		0x00, 0x00, 0x00, 0x00,				/* reserved */
		0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* offset */
		0x00, 0x08, 0x00, 0x00,				/* size */
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* userData */
		0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* id */
	};
	struct shm_buffer b = { .offset = 0x800, .size = 0x800, .id = 1 };
	static struct shm_rx_packet p;
	uint8_t got[sizeof(want)];

	ASSERT_EQ(36, shm_rx_completion_size(1));	/* RxCompletionSize(1) */
	shm_rx_completion_encode(got, 100, &b, 1);
	EXPECT_EQ(0, memcmp(got, want, sizeof(want)));
	EXPECT_EQ(0, shm_rx_completion_decode(want, sizeof(want), &p));
	EXPECT_EQ(100, p.total);
	EXPECT_EQ(1, p.n);
	EXPECT_EQ(0x800, p.buf[0].offset);
	EXPECT_EQ(1, p.buf[0].id);
	EXPECT_EQ(SHM_DESC_MALFORMED, shm_rx_completion_decode(want, 7, &p));
}

TEST(hostile_descriptors_refused)
{
	struct shm_buffer b[2];
	static struct shm_tx_packet p;
	static struct shm_rx_packet r;
	static uint8_t slot[SHM_TX_DESC_HEADER + 12 * 200];
	int has_id;

	/* Offset at the end, a size past it, and offset + size wrapping. */
	b[0] = (struct shm_buffer){ .offset = 4096, .size = 1 };
	shm_tx_desc_encode(slot, 1, 1, b, 1);
	EXPECT_EQ(SHM_DESC_OUT_OF_BOUNDS,
		  shm_tx_desc_decode(slot, shm_tx_desc_size(1), 4096, &p,
				     &has_id));
	b[0] = (struct shm_buffer){ .offset = 4000, .size = 97 };
	shm_tx_desc_encode(slot, 1, 1, b, 1);
	EXPECT_EQ(SHM_DESC_OUT_OF_BOUNDS,
		  shm_tx_desc_decode(slot, shm_tx_desc_size(1), 4096, &p,
				     &has_id));
	b[0] = (struct shm_buffer){ .offset = 0xfffffffffffffff0ULL,
				    .size = 0x20 };
	shm_tx_desc_encode(slot, 1, 1, b, 1);
	EXPECT_EQ(SHM_DESC_OUT_OF_BOUNDS,
		  shm_tx_desc_decode(slot, shm_tx_desc_size(1), 4096, &p,
				     &has_id));
	/* A total larger than the buffers. */
	b[0] = (struct shm_buffer){ .offset = 0, .size = 50 };
	b[1] = (struct shm_buffer){ .offset = 100, .size = 49 };
	shm_tx_desc_encode(slot, 1, 100, b, 2);
	EXPECT_EQ(SHM_DESC_SHORT,
		  shm_tx_desc_decode(slot, shm_tx_desc_size(2), 4096, &p,
				     &has_id));
	/* Too many buffers; too short for a header, or even an id. */
	EXPECT_EQ(SHM_DESC_TOO_MANY,
		  shm_tx_desc_decode(slot, shm_tx_desc_size(200), 4096, &p,
				     &has_id));
	EXPECT_EQ(SHM_DESC_MALFORMED, shm_tx_desc_decode(slot, 12, 4096, &p,
							  &has_id));
	EXPECT_EQ(1, has_id);
	EXPECT_EQ(SHM_DESC_MALFORMED, shm_tx_desc_decode(slot, 7, 4096, &p,
							  &has_id));
	EXPECT_EQ(0, has_id);

	/* RX: sizes that overflow a u32 when summed; sizes short of total. */
	b[0] = (struct shm_buffer){ .size = 0xffffffff };
	b[1] = (struct shm_buffer){ .size = 2 };
	shm_rx_completion_encode(slot, 1, b, 2);
	EXPECT_EQ(SHM_DESC_SHORT,
		  shm_rx_completion_decode(slot, shm_rx_completion_size(2),
					   &r));
	b[0].size = 10;
	shm_rx_completion_encode(slot, 13, b, 2);
	EXPECT_EQ(SHM_DESC_SHORT,
		  shm_rx_completion_decode(slot, shm_rx_completion_size(2),
					   &r));
}

TEST_HARNESS_MAIN
