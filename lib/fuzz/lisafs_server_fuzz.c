// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libFuzzer target for the lisafs server's request decoding and handling:
 * the input is a sequence of requests, each {u16 MID, u16 length, payload},
 * run through the server's dispatcher (lfs_conn_handle) on a fresh
 * connection after a Mount, against a scratch export. Channel setup is
 * replaced by FStat (it starts threads, which the socket tests cover).
 * Every 256 inputs the process's fd count must be back where it started.
 */
#include <dirent.h>
#include <ftw.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lisafs/server_internal.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct lisafs_server *srv;
static uint8_t *buf;
static int baseline_fds;
static unsigned long runs;

static char dir[] = "/tmp/lisafs-fuzz-XXXXXX";

static int remove_one(const char *path, const struct stat *st, int flag,
		      struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* libFuzzer ends with exit(): leave no scratch export behind. */
static void remove_export(void)
{
	nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n - 1;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct lisafs_server_options o = {
		.size = sizeof(o),
		.flags = LISAFS_SERVER_ALLOW_SOCKETS | LISAFS_SERVER_NO_DEVICE,
		.max_fdids_per_conn = 256,
	};
	struct rlimit fsize = { 1 << 20, 1 << 20 };

	(void)argc;
	(void)argv;
	signal(SIGXFSZ, SIG_IGN);
	setrlimit(RLIMIT_FSIZE, &fsize);
	if (!mkdtemp(dir) || lisafs_server_new(dir, &o, &srv))
		abort();
	atexit(remove_export);
	buf = malloc(LISAFS_MAX_MESSAGE_SIZE);
	if (!buf)
		abort();
	baseline_fds = -1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int sv[2];
	struct lfs_conn *c;
	uint16_t resp_mid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return 0;
	close(sv[0]);
	c = lfs_conn_new(srv, sv[1]);
	if (!c)
		abort();
	{
		struct lfs_req r = { .buf = buf, .cap = srv->max_msg };

		lfs_conn_handle(c, LISAFS_MID_MOUNT, &r, &resp_mid);
	}
	while (size >= 4) {
		struct lfs_req r = { .buf = buf, .cap = srv->max_msg };
		uint16_t mid, len;

		memcpy(&mid, data, 2);
		memcpy(&len, data + 2, 2);
		data += 4;
		size -= 4;
		if (len > size)
			len = (uint16_t)size;
		if (mid == LISAFS_MID_CHANNEL || mid == LISAFS_MID_DEVICE_CHANNEL)
			mid = LISAFS_MID_FSTAT;
		memcpy(buf, data, len);
		r.len = len;
		lfs_conn_handle(c, mid, &r, &resp_mid);
		while (r.nfds)
			close(r.fds[--r.nfds]);
		data += len;
		size -= len;
	}
	lfs_conn_free(c);	/* closes every FDID it made */
	if (++runs % 256 == 0) {
		int n = count_fds();

		if (baseline_fds < 0)
			baseline_fds = n;
		else if (n != baseline_fds) {
			fprintf(stderr, "fd leak: %d open, %d at start\n", n,
				baseline_fds);
			abort();
		}
	}
	return 0;
}
