// SPDX-License-Identifier: GPL-2.0
/*
 * flipcall-nic's TCP segment coalescer against frames built here by hand,
 * with checksums computed here (big-endian words, independently of the
 * coalescer's native-endian sums): what must merge comes out as one GSO
 * frame whose every header field is checked; what must not comes out
 * byte-identical, behind an all-zero vnet header, in the order it went in.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <linux/if_ether.h>
#include <linux/virtio_net.h>

#include "kselftest_harness.h"
#include "../coalesce.h"
#include "frame_sum.h"

#define STREAM_LEN	(256 * 1024)
#define MAX_OUT		64
#define FRAME_MAX	1514
#define MSS4		1448	/* 1500 - 20 (IPv4) - 32 (TCP + timestamps) */
#define MSS6		1428	/* 1500 - 40 (IPv6) - 32 */
#define ETH		ETH_HLEN

/* The TCP byte stream: segment payloads are slices of it at seq - isn. */
static unsigned char stream[STREAM_LEN];
static uint32_t isn;
static uint16_t first_ip_id;

struct seg {
	bool v6;
	uint8_t mac_last;	/* last byte of the source MAC */
	uint8_t tos, ttl;	/* traffic class and hop limit for IPv6 */
	uint32_t flow_label;
	uint16_t ip_id, frag;	/* IPv4 */
	uint8_t ip_optlen;	/* IPv4 option bytes (NOPs), multiple of 4 */
	uint8_t proto;
	uint8_t src_host, dst_host;	/* last byte of each address */
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t window;
	uint8_t optlen;
	uint8_t opts[40];
	size_t payload;
	uint16_t vlan;		/* non-zero: an 802.1Q tag with this VID */
};

struct out_frame {
	struct virtio_net_hdr vh;
	size_t len;
	unsigned char *data;
};

static struct out_frame outs[MAX_OUT];
static int nout;
static int emit_errors;	/* calls whose iovecs did not add up */

static void emit(const struct iovec *iov, int iovcnt, size_t frame_len,
		 void *arg)
{
	struct out_frame *o;
	size_t total = 0;

	if (iovcnt < 1 || iov[0].iov_len != sizeof(o->vh) || nout == MAX_OUT) {
		emit_errors++;
		return;
	}
	for (int i = 1; i < iovcnt; i++)
		total += iov[i].iov_len;
	if (total != frame_len)
		emit_errors++;
	o = &outs[nout++];
	memcpy(&o->vh, iov[0].iov_base, sizeof(o->vh));
	o->data = malloc(total ? total : 1);
	o->len = total;
	total = 0;
	for (int i = 1; i < iovcnt; i++) {
		memcpy(o->data + total, iov[i].iov_base, iov[i].iov_len);
		total += iov[i].iov_len;
	}
}

static struct seg seg_nth(bool v6, unsigned int k)
{
	static const uint8_t ts[12] = { 1, 1, 8, 10, 1, 2, 3, 4, 10, 11, 12, 13 };
	struct seg s = {
		.v6 = v6, .mac_last = 2, .ttl = 64, .ip_id = (uint16_t)(first_ip_id + k),
		.frag = 0x4000, .proto = IPPROTO_TCP, .src_host = 1,
		.dst_host = 2, .sport = 40000, .dport = 5201,
		.ack = 777, .flags = 0x10, .window = 502, .optlen = 12,
		.payload = v6 ? MSS6 : MSS4,
	};

	s.seq = isn + k * (uint32_t)s.payload;
	memcpy(s.opts, ts, sizeof(ts));
	return s;
}

