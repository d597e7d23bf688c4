// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Every lisafs MID through our client against our server on a temporary
 * export: the success path and the errnos the server must answer, over the
 * socket and over channels (futex natively; device in the VM build).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lisafs_test_util.h"

FIXTURE(mid) {
	struct lt_env e;
};

FIXTURE_VARIANT(mid) {
	int transport;		/* -1: the build's default channel kind */
	uint32_t server_flags;
};

FIXTURE_VARIANT_ADD(mid, socket) { .transport = LT_SOCKET };
FIXTURE_VARIANT_ADD(mid, channel) { .transport = -1 };
FIXTURE_VARIANT_ADD(mid, socket_sockets) {
	.transport = LT_SOCKET, .server_flags = LISAFS_SERVER_ALLOW_SOCKETS,
};
FIXTURE_VARIANT_ADD(mid, channel_sockets) {
	.transport = -1, .server_flags = LISAFS_SERVER_ALLOW_SOCKETS,
};

/* The 6.1 harness runs the body even when setup skipped. */
#define SKIP_IF_NO_SETUP() do { \
	if (!self->e.c) \
		SKIP(return, "not set up"); \
} while (0)

FIXTURE_SETUP(mid)
{
	int t = variant->transport < 0 ? lt_default_transport() :
					 variant->transport;

	if (t == LT_DEVICE && !lt_device_present())
		SKIP(return, "no /dev/flipcall");
	ASSERT_EQ(0, lt_setup(&self->e, variant->server_flags, t));
}

FIXTURE_TEARDOWN(mid)
{
	int before = self->e.fds_before;

	if (!self->e.srv)
		return;	/* skipped in setup */

	lt_teardown(&self->e);
	/* Server and client together leak nothing. */
	EXPECT_EQ(before, lt_wait_fds(before, 2000));
}

#define C (self->e.c)
#define ROOT (self->e.root.fdid)

static uint64_t create_file(struct __test_metadata *_metadata,
			    struct lisafs_client *c, uint64_t dir,
			    const char *name, uint32_t flags, uint64_t *ctl)
{
	struct lisafs_inode child;
	uint64_t ofd = 0;
	int host = -1;

	EXPECT_EQ(0, lisafs_client_open_create_at(c, dir, name, flags, 0644,
						  LISAFS_NO_UID, LISAFS_NO_GID,
						  &child, &ofd, &host));
	if (host >= 0)
		close(host);
	if (ctl)
		*ctl = child.fdid;
	return ofd;
}

/*
 * Counts this process's flipcall endpoint descriptors, and in *nonblocking
 * those whose file is O_NONBLOCK (client and server run in this process).
 */
static int count_device_fds(int *nonblocking)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	*nonblocking = 0;
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char target[64];
		ssize_t len;
		int fl;

		if (de->d_name[0] == '.')
			continue;
		len = readlinkat(dirfd(d), de->d_name, target,
				 sizeof(target) - 1);
		if (len < 0)
			continue;
		target[len] = 0;
		if (strcmp(target, "anon_inode:[flipcall]"))
			continue;
		fl = fcntl(atoi(de->d_name), F_GETFL);
		n++;
		if (fl >= 0 && (fl & O_NONBLOCK))
			(*nonblocking)++;
	}
	closedir(d);
	return n;
}

TEST_F(mid, mount_and_channels)
{
	SKIP_IF_NO_SETUP();
	int futex = -1, device = -1;
	int t = variant->transport < 0 ? lt_default_transport() :
					 variant->transport;

	EXPECT_NE(0, ROOT);
	EXPECT_TRUE(S_ISDIR(self->e.root.stat.stx_mode));
	EXPECT_EQ(LISAFS_MAX_MESSAGE_SIZE, lisafs_client_max_message_size(C));
	EXPECT_EQ(1, lisafs_client_supports(C, LISAFS_MID_CHANNEL));
	EXPECT_EQ(1, lisafs_client_supports(C, LISAFS_MID_RENAMEAT2));
	EXPECT_EQ(!!(variant->server_flags & LISAFS_SERVER_ALLOW_SOCKETS),
		  lisafs_client_supports(C, LISAFS_MID_BINDAT));
	ASSERT_LE(0, lisafs_client_channels(C, &futex, &device));
	if (t == LT_SOCKET) {
		EXPECT_EQ(0, futex + device);
	} else if (t == LT_DEVICE) {
		int nonblocking = -1;

		EXPECT_EQ(LISAFS_MAX_CHANNELS, device);
		/*
		 * The endpoints arrive O_NONBLOCK like every donated fd; the
		 * client makes them blocking, or each wait costs a HANDOFF
		 * that fails with EAGAIN, a poll and a second HANDOFF.
		 */
		EXPECT_LE(LISAFS_MAX_CHANNELS, count_device_fds(&nonblocking));
		EXPECT_EQ(0, nonblocking);
	} else {
		EXPECT_EQ(LISAFS_MAX_CHANNELS, futex);
		EXPECT_EQ(0, device);
	}
	/* A fifth channel: ENOMEM (on a channel or the socket alike). */
	if (t != LT_SOCKET)
		EXPECT_EQ(-ENOMEM, lisafs_client_call(C, LISAFS_MID_CHANNEL,
						      NULL, 0, NULL, 0, NULL,
						      NULL, 0, NULL));
}

