// SPDX-License-Identifier: GPL-2.0
/*
 * Compiled, never run: as C and as C++, with every warning an error, to show
 * the uapi header stands alone in both languages, and with the size and
 * field offsets of every ioctl struct pinned, so that an ABI change cannot
 * slip in as a side effect of an edit. Growing a struct means a new ioctl
 * number or a new FLIPCALL_API, and a deliberate edit here.
 */
#include <linux/flipcall.h>
#include <assert.h>
#include <stddef.h>

/* A keyword in C++11, a macro from <assert.h> in C11. */
#define FC_ASSERT(cond) static_assert(cond, #cond)

#define FC_AT(type, field, off) FC_ASSERT(offsetof(struct type, field) == (off))

FC_ASSERT(sizeof(struct flipcall_packet_header) == FLIPCALL_PACKET_HEADER_BYTES);
FC_AT(flipcall_packet_header, state, 0);
FC_AT(flipcall_packet_header, data_len, 4);
FC_AT(flipcall_packet_header, reserved, 8);

FC_ASSERT(sizeof(struct flipcall_api) == 80);
FC_AT(flipcall_api, api, 0);
FC_AT(flipcall_api, flags, 4);
FC_AT(flipcall_api, features, 8);
FC_AT(flipcall_api, max_window_len, 16);
FC_AT(flipcall_api, user_limit, 24);
FC_AT(flipcall_api, ioctls, 32);
FC_AT(flipcall_api, reserved, 64);
/* One bit for every command number an ioctl can carry. */
FC_ASSERT(sizeof(((struct flipcall_api *)0)->ioctls) * 8 == 1 << _IOC_NRBITS);

/*
 * "Every flag" masks stay in the module: in the uapi they would freeze
 * today's set into every binary built against it.
 */
#if defined(FLIPCALL_CREATE_FLAGS) || defined(FLIPCALL_HANDOFF_FLAGS)
#error "all-flags masks belong to the module, not the uapi"
#endif

FC_ASSERT(sizeof(struct flipcall_create) == 64);
FC_AT(flipcall_create, window_len, 0);
FC_AT(flipcall_create, flags, 8);
FC_AT(flipcall_create, spin_ns, 12);
FC_AT(flipcall_create, client_fd, 16);
FC_AT(flipcall_create, server_fd, 20);
FC_AT(flipcall_create, conn_id, 24);
FC_AT(flipcall_create, reserved, 32);

FC_ASSERT(sizeof(struct flipcall_handoff) == 24);
FC_AT(flipcall_handoff, op, 0);
FC_AT(flipcall_handoff, flags, 4);
FC_AT(flipcall_handoff, send_len, 8);
FC_AT(flipcall_handoff, recv_len, 12);
FC_AT(flipcall_handoff, reserved, 16);

FC_ASSERT(sizeof(struct flipcall_endpoint_info) == 64);
FC_AT(flipcall_endpoint_info, conn_id, 0);
FC_AT(flipcall_endpoint_info, window_len, 8);
FC_AT(flipcall_endpoint_info, side, 16);
FC_AT(flipcall_endpoint_info, state, 20);
FC_AT(flipcall_endpoint_info, end_reason, 24);
FC_AT(flipcall_endpoint_info, spin_ns, 28);
FC_AT(flipcall_endpoint_info, reserved, 32);

/* The ioctl numbers are ABI too. */
FC_ASSERT(FLIPCALL_IOC_API == 0xc050fc00);
FC_ASSERT(FLIPCALL_IOC_CREATE == 0xc040fc01);
FC_ASSERT(FLIPCALL_IOC_HANDOFF == 0xc018fc10);
FC_ASSERT(FLIPCALL_IOC_SHUTDOWN == 0xfc11);
FC_ASSERT(FLIPCALL_IOC_INFO == 0x8040fc12);
