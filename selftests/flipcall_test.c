// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the flipcall selftests (see flipcall_test.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "flipcall_test.h"

/* glibc 2.36 has the field but not the name newer versions give it. */
#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif

#define PARAM_DIR	"/sys/module/flipcall/parameters/"
#define CGROUP_ROOT	"/sys/fs/cgroup"

static struct timespec program_start;
static pid_t program_pid;

/* The run time of each program lands in its TAP output as a comment. */
static void __attribute__((constructor)) note_program_start(void)
{
	program_pid = getpid();
	clock_gettime(CLOCK_MONOTONIC, &program_start);
}

static void __attribute__((destructor)) note_program_end(void)
{
	struct timespec now;

	if (getpid() != program_pid)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	printf("# %s ran %.1f s\n", program_invocation_short_name,
	       (now.tv_sec - program_start.tv_sec) +
	       (now.tv_nsec - program_start.tv_nsec) / 1e9);
	fflush(stdout);
}

static int ioctl_errno(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

int fct_open_ctl(void)
{
	int fd = open(FLIPCALL_DEVICE_PATH, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int fct_api(int ctl, struct flipcall_api *api)
{
	return ioctl_errno(ctl, FLIPCALL_IOC_API, api);
}

int fct_create_raw(int ctl, struct flipcall_create *create)
{
	return ioctl_errno(ctl, FLIPCALL_IOC_CREATE, create);
}

int fct_create(int ctl, uint64_t window_len, uint32_t flags,
	       struct flipcall_create *create)
{
	memset(create, 0, sizeof(*create));
	create->window_len = window_len;
	create->flags = flags;
	return fct_create_raw(ctl, create);
}

int fct_handoff_raw(int fd, struct flipcall_handoff *handoff)
{
	return ioctl_errno(fd, FLIPCALL_IOC_HANDOFF, handoff);
}

int fct_handoff(int fd, uint32_t op, uint32_t flags, uint32_t send_len,
		uint32_t *recv_len)
{
	struct flipcall_handoff h = {
		.op = op,
		.flags = flags,
		.send_len = send_len,
		.recv_len = 0xdeadbeef,	/* ignored on input */
	};
	int ret = fct_handoff_raw(fd, &h);

	if (!ret && recv_len)
		*recv_len = h.recv_len;
	return ret;
}

int fct_handoff_timed(int fd, uint32_t op, uint32_t send_len,
		      uint32_t *recv_len, int timeout_ms)
{
	struct fct_watchdog dog;
	int ret = fct_watchdog_arm(&dog, timeout_ms);

	if (ret)
		return ret;
	ret = fct_handoff(fd, op, 0, send_len, recv_len);
	/*
	 * Whatever the call returned, it took the whole timeout: a missed
	 * wake-up that only the watchdog's signal ended looks like success.
	 */
	if (fct_watchdog_disarm(&dog))
		ret = -ETIME;
	return ret;
}

int fct_shutdown(int fd)
{
	return ioctl_errno(fd, FLIPCALL_IOC_SHUTDOWN, NULL);
}

int fct_info(int fd, struct flipcall_endpoint_info *info)
{
	return ioctl_errno(fd, FLIPCALL_IOC_INFO, info);
}

void *fct_map(int fd, size_t len, off_t offset)
{
	return mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, offset);
}

void *fct_readonly_copy(const void *arg, size_t len)
{
	void *page = mmap(NULL, FCT_PAGE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (page == MAP_FAILED)
		return page;
	memcpy(page, arg, len);
	if (mprotect(page, FCT_PAGE, PROT_READ)) {
		munmap(page, FCT_PAGE);
		return MAP_FAILED;
	}
	return page;
}

void fct_readonly_free(void *page)
{
	munmap(page, FCT_PAGE);
}

static int read_text(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n < 0)
		return n;
	buf[n] = '\0';
	return 0;
}

static int write_text(const char *path, const char *text)
{
	ssize_t n;
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	if (n < 0)
		n = -errno;
	close(fd);
	return n < 0 ? n : 0;
}

int fct_param_get(const char *name, uint64_t *value)
{
	char path[128], buf[64];
	int ret;

	snprintf(path, sizeof(path), PARAM_DIR "%s", name);
	ret = read_text(path, buf, sizeof(buf));
	if (ret)
		return ret;
	*value = strtoull(buf, NULL, 0);
	return 0;
}

int fct_param_set(const char *name, uint64_t value)
{
	char path[128], buf[32];

	snprintf(path, sizeof(path), PARAM_DIR "%s", name);
	snprintf(buf, sizeof(buf), "%" PRIu64, value);
	return write_text(path, buf);
}

int fct_param_override(struct fct_param_saved *saved, const char *name,
		       uint64_t value)
{
	int ret = fct_param_get(name, &saved->value);

	if (ret)
		return ret;
	ret = fct_param_set(name, value);
	if (!ret)
		saved->name = name;
	return ret;
}

void fct_param_restore(struct fct_param_saved *saved)
{
	if (saved->name)
		fct_param_set(saved->name, saved->value);
	saved->name = NULL;
}

int fct_fdinfo(int fd, const char *key, char *value, size_t size)
{
	char path[64], buf[4096], *line, *save = NULL;
	size_t keylen = strlen(key);
	int ret;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	ret = read_text(path, buf, sizeof(buf));
	if (ret)
		return ret;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, key, keylen) || line[keylen] != ':')
			continue;
		line += keylen + 1;
		line += strspn(line, " \t");
		snprintf(value, size, "%s", line);
		return 0;
	}
	return -ENOENT;
}