TEST_F(mid, fstat_and_bad_fdids)
{
	SKIP_IF_NO_SETUP();
	struct statx st;

	ASSERT_EQ(0, lisafs_client_fstat(C, ROOT, &st));
	EXPECT_TRUE(S_ISDIR(st.stx_mode));
	EXPECT_EQ(self->e.root.stat.stx_ino, st.stx_ino);
	EXPECT_EQ(-EBADF, lisafs_client_fstat(C, 12345, &st));
	EXPECT_EQ(-EBADF, lisafs_client_fstat(C, 0, &st));
}

TEST_F(mid, walk_statuses_and_names)
{
	SKIP_IF_NO_SETUP();
	const char *deep[] = { "d", "e", "f" };
	const char *missing[] = { "d", "nope", "x" };
	const char *via_link[] = { "lnk", "x" };
	struct lisafs_inode ino[3];
	size_t n = 99;
	uint8_t st = 99;

	ASSERT_EQ(0, mkdir(lt_path(&self->e, "d"), 0755));
	ASSERT_EQ(0, mkdir(lt_path(&self->e, "d/e"), 0755));
	ASSERT_EQ(0, lt_write_file(lt_path(&self->e, "d/e/f"), "hi"));
	ASSERT_EQ(0, symlink("d", lt_path(&self->e, "lnk")));

	ASSERT_EQ(0, lisafs_client_walk(C, ROOT, deep, 3, ino, &n, &st));
	EXPECT_EQ(3, n);
	EXPECT_EQ(LISAFS_WALK_SUCCESS, st);
	EXPECT_TRUE(S_ISREG(ino[2].stat.stx_mode));
	EXPECT_EQ(2, ino[2].stat.stx_size);
	EXPECT_LT(ino[0].fdid, ino[1].fdid);	/* counted up, never reused */

	ASSERT_EQ(0, lisafs_client_walk(C, ROOT, missing, 3, ino, &n, &st));
	EXPECT_EQ(1, n);
	EXPECT_EQ(LISAFS_WALK_COMPONENT_DOES_NOT_EXIST, st);

	ASSERT_EQ(0, lisafs_client_walk(C, ROOT, via_link, 2, ino, &n, &st));
	EXPECT_EQ(1, n);
	EXPECT_EQ(LISAFS_WALK_COMPONENT_SYMLINK, st);
	EXPECT_TRUE(S_ISLNK(ino[0].stat.stx_mode));
	/* Walking from the symlink's FDID stops at once. */
	ASSERT_EQ(0, lisafs_client_walk(C, ino[0].fdid, deep, 1, ino + 1, &n,
					&st));
	EXPECT_EQ(0, n);
	EXPECT_EQ(LISAFS_WALK_COMPONENT_SYMLINK, st);
	/* Through a file: ENOTDIR. */
	{
		const char *through[] = { "d", "e", "f", "g" };
		struct lisafs_inode four[4];

		EXPECT_EQ(-ENOTDIR, lisafs_client_walk(C, ROOT, through, 4,
						       four, &n, &st));
	}
}

/* Unsafe names are refused by the server, not just by our client. */
TEST_F(mid, unsafe_names_einval_raw)
{
	SKIP_IF_NO_SETUP();
	static const char *bad[] = { "", ".", "..", "a/b", "/" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t req[64];
		uint16_t one = 1, len = (uint16_t)strlen(bad[i]);
		uint64_t root = ROOT;

		memcpy(req, &root, 8);
		memcpy(req + 8, &one, 2);
		memcpy(req + 10, &len, 2);
		memcpy(req + 12, bad[i], len);
		EXPECT_EQ(-EINVAL, lisafs_client_call(C, LISAFS_MID_WALK, req,
						      12 + len, NULL, 0, NULL,
						      NULL, 0, NULL));
	}
	/* A NUL inside a name is EINVAL too. */
	{
		uint8_t req[] = { 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 3, 0,
				  'a', 0, 'b' };
		uint64_t root = ROOT;

		memcpy(req, &root, 8);
		EXPECT_EQ(-EINVAL, lisafs_client_call(C, LISAFS_MID_WALK, req,
						      sizeof(req), NULL, 0,
						      NULL, NULL, 0, NULL));
	}
}

