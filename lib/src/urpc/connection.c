// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * One thread serves one client connection, as gVisor gives each client a
 * goroutine: calls on a connection are sequential anyway, a handler may block
 * for as long as it likes (gVisor's control methods wait for containers)
 * without holding up other clients, and stop() can tell an idle connection
 * from a busy one by its state alone.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/socket.h>

#include "server_internal.h"

/* Lets urpc_server_stop() refuse to wait for the thread calling it. */
__thread struct urpc_server *urpc_serving;

static bool begin_request(struct urpc_conn *conn)
{
	struct urpc_server *server = conn->server;
	bool ok;

	pthread_mutex_lock(&server->lock);
	ok = conn->state == CONN_IDLE;
	if (ok)
		conn->state = CONN_PROCESSING;
	pthread_mutex_unlock(&server->lock);
	return ok;
}

/* False if stop() asked for the connection to close after this call. */
static bool end_request(struct urpc_conn *conn)
{
	struct urpc_server *server = conn->server;
	bool ok;

	pthread_mutex_lock(&server->lock);
	ok = conn->state == CONN_PROCESSING;
	conn->state = ok ? CONN_IDLE : CONN_CLOSED;
	pthread_mutex_unlock(&server->lock);
	return ok;
}

static int dispatch(struct urpc_conn *conn, struct urpc_call *call)
{
	struct urpc_method method;
	struct urpc_out out;
	int ret;

	if (urpc_server_lookup(conn->server, call->method, &method))
		ret = urpc_encode_result(false, "unknown method", NULL, &out);
	else
		ret = urpc_call_run(call, &method, &out);
	if (!ret)
		ret = urpc_send_message(conn->fd, &out, call->send_fds,
					call->n_send_fds, URPC_NO_DEADLINE);
	urpc_out_release(&out);
	return ret;
}

/* Returns 0 to go on with the next call, or why the connection ends. */
static int serve_one(struct urpc_conn *conn, struct urpc_decoder *dec,
		     int *fds, unsigned int max_fds)
{
	struct urpc_call call = { .fds = fds };
	struct json_object *msg;
	int ret;

	ret = urpc_recv_message(conn->fd, dec, fds, max_fds, &call.nfds, &msg,
				URPC_NO_DEADLINE);
	if (ret <= 0)
		return ret ? ret : -ECONNRESET;
	ret = urpc_parse_call(msg, &call.method, &call.arg);
	if (!ret && !begin_request(conn))
		ret = -ESHUTDOWN;
	if (!ret) {
		ret = dispatch(conn, &call);
		if (!end_request(conn) && !ret)
			ret = -ESHUTDOWN;
	}
	urpc_call_release(&call);
	json_object_put(msg);
	return ret;
}

static void conn_finish(struct urpc_conn *conn)
{
	struct urpc_server *server = conn->server;
	struct urpc_conn **link;

	pthread_mutex_lock(&server->lock);
	for (link = &server->live; *link != conn; link = &(*link)->next)
		;
	*link = conn->next;
	conn->next = server->finished;
	server->finished = conn;
	/* Closed under the lock: stop() must never shut down a reused fd. */
	close(conn->fd);
	conn->state = CONN_CLOSED;
	pthread_cond_broadcast(&server->conn_gone);
	pthread_mutex_unlock(&server->lock);
}

void *urpc_conn_main(void *arg)
{
	struct urpc_conn *conn = arg;
	struct urpc_server *server = conn->server;
	struct urpc_server_limits limits;
	int fds[URPC_SCM_MAX_FD];
	struct urpc_decoder dec;

	urpc_serving = server;
	pthread_mutex_lock(&server->lock);
	limits = server->limits;
	pthread_mutex_unlock(&server->lock);
	if (!urpc_decoder_init(&dec, limits.max_message, limits.max_depth)) {
		while (!serve_one(conn, &dec, fds, limits.max_fds))
			;
		urpc_decoder_fini(&dec);
	}
	conn_finish(conn);
	return NULL;
}
