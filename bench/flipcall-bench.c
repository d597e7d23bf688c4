// SPDX-License-Identifier: GPL-2.0
/*
 * flipcall-bench: synchronous round-trip latency between two processes
 * over flipcall and the usual alternatives, for every payload size and CPU
 * placement asked for. Prints a table and optionally writes JSON.
 *
 * What it compares (and the targets it checks, see print_targets()):
 * the wake-peer ioctl and libflipcall against the raw futex ping-pong of
 * gVisor's protocol on the same placement and payload, and against pipes,
 * eventfds and unix sockets.
 */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "pin_cpu.h"
#include "report.h"

extern const struct mechanism mech_ioctl, mech_ioctl_spin, mech_futex,
	mech_lib_futex, mech_lib_futex_adaptive, mech_lib_futex_spin,
	mech_lib_device, mech_pipe, mech_eventfd, mech_unix;

const struct mechanism *const bench_mechanisms[] = {
	&mech_ioctl, &mech_ioctl_spin, &mech_futex, &mech_lib_futex,
	&mech_lib_futex_adaptive, &mech_lib_futex_spin, &mech_lib_device,
	&mech_pipe, &mech_eventfd, &mech_unix, NULL,
};

struct shared_page {
	int waker_cpu[2];	/* CPU a side was on just before waking */
	struct side_report rep[2];
};

struct options {
	uint64_t iterations;
	unsigned int runs;
	int icount;
	const char *mechanisms, *payloads, *placements, *json;
};

static struct shared_page *sh;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint64_t nvcsw(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (uint64_t)ru.ru_nvcsw;
}

static void note_before_wake(int side)
{
	__atomic_store_n(&sh->waker_cpu[side], sched_getcpu(),
			 __ATOMIC_RELEASE);
}

static void note_woken(int side, struct side_report *rep)
{
	rep->wakes++;
	rep->woke_on_waker_cpu += sched_getcpu() ==
		__atomic_load_n(&sh->waker_cpu[!side], __ATOMIC_ACQUIRE);
}

static unsigned char payload_out[BENCH_MAX_PAYLOAD], payload_in[BENCH_MAX_PAYLOAD];

/* Read the message back out, then copy the next one in. */
static int exchange_payload(struct mech_state *st, int got)
{
	if (got < 0)
		return got;
	if ((uint32_t)got != st->payload)
		return -EBADMSG;
	memcpy(payload_in, st->buf, st->payload);
	memcpy(st->buf, payload_out, st->payload);
	return 0;
}

static void finish_report(const struct mechanism *m, struct mech_state *st,
			  struct side_report *rep, uint64_t csw0)
{
	int fd = m->device_fd ? m->device_fd(st) : -1;

	rep->nvcsw = nvcsw() - csw0;
	rep->syscalls = m->syscalls ? m->syscalls(st) : st->syscalls;
	if (fd >= 0)
		rep->dev_stats = read_fdinfo_wakes(fd, &rep->dev_wakes,
						   &rep->dev_wakes_same_cpu) == 0;
}

static int serve(const struct mechanism *m, struct mech_state *st,
		 uint64_t total)
{
	struct side_report *rep = &sh->rep[BENCH_SERVER];
	uint64_t i, csw0 = nvcsw();
	int err, got;

	got = m->server_first(st);
	for (i = 1;; i++) {
		note_woken(BENCH_SERVER, rep);
		err = exchange_payload(st, got);
		if (err)
			return err;
		note_before_wake(BENCH_SERVER);
		if (i == total)
			break;
		got = m->server_reply(st, st->payload);
	}
	err = m->server_last(st, st->payload);
	finish_report(m, st, rep, csw0);
	return err < 0 ? err : 0;
}

static int client(const struct mechanism *m, struct mech_state *st,
		  uint64_t warmup, uint64_t n, unsigned int runs,
		  uint64_t *run_ns)
{
	struct side_report *rep = &sh->rep[BENCH_CLIENT];
	uint64_t i, t0, csw0 = nvcsw();
	unsigned int r;
	int err = 0;

	memcpy(st->buf, payload_out, st->payload);
	for (r = 0; r <= runs && !err; r++) {
		uint64_t count = r ? n : warmup;

		t0 = now_ns();
		for (i = 0; i < count && !err; i++) {
			note_before_wake(BENCH_CLIENT);
			err = exchange_payload(st, m->client_call(st,
								  st->payload));
			note_woken(BENCH_CLIENT, rep);
		}
		if (r)
			run_ns[r - 1] = (now_ns() - t0) / n;
	}
	finish_report(m, st, rep, csw0);
	return err;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void run_config(const struct options *o, const struct mechanism *m,
		       uint32_t payload, const struct placement *pl,
		       struct result *res)
{
	uint64_t warmup = o->iterations / 10 + 1;
	uint64_t total = warmup + o->iterations * o->runs;
	struct mech_state st;
	int status, err;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	res->mech = m;
	res->payload = payload;
	res->placement = pl;
	res->runs = o->runs;
	memset(sh, 0, sizeof(*sh));
	memset(&st, 0, sizeof(st));
	st.payload = payload;
	err = m->setup(m, &st);
	if (err) {
		res->skipped = err;
		return;
	}
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		st.side = BENCH_SERVER;
		err = bench_pin_cpu(pl->server_cpu);
		if (!err)
			err = m->open_side(m, &st);
		if (!err)
			err = serve(m, &st, total);
		sh->rep[BENCH_SERVER].error = err;
		m->close_side(&st);
		_exit(err ? 1 : 0);
	}
	st.side = BENCH_CLIENT;
	err = pid < 0 ? -errno : bench_pin_cpu(pl->client_cpu);
	if (!err)
		err = m->open_side(m, &st);
	if (!err)
		err = client(m, &st, warmup, o->iterations, o->runs, res->run_ns);
	if (err && pid > 0)
		kill(pid, SIGKILL);
	m->close_side(&st);
	if (pid > 0)
		waitpid(pid, &status, 0);
	res->error = err ? err : sh->rep[BENCH_SERVER].error;
	if (res->error)
		return;
	memcpy(res->sorted_ns, res->run_ns, sizeof(res->run_ns));
	qsort(res->sorted_ns, o->runs, sizeof(uint64_t), cmp_u64);
	res->median_ns = o->runs % 2 ? res->sorted_ns[o->runs / 2] :
		(res->sorted_ns[o->runs / 2 - 1] + res->sorted_ns[o->runs / 2]) / 2;
	res->total = total;
	res->side[0] = sh->rep[0];
	res->side[1] = sh->rep[1];
}

