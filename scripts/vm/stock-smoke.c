// SPDX-License-Identifier: GPL-2.0
/*
 * Smoke test for the module on Debian's stock kernel: the ABI handshake
 * answers, a connection can be created, both endpoints map the same window,
 * and closing everything releases it. The full suite runs on the debug
 * kernel; this only shows the module works on the kernel users run.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/flipcall.h>

#include "kselftest_harness.h"

TEST(api_handshake)
{
	struct flipcall_api api = { .api = FLIPCALL_API };
	int dev = open(FLIPCALL_DEVICE_PATH, O_RDWR | O_CLOEXEC);

	ASSERT_LE(0, dev) TH_LOG("open %s: %s", FLIPCALL_DEVICE_PATH, strerror(errno));
	ASSERT_EQ(0, ioctl(dev, FLIPCALL_IOC_API, &api))
		TH_LOG("FLIPCALL_IOC_API: %s", strerror(errno));
	EXPECT_EQ(FLIPCALL_API, api.api);
	EXPECT_NE(0, api.ioctls[_IOC_NR(FLIPCALL_IOC_CREATE) / 64] &
		     (1ULL << _IOC_NR(FLIPCALL_IOC_CREATE) % 64));
	EXPECT_LE(4096, api.max_window_len);
	close(dev);
}

TEST(create_and_map)
{
	struct flipcall_create create = { .window_len = 100,
					  .flags = FLIPCALL_CREATE_CLOEXEC };
	struct flipcall_packet_header *client_win, *server_win;
	long page = sysconf(_SC_PAGESIZE);
	int dev = open(FLIPCALL_DEVICE_PATH, O_RDWR | O_CLOEXEC);

	ASSERT_LE(0, dev) TH_LOG("open %s: %s", FLIPCALL_DEVICE_PATH, strerror(errno));
	ASSERT_EQ(0, ioctl(dev, FLIPCALL_IOC_CREATE, &create))
		TH_LOG("FLIPCALL_IOC_CREATE: %s", strerror(errno));
	EXPECT_EQ(page, create.window_len);
	ASSERT_LE(0, create.client_fd);
	ASSERT_LE(0, create.server_fd);
	EXPECT_NE(create.client_fd, create.server_fd);

	client_win = mmap(NULL, create.window_len, PROT_READ | PROT_WRITE,
			  MAP_SHARED, create.client_fd, 0);
	ASSERT_NE(MAP_FAILED, client_win) TH_LOG("mmap client: %s", strerror(errno));
	server_win = mmap(NULL, create.window_len, PROT_READ | PROT_WRITE,
			  MAP_SHARED, create.server_fd, 0);
	ASSERT_NE(MAP_FAILED, server_win) TH_LOG("mmap server: %s", strerror(errno));

	/* A fresh window is zeroed: state client-active, no datagram. */
	EXPECT_EQ(FLIPCALL_STATE_CLIENT_ACTIVE, client_win->state);
	EXPECT_EQ(0, client_win->data_len);

	/* Both sides see one page: a write through one mapping shows in the other. */
	memcpy((char *)client_win + FLIPCALL_PACKET_HEADER_BYTES, "stock", 6);
	EXPECT_STREQ("stock", (char *)server_win + FLIPCALL_PACKET_HEADER_BYTES);

	EXPECT_EQ(0, munmap(client_win, create.window_len));
	EXPECT_EQ(0, munmap(server_win, create.window_len));
	EXPECT_EQ(0, close(create.client_fd));
	EXPECT_EQ(0, close(create.server_fd));
	EXPECT_EQ(0, close(dev));
}

TEST_HARNESS_MAIN
