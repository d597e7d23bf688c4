// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The stream decoder, envelope parser and number check on their own,
 * without sockets: value boundaries, limits and what counts as malformed.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>

#include "kselftest_harness.h"
#include "urpc/urpc_internal.h"

/* Feeds text in pieces of step bytes; returns the commit result. */
static int feed(struct urpc_decoder *dec, const char *text, size_t step,
		struct json_object **value)
{
	size_t len = strlen(text), off = 0;
	int ret = 0;

	while (off < len && !ret) {
		size_t room, n;
		char *dst;

		ret = urpc_decoder_space(dec, &dst, &room);
		if (ret)
			return ret;
		n = len - off < step ? len - off : step;
		n = n < room ? n : room;
		memcpy(dst, text + off, n);
		off += n;
		ret = urpc_decoder_commit(dec, n, value);
	}
	return ret;
}

FIXTURE(decoder) {
	struct urpc_decoder dec;
	struct json_object *value;
};

FIXTURE_SETUP(decoder)
{
	ASSERT_EQ(0, urpc_decoder_init(&self->dec, 1024, 4));
	self->value = NULL;
}

FIXTURE_TEARDOWN(decoder)
{
	json_object_put(self->value);
	urpc_decoder_fini(&self->dec);
}

TEST_F(decoder, value_in_one_piece_and_in_bytes)
{
	const char *text = "{\"method\":\"A.B\",\"arg\":[1,{\"x\":\"}\"}]}";
	size_t steps[] = { 1000, 1, 3 };
	unsigned int i;

	for (i = 0; i < 3; i++) {
		ASSERT_EQ(1, feed(&self->dec, text, steps[i], &self->value));
		ASSERT_STREQ("{\"method\":\"A.B\",\"arg\":[1,{\"x\":\"}\"}]}",
			     json_object_to_json_string_ext(self->value,
				JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(self->value);
		self->value = NULL;
	}
}

TEST_F(decoder, trailing_bytes_dropped_next_message_clean)
{
	ASSERT_EQ(1, feed(&self->dec, "{\"a\":1}garbage{", 100, &self->value));
	json_object_put(self->value);
	self->value = NULL;
	ASSERT_EQ(0, urpc_decoder_eof(&self->dec));
	ASSERT_EQ(1, feed(&self->dec, "[2]", 100, &self->value));
	ASSERT_EQ(2, json_object_get_int(json_object_array_get_idx(self->value, 0)));
}

TEST_F(decoder, incomplete_then_eof)
{
	ASSERT_EQ(0, feed(&self->dec, "{\"a\":", 100, &self->value));
	ASSERT_EQ(-EBADMSG, urpc_decoder_eof(&self->dec));
}

TEST_F(decoder, whitespace_then_eof_is_clean)
{
	ASSERT_EQ(0, feed(&self->dec, " \r\n\t", 100, &self->value));
	ASSERT_EQ(0, urpc_decoder_eof(&self->dec));
}

TEST_F(decoder, malformed)
{
	const char *bad[] = { "{\"a\" 1}", "[1,]", "/*x*/{}",
			      "[01]", "{\"a\":-}", "]", "[.5]" };
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *text = bad[i];

		EXPECT_EQ(-EBADMSG, feed(&self->dec, text, 100, &self->value)) TH_LOG("%s", text);
	}
}

TEST_F(decoder, depth_limit)
{
	ASSERT_EQ(1, feed(&self->dec, "[[[[1]]]]", 100, &self->value));
	ASSERT_EQ(-EBADMSG, feed(&self->dec, "[[[[[1]]]]]", 100, &self->value));
}

TEST_F(decoder, size_limit)
{
	char big[1100];

	memset(big, ' ', sizeof(big));
	big[sizeof(big) - 1] = '\0';
	ASSERT_EQ(-EMSGSIZE, feed(&self->dec, big, 4096, &self->value));
}

/* Parses text as the decoder does and serializes the outcome. */
static const char *as_go(const char *text, struct json_object **value)
{
	*value = json_tokener_parse(text);
	if (urpc_numbers_as_go(text, strlen(text), value))
		return "ENOMEM";
	return json_object_to_json_string_ext(*value, JSON_C_TO_STRING_PLAIN);
}

/*
 * Integers beyond int64/uint64 and -0 become doubles keeping their text;
 * what fits stays an integer; strings and other words are left alone.
 */
TEST(numbers_as_go)
{
	static const char *const same[] = {
		"[18446744073709551615,-9223372036854775808,1e99999,1.50]",
		"[100000000000000000000,-100000000000000000000,-10000000000000000000,-0,1e+21]",
		"{\"a\\\\\":99999999999999999999,\"b\":\"-0\",\"c\":[-0.0,-0e0]}",
		"[\"99999999999999999999\\\"9\",NaN,-Infinity]",
		"-0", "18446744073709551616",
	};
	struct json_object *v;
	size_t i;

	for (i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		EXPECT_STREQ(same[i], as_go(same[i], &v));
		json_object_put(v);
	}
	as_go("[18446744073709551616,-9223372036854775809,18446744073709551615,-0,0]", &v);
	EXPECT_TRUE(json_object_is_type(json_object_array_get_idx(v, 0), json_type_double));
	EXPECT_EQ(18446744073709551616.0, json_object_get_double(json_object_array_get_idx(v, 0)));
	EXPECT_TRUE(json_object_is_type(json_object_array_get_idx(v, 1), json_type_double));
	EXPECT_TRUE(json_object_is_type(json_object_array_get_idx(v, 2), json_type_int));
	EXPECT_TRUE(json_object_is_type(json_object_array_get_idx(v, 3), json_type_double));
	EXPECT_TRUE(signbit(json_object_get_double(json_object_array_get_idx(v, 3))));
	EXPECT_TRUE(json_object_is_type(json_object_array_get_idx(v, 4), json_type_int));
	json_object_put(v);
	/* Duplicate keys: the last one wins, as json-c decided. */
	EXPECT_STREQ("{\"a\":[5,1.5],\"b\":-0,\"c\":\"x\"}",
		     as_go("{\"a\":[100000000000000000000,-0],\"a\":[5,1.5],\"b\":1,\"b\":-0,"
			   "\"c\":-0,\"c\":\"x\"}", &v));
	json_object_put(v);
	EXPECT_STREQ("{\"k\":{\"x\":7}}",
		     as_go("{\"k\":{\"x\":-10000000000000000000},\"k\":{\"x\":7}}", &v));
	json_object_put(v);
}

TEST(parse_call_envelope)
{
	struct json_object *msg, *arg;
	const char *method;

	msg = json_tokener_parse("{\"Arg\":[1],\"METHOD\":\"T.M\",\"x\":1}");
	ASSERT_EQ(0, urpc_parse_call(msg, &method, &arg));
	ASSERT_STREQ("T.M", method);
	ASSERT_EQ(1, json_object_array_length(arg));
	json_object_put(msg);
	ASSERT_EQ(0, urpc_parse_call(NULL, &method, &arg));
	ASSERT_STREQ("", method);
	msg = json_tokener_parse("{\"method\":null}");
	ASSERT_EQ(0, urpc_parse_call(msg, &method, &arg));
	ASSERT_STREQ("", method);
	json_object_put(msg);
	msg = json_tokener_parse("{\"method\":1}");
	ASSERT_EQ(-EBADMSG, urpc_parse_call(msg, &method, &arg));
	json_object_put(msg);
	msg = json_tokener_parse("[]");
	ASSERT_EQ(-EBADMSG, urpc_parse_call(msg, &method, &arg));
	json_object_put(msg);
}

TEST(parse_result_envelope)
{
	struct json_object *msg, *result;
	const char *err;
	bool success;

	msg = json_tokener_parse("{\"success\":true,\"err\":\"\",\"result\":{}}");
	ASSERT_EQ(0, urpc_parse_result(msg, &success, &err, &result));
	ASSERT_TRUE(success);
	ASSERT_TRUE(json_object_is_type(result, json_type_object));
	json_object_put(msg);
	msg = json_tokener_parse("{\"success\":null,\"err\":null}");
	ASSERT_EQ(0, urpc_parse_result(msg, &success, &err, &result));
	ASSERT_FALSE(success);
	ASSERT_STREQ("", err);
	json_object_put(msg);
	msg = json_tokener_parse("{\"success\":1}");
	ASSERT_EQ(-EBADMSG, urpc_parse_result(msg, &success, &err, &result));
	json_object_put(msg);
}

/* Flattens an encoded message and compares it with want. */
static bool encodes_to(struct urpc_out *out, const char *want)
{
	char text[256];
	size_t len = 0;
	int i;

	for (i = 0; i < 3; i++) {
		memcpy(text + len, out->iov[i].iov_base, out->iov[i].iov_len);
		len += out->iov[i].iov_len;
	}
	urpc_out_release(out);
	if (len == strlen(want) && !memcmp(text, want, len))
		return true;
	fprintf(stderr, "# want %s\n# got  %.*s\n", want, (int)len, text);
	return false;
}

TEST(encode_matches_go_layout)
{
	struct json_object *arg = json_tokener_parse("{\"p\":\"a/b\"}");
	struct urpc_out out;

	ASSERT_EQ(0, urpc_encode_call("T.M", arg, &out));
	ASSERT_TRUE(encodes_to(&out, "{\"method\":\"T.M\",\"arg\":{\"p\":\"a/b\"}}"));
	ASSERT_EQ(0, urpc_encode_call("T.M", NULL, &out));
	ASSERT_TRUE(encodes_to(&out, "{\"method\":\"T.M\",\"arg\":null}"));
	/* A name that needs escaping takes the json-c path. */
	ASSERT_EQ(0, urpc_encode_call("T.\"M\"", NULL, &out));
	ASSERT_TRUE(encodes_to(&out, "{\"method\":\"T.\\\"M\\\"\",\"arg\":null}"));
	ASSERT_EQ(0, urpc_encode_result(true, "", arg, &out));
	ASSERT_TRUE(encodes_to(&out, "{\"success\":true,\"err\":\"\",\"result\":{\"p\":\"a/b\"}}"));
	ASSERT_EQ(0, urpc_encode_result(false, "e\"x", arg, &out));
	ASSERT_TRUE(encodes_to(&out, "{\"success\":false,\"err\":\"e\\\"x\",\"result\":null}"));
	json_object_put(arg);
}

TEST(init_rejects_bad_limits)
{
	struct urpc_decoder dec;

	ASSERT_EQ(-EINVAL, urpc_decoder_init(&dec, 0, 4));
	ASSERT_EQ(-EINVAL, urpc_decoder_init(&dec, 10, 0));
}

TEST_HARNESS_MAIN
