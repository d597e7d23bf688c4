// SPDX-License-Identifier: GPL-2.0
/*
 * FLIPCALL_IOC_API: the handshake's outputs and each of its errors, plus
 * which ioctls each kind of fd answers (ENOTTY across the two).
 */
#include <errno.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "flipcall_test.h"
#include "kselftest_harness.h"

#define KNOWN_FEATURES	(FLIPCALL_FEATURE_HANDOFF | FLIPCALL_FEATURE_SPIN | \
			 FLIPCALL_FEATURE_POLL | FLIPCALL_FEATURE_NONBLOCK)

static struct flipcall_api valid_api(void)
{
	struct flipcall_api api = { .api = FLIPCALL_API };

	return api;
}

FIXTURE(api) {
	int ctl;
};

FIXTURE_SETUP(api)
{
	FCT_ASSERT_OPEN_CTL(self->ctl);
}

FIXTURE_TEARDOWN(api)
{
	close(self->ctl);
}

static bool has_ioctl(const struct flipcall_api *api, unsigned long cmd)
{
	unsigned int nr = _IOC_NR(cmd);

	return api->ioctls[nr / 64] >> (nr % 64) & 1;
}

TEST_F(api, reports_features_ioctls_and_limits)
{
	struct flipcall_api api = valid_api();
	uint64_t max_window_len, user_limit;

	ASSERT_EQ(0, fct_api(self->ctl, &api));
	EXPECT_EQ(FLIPCALL_API, api.api);
	EXPECT_EQ(KNOWN_FEATURES, api.features & KNOWN_FEATURES);
	EXPECT_TRUE(has_ioctl(&api, FLIPCALL_IOC_API));
	EXPECT_TRUE(has_ioctl(&api, FLIPCALL_IOC_CREATE));
	EXPECT_TRUE(has_ioctl(&api, FLIPCALL_IOC_HANDOFF));
	EXPECT_TRUE(has_ioctl(&api, FLIPCALL_IOC_SHUTDOWN));
	EXPECT_TRUE(has_ioctl(&api, FLIPCALL_IOC_INFO));
	ASSERT_EQ(0, fct_param_get("max_window_len", &max_window_len));
	ASSERT_EQ(0, fct_param_get("user_limit", &user_limit));
	EXPECT_EQ(max_window_len, api.max_window_len);
	EXPECT_EQ(user_limit, api.user_limit);
	EXPECT_EQ(0, api.reserved[0]);
	EXPECT_EQ(0, api.reserved[1]);
}

/* The bitmap can name every command number, and names only the real ones. */
TEST_F(api, ioctls_bitmap_covers_every_command_number)
{
	struct flipcall_api api = valid_api();
	unsigned int nr, set = 0;

	ASSERT_EQ(1U << _IOC_NRBITS, sizeof(api.ioctls) * 8);
	memset(api.ioctls, 0xff, sizeof(api.ioctls));
	ASSERT_EQ(0, fct_api(self->ctl, &api));
	for (nr = 0; nr < 1U << _IOC_NRBITS; nr++)
		set += api.ioctls[nr / 64] >> (nr % 64) & 1;
	EXPECT_EQ(5, set);
}

TEST_F(api, requiring_every_supported_feature_succeeds)
{
	struct flipcall_api api = valid_api();

	ASSERT_EQ(0, fct_api(self->ctl, &api));
	api = (struct flipcall_api){ .api = FLIPCALL_API,
				     .features = api.features };
	EXPECT_EQ(0, fct_api(self->ctl, &api));
}

TEST_F(api, max_window_len_follows_param)
{
	struct flipcall_api api = valid_api();
	uint64_t saved;

	ASSERT_EQ(0, fct_param_get("max_window_len", &saved));
	ASSERT_EQ(0, fct_param_set("max_window_len", 3 * FCT_PAGE));
	EXPECT_EQ(0, fct_api(self->ctl, &api));
	EXPECT_EQ(0, fct_param_set("max_window_len", saved));
	EXPECT_EQ(3 * FCT_PAGE, api.max_window_len);
}

TEST_F(api, version_0_is_einval)
{
	struct flipcall_api api = valid_api();

	api.api = 0;
	EXPECT_EQ(-EINVAL, fct_api(self->ctl, &api));
}

