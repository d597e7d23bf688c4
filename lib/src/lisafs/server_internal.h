/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The lisafs server's pieces: the server (connections, limits), a
 * connection (socket loop, channel threads, dispatch), the per-connection
 * FDID table, confined resolution and the message handlers.
 */
#ifndef FLIPCALL_LISAFS_SERVER_INTERNAL_H
#define FLIPCALL_LISAFS_SERVER_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include <flipcall/flipcall.h>
#include <flipcall/lisafs.h>

#include "lisafs/comm.h"

#define LFS_DEFAULT_MAX_FDIDS		65536
#define LFS_DEFAULT_MAX_CONNECTIONS	64
/* Fds one handler may donate (BindAt, Channel: 2). */
#define LFS_MAX_DONATED			4

struct lisafs_server {
	int export_fd;		/* O_PATH directory: the root of everything */
	int proc_fd;		/* /proc/self/fd: reopens held O_PATH fds */
	uint32_t flags;		/* LISAFS_SERVER_* */
	uint32_t max_fdids;
	uint32_t max_conns;
	uint32_t max_msg;
	uint32_t spin_ns;	/* server side of every channel */
	uint32_t wait_policy;	/* enum flipcall_wait_policy, likewise */
	bool device_ok;		/* /dev/flipcall opened at start */
	uint16_t supported[LISAFS_MID_STANDARD_COUNT + 1];
	uint16_t n_supported;

	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct lfs_conn *conns;	/* list of live connections */
	int n_conns;
	bool stopping;
	int stop_efd;		/* wakes serve_listener */
};

/* FDID kinds; FStat and Close take any. */
enum lfs_fd_kind {
	LFS_FD_ANY = 0,
	LFS_FD_CONTROL = 1,	/* O_PATH|O_NOFOLLOW fd of a file */
	LFS_FD_OPEN = 2,	/* an open(2)ed fd */
	LFS_FD_BOUND_SOCKET = 3,/* a bound unix socket */
};

struct lfs_fd {
	uint64_t id;
	int kind;
	int host_fd;
	mode_t type;		/* S_IFMT of the file */
	int acc;		/* LFS_FD_OPEN: O_ACCMODE of host_fd */
	int refs;		/* atomic; the table holds one */
	pthread_mutex_t mu;	/* serialises seek + getdents */
	struct lfs_fd *next;	/* hash chain */
};

#define LFS_FDT_BUCKETS	1024

struct lfs_fdtable {
	pthread_mutex_t mu;
	struct lfs_fd *buckets[LFS_FDT_BUCKETS];
	uint64_t next_id;
	uint32_t count;
	uint32_t max;
};

void lfs_fdt_init(struct lfs_fdtable *t, uint32_t max);
/* Closes every entry that nobody holds any more. */
void lfs_fdt_fini(struct lfs_fdtable *t);
/* Takes host_fd (closed on failure): -EMFILE past the per-connection cap. */
int lfs_fdt_insert(struct lfs_fdtable *t, int kind, int host_fd, mode_t type,
		   int acc, uint64_t *id);
/* A reference, or -EBADF (unknown) / -EINVAL (wrong kind). */
int lfs_fdt_get(struct lfs_fdtable *t, uint64_t id, int kind,
		struct lfs_fd **out);
void lfs_fd_put(struct lfs_fd *f);
/* Drops the table's reference; -EBADF if unknown. */
int lfs_fdt_remove(struct lfs_fdtable *t, uint64_t id);

struct lfs_conn_channel {
	struct lfs_conn *conn;
	struct lfs_channel ch;
	pthread_t thread;
};

struct lfs_conn {
	struct lisafs_server *srv;
	int sock;
	uint8_t *sock_buf;	/* max_msg bytes: request in, response out */
	struct lfs_fdtable fdt;
	struct flipcall_window_allocator *alloc;

	pthread_mutex_t mu;	/* channels, closing */
	struct lfs_conn_channel *chans[LISAFS_MAX_CHANNELS];
	int n_chans;
	bool closing;

	pthread_t thread;
	struct lfs_conn *next;
	struct lfs_conn *prev;
};

/* One request being handled: the payload buffer is shared with the
 * response, which the handler writes over it (as gVisor does).
 */
struct lfs_req {
	struct lfs_conn *conn;
	uint8_t *buf;
	uint32_t len;		/* request payload bytes */
	uint32_t cap;		/* room for the response */
	int fds[LFS_MAX_DONATED];
	unsigned int nfds;
};

typedef int (*lfs_handler_fn)(struct lfs_req *r);

/* The handler of mid, or NULL when the server does not support it. */
lfs_handler_fn lfs_handler_for(const struct lisafs_server *s, uint16_t mid);
/* handleMsg: runs the handler, turns failures into an Error response.
 * Returns the response length; *resp_mid gets the response MID.
 */
