// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Our client against a scripted peer: a fake gofer written here with raw
 * sockets and a raw futex window (no library server code). It answers
 * Mount like the Go fsgofer, and then misbehaves on purpose: wrong MID,
 * too many fds, short payloads, dataLen past the window or below the
 * header, numFDs it never sends, or no answer at all. The client must
 * return errors (never crash or hang), keep no fd, and its watchdog must
 * end a call stuck on a channel when the socket goes away.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lisafs/wire.h"
#include "lisafs_test_util.h"

enum fake_mode {
	GOOD, SOCK_WRONG_MID, SOCK_TOO_MANY_FDS, SOCK_SHORT, MOUNT_SHORT,
	CH_PAST_WINDOW, CH_SHORT, CH_WRONG_MID, CH_NUMFDS_LIE, CH_GARBAGE,
	CH_HANG,
};

#define WIN_LEN	(2U << 20)

struct fake {
	int mode;
	int sock;
	pthread_t thr, chan_thr;
	bool chan_started;
	uint8_t *win;
	int fdsock;
	uint8_t last_req[64];
	size_t last_len;
};

static bool uses_channel(int mode)
{
	return mode >= CH_PAST_WINDOW;
}

static void fake_statx(struct lfs_wr *w)
{
	struct statx st = { 0 };

	st.stx_mask = STATX_BASIC_STATS;
	st.stx_mode = S_IFREG | 0644;
	st.stx_ino = 0x1122334455667788ULL;
	st.stx_size = 4242;
	st.stx_mtime.tv_sec = 77;
	st.stx_mtime.tv_nsec = 88;
	lfs_wr_statx(w, &st);
}

static void send_msg(int sock, uint16_t mid, const void *p, uint32_t len,
		     const int *fds, unsigned int nfds)
{
	uint8_t hdr[8] = { 0 };
	char control[CMSG_SPACE(8 * sizeof(int))];
	struct iovec iov[2] = { { hdr, 8 }, { (void *)p, len } };
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };

	memcpy(hdr, &len, 4);
	memcpy(hdr + 4, &mid, 2);
	if (nfds) {
		struct cmsghdr *cm;

		msg.msg_control = control;
		msg.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, nfds * sizeof(int));
	}
	sendmsg(sock, &msg, MSG_NOSIGNAL);
}

static _Atomic uint32_t *state_of(struct fake *f)
{
	return (_Atomic uint32_t *)f->win;
}

/* Server side of the futex protocol: wait to become active (state 1). */
static bool fake_wait_active(struct fake *f)
{
	for (;;) {
		uint32_t s = atomic_load(state_of(f));
		struct timespec ts = { 0, 2000000 };

		if (s == 1)
			return true;
		if (s != 0)
			return false;
		syscall(SYS_futex, state_of(f), FUTEX_WAIT, 0, &ts, NULL, 0);
	}
}

static void fake_handoff(struct fake *f, uint32_t data_len)
{
	uint32_t one = 1;

	memcpy(f->win + 4, &data_len, 4);
	atomic_compare_exchange_strong(state_of(f), &one, 0);
	syscall(SYS_futex, state_of(f), FUTEX_WAKE, 1, NULL, NULL, 0);
}

static void *fake_channel(void *arg)
{
	struct fake *f = arg;
	uint8_t *data;

	if (!fake_wait_active(f))
		return NULL;
	data = f->win + 16;
	memcpy(data, "{}\n", 3);
	fake_handoff(f, 3);
	while (fake_wait_active(f)) {
		struct lfs_wr w;

		lfs_wr_init(&w, data + 4, 1024);
		if (memcmp(data, "\x03\x00", 2)) {
			/* Only FStat misbehaves; more channels: ENOMEM. */
			uint32_t e = ENOMEM;

			memcpy(data, "\0\0\0\0", 4);
			lfs_wr_u32(&w, e);
			fake_handoff(f, 4 + (uint32_t)w.off);
			continue;
		}
		switch (f->mode) {
		case CH_HANG:
			/* Never answer: only a shutdown gets us out. */
			while (atomic_load(state_of(f)) == 1)
				usleep(1000);
			return NULL;
		case CH_PAST_WINDOW:
			fake_handoff(f, 0xffffff00);
			continue;
		case CH_SHORT:
			fake_handoff(f, 2);
			continue;
		case CH_WRONG_MID:
			memcpy(data, "\x09\x00\x00\x00", 4);
			fake_statx(&w);
			break;
		case CH_NUMFDS_LIE:
			memcpy(data, "\x03\x00\x03\x00", 4);
			fake_statx(&w);
			break;
		case CH_GARBAGE:
			memcpy(data, "\x03\x00\x00\x00", 4);
			lfs_wr_bytes(&w, "garbage!!!", 10);
			break;
		}
		fake_handoff(f, 4 + (uint32_t)w.off);
	}
	return NULL;
}