TEST_F(mid, walk_stat)
{
	SKIP_IF_NO_SETUP();
	const char *names[] = { "", "d", "f" };
	struct statx st[3];
	size_t n = 0;

	ASSERT_EQ(0, mkdir(lt_path(&self->e, "d"), 0755));
	ASSERT_EQ(0, lt_write_file(lt_path(&self->e, "d/f"), "abc"));
	ASSERT_EQ(0, lisafs_client_walk_stat(C, ROOT, names, 3, st, &n));
	EXPECT_EQ(3, n);
	EXPECT_EQ(self->e.root.stat.stx_ino, st[0].stx_ino);
	EXPECT_TRUE(S_ISDIR(st[1].stx_mode));
	EXPECT_EQ(3, st[2].stx_size);
	ASSERT_EQ(0, lisafs_client_walk_stat(C, ROOT, names + 1, 2, st, &n));
	EXPECT_EQ(2, n);
}

TEST_F(mid, openat_rules)
{
	SKIP_IF_NO_SETUP();
	uint64_t f, d, l, ofd;
	int host = -1;

	ASSERT_EQ(0, lt_write_file(lt_path(&self->e, "f"), "data"));
	ASSERT_EQ(0, mkdir(lt_path(&self->e, "d"), 0755));
	ASSERT_EQ(0, symlink("f", lt_path(&self->e, "l")));
	f = lt_walk1(C, ROOT, "f", NULL);
	d = lt_walk1(C, ROOT, "d", NULL);
	l = lt_walk1(C, ROOT, "l", NULL);
	ASSERT_NE(0, f);
	ASSERT_NE(0, d);
	ASSERT_NE(0, l);

	ASSERT_EQ(0, lisafs_client_openat(C, f, O_RDONLY, &ofd, &host));
	EXPECT_GE(host, 0);	/* regular files come with a host fd */
	if (host >= 0) {
		char b[8] = { 0 };

		EXPECT_EQ(4, pread(host, b, sizeof(b), 0));
		EXPECT_EQ(0, memcmp(b, "data", 4));
		EXPECT_TRUE(fcntl(host, F_GETFL) & O_NONBLOCK);
		close(host);
	}
	EXPECT_EQ(0, lisafs_client_openat(C, d, O_RDONLY, &ofd, &host));
	EXPECT_EQ(-1, host);	/* never a directory fd: it could escape */
	EXPECT_EQ(-EISDIR, lisafs_client_openat(C, d, O_RDWR, &ofd, NULL));
	EXPECT_EQ(-EISDIR, lisafs_client_openat(C, d, O_RDONLY | O_TRUNC,
						&ofd, NULL));
	EXPECT_EQ(-EINVAL, lisafs_client_openat(C, l, O_RDONLY, &ofd, NULL));
	/* An open FDID where a control FDID belongs: EINVAL. */
	EXPECT_EQ(-EINVAL, lisafs_client_openat(C, ofd, O_RDONLY, &ofd, NULL));
	EXPECT_EQ(-EBADF, lisafs_client_openat(C, 999999, O_RDONLY, &ofd,
					       NULL));
}

TEST_F(mid, create_io_sync)
{
	SKIP_IF_NO_SETUP();
	char buf[64] = { 0 };
	uint64_t ctl, ofd, rofd;
	struct statx st;

	ofd = create_file(_metadata, C, ROOT, "new", O_RDWR, &ctl);
	ASSERT_NE(0, ofd);
	EXPECT_EQ(-EEXIST, lisafs_client_open_create_at(C, ROOT, "new", O_RDWR,
							0644, LISAFS_NO_UID,
							LISAFS_NO_GID, NULL,
							&rofd, NULL));
	EXPECT_EQ(11, lisafs_client_pwrite(C, ofd, "hello world", 11, 0));
	EXPECT_EQ(5, lisafs_client_pread(C, ofd, buf, 5, 6));
	EXPECT_EQ(0, memcmp(buf, "world", 5));
	EXPECT_EQ(0, lisafs_client_pread(C, ofd, buf, 5, 100));
	EXPECT_EQ(0, lisafs_client_fsync(C, &ofd, 1));
	EXPECT_EQ(0, lisafs_client_flush(C, ofd));
	EXPECT_EQ(0, lisafs_client_fallocate(C, ofd, 0, 0, 8192));
	ASSERT_EQ(0, lisafs_client_fstat(C, ctl, &st));
	EXPECT_EQ(8192, st.stx_size);
	ASSERT_EQ(0, lisafs_client_fstat(C, ofd, &st));	/* any kind */
	/* Access mode is enforced per open FDID. */
	ASSERT_EQ(0, lisafs_client_openat(C, ctl, O_RDONLY, &rofd, NULL));
	EXPECT_EQ(-EBADF, lisafs_client_pwrite(C, rofd, "x", 1, 0));
	ASSERT_EQ(0, lisafs_client_openat(C, ctl, O_WRONLY, &rofd, NULL));
	EXPECT_EQ(-EBADF, lisafs_client_pread(C, rofd, buf, 1, 0));
	/* PRead/PWrite/FSync on a control FDID: EINVAL. */
	EXPECT_EQ(-EINVAL, lisafs_client_pread(C, ctl, buf, 1, 0));
	EXPECT_EQ(-EINVAL, lisafs_client_fsync(C, &ctl, 1));
	/* Bad name for creation. */
	EXPECT_EQ(-EINVAL, lisafs_client_open_create_at(C, ROOT, "..", O_RDWR,
							0644, 0, 0, NULL,
							&rofd, NULL));
	/* Close, then the FDID is gone. */
	EXPECT_EQ(0, lisafs_client_close(C, &ofd, 1));
	EXPECT_EQ(-EBADF, lisafs_client_pread(C, ofd, buf, 1, 0));
	EXPECT_EQ(0, lisafs_client_close(C, &ofd, 1));	/* unknown: ignored */
}

