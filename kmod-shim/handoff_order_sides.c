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
/* The passer's last store before it publishes (see queue_poller). */
static unsigned long passer_note __attribute__((aligned(64)));

/*
 * __pollwait(): poll(2)'s queueing function, minus the allocation, plus
 * one store under the lock to the line the passer has just written. It
 * misses the cache, and x86 commits stores in order, so the queue insert
 * behind it stays in the store buffer for a cache-line transfer instead of
 * a few cycles: the window where the missing barrier shows widens to the
 * time the passer needs to publish and look. It cannot make the barrier
 * fail, which orders every store before it, whatever they wait for.
 */
static void queue_poller(struct file *file, struct wait_queue_head *head,
			 poll_table *pt)
{
	unsigned long flags = shim_spin_lock_irqsave(&head->lock);

	(void)file;
	(void)pt;
	WRITE_ONCE(passer_note, 0);
	shim_list_add(&entry.entry, &head->head);
	shim_spin_unlock_irqrestore(&head->lock, flags);
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

	WRITE_ONCE(passer_note, 1);
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
