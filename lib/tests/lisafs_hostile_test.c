// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A hostile client against the server: every MID truncated at every length
 * and with trailing bytes, wrong FDID kinds, 100,000 seeded random
 * requests, garbage numFDs and dataLen on a channel, FDID and connection
 * limits. Throughout, a well-behaved second client keeps working, and when
 * the connections end no fd is left open (/proc/self/fd).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lisafs/wire.h"
#include "lisafs_test_util.h"

FIXTURE(hostile) {
	struct lt_env e;
	int sock;		/* the hostile client's raw socket */
	uint64_t file, dir, ofd;/* FDIDs of the hostile connection */
};

static int raw_call(int sock, uint16_t mid, const void *p, uint32_t len,
		    uint8_t *resp, uint32_t cap, uint16_t *rmid)
{
	unsigned int nfds = 0;
	int fds[16], err;

	err = lt_sock_send(sock, mid, p, len);
	if (err)
		return err;
	err = lt_sock_recv(sock, rmid, resp, cap, fds, &nfds, 5000);
	while (nfds)
		close(fds[--nfds]);
	return err;
}

/* The hostile connection's own Mount, a file, a dir and an open FDID. */
static void hostile_connect(struct __test_metadata *_metadata,
			  FIXTURE_DATA(hostile) *self)
{
	static uint8_t resp[LISAFS_MAX_MESSAGE_SIZE];
	struct lfs_wr w;
	uint8_t req[64];
	uint16_t mid;
	int n;

	ASSERT_EQ(0, lt_write_file(lt_path(&self->e, "file"), "0123456789"));
	ASSERT_EQ(0, mkdir(lt_path(&self->e, "dir"), 0755));
	self->sock = lt_raw_socket(&self->e);
	ASSERT_LE(0, self->sock);
	ASSERT_LT(0, raw_call(self->sock, LISAFS_MID_MOUNT, NULL, 0, resp,
			      sizeof(resp), &mid));
	ASSERT_EQ(LISAFS_MID_MOUNT, mid);
	lfs_wr_init(&w, req, sizeof(req));
	lfs_wr_u64(&w, 1);
	lfs_wr_u16(&w, 1);
	lfs_wr_string(&w, "file", 4);
	n = raw_call(self->sock, LISAFS_MID_WALK, req, w.off, resp,
		     sizeof(resp), &mid);
	ASSERT_EQ(3 + 152, n);
	memcpy(&self->file, resp + 3, 8);
	lfs_wr_init(&w, req, sizeof(req));
	lfs_wr_u64(&w, 1);
	lfs_wr_u16(&w, 1);
	lfs_wr_string(&w, "dir", 3);
	ASSERT_EQ(3 + 152, raw_call(self->sock, LISAFS_MID_WALK, req, w.off,
				    resp, sizeof(resp), &mid));
	memcpy(&self->dir, resp + 3, 8);
	lfs_wr_init(&w, req, sizeof(req));
	lfs_wr_u64(&w, self->file);
	lfs_wr_u32(&w, O_RDWR);
	lfs_wr_u32(&w, 0);
	ASSERT_EQ(8, raw_call(self->sock, LISAFS_MID_OPENAT, req, w.off, resp,
			      sizeof(resp), &mid));
	memcpy(&self->ofd, resp, 8);
}

FIXTURE_SETUP(hostile)
{
	struct rlimit fsize = { 16 << 20, 16 << 20 };

	/* Random FAllocate/PWrite sizes must not fill the disk. */
	signal(SIGXFSZ, SIG_IGN);
	ASSERT_EQ(0, setrlimit(RLIMIT_FSIZE, &fsize));
	ASSERT_EQ(0, lt_setup(&self->e, LISAFS_SERVER_ALLOW_SOCKETS, LT_FUTEX));
	hostile_connect(_metadata, self);
}

FIXTURE_TEARDOWN(hostile)
{
	int before = self->e.fds_before;

	if (self->sock >= 0)
		close(self->sock);
	lt_teardown(&self->e);
	EXPECT_EQ(before, lt_wait_fds(before, 3000));
}

