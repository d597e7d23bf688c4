// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * What a method handler sees of one call, and how its outcome becomes the
 * reply gVisor's server would send: an error leaves result null, and a
 * successful result with more than maxFiles descriptors turns into
 * "too many files".
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "export.h"
#include "server_internal.h"

FLIPCALL_EXPORT
const char *urpc_call_method(const struct urpc_call *call)
{
	return call->method;
}

FLIPCALL_EXPORT
struct json_object *urpc_call_arg(const struct urpc_call *call)
{
	return call->arg;
}

FLIPCALL_EXPORT
unsigned int urpc_call_nfds(const struct urpc_call *call)
{
	return call->nfds;
}

FLIPCALL_EXPORT
int urpc_call_take_fd(struct urpc_call *call, unsigned int i)
{
	int fd;

	if (i >= call->nfds)
		return -ENOENT;
	fd = call->fds[i];
	if (fd < 0)
		return -EBADF;
	call->fds[i] = -1;
	return fd;
}

FLIPCALL_EXPORT
int urpc_call_set_result(struct urpc_call *call, struct json_object *result)
{
	json_object_put(call->result);
	call->result = result;
	return 0;
}

FLIPCALL_EXPORT
int urpc_call_set_error(struct urpc_call *call, const char *fmt, ...)
{
	char *error;
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vasprintf(&error, fmt, ap);
	va_end(ap);
	if (ret < 0)
		return -ENOMEM;
	free(call->error);
	call->error = error;
	return 0;
}

FLIPCALL_EXPORT
int urpc_call_send_fd(struct urpc_call *call, int fd)
{
	if (fd < 0)
		return -EBADF;
	if (call->n_send_fds == URPC_MAX_FDS) {
		close(fd);
		call->too_many_fds = true;
		return -E2BIG;
	}
	call->send_fds[call->n_send_fds++] = fd;
	return 0;
}

static const char *failure_text(const struct urpc_call *call, int ret)
{
	const char *text;

	if (call->error)
		return call->error;
	text = ret < 0 ? strerrordesc_np(-ret) : NULL;
	return text ? text : "method failed";
}

/* Descriptors go only with a successful reply. */
static int reply_failure(struct urpc_call *call, const char *text,
			 struct urpc_out *out)
{
	urpc_close_fds(call->send_fds, call->n_send_fds);
	call->n_send_fds = 0;
	return urpc_encode_result(false, text, NULL, out);
}

int urpc_call_run(struct urpc_call *call, const struct urpc_method *method,
		  struct urpc_out *out)
{
	int ret = method->fn(call, method->data);

	if (ret)
		return reply_failure(call, failure_text(call, ret), out);
	if (call->too_many_fds)
		return reply_failure(call, "too many files", out);
	return urpc_encode_result(true, "", call->result, out);
}

void urpc_call_release(struct urpc_call *call)
{
	unsigned int i;

	for (i = 0; i < call->nfds; i++)
		if (call->fds[i] >= 0)
			close(call->fds[i]);
	urpc_close_fds(call->send_fds, call->n_send_fds);
	json_object_put(call->result);
	free(call->error);
}
