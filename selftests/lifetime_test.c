// SPDX-License-Identifier: GPL-2.0
/*
 * Connection lifetime: the window outlives whichever of its fds and mappings
 * goes first, the per-user budget is held until the last of them goes, a
 * dying process releases everything, create/close cycles return their
 * memory, and the window is charged to its creator's memory cgroup.
 */
#include <errno.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "flipcall_test.h"
#include "kselftest_harness.h"

#define LIMIT_PAGES	2
#define WINDOW_LEN	(LIMIT_PAGES * FCT_PAGE)
#define SEED		0x5eed
/* The kernel owns the packet header (it records the ending there). */
#define DATA_LEN	(WINDOW_LEN - FLIPCALL_PACKET_HEADER_BYTES)

FIXTURE(lifetime) {
	int ctl;
	struct flipcall_create conn;
	struct fct_param_saved limit;
};

/* Every test owns a connection whose window fills the whole user budget. */
FIXTURE_SETUP(lifetime)
{
	FCT_ASSERT_OPEN_CTL(self->ctl);
	ASSERT_EQ(0, fct_param_override(&self->limit, "user_limit", WINDOW_LEN));
	ASSERT_EQ(0, fct_create(self->ctl, WINDOW_LEN, 0, &self->conn));
}

FIXTURE_TEARDOWN(lifetime)
{
	if (self->conn.client_fd >= 0)
		close(self->conn.client_fd);
	if (self->conn.server_fd >= 0)
		close(self->conn.server_fd);
	fct_param_restore(&self->limit);
	close(self->ctl);
}

static void close_client(FIXTURE_DATA(lifetime) *self)
{
	close(self->conn.client_fd);
	self->conn.client_fd = -1;
}

static void close_server(FIXTURE_DATA(lifetime) *self)
{
	close(self->conn.server_fd);
	self->conn.server_fd = -1;
}

/* 0 when a one-page window can be created now, i.e. the budget is free. */
static int budget_free(int ctl)
{
	struct flipcall_create c;
	int ret = fct_create(ctl, FCT_PAGE, 0, &c);

	if (!ret) {
		close(c.client_fd);
		close(c.server_fd);
	}
	return ret;
}

TEST_F(lifetime, close_then_munmap_keeps_window_until_unmapped)
{
	unsigned char *win = fct_map(self->conn.client_fd, WINDOW_LEN, 0);

	ASSERT_NE(MAP_FAILED, win);
	fct_fill(FCT_DATA(win), DATA_LEN, SEED);
	close_client(self);
	close_server(self);
	EXPECT_TRUE(fct_check_fill(FCT_DATA(win), DATA_LEN, SEED));
	win[WINDOW_LEN - 1] = 0x5a;
	EXPECT_EQ(0x5a, win[WINDOW_LEN - 1]);
	EXPECT_EQ(-EDQUOT, budget_free(self->ctl));
	EXPECT_EQ(0, munmap(win, WINDOW_LEN));
	EXPECT_EQ(0, budget_free(self->ctl));
}

TEST_F(lifetime, munmap_then_close_releases_on_last_close)
{
	unsigned char *win = fct_map(self->conn.server_fd, WINDOW_LEN, 0);

	ASSERT_NE(MAP_FAILED, win);
	fct_fill(FCT_DATA(win), DATA_LEN, SEED);
	EXPECT_EQ(0, munmap(win, WINDOW_LEN));
	EXPECT_EQ(-EDQUOT, budget_free(self->ctl));
	close_server(self);
	EXPECT_EQ(-EDQUOT, budget_free(self->ctl));
	close_client(self);
	EXPECT_EQ(0, budget_free(self->ctl));
}

TEST_F(lifetime, budget_held_while_one_endpoint_is_open)
{
	close_client(self);
	EXPECT_EQ(-EDQUOT, budget_free(self->ctl));
	close_server(self);
	EXPECT_EQ(0, budget_free(self->ctl));
}

TEST_F(lifetime, budget_held_until_last_of_two_mappings_goes)
{
	void *a = fct_map(self->conn.client_fd, WINDOW_LEN, 0);
	void *b = fct_map(self->conn.server_fd, FCT_PAGE, FCT_PAGE);

	ASSERT_NE(MAP_FAILED, a);
	ASSERT_NE(MAP_FAILED, b);
	close_client(self);
	close_server(self);
	EXPECT_EQ(0, munmap(a, WINDOW_LEN));
	EXPECT_EQ(-EDQUOT, budget_free(self->ctl));
	EXPECT_EQ(0, munmap(b, FCT_PAGE));
	EXPECT_EQ(0, budget_free(self->ctl));
}

