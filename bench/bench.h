/* SPDX-License-Identifier: GPL-2.0 */
/*
 * flipcall-bench: two processes ping-pong N round trips over one
 * mechanism. A mechanism only moves a payload across and back; the harness
 * (flipcall-bench.c) forks, pins, times, counts and reports.
 */
#ifndef FLIPCALL_BENCH_H
#define FLIPCALL_BENCH_H

#include <stdint.h>

#include <flipcall/flipcall.h>

#define BENCH_CLIENT	0
#define BENCH_SERVER	1
#define BENCH_MAX_PAYLOAD	4096

struct mech_state {
	int side;
	uint32_t payload;	/* bytes per message in this configuration */
	unsigned char *buf;	/* where this side's payload lives */
	uint64_t syscalls;	/* counted where the mechanism makes them */
	int started;		/* the client's first call is special */
	int fds[4];
	unsigned char *shared;	/* a shared mapping some mechanisms need */
	uint64_t shared_len;
	struct flipcall_window_allocator *alloc;
	struct flipcall_window win[2];
	struct flipcall_endpoint *ep;
	unsigned char local[BENCH_MAX_PAYLOAD + 64];
};

struct mechanism {
	const char *name;
	const char *what;
	int needs_device;
	uint32_t create_flags;		/* device: FLIPCALL_CREATE_* */
	uint32_t lib_spin_ns;		/* libflipcall: endpoint spin */
	uint32_t lib_wait_policy;	/* libflipcall: FLIPCALL_WAIT_* */
	/* Before fork: create what both processes share. */
	int (*setup)(const struct mechanism *m, struct mech_state *st);
	/* After fork, in each process: keep this side's half. */
	int (*open_side)(const struct mechanism *m, struct mech_state *st);
	/* Client: send len bytes of buf, wait for the reply. */
	int (*client_call)(struct mech_state *st, uint32_t len);
	/* Server: wait for the first request; reply and wait; last reply. */
	int (*server_first)(struct mech_state *st);
	int (*server_reply)(struct mech_state *st, uint32_t len);
	int (*server_last)(struct mech_state *st, uint32_t len);
	/* This side's syscall count, if the mechanism keeps its own. */
	uint64_t (*syscalls)(struct mech_state *st);
	/* Device endpoint fd whose fdinfo has wake statistics, or -1. */
	int (*device_fd)(struct mech_state *st);
	void (*close_side)(struct mech_state *st);
};

extern const struct mechanism *const bench_mechanisms[];

#endif
