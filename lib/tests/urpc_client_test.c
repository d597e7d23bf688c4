// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The urpc client against a scripted server that reads the exact request
 * bytes and answers with canned bytes: remote errors, timeouts, broken and
 * malformed replies, and descriptors both ways, with no descriptor leaked.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <json-c/json.h>

#include "kselftest_harness.h"
#include "urpc_test_util.h"

struct scripted_server {
	int fd;
	size_t request_len;	/* bytes to read before answering */
	const char *reply;	/* NULL: answer nothing */
	bool close_after;
	int fds[8];
	unsigned int nfds;	/* sent with the reply */
	char request[4096];
	ssize_t got;
	unsigned int got_fds;
	pthread_t thread;
};

static void *scripted_main(void *arg)
{
	struct scripted_server *s = arg;
	int fds[8];

	s->got_fds = 8;
	s->got = recv_raw(s->fd, s->request, s->request_len, fds, &s->got_fds,
			  2000);
	close_fds(fds, s->got_fds < 8 ? s->got_fds : 8);
	if (s->reply)
		send_raw(s->fd, s->reply, strlen(s->reply), s->fds, s->nfds);
	if (s->close_after)
		shutdown(s->fd, SHUT_RDWR);
	return NULL;
}

FIXTURE(client) {
	struct urpc_client *client;
	struct scripted_server server;
	int fds_before;
};

FIXTURE_SETUP(client)
{
	int sv[2];

	self->fds_before = count_open_fds();
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	ASSERT_EQ(0, urpc_client_adopt(sv[0], &self->client));
	memset(&self->server, 0, sizeof(self->server));
	self->server.fd = sv[1];
}

FIXTURE_TEARDOWN(client)
{
	urpc_client_close(self->client);
	close(self->server.fd);
	EXPECT_EQ(self->fds_before, count_open_fds());
}

static void script(struct scripted_server *s, const char *request,
		   const char *reply)
{
	s->request_len = strlen(request);
	s->reply = reply;
	pthread_create(&s->thread, NULL, scripted_main, s);
}

#define ECHO_REQ "{\"method\":\"Test.Echo\",\"arg\":null}"

TEST_F(client, success_result)
{
	struct json_object *result;

	script(&self->server, ECHO_REQ,
	       "{\"success\":true,\"err\":\"\",\"result\":{\"x\":[1,2]}}");
	ASSERT_EQ(0, urpc_client_call(self->client, "Test.Echo", NULL, &result, NULL));
	pthread_join(self->server.thread, NULL);
	ASSERT_EQ(0, memcmp(self->server.request, ECHO_REQ, strlen(ECHO_REQ)));
	ASSERT_STREQ("{\"x\":[1,2]}",
		     json_object_to_json_string_ext(result, JSON_C_TO_STRING_PLAIN));
	json_object_put(result);
}

TEST_F(client, remote_error)
{
	script(&self->server, ECHO_REQ,
	       "{\"success\":false,\"err\":\"boom\",\"result\":null}");
	ASSERT_EQ(-EREMOTEIO, urpc_client_call(self->client, "Test.Echo", NULL,
					       NULL, NULL));
	pthread_join(self->server.thread, NULL);
	ASSERT_STREQ("boom", urpc_client_remote_error(self->client));
	/* A remote error leaves the connection in step. */
	script(&self->server, ECHO_REQ, "{\"success\":true,\"err\":\"\",\"result\":null}");
	ASSERT_EQ(0, urpc_client_call(self->client, "Test.Echo", NULL, NULL, NULL));
	pthread_join(self->server.thread, NULL);
	ASSERT_STREQ("", urpc_client_remote_error(self->client));
}

/* Go's zero value: no "success" means failure with an empty message. */
TEST_F(client, empty_reply_object_is_remote_error)
{
	script(&self->server, ECHO_REQ, "{}");
	ASSERT_EQ(-EREMOTEIO, urpc_client_call(self->client, "Test.Echo", NULL,
					       NULL, NULL));
	pthread_join(self->server.thread, NULL);
	ASSERT_STREQ("", urpc_client_remote_error(self->client));
}

