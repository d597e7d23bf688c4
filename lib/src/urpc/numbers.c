// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Numbers as a Go peer means them. Go's encoder writes a float64 below 1e21
 * without an exponent (1e20 is "100000000000000000000") and keeps the sign
 * of zero ("-0"); Go's decoder reads both back as float64. json-c instead
 * makes an integer of every literal without '.' or exponent, clamping one
 * that fits neither int64 nor uint64 and dropping the sign of -0. So after
 * json-c parsed a message we walk its text beside the tree and turn each such
 * literal into a double that keeps its text, which also makes it serialize
 * back unchanged. Only messages that can hold one (a run of 19 digits, or
 * "-0") take the walk.
 *
 * Duplicate keys: json-c kept the last value. Walking an earlier duplicate
 * we may touch a number of that last value, so every numeric literal on the
 * walk sets its node to what the literal means; the last duplicate comes
 * later in the text and so has the last word, exactly as in json-c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "urpc_internal.h"

/* Fewer digits than this fit in int64 whatever the sign. */
#define ALWAYS_FITS_DIGITS 19

static bool may_need_walk(const char *text, size_t len)
{
	size_t i, run = 0;

	for (i = 0; i < len; i++) {
		run = (text[i] >= '0' && text[i] <= '9') ? run + 1 : 0;
		if (run >= ALWAYS_FITS_DIGITS)
			return true;
		if (text[i] == '-' && i + 1 < len && text[i + 1] == '0' &&
		    (i + 2 == len || !strchr(".eE", text[i + 2])))
			return true;
	}
	return false;
}

struct walk {
	const char *text;
	size_t len;
	size_t pos;
	int err;		/* -ENOMEM; the walk then only skips */
};

static bool at(const struct walk *w, char c)
{
	return w->pos < w->len && w->text[w->pos] == c;
}

static void skip_space(struct walk *w)
{
	while (w->pos < w->len && strchr(" \t\r\n", w->text[w->pos]))
		w->pos++;
}

/* A string literal (json-c also takes single quotes); returns its start. */
static size_t skip_string(struct walk *w)
{
	size_t start = w->pos;
	char quote = w->text[w->pos++];

	while (w->pos < w->len && w->text[w->pos] != quote)
		w->pos += w->text[w->pos] == '\\' ? 2 : 1;
	if (w->pos < w->len)
		w->pos++;
	if (w->pos > w->len)
		w->pos = w->len;
	return start;
}

/* A key as json-c stored it: the string literal decoded. */
static char *decode_key(const char *literal, size_t n)
{
	struct json_object *str = NULL;
	char *copy, *key = NULL;

	if (n >= 2 && !memchr(literal, '\\', n))
		return strndup(literal + 1, n - 2);
	copy = strndup(literal, n);
	if (copy)
		str = json_tokener_parse(copy);
	if (json_object_is_type(str, json_type_string))
		key = strdup(json_object_get_string(str));
	json_object_put(str);
	free(copy);
	return key;
}

static bool integer_literal_fits(const char *lit, size_t n)
{
	char digits[32];

	if (n >= sizeof(digits))
		return false;
	memcpy(digits, lit, n);
	digits[n] = '\0';
	errno = 0;
	if (digits[0] == '-')
		(void)strtoll(digits, NULL, 10);
	else
		(void)strtoull(digits, NULL, 10);
	return errno != ERANGE;
}

static bool node_has_text(struct json_object *node, const char *lit, size_t n)
{
	size_t len;
	const char *text = json_object_to_json_string_length(node,
			JSON_C_TO_STRING_PLAIN, &len);

	return text && len == n && !memcmp(text, lit, n);
}

/*
 * What the number literal lit means to Go, as a replacement for node, or
 * NULL when node already says it. Integers that fit stay json-c's.
 */
