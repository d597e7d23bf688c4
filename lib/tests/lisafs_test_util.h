/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Helpers for the lisafs tests: a temporary export with a server, client
 * and raw sockets into it, descriptor accounting through /proc/self/fd,
 * and raw message building for tests that must bypass the client.
 */
#ifndef LISAFS_TEST_UTIL_H
#define LISAFS_TEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <flipcall/lisafs.h>

/* Transports a test variant runs over. */
enum lt_transport { LT_SOCKET, LT_FUTEX, LT_DEVICE };

struct lt_env {
	char dir[64];			/* the export, a fresh temp dir */
	char outside[64];		/* a sibling dir the server must not reach */
	struct lisafs_server *srv;
	struct lisafs_client *c;
	struct lisafs_inode root;
	int fds_before;
};

/*
 * Default channel kind: LISAFS_TEST_TRANSPORT=device|futex, else LT_DEVICE
 * in the VM build (TEST_DEFAULT_DEVICE), else LT_FUTEX.
 */
int lt_default_transport(void);
bool lt_device_present(void);
/* New export + server (flags) + client over transport; 0 or -errno. */
int lt_setup(struct lt_env *e, uint32_t server_flags, int transport);
/* A second client of the same server. */
int lt_connect(struct lt_env *e, int transport, struct lisafs_client **c,
	       struct lisafs_inode *root);
/* A raw socket connected to the server (no client, no Mount). */
int lt_raw_socket(struct lt_env *e);
void lt_teardown(struct lt_env *e);

/* Entries in /proc/self/fd, not counting the one used to list them. */
int lt_count_fds(void);
/* Polls lt_count_fds() until it is want or timeout_ms passed. */
int lt_wait_fds(int want, int timeout_ms);
/*
 * A server for dir (options so) in a child process, on one end of a new
 * socket pair; it exits 0 once the client on the returned end is gone
 * (1 if it could not start). *pid gets the child.
 */
int lt_fork_server(const char *dir, const struct lisafs_server_options *so,
		   pid_t *pid);
/* Polls the server's connection count until it is at most want or
 * timeout_ms passed; returns the count.
 */
int lt_wait_connections(struct lisafs_server *s, int want, int timeout_ms);
/* Path of name inside the export (valid for the next 3 calls). */
const char *lt_path(const struct lt_env *e, const char *name);
int lt_write_file(const char *path, const char *text);

/* Raw socket exchange: send (mid, payload), receive the reply. */
int lt_sock_send(int sock, uint16_t mid, const void *p, uint32_t len);
/* Returns the payload length, or -errno; fds (up to *nfds) are closed
 * unless fds is non-NULL.
 */
int lt_sock_recv(int sock, uint16_t *mid, void *buf, uint32_t cap, int *fds,
		 unsigned int *nfds, int timeout_ms);
/* Errno of an Error response, or -1 if it was not one. */
int lt_error_of(uint16_t mid, const void *buf, int len);

/* Walk a single name from dir and return the new FDID (0 on failure). */
uint64_t lt_walk1(struct lisafs_client *c, uint64_t dir, const char *name,
		  uint8_t *status);

#endif
