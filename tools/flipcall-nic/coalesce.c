// SPDX-License-Identifier: GPL-2.0
/*
 * The run being built lives in one staging buffer: the first segment whole
 * (its headers become the merged frame's), then the payload of each
 * segment that joins. A segment joins only after its TCP checksum checked
 * out, as the kernel's GRO insists on, because the merged frame goes to
 * the kernel as CHECKSUM_PARTIAL and is not verified again; a segment that
 * fails goes out alone, for the kernel to count and drop. A frame that
 * could not be part of a run (not TCP, no payload, PSH) is not staged: it
 * goes out from the caller's memory.
 *
 * Checksums are the RFC 1071 sum over native-endian words: byte order
 * cancels out as long as the result is stored natively too.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <linux/if_ether.h>
#include <linux/virtio_net.h>

#include "coalesce.h"

#define IPV4_HLEN	20
#define IPV6_HLEN	40
#define TCP_HLEN_MIN	20
#define TCP_HLEN_MAX	60
#define TCP_FLAG_PSH	0x08
#define TCP_FLAG_ACK	0x10
/* The IPv4 total length (or IPv6 payload length) bounds a run. */
#define RUN_L3_MAX	65535
/* Enough to see every header a segment may have. */
#define HDR_PEEK	(ETH_HLEN + IPV6_HLEN + TCP_HLEN_MAX)

struct segment {
	bool v6;
	size_t l4_off;		/* where TCP starts */
	size_t hdr_len;		/* Ethernet + IP + TCP */
	size_t payload;
	uint32_t seq;
	uint16_t ip_id;
	uint8_t flags;
};

struct coalescer {
	coalesce_emit_fn emit;
	void *arg;
	unsigned char *buf;
	size_t cap;
	size_t len;		/* bytes held; 0: nothing */
	bool run_open;		/* the held frame may take more segments */
	struct segment first;	/* the run's headers are buf[0..hdr_len) */
	uint32_t next_seq;
	uint16_t last_ip_id;
	unsigned int nsegs;
	struct coalesce_stats st;
};

