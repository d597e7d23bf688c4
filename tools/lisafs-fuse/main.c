// SPDX-License-Identifier: GPL-2.0
/*
 * lisafs-fuse: mounts a lisafs export with FUSE (low-level API).
 *
 *   lisafs-fuse (--socket PATH | --export DIR) MOUNTPOINT [-o OPTS] [-f] [-d]
 *
 * Order matters: the --export server is forked before any thread exists,
 * the mount happens, then fuse_daemonize forks (unless -f), and only then
 * the lisafs client connects, as its threads would not survive that fork.
 * See man/man1/lisafs-fuse.1.
 */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "lisafs-fuse.h"
#include "reaper.h"
#include "server_child.h"
#include "watchdog.h"

_Static_assert(LFS_ROOT_NODEID == FUSE_ROOT_ID, "the root's node ID");

struct cli {
	char *export_dir;
	char *socket_path;
	struct lfs_options opt;
	int no_xattr, no_host_fd, no_device, no_channels;
};

enum { KEY_RO, KEY_HELP };

#define CLI_OPT(t, field) { t, offsetof(struct cli, field), 1 }
static const struct fuse_opt cli_opts[] = {
	{ "--export %s", offsetof(struct cli, export_dir), 0 },
	{ "--export=%s", offsetof(struct cli, export_dir), 0 },
	{ "--socket %s", offsetof(struct cli, socket_path), 0 },
	{ "--socket=%s", offsetof(struct cli, socket_path), 0 },
	{ "entry_timeout=%lf", offsetof(struct cli, opt.entry_timeout), 0 },
	{ "attr_timeout=%lf", offsetof(struct cli, opt.attr_timeout), 0 },
	{ "negative_timeout=%lf", offsetof(struct cli, opt.negative_timeout), 0 },
	{ "channels=%u", offsetof(struct cli, opt.channels), 0 },
	{ "call_timeout=%u", offsetof(struct cli, opt.call_timeout_ms), 0 },
	{ "max_inodes=%u", offsetof(struct cli, opt.max_inodes), 0 },
	CLI_OPT("noxattr", no_xattr),
	CLI_OPT("no_host_fd", no_host_fd),
	CLI_OPT("no_device", no_device),
	CLI_OPT("no_channels", no_channels),
	FUSE_OPT_KEY("ro", KEY_RO),
	FUSE_OPT_KEY("-h", KEY_HELP),
	FUSE_OPT_KEY("--help", KEY_HELP),
	FUSE_OPT_END
};

static void usage(const char *prog)
{
	printf("usage: %s (--socket PATH | --export DIR) MOUNTPOINT [options]\n"
	       "\n"
	       "    --export DIR           serve DIR from a child lisafs server\n"
	       "    --socket PATH          connect to a lisafs server's socket\n"
	       "    -f                     stay in the foreground\n"
	       "    -d                     FUSE debug output (implies -f)\n"
	       "    -s                     single-threaded\n"
	       "    -o ro                  read-only (the server too, with --export)\n"
	       "    -o entry_timeout=S     name cache seconds (default 1)\n"
	       "    -o attr_timeout=S      attribute cache seconds (default 1)\n"
	       "    -o negative_timeout=S  \"no such name\" cache seconds (default 0)\n"
	       "    -o channels=N          lisafs channels (default: the library's)\n"
	       "    -o no_device           futex channels even if /dev/flipcall is offered\n"
	       "    -o no_channels         every call over the socket (slow; for tests)\n"
	       "    -o call_timeout=MS     fail a lisafs call after MS (default: never)\n"
	       "    -o max_inodes=N        ask the kernel to drop names past N cached\n"
	       "                           inodes (default 16384, 0: never)\n"
	       "    -o noxattr             no extended attributes\n"
	       "    -o no_host_fd          data through lisafs even when the server\n"
	       "                           donates the file's descriptor\n"
	       "    -o max_threads=N       FUSE worker threads (default 10)\n"
	       "\n"
	       "Other -o options go to the FUSE mount (allow_other, ...).\n", prog);
}

