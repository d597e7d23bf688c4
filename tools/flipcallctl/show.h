/* SPDX-License-Identifier: GPL-2.0 */
/* flipcallctl's output: an ss-like table or JSON (json-c). */
#ifndef FLIPCALLCTL_SHOW_H
#define FLIPCALLCTL_SHOW_H

#include <stdio.h>

#include "fcnl.h"

struct show_conns;

/* Collects connections, then prints them all at once (JSON needs the list). */
struct show_conns *show_conns_new(int json);
int show_conns_add(struct show_conns *sc, const struct fcnl_conn *conn);
void show_conns_print(struct show_conns *sc, FILE *out);
void show_conns_free(struct show_conns *sc);

/* One connection: a table with a single row, or a JSON object. */
void show_conn(const struct fcnl_conn *conn, int json, FILE *out);
void show_stats(const struct fcnl_stats *stats, int json, FILE *out);

const char *show_state_name(uint32_t state);
const char *show_end_name(uint32_t end);

#endif /* FLIPCALLCTL_SHOW_H */
