// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * urpc benchmark: calls per second and latency of a small echo method with 1
 * and 8 concurrent clients, beside a raw unix-socket echo of the same bytes
 * in the same run (a thread per connection that writes back what it reads).
 * The servers run in a child process. Prints one table.
 *
 *   urpc_bench [seconds per row, default 2]
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

static double seconds_per_row = 2;

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

/* Runs one row; returns calls per second. */
static double run_row(const char *name, const char *path, bool use_urpc,
		      int nclients)
{
	struct worker w[8];
	pthread_t threads[8];
	uint32_t *all;
	size_t total = 0, k = 0;
	double secs, sum = 0;
	int64_t start;
	int i;

	start = now_ns();
	for (i = 0; i < nclients; i++) {
		w[i] = (struct worker){ .path = path, .use_urpc = use_urpc,
			.until = start + (int64_t)(seconds_per_row * 1e9),
			.samples = malloc(MAX_SAMPLES * sizeof(uint32_t)) };
		pthread_create(&threads[i], NULL, worker_main, &w[i]);
	}
	for (i = 0; i < nclients; i++) {
		pthread_join(threads[i], NULL);
		total += w[i].n;
		if (w[i].failed)
			fprintf(stderr, "%s: a client failed\n", name);
	}
	secs = (double)(now_ns() - start) / 1e9;
	all = malloc((total + 1) * sizeof(uint32_t));
	for (i = 0; i < nclients; i++) {
		memcpy(all + k, w[i].samples, w[i].n * sizeof(uint32_t));
		k += w[i].n;
		free(w[i].samples);
	}
	for (k = 0; k < total; k++)
		sum += all[k];
	qsort(all, total, sizeof(uint32_t), compare_u32);
	printf("%-10s %7d %12.0f %10.2f %10.2f %10.2f\n", name, nclients,
	       total / secs, total ? sum / total / 1e3 : 0,
	       total ? all[total / 2] / 1e3 : 0,
	       total ? all[total * 99 / 100] / 1e3 : 0);
	free(all);
	return total / secs;
}

int main(int argc, char **argv)
{
	char dir[] = "/tmp/urpc-bench-XXXXXX", urpc_path[64], raw_path[64];
	double raw1, urpc1, raw8, urpc8;
	int ready[2], status;
	pid_t child;
	char c;

	if (argc > 1)
		seconds_per_row = atof(argv[1]);
	if (!mkdtemp(dir) || pipe(ready))
		return 1;
	snprintf(urpc_path, sizeof(urpc_path), "%s/urpc", dir);
	snprintf(raw_path, sizeof(raw_path), "%s/raw", dir);
	child = fork();
	if (!child)
		run_servers(urpc_path, raw_path, ready[1]);
	if (child < 0 || read(ready[0], &c, 1) != 1)
		return 1;

	printf("urpc echo of %zu bytes (%s), %.1f s per row\n",
	       strlen(CALL_TEXT), CALL_TEXT, seconds_per_row);
	printf("%-10s %7s %12s %10s %10s %10s\n", "mode", "clients",
	       "calls/s", "mean_us", "p50_us", "p99_us");
	raw1 = run_row("raw-echo", raw_path, false, 1);
	urpc1 = run_row("urpc", urpc_path, true, 1);
	raw8 = run_row("raw-echo", raw_path, false, 8);
	urpc8 = run_row("urpc", urpc_path, true, 8);
	printf("ratio urpc/raw: 1 client %.2fx, 8 clients %.2fx (target >= 0.80x with 1 client)\n",
	       urpc1 / raw1, urpc8 / raw8);

	kill(child, SIGKILL);
	waitpid(child, &status, 0);
	unlink(urpc_path);
	unlink(raw_path);
	rmdir(dir);
	return 0;
}
