/* SPDX-License-Identifier: GPL-2.0 */
/* flipcall-bench results: placements, the table, the targets, JSON. */
#ifndef FLIPCALL_BENCH_REPORT_H
#define FLIPCALL_BENCH_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "bench.h"
#include "icount.h"

#define MAX_RUNS	32

struct placement {
	const char *name;
	int client_cpu, server_cpu;	/* -1: not pinned */
	int unavailable;		/* e.g. "cross" on one CPU */
};

/* What each process reports back through shared memory. */
struct side_report {
	uint64_t syscalls;
	uint64_t nvcsw;
	uint64_t wakes;			/* times this side was woken */
	uint64_t woke_on_waker_cpu;	/* ... on the CPU that woke it */
	uint64_t dev_wakes;		/* fdinfo flipcall-wakes */
	uint64_t dev_wakes_same_cpu;	/* fdinfo flipcall-wakes-same-cpu */
	int dev_stats;
	int error;
};

struct result {
	const struct mechanism *mech;
	uint32_t payload;
	const struct placement *placement;
	int skipped;			/* setup's -errno */
	int error;
	unsigned int runs;
	uint64_t run_ns[MAX_RUNS];	/* round-trip ns, per run */
	uint64_t sorted_ns[MAX_RUNS];
	uint64_t median_ns;
	uint64_t total;			/* round trips incl. warm-up */
	struct side_report side[2];
};

/* What the clock of this run measures (-I: guest instructions). */
struct bench_clock {
	int icount;
	int calibrated;			/* cal holds a measurement */
	struct icount_calibration cal;
};

void report_set_clock(const struct bench_clock *clock);
void init_placements(struct placement pl[3]);
int read_fdinfo_wakes(int fd, uint64_t *wakes, uint64_t *same_cpu);
void print_header(uint64_t iterations, unsigned int runs);
void print_row(const struct result *r, const struct result *all,
	       size_t count);
void print_targets(const struct result *all, size_t count);
int write_json(const char *path, const struct result *all, size_t count,
	       uint64_t iterations, unsigned int runs);

#endif
