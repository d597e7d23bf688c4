// SPDX-License-Identifier: GPL-2.0
/*
 * The netlink side of flipcallctl: one request at a time on a libnl socket,
 * replies checked against the attribute layout of uapi/linux/flipcall.h
 * and the kernel's own errno returned on failure (libnl would fold it into
 * its coarser NLE_* codes).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "fcnl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

struct fcnl {
	struct nl_sock *sk;
	int family;
	char error[256];	/* extended ack message of the last failure */
	int missing_attr;	/* likewise: missing attribute type, or -1 */
};

/* What one request expects back, filled in by the libnl callbacks. */
struct fcnl_txn {
	struct fcnl *nl;
	/* Decodes one reply; @tb holds its top-level attributes. */
	int (*parse)(struct nlmsghdr *nlh, struct nlattr **tb, void *arg);
	void *arg;
	unsigned int seq;
	int replies;
	int err;
	int done;
};

static struct nla_policy fcnl_policy[FLIPCALL_A_MAX + 1] = {
	[FLIPCALL_A_CONN_ID]		= { .type = NLA_U64 },
	[FLIPCALL_A_CONN_STATE]		= { .type = NLA_U32 },
	[FLIPCALL_A_CONN_END]		= { .type = NLA_U32 },
	[FLIPCALL_A_CONN_WINDOW_LEN]	= { .type = NLA_U64 },
	[FLIPCALL_A_CONN_SPIN_NS]	= { .type = NLA_U32 },
	[FLIPCALL_A_CONN_CREATOR_PID]	= { .type = NLA_U32 },
	[FLIPCALL_A_CONN_CREATOR_UID]	= { .type = NLA_U32 },
	[FLIPCALL_A_CONN_CREATOR_COMM]	= { .type = NLA_STRING },
	[FLIPCALL_A_CONN_CREATED_NS]	= { .type = NLA_U64 },
	[FLIPCALL_A_CONN_AGE_NS]	= { .type = NLA_U64 },
	[FLIPCALL_A_CONN_CLIENT]	= { .type = NLA_NESTED },
	[FLIPCALL_A_CONN_SERVER]	= { .type = NLA_NESTED },
	[FLIPCALL_A_STATS_LIVE_CONNS]	= { .type = NLA_U64 },
	[FLIPCALL_A_STATS_TOTAL_CONNS]	= { .type = NLA_U64 },
	[FLIPCALL_A_STATS_LIVE_WINDOW_BYTES] = { .type = NLA_U64 },
	[FLIPCALL_A_STATS_USER_LIMIT]	= { .type = NLA_U64 },
	[FLIPCALL_A_STATS_USER]		= { .type = NLA_NESTED },
};

static struct nla_policy fcnl_ep_policy[FLIPCALL_A_EP_MAX + 1] = {
	[FLIPCALL_A_EP_PID]		= { .type = NLA_U32 },
	[FLIPCALL_A_EP_HANDOFFS]	= { .type = NLA_U64 },
	[FLIPCALL_A_EP_SLEEPS]		= { .type = NLA_U64 },
	[FLIPCALL_A_EP_SPIN_HITS]	= { .type = NLA_U64 },
	[FLIPCALL_A_EP_WAKES]		= { .type = NLA_U64 },
	[FLIPCALL_A_EP_WAKES_SAME_CPU]	= { .type = NLA_U64 },
};

static struct nla_policy fcnl_user_policy[FLIPCALL_A_USER_MAX + 1] = {
	[FLIPCALL_A_USER_UID]		= { .type = NLA_U32 },
	[FLIPCALL_A_USER_WINDOW_BYTES]	= { .type = NLA_U64 },
};

/* Attributes a newer kernel leaves out read as 0. */
static uint64_t fcnl_u64(const struct nlattr *attr)
{
	return attr ? nla_get_u64((struct nlattr *)attr) : 0;
}

static uint32_t fcnl_u32(const struct nlattr *attr)
{
	return attr ? nla_get_u32((struct nlattr *)attr) : 0;
}

