// SPDX-License-Identifier: GPL-2.0
/*
 * flipcall-nic: bridge a TAP interface to a peer flipcall-nic (or a gVisor
 * sharedmem endpoint) through a packet transport. See flipcall-nic(8).
 *
 * Exit status: 0 after SIGTERM/SIGINT, 1 on an error, 2 on bad usage,
 * 3 when the peer went away.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bridge.h"
#include "control.h"
#include "stats.h"
#include "tap.h"
#include "transport.h"

#define EXIT_USAGE	2
#define EXIT_PEER_GONE	3

#define DEFAULT_MTU	1500
#define MIN_MTU		68
/* Ethernet header plus one VLAN tag, beyond the MTU. */
#define FRAME_OVERHEAD	18
/* The largest MTU a Linux TAP device accepts. */
#define TAP_MAX_MTU	(65535 - 14)
/* How long setup may wait for the peer's half of the handshake. */
#define HANDSHAKE_S	10

struct options {
	const char *tap;
	int side;		/* -1 until given */
	const char *socket_path;
	int fd;
	unsigned int mtu;
	unsigned int txqueuelen;	/* 0: leave the device's */
	int txqueuelen_given;
	int json_stats;
	int offload;
	int coalesce;
	unsigned int transport_flags;
	const struct nic_transport_ops *ops;
};

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t report_requested;

static void on_stop(int sig)
{
	stop_requested = 1;
}

static void on_report(int sig)
{
	report_requested = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: flipcall-nic --tap NAME (--server | --client) (--socket PATH | --fd N)\n"
		"                    [--transport NAME] [--memfd | --offload] [--no-coalesce]\n"
		"                    [--mtu N] [--txqueuelen N] [--stats]\n"
		"transports (the first is the default): %s\n", nic_transport_names());
}

static int parse_uint(const char *s, unsigned int max, unsigned int *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v > max)
		return -1;
	*out = v;
	return 0;
}

static unsigned int mtu_limit(const struct options *o)
{
	size_t limit = o->ops->frame_limit() - FRAME_OVERHEAD -
		       (o->offload ? TAP_VNET_HDR_LEN : 0);

	return limit < TAP_MAX_MTU ? limit : TAP_MAX_MTU;
}

/* With offload the frames come big already: nothing to coalesce. */
static enum tap_mode tap_mode(const struct options *o)
{
	return o->offload ? TAP_OFFLOAD :
	       o->coalesce ? TAP_VNET_HDR : TAP_PLAIN;
}