/*
 * As root the server gives a new file the ids asked for, and chowns only
 * when they differ: a chown to the same ids would clear the set-user-ID
 * bit the file was created with.
 */
TEST_F(mid, create_owner)
{
	SKIP_IF_NO_SETUP();
	struct lisafs_inode child;
	uint64_t ofd;
	int host = -1;

	if (geteuid() != 0)
		SKIP(return, "needs root to give files away");
	ASSERT_EQ(0, lisafs_client_open_create_at(C, ROOT, "suid", O_WRONLY,
						  04755, geteuid(), getegid(),
						  &child, &ofd, &host));
	EXPECT_EQ(04755, child.stat.stx_mode & 07777);
	EXPECT_EQ(geteuid(), child.stat.stx_uid);
	if (host >= 0)
		close(host);
	ASSERT_EQ(0, lisafs_client_open_create_at(C, ROOT, "given", O_WRONLY,
						  0644, 65534, 65533, &child,
						  &ofd, &host));
	EXPECT_EQ(65534, child.stat.stx_uid);
	EXPECT_EQ(65533, child.stat.stx_gid);
	if (host >= 0)
		close(host);
	ASSERT_EQ(0, lisafs_client_mkdirat(C, ROOT, "dir", S_IFDIR | 0755,
					   65534, LISAFS_NO_GID, &child));
	EXPECT_EQ(65534, child.stat.stx_uid);
	EXPECT_EQ(getegid(), child.stat.stx_gid);
}

TEST_F(mid, pread_too_big_is_enobufs)
{
	SKIP_IF_NO_SETUP();
	uint8_t req[24] = { 0 };
	uint64_t ofd = create_file(_metadata, C, ROOT, "f", O_RDWR, NULL);
	uint32_t count = LISAFS_MAX_MESSAGE_SIZE;	/* + 8 > max */

	memcpy(req + 8, &ofd, 8);
	memcpy(req + 16, &count, 4);
	EXPECT_EQ(-ENOBUFS, lisafs_client_call(C, LISAFS_MID_PREAD, req,
					       sizeof(req), NULL, 0, NULL,
					       NULL, 0, NULL));
}

TEST_F(mid, large_io_splits)
{
	SKIP_IF_NO_SETUP();
	size_t len = 3 << 20;	/* more than one message */
	char *out = malloc(len), *in = malloc(len);
	uint64_t ofd = create_file(_metadata, C, ROOT, "big", O_RDWR, NULL);

	ASSERT_TRUE(out && in);
	for (size_t i = 0; i < len; i++)
		out[i] = (char)(i * 7 + 3);
	EXPECT_EQ((ssize_t)len, lisafs_client_pwrite(C, ofd, out, len, 0));
	EXPECT_EQ((ssize_t)len, lisafs_client_pread(C, ofd, in, len, 0));
	EXPECT_EQ(0, memcmp(in, out, len));
	free(out);
	free(in);
}