uint32_t lfs_conn_handle(struct lfs_conn *c, uint16_t mid, struct lfs_req *r,
			 uint16_t *resp_mid);
/* Queue fd for the response (taken; O_NONBLOCK set like gVisor). */
int lfs_req_donate(struct lfs_req *r, int fd);
/* Requests that are just {FD u64}: decode and look the FDID up. */
int lfs_req_one_fd(struct lfs_req *r, int kind, struct lfs_fd **out);
/*
 * The directory FDID a create, remove or rename works in: -EROFS on a
 * read-only export before any lookup, -ENOTDIR for anything else.
 */
int lfs_req_dir_to_change(struct lfs_req *r, uint64_t id, struct lfs_fd **out);
/* Requests that are {FD u64, a 32-bit argument, 4 bytes of padding}
 * (OpenAt, Getdents64, Listen): decode, pass the argument on, look up.
 */
int lfs_req_fd_u32(struct lfs_req *r, int kind, struct lfs_fd **out,
		   uint32_t *arg);
/* Register a new channel and start its thread. */
int lfs_conn_start_channel(struct lfs_conn *c, struct lfs_conn_channel *cc);
/* Serve one connection on the calling thread until it ends. */
void lfs_conn_run(struct lfs_conn *c);
struct lfs_conn *lfs_conn_new(struct lisafs_server *s, int sock);
void lfs_conn_free(struct lfs_conn *c);

/* resolve.c */
/* One component, never following a symlink: an O_PATH fd or -errno. */
int lfs_open_child(int dirfd, const char *name);
/* A real open of what an O_PATH fd names (it is never a symlink). */
int lfs_reopen(const struct lisafs_server *s, int path_fd, int flags);
/* "/proc/self/fd/N" for calls that take only a path. */
void lfs_fd_path(int fd, char buf[32]);
int lfs_statx(int fd, struct statx *st);
/* New control FDID for path_fd (taken), filling ino. */
int lfs_new_control(struct lfs_conn *c, int path_fd, struct lisafs_inode *ino);
/* Control FDID for a name just created in dir. */
int lfs_new_child_control(struct lfs_conn *c, int dirfd, const char *name,
			  struct lisafs_inode *ino);
/*
 * New control FDID for a file just created (path_fd, taken), owned by
 * uid/gid as gVisor does (only when we may), filling ino.
 */
int lfs_new_owned_control(struct lfs_conn *c, int path_fd, uint32_t uid,
			  uint32_t gid, struct lisafs_inode *ino);

static inline bool lfs_readonly(const struct lfs_req *r)
{
	return r->conn->srv->flags & LISAFS_SERVER_READONLY;
}

/* Look up the FDID of the given kind in the request's connection. */
static inline int lfs_req_fd(struct lfs_req *r, uint64_t id, int kind,
			     struct lfs_fd **out)
{
	return lfs_fdt_get(&r->conn->fdt, id, kind, out);
}

/* Handlers, by group. */
int lfs_h_mount(struct lfs_req *r);
int lfs_h_channel(struct lfs_req *r);
int lfs_h_device_channel(struct lfs_req *r);
int lfs_h_fstat(struct lfs_req *r);
int lfs_h_setstat(struct lfs_req *r);
int lfs_h_walk(struct lfs_req *r);
int lfs_h_walk_stat(struct lfs_req *r);
int lfs_h_fstatfs(struct lfs_req *r);
int lfs_h_readlinkat(struct lfs_req *r);
int lfs_h_openat(struct lfs_req *r);
int lfs_h_open_create_at(struct lfs_req *r);
int lfs_h_close(struct lfs_req *r);
int lfs_h_fsync(struct lfs_req *r);
int lfs_h_pwrite(struct lfs_req *r);
int lfs_h_pread(struct lfs_req *r);
int lfs_h_fallocate(struct lfs_req *r);
int lfs_h_flush(struct lfs_req *r);
int lfs_h_getdents64(struct lfs_req *r);
int lfs_h_mkdirat(struct lfs_req *r);
int lfs_h_mknodat(struct lfs_req *r);
int lfs_h_symlinkat(struct lfs_req *r);
int lfs_h_linkat(struct lfs_req *r);
int lfs_h_unlinkat(struct lfs_req *r);
int lfs_h_renameat(struct lfs_req *r);
int lfs_h_renameat2(struct lfs_req *r);
int lfs_h_fgetxattr(struct lfs_req *r);
int lfs_h_fsetxattr(struct lfs_req *r);
int lfs_h_flistxattr(struct lfs_req *r);
int lfs_h_fremovexattr(struct lfs_req *r);
int lfs_h_connect(struct lfs_req *r);
int lfs_h_connect_with_creds(struct lfs_req *r);
int lfs_h_bindat(struct lfs_req *r);
int lfs_h_listen(struct lfs_req *r);
int lfs_h_accept(struct lfs_req *r);

#endif