/* A partial munmap splits the mapping; the window stays until both halves go. */
TEST_F(lifetime, budget_held_by_part_of_a_split_mapping)
{
	unsigned char *win = fct_map(self->conn.client_fd, WINDOW_LEN, 0);

	ASSERT_NE(MAP_FAILED, win);
	close_client(self);
	close_server(self);
	EXPECT_EQ(0, munmap(win, FCT_PAGE));
	EXPECT_EQ(-EDQUOT, budget_free(self->ctl));
	EXPECT_EQ(0, munmap(win + FCT_PAGE, FCT_PAGE));
	EXPECT_EQ(0, budget_free(self->ctl));
}

TEST_F(lifetime, mapping_inherited_by_fork_holds_the_window)
{
	unsigned char *win = fct_map(self->conn.client_fd, WINDOW_LEN, 0);
	int go[2], status;
	pid_t pid;

	ASSERT_NE(MAP_FAILED, win);
	ASSERT_EQ(0, pipe(go));
	pid = fct_fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(go[1]);
		close_client(self);
		close_server(self);
		if (fct_expect(go[0], FCT_WAIT_MS, NULL))
			_exit(1);
		_exit(fct_check_fill(FCT_DATA(win), DATA_LEN, SEED) ? 0 : 2);
	}
	close(go[0]);
	fct_fill(FCT_DATA(win), DATA_LEN, SEED);
	EXPECT_EQ(0, munmap(win, WINDOW_LEN));
	close_client(self);
	close_server(self);
	EXPECT_EQ(-EDQUOT, budget_free(self->ctl));
	ASSERT_EQ(0, fct_notify(go[1], 'g'));
	ASSERT_EQ(0, fct_wait_child(pid, FCT_WAIT_MS, &status));
	EXPECT_EQ(0, status);
	EXPECT_EQ(0, budget_free(self->ctl));
}

/*
 * Closing the last fd of an endpoint ends the connection even while the
 * window stays mapped: the mapping keeps the memory, not the endpoint.
 */
TEST_F(lifetime, server_maps_then_closes_client_sees_server_gone)
{
	unsigned char *win = fct_map(self->conn.server_fd, WINDOW_LEN, 0);
	struct flipcall_endpoint_info info;

	ASSERT_NE(MAP_FAILED, win);
	close_server(self);
	ASSERT_EQ(0, fct_info(self->conn.client_fd, &info));
	EXPECT_EQ(FLIPCALL_END_SERVER_GONE, info.end_reason);
	EXPECT_EQ(-ECONNRESET, fct_handoff_timed(self->conn.client_fd,
						 FLIPCALL_OP_CONNECT, 0, NULL,
						 FCT_WAIT_MS));
	/* The memory is still the mapping's, and still charged. */
	fct_fill(FCT_DATA(win), DATA_LEN, SEED);
	EXPECT_TRUE(fct_check_fill(FCT_DATA(win), DATA_LEN, SEED));
	close_client(self);
	EXPECT_EQ(-EDQUOT, budget_free(self->ctl));
	EXPECT_EQ(0, munmap(win, WINDOW_LEN));
	EXPECT_EQ(0, budget_free(self->ctl));
}

/* A child that inherited only the mapping cannot keep a dead peer alive. */
TEST_F(lifetime, forked_mapping_does_not_keep_dead_server_connected)
{
	unsigned char *win = fct_map(self->conn.server_fd, WINDOW_LEN, 0);
	struct flipcall_endpoint_info info;
	int go[2], closed[2], status;
	pid_t pid;

	ASSERT_NE(MAP_FAILED, win);
	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(closed));
	pid = fct_fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(go[1]);
		close_client(self);
		close_server(self);
		fct_notify(closed[1], 'c');
		_exit(fct_expect(go[0], FCT_WAIT_MS, NULL) ? 1 : 0);
	}
	close(go[0]);
	/* Only the child's mapping is left besides this process's fds. */
	ASSERT_EQ(0, fct_expect(closed[0], FCT_WAIT_MS, NULL));
	EXPECT_EQ(0, munmap(win, WINDOW_LEN));
	close_server(self);
	ASSERT_EQ(0, fct_info(self->conn.client_fd, &info));
	EXPECT_EQ(FLIPCALL_END_SERVER_GONE, info.end_reason);
	EXPECT_EQ(-ECONNRESET, fct_handoff_timed(self->conn.client_fd,
						 FLIPCALL_OP_CONNECT, 0, NULL,
						 FCT_WAIT_MS));
	ASSERT_EQ(0, fct_notify(go[1], 'g'));
	ASSERT_EQ(0, fct_wait_child(pid, FCT_WAIT_MS, &status));
	EXPECT_EQ(0, status);
}

