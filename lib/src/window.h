/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef FLIPCALL_WINDOW_H
#define FLIPCALL_WINDOW_H

#include <stdint.h>
#include <flipcall/flipcall.h>

/* gVisor caps a window at 2^32 - 1 bytes; page rounding makes that this. */
#define WINDOW_MAX_LEN	FLIPCALL_WINDOW_MAX_LEN

uint64_t window_page_size(void);
/* mmap a window read-write and shared after checking alignment and size. */
int window_map(int fd, uint64_t offset, uint64_t length, unsigned char **out);
void window_unmap(unsigned char *window, uint64_t length);

#endif
