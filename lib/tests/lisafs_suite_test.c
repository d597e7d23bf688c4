// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The fourteen cases of gVisor's lisafs test suite (pkg/lisafs/testsuite):
 * Stat, RegularFileIO, RegularFileOpen, SetStat, Allocate, StatFS, Unlink,
 * Symlink, HardLink, Walk, Rename, Mknod, UDS, Getdents. Written as our own
 * tests with the same MIDs and expectations, each on a fresh export, over
 * channels like the suite (which calls StartChannels), with the suite's
 * leak check replaced by /proc/self/fd accounting.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lisafs_test_util.h"

FIXTURE(suite) {
	struct lt_env e;
};

/* The 6.1 harness runs the body even when setup skipped. */
#define SKIP_IF_NO_SETUP() do { \
	if (!self->e.c) \
		SKIP(return, "not set up"); \
} while (0)

FIXTURE_SETUP(suite)
{
	int t = lt_default_transport();

	if (t == LT_DEVICE && !lt_device_present())
		SKIP(return, "no /dev/flipcall");
	ASSERT_EQ(0, lt_setup(&self->e, LISAFS_SERVER_ALLOW_SOCKETS, t));
}

FIXTURE_TEARDOWN(suite)
{
	int before = self->e.fds_before;

	if (!self->e.srv)
		return;	/* skipped in setup */

	lt_teardown(&self->e);
	EXPECT_EQ(before, lt_wait_fds(before, 2000));
}

#define C (self->e.c)
#define ROOT (self->e.root.fdid)

static uint64_t create(struct __test_metadata *_metadata, struct lisafs_client *c,
		       uint64_t dir, const char *name, uint32_t flags,
		       mode_t mode, struct lisafs_inode *child)
{
	uint64_t ofd = 0;

	EXPECT_EQ(0, lisafs_client_open_create_at(c, dir, name, flags, mode,
						  LISAFS_NO_UID, LISAFS_NO_GID,
						  child, &ofd, NULL));
	return ofd;
}

TEST_F(suite, Stat)
{
	SKIP_IF_NO_SETUP();
	struct statx st;
	struct stat host;

	ASSERT_EQ(0, lisafs_client_fstat(C, ROOT, &st));
	ASSERT_EQ(0, stat(self->e.dir, &host));
	EXPECT_EQ(host.st_ino, st.stx_ino);
	EXPECT_EQ(host.st_mode, st.stx_mode);
	EXPECT_EQ(host.st_nlink, st.stx_nlink);
	EXPECT_EQ(host.st_uid, st.stx_uid);
	EXPECT_EQ(major(host.st_dev), st.stx_dev_major);
	EXPECT_EQ(minor(host.st_dev), st.stx_dev_minor);
}

TEST_F(suite, RegularFileIO)
{
	SKIP_IF_NO_SETUP();
	char buf[4096], out[4096];
	uint64_t ofd = create(_metadata, C, ROOT, "io", O_RDWR, 0644, NULL);

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)i;
	EXPECT_EQ((ssize_t)sizeof(buf),
		  lisafs_client_pwrite(C, ofd, buf, sizeof(buf), 0));
	EXPECT_EQ((ssize_t)sizeof(out),
		  lisafs_client_pread(C, ofd, out, sizeof(out), 0));
	EXPECT_EQ(0, memcmp(buf, out, sizeof(buf)));
	EXPECT_EQ(0, lisafs_client_fsync(C, &ofd, 1));
}

TEST_F(suite, RegularFileOpen)
{
	SKIP_IF_NO_SETUP();
	struct lisafs_inode f;
	uint64_t ofd, wfd;

	create(_metadata, C, ROOT, "f", O_WRONLY, 0644, &f);
	/* Each access mode opens and does what it allows. */
	ASSERT_EQ(0, lisafs_client_openat(C, f.fdid, O_RDONLY, &ofd, NULL));
	EXPECT_EQ(-EBADF, lisafs_client_pwrite(C, ofd, "x", 1, 0));
	ASSERT_EQ(0, lisafs_client_openat(C, f.fdid, O_WRONLY, &wfd, NULL));
	EXPECT_EQ(1, lisafs_client_pwrite(C, wfd, "x", 1, 0));
	ASSERT_EQ(0, lisafs_client_openat(C, f.fdid, O_RDWR | O_TRUNC, &wfd,
					  NULL));
	EXPECT_EQ(2, lisafs_client_pwrite(C, wfd, "yz", 2, 0));
}

TEST_F(suite, SetStat)
{
	SKIP_IF_NO_SETUP();
	struct lisafs_setstat req = {
		.mask = STATX_MODE | STATX_SIZE | STATX_ATIME | STATX_MTIME,
		.mode = 0640, .size = 4096,
		.atime = { 100, 5 }, .mtime = { 200, 6 },
	};
	struct lisafs_inode f;
	uint32_t fmask = 1;
	int ferr = 1;
	struct statx st;

	create(_metadata, C, ROOT, "f", O_RDWR, 0777, &f);
	ASSERT_EQ(0, lisafs_client_setstat(C, f.fdid, &req, &fmask, &ferr));
	EXPECT_EQ(0, fmask);
	EXPECT_EQ(0, ferr);
	ASSERT_EQ(0, lisafs_client_fstat(C, f.fdid, &st));
	EXPECT_EQ(S_IFREG | 0640, st.stx_mode);
	EXPECT_EQ(4096, st.stx_size);
	EXPECT_EQ(100, st.stx_atime.tv_sec);
	EXPECT_EQ(5, st.stx_atime.tv_nsec);
	EXPECT_EQ(200, st.stx_mtime.tv_sec);
	EXPECT_EQ(6, st.stx_mtime.tv_nsec);
}

