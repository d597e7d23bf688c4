// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The spin budget state machine (wait_policy.h). Spinning up to the cost
 * of a sleep and wake-up and then sleeping is at most twice as slow as the
 * best choice made in hindsight; learning the peer's usual answer time
 * lets most waits stop well before that cap, and the back-off keeps a peer
 * that is slow, or shares our CPU and cannot run while we spin, from
 * costing more than one probe every WP_BACKOFF_MAX waits.
 */
#include "wait_policy.h"

void wp_init(struct wait_policy *p, enum wp_mode mode, uint32_t cap_ns)
{
	*p = (struct wait_policy){ .mode = cap_ns ? mode : WP_SLEEP,
				   .cap_ns = cap_ns };
	/* Optimistic start: the first waits probe with the whole cap. */
	p->estimate_ns = cap_ns / 2;
}

static uint32_t clip(uint64_t v, uint32_t cap)
{
	return v > cap ? cap : (uint32_t)v;
}

static void average_in(struct wait_policy *p, uint64_t sample_ns)
{
	int64_t diff = (int64_t)clip(sample_ns, p->cap_ns) -
		       (int64_t)p->estimate_ns;

	p->estimate_ns = (uint32_t)((int64_t)p->estimate_ns +
				    diff / (1 << WP_EWMA_SHIFT));
}

uint32_t wp_budget(struct wait_policy *p)
{
	uint64_t want;

	switch (p->mode) {
	case WP_SPIN:
		return p->cap_ns;
	case WP_ADAPTIVE:
		break;
	default:
		return 0;
	}
	if (p->skip) {
		p->skip--;
		return 0;
	}
	want = 2 * (uint64_t)p->estimate_ns;
	if (want < WP_MIN_BUDGET_NS)
		want = WP_MIN_BUDGET_NS;
	return clip(want, p->cap_ns);
}

void wp_hit(struct wait_policy *p, uint64_t spun_ns)
{
	if (p->mode != WP_ADAPTIVE)
		return;
	average_in(p, spun_ns);
	p->misses = 0;
	p->backoff = 0;
	p->skip = 0;
}

void wp_miss(struct wait_policy *p)
{
	if (p->mode != WP_ADAPTIVE)
		return;
	if (++p->misses < WP_MISSES_TOLERATED)
		return;
	p->backoff = p->backoff ? p->backoff * 2 : 1;
	if (p->backoff > WP_BACKOFF_MAX)
		p->backoff = WP_BACKOFF_MAX;
	p->skip = p->backoff;
}

void wp_slept(struct wait_policy *p, uint64_t waited_ns)
{
	if (p->mode == WP_ADAPTIVE)
		average_in(p, waited_ns);
}
