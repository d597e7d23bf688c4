// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lisafs benchmark: FStat latency, 4 KiB PRead latency and 1 MiB PRead
 * throughput, over the socket, a futex channel in each wait policy
 * (default = adaptive, sleep = never spin, spin = always), and a device
 * channel when /dev/flipcall is there. Each row has its own server
 * process; rows run interleaved in rounds and report their median round,
 * so load from other processes hits every row alike. Besides the latency
 * it reports the CPU time both processes used per FStat and per 4 KiB
 * PRead (all their threads, from /proc/PID/task/TID/schedstat), which is
 * what spinning costs. Prints a table, ratios against the socket row of
 * the same run, and JSON.
 *
 *   lisafs_bench [-P same|cross|any] [-r rounds] [-t seconds-per-measure]
 *                [-j json-file] [-I]
 *
 * -I (in make bench-vm's icount boot): the clock counts guest instructions,
 * checked by bench/icount.c's calibration loop; times are instructions.
 * -P pins the client to CPU 0 and every server process to CPU 0 (same) or
 * CPU 1 (cross); "any" leaves placement to the scheduler.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <flipcall/lisafs.h>

#include "lisafs_test_util.h"
#include "icount.h"
#include "pin_cpu.h"

#define MAX_ROUNDS	32
#define SPIN_NS		50000
#define BIG		(1U << 20)

enum { ROW_SOCKET, ROW_FUTEX, ROW_FUTEX_SLEEP, ROW_FUTEX_SPIN, ROW_DEVICE,
       ROW_DEVICE_SPIN, N_ROWS };
/* The measured metrics first; the CPU columns come with the first two. */
enum { M_FSTAT, M_PREAD4K, M_PREAD1M, M_FSTAT_CPU, M_PREAD4K_CPU,
       N_METRICS };
#define N_MEASURED	(M_PREAD1M + 1)

static const char *const row_names[N_ROWS] = {
	"socket", "futex", "futex-sleep", "futex-spin", "device", "device-spin",
};
static const char *const metric_names[N_METRICS] = {
	"fstat_ns", "pread_4k_ns", "pread_1m_mbps", "fstat_cpu_ns",
	"pread_4k_cpu_ns",
};

struct row {
	bool skipped;
	const char *why;
	pid_t server;
	struct lisafs_client *c;
	uint64_t root, file_ofd;
	double samples[N_METRICS][MAX_ROUNDS];
};

static double seconds = 0.2;
static int rounds = 5;
static const char *placement = "any";
static int client_cpu = -1, server_cpu = -1;


static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(const double *v, int n)
{
	double tmp[MAX_ROUNDS];

	memcpy(tmp, v, n * sizeof(*v));
	qsort(tmp, n, sizeof(*tmp), cmp_double);
	return n % 2 ? tmp[n / 2] : (tmp[n / 2 - 1] + tmp[n / 2]) / 2;
}

static int start_row(struct row *r, int kind, const char *dir)
{
	struct lisafs_server_options so = { .size = sizeof(so) };
	struct lisafs_client_options co = { .size = sizeof(co), .channels = 1 };
	struct lisafs_inode root, ino;
	const char *names[1] = { "data" };
	int sock, futex = 0, device = 0, err;
	size_t n;
	uint8_t st;

	if (kind == ROW_SOCKET)
		co.flags = LISAFS_CLIENT_NO_CHANNELS;
	if (kind == ROW_FUTEX || kind == ROW_FUTEX_SLEEP ||
	    kind == ROW_FUTEX_SPIN) {
		co.flags = LISAFS_CLIENT_NO_DEVICE;
		so.flags = LISAFS_SERVER_NO_DEVICE;
	}
	if (kind == ROW_FUTEX_SLEEP)
		so.wait_policy = co.wait_policy = FLIPCALL_WAIT_SLEEP;
	if (kind == ROW_FUTEX_SPIN)
		so.wait_policy = co.wait_policy = FLIPCALL_WAIT_SPIN;
	if (kind == ROW_FUTEX_SPIN || kind == ROW_DEVICE_SPIN)
		so.spin_ns = co.spin_ns = SPIN_NS;
	if ((kind == ROW_DEVICE || kind == ROW_DEVICE_SPIN) &&
	    access("/dev/flipcall", R_OK | W_OK)) {
		r->skipped = true;
		r->why = "no /dev/flipcall";
		return 0;
	}
	/* The server process inherits the CPU it is forked on. */
	err = bench_pin_cpu(server_cpu);
	if (err)
		return err;
	sock = lt_fork_server(dir, &so, &r->server);
	if (sock < 0)
		return sock;
	err = bench_pin_cpu(client_cpu);
	if (err)
		return err;
	err = lisafs_client_connect(sock, &co, &r->c, &root);
	if (err)
		return err;
	lisafs_client_channels(r->c, &futex, &device);
	if ((kind == ROW_DEVICE || kind == ROW_DEVICE_SPIN) && device != 1) {
		r->skipped = true;
		r->why = "server offered no device channel";
		return 0;
	}
	r->root = root.fdid;
	err = lisafs_client_walk(r->c, root.fdid, names, 1, &ino, &n, &st);
	if (err || n != 1)
		return err ? err : -ENOENT;
	return lisafs_client_openat(r->c, ino.fdid, O_RDONLY, &r->file_ofd,
				    NULL);
}

/* CPU time (ns) all threads of pid have used so far; 0 if unknown. */
static uint64_t process_cpu_ns(pid_t pid)
{
	char path[64];
	uint64_t sum = 0;
	struct dirent *d;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	if (!dir)
		return 0;
	while ((d = readdir(dir))) {
		unsigned long long ns;
		FILE *f;

		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%.16s/schedstat",
			 (int)pid, d->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fscanf(f, "%llu", &ns) == 1)
			sum += ns;
		fclose(f);
	}
	closedir(dir);
	return sum;
}

