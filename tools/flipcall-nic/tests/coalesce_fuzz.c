// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: flipcall-nic's TCP segment coalescer over frames from a
 * hostile peer. The input is a sequence of records
 *
 *   u8 ctl, be16 len, len bytes of frame (fewer if the input ends)
 *
 * ctl bits 0-2: the frame is offered in that many + 1 iovecs, cut at
 * points drawn from the frame's bytes; bit 3: flush after it; bit 4: make
 * the IP length fields and the IPv4/TCP checksums right first (or nothing
 * would ever merge); bit 5: grow the frame past the staging buffer.
 *
 * Every emitted frame is checked against the frames that went in, in
 * order: a frame with no GSO is exactly the next input frame; a GSO frame
 * is the next N input frames, all valid TCP segments of one flow in
 * sequence, whose payloads it carries in order behind the first one's
 * headers, with its lengths, IPv4 checksum and pseudo-header sum right.
 * At the end every input frame has gone out exactly once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/if_ether.h>
#include <linux/virtio_net.h>

#include "../coalesce.h"
#include "frame_sum.h"

#define FRAME_MAX	1514
#define L3_MAX		65535
#define OVERSIZE	(ETH_HLEN + L3_MAX + 1000)
#define MAX_FRAMES	4096

struct in_frame {
	unsigned char *data;
	size_t len;
};

static struct in_frame ins[MAX_FRAMES];
static size_t nin, next_in, nemitted;
static unsigned char *gathered;	/* an emitted frame, contiguous */

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, \
			__LINE__, #cond); \
		abort(); \
	} \
} while (0)

static bool is_v6(const unsigned char *f)
{
	return rd16(f + 12) == ETH_P_IPV6;
}

/* A whole valid TCP segment (IP length right, checksums right)? */
static bool tcp_valid(const unsigned char *f, size_t len)
{
	bool v6 = is_v6(f);
	size_t l4 = ETH_HLEN + (v6 ? 40 : 20);

	if (len < l4 + 20)
		return false;
	if (!v6 && fold(sum_be(0, f + ETH_HLEN, 20)) != 0xffff)
		return false;
	return fold(sum_be(pseudo_be(f + ETH_HLEN, v6, len - l4), f + l4,
			   len - l4)) == 0xffff;
}

/* The GSO frame @g of @len bytes against the input frames it stands for. */
static void check_gso(const struct virtio_net_hdr *vh, const unsigned char *g,
		      size_t len)
{
	const struct in_frame *first;
	const unsigned char *f;
	size_t hl = vh->hdr_len, ip = ETH_HLEN, l4, off, segs = 0;
	bool v6, psh = false;
	uint32_t seq;

	CHECK(next_in < nin);
	first = &ins[next_in];
	f = first->data;
	CHECK(len <= ETH_HLEN + L3_MAX);
	CHECK(vh->flags == VIRTIO_NET_HDR_F_NEEDS_CSUM);
	v6 = is_v6(f);
	l4 = ip + (v6 ? 40 : 20);
	CHECK(vh->gso_type == (v6 ? VIRTIO_NET_HDR_GSO_TCPV6 :
				    VIRTIO_NET_HDR_GSO_TCPV4));
	CHECK(vh->csum_start == l4 && vh->csum_offset == 16);
	CHECK(hl >= l4 + 20 && hl < len && hl < first->len);
	CHECK(vh->gso_size == first->len - hl);
	/* Lengths and checksums of the merged frame. */
	if (v6) {
		CHECK(rd16(g + ip + 4) == len - l4);
	} else {
		CHECK(rd16(g + ip + 2) == len - ip);
		CHECK(fold(sum_be(0, g + ip, 20)) == 0xffff);
	}
	CHECK(rd16(g + l4 + 16) == fold(pseudo_be(g + ip, v6, len - l4)));
	/* The first segment's headers, but for those fields. */
	CHECK(!memcmp(g, f, v6 ? ip + 4 : ip + 2));
	CHECK(!memcmp(g + ip + (v6 ? 6 : 4), f + ip + (v6 ? 6 : 4), v6 ? 34 : 6));
	if (!v6)
		CHECK(!memcmp(g + ip + 12, f + ip + 12, 8));
	CHECK(!memcmp(g + l4, f + l4, 13));
	CHECK((g[l4 + 13] & ~0x08) == f[l4 + 13]);
	CHECK(!memcmp(g + l4 + 14, f + l4 + 14, 2));
	CHECK(!memcmp(g + l4 + 18, f + l4 + 18, hl - l4 - 18));
	/* Then the payloads of whole, valid, in-sequence segments. */
	seq = rd32(f + l4 + 4);
	for (off = hl; off < len; segs++) {
		const struct in_frame *s;
		size_t p;

		CHECK(next_in < nin);
		s = &ins[next_in];
		p = s->len - hl;
		CHECK(s->len > hl && p <= vh->gso_size && off + p <= len);
		CHECK(tcp_valid(s->data, s->len));
		/* The same flow: MACs, addresses, ports. */
		CHECK(!memcmp(s->data, f, ETH_HLEN));
		CHECK(!memcmp(s->data + ip + (v6 ? 8 : 12), f + ip + (v6 ? 8 : 12),
			      v6 ? 32 : 8));
		CHECK(!memcmp(s->data + l4, f + l4, 4));
		CHECK(rd32(s->data + l4 + 4) == seq);
		CHECK(!memcmp(g + off, s->data + hl, p));
		psh |= s->data[l4 + 13] & 0x08;
		seq += (uint32_t)p;
		off += p;
		next_in++;
	}
	CHECK(segs >= 2);
	CHECK(!!(g[l4 + 13] & 0x08) == psh);
}