/* The good client still works, and so does the hostile socket. */
#define EXPECT_HEALTHY() do { \
	struct statx _st; \
	uint8_t _r[256]; \
	uint16_t _m; \
	uint64_t _one = 1; \
	EXPECT_EQ(0, lisafs_client_fstat(self->e.c, self->e.root.fdid, &_st)); \
	EXPECT_EQ(LISAFS_STATX_BYTES, raw_call(self->sock, LISAFS_MID_FSTAT, \
					       &_one, 8, _r, sizeof(_r), &_m)); \
} while (0)

/* A valid request per MID (FDIDs of the hostile connection). */
static uint32_t valid_request(FIXTURE_DATA(hostile) *self, uint16_t mid,
			      uint8_t *buf, size_t cap)
{
	struct lfs_wr w;

	lfs_wr_init(&w, buf, cap);
	switch (mid) {
	case LISAFS_MID_FSTAT: case LISAFS_MID_FSTATFS:
	case LISAFS_MID_READLINKAT: case LISAFS_MID_FLUSH:
	case LISAFS_MID_ACCEPT:
		lfs_wr_u64(&w, mid == LISAFS_MID_FLUSH ? self->ofd : self->file);
		break;
	case LISAFS_MID_SETSTAT:
		lfs_wr_u64(&w, self->file);
		lfs_wr_u32(&w, STATX_MODE);
		lfs_wr_u32(&w, 0644);
		lfs_wr_bytes(&w, (uint8_t[48]){ 0 }, 48);
		break;
	case LISAFS_MID_WALK: case LISAFS_MID_WALK_STAT:
		lfs_wr_u64(&w, 1);
		lfs_wr_u16(&w, 2);
		lfs_wr_string(&w, "dir", 3);
		lfs_wr_string(&w, "x", 1);
		break;
	case LISAFS_MID_OPENAT:
		lfs_wr_u64(&w, self->file);
		lfs_wr_u32(&w, O_RDONLY);
		lfs_wr_u32(&w, 0);
		break;
	case LISAFS_MID_OPEN_CREATE_AT: case LISAFS_MID_MKDIRAT:
	case LISAFS_MID_MKNODAT: case LISAFS_MID_BINDAT:
		lfs_wr_u64(&w, self->dir);
		lfs_wr_u32(&w, LISAFS_NO_UID);
		lfs_wr_u32(&w, LISAFS_NO_GID);
		lfs_wr_u16(&w, mid == LISAFS_MID_MKNODAT ? S_IFIFO | 0644 : 0644);
		lfs_wr_bytes(&w, "\0\0\0\0\0\0", 6);
		if (mid == LISAFS_MID_OPEN_CREATE_AT)
			lfs_wr_u32(&w, O_RDWR);
		if (mid == LISAFS_MID_MKNODAT) {
			lfs_wr_u32(&w, 0);
			lfs_wr_u32(&w, 0);
		}
		if (mid == LISAFS_MID_BINDAT)
			lfs_wr_u32(&w, SOCK_STREAM);
		lfs_wr_string(&w, "newname", 7);
		break;
	case LISAFS_MID_CLOSE: case LISAFS_MID_FSYNC:
		lfs_wr_u16(&w, 1);
		lfs_wr_u64(&w, mid == LISAFS_MID_FSYNC ? self->ofd : 999);
		break;
	case LISAFS_MID_PWRITE:
		lfs_wr_u64(&w, 0);
		lfs_wr_u64(&w, self->ofd);
		lfs_wr_u32(&w, 4);
		lfs_wr_bytes(&w, "abcd", 4);
		break;
	case LISAFS_MID_PREAD:
		lfs_wr_u64(&w, 0);
		lfs_wr_u64(&w, self->ofd);
		lfs_wr_u32(&w, 10);
		lfs_wr_u32(&w, 0);
		break;
	case LISAFS_MID_SYMLINKAT:
		lfs_wr_u64(&w, self->dir);
		lfs_wr_u32(&w, 0);
		lfs_wr_u32(&w, 0);
		lfs_wr_string(&w, "sl", 2);
		lfs_wr_string(&w, "target", 6);
		break;
	case LISAFS_MID_LINKAT:
		lfs_wr_u64(&w, self->dir);
		lfs_wr_u64(&w, self->file);
		lfs_wr_string(&w, "hl", 2);
		break;
	case LISAFS_MID_FALLOCATE:
		lfs_wr_u64(&w, self->ofd);
		lfs_wr_u64(&w, 0);
		lfs_wr_u64(&w, 0);
		lfs_wr_u64(&w, 100);
		break;
	case LISAFS_MID_CONNECT: case LISAFS_MID_CONNECT_WITH_CREDS:
	case LISAFS_MID_LISTEN:
		lfs_wr_u64(&w, self->file);
		lfs_wr_u32(&w, SOCK_STREAM);
		lfs_wr_u32(&w, 0);
		if (mid == LISAFS_MID_CONNECT_WITH_CREDS) {
			lfs_wr_u32(&w, 0);
			lfs_wr_u32(&w, 0);
		}
		break;
	case LISAFS_MID_UNLINKAT:
		lfs_wr_u64(&w, self->dir);
		lfs_wr_u32(&w, 0);
		lfs_wr_string(&w, "nothere", 7);
		break;
	case LISAFS_MID_RENAMEAT: case LISAFS_MID_RENAMEAT2:
		lfs_wr_u64(&w, self->dir);
		lfs_wr_u64(&w, self->dir);
		lfs_wr_string(&w, "nothere", 7);
		lfs_wr_string(&w, "other", 5);
		if (mid == LISAFS_MID_RENAMEAT2)
			lfs_wr_u32(&w, 0);
		break;
	case LISAFS_MID_GETDENTS64:
		lfs_wr_u64(&w, self->ofd);
		lfs_wr_u32(&w, (uint32_t)-4096);
		lfs_wr_u32(&w, 0);
		break;
	case LISAFS_MID_FGETXATTR: case LISAFS_MID_FSETXATTR:
	case LISAFS_MID_FREMOVEXATTR:
		lfs_wr_u64(&w, self->file);
		if (mid != LISAFS_MID_FREMOVEXATTR)
			lfs_wr_u32(&w, mid == LISAFS_MID_FGETXATTR ? 64 : 0);
		lfs_wr_string(&w, "user.x", 6);
		if (mid == LISAFS_MID_FSETXATTR)
			lfs_wr_string(&w, "v", 1);
		break;
	case LISAFS_MID_FLISTXATTR:
		lfs_wr_u64(&w, self->file);
		lfs_wr_u64(&w, 256);
		break;
	default:
		break;
	}
	return (uint32_t)w.off;
}

