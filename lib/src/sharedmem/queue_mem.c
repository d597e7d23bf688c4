// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Mapping a QueueConfig. The files come from the peer, so their sizes are
 * checked before use; a device window's layout record is read once, into
 * private memory, and checked against the length the kernel reports.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <flipcall/flipcall.h>

#include "sharedmem/pipe.h"
#include "sharedmem/queue_mem.h"

static int map_whole(struct shm_queue_mem *m, int fd, uint64_t min,
		     uint64_t max, uint8_t **addr, uint64_t *len)
{
	struct stat st;
	void *p;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size < min ||
	    (uint64_t)st.st_size > max)
		return -EINVAL;
	p = mmap(NULL, st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	m->map[m->nmaps] = p;
	m->map_len[m->nmaps++] = st.st_size;
	*addr = p;
	*len = st.st_size;
	return 0;
}

static int map_files(const struct sharedmem_queue_config *cfg,
		     struct shm_queue_mem *m)
{
	uint8_t *shared;
	uint64_t shared_len;
	int err;

	err = map_whole(m, cfg->data_fd, 1, SHM_MAX_DATA_LEN, &m->data,
			&m->data_len);
	if (!err)
		err = map_whole(m, cfg->tx_pipe_fd, SHM_PIPE_MIN_LEN,
				SHM_PIPE_MAX_LEN, &m->tx_pipe,
				&m->tx_pipe_len);
	if (!err)
		err = map_whole(m, cfg->rx_pipe_fd, SHM_PIPE_MIN_LEN,
				SHM_PIPE_MAX_LEN, &m->rx_pipe,
				&m->rx_pipe_len);
	if (!err)
		err = map_whole(m, cfg->shared_data_fd, sizeof(uint32_t),
				SHM_MAX_DATA_LEN, &shared, &shared_len);
	if (!err)
		m->notify = (uint32_t *)shared;
	return err;
}

static int map_device(const struct sharedmem_queue_config *cfg,
		      const struct flipcall_endpoint_info *info,
		      struct shm_queue_mem *m)
{
	struct shm_device_layout layout;
	uint64_t len = info->window_len;
	uint8_t *w;

	if (len < SHM_DEVICE_PIPES_OFFSET || len > FLIPCALL_WINDOW_MAX_LEN)
		return -EINVAL;
	w = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, cfg->data_fd,
		 0);
	if (w == MAP_FAILED)
		return -errno;
	m->map[m->nmaps] = w;
	m->map_len[m->nmaps++] = len;
	memcpy(&layout, w + SHM_DEVICE_LAYOUT_OFFSET, sizeof(layout));
	if (layout.magic != SHM_DEVICE_MAGIC ||
	    layout.version != SHM_DEVICE_VERSION ||
	    (layout.pipe_len & 7) || layout.pipe_len < SHM_PIPE_MIN_LEN ||
	    layout.pipe_len > SHM_PIPE_MAX_LEN || !layout.data_len ||
	    layout.data_len > len ||
	    SHM_DEVICE_PIPES_OFFSET + 2 * layout.pipe_len >
	    len - layout.data_len)
		return -EINVAL;
	m->tx_pipe = w + SHM_DEVICE_PIPES_OFFSET;
	m->tx_pipe_len = layout.pipe_len;
	m->rx_pipe = m->tx_pipe + layout.pipe_len;
	m->rx_pipe_len = layout.pipe_len;
	m->data = m->rx_pipe + layout.pipe_len;
	m->data_len = layout.data_len;
	m->notify = (uint32_t *)(w + SHM_DEVICE_NOTIFY_OFFSET);
	return 0;
}

static int check_eventfd(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return -errno;
	/* gVisor's doorbell is non-blocking on both sides. */
	if (!(fl & O_NONBLOCK) && fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

int shm_queue_map(const struct sharedmem_queue_config *cfg,
		  struct shm_queue_mem *m)
{
	struct flipcall_endpoint_info info;
	int err;

	memset(m, 0, sizeof(*m));
	m->event_fd = -1;
	m->device_fd = -1;
	if (cfg->data_fd < 0 || cfg->event_fd < 0 || cfg->tx_pipe_fd < 0 ||
	    cfg->rx_pipe_fd < 0 || cfg->shared_data_fd < 0) {
		err = -EBADF;
		goto fail;
	}
	if (flipcall_device_info(cfg->data_fd, &info) == 0)
		err = map_device(cfg, &info, m);
	else
		err = map_files(cfg, m);
	if (!err)
		err = check_eventfd(cfg->event_fd);
	if (err)
		goto fail;
	m->event_fd = cfg->event_fd;
	if (m->nmaps == 1) {
		m->device_fd = cfg->data_fd;
	} else {
		close(cfg->data_fd);
	}
	close(cfg->tx_pipe_fd);
	close(cfg->rx_pipe_fd);
	close(cfg->shared_data_fd);
	return 0;
fail:
	shm_queue_unmap(m);
	{
		struct sharedmem_queue_config c = *cfg;

		sharedmem_queue_config_close(&c);
	}
	return err;
}

void shm_queue_unmap(struct shm_queue_mem *m)
{
	while (m->nmaps > 0) {
		m->nmaps--;
		munmap(m->map[m->nmaps], m->map_len[m->nmaps]);
	}
	if (m->event_fd >= 0)
		close(m->event_fd);
	if (m->device_fd >= 0)
		close(m->device_fd);
	m->event_fd = m->device_fd = -1;
}
