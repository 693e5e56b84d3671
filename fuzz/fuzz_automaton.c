/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_automaton.c - libFuzzer: automaton_find against the naive matcher,
 * and the kernel tables' walk (ktables_judge, the C twin of the BPF walk:
 * dense rows, paired comb, fail links) against automaton_find on the same
 * line read as a raw argv area.
 *
 * Input: byte 0 picks the string count (1..8) and an alphabet; then per
 * string a header byte (length 1..16, mode bit) and its bytes; the rest is
 * the line. With a small alphabet, bytes are mapped onto a few letters of
 * both cases, word and non-word bytes, NUL and 0x80+, so overlaps, case
 * folding and word edges come up constantly. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "automaton.h"
#include "cmdline_space.h"
#include "ktables.h"
#include "policy.h"
#include "../tests/unit/naive_match.h"

#define MAX_STRINGS 8
#define MAX_LEN 16

static const uint8_t alphabet[] = { 'a', 'A', 'b', 'B', '_', '-', ' ', '\t', 0, 0x80, 0xc1 };

static uint8_t map_byte(uint8_t b, int small)
{
	return small ? alphabet[b % sizeof(alphabet)] : b;
}

/* Runs one matcher pair on the line; aborts with the case on mismatch. */
static void compare(const struct automaton *a, const struct ac_input *in, size_t n,
		    const uint8_t *line, size_t len, const char *what)
{
	size_t e_ref = 0, e_got = 0;
	long ref = naive_find(in, n, line, len, &e_ref);
	long got = strcmp(what, "table") == 0 ? table_find(a, line, len, &e_got)
					      : automaton_find(a, line, len, &e_got);

	if (ref == got && (ref < 0 || e_ref == e_got))
		return;
	fprintf(stderr, "%s mismatch: naive=%ld@%zu got=%ld@%zu\n", what, ref, e_ref, got, e_got);
	abort();
}

/* The line as an argv area (NULs between arguments): the kernel's walk
 * must find what user space finds in the joined command line, squeezed
 * (cmdline_space.h), with the strings in the form policy gives them. */
static void compare_kernel(const struct ac_input *raw, size_t nraw, const uint8_t *argv,
			   size_t len)
{
	uint8_t forms[MAX_STRINGS][MAX_LEN];
	struct ac_input in[MAX_STRINGS];
	struct automaton *a;
	struct ktables kt;
	struct kverdict v;
	char why[256];
	uint8_t *line;
	long want;
	size_t n, nin = 0;

	for (size_t i = 0; i < nraw; i++) {
		in[nin] = raw[i];
		in[nin].bytes = forms[nin];
		in[nin].len = cmdline_banned_form(forms[nin], raw[i].bytes, raw[i].len);
		nin += in[nin].len != 0;   /* policy refuses a string of only whitespace */
	}
	if (!nin || !(a = automaton_build(in, nin)))
		return;
	if (ktables_build(a, NULL, NM_KT_ALLOW_NONE, NULL, 1u << 24, &kt, why, sizeof(why))) {
		if (!strstr(why, "end at one position")) {
			fprintf(stderr, "ktables_build: %s\n", why);
			abort();
		}
		automaton_free(a);
		return;
	}
	line = malloc(len ? len : 1);
	if (!line)
		abort();
	memcpy(line, argv, len);
	n = cmdline_squeeze(line, line, policy_cmdline(line, len));
	want = automaton_find(a, line, n, NULL);
	ktables_judge(&kt, argv, len, &v);
	if (v.matched != want) {
		fprintf(stderr, "kernel tables mismatch: kernel=%ld user=%ld\n", v.matched, want);
		abort();
	}
	free(line);
	ktables_free(&kt);
	automaton_free(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t bytes[MAX_STRINGS][MAX_LEN];
	struct ac_input in[MAX_STRINGS];
	uint8_t *line;
	size_t pos = 1, n;
	int small;

	if (size < 2)
		return 0;
	n = 1 + (data[0] & 7);
	small = (data[0] & 8) == 0;
	for (size_t i = 0; i < n; i++) {
		if (pos >= size)
			return 0;
		uint8_t h = data[pos++];
		size_t len = 1 + (h & (MAX_LEN - 1));
		if (pos + len > size)
			return 0;
		for (size_t k = 0; k < len; k++)
			bytes[i][k] = map_byte(data[pos + k], small);
		pos += len;
		in[i].bytes = bytes[i];
		in[i].len = len;
		in[i].mode = (h & 0x80) ? AC_SUBSTRING : AC_WORD;
	}
	size_t len = size - pos;
	line = malloc(len ? len : 1);
	if (!line)
		return 0;
	for (size_t k = 0; k < len; k++)
		line[k] = map_byte(data[pos + k], small);

	struct automaton *a = automaton_build(in, n);
	if (!a) {
		perror("automaton_build");
		abort();
	}
	compare(a, in, n, line, len, "automaton");
	compare(a, in, n, line, len, "table");
	/* The same tables without the prefilter: the linear walk. */
	struct automaton plain = *a;
	plain.filter = NULL;
	compare(&plain, in, n, line, len, "linear");
	compare_kernel(in, n, line, len);
	automaton_free(a);
	free(line);
	return 0;
}