static struct json_object *number_node(struct walk *w, struct json_object *node,
				       const char *lit, size_t n)
{
	bool integer = !memchr(lit, '.', n) && !memchr(lit, 'e', n) &&
		       !memchr(lit, 'E', n);
	bool minus_zero = n == 2 && lit[0] == '-' && lit[1] == '0';
	struct json_object *repl;
	char *text;

	if (integer && !minus_zero && integer_literal_fits(lit, n)) {
		if (json_object_is_type(node, json_type_int))
			return NULL;	/* json-c's own reading of lit */
		text = strndup(lit, n);
		repl = text ? json_tokener_parse(text) : NULL;
	} else {
		if (json_object_is_type(node, json_type_double) &&
		    node_has_text(node, lit, n))
			return NULL;
		text = strndup(lit, n);
		repl = text ? json_object_new_double_s(strtod(text, NULL), text) :
			      NULL;
	}
	free(text);
	if (!repl)
		w->err = -ENOMEM;
	return repl;
}

static bool is_number(struct json_object *node)
{
	return json_object_is_type(node, json_type_int) ||
	       json_object_is_type(node, json_type_double);
}

static struct json_object *walk_value(struct walk *w, struct json_object *node);

static void walk_object(struct walk *w, struct json_object *node)
{
	if (!json_object_is_type(node, json_type_object))
		node = NULL;
	w->pos++;
	for (skip_space(w); w->pos < w->len && !at(w, '}'); skip_space(w)) {
		struct json_object *child = NULL, *repl;
		size_t start;
		char *key = NULL;

		if (at(w, ',')) {
			w->pos++;
			continue;
		}
		start = skip_string(w);
		if (node && !w->err) {
			key = decode_key(w->text + start, w->pos - start);
			if (!key)
				w->err = -ENOMEM;
			else
				child = json_object_object_get(node, key);
		}
		skip_space(w);
		if (at(w, ':'))
			w->pos++;
		skip_space(w);
		repl = walk_value(w, child);
		if (repl && json_object_object_add(node, key, repl))
			w->err = -ENOMEM;
		free(key);
	}
	w->pos++;
}

static void walk_array(struct walk *w, struct json_object *node)
{
	size_t i = 0;

	if (!json_object_is_type(node, json_type_array))
		node = NULL;
	w->pos++;
	for (skip_space(w); w->pos < w->len && !at(w, ']'); skip_space(w)) {
		struct json_object *child = NULL, *repl;

		if (at(w, ',')) {
			w->pos++;
			i++;
			continue;
		}
		if (node && i < json_object_array_length(node))
			child = json_object_array_get_idx(node, i);
		repl = walk_value(w, child);
		if (repl && json_object_array_put_idx(node, i, repl))
			w->err = -ENOMEM;
	}
	w->pos++;
}

/*
 * Walks the value at w->pos beside node, the tree json-c made of it (NULL
 * when this text is not what the tree holds: the walk then only skips).
 * Returns a node to put in node's place, or NULL.
 */
static struct json_object *walk_value(struct walk *w, struct json_object *node)
{
	size_t start = w->pos;
	char c;

	if (w->pos >= w->len)
		return NULL;
	c = w->text[w->pos];
	if (c == '{') {
		walk_object(w, node);
	} else if (c == '[') {
		walk_array(w, node);
	} else if (c == '"' || c == '\'') {
		skip_string(w);
	} else {
		while (w->pos < w->len &&
		       !strchr(",]} \t\r\n", w->text[w->pos]))
			w->pos++;
		if (w->pos == start)
			w->pos++;	/* a stray delimiter: never stall */
		/* Numbers only: not NaN, Infinity or the other words. */
		if ((c == '-' || (c >= '0' && c <= '9')) && w->pos > start &&
		    w->text[w->pos - 1] >= '0' && w->text[w->pos - 1] <= '9' &&
		    is_number(node) && !w->err)
			return number_node(w, node, w->text + start,
					   w->pos - start);
	}
	if (w->pos > w->len)
		w->pos = w->len;
	return NULL;
}

int urpc_numbers_as_go(const char *text, size_t len,
		       struct json_object **valuep)
{
	struct walk w = { .text = text, .len = len };
	struct json_object *repl;

	if (!*valuep || !may_need_walk(text, len))
		return 0;
	skip_space(&w);
	repl = walk_value(&w, *valuep);
	if (repl) {
		json_object_put(*valuep);
		*valuep = repl;
	}
	return w.err;
}
