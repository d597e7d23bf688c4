// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * json-c stores an integer literal as int64 or uint64 and silently clamps
 * one that fits neither, where gVisor's decoder (UseNumber) keeps the text
 * and a typed Go field then refuses it. Rather than pass on a changed value,
 * the caller learns that the message held such a literal. The text was
 * already accepted by the tokener, so only strings need skipping.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "urpc_internal.h"

static bool integer_fits(const char *start, size_t len)
{
	char digits[32];
	char *end;

	if (len >= sizeof(digits))
		return false;
	memcpy(digits, start, len);
	digits[len] = '\0';
	errno = 0;
	if (digits[0] == '-')
		(void)strtoll(digits, &end, 10);
	else
		(void)strtoull(digits, &end, 10);
	return errno != ERANGE;
}

/* Fewer digits than this fit in int64 whatever the sign. */
#define ALWAYS_FITS_DIGITS 19

static bool has_long_digit_run(const char *text, size_t len)
{
	size_t i, run = 0;

	for (i = 0; i < len; i++) {
		run = (text[i] >= '0' && text[i] <= '9') ? run + 1 : 0;
		if (run >= ALWAYS_FITS_DIGITS)
			return true;
	}
	return false;
}

bool urpc_integers_fit(const char *text, size_t len)
{
	size_t i = 0;

	if (!has_long_digit_run(text, len))
		return true;

	while (i < len) {
		char c = text[i];
		size_t start = i;

		if (c == '"') {
			for (i++; i < len && text[i] != '"'; i++)
				if (text[i] == '\\')
					i++;
			i++;
			continue;
		}
		if (c != '-' && (c < '0' || c > '9')) {
			i++;
			continue;
		}
		for (i++; i < len && text[i] >= '0' && text[i] <= '9'; i++)
			;
		if (i < len && strchr(".eE", text[i])) {
			/* A float keeps its text in json-c; skip its tail. */
			for (i++; i < len && strchr("0123456789+-eE", text[i]); i++)
				;
			continue;
		}
		if (!integer_fits(text + start, i - start))
			return false;
	}
	return true;
}
