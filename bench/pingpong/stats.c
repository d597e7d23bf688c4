// SPDX-License-Identifier: GPL-2.0
/*
 * Wake-up latency histogram of futex-pingpong (C side); pingpong.go keeps
 * the same buckets and prints the same line.
 */
#include <stdio.h>
#include <sys/resource.h>
#include <time.h>

#include "pingpong.h"

void pp_note_wait(struct pp_stats *st, int slept, uint64_t latency_ns)
{
	unsigned int b = 0;

	st->waits++;
	if (!slept)
		return;
	st->sleeps++;
	while (b + 1 < PP_BUCKETS && latency_ns >= (2ULL << b))
		b++;
	st->hist[b]++;
}

/* Upper bound (ns) of the bucket holding the p-th percentile of sleeps. */
static unsigned long long percentile(const struct pp_stats *st, double p)
{
	uint64_t want = (uint64_t)(p / 100.0 * (double)st->sleeps), seen = 0;
	unsigned int b;

	for (b = 0; b < PP_BUCKETS; b++)
		seen += st->hist[b];
	if (!seen)	/* no sleeps, or latencies not seen (libflipcall) */
		return 0;
	seen = 0;

	for (b = 0; b < PP_BUCKETS; b++) {
		seen += st->hist[b];
		if (seen > want)
			return 2ULL << b;
	}
	return 2ULL << (PP_BUCKETS - 1);
}

void pp_report(const char *lang, const struct pp_stats *st, uint64_t rt_ns,
	       uint64_t cpu_ns)
{
	printf("client=%s rt_ns=%llu slept=%.2f wake_p50_ns<=%llu wake_p90_ns<=%llu wake_p99_ns<=%llu cpu_ns=%llu\n",
	       lang, (unsigned long long)rt_ns,
	       st->waits ? (double)st->sleeps / (double)st->waits : 0.0,
	       percentile(st, 50), percentile(st, 90), percentile(st, 99),
	       (unsigned long long)cpu_ns);
}

uint64_t pp_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

uint64_t pp_cpu_ns(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru))
		return 0;
	return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) *
		       1000000000ULL +
	       (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ULL;
}
