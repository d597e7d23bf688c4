// SPDX-License-Identifier: GPL-2.0
/*
 * The instruction-count clock. Under qemu's "-icount shift=0,sleep=off" the
 * guest's clocks advance exactly one nanosecond per guest instruction while
 * a vCPU runs (and jump to the next timer when all of them idle), so a run
 * timed in nanoseconds on one busy CPU is an instruction count. That is a
 * claim about the emulator, so check it every run: time a loop whose
 * instruction count is known and report how many nanoseconds it took.
 */
#include <stdint.h>
#include <time.h>

#include "icount.h"

#define LOOP_ITERATIONS		5000000ULL
#define LOOP_INSNS_PER_ITER	2	/* dec, jnz */
#define TRIALS			3

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int icount_calibrate(struct icount_calibration *cal)
{
#if defined(__x86_64__)
	uint64_t best = UINT64_MAX, t0, dt, n;
	int i;

	for (i = 0; i < TRIALS; i++) {
		n = LOOP_ITERATIONS;
		t0 = now_ns();
		__asm__ __volatile__("1: dec %0\n\tjnz 1b" : "+r"(n) : : "cc");
		dt = now_ns() - t0;
		if (dt < best)
			best = dt;
	}
	cal->loop_instructions = LOOP_ITERATIONS * LOOP_INSNS_PER_ITER;
	cal->loop_ns = best;
	cal->ns_per_instruction = (double)best / (double)cal->loop_instructions;
	/* Interrupts taken during the loop add their own instructions. */
	cal->counts_instructions = cal->ns_per_instruction >= 0.99 &&
				   cal->ns_per_instruction <= 1.02;
	return 0;
#else
	(void)cal;
	return -1;
#endif
}
