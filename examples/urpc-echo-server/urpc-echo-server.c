// SPDX-License-Identifier: GPL-2.0
/*
 * Example urpc server: serves Echo.* on a unix socket until SIGINT or
 * SIGTERM, then stops the way gVisor's control server does.
 *
 *   urpc-echo-server SOCKET
 *   urpc-call SOCKET Echo.Echo '{"S":"hi"}'
 *
 * Echo.Echo returns its argument. Echo.Fail answers with an error.
 * Echo.CountFiles returns {"N": descriptors received}. Echo.SendFiles with
 * argument n returns n and sends n descriptors of /dev/null.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>
#include <flipcall/urpc.h>

static int echo(struct urpc_call *call, void *data)
{
	(void)data;
	return urpc_call_set_result(call, json_object_get(urpc_call_arg(call)));
}

static int fail(struct urpc_call *call, void *data)
{
	(void)data;
	urpc_call_set_error(call, "echo failure: %s",
			    json_object_to_json_string(urpc_call_arg(call)));
	return -1;
}

static int count_files(struct urpc_call *call, void *data)
{
	struct json_object *result = json_object_new_object();

	(void)data;
	json_object_object_add(result, "N",
			       json_object_new_int((int)urpc_call_nfds(call)));
	return urpc_call_set_result(call, result);
}

static int send_files(struct urpc_call *call, void *data)
{
	int i, n = json_object_get_int(urpc_call_arg(call));

	(void)data;
	if (n < 0 || n > URPC_MAX_FDS)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

		if (fd < 0 || urpc_call_send_fd(call, fd))
			return -EMFILE;
	}
	return urpc_call_set_result(call, json_object_new_int(n));
}

static void say_stopping(void *data)
{
	fprintf(stderr, "urpc-echo-server: stopping %s\n", (const char *)data);
}

int main(int argc, char **argv)
{
	struct urpc_server *server;
	sigset_t stop_signals;
	int sig, ret;

	if (argc != 2) {
		fprintf(stderr, "usage: urpc-echo-server SOCKET\n");
		return 2;
	}
	/* Blocked before any thread starts, then taken with sigwait(). */
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGINT);
	sigaddset(&stop_signals, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);

	ret = urpc_server_new(&server);
	if (!ret)
		ret = urpc_server_register(server, "Echo.Echo", echo, NULL) ?:
		      urpc_server_register(server, "Echo.Fail", fail, NULL) ?:
		      urpc_server_register(server, "Echo.CountFiles", count_files, NULL) ?:
		      urpc_server_register(server, "Echo.SendFiles", send_files, NULL) ?:
		      urpc_server_on_stop(server, say_stopping, argv[1]) ?:
		      urpc_server_listen(server, argv[1]);
	if (ret) {
		fprintf(stderr, "urpc-echo-server: %s: %s\n", argv[1],
			strerror(-ret));
		return 1;
	}
	fprintf(stderr, "urpc-echo-server: serving %s\n", argv[1]);
	sigwait(&stop_signals, &sig);
	/* Give callers a second to finish, as a polite shutdown. */
	urpc_server_stop(server, 1000);
	urpc_server_destroy(server);
	return 0;
}