int fct_fdinfo_u64(int fd, const char *key, uint64_t *value)
{
	char buf[64], *end;
	int ret = fct_fdinfo(fd, key, buf, sizeof(buf));

	if (ret)
		return ret;
	errno = 0;
	*value = strtoull(buf, &end, 10);
	return (errno || end == buf || *end) ? -EINVAL : 0;
}

static __thread volatile sig_atomic_t watchdog_fired;

static void watchdog_handler(int sig)
{
	(void)sig;
	watchdog_fired = 1;
}

static int watchdog_signal(void)
{
	return SIGRTMIN + 3;
}

int fct_watchdog_arm(struct fct_watchdog *dog, int timeout_ms)
{
	struct sigaction sa = { .sa_handler = watchdog_handler };
	struct sigevent sev = {
		.sigev_notify = SIGEV_THREAD_ID,
		.sigev_signo = watchdog_signal(),
	};
	struct itimerspec its = {
		.it_value.tv_sec = timeout_ms / 1000,
		.it_value.tv_nsec = (timeout_ms % 1000) * 1000000L,
	};
	timer_t timer;

	/* No SA_RESTART: the blocked call must come back with EINTR. */
	if (sigaction(watchdog_signal(), &sa, NULL))
		return -errno;
	sev.sigev_notify_thread_id = fct_gettid();
	if (timer_create(CLOCK_MONOTONIC, &sev, &timer))
		return -errno;
	watchdog_fired = 0;
	if (timer_settime(timer, 0, &its, NULL)) {
		timer_delete(timer);
		return -errno;
	}
	dog->timer = timer;
	return 0;
}

bool fct_watchdog_disarm(struct fct_watchdog *dog)
{
	timer_delete((timer_t)dog->timer);
	return watchdog_fired;
}

static void *async_main(void *arg)
{
	struct fct_async *async = arg;

	async->tid = fct_gettid();
	fct_notify(async->done[1], 's');
	async->ret = fct_handoff_timed(async->fd, async->op, async->send_len,
				       &async->recv_len, FCT_WAIT_MS);
	fct_notify(async->done[1], 'd');
	return NULL;
}

int fct_async_start(struct fct_async *async, int fd, uint32_t op,
		    uint32_t send_len)
{
	pthread_t thread;
	int ret;

	memset(async, 0, sizeof(*async));
	async->fd = fd;
	async->op = op;
	async->send_len = send_len;
	if (pipe2(async->done, O_CLOEXEC))
		return -errno;
	ret = pthread_create(&thread, NULL, async_main, async);
	if (ret) {
		close(async->done[0]);
		close(async->done[1]);
		return -ret;
	}
	async->thread = thread;
	return fct_expect(async->done[0], FCT_WAIT_MS, NULL);
}