static void fake_channel_reply(struct fake *f)
{
	uint8_t resp[16] = { 0 };
	uint32_t enomem = ENOMEM;
	int memfd, socks[2], fds[2];
	uint64_t len = WIN_LEN;

	if (!uses_channel(f->mode) || f->chan_started) {
		send_msg(f->sock, 0, &enomem, 4, NULL, 0);
		return;
	}
	memfd = memfd_create("fake-lisafs", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (memfd < 0 || ftruncate(memfd, WIN_LEN) < 0 ||
	    fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK) < 0 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, socks) < 0) {
		send_msg(f->sock, 0, &enomem, 4, NULL, 0);
		return;
	}
	f->win = mmap(NULL, WIN_LEN, PROT_READ | PROT_WRITE, MAP_SHARED,
		      memfd, 0);
	f->fdsock = socks[0];
	memcpy(resp + 8, &len, 8);
	fds[0] = memfd;
	fds[1] = socks[1];
	f->chan_started = true;
	pthread_create(&f->chan_thr, NULL, fake_channel, f);
	send_msg(f->sock, LISAFS_MID_CHANNEL, resp, 16, fds, 2);
	close(memfd);
	close(socks[1]);
}

static void *fake_socket(void *arg)
{
	struct fake *f = arg;
	uint8_t buf[4096];

	for (;;) {
		uint16_t mid;
		int n = lt_sock_recv(f->sock, &mid, buf, sizeof(buf), NULL,
				     NULL, 10000);
		struct lfs_wr w;
		int fds[8];

		if (n < 0)
			break;
		f->last_len = (size_t)n < sizeof(f->last_req) ? (size_t)n : 0;
		memcpy(f->last_req, buf, f->last_len);
		lfs_wr_init(&w, buf, sizeof(buf));
		if (mid == LISAFS_MID_MOUNT) {
			struct lisafs_inode root = { .fdid = 1 };
			uint16_t mids[28], k = 0;

			root.stat.stx_mode = S_IFDIR | 0755;
			for (uint16_t m = 1; m <= 31; m++)
				if (m != 20 && (m < 27 || m > 28))
					mids[k++] = m;
			lfs_wr_inode(&w, &root);
			lfs_wr_u32(&w, 2093056);
			lfs_wr_u16(&w, k);
			for (uint16_t i = 0; i < k; i++)
				lfs_wr_u16(&w, mids[i]);
			send_msg(f->sock, mid, buf,
				 f->mode == MOUNT_SHORT ? 100 : (uint32_t)w.off,
				 NULL, 0);
			continue;
		}
		if (mid == LISAFS_MID_CHANNEL) {
			fake_channel_reply(f);
			continue;
		}
		if (mid != LISAFS_MID_FSTAT) {
			uint32_t e = EOPNOTSUPP;

			send_msg(f->sock, 0, &e, 4, NULL, 0);
			continue;
		}
		fake_statx(&w);
		switch (f->mode) {
		case SOCK_WRONG_MID:
			fds[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
			send_msg(f->sock, LISAFS_MID_OPENAT, buf, w.off, fds, 1);
			close(fds[0]);
			break;
		case SOCK_TOO_MANY_FDS:
			for (int i = 0; i < 8; i++)
				fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);
			send_msg(f->sock, mid, buf, w.off, fds, 8);
			for (int i = 0; i < 8; i++)
				close(fds[i]);
			break;
		case SOCK_SHORT:
			send_msg(f->sock, mid, buf, 10, NULL, 0);
			break;
		default:
			send_msg(f->sock, mid, buf, w.off, NULL, 0);
			break;
		}
	}
	return NULL;
}

