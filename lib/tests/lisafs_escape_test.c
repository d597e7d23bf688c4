// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Escape corpus: each test tries to reach outside the export and must
 * fail. Symlinks to "/" and ".." and into /proc, unsafe names in every
 * name-taking MID, FDIDs of another connection, a directory renamed while
 * another connection walks below it, and a file replaced by a symlink
 * between Walk and OpenAt. The "outside" directory is the export's parent,
 * holding a file whose inode must never come back.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lisafs/wire.h"
#include "lisafs_test_util.h"

FIXTURE(escape) {
	struct lt_env e;
	uint64_t secret_ino;	/* outside/secret */
	uint64_t outside_ino;	/* the export's parent */
};

FIXTURE_SETUP(escape)
{
	char path[128];
	struct stat st;
	int t = lt_default_transport();

	if (t == LT_DEVICE && !lt_device_present())
		t = LT_FUTEX;
	ASSERT_EQ(0, lt_setup(&self->e, LISAFS_SERVER_ALLOW_SOCKETS, t));
	snprintf(path, sizeof(path), "%s/secret", self->e.outside);
	ASSERT_EQ(0, lt_write_file(path, "secret"));
	ASSERT_EQ(0, stat(path, &st));
	self->secret_ino = st.st_ino;
	ASSERT_EQ(0, stat(self->e.outside, &st));
	self->outside_ino = st.st_ino;
}

FIXTURE_TEARDOWN(escape)
{
	int before = self->e.fds_before;

	lt_teardown(&self->e);
	EXPECT_EQ(before, lt_wait_fds(before, 2000));
}

#define C (self->e.c)
#define ROOT (self->e.root.fdid)

/* No inode handed out may be the outside dir or the secret. */
#define EXPECT_INSIDE(ino) do { \
	EXPECT_NE(self->secret_ino, (ino).stat.stx_ino); \
	EXPECT_NE(self->outside_ino, (ino).stat.stx_ino); \
} while (0)

static void walk_through_link(struct __test_metadata *_metadata,
			      FIXTURE_DATA(escape) *self, const char *link,
			      const char *next)
{
	const char *names[] = { link, next };
	struct lisafs_inode ino[2];
	struct statx st[2];
	size_t n = 9;
	uint8_t status = 9;
	uint64_t ofd;
	char buf[64];

	ASSERT_EQ(0, lisafs_client_walk(C, ROOT, names, 2, ino, &n, &status));
	EXPECT_EQ(LISAFS_WALK_COMPONENT_SYMLINK, status);
	ASSERT_EQ(1, n);
	EXPECT_TRUE(S_ISLNK(ino[0].stat.stx_mode));
	EXPECT_INSIDE(ino[0]);
	/* Opening the link: EINVAL; walking on from it stops at once. */
	EXPECT_EQ(-EINVAL, lisafs_client_openat(C, ino[0].fdid, O_RDONLY, &ofd,
						NULL));
	ASSERT_EQ(0, lisafs_client_walk(C, ino[0].fdid, names + 1, 1, ino + 1,
					&n, &status));
	EXPECT_EQ(0, n);
	EXPECT_EQ(LISAFS_WALK_COMPONENT_SYMLINK, status);
	/* WalkStat stops at the link too. */
	ASSERT_EQ(0, lisafs_client_walk_stat(C, ROOT, names, 2, st, &n));
	EXPECT_EQ(1, n);
	EXPECT_TRUE(S_ISLNK(st[0].stx_mode));
	/* ReadLinkAt only reads the text; nothing is resolved. */
	EXPECT_LT(0, lisafs_client_readlinkat(C, ino[0].fdid, buf,
					      sizeof(buf)));
	/* Creating below the link: not a directory. */
	EXPECT_EQ(-ENOTDIR, lisafs_client_mkdirat(C, ino[0].fdid, "x", 0700,
						  0, 0, NULL));
	EXPECT_EQ(-ENOTDIR, lisafs_client_open_create_at(C, ino[0].fdid, "x",
							 O_RDWR, 0600, 0, 0,
							 NULL, &ofd, NULL));
}

TEST_F(escape, symlink_to_root)
{
	ASSERT_EQ(0, symlink("/", lt_path(&self->e, "rootlink")));
	walk_through_link(_metadata, self, "rootlink", "etc");
}