/*
 * The body of a child that fills the whole budget with a fresh connection,
 * then either maps both ends and pauses or blocks in a hand-off nobody
 * receives; either way it only ends by being killed.
 */
static int hold_until_killed(int ctl, int ready_fd, bool block_in_handoff)
{
	struct flipcall_create c;

	if (fct_create(ctl, WINDOW_LEN, 0, &c))
		return 1;
	if (!block_in_handoff &&
	    (fct_map(c.client_fd, WINDOW_LEN, 0) == MAP_FAILED ||
	     fct_map(c.server_fd, WINDOW_LEN, 0) == MAP_FAILED))
		return 2;
	fct_notify(ready_fd, 'r');
	if (block_in_handoff)
		fct_handoff(c.client_fd, FLIPCALL_OP_CONNECT, 0, 0, NULL);
	else
		pause();
	return 3;
}

static void kill_holder_and_check_release(struct __test_metadata *_metadata,
					  FIXTURE_DATA(lifetime) *self,
					  bool block_in_handoff)
{
	int ready[2], status;
	pid_t pid;

	close_client(self);
	close_server(self);
	ASSERT_EQ(0, pipe(ready));
	pid = fct_fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(hold_until_killed(self->ctl, ready[1], block_in_handoff));
	close(ready[1]);
	ASSERT_EQ(0, fct_expect(ready[0], FCT_WAIT_MS, NULL));
	ASSERT_EQ(0, fct_wait_sleeping(pid, FCT_WAIT_MS));
	EXPECT_EQ(-EDQUOT, budget_free(self->ctl));
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(0, fct_wait_child(pid, FCT_WAIT_MS, &status));
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(0, budget_free(self->ctl));
}

TEST_F(lifetime, killed_process_holding_everything_releases_it)
{
	kill_holder_and_check_release(_metadata, self, false);
}

/* SIGKILL while blocked in a hand-off: the fatal signal path releases all. */
TEST_F(lifetime, process_killed_in_a_wait_releases_it)
{
	kill_holder_and_check_release(_metadata, self, true);
}

/* Memory the kernel holds for flipcall, in KiB. */
struct mem_probe {
	char memcg[256];
	bool have_memcg;
};

static int probe_kb(struct mem_probe *probe, int64_t *kb)
{
	uint64_t value, free_kb, slab_kb;
	int ret;

	if (probe->have_memcg) {
		ret = fct_memcg_current(probe->memcg, &value);
		*kb = value / 1024;
		return ret;
	}
	/*
	 * Without memcg: pages not free and not slab. Slab is left out because
	 * KASAN's quarantine holds freed objects for a while; leaked window
	 * pages still show.
	 */
	ret = fct_meminfo_kb("MemFree", &free_kb);
	if (!ret)
		ret = fct_meminfo_kb("Slab", &slab_kb);
	*kb = -(int64_t)(free_kb + slab_kb);
	return ret;
}

static int create_close_cycles(int ctl, int cycles)
{
	int i, ret = 0;

	for (i = 0; i < cycles && !ret; i++) {
		struct flipcall_create c;
		unsigned char *win;

		ret = fct_create(ctl, FCT_PAGE, 0, &c);
		if (ret)
			break;
		win = fct_map(c.server_fd, FCT_PAGE, 0);
		if (win == MAP_FAILED)
			ret = -errno;
		else
			win[i % FCT_PAGE] = 1;	/* fault the page in */
		if (win != MAP_FAILED)
			munmap(win, FCT_PAGE);
		close(c.client_fd);
		close(c.server_fd);
	}
	return ret;
}