/* The largest frame either way. With offload, what the transport allows. */
static size_t frame_max(const struct options *o)
{
	return o->offload ? o->ops->frame_limit() : o->mtu + FRAME_OVERHEAD;
}

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "tap", required_argument, NULL, 't' },
		{ "server", no_argument, NULL, 'S' },
		{ "client", no_argument, NULL, 'C' },
		{ "socket", required_argument, NULL, 's' },
		{ "fd", required_argument, NULL, 'f' },
		{ "mtu", required_argument, NULL, 'm' },
		{ "txqueuelen", required_argument, NULL, 'q' },
		{ "stats", no_argument, NULL, 'j' },
		{ "transport", required_argument, NULL, 'T' },
		{ "memfd", no_argument, NULL, 'M' },
		{ "offload", no_argument, NULL, 'O' },
		{ "no-coalesce", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *transport = NULL;
	unsigned int v;
	int c;

	*o = (struct options){ .side = -1, .fd = -1, .mtu = DEFAULT_MTU,
			       .coalesce = 1 };
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			o->tap = optarg;
			break;
		case 'S':
		case 'C':
			if (o->side >= 0) {
				fprintf(stderr, "flipcall-nic: --server and --client exclude each other\n");
				return -1;
			}
			o->side = c == 'S' ? NIC_SERVER : NIC_CLIENT;
			break;
		case 's':
			o->socket_path = optarg;
			break;
		case 'f':
			if (parse_uint(optarg, INT_MAX, &v)) {
				fprintf(stderr, "flipcall-nic: bad --fd '%s'\n", optarg);
				return -1;
			}
			o->fd = v;
			break;
		case 'm':
			if (parse_uint(optarg, UINT_MAX, &o->mtu)) {
				fprintf(stderr, "flipcall-nic: bad --mtu '%s'\n", optarg);
				return -1;
			}
			break;
		case 'q':
			if (parse_uint(optarg, INT_MAX, &o->txqueuelen)) {
				fprintf(stderr, "flipcall-nic: bad --txqueuelen '%s'\n", optarg);
				return -1;
			}
			o->txqueuelen_given = 1;
			break;
		case 'j':
			o->json_stats = 1;
			break;
		case 'T':
			transport = optarg;
			break;
		case 'M':
			o->transport_flags |= NIC_TRANSPORT_MEMFD;
			break;
		case 'O':
			o->offload = 1;
			break;
		case 'n':
			o->coalesce = 0;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return -1;
		}
	}
	if (optind != argc || !o->tap || o->side < 0 ||
	    !o->socket_path == (o->fd < 0)) {
		fprintf(stderr, "flipcall-nic: need --tap, one of --server/--client and one of --socket/--fd\n");
		return -1;
	}
	/* --memfd is for gVisor peers, which expect plain Ethernet frames. */
	if (o->offload && (o->transport_flags & NIC_TRANSPORT_MEMFD)) {
		fprintf(stderr, "flipcall-nic: --offload and --memfd exclude each other\n");
		return -1;
	}
	o->ops = nic_transport_find(transport);
	if (!o->ops) {
		fprintf(stderr, "flipcall-nic: no transport '%s'\n", transport);
		return -1;
	}
	if (o->mtu < MIN_MTU || o->mtu > mtu_limit(o)) {
		fprintf(stderr, "flipcall-nic: --mtu must be %u..%u for %s\n",
			MIN_MTU, mtu_limit(o), o->ops->name);
		return -1;
	}
	if (!o->txqueuelen_given)
		o->txqueuelen = tap_default_txqueuelen(frame_max(o));
	return 0;
}

/*
 * No SA_RESTART: SIGTERM/SIGINT during setup interrupt accept/connect
 * waits. SIGUSR1 stays blocked until the bridge runs, so a stats request
 * cannot break the handshake. From the bridge on all three stay blocked
 * except inside ppoll, so none is lost between a check and a sleep.
 */
static void install_signals(sigset_t *sleep_mask)
{
	sigset_t report_set;

	struct sigaction stop = { .sa_handler = on_stop };
	struct sigaction report = { .sa_handler = on_report };

	sigemptyset(&stop.sa_mask);
	sigemptyset(&report.sa_mask);
	sigaction(SIGTERM, &stop, NULL);
	sigaction(SIGINT, &stop, NULL);
	sigaction(SIGUSR1, &report, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigprocmask(SIG_SETMASK, NULL, sleep_mask);
	sigdelset(sleep_mask, SIGTERM);
	sigdelset(sleep_mask, SIGINT);
	sigdelset(sleep_mask, SIGUSR1);
	sigemptyset(&report_set);
	sigaddset(&report_set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &report_set, NULL);
}

static void block_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
}

static int open_control(const struct options *o)
{
	int fd, err;

	if (o->socket_path)
		return o->side == NIC_SERVER ?
			control_accept(o->socket_path, &stop_requested) :
			control_connect(o->socket_path, HANDSHAKE_S,
					&stop_requested);
	err = control_adopt(o->fd);
	if (err)
		return err;
	fd = o->fd;
	return fd;
}

static void report(struct bridge *b, const struct options *o, int json)
{
	const struct nic_stats_label label = {
		.tap = o->tap,
		.transport = o->ops->name,
		.side = o->side == NIC_SERVER ? "server" : "client",
	};
	struct nic_stats st;

	bridge_stats(b, &st);
	if (json)
		nic_stats_print_json(stdout, &label, &st);
	else
		nic_stats_print_text(stderr, &label, &st);
}