static uint64_t row_cpu_ns(const struct row *r)
{
	return process_cpu_ns(getpid()) + process_cpu_ns(r->server);
}

/*
 * Runs one metric for `seconds`; returns ns per op or MB/s, and stores the
 * CPU time of both sides per op in *cpu_per_op.
 */
static double measure(struct row *r, int metric, char *buf,
		      double *cpu_per_op)
{
	double start = now(), end = start + seconds, t;
	uint64_t cpu0 = row_cpu_ns(r);
	unsigned long ops = 0;
	struct statx st;

	do {
		for (int i = 0; i < 16; i++) {
			ssize_t got = 0;

			switch (metric) {
			case M_FSTAT:
				got = lisafs_client_fstat(r->c, r->root, &st);
				break;
			case M_PREAD4K:
				got = lisafs_client_pread(r->c, r->file_ofd,
							  buf, 4096, 0) - 4096;
				break;
			case M_PREAD1M:
				got = lisafs_client_pread(r->c, r->file_ofd,
							  buf, BIG, 0) - BIG;
				break;
			}
			if (got) {
				fprintf(stderr, "%s: call failed (%zd)\n",
					"row", got);
				return -1;
			}
			ops++;
		}
		t = now();
	} while (t < end);
	*cpu_per_op = (double)(row_cpu_ns(r) - cpu0) / ops;
	if (metric == M_PREAD1M)
		return ops * (double)BIG / (t - start) / 1e6;
	return (t - start) * 1e9 / ops;
}

/* -I: the clock counts guest instructions (qemu -icount shift=0). */
static int icount;

static const char *time_unit(void)
{
	return icount ? "insns" : "ns";
}

/* A ratio to the socket row, or NaN where that row measured nothing. */
static double ratio_to(double v, double base)
{
	return base > 0 ? v / base : NAN;
}

static void write_json(FILE *f, struct row *rows)
{
	fprintf(f, "{\"benchmark\": \"lisafs\", \"placement\": \"%s\", "
		"\"clock\": \"%s\", \"rounds\": %d, "
		"\"seconds_per_measure\": %.3f, \"rows\": [\n", placement,
		icount ? "icount" : "wall", rounds, seconds);
	for (int i = 0; i < N_ROWS; i++) {
		fprintf(f, "  {\"transport\": \"%s\"", row_names[i]);
		if (rows[i].skipped) {
			fprintf(f, ", \"skipped\": \"%s\"}", rows[i].why);
		} else {
			for (int m = 0; m < N_METRICS; m++) {
				double v = median(rows[i].samples[m], rounds);
				double base = median(rows[0].samples[m], rounds);

				double r = ratio_to(v, base);

				fprintf(f, ", \"%s\": %.1f, \"%s_vs_socket\": ",
					metric_names[m], v, metric_names[m]);
				if (isnan(r))
					fprintf(f, "null");
				else
					fprintf(f, "%.3f", r);
			}
			fprintf(f, "}");
		}
		fprintf(f, "%s\n", i + 1 < N_ROWS ? "," : "");
	}
	fprintf(f, "]}\n");
}

static void measure_into(struct row *r, int m, int round, char *buf)
{
	double cpu = 0;

	if (r->skipped)
		return;
	r->samples[m][round] = measure(r, m, buf, &cpu);
	if (m == M_FSTAT)
		r->samples[M_FSTAT_CPU][round] = cpu;
	if (m == M_PREAD4K)
		r->samples[M_PREAD4K_CPU][round] = cpu;
}