/* The frame @s describes, with valid checksums, into @f; its length. */
static size_t build(const struct seg *s, unsigned char *f)
{
	size_t l2 = s->vlan ? ETH + 4 : ETH, ip_len, tcp_len, l4;
	unsigned char *ip = f + l2, *tcp;
	uint64_t sum;

	memset(f, 0, l2);
	f[0] = 0x02;
	f[5] = 0x01;
	f[6] = 0x02;
	f[11] = s->mac_last;
	if (s->vlan) {
		wr16(f + 12, ETH_P_8021Q);
		wr16(f + 14, s->vlan);
	}
	wr16(f + l2 - 2, s->v6 ? ETH_P_IPV6 : ETH_P_IP);
	tcp_len = 20 + s->optlen;
	l4 = tcp_len + s->payload;
	if (s->v6) {
		ip_len = 40;
		memset(ip, 0, ip_len);
		ip[0] = 0x60 | s->tos >> 4;
		ip[1] = (uint8_t)(s->tos << 4) | (s->flow_label >> 16 & 0xf);
		wr16(ip + 2, s->flow_label & 0xffff);
		wr16(ip + 4, (uint16_t)l4);
		ip[6] = s->proto;
		ip[7] = s->ttl;
		ip[8] = 0xfd;
		ip[23] = s->src_host;
		ip[24] = 0xfd;
		ip[39] = s->dst_host;
	} else {
		ip_len = 20 + s->ip_optlen;
		memset(ip, 0, ip_len);
		memset(ip + 20, 1, s->ip_optlen);	/* NOPs */
		ip[0] = 0x40 | ip_len / 4;
		ip[1] = s->tos;
		wr16(ip + 2, (uint16_t)(ip_len + l4));
		wr16(ip + 4, s->ip_id);
		wr16(ip + 6, s->frag);
		ip[8] = s->ttl;
		ip[9] = s->proto;
		ip[12] = 10;
		ip[15] = s->src_host;
		ip[16] = 10;
		ip[19] = s->dst_host;
		wr16(ip + 10, (uint16_t)~fold(sum_be(0, ip, ip_len)));
	}
	tcp = ip + ip_len;
	wr16(tcp, s->sport);
	wr16(tcp + 2, s->dport);
	wr32(tcp + 4, s->seq);
	wr32(tcp + 8, s->ack);
	tcp[12] = (uint8_t)(tcp_len / 4 << 4);
	tcp[13] = s->flags;
	wr16(tcp + 14, s->window);
	wr16(tcp + 16, 0);
	wr16(tcp + 18, 0);
	memcpy(tcp + 20, s->opts, s->optlen);
	memcpy(tcp + tcp_len, stream + (s->seq - isn), s->payload);
	sum = pseudo_be(ip, s->v6, l4);
	wr16(tcp + 16, (uint16_t)~fold(sum_be(sum, tcp, l4)));
	return l2 + ip_len + l4;
}

static size_t seg_hdr_len(const struct seg *s)
{
	return ETH + (s->v6 ? 40 : 20) + 20 + s->optlen;
}

FIXTURE(co) {
	struct coalescer *c;
	unsigned char *in[MAX_OUT];	/* what went in, for comparison */
	size_t in_len[MAX_OUT];
	int nin;
};

/* Shared by every fixture here: a fresh coalescer and empty captures. */
static int co_init(FIXTURE_DATA(co) *self)
{
	srandom(42);
	for (size_t i = 0; i < sizeof(stream); i++)
		stream[i] = (unsigned char)random();
	isn = 1000000;
	first_ip_id = 100;
	nout = 0;
	emit_errors = 0;
	self->nin = 0;
	return coalescer_create(FRAME_MAX, emit, NULL, &self->c);
}

static void co_fini(FIXTURE_DATA(co) *self)
{
	coalescer_destroy(self->c);
	for (int i = 0; i < nout; i++)
		free(outs[i].data);
	for (int i = 0; i < self->nin; i++)
		free(self->in[i]);
}

FIXTURE_SETUP(co)
{
	ASSERT_EQ(0, co_init(self));
}

FIXTURE_TEARDOWN(co)
{
	co_fini(self);
}

/* Offer @f whole in one iovec and remember it. */
static void offer(FIXTURE_DATA(co) *self, const unsigned char *f, size_t len)
{
	struct iovec iov = { (void *)f, len };

	if (self->nin < MAX_OUT) {
		self->in[self->nin] = malloc(len);
		memcpy(self->in[self->nin], f, len);
		self->in_len[self->nin++] = len;
	}
	coalescer_add(self->c, &iov, 1, len);
}

static void offer_seg(FIXTURE_DATA(co) *self, const struct seg *s)
{
	unsigned char f[FRAME_MAX + 64];

	offer(self, f, build(s, f));
}

