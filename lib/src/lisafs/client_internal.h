/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The lisafs client: a transaction (lfs_tx) borrows a free channel, or the
 * socket when every channel is busy, as gVisor's client does; the request
 * is marshalled straight into the window (or the socket buffer) and the
 * response is read from there.
 */
#ifndef FLIPCALL_LISAFS_CLIENT_INTERNAL_H
#define FLIPCALL_LISAFS_CLIENT_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <flipcall/lisafs.h>

#include "lisafs/comm.h"

/* Most fds any response of ours may bring (Channel: 2). */
#define LFS_CLIENT_MAX_FDS	4
/* Bounds on the server's advertised message size that we accept. */
#define LFS_CLIENT_MIN_MSG	1024U
#define LFS_CLIENT_MAX_MSG	(64U << 20)

struct lfs_client_channel {
	struct lfs_channel ch;
	int dead;		/* a call failed: never used again */
};

struct lisafs_client {
	int sock;
	pthread_mutex_t sock_mu;	/* one socket call at a time */
	uint8_t *sock_buf;
	uint32_t sock_cap;
	uint32_t max_msg;
	uint8_t supported[65536 / 8];
	struct lisafs_client_options opts;

	pthread_mutex_t ch_mu;
	struct lfs_client_channel *chans[LISAFS_MAX_CHANNELS];
	int n_chans;
	uint32_t busy;			/* bit per channel */

	int dead;			/* atomic: connection gone */
	pthread_t watchdog;
	int watchdog_started;
	int wake_efd;
};

struct lfs_tx {
	struct lisafs_client *c;
	int idx;			/* channel index, -1: the socket */
	uint8_t *buf;			/* where the request payload goes */
	uint32_t cap;
	const uint8_t *resp;
	uint32_t resp_len;
	int fds[LFS_CLIENT_MAX_FDS];
	unsigned int nfds;
};

struct lfs_wr;
/*
 * A typed call's start: refuse MIDs the server did not list, begin a
 * transaction and point w at its request buffer.
 */
int lfs_client_begin(struct lisafs_client *c, struct lfs_tx *tx, uint16_t mid,
		     struct lfs_wr *w);
/* Start a transaction (socket_only: the socket even if channels are free). */
int lfs_tx_begin(struct lisafs_client *c, struct lfs_tx *tx, bool socket_only);
/*
 * Send req_len bytes written at tx->buf as mid; on success the response
 * payload is at tx->resp. An Error response is its negative errno; a wrong
 * MID is -EPROTO; a broken channel or socket is -EIO / -ECONNRESET.
 */
int lfs_tx_call(struct lfs_tx *tx, uint16_t mid, uint32_t req_len);
/* Take the i-th received fd (the transaction no longer closes it). */
int lfs_tx_take_fd(struct lfs_tx *tx, unsigned int i);
/* Close unclaimed fds and give the transport back. */
void lfs_tx_end(struct lfs_tx *tx);

/* client_marshal.c: shared by the typed calls. */
struct lfs_rd;
/* Send what w holds (EIO if it overflowed); rd (may be NULL) reads the
 * response.
 */
int lfs_client_send(struct lfs_tx *tx, uint16_t mid, const struct lfs_wr *w,
		    struct lfs_rd *rd);
/* Send, ignore the (empty) response, end the transaction. */
int lfs_client_finish(struct lfs_tx *tx, uint16_t mid, struct lfs_wr *w);
/* Send, decode a single Inode response into child (may be NULL), end. */
int lfs_client_inode_call(struct lfs_tx *tx, uint16_t mid, struct lfs_wr *w,
			  struct lisafs_inode *child);
/* 0 if name is a safe single component, else -EINVAL. */
int lfs_client_check_name(const char *name);
/*
 * lfs_client_begin for a call on one name in a directory: a name that is
 * not one safe component is -EINVAL before any transaction is taken.
 */
int lfs_client_begin_named(struct lisafs_client *c, struct lfs_tx *tx,
			   uint16_t mid, struct lfs_wr *w, const char *name);
/* A SizedString response into buf; too_small when it does not fit (and
 * -ERANGE with size 0 asks for the length).
 */
ssize_t lfs_client_sized_string(struct lfs_rd *rd, char *buf, size_t size,
				int too_small);

int lfs_client_mount(struct lisafs_client *c, struct lisafs_inode *root);
void lfs_client_start_channels(struct lisafs_client *c);
void lfs_client_kill(struct lisafs_client *c);

#endif
