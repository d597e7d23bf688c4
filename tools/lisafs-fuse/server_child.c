// SPDX-License-Identifier: GPL-2.0
/* The --export server child of lisafs-fuse; see server_child.h. */
#include <errno.h>
#include <fcntl.h>
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
 * The child's own process group keeps a terminal's ^C for the daemon, which
 * unmounts and then closes the socket; the child ends on that hang-up, on
 * SIGTERM, or when the daemon dies (the socket closes then too).
 */
static int serve(const char *export_dir, bool read_only, int sock)
{
	struct lisafs_server_options o = {
		.size = sizeof(o),
		.flags = read_only ? LISAFS_SERVER_READONLY : 0,
		.max_fdids_per_conn = raise_nofile(),
	};
	struct lisafs_server *srv;
	struct pollfd pfd[2];
	sigset_t mask;
	int watch, err;

	setpgid(0, 0);
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
		_exit(serve(export_dir, read_only, sv[1]));
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