TEST_F(escape, symlink_to_dotdot)
{
	ASSERT_EQ(0, symlink("..", lt_path(&self->e, "up")));
	walk_through_link(_metadata, self, "up", "secret");
	ASSERT_EQ(0, mkdir(lt_path(&self->e, "sub"), 0755));
	ASSERT_EQ(0, symlink("../..", lt_path(&self->e, "sub/up2")));
	{
		const char *names[] = { "sub", "up2", "secret" };
		struct lisafs_inode ino[3];
		size_t n;
		uint8_t status;

		ASSERT_EQ(0, lisafs_client_walk(C, ROOT, names, 3, ino, &n,
						&status));
		EXPECT_EQ(LISAFS_WALK_COMPONENT_SYMLINK, status);
		EXPECT_EQ(2, n);
	}
}

TEST_F(escape, symlinks_into_proc)
{
	char target[64];

	ASSERT_EQ(0, symlink("/proc/self/root", lt_path(&self->e, "pr")));
	walk_through_link(_metadata, self, "pr", "etc");
	snprintf(target, sizeof(target), "/proc/self/fd/%d", 3);
	ASSERT_EQ(0, symlink(target, lt_path(&self->e, "pfd")));
	walk_through_link(_metadata, self, "pfd", "x");
	ASSERT_EQ(0, symlink("/proc/self/cwd", lt_path(&self->e, "pcwd")));
	walk_through_link(_metadata, self, "pcwd", "x");
	/* A hard link of such a link links the link, never its target. */
	{
		uint64_t l = lt_walk1(C, ROOT, "pr", NULL);
		struct lisafs_inode h;
		struct stat st;

		ASSERT_NE(0, l);
		ASSERT_EQ(0, lisafs_client_linkat(C, ROOT, "hl", l, &h));
		EXPECT_TRUE(S_ISLNK(h.stat.stx_mode));
		ASSERT_EQ(0, lstat(lt_path(&self->e, "hl"), &st));
		EXPECT_TRUE(S_ISLNK(st.st_mode));
		/* SetStat through it cannot touch its target either. */
		struct lisafs_setstat ss = { .mask = STATX_MODE, .mode = 0 };
		uint32_t fm = 0;
		int fe = 0;

		EXPECT_EQ(0, lisafs_client_setstat(C, l, &ss, &fm, &fe));
		ASSERT_EQ(0, stat("/proc/self/root", &st));
		EXPECT_NE(0, st.st_mode & 0777);
	}
}

/* Raw requests with each bad name, for every MID that takes a name. */
TEST_F(escape, unsafe_names_every_mid)
{
	static const char *const bad[] = { "..", ".", "", "a/b", "/",
					   "../secret", "/etc" };
	uint64_t file = 0, ofd;
	uint8_t buf[256];

	file = 0;
	ASSERT_EQ(0, lisafs_client_open_create_at(C, ROOT, "f", O_RDWR, 0644,
						  LISAFS_NO_UID, LISAFS_NO_GID,
						  NULL, &ofd, NULL));
	file = lt_walk1(C, ROOT, "f", NULL);
	ASSERT_NE(0, file);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *name = bad[i];
		size_t len = strlen(name);
		struct lfs_wr w;

#define CALL(mid) EXPECT_EQ(-EINVAL, lisafs_client_call(C, mid, buf, w.off, \
				NULL, 0, NULL, NULL, 0, NULL))
