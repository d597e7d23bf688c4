// SPDX-License-Identifier: GPL-2.0
/*
 * urpc-call: call one method of a gVisor-compatible urpc server and print
 * the JSON result. See urpc-call(1).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>
#include <flipcall/urpc.h>

enum exit_code {
	EXIT_REMOTE = 1,	/* the server answered with an error */
	EXIT_USAGE = 2,
	EXIT_TRANSPORT = 3,	/* could not connect, send or understand */
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: urpc-call [-t MS] [-p] [-f FD]... SOCKET METHOD [ARG]\n"
		"  SOCKET  path of the server's unix socket\n"
		"  METHOD  Type.Method\n"
		"  ARG     JSON argument (default null; - reads it from stdin)\n"
		"  -t MS   give up after MS milliseconds\n"
		"  -p      pretty-print the result\n"
		"  -f FD   send this open descriptor with the call (repeatable)\n");
}

static char *read_stdin(void)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	size_t n;

	while (buf && (n = fread(buf + len, 1, cap - len - 1, stdin)) > 0) {
		len += n;
		if (cap - len - 1 == 0) {
			char *grown = realloc(buf, cap * 2);

			if (!grown)
				free(buf);
			buf = grown;
			cap *= 2;
		}
	}
	if (buf)
		buf[len] = '\0';
	return buf;
}

/* Parses the whole argument as exactly one JSON value. */
static int parse_arg(const char *text, struct json_object **argp)
{
	struct json_tokener *tok = json_tokener_new();
	enum json_tokener_error err;
	size_t len = strlen(text);

	if (!tok)
		return -ENOMEM;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	*argp = json_tokener_parse_ex(tok, text, (int)len + 1);
	err = json_tokener_get_error(tok);
	if (err != json_tokener_success)
		fprintf(stderr, "urpc-call: ARG is not JSON: %s\n",
			json_tokener_error_desc(err));
	json_tokener_free(tok);
	return err == json_tokener_success ? 0 : -EINVAL;
}

int main(int argc, char **argv)
{
	struct urpc_call_opts opts = { .size = sizeof(opts) };
	int send_fds[URPC_MAX_FDS], recv_fds[URPC_MAX_FDS];
	struct json_object *arg = NULL, *result = NULL;
	struct urpc_client *client;
	char *stdin_text = NULL;
	int flags = JSON_C_TO_STRING_PLAIN;
	unsigned int i;
	int opt, ret;

	while ((opt = getopt(argc, argv, "t:pf:h")) != -1) {
		switch (opt) {
		case 't':
			opts.timeout_ms = atoi(optarg);
			break;
		case 'p':
			flags = JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED;
			break;
		case 'f':
			if (opts.n_send_fds == URPC_MAX_FDS) {
				fprintf(stderr, "urpc-call: at most %d -f\n",
					URPC_MAX_FDS);
				return EXIT_USAGE;
			}
			send_fds[opts.n_send_fds++] = atoi(optarg);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (argc - optind < 2 || argc - optind > 3) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (argc - optind == 3) {
		const char *text = argv[optind + 2];

		if (!strcmp(text, "-"))
			text = stdin_text = read_stdin();
		if (!text || parse_arg(text, &arg))
			return EXIT_USAGE;
	}
	opts.send_fds = send_fds;
	opts.recv_fds = recv_fds;
	opts.recv_fds_cap = URPC_MAX_FDS;

	ret = urpc_client_connect(argv[optind], &client);
	if (ret) {
		fprintf(stderr, "urpc-call: cannot connect to %s: %s\n",
			argv[optind], strerror(-ret));
		return EXIT_TRANSPORT;
	}
	ret = urpc_client_call(client, argv[optind + 1], arg, &result, &opts);
	if (ret == -EREMOTEIO) {
		fprintf(stderr, "urpc-call: %s failed: %s\n", argv[optind + 1],
			urpc_client_remote_error(client));
	} else if (ret) {
		fprintf(stderr, "urpc-call: %s: %s\n", argv[optind + 1],
			strerror(-ret));
	} else {
		printf("%s\n", json_object_to_json_string_ext(result, flags |
			JSON_C_TO_STRING_NOSLASHESCAPE));
		if (opts.n_recv_fds)
			fprintf(stderr, "urpc-call: received %u descriptors\n",
				opts.n_recv_fds);
		for (i = 0; i < opts.n_recv_fds && i < URPC_MAX_FDS; i++)
			close(recv_fds[i]);
	}
	json_object_put(result);
	json_object_put(arg);
	urpc_client_close(client);
	free(stdin_text);
	if (ret)
		return ret == -EREMOTEIO ? EXIT_REMOTE : EXIT_TRANSPORT;
	return 0;
}
