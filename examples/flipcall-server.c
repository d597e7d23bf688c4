// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Example flipcall server: listens on a unix SOCK_SEQPACKET socket, and
 * for one client creates a connection (on /dev/flipcall if present, else a
 * memfd window for the futex transport), passes the client its window fd
 * with fdchannel, then answers every message with its bytes upper-cased
 * until the client shuts the connection down.
 *
 *   flipcall-server [-f | -d] SOCKET_PATH     (-f futex, -d device)
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <flipcall/fdchannel.h>
#include <flipcall/flipcall.h>

#include "example-proto.h"

static int listen_on(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	if (fd < 0 || strlen(path) >= sizeof(addr.sun_path))
		return -1;
	strcpy(addr.sun_path, path);
	unlink(path);
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) ||
	    listen(fd, 1)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Make a connection; *client is what the client gets, *server ours. */
static int make_windows(int want_device, struct flipcall_window *client,
			struct flipcall_window *server,
			struct flipcall_window_allocator **alloc)
{
	int err;

	if (want_device != 0) {
		err = flipcall_device_create(65536, 0, 0, client, server);
		if (!err || want_device > 0)
			return err;
	}
	err = flipcall_window_allocator_create(alloc);
	if (!err)
		err = flipcall_window_allocator_alloc(*alloc, 65536, client);
	*server = *client;
	return err;
}

static int send_window(int sock, const struct flipcall_window *w,
		       int transport)
{
	struct example_window_desc desc = {
		.offset = w->offset, .length = w->length,
		.transport = (uint32_t)transport,
	};
	struct fdchannel *ch;
	int err;

	if (send(sock, &desc, sizeof(desc), MSG_NOSIGNAL) != sizeof(desc))
		return -errno;
	err = fdchannel_init(&ch, sock);
	if (err)
		return err;
	err = fdchannel_send(ch, w->fd);
	fdchannel_destroy(ch);	/* closes sock */
	return err;
}

static int serve(struct flipcall_endpoint *ep)
{
	char *data = flipcall_endpoint_data(ep);
	int n, i;

	for (n = flipcall_endpoint_recv_first(ep); n >= 0;
	     n = flipcall_endpoint_send_recv(ep, (uint32_t)n)) {
		printf("server: got %d bytes\n", n);
		for (i = 0; i < n; i++)
			data[i] = (char)toupper((unsigned char)data[i]);
	}
	return n == -ESHUTDOWN ? 0 : n;
}

int main(int argc, char **argv)
{
	struct flipcall_window_allocator *alloc = NULL;
	struct flipcall_window client, server;
	struct flipcall_endpoint *ep;
	int want_device = -1, lsock, sock, err, opt;

	while ((opt = getopt(argc, argv, "fd")) != -1)
		want_device = opt == 'd';
	if (optind + 1 != argc) {
		fprintf(stderr, "usage: %s [-f | -d] SOCKET_PATH\n", argv[0]);
		return 2;
	}
	lsock = listen_on(argv[optind]);
	if (lsock < 0) {
		perror(argv[optind]);
		return 1;
	}
	err = make_windows(want_device, &client, &server, &alloc);
	if (err)
		goto fail;
	err = flipcall_endpoint_init(&ep, FLIPCALL_SIDE_SERVER, &server, NULL);
	if (err)
		goto fail;
	printf("server: %s transport, %u-byte datagrams, waiting on %s\n",
	       flipcall_endpoint_transport(ep) == FLIPCALL_TRANSPORT_DEVICE ?
	       "device" : "futex", flipcall_endpoint_data_cap(ep), argv[optind]);
	fflush(stdout);
	sock = accept4(lsock, NULL, NULL, SOCK_CLOEXEC);
	close(lsock);
	unlink(argv[optind]);
	if (sock < 0) {
		err = -errno;
		goto fail;
	}
	err = send_window(sock, &client, flipcall_endpoint_transport(ep));
	if (!alloc)
		close(client.fd);	/* the client holds its own copy now */
	if (!err)
		err = serve(ep);
	flipcall_endpoint_destroy(ep);
	if (alloc)
		flipcall_window_allocator_destroy(alloc);
	else
		close(server.fd);
	if (err)
		goto fail;
	printf("server: client shut down, bye\n");
	return 0;
fail:
	fprintf(stderr, "server: %s\n", strerror(-err));
	return 1;
}