TEST_F(client, timeout_breaks_connection)
{
	struct urpc_call_opts opts = { .size = sizeof(opts), .timeout_ms = 100 };

	script(&self->server, ECHO_REQ, NULL);
	ASSERT_EQ(-ETIMEDOUT, urpc_client_call(self->client, "Test.Echo", NULL,
					       NULL, &opts));
	pthread_join(self->server.thread, NULL);
	ASSERT_EQ(-ENOTCONN, urpc_client_call(self->client, "Test.Echo", NULL,
					      NULL, NULL));
}

TEST_F(client, server_closes)
{
	self->server.close_after = true;
	script(&self->server, ECHO_REQ, NULL);
	ASSERT_EQ(-ECONNRESET, urpc_client_call(self->client, "Test.Echo", NULL,
						NULL, NULL));
	pthread_join(self->server.thread, NULL);
}

TEST_F(client, server_closes_mid_reply)
{
	self->server.close_after = true;
	script(&self->server, ECHO_REQ, "{\"success\":tr");
	ASSERT_EQ(-EBADMSG, urpc_client_call(self->client, "Test.Echo", NULL,
					     NULL, NULL));
	pthread_join(self->server.thread, NULL);
}

TEST_F(client, malformed_replies)
{
	const char *bad[] = { "[1] ", "{\"success\":\"yes\"}",
			      "{\"success\":true,\"err\":5}", "{]" };
	unsigned int i;

	for (i = 0; i < 4; i++) {
		struct urpc_client *client;
		int sv[2], ret;

		ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
		ASSERT_EQ(0, urpc_client_adopt(sv[0], &client));
		ASSERT_EQ((ssize_t)strlen(bad[i]),
			  send_raw(sv[1], bad[i], strlen(bad[i]), NULL, 0));
		ret = urpc_client_call(client, "Test.Echo", NULL, NULL, NULL);
		EXPECT_TRUE(ret == -EPROTO || ret == -EBADMSG)
			TH_LOG("%s gave %d", bad[i], ret);
		urpc_client_close(client);
		close(sv[1]);
	}
}

/* Go writes float64 1e20, -1e20, -1e19, -0 and 1e21 as these bytes. */
TEST_F(client, go_float64_reply_comes_through_as_doubles)
{
	static const double want[] = { 1e20, -1e20, -1e19, -0.0, 1e21 };
	struct json_object *result = NULL;
	size_t i;

	script(&self->server, ECHO_REQ,
	       "{\"success\":true,\"err\":\"\",\"result\":[100000000000000000000,"
	       "-100000000000000000000,-10000000000000000000,-0,1e+21]}");
	ASSERT_EQ(0, urpc_client_call(self->client, "Test.Echo", NULL,
				      &result, NULL));
	pthread_join(self->server.thread, NULL);
	ASSERT_EQ(5, json_object_array_length(result));
	for (i = 0; i < 5; i++) {
		struct json_object *v = json_object_array_get_idx(result, i);

		EXPECT_TRUE(json_object_is_type(v, json_type_double));
		EXPECT_EQ(want[i], json_object_get_double(v));
		EXPECT_EQ(!!signbit(want[i]), !!signbit(json_object_get_double(v)));
	}
	json_object_put(result);
}

TEST_F(client, sends_fds_on_first_byte)
{
	struct urpc_call_opts opts = { .size = sizeof(opts), .n_send_fds = 2 };
	int fds[2];

	open_null_fds(fds, 2);
	opts.send_fds = fds;
	script(&self->server, ECHO_REQ, "{\"success\":true,\"err\":\"\",\"result\":null}");
	ASSERT_EQ(0, urpc_client_call(self->client, "Test.Echo", NULL, NULL, &opts));
	pthread_join(self->server.thread, NULL);
	ASSERT_EQ(2, self->server.got_fds);
	close_fds(fds, 2);
}

