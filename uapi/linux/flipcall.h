/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * flipcall: synchronous hand-off IPC between two processes through a shared
 * packet window, with the kernel owning the connection state.
 *
 * Documentation/uapi.rst describes every ioctl, its errors and the state
 * machine. Every struct has explicit padding, a flags word and reserved
 * fields that must be zero, so the ABI can grow without new ioctl numbers.
 */
#ifndef _UAPI_LINUX_FLIPCALL_H
#define _UAPI_LINUX_FLIPCALL_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define FLIPCALL_DEVICE_PATH		"/dev/flipcall"

/* The ABI version FLIPCALL_IOC_API accepts. */
#define FLIPCALL_API			1

/*
 * Packet window layout, shared with gVisor's flipcall: a 16-byte header,
 * then the datagram. The kernel mirrors the connection state and the
 * sender's datagram length into the header on every hand-off; the length
 * returned by FLIPCALL_IOC_HANDOFF is the authoritative one, because the peer
 * can overwrite the header at any time.
 */
#define FLIPCALL_PACKET_HEADER_BYTES	16

/* Largest window: gVisor caps lengths at 2^32 - 1, rounded down to pages. */
#define FLIPCALL_WINDOW_MAX_LEN		0xfffff000ULL

/* Values of the header's state word (gVisor's connState). */
#define FLIPCALL_STATE_CLIENT_ACTIVE	0
#define FLIPCALL_STATE_SERVER_ACTIVE	1
#define FLIPCALL_STATE_SHUTDOWN		2

struct flipcall_packet_header {
	__u32 state;
	__u32 data_len;
	__u64 reserved;
};

/* Features reported (and requestable) through FLIPCALL_IOC_API. */
#define FLIPCALL_FEATURE_HANDOFF	0x1ULL	/* FLIPCALL_IOC_HANDOFF */
#define FLIPCALL_FEATURE_SPIN		0x2ULL	/* FLIPCALL_CREATE_SPIN */
#define FLIPCALL_FEATURE_POLL		0x4ULL	/* poll on endpoints */
#define FLIPCALL_FEATURE_NONBLOCK	0x8ULL	/* FLIPCALL_HANDOFF_NONBLOCK */

/*
 * FLIPCALL_IOC_API: API handshake on /dev/flipcall, modelled on
 * userfaultfd's UFFDIO_API. The caller states the ABI version and the
 * features it needs; the kernel fails with EINVAL if it lacks any of them and
 * otherwise reports everything it supports.
 */
struct flipcall_api {
	__u32 api;		/* in: FLIPCALL_API */
	__u32 flags;		/* in: must be 0 */
	__u64 features;		/* in: required features; out: all supported */
	__u64 max_window_len;	/* out: largest window this module creates */
	__u64 user_limit;	/* out: window bytes one uid may hold at once */
	__u64 ioctls[4];	/* out: bit _IOC_NR(cmd) % 64 of word
				 * _IOC_NR(cmd) / 64 set per supported ioctl
				 */
	__u64 reserved[2];	/* must be 0 */
};

/* FLIPCALL_IOC_CREATE flags. */
#define FLIPCALL_CREATE_CLOEXEC		0x1U	/* O_CLOEXEC on both fds */
#define FLIPCALL_CREATE_SPIN		0x2U	/* spin before sleeping */

/*
 * FLIPCALL_IOC_CREATE: create a connection on /dev/flipcall. Returns two
 * connected endpoint fds sharing one zeroed packet window.
 */
struct flipcall_create {
	__u64 window_len;	/* in: bytes wanted; out: rounded up to pages */
	__u32 flags;		/* in: FLIPCALL_CREATE_* */
	__u32 spin_ns;		/* in: spin budget with FLIPCALL_CREATE_SPIN,
				 * 0 = module default; must be 0 without it
				 */
	__s32 client_fd;	/* out */
	__s32 server_fd;	/* out */
	__u64 conn_id;		/* out: connection id (fdinfo, netlink) */
	__u64 reserved[4];	/* must be 0 */
};

