// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The urpc server against hostile and broken peers: every kind of bad input
 * must close that one connection (or answer with an error, as gVisor does),
 * never crash the server, and leave no descriptor open once it stops. Also
 * gVisor's stop protocol and concurrent clients.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <json-c/json.h>

#include "kselftest_harness.h"
#include "urpc_test_util.h"

#define ECHO_REPLY_1 "{\"success\":true,\"err\":\"\",\"result\":1}"

/* Sends req and reads back exactly want; prints what came instead. */
static int exchange(int peer, const char *req, const char *want)
{
	char got[4096];
	ssize_t n;

	if (send_str(peer, req))
		return -EIO;
	n = recv_raw(peer, got, strlen(want), NULL, NULL, 2000);
	if (n != (ssize_t)strlen(want) || memcmp(got, want, strlen(want))) {
		fprintf(stderr, "# sent %s\n# want %s\n# got  %.*s\n", req,
			want, n > 0 ? (int)n : 0, got);
		return -EBADMSG;
	}
	return 0;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

FIXTURE(server) {
	struct urpc_server *server;
	int peer;
	int fds_before;
};

FIXTURE_SETUP(server)
{
	self->fds_before = count_open_fds();
	ASSERT_EQ(0, urpc_server_new(&self->server));
	ASSERT_EQ(0, register_test_methods(self->server));
	self->peer = serve_socketpair(self->server);
	ASSERT_LE(0, self->peer);
}

/* Stopping joins every connection thread: whatever is still open leaked. */
FIXTURE_TEARDOWN(server)
{
	close(self->peer);
	urpc_server_destroy(self->server);
	EXPECT_EQ(self->fds_before, count_open_fds());
}

TEST_F(server, echo)
{
	ASSERT_EQ(0, exchange(self->peer,
			      "{\"method\":\"Test.Echo\",\"arg\":{\"a\":[1,\"x/y\",null,true]}}",
			      "{\"success\":true,\"err\":\"\",\"result\":{\"a\":[1,\"x/y\",null,true]}}"));
}

TEST_F(server, unknown_method)
{
	ASSERT_EQ(0, exchange(self->peer, "{\"method\":\"Test.Nope\",\"arg\":null}",
			      "{\"success\":false,\"err\":\"unknown method\",\"result\":null}"));
	/* The connection stays usable. */
	ASSERT_EQ(0, exchange(self->peer, "{\"method\":\"Test.Echo\",\"arg\":1}",
			      ECHO_REPLY_1));
}

/*
 * Go decodes null into the call struct as an empty call. A bare literal
 * ends only at the next byte, for Go's decoder as for json-c.
 */
TEST_F(server, null_message_is_unknown_method)
{
	ASSERT_EQ(0, exchange(self->peer, "null ",
			      "{\"success\":false,\"err\":\"unknown method\",\"result\":null}"));
}

TEST_F(server, handler_error)
{
	ASSERT_EQ(0, exchange(self->peer, "{\"method\":\"Test.Fail\",\"arg\":\"boom\"}",
			      "{\"success\":false,\"err\":\"failed: boom\",\"result\":null}"));
}

TEST_F(server, keys_match_case_insensitively)
{
	ASSERT_EQ(0, exchange(self->peer, "{\"ARG\":1,\"Method\":\"Test.Echo\"}",
			      ECHO_REPLY_1));
}

TEST_F(server, missing_arg_is_null)
{
	ASSERT_EQ(0, exchange(self->peer, "{\"method\":\"Test.Echo\"}",
			      "{\"success\":true,\"err\":\"\",\"result\":null}"));
}

TEST_F(server, call_split_into_single_bytes)
{
	const char *req = " {\"method\" : \"Test.Echo\",\n\"arg\":1}";
	char reply[64];
	size_t i;

	for (i = 0; req[i]; i++)
		ASSERT_EQ(1, send_raw(self->peer, req + i, 1, NULL, 0));
	ASSERT_EQ((ssize_t)strlen(ECHO_REPLY_1),
		  recv_raw(self->peer, reply, strlen(ECHO_REPLY_1), NULL, NULL, 2000));
	ASSERT_EQ(0, memcmp(reply, ECHO_REPLY_1, strlen(ECHO_REPLY_1)));
}

/* Like gVisor's decoder, bytes read past the value are dropped. */
TEST_F(server, bytes_after_value_dropped)
{
	ASSERT_EQ(0, exchange(self->peer,
			      "{\"method\":\"Test.Echo\",\"arg\":1}{\"method\":\"Test.Fail\"",
			      ECHO_REPLY_1));
	ASSERT_EQ(0, exchange(self->peer, "{\"method\":\"Test.Echo\",\"arg\":1}",
			      ECHO_REPLY_1));
}

TEST_F(server, truncated_json_then_eof)
{
	ASSERT_EQ(0, send_str(self->peer, "{\"method\":\"Test.Echo\",\"arg\":{\"a\":"));
	ASSERT_EQ(0, shutdown(self->peer, SHUT_WR));
	ASSERT_TRUE(peer_closed(self->peer, 2000));
}

TEST_F(server, malformed_json_closes)
{
	ASSERT_EQ(0, send_str(self->peer, "{\"method\":,\"arg\":1}"));
	ASSERT_TRUE(peer_closed(self->peer, 2000));
}

/* json-c's extensions are off: what Go rejects is rejected. */
TEST_F(server, comment_and_trailing_comma_rejected)
{
	ASSERT_EQ(0, send_str(self->peer, "{\"method\":\"Test.Echo\",\"arg\":[1,],}"));
	ASSERT_TRUE(peer_closed(self->peer, 2000));
}

TEST_F(server, raw_nul_byte_closes)
{
	ASSERT_EQ(10, send_raw(self->peer, "{\"method\0\":", 10, NULL, 0));
	ASSERT_TRUE(peer_closed(self->peer, 2000));
}

/* Go reads integers beyond int64/uint64 as float64; the text stays. */
TEST_F(server, huge_integers_come_through)
{
	ASSERT_EQ(0, exchange(self->peer,
			      "{\"method\":\"Test.Echo\",\"arg\":{\"n\":123456789012345678901234567890}}",
			      "{\"success\":true,\"err\":\"\",\"result\":{\"n\":123456789012345678901234567890}}"));
	ASSERT_EQ(0, exchange(self->peer,
			      "{\"method\":\"Test.Echo\",\"arg\":[18446744073709551615,-9223372036854775808,"
			      "-9223372036854775809,1e999,1.50]}",
			      "{\"success\":true,\"err\":\"\",\"result\":[18446744073709551615,-9223372036854775808,"
			      "-9223372036854775809,1e999,1.50]}"));
}

static char *nested_arrays(unsigned int depth)
{
	char *text = malloc(2 * depth + 64);
	size_t len;

	len = (size_t)sprintf(text, "{\"method\":\"Test.Echo\",\"arg\":");
	memset(text + len, '[', depth);
	memset(text + len + depth, ']', depth);
	strcpy(text + len + 2 * depth, "}");
	return text;
}

TEST_F(server, deep_nesting_closes)
{
	/* The call object is one level, arg's arrays the rest. */
	char *ok = nested_arrays(URPC_DEFAULT_MAX_DEPTH - 1);
	char *deep = nested_arrays(100000);

	ASSERT_EQ(0, send_str(self->peer, ok));
	ASSERT_FALSE(peer_closed(self->peer, 500));
	{
		char buf[4096];

		recv_raw(self->peer, buf, sizeof(buf), NULL, NULL, 200);
	}
	ASSERT_EQ(0, send_str(self->peer, deep));
	ASSERT_TRUE(peer_closed(self->peer, 2000));
	free(ok);
	free(deep);
}

TEST_F(server, non_object_messages_close)
{
	const char *bad[] = { "[1,2]", "\"Test.Echo\"", "5 ", "true " };
	unsigned int i;

	for (i = 0; i < 4; i++) {
		int peer = serve_socketpair(self->server);

		ASSERT_LE(0, peer);
		ASSERT_EQ(0, send_str(peer, bad[i]));
		EXPECT_TRUE(peer_closed(peer, 2000)) TH_LOG("kept open after %s", bad[i]);
		close(peer);
	}
}

TEST_F(server, wrong_field_types_close)
{
	const char *bad[] = {
		"{\"method\":5,\"arg\":null}",
		"{\"method\":[\"Test.Echo\"],\"arg\":null}",
		"{\"method\":{},\"arg\":null}",
	};
	unsigned int i;

	for (i = 0; i < 3; i++) {
		int peer = serve_socketpair(self->server);

		ASSERT_LE(0, peer);
		ASSERT_EQ(0, send_str(peer, bad[i]));
		EXPECT_TRUE(peer_closed(peer, 2000)) TH_LOG("kept open after %s", bad[i]);
		close(peer);
	}
}

TEST_F(server, more_than_128_fds_closes)
{
	const char *req = "{\"method\":\"Test.CountFiles\",\"arg\":null}";
	int fds[129];

	open_null_fds(fds, 129);
	ASSERT_EQ((ssize_t)strlen(req),
		  send_raw(self->peer, req, strlen(req), fds, 129));
	close_fds(fds, 129);
	ASSERT_TRUE(peer_closed(self->peer, 2000));
}

TEST_F(server, fds_then_eof_without_json)
{
	int fds[3];

	open_null_fds(fds, 3);
	ASSERT_EQ(1, send_raw(self->peer, " ", 1, fds, 3));
	close_fds(fds, 3);
	ASSERT_EQ(0, shutdown(self->peer, SHUT_WR));
	ASSERT_TRUE(peer_closed(self->peer, 2000));
}

TEST_F(server, fds_with_garbage)
{
	int fds[3];

	open_null_fds(fds, 3);
	ASSERT_EQ(1, send_raw(self->peer, "x", 1, fds, 3));
	close_fds(fds, 3);
	ASSERT_TRUE(peer_closed(self->peer, 2000));
}

TEST_F(server, peer_closes_mid_message)
{
	int fds[2];

	open_null_fds(fds, 2);
	ASSERT_EQ(5, send_raw(self->peer, "{\"met", 5, fds, 2));
	close_fds(fds, 2);
	close(self->peer);
	self->peer = -1;
	/* The server's end and the two received fds go away by themselves. */
	ASSERT_EQ(self->fds_before, wait_open_fds(self->fds_before, 2000));
}

TEST(message_size_limit)
{
	struct urpc_server_limits limits = { .size = sizeof(limits), .max_message = 256 };
	struct urpc_server *server;
	char big[512];
	int before = count_open_fds(), peer;

	ASSERT_EQ(0, urpc_server_new(&server));
	ASSERT_EQ(0, register_test_methods(server));
	ASSERT_EQ(0, urpc_server_set_limits(server, &limits));
	peer = serve_socketpair(server);
	ASSERT_LE(0, peer);
	/* Exactly at the limit is fine. */
	memset(big, ' ', sizeof(big));
	memcpy(big + 256 - strlen("{\"method\":\"Test.Echo\",\"arg\":1}"),
	       "{\"method\":\"Test.Echo\",\"arg\":1}",
	       strlen("{\"method\":\"Test.Echo\",\"arg\":1}"));
	big[256] = '\0';
	ASSERT_EQ(0, exchange(peer, big, ECHO_REPLY_1));
	memset(big, ' ', sizeof(big));
	big[sizeof(big) - 1] = '\0';
	ASSERT_EQ(0, send_str(peer, big));
	ASSERT_TRUE(peer_closed(peer, 2000));
	close(peer);
	urpc_server_destroy(server);
	ASSERT_EQ(before, count_open_fds());
}

/* The deepest nesting allowed is echoed whole (json-c recurses). */
TEST(deepest_allowed_nesting_echoes)
{
	struct urpc_server_limits limits = { .size = sizeof(limits), .max_depth = 10000 };
	struct urpc_server *server;
	char *req = nested_arrays(9999), *reply;
	size_t want = strlen("{\"success\":true,\"err\":\"\",\"result\":") + 2 * 9999 + 1;
	int peer;

	ASSERT_EQ(0, urpc_server_new(&server));
	ASSERT_EQ(0, register_test_methods(server));
	ASSERT_EQ(0, urpc_server_set_limits(server, &limits));
	peer = serve_socketpair(server);
	ASSERT_LE(0, peer);
	reply = malloc(want);
	ASSERT_EQ(0, send_str(peer, req));
	ASSERT_EQ((ssize_t)want, recv_raw(peer, reply, want, NULL, NULL, 5000));
	ASSERT_EQ('[', reply[want - 9999 - 2]);
	ASSERT_EQ(']', reply[want - 9999 - 1]);
	ASSERT_EQ('}', reply[want - 1]);
	close(peer);
	urpc_server_destroy(server);
	free(req);
	free(reply);
}

TEST(limits_validated)
{
	struct urpc_server_limits limits = { .size = sizeof(limits), .max_fds = 254 };
	struct urpc_server *server;

	ASSERT_EQ(0, urpc_server_new(&server));
	ASSERT_EQ(-EINVAL, urpc_server_set_limits(server, &limits));
	limits = (struct urpc_server_limits){ .size = sizeof(limits), .max_message = 1ull << 40 };
	ASSERT_EQ(-EINVAL, urpc_server_set_limits(server, &limits));
	limits = (struct urpc_server_limits){ .size = sizeof(limits), .max_depth = 10001 };
	ASSERT_EQ(-EINVAL, urpc_server_set_limits(server, &limits));
	limits = (struct urpc_server_limits){ .size = sizeof(limits), .max_depth = 10000, .max_fds = 253 };
	ASSERT_EQ(0, urpc_server_set_limits(server, &limits));
	urpc_server_destroy(server);
}

/* urpc_server_limits is sized: older structs keep the defaults they lack. */
TEST(limits_sized)
{
	union {
		struct urpc_server_limits l;
		unsigned char bytes[sizeof(struct urpc_server_limits) + 8];
	} u;
	struct urpc_server *server;

	ASSERT_EQ(0, urpc_server_new(&server));
	memset(&u, 0, sizeof(u));
	EXPECT_EQ(-EINVAL, urpc_server_set_limits(server, &u.l));
	EXPECT_EQ(-EINVAL, urpc_server_set_limits(server, NULL));
	u.l.size = sizeof(u);
	EXPECT_EQ(0, urpc_server_set_limits(server, &u.l));
	u.bytes[sizeof(u) - 1] = 1;
	EXPECT_EQ(-EINVAL, urpc_server_set_limits(server, &u.l));
	/* An older caller knew only max_message; max_fds 999 lies past it. */
	memset(&u, 0, sizeof(u));
	u.l.size = offsetof(struct urpc_server_limits, max_depth);
	u.l.max_message = 4096;
	u.l.max_fds = 999;
	EXPECT_EQ(0, urpc_server_set_limits(server, &u.l));
	urpc_server_destroy(server);
}

TEST(register_validates_names)
{
	struct urpc_server *server;

	ASSERT_EQ(0, urpc_server_new(&server));
	ASSERT_EQ(0, register_test_methods(server));
	ASSERT_EQ(-EEXIST, urpc_server_register(server, "Test.Echo",
						(urpc_method_fn)1, NULL));
	ASSERT_EQ(-EINVAL, urpc_server_register(server, "Echo", (urpc_method_fn)1, NULL));
	ASSERT_EQ(-EINVAL, urpc_server_register(server, ".Echo", (urpc_method_fn)1, NULL));
	ASSERT_EQ(-EINVAL, urpc_server_register(server, "Test.", (urpc_method_fn)1, NULL));
	ASSERT_EQ(-EINVAL, urpc_server_register(server, "A.B.C", (urpc_method_fn)1, NULL));
	ASSERT_EQ(-EINVAL, urpc_server_register(server, "A.B", NULL, NULL));
	urpc_server_destroy(server);
}

TEST_F(server, fds_counted_and_closed_after_call)
{
	const char *req = "{\"method\":\"Test.CountFiles\",\"arg\":null}";
	const char *want = "{\"success\":true,\"err\":\"\",\"result\":{\"N\":2}}";
	char reply[128];
	int fds[2];

	open_null_fds(fds, 2);
	ASSERT_EQ((ssize_t)strlen(req),
		  send_raw(self->peer, req, strlen(req), fds, 2));
	close_fds(fds, 2);
	ASSERT_EQ((ssize_t)strlen(want),
		  recv_raw(self->peer, reply, strlen(want), NULL, NULL, 2000));
	ASSERT_EQ(0, memcmp(reply, want, strlen(want)));
	/* The server closed both after the call. */
	ASSERT_EQ(self->fds_before + 2, wait_open_fds(self->fds_before + 2, 2000));
}

TEST_F(server, result_fds_sent)
{
	const char *want = "{\"success\":true,\"err\":\"\",\"result\":3}";
	unsigned int nfds = 8;
	char reply[128];
	int fds[8];

	ASSERT_EQ(0, send_str(self->peer, "{\"method\":\"Test.SendFiles\",\"arg\":3}"));
	ASSERT_EQ((ssize_t)strlen(want),
		  recv_raw(self->peer, reply, strlen(want), fds, &nfds, 2000));
	ASSERT_EQ(0, memcmp(reply, want, strlen(want)));
	ASSERT_EQ(3, nfds);
	close_fds(fds, 3);
}

TEST_F(server, too_many_result_fds)
{
	ASSERT_EQ(0, exchange(self->peer, "{\"method\":\"Test.SendFiles\",\"arg\":129}",
			      "{\"success\":false,\"err\":\"too many files\",\"result\":null}"));
}

TEST_F(server, bad_client_does_not_hurt_others)
{
	int bad = serve_socketpair(self->server);

	ASSERT_LE(0, bad);
	ASSERT_EQ(0, send_str(bad, "}{"));
	ASSERT_TRUE(peer_closed(bad, 2000));
	close(bad);
	ASSERT_EQ(0, exchange(self->peer, "{\"method\":\"Test.Echo\",\"arg\":1}",
			      ECHO_REPLY_1));
}

#define CONCURRENT_CLIENTS	8
#define CALLS_PER_CLIENT	200

static void *client_loop(void *arg)
{
	struct urpc_client *client = arg;
	long failures = 0;
	int i;

	for (i = 0; i < CALLS_PER_CLIENT; i++) {
		struct json_object *arg_obj = json_object_new_int(i), *result;

		if (urpc_client_call(client, "Test.Echo", arg_obj, &result, NULL) ||
		    json_object_get_int(result) != i)
			failures++;
		json_object_put(result);
		json_object_put(arg_obj);
	}
	return (void *)failures;
}

TEST_F(server, concurrent_clients)
{
	struct urpc_client *clients[CONCURRENT_CLIENTS];
	pthread_t threads[CONCURRENT_CLIENTS];
	int i;

	for (i = 0; i < CONCURRENT_CLIENTS; i++) {
		ASSERT_EQ(0, urpc_client_adopt(serve_socketpair(self->server),
					       &clients[i]));
		ASSERT_EQ(0, pthread_create(&threads[i], NULL, client_loop,
					    clients[i]));
	}
	for (i = 0; i < CONCURRENT_CLIENTS; i++) {
		void *failures;

		pthread_join(threads[i], &failures);
		EXPECT_EQ(0, (long)failures);
		urpc_client_close(clients[i]);
	}
}

TEST_F(server, stop_closes_idle_client_at_once)
{
	int64_t start = now_ms();

	ASSERT_EQ(0, urpc_server_stop(self->server, 0));
	ASSERT_GT(1000, now_ms() - start);
	ASSERT_TRUE(peer_closed(self->peer, 0));
	ASSERT_EQ(-EALREADY, urpc_server_stop(self->server, 0));
	ASSERT_EQ(-ESHUTDOWN, serve_socketpair(self->server));
}

struct stop_args {
	struct urpc_server *server;
	int timeout_ms;
	int ret;
	int64_t took_ms;
};

static void *stop_thread(void *arg)
{
	struct stop_args *args = arg;
	int64_t start = now_ms();

	args->ret = urpc_server_stop(args->server, args->timeout_ms);
	args->took_ms = now_ms() - start;
	return NULL;
}

TEST_F(server, stop_lets_busy_call_finish)
{
	const char *want = "{\"success\":true,\"err\":\"\",\"result\":null}";
	struct stop_args args = { .server = self->server };
	pthread_t thread;
	char reply[64];

	ASSERT_EQ(0, send_str(self->peer, "{\"method\":\"Test.Sleep\",\"arg\":400}"));
	usleep(100000);
	ASSERT_EQ(0, pthread_create(&thread, NULL, stop_thread, &args));
	ASSERT_EQ((ssize_t)strlen(want),
		  recv_raw(self->peer, reply, strlen(want), NULL, NULL, 3000));
	ASSERT_EQ(0, memcmp(reply, want, strlen(want)));
	ASSERT_TRUE(peer_closed(self->peer, 2000));
	pthread_join(thread, NULL);
	ASSERT_EQ(0, args.ret);
	ASSERT_LE(200, args.took_ms);
}

/* A call that arrives once stop() marked the connection is not run. */
TEST_F(server, stop_timeout_lets_clients_leave)
{
	struct stop_args args = { .server = self->server, .timeout_ms = 5000 };
	pthread_t thread;

	ASSERT_EQ(0, pthread_create(&thread, NULL, stop_thread, &args));
	usleep(200000);
	/* Still served during the grace period. */
	ASSERT_EQ(0, exchange(self->peer, "{\"method\":\"Test.Echo\",\"arg\":1}",
			      ECHO_REPLY_1));
	close(self->peer);
	self->peer = -1;
	pthread_join(thread, NULL);
	ASSERT_EQ(0, args.ret);
	ASSERT_GT(4000, args.took_ms);
}

static void count_stop(void *data)
{
	(*(int *)data)++;
}

TEST_F(server, stop_callbacks_run_once)
{
	int calls = 0;

	ASSERT_EQ(0, urpc_server_on_stop(self->server, count_stop, &calls));
	ASSERT_EQ(0, urpc_server_on_stop(self->server, count_stop, &calls));
	ASSERT_EQ(0, urpc_server_stop(self->server, 0));
	ASSERT_EQ(2, calls);
	urpc_server_destroy(self->server);
	self->server = NULL;
	ASSERT_EQ(2, calls);
}

TEST_F(server, stop_from_handler_refused)
{
	ASSERT_EQ(0, exchange(self->peer, "{\"method\":\"Test.Stop\",\"arg\":null}",
			      "{\"success\":true,\"err\":\"\",\"result\":-35}"));
}

/*
 * The exact bytes Go's encoder writes for the float64s 1e20, -1e20, -1e19,
 * -0 and 1e21: below 1e21 without an exponent. Go reads them back as
 * float64, so the handler must see doubles (with -0's sign) and the echo
 * must carry the same text.
 */
#define GO_FLOATS "[100000000000000000000,-100000000000000000000,-10000000000000000000,-0,1e+21]"

static int check_go_floats(struct urpc_call *call, void *data)
{
	static const double want[] = { 1e20, -1e20, -1e19, -0.0, 1e21 };
	struct json_object *arg = urpc_call_arg(call);
	size_t i;

	(void)data;
	if (json_object_array_length(arg) != 5)
		return -EINVAL;
	for (i = 0; i < 5; i++) {
		struct json_object *v = json_object_array_get_idx(arg, i);
		double d = json_object_get_double(v);

		if (!json_object_is_type(v, json_type_double) || d != want[i] ||
		    signbit(d) != signbit(want[i]))
			return urpc_call_set_error(call, "element %zu: %s", i,
						   json_object_to_json_string(v)) ?: -1;
	}
	return urpc_call_set_result(call, json_object_get(arg));
}

TEST_F(server, go_float64_text_comes_through_as_doubles)
{
	ASSERT_EQ(0, urpc_server_register(self->server, "Test.GoFloats",
					  check_go_floats, NULL));
	ASSERT_EQ(0, exchange(self->peer,
			      "{\"method\":\"Test.GoFloats\",\"arg\":" GO_FLOATS "}",
			      "{\"success\":true,\"err\":\"\",\"result\":" GO_FLOATS "}"));
	ASSERT_EQ(0, exchange(self->peer,
			      "{\"method\":\"Test.Echo\",\"arg\":" GO_FLOATS "}",
			      "{\"success\":true,\"err\":\"\",\"result\":" GO_FLOATS "}"));
}

/* Duplicate keys: the last one wins, for the converted numbers too. */
TEST_F(server, go_float64_duplicate_keys_last_wins)
{
	ASSERT_EQ(0, exchange(self->peer,
			      "{\"method\":\"Test.Echo\",\"arg\":{\"a\":[100000000000000000000],\"a\":[5],"
			      "\"b\":-0,\"b\":{\"c\":-0},\"d\":1,\"d\":-100000000000000000000}}",
			      "{\"success\":true,\"err\":\"\",\"result\":{\"a\":[5],\"b\":{\"c\":-0},"
			      "\"d\":-100000000000000000000}}"));
}

/* Destroying a server from its own handler would free it under the thread. */
static int destroy_own_server(struct urpc_call *call, void *data)
{
	int ret = urpc_server_destroy(data);

	return urpc_call_set_result(call, json_object_new_int(ret));
}

TEST_F(server, destroy_from_handler_refused)
{
	ASSERT_EQ(0, urpc_server_register(self->server, "Test.Destroy",
					  destroy_own_server, self->server));
	ASSERT_EQ(0, exchange(self->peer, "{\"method\":\"Test.Destroy\",\"arg\":null}",
			      "{\"success\":true,\"err\":\"\",\"result\":-35}"));
	/* Still alive and serving. */
	ASSERT_EQ(0, exchange(self->peer, "{\"method\":\"Test.Echo\",\"arg\":1}",
			      ECHO_REPLY_1));
}

static void destroy_in_stopper(void *data)
{
	*(int *)data = urpc_server_destroy(*(struct urpc_server **)data);
}

TEST_F(server, destroy_from_stop_callback_refused)
{
	union { struct urpc_server *server; int ret; } box = { self->server };

	ASSERT_EQ(0, urpc_server_on_stop(self->server, destroy_in_stopper, &box));
	ASSERT_EQ(0, urpc_server_stop(self->server, 0));
	ASSERT_EQ(-EDEADLK, box.ret);
}

/*
 * destroy() while another thread is inside stop() waits for that stop to
 * finish instead of freeing the server under it.
 */
TEST_F(server, destroy_during_stop_waits)
{
	struct stop_args args = { .server = self->server, .timeout_ms = 300 };
	pthread_t thread;
	int64_t start;

	ASSERT_EQ(0, pthread_create(&thread, NULL, stop_thread, &args));
	usleep(50000);	/* stop() is now waiting for the idle client */
	start = now_ms();
	ASSERT_EQ(0, urpc_server_destroy(self->server));
	self->server = NULL;
	EXPECT_LE(150, now_ms() - start);
	pthread_join(thread, NULL);
	EXPECT_EQ(0, args.ret);
	ASSERT_TRUE(peer_closed(self->peer, 0));
}

/*
 * listen() failing after bind() created the socket file must not leave
 * the file behind. This program's listen() fails on request; the library,
 * linked statically, calls it.
 */
static bool fail_listen;

int listen(int fd, int backlog)
{
	if (fail_listen) {
		errno = EOPNOTSUPP;
		return -1;
	}
	return (int)syscall(SYS_listen, fd, backlog);
}

TEST(failed_listen_removes_socket_file)
{
	char path[] = "/tmp/urpc-test-XXXXXX";
	struct urpc_server *server;
	char sock[64];
	int before = count_open_fds();

	ASSERT_NE(NULL, mkdtemp(path));
	snprintf(sock, sizeof(sock), "%s/sock", path);
	ASSERT_EQ(0, urpc_server_new(&server));
	fail_listen = true;
	EXPECT_EQ(-EOPNOTSUPP, urpc_server_listen(server, sock));
	fail_listen = false;
	EXPECT_EQ(-1, access(sock, F_OK));
	/* And the path is free for a listen that works. */
	EXPECT_EQ(0, urpc_server_listen(server, sock));
	urpc_server_destroy(server);
	EXPECT_EQ(-1, access(sock, F_OK));
	unlink(sock);
	rmdir(path);
	ASSERT_EQ(before, count_open_fds());
}

TEST(listen_connect_and_unlink)
{
	char path[] = "/tmp/urpc-test-XXXXXX";
	struct urpc_client *client;
	struct urpc_server *server;
	struct json_object *result;
	char sock[64];
	int before = count_open_fds(), ret;

	ASSERT_NE(NULL, mkdtemp(path));
	snprintf(sock, sizeof(sock), "%s/sock", path);
	ASSERT_EQ(0, urpc_server_new(&server));
	ASSERT_EQ(0, register_test_methods(server));
	ASSERT_EQ(0, urpc_server_listen(server, sock));
	ASSERT_EQ(-EADDRINUSE, urpc_server_listen(server, sock));
	ASSERT_EQ(0, urpc_client_connect(sock, &client));
	ASSERT_EQ(0, urpc_client_call(client, "Test.Echo", NULL, &result, NULL));
	ASSERT_EQ(NULL, result);
	ASSERT_EQ(0, urpc_server_stop(server, 0));
	ASSERT_EQ(-1, access(sock, F_OK));
	ret = urpc_client_call(client, "Test.Echo", NULL, &result, NULL);
	ASSERT_TRUE(ret == -EPIPE || ret == -ECONNRESET) TH_LOG("got %d", ret);
	ASSERT_EQ(-ENOTCONN, urpc_client_call(client, "Test.Echo", NULL,
					      &result, NULL));
	urpc_client_close(client);
	urpc_server_destroy(server);
	rmdir(path);
	ASSERT_EQ(before, count_open_fds());
}

TEST_HARNESS_MAIN
