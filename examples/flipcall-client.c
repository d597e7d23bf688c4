// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Example flipcall client: connects to flipcall-server's socket, receives
 * the window descriptor and fd, sends each argument as one message and
 * prints the server's answer, then shuts the connection down.
 *
 *   flipcall-client SOCKET_PATH MESSAGE...
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <flipcall/fdchannel.h>
#include <flipcall/flipcall.h>

#include "example-proto.h"

static int connect_to(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	if (fd < 0 || strlen(path) >= sizeof(addr.sun_path))
		return -1;
	strcpy(addr.sun_path, path);
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Descriptor datagram, then the fd; never trust the server's numbers. */
static int receive_window(int sock, struct flipcall_window *w,
			  struct flipcall_endpoint_options *o)
{
	struct example_window_desc desc;
	struct fdchannel *ch;
	int err;

	if (recv(sock, &desc, sizeof(desc), 0) != sizeof(desc))
		return -EPROTO;
	err = fdchannel_init(&ch, sock);
	if (err)
		return err;
	w->fd = fdchannel_recv(ch);
	fdchannel_destroy(ch);
	if (w->fd < 0)
		return w->fd;
	w->offset = desc.offset;
	w->length = desc.length;
	flipcall_endpoint_options_init(o);
	o->transport = desc.transport;	/* init checks it against the fd */
	return 0;
}

int main(int argc, char **argv)
{
	struct flipcall_endpoint_options opts;
	struct flipcall_endpoint *ep = NULL;
	struct flipcall_window w = { .fd = -1 };
	int sock, err, i, n;
	char *data;

	if (argc < 3) {
		fprintf(stderr, "usage: %s SOCKET_PATH MESSAGE...\n", argv[0]);
		return 2;
	}
	sock = connect_to(argv[1]);
	if (sock < 0) {
		perror(argv[1]);
		return 1;
	}
	err = receive_window(sock, &w, &opts);
	if (!err)
		err = flipcall_endpoint_init(&ep, FLIPCALL_SIDE_CLIENT, &w, &opts);
	if (w.fd >= 0)
		close(w.fd);	/* the endpoint keeps what it needs */
	if (!err)
		err = flipcall_endpoint_connect(ep);
	data = ep ? flipcall_endpoint_data(ep) : NULL;
	for (i = 2; i < argc && !err; i++) {
		n = (int)strlen(argv[i]);
		if ((uint32_t)n > flipcall_endpoint_data_cap(ep)) {
			err = -EMSGSIZE;
			break;
		}
		memcpy(data, argv[i], (size_t)n);
		n = flipcall_endpoint_send_recv(ep, (uint32_t)n);
		if (n < 0)
			err = n;
		else
			printf("client: %.*s\n", n, data);
	}
	if (ep) {
		flipcall_endpoint_shutdown(ep);
		flipcall_endpoint_destroy(ep);
	}
	if (err) {
		fprintf(stderr, "client: %s\n", strerror(-err));
		return 1;
	}
	return 0;
}
