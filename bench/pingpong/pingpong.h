/* SPDX-License-Identifier: GPL-2.0 */
/* futex-pingpong: the page layout shared with pingpong.go, and statistics. */
#ifndef FLIPCALL_PINGPONG_H
#define FLIPCALL_PINGPONG_H

#include <stdint.h>
#include <time.h>

#define PP_PAGE			4096
#define PP_CLIENT_ACTIVE	0U
#define PP_SERVER_ACTIVE	1U
#define PP_SHUTDOWN		2U
#define PP_DATA_LEN_OFF		4	/* flipcall header: datagram length */
#define PP_DATA_OFF		16	/* flipcall header size */
#define PP_WAKE_TIME_OFF	64
#define PP_BUCKETS		24	/* log2 buckets of wake-up latency, ns */

struct pp_stats {
	uint64_t waits, sleeps;
	uint64_t hist[PP_BUCKETS];
};

void pp_note_wait(struct pp_stats *st, int slept, uint64_t latency_ns);
/* One line: lang, RT ns, share of waits that slept, latency percentiles,
 * CPU time of this process per round trip.
 */
void pp_report(const char *lang, const struct pp_stats *st, uint64_t rt_ns,
	       uint64_t cpu_ns);
uint64_t pp_now_ns(void);
/* CPU time (user + system, every thread) this process has used. */
uint64_t pp_cpu_ns(void);
/* pingpong_lib.c: one side through libflipcall with a wait policy; a
 * server sleeps delay_us before each reply (a slow peer).
 */
int pp_lib_run(int fd, int client, uint64_t n, const char *policy,
	       int no_yield, long delay_us);

/* A slow server: -d US sleeps this long before each reply. */
static inline void pp_server_delay(long us)
{
	struct timespec ts = { .tv_sec = us / 1000000,
			       .tv_nsec = us % 1000000 * 1000 };

	if (us > 0)
		nanosleep(&ts, NULL);
}

#endif