TEST_F(api, version_2_is_einval)
{
	struct flipcall_api api = valid_api();

	api.api = FLIPCALL_API + 1;
	EXPECT_EQ(-EINVAL, fct_api(self->ctl, &api));
}

TEST_F(api, flags_is_einval)
{
	struct flipcall_api api = valid_api();

	api.flags = 1;
	EXPECT_EQ(-EINVAL, fct_api(self->ctl, &api));
}

TEST_F(api, each_reserved_word_is_einval)
{
	unsigned int i;

	for (i = 0; i < 2; i++) {
		struct flipcall_api api = valid_api();

		api.reserved[i] = 1;
		EXPECT_EQ(-EINVAL, fct_api(self->ctl, &api))
			TH_LOG("reserved[%u]", i);
	}
}

TEST_F(api, unknown_feature_is_einval)
{
	struct flipcall_api api = valid_api();

	api.features = 1ULL << 63;
	EXPECT_EQ(-EINVAL, fct_api(self->ctl, &api));
}

TEST_F(api, null_argument_is_efault)
{
	EXPECT_EQ(-1, ioctl(self->ctl, FLIPCALL_IOC_API, NULL));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(api, read_only_argument_is_efault)
{
	struct flipcall_api api = valid_api();
	void *arg = fct_readonly_copy(&api, sizeof(api));

	ASSERT_NE(MAP_FAILED, arg);
	EXPECT_EQ(-EFAULT, fct_api(self->ctl, arg));
	fct_readonly_free(arg);
}

TEST_F(api, unknown_ioctl_on_device_is_enotty)
{
	EXPECT_EQ(-1, ioctl(self->ctl, _IO(FLIPCALL_IOC_MAGIC, 0x3f)));
	EXPECT_EQ(ENOTTY, errno);
}

TEST_F(api, handoff_on_device_is_enotty)
{
	struct flipcall_handoff h = { .op = FLIPCALL_OP_CONNECT };

	EXPECT_EQ(-ENOTTY, fct_handoff_raw(self->ctl, &h));
}

TEST_F(api, shutdown_on_device_is_enotty)
{
	EXPECT_EQ(-ENOTTY, fct_shutdown(self->ctl));
}

TEST_F(api, info_on_device_is_enotty)
{
	struct flipcall_endpoint_info info;

	EXPECT_EQ(-ENOTTY, fct_info(self->ctl, &info));
}

FIXTURE(endpoint) {
	int ctl;
	struct flipcall_create conn;
};

FIXTURE_SETUP(endpoint)
{
	FCT_ASSERT_OPEN_CTL(self->ctl);
	ASSERT_EQ(0, fct_create(self->ctl, FCT_PAGE, 0, &self->conn));
}

FIXTURE_TEARDOWN(endpoint)
{
	close(self->conn.client_fd);
	close(self->conn.server_fd);
	close(self->ctl);
}

TEST_F(endpoint, api_on_endpoint_is_enotty)
{
	struct flipcall_api api = valid_api();

	EXPECT_EQ(-ENOTTY, fct_api(self->conn.client_fd, &api));
	EXPECT_EQ(-ENOTTY, fct_api(self->conn.server_fd, &api));
}

TEST_F(endpoint, create_on_endpoint_is_enotty)
{
	struct flipcall_create create = { .window_len = FCT_PAGE };

	EXPECT_EQ(-ENOTTY, fct_create_raw(self->conn.client_fd, &create));
	EXPECT_EQ(-ENOTTY, fct_create_raw(self->conn.server_fd, &create));
}

TEST_F(endpoint, unknown_ioctl_on_endpoint_is_enotty)
{
	EXPECT_EQ(-1, ioctl(self->conn.client_fd, _IO(FLIPCALL_IOC_MAGIC, 0x3f)));
	EXPECT_EQ(ENOTTY, errno);
}

/* libflipcall tells endpoints from memfd windows by this. */
TEST(info_on_memfd_is_enotty)
{
	struct flipcall_endpoint_info info;
	int fd = memfd_create("flipcall-test", MFD_CLOEXEC);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-ENOTTY, fct_info(fd, &info));
	close(fd);
}

TEST_HARNESS_MAIN
