// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Byte-exact replay of the raw exchange in gvisor-protocols.md section 7
 * against our server: the Go client's bytes go in over the socket and over
 * a channel driven by hand (raw futex protocol on the donated memfd, no
 * library code on the client side), and the answers are checked byte for
 * byte where the spec fixes them.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lisafs_test_util.h"

static long futex(_Atomic uint32_t *w, int op, uint32_t val)
{
	return syscall(SYS_futex, w, op, val, NULL, NULL, 0);
}

/* The client side of gVisor's flipcall futex protocol, by hand. */
struct raw_chan {
	uint8_t *win;
	_Atomic uint32_t *state;
	uint32_t *data_len;
	uint8_t *data;
	int fdsock;
};

/* Hand off n bytes and wait until the server hands back; its dataLen. */
static int raw_send_recv(struct raw_chan *ch, uint32_t n)
{
	uint32_t expect = 0;

	*ch->data_len = n;
	if (!atomic_compare_exchange_strong(ch->state, &expect, 1))
		return -EPROTO;
	futex(ch->state, FUTEX_WAKE, 1);
	for (int i = 0; i < 5000; i++) {
		uint32_t s = atomic_load(ch->state);

		if (s == 0)
			return (int)*ch->data_len;
		if (s != 1)
			return -ESHUTDOWN;
		struct timespec ts = { 0, 1000000 };

		syscall(SYS_futex, ch->state, FUTEX_WAIT, 1, &ts, NULL, 0);
	}
	return -ETIMEDOUT;
}

static int recv_fd_nonblock(int sock)
{
	char control[CMSG_SPACE(sizeof(int))];
	struct msghdr msg = { .msg_control = control,
			      .msg_controllen = sizeof(control) };
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &msg, MSG_DONTWAIT | MSG_TRUNC | MSG_CMSG_CLOEXEC) < 0)
		return -errno;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_len != CMSG_LEN(sizeof(int)))
		return -EPROTO;
	memcpy(&fd, CMSG_DATA(cm), sizeof(fd));
	return fd;
}

FIXTURE(replay) {
	struct lt_env e;
	int sock;
};

FIXTURE_SETUP(replay)
{
	ASSERT_EQ(0, lt_setup(&self->e, 0, LT_SOCKET));
	self->sock = lt_raw_socket(&self->e);
	ASSERT_LE(0, self->sock);
}

FIXTURE_TEARDOWN(replay)
{
	int before = self->e.fds_before;

	close(self->sock);
	lt_teardown(&self->e);
	EXPECT_EQ(before, lt_wait_fds(before, 2000));
}