/*
 * 1000 cycles of create, map, touch, unmap, close must leave memory where it
 * was; a leak of one page per cycle (4000 KiB) exceeds the tolerance.
 */
TEST_F_TIMEOUT(lifetime, create_close_cycles_return_memory, 300)
{
	const int64_t tolerance_kb = 1536;
	struct mem_probe probe = { 0 };
	int64_t before, after;

	close_client(self);
	close_server(self);
	probe.have_memcg = !fct_memcg_enter(probe.memcg, sizeof(probe.memcg));
	TH_LOG("measuring with %s", probe.have_memcg ? probe.memcg :
						    "/proc/meminfo");
	/* Warm up slab caches, per-cpu lists and charge stocks. */
	ASSERT_EQ(0, create_close_cycles(self->ctl, 200));
	ASSERT_EQ(0, probe_kb(&probe, &before));
	ASSERT_EQ(0, create_close_cycles(self->ctl, 1000));
	ASSERT_EQ(0, probe_kb(&probe, &after));
	if (probe.have_memcg)
		fct_memcg_leave(probe.memcg);
	TH_LOG("before %lld KiB, after %lld KiB", (long long)before,
	       (long long)after);
	EXPECT_GT(tolerance_kb, after - before);
	EXPECT_EQ(0, budget_free(self->ctl));
}

/* The window's pages are charged to the cgroup of the process creating it. */
TEST_F(lifetime, window_is_charged_to_creator_memcg)
{
	const uint64_t window = 2 << 20;
	struct fct_param_saved max_len = { 0 };
	struct flipcall_create c;
	uint64_t before, created, closed;
	char memcg[256];

	close_client(self);
	close_server(self);
	if (fct_memcg_enter(memcg, sizeof(memcg)))
		SKIP(return, "no cgroup2 memory controller");
	fct_param_restore(&self->limit);
	ASSERT_EQ(0, fct_param_override(&max_len, "max_window_len", window));
	ASSERT_EQ(0, fct_memcg_current(memcg, &before));
	ASSERT_EQ(0, fct_create(self->ctl, window, 0, &c));
	ASSERT_EQ(0, fct_memcg_current(memcg, &created));
	close(c.client_fd);
	close(c.server_fd);
	ASSERT_EQ(0, fct_memcg_current(memcg, &closed));
	fct_param_restore(&max_len);
	fct_memcg_leave(memcg);
	TH_LOG("memory.current %llu -> %llu -> %llu",
	       (unsigned long long)before, (unsigned long long)created,
	       (unsigned long long)closed);
	/* Per-cpu charge stocks blur this by up to 64 pages per CPU. */
	EXPECT_LE(before + window * 3 / 4, created);
	EXPECT_GE(before + window + (1 << 20), created);
	EXPECT_LE(closed + window * 3 / 4, created);
}

/*
 * Window memory over the creator's memory.max fails CREATE with ENOMEM
 * instead of OOM-killing the caller, and leaves nothing behind.
 */
TEST_F(lifetime, window_over_memcg_limit_is_enomem)
{
	const uint64_t window = 16 << 20;
	struct fct_param_saved max_len = { 0 };
	struct flipcall_create c;
	char memcg[256], max_file[300];
	uint64_t current;
	FILE *f;

	close_client(self);
	close_server(self);
	if (fct_memcg_enter(memcg, sizeof(memcg)))
		SKIP(return, "no cgroup2 memory controller");
	fct_param_restore(&self->limit);
	ASSERT_EQ(0, fct_param_override(&max_len, "max_window_len", window));
	ASSERT_EQ(0, fct_memcg_current(memcg, &current));
	snprintf(max_file, sizeof(max_file), "%s/memory.max", memcg);
	f = fopen(max_file, "w");
	ASSERT_NE(NULL, f);
	fprintf(f, "%llu\n", (unsigned long long)current + (4 << 20));
	ASSERT_EQ(0, fclose(f));

	EXPECT_EQ(-ENOMEM, fct_create(self->ctl, window, 0, &c));

	f = fopen(max_file, "w");
	ASSERT_NE(NULL, f);
	fprintf(f, "max\n");
	ASSERT_EQ(0, fclose(f));
	fct_param_restore(&max_len);
	fct_memcg_leave(memcg);
	EXPECT_EQ(0, budget_free(self->ctl));
}

TEST_HARNESS_MAIN