static void emit(const struct iovec *iov, int iovcnt, size_t frame_len,
		 void *arg)
{
	static const struct virtio_net_hdr zero;
	struct virtio_net_hdr vh;
	size_t total = 0;

	CHECK(iovcnt >= 1 && iov[0].iov_len == sizeof(vh));
	memcpy(&vh, iov[0].iov_base, sizeof(vh));
	for (int i = 1; i < iovcnt; i++) {
		CHECK(total + iov[i].iov_len <= OVERSIZE);
		memcpy(gathered + total, iov[i].iov_base, iov[i].iov_len);
		total += iov[i].iov_len;
	}
	CHECK(total == frame_len);
	nemitted++;
	if (vh.gso_type == VIRTIO_NET_HDR_GSO_NONE) {
		CHECK(!memcmp(&vh, &zero, sizeof(vh)));
		CHECK(next_in < nin);
		CHECK(ins[next_in].len == total);
		CHECK(!memcmp(ins[next_in].data, gathered, total));
		next_in++;
		return;
	}
	check_gso(&vh, gathered, total);
}

/* Set the IP length fields and the checksums the frame's headers call for. */
static void make_valid(unsigned char *f, size_t len)
{
	size_t ip = ETH_HLEN, ihl, l4;
	bool v6;

	if (len < ip + 40 + 20)
		return;
	v6 = is_v6(f);
	if (!v6 && rd16(f + 12) != ETH_P_IP)
		return;
	if (v6) {
		ihl = 40;
		wr16(f + ip + 4, (uint16_t)(len - ip - ihl));
	} else {
		ihl = (size_t)(f[ip] & 0xf) * 4;
		if (ihl < 20)
			return;
		wr16(f + ip + 2, (uint16_t)(len - ip));
		wr16(f + ip + 10, 0);
		wr16(f + ip + 10, (uint16_t)~fold(sum_be(0, f + ip, ihl)));
	}
	l4 = ip + ihl;
	if (l4 + 20 > len)
		return;
	wr16(f + l4 + 16, 0);
	wr16(f + l4 + 16, (uint16_t)~fold(sum_be(pseudo_be(f + ip, v6, len - l4),
						 f + l4, len - l4)));
}

static void offer(struct coalescer *c, const unsigned char *f, size_t len,
		  unsigned int pieces)
{
	struct iovec iov[8 + 1];
	size_t off = 0;
	int n = 0;

	/* Cut points from the frame's own bytes, so the fuzzer steers them. */
	for (unsigned int i = 0; i < pieces && off < len; i++) {
		size_t take = len - off;

		if (i + 1 < pieces)
			take = (f[i % len] * 7u + i) % (take + 1);
		iov[n++] = (struct iovec){ (void *)(f + off), take };
		off += take;
	}
	if (off < len)
		iov[n++] = (struct iovec){ (void *)(f + off), len - off };
	coalescer_add(c, iov, n, len);
}

static void reset(void)
{
	for (size_t i = 0; i < nin; i++)
		free(ins[i].data);
	nin = next_in = nemitted = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct coalesce_stats st;
	struct coalescer *c;
	size_t pos = 0;

	if (!gathered)
		gathered = malloc(OVERSIZE);
	if (!gathered || coalescer_create(FRAME_MAX, emit, NULL, &c))
		return 0;
	while (pos + 3 <= size && nin < MAX_FRAMES) {
		uint8_t ctl = data[pos];
		size_t len = rd16(data + pos + 1), have;
		unsigned char *f;

		pos += 3;
		have = size - pos < len ? size - pos : len;
		len = ctl & 0x20 ? OVERSIZE : have;
		f = calloc(1, len ? len : 1);
		if (!f)
			break;
		/* Grown frames repeat their bytes; the staging copy must not care. */
		for (size_t i = 0; have && i < len; i += have)
			memcpy(f + i, data + pos, len - i < have ? len - i : have);
		pos += have;
		if (ctl & 0x10)
			make_valid(f, len);
		/* An empty frame is ignored: nothing is to come out for it. */
		if (len)
			ins[nin++] = (struct in_frame){ f, len };
		offer(c, f, len, (ctl & 7) + 1);
		if (!len)
			free(f);
		if (ctl & 0x08)
			coalescer_flush(c);
	}
	coalescer_flush(c);
	coalescer_stats(c, &st);
	CHECK(next_in == nin);
	CHECK(st.frames_in == nin && st.frames_out == nemitted);
	CHECK(st.merged == nin - nemitted);
	coalescer_destroy(c);
	reset();
	return 0;
}