/* Full-size segments @from .. @from + @n - 1 of a flow; their payload. */
static size_t offer_run(FIXTURE_DATA(co) *self, bool v6, unsigned int from,
			unsigned int n)
{
	size_t bytes = 0;

	for (unsigned int k = from; k < from + n; k++) {
		struct seg s = seg_nth(v6, k);

		offer_seg(self, &s);
		bytes += s.payload;
	}
	return bytes;
}

/* outs[@o] is the frame that went in as in[@i], untouched. */
static void expect_passed(struct __test_metadata *_metadata,
			  FIXTURE_DATA(co) *self, int o, int i)
{
	static const struct virtio_net_hdr zero;

	ASSERT_LT(o, nout);
	EXPECT_EQ(0, memcmp(&outs[o].vh, &zero, sizeof(zero)));
	ASSERT_EQ(self->in_len[i], outs[o].len);
	EXPECT_EQ(0, memcmp(self->in[i], outs[o].data, outs[o].len));
}

/*
 * outs[@o] is the run that began with segment @first and carried @bytes
 * of payload, PSH set iff @psh: one GSO frame as CHECKSUM_PARTIAL wants it.
 */
static void expect_merged(struct __test_metadata *_metadata, int o,
			  const struct seg *first, size_t bytes, bool psh)
{
	unsigned char f[FRAME_MAX + 64];
	size_t hl = seg_hdr_len(first), l3 = ETH, l4 = l3 + (first->v6 ? 40 : 20);
	const unsigned char *g;
	const struct virtio_net_hdr *vh;

	ASSERT_LT(o, nout);
	g = outs[o].data;
	vh = &outs[o].vh;
	build(first, f);
	EXPECT_EQ(VIRTIO_NET_HDR_F_NEEDS_CSUM, vh->flags);
	EXPECT_EQ(first->v6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4,
		  vh->gso_type);
	EXPECT_EQ(hl, vh->hdr_len);
	EXPECT_EQ(first->payload, vh->gso_size);
	EXPECT_EQ(l4, vh->csum_start);
	EXPECT_EQ(16, vh->csum_offset);
	ASSERT_EQ(hl + bytes, outs[o].len);
	EXPECT_EQ(0, memcmp(f, g, ETH));
	if (first->v6) {
		EXPECT_EQ(outs[o].len - ETH - 40, rd16(g + l3 + 4));
		EXPECT_EQ(0, memcmp(f + l3, g + l3, 4));
		EXPECT_EQ(0, memcmp(f + l3 + 6, g + l3 + 6, 34));
	} else {
		EXPECT_EQ(outs[o].len - ETH, rd16(g + l3 + 2));
		EXPECT_EQ(0xffff, fold(sum_be(0, g + l3, 20)));
		EXPECT_EQ(0, memcmp(f + l3, g + l3, 2));
		EXPECT_EQ(0, memcmp(f + l3 + 4, g + l3 + 4, 6));
		EXPECT_EQ(0, memcmp(f + l3 + 12, g + l3 + 12, 8));
	}
	EXPECT_EQ(0, memcmp(f + l4, g + l4, 13));
	EXPECT_EQ(first->flags | (psh ? 0x08 : 0), g[l4 + 13]);
	EXPECT_EQ(0, memcmp(f + l4 + 14, g + l4 + 14, 2));
	EXPECT_EQ(fold(pseudo_be(g + l3, first->v6, outs[o].len - l4)),
		  rd16(g + l4 + 16));
	EXPECT_EQ(0, memcmp(f + l4 + 18, g + l4 + 18, hl - l4 - 18));
	EXPECT_EQ(0, memcmp(stream + (first->seq - isn), g + hl, bytes));
}

static void expect_stats(struct __test_metadata *_metadata,
			 FIXTURE_DATA(co) *self, uint64_t in, uint64_t out,
			 uint64_t merged)
{
	struct coalesce_stats st;

	coalescer_stats(self->c, &st);
	EXPECT_EQ(in, st.frames_in);
	EXPECT_EQ(out, st.frames_out);
	EXPECT_EQ(merged, st.merged);
	EXPECT_EQ(out, nout);
	EXPECT_EQ(0, emit_errors);
}

