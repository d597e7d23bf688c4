/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lisafs: gVisor's file system protocol (pkg/lisafs), wire-compatible byte
 * for byte. A client (lisafs_client_*) mounts a server over a unix stream
 * socket and then moves its RPCs onto up to four channels (a flipcall packet
 * window plus an fdchannel socket); a server (lisafs_server_*) exports one
 * directory, confined: names are resolved one component at a time from
 * directory fds it holds and symlinks are never followed.
 *
 * Every function returns 0, a non-negative count, or a negative errno; the
 * errnos a server answers come back as they are (-ENOENT, -EBADF, ...).
 * Nothing aborts because of what a peer did. Documentation/lisafs.rst holds
 * the wire format, the device-channel extension and the confinement rules.
 */
#ifndef FLIPCALL_LISAFS_H
#define FLIPCALL_LISAFS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/stat.h>
#ifndef STATX_TYPE
#include <linux/stat.h>	/* struct statx without _GNU_SOURCE */
#endif
#include <time.h>

#include <flipcall/flipcall.h>	/* enum flipcall_wait_policy */

#ifdef __cplusplus
extern "C" {
#endif

/* Message IDs (u16 on the wire). 0-255 are standard lisafs. */
enum lisafs_mid {
	LISAFS_MID_ERROR = 0,
	LISAFS_MID_MOUNT = 1,
	LISAFS_MID_CHANNEL = 2,
	LISAFS_MID_FSTAT = 3,
	LISAFS_MID_SETSTAT = 4,
	LISAFS_MID_WALK = 5,
	LISAFS_MID_WALK_STAT = 6,
	LISAFS_MID_OPENAT = 7,
	LISAFS_MID_OPEN_CREATE_AT = 8,
	LISAFS_MID_CLOSE = 9,
	LISAFS_MID_FSYNC = 10,
	LISAFS_MID_PWRITE = 11,
	LISAFS_MID_PREAD = 12,
	LISAFS_MID_MKDIRAT = 13,
	LISAFS_MID_MKNODAT = 14,
	LISAFS_MID_SYMLINKAT = 15,
	LISAFS_MID_LINKAT = 16,
	LISAFS_MID_FSTATFS = 17,
	LISAFS_MID_FALLOCATE = 18,
	LISAFS_MID_READLINKAT = 19,
	LISAFS_MID_FLUSH = 20,
	LISAFS_MID_CONNECT = 21,
	LISAFS_MID_UNLINKAT = 22,
	LISAFS_MID_RENAMEAT = 23,
	LISAFS_MID_GETDENTS64 = 24,
	LISAFS_MID_FGETXATTR = 25,
	LISAFS_MID_FSETXATTR = 26,
	LISAFS_MID_FLISTXATTR = 27,
	LISAFS_MID_FREMOVEXATTR = 28,
	LISAFS_MID_BINDAT = 29,
	LISAFS_MID_LISTEN = 30,
	LISAFS_MID_ACCEPT = 31,
	LISAFS_MID_CONNECT_WITH_CREDS = 32,
	LISAFS_MID_RENAMEAT2 = 33,
	LISAFS_MID_STANDARD_COUNT = 34,
	/*
	 * Extension (ours): like Channel, but the first donated fd is a
	 * /dev/flipcall endpoint fd instead of a memfd. Offered in Mount's
	 * list only by servers that can open /dev/flipcall.
	 */
	LISAFS_MID_DEVICE_CHANNEL = 256,
};

/* Walk status (WalkResp.Status). */
#define LISAFS_WALK_SUCCESS			0
#define LISAFS_WALK_COMPONENT_DOES_NOT_EXIST	1
#define LISAFS_WALK_COMPONENT_SYMLINK		2

/* Protocol constants. */
#define LISAFS_SOCK_HEADER_BYTES	8
#define LISAFS_CHANNEL_HEADER_BYTES	4
#define LISAFS_MAX_MESSAGE_SIZE		2093056U	/* 2 MiB - 4 KiB */
#define LISAFS_PREMOUNT_MESSAGE_SIZE	(1U << 20)
#define LISAFS_MAX_CHANNELS		4
#define LISAFS_NO_UID			0xFFFFFFFFU
#define LISAFS_NO_GID			0xFFFFFFFFU
#define LISAFS_STATX_BYTES		144
#define LISAFS_INODE_BYTES		152

/* A control FDID and the Statx of what it names. */
struct lisafs_inode {
	uint64_t fdid;
	struct statx stat;
};

struct lisafs_statfs {
	uint64_t type;
	uint64_t block_size;
	uint64_t blocks;
	uint64_t blocks_free;
	uint64_t blocks_available;
	uint64_t files;
	uint64_t files_free;
	uint64_t name_length;
};

/*
 * SetStat: mask is STATX_MODE | STATX_UID | STATX_GID | STATX_SIZE |
 * STATX_ATIME | STATX_MTIME; times may carry UTIME_NOW / UTIME_OMIT.
 */
struct lisafs_setstat {
	uint32_t mask;
	uint32_t mode;
	uint32_t uid;
	uint32_t gid;
	uint64_t size;
	struct timespec atime;
	struct timespec mtime;
};

/* One Getdents64 entry; name is not NUL-terminated and lives only for
 * the callback.
 */
struct lisafs_dirent {
	uint64_t ino;
	uint32_t dev_minor;
	uint32_t dev_major;
	uint64_t off;
	uint8_t type;
	const char *name;
	uint16_t name_len;
};

/* Return non-zero to stop the iteration early. */
typedef int (*lisafs_dirent_fn)(const struct lisafs_dirent *d, void *arg);

/* ------------------------------------------------------------------ */
/* Client                                                              */

struct lisafs_client;

/* lisafs_client_options.flags */
#define LISAFS_CLIENT_NO_CHANNELS	(1U << 0)	/* socket only */
#define LISAFS_CLIENT_NO_DEVICE		(1U << 1)	/* futex channels only */

struct lisafs_client_options {
	uint32_t size;		/* sizeof(struct lisafs_client_options) */
	uint32_t flags;		/* LISAFS_CLIENT_* */
	uint32_t channels;	/* 0: default (up to LISAFS_MAX_CHANNELS) */
	uint32_t spin_ns;	/* most a channel wait spins (0: policy default) */
	uint32_t timeout_ms;	/* per call (0: none) */
	uint32_t wait_policy;	/* enum flipcall_wait_policy of the channels */
};

/* Mount, then start the channels. Takes sock_fd (closed on failure too).
 * root may be NULL. opts may be NULL for the defaults.
 */
int lisafs_client_connect(int sock_fd, const struct lisafs_client_options *opts,
			  struct lisafs_client **out, struct lisafs_inode *root);
int lisafs_client_connect_path(const char *socket_path,
			       const struct lisafs_client_options *opts,
			       struct lisafs_client **out,
			       struct lisafs_inode *root);
/* Every pending and later call fails with -ECONNRESET; idempotent. */
int lisafs_client_shutdown(struct lisafs_client *c);
void lisafs_client_destroy(struct lisafs_client *c);
/* 1 if the server listed mid in Mount's supported messages, else 0. */
int lisafs_client_supports(const struct lisafs_client *c, uint16_t mid);
uint32_t lisafs_client_max_message_size(const struct lisafs_client *c);
/* How many working channels run over futexes and over /dev/flipcall. */
int lisafs_client_channels(const struct lisafs_client *c, int *futex,
			   int *device);

int lisafs_client_fstat(struct lisafs_client *c, uint64_t fd,
			struct statx *st);
/* failure_mask/failure_errno (may be NULL) tell which parts failed. */
int lisafs_client_setstat(struct lisafs_client *c, uint64_t fd,
			  const struct lisafs_setstat *req,
			  uint32_t *failure_mask, int *failure_errno);
/* inodes has room for n_names; *n_inodes gets how many were walked and
 * *status a LISAFS_WALK_* value.
 */
int lisafs_client_walk(struct lisafs_client *c, uint64_t dirfd,
		       const char *const *names, size_t n_names,
		       struct lisafs_inode *inodes, size_t *n_inodes,
		       uint8_t *status);
/* stats has room for n_names (+0: names[0] == "" stats dirfd itself). */
int lisafs_client_walk_stat(struct lisafs_client *c, uint64_t dirfd,
			    const char *const *names, size_t n_names,
			    struct statx *stats, size_t *n_stats);
/* host_fd (may be NULL) gets a donated host fd or -1. */
int lisafs_client_openat(struct lisafs_client *c, uint64_t fd, uint32_t flags,
			 uint64_t *open_fd, int *host_fd);
int lisafs_client_open_create_at(struct lisafs_client *c, uint64_t dirfd,
				 const char *name, uint32_t flags, mode_t mode,
				 uid_t uid, gid_t gid,
				 struct lisafs_inode *child, uint64_t *open_fd,
				 int *host_fd);
int lisafs_client_close(struct lisafs_client *c, const uint64_t *fds,
			size_t n);
int lisafs_client_fsync(struct lisafs_client *c, const uint64_t *fds,
			size_t n);
/* Split by the max message size; return the bytes moved. */
ssize_t lisafs_client_pread(struct lisafs_client *c, uint64_t open_fd,
			    void *buf, size_t count, uint64_t offset);
ssize_t lisafs_client_pwrite(struct lisafs_client *c, uint64_t open_fd,
			     const void *buf, size_t count, uint64_t offset);
int lisafs_client_mkdirat(struct lisafs_client *c, uint64_t dirfd,
			  const char *name, mode_t mode, uid_t uid, gid_t gid,
			  struct lisafs_inode *child);
int lisafs_client_mknodat(struct lisafs_client *c, uint64_t dirfd,
			  const char *name, mode_t mode, dev_t rdev, uid_t uid,
			  gid_t gid, struct lisafs_inode *child);
int lisafs_client_symlinkat(struct lisafs_client *c, uint64_t dirfd,
			    const char *name, const char *target, uid_t uid,
			    gid_t gid, struct lisafs_inode *child);
int lisafs_client_linkat(struct lisafs_client *c, uint64_t dirfd,
			 const char *name, uint64_t target_fd,
			 struct lisafs_inode *child);
int lisafs_client_fstatfs(struct lisafs_client *c, uint64_t fd,
			  struct lisafs_statfs *out);
int lisafs_client_fallocate(struct lisafs_client *c, uint64_t open_fd,
			    uint64_t mode, uint64_t offset, uint64_t length);
/* The target's bytes, no NUL; -ENAMETOOLONG if it does not fit in size. */
ssize_t lisafs_client_readlinkat(struct lisafs_client *c, uint64_t fd,
				 char *buf, size_t size);
int lisafs_client_flush(struct lisafs_client *c, uint64_t open_fd);
int lisafs_client_unlinkat(struct lisafs_client *c, uint64_t dirfd,
			   const char *name, uint32_t flags);
int lisafs_client_renameat(struct lisafs_client *c, uint64_t old_dir,
			   const char *old_name, uint64_t new_dir,
			   const char *new_name);
int lisafs_client_renameat2(struct lisafs_client *c, uint64_t old_dir,
			    const char *old_name, uint64_t new_dir,
			    const char *new_name, uint32_t flags);
/*
 * One Getdents64 round trip: count < 0 seeks to the start first and asks
 * for |count| bytes. fn gets each entry; returns the number of entries
 * (0: end of directory).
 */
int lisafs_client_getdents64(struct lisafs_client *c, uint64_t dirfd,
			     int32_t count, lisafs_dirent_fn fn, void *arg);
/* Like fgetxattr(2)/flistxattr(2): size 0 asks for the length. */
ssize_t lisafs_client_fgetxattr(struct lisafs_client *c, uint64_t fd,
				const char *name, void *buf, size_t size);
int lisafs_client_fsetxattr(struct lisafs_client *c, uint64_t fd,
			    const char *name, const void *value, size_t size,
			    uint32_t flags);
/* NUL-separated names, like listxattr(2). */
ssize_t lisafs_client_flistxattr(struct lisafs_client *c, uint64_t fd,
				 char *buf, size_t size);
int lisafs_client_fremovexattr(struct lisafs_client *c, uint64_t fd,
			       const char *name);
/* Unix sockets in the export. *sock_fd gets the donated host socket. */
int lisafs_client_connect_socket(struct lisafs_client *c, uint64_t fd,
				 int sock_type, int *sock_fd);
/* ConnectWithCreds (MID 32, newer gofers): access checked as uid/gid. */
int lisafs_client_connect_with_creds(struct lisafs_client *c, uint64_t fd,
				     int sock_type, uid_t uid, gid_t gid,
				     int *sock_fd);
int lisafs_client_bindat(struct lisafs_client *c, uint64_t dirfd,
			 const char *name, int sock_type, mode_t mode,
			 uid_t uid, gid_t gid, struct lisafs_inode *child,
			 uint64_t *bound_fd, int *sock_fd);
int lisafs_client_listen(struct lisafs_client *c, uint64_t bound_fd,
			 int backlog);
/* peer_addr (may be NULL) gets the peer's address, NUL-terminated. */
int lisafs_client_accept(struct lisafs_client *c, uint64_t bound_fd,
			 int *conn_fd, char *peer_addr, size_t addr_size);

/*
 * One raw request: payload in, response payload out (up to resp_size
 * bytes; *resp_len gets the full length), donated fds into fds[max_fds]
 * (*n_fds). An Error response comes back as its negative errno. For tools,
 * tests and extension MIDs.
 */
int lisafs_client_call(struct lisafs_client *c, uint16_t mid,
		       const void *req, size_t req_len, void *resp,
		       size_t resp_size, size_t *resp_len, int *fds,
		       unsigned int max_fds, unsigned int *n_fds);

/* ------------------------------------------------------------------ */
/* Server                                                              */

struct lisafs_server;

/* lisafs_server_options.flags */
#define LISAFS_SERVER_READONLY		(1U << 0)	/* mutations: EROFS */
#define LISAFS_SERVER_ALLOW_SOCKETS	(1U << 1)	/* BindAt/Listen/Accept/Connect */
#define LISAFS_SERVER_NO_DEVICE		(1U << 2)	/* never offer device channels */

struct lisafs_server_options {
	uint32_t size;			/* sizeof(struct lisafs_server_options) */
	uint32_t flags;			/* LISAFS_SERVER_* */
	/* 0: the fd limit (RLIMIT_NOFILE) shared among max_connections,
	 * at most 65536.
	 */
	uint32_t max_fdids_per_conn;
	uint32_t max_connections;	/* 0: default (64) */
	uint32_t spin_ns;		/* most a channel wait spins (0: default) */
	uint32_t wait_policy;		/* enum flipcall_wait_policy of channels */
};

/* export_dir is opened once; the server never leaves it. */
int lisafs_server_new(const char *export_dir,
		      const struct lisafs_server_options *opts,
		      struct lisafs_server **out);
/* Takes sock_fd (a connected SOCK_STREAM unix socket) and serves it on its
 * own threads: one for the socket and one per channel.
 */
int lisafs_server_add_connection(struct lisafs_server *s, int sock_fd);
/* accept() loop until lisafs_server_stop(); returns 0 then. */
int lisafs_server_serve_listener(struct lisafs_server *s, int listen_fd);
/* Ends every connection and waits for their threads; idempotent, may be
 * called from any thread (not from a signal handler).
 */
int lisafs_server_stop(struct lisafs_server *s);
/* Connections being served right now. */
int lisafs_server_connections(const struct lisafs_server *s);
void lisafs_server_destroy(struct lisafs_server *s);

#ifdef __cplusplus
}
#endif

#endif /* FLIPCALL_LISAFS_H */
