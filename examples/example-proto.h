/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the example server tells a client over its unix socket: first a
 * datagram with this descriptor, then (via fdchannel) the window fd.
 */
#ifndef FLIPCALL_EXAMPLE_PROTO_H
#define FLIPCALL_EXAMPLE_PROTO_H

#include <stdint.h>

struct example_window_desc {
	uint64_t offset;
	uint64_t length;
	uint32_t transport;	/* enum flipcall_transport */
	uint32_t reserved;
};

#endif