static void print_table(struct row *rows)
{
	char fstat_h[16], pread_h[16];

	snprintf(fstat_h, sizeof(fstat_h), "FStat %s", time_unit());
	snprintf(pread_h, sizeof(pread_h), "PRead4K %s", time_unit());
	printf("%-12s %10s %6s %10s %6s %10s %6s %11s %6s %11s %6s\n",
	       "transport", fstat_h, "ratio", pread_h, "ratio",
	       icount ? "1M MB/Gins" : "1M MB/s", "ratio", "FStat CPU",
	       "ratio", "PRead4K CPU", "ratio");
	for (int i = 0; i < N_ROWS; i++) {
		if (rows[i].skipped) {
			printf("%-12s skipped: %s\n", row_names[i], rows[i].why);
			continue;
		}
		printf("%-12s", row_names[i]);
		for (int m = 0; m < N_METRICS; m++) {
			double v = median(rows[i].samples[m], rounds);

			double r = ratio_to(v, median(rows[0].samples[m],
						      rounds));

			if (isnan(r))
				printf(" %*.0f %6s", m >= M_FSTAT_CPU ? 11 : 10,
				       v, "-");
			else
				printf(" %*.0f %6.2f", m >= M_FSTAT_CPU ? 11 : 10,
				       v, r);
		}
		printf("\n");
	}
	printf("(CPU: ns of CPU time, client and server together, per call;"
	       " 0 where the kernel does not account it finely)\n");
}

static void print_targets(struct row *rows)
{
	double sock = median(rows[ROW_SOCKET].samples[M_FSTAT], rounds);
	static const int futex_rows[] = { ROW_FUTEX, ROW_FUTEX_SLEEP,
					  ROW_FUTEX_SPIN };

	printf("\ntarget: futex channel FStat <= 1/3 of socket FStat:");
	for (size_t k = 0; k < 3; k++) {
		double v = median(rows[futex_rows[k]].samples[M_FSTAT],
				  rounds);

		printf(" %s %.2f %s", row_names[futex_rows[k]], v / sock,
		       v * 3 <= sock ? "met" : "NOT met");
	}
	printf("\n");
	if (!rows[ROW_DEVICE].skipped) {
		double fut = median(rows[ROW_FUTEX_SLEEP].samples[M_FSTAT],
				    rounds);
		double dev = median(rows[ROW_DEVICE].samples[M_FSTAT], rounds);

		printf("target: device channel no slower than futex-sleep: "
		       "%.2f %s\n", dev / fut,
		       dev <= fut * 1.05 ? "met" : "NOT met");
	}
}

int main(int argc, char **argv)
{
	static struct row rows[N_ROWS];
	char dir[] = "/tmp/lisafs-bench-XXXXXX", path[64];
	const char *json = NULL;
	char *buf;
	int opt, fd;

	while ((opt = getopt(argc, argv, "P:r:t:j:I")) != -1) {
		switch (opt) {
		case 'I': icount = 1; break;
		case 'P': placement = optarg; break;
		case 'r': rounds = atoi(optarg); break;
		case 't': seconds = atof(optarg); break;
		case 'j': json = optarg; break;
		default:
			fprintf(stderr, "usage: %s [-P same|cross|any] "
				"[-r rounds] [-t seconds] [-j json] [-I]\n",
				argv[0]);
			return 2;
		}
	}
	if (rounds < 1 || rounds > MAX_ROUNDS || seconds <= 0)
		return 2;
	if (icount) {
		struct icount_calibration cal;

		if (icount_calibrate(&cal) || !cal.counts_instructions) {
			fprintf(stderr, "lisafs-bench: -I, but this clock does "
				"not count instructions\n");
			return 2;
		}
		printf("clock: guest instructions (qemu -icount shift=0); "
		       "calibration: %.4f ns/instruction\n",
		       cal.ns_per_instruction);
	}
	if (!strcmp(placement, "same")) {
		client_cpu = server_cpu = 0;
	} else if (!strcmp(placement, "cross")) {
		if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
			printf("lisafs-bench: cross placement skipped: one CPU\n");
			return 0;
		}
		client_cpu = 0;
		server_cpu = 1;
	} else if (strcmp(placement, "any")) {
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	buf = malloc(BIG);
	if (!buf || !mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/data", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	memset(buf, 'x', BIG);
	if (fd < 0 || write(fd, buf, BIG) != BIG)
		return 1;
	close(fd);
	for (int i = 0; i < N_ROWS; i++) {
		int err = start_row(&rows[i], i, dir);

		if (err) {
			fprintf(stderr, "%s: setup: %s\n", row_names[i],
				strerror(-err));
			return 1;
		}
	}
	for (int round = 0; round < rounds; round++)
		for (int m = 0; m < N_MEASURED; m++)
			for (int i = 0; i < N_ROWS; i++)
				measure_into(&rows[i], m, round, buf);

	printf("lisafs-bench (placement %s): median of %d rounds of %.2f s "
	       "per measure; ratios against the socket row of this run\n",
	       placement, rounds, seconds);
	print_table(rows);
	print_targets(rows);
	write_json(stdout, rows);
	if (json) {
		FILE *f = fopen(json, "w");

		if (f) {
			write_json(f, rows);
			fclose(f);
		}
	}
	for (int i = 0; i < N_ROWS; i++) {
		if (rows[i].c)
			lisafs_client_destroy(rows[i].c);
		if (rows[i].server > 0)
			waitpid(rows[i].server, NULL, 0);
	}
	unlink(path);
	rmdir(dir);
	free(buf);
	return 0;
}