static int run(const struct options *o, int tap_fd, int ctrl_fd,
	       const sigset_t *sleep_mask)
{
	const struct nic_transport_params params = {
		.side = o->side,
		.flags = o->transport_flags,
		.ctrl_fd = ctrl_fd,
		.frame_max = frame_max(o),
	};
	struct bridge_config cfg = {
		.tap_fd = tap_fd,
		.ctrl_fd = ctrl_fd,
		.frame_max = params.frame_max,
		.coalesce = tap_mode(o) == TAP_VNET_HDR,
		.ops = o->ops,
		.stop = &stop_requested,
		.report = &report_requested,
		.sleep_mask = sleep_mask,
	};
	struct bridge *b;
	int r;

	control_set_timeout(ctrl_fd, HANDSHAKE_S);
	r = o->ops->create(&params, &cfg.t);
	if (r && stop_requested)
		return 0;
	if (r) {
		fprintf(stderr, "flipcall-nic: %s setup with the peer: %s\n",
			o->ops->name, strerror(-r));
		return 1;
	}
	if (o->offload) {
		r = control_offload_handshake(ctrl_fd);
		if (r) {
			o->ops->destroy(cfg.t);
			if (stop_requested)
				return 0;
			fprintf(stderr, "flipcall-nic: offload handshake: %s\n",
				r == -EPROTO ? "the peer runs without --offload" :
					       strerror(-r));
			return 1;
		}
	}
	control_set_timeout(ctrl_fd, 0);
	r = bridge_create(&cfg, &b);
	if (r) {
		o->ops->destroy(cfg.t);
		fprintf(stderr, "flipcall-nic: %s\n", strerror(-r));
		return 1;
	}
	fprintf(stderr, "flipcall-nic: %s: forwarding over %s (%s) as %s, MTU %u%s\n",
		o->tap, o->ops->name, o->ops->describe(cfg.t),
		o->side == NIC_SERVER ? "server" : "client", o->mtu,
		o->offload ? ", offload (vnet header, TSO, checksum)" : "");
	block_signals();
	while ((r = bridge_run(b)) == BRIDGE_REPORT) {
		report(b, o, 0);
		if (o->json_stats)
			report(b, o, 1);
	}
	if (r == BRIDGE_PEER_GONE)
		fprintf(stderr, "flipcall-nic: %s: peer gone\n", o->tap);
	else if (r == BRIDGE_PEER_OFFLOAD)
		fprintf(stderr, "flipcall-nic: %s: the peer runs with --offload, this bridge without\n",
			o->tap);
	else if (r == -EBADFD)
		fprintf(stderr, "flipcall-nic: %s: the TAP device went away\n",
			o->tap);
	else if (r < 0)
		fprintf(stderr, "flipcall-nic: %s: %s\n", o->tap, strerror(-r));
	if (o->json_stats)
		report(b, o, 1);
	bridge_destroy(b);
	o->ops->destroy(cfg.t);
	return r == BRIDGE_STOP ? 0 : r == BRIDGE_PEER_GONE ? EXIT_PEER_GONE : 1;
}

int main(int argc, char **argv)
{
	const char *why = "";
	struct options o;
	sigset_t sleep_mask;
	int tap_fd, ctrl_fd, status;

	if (parse_options(argc, argv, &o)) {
		usage(stderr);
		return EXIT_USAGE;
	}
	install_signals(&sleep_mask);
	tap_fd = tap_open(o.tap, o.mtu, o.txqueuelen, tap_mode(&o), &why);
	if (tap_fd < 0) {
		fprintf(stderr, "flipcall-nic: %s: %s: %s\n", o.tap, why,
			strerror(-tap_fd));
		return 1;
	}
	ctrl_fd = open_control(&o);
	if (ctrl_fd < 0) {
		close(tap_fd);
		if (stop_requested)
			return 0;
		fprintf(stderr, "flipcall-nic: control socket %s: %s\n",
			o.socket_path ? o.socket_path : "(--fd)",
			strerror(-ctrl_fd));
		return 1;
	}
	status = run(&o, tap_fd, ctrl_fd, &sleep_mask);
	close(ctrl_fd);
	close(tap_fd);
	return status;
}
