// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Finding where one JSON value ends on a stream that has no framing. json-c's
 * tokener is incremental, so each read is fed as it arrives; the tokener
 * reports where the value ended inside the last read. Strict mode keeps to
 * RFC 8259 where json-c would otherwise accept comments, trailing commas and
 * leading zeros, which gVisor's Go decoder rejects.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "urpc_internal.h"

#define DECODER_MIN_CAP		4096
#define DECODER_MIN_ROOM	1024
/* A buffer grown past this for one big message is given back afterwards. */
#define DECODER_KEEP_CAP	(1u << 20)

int urpc_decoder_init(struct urpc_decoder *dec, size_t max_message,
		      unsigned int max_depth)
{
	if (!max_message || max_message > INT_MAX || !max_depth ||
	    max_depth > INT_MAX - 1)
		return -EINVAL;
	memset(dec, 0, sizeof(*dec));
	/* json-c counts the outermost value as one level. */
	dec->tok = json_tokener_new_ex((int)max_depth + 1);
	if (!dec->tok)
		return -ENOMEM;
	json_tokener_set_flags(dec->tok, JSON_TOKENER_STRICT |
					 JSON_TOKENER_ALLOW_TRAILING_CHARS);
	dec->max_message = max_message;
	return 0;
}

void urpc_decoder_fini(struct urpc_decoder *dec)
{
	if (dec->tok)
		json_tokener_free(dec->tok);
	free(dec->buf);
	memset(dec, 0, sizeof(*dec));
}

int urpc_decoder_space(struct urpc_decoder *dec, char **dst, size_t *room)
{
	size_t allowed = dec->max_message - dec->len;

	if (!allowed)
		return -EMSGSIZE;
	if (dec->cap - dec->len < DECODER_MIN_ROOM && dec->cap < dec->max_message) {
		size_t cap = dec->cap ? dec->cap * 2 : DECODER_MIN_CAP;
		char *buf;

		if (cap > dec->max_message)
			cap = dec->max_message;
		buf = realloc(dec->buf, cap);
		if (!buf)
			return -ENOMEM;
		dec->buf = buf;
		dec->cap = cap;
	}
	*dst = dec->buf + dec->len;
	*room = dec->cap - dec->len < allowed ? dec->cap - dec->len : allowed;
	return 0;
}

static void decoder_next_message(struct urpc_decoder *dec)
{
	json_tokener_reset(dec->tok);
	dec->len = 0;
	if (dec->cap > DECODER_KEEP_CAP) {
		free(dec->buf);
		dec->buf = NULL;
		dec->cap = 0;
	}
}

int urpc_decoder_commit(struct urpc_decoder *dec, size_t n,
			struct json_object **valuep)
{
	struct json_object *value;
	enum json_tokener_error err;
	size_t end;
	int ret;

	value = json_tokener_parse_ex(dec->tok, dec->buf + dec->len, (int)n);
	err = json_tokener_get_error(dec->tok);
	if (err == json_tokener_continue) {
		dec->len += n;
		return 0;
	}
	if (err != json_tokener_success) {
		decoder_next_message(dec);
		return -EBADMSG;
	}
	end = dec->len + json_tokener_get_parse_end(dec->tok);
	ret = urpc_numbers_as_go(dec->buf, end, &value);
	decoder_next_message(dec);
	if (ret) {
		json_object_put(value);
		return ret;
	}
	*valuep = value;
	return 1;
}

int urpc_decoder_eof(struct urpc_decoder *dec)
{
	size_t i;

	for (i = 0; i < dec->len; i++)
		if (!strchr(" \t\r\n", dec->buf[i]))
			return -EBADMSG;
	return 0;
}
