// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "flipcall": a read-only view of the live
 * connections and of the module's usage (Documentation/observability.rst).
 * It reads the connection registry, the per-endpoint counters and the user
 * budget table; it never takes a lock the hand-off path takes.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/netlink.h>
#include <linux/pid_namespace.h>
#include <linux/sizes.h>
#include <linux/timekeeping.h>
#include <linux/uidgid.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include <net/sock.h>
#include <kunit/visibility.h>

#include "flipcall.h"

static struct genl_family flipcall_genl_family;

/*
 * Who asks. Decided from the sending task when the request arrives, so a
 * dump continued from another task's recvmsg() keeps the sender's view.
 */
struct flipcall_viewer {
	struct user_namespace *user_ns;	/* of the netlink socket */
	struct pid_namespace *pid_ns;	/* of the sending task */
	kuid_t uid;
	bool all;	/* CAP_NET_ADMIN: every connection, every user */
};

static void flipcall_viewer_init(struct flipcall_viewer *viewer,
				 const struct sk_buff *request)
{
	viewer->user_ns = sk_user_ns(NETLINK_CB(request).sk);
	viewer->pid_ns = task_active_pid_ns(current);
	viewer->uid = current_uid();
	viewer->all = netlink_capable(request, CAP_NET_ADMIN);
}

static bool flipcall_viewer_sees(const struct flipcall_viewer *viewer,
				 kuid_t owner)
{
	return viewer->all || uid_eq(viewer->uid, owner);
}

static int flipcall_nl_put_ep(struct sk_buff *skb, int type,
			      struct flipcall_endpoint *ep,
			      const struct flipcall_viewer *viewer)
{
	const struct flipcall_stats *stats = &ep->stats;
	struct nlattr *nest;

	nest = nla_nest_start(skb, type);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, FLIPCALL_A_EP_PID,
			flipcall_ep_user_nr(ep, viewer->pid_ns)) ||
	    nla_put_u64_64bit(skb, FLIPCALL_A_EP_HANDOFFS,
			      flipcall_stat_read(&stats->handoffs), FLIPCALL_A_EP_PAD) ||
	    nla_put_u64_64bit(skb, FLIPCALL_A_EP_SLEEPS,
			      flipcall_stat_read(&stats->sleeps), FLIPCALL_A_EP_PAD) ||
	    nla_put_u64_64bit(skb, FLIPCALL_A_EP_SPIN_HITS,
			      flipcall_stat_read(&stats->spin_hits), FLIPCALL_A_EP_PAD) ||
	    nla_put_u64_64bit(skb, FLIPCALL_A_EP_WAKES,
			      flipcall_stat_read(&stats->wakes), FLIPCALL_A_EP_PAD) ||
	    nla_put_u64_64bit(skb, FLIPCALL_A_EP_WAKES_SAME_CPU,
			      flipcall_stat_read(&stats->wakes_same_cpu),
			      FLIPCALL_A_EP_PAD)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/*
 * Pids are numbered in the viewer's pid namespace (0: not visible there);
 * the age comes from CLOCK_BOOTTIME, which setting the clock does not move.
 */
static int flipcall_nl_put_conn(struct sk_buff *skb,
				struct flipcall_conn *conn,
				const struct flipcall_viewer *viewer)
{
	u32 cs = atomic_read(&conn->state);
	u64 age = ktime_get_boottime_ns() - conn->created_boot_ns;

	if (nla_put_u64_64bit(skb, FLIPCALL_A_CONN_ID, conn->id,
			      FLIPCALL_A_PAD) ||
	    nla_put_u32(skb, FLIPCALL_A_CONN_STATE, flipcall_info_state(cs)) ||
	    nla_put_u32(skb, FLIPCALL_A_CONN_END, flipcall_cs_end(cs)) ||
	    nla_put_u64_64bit(skb, FLIPCALL_A_CONN_WINDOW_LEN,
			      flipcall_window_len(&conn->window),
			      FLIPCALL_A_PAD) ||
	    nla_put_u32(skb, FLIPCALL_A_CONN_SPIN_NS, conn->spin_ns) ||
	    nla_put_u32(skb, FLIPCALL_A_CONN_CREATOR_PID,
			pid_nr_ns(conn->creator_pid, viewer->pid_ns)) ||
	    nla_put_u32(skb, FLIPCALL_A_CONN_CREATOR_UID,
			from_kuid_munged(viewer->user_ns, conn->creator_uid)) ||
	    nla_put_string(skb, FLIPCALL_A_CONN_CREATOR_COMM,
			   conn->creator_comm) ||
	    nla_put_u64_64bit(skb, FLIPCALL_A_CONN_CREATED_NS,
			      conn->created_ns, FLIPCALL_A_PAD) ||
	    nla_put_u64_64bit(skb, FLIPCALL_A_CONN_AGE_NS, age,
			      FLIPCALL_A_PAD))
		return -EMSGSIZE;
	if (flipcall_nl_put_ep(skb, FLIPCALL_A_CONN_CLIENT,
			       &conn->ep[FLIPCALL_SIDE_CLIENT], viewer) ||
	    flipcall_nl_put_ep(skb, FLIPCALL_A_CONN_SERVER,
			       &conn->ep[FLIPCALL_SIDE_SERVER], viewer))
		return -EMSGSIZE;
	return 0;
}

