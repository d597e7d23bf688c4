/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Structs that may grow (flipcall_endpoint_stats, urpc_call_opts,
 * urpc_server_limits) start with a size_t size the caller sets to the
 * sizeof() it was compiled with, as libbpf's opts do. An older, smaller
 * struct is honoured: what it lacks reads as 0 and is never written. A
 * larger one from a newer header is accepted only if the bytes we do not
 * know are all zero, so nothing the caller asked for is silently ignored.
 */
#ifndef FLIPCALL_SIZED_H
#define FLIPCALL_SIZED_H

#include <stddef.h>

/* 0, or -EINVAL: NULL, size below the size field, or a non-zero tail. */
int sized_check(const void *s, size_t known);
/* Copies the caller's s into dst (known bytes), zero past its size. */
void sized_copy_in(void *dst, const void *s, size_t known);
/* Copies src (known bytes) out to the caller's s, up to its size. */
void sized_copy_out(void *s, const void *src, size_t known);
/* Whether the caller's s, of type T, is large enough to hold field. */
#define SIZED_HAS(s, T, field) \
	(*(const size_t *)(s) >= offsetof(T, field) + sizeof(((T *)0)->field))

#endif
