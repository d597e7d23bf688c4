// SPDX-License-Identifier: GPL-2.0
/*
 * flipcallctl itself (its main, in a child process): JSON and table output
 * about connections this test created, exit statuses.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli.h"
#include "fctest.h"
#include "flipcall_test.h"
#include "kselftest_harness.h"

#define ROUNDS	20
#define OUT_LEN	65536

static char out[OUT_LEN];

static uint64_t json_u64(json_object *obj, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, key, &v))
		return UINT64_MAX;
	return json_object_get_uint64(v);
}

static const char *json_str(json_object *obj, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, key, &v))
		return "";
	return json_object_get_string(v);
}

static json_object *json_member(json_object *obj, const char *key)
{
	json_object *v = NULL;

	json_object_object_get_ex(obj, key, &v);
	return v;
}

TEST(show_json_lists_exactly_the_connections_created)
{
	static const uint64_t lens[] = { 4096, 16384 };
	const char *argv[] = { "-j", "show", "--pid", NULL, NULL };
	struct fctest_conn c[2];
	json_object *list, *conn;
	char pid[16];
	size_t i, j;

	snprintf(pid, sizeof(pid), "%d", getpid());
	argv[3] = pid;
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, fctest_create(&c[i], lens[i], 0));
	ASSERT_EQ(0, fctest_cli(out, sizeof(out), argv));

	list = json_tokener_parse(out);
	ASSERT_NE(NULL, list);
	ASSERT_TRUE(json_object_is_type(list, json_type_array));
	ASSERT_EQ(2, json_object_array_length(list));
	for (i = 0; i < 2; i++) {
		conn = NULL;
		for (j = 0; j < 2; j++)
			if (json_u64(json_object_array_get_idx(list, j), "id") ==
			    c[i].id)
				conn = json_object_array_get_idx(list, j);
		ASSERT_NE(NULL, conn);
		EXPECT_EQ(lens[i], json_u64(conn, "window_len"));
		EXPECT_STREQ("client-active", json_str(conn, "state"));
		EXPECT_STREQ("none", json_str(conn, "end"));
		EXPECT_EQ(getpid(), json_u64(conn, "creator_pid"));
		EXPECT_EQ(getpid(), json_u64(json_member(conn, "server"), "pid"));
	}
	json_object_put(list);
	for (i = 0; i < 2; i++)
		fctest_close(&c[i]);
}

TEST(get_json_after_round_trips_and_shutdown)
{
	const char *argv[] = { "-j", "get", NULL, NULL };
	struct fctest_conn c;
	json_object *conn;
	char id[32];
	int release;
	pid_t server;

	ASSERT_EQ(0, fctest_create(&c, 4096, 0));
	snprintf(id, sizeof(id), "%" PRIu64, c.id);
	argv[2] = id;
	server = fctest_serve(&c, ROUNDS, &release);
	ASSERT_GT(server, 0);
	ASSERT_EQ(0, fctest_ping(&c, ROUNDS));

	ASSERT_EQ(0, fctest_cli(out, sizeof(out), argv));
	conn = json_tokener_parse(out);
	ASSERT_NE(NULL, conn);
	EXPECT_EQ(c.id, json_u64(conn, "id"));
	EXPECT_STREQ("client-active", json_str(conn, "state"));
	EXPECT_EQ(ROUNDS, json_u64(json_member(conn, "client"), "handoffs"));
	EXPECT_EQ(ROUNDS, json_u64(json_member(conn, "server"), "handoffs"));
	EXPECT_EQ(server, json_u64(json_member(conn, "server"), "pid"));
	json_object_put(conn);

	ASSERT_EQ(0, fct_shutdown(c.client));
	ASSERT_EQ(0, fctest_cli(out, sizeof(out), argv));
	conn = json_tokener_parse(out);
	ASSERT_NE(NULL, conn);
	EXPECT_STREQ("shutdown", json_str(conn, "state"));
	EXPECT_STREQ("shutdown-client", json_str(conn, "end"));
	json_object_put(conn);

	ASSERT_EQ(0, fctest_serve_end(server, release));
	fctest_close(&c);
}

TEST(show_table_has_a_row_per_connection)
{
	const char *argv[] = { "show", "--pid", NULL, NULL };
	struct fctest_conn c;
	char pid[16], row[64];

	snprintf(pid, sizeof(pid), "%d", getpid());
	argv[2] = pid;
	ASSERT_EQ(0, fctest_create(&c, 8192, 0));
	ASSERT_EQ(0, fctest_cli(out, sizeof(out), argv));
	fctest_log_lines("flipcallctl show", out);
	EXPECT_EQ(0, strncmp(out, "ID ", 3));
	snprintf(row, sizeof(row), "\n%-6" PRIu64 " client-active", c.id);
	EXPECT_NE(NULL, strstr(out, row));
	EXPECT_NE(NULL, strstr(out, " 8K "));
	fctest_close(&c);
}

TEST(stats_json_includes_own_usage)
{
	const char *argv[] = { "--json", "stats", NULL };
	struct fctest_conn c;
	json_object *stats, *users, *user;
	uint64_t mine = 0;
	size_t i;

	ASSERT_EQ(0, fctest_create(&c, 4096, 0));
	ASSERT_EQ(0, fctest_cli(out, sizeof(out), argv));
	stats = json_tokener_parse(out);
	ASSERT_NE(NULL, stats);
	EXPECT_LE(1, json_u64(stats, "live_conns"));
	EXPECT_LE(json_u64(stats, "live_conns"), json_u64(stats, "total_conns"));
	users = json_member(stats, "users");
	ASSERT_NE(NULL, users);
	for (i = 0; i < json_object_array_length(users); i++) {
		user = json_object_array_get_idx(users, i);
		if (json_u64(user, "uid") == getuid())
			mine = json_u64(user, "window_bytes");
	}
	EXPECT_LE(4096, mine);
	json_object_put(stats);
	fctest_close(&c);
}

TEST(exit_statuses)
{
	const char *unknown_id[] = { "get", "18446744073709551614", NULL };
	const char *bad_id[] = { "get", "12x", NULL };
	const char *no_cmd[] = { NULL };
	const char *bad_cmd[] = { "frobnicate", NULL };
	const char *pid_on_stats[] = { "stats", "--pid", "1", NULL };
	const char *help[] = { "--help", NULL };

	EXPECT_EQ(FLIPCALLCTL_EXIT_FAIL, fctest_cli(out, sizeof(out), unknown_id));
	EXPECT_EQ(FLIPCALLCTL_EXIT_USAGE, fctest_cli(out, sizeof(out), bad_id));
	EXPECT_EQ(FLIPCALLCTL_EXIT_USAGE, fctest_cli(out, sizeof(out), no_cmd));
	EXPECT_EQ(FLIPCALLCTL_EXIT_USAGE, fctest_cli(out, sizeof(out), bad_cmd));
	EXPECT_EQ(FLIPCALLCTL_EXIT_USAGE,
		  fctest_cli(out, sizeof(out), pid_on_stats));
	EXPECT_EQ(0, fctest_cli(out, sizeof(out), help));
	EXPECT_EQ(0, strncmp(out, "Usage: flipcallctl", 18));
}

TEST_HARNESS_MAIN
