// SPDX-License-Identifier: GPL-2.0
/*
 * flipcallctl: show the flipcall module's connections and usage through
 * its generic netlink family (man/man8/flipcallctl.8).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fcnl.h"
#include "show.h"

static const char usage[] =
	"Usage: flipcallctl [-j] show [--pid PID]\n"
	"       flipcallctl [-j] get ID\n"
	"       flipcallctl [-j] stats\n"
	"\n"
	"Show the connections and usage of the flipcall kernel module.\n"
	"\n"
	"  show         list the live connections (those of your uid only,\n"
	"               unless you have CAP_NET_ADMIN)\n"
	"  get ID       show one connection\n"
	"  stats        module-wide counts and per-user window usage\n"
	"\n"
	"  -j, --json   JSON output\n"
	"  -p, --pid    show: only connections PID created or holds\n"
	"  -h, --help   this text\n";

struct cli {
	int json;
	uint32_t pid;		/* show filter; 0: all */
	struct show_conns *out;
};

static int parse_u64(const char *s, uint64_t *value)
{
	char *end;

	if (!*s || *s == '-')
		return -EINVAL;
	errno = 0;
	*value = strtoull(s, &end, 0);
	if (errno || *end)
		return -EINVAL;
	return 0;
}

static void report(struct fcnl *nl, const char *what, int err)
{
	const char *msg = fcnl_error_message(nl);

	fprintf(stderr, "flipcallctl: %s: %s%s%s\n", what, strerror(-err),
		*msg ? ": " : "", msg);
}

static int show_matches(const struct cli *cli, const struct fcnl_conn *conn)
{
	return !cli->pid || conn->creator_pid == cli->pid ||
	       conn->ep[FLIPCALL_SIDE_CLIENT].pid == cli->pid ||
	       conn->ep[FLIPCALL_SIDE_SERVER].pid == cli->pid;
}

static int show_one(const struct fcnl_conn *conn, void *arg)
{
	struct cli *cli = arg;

	if (!show_matches(cli, conn))
		return 0;
	return show_conns_add(cli->out, conn);
}

static int cmd_show(struct fcnl *nl, struct cli *cli)
{
	int ret;

	cli->out = show_conns_new(cli->json);
	if (!cli->out)
		return -ENOMEM;
	ret = fcnl_conn_dump(nl, show_one, cli);
	if (!ret)
		show_conns_print(cli->out, stdout);
	else
		report(nl, "listing connections", ret);
	show_conns_free(cli->out);
	return ret;
}

static int cmd_get(struct fcnl *nl, struct cli *cli, uint64_t id)
{
	struct fcnl_conn conn;
	char what[64];
	int ret;

	ret = fcnl_conn_get(nl, id, &conn);
	if (ret) {
		snprintf(what, sizeof(what), "connection %" PRIu64, id);
		report(nl, what, ret);
		return ret;
	}
	show_conn(&conn, cli->json, stdout);
	return 0;
}

static int cmd_stats(struct fcnl *nl, struct cli *cli)
{
	struct fcnl_stats stats;
	int ret;

	ret = fcnl_stats_get(nl, &stats);
	if (ret) {
		report(nl, "reading statistics", ret);
		return ret;
	}
	show_stats(&stats, cli->json, stdout);
	fcnl_stats_free(&stats);
	return 0;
}

static int usage_error(const char *msg)
{
	fprintf(stderr, "flipcallctl: %s\n%s", msg, usage);
	return FLIPCALLCTL_EXIT_USAGE;
}

int flipcallctl_main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pid", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli cli = { 0 };
	const char *cmd;
	struct fcnl *nl;
	uint64_t value;
	int opt, ret;

	optind = 0;	/* full getopt reset: tests call this more than once */
	while ((opt = getopt_long(argc, argv, "jp:h", options, NULL)) != -1) {
		switch (opt) {
		case 'j':
			cli.json = 1;
			break;
		case 'p':
			if (parse_u64(optarg, &value) || !value ||
			    value > UINT32_MAX)
				return usage_error("--pid needs a process id");
			cli.pid = value;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			return usage_error("unknown option");
		}
	}
	if (optind >= argc)
		return usage_error("no command");
	cmd = argv[optind++];
	if (strcmp(cmd, "show") && strcmp(cmd, "get") && strcmp(cmd, "stats"))
		return usage_error("unknown command");
	if (!strcmp(cmd, "get")) {
		if (optind != argc - 1 || parse_u64(argv[optind], &value))
			return usage_error("get needs one connection id");
	} else if (optind != argc) {
		return usage_error("too many arguments");
	}
	if (cli.pid && strcmp(cmd, "show"))
		return usage_error("--pid only applies to show");

	ret = fcnl_open(&nl);
	if (ret == -ENOENT) {
		fprintf(stderr, "flipcallctl: the flipcall module is not loaded (no generic netlink family \"%s\")\n",
			FLIPCALL_GENL_NAME);
		return FLIPCALLCTL_EXIT_NO_MODULE;
	}
	if (ret) {
		fprintf(stderr, "flipcallctl: cannot open generic netlink: %s\n",
			strerror(-ret));
		return FLIPCALLCTL_EXIT_FAIL;
	}
	if (!strcmp(cmd, "show"))
		ret = cmd_show(nl, &cli);
	else if (!strcmp(cmd, "get"))
		ret = cmd_get(nl, &cli, value);
	else
		ret = cmd_stats(nl, &cli);
	fcnl_close(nl);
	return ret ? FLIPCALLCTL_EXIT_FAIL : 0;
}
