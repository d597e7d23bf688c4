/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-ins for the kernel's atomics and barriers, emitting the
 * instructions the x86-64 kernel (6.1) emits for them: a locked cmpxchg for
 * atomic_try_cmpxchg(), a plain load for atomic_read_acquire() (x86 loads
 * are acquires already), "lock addl $0" on the stack for smp_mb(). Only
 * what kmod/handoff_order.h and the shim's own wait queue use.
 *
 * With SHIM_POLLER_WITHOUT_MB, smp_mb() is only a compiler barrier: the
 * test's mutant. The passer's barrier is its locked cmpxchg, never
 * dropped, so the mutant lacks exactly the poller's smp_mb().
 */
#ifndef SHIM_LINUX_ATOMIC_H
#define SHIM_LINUX_ATOMIC_H

#if !defined(__x86_64__)
#error "the shim models the x86-64 kernel's instructions only"
#endif

#include <stdbool.h>

#define barrier() __asm__ __volatile__("" ::: "memory")
#define READ_ONCE(x) (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))

/* The real barrier, which the mutant build leaves out of smp_mb(). */
#define shim_full_mb() \
	__asm__ __volatile__("lock; addl $0,-4(%%rsp)" ::: "memory", "cc")

#ifdef SHIM_POLLER_WITHOUT_MB
#define smp_mb() barrier()
#else
#define smp_mb() shim_full_mb()
#endif

typedef struct {
	int counter;
} atomic_t;

static inline int atomic_read_acquire(const atomic_t *v)
{
	int val = READ_ONCE(v->counter);

	barrier();
	return val;
}

static inline void atomic_set(atomic_t *v, int i)
{
	WRITE_ONCE(v->counter, i);
}

/* lock cmpxchg: a full barrier whether or not it succeeds. */
static inline bool atomic_try_cmpxchg(atomic_t *v, int *old, int new)
{
	return __atomic_compare_exchange_n(&v->counter, old, new, false,
					   __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

#endif
