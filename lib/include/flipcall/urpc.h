/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * urpc: gVisor's JSON RPC over a unix stream socket, with file descriptors
 * passed as SCM_RIGHTS. Wire-compatible with gVisor's pkg/urpc (Go): a call is
 * {"method":"Type.Method","arg":...}, a reply {"success":...,"err":"...",
 * "result":...}, each one bare JSON value with no framing, and at most one
 * call outstanding per connection. See Documentation/urpc.rst.
 *
 * Every function returns 0 (or a count) on success and a negative errno on
 * failure. JSON values are json-c objects; NULL stands for JSON null.
 */
#ifndef FLIPCALL_URPC_H
#define FLIPCALL_URPC_H

#include <stddef.h>
#include <json-c/json_object.h>

#ifdef __cplusplus
extern "C" {
#endif

/* gVisor's maxFiles: the most descriptors one message may carry. */
#define URPC_MAX_FDS			128
#define URPC_DEFAULT_MAX_MESSAGE	(16u << 20)
#define URPC_DEFAULT_MAX_DEPTH		128

/* ---- client ---------------------------------------------------------- */

struct urpc_client;

int urpc_client_connect(const char *path, struct urpc_client **clientp);
/* Takes ownership of a connected unix stream socket, even on failure. */
int urpc_client_adopt(int fd, struct urpc_client **clientp);
void urpc_client_close(struct urpc_client *client);

/*
 * Structs that may grow carry their size (libbpf style): set size to
 * sizeof() of the struct and zero what you do not use, e.g.
 * struct urpc_call_opts opts = { .size = sizeof(opts), .timeout_ms = 100 };
 * A library built with a newer (larger) struct honours an older one; an
 * older library refuses a newer one with -EINVAL when its unknown fields
 * are not zero.
 */
struct urpc_call_opts {
	size_t size;			/* sizeof(struct urpc_call_opts) */
	const int *send_fds;		/* sent with the call; still the caller's */
	unsigned int n_send_fds;	/* at most URPC_MAX_FDS */
	int *recv_fds;			/* receives the reply's descriptors */
	unsigned int recv_fds_cap;	/* room in recv_fds; extras are closed */
	unsigned int n_recv_fds;	/* out: how many landed in recv_fds */
	int timeout_ms;			/* whole call; 0 or negative: no limit */
};

/*
 * Calls method with arg (borrowed; NULL is JSON null). On success *resultp
 * (if not NULL) gets a new reference to the result (NULL for JSON null).
 * -EREMOTEIO: the server answered with an error; urpc_client_remote_error()
 * has its message. -ETIMEDOUT, a transport error (-ECONNRESET, -EPIPE, ...)
 * or an unparsable reply (-EPROTO, -EMSGSIZE) leave the connection out of
 * step with the server: later calls fail with -ENOTCONN. opts may be NULL.
 */
int urpc_client_call(struct urpc_client *client, const char *method,
		     struct json_object *arg, struct json_object **resultp,
		     struct urpc_call_opts *opts);
/* The server's message after -EREMOTEIO; valid until the next call. */
const char *urpc_client_remote_error(const struct urpc_client *client);

/* ---- server ---------------------------------------------------------- */

struct urpc_server;
struct urpc_call;

/*
 * A method handler runs on the calling connection's thread. It returns 0 to
 * answer with the result it set (JSON null if none), or non-zero to answer
 * with the error message it set (strerror(-ret) if none).
 */
typedef int (*urpc_method_fn)(struct urpc_call *call, void *data);
typedef void (*urpc_stop_fn)(void *data);

struct urpc_server_limits {
	size_t size;			/* sizeof(struct urpc_server_limits) */
	size_t max_message;		/* bytes per message; 0: default */
	unsigned int max_depth;		/* JSON nesting; 0: default */
	unsigned int max_fds;		/* received per message; 0: 128 */
};

int urpc_server_new(struct urpc_server **serverp);
int urpc_server_set_limits(struct urpc_server *server,
			   const struct urpc_server_limits *limits);
/* method is "Type.Method"; -EEXIST if already registered. */
int urpc_server_register(struct urpc_server *server, const char *method,
			 urpc_method_fn fn, void *data);
/* Called first thing in urpc_server_stop() (gVisor's Stopper). */
int urpc_server_on_stop(struct urpc_server *server, urpc_stop_fn fn,
			void *data);
/* Binds and listens on path, accepting clients on a thread of its own. */
int urpc_server_listen(struct urpc_server *server, const char *path);
/* Same with a listening socket the server takes ownership of. */
int urpc_server_serve_listener(struct urpc_server *server, int listen_fd);
/* Serves one connected socket on a new thread; takes ownership of conn_fd. */
int urpc_server_handle(struct urpc_server *server, int conn_fd);
/*
 * Stops accepting, runs the stop callbacks, gives clients timeout_ms to
 * leave, then closes idle clients at once and busy ones after their current
 * call, and returns when every client thread is gone. -EDEADLK from one of
 * this server's handlers or stop callbacks; -EALREADY once stopping.
 */
int urpc_server_stop(struct urpc_server *server, int timeout_ms);
/*
 * Stops (timeout 0) if still running, waits for a stop() running on another
 * thread to finish, then frees and returns 0. From one of this server's
 * handlers or stop callbacks it frees nothing and returns -EDEADLK.
 */
int urpc_server_destroy(struct urpc_server *server);

/* Inside a handler. */
const char *urpc_call_method(const struct urpc_call *call);
struct json_object *urpc_call_arg(const struct urpc_call *call);	/* borrowed */
unsigned int urpc_call_nfds(const struct urpc_call *call);
/* Moves received descriptor i to the handler; the rest are closed after. */
int urpc_call_take_fd(struct urpc_call *call, unsigned int i);
/* Takes ownership of result (one reference). */
int urpc_call_set_result(struct urpc_call *call, struct json_object *result);
int urpc_call_set_error(struct urpc_call *call, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * Queues fd (ownership moves to the call; closed once sent) to go with a
 * successful reply. Past URPC_MAX_FDS the call answers "too many files".
 */
int urpc_call_send_fd(struct urpc_call *call, int fd);

#ifdef __cplusplus
}
#endif

#endif