static int cli_key(void *data, const char *arg, int key, struct fuse_args *out)
{
	struct cli *cli = data;

	(void)arg;
	(void)out;
	if (key == KEY_RO) {
		cli->opt.read_only = true;
		return 1;	/* the kernel mount is read-only too */
	}
	if (key == KEY_HELP) {
		usage(out->argv[0]);
		exit(0);
	}
	return 1;
}

/* The server's socket, connected; a duplicate goes to the watchdog. */
static int connect_socket(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, err;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

static int connect_client(struct lfs *fs, int sock, struct lfs_watchdog **wd,
			  bool verbose)
{
	struct lisafs_client_options o = {
		.size = sizeof(o),
		.flags = fs->opt.client_flags,
		.channels = fs->opt.channels,
		.timeout_ms = fs->opt.call_timeout_ms,
	};
	struct lisafs_inode root;
	int watch, err, futex = 0, device = 0;

	watch = fcntl(sock, F_DUPFD_CLOEXEC, 0);
	if (watch < 0) {
		close(sock);
		return -errno;
	}
	err = lisafs_client_connect(sock, &o, &fs->client, &root);
	if (err) {
		close(watch);
		return err;
	}
	err = lfs_nodes_init(&fs->nodes, fs->client, &root);
	if (!err)
		err = lfs_watchdog_start(fs, watch, wd);
	else
		close(watch);
	if (err) {
		lisafs_client_destroy(fs->client);
		fs->client = NULL;
		return err;
	}
	fs->can_rename2 = lisafs_client_supports(fs->client,
						 LISAFS_MID_RENAMEAT2);
	fs->can_xattr = fs->opt.xattr &&
		lisafs_client_supports(fs->client, LISAFS_MID_FGETXATTR) &&
		lisafs_client_supports(fs->client, LISAFS_MID_FSETXATTR) &&
		lisafs_client_supports(fs->client, LISAFS_MID_FLISTXATTR) &&
		lisafs_client_supports(fs->client, LISAFS_MID_FREMOVEXATTR);
	/* It returns how many channels work (>= 0) or an error. */
	if (verbose && lisafs_client_channels(fs->client, &futex, &device) >= 0)
		fprintf(stderr, "lisafs-fuse: connected: %d futex and %d device "
			"channels, xattrs %s\n", futex, device,
			fs->can_xattr ? "on" : "off");
	return 0;
}

static void lfs_init(void *userdata, struct fuse_conn_info *conn)
{
	(void)userdata;
	/* Writes go straight to the server; no kernel write-back cache. */
	conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;
}

static int add_fsname(struct fuse_args *args, const struct cli *cli)
{
	const char *src = cli->export_dir ? cli->export_dir : cli->socket_path;
	char *opts = NULL, *name;
	int err;

	if (asprintf(&name, "fsname=lisafs:%s", src) < 0)
		return -1;
	err = fuse_opt_add_opt_escaped(&opts, name);
	free(name);
	if (!err)
		err = fuse_opt_add_opt(&opts,
				       "subtype=lisafs,default_permissions");
	if (!err)
		err = fuse_opt_add_arg(args, "-o") ||
		      fuse_opt_add_arg(args, opts);
	free(opts);
	return err;
}

static int run(struct fuse_session *se, const struct fuse_cmdline_opts *co)
{
	struct fuse_loop_config *cfg;
	int ret;

	if (co->singlethread)
		return fuse_session_loop(se);
	cfg = fuse_loop_cfg_create();
	if (!cfg)
		return -ENOMEM;
	fuse_loop_cfg_set_clone_fd(cfg, co->clone_fd);
	fuse_loop_cfg_set_max_threads(cfg, co->max_threads);
	/* UINT_MAX is "not given"; libfuse complains if it is passed on. */
	if (co->max_idle_threads != UINT_MAX)
		fuse_loop_cfg_set_idle_threads(cfg, co->max_idle_threads);
	ret = fuse_session_loop_mt(se, cfg);
	fuse_loop_cfg_destroy(cfg);
	return ret;
}

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_lowlevel_ops ops = { .init = lfs_init };
	struct cli cli = {
		.opt = { .entry_timeout = 1, .attr_timeout = 1,
			 .max_inodes = LFS_DEFAULT_MAX_INODES },
	};
	struct fuse_cmdline_opts co;
	struct lfs_watchdog *wd = NULL;
	struct lfs_reaper *reaper = NULL;
	static struct lfs fs;
	pid_t child = 0;
	int sock = -1, err, ret = 1;

	memset(&co, 0, sizeof(co));
	if (fuse_opt_parse(&args, &cli, cli_opts, cli_key) ||
	    fuse_parse_cmdline(&args, &co)) {
		ret = 2;
		goto out_args;
	}
	if (co.show_version) {
		fuse_lowlevel_version();
		ret = 0;
		goto out_args;
	}
	if (!co.mountpoint || !cli.export_dir == !cli.socket_path) {
		fprintf(stderr, "lisafs-fuse: need a MOUNTPOINT and exactly one of "
			"--socket or --export (see --help)\n");
		ret = 2;
		goto out_args;
	}
	cli.opt.xattr = !cli.no_xattr;
	cli.opt.host_fd = !cli.no_host_fd;
	cli.opt.client_flags = (cli.no_device ? LISAFS_CLIENT_NO_DEVICE : 0) |
			       (cli.no_channels ? LISAFS_CLIENT_NO_CHANNELS : 0);
	fs.opt = cli.opt;
	if (add_fsname(&args, &cli))
		goto out_args;

	if (cli.export_dir) {
		err = lfs_server_child_start(cli.export_dir, cli.opt.read_only,
					     &child, &sock);
		if (err) {
			fprintf(stderr, "lisafs-fuse: cannot start the server: %s\n",
				strerror(-err));
			goto out_args;
		}
	} else {
		sock = connect_socket(cli.socket_path);
		if (sock < 0) {
			fprintf(stderr, "lisafs-fuse: cannot connect to %s: %s\n",
				cli.socket_path, strerror(-sock));
			goto out_args;
		}
	}

	lfs_set_entry_ops(&ops);
	lfs_set_file_ops(&ops);
	lfs_set_dir_ops(&ops);
	lfs_set_xattr_ops(&ops);
	fs.se = fuse_session_new(&args, &ops, sizeof(ops), &fs);
	if (!fs.se)
		goto out_sock;
	if (fuse_set_signal_handlers(fs.se))
		goto out_session;
	if (fuse_session_mount(fs.se, co.mountpoint))
		goto out_signals;
	if (fuse_daemonize(co.foreground))
		goto out_unmount;
	err = connect_client(&fs, sock, &wd, co.foreground);
	sock = -1;
	if (err) {
		fprintf(stderr, "lisafs-fuse: lisafs connection failed: %s\n",
			strerror(-err));
		goto out_unmount;
	}
	err = lfs_reaper_start(&fs, fs.opt.max_inodes, &reaper);
	if (err)
		fprintf(stderr, "lisafs-fuse: no inode reaper: %s\n",
			strerror(-err));
	ret = run(fs.se, &co) ? 1 : 0;

	lfs_reaper_stop(reaper);
	lfs_watchdog_stop(wd);
	lfs_nodes_destroy(&fs.nodes, atomic_load(&fs.dead));
	lisafs_client_destroy(fs.client);
out_unmount:
	fuse_session_unmount(fs.se);
out_signals:
	fuse_remove_signal_handlers(fs.se);
out_session:
	fuse_session_destroy(fs.se);
out_sock:
	if (sock >= 0)
		close(sock);
	if (child > 0)
		lfs_server_child_reap(child, 2000);
out_args:
	free(co.mountpoint);
	fuse_opt_free_args(&args);
	free(cli.export_dir);
	free(cli.socket_path);
	return ret;
}