/* Operations of FLIPCALL_IOC_HANDOFF (gVisor's flipcall endpoint methods). */
#define FLIPCALL_OP_CONNECT		1	/* client, first call */
#define FLIPCALL_OP_RECV_FIRST		2	/* server, first call */
#define FLIPCALL_OP_SEND_RECV		3	/* either side, holding control */
#define FLIPCALL_OP_SEND_LAST		4	/* either side, holding control */

/* FLIPCALL_IOC_HANDOFF flags. */
#define FLIPCALL_HANDOFF_NONBLOCK	0x1U	/* EAGAIN, don't sleep */

/*
 * FLIPCALL_IOC_HANDOFF: hand control (and send_len bytes of datagram) to the
 * peer, then sleep until control comes back, in one call.
 */
struct flipcall_handoff {
	__u32 op;		/* in: FLIPCALL_OP_* */
	__u32 flags;		/* in: FLIPCALL_HANDOFF_* */
	__u32 send_len;		/* in: datagram length for the peer */
	__u32 recv_len;		/* out: datagram length from the peer;
				 * ignored on input
				 */
	__u64 reserved;		/* must be 0 */
};

/* Endpoint sides. */
#define FLIPCALL_SIDE_CLIENT		0
#define FLIPCALL_SIDE_SERVER		1

/* How a connection ended (flipcall_endpoint_info.end_reason). */
#define FLIPCALL_END_NONE		0
#define FLIPCALL_END_SHUTDOWN_CLIENT	1	/* client called SHUTDOWN */
#define FLIPCALL_END_SHUTDOWN_SERVER	2	/* server called SHUTDOWN */
#define FLIPCALL_END_CLIENT_GONE	3	/* client endpoint released */
#define FLIPCALL_END_SERVER_GONE	4	/* server endpoint released */

/* FLIPCALL_IOC_INFO: describe an endpoint; also tells a device endpoint fd
 * apart from any other fd (anything else fails with ENOTTY).
 */
struct flipcall_endpoint_info {
	__u64 conn_id;
	__u64 window_len;
	__u32 side;		/* FLIPCALL_SIDE_* */
	__u32 state;		/* FLIPCALL_STATE_* */
	__u32 end_reason;	/* FLIPCALL_END_* */
	__u32 spin_ns;		/* 0 when the connection does not spin */
	__u64 reserved[4];	/* written as 0 */
};

#define FLIPCALL_IOC_MAGIC		0xFC

/* ioctls on /dev/flipcall. */
#define FLIPCALL_IOC_API	_IOWR(FLIPCALL_IOC_MAGIC, 0x00, struct flipcall_api)
#define FLIPCALL_IOC_CREATE	_IOWR(FLIPCALL_IOC_MAGIC, 0x01, struct flipcall_create)

/* ioctls on endpoint fds. */
#define FLIPCALL_IOC_HANDOFF	_IOWR(FLIPCALL_IOC_MAGIC, 0x10, struct flipcall_handoff)
#define FLIPCALL_IOC_SHUTDOWN	_IO(FLIPCALL_IOC_MAGIC, 0x11)
#define FLIPCALL_IOC_INFO	_IOR(FLIPCALL_IOC_MAGIC, 0x12, struct flipcall_endpoint_info)

/*
 * ---- Generic netlink family (Documentation/observability.rst) ----
 *
 * A read-only view of the live connections and of the module's usage,
 * resolved by name through the generic netlink controller. Requests are
 * validated strictly: an attribute a command does not take, an unknown
 * attribute or a wrong length fails with EINVAL. A caller without
 * CAP_NET_ADMIN sees only the connections created by its own uid.
 */
#define FLIPCALL_GENL_NAME		"flipcall"
#define FLIPCALL_GENL_VERSION		1

enum flipcall_genl_cmd {
	FLIPCALL_CMD_UNSPEC,
	/* do: the connection FLIPCALL_A_CONN_ID; dump: every visible one */
	FLIPCALL_CMD_CONN_GET,
	/* do: module-wide usage (FLIPCALL_A_STATS_*); takes no attribute */
	FLIPCALL_CMD_STATS_GET,

