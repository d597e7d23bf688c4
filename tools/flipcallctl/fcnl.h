/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A client of the module's generic netlink family "flipcall" on libnl-genl:
 * requests, replies decoded into plain structs, and the kernel's errno (and
 * extended ack message) on failure. flipcallctl and its tests share it.
 */
#ifndef FLIPCALLCTL_FCNL_H
#define FLIPCALLCTL_FCNL_H

#include <stddef.h>
#include <stdint.h>

#include <linux/flipcall.h>

struct nl_msg;

struct fcnl_endpoint {
	uint32_t pid;			/* 0: unknown */
	uint64_t handoffs;
	uint64_t sleeps;
	uint64_t spin_hits;
	uint64_t wakes;
	uint64_t wakes_same_cpu;
};

struct fcnl_conn {
	uint64_t id;
	uint32_t state;			/* FLIPCALL_STATE_* */
	uint32_t end;			/* FLIPCALL_END_* */
	uint64_t window_len;
	uint32_t spin_ns;
	uint32_t creator_pid;
	uint32_t creator_uid;
	char creator_comm[16];
	uint64_t created_ns;
	uint64_t age_ns;
	struct fcnl_endpoint ep[2];	/* indexed by FLIPCALL_SIDE_* */
};

struct fcnl_user {
	uint32_t uid;
	uint64_t window_bytes;
};

struct fcnl_stats {
	uint64_t live_conns;
	uint64_t total_conns;
	uint64_t live_window_bytes;
	uint64_t user_limit;
	size_t nr_users;
	struct fcnl_user *users;	/* fcnl_stats_free() */
};

struct fcnl;

/* -ENOENT: the family is not registered, i.e. the module is not loaded. */
int fcnl_open(struct fcnl **out);
void fcnl_close(struct fcnl *nl);

/*
 * What the kernel's extended ack said about the last failed request: its
 * message ("" if none) and the type of a missing required attribute (-1 if
 * none was reported).
 */
const char *fcnl_error_message(const struct fcnl *nl);
int fcnl_error_missing_attr(const struct fcnl *nl);

typedef int (*fcnl_conn_fn)(const struct fcnl_conn *conn, void *arg);

/* Calls @fn for every connection the caller may see; stops if it fails. */
int fcnl_conn_dump(struct fcnl *nl, fcnl_conn_fn fn, void *arg);
int fcnl_conn_get(struct fcnl *nl, uint64_t id, struct fcnl_conn *conn);
int fcnl_stats_get(struct fcnl *nl, struct fcnl_stats *stats);
void fcnl_stats_free(struct fcnl_stats *stats);

/*
 * Raw access for tests: a request for @cmd (with NLM_F_DUMP if @dump), to
 * which the caller may add any attribute, and its transaction. The reply
 * messages are counted in *@replies. Returns 0 or the kernel's -errno;
 * consumes @msg.
 */
struct nl_msg *fcnl_request_new(const struct fcnl *nl, uint8_t cmd, int dump);
int fcnl_transact(struct fcnl *nl, struct nl_msg *msg, int *replies);

#endif /* FLIPCALLCTL_FCNL_H */
