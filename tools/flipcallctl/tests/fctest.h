/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of flipcallctl's VM tests, on top of the selftests' raw-ABI
 * helpers (selftests/flipcall_test.h): connections as a pair of fds, a peer
 * process driving N round trips, the CLI run in a child. Functions return 0
 * or a negative errno unless said otherwise.
 */
#ifndef FLIPCALLCTL_FCTEST_H
#define FLIPCALLCTL_FCTEST_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/flipcall.h>

struct fctest_conn {
	int client;
	int server;
	uint64_t id;
	uint64_t window_len;
};

int fctest_create(struct fctest_conn *conn, uint64_t window_len,
		  uint32_t flags);
/* The same through an open /dev/flipcall, e.g. one opened before a setuid. */
int fctest_create_at(int ctl, struct fctest_conn *conn, uint64_t window_len,
		     uint32_t flags);
void fctest_close(struct fctest_conn *conn);

/*
 * A server process for @conn: RECV_FIRST, @rounds - 1 SEND_RECV, then
 * SEND_LAST, so the client completes @rounds round trips and ends up
 * holding control. It marks itself the server's user (INFO) first and
 * waits, once done, until *@release_fd is closed; the parent keeps only the
 * client endpoint. Returns the child's pid or a negative errno.
 */
pid_t fctest_serve(struct fctest_conn *conn, int rounds, int *release_fd);

/* The client half: CONNECT, then @rounds - 1 SEND_RECV. */
int fctest_ping(struct fctest_conn *conn, int rounds);

/* Let the server of fctest_serve() exit and reap it; its exit status. */
int fctest_serve_end(pid_t pid, int release_fd);

/*
 * Runs flipcallctl with @argv (NULL-terminated, without argv[0]) in a
 * child; its stdout goes to @out (NUL-terminated, truncated to @len).
 * Returns the exit status, or -1 if it did not exit normally.
 */
int fctest_cli(char *out, size_t len, const char *const *argv);

/* Copies @text into the TAP output as comment lines, e.g. for docs. */
void fctest_log_lines(const char *title, const char *text);

#endif /* FLIPCALLCTL_FCTEST_H */