/* The extended ack TLVs follow the echoed request (or its header only). */
static void fcnl_save_extack(struct fcnl *nl, struct nlmsgerr *e)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t off = NLMSG_HDRLEN + sizeof(*e);

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	if (off >= nlh->nlmsg_len)
		return;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((char *)nlh + off),
		      nlh->nlmsg_len - off, NULL))
		return;
	if (tb[NLMSGERR_ATTR_MSG])
		nla_strlcpy(nl->error, tb[NLMSGERR_ATTR_MSG], sizeof(nl->error));
	if (tb[NLMSGERR_ATTR_MISS_TYPE])
		nl->missing_attr = nla_get_u32(tb[NLMSGERR_ATTR_MISS_TYPE]);
}

static int fcnl_on_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct fcnl_txn *txn = arg;

	(void)who;
	if (e->msg.nlmsg_seq != txn->seq)
		return NL_SKIP;
	txn->err = e->error;
	fcnl_save_extack(txn->nl, e);
	txn->done = 1;
	return NL_STOP;
}

static int fcnl_on_seq_check(struct nl_msg *msg, void *arg)
{
	struct fcnl_txn *txn = arg;

	/* A late reply to an abandoned request is not ours. */
	return nlmsg_hdr(msg)->nlmsg_seq == txn->seq ? NL_OK : NL_SKIP;
}

/* NLMSG_DONE ends a dump; its payload carries an error the dump hit. */
static int fcnl_on_finish(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct fcnl_txn *txn = arg;
	int err;

	if (nlmsg_datalen(nlh) >= (int)sizeof(err)) {
		memcpy(&err, nlmsg_data(nlh), sizeof(err));
		if (err < 0 && !txn->err)
			txn->err = err;
	}
	txn->done = 1;
	return NL_STOP;
}

static int fcnl_on_valid(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *tb[FLIPCALL_A_MAX + 1];
	struct fcnl_txn *txn = arg;
	int err;

	txn->replies++;
	/* A doit answers with one message; a dump ends with NLMSG_DONE. */
	if (!(nlh->nlmsg_flags & NLM_F_MULTI))
		txn->done = 1;
	if (txn->err || !txn->parse)
		return NL_OK;
	if (genlmsg_parse(nlh, 0, tb, FLIPCALL_A_MAX, fcnl_policy)) {
		txn->err = -EPROTO;
		return NL_OK;
	}
	err = txn->parse(nlh, tb, txn->arg);
	if (err)
		txn->err = err;
	return NL_OK;
}

static int fcnl_errno(int nlerr)
{
	switch (-nlerr) {
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_OBJ_NOTFOUND:
		return -ENOENT;
	case NLE_PERM:
		return -EPERM;
	}
	return -EIO;
}

/* Send @msg (consumed) and process replies until the request completes. */
static int fcnl_run(struct fcnl *nl, struct nl_msg *msg, struct fcnl_txn *txn)
{
	struct nl_cb *cb;
	int ret;

	txn->nl = nl;
	nl->error[0] = '\0';
	nl->missing_attr = -1;
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, fcnl_on_valid, txn);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, fcnl_on_finish, txn);
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, fcnl_on_seq_check, txn);
	nl_cb_err(cb, NL_CB_CUSTOM, fcnl_on_error, txn);

	ret = nl_send_auto(nl->sk, msg);
	txn->seq = nlmsg_hdr(msg)->nlmsg_seq;
	nlmsg_free(msg);
	if (ret < 0) {
		ret = fcnl_errno(ret);
		goto out;
	}
	while (!txn->done) {
		ret = nl_recvmsgs(nl->sk, cb);
		if (ret < 0 && !txn->done) {
			ret = fcnl_errno(ret);
			goto out;
		}
	}
	ret = txn->err;
out:
	nl_cb_put(cb);
	return ret;
}

int fcnl_open(struct fcnl **out)
{
	struct fcnl *nl;
	int one = 1;
	int ret;

	nl = calloc(1, sizeof(*nl));
	if (!nl)
		return -ENOMEM;
	nl->missing_attr = -1;
	nl->sk = nl_socket_alloc();
	if (!nl->sk) {
		ret = -ENOMEM;
		goto free_nl;
	}
	/* Requests complete on their reply, so no separate ACK is asked for. */
	nl_socket_disable_auto_ack(nl->sk);
	/* Size each receive buffer to the message: stats replies can be big. */
	nl_socket_enable_msg_peek(nl->sk);
	ret = genl_connect(nl->sk);
	if (ret < 0) {
		ret = fcnl_errno(ret);
		goto free_sock;
	}
	setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_CAP_ACK,
		   &one, sizeof(one));
	nl->family = genl_ctrl_resolve(nl->sk, FLIPCALL_GENL_NAME);
	if (nl->family < 0) {
		ret = nl->family == -NLE_OBJ_NOTFOUND ? -ENOENT :
		      fcnl_errno(nl->family);
		goto free_sock;
	}
	*out = nl;
	return 0;

