/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef FLIPCALL_SHAREDMEM_PAIR_OPTIONS_H
#define FLIPCALL_SHAREDMEM_PAIR_OPTIONS_H

#include <flipcall/sharedmem.h>

/* Copies o (NULL: defaults) into out with the defaults filled in and
 * every field checked; -EINVAL otherwise.
 */
int shm_pair_options_get(const struct sharedmem_pair_options *o,
			 struct sharedmem_pair_options *out);

#endif
