// SPDX-License-Identifier: GPL-2.0
/*
 * The module's ordering code (kmod/handoff_order.h) on the shim's
 * primitives. Compiled once as is and once with SHIM_POLLER_WITHOUT_MB;
 * SIDES names the resulting struct handoff_order_sides.
 */
#include <stddef.h>

#include "handoff_order.h"
#include "handoff_order_race.h"

#define PASSER_HOLDS	0
#define POLLER_HOLDS	1

/* Apart, as conn->state and ep->wq are in the module. */
static atomic_t state __attribute__((aligned(64)));
static struct wait_queue_head wq __attribute__((aligned(64)));
static struct wait_queue_entry entry __attribute__((aligned(64)));
static bool queued;

/* __pollwait(): poll(2)'s queueing function, minus the allocation. */
static void queue_poller(struct file *file, struct wait_queue_head *head,
			 poll_table *pt)
{
	(void)file;
	(void)pt;
	add_wait_queue(head, &entry);
	queued = true;
}

static poll_table table = { ._qproc = queue_poller };

static void reset(void)
{
	if (queued)
		remove_wait_queue(&wq, &entry);
	else
		init_waitqueue_head(&wq);
	queued = false;
	atomic_set(&state, PASSER_HOLDS);
}

static bool poll_side(void)
{
	return flipcall_poll_queue_then_read(NULL, &wq, &table, &state) ==
	       POLLER_HOLDS;
}

static bool pass_side(void)
{
	int cs = PASSER_HOLDS;
	bool wake = false;

	if (!flipcall_publish_then_check(&state, &cs, POLLER_HOLDS, &wq, &wake))
		return false;
	return wake;
}

const struct handoff_order_sides SIDES = {
	.name = SIDES_NAME,
	.reset = reset,
	.poll = poll_side,
	.pass = pass_side,
};
