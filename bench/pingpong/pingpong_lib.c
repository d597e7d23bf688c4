// SPDX-License-Identifier: GPL-2.0
/*
 * futex-pingpong through libflipcall (pingpong-c -w POLICY): the same
 * hand-off as the hand-written sides, made by flipcall_endpoint_* with the
 * given wait policy, so the policies can be paired with each other and with
 * the Go twin on the same page. The page is a flipcall window; the raw
 * clients write the "{}\n" handshake, which a library server insists on.
 * Wake-up latencies are not seen from here (the library sleeps inside);
 * the line reports the share of waits that slept from the endpoint stats.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <flipcall/flipcall.h>

#include "pingpong.h"

static int parse_policy(const char *name, uint32_t *policy)
{
	static const struct { const char *name; uint32_t policy; } known[] = {
		{ "adaptive", FLIPCALL_WAIT_ADAPTIVE },
		{ "sleep", FLIPCALL_WAIT_SLEEP },
		{ "spin", FLIPCALL_WAIT_SPIN },
	};

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		if (!strcmp(name, known[i].name)) {
			*policy = known[i].policy;
			return 0;
		}
	}
	return -EINVAL;
}

static int open_endpoint(int fd, int client, const char *policy, int no_yield,
			 struct flipcall_endpoint **ep)
{
	struct flipcall_window w = { .fd = fd, .offset = 0, .length = PP_PAGE };
	struct flipcall_endpoint_options o;
	int err;

	flipcall_endpoint_options_init(&o);
	err = parse_policy(policy, &o.wait_policy);
	if (err)
		return err;
	/* compare.sh's page is a plain /dev/shm file, not a sealed memfd. */
	o.flags = FLIPCALL_ENDPOINT_ALLOW_UNSEALED |
		  (no_yield ? FLIPCALL_ENDPOINT_SPIN_NO_YIELD : 0);
	return flipcall_endpoint_init(ep, client ? FLIPCALL_SIDE_CLIENT :
					      FLIPCALL_SIDE_SERVER, &w, &o);
}

static int client_loop(struct flipcall_endpoint *ep, uint64_t n)
{
	struct flipcall_endpoint_stats st = { .size = sizeof(st) };
	uint64_t i, t0 = 0, sleeps0 = 0, cpu0 = 0;
	struct pp_stats ps = { 0 };
	int err = flipcall_endpoint_connect(ep);

	for (i = 1; i < n + n / 10 && !err; i++) {
		if (i == n / 10) {	/* the first tenth warms up */
			t0 = pp_now_ns();
			cpu0 = pp_cpu_ns();
			flipcall_endpoint_stats(ep, &st);
			sleeps0 = st.sleeps;
		}
		err = flipcall_endpoint_send_recv(ep, 0);
		err = err > 0 ? 0 : err;
	}
	if (err)
		return err;
	flipcall_endpoint_stats(ep, &st);
	ps.waits = n;
	ps.sleeps = st.sleeps - sleeps0;
	pp_report("lib", &ps, (pp_now_ns() - t0) / n, (pp_cpu_ns() - cpu0) / n);
	return 0;
}

static int server_loop(struct flipcall_endpoint *ep, long delay_us)
{
	uint64_t rts = 0, cpu0;
	int err = flipcall_endpoint_recv_first(ep);

	/* From the first datagram on: the process's start-up is not a cost
	 * of the hand-off.
	 */
	cpu0 = pp_cpu_ns();
	while (err >= 0) {
		pp_server_delay(delay_us);
		err = flipcall_endpoint_send_recv(ep, 0);
		rts++;
	}
	if (err != -ESHUTDOWN)
		return err;
	printf("server_cpu_ns=%llu\n",
	       (unsigned long long)((pp_cpu_ns() - cpu0) / (rts ? rts : 1)));
	return 0;
}

int pp_lib_run(int fd, int client, uint64_t n, const char *policy,
	       int no_yield, long delay_us)
{
	struct flipcall_endpoint *ep;
	int err = open_endpoint(fd, client, policy, no_yield, &ep);

	if (err) {
		fprintf(stderr, "pingpong-c: endpoint: %s\n", strerror(-err));
		return err;
	}
	err = client ? client_loop(ep, n) : server_loop(ep, delay_us);
	if (client)
		flipcall_endpoint_shutdown(ep);
	flipcall_endpoint_destroy(ep);
	if (err)
		fprintf(stderr, "pingpong-c: %s\n", strerror(-err));
	return err;
}