/* Eight full segments, then @last_len bytes with @last_flags. */
static void run_of(struct __test_metadata *_metadata, FIXTURE_DATA(co) *self,
		   bool v6, size_t last_len, uint8_t last_flags, bool psh)
{
	size_t bytes = offer_run(self, v6, 0, 8);
	struct seg s = seg_nth(v6, 8);
	s.payload = last_len;
	s.flags = last_flags;
	offer_seg(self, &s);
	bytes += last_len;
	/* The run is over: this one goes out on its own. */
	s = seg_nth(v6, 0);
	s.seq = isn + (uint32_t)bytes;
	s.ip_id = 109;
	offer_seg(self, &s);
	coalescer_flush(self->c);
	ASSERT_EQ(2, nout);
	s = seg_nth(v6, 0);
	expect_merged(_metadata, 0, &s, bytes, psh);
	expect_passed(_metadata, self, 1, 9);
	expect_stats(_metadata, self, 10, 2, 8);
}

/* After a flush: segments 0 .. @n - 1 (full-size) went out as one frame. */
static void expect_one_run(struct __test_metadata *_metadata,
			   FIXTURE_DATA(co) *self, bool v6, unsigned int n)
{
	struct seg s = seg_nth(v6, 0);

	coalescer_flush(self->c);
	ASSERT_EQ(1, nout);
	expect_merged(_metadata, 0, &s, n * s.payload, false);
	expect_stats(_metadata, self, n, 1, n - 1);
}

/* After a flush: all @n frames offered went out alone, untouched, in order. */
static void expect_all_passed(struct __test_metadata *_metadata,
			      FIXTURE_DATA(co) *self, int n)
{
	coalescer_flush(self->c);
	ASSERT_EQ(n, nout);
	for (int i = 0; i < n; i++)
		expect_passed(_metadata, self, i, i);
	expect_stats(_metadata, self, n, n, 0);
}

/* Eight full segments are held until the flush, then go out as one. */
static void full_run_merges(struct __test_metadata *_metadata,
			    FIXTURE_DATA(co) *self, bool v6)
{
	offer_run(self, v6, 0, 8);
	EXPECT_EQ(0, nout);
	expect_one_run(_metadata, self, v6, 8);
}

TEST_F(co, ipv4_run_merges)
{
	full_run_merges(_metadata, self, false);
}

TEST_F(co, ipv6_run_merges)
{
	full_run_merges(_metadata, self, true);
}

TEST_F(co, ipv4_short_last_joins_and_ends_run)
{
	run_of(_metadata, self, false, 100, 0x10, false);
}

TEST_F(co, ipv4_psh_last_joins_and_ends_run)
{
	run_of(_metadata, self, false, MSS4, 0x18, true);
}

TEST_F(co, ipv6_short_psh_last_joins_and_ends_run)
{
	run_of(_metadata, self, true, 1, 0x18, true);
}

/*
 * A run stops before the IPv4 total length would pass 65535, also when
 * the coalescer was made for frames larger than that.
 */
static void run_cut_at_64k(struct __test_metadata *_metadata,
			   FIXTURE_DATA(co) *self, size_t frame_max)
{
	/* 52 bytes of headers + 45 * 1448 = 65212; one more is too many. */
	const unsigned int n = 50, fit = 45;
	struct seg s;

	coalescer_destroy(self->c);
	ASSERT_EQ(0, coalescer_create(frame_max, emit, NULL, &self->c));
	offer_run(self, false, 0, n);
	coalescer_flush(self->c);
	ASSERT_EQ(2, nout);
	s = seg_nth(false, 0);
	expect_merged(_metadata, 0, &s, fit * MSS4, false);
	EXPECT_EQ(65212, rd16(outs[0].data + ETH + 2));
	s = seg_nth(false, fit);
	expect_merged(_metadata, 1, &s, (n - fit) * MSS4, false);
	expect_stats(_metadata, self, n, 2, n - 2);
}

TEST_F(co, ipv4_run_cut_at_64k)
{
	run_cut_at_64k(_metadata, self, FRAME_MAX);
}

TEST_F(co, ipv4_run_cut_at_64k_big_frame_max)
{
	run_cut_at_64k(_metadata, self, 128 * 1024);
}

/* Sequence numbers and IPv4 IDs wrap inside a run: it still merges. */
TEST_F(co, seq_and_ip_id_wrap_in_run)
{
	isn = 0xffffffffu - 2 * MSS4 - 7;
	first_ip_id = 0xfffe;
	offer_run(self, false, 0, 5);
	expect_one_run(_metadata, self, false, 5);
}

