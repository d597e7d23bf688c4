// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Concurrency: one client shared by more threads than it has channels (the
 * extra calls go over the socket), and many connections at once, each
 * checking that every answer is its own (gVisor's TestStress does 8 x 5000
 * echoes; ours reads back per-thread file contents).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lisafs_test_util.h"

#define THREADS	8

struct worker {
	struct lisafs_client *c;
	uint64_t root;
	int id;
	int iterations;
	int errors;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	char name[16], want[32], got[32];
	uint64_t ofd;
	struct lisafs_inode child;

	snprintf(name, sizeof(name), "t%d", w->id);
	snprintf(want, sizeof(want), "thread %d data", w->id);
	if (lisafs_client_open_create_at(w->c, w->root, name, O_RDWR, 0644,
					 LISAFS_NO_UID, LISAFS_NO_GID, &child,
					 &ofd, NULL) ||
	    lisafs_client_pwrite(w->c, ofd, want, strlen(want), 0) !=
	    (ssize_t)strlen(want)) {
		w->errors++;
		return NULL;
	}
	for (int i = 0; i < w->iterations; i++) {
		struct statx st;

		memset(got, 0, sizeof(got));
		if (lisafs_client_pread(w->c, ofd, got, sizeof(got), 0) !=
		    (ssize_t)strlen(want) || strcmp(got, want))
			w->errors++;
		if (lisafs_client_fstat(w->c, child.fdid, &st) ||
		    st.stx_ino != child.stat.stx_ino)
			w->errors++;
	}
	lisafs_client_close(w->c, &ofd, 1);
	return NULL;
}

static int iterations(void)
{
	return getenv("LISAFS_TEST_QUICK") ? 300 : 3000;
}

TEST(one_client_many_threads)
{
	struct lt_env e;
	struct worker w[THREADS];
	pthread_t t[THREADS];
	int before;

	ASSERT_EQ(0, lt_setup(&e, 0, LT_FUTEX));
	before = e.fds_before;
	for (int i = 0; i < THREADS; i++) {
		w[i] = (struct worker){ .c = e.c, .root = e.root.fdid, .id = i,
					.iterations = iterations() };
		ASSERT_EQ(0, pthread_create(&t[i], NULL, work, &w[i]));
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		EXPECT_EQ(0, w[i].errors);
	}
	lt_teardown(&e);
	EXPECT_EQ(before, lt_wait_fds(before, 2000));
}

TEST(many_connections)
{
	struct lisafs_client *c[THREADS];
	struct lisafs_inode root;
	struct worker w[THREADS];
	pthread_t t[THREADS];
	struct lt_env e;
	int before;

	ASSERT_EQ(0, lt_setup(&e, 0, LT_FUTEX));
	before = e.fds_before;
	for (int i = 0; i < THREADS; i++) {
		ASSERT_EQ(0, lt_connect(&e, i % 2 ? LT_SOCKET : LT_FUTEX, &c[i],
					&root));
		w[i] = (struct worker){ .c = c[i], .root = root.fdid, .id = i,
					.iterations = iterations() / 4 };
		ASSERT_EQ(0, pthread_create(&t[i], NULL, work, &w[i]));
	}
	EXPECT_EQ(THREADS + 1, lisafs_server_connections(e.srv));
	for (int i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		EXPECT_EQ(0, w[i].errors);
		lisafs_client_destroy(c[i]);
	}
	lt_teardown(&e);
	EXPECT_EQ(before, lt_wait_fds(before, 2000));
}

/* Stopping the server with busy clients: every call ends, nothing hangs. */
TEST(stop_with_busy_clients)
{
	struct lisafs_client *c[4];
	struct lisafs_inode root;
	struct worker w[4];
	pthread_t t[4];
	struct lt_env e;

	ASSERT_EQ(0, lt_setup(&e, 0, LT_FUTEX));
	for (int i = 0; i < 4; i++) {
		ASSERT_EQ(0, lt_connect(&e, LT_FUTEX, &c[i], &root));
		w[i] = (struct worker){ .c = c[i], .root = root.fdid, .id = i,
					.iterations = 1000000 };
		ASSERT_EQ(0, pthread_create(&t[i], NULL, work, &w[i]));
	}
	usleep(100000);
	EXPECT_EQ(0, lisafs_server_stop(e.srv));
	EXPECT_EQ(0, lisafs_server_connections(e.srv));
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);	/* they fail out, not hang */
		EXPECT_LT(0, w[i].errors);
		lisafs_client_destroy(c[i]);
	}
	lt_teardown(&e);
}

TEST_HARNESS_MAIN