TEST_F(suite, Allocate)
{
	SKIP_IF_NO_SETUP();
	struct lisafs_inode f;
	struct statx st;
	uint64_t ofd = create(_metadata, C, ROOT, "f", O_RDWR, 0644, &f);

	ASSERT_EQ(0, lisafs_client_fallocate(C, ofd, 0, 0, 40960));
	ASSERT_EQ(0, lisafs_client_fstat(C, f.fdid, &st));
	EXPECT_EQ(40960, st.stx_size);
}

TEST_F(suite, StatFS)
{
	SKIP_IF_NO_SETUP();
	struct lisafs_statfs sf;
	struct statfs host;

	ASSERT_EQ(0, lisafs_client_fstatfs(C, ROOT, &sf));
	ASSERT_EQ(0, statfs(self->e.dir, &host));
	EXPECT_EQ((uint64_t)host.f_type, sf.type);
	EXPECT_EQ((uint64_t)host.f_bsize, sf.block_size);
	EXPECT_EQ((uint64_t)host.f_namelen, sf.name_length);
}

TEST_F(suite, Unlink)
{
	SKIP_IF_NO_SETUP();
	uint8_t st = 0;

	create(_metadata, C, ROOT, "f", O_RDWR, 0644, NULL);
	ASSERT_EQ(0, lisafs_client_unlinkat(C, ROOT, "f", 0));
	EXPECT_EQ(0, lt_walk1(C, ROOT, "f", &st));
	EXPECT_EQ(LISAFS_WALK_COMPONENT_DOES_NOT_EXIST, st);
}

TEST_F(suite, Symlink)
{
	SKIP_IF_NO_SETUP();
	struct lisafs_inode l;
	char buf[64];

	ASSERT_EQ(0, lisafs_client_symlinkat(C, ROOT, "l", "/some/target",
					     LISAFS_NO_UID, LISAFS_NO_GID, &l));
	EXPECT_TRUE(S_ISLNK(l.stat.stx_mode));
	EXPECT_EQ(12, lisafs_client_readlinkat(C, l.fdid, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "/some/target", 12));
}

TEST_F(suite, HardLink)
{
	SKIP_IF_NO_SETUP();
	struct lisafs_inode f, h;

	create(_metadata, C, ROOT, "f", O_RDWR, 0644, &f);
	ASSERT_EQ(0, lisafs_client_linkat(C, ROOT, "h", f.fdid, &h));
	EXPECT_EQ(f.stat.stx_ino, h.stat.stx_ino);
	EXPECT_EQ(2, h.stat.stx_nlink);
}

TEST_F(suite, Walk)
{
	SKIP_IF_NO_SETUP();
	const char *path[] = { "a", "b", "c" };
	struct lisafs_inode dirs[3], walked[3];
	struct statx stats[3], st;
	size_t n = 0;
	uint8_t status;
	uint64_t parent = ROOT;

	for (int i = 0; i < 3; i++) {
		ASSERT_EQ(0, lisafs_client_mkdirat(C, parent, path[i], 0755,
						   LISAFS_NO_UID, LISAFS_NO_GID,
						   &dirs[i]));
		parent = dirs[i].fdid;
	}
	ASSERT_EQ(0, lisafs_client_walk(C, ROOT, path, 3, walked, &n,
					&status));
	EXPECT_EQ(3, n);
	EXPECT_EQ(LISAFS_WALK_SUCCESS, status);
	ASSERT_EQ(0, lisafs_client_walk_stat(C, ROOT, path, 3, stats, &n));
	EXPECT_EQ(3, n);
	for (int i = 0; i < 3; i++) {
		EXPECT_EQ(dirs[i].stat.stx_ino, walked[i].stat.stx_ino);
		EXPECT_EQ(dirs[i].stat.stx_ino, stats[i].stx_ino);
		ASSERT_EQ(0, lisafs_client_fstat(C, walked[i].fdid, &st));
		EXPECT_EQ(dirs[i].stat.stx_ino, st.stx_ino);
	}
	EXPECT_EQ(0, lisafs_client_unlinkat(C, dirs[1].fdid, "c",
					    AT_REMOVEDIR));
	EXPECT_EQ(0, lisafs_client_unlinkat(C, dirs[0].fdid, "b",
					    AT_REMOVEDIR));
	EXPECT_EQ(0, lisafs_client_unlinkat(C, ROOT, "a", AT_REMOVEDIR));
}