TEST_F(client, too_many_send_fds)
{
	struct urpc_call_opts opts = { .size = sizeof(opts),
				       .n_send_fds = URPC_MAX_FDS + 1 };
	int fds[URPC_MAX_FDS + 1] = { 0 };

	opts.send_fds = fds;
	ASSERT_EQ(-E2BIG, urpc_client_call(self->client, "Test.Echo", NULL, NULL,
					   &opts));
}

TEST_F(client, received_fds_beyond_capacity_closed)
{
	int got[1] = { -1 };
	struct urpc_call_opts opts = { .size = sizeof(opts), .recv_fds = got,
				       .recv_fds_cap = 1 };

	open_null_fds(self->server.fds, 3);
	self->server.nfds = 3;
	script(&self->server, ECHO_REQ, "{\"success\":true,\"err\":\"\",\"result\":null}");
	ASSERT_EQ(0, urpc_client_call(self->client, "Test.Echo", NULL, NULL, &opts));
	pthread_join(self->server.thread, NULL);
	close_fds(self->server.fds, 3);
	/* Only what landed in recv_fds is counted: a loop to it stays inside. */
	ASSERT_EQ(1, opts.n_recv_fds);
	ASSERT_LE(0, got[0]);
	ASSERT_EQ(self->fds_before + 3, count_open_fds());
	close(got[0]);
}

TEST_F(client, fds_with_remote_error_closed)
{
	open_null_fds(self->server.fds, 2);
	self->server.nfds = 2;
	script(&self->server, ECHO_REQ, "{\"success\":false,\"err\":\"x\",\"result\":null}");
	ASSERT_EQ(-EREMOTEIO, urpc_client_call(self->client, "Test.Echo", NULL,
					       NULL, NULL));
	pthread_join(self->server.thread, NULL);
	close_fds(self->server.fds, 2);
}

/*
 * urpc_call_opts is sized: size 0 and a larger struct with a non-zero tail
 * are refused before anything is sent; an older struct that ends before
 * n_recv_fds works and has nothing written past its end.
 */
TEST_F(client, call_opts_sized)
{
	union {
		struct urpc_call_opts o;
		unsigned char bytes[sizeof(struct urpc_call_opts) + 8];
	} u;

	memset(&u, 0, sizeof(u));
	ASSERT_EQ(-EINVAL, urpc_client_call(self->client, "Test.Echo", NULL,
					    NULL, &u.o));
	u.o.size = sizeof(u);
	u.bytes[sizeof(u) - 1] = 1;
	ASSERT_EQ(-EINVAL, urpc_client_call(self->client, "Test.Echo", NULL,
					    NULL, &u.o));

	memset(&u, 0x5a, sizeof(u));
	u.o.size = offsetof(struct urpc_call_opts, n_recv_fds);
	u.o.send_fds = NULL;
	u.o.n_send_fds = 0;
	u.o.recv_fds = NULL;
	u.o.recv_fds_cap = 0;
	script(&self->server, ECHO_REQ, "{\"success\":true,\"err\":\"\",\"result\":null}");
	ASSERT_EQ(0, urpc_client_call(self->client, "Test.Echo", NULL, NULL, &u.o));
	pthread_join(self->server.thread, NULL);
	EXPECT_EQ(0x5a5a5a5a, u.o.n_recv_fds);
}

TEST_F(client, invalid_arguments)
{
	struct urpc_call_opts opts = { .size = sizeof(opts), .n_send_fds = 1 };

	ASSERT_EQ(-EINVAL, urpc_client_call(self->client, NULL, NULL, NULL, NULL));
	ASSERT_EQ(-EINVAL, urpc_client_call(self->client, "A.B", NULL, NULL, &opts));
	ASSERT_EQ(-EBADF, urpc_client_adopt(-1, &self->client));
	ASSERT_EQ(-ENAMETOOLONG, urpc_client_connect("", NULL));
}

TEST_HARNESS_MAIN
