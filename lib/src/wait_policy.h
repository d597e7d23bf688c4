/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * How long a wait spins before it sleeps: a small state machine, kept free
 * of clocks and system calls so that tests can feed it made-up outcomes
 * (lib/tests/wait_policy_test.c) and check the budget it picks.
 *
 * ADAPTIVE learns how long the peer usually takes to answer (a moving
 * average of the waits that ended while spinning, and of the misses'
 * total wait, clipped to the cap) and spins for about twice that. Misses
 * in a row make it stop spinning for 1, 2, 4, ... waits, after which one
 * wait probes with a full budget again; a hit ends the back-off.
 */
#ifndef FLIPCALL_WAIT_POLICY_H
#define FLIPCALL_WAIT_POLICY_H

#include <stdint.h>

enum wp_mode { WP_SLEEP, WP_SPIN, WP_ADAPTIVE };

/* Misses in a row before the back-off starts. */
#define WP_MISSES_TOLERATED	4
/* Longest back-off, in waits: a slow peer costs one probe per this many. */
#define WP_BACKOFF_MAX		256
/* Smallest adaptive budget (ns): enough for a yield to let a peer run. */
#define WP_MIN_BUDGET_NS	2000
/* The moving average moves 1/2^WP_EWMA_SHIFT of the way per outcome. */
#define WP_EWMA_SHIFT		3

struct wait_policy {
	enum wp_mode mode;
	uint32_t cap_ns;	/* most one wait spins */
	uint32_t estimate_ns;	/* how long the peer usually takes */
	uint32_t misses;	/* spins in a row that ran out */
	uint32_t backoff;	/* waits the last back-off skipped */
	uint32_t skip;		/* waits left that will not spin */
};

void wp_init(struct wait_policy *p, enum wp_mode mode, uint32_t cap_ns);
/* Spin budget (ns) of the next wait; 0: sleep at once. */
uint32_t wp_budget(struct wait_policy *p);
/* The wait's spin saw control come back after spun_ns. */
void wp_hit(struct wait_policy *p, uint64_t spun_ns);
/* The wait's spin ran out. */
void wp_miss(struct wait_policy *p);
/* A wait that missed got control back waited_ns after it began. */
void wp_slept(struct wait_policy *p, uint64_t waited_ns);

#endif
