/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fdchannel: pass one fd at a time over a blocking AF_UNIX SOCK_SEQPACKET
 * socket, wire-compatible with gVisor's pkg/fdchannel (each message is a
 * zero-length datagram carrying exactly one fd in SCM_RIGHTS).
 *
 * Functions return 0, or a received fd, or a negative errno. A malformed
 * message never leaks an fd: everything that arrived with it is closed.
 */
#ifndef FLIPCALL_FDCHANNEL_H
#define FLIPCALL_FDCHANNEL_H

#ifdef __cplusplus
extern "C" {
#endif

struct fdchannel;

/* socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC). */
int fdchannel_pair(int fds[2]);
/* Takes ownership of sockfd (closed by fdchannel_destroy). */
int fdchannel_init(struct fdchannel **out, int sockfd);
void fdchannel_destroy(struct fdchannel *ch);

/* Send a copy of fd; the caller keeps its own. */
int fdchannel_send(struct fdchannel *ch, int fd);
/* Wait for one fd (O_CLOEXEC); the caller owns it. */
int fdchannel_recv(struct fdchannel *ch);
/* Like fdchannel_recv, but -EAGAIN instead of waiting. */
int fdchannel_recv_nonblock(struct fdchannel *ch);
/* shutdown(SHUT_RDWR): wakes both sides; later calls fail. Returns 0. */
int fdchannel_shutdown(struct fdchannel *ch);

#ifdef __cplusplus
}
#endif

#endif /* FLIPCALL_FDCHANNEL_H */
