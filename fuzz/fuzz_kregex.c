/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_kregex.c - libFuzzer harness: kregex's DFA against PCRE2 on a pattern and a line,
 * as an allow pattern (whole line) or a banned one (anywhere in it). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kregex.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_PATTERN 256
#define MAX_LINE 2048
#define MAX_TOKEN 16   /* longest entry of tokens[] is shorter */

/* Input: a flags byte, then the pattern, a NUL, and the line. Flag bit 0
 * reads each pattern byte as a token of the supported grammar (raw bytes
 * rarely form interesting regexes); bit 1 maps line bytes to a small
 * alphabet so that matches are likely; bit 2 judges the pattern as a banned
 * one (KREGEX_SEARCH against PCRE2's unanchored search) rather than as an
 * allow pattern (the whole line). */
static const char *const tokens[] = {
	"a", "b", "A", "x", "-", " ", "/", ".", "(", ")", "(?:", "|", "*", "+", "?", "*?",
	"+?", "??", "{2}", "{0,2}", "{1,}", "{,2}", "{", "}", "[ab]", "[^a]", "[a-c]", "[^\\n]",
	"[]a]", "[a-]", "[\\w.-]", "[[:alpha:]]", "[[:^digit:]]", "\\d", "\\D", "\\w", "\\W", "\\s",
	"\\S", "\\h", "\\v", "\\n", "\\.", "\\\\", "\\x41", "\\x{e9}", "\\t", "^", "$", "\\A", "\\z",
	"\\Z", "(?i)", "(?<n>", "\\b", "\\1", "(?=", "*+", "\xe9", "\xc9", "0", "9", "_", "\n",
	"\\H", "\\V", "(?'o'", "{1,3}?", "[[:punct:]]", "[^\\s]", "[\\h]", "\\r", "\\x0b", "\\x85",
	"\\0", "\\e", "(?i:", "[^]-a]", "\\$", "\x85", "\xa0",
};
static const uint8_t alphabet[] = "abAB-_ ./\n\t0\x85\xa0\xe9\xc9xX";

static pcre2_match_context *mctx;
static pcre2_match_data *md;

/* The interpreter's answer, and the JIT's (policy.c uses both). */
static void check(const pcre2_code *re, const struct kregex_dfa *d, const uint8_t *line, size_t len)
{
	int k = kregex_match(d, line, len);

	for (int i = 0; i < 2; i++) {
		int rc = pcre2_match(re, line, len, 0, i ? 0 : PCRE2_NO_JIT, md, mctx);

		if (rc < 0 && rc != PCRE2_ERROR_NOMATCH)
			continue;   /* match or depth limit: PCRE2 gives no answer */
		if ((rc >= 0) != k)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char pat[MAX_PATTERN * MAX_TOKEN + 1];
	uint8_t line[MAX_LINE + 1];
	size_t np = 0, nl = 0, i;
	const uint8_t *sep;
	const char *pp = pat, *why;
	struct kregex_dfa d;
	uint8_t unsup;
	pcre2_code *re;
	PCRE2_SIZE off;
	int flags, err, search;

	if (size < 1)
		return 0;
	if (!mctx) {
		mctx = pcre2_match_context_create(NULL);
		md = pcre2_match_data_create(1, NULL);
		pcre2_set_match_limit(mctx, 100000);
		pcre2_set_depth_limit(mctx, 5000);
	}
	flags = data[0];
	data++;
	size--;
	sep = memchr(data, 0, size);
	if (!sep)
		sep = data + size;
	for (i = 0; data + i < sep && i < MAX_PATTERN; i++) {
		if (flags & 1) {
			const char *t = tokens[data[i] % (sizeof(tokens) / sizeof(tokens[0]))];

			memcpy(pat + np, t, strlen(t));
			np += strlen(t);
		} else {
			pat[np++] = (char)data[i];
		}
	}
	pat[np] = 0;
	for (const uint8_t *q = sep + (sep < data + size); q < data + size && nl < MAX_LINE; q++)
		line[nl++] = flags & 2 ? alphabet[*q % (sizeof(alphabet) - 1)] : *q;

	search = flags & 4;
	re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED,
			   PCRE2_CASELESS | (search ? 0 : PCRE2_ANCHORED | PCRE2_ENDANCHORED), &err,
			   &off, NULL);
	if (!re) {
		/* What PCRE2 refuses, kregex must refuse too. */
		if (kregex_supported(pat, &why) == 0)
			abort();
		return 0;
	}
	pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	/* The DFA is zeroed on failure, so it can always be freed. */
	if (kregex_compile_mode(&pp, 1, search ? KREGEX_SEARCH : KREGEX_WHOLE, 2048, &d, &unsup,
				&why) < 0 || unsup) {
		kregex_dfa_free(&d);
		pcre2_code_free(re);
		return 0;
	}
	check(re, &d, line, nl);
	check(re, &d, line, 0);
	if (nl)
		check(re, &d, line, nl - 1);
	line[nl] = '\n';
	check(re, &d, line, nl + 1);
	kregex_dfa_free(&d);
	pcre2_code_free(re);
	return 0;
}
