/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Internet checksum over big-endian 16-bit words, written for the
 * coalescer's test and fuzzer independently of coalesce.c's native-endian
 * sums, so that the two cannot share a mistake.
 */
#ifndef FLIPCALL_NIC_TESTS_FRAME_SUM_H
#define FLIPCALL_NIC_TESTS_FRAME_SUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

static inline uint16_t rd16(const unsigned char *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t rd32(const unsigned char *p)
{
	return (uint32_t)rd16(p) << 16 | rd16(p + 2);
}

static inline void wr16(unsigned char *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static inline void wr32(unsigned char *p, uint32_t v)
{
	wr16(p, v >> 16);
	wr16(p + 2, v & 0xffff);
}

/* RFC 1071: odd tails are padded with a zero byte. */
static inline uint64_t sum_be(uint64_t sum, const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint64_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint64_t)p[n - 1] << 8;
	return sum;
}

static inline uint16_t fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* The TCP pseudo-header's sum; @ip is the IPv4 or IPv6 header. */
static inline uint64_t pseudo_be(const unsigned char *ip, bool v6,
				 size_t l4_len)
{
	if (v6)
		return sum_be(0, ip + 8, 32) + (l4_len >> 16) +
		       (l4_len & 0xffff) + ip[6];
	return sum_be(0, ip + 12, 8) + ip[9] + l4_len;
}

#endif
