// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The spin budget state machine (lib/src/wait_policy.c), fed made-up
 * outcomes: every test checks the budgets it picks, so none depends on
 * timing or on the host's load.
 */
#include <stdint.h>

#include "kselftest_harness.h"
#include "wait_policy.h"

#define CAP	50000U

/* A peer that answers after answer_ns: one wait as the endpoint does it.
 * Returns the budget the wait spun (0 when it slept at once).
 */
static uint32_t one_wait(struct wait_policy *p, uint64_t answer_ns,
			 uint64_t wake_ns)
{
	uint32_t b = wp_budget(p);

	if (!b)
		return 0;
	if (answer_ns <= b) {
		wp_hit(p, answer_ns);
		return (uint32_t)answer_ns;
	}
	wp_miss(p);
	wp_slept(p, answer_ns + wake_ns);
	return b;
}

TEST(sleep_never_spins)
{
	struct wait_policy p;
	int i;

	wp_init(&p, WP_SLEEP, CAP);
	for (i = 0; i < 100; i++) {
		EXPECT_EQ(0, wp_budget(&p));
		wp_hit(&p, 1000);
		wp_miss(&p);
	}
	EXPECT_EQ(0, wp_budget(&p));
}

TEST(zero_cap_sleeps_in_every_mode)
{
	struct wait_policy p;

	wp_init(&p, WP_ADAPTIVE, 0);
	EXPECT_EQ(0, wp_budget(&p));
	wp_init(&p, WP_SPIN, 0);
	EXPECT_EQ(0, wp_budget(&p));
}

TEST(spin_always_spins_the_cap)
{
	struct wait_policy p;
	int i;

	wp_init(&p, WP_SPIN, CAP);
	for (i = 0; i < 1000; i++) {
		ASSERT_EQ(CAP, wp_budget(&p));
		wp_miss(&p);
		wp_slept(&p, 10 * CAP);
	}
	wp_hit(&p, 10);
	EXPECT_EQ(CAP, wp_budget(&p));
}

TEST(adaptive_first_wait_probes_the_whole_cap)
{
	struct wait_policy p;

	wp_init(&p, WP_ADAPTIVE, CAP);
	EXPECT_EQ(CAP, wp_budget(&p));
}

/* Twice the peer's usual answer time, once the average has settled. */
TEST(adaptive_learns_twice_the_answer_time)
{
	struct wait_policy p;
	int i;

	wp_init(&p, WP_ADAPTIVE, CAP);
	for (i = 0; i < 200; i++)
		EXPECT_EQ(3000, one_wait(&p, 3000, 45000));
	EXPECT_GE(wp_budget(&p), 6000);
	EXPECT_LE(wp_budget(&p), 6020);
	EXPECT_EQ(0, p.misses);
}

TEST(adaptive_budget_has_a_floor)
{
	struct wait_policy p;
	int i;

	wp_init(&p, WP_ADAPTIVE, CAP);
	for (i = 0; i < 200; i++)
		one_wait(&p, 50, 45000);
	EXPECT_EQ(WP_MIN_BUDGET_NS, wp_budget(&p));
}

TEST(adaptive_floor_never_exceeds_the_cap)
{
	struct wait_policy p;

	wp_init(&p, WP_ADAPTIVE, 500);
	wp_hit(&p, 10);
	EXPECT_EQ(500, wp_budget(&p));
}

/*
 * WP_MISSES_TOLERATED misses in a row start the back-off: 1 wait without
 * spinning, then a probe; each probe that misses doubles the pause, up to
 * WP_BACKOFF_MAX.
 */
TEST(adaptive_backoff_doubles_up_to_the_max)
{
	uint32_t expect = 1, skipped;
	struct wait_policy p;
	int i, round;

	wp_init(&p, WP_ADAPTIVE, CAP);
	for (i = 0; i < WP_MISSES_TOLERATED - 1; i++) {
		ASSERT_NE(0, wp_budget(&p));
		wp_miss(&p);
	}
	ASSERT_NE(0, wp_budget(&p));
	wp_miss(&p);
	for (round = 0; round < 12; round++) {
		for (skipped = 0; !wp_budget(&p); skipped++)
			ASSERT_LE(skipped, WP_BACKOFF_MAX);
		EXPECT_EQ(expect, skipped);
		wp_miss(&p);
		expect = expect * 2 > WP_BACKOFF_MAX ? WP_BACKOFF_MAX :
						       expect * 2;
	}
	EXPECT_EQ(WP_BACKOFF_MAX, p.backoff);
}

TEST(adaptive_hit_ends_the_backoff)
{
	struct wait_policy p;
	int i;

	wp_init(&p, WP_ADAPTIVE, CAP);
	for (i = 0; i < 20; i++)
		one_wait(&p, 10 * CAP, 45000);
	while (!wp_budget(&p))
		;
	wp_hit(&p, 1000);
	EXPECT_EQ(0, p.misses);
	EXPECT_EQ(0, p.skip);
	/* Only a new run of misses backs off again. */
	for (i = 0; i < WP_MISSES_TOLERATED - 1; i++) {
		ASSERT_NE(0, wp_budget(&p));
		wp_miss(&p);
	}
	EXPECT_NE(0, wp_budget(&p));
}

/* A miss whose whole wait fit under the cap says the budget was short. */
TEST(adaptive_misses_raise_a_short_budget)
{
	struct wait_policy p;
	uint32_t before;
	int i;

	wp_init(&p, WP_ADAPTIVE, CAP);
	for (i = 0; i < 200; i++)
		one_wait(&p, 2000, 45000);
	before = wp_budget(&p);
	EXPECT_LE(before, 4100);
	/* The peer now takes 8 us: the budget must grow past that. */
	for (i = 0; i < 2000; i++)
		one_wait(&p, 8000, 0);
	EXPECT_GE(wp_budget(&p), 8000);
	EXPECT_EQ(0, p.misses);
}

/* A peer slower than the cap: spinning costs at most ~1% of its time. */
TEST(adaptive_slow_peer_costs_little_spinning)
{
	uint64_t spun = 0, waits = 100000, answer = 1000000;
	struct wait_policy p;
	uint64_t i;

	wp_init(&p, WP_ADAPTIVE, CAP);
	for (i = 0; i < waits; i++)
		spun += one_wait(&p, answer, 45000);
	TH_LOG("spun %llu ns per wait", (unsigned long long)(spun / waits));
	EXPECT_LE(spun / waits, CAP / WP_BACKOFF_MAX + 100);
	EXPECT_LE(spun * 100, waits * answer);
}

/* After a slow spell the probes find a fast peer again. */
TEST(adaptive_recovers_when_the_peer_speeds_up)
{
	struct wait_policy p;
	int i, hits = 0;

	wp_init(&p, WP_ADAPTIVE, CAP);
	for (i = 0; i < 5000; i++)
		one_wait(&p, 10 * CAP, 45000);
	for (i = 0; i <= WP_BACKOFF_MAX; i++)
		if (one_wait(&p, 3000, 45000) == 3000)
			hits++;
	EXPECT_GE(hits, 1);
	/* From the first hit on, every wait spins and hits. */
	for (i = 0; i < 1000; i++)
		ASSERT_EQ(3000, one_wait(&p, 3000, 45000));
}

TEST_HARNESS_MAIN
