// SPDX-License-Identifier: GPL-2.0
/*
 * lisafs-server: export one directory over gVisor's lisafs protocol, on a
 * unix socket path or an inherited fd. A thin CLI over lisafs_server_*:
 * every connection runs on its own threads; SIGTERM/SIGINT stop accepting,
 * end every connection after its current request, and exit 0.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <flipcall/lisafs.h>

static void usage(FILE *f)
{
	fprintf(f,
		"usage: lisafs-server --export DIR (--socket PATH | --fd N)\n"
		"                     [--readonly] [--allow-sockets] [--no-device]\n"
		"                     [--max-connections N] [--max-fdids N]\n");
}

struct sigctx {
	struct lisafs_server *srv;
	sigset_t set;
	volatile int stopping;
};

/* Signals arrive here, never in a server thread (they are blocked). */
static void *signal_thread(void *arg)
{
	struct sigctx *sc = arg;
	int sig;

	if (sigwait(&sc->set, &sig) == 0) {
		fprintf(stderr, "lisafs-server: signal %d: draining\n", sig);
		sc->stopping = 1;
		lisafs_server_stop(sc->srv);
	}
	return NULL;
}

static int listen_on(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct stat st;
	int fd;

	if (strlen(path) >= sizeof(addr.sun_path)) {
		fprintf(stderr, "lisafs-server: socket path too long\n");
		return -1;
	}
	strcpy(addr.sun_path, path);
	/* A stale socket from an earlier run may go; anything else stays. */
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    listen(fd, 64) < 0) {
		fprintf(stderr, "lisafs-server: %s: %s\n", path,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "export", required_argument, NULL, 'e' },
		{ "socket", required_argument, NULL, 's' },
		{ "fd", required_argument, NULL, 'f' },
		{ "readonly", no_argument, NULL, 'r' },
		{ "allow-sockets", no_argument, NULL, 'S' },
		{ "no-device", no_argument, NULL, 'D' },
		{ "max-connections", required_argument, NULL, 'c' },
		{ "max-fdids", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct lisafs_server_options o = { .size = sizeof(o) };
	const char *export_dir = NULL, *sock_path = NULL;
	struct sigctx sc = { 0 };
	int fd = -1, listening = 0, opt, err;
	socklen_t len = sizeof(listening);
	pthread_t sig_thread;

	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'e': export_dir = optarg; break;
		case 's': sock_path = optarg; break;
		case 'f': fd = atoi(optarg); break;
		case 'r': o.flags |= LISAFS_SERVER_READONLY; break;
		case 'S': o.flags |= LISAFS_SERVER_ALLOW_SOCKETS; break;
		case 'D': o.flags |= LISAFS_SERVER_NO_DEVICE; break;
		case 'c': o.max_connections = (uint32_t)atoi(optarg); break;
		case 'm': o.max_fdids_per_conn = (uint32_t)atoi(optarg); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!export_dir || optind != argc || (!sock_path == (fd < 0))) {
		usage(stderr);
		return 2;
	}
	/* Block the stop signals before any thread exists, so all inherit it. */
	sigemptyset(&sc.set);
	sigaddset(&sc.set, SIGTERM);
	sigaddset(&sc.set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sc.set, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* Every FDID is a host fd: take all the fds we are allowed. */
	{
		struct rlimit rl;

		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
		    rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
	}
	err = lisafs_server_new(export_dir, &o, &sc.srv);
	if (err) {
		fprintf(stderr, "lisafs-server: %s: %s\n", export_dir,
			strerror(-err));
		return 1;
	}
	if (sock_path) {
		fd = listen_on(sock_path);
		if (fd < 0) {
			lisafs_server_destroy(sc.srv);
			return 1;
		}
		listening = 1;
	} else if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening,
			      &len) < 0) {
		fprintf(stderr, "lisafs-server: --fd %d: %s\n", fd,
			strerror(errno));
		lisafs_server_destroy(sc.srv);
		return 1;
	}
	if (pthread_create(&sig_thread, NULL, signal_thread, &sc)) {
		lisafs_server_destroy(sc.srv);
		return 1;
	}
	fprintf(stderr, "lisafs-server: exporting %s%s\n", export_dir,
		(o.flags & LISAFS_SERVER_READONLY) ? " read-only" : "");
	if (listening) {
		err = lisafs_server_serve_listener(sc.srv, fd);
		if (err)
			fprintf(stderr, "lisafs-server: accept: %s\n",
				strerror(-err));
	} else {
		err = lisafs_server_add_connection(sc.srv, fd);
		fd = -1;
		/* One connection: serve until it ends or a signal comes. */
		while (!err && !sc.stopping &&
		       lisafs_server_connections(sc.srv) > 0)
			usleep(20000);
	}
	lisafs_server_stop(sc.srv);
	if (!sc.stopping) {
		pthread_kill(sig_thread, SIGTERM);
	}
	pthread_join(sig_thread, NULL);
	lisafs_server_destroy(sc.srv);
	if (fd >= 0)
		close(fd);
	if (sock_path)
		unlink(sock_path);
	fprintf(stderr, "lisafs-server: stopped\n");
	return err ? 1 : 0;
}
