/* SPDX-License-Identifier: BSD-2-Clause */
/* naive_match.h - reference matchers for automaton_find (unit tests, fuzzer).
 *
 * naive_find() is the specification written as plain loops over every end
 * position and every input string; it shares no code with automaton.c.
 * table_find() walks a compiled automaton using only what automaton.h
 * documents about the tables (as the BPF side does), with the output loop
 * bounded by max_dict_chain. */
#ifndef NOMINE_NAIVE_MATCH_H
#define NOMINE_NAIVE_MATCH_H

#include <stddef.h>
#include <stdint.h>

#include "automaton.h"

static inline uint8_t naive_fold(uint8_t b)
{
	return (b >= 'A' && b <= 'Z') ? (uint8_t)(b - 'A' + 'a') : b;
}

static inline int naive_word(uint8_t b)
{
	return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') ||
	       (b >= '0' && b <= '9') || b == '_';
}

static inline int naive_eq(const uint8_t *x, const uint8_t *y, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (naive_fold(x[i]) != naive_fold(y[i]))
			return 0;
	return 1;
}

/* Inputs equal to in[i] after folding: the first one's index is reported and
 * the merged string is substring mode if any of them is. */
static inline size_t naive_merged(const struct ac_input *in, size_t n, size_t i, int *substring)
{
	size_t first = i;

	*substring = 0;
	for (size_t j = 0; j < n; j++) {
		if (in[j].len != in[i].len || !naive_eq(in[j].bytes, in[i].bytes, in[i].len))
			continue;
		if (j < first)
			first = j;
		if (in[j].mode == AC_SUBSTRING)
			*substring = 1;
	}
	return first;
}

/* The occurrence ending first that is valid under its (merged) mode; ties at
 * one end position go to the longest string. */
static inline long naive_find(const struct ac_input *in, size_t n,
			      const uint8_t *line, size_t len, size_t *end)
{
	for (size_t e = 1; e <= len; e++) {
		long best = -1;
		size_t best_len = 0;

		for (size_t i = 0; i < n; i++) {
			size_t l = in[i].len;
			int substring;

			if (l > e || l <= best_len || !naive_eq(line + e - l, in[i].bytes, l))
				continue;
			size_t first = naive_merged(in, n, i, &substring);
			size_t s = e - l;
			if (!substring && ((s > 0 && naive_word(line[s - 1])) ||
					   (e < len && naive_word(line[e]))))
				continue;
			best = (long)first;
			best_len = l;
		}
		if (best >= 0) {
			if (end)
				*end = e;
			return best;
		}
	}
	return -1;
}

/* The documented walk: class, comb lookup with check, fail on a miss (the
 * root's row is complete), then up to max_dict_chain outputs via dict. */
static inline long table_find(const struct automaton *a, const uint8_t *line,
			      size_t len, size_t *end)
{
	uint32_t s = 0;

	for (size_t i = 0; i < len; i++) {
		uint32_t c = a->cls[line[i]];

		if (c == 0) {
			s = 0;
		} else {
			for (;;) {
				uint32_t j = a->base[s] + c;
				if (j >= a->ncomb)
					return -2;   /* table out of range: a bug */
				if (a->check[j] == s) {
					s = a->next[j];
					break;
				}
				if (s == 0)
					break;
				s = a->fail[s];
			}
		}
		uint32_t t = a->out[s] != AC_NONE ? s : a->dict[s];
		for (uint32_t k = 0; k < a->max_dict_chain && t != AC_NONE; k++, t = a->dict[t]) {
			uint32_t id = a->out[t];
			size_t e = i + 1, st = e - a->str_len[id];
			if (a->str_mode[id] == AC_WORD &&
			    ((st > 0 && naive_word(line[st - 1])) || (e < len && naive_word(line[e]))))
				continue;
			if (end)
				*end = e;
			return (long)a->str_input[id];
		}
		if (t != AC_NONE)
			return -3;   /* more outputs than max_dict_chain: a bug */
	}
	return -1;
}

#endif