TEST_F(hostile, every_mid_truncated_and_oversized)
{
	static uint8_t resp[LISAFS_MAX_MESSAGE_SIZE];
	uint8_t req[4096 + 256];
	uint16_t mid, rmid;

	for (mid = LISAFS_MID_FSTAT; mid < LISAFS_MID_STANDARD_COUNT; mid++) {
		uint32_t len = valid_request(self, mid, req, 256);

		/* Every proper prefix is an error answer, never a crash. */
		for (uint32_t cut = 0; cut < len; cut++) {
			int n = raw_call(self->sock, mid, req, cut, resp,
					 sizeof(resp), &rmid);

			ASSERT_LE(4, n);
			EXPECT_EQ(LISAFS_MID_ERROR, rmid);
			if (rmid != LISAFS_MID_ERROR)
				TH_LOG("mid %u cut %u answered", mid, cut);
		}
		/* Trailing bytes are ignored: same answer kind as exact. */
		memset(req + len, 0xA5, 4096);
		EXPECT_LE(0, raw_call(self->sock, mid, req, len + 4096, resp,
				      sizeof(resp), &rmid));
	}
	EXPECT_HEALTHY();
}

TEST_F(hostile, wrong_fdid_kinds)
{
	static const uint16_t control_mids[] = {
		LISAFS_MID_OPENAT, LISAFS_MID_FSTATFS, LISAFS_MID_READLINKAT,
	};
	static const uint16_t open_mids[] = {
		LISAFS_MID_FLUSH,
	};
	uint8_t req[64], resp[256];
	uint16_t rmid;
	int n;

	for (size_t i = 0; i < sizeof(control_mids) / 2; i++) {
		memset(req, 0, sizeof(req));
		memcpy(req, &self->ofd, 8);	/* open where control belongs */
		n = raw_call(self->sock, control_mids[i], req, 16, resp,
			     sizeof(resp), &rmid);
		EXPECT_EQ(EINVAL, lt_error_of(rmid, resp, n));
	}
	for (size_t i = 0; i < sizeof(open_mids) / 2; i++) {
		memset(req, 0, sizeof(req));
		memcpy(req, &self->file, 8);	/* control where open belongs */
		n = raw_call(self->sock, open_mids[i], req, 16, resp,
			     sizeof(resp), &rmid);
		EXPECT_EQ(EINVAL, lt_error_of(rmid, resp, n));
	}
	/* Unknown FDIDs: EBADF, including 0 and the largest. */
	memset(req, 0xff, 8);
	n = raw_call(self->sock, LISAFS_MID_FSTAT, req, 8, resp, sizeof(resp),
		     &rmid);
	EXPECT_EQ(EBADF, lt_error_of(rmid, resp, n));
	EXPECT_HEALTHY();
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

TEST_F(hostile, random_requests_seeded)
{
	static uint8_t resp[LISAFS_MAX_MESSAGE_SIZE];
	uint64_t seed = 0x5eed1234abcdULL;
	int count = getenv("LISAFS_TEST_QUICK") ? 20000 : 100000;
	uint8_t req[512];

	for (int i = 0; i < count; i++) {
		uint16_t mid = (uint16_t)(rnd(&seed) % 36), rmid;
		uint32_t len;
		int n;

		if (rnd(&seed) % 2) {
			/* A valid request with random bytes flipped. */
			len = valid_request(self, mid, req, 256);
			for (int k = rnd(&seed) % 4; k >= 0 && len; k--)
				req[rnd(&seed) % len] = (uint8_t)rnd(&seed);
		} else {
			len = rnd(&seed) % 96;
			for (uint32_t k = 0; k < len; k++)
				req[k] = (uint8_t)rnd(&seed);
			/* Small FDIDs hit real entries more often. */
			if (len >= 8 && rnd(&seed) % 2) {
				uint64_t id = rnd(&seed) % 8;

				memcpy(req, &id, 8);
			}
		}
		if (mid == LISAFS_MID_MOUNT || mid == LISAFS_MID_CHANNEL)
			mid = LISAFS_MID_FSTAT;	/* no windows piling up */
		n = raw_call(self->sock, mid, req, len, resp, sizeof(resp),
			     &rmid);
		ASSERT_LE(0, n);
		ASSERT_TRUE(rmid == mid || rmid == LISAFS_MID_ERROR);
	}
	EXPECT_HEALTHY();
}

static long futex(_Atomic uint32_t *w, int op, uint32_t val)
{
	return syscall(SYS_futex, w, op, val, NULL, NULL, 0);
}

/* Hand off n bytes as the client and wait; the new dataLen or -errno. */
static int raw_handoff(uint8_t *win, uint32_t n)
{
	_Atomic uint32_t *state = (_Atomic uint32_t *)win;
	uint32_t expect = 0;

	memcpy(win + 4, &n, 4);
	if (!atomic_compare_exchange_strong(state, &expect, 1))
		return -EPROTO;
	futex(state, FUTEX_WAKE, 1);
	for (int i = 0; i < 3000; i++) {
		uint32_t s = atomic_load(state);
		struct timespec ts = { 0, 1000000 };

		if (s == 0) {
			memcpy(&n, win + 4, 4);
			return (int)n;
		}
		if (s != 1)
			return -ESHUTDOWN;
		syscall(SYS_futex, state, FUTEX_WAIT, 1, &ts, NULL, 0);
	}
	return -ETIMEDOUT;
}

/* A raw channel of the hostile connection; returns the mapped window. */
static uint8_t *raw_channel(struct __test_metadata *_metadata, int sock,
			    int *fdsock, uint64_t *len)
{
	uint8_t buf[64];
	unsigned int nfds = 0;
	int fds[16];
	uint16_t mid;
	uint64_t off;
	uint8_t *win;

	EXPECT_EQ(0, lt_sock_send(sock, LISAFS_MID_CHANNEL, NULL, 0));
	EXPECT_EQ(16, lt_sock_recv(sock, &mid, buf, sizeof(buf), fds, &nfds,
				   2000));
	if (nfds != 2)
		return NULL;
	memcpy(&off, buf, 8);
	memcpy(len, buf + 8, 8);
	win = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_SHARED, fds[0],
		   (off_t)off);
	close(fds[0]);
	*fdsock = fds[1];
	if (win == MAP_FAILED)
		return NULL;
	memcpy(win + 16, "{}\n", 3);
	EXPECT_EQ(3, raw_handoff(win, 3));
	return win;
}

