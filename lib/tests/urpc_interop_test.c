// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Byte-exact interoperability with gVisor's Go urpc, from exchanges captured
 * between a Go client and a Go server (Documentation/urpc.rst, "Captured
 * exchanges"). Our server must answer the Go client's exact bytes with the
 * Go server's exact bytes; our client must send the Go client's exact bytes
 * and understand the Go server's replies. The server side mimics the Go test
 * peer's methods (Peer.Echo returns every field of its argument struct).
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <json-c/json.h>

#include "kselftest_harness.h"
#include "urpc_test_util.h"

struct exchange {
	const char *method;
	const char *arg;	/* as the Go client marshals it */
	const char *request;
	const char *reply;
	unsigned int fds_in, fds_out;
};

static const struct exchange captured[] = {
	{ "Peer.Echo", "{\"S\":\"hi\",\"I\":1}",
	  "{\"method\":\"Peer.Echo\",\"arg\":{\"S\":\"hi\",\"I\":1}}",
	  "{\"success\":true,\"err\":\"\",\"result\":{\"S\":\"hi\",\"I\":1,\"L\":null,\"M\":null}}", 0, 0 },
	{ "Peer.Fail", "{\"S\":\"boom\"}",
	  "{\"method\":\"Peer.Fail\",\"arg\":{\"S\":\"boom\"}}",
	  "{\"success\":false,\"err\":\"peer failure: boom\",\"result\":null}", 0, 0 },
	{ "Nope.X", "null",
	  "{\"method\":\"Nope.X\",\"arg\":null}",
	  "{\"success\":false,\"err\":\"unknown method\",\"result\":null}", 0, 0 },
	{ "Peer.Echo", "{\"S\":5}",
	  "{\"method\":\"Peer.Echo\",\"arg\":{\"S\":5}}",
	  "{\"success\":false,\"err\":\"json: cannot unmarshal number into Go struct field EchoArgs.S of type string\",\"result\":null}", 0, 0 },
	{ "Peer.SendFiles", "{\"Count\":2}",
	  "{\"method\":\"Peer.SendFiles\",\"arg\":{\"Count\":2}}",
	  "{\"success\":true,\"err\":\"\",\"result\":{\"Count\":2}}", 0, 2 },
	{ "Peer.CountFiles", "{\"Tag\":\"t\"}",
	  "{\"method\":\"Peer.CountFiles\",\"arg\":{\"Tag\":\"t\"}}",
	  "{\"success\":true,\"err\":\"\",\"result\":{\"N\":2}}", 2, 0 },
};

#define NCAPTURED (sizeof(captured) / sizeof(captured[0]))

/* A field of the Go peer's argument struct, or its zero value. */
static struct json_object *field(struct json_object *arg, const char *key,
				 struct json_object *zero)
{
	struct json_object *val;

	if (json_object_object_get_ex(arg, key, &val)) {
		json_object_put(zero);
		return json_object_get(val);
	}
	return zero;
}

static int peer_echo(struct urpc_call *call, void *data)
{
	struct json_object *arg = urpc_call_arg(call), *result, *s;

	if (json_object_object_get_ex(arg, "S", &s) &&
	    !json_object_is_type(s, json_type_string))
		return urpc_call_set_error(call, "json: cannot unmarshal number into Go struct field EchoArgs.S of type string") ?: -1;
	result = json_object_new_object();
	json_object_object_add(result, "S", field(arg, "S", json_object_new_string("")));
	json_object_object_add(result, "I", field(arg, "I", json_object_new_int(0)));
	json_object_object_add(result, "L", field(arg, "L", NULL));
	json_object_object_add(result, "M", field(arg, "M", NULL));
	return urpc_call_set_result(call, result);
}

static int peer_fail(struct urpc_call *call, void *data)
{
	struct json_object *s = NULL;

	json_object_object_get_ex(urpc_call_arg(call), "S", &s);
	return urpc_call_set_error(call, "peer failure: %s",
				   json_object_get_string(s)) ?: -1;
}

static int peer_send_files(struct urpc_call *call, void *data)
{
	struct json_object *count = NULL;
	int fds[8];
	int i, n;

	json_object_object_get_ex(urpc_call_arg(call), "Count", &count);
	n = json_object_get_int(count);
	if (n < 0 || n > 8)
		return -EINVAL;
	open_null_fds(fds, (unsigned int)n);
	for (i = 0; i < n; i++)
		urpc_call_send_fd(call, fds[i]);
	count = json_object_new_object();
	json_object_object_add(count, "Count", json_object_new_int(n));
	return urpc_call_set_result(call, count);
}

static int peer_count_files(struct urpc_call *call, void *data)
{
	struct json_object *result = json_object_new_object();

	json_object_object_add(result, "N",
			       json_object_new_int((int)urpc_call_nfds(call)));
	return urpc_call_set_result(call, result);
}

TEST(our_server_answers_go_client_bytes)
{
	int before = count_open_fds(), peer, fds[8];
	struct urpc_server *server;
	unsigned int i;

	ASSERT_EQ(0, urpc_server_new(&server));
	ASSERT_EQ(0, urpc_server_register(server, "Peer.Echo", peer_echo, NULL));
	ASSERT_EQ(0, urpc_server_register(server, "Peer.Fail", peer_fail, NULL));
	ASSERT_EQ(0, urpc_server_register(server, "Peer.SendFiles", peer_send_files, NULL));
	ASSERT_EQ(0, urpc_server_register(server, "Peer.CountFiles", peer_count_files, NULL));
	peer = serve_socketpair(server);
	ASSERT_LE(0, peer);
	for (i = 0; i < NCAPTURED; i++) {
		const struct exchange *x = &captured[i];
		size_t want = strlen(x->reply);
		unsigned int nfds = 8;
		char got[512];

		open_null_fds(fds, x->fds_in);
		ASSERT_EQ((ssize_t)strlen(x->request),
			  send_raw(peer, x->request, strlen(x->request), fds, x->fds_in));
		close_fds(fds, x->fds_in);
		ASSERT_EQ((ssize_t)want, recv_raw(peer, got, want, fds, &nfds, 2000));
		EXPECT_EQ(0, memcmp(got, x->reply, want))
			TH_LOG("want %s got %.*s", x->reply, (int)want, got);
		EXPECT_EQ(x->fds_out, nfds);
		close_fds(fds, nfds);
		/* Nothing follows the reply: no newline, no second value. */
		EXPECT_EQ(0, recv_raw(peer, got, 1, NULL, NULL, 50));
	}
	close(peer);
	urpc_server_destroy(server);
	ASSERT_EQ(before, count_open_fds());
}

struct fake_go_server {
	int fd;
	unsigned int mismatches;
};

/* Checks each request byte for byte, then answers with the Go bytes. */
static void *fake_go_server_main(void *arg)
{
	struct fake_go_server *s = arg;
	unsigned int i;
	int fds[8];

	for (i = 0; i < NCAPTURED; i++) {
		const struct exchange *x = &captured[i];
		size_t want = strlen(x->request);
		unsigned int nfds = 8;
		char got[512];

		if (recv_raw(s->fd, got, want, fds, &nfds, 2000) != (ssize_t)want ||
		    memcmp(got, x->request, want) || nfds != x->fds_in) {
			fprintf(stderr, "# want %s got %.*s (%u fds)\n",
				x->request, (int)want, got, nfds);
			s->mismatches++;
		}
		close_fds(fds, nfds < 8 ? nfds : 8);
		open_null_fds(fds, x->fds_out);
		send_raw(s->fd, x->reply, strlen(x->reply), fds, x->fds_out);
		close_fds(fds, x->fds_out);
	}
	return NULL;
}

TEST(our_client_speaks_go_server_bytes)
{
	int before = count_open_fds(), sv[2], fds[8];
	struct fake_go_server fake = { 0 };
	struct urpc_client *client;
	pthread_t thread;
	unsigned int i;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	ASSERT_EQ(0, urpc_client_adopt(sv[0], &client));
	fake.fd = sv[1];
	ASSERT_EQ(0, pthread_create(&thread, NULL, fake_go_server_main, &fake));
	for (i = 0; i < NCAPTURED; i++) {
		const struct exchange *x = &captured[i];
		struct json_object *arg = json_tokener_parse(x->arg), *result;
		struct urpc_call_opts opts = {
			.size = sizeof(opts), .send_fds = fds,
			.n_send_fds = x->fds_in, .recv_fds = fds, .recv_fds_cap = 8,
		};
		struct json_object *reply = json_tokener_parse(x->reply), *want;
		struct json_object *success;
		int ret;

		open_null_fds(fds, x->fds_in);
		ret = urpc_client_call(client, x->method, arg, &result, &opts);
		close_fds(fds, x->fds_in ? x->fds_in : opts.n_recv_fds);
		json_object_object_get_ex(reply, "success", &success);
		if (json_object_get_boolean(success)) {
			ASSERT_EQ(0, ret);
			json_object_object_get_ex(reply, "result", &want);
			EXPECT_TRUE(json_object_equal(want, result));
			EXPECT_EQ(x->fds_out, opts.n_recv_fds);
		} else {
			struct json_object *err;

			ASSERT_EQ(-EREMOTEIO, ret);
			json_object_object_get_ex(reply, "err", &err);
			EXPECT_STREQ(json_object_get_string(err),
				     urpc_client_remote_error(client));
		}
		json_object_put(result);
		json_object_put(reply);
		json_object_put(arg);
	}
	pthread_join(thread, NULL);
	EXPECT_EQ(0, fake.mismatches);
	urpc_client_close(client);
	close(sv[1]);
	ASSERT_EQ(before, count_open_fds());
}

TEST_HARNESS_MAIN
