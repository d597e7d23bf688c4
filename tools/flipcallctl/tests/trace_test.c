// SPDX-License-Identifier: GPL-2.0
/*
 * The flipcall tracepoints through tracefs: each fires where it should,
 * with the right fields, and as often as the counters netlink reports.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fcnl.h"
#include "fctest.h"
#include "flipcall_test.h"
#include "kselftest_harness.h"

#define TRACEFS		"/sys/kernel/tracing"
#define ROUNDS		200

static int tracefs_write(const char *file, const char *value)
{
	char path[128];
	int fd, ret = 0;

	snprintf(path, sizeof(path), TRACEFS "/%s", file);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, value, strlen(value)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* The whole trace buffer as text; free() it. */
static char *tracefs_read(void)
{
	size_t len = 0, size = 1 << 16;
	char *buf = malloc(size), *bigger;
	ssize_t got;
	int fd;

	fd = open(TRACEFS "/trace", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || !buf)
		goto fail;
	while ((got = read(fd, buf + len, size - len - 1)) > 0) {
		len += got;
		if (size - len > 1)
			continue;
		bigger = realloc(buf, size * 2);
		if (!bigger)
			goto fail;
		buf = bigger;
		size *= 2;
	}
	if (got < 0)
		goto fail;
	close(fd);
	buf[len] = '\0';
	return buf;
fail:
	if (fd >= 0)
		close(fd);
	free(buf);
	return NULL;
}

/* Lines of @event for connection @id that also contain @fields. */
static int count(const char *trace, const char *event, uint64_t id,
		 const char *fields)
{
	const char *line = trace, *end, *hit;
	char key[96];
	int n = 0;

	snprintf(key, sizeof(key), " %s: id=%" PRIu64 " ", event, id);
	for (; *line; line = *end ? end + 1 : end) {
		end = strchrnul(line, '\n');
		hit = memmem(line, end - line, key, strlen(key));
		if (hit && (!*fields ||
			    memmem(hit, end - hit, fields, strlen(fields))))
			n++;
	}
	return n;
}

/*
 * A server that answers the client's CONNECT once the client sleeps in it,
 * so exactly one sleep and one wake happen, then exits (server gone).
 */
static pid_t serve_after_client_sleeps(struct fctest_conn *c)
{
	struct flipcall_endpoint_info info;
	pid_t client = getpid(), pid;

	pid = fork();
	if (pid)
		return pid;
	close(c->client);
	if (fct_wait_sleeping(client, FCT_WAIT_MS) ||
	    fct_info(c->server, &info) ||
	    fct_handoff(c->server, FLIPCALL_OP_RECV_FIRST, 0, 0, NULL) ||
	    fct_handoff(c->server, FLIPCALL_OP_SEND_LAST, 0, 4, NULL))
		_exit(1);
	_exit(0);
}

FIXTURE(trace) {
	int enabled;
	struct fct_param_saved saved;	/* a module parameter to restore */
};

FIXTURE_SETUP(trace)
{
	if (access(TRACEFS "/events/flipcall/enable", W_OK))
		SKIP(return, "no tracefs or no flipcall events");
	ASSERT_EQ(0, tracefs_write("trace", ""));
	ASSERT_EQ(0, tracefs_write("events/flipcall/enable", "1"));
	ASSERT_EQ(0, tracefs_write("tracing_on", "1"));
	self->enabled = 1;
}

FIXTURE_TEARDOWN(trace)
{
	fct_param_restore(&self->saved);
	if (!self->enabled)
		return;
	tracefs_write("events/flipcall/enable", "0");
	tracefs_write("trace", "");
}

