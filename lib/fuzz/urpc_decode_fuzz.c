// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libFuzzer target for the urpc message decoder: the first input byte picks
 * how the rest is cut into reads, the rest is the stream as a peer would
 * send it. Every decoded value goes through both envelope parsers and is
 * re-encoded, as the server and client would.
 */
#include <stdint.h>
#include <string.h>
#include <json-c/json.h>

#include "urpc/urpc_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void use_value(struct json_object *value)
{
	struct json_object *arg, *result;
	const char *method, *err;
	struct urpc_out out;
	bool success;

	if (!urpc_parse_call(value, &method, &arg)) {
		urpc_encode_call(method, arg, &out);
		urpc_out_release(&out);
	}
	if (!urpc_parse_result(value, &success, &err, &result)) {
		urpc_encode_result(success, err, result, &out);
		urpc_out_release(&out);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct urpc_decoder dec;
	size_t step, off = 1;

	if (size < 1 || urpc_decoder_init(&dec, 1 << 16, 64))
		return 0;
	step = data[0] ? data[0] : 4096;
	while (off < size) {
		struct json_object *value = NULL;
		size_t room, n = size - off < step ? size - off : step;
		char *dst;
		int ret;

		if (urpc_decoder_space(&dec, &dst, &room))
			break;
		n = n < room ? n : room;
		memcpy(dst, data + off, n);
		off += n;
		ret = urpc_decoder_commit(&dec, n, &value);
		if (ret == 1) {
			use_value(value);
			json_object_put(value);
		}
	}
	urpc_decoder_eof(&dec);
	urpc_decoder_fini(&dec);
	return 0;
}
