/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lisafs communicators, shared by client and server: the connection socket
 * (8-byte header, fds with the first bytes) and channels (a flipcall packet
 * window whose datagram starts with a 4-byte header, plus an fdchannel that
 * carries response fds ahead of the hand-off).
 */
#ifndef FLIPCALL_LISAFS_COMM_H
#define FLIPCALL_LISAFS_COMM_H

#include <stdint.h>

#include <flipcall/fdchannel.h>
#include <flipcall/flipcall.h>
#include <flipcall/lisafs.h>

/* Most fds one response may carry (numFDs is a u8). */
#define LFS_MAX_RESP_FDS	255

/*
 * Send one message: header + payload in as many sendmsg calls as it takes,
 * the fds (copies; the caller keeps its own) with the first bytes.
 */
int lfs_sock_send(int sock, uint16_t mid, const void *payload, uint32_t len,
		  const int *fds, unsigned int nfds);
/*
 * Receive one message into buf (cap bytes). Up to max_fds fds that came with
 * the header land in fds (*nfds); if more came, all are closed and the
 * message is read but answered -EPROTO. A payload longer than cap is read
 * and dropped, and the call returns -EMSGSIZE with *len set; a closed
 * socket is -ECONNRESET.
 */
int lfs_sock_recv(int sock, uint16_t *mid, void *buf, uint32_t cap,
		  uint32_t *len, int *fds, unsigned int max_fds,
		  unsigned int *nfds);

struct lfs_channel {
	struct flipcall_endpoint *ep;
	struct fdchannel *fdc;
	uint8_t *data;		/* the datagram: header, then payload */
	uint32_t payload_cap;	/* datagram capacity minus the header */
	int device;		/* runs over /dev/flipcall */
};

/*
 * Build a channel from its window and fdchannel socket (both taken; the
 * window fd is only borrowed for the mapping, the caller closes it).
 */
int lfs_channel_init(struct lfs_channel *ch, int side,
		     const struct flipcall_window *win, int fdsock,
		     uint32_t spin_ns, uint32_t wait_policy,
		     uint32_t timeout_ms);
void lfs_channel_fini(struct lfs_channel *ch);
void lfs_channel_shutdown(struct lfs_channel *ch);

static inline uint8_t *lfs_channel_payload(const struct lfs_channel *ch)
{
	return ch->data + LISAFS_CHANNEL_HEADER_BYTES;
}

/*
 * Parse a received datagram of data_len bytes: -EIO if it is shorter than
 * the header or longer than the window.
 */
int lfs_channel_parse(const struct lfs_channel *ch, int data_len,
		      uint16_t *mid, uint8_t *num_fds, uint32_t *payload_len);
/*
 * Server: send fds over the fdchannel (stopping at the first failure), then
 * the header, then hand off; returns the next request's data length (0
 * ends the channel) or a negative errno.
 */
int lfs_channel_reply(struct lfs_channel *ch, uint16_t mid, uint32_t len,
		      const int *fds, unsigned int nfds);
/*
 * Client: send the request already written at the payload, wait for the
 * response; its fds (numFDs of them, non-blocking fdchannel reads) go into
 * fds[max_fds], extras are closed.
 */
int lfs_channel_call(struct lfs_channel *ch, uint16_t mid, uint32_t len,
		     uint16_t *resp_mid, uint32_t *resp_len, int *fds,
		     unsigned int max_fds, unsigned int *nfds);

#endif