TEST_F(hostile, channel_garbage)
{
	uint64_t len;
	uint8_t *win;
	int fdsock;

	/* numFDs in a request: answered EIO, channel lives on. */
	win = raw_channel(_metadata, self->sock, &fdsock, &len);
	ASSERT_NE(NULL, win);
	memcpy(win + 16, "\x03\x00\x05\x00\x01\x00\x00\x00\x00\x00\x00\x00", 12);
	ASSERT_EQ(8, raw_handoff(win, 12));
	EXPECT_EQ(0, memcmp(win + 16, "\x00\x00\x00\x00\x05\x00\x00\x00", 8));
	memcpy(win + 16, "\x03\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00", 12);
	EXPECT_EQ(148, raw_handoff(win, 12));
	/* dataLen below the header: the server ends the channel. */
	EXPECT_EQ(-ESHUTDOWN, raw_handoff(win, 2));
	munmap(win, len);
	close(fdsock);

	/* dataLen past the window: the same. */
	win = raw_channel(_metadata, self->sock, &fdsock, &len);
	ASSERT_NE(NULL, win);
	EXPECT_EQ(-ESHUTDOWN, raw_handoff(win, 0xfffffff0));
	munmap(win, len);
	close(fdsock);

	/* A state word scribbled over: the server gives up on it. */
	win = raw_channel(_metadata, self->sock, &fdsock, &len);
	ASSERT_NE(NULL, win);
	atomic_store((_Atomic uint32_t *)win, 77);
	futex((_Atomic uint32_t *)win, FUTEX_WAKE, 1);
	munmap(win, len);
	close(fdsock);
	/* Four were made; the fifth is refused. */
	win = raw_channel(_metadata, self->sock, &fdsock, &len);
	if (win) {
		munmap(win, len);
		close(fdsock);
	}
	{
		uint8_t r[16];
		uint16_t m;
		int n = raw_call(self->sock, LISAFS_MID_CHANNEL, NULL, 0, r,
				 sizeof(r), &m);

		EXPECT_EQ(ENOMEM, lt_error_of(m, r, n));
	}
	EXPECT_HEALTHY();
}