/* Starts the fake; returns the client end of its socket. */
static int fake_start(struct fake *f, int mode)
{
	int sv[2];

	memset(f, 0, sizeof(*f));
	f->mode = mode;
	f->fdsock = -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	f->sock = sv[1];
	pthread_create(&f->thr, NULL, fake_socket, f);
	return sv[0];
}

static void fake_stop(struct fake *f)
{
	shutdown(f->sock, SHUT_RDWR);
	pthread_join(f->thr, NULL);
	if (f->chan_started) {
		atomic_store(state_of(f), 2);
		syscall(SYS_futex, state_of(f), FUTEX_WAKE, INT32_MAX, NULL,
			NULL, 0);
		pthread_join(f->chan_thr, NULL);
		munmap(f->win, WIN_LEN);
		close(f->fdsock);
	}
	close(f->sock);
}

FIXTURE(client) {
	struct fake f;
	struct lisafs_client *c;
	struct lisafs_inode root;
	int before;
};

FIXTURE_VARIANT(client) {
	int mode;
	int want;	/* FStat's result */
};

FIXTURE_VARIANT_ADD(client, good) { GOOD, 0 };
FIXTURE_VARIANT_ADD(client, sock_wrong_mid) { SOCK_WRONG_MID, -EPROTO };
FIXTURE_VARIANT_ADD(client, sock_too_many_fds) { SOCK_TOO_MANY_FDS, -EPROTO };
FIXTURE_VARIANT_ADD(client, sock_short) { SOCK_SHORT, -EPROTO };
FIXTURE_VARIANT_ADD(client, ch_past_window) { CH_PAST_WINDOW, -EIO };
FIXTURE_VARIANT_ADD(client, ch_short) { CH_SHORT, -EIO };
FIXTURE_VARIANT_ADD(client, ch_wrong_mid) { CH_WRONG_MID, -EPROTO };
FIXTURE_VARIANT_ADD(client, ch_numfds_lie) { CH_NUMFDS_LIE, -EIO };
FIXTURE_VARIANT_ADD(client, ch_garbage) { CH_GARBAGE, -EPROTO };

FIXTURE_SETUP(client)
{
	self->before = lt_count_fds();
	ASSERT_EQ(0, lisafs_client_connect(fake_start(&self->f, variant->mode),
					   NULL, &self->c, &self->root));
}

FIXTURE_TEARDOWN(client)
{
	lisafs_client_destroy(self->c);
	fake_stop(&self->f);
	EXPECT_EQ(self->before, lt_wait_fds(self->before, 2000));
}

TEST_F(client, fstat_answers)
{
	struct statx st;
	int futex = -1;

	EXPECT_EQ(1, self->root.fdid);
	EXPECT_EQ(S_IFDIR | 0755, self->root.stat.stx_mode);
	EXPECT_EQ(2093056, lisafs_client_max_message_size(self->c));
	lisafs_client_channels(self->c, &futex, NULL);
	EXPECT_EQ(uses_channel(variant->mode) ? 1 : 0, futex);
	EXPECT_EQ(variant->want, lisafs_client_fstat(self->c, 1, &st));
	if (variant->want == 0) {
		/* Exactly the bytes gVisor's client sends. */
		EXPECT_EQ(8, self->f.last_len);
		EXPECT_EQ(0, memcmp(self->f.last_req, "\1\0\0\0\0\0\0\0", 8));
		EXPECT_EQ(0x1122334455667788ULL, st.stx_ino);
		EXPECT_EQ(S_IFREG | 0644, st.stx_mode);
		EXPECT_EQ(4242, st.stx_size);
		EXPECT_EQ(77, st.stx_mtime.tv_sec);
		EXPECT_EQ(88, st.stx_mtime.tv_nsec);
	} else {
		/*
		 * A channel out of step (-EIO) is dropped and the socket
		 * takes over; one that is merely answered wrongly (-EPROTO)
		 * is still in step and keeps being used, as gVisor does.
		 */
		if (uses_channel(variant->mode))
			EXPECT_EQ(variant->want == -EIO ? 0 : variant->want,
				  lisafs_client_fstat(self->c, 1, &st));
	}
	/* Not in the gofer's list: refused without asking. */
	EXPECT_EQ(0, lisafs_client_supports(self->c, LISAFS_MID_FLUSH));
	EXPECT_EQ(-EOPNOTSUPP, lisafs_client_flush(self->c, 1));
	EXPECT_EQ(1, lisafs_client_supports(self->c, LISAFS_MID_CONNECT));
}