static int listed(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *p;

	if (!list)
		return 1;
	for (p = list; (p = strstr(p, name)); p += n)
		if ((p == list || p[-1] == ',') && (p[n] == ',' || !p[n]))
			return 1;
	return 0;
}

static void usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s [-n iterations] [-r runs] [-m mechanisms] [-p payloads]\n"
		"          [-P placements] [-j json-file] [-I]\n"
		"  -n  round trips per run (default 20000; use ~1000 under TCG)\n"
		"  -r  runs per configuration; the median is reported (default 5)\n"
		"  -m  comma list of: ioctl,ioctl-spin,futex,lib-futex,\n"
		"      lib-futex-adapt,lib-futex-spin,\n"
		"      lib-device,pipe,eventfd,unix (default: all)\n"
		"  -p  comma list of payload bytes from 0,64,4096 (default: all)\n"
		"  -P  comma list of: same,cross,unpinned (default: all)\n"
		"  -I  the clock counts guest instructions (qemu -icount shift=0):\n"
		"      report instructions per round trip (checked by a calibration loop)\n",
		argv0);
}

/*
 * The VM runs benchmark programs without arguments, in a directory whose
 * files come back to the host; its static build sets these.
 */
#ifndef BENCH_DEFAULT_ITERATIONS
#define BENCH_DEFAULT_ITERATIONS 20000
#endif
#ifndef BENCH_DEFAULT_JSON
#define BENCH_DEFAULT_JSON NULL
#endif

static int parse(int argc, char **argv, struct options *o)
{
	int c;

	o->iterations = BENCH_DEFAULT_ITERATIONS;
	o->runs = 5;
	o->json = BENCH_DEFAULT_JSON;
	while ((c = getopt(argc, argv, "n:r:m:p:P:j:Ih")) != -1) {
		switch (c) {
		case 'n':
			o->iterations = strtoull(optarg, NULL, 10);
			break;
		case 'r':
			o->runs = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 'm':
			o->mechanisms = optarg;
			break;
		case 'p':
			o->payloads = optarg;
			break;
		case 'P':
			o->placements = optarg;
			break;
		case 'j':
			o->json = optarg;
			break;
		case 'I':
			o->icount = 1;
			break;
		default:
			usage(argv[0]);
			return -1;
		}
	}
	if (!o->iterations || !o->runs || o->runs > MAX_RUNS) {
		fprintf(stderr, "need -n > 0 and 0 < -r <= %d\n", MAX_RUNS);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const uint32_t payloads[] = { 0, 64, 4096 };
	struct placement placements[3];
	struct result *results;
	struct options o = { 0 };
	struct bench_clock clock = { 0 };
	size_t i, p, l, count = 0;
	char name[16];

	if (parse(argc, argv, &o))
		return 2;
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return 1;
	for (i = 0; i < sizeof(payload_out); i++)
		payload_out[i] = (unsigned char)(i * 13 + 1);
	init_placements(placements);
	clock.icount = o.icount;
	clock.calibrated = icount_calibrate(&clock.cal) == 0;
	/* Instruction counts from a clock that does not count them would be
	 * numbers that look right and mean nothing.
	 */
	if (o.icount && (!clock.calibrated || !clock.cal.counts_instructions)) {
		fprintf(stderr, "flipcall-bench: -I, but this clock does not count instructions (%.4f ns per instruction of the calibration loop; qemu -icount shift=0 gives 1)\n",
			clock.calibrated ? clock.cal.ns_per_instruction : 0.0);
		return 1;
	}
	report_set_clock(&clock);
	results = calloc(3 * 3 * 16, sizeof(*results));
	if (!results)
		return 1;
	print_header(o.iterations, o.runs);
	for (l = 0; l < 3; l++) {
		if (!listed(o.placements, placements[l].name) ||
		    placements[l].unavailable)
			continue;
		for (p = 0; p < 3; p++) {
			snprintf(name, sizeof(name), "%u", payloads[p]);
			if (!listed(o.payloads, name))
				continue;
			size_t group = count;

			for (i = 0; bench_mechanisms[i]; i++) {
				if (!listed(o.mechanisms, bench_mechanisms[i]->name))
					continue;
				run_config(&o, bench_mechanisms[i], payloads[p],
					   &placements[l], &results[count++]);
			}
			/* Rows need the group's futex baseline for ratios. */
			for (; group < count; group++)
				print_row(&results[group], results, count);
		}
	}
	print_targets(results, count);
	if (o.json && write_json(o.json, results, count, o.iterations, o.runs))
		return 1;
	free(results);
	return 0;
}
