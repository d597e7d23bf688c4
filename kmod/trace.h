/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of the flipcall module (Documentation/observability.rst).
 * Disabled, each costs one patched-out jump; the hand-off path carries no
 * other observability cost.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM flipcall

#if !defined(_FLIPCALL_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _FLIPCALL_TRACE_H

#include <linux/tracepoint.h>

#include "flipcall.h"

#define flipcall_show_side(side)					\
	__print_symbolic(side,						\
			 { FLIPCALL_SIDE_CLIENT, "client" },		\
			 { FLIPCALL_SIDE_SERVER, "server" })

#define flipcall_show_end(reason)					\
	__print_symbolic(reason,					\
			 { FLIPCALL_END_NONE, "none" },			\
			 { FLIPCALL_END_SHUTDOWN_CLIENT, "shutdown-client" }, \
			 { FLIPCALL_END_SHUTDOWN_SERVER, "shutdown-server" }, \
			 { FLIPCALL_END_CLIENT_GONE, "client-gone" },	\
			 { FLIPCALL_END_SERVER_GONE, "server-gone" })

TRACE_EVENT(flipcall_conn_create,
	    TP_PROTO(const struct flipcall_conn *conn),
	    TP_ARGS(conn),
	    TP_STRUCT__entry(__field(u64, id)
			     __field(u64, window_len)
			     __field(u32, spin_ns)
			     __field(uid_t, uid)),
	    TP_fast_assign(__entry->id = conn->id;
			   __entry->window_len =
				flipcall_window_len(&conn->window);
			   __entry->spin_ns = conn->spin_ns;
			   __entry->uid = from_kuid(&init_user_ns,
						    conn->creator_uid);),
	    TP_printk("id=%llu window_len=%llu spin_ns=%u uid=%u",
		      __entry->id, __entry->window_len, __entry->spin_ns,
		      __entry->uid)
);

/* The last reference is gone: no file and no mapping is left. */
TRACE_EVENT(flipcall_conn_destroy,
	    TP_PROTO(const struct flipcall_conn *conn),
	    TP_ARGS(conn),
	    TP_STRUCT__entry(__field(u64, id)
			     __field(u64, client_handoffs)
			     __field(u64, server_handoffs)
			     __field(u32, end)),
	    TP_fast_assign(__entry->id = conn->id;
			   __entry->client_handoffs =
				flipcall_stat_read(&conn->ep[FLIPCALL_SIDE_CLIENT].stats.handoffs);
			   __entry->server_handoffs =
				flipcall_stat_read(&conn->ep[FLIPCALL_SIDE_SERVER].stats.handoffs);
			   __entry->end =
				flipcall_cs_end(atomic_read(&conn->state));),
	    TP_printk("id=%llu client_handoffs=%llu server_handoffs=%llu end=%s",
		      __entry->id, __entry->client_handoffs,
		      __entry->server_handoffs,
		      flipcall_show_end(__entry->end))
);

DECLARE_EVENT_CLASS(flipcall_ep_class,
		    TP_PROTO(const struct flipcall_endpoint *ep),
		    TP_ARGS(ep),
		    TP_STRUCT__entry(__field(u64, id)
				     __field(u32, side)),
		    TP_fast_assign(__entry->id = ep->conn->id;
				   __entry->side = ep->side;),
		    TP_printk("id=%llu side=%s", __entry->id,
			      flipcall_show_side(__entry->side))
);

/* A waiter for control going to sleep (once per schedule()). */
DEFINE_EVENT(flipcall_ep_class, flipcall_sleep,
	     TP_PROTO(const struct flipcall_endpoint *ep),
	     TP_ARGS(ep)
);

/* A wait that ended while spinning, without sleeping. */
DEFINE_EVENT(flipcall_ep_class, flipcall_spin_hit,
	     TP_PROTO(const struct flipcall_endpoint *ep),
	     TP_ARGS(ep)
);

/*
 * A pass of control by @ep that woke its sleeping peer; @sync: with the
 * scheduler hint that the waker sleeps next.
 */
TRACE_EVENT(flipcall_wake,
	    TP_PROTO(const struct flipcall_endpoint *ep, bool sync),
	    TP_ARGS(ep, sync),
	    TP_STRUCT__entry(__field(u64, id)
			     __field(u32, side)
			     __field(bool, sync)),
	    TP_fast_assign(__entry->id = ep->conn->id;
			   __entry->side = ep->side;
			   __entry->sync = sync;),
	    TP_printk("id=%llu side=%s sync=%d", __entry->id,
		      flipcall_show_side(__entry->side), __entry->sync)
);

/*
 * The connection ended; one of the two events below fires, depending on
 * whether a side asked for it (SHUTDOWN) or released its endpoint.
 */
DECLARE_EVENT_CLASS(flipcall_end_class,
		    TP_PROTO(const struct flipcall_conn *conn, u32 reason),
		    TP_ARGS(conn, reason),
		    TP_STRUCT__entry(__field(u64, id)
				     __field(u32, reason)),
		    TP_fast_assign(__entry->id = conn->id;
				   __entry->reason = reason;),
		    TP_printk("id=%llu reason=%s", __entry->id,
			      flipcall_show_end(__entry->reason))
);

DEFINE_EVENT_CONDITION(flipcall_end_class, flipcall_shutdown,
		       TP_PROTO(const struct flipcall_conn *conn, u32 reason),
		       TP_ARGS(conn, reason),
		       TP_CONDITION(reason == FLIPCALL_END_SHUTDOWN_CLIENT ||
				    reason == FLIPCALL_END_SHUTDOWN_SERVER)
);

DEFINE_EVENT_CONDITION(flipcall_end_class, flipcall_peer_gone,
		       TP_PROTO(const struct flipcall_conn *conn, u32 reason),
		       TP_ARGS(conn, reason),
		       TP_CONDITION(reason == FLIPCALL_END_CLIENT_GONE ||
				    reason == FLIPCALL_END_SERVER_GONE)
);

#endif /* _FLIPCALL_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