/* One CONN_GET reply message describing @conn, appended to @skb. */
static int flipcall_nl_fill_conn(struct sk_buff *skb,
				 struct flipcall_conn *conn,
				 const struct flipcall_viewer *viewer,
				 u32 portid, u32 seq, int flags)
{
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &flipcall_genl_family, flags,
			  FLIPCALL_CMD_CONN_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (flipcall_nl_put_conn(skb, conn, viewer)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int flipcall_nl_conn_get(struct sk_buff *skb, struct genl_info *info)
{
	struct flipcall_viewer viewer;
	struct flipcall_conn *conn;
	struct sk_buff *msg;
	u64 wanted, id;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, FLIPCALL_A_CONN_ID))
		return -EINVAL;
	flipcall_viewer_init(&viewer, skb);
	wanted = nla_get_u64(info->attrs[FLIPCALL_A_CONN_ID]);

	id = wanted;
	conn = flipcall_conn_find_get(&id);
	if (conn && (id != wanted ||
		     !flipcall_viewer_sees(&viewer, conn->creator_uid))) {
		flipcall_conn_put(conn);
		conn = NULL;
	}
	if (!conn) {
		/* Someone else's connection does not exist for this caller. */
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[FLIPCALL_A_CONN_ID],
				    "no such connection");
		return -ENOENT;
	}

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg) {
		ret = -ENOMEM;
		goto put_conn;
	}
	ret = flipcall_nl_fill_conn(msg, conn, &viewer, info->snd_portid,
				    info->snd_seq, 0);
	if (ret) {
		nlmsg_free(msg);
		goto put_conn;
	}
	flipcall_conn_put(conn);
	return genlmsg_reply(msg, info);

put_conn:
	flipcall_conn_put(conn);
	return ret;
}

/* Dump state in cb->args: the next id to look at and the viewer. */
enum {
	FLIPCALL_DUMP_NEXT_ID,
	FLIPCALL_DUMP_ALL,
	FLIPCALL_DUMP_UID,
	FLIPCALL_DUMP_PID_NS,	/* held until the dump is done */
};

static int flipcall_nl_conn_dump_start(struct netlink_callback *cb)
{
	struct flipcall_viewer viewer;

	flipcall_viewer_init(&viewer, cb->skb);
	cb->args[FLIPCALL_DUMP_NEXT_ID] = 0;
	cb->args[FLIPCALL_DUMP_ALL] = viewer.all;
	cb->args[FLIPCALL_DUMP_UID] = __kuid_val(viewer.uid);
	cb->args[FLIPCALL_DUMP_PID_NS] = (long)get_pid_ns(viewer.pid_ns);
	return 0;
}

static int flipcall_nl_conn_dump_done(struct netlink_callback *cb)
{
	put_pid_ns((struct pid_namespace *)cb->args[FLIPCALL_DUMP_PID_NS]);
	return 0;
}

/*
 * Each round takes a reference on one connection at a time, so a dump
 * never holds up creation or release and a freed connection is never seen.
 */
static int flipcall_nl_conn_dump(struct sk_buff *skb,
				 struct netlink_callback *cb)
{
	struct flipcall_viewer viewer = {
		.user_ns = sk_user_ns(NETLINK_CB(cb->skb).sk),
		.pid_ns = (struct pid_namespace *)cb->args[FLIPCALL_DUMP_PID_NS],
		.uid = KUIDT_INIT(cb->args[FLIPCALL_DUMP_UID]),
		.all = cb->args[FLIPCALL_DUMP_ALL],
	};
	u64 id = cb->args[FLIPCALL_DUMP_NEXT_ID];
	struct flipcall_conn *conn;
	int ret = 0;

	while ((conn = flipcall_conn_find_get(&id))) {
		if (flipcall_viewer_sees(&viewer, conn->creator_uid))
			ret = flipcall_nl_fill_conn(skb, conn, &viewer,
						    NETLINK_CB(cb->skb).portid,
						    cb->nlh->nlmsg_seq,
						    NLM_F_MULTI);
		flipcall_conn_put(conn);
		if (ret)
			break;
		id++;
	}
	cb->args[FLIPCALL_DUMP_NEXT_ID] = id;
	/* A full skb goes out; the next round resumes at the same id. */
	if (ret == -EMSGSIZE && skb->len)
		return skb->len;
	return ret ?: skb->len;
}

/*
 * The budget table is read under RCU only (its entries are plain values),
 * and the totals are counters: a loop of STATS_GET never holds up CREATE
 * or a release.
 */
