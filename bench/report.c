// SPDX-License-Identifier: GPL-2.0
/*
 * Derived numbers (ratios, per-round-trip counts, same-CPU shares), the
 * table, the target verdicts and the JSON file.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "report.h"

static const char compares[] =
	"round trip = client sends payload, server reads it and replies with the "
	"same size, client reads it; two processes; ratio = RT / RT of the raw "
	"futex ping-pong (gVisor's protocol, no library) on the same placement "
	"and payload";

static const char *const targets[] = {
	"native: lib-futex within 10% of futex (ratio <= 1.10) on every placement",
	"native: lib-futex ahead of pipe and unix on every placement",
	"VM base kernel: ioctl <= 0.5 x futex unpinned and cross-CPU",
	"VM base kernel: ioctl <= 1.0 x futex same-CPU",
};

static struct bench_clock clk;

void report_set_clock(const struct bench_clock *clock)
{
	clk = *clock;
}

void init_placements(struct placement pl[3])
{
	int cpus[2] = { -1, -1 }, n = 0, c;
	cpu_set_t set;

	if (!sched_getaffinity(0, sizeof(set), &set))
		for (c = 0; c < CPU_SETSIZE && n < 2; c++)
			if (CPU_ISSET(c, &set))
				cpus[n++] = c;
	pl[0] = (struct placement){ "same", cpus[0], cpus[0], n < 1 };
	pl[1] = (struct placement){ "cross", cpus[0], cpus[1], n < 2 };
	pl[2] = (struct placement){ "unpinned", -1, -1, 0 };
}

int read_fdinfo_wakes(int fd, uint64_t *wakes, uint64_t *same_cpu)
{
	unsigned long long v;
	char path[64], line[256];
	int found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "flipcall-wakes: %llu", &v) == 1) {
			*wakes = v;
			found |= 1;
		} else if (sscanf(line, "flipcall-wakes-same-cpu: %llu",
				  &v) == 1) {
			*same_cpu = v;
			found |= 2;
		}
	}
	fclose(f);
	return found == 3 ? 0 : -ENOENT;
}

static const struct result *find(const struct result *all, size_t count,
				 const char *mech, uint32_t payload,
				 const struct placement *pl)
{
	size_t i;

	for (i = 0; i < count; i++)
		if (!strcmp(all[i].mech->name, mech) &&
		    all[i].payload == payload && all[i].placement == pl &&
		    !all[i].skipped && !all[i].error)
			return &all[i];
	return NULL;
}

static int valid(const struct result *r)
{
	return r && !r->skipped && !r->error;
}

static double ratio(const struct result *r, const struct result *all,
		    size_t count)
{
	const struct result *base = find(all, count, "futex", r->payload,
					 r->placement);

	return valid(r) && base && base->median_ns ?
		(double)r->median_ns / (double)base->median_ns : -1;
}

static double per_rt(const struct result *r, uint64_t client, uint64_t server)
{
	return r->total ? (double)(client + server) / (double)r->total : 0;
}

static double share(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : -1;
}

static double woke_same_cpu(const struct result *r)
{
	return share(r->side[0].woke_on_waker_cpu + r->side[1].woke_on_waker_cpu,
		     r->side[0].wakes + r->side[1].wakes);
}

static double device_same_cpu(const struct result *r)
{
	if (!r->side[0].dev_stats || !r->side[1].dev_stats)
		return -1;
	return share(r->side[0].dev_wakes_same_cpu + r->side[1].dev_wakes_same_cpu,
		     r->side[0].dev_wakes + r->side[1].dev_wakes);
}

void print_header(uint64_t iterations, unsigned int runs)
{
	struct utsname u;
	size_t i;

	uname(&u);
	printf("flipcall-bench on %s %s: %llu round trips x %u runs (median)\n",
	       u.sysname, u.release, (unsigned long long)iterations, runs);
	printf("compares: %s\n", compares);
	for (i = 0; i < sizeof(targets) / sizeof(targets[0]); i++)
		printf("target: %s\n", targets[i]);
	if (clk.calibrated)
		printf("clock: %s; calibration: a loop of %llu instructions took %llu ns (%.4f ns/instruction)\n",
		       clk.icount ? "guest instructions (qemu -icount shift=0)" : "wall",
		       (unsigned long long)clk.cal.loop_instructions,
		       (unsigned long long)clk.cal.loop_ns,
		       clk.cal.ns_per_instruction);
	printf("\n%-15s %7s %-9s %10s %7s %9s %8s %9s %9s\n", "mechanism",
	       "payload", "placement", clk.icount ? "insns/RT" : "RT ns",
	       "xfutex", "syscalls", "nvcsw",
	       "same-cpu%", "dev-same%");
}

static void print_pct(double v)
{
	if (v < 0)
		printf(" %9s", "-");
	else
		printf(" %9.1f", v);
}

void print_row(const struct result *r, const struct result *all,
	       size_t count)
{
	double x = ratio(r, all, count);

	printf("%-15s %7u %-9s ", r->mech->name, r->payload,
	       r->placement->name);
	if (r->skipped || r->error) {
		printf("%s: %s\n", r->skipped ? "skipped" : "FAILED",
		       strerror(-(r->skipped ? r->skipped : r->error)));
		return;
	}
	printf("%10llu", (unsigned long long)r->median_ns);
	if (x < 0)
		printf(" %7s", "-");
	else
		printf(" %7.2f", x);
	printf(" %9.2f %8.2f",
	       per_rt(r, r->side[0].syscalls, r->side[1].syscalls),
	       per_rt(r, r->side[0].nvcsw, r->side[1].nvcsw));
	print_pct(woke_same_cpu(r));
	print_pct(device_same_cpu(r));
	printf("\n");
	fflush(stdout);
}

static const char *verdict(int ok)
{
	return ok ? "met" : "MISSED";
}

/* One line per target, placement and payload that has the numbers. */
void print_targets(const struct result *all, size_t count)
{
	const struct result *lib, *futex, *pipe, *unx, *ioctl;
	size_t i;
	int header = 0;

	for (i = 0; i < count; i++) {
		const struct result *r = &all[i];

		if (strcmp(r->mech->name, "futex") || !valid(r))
			continue;
		futex = r;
		lib = find(all, count, "lib-futex", r->payload, r->placement);
		pipe = find(all, count, "pipe", r->payload, r->placement);
		unx = find(all, count, "unix", r->payload, r->placement);
		ioctl = find(all, count, "ioctl", r->payload, r->placement);
		if (!header++)
			printf("\ntargets:\n");
		if (lib)
			printf("  lib-futex/futex %-9s %4u B: %.2f (<= 1.10) %s\n",
			       r->placement->name, r->payload,
			       (double)lib->median_ns / futex->median_ns,
			       verdict(lib->median_ns * 100 <=
				       futex->median_ns * 110));
		if (lib && pipe && unx)
			printf("  lib-futex vs pipe, unix %-9s %4u B: %llu vs %llu, %llu ns %s\n",
			       r->placement->name, r->payload,
			       (unsigned long long)lib->median_ns,
			       (unsigned long long)pipe->median_ns,
			       (unsigned long long)unx->median_ns,
			       verdict(lib->median_ns < pipe->median_ns &&
				       lib->median_ns < unx->median_ns));
		if (ioctl) {
			int same = !strcmp(r->placement->name, "same");

			printf("  ioctl/futex %-9s %4u B: %.2f (<= %s) %s\n",
			       r->placement->name, r->payload,
			       (double)ioctl->median_ns / futex->median_ns,
			       same ? "1.0" : "0.5",
			       verdict(same ? ioctl->median_ns <= futex->median_ns :
				       ioctl->median_ns * 2 <= futex->median_ns));
		}
	}
}

