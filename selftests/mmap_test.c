// SPDX-License-Identifier: GPL-2.0
/*
 * mmap of endpoints: the window is zeroed shared memory that both endpoints
 * (in any process, however they got their fd) see the same way, within the
 * rules of Documentation/uapi.rst (bounds, MAP_SHARED only, never
 * executable, never growing).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "flipcall_test.h"
#include "kselftest_harness.h"

#define WINDOW_LEN	(4 * FCT_PAGE)
#define CLIENT_SEED	0x1111
#define SERVER_SEED	0x2222
#define SERVER_OFFSET	2048	/* server writes here, client at the data start */
#define PATTERN_LEN	1024
#define CLIENT_SEND	100
#define SERVER_SEND	200

/* Environment variable naming the socket an exec'd peer gets its fd from. */
#define PEER_ENV	"FLIPCALL_MMAP_TEST_PEER_SOCK"

FIXTURE(window) {
	int ctl;
	struct flipcall_create conn;
};

FIXTURE_SETUP(window)
{
	FCT_ASSERT_OPEN_CTL(self->ctl);
	ASSERT_EQ(0, fct_create(self->ctl, WINDOW_LEN, FLIPCALL_CREATE_CLOEXEC,
				&self->conn));
}

FIXTURE_TEARDOWN(window)
{
	close(self->conn.client_fd);
	close(self->conn.server_fd);
	close(self->ctl);
}

TEST_F(window, is_zero_filled)
{
	unsigned char *win = fct_map(self->conn.client_fd, WINDOW_LEN, 0);
	size_t i;

	ASSERT_NE(MAP_FAILED, win);
	for (i = 0; i < WINDOW_LEN; i++)
		if (win[i])
			break;
	EXPECT_EQ(WINDOW_LEN, i) TH_LOG("byte %zu is 0x%02x", i, win[i]);
	munmap(win, WINDOW_LEN);
}

TEST_F(window, client_and_server_share_it)
{
	unsigned char *c = fct_map(self->conn.client_fd, WINDOW_LEN, 0);
	unsigned char *s = fct_map(self->conn.server_fd, WINDOW_LEN, 0);

	ASSERT_NE(MAP_FAILED, c);
	ASSERT_NE(MAP_FAILED, s);
	fct_fill(c, WINDOW_LEN, CLIENT_SEED);
	EXPECT_TRUE(fct_check_fill(s, WINDOW_LEN, CLIENT_SEED));
	s[WINDOW_LEN - 1] ^= 0xff;
	EXPECT_EQ(s[WINDOW_LEN - 1], c[WINDOW_LEN - 1]);
	munmap(c, WINDOW_LEN);
	munmap(s, WINDOW_LEN);
}

TEST_F(window, offset_maps_the_matching_pages)
{
	unsigned char *whole = fct_map(self->conn.client_fd, WINDOW_LEN, 0);
	unsigned char *part = fct_map(self->conn.server_fd, FCT_PAGE,
				      2 * FCT_PAGE);

	ASSERT_NE(MAP_FAILED, whole);
	ASSERT_NE(MAP_FAILED, part);
	fct_fill(whole + 2 * FCT_PAGE, FCT_PAGE, SERVER_SEED);
	EXPECT_TRUE(fct_check_fill(part, FCT_PAGE, SERVER_SEED));
	munmap(whole, WINDOW_LEN);
	munmap(part, FCT_PAGE);
}

TEST_F(window, last_page_can_be_mapped)
{
	void *p = fct_map(self->conn.server_fd, FCT_PAGE, WINDOW_LEN - FCT_PAGE);

	ASSERT_NE(MAP_FAILED, p);
	munmap(p, FCT_PAGE);
}

