/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The urpc server's state, shared by server.c (lifecycle, registry, stop),
 * connection.c (one thread per client) and call.c (what a handler sees).
 */
#ifndef FLIPCALL_URPC_SERVER_INTERNAL_H
#define FLIPCALL_URPC_SERVER_INTERNAL_H

#include <pthread.h>
#include <flipcall/urpc.h>

#include "urpc_internal.h"

/* gVisor's clientState, with the same transitions. */
enum conn_state {
	CONN_IDLE,		/* waiting for (or reading) a call */
	CONN_PROCESSING,	/* running a handler and replying */
	CONN_CLOSE_REQUESTED,	/* processing; close once the reply is out */
	CONN_CLOSED,		/* socket shut down; the thread is leaving */
};

struct urpc_conn {
	struct urpc_server *server;
	int fd;
	enum conn_state state;
	pthread_t thread;
	struct urpc_conn *next;
};

struct urpc_method {
	char *name;
	urpc_method_fn fn;
	void *data;
};

struct urpc_stopper {
	urpc_stop_fn fn;
	void *data;
};

struct urpc_server {
	pthread_mutex_t lock;
	pthread_cond_t conn_gone;	/* a live connection finished */
	struct urpc_server_limits limits;
	struct urpc_method *methods;	/* sorted by name */
	size_t nmethods;
	struct urpc_stopper *stoppers;
	size_t nstoppers;
	struct urpc_conn *live;		/* connections being served */
	struct urpc_conn *finished;	/* threads to join */
	bool stopping;
	bool stopped;			/* stop() finished; conn_gone says so */
	/* The accept thread, when the server owns a listener. */
	int listen_fd;
	int wake_fd;
	char *unlink_path;
	pthread_t accept_thread;
	bool accepting;
};

struct urpc_call {
	const char *method;
	struct json_object *arg;
	int *fds;			/* received; -1 once taken */
	unsigned int nfds;
	struct json_object *result;
	char *error;
	int send_fds[URPC_MAX_FDS];
	unsigned int n_send_fds;
	bool too_many_fds;
};

/* connection.c */
void *urpc_conn_main(void *arg);
extern __thread struct urpc_server *urpc_serving;
/* server.c: the server whose stop callbacks this thread is running. */
extern __thread struct urpc_server *urpc_stopping;
/* server.c */
int urpc_start_thread(pthread_t *thread, void *(*fn)(void *), void *arg);
int urpc_server_lookup(struct urpc_server *server, const char *name,
		       struct urpc_method *method);
/* listener.c: ends the accept thread, if any. */
void urpc_listener_stop(struct urpc_server *server);
/* call.c: runs the handler and encodes its reply into out. */
int urpc_call_run(struct urpc_call *call, const struct urpc_method *method,
		  struct urpc_out *out);
void urpc_call_release(struct urpc_call *call);

#endif
