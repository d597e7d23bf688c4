// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * urpc benchmark: calls per second and latency of a small echo method with 1
 * and 8 concurrent clients, beside a raw unix-socket echo of the same bytes
 * in the same run (a thread per connection that writes back what it reads).
 * The servers run in a child process. Prints one table: calls/s is the
 * median over the rounds, latencies are over all calls.
 *
 *   urpc_bench [rounds, default 5] [seconds per round, default 0.5]
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <json-c/json.h>
#include <flipcall/urpc.h>

#define ARG_TEXT	"{\"S\":\"hi\",\"I\":1}"
#define CALL_TEXT	"{\"method\":\"Bench.Echo\",\"arg\":" ARG_TEXT "}"
#define MAX_SAMPLES	(1 << 21)

#define MAX_ROUNDS	32

/*
 * Rows run interleaved in rounds and report their median round, so that
 * load from other processes on a small machine hits every row alike.
 */
static double seconds_per_round = 0.5;
static int rounds = 5;

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int bench_echo(struct urpc_call *call, void *data)
{
	(void)data;
	return urpc_call_set_result(call, json_object_get(urpc_call_arg(call)));
}

static void *raw_echo_conn(void *arg)
{
	int fd = (int)(long)arg;
	char buf[4096];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (write(fd, buf, (size_t)n) != n)
			break;
	close(fd);
	return NULL;
}

static int listen_on(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	strncpy(addr.sun_path, path, sizeof(addr.sun_path) - 1);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) ||
	    listen(fd, 16))
		return -1;
	return fd;
}

static int connect_to(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	strncpy(addr.sun_path, path, sizeof(addr.sun_path) - 1);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)))
		return -1;
	return fd;
}

/* The child: a urpc server and a raw echo server, until killed. */
static void run_servers(const char *urpc_path, const char *raw_path, int ready)
{
	struct urpc_server *server;
	int raw = listen_on(raw_path);

	if (raw < 0 || urpc_server_new(&server) ||
	    urpc_server_register(server, "Bench.Echo", bench_echo, NULL) ||
	    urpc_server_listen(server, urpc_path))
		_exit(1);
	if (write(ready, "r", 1) != 1)
		_exit(1);
	for (;;) {
		int fd = accept4(raw, NULL, NULL, SOCK_CLOEXEC);
		pthread_t thread;

		if (fd >= 0 && !pthread_create(&thread, NULL, raw_echo_conn,
					       (void *)(long)fd))
			pthread_detach(thread);
	}
}

struct worker {
	const char *path;
	bool use_urpc;
	int64_t until;
	uint32_t *samples;	/* latency, ns */
	size_t n;
	int failed;
};

static void *raw_worker(struct worker *w)
{
	size_t len = strlen(CALL_TEXT);
	int fd = connect_to(w->path);
	char buf[256];

	if (fd < 0) {
		w->failed = 1;
		return NULL;
	}
	while (w->n < MAX_SAMPLES) {
		int64_t start = now_ns();
		size_t got = 0;

		if (write(fd, CALL_TEXT, len) != (ssize_t)len) {
			w->failed = 1;
			break;
		}
		while (got < len) {
			ssize_t n = read(fd, buf, sizeof(buf));

			if (n <= 0) {
				w->failed = 1;
				goto out;
			}
			got += (size_t)n;
		}
		w->samples[w->n++] = (uint32_t)(now_ns() - start);
		if (start > w->until)
			break;
	}
out:
	close(fd);
	return NULL;
}

static void *urpc_worker(struct worker *w)
{
	struct json_object *arg = json_tokener_parse(ARG_TEXT), *result;
	struct urpc_client *client;

	if (urpc_client_connect(w->path, &client)) {
		w->failed = 1;
		return NULL;
	}
	while (w->n < MAX_SAMPLES) {
		int64_t start = now_ns();

		if (urpc_client_call(client, "Bench.Echo", arg, &result, NULL)) {
			w->failed = 1;
			break;
		}
		json_object_put(result);
		w->samples[w->n++] = (uint32_t)(now_ns() - start);
		if (start > w->until)
			break;
	}
	urpc_client_close(client);
	json_object_put(arg);
	return NULL;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	return w->use_urpc ? urpc_worker(w) : raw_worker(w);
}

static int compare_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

