/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Placement for the benchmarks (bench/ and the lib/tests benchmarks): pin the
 * calling thread to one CPU; threads and processes it starts inherit it.
 */
#ifndef FLIPCALL_BENCH_PIN_CPU_H
#define FLIPCALL_BENCH_PIN_CPU_H

#include <errno.h>
#include <sched.h>

/* cpu < 0 leaves the placement alone. 0 or a negative errno. */
static inline int bench_pin_cpu(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return 0;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

#endif