/* 0 once the thread sleeps in its hand-off. */
int fct_async_wait_blocked(struct fct_async *async)
{
	return fct_wait_sleeping(async->tid, FCT_WAIT_MS);
}

/* Whether the hand-off has returned within @timeout_ms. */
bool fct_async_finished(struct fct_async *async, int timeout_ms)
{
	struct pollfd pfd = { .fd = async->done[0], .events = POLLIN };

	return poll(&pfd, 1, timeout_ms) == 1;
}

/* The hand-off's result, or -ETIME if it never returned. */
int fct_async_join(struct fct_async *async)
{
	int ret = fct_expect(async->done[0], FCT_WAIT_MS + 5000, NULL);

	if (!ret) {
		pthread_join((pthread_t)async->thread, NULL);
		ret = async->ret;
	}
	close(async->done[0]);
	close(async->done[1]);
	return ret;
}

pid_t fct_fork(void)
{
	pid_t parent = getpid();
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		/* A failed test must not leave a peer holding endpoints. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
	}
	return pid;
}

int fct_wait_child(pid_t pid, int timeout_ms, int *status)
{
	struct fct_watchdog dog;
	int ret = fct_watchdog_arm(&dog, timeout_ms);

	if (ret)
		return ret;
	ret = waitpid(pid, status, 0) < 0 ? -errno : 0;
	if (fct_watchdog_disarm(&dog) && ret == -EINTR) {
		kill(pid, SIGKILL);
		waitpid(pid, status, 0);
		return -ETIME;
	}
	return ret;
}

static int task_state(pid_t tid, char *state)
{
	char path[64], buf[512], *paren;
	int ret;

	snprintf(path, sizeof(path), "/proc/%d/stat", tid);
	ret = read_text(path, buf, sizeof(buf));
	if (ret)
		return ret;
	/* The command name may contain anything; the state follows the last ')'. */
	paren = strrchr(buf, ')');
	if (!paren || paren[1] != ' ')
		return -EINVAL;
	*state = paren[2];
	return 0;
}

int fct_wait_sleeping(pid_t tid, int timeout_ms)
{
	struct timespec pause = { .tv_nsec = 1000000 };
	int waited;

	for (waited = 0; waited < timeout_ms; waited++) {
		char state;
		int ret = task_state(tid, &state);

		if (ret)
			return ret;
		if (state == 'S')
			return 0;
		nanosleep(&pause, NULL);
	}
	return -ETIME;
}

pid_t fct_gettid(void)
{
	return syscall(SYS_gettid);
}

int fct_count_fds(void)
{
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *ent;
	int count = 0;

	if (!dir)
		return -errno;
	while ((ent = readdir(dir)))
		count += ent->d_name[0] != '.';
	closedir(dir);
	return count - 1;	/* the directory's own fd */
}

static int64_t now_ms(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec * 1000LL + now.tv_nsec / 1000000;
}

int fct_poll_timed(int fd, short events, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int64_t start = now_ms();
	int ret = poll(&pfd, 1, timeout_ms);

	if (ret < 0)
		return -errno;
	if (ret == 0 || now_ms() - start >= timeout_ms)
		return -ETIME;
	return pfd.revents;
}

int fct_notify(int fd, char byte)
{
	return write(fd, &byte, 1) == 1 ? 0 : -EPIPE;
}

int fct_expect(int fd, int timeout_ms, char *byte)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char dummy;
	int ret;

	do {
		ret = poll(&pfd, 1, timeout_ms);
	} while (ret < 0 && errno == EINTR);
	if (ret < 0)
		return -errno;
	if (ret == 0)
		return -ETIME;
	ret = read(fd, byte ? byte : &dummy, 1);
	return ret == 1 ? 0 : -EPIPE;
}

/* One byte of payload carrying room for one fd in its control message. */
struct scm_one_fd {
	struct msghdr msg;
	struct iovec iov;
	char byte;
	char cbuf[CMSG_SPACE(sizeof(int))];
};

static void scm_init(struct scm_one_fd *scm)
{
	memset(scm, 0, sizeof(*scm));
	scm->byte = 'F';
	scm->iov.iov_base = &scm->byte;
	scm->iov.iov_len = 1;
	scm->msg.msg_iov = &scm->iov;
	scm->msg.msg_iovlen = 1;
	scm->msg.msg_control = scm->cbuf;
	scm->msg.msg_controllen = sizeof(scm->cbuf);
}

