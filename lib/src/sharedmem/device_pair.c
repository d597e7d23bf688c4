// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Device-backed queue pairs: each queue in one /dev/flipcall window. The
 * window is charged to the creating user and lives until both endpoint
 * fds (and every mapping) are gone; each side keeps only its own endpoint
 * fd, so the kernel tells the survivor with POLLHUP|POLLERR.
 */
#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <flipcall/flipcall.h>
#include <flipcall/sharedmem.h>

#include "export.h"
#include "sharedmem/pair_options.h"
#include "sharedmem/pipe.h"
#include "sharedmem/queue_mem.h"

/* Writes the layout record and the free pipe headers into a new window. */
static int device_window_format(int fd, uint64_t window_len,
				const struct sharedmem_pair_options *o)
{
	struct shm_device_layout layout = {
		.magic = SHM_DEVICE_MAGIC,
		.version = SHM_DEVICE_VERSION,
		.pipe_len = o->pipe_len,
		.data_len = o->data_len,
	};
	uint8_t *w;

	w = mmap(NULL, window_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (w == MAP_FAILED)
		return -errno;
	memcpy(w + SHM_DEVICE_LAYOUT_OFFSET, &layout, sizeof(layout));
	shm_pipe_store(w + SHM_DEVICE_PIPES_OFFSET, 0, SHM_SLOT_FREE,
		       __ATOMIC_RELAXED);
	shm_pipe_store(w + SHM_DEVICE_PIPES_OFFSET + o->pipe_len, 0,
		       SHM_SLOT_FREE, __ATOMIC_RELAXED);
	munmap(w, window_len);
	return 0;
}

/* A side's config: its endpoint fd in every file slot, and the doorbell. */
static int device_side_config(int endpoint_fd, int event_fd,
			      struct sharedmem_queue_config *q)
{
	sharedmem_queue_config_init(q);
	q->data_fd = endpoint_fd;
	q->tx_pipe_fd = dup(endpoint_fd);
	q->rx_pipe_fd = dup(endpoint_fd);
	q->shared_data_fd = dup(endpoint_fd);
	q->event_fd = event_fd;
	if (q->tx_pipe_fd < 0 || q->rx_pipe_fd < 0 || q->shared_data_fd < 0 ||
	    q->event_fd < 0) {
		int err = -errno;

		sharedmem_queue_config_close(q);
		return err;
	}
	return 0;
}

static int device_queue_create(const struct sharedmem_pair_options *o,
			       struct sharedmem_queue_config *client,
			       struct sharedmem_queue_config *server)
{
	uint64_t len = SHM_DEVICE_PIPES_OFFSET + 2 * o->pipe_len + o->data_len;
	struct flipcall_window cw, sw;
	int err, efd, efd2;

	sharedmem_queue_config_init(client);
	sharedmem_queue_config_init(server);
	err = flipcall_device_create(len, 0, 0, &cw, &sw);
	if (err)
		return err;
	err = device_window_format(cw.fd, cw.length, o);
	if (err)
		goto close_windows;
	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (efd < 0) {
		err = -errno;
		goto close_windows;
	}
	efd2 = dup(efd);
	err = device_side_config(cw.fd, efd, client);
	cw.fd = -1;
	if (err) {
		if (efd2 >= 0)
			close(efd2);
		goto close_windows;
	}
	err = device_side_config(sw.fd, efd2, server);
	sw.fd = -1;
	if (err)
		sharedmem_queue_config_close(client);
close_windows:
	if (cw.fd >= 0)
		close(cw.fd);
	if (sw.fd >= 0)
		close(sw.fd);
	return err;
}

FLIPCALL_EXPORT int
sharedmem_device_pair_create(const struct sharedmem_pair_options *o,
			     struct sharedmem_side_configs *client,
			     struct sharedmem_side_configs *server)
{
	struct sharedmem_pair_options opt;
	int err;

	if (!client || !server)
		return -EINVAL;
	err = shm_pair_options_get(o, &opt);
	if (err)
		return err;
	if (access(FLIPCALL_DEVICE_PATH, F_OK) < 0)
		return -ENODEV;
	err = device_queue_create(&opt, &client->tx, &server->tx);
	if (err)
		return err;
	err = device_queue_create(&opt, &client->rx, &server->rx);
	if (err) {
		sharedmem_queue_config_close(&client->tx);
		sharedmem_queue_config_close(&server->tx);
	}
	return err;
}

FLIPCALL_EXPORT int
sharedmem_queue_config_is_device(const struct sharedmem_queue_config *q)
{
	return q && flipcall_device_info(q->data_fd, NULL) == 0;
}
