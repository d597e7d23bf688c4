// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The two message shapes of gVisor's urpc, read the way Go's encoding/json
 * decodes the structs serverCall and callResult: keys match
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
