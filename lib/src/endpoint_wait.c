// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * What a wait does before it sleeps, for both transports: the policy
 * chosen at init (wait_policy.h holds the budget state machine) and the
 * spin itself.
 */
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "endpoint.h"

static enum wp_mode mode_of(uint32_t policy)
{
	switch (policy) {
	case FLIPCALL_WAIT_SPIN:
		return WP_SPIN;
	case FLIPCALL_WAIT_SLEEP:
		return WP_SLEEP;
	default:
		return WP_ADAPTIVE;
	}
}

/* FLIPCALL_WAIT_POLICY: a process-wide default, for operators and tests. */
static uint32_t policy_from_env(void)
{
	const char *v = secure_getenv("FLIPCALL_WAIT_POLICY");

	if (!v)
		return FLIPCALL_WAIT_DEFAULT;
	if (!strcmp(v, "adaptive"))
		return FLIPCALL_WAIT_ADAPTIVE;
	if (!strcmp(v, "sleep"))
		return FLIPCALL_WAIT_SLEEP;
	if (!strcmp(v, "spin"))
		return FLIPCALL_WAIT_SPIN;
	return FLIPCALL_WAIT_DEFAULT;
}

/*
 * The device transport's default stays "spin only if asked": the kernel
 * has its own spin (FLIPCALL_DEVICE_SPIN), which needs no second ioctl.
 */
void ep_wait_init(struct flipcall_endpoint *ep)
{
	uint32_t policy = ep->opts.wait_policy;
	uint32_t cap = ep->opts.spin_ns;

	if (policy == FLIPCALL_WAIT_DEFAULT)
		policy = policy_from_env();
	if (policy == FLIPCALL_WAIT_DEFAULT)
		policy = ep->transport == &ep_device_transport && !cap ?
			 FLIPCALL_WAIT_SLEEP : FLIPCALL_WAIT_ADAPTIVE;
	if (!cap)
		cap = FLIPCALL_WAIT_DEFAULT_SPIN_NS;
	wp_init(&ep->wait, mode_of(policy), cap);
	ep->spin_yield = !(ep->opts.flags & FLIPCALL_ENDPOINT_SPIN_NO_YIELD);
}

/* Pauses between looks at the clock, and between yields of the CPU. */
#define SPIN_CLOCK_CHECK_EVERY	16
/*
 * A sched_yield() that returns this much later ran another task on our
 * CPU: most take under 0.5 us here when nothing else is runnable.
 */
#define SPIN_YIELD_RAN_OTHERS_NS	2000

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#else
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
#endif
}

int ep_spin_due(struct flipcall_endpoint *ep)
{
	ep->spin_budget = wp_budget(&ep->wait);
	return ep->spin_budget != 0;
}

/*
 * A peer that shares our CPU cannot answer while we spin; the yield lets
 * it run at once instead of when our time slice ends, and costs one cheap
 * system call per SPIN_CLOCK_CHECK_EVERY pauses when nobody else is
 * runnable here. Yielding at once, before the first pauses, was measured
 * (bench-pingpong, 2-vCPU guest): across CPUs the round trip grew from
 * 0.5-0.8 us to 1.9-3.8 us, with no clear gain on one CPU.
 *
 * A hit that came only after a yield ran someone else on our CPU (most
 * likely the peer) counts as a miss: a FUTEX_WAIT would have switched to
 * the peer as well, for less (one CPU: 1.10x the time and CPU of never
 * spinning when such hits counted, 0.99x since), so a peer on our CPU
 * makes the policy back off to sleeping like a slow one does.
 */
int ep_spin(struct flipcall_endpoint *ep,
	    int (*ready)(const struct flipcall_endpoint *ep))
{
	uint64_t start, now, after;
	int ran_others = 0;
	unsigned int i;
	int ret;

	start = ep_now_ns();
	for (i = 1;; i++) {
		ret = ready(ep);
		if (ret)
			break;
		if (i % SPIN_CLOCK_CHECK_EVERY) {
			cpu_relax();
			continue;
		}
		now = ep_now_ns();
		if (now - start >= ep->spin_budget)
			break;
		if (ep->spin_yield) {
			sched_yield();
			after = ep_now_ns();
			if (after - now > SPIN_YIELD_RAN_OTHERS_NS)
				ran_others = 1;
		}
	}
	if (ret > 0) {
		ep->stats.spin_hits++;
		if (ran_others)
			wp_miss(&ep->wait);
		else
			wp_hit(&ep->wait, ep_now_ns() - start);
	} else if (!ret) {
		wp_miss(&ep->wait);
		ep->wait_start_ns = start;
	}
	return ret;
}

void ep_spin_missed_wait_done(struct flipcall_endpoint *ep)
{
	wp_slept(&ep->wait, ep_now_ns() - ep->wait_start_ns);
}