#define CC() do { lfs_wr_u64(&w, ROOT); lfs_wr_u32(&w, 0); lfs_wr_u32(&w, 0); \
		  lfs_wr_u16(&w, 0644); lfs_wr_bytes(&w, "\0\0\0\0\0\0", 6); } while (0)
		lfs_wr_init(&w, buf, sizeof(buf));
		lfs_wr_u64(&w, ROOT); lfs_wr_u16(&w, 1);
		lfs_wr_string(&w, name, len);
		CALL(LISAFS_MID_WALK);
		if (len)	/* "" first is WalkStat's "this dir" */
			CALL(LISAFS_MID_WALK_STAT);
		lfs_wr_init(&w, buf, sizeof(buf));
		CC(); lfs_wr_u32(&w, O_RDWR); lfs_wr_string(&w, name, len);
		CALL(LISAFS_MID_OPEN_CREATE_AT);
		lfs_wr_init(&w, buf, sizeof(buf));
		CC(); lfs_wr_string(&w, name, len);
		CALL(LISAFS_MID_MKDIRAT);
		lfs_wr_init(&w, buf, sizeof(buf));
		CC(); lfs_wr_u32(&w, 0); lfs_wr_u32(&w, 0);
		lfs_wr_string(&w, name, len);
		CALL(LISAFS_MID_MKNODAT);
		lfs_wr_init(&w, buf, sizeof(buf));
		CC(); lfs_wr_u32(&w, SOCK_STREAM); lfs_wr_string(&w, name, len);
		CALL(LISAFS_MID_BINDAT);
		lfs_wr_init(&w, buf, sizeof(buf));
		lfs_wr_u64(&w, ROOT); lfs_wr_u32(&w, 0); lfs_wr_u32(&w, 0);
		lfs_wr_string(&w, name, len); lfs_wr_string(&w, "t", 1);
		CALL(LISAFS_MID_SYMLINKAT);
		lfs_wr_init(&w, buf, sizeof(buf));
		lfs_wr_u64(&w, ROOT); lfs_wr_u64(&w, file);
		lfs_wr_string(&w, name, len);
		CALL(LISAFS_MID_LINKAT);
		lfs_wr_init(&w, buf, sizeof(buf));
		lfs_wr_u64(&w, ROOT); lfs_wr_u32(&w, 0);
		lfs_wr_string(&w, name, len);
		CALL(LISAFS_MID_UNLINKAT);
		lfs_wr_init(&w, buf, sizeof(buf));
		lfs_wr_u64(&w, ROOT); lfs_wr_u64(&w, ROOT);
		lfs_wr_string(&w, "f", 1); lfs_wr_string(&w, name, len);
		CALL(LISAFS_MID_RENAMEAT);
		lfs_wr_init(&w, buf, sizeof(buf));
		lfs_wr_u64(&w, ROOT); lfs_wr_u64(&w, ROOT);
		lfs_wr_string(&w, name, len); lfs_wr_string(&w, "g", 1);
		lfs_wr_u32(&w, 0);
		CALL(LISAFS_MID_RENAMEAT2);
#undef CALL
#undef CC
	}
	/* And a NUL inside a name. */
	{
		struct lfs_wr w;

		lfs_wr_init(&w, buf, sizeof(buf));
		lfs_wr_u64(&w, ROOT); lfs_wr_u32(&w, 0); lfs_wr_u32(&w, 0);
		lfs_wr_u16(&w, 0644); lfs_wr_bytes(&w, "\0\0\0\0\0\0", 6);
		lfs_wr_string(&w, "ok\0/../x", 8);
		EXPECT_EQ(-EINVAL, lisafs_client_call(C, LISAFS_MID_MKDIRAT, buf,
						      w.off, NULL, 0, NULL,
						      NULL, 0, NULL));
	}
	/* Nothing was created outside (or inside). */
	EXPECT_EQ(-1, access(lt_path(&self->e, "../g"), F_OK));
	EXPECT_EQ(0, access(lt_path(&self->e, "f"), F_OK));
}

TEST_F(escape, fdids_of_another_connection)
{
	struct lisafs_client *other;
	struct lisafs_inode oroot, d;
	uint64_t file, ofd;

	ASSERT_EQ(0, lisafs_client_mkdirat(C, ROOT, "d", 0755, LISAFS_NO_UID,
					   LISAFS_NO_GID, &d));
	/* This connection makes FDIDs well past the other's. */
	for (int i = 0; i < 20; i++)
		ASSERT_NE(0, lt_walk1(C, ROOT, "d", NULL));
	ASSERT_EQ(0, lisafs_client_open_create_at(C, ROOT, "f", O_RDWR, 0644,
						  LISAFS_NO_UID, LISAFS_NO_GID,
						  NULL, &ofd, NULL));
	file = lt_walk1(C, ROOT, "f", NULL);
	ASSERT_LT(5, file);
	ASSERT_EQ(0, lt_connect(&self->e, LT_SOCKET, &other, &oroot));
	EXPECT_EQ(-EBADF, lisafs_client_linkat(other, oroot.fdid, "stolen",
					       file, NULL));
	EXPECT_EQ(-EBADF, lisafs_client_renameat(other, d.fdid, "x",
						 oroot.fdid, "y"));
	EXPECT_EQ(-EBADF, lisafs_client_renameat(other, oroot.fdid, "f",
						 d.fdid, "y"));
	EXPECT_EQ(-EBADF, lisafs_client_pread(other, ofd, &ofd, 1, 0));
	EXPECT_EQ(-1, access(lt_path(&self->e, "stolen"), F_OK));
	lisafs_client_destroy(other);
}

/* Renames that must happen while the walker walks. */
#define RACING_RENAMES 100

struct race {
	struct lisafs_client *c;
	uint64_t root;
	int iterations;
	volatile int stop;
	int renames;
};