static int flipcall_nl_put_users(struct sk_buff *skb,
				 const struct flipcall_viewer *viewer)
{
	struct flipcall_user_table *users = &flipcall_users;
	struct nlattr *nest;
	unsigned long index;
	kuid_t uid;
	void *entry;

	xa_for_each(&users->bytes, index, entry) {
		uid = make_kuid(&init_user_ns, index);
		if (!flipcall_viewer_sees(viewer, uid))
			continue;
		nest = nla_nest_start(skb, FLIPCALL_A_STATS_USER);
		if (!nest ||
		    nla_put_u32(skb, FLIPCALL_A_USER_UID,
				from_kuid_munged(viewer->user_ns, uid)) ||
		    nla_put_u64_64bit(skb, FLIPCALL_A_USER_WINDOW_BYTES,
				      xa_to_value(entry), FLIPCALL_A_USER_PAD))
			return -EMSGSIZE;
		nla_nest_end(skb, nest);
	}
	return 0;
}

/*
 * Totals are module-wide for everyone, like /proc/meminfo; only the
 * per-user breakdown is restricted to the caller's own uid.
 */
static int flipcall_nl_put_stats(struct sk_buff *skb,
				 const struct flipcall_viewer *viewer)
{
	struct flipcall_limits lim;

	flipcall_limits_read(&lim);
	if (flipcall_nl_put_users(skb, viewer) ||
	    nla_put_u64_64bit(skb, FLIPCALL_A_STATS_LIVE_CONNS,
			      flipcall_conns_live(), FLIPCALL_A_PAD) ||
	    nla_put_u64_64bit(skb, FLIPCALL_A_STATS_TOTAL_CONNS,
			      flipcall_conns_created(), FLIPCALL_A_PAD) ||
	    nla_put_u64_64bit(skb, FLIPCALL_A_STATS_LIVE_WINDOW_BYTES,
			      flipcall_window_bytes_live(), FLIPCALL_A_PAD) ||
	    nla_put_u64_64bit(skb, FLIPCALL_A_STATS_USER_LIMIT,
			      lim.user_limit, FLIPCALL_A_PAD))
		return -EMSGSIZE;
	return 0;
}

#if IS_ENABLED(CONFIG_KUNIT)
/* STATS_GET's attributes as @uid sees them, for the KUnit suites. */
int flipcall_nl_stats_fill(struct sk_buff *skb, kuid_t uid)
{
	struct flipcall_viewer viewer = {
		.user_ns = &init_user_ns,
		.pid_ns = &init_pid_ns,
		.uid = uid,
	};

	return flipcall_nl_put_stats(skb, &viewer);
}
EXPORT_SYMBOL_IF_KUNIT(flipcall_nl_stats_fill);
#endif

/* Per-user nests grow with the users holding windows; so may the reply. */
#define FLIPCALL_NL_STATS_MAX_SIZE	SZ_1M

static int flipcall_nl_stats_get(struct sk_buff *skb, struct genl_info *info)
{
	struct flipcall_viewer viewer;
	size_t size = NLMSG_GOODSIZE;
	struct sk_buff *msg;
	void *hdr;

	flipcall_viewer_init(&viewer, skb);
	for (;;) {
		msg = genlmsg_new(size, GFP_KERNEL);
		if (!msg)
			return -ENOMEM;
		hdr = genlmsg_put_reply(msg, info, &flipcall_genl_family, 0,
					FLIPCALL_CMD_STATS_GET);
		if (hdr && !flipcall_nl_put_stats(msg, &viewer))
			break;
		nlmsg_free(msg);
		if (size >= FLIPCALL_NL_STATS_MAX_SIZE) {
			GENL_SET_ERR_MSG(info, "statistics do not fit a message");
			return -EMSGSIZE;
		}
		size *= 2;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/* The only attribute any request carries; everything else is rejected. */
static const struct nla_policy flipcall_conn_get_policy[FLIPCALL_A_CONN_ID + 1] = {
	[FLIPCALL_A_CONN_ID]	= { .type = NLA_U64 },
};

/*
 * No GENL_DONT_VALIDATE_* flag: requests are parsed strictly (unknown or
 * unexpected attributes and wrong lengths fail). STATS_GET has no policy,
 * which makes the core reject any attribute it is sent.
 */
static const struct genl_ops flipcall_genl_ops[] = {
	{
		.cmd		= FLIPCALL_CMD_CONN_GET,
		.doit		= flipcall_nl_conn_get,
		.start		= flipcall_nl_conn_dump_start,
		.dumpit		= flipcall_nl_conn_dump,
		.done		= flipcall_nl_conn_dump_done,
		.policy		= flipcall_conn_get_policy,
		.maxattr	= ARRAY_SIZE(flipcall_conn_get_policy) - 1,
	},
	{
		.cmd		= FLIPCALL_CMD_STATS_GET,
		.doit		= flipcall_nl_stats_get,
	},
};

static struct genl_family flipcall_genl_family __ro_after_init = {
	.name		= FLIPCALL_GENL_NAME,
	.version	= FLIPCALL_GENL_VERSION,
	.module		= THIS_MODULE,
	.ops		= flipcall_genl_ops,
	.n_ops		= ARRAY_SIZE(flipcall_genl_ops),
	/* Nothing here needs the global genl mutex. */
	.parallel_ops	= true,
};

int __init flipcall_netlink_init(void)
{
	return genl_register_family(&flipcall_genl_family);
}

void flipcall_netlink_exit(void)
{
	genl_unregister_family(&flipcall_genl_family);
}
