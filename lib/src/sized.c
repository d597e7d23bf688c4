// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <string.h>

#include "sized.h"

static size_t caller_size(const void *s)
{
	return *(const size_t *)s;
}

int sized_check(const void *s, size_t known)
{
	const unsigned char *bytes = s;
	size_t i, size;

	if (!s)
		return -EINVAL;
	size = caller_size(s);
	if (size < sizeof(size_t))
		return -EINVAL;
	for (i = known; i < size; i++)
		if (bytes[i])
			return -EINVAL;
	return 0;
}

void sized_copy_in(void *dst, const void *s, size_t known)
{
	size_t size = caller_size(s);

	memset(dst, 0, known);
	memcpy(dst, s, size < known ? size : known);
}

void sized_copy_out(void *s, const void *src, size_t known)
{
	size_t size = caller_size(s);

	/* The caller's size field stays as the caller set it. */
	if (size > sizeof(size_t))
		memcpy((char *)s + sizeof(size_t),
		       (const char *)src + sizeof(size_t),
		       (size < known ? size : known) - sizeof(size_t));
}
