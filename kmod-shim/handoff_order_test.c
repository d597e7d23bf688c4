// SPDX-License-Identifier: GPL-2.0
/*
 * Races the module's poll/pass pairing (kmod/handoff_order.h, compiled on
 * the shim of kernel primitives in include/) on two real CPUs. Each round
 * starts with control at the passer and the poller off the wait queue;
 * both sides then run at the same time-stamp-counter instant, shifted by a
 * few cycles that vary from round to round. Whatever the interleaving, at
 * least one must see the other: the poller sees control arrive, or the
 * passer sees the poller queued (and would wake it). A round where neither
 * does is a lost wake-up: poll would sleep on a state that has changed.
 *
 * The same race with the poller's smp_mb() compiled out must lose rounds
 * (store-to-load reordering on x86), or this test could not fail.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <time.h>
#include <x86intrin.h>

#include "kselftest_harness.h"
#include "handoff_order_race.h"

/* Cycles from announcing a round to its start: the passer must see it. */
#define ROUND_LEAD	2000
/*
 * The poller starts this many TSC ticks after the passer (negative:
 * before), plus a random shift of up to +-ROUND_JITTER. The offset follows
 * the outcomes, so it settles where either side is as likely to be first:
 * the middle of the race, wherever this machine's timings put it.
 */
#define ROUND_OFFSET_MAX	4096
#define ROUND_JITTER		48

struct race {
	const struct handoff_order_sides *sides;
	int cpu[2];
	unsigned long max_rounds;
	unsigned long max_lost;
	double max_seconds;

	/* Written by the poller, read by the passer. */
	unsigned long round __attribute__((aligned(64)));
	uint64_t start;
	uint64_t passer_delay;
	bool stop;

	/* Written by the passer, read by the poller. */
	unsigned long passed __attribute__((aligned(64)));
	bool passer_saw_poller;

	/* Outcomes, kept by the poller. */
	unsigned long rounds __attribute__((aligned(64)));
	unsigned long lost;		/* neither saw the other */
	unsigned long poller_first;	/* only the passer saw the other */
	unsigned long passer_first;	/* only the poller saw the other */
	unsigned long both;		/* each saw the other: overlapped */
};