int fct_send_fd(int sock, int fd)
{
	struct scm_one_fd scm;
	struct cmsghdr *cmsg;

	scm_init(&scm);
	cmsg = CMSG_FIRSTHDR(&scm.msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	return sendmsg(sock, &scm.msg, 0) == 1 ? 0 : -errno;
}

int fct_recv_fd(int sock)
{
	struct scm_one_fd scm;
	struct cmsghdr *cmsg;
	int fd;

	scm_init(&scm);
	if (recvmsg(sock, &scm.msg, MSG_CMSG_CLOEXEC) != 1)
		return -EPIPE;
	cmsg = CMSG_FIRSTHDR(&scm.msg);
	if (!cmsg || cmsg->cmsg_type != SCM_RIGHTS ||
	    cmsg->cmsg_len != CMSG_LEN(sizeof(int)))
		return -EBADMSG;
	memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
	return fd;
}

int fct_meminfo_kb(const char *key, uint64_t *kb)
{
	char buf[8192], *line;
	size_t keylen = strlen(key);
	int ret = read_text("/proc/meminfo", buf, sizeof(buf));

	if (ret)
		return ret;
	for (line = buf; line; line = strchr(line, '\n')) {
		line += *line == '\n';
		if (!strncmp(line, key, keylen) && line[keylen] == ':') {
			*kb = strtoull(line + keylen + 1, NULL, 10);
			return 0;
		}
	}
	return -ENOENT;
}

/*
 * Move the calling process into a fresh cgroup v2 child with the memory
 * controller. -EOPNOTSUPP when the kernel has no cgroup2 or memcg: the
 * caller skips.
 */
int fct_memcg_enter(char *path, size_t size)
{
	char buf[512];

	if (access(CGROUP_ROOT "/cgroup.controllers", F_OK)) {
		mkdir(CGROUP_ROOT, 0755);
		if (mount("none", CGROUP_ROOT, "cgroup2", 0, NULL))
			return -EOPNOTSUPP;
	}
	if (read_text(CGROUP_ROOT "/cgroup.controllers", buf, sizeof(buf)) ||
	    !strstr(buf, "memory"))
		return -EOPNOTSUPP;
	if (write_text(CGROUP_ROOT "/cgroup.subtree_control", "+memory"))
		return -EOPNOTSUPP;
	snprintf(path, size, CGROUP_ROOT "/flipcall-test-%d", getpid());
	if (mkdir(path, 0755) && errno != EEXIST)
		return -errno;
	snprintf(buf, sizeof(buf), "%s/cgroup.procs", path);
	if (write_text(buf, "0")) {
		rmdir(path);
		return -EOPNOTSUPP;
	}
	return 0;
}

int fct_memcg_current(const char *path, uint64_t *bytes)
{
	char file[512], buf[64];
	int ret;

	snprintf(file, sizeof(file), "%s/memory.current", path);
	ret = read_text(file, buf, sizeof(buf));
	if (ret)
		return ret;
	*bytes = strtoull(buf, NULL, 10);
	return 0;
}

void fct_memcg_leave(const char *path)
{
	write_text(CGROUP_ROOT "/cgroup.procs", "0");
	rmdir(path);
}

/* FNV-1a: cheap, and any flipped or lost byte changes it. */
uint32_t fct_checksum(const void *buf, size_t len)
{
	const unsigned char *p = buf;
	uint32_t hash = 2166136261u;

	while (len--) {
		hash ^= *p++;
		hash *= 16777619u;
	}
	return hash;
}

static unsigned char fill_byte(size_t i, uint64_t seed)
{
	uint64_t x = (i + 1) * 0x9e3779b97f4a7c15ull ^ seed;

	return (unsigned char)(x >> 29);
}

void fct_fill(void *buf, size_t len, uint64_t seed)
{
	unsigned char *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = fill_byte(i, seed);
}

bool fct_check_fill(const void *buf, size_t len, uint64_t seed)
{
	const unsigned char *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != fill_byte(i, seed))
			return false;
	return true;
}