TEST_F(trace, lifecycle_events_carry_their_fields)
{
	struct fctest_conn gone, shut;
	char *trace, fields[64];
	int status;
	pid_t server;

	ASSERT_EQ(0, fctest_create(&gone, 8192, 0));
	server = serve_after_client_sleeps(&gone);
	ASSERT_GT(server, 0);
	close(gone.server);
	gone.server = -1;
	ASSERT_EQ(0, fct_handoff(gone.client, FLIPCALL_OP_CONNECT, 0, 4, NULL));
	ASSERT_EQ(server, waitpid(server, &status, 0));
	ASSERT_EQ(0, status);
	fctest_close(&gone);

	ASSERT_EQ(0, fctest_create(&shut, 4096, 0));
	ASSERT_EQ(0, fct_shutdown(shut.server));
	fctest_close(&shut);

	trace = tracefs_read();
	ASSERT_NE(NULL, trace);
	fctest_log_lines("trace", trace);
	snprintf(fields, sizeof(fields), "uid=%u", getuid());
	EXPECT_EQ(1, count(trace, "flipcall_conn_create", gone.id,
			   "window_len=8192 spin_ns=0"));
	EXPECT_EQ(1, count(trace, "flipcall_conn_create", gone.id, fields));
	EXPECT_LE(1, count(trace, "flipcall_sleep", gone.id, "side=client"));
	EXPECT_EQ(0, count(trace, "flipcall_sleep", gone.id, "side=server"));
	EXPECT_EQ(1, count(trace, "flipcall_wake", gone.id,
			   "side=server sync=0"));
	EXPECT_EQ(1, count(trace, "flipcall_peer_gone", gone.id,
			   "reason=server-gone"));
	EXPECT_EQ(0, count(trace, "flipcall_shutdown", gone.id, ""));
	EXPECT_EQ(1, count(trace, "flipcall_conn_destroy", gone.id,
			   "client_handoffs=1 server_handoffs=1 end=server-gone"));

	EXPECT_EQ(1, count(trace, "flipcall_conn_create", shut.id,
			   "window_len=4096"));
	EXPECT_EQ(1, count(trace, "flipcall_shutdown", shut.id,
			   "reason=shutdown-server"));
	/* The first ending wins: closing both sides later adds none. */
	EXPECT_EQ(0, count(trace, "flipcall_peer_gone", shut.id, ""));
	EXPECT_EQ(1, count(trace, "flipcall_conn_destroy", shut.id,
			   "end=shutdown-server"));
	free(trace);
}

/* Long enough for a peer on the other CPU to answer while we spin. */
#define LONG_SPIN_NS	2000000

/* A spinning connection, created through the raw ioctl for its spin_ns. */
static int create_spinning(struct fctest_conn *c, struct fct_param_saved *saved)
{
	struct flipcall_create create = {
		.window_len = 4096,
		.flags = FLIPCALL_CREATE_SPIN | FLIPCALL_CREATE_CLOEXEC,
		.spin_ns = LONG_SPIN_NS,
	};
	int ctl, ret;

	ret = fct_param_override(saved, "max_spin_ns", LONG_SPIN_NS);
	if (ret)
		return ret;
	ctl = fct_open_ctl();
	if (ctl < 0)
		return ctl;
	ret = fct_create_raw(ctl, &create);
	close(ctl);
	c->client = create.client_fd;
	c->server = create.server_fd;
	c->id = create.conn_id;
	return ret;
}

TEST_F(trace, events_match_the_counters)
{
	static const char *const sides[] = { "side=client", "side=server" };
	const struct fcnl_endpoint *ep;
	struct fcnl_conn got;
	struct fctest_conn c;
	struct fcnl *nl;
	char *trace;
	int release, side, sleeps;
	pid_t server;

	ASSERT_EQ(0, fcnl_open(&nl));
	ASSERT_EQ(0, create_spinning(&c, &self->saved));
	server = fctest_serve(&c, ROUNDS, &release);
	ASSERT_GT(server, 0);
	ASSERT_EQ(0, fctest_ping(&c, ROUNDS));
	ASSERT_EQ(0, fcnl_conn_get(nl, c.id, &got));
	EXPECT_EQ(LONG_SPIN_NS, got.spin_ns);
	trace = tracefs_read();
	ASSERT_NE(NULL, trace);

	for (side = 0; side < 2; side++) {
		ep = &got.ep[side];
		EXPECT_EQ(ROUNDS, ep->handoffs);
		EXPECT_EQ(ep->spin_hits,
			  count(trace, "flipcall_spin_hit", c.id, sides[side]));
		EXPECT_EQ(ep->wakes,
			  count(trace, "flipcall_wake", c.id, sides[side]));
		/* One event per schedule(); a wait may schedule twice. */
		sleeps = count(trace, "flipcall_sleep", c.id, sides[side]);
		EXPECT_LE(ep->sleeps, sleeps);
		EXPECT_EQ(!ep->sleeps, !sleeps);
		TH_LOG("%s: handoffs %" PRIu64 " sleeps %" PRIu64
		       " (events %d) spin hits %" PRIu64 " wakes %" PRIu64,
		       sides[side], ep->handoffs, ep->sleeps, sleeps,
		       ep->spin_hits, ep->wakes);
	}
	free(trace);
	ASSERT_EQ(0, fctest_serve_end(server, release));
	fctest_close(&c);
	fcnl_close(nl);
}

TEST_HARNESS_MAIN