static int pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void wait_until(uint64_t tsc)
{
	while (__rdtsc() < tsc)
		;
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) + (t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void *passer(void *arg)
{
	struct race *r = arg;
	unsigned long seen = 0, round;

	if (pin(r->cpu[1]))
		return (void *)1;
	for (;;) {
		while ((round = __atomic_load_n(&r->round, __ATOMIC_ACQUIRE)) ==
		       seen) {
			if (__atomic_load_n(&r->stop, __ATOMIC_RELAXED))
				return NULL;
			_mm_pause();
		}
		seen = round;
		wait_until(r->start + r->passer_delay);
		r->passer_saw_poller = r->sides->pass();
		__atomic_store_n(&r->passed, round, __ATOMIC_RELEASE);
	}
}

/* xorshift: the jitter only has to vary, not to be good randomness. */
static long next_jitter(uint64_t *seed)
{
	*seed ^= *seed << 13;
	*seed ^= *seed >> 7;
	*seed ^= *seed << 17;
	return (long)(*seed % (2 * ROUND_JITTER + 1)) - ROUND_JITTER;
}

/* Move the poller's start towards the middle of the race. */
static long next_offset(long offset, bool saw_control, bool saw_poller)
{
	if (!saw_control && saw_poller && offset < ROUND_OFFSET_MAX)
		return offset + 1;	/* the poller was first: later */
	if (saw_control && !saw_poller && offset > -ROUND_OFFSET_MAX)
		return offset - 1;	/* the passer was first: earlier */
	return offset;
}

/* The poller's loop, on this thread. Returns 0 or a positive errno. */
static int run_race(struct race *r)
{
	uint64_t seed = 0x9e3779b97f4a7c15ull, poller_delay;
	long offset = 0, shift;
	struct timespec t0;
	pthread_t thread;
	void *thread_ret;
	bool saw_control, saw_poller;
	int err;

	err = pin(r->cpu[0]);
	if (err)
		return err;
	err = pthread_create(&thread, NULL, passer, r);
	if (err)
		return err;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (r->rounds < r->max_rounds && r->lost < r->max_lost) {
		if (!(r->rounds & 1023) && seconds_since(&t0) > r->max_seconds)
			break;
		r->sides->reset();
		shift = offset + next_jitter(&seed);
		poller_delay = shift > 0 ? shift : 0;
		r->passer_delay = shift < 0 ? -shift : 0;
		r->start = __rdtsc() + ROUND_LEAD;
		__atomic_store_n(&r->round, r->rounds + 1, __ATOMIC_RELEASE);

		wait_until(r->start + poller_delay);
		saw_control = r->sides->poll();
		while (__atomic_load_n(&r->passed, __ATOMIC_ACQUIRE) !=
		       r->rounds + 1)
			_mm_pause();
		saw_poller = r->passer_saw_poller;

		offset = next_offset(offset, saw_control, saw_poller);
		r->rounds++;
		if (!saw_control && !saw_poller)
			r->lost++;
		else if (!saw_control)
			r->poller_first++;
		else if (!saw_poller)
			r->passer_first++;
		else
			r->both++;
	}
	__atomic_store_n(&r->stop, true, __ATOMIC_RELAXED);
	err = pthread_join(thread, &thread_ret);
	if (!err && thread_ret)
		err = EINVAL;
	return err;
}

/* The first two CPUs this process may use; false if it has only one. */
static bool two_cpus(int cpu[2])
{
	cpu_set_t set;
	int i, n = 0;

	if (sched_getaffinity(0, sizeof(set), &set))
		return false;
	for (i = 0; i < CPU_SETSIZE && n < 2; i++)
		if (CPU_ISSET(i, &set))
			cpu[n++] = i;
	return n == 2;
}

/* Race @sides for 8 s, 1,000,000 rounds or @max_lost lost rounds. */
static int race_for(struct __test_metadata *_metadata, struct race *r,
		    const struct handoff_order_sides *sides,
		    unsigned long max_lost)
{
	struct timespec t0;
	int err;

	r->sides = sides;
	r->max_rounds = 1000000;
	r->max_lost = max_lost;
	r->max_seconds = 8;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	err = run_race(r);
	TH_LOG("%s: %lu rounds in %.1f s on CPUs %d,%d: lost %lu, poller first %lu, passer first %lu, overlapped %lu",
	       sides->name, r->rounds, seconds_since(&t0), r->cpu[0],
	       r->cpu[1], r->lost, r->poller_first, r->passer_first, r->both);
	return err;
}

FIXTURE(handoff_order) {
	struct race race;
};

FIXTURE_SETUP(handoff_order)
{
	memset(&self->race, 0, sizeof(self->race));
}

FIXTURE_TEARDOWN(handoff_order)
{
}

/* As the module has it: no round may be lost. */
TEST_F_TIMEOUT(handoff_order, poll_with_barrier_never_misses_a_pass, 60)
{
	struct race *r = &self->race;

	if (!two_cpus(r->cpu))
		SKIP(return, "one CPU: the poller and passer cannot race");
	ASSERT_EQ(0, race_for(_metadata, r, &handoff_order_as_built, 1));
	EXPECT_EQ(0, r->lost);
	/* Rounds where each side saw the other prove the windows met. */
	EXPECT_LT(0, r->both);
}

/* The self-check: without the poller's barrier, rounds are lost. */
TEST_F_TIMEOUT(handoff_order, poll_without_barrier_misses_a_pass, 60)
{
	struct race *r = &self->race;

	if (!two_cpus(r->cpu))
		SKIP(return, "one CPU: the poller and passer cannot race");
	ASSERT_EQ(0, race_for(_metadata, r, &handoff_order_without_poller_mb,
			      10));
	EXPECT_LT(0, r->lost);
}

TEST_HARNESS_MAIN
