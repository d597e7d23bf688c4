// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Writing calls and replies laid out as Go's json.Marshal lays out gVisor's
 * clientCall and callResult: fields in declaration order, no spaces, no
 * trailing newline. The common messages are a constant frame around one
 * json-c serialization, sent as an iovec without copying; only a method
 * name or error text that needs escaping builds a json-c envelope.
 */
#include <errno.h>
#include <string.h>
#include <json-c/json.h>

#include "urpc_internal.h"

/* Plain output, and "/" left alone as Go leaves it. */
#define SERIALIZE_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

static void set_iov(struct iovec *iov, const char *text, size_t len)
{
	iov->iov_base = (void *)text;
	iov->iov_len = len;
}

/* Serializes obj into out->iov[1]; out->holder keeps the text alive. */
static int serialize_into(struct urpc_out *out, struct json_object *obj)
{
	const char *text;
	size_t len;

	text = json_object_to_json_string_length(obj, SERIALIZE_FLAGS, &len);
	if (!text)
		return -ENOMEM;
	out->holder = json_object_get(obj);
	set_iov(&out->iov[1], text, len);
	return 0;
}

static int serialize_whole(struct urpc_out *out, struct json_object *obj)
{
	int ret;

	if (!obj)
		return -ENOMEM;
	ret = serialize_into(out, obj);
	json_object_put(obj);	/* out->holder has its own reference */
	set_iov(&out->iov[0], "", 0);
	set_iov(&out->iov[2], "", 0);
	return ret;
}

static void add_field(struct json_object *obj, const char *key,
		      struct json_object *val)
{
	/* Keys are literals and distinct: json-c may skip its checks. */
	json_object_object_add_ex(obj, key, val,
				  JSON_C_OBJECT_ADD_KEY_IS_NEW |
				  JSON_C_OBJECT_KEY_IS_CONSTANT);
}

/* Characters a JSON string carries as they are, in either encoder. */
static bool needs_no_escaping(const char *s)
{
	return !s[strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			    "0123456789._- :")];
}

int urpc_encode_call(const char *method, struct json_object *arg,
		     struct urpc_out *out)
{
	static const char head[] = "{\"method\":\"", mid[] = "\",\"arg\":";
	size_t method_len = strlen(method);
	struct json_object *call;

	memset(out, 0, sizeof(*out));
	if (needs_no_escaping(method) &&
	    sizeof(head) + method_len + sizeof(mid) <= sizeof(out->head)) {
		char *at = out->head;

		at = mempcpy(at, head, sizeof(head) - 1);
		at = mempcpy(at, method, method_len);
		at = mempcpy(at, mid, sizeof(mid) - 1);
		set_iov(&out->iov[0], out->head, (size_t)(at - out->head));
		set_iov(&out->iov[2], "}", 1);
		return serialize_into(out, arg);
	}
	call = json_object_new_object();
	if (!call)
		return -ENOMEM;
	add_field(call, "method", json_object_new_string(method));
	add_field(call, "arg", json_object_get(arg));
	return serialize_whole(out, call);
}

int urpc_encode_result(bool success, const char *err,
		       struct json_object *result, struct urpc_out *out)
{
	static const char ok_head[] = "{\"success\":true,\"err\":\"\",\"result\":";
	struct json_object *reply;

	memset(out, 0, sizeof(*out));
	if (success) {
		set_iov(&out->iov[0], ok_head, sizeof(ok_head) - 1);
		set_iov(&out->iov[2], "}", 1);
		return serialize_into(out, result);
	}
	reply = json_object_new_object();
	if (!reply)
		return -ENOMEM;
	add_field(reply, "success", json_object_new_boolean(false));
	add_field(reply, "err", json_object_new_string(err ? err : ""));
	add_field(reply, "result", NULL);
	return serialize_whole(out, reply);
}

void urpc_out_release(struct urpc_out *out)
{
	json_object_put(out->holder);
	out->holder = NULL;
}