/* Interleaved flows: each frame ends the other's run; order is kept. */
TEST_F(co, interleaved_flows_keep_order)
{
	struct seg a, b;

	for (unsigned int k = 0; k < 4; k++) {
		a = seg_nth(false, k);
		b = seg_nth(false, k);
		b.sport = 40001;
		b.seq += 50000;
		offer_seg(self, &a);
		offer_seg(self, &b);
	}
	expect_all_passed(_metadata, self, 8);
}

/* Two flows in bursts: each burst merges, the bursts stay in order. */
TEST_F(co, flow_bursts_merge_in_order)
{
	struct seg s;

	for (unsigned int burst = 0; burst < 4; burst++) {
		for (unsigned int k = 0; k < 3; k++) {
			s = seg_nth(false, burst / 2 * 3 + k);
			if (burst & 1) {
				s.sport = 40001;
				s.seq += 50000;
			}
			offer_seg(self, &s);
		}
	}
	coalescer_flush(self->c);
	ASSERT_EQ(4, nout);
	for (unsigned int burst = 0; burst < 4; burst++) {
		s = seg_nth(false, burst / 2 * 3);
		if (burst & 1) {
			s.sport = 40001;
			s.seq += 50000;
		}
		expect_merged(_metadata, burst, &s, 3 * MSS4, false);
	}
	expect_stats(_metadata, self, 12, 4, 8);
}

/* The same run, each frame's header in one iovec, its payload over three. */
TEST_F(co, split_iovecs_merge_the_same)
{
	unsigned char f[FRAME_MAX];
	struct seg s;

	for (unsigned int k = 0; k < 6; k++) {
		size_t len, hl, p;
		struct iovec iov[4];

		s = seg_nth(false, k);
		len = build(&s, f);
		hl = seg_hdr_len(&s);
		p = (len - hl) / 3;
		iov[0] = (struct iovec){ f, hl };
		iov[1] = (struct iovec){ f + hl, p };
		iov[2] = (struct iovec){ f + hl + p, 1 };
		iov[3] = (struct iovec){ f + hl + p + 1, len - hl - p - 1 };
		coalescer_add(self->c, iov, 4, len);
		memset(f, 0xee, sizeof(f));	/* copied: free to reuse */
	}
	expect_one_run(_metadata, self, false, 6);
}

/* Headers cut mid-TCP-header across iovecs still merge. */
TEST_F(co, headers_split_across_iovecs_merge)
{
	unsigned char f[FRAME_MAX];
	struct seg s;

	for (unsigned int k = 0; k < 3; k++) {
		struct iovec iov[3];
		size_t len;

		s = seg_nth(true, k);
		len = build(&s, f);
		iov[0] = (struct iovec){ f, 7 };
		iov[1] = (struct iovec){ f + 7, 60 };
		iov[2] = (struct iovec){ f + 67, len - 67 };
		coalescer_add(self->c, iov, 3, len);
	}
	expect_one_run(_metadata, self, true, 3);
}

/* Larger than the staging buffer: out as it came, after what was held. */
TEST_F(co, oversize_frame_passes_through)
{
	const size_t big = ETH + 65535 + 100;
	unsigned char *f = malloc(big);
	struct iovec iov[3];
	struct seg s;

	ASSERT_NE(NULL, f);
	for (size_t i = 0; i < big; i++)
		f[i] = (unsigned char)(i * 7);
	s = seg_nth(false, 0);
	offer_seg(self, &s);
	iov[0] = (struct iovec){ f, 100 };
	iov[1] = (struct iovec){ f + 100, 40000 };
	iov[2] = (struct iovec){ f + 40100, big - 40100 };
	coalescer_add(self->c, iov, 3, big);
	coalescer_flush(self->c);
	ASSERT_EQ(2, nout);
	expect_passed(_metadata, self, 0, 0);
	ASSERT_EQ(big, outs[1].len);
	EXPECT_EQ(0, memcmp(f, outs[1].data, big));
	EXPECT_EQ(VIRTIO_NET_HDR_GSO_NONE, outs[1].vh.gso_type);
	EXPECT_EQ(0, outs[1].vh.flags);
	expect_stats(_metadata, self, 2, 2, 0);
	free(f);
}