TEST_F(replay, section7)
{
	static const uint8_t mount_req[] = { 0, 0, 0, 0, 1, 0, 0, 0 };
	static const uint8_t mount_hdr[] = { 0xd6, 0, 0, 0, 1, 0, 0, 0 };
	static const uint8_t chan_req[] = { 0, 0, 0, 0, 2, 0, 0, 0 };
	static const uint8_t chan_hdr[] = { 0x10, 0, 0, 0, 2, 0, 0, 0 };
	uint8_t buf[512], hdr[8];
	uint64_t fdid, off, len, file_fdid;
	uint32_t max;
	uint16_t n, mid;
	struct raw_chan ch;
	unsigned int nfds;
	int fds[4], memfd, r;

	ASSERT_EQ(0, lt_write_file(lt_path(&self->e, "file"), "hello"));
	/* Mount over the socket: 214-byte MountResp, like the fsgofer's. */
	ASSERT_EQ(8, send(self->sock, mount_req, 8, 0));
	ASSERT_EQ(8, recv(self->sock, hdr, 8, MSG_WAITALL));
	EXPECT_EQ(0, memcmp(hdr, mount_hdr, 8));
	ASSERT_EQ(214, recv(self->sock, buf, 214, MSG_WAITALL));
	memcpy(&fdid, buf, 8);
	EXPECT_EQ(1, fdid);				/* root FDID 1 */
	EXPECT_EQ(040755, buf[8 + 28] | buf[8 + 29] << 8);	/* mode */
	memcpy(&max, buf + 152, 4);
	EXPECT_EQ(2093056, max);
	memcpy(&n, buf + 156, 2);
	EXPECT_EQ(28, n);				/* 28 MIDs */
	memcpy(&mid, buf + 158, 2);
	EXPECT_EQ(1, mid);

	/* Channel over the socket: {0, 2 MiB} + [memfd, seqpacket]. */
	ASSERT_EQ(8, send(self->sock, chan_req, 8, 0));
	nfds = 0;
	r = lt_sock_recv(self->sock, &mid, buf, sizeof(buf), fds, &nfds, 2000);
	ASSERT_EQ(16, r);
	memcpy(hdr, &(uint32_t){ 16 }, 4);
	memcpy(hdr + 4, &mid, 2);
	hdr[6] = hdr[7] = 0;
	EXPECT_EQ(0, memcmp(hdr, chan_hdr, 8));
	memcpy(&off, buf, 8);
	memcpy(&len, buf + 8, 8);
	EXPECT_EQ(0, off);
	EXPECT_EQ(2097152, len);
	ASSERT_EQ(2, nfds);
	memfd = fds[0];
	ch.fdsock = fds[1];
	ch.win = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, memfd,
		      (off_t)off);
	ASSERT_NE(MAP_FAILED, ch.win);
	close(memfd);
	ch.state = (_Atomic uint32_t *)ch.win;
	ch.data_len = (uint32_t *)(ch.win + 4);
	ch.data = ch.win + 16;

	/* flipcall Connect: "{}\n" both ways. */
	memcpy(ch.data, "{}\n", 3);
	ASSERT_EQ(3, raw_send_recv(&ch, 3));
	EXPECT_EQ(0, memcmp(ch.data, "{}\n", 3));

	/* FStat{1} on the channel: 0300 00 00 | Statx(144), dataLen 148. */
	memcpy(ch.data, "\x03\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00", 12);
	ASSERT_EQ(148, raw_send_recv(&ch, 12));
	EXPECT_EQ(0, memcmp(ch.data, "\x03\x00\x00\x00", 4));
	EXPECT_EQ(040755, ch.data[4 + 28] | ch.data[4 + 29] << 8);

	/* Walk{1, ["file"]} to get a regular file's FDID. */
	memcpy(ch.data, "\x05\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00"
			"\x01\x00\x04\x00" "file", 20);
	ASSERT_EQ(4 + 3 + 152, raw_send_recv(&ch, 20));
	EXPECT_EQ(0, memcmp(ch.data, "\x05\x00\x00\x00\x00\x01\x00", 7));
	memcpy(&file_fdid, ch.data + 7, 8);
	EXPECT_EQ(2, file_fdid);

	/* OpenAt{file, O_RDONLY} <- 0700 01 00 | OpenFD; one fd first. */
	memcpy(ch.data, "\x07\x00\x00\x00", 4);
	memcpy(ch.data + 4, &file_fdid, 8);
	memset(ch.data + 12, 0, 8);
	ASSERT_EQ(12, raw_send_recv(&ch, 20));
	EXPECT_EQ(0, memcmp(ch.data, "\x07\x00\x01\x00", 4));
	memcpy(&fdid, ch.data + 4, 8);
	EXPECT_EQ(3, fdid);
	r = recv_fd_nonblock(ch.fdsock);
	ASSERT_LE(0, r);
	{
		char b[8] = { 0 };

		EXPECT_EQ(5, pread(r, b, sizeof(b), 0));
		EXPECT_EQ(0, memcmp(b, "hello", 5));
		close(r);
	}

	/* FStat{12345} <- 0000 00 00 | 09000000, dataLen 8. */
	memcpy(ch.data, "\x03\x00\x00\x00\x39\x30\x00\x00\x00\x00\x00\x00", 12);
	ASSERT_EQ(8, raw_send_recv(&ch, 12));
	EXPECT_EQ(0, memcmp(ch.data, "\x00\x00\x00\x00\x09\x00\x00\x00", 8));

	/* MID 99 over the socket: errno 95. */
	{
		static const uint8_t req99[] = { 0, 0, 0, 0, 99, 0, 0, 0 };

		ASSERT_EQ(8, send(self->sock, req99, 8, 0));
		r = lt_sock_recv(self->sock, &mid, buf, sizeof(buf), NULL,
				 NULL, 2000);
		EXPECT_EQ(95, lt_error_of(mid, buf, r));
	}

	/* Shutdown: store 2, wake everyone; close the socket. */
	atomic_store(ch.state, 2);
	futex(ch.state, FUTEX_WAKE, INT_MAX);
	munmap(ch.win, len);
	close(ch.fdsock);
	close(self->sock);
	self->sock = -1;
	/* The connection ends (the fixture's own client stays). */
	EXPECT_EQ(1, lt_wait_connections(self->e.srv, 1, 2000));
}

/* Verified raw: FStat{999} over the socket -> header 04000000 0000 0000, 9. */
TEST_F(replay, socket_error_bytes)
{
	uint8_t req[16] = { 8, 0, 0, 0, 3, 0, 0, 0, 0xe7, 3, 0, 0, 0, 0, 0, 0 };
	uint8_t want[12] = { 4, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0 };
	uint8_t got[12];

	ASSERT_EQ(16, send(self->sock, req, 16, 0));
	ASSERT_EQ(12, recv(self->sock, got, 12, MSG_WAITALL));
	EXPECT_EQ(0, memcmp(got, want, 12));
}

TEST_HARNESS_MAIN
