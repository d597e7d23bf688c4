/* SPDX-License-Identifier: GPL-2.0 */
/*
 * flipcall internals shared by the module's files. Documentation/design.rst
 * describes the objects, their lifetimes and the hand-off's memory ordering.
 */
#ifndef _FLIPCALL_INTERNAL_H
#define _FLIPCALL_INTERNAL_H

#include <linux/atomic.h>
#include <linux/cache.h>
#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/rcupdate.h>
#include <linux/rcuwait.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/wait.h>
#include <linux/xarray.h>
#include <asm/local64.h>

#include <linux/flipcall.h>

/* Module parameters, read once per CREATE or API call. */
struct flipcall_limits {
	u64 max_window_len;
	u64 user_limit;
	u32 default_spin_ns;
	u32 max_spin_ns;
};

void flipcall_limits_read(struct flipcall_limits *lim);

/* Every flag of each ioctl that takes flags (kept out of the uapi). */
#define FLIPCALL_CREATE_FLAGS	(FLIPCALL_CREATE_CLOEXEC | FLIPCALL_CREATE_SPIN)
#define FLIPCALL_HANDOFF_FLAGS	(FLIPCALL_HANDOFF_NONBLOCK)

/* main.c: argument checks of the control ioctls. */
#define FLIPCALL_FEATURES	(FLIPCALL_FEATURE_HANDOFF | FLIPCALL_FEATURE_SPIN | \
				 FLIPCALL_FEATURE_POLL | FLIPCALL_FEATURE_NONBLOCK)

int flipcall_api_check(const struct flipcall_api *api);
int flipcall_create_check(const struct flipcall_create *create,
			  const struct flipcall_limits *lim,
			  u64 *window_len, u32 *spin_ns);

/* window.c: per-user byte budget, keyed by uid (creation path only). */
struct flipcall_user_table {
	struct mutex lock;	/* serialises updates of bytes */
	struct xarray bytes;	/* uid -> xa_mk_value(window bytes held) */
};

extern struct flipcall_user_table flipcall_users;

void flipcall_user_table_init(struct flipcall_user_table *users);
int flipcall_user_charge(struct flipcall_user_table *users, kuid_t uid,
			 u64 bytes, u64 limit);
void flipcall_user_uncharge(struct flipcall_user_table *users, kuid_t uid,
			    u64 bytes);
u64 flipcall_user_bytes(struct flipcall_user_table *users, kuid_t uid);

/* memlock.c: a charge against the creator's RLIMIT_MEMLOCK. */
struct flipcall_memlock {
	const struct cred *cred;	/* NULL: nothing charged */
	unsigned long nr_pages;
};

int flipcall_memlock_charge(struct flipcall_memlock *lock,
			    unsigned long nr_pages);
void flipcall_memlock_uncharge(struct flipcall_memlock *lock);

/* window.c: the packet window's pages. */
struct flipcall_window {
	struct page **pages;
	unsigned long nr_pages;
	/* page_address() of the first page, once: every pass writes it. */
	struct flipcall_packet_header *header;
	struct flipcall_user_table *users;	/* charged for the pages */
	kuid_t uid;
	struct flipcall_memlock memlock;
};

int flipcall_window_init(struct flipcall_window *win,
			 struct flipcall_user_table *users, kuid_t uid,
			 u64 len, u64 user_limit);
void flipcall_window_destroy(struct flipcall_window *win);

static inline u64 flipcall_window_len(const struct flipcall_window *win)
{
	return (u64)win->nr_pages << PAGE_SHIFT;
}

static inline u64 flipcall_window_capacity(const struct flipcall_window *win)
{
	return flipcall_window_len(win) - FLIPCALL_PACKET_HEADER_BYTES;
}

/* The kernel's view of the header; pages come from the direct map. */
static inline struct flipcall_packet_header *
flipcall_window_header(const struct flipcall_window *win)
{
	return win->header;
}

extern const struct vm_operations_struct flipcall_vm_ops;

/*
 * handoff.c: the connection state word. Bit 0 is the side holding control
 * (FLIPCALL_SIDE_*, which equals the header's FLIPCALL_STATE_*_ACTIVE); bits
 * 1-3 are the end reason (FLIPCALL_END_*, 0 while the connection lives). An
 * ending keeps bit 0, so a wait whose control came back before the ending
 * still completes and no datagram is lost.
 */
#define FLIPCALL_CS_ACTIVE		BIT(0)
#define FLIPCALL_CS_END_SHIFT		1
#define FLIPCALL_CS_END_MASK		(0x7U << FLIPCALL_CS_END_SHIFT)

static inline u32 flipcall_cs_active(u32 cs)
{
	return cs & FLIPCALL_CS_ACTIVE;
}

static inline u32 flipcall_cs_end(u32 cs)
{
	return (cs & FLIPCALL_CS_END_MASK) >> FLIPCALL_CS_END_SHIFT;
}

/* Per-endpoint phase (Documentation/uapi.rst, "State machine"). */
enum flipcall_phase {
	FLIPCALL_PHASE_NEW,
	FLIPCALL_PHASE_OPEN,
	FLIPCALL_PHASE_DONE,
};