TEST_F(mid, mkdir_mknod_symlink_link)
{
	SKIP_IF_NO_SETUP();
	struct lisafs_inode d, fifo, sl, hl;
	uint64_t fctl;
	char target[64];

	ASSERT_EQ(0, lisafs_client_mkdirat(C, ROOT, "sub", 0750, LISAFS_NO_UID,
					   LISAFS_NO_GID, &d));
	EXPECT_TRUE(S_ISDIR(d.stat.stx_mode));
	EXPECT_EQ(0750, d.stat.stx_mode & 0777);
	EXPECT_EQ(-EEXIST, lisafs_client_mkdirat(C, ROOT, "sub", 0750, 0, 0,
						 NULL));
	ASSERT_EQ(0, lisafs_client_mknodat(C, d.fdid, "fifo", S_IFIFO | 0600, 0,
					   LISAFS_NO_UID, LISAFS_NO_GID,
					   &fifo));
	EXPECT_TRUE(S_ISFIFO(fifo.stat.stx_mode));
	EXPECT_EQ(-EPERM, lisafs_client_mknodat(C, ROOT, "dev", S_IFCHR | 0600,
						makedev(1, 3), 0, 0, NULL));
	ASSERT_EQ(0, lisafs_client_symlinkat(C, ROOT, "sl", "sub/fifo",
					     LISAFS_NO_UID, LISAFS_NO_GID,
					     &sl));
	EXPECT_TRUE(S_ISLNK(sl.stat.stx_mode));
	EXPECT_EQ(8, lisafs_client_readlinkat(C, sl.fdid, target,
					      sizeof(target)));
	EXPECT_EQ(0, memcmp(target, "sub/fifo", 8));
	EXPECT_EQ(-ENAMETOOLONG, lisafs_client_readlinkat(C, sl.fdid, target,
							  3));
	EXPECT_EQ(-EINVAL, lisafs_client_readlinkat(C, d.fdid, target,
						    sizeof(target)));
	create_file(_metadata, C, ROOT, "orig", O_RDWR, &fctl);
	ASSERT_EQ(0, lisafs_client_linkat(C, d.fdid, "hard", fctl, &hl));
	EXPECT_EQ(2, hl.stat.stx_nlink);
	/* Directories cannot be hard linked. */
	EXPECT_EQ(-EPERM, lisafs_client_linkat(C, ROOT, "dl", d.fdid, NULL));
	/* Creating below a non-directory: ENOTDIR. */
	EXPECT_EQ(-ENOTDIR, lisafs_client_mkdirat(C, fctl, "x", 0700, 0, 0,
						  NULL));
}

TEST_F(mid, unlink_rename)
{
	SKIP_IF_NO_SETUP();
	uint64_t f;
	struct lisafs_inode d;
	uint8_t st;

	ASSERT_EQ(0, lisafs_client_mkdirat(C, ROOT, "d", 0755, LISAFS_NO_UID,
					   LISAFS_NO_GID, &d));
	create_file(_metadata, C, ROOT, "a", O_RDWR, NULL);
	create_file(_metadata, C, ROOT, "b", O_RDWR, NULL);
	EXPECT_EQ(0, lisafs_client_renameat(C, ROOT, "a", d.fdid, "a2"));
	EXPECT_EQ(0, lt_walk1(C, ROOT, "a", &st));
	f = lt_walk1(C, d.fdid, "a2", &st);
	EXPECT_NE(0, f);
	EXPECT_EQ(-EEXIST, lisafs_client_renameat2(C, ROOT, "b", d.fdid, "a2",
						   RENAME_NOREPLACE));
	EXPECT_EQ(0, lisafs_client_renameat2(C, ROOT, "b", d.fdid, "a2",
					     RENAME_EXCHANGE));
	EXPECT_EQ(-EINVAL, lisafs_client_renameat2(C, ROOT, "b", d.fdid, "a2",
						   1U << 30));
	EXPECT_EQ(-ENOENT, lisafs_client_renameat(C, ROOT, "zz", ROOT, "yy"));
	EXPECT_EQ(-ENOTEMPTY, lisafs_client_unlinkat(C, ROOT, "d",
						     AT_REMOVEDIR));
	EXPECT_EQ(-EISDIR, lisafs_client_unlinkat(C, ROOT, "d", 0));
	EXPECT_EQ(0, lisafs_client_unlinkat(C, d.fdid, "a2", 0));
	EXPECT_EQ(0, lisafs_client_unlinkat(C, ROOT, "b", 0));
	EXPECT_EQ(0, lisafs_client_unlinkat(C, ROOT, "d", AT_REMOVEDIR));
	EXPECT_EQ(-EINVAL, lisafs_client_unlinkat(C, ROOT, "x", 0x4000));
	EXPECT_EQ(-ENOENT, lisafs_client_unlinkat(C, ROOT, "d", AT_REMOVEDIR));
}

struct dirents_seen {
	int n;
	bool a, b, dot;
};

static int note_dirent(const struct lisafs_dirent *d, void *arg)
{
	struct dirents_seen *s = arg;

	s->n++;
	if (d->name_len == 1 && d->name[0] == 'a')
		s->a = true;
	if (d->name_len == 1 && d->name[0] == 'b')
		s->b = d->type == DT_DIR;
	if (d->name_len == 1 && d->name[0] == '.')
		s->dot = true;
	return 0;
}