static void json_number(FILE *f, const char *key, double v, const char *end)
{
	if (v < 0)
		fprintf(f, "\"%s\": null%s", key, end);
	else
		fprintf(f, "\"%s\": %.4f%s", key, v, end);
}

static void json_result(FILE *f, const struct result *r,
			const struct result *all, size_t count)
{
	unsigned int i;

	fprintf(f, "    {\"mechanism\": \"%s\", \"description\": \"%s\", "
		"\"payload\": %u, \"placement\": \"%s\", ",
		r->mech->name, r->mech->what, r->payload, r->placement->name);
	if (r->skipped || r->error) {
		fprintf(f, "\"status\": \"%s\", \"errno\": %d}",
			r->skipped ? "skipped" : "failed",
			-(r->skipped ? r->skipped : r->error));
		return;
	}
	fprintf(f, "\"status\": \"ok\", \"rt_ns_median\": %llu, \"rt_ns_runs\": [",
		(unsigned long long)r->median_ns);
	for (i = 0; i < r->runs; i++)
		fprintf(f, "%s%llu", i ? ", " : "",
			(unsigned long long)r->run_ns[i]);
	fprintf(f, "], ");
	if (clk.icount)
		fprintf(f, "\"guest_instructions_per_rt\": %llu, ",
			(unsigned long long)r->median_ns);
	json_number(f, "ratio_to_futex", ratio(r, all, count), ", ");
	json_number(f, "syscalls_per_rt",
		    per_rt(r, r->side[0].syscalls, r->side[1].syscalls), ", ");
	json_number(f, "nvcsw_per_rt",
		    per_rt(r, r->side[0].nvcsw, r->side[1].nvcsw), ", ");
	json_number(f, "wakes_same_cpu_pct", woke_same_cpu(r), ", ");
	json_number(f, "device_wakes_same_cpu_pct", device_same_cpu(r), "}");
}

int write_json(const char *path, const struct result *all, size_t count,
	       uint64_t iterations, unsigned int runs)
{
	FILE *f = fopen(path, "w");
	struct utsname u;
	size_t i;

	if (!f) {
		perror(path);
		return -1;
	}
	uname(&u);
	fprintf(f, "{\n  \"benchmark\": \"flipcall-bench\",\n"
		"  \"kernel\": \"%s\",\n  \"machine\": \"%s\",\n"
		"  \"iterations\": %llu,\n  \"runs\": %u,\n"
		"  \"clock\": \"%s\",\n"
		"  \"compares\": \"%s\",\n",
		u.release, u.machine, (unsigned long long)iterations, runs,
		clk.icount ? "icount" : "wall", compares);
	if (clk.calibrated)
		fprintf(f, "  \"calibration\": {\"loop_instructions\": %llu, "
			"\"loop_ns\": %llu, \"ns_per_instruction\": %.6f, "
			"\"counts_instructions\": %s},\n",
			(unsigned long long)clk.cal.loop_instructions,
			(unsigned long long)clk.cal.loop_ns,
			clk.cal.ns_per_instruction,
			clk.cal.counts_instructions ? "true" : "false");
	fprintf(f, "  \"targets\": [\n");
	for (i = 0; i < sizeof(targets) / sizeof(targets[0]); i++)
		fprintf(f, "    \"%s\"%s\n", targets[i],
			i + 1 < sizeof(targets) / sizeof(targets[0]) ? "," : "");
	fprintf(f, "  ],\n  \"results\": [\n");
	for (i = 0; i < count; i++) {
		json_result(f, &all[i], all, count);
		fprintf(f, "%s\n", i + 1 < count ? "," : "");
	}
	fprintf(f, "  ]\n}\n");
	return fclose(f) ? -1 : 0;
}
