// SPDX-License-Identifier: GPL-2.0
/* The --export server child of lisafs-fuse; see server_child.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <flipcall/lisafs.h>

#include "server_child.h"

/* Open descriptors wanted: one per FDID, so per inode the kernel caches. */
#define LFS_SERVER_NOFILE (1u << 20)

/*
 * Every control FDID the server hands out is a host descriptor, and the
 * kernel keeps an inode (so an FDID) for every name it has cached, so the
 * soft limit of 1024 or so runs out in one `ls -R`. Raise it as far as
 * allowed and keep the server's FDID cap below it, so running out is an
 * error the server answers rather than EMFILE anywhere.
 */
static uint32_t raise_nofile(void)
{
	struct rlimit rl = { LFS_SERVER_NOFILE, LFS_SERVER_NOFILE };

	if (setrlimit(RLIMIT_NOFILE, &rl) && !getrlimit(RLIMIT_NOFILE, &rl)) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur < 1024)
		return 0;	/* the server's default */
	return rl.rlim_cur - 256 > 65536 ? 0 : (uint32_t)(rl.rlim_cur - 256);
}

/*
 * The embedded server, when no lisafs-server binary can be run: the same
 * library code, ending when the daemon's end of the socket hangs up or on
 * SIGTERM, as lisafs-server --fd does.
 */
static int serve(const char *export_dir, bool read_only, int sock,
		 uint32_t max_fdids)
{
	struct lisafs_server_options o = {
		.size = sizeof(o),
		.flags = read_only ? LISAFS_SERVER_READONLY : 0,
		.max_fdids_per_conn = max_fdids,
	};
	struct lisafs_server *srv;
	struct pollfd pfd[2];
	sigset_t mask;
	int watch, err;

	prctl(PR_SET_NAME, "lisafs-server");
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	pfd[0].fd = signalfd(-1, &mask, SFD_CLOEXEC);
	watch = fcntl(sock, F_DUPFD_CLOEXEC, 0);
	if (pfd[0].fd < 0 || watch < 0) {
		perror("lisafs-fuse: server");
		return 1;
	}
	err = lisafs_server_new(export_dir, &o, &srv);
	if (err) {
		fprintf(stderr, "lisafs-fuse: cannot export %s: %s\n",
			export_dir, strerror(-err));
		return 1;
	}
	err = lisafs_server_add_connection(srv, sock);
	if (err) {
		fprintf(stderr, "lisafs-fuse: server: %s\n", strerror(-err));
		lisafs_server_destroy(srv);
		return 1;
	}
	pfd[0].events = POLLIN;
	pfd[1].fd = watch;
	pfd[1].events = POLLRDHUP;
	while (poll(pfd, 2, -1) < 0 && errno == EINTR)
		;
	lisafs_server_stop(srv);
	lisafs_server_destroy(srv);
	return 0;
}

/* lisafs-server beside our own binary (installed or built together). */
static void exec_beside_us(char *const argv[])
{
	char self[PATH_MAX], *slash;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n <= 0)
		return;
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (!slash || (size_t)(slash - self) + sizeof("/lisafs-server") > sizeof(self))
		return;
	strcpy(slash + 1, "lisafs-server");
	execv(self, argv);
}

/*
 * In the child: its own process group keeps a terminal's ^C for the daemon,
 * which unmounts first and then closes the socket. Runs lisafs-server --fd
 * ($LISAFS_SERVER, beside lisafs-fuse, or on PATH); the embedded server if
 * there is none.
 */
static int child(const char *export_dir, bool read_only, int sock)
{
	uint32_t max_fdids = raise_nofile();
	char fd_arg[16], fdids_arg[16];
	char *argv[10];
	const char *env = getenv("LISAFS_SERVER");
	int i = 0;

	setpgid(0, 0);
	snprintf(fd_arg, sizeof(fd_arg), "%d", sock);
	snprintf(fdids_arg, sizeof(fdids_arg), "%u", max_fdids);
	argv[i++] = "lisafs-server";
	argv[i++] = "--export";
	argv[i++] = (char *)export_dir;
	argv[i++] = "--fd";
	argv[i++] = fd_arg;
	if (read_only)
		argv[i++] = "--readonly";
	if (max_fdids) {
		argv[i++] = "--max-fdids";
		argv[i++] = fdids_arg;
	}
	argv[i] = NULL;
	if (fcntl(sock, F_SETFD, 0) == 0) {
		if (env && *env)
			execv(env, argv);
		else
			exec_beside_us(argv);
		if (!env || !*env)
			execvp("lisafs-server", argv);
		fcntl(sock, F_SETFD, FD_CLOEXEC);
	}
	return serve(export_dir, read_only, sock, max_fdids);
}

int lfs_server_child_start(const char *export_dir, bool read_only,
			   pid_t *pid, int *client_sock)
{
	int sv[2];
	pid_t p;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return -errno;
	p = fork();
	if (p < 0) {
		int err = -errno;

		close(sv[0]);
		close(sv[1]);
		return err;
	}
	if (p == 0) {
		close(sv[0]);
		_exit(child(export_dir, read_only, sv[1]));
	}
	close(sv[1]);
	*pid = p;
	*client_sock = sv[0];
	return 0;
}

void lfs_server_child_reap(pid_t pid, int timeout_ms)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	int waited;

	for (waited = 0; waited < timeout_ms; waited += 10) {
		pid_t r = waitpid(pid, NULL, WNOHANG);

		/* ECHILD: daemonized, so init reaps it; nothing to wait for. */
		if (r == pid || (r < 0 && errno == ECHILD))
			return;
		nanosleep(&tick, NULL);
	}
	fprintf(stderr, "lisafs-fuse: server did not exit, killing it\n");
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}
