/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The control socket: a connected AF_UNIX SOCK_SEQPACKET socket to the peer
 * bridge. Setup passes the transport's fds over it (fdchannel format); then
 * bridges with --offload exchange one hello message (so both sides agree
 * that frames carry a virtio_net_hdr; a plain peer never sends one); after
 * that it carries nothing, and its hang-up is how a bridge learns that its
 * peer is gone, whatever the transport.
 */
#ifndef FLIPCALL_NIC_CONTROL_H
#define FLIPCALL_NIC_CONTROL_H

#include <signal.h>

/*
 * Listen on @path, accept one peer, then remove @path. Waits until a peer
 * comes or *@stop is set (a signal interrupts the wait). Returns the fd or a
 * negative errno.
 */
int control_accept(const char *path, volatile sig_atomic_t *stop);
/* Connect to @path, retrying for @wait_s seconds while nobody listens. */
int control_connect(const char *path, unsigned int wait_s,
		    volatile sig_atomic_t *stop);
/* Check that an inherited @fd is a SOCK_SEQPACKET socket; 0 or -errno. */
int control_adopt(int fd);
/* Bound every blocking send/receive on @fd (0: no bound). */
int control_set_timeout(int fd, unsigned int seconds);
/*
 * Send the offload hello and wait (within the socket's timeout) for the
 * peer's: 0, -EPROTO if the peer closed or timed out without one (it runs
 * without --offload), or another negative errno.
 */
int control_offload_handshake(int fd);
/*
 * 1 if the peer closed its end, 0 if not (never blocks); -EPROTO if it
 * sent the offload hello (it runs with --offload, this bridge without).
 */
int control_peer_gone(int fd);

#endif