static void *renamer(void *arg)
{
	struct race *r = arg;

	for (int i = 0; !r->stop; i++) {
		/* Move the directory between two names and into a sibling. */
		if (lisafs_client_renameat(r->c, r->root, i & 1 ? "a2" : "a",
					   r->root, i & 1 ? "a" : "a2") == 0)
			__atomic_add_fetch(&r->renames, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

TEST_F(escape, rename_races_walk)
{
	const char *const p1[] = { "a", "b", "f" };
	const char *const p2[] = { "a2", "b", "f" };
	struct lisafs_client *walker;
	struct lisafs_inode wroot, ino[3];
	struct race r = { .c = C, .root = ROOT };
	struct stat a, b, f;
	pthread_t t;
	int iters = getenv("LISAFS_TEST_QUICK") ? 1000 : 10000, ok = 0;
	unsigned int seed = 1;
	time_t deadline;

	ASSERT_EQ(0, mkdir(lt_path(&self->e, "a"), 0755));
	ASSERT_EQ(0, mkdir(lt_path(&self->e, "a/b"), 0755));
	ASSERT_EQ(0, lt_write_file(lt_path(&self->e, "a/b/f"), "in"));
	ASSERT_EQ(0, stat(lt_path(&self->e, "a"), &a));
	ASSERT_EQ(0, stat(lt_path(&self->e, "a/b"), &b));
	ASSERT_EQ(0, stat(lt_path(&self->e, "a/b/f"), &f));
	ASSERT_EQ(0, lt_connect(&self->e, LT_FUTEX, &walker, &wroot));
	ASSERT_EQ(0, pthread_create(&t, NULL, renamer, &r));
	/*
	 * At least iters walks, and on until the renamer has really raced
	 * them: with spinning hand-offs on two busy CPUs the walks can all be
	 * done before the renamer thread first runs.
	 */
	deadline = time(NULL) + 30;
	for (int i = 0; i < iters ||
	     (__atomic_load_n(&r.renames, __ATOMIC_RELAXED) < RACING_RENAMES &&
	      time(NULL) < deadline); i++) {
		size_t n = 0;
		uint8_t st;
		/* Not i & 1: with fast hand-offs the walker and the renamer
		 * can fall into lockstep and always miss each other's name.
		 */
		int err = lisafs_client_walk(walker, wroot.fdid,
					     rand_r(&seed) & 1 ? p2 : p1, 3,
					     ino, &n, &st);

		ASSERT_EQ(0, err);
		for (size_t k = 0; k < n; k++) {
			uint64_t want = k == 0 ? a.st_ino :
					k == 1 ? b.st_ino : f.st_ino;

			EXPECT_EQ(want, ino[k].stat.stx_ino);
			EXPECT_INSIDE(ino[k]);
		}
		if (n == 3)
			ok++;
		for (size_t k = 0; k < n; k++)
			lisafs_client_close(walker, &ino[k].fdid, 1);
	}
	r.stop = 1;
	pthread_join(t, NULL);
	EXPECT_LE(RACING_RENAMES, r.renames);
	EXPECT_LT(0, ok);
	lisafs_client_destroy(walker);
}

TEST_F(escape, file_replaced_by_symlink_between_walk_and_open)
{
	char buf[32] = { 0 };
	uint64_t f, d, ofd;
	size_t n;
	uint8_t st;
	int host = -1;

	ASSERT_EQ(0, lt_write_file(lt_path(&self->e, "f"), "original"));
	ASSERT_EQ(0, mkdir(lt_path(&self->e, "d"), 0755));
	f = lt_walk1(C, ROOT, "f", NULL);
	d = lt_walk1(C, ROOT, "d", NULL);
	ASSERT_NE(0, f);
	ASSERT_NE(0, d);
	/* A local attacker swaps both names for links out of the export. */
	ASSERT_EQ(0, symlink("../secret", lt_path(&self->e, "tmp")));
	ASSERT_EQ(0, rename(lt_path(&self->e, "tmp"), lt_path(&self->e, "f")));
	ASSERT_EQ(0, rename(lt_path(&self->e, "d"), lt_path(&self->e, "d.old")));
	ASSERT_EQ(0, symlink("..", lt_path(&self->e, "d")));
	/* The FDID still names what was walked. */
	ASSERT_EQ(0, lisafs_client_openat(C, f, O_RDONLY, &ofd, &host));
	EXPECT_EQ(8, lisafs_client_pread(C, ofd, buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, "original", 8));
	if (host >= 0)
		close(host);
	{
		const char *names[] = { "secret" };
		struct lisafs_inode ino;

		ASSERT_EQ(0, lisafs_client_walk(C, d, names, 1, &ino, &n, &st));
		EXPECT_EQ(LISAFS_WALK_COMPONENT_DOES_NOT_EXIST, st);
		EXPECT_EQ(0, n);
	}
}

TEST_HARNESS_MAIN
