// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * urpc client: one call at a time per connection (gVisor's Client holds a
 * mutex across the call and urpc has no call ids). A call that fails half
 * way leaves a reply in flight or a request half sent, so the connection is
 * then unusable and says so with -ENOTCONN.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <flipcall/urpc.h>

#include "export.h"
#include "sized.h"
#include "urpc_internal.h"

struct urpc_client {
	pthread_mutex_t lock;
	int fd;
	bool broken;
	struct urpc_decoder dec;
	char *remote_error;
};

FLIPCALL_EXPORT
int urpc_client_adopt(int fd, struct urpc_client **clientp)
{
	struct urpc_client *client;
	int ret;

	if (fd < 0)
		return -EBADF;
	client = calloc(1, sizeof(*client));
	if (!client) {
		close(fd);
		return -ENOMEM;
	}
	ret = urpc_decoder_init(&client->dec, URPC_DEFAULT_MAX_MESSAGE,
				URPC_DEFAULT_MAX_DEPTH);
	if (ret) {
		free(client);
		close(fd);
		return ret;
	}
	pthread_mutex_init(&client->lock, NULL);
	client->fd = fd;
	*clientp = client;
	return 0;
}

/* Shared with the server's listener: a sockaddr_un for path. */
int urpc_unix_address(const char *path, struct sockaddr_un *addr)
{
	size_t len = strlen(path);

	if (!len || len >= sizeof(addr->sun_path))
		return -ENAMETOOLONG;
	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	memcpy(addr->sun_path, path, len);
	return 0;
}

FLIPCALL_EXPORT
int urpc_client_connect(const char *path, struct urpc_client **clientp)
{
	struct sockaddr_un addr;
	int fd, ret;

	ret = urpc_unix_address(path, &addr);
	if (ret)
		return ret;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return urpc_client_adopt(fd, clientp);
}

FLIPCALL_EXPORT
void urpc_client_close(struct urpc_client *client)
{
	if (!client)
		return;
	close(client->fd);
	urpc_decoder_fini(&client->dec);
	pthread_mutex_destroy(&client->lock);
	free(client->remote_error);
	free(client);
}

FLIPCALL_EXPORT
const char *urpc_client_remote_error(const struct urpc_client *client)
{
	return client->remote_error ? client->remote_error : "";
}

/* Hands the reply's descriptors to the caller as far as there is room. */
static void deliver_fds(struct urpc_call_opts *opts, const int *fds,
			unsigned int nfds)
{
	unsigned int kept = nfds < opts->recv_fds_cap ? nfds :
						     opts->recv_fds_cap;

	if (kept)
		memcpy(opts->recv_fds, fds, kept * sizeof(int));
	opts->n_recv_fds = kept;	/* never more than recv_fds holds */
	urpc_close_fds(fds + kept, nfds - kept);
}

static int client_exchange(struct urpc_client *client, const char *method,
			   struct json_object *arg, struct json_object **resultp,
			   struct urpc_call_opts *opts)
{
	int fds[URPC_MAX_FDS];
	struct json_object *reply = NULL, *result;
	unsigned int nfds;
	bool success;
	const char *err;
	struct urpc_out out;
	int64_t deadline;
	int ret;

	deadline = urpc_deadline_after_ms(opts->timeout_ms > 0 ?
					  opts->timeout_ms : -1);
	ret = urpc_encode_call(method, arg, &out);
	if (!ret)
		ret = urpc_send_message(client->fd, &out, opts->send_fds,
					opts->n_send_fds, deadline);
	urpc_out_release(&out);
	if (ret)
		goto broken;
	ret = urpc_recv_message(client->fd, &client->dec, fds, URPC_MAX_FDS,
				&nfds, &reply, deadline);
	if (ret <= 0) {
		ret = ret ? ret : -ECONNRESET;
		goto broken;
	}
	ret = urpc_parse_result(reply, &success, &err, &result);
	if (ret) {
		urpc_close_fds(fds, nfds);
		json_object_put(reply);
		ret = -EPROTO;
		goto broken;
	}
	if (!success) {
		urpc_close_fds(fds, nfds);
		client->remote_error = strdup(err);
		ret = client->remote_error ? -EREMOTEIO : -ENOMEM;
	} else {
		deliver_fds(opts, fds, nfds);
		if (resultp)
			*resultp = json_object_get(result);
	}
	json_object_put(reply);
	return ret;

broken:
	client->broken = true;
	return ret;
}

FLIPCALL_EXPORT
int urpc_client_call(struct urpc_client *client, const char *method,
		     struct json_object *arg, struct json_object **resultp,
		     struct urpc_call_opts *opts)
{
	struct urpc_call_opts o = { .size = sizeof(o) };
	int ret;

	if (!method)
		return -EINVAL;
	if (opts) {
		ret = sized_check(opts, sizeof(o));
		if (ret)
			return ret;
		sized_copy_in(&o, opts, sizeof(o));
		if (SIZED_HAS(opts, struct urpc_call_opts, n_recv_fds))
			opts->n_recv_fds = 0;
	}
	if (o.n_send_fds > URPC_MAX_FDS)
		return -E2BIG;
	if ((o.n_send_fds && !o.send_fds) || (o.recv_fds_cap && !o.recv_fds))
		return -EINVAL;
	if (resultp)
		*resultp = NULL;
	pthread_mutex_lock(&client->lock);
	free(client->remote_error);
	client->remote_error = NULL;
	ret = client->broken ? -ENOTCONN :
	      client_exchange(client, method, arg, resultp, &o);
	pthread_mutex_unlock(&client->lock);
	if (opts && SIZED_HAS(opts, struct urpc_call_opts, n_recv_fds))
		opts->n_recv_fds = o.n_recv_fds;
	return ret;
}