/* What a HANDOFF does, decided by flipcall_handoff_step(). */
struct flipcall_step {
	int err;		/* 0 or a negative errno: do nothing */
	bool pass;		/* hand control and the datagram to the peer */
	bool wait;		/* then wait for control to come back */
	u32 next_phase;		/* the endpoint's phase once the call succeeds */
};

bool flipcall_op_side_ok(u32 op, u32 side);
int flipcall_handoff_check(const struct flipcall_handoff *arg, u32 side);
int flipcall_handoff_send_check(const struct flipcall_handoff *arg,
				u64 capacity);
struct flipcall_step flipcall_handoff_step(u32 cs, u32 side, u32 phase,
					   u32 pending_op, u32 op);
int flipcall_wait_result(u32 cs, u32 side);
u32 flipcall_cs_ended(u32 cs, u32 reason);
int flipcall_end_errno(u32 reason);
__poll_t flipcall_poll_mask(u32 cs, u32 side);
u32 flipcall_info_state(u32 cs);

/*
 * Counters a later observability interface and the benchmark read. Each has
 * a single writer (the thread holding the endpoint's busy bit, or for
 * wakes_same_cpu the peer's), so a local64_t suffices: its increment is one
 * unlocked instruction where a READ_ONCE()/WRITE_ONCE() pair takes three, and
 * up to four run per hand-off. Readers on any CPU use flipcall_stat_read().
 */
struct flipcall_stats {
	local64_t handoffs;		/* hand-offs this endpoint made */
	local64_t sleeps;		/* waits that slept */
	local64_t spin_hits;		/* waits that ended while spinning */
	local64_t wakes;		/* passes that woke a sleeping peer */
	local64_t wakes_same_cpu;	/* of those, the peer ran on the waker's CPU */
};

static inline void flipcall_stat_inc(local64_t *counter)
{
	local64_inc(counter);
}

static inline u64 flipcall_stat_read(const local64_t *counter)
{
	return local64_read(counter);
}

#define FLIPCALL_EP_BUSY	0	/* bit in flipcall_endpoint.flags */

struct flipcall_conn;

struct flipcall_endpoint {
	struct flipcall_conn *conn;
	struct rcuwait sleeper;		/* the HANDOFF waiter, woken directly */
	wait_queue_head_t wq;		/* pollers */
	unsigned long flags;
	u32 side;
	u32 phase;			/* owned by the FLIPCALL_EP_BUSY holder */
	u32 pending_op;			/* likewise; 0 when nothing is pending */
	int waker_cpu;			/* CPU of this endpoint's last pass */
	struct flipcall_stats stats;
	spinlock_t user_lock;		/* guards user_pid */
	struct pid *user_pid;		/* see flipcall_ep_note_user() */
} ____cacheline_aligned_in_smp;

struct flipcall_conn {
	struct kref ref;	/* endpoint files + mappings */
	atomic_t state;		/* FLIPCALL_CS_* */
	u32 spin_ns;		/* 0: never spin */
	u32 data_len[2];	/* datagram length, indexed by receiving side */
	struct flipcall_window window;
	struct file *window_file;	/* held by every mapping (winfs.c) */
	u64 id;
	/* Who created it and when, for the observability interface. */
	struct pid *creator_pid;	/* tgid; numbered per viewer */
	kuid_t creator_uid;
	u64 created_ns;		/* CLOCK_REALTIME, a stamp to show */
	u64 created_boot_ns;	/* CLOCK_BOOTTIME, for the age */
	char creator_comm[TASK_COMM_LEN];
	struct rcu_head rcu;
	struct flipcall_endpoint ep[2];	/* indexed by FLIPCALL_SIDE_* */
};

/* conn.c */
struct flipcall_conn *flipcall_conn_create(u64 window_len, u32 spin_ns,
					   u64 user_limit);
void flipcall_conn_get(struct flipcall_conn *conn);
void flipcall_conn_put(struct flipcall_conn *conn);
struct flipcall_conn *flipcall_conn_find_get(u64 *id);
u64 flipcall_conns_created(void);
u64 flipcall_conns_live(void);
u64 flipcall_window_bytes_live(void);

/*
 * Remember the process that last created, mapped, shut down or queried an
 * endpoint, for the observability interface. Never called on the hand-off
 * path, which must not pay for it.
 */
void flipcall_ep_note_user(struct flipcall_endpoint *ep);
pid_t flipcall_ep_user_nr(struct flipcall_endpoint *ep,
			  struct pid_namespace *ns);

/* netlink.c */
int flipcall_netlink_init(void);
void flipcall_netlink_exit(void);
struct sk_buff;
int flipcall_nl_stats_fill(struct sk_buff *skb, kuid_t uid);	/* KUnit */

/* handoff.c */
int flipcall_handoff(struct flipcall_endpoint *ep, struct flipcall_handoff *arg,
		     bool nonblock, u32 __user *recv_len_out);
bool flipcall_conn_end(struct flipcall_conn *conn, u32 reason);

/* winfs.c */
int flipcall_winfs_init(void);
void flipcall_winfs_exit(void);
struct file *flipcall_window_file(void);

/* endpoint.c */
struct file *flipcall_endpoint_file(struct flipcall_conn *conn, u32 side);
void flipcall_ep_info_fill(struct flipcall_endpoint *ep,
			   struct flipcall_endpoint_info *info);

#endif /* _FLIPCALL_INTERNAL_H */
