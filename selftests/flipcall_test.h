/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the flipcall selftests. They speak the raw ABI of
 * uapi/linux/flipcall.h (never libflipcall), so a test failure always points
 * at the module. Every function returns 0 (or a value) on success and a
 * negative errno on failure, like the ioctls they wrap.
 */
#ifndef FLIPCALL_SELFTEST_H
#define FLIPCALL_SELFTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/flipcall.h>

#define FCT_PAGE		4096UL
#define FCT_DATA(win)		((unsigned char *)(win) + FLIPCALL_PACKET_HEADER_BYTES)
#define FCT_HDR(win)		((volatile struct flipcall_packet_header *)(win))

/*
 * Bound on any single wait for the module. The debug kernel under TCG is
 * 20-50x slower than native, so this is generous; a wait that runs into it is
 * a hang, reported as ETIME instead of blocking the whole run.
 */
#define FCT_WAIT_MS		10000

/*
 * In a test or fixture setup: open /dev/flipcall into @fd or fail the test
 * saying why. Harness macros: usable only where _metadata is in scope.
 */
#define FCT_ASSERT_OPEN_CTL(fd) do {					\
	(fd) = fct_open_ctl();						\
	ASSERT_LE(0, (fd)) TH_LOG("open %s: %s", FLIPCALL_DEVICE_PATH,	\
				  strerror(-(fd)));			\
} while (0)

/* Device and ioctls. */
int fct_open_ctl(void);
int fct_api(int ctl, struct flipcall_api *api);
int fct_create_raw(int ctl, struct flipcall_create *create);
int fct_create(int ctl, uint64_t window_len, uint32_t flags,
	       struct flipcall_create *create);
int fct_handoff_raw(int fd, struct flipcall_handoff *handoff);
int fct_handoff(int fd, uint32_t op, uint32_t flags, uint32_t send_len,
		uint32_t *recv_len);
int fct_handoff_timed(int fd, uint32_t op, uint32_t send_len,
		      uint32_t *recv_len, int timeout_ms);
int fct_shutdown(int fd);
int fct_info(int fd, struct flipcall_endpoint_info *info);
void *fct_map(int fd, size_t len, off_t offset);

/*
 * A read-only page holding a copy of @arg: the kernel can read an ioctl
 * argument there but not write its outputs back (EFAULT). MAP_FAILED on
 * error; fct_readonly_free() releases it.
 */
void *fct_readonly_copy(const void *arg, size_t len);
void fct_readonly_free(void *page);

/* Module parameters (/sys/module/flipcall/parameters). */
int fct_param_get(const char *name, uint64_t *value);
int fct_param_set(const char *name, uint64_t value);

/* Set a parameter for one test; a fixture teardown restores it. */
struct fct_param_saved {
	const char *name;
	uint64_t value;
};

int fct_param_override(struct fct_param_saved *saved, const char *name,
		       uint64_t value);
void fct_param_restore(struct fct_param_saved *saved);

/* /proc/self/fdinfo/<fd> lines added by the module. */
int fct_fdinfo(int fd, const char *key, char *value, size_t size);
int fct_fdinfo_u64(int fd, const char *key, uint64_t *value);

/*
 * Per-thread watchdog: a timer that signals only the arming thread, without
 * SA_RESTART, so a blocking call in that thread fails with EINTR when it
 * fires. disarm returns whether it fired.
 */
struct fct_watchdog {
	void *timer;
};

int fct_watchdog_arm(struct fct_watchdog *dog, int timeout_ms);
bool fct_watchdog_disarm(struct fct_watchdog *dog);

/*
 * A hand-off run by a background thread (bounded by FCT_WAIT_MS), so a test
 * can act while it is blocked and then collect its outcome.
 */
struct fct_async {
	unsigned long thread;
	int fd;
	uint32_t op;
	uint32_t send_len;
	uint32_t recv_len;
	int ret;
	pid_t tid;
	int done[2];	/* pipe: a byte once tid is known, one when done */
};

int fct_async_start(struct fct_async *async, int fd, uint32_t op,
		    uint32_t send_len);
int fct_async_wait_blocked(struct fct_async *async);
bool fct_async_finished(struct fct_async *async, int timeout_ms);
int fct_async_join(struct fct_async *async);

/* Processes and threads. */
pid_t fct_fork(void);
int fct_wait_child(pid_t pid, int timeout_ms, int *status);
int fct_wait_sleeping(pid_t tid, int timeout_ms);
pid_t fct_gettid(void);
int fct_count_fds(void);

/*
 * poll(2) one fd for @events: its revents, or -ETIME if it needed the whole
 * timeout (poll re-checks the fd when its timeout ends, so a missed wake-up
 * would otherwise pass for a late one).
 */
int fct_poll_timed(int fd, short events, int timeout_ms);

/* One-byte handshakes over a pipe or socket. */
int fct_notify(int fd, char byte);
int fct_expect(int fd, int timeout_ms, char *byte);

/* SCM_RIGHTS. */
int fct_send_fd(int sock, int fd);
int fct_recv_fd(int sock);

/* Memory accounting. */
int fct_meminfo_kb(const char *key, uint64_t *kb);
int fct_memcg_enter(char *path, size_t size);
int fct_memcg_current(const char *path, uint64_t *bytes);
void fct_memcg_leave(const char *path);

/* Message integrity for ping-pong tests. */
uint32_t fct_checksum(const void *buf, size_t len);
void fct_fill(void *buf, size_t len, uint64_t seed);
bool fct_check_fill(const void *buf, size_t len, uint64_t seed);

#endif /* FLIPCALL_SELFTEST_H */