TEST_F(mid, getdents64)
{
	SKIP_IF_NO_SETUP();
	struct dirents_seen s = { 0 };
	uint64_t dfd;
	int n, total = 0;

	ASSERT_EQ(0, lt_write_file(lt_path(&self->e, "a"), ""));
	ASSERT_EQ(0, mkdir(lt_path(&self->e, "b"), 0755));
	ASSERT_EQ(0, lisafs_client_openat(C, ROOT, O_RDONLY, &dfd, NULL));
	while ((n = lisafs_client_getdents64(C, dfd, 64, note_dirent, &s)) > 0)
		total += n;	/* 64 bytes: about two entries at a time */
	EXPECT_EQ(0, n);
	EXPECT_EQ(4, total);
	EXPECT_EQ(4, s.n);
	EXPECT_TRUE(s.a && s.b && s.dot);
	/* Negative count: back to the start. */
	memset(&s, 0, sizeof(s));
	EXPECT_EQ(4, lisafs_client_getdents64(C, dfd, -4096, note_dirent, &s));
	EXPECT_EQ(0, lisafs_client_getdents64(C, dfd, 4096, note_dirent, &s));
	/* On a control FDID: EINVAL; on an open file: ENOTDIR. */
	EXPECT_EQ(-EINVAL, lisafs_client_getdents64(C, ROOT, 4096, NULL, NULL));
	{
		uint64_t ofd = create_file(_metadata, C, ROOT, "c", O_RDWR,
					   NULL);

		EXPECT_EQ(-ENOTDIR, lisafs_client_getdents64(C, ofd, 4096,
							     NULL, NULL));
	}
}

TEST_F(mid, fstatfs)
{
	SKIP_IF_NO_SETUP();
	struct lisafs_statfs sf;

	ASSERT_EQ(0, lisafs_client_fstatfs(C, ROOT, &sf));
	EXPECT_NE(0, sf.block_size);
	EXPECT_EQ(255, sf.name_length);
	EXPECT_EQ(-EBADF, lisafs_client_fstatfs(C, 777777, &sf));
}

TEST_F(mid, setstat)
{
	SKIP_IF_NO_SETUP();
	struct lisafs_setstat req = { 0 };
	uint32_t fmask = 99;
	int ferr = 99;
	uint64_t ctl;
	struct statx st;

	create_file(_metadata, C, ROOT, "f", O_RDWR, &ctl);
	req.mask = STATX_MODE | STATX_SIZE | STATX_MTIME;
	req.mode = 0600;
	req.size = 1000;
	req.mtime.tv_sec = 1234567;
	req.mtime.tv_nsec = 89;
	ASSERT_EQ(0, lisafs_client_setstat(C, ctl, &req, &fmask, &ferr));
	EXPECT_EQ(0, fmask);
	EXPECT_EQ(0, ferr);
	ASSERT_EQ(0, lisafs_client_fstat(C, ctl, &st));
	EXPECT_EQ(0600, st.stx_mode & 07777);
	EXPECT_EQ(1000, st.stx_size);
	EXPECT_EQ(1234567, st.stx_mtime.tv_sec);
	EXPECT_EQ(89, st.stx_mtime.tv_nsec);
	/* Size on a directory fails that part only. */
	req.mask = STATX_SIZE;
	ASSERT_EQ(0, lisafs_client_setstat(C, ROOT, &req, &fmask, &ferr));
	EXPECT_EQ(STATX_SIZE, fmask);
	EXPECT_EQ(EISDIR, ferr);
	req.mask = STATX_INO;
	EXPECT_EQ(-EPERM, lisafs_client_setstat(C, ctl, &req, NULL, NULL));
}

TEST_F(mid, xattrs)
{
	SKIP_IF_NO_SETUP();
	char buf[256];
	uint64_t ctl;
	ssize_t n;
	int err;

	create_file(_metadata, C, ROOT, "x", O_RDWR, &ctl);
	err = lisafs_client_fsetxattr(C, ctl, "user.k", "value", 5, 0);
	if (err == -EOPNOTSUPP || err == -EPERM)
		SKIP(return, "no user xattrs on %s", self->e.dir);
	ASSERT_EQ(0, err);
	EXPECT_EQ(5, lisafs_client_fgetxattr(C, ctl, "user.k", NULL, 0));
	EXPECT_EQ(5, lisafs_client_fgetxattr(C, ctl, "user.k", buf,
					     sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "value", 5));
	EXPECT_EQ(-ERANGE, lisafs_client_fgetxattr(C, ctl, "user.k", buf, 2));
	n = lisafs_client_flistxattr(C, ctl, buf, sizeof(buf));
	EXPECT_LE(7, n);
	EXPECT_NE(NULL, memmem(buf, n, "user.k", 7));
	EXPECT_EQ(-EEXIST, lisafs_client_fsetxattr(C, ctl, "user.k", "v", 1,
						   XATTR_CREATE));
	EXPECT_EQ(0, lisafs_client_fremovexattr(C, ctl, "user.k"));
	EXPECT_EQ(-ENODATA, lisafs_client_fgetxattr(C, ctl, "user.k", buf,
						    sizeof(buf)));
}