struct row {
	const char *name;
	const char *path;
	bool use_urpc;
	int nclients;
	double rate[MAX_ROUNDS];	/* calls/s of each round */
	uint32_t *samples;		/* latencies of every round, ns */
	size_t nsamples;
};

/* Runs one round of a row for seconds_per_round. */
static void run_round(struct row *row, int round)
{
	struct worker w[8];
	pthread_t threads[8];
	size_t total = 0;
	int64_t start;
	int i;

	start = now_ns();
	for (i = 0; i < row->nclients; i++) {
		w[i] = (struct worker){ .path = row->path,
			.use_urpc = row->use_urpc,
			.until = start + (int64_t)(seconds_per_round * 1e9),
			.samples = malloc(MAX_SAMPLES * sizeof(uint32_t)) };
		pthread_create(&threads[i], NULL, worker_main, &w[i]);
	}
	for (i = 0; i < row->nclients; i++) {
		pthread_join(threads[i], NULL);
		total += w[i].n;
		if (w[i].failed)
			fprintf(stderr, "%s: a client failed\n", row->name);
	}
	row->rate[round] = total / ((double)(now_ns() - start) / 1e9);
	row->samples = realloc(row->samples, (row->nsamples + total) *
				sizeof(uint32_t));
	for (i = 0; i < row->nclients; i++) {
		memcpy(row->samples + row->nsamples, w[i].samples,
		       w[i].n * sizeof(uint32_t));
		row->nsamples += w[i].n;
		free(w[i].samples);
	}
}

static int compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Prints the row; returns its median rate over the rounds. */
static double print_row(struct row *row)
{
	size_t n = row->nsamples, k;
	double sum = 0, median;

	qsort(row->rate, rounds, sizeof(double), compare_double);
	median = row->rate[rounds / 2];
	for (k = 0; k < n; k++)
		sum += row->samples[k];
	qsort(row->samples, n, sizeof(uint32_t), compare_u32);
	printf("%-10s %7d %12.0f %10.2f %10.2f %10.2f\n", row->name,
	       row->nclients, median, n ? sum / n / 1e3 : 0,
	       n ? row->samples[n / 2] / 1e3 : 0,
	       n ? row->samples[n * 99 / 100] / 1e3 : 0);
	free(row->samples);
	return median;
}

int main(int argc, char **argv)
{
	char dir[] = "/tmp/urpc-bench-XXXXXX", urpc_path[64], raw_path[64];
	struct row rows[] = {
		{ .name = "raw-echo", .path = raw_path, .nclients = 1 },
		{ .name = "urpc", .path = urpc_path, .use_urpc = true, .nclients = 1 },
		{ .name = "raw-echo", .path = raw_path, .nclients = 8 },
		{ .name = "urpc", .path = urpc_path, .use_urpc = true, .nclients = 8 },
	};
	double rate[4];
	int ready[2], status, i, r;
	pid_t child;
	char c;

	if (argc > 1)
		rounds = atoi(argv[1]);
	if (argc > 2)
		seconds_per_round = atof(argv[2]);
	if (rounds < 1 || rounds > MAX_ROUNDS || seconds_per_round <= 0)
		return 2;
	if (!mkdtemp(dir) || pipe(ready))
		return 1;
	snprintf(urpc_path, sizeof(urpc_path), "%s/urpc", dir);
	snprintf(raw_path, sizeof(raw_path), "%s/raw", dir);
	child = fork();
	if (!child)
		run_servers(urpc_path, raw_path, ready[1]);
	if (child < 0 || read(ready[0], &c, 1) != 1)
		return 1;

	for (r = 0; r < rounds; r++)
		for (i = 0; i < 4; i++)
			run_round(&rows[i], r);
	printf("urpc echo of %zu bytes (%s), %d rounds of %.2f s\n",
	       strlen(CALL_TEXT), CALL_TEXT, rounds, seconds_per_round);
	printf("%-10s %7s %12s %10s %10s %10s\n", "mode", "clients",
	       "calls/s", "mean_us", "p50_us", "p99_us");
	for (i = 0; i < 4; i++)
		rate[i] = print_row(&rows[i]);
	printf("ratio urpc/raw: 1 client %.2fx, 8 clients %.2fx (target >= 0.80x with 1 client)\n",
	       rate[1] / rate[0], rate[3] / rate[2]);

	kill(child, SIGKILL);
	waitpid(child, &status, 0);
	unlink(urpc_path);
	unlink(raw_path);
	rmdir(dir);
	return 0;
}
