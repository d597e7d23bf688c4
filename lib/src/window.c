// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * memfd packet window allocator with gVisor's layout rules: one memfd,
 * page-aligned windows handed out in order, the file doubled with ftruncate
 * whenever a window would not fit. The memfd is sealed against shrinking
 * (a peer truncating it would make our window accesses SIGBUS) and against
 * further sealing (a peer adding F_SEAL_WRITE/GROW would break us).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "export.h"
#include "window.h"

struct flipcall_window_allocator {
	int fd;
	uint64_t file_len;
	uint64_t next_offset;
};

uint64_t window_page_size(void)
{
	return (uint64_t)sysconf(_SC_PAGESIZE);
}

static uint64_t round_up_to_page(uint64_t n)
{
	uint64_t page = window_page_size();

	return (n + page - 1) & ~(page - 1);
}

FLIPCALL_EXPORT uint64_t flipcall_window_len_for_data_cap(uint64_t data_cap)
{
	return round_up_to_page(data_cap + FLIPCALL_HEADER_BYTES);
}

FLIPCALL_EXPORT int
flipcall_window_allocator_create(struct flipcall_window_allocator **out)
{
	struct flipcall_window_allocator *alloc;
	int err;

	if (!out)
		return -EINVAL;
	alloc = calloc(1, sizeof(*alloc));
	if (!alloc)
		return -ENOMEM;
	alloc->fd = memfd_create("flipcall_packet_windows",
				 MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (alloc->fd < 0) {
		err = -errno;
		goto free_alloc;
	}
	if (fcntl(alloc->fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_SEAL) < 0) {
		err = -errno;
		goto close_fd;
	}
	*out = alloc;
	return 0;

close_fd:
	close(alloc->fd);
free_alloc:
	free(alloc);
	return err;
}

FLIPCALL_EXPORT int
flipcall_window_allocator_alloc(struct flipcall_window_allocator *alloc,
				uint64_t length, struct flipcall_window *window)
{
	uint64_t size, end, new_len;

	if (!alloc || !window || length == 0 || length > WINDOW_MAX_LEN)
		return -EINVAL;
	size = round_up_to_page(length);
	end = alloc->next_offset + size;
	if (end < alloc->next_offset)
		return -ENOMEM;
	new_len = alloc->file_len ? alloc->file_len : window_page_size();
	while (new_len < end) {
		if (new_len > UINT64_MAX / 2)
			return -ENOMEM;
		new_len *= 2;
	}
	if (new_len != alloc->file_len) {
		if (ftruncate(alloc->fd, (off_t)new_len) < 0)
			return -errno;
		alloc->file_len = new_len;
	}
	window->fd = alloc->fd;
	window->offset = alloc->next_offset;
	window->length = size;
	alloc->next_offset = end;
	return 0;
}

FLIPCALL_EXPORT int
flipcall_window_allocator_fd(const struct flipcall_window_allocator *alloc)
{
	return alloc ? alloc->fd : -EINVAL;
}

FLIPCALL_EXPORT void
flipcall_window_allocator_destroy(struct flipcall_window_allocator *alloc)
{
	if (!alloc)
		return;
	close(alloc->fd);
	free(alloc);
}

int window_map(int fd, uint64_t offset, uint64_t length, unsigned char **out)
{
	void *addr;

	if (offset % window_page_size())
		return -EINVAL;
	if (length < window_page_size() || length > WINDOW_MAX_LEN)
		return -EINVAL;
	addr = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		    (off_t)offset);
	if (addr == MAP_FAILED)
		return -errno;
	*out = addr;
	return 0;
}

void window_unmap(unsigned char *window, uint64_t length)
{
	munmap(window, length);
}