TEST_F(mid, sockets)
{
	SKIP_IF_NO_SETUP();
	struct lisafs_inode ino;
	uint64_t bound, ctl;
	int sock = -1, conn = -1, cli = -1;
	char addr[108];

	if (!(variant->server_flags & LISAFS_SERVER_ALLOW_SOCKETS)) {
		EXPECT_EQ(-EOPNOTSUPP, lisafs_client_bindat(C, ROOT, "s",
							    SOCK_STREAM, 0755,
							    0, 0, NULL, &bound,
							    &sock));
		/* Forced past the client's check, the server refuses. */
		EXPECT_EQ(-EOPNOTSUPP, lisafs_client_call(C, LISAFS_MID_LISTEN,
							  "\1\0\0\0\0\0\0\0\1\0\0\0\0\0\0\0",
							  16, NULL, 0, NULL,
							  NULL, 0, NULL));
		return;
	}
	ASSERT_EQ(0, lisafs_client_bindat(C, ROOT, "s", SOCK_STREAM, 0755,
					  LISAFS_NO_UID, LISAFS_NO_GID, &ino,
					  &bound, &sock));
	EXPECT_TRUE(S_ISSOCK(ino.stat.stx_mode));
	EXPECT_GE(sock, 0);
	EXPECT_EQ(0, lisafs_client_listen(C, bound, 8));
	EXPECT_EQ(-EAGAIN, lisafs_client_accept(C, bound, &conn, addr,
						sizeof(addr)));
	ctl = lt_walk1(C, ROOT, "s", NULL);
	ASSERT_NE(0, ctl);
	ASSERT_EQ(0, lisafs_client_connect_socket(C, ctl, SOCK_STREAM, &cli));
	ASSERT_EQ(0, lisafs_client_accept(C, bound, &conn, addr, sizeof(addr)));
	EXPECT_EQ(3, write(cli, "abc", 3));
	{
		char b[4] = { 0 };

		usleep(10000);
		EXPECT_EQ(3, read(conn, b, 3));
		EXPECT_EQ(0, memcmp(b, "abc", 3));
	}
	/* The same through ConnectWithCreds, as ourselves. */
	{
		int cli2 = -1, conn2 = -1;

		ASSERT_EQ(0, lisafs_client_connect_with_creds(C, ctl,
							      SOCK_STREAM,
							      getuid(),
							      getgid(),
							      &cli2));
		ASSERT_EQ(0, lisafs_client_accept(C, bound, &conn2, NULL, 0));
		close(cli2);
		close(conn2);
	}
	/* Listen on a control FDID: wrong kind. */
	EXPECT_EQ(-EINVAL, lisafs_client_listen(C, ctl, 8));
	/* Connect to a non-socket. */
	EXPECT_EQ(-ECONNREFUSED, lisafs_client_connect_socket(C, ROOT,
							      SOCK_STREAM,
							      &cli));
	close(sock);
	close(conn);
	close(cli);
}

TEST_F(mid, unknown_and_error_mids)
{
	SKIP_IF_NO_SETUP();
	EXPECT_EQ(-EOPNOTSUPP, lisafs_client_call(C, 99, NULL, 0, NULL, 0,
						  NULL, NULL, 0, NULL));
	EXPECT_EQ(-EOPNOTSUPP, lisafs_client_call(C, 300, NULL, 0, NULL, 0,
						  NULL, NULL, 0, NULL));
	EXPECT_EQ(-EINVAL, lisafs_client_call(C, LISAFS_MID_ERROR, NULL, 0,
					      NULL, 0, NULL, NULL, 0, NULL));
	/* Short payloads: EIO, for a fixed-size and a variable message. */
	EXPECT_EQ(-EIO, lisafs_client_call(C, LISAFS_MID_FSTAT, "\1\0", 2,
					   NULL, 0, NULL, NULL, 0, NULL));
	EXPECT_EQ(-EIO, lisafs_client_call(C, LISAFS_MID_WALK,
					   "\1\0\0\0\0\0\0\0\2\0\1\0a", 13,
					   NULL, 0, NULL, NULL, 0, NULL));
}

