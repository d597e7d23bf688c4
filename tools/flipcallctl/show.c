// SPDX-License-Identifier: GPL-2.0
/*
 * Rendering of what the kernel reported. The table sums both endpoints'
 * counters to keep one line per connection; JSON keeps every field, per
 * endpoint, for scripts.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "show.h"

const char *show_state_name(uint32_t state)
{
	switch (state) {
	case FLIPCALL_STATE_CLIENT_ACTIVE:
		return "client-active";
	case FLIPCALL_STATE_SERVER_ACTIVE:
		return "server-active";
	case FLIPCALL_STATE_SHUTDOWN:
		return "shutdown";
	}
	return "unknown";
}

const char *show_end_name(uint32_t end)
{
	switch (end) {
	case FLIPCALL_END_NONE:
		return "none";
	case FLIPCALL_END_SHUTDOWN_CLIENT:
		return "shutdown-client";
	case FLIPCALL_END_SHUTDOWN_SERVER:
		return "shutdown-server";
	case FLIPCALL_END_CLIENT_GONE:
		return "client-gone";
	case FLIPCALL_END_SERVER_GONE:
		return "server-gone";
	}
	return "unknown";
}

struct show_conns {
	int json;
	json_object *list;		/* JSON: the array being built */
	struct fcnl_conn *conns;	/* table: the rows */
	size_t nr;
};

/* "4K", "64M": windows are whole pages, so exact powers read best. */
static void show_bytes(char *buf, size_t len, uint64_t bytes)
{
	static const char units[] = "BKMGT";
	unsigned int unit = 0;

	while (bytes >= 1024 && !(bytes % 1024) && unit < sizeof(units) - 2) {
		bytes /= 1024;
		unit++;
	}
	snprintf(buf, len, "%" PRIu64 "%c", bytes, unit ? units[unit] : 'B');
}

static void show_age(char *buf, size_t len, uint64_t ns)
{
	uint64_t s = ns / 1000000000;

	if (s < 60)
		snprintf(buf, len, "%" PRIu64 ".%" PRIu64 "s", s,
			 ns / 100000000 % 10);
	else if (s < 3600)
		snprintf(buf, len, "%" PRIu64 "m%02" PRIu64 "s", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%" PRIu64 "h%02" PRIu64 "m", s / 3600,
			 s / 60 % 60);
	else
		snprintf(buf, len, "%" PRIu64 "d%02" PRIu64 "h", s / 86400,
			 s / 3600 % 24);
}

static void show_pid(char *buf, size_t len, uint32_t pid)
{
	if (pid)
		snprintf(buf, len, "%" PRIu32, pid);
	else
		snprintf(buf, len, "-");
}

static void show_table_header(FILE *out)
{
	fprintf(out, "%-6s %-13s %7s %7s %6s %9s %8s %8s %-15s %7s %s\n",
		"ID", "STATE", "CLIENT", "SERVER", "WINDOW", "HANDOFFS",
		"SLEEPS", "SPINS", "END", "AGE", "CREATOR");
}

static void show_table_row(const struct fcnl_conn *c, FILE *out)
{
	const struct fcnl_endpoint *cl = &c->ep[FLIPCALL_SIDE_CLIENT];
	const struct fcnl_endpoint *sv = &c->ep[FLIPCALL_SIDE_SERVER];
	char window[16], age[16], cpid[16], spid[16];

	show_bytes(window, sizeof(window), c->window_len);
	show_age(age, sizeof(age), c->age_ns);
	show_pid(cpid, sizeof(cpid), cl->pid);
	show_pid(spid, sizeof(spid), sv->pid);
	fprintf(out, "%-6" PRIu64 " %-13s %7s %7s %6s %9" PRIu64 " %8" PRIu64
		" %8" PRIu64 " %-15s %7s %" PRIu32 "/%s\n",
		c->id, show_state_name(c->state), cpid, spid, window,
		cl->handoffs + sv->handoffs, cl->sleeps + sv->sleeps,
		cl->spin_hits + sv->spin_hits, show_end_name(c->end), age,
		c->creator_pid, c->creator_comm);
}

static void json_add_u64(json_object *obj, const char *key, uint64_t value)
{
	json_object_object_add(obj, key, json_object_new_uint64(value));
}

static json_object *json_endpoint(const struct fcnl_endpoint *ep)
{
	json_object *obj = json_object_new_object();

	json_add_u64(obj, "pid", ep->pid);
	json_add_u64(obj, "handoffs", ep->handoffs);
	json_add_u64(obj, "sleeps", ep->sleeps);
	json_add_u64(obj, "spin_hits", ep->spin_hits);
	json_add_u64(obj, "wakes", ep->wakes);
	json_add_u64(obj, "wakes_same_cpu", ep->wakes_same_cpu);
	return obj;
}

