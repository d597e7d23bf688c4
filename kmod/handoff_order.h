/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The two halves of the poll/pass pairing, kept apart from everything else
 * so that kmod-shim/ can compile exactly this code in userspace against
 * stand-ins for the kernel primitives and race it on real CPUs (see
 * "poll" in Documentation/design.rst). Use only atomic_*, smp_mb(),
 * poll_wait() and waitqueue_active() here: the shim provides nothing else.
 *
 * A poller queues itself, then reads the state; a passer publishes the
 * state, then looks at the queue. Each side stores, then loads what the
 * other stored, so each needs a full barrier between the two, or both can
 * miss each other: the poller sleeps on a state that has already changed.
 */
#ifndef _FLIPCALL_HANDOFF_ORDER_H
#define _FLIPCALL_HANDOFF_ORDER_H

#include <linux/atomic.h>
#include <linux/poll.h>
#include <linux/wait.h>

/* Queue on @wq for @file's poll table, then read @state. */
static inline int flipcall_poll_queue_then_read(struct file *file,
						struct wait_queue_head *wq,
						poll_table *pt,
						const atomic_t *state)
{
	poll_wait(file, wq, pt);
	/*
	 * Pairs with the passer's cmpxchg, a full barrier before its
	 * waitqueue_active(), as in sock_poll_wait(). The queue was updated
	 * under its lock, which orders that store only as a release: without
	 * this, the load below could pass it (on x86 the unlock is a plain
	 * store, and a load may complete while the stores wait in the store
	 * buffer).
	 */
	smp_mb();
	return atomic_read_acquire(state);
}

/*
 * Publish @next in @state if it still holds *@cs (atomic_try_cmpxchg(),
 * fully ordered, which also publishes every store before it), then set
 * *@wake to whether anyone sleeps or polls on @wq. A successful cmpxchg is
 * a full barrier, so it already orders the publication before this read
 * of the queue: the smp_mb() that wq_has_sleeper() would add is not needed.
 * Returns false, with *@cs the current state, if @state had changed.
 */
static inline bool flipcall_publish_then_check(atomic_t *state, int *cs,
					       int next,
					       struct wait_queue_head *wq,
					       bool *wake)
{
	if (!atomic_try_cmpxchg(state, cs, next))
		return false;
	/* Ordered after the publication by the cmpxchg's full barrier. */
	*wake = waitqueue_active(wq);
	return true;
}

#endif /* _FLIPCALL_HANDOFF_ORDER_H */