TEST_F(window, length_past_end_is_einval)
{
	EXPECT_EQ(MAP_FAILED, fct_map(self->conn.client_fd,
				      WINDOW_LEN + FCT_PAGE, 0));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(window, offset_at_end_is_einval)
{
	EXPECT_EQ(MAP_FAILED, fct_map(self->conn.client_fd, FCT_PAGE,
				      WINDOW_LEN));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(window, offset_plus_length_past_end_is_einval)
{
	EXPECT_EQ(MAP_FAILED, fct_map(self->conn.server_fd, 2 * FCT_PAGE,
				      WINDOW_LEN - FCT_PAGE));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(window, map_private_is_einval)
{
	EXPECT_EQ(MAP_FAILED, mmap(NULL, FCT_PAGE, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE, self->conn.client_fd, 0));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(window, prot_exec_is_eperm)
{
	EXPECT_EQ(MAP_FAILED, mmap(NULL, FCT_PAGE, PROT_READ | PROT_EXEC,
				   MAP_SHARED, self->conn.client_fd, 0));
	EXPECT_EQ(EPERM, errno);
}

TEST_F(window, mprotect_exec_is_eacces)
{
	void *p = fct_map(self->conn.client_fd, FCT_PAGE, 0);

	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-1, mprotect(p, FCT_PAGE, PROT_READ | PROT_EXEC));
	EXPECT_EQ(EACCES, errno);
	munmap(p, FCT_PAGE);
}

TEST_F(window, mremap_growth_is_efault)
{
	void *p = fct_map(self->conn.client_fd, FCT_PAGE, 0);

	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(MAP_FAILED, mremap(p, FCT_PAGE, 2 * FCT_PAGE, MREMAP_MAYMOVE));
	EXPECT_EQ(EFAULT, errno);
	munmap(p, FCT_PAGE);
}

TEST(device_mmap_is_enodev)
{
	int ctl;

	FCT_ASSERT_OPEN_CTL(ctl);
	EXPECT_EQ(MAP_FAILED, fct_map(ctl, FCT_PAGE, 0));
	EXPECT_EQ(ENODEV, errno);
	close(ctl);
}

/*
 * The server side of the cross-process tests: map the window, check the
 * client's pattern, write its own, then answer one hand-off. Returns an exit
 * status naming the step that failed.
 */
static int serve_peer(int server_fd, int sync_fd)
{
	struct flipcall_endpoint_info info;
	unsigned char *win;
	uint32_t len;

	if (fct_info(server_fd, &info) || info.side != FLIPCALL_SIDE_SERVER)
		return 10;
	win = fct_map(server_fd, info.window_len, 0);
	if (win == MAP_FAILED)
		return 11;
	if (!fct_check_fill(FCT_DATA(win), PATTERN_LEN, CLIENT_SEED))
		return 12;
	fct_fill(win + SERVER_OFFSET, PATTERN_LEN, SERVER_SEED);
	if (fct_notify(sync_fd, 'w'))
		return 13;
	if (fct_handoff_timed(server_fd, FLIPCALL_OP_RECV_FIRST, 0, &len,
			      FCT_WAIT_MS))
		return 14;
	if (len != CLIENT_SEND)
		return 15;
	if (fct_handoff(server_fd, FLIPCALL_OP_SEND_LAST, 0, SERVER_SEND, NULL))
		return 16;
	return 0;
}

/* The client half, run by the test; the server runs in @peer. */
static void drive_client(struct __test_metadata *_metadata, int client_fd,
			 int sync_fd, pid_t peer)
{
	unsigned char *win = fct_map(client_fd, WINDOW_LEN, 0);
	uint32_t len = 0;
	int status;

	ASSERT_NE(MAP_FAILED, win);
	ASSERT_EQ(0, fct_expect(sync_fd, FCT_WAIT_MS, NULL));
	EXPECT_TRUE(fct_check_fill(win + SERVER_OFFSET, PATTERN_LEN,
				   SERVER_SEED));
	EXPECT_EQ(0, fct_handoff_timed(client_fd, FLIPCALL_OP_CONNECT,
				       CLIENT_SEND, &len, FCT_WAIT_MS));
	EXPECT_EQ(SERVER_SEND, len);
	ASSERT_EQ(0, fct_wait_child(peer, FCT_WAIT_MS, &status));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	munmap(win, WINDOW_LEN);
}

static void write_client_pattern(struct __test_metadata *_metadata, int fd)
{
	unsigned char *win = fct_map(fd, WINDOW_LEN, 0);

	ASSERT_NE(MAP_FAILED, win);
	fct_fill(FCT_DATA(win), PATTERN_LEN, CLIENT_SEED);
	munmap(win, WINDOW_LEN);
}

TEST_F(window, forked_peer_sees_writes_both_ways)
{
	int sync[2];
	pid_t pid;

	write_client_pattern(_metadata, self->conn.client_fd);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sync));
	pid = fct_fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(self->conn.client_fd);
		_exit(serve_peer(self->conn.server_fd, sync[1]));
	}
	close(self->conn.server_fd);
	drive_client(_metadata, self->conn.client_fd, sync[0], pid);
}

/*
 * The server fd travels over SCM_RIGHTS to a freshly exec'd process that
 * shares nothing else with the test (the endpoints are O_CLOEXEC).
 */
TEST_F(window, scm_rights_peer_sees_writes_both_ways)
{
	int sock[2];
	pid_t pid;

	write_client_pattern(_metadata, self->conn.client_fd);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sock));
	pid = fct_fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		char num[16];

		close(sock[0]);
		snprintf(num, sizeof(num), "%d", sock[1]);
		setenv(PEER_ENV, num, 1);
		execl("/proc/self/exe", "mmap_test-peer", (char *)NULL);
		_exit(20);
	}
	close(sock[1]);
	ASSERT_EQ(0, fct_send_fd(sock[0], self->conn.server_fd));
	close(self->conn.server_fd);
	drive_client(_metadata, self->conn.client_fd, sock[0], pid);
}

/* The exec'd peer of scm_rights_peer_sees_writes_both_ways. */
static void __attribute__((constructor)) run_as_exec_peer(void)
{
	const char *env = getenv(PEER_ENV);
	int sock, fd;

	if (!env)
		return;
	sock = atoi(env);
	fd = fct_recv_fd(sock);
	_exit(fd < 0 ? 21 : serve_peer(fd, sock));
}

TEST_HARNESS_MAIN