TEST_F(hostile, oversized_socket_payload)
{
	uint32_t len = LISAFS_MAX_MESSAGE_SIZE + 1;
	uint8_t *big = calloc(1, len), resp[64];
	uint16_t rmid;
	int n;

	ASSERT_NE(NULL, big);
	n = raw_call(self->sock, LISAFS_MID_FSTAT, big, len, resp,
		     sizeof(resp), &rmid);
	EXPECT_EQ(EIO, lt_error_of(rmid, resp, n));
	free(big);
	/* Fds sent with a request are closed, and answered EIO. */
	{
		int sv[2];
		uint8_t msg[16] = { 8, 0, 0, 0, 3, 0, 0, 0, 1 };
		char control[CMSG_SPACE(2 * sizeof(int))];
		struct iovec iov = { msg, 16 };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
				     .msg_control = control,
				     .msg_controllen = sizeof(control) };
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

		ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(2 * sizeof(int));
		memcpy(CMSG_DATA(cm), sv, sizeof(sv));
		ASSERT_EQ(16, sendmsg(self->sock, &mh, 0));
		close(sv[0]);
		close(sv[1]);
		n = lt_sock_recv(self->sock, &rmid, resp, sizeof(resp), NULL,
				 NULL, 2000);
		EXPECT_EQ(EIO, lt_error_of(rmid, resp, n));
	}
	EXPECT_HEALTHY();
}