TEST_F(suite, Rename)
{
	SKIP_IF_NO_SETUP();
	struct lisafs_inode d, f;
	uint8_t st;
	uint64_t moved;
	struct statx sx;

	ASSERT_EQ(0, lisafs_client_mkdirat(C, ROOT, "d", 0755, LISAFS_NO_UID,
					   LISAFS_NO_GID, &d));
	create(_metadata, C, ROOT, "f", O_RDWR, 0644, &f);
	ASSERT_EQ(0, lisafs_client_renameat(C, ROOT, "f", d.fdid, "g"));
	EXPECT_EQ(0, lt_walk1(C, ROOT, "f", &st));
	EXPECT_EQ(LISAFS_WALK_COMPONENT_DOES_NOT_EXIST, st);
	moved = lt_walk1(C, d.fdid, "g", &st);
	ASSERT_NE(0, moved);
	ASSERT_EQ(0, lisafs_client_fstat(C, moved, &sx));
	EXPECT_EQ(f.stat.stx_ino, sx.stx_ino);
	/* The old FDID still names the moved file. */
	ASSERT_EQ(0, lisafs_client_fstat(C, f.fdid, &sx));
	EXPECT_EQ(f.stat.stx_ino, sx.stx_ino);
}

TEST_F(suite, Mknod)
{
	SKIP_IF_NO_SETUP();
	struct lisafs_inode n;
	struct statx st;

	ASSERT_EQ(0, lisafs_client_mknodat(C, ROOT, "p", S_IFIFO | 0600, 0,
					   LISAFS_NO_UID, LISAFS_NO_GID, &n));
	ASSERT_EQ(0, lisafs_client_fstat(C, n.fdid, &st));
	EXPECT_EQ(S_IFIFO | 0600, st.stx_mode);
	ASSERT_EQ(0, lisafs_client_mknodat(C, ROOT, "r", S_IFREG | 0640, 0,
					   LISAFS_NO_UID, LISAFS_NO_GID, &n));
	ASSERT_EQ(0, lisafs_client_fstat(C, n.fdid, &st));
	EXPECT_EQ(S_IFREG | 0640, st.stx_mode);
}

TEST_F(suite, UDS)
{
	SKIP_IF_NO_SETUP();
	static const int types[] = { SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET };

	for (int i = 0; i < 3; i++) {
		struct lisafs_inode ino;
		char name[8];
		uint64_t bound;
		int sock = -1, type = 0;
		socklen_t len = sizeof(type);
		struct statx st;

		snprintf(name, sizeof(name), "s%d", i);
		ASSERT_EQ(0, lisafs_client_bindat(C, ROOT, name, types[i], 0755,
						  LISAFS_NO_UID, LISAFS_NO_GID,
						  &ino, &bound, &sock));
		ASSERT_EQ(0, lisafs_client_fstat(C, ino.fdid, &st));
		EXPECT_TRUE(S_ISSOCK(st.stx_mode));
		ASSERT_EQ(0, getsockopt(sock, SOL_SOCKET, SO_TYPE, &type, &len));
		EXPECT_EQ(types[i], type);
		close(sock);
	}
}

struct names {
	int n;
	char seen[8][8];
};

static int collect(const struct lisafs_dirent *d, void *arg)
{
	struct names *ns = arg;

	if (ns->n < 8 && d->name_len < 8) {
		memcpy(ns->seen[ns->n], d->name, d->name_len);
		ns->seen[ns->n][d->name_len] = '\0';
	}
	ns->n++;
	return 0;
}

static bool has(const struct names *ns, const char *name)
{
	for (int i = 0; i < ns->n && i < 8; i++)
		if (!strcmp(ns->seen[i], name))
			return true;
	return false;
}

TEST_F(suite, Getdents)
{
	SKIP_IF_NO_SETUP();
	struct lisafs_inode d;
	struct names ns = { 0 };
	uint64_t dfd;

	ASSERT_EQ(0, lisafs_client_mkdirat(C, ROOT, "d", 0755, LISAFS_NO_UID,
					   LISAFS_NO_GID, &d));
	ASSERT_EQ(0, lisafs_client_mknodat(C, d.fdid, "x", S_IFREG | 0644, 0,
					   LISAFS_NO_UID, LISAFS_NO_GID, NULL));
	ASSERT_EQ(0, lisafs_client_mknodat(C, d.fdid, "y", S_IFIFO | 0644, 0,
					   LISAFS_NO_UID, LISAFS_NO_GID, NULL));
	ASSERT_EQ(0, lisafs_client_openat(C, d.fdid, O_RDONLY, &dfd, NULL));
	EXPECT_EQ(4, lisafs_client_getdents64(C, dfd, -65536, collect, &ns));
	EXPECT_TRUE(has(&ns, ".") && has(&ns, "..") && has(&ns, "x") &&
		    has(&ns, "y"));
	EXPECT_EQ(0, lisafs_client_unlinkat(C, d.fdid, "x", 0));
	EXPECT_EQ(0, lisafs_client_unlinkat(C, d.fdid, "y", 0));
	memset(&ns, 0, sizeof(ns));
	EXPECT_EQ(2, lisafs_client_getdents64(C, dfd, -65536, collect, &ns));
}

TEST_HARNESS_MAIN