static uint16_t get_be16(const unsigned char *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void put_be16(unsigned char *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/* Unfolded one's complement sum of @len bytes, added to @sum. */
static uint64_t csum_add(uint64_t sum, const unsigned char *p, size_t len)
{
	uint64_t w;

	while (len >= 8) {
		memcpy(&w, p, 8);
		sum += w;
		sum += sum < w;
		p += 8;
		len -= 8;
	}
	w = 0;
	memcpy(&w, p, len);
	sum += w;
	return sum + (sum < w);
}

static uint16_t csum_fold(uint64_t sum)
{
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* The pseudo-header's sum for a TCP segment of @l4_len bytes. */
static uint64_t pseudo_sum(const unsigned char *frame, bool v6, size_t l4_len)
{
	unsigned char tail[8] = { 0 };

	if (v6) {
		tail[0] = l4_len >> 24;
		tail[1] = (l4_len >> 16) & 0xff;
		tail[2] = (l4_len >> 8) & 0xff;
		tail[3] = l4_len & 0xff;
		tail[7] = IPPROTO_TCP;
		return csum_add(csum_add(0, frame + ETH_HLEN + 8, 32), tail, 8);
	}
	tail[1] = IPPROTO_TCP;
	tail[2] = (l4_len >> 8) & 0xff;
	tail[3] = l4_len & 0xff;
	return csum_add(csum_add(0, frame + ETH_HLEN + 12, 8), tail, 4);
}

/* 1 if @f (@len bytes, headers contiguous) is a TCP segment we may merge. */
static int parse_segment(const unsigned char *f, size_t len,
			 struct segment *s)
{
	size_t l3_len, tcp_len;
	const unsigned char *tcp;

	if (len < ETH_HLEN + IPV4_HLEN + TCP_HLEN_MIN)
		return 0;
	switch (get_be16(f + 12)) {
	case ETH_P_IP:
		/* Version 4, no options, not a fragment, TCP. */
		if (f[ETH_HLEN] != 0x45 || (get_be16(f + ETH_HLEN + 6) & 0x3fff) ||
		    f[ETH_HLEN + 9] != IPPROTO_TCP)
			return 0;
		l3_len = get_be16(f + ETH_HLEN + 2);
		if (l3_len != len - ETH_HLEN)
			return 0;
		s->v6 = false;
		s->l4_off = ETH_HLEN + IPV4_HLEN;
		s->ip_id = get_be16(f + ETH_HLEN + 4);
		break;
	case ETH_P_IPV6:
		if (len < ETH_HLEN + IPV6_HLEN + TCP_HLEN_MIN ||
		    (f[ETH_HLEN] >> 4) != 6 || f[ETH_HLEN + 6] != IPPROTO_TCP)
			return 0;
		l3_len = get_be16(f + ETH_HLEN + 4) + IPV6_HLEN;
		if (l3_len != len - ETH_HLEN)
			return 0;
		s->v6 = true;
		s->l4_off = ETH_HLEN + IPV6_HLEN;
		s->ip_id = 0;
		break;
	default:
		return 0;
	}
	tcp = f + s->l4_off;
	tcp_len = (size_t)(tcp[12] >> 4) * 4;
	if (tcp_len < TCP_HLEN_MIN || s->l4_off + tcp_len >= len)
		return 0;
	s->flags = tcp[13];
	if ((s->flags & ~TCP_FLAG_PSH) != TCP_FLAG_ACK)
		return 0;
	s->hdr_len = s->l4_off + tcp_len;
	s->payload = len - s->hdr_len;
	s->seq = get_be32(tcp + 4);
	return 1;
}

/* Headers of @h (a segment @s) against the run's: may @s follow on? */
static bool joins_run(const struct coalescer *c, const unsigned char *h,
		      const struct segment *s)
{
	const unsigned char *r = c->buf;
	const size_t ip = ETH_HLEN, tcp = s->l4_off;

	if (!c->run_open || s->v6 != c->first.v6 ||
	    s->hdr_len != c->first.hdr_len || s->seq != c->next_seq ||
	    s->payload > c->first.payload ||
	    c->len + s->payload - ETH_HLEN > RUN_L3_MAX ||
	    c->len + s->payload > c->cap)
		return false;
	if (memcmp(h, r, ETH_HLEN))
		return false;
	if (s->v6) {
		/* Traffic class and flow label; hop limit; addresses. */
		if (memcmp(h + ip, r + ip, 4) || h[ip + 7] != r[ip + 7] ||
		    memcmp(h + ip + 8, r + ip + 8, 32))
			return false;
	} else {
		/* TOS; DF; TTL; addresses; IDs counting up as TSO makes them. */
		if (h[ip + 1] != r[ip + 1] || memcmp(h + ip + 6, r + ip + 6, 3) ||
		    memcmp(h + ip + 12, r + ip + 12, 8) ||
		    s->ip_id != (uint16_t)(c->last_ip_id + 1))
			return false;
	}
	/* Ports; ack; data offset; window; urgent pointer; options. */
	return !memcmp(h + tcp, r + tcp, 4) &&
	       !memcmp(h + tcp + 8, r + tcp + 8, 5) &&
	       !memcmp(h + tcp + 14, r + tcp + 14, 2) &&
	       !memcmp(h + tcp + 18, r + tcp + 18, s->hdr_len - tcp - 18);
}

/*
 * The checksums of the segment whose headers are @h, payload @data: the
 * merged frame keeps only the first IPv4 header and no TCP checksum.
 */
static bool segment_csum_ok(const unsigned char *h, const struct segment *s,
			    const unsigned char *data)
{
	size_t l4_len = s->hdr_len - s->l4_off + s->payload;
	uint64_t sum = pseudo_sum(h, s->v6, l4_len);

	if (!s->v6 && csum_fold(csum_add(0, h + ETH_HLEN, IPV4_HLEN)) != 0xffff)
		return false;
	sum = csum_add(sum, h + s->l4_off, s->hdr_len - s->l4_off);
	return csum_fold(csum_add(sum, data, s->payload)) == 0xffff;
}

static void iov_copy(const struct iovec *iov, int iovcnt, size_t off,
		     unsigned char *dst, size_t n)
{
	for (int i = 0; i < iovcnt && n; i++) {
		size_t take;

		if (off >= iov[i].iov_len) {
			off -= iov[i].iov_len;
			continue;
		}
		take = iov[i].iov_len - off;
		if (take > n)
			take = n;
		memcpy(dst, (const unsigned char *)iov[i].iov_base + off, take);
		dst += take;
		n -= take;
		off = 0;
	}
}

int coalescer_create(size_t frame_max, coalesce_emit_fn emit, void *arg,
		     struct coalescer **out)
{
	struct coalescer *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->cap = frame_max > ETH_HLEN + RUN_L3_MAX ? frame_max :
						      ETH_HLEN + RUN_L3_MAX;
	c->buf = malloc(c->cap);
	if (!c->buf) {
		free(c);
		return -ENOMEM;
	}
	c->emit = emit;
	c->arg = arg;
	*out = c;
	return 0;
}

void coalescer_destroy(struct coalescer *c)
{
	if (!c)
		return;
	free(c->buf);
	free(c);
}

/* Turn the held run into one GSO frame: lengths, checksums, vnet header. */
static void finish_run(struct coalescer *c, struct virtio_net_hdr *vh)
{
	unsigned char *f = c->buf, *tcp = f + c->first.l4_off;
	size_t l4_len = c->len - c->first.l4_off;
	uint16_t csum;

	if (c->first.v6) {
		put_be16(f + ETH_HLEN + 4, (uint16_t)(c->len - ETH_HLEN - IPV6_HLEN));
	} else {
		put_be16(f + ETH_HLEN + 2, (uint16_t)(c->len - ETH_HLEN));
		memset(f + ETH_HLEN + 10, 0, 2);
		csum = (uint16_t)~csum_fold(csum_add(0, f + ETH_HLEN, IPV4_HLEN));
		memcpy(f + ETH_HLEN + 10, &csum, 2);
	}
	/* The last segment's PSH stands for the whole run. */
	tcp[13] |= c->first.flags & TCP_FLAG_PSH;
	/* CHECKSUM_PARTIAL: the field holds the pseudo-header's sum. */
	csum = csum_fold(pseudo_sum(f, c->first.v6, l4_len));
	memcpy(tcp + 16, &csum, 2);
	vh->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	vh->gso_type = c->first.v6 ? VIRTIO_NET_HDR_GSO_TCPV6 :
				     VIRTIO_NET_HDR_GSO_TCPV4;
	vh->hdr_len = (uint16_t)c->first.hdr_len;
	vh->gso_size = (uint16_t)c->first.payload;
	vh->csum_start = (uint16_t)c->first.l4_off;
	vh->csum_offset = 16;
}

void coalescer_flush(struct coalescer *c)
{
	struct virtio_net_hdr vh = { .gso_type = VIRTIO_NET_HDR_GSO_NONE };
	struct iovec iov[2];

	if (!c->len)
		return;
	if (c->nsegs > 1) {
		finish_run(c, &vh);
		c->st.merged += c->nsegs - 1;
	}
	iov[0] = (struct iovec){ &vh, sizeof(vh) };
	iov[1] = (struct iovec){ c->buf, c->len };
	c->emit(iov, 2, c->len, c->arg);
	c->st.frames_out++;
	c->len = 0;
	c->run_open = false;
	c->nsegs = 0;
}

/*
 * A frame that is not staged goes out as it is, in order (behind what was
 * held), with a vnet header that asks for nothing: all of its iovecs, not
 * just as many as fit on the stack, or the write would carry fewer bytes
 * than frame_len says.
 */
static void pass_through(struct coalescer *c, const struct iovec *iov,
			 int iovcnt, size_t len)
{
	struct virtio_net_hdr vh = { .gso_type = VIRTIO_NET_HDR_GSO_NONE };
	struct iovec stack_iov[1 + 8], *out = stack_iov;

	coalescer_flush(c);
	if (iovcnt < 0)
		return;
	if (iovcnt > 8) {
		out = malloc((1 + (size_t)iovcnt) * sizeof(*out));
		if (!out)
			return;	/* dropped, as a full TAP queue would */
	}
	out[0] = (struct iovec){ &vh, sizeof(vh) };
	memcpy(out + 1, iov, (size_t)iovcnt * sizeof(*iov));
	c->emit(out, 1 + iovcnt, len, c->arg);
	c->st.frames_out++;
	if (out != stack_iov)
		free(out);
}

/*
 * Stage @s, a segment that may start a run, whose frame is @iov. It stays
 * alone (and goes out at once) if its checksums fail.
 */
static void start_run(struct coalescer *c, const struct iovec *iov, int iovcnt,
		      size_t len, const struct segment *s)
{
	iov_copy(iov, iovcnt, 0, c->buf, len);
	c->len = len;
	c->nsegs = 1;
	c->first = *s;
	c->run_open = segment_csum_ok(c->buf, s, c->buf + s->hdr_len);
	c->next_seq = s->seq + (uint32_t)s->payload;
	c->last_ip_id = s->ip_id;
}

/* Append the payload of @s (headers @h) to the run: false if its sums fail. */
static bool join_run(struct coalescer *c, const struct iovec *iov, int iovcnt,
		     const unsigned char *h, const struct segment *s)
{
	unsigned char *dst = c->buf + c->len;

	iov_copy(iov, iovcnt, s->hdr_len, dst, s->payload);
	if (!segment_csum_ok(h, s, dst))
		return false;
	c->len += s->payload;
	c->nsegs++;
	c->next_seq += (uint32_t)s->payload;
	c->last_ip_id = s->ip_id;
	c->first.flags |= s->flags & TCP_FLAG_PSH;
	/* A run needs full-size segments until its last. */
	if ((s->flags & TCP_FLAG_PSH) || s->payload < c->first.payload)
		c->run_open = false;
	return true;
}

void coalescer_add(struct coalescer *c, const struct iovec *iov, int iovcnt,
		   size_t len)
{
	size_t peek = len < HDR_PEEK ? len : HDR_PEEK;
	unsigned char h[HDR_PEEK];
	struct segment s;
	bool tcp;

	/*
	 * Nothing to write, and staged it would pass for "nothing held" and
	 * vanish after being counted in: not a frame at all.
	 */
	if (!len)
		return;
	c->st.frames_in++;
	if (len > c->cap) {
		pass_through(c, iov, iovcnt, len);
		return;
	}
	iov_copy(iov, iovcnt, 0, h, peek);
	tcp = parse_segment(h, len, &s) && s.hdr_len <= peek;
	if (tcp && joins_run(c, h, &s) && join_run(c, iov, iovcnt, h, &s))
		return;
	/* Nothing could follow it (ACKs, UDP, a PSH): out without staging. */
	if (!tcp || (s.flags & TCP_FLAG_PSH)) {
		pass_through(c, iov, iovcnt, len);
		return;
	}
	coalescer_flush(c);
	start_run(c, iov, iovcnt, len, &s);
	if (!c->run_open)
		coalescer_flush(c);
}

void coalescer_stats(const struct coalescer *c, struct coalesce_stats *st)
{
	*st = c->st;
}