TEST(mount_short_is_eproto)
{
	struct lisafs_client *c = NULL;
	struct fake f;
	int before = lt_count_fds();

	EXPECT_EQ(-EPROTO, lisafs_client_connect(fake_start(&f, MOUNT_SHORT),
						 NULL, &c, NULL));
	EXPECT_EQ(NULL, c);
	fake_stop(&f);
	EXPECT_EQ(before, lt_wait_fds(before, 2000));
}

struct pending {
	struct lisafs_client *c;
	int result;
};

static void *stuck_call(void *arg)
{
	struct pending *p = arg;
	struct statx st;

	p->result = lisafs_client_fstat(p->c, 1, &st);
	return NULL;
}

/* A client of a fake server whose channels never answer, with an FStat
 * under way on one of them (p->result stays 1 until it returns).
 */
static void start_stuck_call(struct __test_metadata *_metadata,
			     struct fake *f, struct pending *p, pthread_t *t)
{
	ASSERT_EQ(0, lisafs_client_connect(fake_start(f, CH_HANG), NULL,
					   &p->c, NULL));
	ASSERT_EQ(0, pthread_create(t, NULL, stuck_call, p));
}

/* A call stuck on a channel ends when the server's socket goes away. */
TEST(watchdog_ends_stuck_channel_call)
{
	struct pending p = { .result = 1 };
	struct fake f;
	pthread_t t;
	int before = lt_count_fds();

	start_stuck_call(_metadata, &f, &p, &t);
	usleep(100000);
	EXPECT_EQ(1, p.result);		/* still waiting */
	shutdown(f.sock, SHUT_RDWR);	/* the server "dies" */
	for (int i = 0; i < 300 && p.result == 1; i++)
		usleep(10000);
	EXPECT_GT(0, p.result);
	pthread_join(t, NULL);
	/* Every later call fails at once. */
	{
		struct statx st;

		EXPECT_EQ(-ECONNRESET, lisafs_client_fstat(p.c, 1, &st));
	}
	lisafs_client_destroy(p.c);
	fake_stop(&f);
	EXPECT_EQ(before, lt_wait_fds(before, 2000));
}

TEST(shutdown_ends_stuck_channel_call)
{
	struct pending p = { .result = 1 };
	struct fake f;
	pthread_t t;
	int before = lt_count_fds();

	start_stuck_call(_metadata, &f, &p, &t);
	usleep(50000);
	EXPECT_EQ(0, lisafs_client_shutdown(p.c));
	EXPECT_EQ(0, lisafs_client_shutdown(p.c));	/* idempotent */
	pthread_join(t, NULL);
	EXPECT_GT(0, p.result);
	lisafs_client_destroy(p.c);
	fake_stop(&f);
	EXPECT_EQ(before, lt_wait_fds(before, 2000));
}

/* timeout_ms bounds a call the server never answers. */
TEST(timeout_ends_stuck_channel_call)
{
	struct lisafs_client_options o = { .size = sizeof(o),
					   .timeout_ms = 200 };
	struct lisafs_client *c;
	struct statx st;
	struct fake f;
	int before = lt_count_fds();

	ASSERT_EQ(0, lisafs_client_connect(fake_start(&f, CH_HANG), &o, &c,
					   NULL));
	EXPECT_EQ(-ETIMEDOUT, lisafs_client_fstat(c, 1, &st));
	/* The stuck channel is dropped; the socket answers. */
	EXPECT_EQ(0, lisafs_client_fstat(c, 1, &st));
	lisafs_client_destroy(c);
	fake_stop(&f);
	EXPECT_EQ(before, lt_wait_fds(before, 2000));
}

TEST_HARNESS_MAIN
