// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The two message shapes of gVisor's urpc, read and written the way Go's
 * encoding/json treats the structs serverCall and callResult: keys match
 * case-insensitively (ASCII here), the last of duplicate keys wins, null
 * leaves a field at its zero value, unknown keys are ignored and a value of
 * the wrong type is a decoding error, which ends the connection.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <json-c/json.h>

#include "urpc_internal.h"

struct envelope_field {
	const char *key;
	enum json_type type;
	struct json_object **value;
};

static int parse_envelope(struct json_object *msg, struct envelope_field *fields,
			  size_t nfields)
{
	size_t i;

	for (i = 0; i < nfields; i++)
		*fields[i].value = NULL;
	/* Go decodes null into a struct as "leave every field zero". */
	if (!msg)
		return 0;
	if (!json_object_is_type(msg, json_type_object))
		return -EBADMSG;
	json_object_object_foreach(msg, key, val) {
		for (i = 0; i < nfields; i++) {
			if (strcasecmp(key, fields[i].key))
				continue;
			if (val && fields[i].type != json_type_null &&
			    !json_object_is_type(val, fields[i].type))
				return -EBADMSG;
			*fields[i].value = val;
		}
	}
	return 0;
}

int urpc_parse_call(struct json_object *msg, const char **method,
		    struct json_object **arg)
{
	struct json_object *method_obj;
	struct envelope_field fields[] = {
		{ "method", json_type_string, &method_obj },
		{ "arg", json_type_null, arg },	/* any type */
	};
	int ret = parse_envelope(msg, fields, 2);

	if (ret)
		return ret;
	*method = method_obj ? json_object_get_string(method_obj) : "";
	return 0;
}

int urpc_parse_result(struct json_object *msg, bool *success,
		      const char **err, struct json_object **result)
{
	struct json_object *success_obj, *err_obj;
	struct envelope_field fields[] = {
		{ "success", json_type_boolean, &success_obj },
		{ "err", json_type_string, &err_obj },
		{ "result", json_type_null, result },
	};
	int ret = parse_envelope(msg, fields, 3);

	if (ret)
		return ret;
	*success = success_obj && json_object_get_boolean(success_obj);
	*err = err_obj ? json_object_get_string(err_obj) : "";
	return 0;
}

/* Plain output, and "/" left alone as Go leaves it. */
static int encode(struct json_object *obj, char **textp, size_t *lenp)
{
	const char *text;
	size_t len;

	if (!obj)
		return -ENOMEM;
	text = json_object_to_json_string_length(obj,
		JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	*textp = text ? strndup(text, len) : NULL;
	json_object_put(obj);
	if (!*textp)
		return -ENOMEM;
	*lenp = len;
	return 0;
}

static void add_field(struct json_object *obj, const char *key,
		      struct json_object *val)
{
	/* Keys are literals and distinct: json-c may skip its checks. */
	json_object_object_add_ex(obj, key, val,
				  JSON_C_OBJECT_ADD_KEY_IS_NEW |
				  JSON_C_OBJECT_KEY_IS_CONSTANT);
}

int urpc_encode_call(const char *method, struct json_object *arg,
		     char **textp, size_t *lenp)
{
	struct json_object *call = json_object_new_object();
	struct json_object *method_obj = json_object_new_string(method);

	if (!call || !method_obj) {
		json_object_put(call);
		json_object_put(method_obj);
		return -ENOMEM;
	}
	add_field(call, "method", method_obj);
	add_field(call, "arg", json_object_get(arg));
	return encode(call, textp, lenp);
}

int urpc_encode_result(bool success, const char *err,
		       struct json_object *result, char **textp, size_t *lenp)
{
	struct json_object *reply = json_object_new_object();
	struct json_object *success_obj = json_object_new_boolean(success);
	struct json_object *err_obj = json_object_new_string(err ? err : "");

	if (!reply || !success_obj || !err_obj) {
		json_object_put(reply);
		json_object_put(success_obj);
		json_object_put(err_obj);
		return -ENOMEM;
	}
	add_field(reply, "success", success_obj);
	add_field(reply, "err", err_obj);
	add_field(reply, "result", success ? json_object_get(result) : NULL);
	return encode(reply, textp, lenp);
}
