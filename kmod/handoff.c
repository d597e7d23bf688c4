// SPDX-License-Identifier: GPL-2.0
/*
 * The hand-off: one atomic state word per connection decides who holds
 * control; a pass is a single cmpxchg followed by a synchronous wake-up of
 * the peer. Every decision is a pure function of the state word and the
 * endpoint's phase (the first half of this file), so KUnit covers each
 * transition; the second half applies those decisions.
 */
#include <linux/sched/clock.h>
#include <linux/sched/signal.h>
#include <linux/sched/stat.h>
#include <linux/smp.h>
#include <linux/uaccess.h>
#include <kunit/visibility.h>

#include "flipcall.h"
#include "handoff_order.h"
#include "trace.h"

bool flipcall_op_side_ok(u32 op, u32 side)
{
	switch (op) {
	case FLIPCALL_OP_CONNECT:
		return side == FLIPCALL_SIDE_CLIENT;
	case FLIPCALL_OP_RECV_FIRST:
		return side == FLIPCALL_SIDE_SERVER;
	case FLIPCALL_OP_SEND_RECV:
	case FLIPCALL_OP_SEND_LAST:
		return true;
	}
	return false;
}

/* The argument checks of HANDOFF, in Documentation/uapi.rst's order. */
__always_inline int flipcall_handoff_check(const struct flipcall_handoff *arg,
					   u32 side)
{
	if (arg->op < FLIPCALL_OP_CONNECT || arg->op > FLIPCALL_OP_SEND_LAST)
		return -EINVAL;
	if (arg->flags & ~FLIPCALL_HANDOFF_FLAGS)
		return -EINVAL;
	if (arg->reserved)
		return -EINVAL;
	if (!flipcall_op_side_ok(arg->op, side))
		return -EINVAL;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(flipcall_handoff_check);

/*
 * The checks of what a new hand-off sends. A resumed one sends nothing, so
 * its send_len is not looked at (Documentation/uapi.rst).
 */
int flipcall_handoff_send_check(const struct flipcall_handoff *arg,
				u64 capacity)
{
	if (arg->op == FLIPCALL_OP_RECV_FIRST && arg->send_len)
		return -EINVAL;
	if (arg->send_len > capacity)
		return -EMSGSIZE;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(flipcall_handoff_send_check);

int flipcall_end_errno(u32 reason)
{
	switch (reason) {
	case FLIPCALL_END_NONE:
		return 0;
	case FLIPCALL_END_SHUTDOWN_CLIENT:
	case FLIPCALL_END_SHUTDOWN_SERVER:
		return -ESHUTDOWN;
	}
	return -ECONNRESET;
}
EXPORT_SYMBOL_IF_KUNIT(flipcall_end_errno);

static struct flipcall_step flipcall_step_error(int err, u32 phase)
{
	return (struct flipcall_step){ .err = err, .next_phase = phase };
}

/*
 * Decide what HANDOFF @op does on endpoint @side in @phase with @pending_op
 * (0 if none) while the connection is in state @cs. Checks run in the order
 * of Documentation/uapi.rst: ending, then turn.
 */
__always_inline struct flipcall_step
flipcall_handoff_step(u32 cs, u32 side, u32 phase, u32 pending_op, u32 op)
{
	u32 reason = flipcall_cs_end(cs);
	bool holds_control = flipcall_cs_active(cs) == side;
	struct flipcall_step step = { .next_phase = FLIPCALL_PHASE_OPEN };

	/*
	 * The steady state of a ping-pong, answered first: a new SEND_RECV
	 * on an open endpoint that holds control of a live connection (the
	 * state word is then exactly @side). The rules below give the same
	 * answer; this costs four compares instead of all of them, twice per
	 * round trip.
	 */
	if (likely(op == FLIPCALL_OP_SEND_RECV && !pending_op &&
		   phase == FLIPCALL_PHASE_OPEN && cs == side)) {
		step.pass = true;
		step.wait = true;
		return step;
	}

	if (!flipcall_op_side_ok(op, side))
		return flipcall_step_error(-EINVAL, phase);

	if (pending_op) {
		/*
		 * The pass already happened; only the wait is resumed. Control
		 * that came back before the connection ended still completes
		 * it, so an ending never swallows the peer's last datagram.
		 */
		if (reason && !(op == pending_op && holds_control))
			return flipcall_step_error(flipcall_end_errno(reason),
						   phase);
		if (op != pending_op)
			return flipcall_step_error(-EPROTO, phase);
		step.wait = true;
		return step;
	}

	/*
	 * Likewise a RECV_FIRST whose control (the client's CONNECT) arrived
	 * before the ending: it only collects what is already here.
	 */
	if (reason && !(op == FLIPCALL_OP_RECV_FIRST &&
			phase == FLIPCALL_PHASE_NEW && holds_control))
		return flipcall_step_error(flipcall_end_errno(reason), phase);

	switch (op) {
	case FLIPCALL_OP_CONNECT:
		step.pass = true;
		step.wait = true;
		if (phase != FLIPCALL_PHASE_NEW || !holds_control)
			return flipcall_step_error(-EPROTO, phase);
		break;
	case FLIPCALL_OP_RECV_FIRST:
		step.wait = true;
		if (phase != FLIPCALL_PHASE_NEW)
			return flipcall_step_error(-EPROTO, phase);
		break;
	case FLIPCALL_OP_SEND_RECV:
		step.pass = true;
		step.wait = true;
		if (phase != FLIPCALL_PHASE_OPEN || !holds_control)
			return flipcall_step_error(-EPROTO, phase);
		break;
	case FLIPCALL_OP_SEND_LAST:
		step.pass = true;
		step.next_phase = FLIPCALL_PHASE_DONE;
		if (phase != FLIPCALL_PHASE_OPEN || !holds_control)
			return flipcall_step_error(-EPROTO, phase);
		break;
	}
	return step;
}
EXPORT_SYMBOL_IF_KUNIT(flipcall_handoff_step);

/* 0 once control is back, the ending's errno, or -EAGAIN: keep waiting. */
int flipcall_wait_result(u32 cs, u32 side)
{
	if (flipcall_cs_active(cs) == side)
		return 0;
	if (flipcall_cs_end(cs))
		return flipcall_end_errno(flipcall_cs_end(cs));
	return -EAGAIN;
}
EXPORT_SYMBOL_IF_KUNIT(flipcall_wait_result);

/* The state after an ending for @reason; the first ending wins. */
u32 flipcall_cs_ended(u32 cs, u32 reason)
{
	if (flipcall_cs_end(cs))
		return cs;
	return cs | (reason << FLIPCALL_CS_END_SHIFT);
}
EXPORT_SYMBOL_IF_KUNIT(flipcall_cs_ended);

__poll_t flipcall_poll_mask(u32 cs, u32 side)
{
	u32 reason = flipcall_cs_end(cs);
	__poll_t mask = 0;

	if (flipcall_cs_active(cs) == side)
		mask |= EPOLLIN | EPOLLRDNORM;
	if (reason)
		mask |= EPOLLHUP;
	if (reason == FLIPCALL_END_CLIENT_GONE ||
	    reason == FLIPCALL_END_SERVER_GONE)
		mask |= EPOLLERR;
	return mask;
}
EXPORT_SYMBOL_IF_KUNIT(flipcall_poll_mask);

/* The FLIPCALL_STATE_* that INFO and the window header report. */
u32 flipcall_info_state(u32 cs)
{
	if (flipcall_cs_end(cs))
		return FLIPCALL_STATE_SHUTDOWN;
	return flipcall_cs_active(cs);
}
EXPORT_SYMBOL_IF_KUNIT(flipcall_info_state);

/*
 * Only SHUTDOWN marks the header: after a release the window belongs to
 * whoever still maps it, and the kernel leaves its bytes alone. @before is
 * what the header held before a pass that lost the race with the ending.
 */
static void flipcall_mirror_end(struct flipcall_packet_header *hdr,
				const struct flipcall_packet_header *before,
				u32 reason)
{
	if (flipcall_end_errno(reason) == -ESHUTDOWN) {
		WRITE_ONCE(hdr->state, FLIPCALL_STATE_SHUTDOWN);
		return;
	}
	if (before) {
		WRITE_ONCE(hdr->state, before->state);
		WRITE_ONCE(hdr->data_len, before->data_len);
	}
}

/*
 * Wake the peer's own HANDOFF wait directly, without the wait queue's lock
 * and walk. This is rcuwait_wake_up() less what the pass already has: the
 * cmpxchg in flipcall_publish_then_check() is the full barrier that pairs
 * with the sleeper's set_current_state() (either this read sees the
 * sleeper, or its read of the state word sees the pass), so its smp_mb()
 * is not needed; and a preempt-disabled region is an RCU read-side
 * section (a task_struct is freed after a grace period), so the preemptible
 * RCU read lock and unlock, two calls, are not needed either. The
 * preemption is wanted anyway: a peer woken on this CPU preempts us at
 * once, and it should do so after the wake-up, not inside it. No sync hint
 * goes with this wake-up.
 */
static __always_inline void flipcall_wake_sleeper(struct rcuwait *w)
{
	struct task_struct *task;

	preempt_disable();
	task = rcu_dereference_sched(w->task);
	if (task)
		wake_up_process(task);
	preempt_enable();
}

/*
 * Hand control to the peer. The length and the header are written before
 * the cmpxchg that publishes them (fully ordered); the receiver reads them
 * after an acquire load of the state. Only the side holding control passes
 * and only its busy-bit holder runs here, so the cmpxchg can fail only
 * because the connection ended meanwhile.
 */
static int flipcall_pass(struct flipcall_endpoint *ep, u32 len, bool will_sleep)
{
	struct flipcall_conn *conn = ep->conn;
	/* Read once: the volatile stores below would make it reload. */
	u32 peer_side = !ep->side;
	struct flipcall_endpoint *peer = &conn->ep[peer_side];
	struct flipcall_packet_header *hdr = flipcall_window_header(&conn->window);
	struct flipcall_packet_header old_hdr = {
		.state = READ_ONCE(hdr->state),
		.data_len = READ_ONCE(hdr->data_len),
	};
	int cs = ep->side;
	bool wake;

	WRITE_ONCE(conn->data_len[peer_side], len);
	WRITE_ONCE(hdr->data_len, len);
	WRITE_ONCE(hdr->state, peer_side);
	WRITE_ONCE(ep->waker_cpu, raw_smp_processor_id());
	if (!flipcall_publish_then_check(&conn->state, &cs, peer_side,
					 &peer->wq, &wake)) {
		/* The connection ended meanwhile: this pass never happened. */
		flipcall_mirror_end(hdr, &old_hdr, flipcall_cs_end(cs));
		return flipcall_end_errno(flipcall_cs_end(cs));
	}
	flipcall_stat_inc(&ep->stats.handoffs);

	if (rcuwait_active(&peer->sleeper)) {
		flipcall_stat_inc(&ep->stats.wakes);
		trace_flipcall_wake(ep, false);
		flipcall_wake_sleeper(&peer->sleeper);
	}

	if (!wake)
		return 0;
	flipcall_stat_inc(&ep->stats.wakes);
	trace_flipcall_wake(ep, will_sleep);
	/*
	 * Pollers. The sync hint tells the scheduler this task is about to
	 * sleep, so the peer tends to run on this CPU instead of waking another
	 * one. A task that will spin first must not claim that: the peer would
	 * queue behind the spinner, whose spin then ends at once on
	 * need_resched().
	 */
	if (will_sleep)
		wake_up_interruptible_sync_poll(&peer->wq, EPOLLIN | EPOLLRDNORM);
	else
		wake_up_interruptible_poll(&peer->wq, EPOLLIN | EPOLLRDNORM);
	return 0;
}

static int flipcall_poll_state(struct flipcall_endpoint *ep)
{
	return flipcall_wait_result(atomic_read_acquire(&ep->conn->state),
				    ep->side);
}

/*
 * Bounded busy-wait, worth it only while nobody else wants this CPU: above
 * all the peer, which may be queued right here (single_task_running(), as
 * KVM's halt polling does) without having preempted us (need_resched()).
 */
static int flipcall_spin(struct flipcall_endpoint *ep)
{
	u64 deadline = local_clock() + ep->conn->spin_ns;
	int ret;

	do {
		ret = flipcall_poll_state(ep);
		if (ret != -EAGAIN)
			return ret;
		cpu_relax();
	} while (!need_resched() && single_task_running() &&
		 !signal_pending(current) && local_clock() < deadline);
	return -EAGAIN;
}

static int flipcall_wait(struct flipcall_endpoint *ep, bool nonblock)
{
	struct flipcall_endpoint *peer = &ep->conn->ep[!ep->side];
	bool slept = false;
	int ret;

	ret = flipcall_poll_state(ep);
	if (ret != -EAGAIN || nonblock)
		return ret;

	if (ep->conn->spin_ns) {
		ret = flipcall_spin(ep);
		if (ret != -EAGAIN) {
			flipcall_stat_inc(&ep->stats.spin_hits);
			trace_flipcall_spin_hit(ep);
			return ret;
		}
	}

	/* Only the busy-bit holder waits here, so there is one sleeper. */
	prepare_to_rcuwait(&ep->sleeper);
	for (;;) {
		/* The full barrier that pairs with flipcall_pass()'s cmpxchg. */
		set_current_state(TASK_INTERRUPTIBLE);
		ret = flipcall_poll_state(ep);
		if (ret != -EAGAIN)
			break;
		if (signal_pending(current)) {
			ret = -ERESTARTSYS;
			break;
		}
		trace_flipcall_sleep(ep);
		schedule();
		slept = true;
	}
	finish_rcuwait(&ep->sleeper);

	if (slept) {
		flipcall_stat_inc(&ep->stats.sleeps);
		if (!ret && raw_smp_processor_id() == READ_ONCE(peer->waker_cpu))
			flipcall_stat_inc(&peer->stats.wakes_same_cpu);
	}
	return ret;
}

/*
 * FLIPCALL_IOC_HANDOFF after the copy-in. On success @arg->recv_len holds
 * the peer's datagram length, also stored to @recv_len_out unless that is
 * NULL (in-kernel callers). -ERESTARTSYS and -EAGAIN leave the endpoint
 * pending, so repeating the same op resumes the wait without a second pass.
 *
 * A failed call changes nothing: the caller has shown @recv_len_out to be
 * writable before the pass (which includes access_ok(), so the stores
 * here skip that check), the length a SEND_LAST reports (0) is stored
 * before its pass, and a copy-out that fails after a wait (the memory went
 * away meanwhile) leaves the endpoint pending, so repeating the op collects
 * the length again.
 */
int flipcall_handoff(struct flipcall_endpoint *ep, struct flipcall_handoff *arg,
		     bool nonblock, u32 __user *recv_len_out)
{
	struct flipcall_conn *conn = ep->conn;
	u64 capacity = flipcall_window_capacity(&conn->window);
	struct flipcall_step step;
	bool resume;
	int ret;

	ret = flipcall_handoff_check(arg, ep->side);
	if (ret)
		return ret;
	if (test_and_set_bit_lock(FLIPCALL_EP_BUSY, &ep->flags))
		return -EBUSY;

	resume = ep->pending_op && ep->pending_op == arg->op;
	if (!resume) {
		ret = flipcall_handoff_send_check(arg, capacity);
		if (ret)
			goto unlock;
	}
	step = flipcall_handoff_step(atomic_read_acquire(&conn->state),
				     ep->side, ep->phase, ep->pending_op,
				     arg->op);
	ret = step.err;
	if (ret)
		goto unlock;

	arg->recv_len = 0;
	if (step.pass) {
		if (!step.wait && recv_len_out && __put_user(0, recv_len_out)) {
			ret = -EFAULT;
			goto unlock;
		}
		ret = flipcall_pass(ep, arg->send_len,
				    step.wait && !conn->spin_ns);
		if (ret)
			goto unlock;
	}
	if (step.wait) {
		ep->pending_op = arg->op;
		ret = flipcall_wait(ep, nonblock);
		if (ret == -ERESTARTSYS || ret == -EAGAIN)
			goto unlock;
		if (!ret) {
			arg->recv_len = READ_ONCE(conn->data_len[ep->side]);
			if (recv_len_out &&
			    __put_user(arg->recv_len, recv_len_out)) {
				ret = -EFAULT;
				goto unlock;
			}
		}
		ep->pending_op = 0;
		if (ret)
			goto unlock;
	}
	ep->phase = step.next_phase;
unlock:
	clear_bit_unlock(FLIPCALL_EP_BUSY, &ep->flags);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(flipcall_handoff);

/*
 * End the connection for @reason and wake every waiter and poller on both
 * sides. Returns false if it had already ended: the first ending wins.
 */
bool flipcall_conn_end(struct flipcall_conn *conn, u32 reason)
{
	int cs = atomic_read(&conn->state);
	u32 ended, side;

	do {
		if (flipcall_cs_end(cs))
			return false;
		ended = flipcall_cs_ended(cs, reason);
	} while (!atomic_try_cmpxchg(&conn->state, &cs, ended));

	flipcall_mirror_end(flipcall_window_header(&conn->window), NULL, reason);
	trace_flipcall_shutdown(conn, reason);
	trace_flipcall_peer_gone(conn, reason);
	for (side = FLIPCALL_SIDE_CLIENT; side <= FLIPCALL_SIDE_SERVER; side++) {
		rcuwait_wake_up(&conn->ep[side].sleeper);
		wake_up_interruptible_poll(&conn->ep[side].wq,
					   flipcall_poll_mask(ended, side));
	}
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(flipcall_conn_end);