free_sock:
	nl_socket_free(nl->sk);
free_nl:
	free(nl);
	return ret;
}

void fcnl_close(struct fcnl *nl)
{
	if (!nl)
		return;
	nl_socket_free(nl->sk);
	free(nl);
}

const char *fcnl_error_message(const struct fcnl *nl)
{
	return nl->error;
}

int fcnl_error_missing_attr(const struct fcnl *nl)
{
	return nl->missing_attr;
}

struct nl_msg *fcnl_request_new(const struct fcnl *nl, uint8_t cmd, int dump)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0,
			 dump ? NLM_F_DUMP : 0, cmd, FLIPCALL_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

int fcnl_transact(struct fcnl *nl, struct nl_msg *msg, int *replies)
{
	struct fcnl_txn txn = { 0 };
	int ret;

	ret = fcnl_run(nl, msg, &txn);
	if (replies)
		*replies = txn.replies;
	return ret;
}

static int fcnl_parse_ep(struct nlattr *nest, struct fcnl_endpoint *ep)
{
	struct nlattr *tb[FLIPCALL_A_EP_MAX + 1];

	if (!nest || nla_parse_nested(tb, FLIPCALL_A_EP_MAX, nest,
				      fcnl_ep_policy))
		return -EPROTO;
	ep->pid = fcnl_u32(tb[FLIPCALL_A_EP_PID]);
	ep->handoffs = fcnl_u64(tb[FLIPCALL_A_EP_HANDOFFS]);
	ep->sleeps = fcnl_u64(tb[FLIPCALL_A_EP_SLEEPS]);
	ep->spin_hits = fcnl_u64(tb[FLIPCALL_A_EP_SPIN_HITS]);
	ep->wakes = fcnl_u64(tb[FLIPCALL_A_EP_WAKES]);
	ep->wakes_same_cpu = fcnl_u64(tb[FLIPCALL_A_EP_WAKES_SAME_CPU]);
	return 0;
}

static int fcnl_parse_conn(struct nlattr **tb, struct fcnl_conn *conn)
{
	memset(conn, 0, sizeof(*conn));
	if (!tb[FLIPCALL_A_CONN_ID])
		return -EPROTO;
	conn->id = fcnl_u64(tb[FLIPCALL_A_CONN_ID]);
	conn->state = fcnl_u32(tb[FLIPCALL_A_CONN_STATE]);
	conn->end = fcnl_u32(tb[FLIPCALL_A_CONN_END]);
	conn->window_len = fcnl_u64(tb[FLIPCALL_A_CONN_WINDOW_LEN]);
	conn->spin_ns = fcnl_u32(tb[FLIPCALL_A_CONN_SPIN_NS]);
	conn->creator_pid = fcnl_u32(tb[FLIPCALL_A_CONN_CREATOR_PID]);
	conn->creator_uid = fcnl_u32(tb[FLIPCALL_A_CONN_CREATOR_UID]);
	if (tb[FLIPCALL_A_CONN_CREATOR_COMM])
		nla_strlcpy(conn->creator_comm, tb[FLIPCALL_A_CONN_CREATOR_COMM],
			    sizeof(conn->creator_comm));
	conn->created_ns = fcnl_u64(tb[FLIPCALL_A_CONN_CREATED_NS]);
	conn->age_ns = fcnl_u64(tb[FLIPCALL_A_CONN_AGE_NS]);
	if (fcnl_parse_ep(tb[FLIPCALL_A_CONN_CLIENT],
			  &conn->ep[FLIPCALL_SIDE_CLIENT]) ||
	    fcnl_parse_ep(tb[FLIPCALL_A_CONN_SERVER],
			  &conn->ep[FLIPCALL_SIDE_SERVER]))
		return -EPROTO;
	return 0;
}

struct fcnl_dump_arg {
	fcnl_conn_fn fn;
	void *arg;
};

