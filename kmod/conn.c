// SPDX-License-Identifier: GPL-2.0
/*
 * Connections: creation, the registry of live connections and the final
 * release. The registry is touched only here, never on the hand-off path.
 */
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <kunit/visibility.h>

#include "flipcall.h"
#include "trace.h"

/*
 * Live connections keyed by id, for the observability interface. Ids are
 * never reused, so a stale id finds nothing instead of a newer connection.
 * The xarray index is an unsigned long: the module is 64-bit only.
 */
static DEFINE_XARRAY(flipcall_conns);
static atomic64_t flipcall_last_id = ATOMIC64_INIT(0);

/* Totals for STATS_GET, which must not walk anything under a lock. */
static atomic64_t flipcall_live = ATOMIC64_INIT(0);
static atomic64_t flipcall_live_bytes = ATOMIC64_INIT(0);

static void flipcall_conn_put_pids(struct flipcall_conn *conn)
{
	put_pid(conn->creator_pid);
	put_pid(conn->ep[FLIPCALL_SIDE_CLIENT].user_pid);
	put_pid(conn->ep[FLIPCALL_SIDE_SERVER].user_pid);
}

static void flipcall_endpoint_init(struct flipcall_conn *conn, u32 side)
{
	struct flipcall_endpoint *ep = &conn->ep[side];

	ep->conn = conn;
	ep->side = side;
	ep->phase = FLIPCALL_PHASE_NEW;
	rcuwait_init(&ep->sleeper);
	init_waitqueue_head(&ep->wq);
	spin_lock_init(&ep->user_lock);
	flipcall_ep_note_user(ep);
}

/*
 * The process that last created, mapped, shut down or queried an endpoint,
 * for the observability interface, kept as a struct pid so that each
 * viewer gets the number its own pid namespace knows it by. Never called on
 * the hand-off path, which must not pay for it.
 */
void flipcall_ep_note_user(struct flipcall_endpoint *ep)
{
	struct pid *pid = get_pid(task_tgid(current));

	spin_lock(&ep->user_lock);
	swap(ep->user_pid, pid);
	spin_unlock(&ep->user_lock);
	put_pid(pid);
}

/* 0 when that process is not visible from @ns (or is unknown). */
pid_t flipcall_ep_user_nr(struct flipcall_endpoint *ep,
			  struct pid_namespace *ns)
{
	pid_t nr;

	spin_lock(&ep->user_lock);
	nr = pid_nr_ns(ep->user_pid, ns);
	spin_unlock(&ep->user_lock);
	return nr;
}

/*
 * @window_len is page aligned and @spin_ns in range (flipcall_create_check()).
 * Returns a connection with one reference, which the caller drops once the
 * endpoint files hold their own.
 */
struct flipcall_conn *flipcall_conn_create(u64 window_len, u32 spin_ns,
					   u64 user_limit)
{
	struct flipcall_conn *conn;
	int ret;

	BUILD_BUG_ON(sizeof(unsigned long) < sizeof(u64));

	conn = kzalloc(sizeof(*conn), GFP_KERNEL_ACCOUNT);
	if (!conn)
		return ERR_PTR(-ENOMEM);

	ret = flipcall_window_init(&conn->window, &flipcall_users,
				   current_uid(), window_len, user_limit);
	if (ret)
		goto free_conn;
	conn->window_file = flipcall_window_file();
	if (IS_ERR(conn->window_file)) {
		ret = PTR_ERR(conn->window_file);
		goto destroy_window;
	}

	kref_init(&conn->ref);
	atomic_set(&conn->state, FLIPCALL_SIDE_CLIENT);
	conn->spin_ns = spin_ns;
	flipcall_endpoint_init(conn, FLIPCALL_SIDE_CLIENT);
	flipcall_endpoint_init(conn, FLIPCALL_SIDE_SERVER);
	conn->creator_pid = get_pid(task_tgid(current));
	conn->creator_uid = current_uid();
	conn->created_ns = ktime_get_real_ns();
	conn->created_boot_ns = ktime_get_boottime_ns();
	get_task_comm(conn->creator_comm, current);

	conn->id = atomic64_inc_return(&flipcall_last_id);
	ret = xa_insert(&flipcall_conns, conn->id, conn, GFP_KERNEL_ACCOUNT);
	if (ret)
		goto put_window_file;
	atomic64_inc(&flipcall_live);
	atomic64_add(window_len, &flipcall_live_bytes);
	trace_flipcall_conn_create(conn);
	return conn;

put_window_file:
	flipcall_conn_put_pids(conn);
	fput(conn->window_file);
destroy_window:
	flipcall_window_destroy(&conn->window);
free_conn:
	kfree(conn);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_IF_KUNIT(flipcall_conn_create);

void flipcall_conn_get(struct flipcall_conn *conn)
{
	kref_get(&conn->ref);
}

static void flipcall_conn_release(struct kref *ref)
{
	struct flipcall_conn *conn = container_of(ref, struct flipcall_conn, ref);

	trace_flipcall_conn_destroy(conn);
	xa_erase(&flipcall_conns, conn->id);
	atomic64_sub(flipcall_window_len(&conn->window), &flipcall_live_bytes);
	atomic64_dec(&flipcall_live);
	flipcall_conn_put_pids(conn);
	fput(conn->window_file);
	flipcall_window_destroy(&conn->window);
	/* Registry readers may still look at it under RCU. */
	kfree_rcu(conn, rcu);
}

/* Callers sleep-safe: the last put frees pages and takes a mutex. */
void flipcall_conn_put(struct flipcall_conn *conn)
{
	kref_put(&conn->ref, flipcall_conn_release);
}
EXPORT_SYMBOL_IF_KUNIT(flipcall_conn_put);

/*
 * The live connection with the lowest id >= *@id, with a reference the
 * caller drops with flipcall_conn_put(), or NULL; *@id becomes its id. A
 * connection whose last reference is already gone is skipped: it is only
 * waiting to leave the registry.
 */
struct flipcall_conn *flipcall_conn_find_get(u64 *id)
{
	unsigned long index = *id;
	struct flipcall_conn *conn;

	rcu_read_lock();
	xa_for_each_start(&flipcall_conns, index, conn, *id) {
		if (kref_get_unless_zero(&conn->ref))
			break;
	}
	rcu_read_unlock();
	if (conn)
		*id = index;
	return conn;
}

/* How many connection ids were handed out since the module was loaded. */
u64 flipcall_conns_created(void)
{
	return atomic64_read(&flipcall_last_id);
}

/* Connections not yet freed, and the window bytes they hold. */
u64 flipcall_conns_live(void)
{
	return atomic64_read(&flipcall_live);
}

u64 flipcall_window_bytes_live(void)
{
	return atomic64_read(&flipcall_live_bytes);
}
