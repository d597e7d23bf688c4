// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libFuzzer target: the receive paths of the sharedmem queues over ring
 * contents written by a hostile peer. The first byte picks the path; the
 * rest is the ring the peer produces (and, for the server, the data file
 * the descriptors point into). Buffers are allocated at their exact sizes
 * so ASan sees any access outside them.
 *
 *   0  server: pull TX descriptors, read every byte they point at
 *   1  client: pull RX completions, read the packets, post buffers again
 *   2  producer: push into a ring whose free headers the peer wrote
 *   3  the descriptor decoders on the raw bytes
 */
#include <stdlib.h>
#include <string.h>

#include "sharedmem/queue.h"

#define RING_LEN	1024u
#define DATA_LEN	4096u

static uint8_t touch(const struct shm_packet *p)
{
	uint8_t sum = 0;

	for (int i = 0; i < p->n; i++)
		for (size_t j = 0; j < p->iov[i].iov_len; j++)
			sum += ((const uint8_t *)p->iov[i].iov_base)[j];
	return sum;
}

static void load(uint8_t *ring, const uint8_t *in, size_t n)
{
	memset(ring, 0, RING_LEN);
	memcpy(ring, in, n < RING_LEN ? n : RING_LEN);
}

static void fuzz_server(struct shm_queue_mem *m, const uint8_t *in, size_t n)
{
	static struct shm_txq_server q;
	static struct shm_packet p;
	struct sharedmem_stats st = { 0 };
	volatile uint8_t sink;

	if (shm_txq_server_init(&q, m))
		return;
	load(m->tx_pipe, in, n);
	if (n > RING_LEN)
		memcpy(m->data, in + RING_LEN,
		       n - RING_LEN < DATA_LEN ? n - RING_LEN : DATA_LEN);
	for (int i = 0; i < 256; i++) {
		int r = shm_txq_server_next(&q, &p, SHAREDMEM_MAX_PACKET, &st);

		if (r <= 0)
			break;
		sink = touch(&p);
		(void)sink;
		if (i % 3 == 0)
			shm_txq_server_flush(&q);
	}
	shm_txq_server_flush(&q);
}

static void fuzz_client(struct shm_queue_mem *m, const uint8_t *in, size_t n)
{
	static struct shm_rxq_client q;
	static struct shm_packet p;
	struct sharedmem_stats st = { 0 };
	volatile uint8_t sink;

	if (shm_rxq_client_init(&q, m, 256))
		return;
	load(m->rx_pipe, in, n);
	for (int i = 0; i < 256; i++) {
		int r = shm_rxq_client_next(&q, &p, SHAREDMEM_MAX_PACKET, &st);

		if (r <= 0)
			break;
		sink = touch(&p);
		(void)sink;
		if (i % 2)
			shm_rxq_client_flush(&q);
	}
	shm_rxq_client_flush(&q);
	shm_rxq_client_fini(&q);
}

static void fuzz_producer(struct shm_queue_mem *m, const uint8_t *in,
			  size_t n)
{
	struct shm_pipe_tx tx;

	if (shm_pipe_tx_init(&tx, m->tx_pipe, RING_LEN))
		return;
	/* Fill the ring, let the "consumer" rewrite it, push on. */
	while (shm_pipe_tx_push(&tx, 40))
		;
	shm_pipe_tx_flush(&tx);
	load(m->tx_pipe, in, n);
	for (int i = 0; i < 64 && !tx.damaged; i++) {
		uint8_t *p = shm_pipe_tx_push(&tx, (uint64_t)(in[i % n]) * 3);

		if (p)
			memset(p, 0xab, (size_t)(in[i % n]) * 3);
		if (i % 4 == 0)
			shm_pipe_tx_flush(&tx);
	}
}

static void fuzz_decoders(const uint8_t *in, size_t n)
{
	static struct shm_tx_packet tp;
	static struct shm_rx_packet rp;
	struct shm_buffer b;
	uint64_t id;
	int has_id;
	uint32_t size = n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
	uint32_t cap = shm_tx_desc_size(SHM_MAX_PACKET_BUFFERS);

	/* The decoders read at most what a slot of this size holds. */
	if (size > cap)
		size = cap;
	shm_tx_desc_decode(in, size, DATA_LEN, &tp, &has_id);
	shm_tx_completion_decode(in, size, &id);
	shm_rx_posted_decode(in, size, DATA_LEN, &b);
	if (size > shm_rx_completion_size(SHM_MAX_PACKET_BUFFERS))
		size = shm_rx_completion_size(SHM_MAX_PACKET_BUFFERS);
	shm_rx_completion_decode(in, size, &rp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct shm_queue_mem m;
	uint32_t notify = 0;

	if (size < 2)
		return 0;
	memset(&m, 0, sizeof(m));
	m.data = malloc(DATA_LEN);
	m.data_len = DATA_LEN;
	m.tx_pipe = aligned_alloc(8, RING_LEN);
	m.tx_pipe_len = RING_LEN;
	m.rx_pipe = aligned_alloc(8, RING_LEN);
	m.rx_pipe_len = RING_LEN;
	m.notify = &notify;
	m.event_fd = m.device_fd = -1;
	memset(m.data, 0, DATA_LEN);
	memset(m.tx_pipe, 0, RING_LEN);
	memset(m.rx_pipe, 0, RING_LEN);
	switch (data[0] & 3) {
	case 0:
		fuzz_server(&m, data + 1, size - 1);
		break;
	case 1:
		fuzz_client(&m, data + 1, size - 1);
		break;
	case 2:
		fuzz_producer(&m, data + 1, size - 1);
		break;
	default:
		fuzz_decoders(data + 1, size - 1);
	}
	free(m.data);
	free(m.tx_pipe);
	free(m.rx_pipe);
	return 0;
}