/* However many iovecs it came in, all of its bytes go out. */
TEST_F(co, oversize_frame_in_many_iovecs_passes_whole)
{
	const size_t big = ETH + 65535 + 100, n = 12;
	unsigned char *f = malloc(big);
	struct iovec iov[12];
	size_t off = 0;

	ASSERT_NE(NULL, f);
	for (size_t i = 0; i < big; i++)
		f[i] = (unsigned char)(i * 13);
	for (size_t i = 0; i < n; i++) {
		size_t take = i + 1 < n ? big / n : big - off;

		iov[i] = (struct iovec){ f + off, take };
		off += take;
	}
	coalescer_add(self->c, iov, (int)n, big);
	ASSERT_EQ(1, nout);
	ASSERT_EQ(big, outs[0].len);
	EXPECT_EQ(0, memcmp(f, outs[0].data, big));
	expect_stats(_metadata, self, 1, 1, 0);
	free(f);
}

/* An empty frame is not one: not counted, not emitted, no end to a run. */
TEST_F(co, empty_frame_ignored)
{
	struct iovec none = { NULL, 0 };
	struct seg s;

	s = seg_nth(false, 0);
	offer_seg(self, &s);
	coalescer_add(self->c, &none, 1, 0);
	coalescer_add(self->c, NULL, 0, 0);
	s = seg_nth(false, 1);
	offer_seg(self, &s);
	expect_one_run(_metadata, self, false, 2);
}

TEST_F(co, pure_acks_pass_through)
{
	struct seg s;

	for (unsigned int k = 0; k < 3; k++) {
		s = seg_nth(false, 0);
		s.payload = 0;
		s.ip_id = 100 + k;
		offer_seg(self, &s);
	}
	/* Not held: out before any flush. */
	EXPECT_EQ(3, nout);
	expect_all_passed(_metadata, self, 3);
}

TEST_F(co, arp_passes_through)
{
	unsigned char arp[60] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
				  0x02, 0, 0, 0, 0, 0x02, 0x08, 0x06,
				  0, 1, 0x08, 0, 6, 4, 0, 1 };
	struct seg s = seg_nth(false, 0);

	offer_seg(self, &s);
	offer(self, arp, sizeof(arp));
	s = seg_nth(false, 1);
	offer_seg(self, &s);
	expect_all_passed(_metadata, self, 3);
}

/*
 * Each variant: segment 0 of a flow, then segment 1 changed in one way that
 * must keep it out of the run (or break it before it goes in): both go out
 * alone and untouched, in order.
 */
FIXTURE_VARIANT(apart) {
	bool v6;
	void (*change)(struct seg *s);		/* segment 1's description */
	void (*damage)(unsigned char *f, size_t *len);	/* its bytes */
	bool damage_first;			/* damage segment 0 instead */
};

FIXTURE(apart) {
	FIXTURE_DATA(co) co;
};

static void ch_sport(struct seg *s) { s->sport++; }
static void ch_dport(struct seg *s) { s->dport++; }
static void ch_saddr(struct seg *s) { s->src_host++; }
static void ch_daddr(struct seg *s) { s->dst_host++; }
static void ch_mac(struct seg *s) { s->mac_last++; }
static void ch_seq_gap(struct seg *s) { s->seq++; }
static void ch_seq_back(struct seg *s) { s->seq -= s->payload; }
static void ch_ip_id_skip(struct seg *s) { s->ip_id++; }
static void ch_ip_id_same(struct seg *s) { s->ip_id--; }
static void ch_ttl(struct seg *s) { s->ttl--; }
static void ch_tos(struct seg *s) { s->tos = 0x10; }
static void ch_df(struct seg *s) { s->frag = 0; }
static void ch_flow_label(struct seg *s) { s->flow_label = 0x12345; }
static void ch_tsval(struct seg *s) { s->opts[7]++; }
static void ch_no_opts(struct seg *s) { s->optlen = 0; }
static void ch_ack(struct seg *s) { s->ack++; }
static void ch_window(struct seg *s) { s->window++; }
static void ch_syn(struct seg *s) { s->flags |= 0x02; }
static void ch_fin(struct seg *s) { s->flags |= 0x01; }
static void ch_rst(struct seg *s) { s->flags |= 0x04; }
static void ch_urg(struct seg *s) { s->flags |= 0x20; }
static void ch_ece(struct seg *s) { s->flags |= 0x40; }
static void ch_cwr(struct seg *s) { s->flags |= 0x80; }
static void ch_no_ack(struct seg *s) { s->flags = 0x08; }
static void ch_ip_opts(struct seg *s) { s->ip_optlen = 4; }
static void ch_mf(struct seg *s) { s->frag |= 0x2000; }
static void ch_frag_off(struct seg *s) { s->frag |= 0x0010; }
static void ch_udp(struct seg *s) { s->proto = IPPROTO_UDP; }
static void ch_vlan(struct seg *s) { s->vlan = 5; }
static void ch_longer(struct seg *s) { s->payload++; }
static void ch_short(struct seg *s) { s->payload = 100; }

