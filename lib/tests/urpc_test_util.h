/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Helpers for the urpc tests: a scripted raw peer (exact bytes and
 * SCM_RIGHTS in, exact bytes out), descriptor accounting, and a server with
 * the test methods registered.
 */
#ifndef URPC_TEST_UTIL_H
#define URPC_TEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <flipcall/urpc.h>

/* Entries in /proc/self/fd, not counting the one used to list them. */
int count_open_fds(void);
/* Polls count_open_fds() until it is want or timeout_ms passed. */
int wait_open_fds(int want, int timeout_ms);

/* One sendmsg of buf with fds attached; returns bytes sent or -errno. */
ssize_t send_raw(int fd, const void *buf, size_t len, const int *fds,
		 unsigned int nfds);
int send_str(int fd, const char *text);
/*
 * Reads until len bytes came, the peer closed or timeout_ms of silence.
 * Descriptors that come along are stored (up to *nfds on entry, the rest
 * closed) and counted in *nfds. Returns bytes read or -errno.
 */
ssize_t recv_raw(int fd, char *buf, size_t len, int *fds, unsigned int *nfds,
		 int timeout_ms);
/* True if the peer closed the connection within timeout_ms (no data). */
bool peer_closed(int fd, int timeout_ms);
/* Opens n descriptors of /dev/null. */
void open_null_fds(int *fds, unsigned int n);
void close_fds(const int *fds, unsigned int n);

/*
 * The test methods: Test.Echo (result = arg), Test.Fail (error "failed: "
 * + arg string), Test.Sleep (sleeps arg ms), Test.SendFiles (sends arg
 * descriptors of /dev/null), Test.CountFiles ({"N": received}), Test.Stop
 * (calls urpc_server_stop on its own server).
 */
int register_test_methods(struct urpc_server *server);
/* A socketpair whose one end server serves; returns the other end. */
int serve_socketpair(struct urpc_server *server);

#endif