TEST_F(hostile, peer_death_mid_connection)
{
	/* Die with channels and open FDIDs: only this connection ends. */
	uint64_t len;
	int fdsock;
	uint8_t *win = raw_channel(_metadata, self->sock, &fdsock, &len);

	ASSERT_NE(NULL, win);
	munmap(win, len);
	close(fdsock);
	close(self->sock);
	self->sock = -1;
	EXPECT_EQ(1, lt_wait_connections(self->e.srv, 1, 2000));
	{
		struct statx st;

		EXPECT_EQ(0, lisafs_client_fstat(self->e.c, self->e.root.fdid,
						 &st));
	}
}

TEST(fdid_and_connection_limits)
{
	struct lisafs_server_options o = { .size = sizeof(o),
					   .flags = LISAFS_SERVER_NO_DEVICE,
					   .max_fdids_per_conn = 10,
					   .max_connections = 2 };
	char dir[] = "/tmp/lisafs-limit-XXXXXX";
	struct lisafs_server *srv;
	struct lisafs_client *c;
	struct lisafs_inode root;
	int sv[2], before = lt_count_fds(), got = 0;

	ASSERT_NE(NULL, mkdtemp(dir));
	ASSERT_EQ(0, lisafs_server_new(dir, &o, &srv));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	ASSERT_EQ(0, lisafs_server_add_connection(srv, sv[1]));
	ASSERT_EQ(0, lisafs_client_connect(sv[0], NULL, &c, &root));
	for (int i = 0; i < 20; i++) {
		const char *names[1] = { "x" };
		struct lisafs_inode ino;
		size_t n;
		uint8_t st;
		int err;

		err = lisafs_client_mkdirat(c, root.fdid, "x", 0755, 0, 0, &ino);
		if (i == 0)
			EXPECT_EQ(0, err);
		err = lisafs_client_walk(c, root.fdid, names, 1, &ino, &n, &st);
		if (err == 0)
			got++;
		else
			EXPECT_EQ(-EMFILE, err);
	}
	EXPECT_EQ(8, got);	/* root + mkdir's + 8 walks = 10 */
	/* Two connections at most: a third is refused and closed. */
	{
		int a[2], b[2];

		ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, a));
		ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, b));
		EXPECT_EQ(0, lisafs_server_add_connection(srv, a[1]));
		EXPECT_EQ(-EAGAIN, lisafs_server_add_connection(srv, b[1]));
		close(a[0]);
		close(b[0]);
	}
	lisafs_client_destroy(c);
	lisafs_server_destroy(srv);
	EXPECT_EQ(before, lt_wait_fds(before, 2000));
	{
		char p[64];

		snprintf(p, sizeof(p), "%s/x", dir);
		rmdir(p);
		rmdir(dir);
	}
}

/* By default the fd limit is shared among the connections. */
TEST(default_fdid_cap_follows_fd_limit)
{
	struct lisafs_server_options o = { .size = sizeof(o),
					   .flags = LISAFS_SERVER_NO_DEVICE,
					   .max_connections = 4 };
	struct rlimit rl = { 1280, 1280 };
	char dir[] = "/tmp/lisafs-cap-XXXXXX";
	struct lisafs_server *srv;
	struct lisafs_client *c;
	struct lisafs_inode root;
	int sv[2], got = 0, err = 0;

	ASSERT_NE(NULL, mkdtemp(dir));
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl));	/* this test's child */
	ASSERT_EQ(0, lisafs_server_new(dir, &o, &srv));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	ASSERT_EQ(0, lisafs_server_add_connection(srv, sv[1]));
	ASSERT_EQ(0, lisafs_client_connect(sv[0], NULL, &c, &root));
	while (got < 400) {
		uint64_t ofd;

		err = lisafs_client_openat(c, root.fdid, O_RDONLY, &ofd, NULL);
		if (err)
			break;
		got++;
	}
	EXPECT_EQ(-EMFILE, err);
	EXPECT_EQ((1280 - 256) / 4 - 1, got);	/* the root is one */
	lisafs_client_destroy(c);
	lisafs_server_destroy(srv);
	rmdir(dir);
}

TEST_HARNESS_MAIN