static json_object *json_conn(const struct fcnl_conn *c)
{
	json_object *obj = json_object_new_object();

	json_add_u64(obj, "id", c->id);
	json_object_object_add(obj, "state",
			       json_object_new_string(show_state_name(c->state)));
	json_object_object_add(obj, "end",
			       json_object_new_string(show_end_name(c->end)));
	json_add_u64(obj, "window_len", c->window_len);
	json_add_u64(obj, "spin_ns", c->spin_ns);
	json_add_u64(obj, "creator_pid", c->creator_pid);
	json_add_u64(obj, "creator_uid", c->creator_uid);
	json_object_object_add(obj, "creator_comm",
			       json_object_new_string(c->creator_comm));
	json_add_u64(obj, "created_ns", c->created_ns);
	json_add_u64(obj, "age_ns", c->age_ns);
	json_object_object_add(obj, "client",
			       json_endpoint(&c->ep[FLIPCALL_SIDE_CLIENT]));
	json_object_object_add(obj, "server",
			       json_endpoint(&c->ep[FLIPCALL_SIDE_SERVER]));
	return obj;
}

static void json_print(json_object *obj, FILE *out)
{
	fprintf(out, "%s\n", json_object_to_json_string_ext(obj,
		JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
}

struct show_conns *show_conns_new(int json)
{
	struct show_conns *sc = calloc(1, sizeof(*sc));

	if (!sc)
		return NULL;
	sc->json = json;
	if (json) {
		sc->list = json_object_new_array();
		if (!sc->list) {
			free(sc);
			return NULL;
		}
	}
	return sc;
}

int show_conns_add(struct show_conns *sc, const struct fcnl_conn *conn)
{
	struct fcnl_conn *conns;

	if (sc->json)
		return json_object_array_add(sc->list, json_conn(conn)) ?
		       -ENOMEM : 0;
	conns = realloc(sc->conns, (sc->nr + 1) * sizeof(*conns));
	if (!conns)
		return -ENOMEM;
	conns[sc->nr++] = *conn;
	sc->conns = conns;
	return 0;
}

void show_conns_print(struct show_conns *sc, FILE *out)
{
	size_t i;

	if (sc->json) {
		json_print(sc->list, out);
		return;
	}
	show_table_header(out);
	for (i = 0; i < sc->nr; i++)
		show_table_row(&sc->conns[i], out);
}

void show_conns_free(struct show_conns *sc)
{
	if (!sc)
		return;
	json_object_put(sc->list);
	free(sc->conns);
	free(sc);
}

void show_conn(const struct fcnl_conn *conn, int json, FILE *out)
{
	json_object *obj;

	if (!json) {
		show_table_header(out);
		show_table_row(conn, out);
		return;
	}
	obj = json_conn(conn);
	json_print(obj, out);
	json_object_put(obj);
}

void show_stats(const struct fcnl_stats *st, int json, FILE *out)
{
	json_object *obj, *users, *user;
	char used[16], limit[16];
	size_t i;

	if (!json) {
		show_bytes(used, sizeof(used), st->live_window_bytes);
		show_bytes(limit, sizeof(limit), st->user_limit);
		fprintf(out, "live connections:   %" PRIu64 "\n", st->live_conns);
		fprintf(out, "total connections:  %" PRIu64 "\n", st->total_conns);
		fprintf(out, "live window bytes:  %" PRIu64 " (%s)\n",
			st->live_window_bytes, used);
		fprintf(out, "per-user limit:     %" PRIu64 " (%s)\n",
			st->user_limit, limit);
		fprintf(out, "%-10s %14s %6s\n", "UID", "WINDOW-BYTES", "USE%");
		for (i = 0; i < st->nr_users; i++)
			fprintf(out, "%-10" PRIu32 " %14" PRIu64 " %5.1f%%\n",
				st->users[i].uid, st->users[i].window_bytes,
				st->user_limit ? 100.0 * st->users[i].window_bytes /
						 st->user_limit : 0.0);
		return;
	}
	obj = json_object_new_object();
	json_add_u64(obj, "live_conns", st->live_conns);
	json_add_u64(obj, "total_conns", st->total_conns);
	json_add_u64(obj, "live_window_bytes", st->live_window_bytes);
	json_add_u64(obj, "user_limit", st->user_limit);
	users = json_object_new_array();
	for (i = 0; i < st->nr_users; i++) {
		user = json_object_new_object();
		json_add_u64(user, "uid", st->users[i].uid);
		json_add_u64(user, "window_bytes", st->users[i].window_bytes);
		json_object_array_add(users, user);
	}
	json_object_object_add(obj, "users", users);
	json_print(obj, out);
	json_object_put(obj);
}
