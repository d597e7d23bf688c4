/* SPDX-License-Identifier: GPL-2.0 */
/* Checking that the guest clock counts instructions (bench/icount.c). */
#ifndef FLIPCALL_BENCH_ICOUNT_H
#define FLIPCALL_BENCH_ICOUNT_H

#include <stdint.h>

struct icount_calibration {
	uint64_t loop_instructions;	/* executed by the timed loop */
	uint64_t loop_ns;		/* what the clock said it took */
	double ns_per_instruction;
	int counts_instructions;	/* 1 ns per instruction within 2% */
};

/* 0, or -1 where there is no loop of known length for this CPU. */
int icount_calibrate(struct icount_calibration *cal);

#endif