static void dmg_tcp_csum(unsigned char *f, size_t *len)
{
	f[ETH + (rd16(f + 12) == ETH_P_IPV6 ? 40 : 20) + 16] ^= 0x01;
}

static void dmg_payload(unsigned char *f, size_t *len)
{
	f[*len - 1] ^= 0x80;
}

static void dmg_ip_csum(unsigned char *f, size_t *len)
{
	f[ETH + 10] ^= 0x01;
}

/*
 * Ethernet padding: the frame is longer than its IP packet says. The TCP
 * checksum is made to cover the padding too, so that only the length
 * check can tell.
 */
static void dmg_pad(unsigned char *f, size_t *len)
{
	bool v6 = rd16(f + 12) == ETH_P_IPV6;
	unsigned char *ip = f + ETH, *tcp = ip + (v6 ? 40 : 20);
	size_t l4;

	memset(f + *len, 0, 4);
	*len += 4;
	l4 = *len - (size_t)(tcp - f);
	wr16(tcp + 16, 0);
	wr16(tcp + 16, (uint16_t)~fold(sum_be(pseudo_be(ip, v6, l4), tcp, l4)));
}

/* IP says more than the frame holds. */
static void dmg_truncate(unsigned char *f, size_t *len)
{
	*len -= 4;
}

#define APART(name, ...) FIXTURE_VARIANT_ADD(apart, name) { __VA_ARGS__ }
APART(v4_sport, .change = ch_sport);
APART(v4_dport, .change = ch_dport);
APART(v4_saddr, .change = ch_saddr);
APART(v4_daddr, .change = ch_daddr);
APART(v4_src_mac, .change = ch_mac);
APART(v4_seq_gap, .change = ch_seq_gap);
APART(v4_seq_repeat, .change = ch_seq_back);
APART(v4_ip_id_skips, .change = ch_ip_id_skip);
APART(v4_ip_id_same, .change = ch_ip_id_same);
APART(v4_ttl, .change = ch_ttl);
APART(v4_tos, .change = ch_tos);
APART(v4_df, .change = ch_df);
APART(v4_tcp_option_value, .change = ch_tsval);
APART(v4_tcp_option_length, .change = ch_no_opts);
APART(v4_ack, .change = ch_ack);
APART(v4_window, .change = ch_window);
APART(v4_syn, .change = ch_syn);
APART(v4_fin, .change = ch_fin);
APART(v4_rst, .change = ch_rst);
APART(v4_urg, .change = ch_urg);
APART(v4_ece, .change = ch_ece);
APART(v4_cwr, .change = ch_cwr);
APART(v4_no_ack, .change = ch_no_ack);
APART(v4_ip_options, .change = ch_ip_opts);
APART(v4_more_fragments, .change = ch_mf);
APART(v4_fragment_offset, .change = ch_frag_off);
APART(v4_udp, .change = ch_udp);
APART(v4_vlan, .change = ch_vlan);
APART(v4_longer_than_first, .change = ch_longer);
APART(v4_bad_tcp_csum, .damage = dmg_tcp_csum);
APART(v4_bad_payload, .damage = dmg_payload);
APART(v4_bad_ip_csum, .damage = dmg_ip_csum);
APART(v4_eth_padding, .damage = dmg_pad);
APART(v4_eth_padding_short, .change = ch_short, .damage = dmg_pad);
APART(v4_ip_longer_than_frame, .damage = dmg_truncate);
APART(v4_first_bad_tcp_csum, .damage = dmg_tcp_csum, .damage_first = true);
APART(v4_first_bad_ip_csum, .damage = dmg_ip_csum, .damage_first = true);
APART(v4_first_eth_padding, .damage = dmg_pad, .damage_first = true);
APART(v6_saddr, .v6 = true, .change = ch_saddr);
APART(v6_dport, .v6 = true, .change = ch_dport);
APART(v6_seq_gap, .v6 = true, .change = ch_seq_gap);
APART(v6_hop_limit, .v6 = true, .change = ch_ttl);
APART(v6_traffic_class, .v6 = true, .change = ch_tos);
APART(v6_flow_label, .v6 = true, .change = ch_flow_label);
APART(v6_tcp_option_value, .v6 = true, .change = ch_tsval);
APART(v6_ack, .v6 = true, .change = ch_ack);
APART(v6_fin, .v6 = true, .change = ch_fin);
APART(v6_udp, .v6 = true, .change = ch_udp);
APART(v6_vlan, .v6 = true, .change = ch_vlan);
APART(v6_bad_tcp_csum, .v6 = true, .damage = dmg_tcp_csum);
APART(v6_eth_padding, .v6 = true, .damage = dmg_pad);
APART(v6_eth_padding_short, .v6 = true, .change = ch_short, .damage = dmg_pad);
APART(v6_first_bad_payload, .v6 = true, .damage = dmg_payload,
      .damage_first = true);