static int fcnl_on_dumped_conn(struct nlmsghdr *nlh, struct nlattr **tb,
			       void *arg)
{
	struct fcnl_dump_arg *dump = arg;
	struct fcnl_conn conn;
	int ret;

	(void)nlh;
	ret = fcnl_parse_conn(tb, &conn);
	if (ret)
		return ret;
	return dump->fn(&conn, dump->arg);
}

int fcnl_conn_dump(struct fcnl *nl, fcnl_conn_fn fn, void *arg)
{
	struct fcnl_dump_arg dump = { .fn = fn, .arg = arg };
	struct fcnl_txn txn = { .parse = fcnl_on_dumped_conn, .arg = &dump };
	struct nl_msg *msg;

	msg = fcnl_request_new(nl, FLIPCALL_CMD_CONN_GET, 1);
	if (!msg)
		return -ENOMEM;
	return fcnl_run(nl, msg, &txn);
}

static int fcnl_on_conn(struct nlmsghdr *nlh, struct nlattr **tb, void *arg)
{
	(void)nlh;
	return fcnl_parse_conn(tb, arg);
}

int fcnl_conn_get(struct fcnl *nl, uint64_t id, struct fcnl_conn *conn)
{
	struct fcnl_txn txn = { .parse = fcnl_on_conn, .arg = conn };
	struct nl_msg *msg;

	msg = fcnl_request_new(nl, FLIPCALL_CMD_CONN_GET, 0);
	if (!msg)
		return -ENOMEM;
	if (nla_put_u64(msg, FLIPCALL_A_CONN_ID, id)) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return fcnl_run(nl, msg, &txn);
}

/* FLIPCALL_A_STATS_USER repeats, so it is walked rather than looked up. */
static int fcnl_parse_users(struct nlmsghdr *nlh, struct fcnl_stats *stats)
{
	struct nlattr *tb[FLIPCALL_A_USER_MAX + 1];
	struct fcnl_user *users;
	struct nlattr *attr;
	int rem;

	nla_for_each_attr(attr, genlmsg_attrdata(nlmsg_data(nlh), 0),
			  genlmsg_attrlen(nlmsg_data(nlh), 0), rem) {
		if (nla_type(attr) != FLIPCALL_A_STATS_USER)
			continue;
		if (nla_parse_nested(tb, FLIPCALL_A_USER_MAX, attr,
				     fcnl_user_policy) ||
		    !tb[FLIPCALL_A_USER_UID])
			return -EPROTO;
		users = realloc(stats->users,
				(stats->nr_users + 1) * sizeof(*users));
		if (!users)
			return -ENOMEM;
		stats->users = users;
		users[stats->nr_users].uid = fcnl_u32(tb[FLIPCALL_A_USER_UID]);
		users[stats->nr_users].window_bytes =
			fcnl_u64(tb[FLIPCALL_A_USER_WINDOW_BYTES]);
		stats->nr_users++;
	}
	return 0;
}

static int fcnl_on_stats(struct nlmsghdr *nlh, struct nlattr **tb, void *arg)
{
	struct fcnl_stats *stats = arg;

	stats->live_conns = fcnl_u64(tb[FLIPCALL_A_STATS_LIVE_CONNS]);
	stats->total_conns = fcnl_u64(tb[FLIPCALL_A_STATS_TOTAL_CONNS]);
	stats->live_window_bytes =
		fcnl_u64(tb[FLIPCALL_A_STATS_LIVE_WINDOW_BYTES]);
	stats->user_limit = fcnl_u64(tb[FLIPCALL_A_STATS_USER_LIMIT]);
	return fcnl_parse_users(nlh, stats);
}

int fcnl_stats_get(struct fcnl *nl, struct fcnl_stats *stats)
{
	struct fcnl_txn txn = { .parse = fcnl_on_stats, .arg = stats };
	struct nl_msg *msg;
	int ret;

	memset(stats, 0, sizeof(*stats));
	msg = fcnl_request_new(nl, FLIPCALL_CMD_STATS_GET, 0);
	if (!msg)
		return -ENOMEM;
	ret = fcnl_run(nl, msg, &txn);
	if (ret)
		fcnl_stats_free(stats);
	return ret;
}

void fcnl_stats_free(struct fcnl_stats *stats)
{
	free(stats->users);
	stats->users = NULL;
	stats->nr_users = 0;
}