	__FLIPCALL_CMD_MAX,
};

#define FLIPCALL_CMD_MAX		(__FLIPCALL_CMD_MAX - 1)

/* Top-level attributes of requests and replies. */
enum flipcall_genl_attr {
	FLIPCALL_A_UNSPEC,
	FLIPCALL_A_PAD,			/* alignment of 64-bit attributes */
	FLIPCALL_A_CONN_ID,		/* u64; the only request attribute */
	FLIPCALL_A_CONN_STATE,		/* u32: FLIPCALL_STATE_* */
	FLIPCALL_A_CONN_END,		/* u32: FLIPCALL_END_* */
	FLIPCALL_A_CONN_WINDOW_LEN,	/* u64: bytes */
	FLIPCALL_A_CONN_SPIN_NS,	/* u32: 0 when it does not spin */
	FLIPCALL_A_CONN_CREATOR_PID,	/* u32: tgid, initial pid namespace */
	FLIPCALL_A_CONN_CREATOR_UID,	/* u32: in the caller's user namespace */
	FLIPCALL_A_CONN_CREATOR_COMM,	/* string */
	FLIPCALL_A_CONN_CREATED_NS,	/* u64: CLOCK_REALTIME */
	FLIPCALL_A_CONN_AGE_NS,		/* u64 */
	FLIPCALL_A_CONN_CLIENT,		/* nest: FLIPCALL_A_EP_* */
	FLIPCALL_A_CONN_SERVER,		/* nest: FLIPCALL_A_EP_* */
	FLIPCALL_A_STATS_LIVE_CONNS,	/* u64: connections not yet freed */
	FLIPCALL_A_STATS_TOTAL_CONNS,	/* u64: ids handed out since load */
	FLIPCALL_A_STATS_LIVE_WINDOW_BYTES, /* u64: window bytes allocated */
	FLIPCALL_A_STATS_USER_LIMIT,	/* u64: window bytes one uid may hold */
	FLIPCALL_A_STATS_USER,		/* nest, repeated: FLIPCALL_A_USER_* */

	__FLIPCALL_A_MAX,
};

#define FLIPCALL_A_MAX			(__FLIPCALL_A_MAX - 1)

/* One endpoint of a connection (inside FLIPCALL_A_CONN_CLIENT/SERVER). */
enum flipcall_genl_ep_attr {
	FLIPCALL_A_EP_UNSPEC,
	FLIPCALL_A_EP_PAD,
	FLIPCALL_A_EP_PID,		/* u32: tgid that last created, mapped,
					 * shut down or queried it; 0 unknown
					 */
	FLIPCALL_A_EP_HANDOFFS,		/* u64: passes of control to the peer */
	FLIPCALL_A_EP_SLEEPS,		/* u64: waits that slept */
	FLIPCALL_A_EP_SPIN_HITS,	/* u64: waits that ended while spinning */
	FLIPCALL_A_EP_WAKES,		/* u64: passes that woke the peer */
	FLIPCALL_A_EP_WAKES_SAME_CPU,	/* u64: of those, peer ran on this CPU */

	__FLIPCALL_A_EP_MAX,
};

#define FLIPCALL_A_EP_MAX		(__FLIPCALL_A_EP_MAX - 1)

/* One user's window usage (inside FLIPCALL_A_STATS_USER). */
enum flipcall_genl_user_attr {
	FLIPCALL_A_USER_UNSPEC,
	FLIPCALL_A_USER_PAD,
	FLIPCALL_A_USER_UID,		/* u32: in the caller's user namespace */
	FLIPCALL_A_USER_WINDOW_BYTES,	/* u64: charged against USER_LIMIT */

	__FLIPCALL_A_USER_MAX,
};

#define FLIPCALL_A_USER_MAX		(__FLIPCALL_A_USER_MAX - 1)

#endif /* _UAPI_LINUX_FLIPCALL_H */