FIXTURE_SETUP(apart)
{
	ASSERT_EQ(0, co_init(&self->co));
}

FIXTURE_TEARDOWN(apart)
{
	co_fini(&self->co);
}

TEST_F(apart, not_merged)
{
	unsigned char f[2][FRAME_MAX + 64];
	size_t len[2];
	struct seg s[2] = { seg_nth(variant->v6, 0), seg_nth(variant->v6, 1) };
	int victim = variant->damage_first ? 0 : 1;

	if (variant->change)
		variant->change(&s[1]);
	for (int i = 0; i < 2; i++)
		len[i] = build(&s[i], f[i]);
	if (variant->damage)
		variant->damage(f[victim], &len[victim]);
	for (int i = 0; i < 2; i++)
		offer(&self->co, f[i], len[i]);
	expect_all_passed(_metadata, &self->co, 2);
}

/* A segment that follows a run's short or PSH end starts a run of its own. */
FIXTURE_VARIANT(after) {
	size_t end_len;
	uint8_t end_flags;
};

FIXTURE(after) {
	FIXTURE_DATA(co) co;
};

FIXTURE_VARIANT_ADD(after, short_segment) { .end_len = 1000, .end_flags = 0x10 };
FIXTURE_VARIANT_ADD(after, psh_segment) { .end_len = MSS4, .end_flags = 0x18 };

FIXTURE_SETUP(after)
{
	ASSERT_EQ(0, co_init(&self->co));
}

FIXTURE_TEARDOWN(after)
{
	co_fini(&self->co);
}

TEST_F(after, next_segment_not_merged)
{
	struct seg s0 = seg_nth(false, 0), end = seg_nth(false, 1), s;

	end.payload = variant->end_len;
	end.flags = variant->end_flags;
	offer_seg(&self->co, &s0);
	offer_seg(&self->co, &end);
	/* Full-size, in sequence, ID + 1: would join if the run were open. */
	for (unsigned int k = 0; k < 2; k++) {
		s = seg_nth(false, 2 + k);
		s.seq = isn + MSS4 + (uint32_t)end.payload + k * MSS4;
		offer_seg(&self->co, &s);
	}
	coalescer_flush(self->co.c);
	ASSERT_EQ(2, nout);
	expect_merged(_metadata, 0, &s0, MSS4 + end.payload,
		      end.flags & 0x08);
	s = seg_nth(false, 2);
	s.seq = isn + MSS4 + (uint32_t)end.payload;
	expect_merged(_metadata, 1, &s, 2 * MSS4, false);
	expect_stats(_metadata, &self->co, 4, 2, 2);
}

TEST_HARNESS_MAIN
