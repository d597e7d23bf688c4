/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Helpers for the sharedmem tests: a queue pair on the backing under test
 * (memfds natively; /dev/flipcall windows when SHAREDMEM_TEST_BACKING=device
 * or when built with -DTEST_DEFAULT_BACKING=\"device\"), and both sides'
 * configs ready for sharedmem_endpoint_create.
 */
#ifndef SHAREDMEM_UTIL_H
#define SHAREDMEM_UTIL_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <flipcall/flipcall.h>
#include <flipcall/sharedmem.h>

#ifndef TEST_DEFAULT_BACKING
#define TEST_DEFAULT_BACKING "memfd"
#endif

static inline int shm_test_on_device(void)
{
	const char *t = getenv("SHAREDMEM_TEST_BACKING");

	return !strcmp(t ? t : TEST_DEFAULT_BACKING, "device");
}

static inline int shm_test_device_present(void)
{
	return access(FLIPCALL_DEVICE_PATH, R_OK | W_OK) == 0;
}

static inline int shm_config_dup(const struct sharedmem_queue_config *in,
				 struct sharedmem_queue_config *out)
{
	out->data_fd = dup(in->data_fd);
	out->event_fd = dup(in->event_fd);
	out->tx_pipe_fd = dup(in->tx_pipe_fd);
	out->rx_pipe_fd = dup(in->rx_pipe_fd);
	out->shared_data_fd = dup(in->shared_data_fd);
	if (out->data_fd < 0 || out->event_fd < 0 || out->tx_pipe_fd < 0 ||
	    out->rx_pipe_fd < 0 || out->shared_data_fd < 0) {
		sharedmem_queue_config_close(out);
		return -errno;
	}
	return 0;
}

/* Both sides' configs of a new pair on the backing under test. */
static inline int shm_test_pair(const struct sharedmem_pair_options *o,
				struct sharedmem_side_configs *client,
				struct sharedmem_side_configs *server)
{
	int err;

	if (shm_test_on_device())
		return sharedmem_device_pair_create(o, client, server);
	err = sharedmem_queue_pair_create(o, &client->tx, &client->rx);
	if (err)
		return err;
	err = shm_config_dup(&client->tx, &server->tx);
	if (!err) {
		err = shm_config_dup(&client->rx, &server->rx);
		if (err)
			sharedmem_queue_config_close(&server->tx);
	}
	if (err) {
		sharedmem_queue_config_close(&client->tx);
		sharedmem_queue_config_close(&client->rx);
	}
	return err;
}

struct shm_test_eps {
	struct sharedmem_endpoint *client, *server;
};

static inline int shm_test_endpoints(struct shm_test_eps *e,
				     const struct sharedmem_pair_options *po,
				     const struct sharedmem_endpoint_options *eo)
{
	struct sharedmem_side_configs c, s;
	int err;

	e->client = e->server = NULL;
	err = shm_test_pair(po, &c, &s);
	if (err)
		return err;
	err = sharedmem_endpoint_create(SHAREDMEM_SERVER, &s.tx, &s.rx, eo,
					&e->server);
	if (err) {
		sharedmem_queue_config_close(&c.tx);
		sharedmem_queue_config_close(&c.rx);
		return err;
	}
	err = sharedmem_endpoint_create(SHAREDMEM_CLIENT, &c.tx, &c.rx, eo,
					&e->client);
	if (err) {
		sharedmem_endpoint_destroy(e->server);
		e->server = NULL;
	}
	return err;
}

static inline void shm_test_endpoints_close(struct shm_test_eps *e)
{
	sharedmem_endpoint_destroy(e->client);
	sharedmem_endpoint_destroy(e->server);
	e->client = e->server = NULL;
}

static inline int shm_send_buf(struct sharedmem_endpoint *ep, const void *p,
			       size_t len)
{
	struct iovec iov = { .iov_base = (void *)p, .iov_len = len };

	return sharedmem_endpoint_send(ep, &iov, 1);
}

static inline struct sharedmem_stats shm_stats(struct sharedmem_endpoint *ep)
{
	struct sharedmem_stats st = { .size = sizeof(st) };

	sharedmem_endpoint_stats(ep, &st);
	return st;
}

#endif