/* A read-only export answers EROFS to every mutation. */
TEST(readonly_export)
{
	struct lt_env e;
	struct lisafs_setstat ss = { .mask = STATX_MODE, .mode = 0600 };
	uint64_t ofd, f;
	int before;

	ASSERT_EQ(0, lt_setup(&e, LISAFS_SERVER_READONLY,
			      lt_default_transport() == LT_DEVICE &&
			      lt_device_present() ? LT_DEVICE : LT_FUTEX));
	before = e.fds_before;
	ASSERT_EQ(0, lt_write_file(lt_path(&e, "f"), "ro"));
	f = lt_walk1(e.c, e.root.fdid, "f", NULL);
	ASSERT_NE(0, f);
	EXPECT_EQ(-EROFS, lisafs_client_openat(e.c, f, O_RDWR, &ofd, NULL));
	EXPECT_EQ(-EROFS, lisafs_client_openat(e.c, f, O_RDONLY | O_TRUNC,
					       &ofd, NULL));
	ASSERT_EQ(0, lisafs_client_openat(e.c, f, O_RDONLY, &ofd, NULL));
	EXPECT_EQ(-EROFS, lisafs_client_pwrite(e.c, ofd, "x", 1, 0));
	EXPECT_EQ(-EROFS, lisafs_client_fallocate(e.c, ofd, 0, 0, 10));
	EXPECT_EQ(-EROFS, lisafs_client_setstat(e.c, f, &ss, NULL, NULL));
	EXPECT_EQ(-EROFS, lisafs_client_open_create_at(e.c, e.root.fdid, "n",
						       O_RDWR, 0644, 0, 0,
						       NULL, &ofd, NULL));
	EXPECT_EQ(-EROFS, lisafs_client_mkdirat(e.c, e.root.fdid, "n", 0755,
						0, 0, NULL));
	EXPECT_EQ(-EROFS, lisafs_client_mknodat(e.c, e.root.fdid, "n",
						S_IFIFO | 0600, 0, 0, 0, NULL));
	EXPECT_EQ(-EROFS, lisafs_client_symlinkat(e.c, e.root.fdid, "n", "f",
						  0, 0, NULL));
	EXPECT_EQ(-EROFS, lisafs_client_linkat(e.c, e.root.fdid, "n", f,
					       NULL));
	EXPECT_EQ(-EROFS, lisafs_client_unlinkat(e.c, e.root.fdid, "f", 0));
	EXPECT_EQ(-EROFS, lisafs_client_renameat(e.c, e.root.fdid, "f",
						 e.root.fdid, "g"));
	EXPECT_EQ(-EROFS, lisafs_client_fsetxattr(e.c, f, "user.a", "b", 1,
						  0));
	EXPECT_EQ(-EROFS, lisafs_client_fremovexattr(e.c, f, "user.a"));
	{
		char b[4];

		EXPECT_EQ(2, lisafs_client_pread(e.c, ofd, b, 4, 0));
	}
	lt_teardown(&e);
	EXPECT_EQ(before, lt_wait_fds(before, 2000));
}

/* Our client against our server in another process. */
TEST(two_processes)
{
	struct lisafs_server_options so = { .size = sizeof(so),
					    .flags = LISAFS_SERVER_NO_DEVICE };
	struct lisafs_client_options co = { .size = sizeof(co),
					    .flags = LISAFS_CLIENT_NO_DEVICE };
	char dir[] = "/tmp/lisafs-2p-XXXXXX";
	struct lisafs_client *c;
	struct lisafs_inode root;
	int sock, status, futex = 0;
	uint64_t ofd;
	char buf[8] = { 0 };
	pid_t pid;

	ASSERT_NE(NULL, mkdtemp(dir));
	sock = lt_fork_server(dir, &so, &pid);
	ASSERT_LE(0, sock);
	ASSERT_EQ(0, lisafs_client_connect(sock, &co, &c, &root));
	lisafs_client_channels(c, &futex, NULL);
	EXPECT_EQ(LISAFS_MAX_CHANNELS, futex);
	ASSERT_EQ(0, lisafs_client_open_create_at(c, root.fdid, "f", O_RDWR,
						  0644, LISAFS_NO_UID,
						  LISAFS_NO_GID, NULL, &ofd,
						  NULL));
	EXPECT_EQ(3, lisafs_client_pwrite(c, ofd, "x2p", 3, 0));
	EXPECT_EQ(3, lisafs_client_pread(c, ofd, buf, 3, 0));
	EXPECT_EQ(0, memcmp(buf, "x2p", 3));
	lisafs_client_destroy(c);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	{
		char path[64];

		snprintf(path, sizeof(path), "%s/f", dir);
		unlink(path);
		rmdir(dir);
	}
}

TEST_HARNESS_MAIN
