/* SPDX-License-Identifier: BSD-2-Clause */
/* test_automaton.c - automaton.c against a naive matcher and by hand. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "automaton.h"
#include "naive_match.h"

/* ---- helpers ----------------------------------------------------------- */

static uint64_t rng_state;
static uint64_t seed = 0x6e6f6d696e65ULL;   /* "nomine" */

static uint64_t rnd(void)
{
	/* xorshift64* : tiny, deterministic, good enough for test data. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static size_t rnd_below(size_t n)
{
	return n ? (size_t)(rnd() % n) : 0;
}

static int setup_seed(void **state)
{
	(void)state;
	rng_state = seed ? seed : 1;
	return 0;
}

static struct ac_input str_in(const char *s, enum ac_mode mode)
{
	struct ac_input in = { (const uint8_t *)s, strlen(s), mode };
	return in;
}

static struct automaton *build_ok(const struct ac_input *in, size_t n)
{
	struct automaton *a = automaton_build(in, n);
	if (!a)
		fail_msg("automaton_build failed: %s", strerror(errno));
	return a;
}

/* Runs all three matchers; prints the case when they disagree. */
static void expect_same(const struct automaton *a, const struct ac_input *in, size_t n,
			const uint8_t *line, size_t len)
{
	size_t e_ref = 0, e_auto = 0, e_tab = 0;
	long ref = naive_find(in, n, line, len, &e_ref);
	long got = automaton_find(a, line, len, &e_auto);
	long tab = table_find(a, line, len, &e_tab);
	/* The same tables without the prefilter take the linear walk. */
	struct automaton plain = *a;
	size_t e_plain = 0;
	plain.filter = NULL;
	long lin = automaton_find(&plain, line, len, &e_plain);

	if (ref != got || ref != tab || ref != lin ||
	    (ref >= 0 && (e_ref != e_auto || e_ref != e_tab || e_ref != e_plain))) {
		print_error("mismatch: naive=%ld@%zu automaton=%ld@%zu table=%ld@%zu linear=%ld@%zu\n",
			    ref, e_ref, got, e_auto, tab, e_tab, lin, e_plain);
		for (size_t i = 0; i < n; i++) {
			print_error("  str %zu (%s): ", i, in[i].mode == AC_WORD ? "word" : "substring");
			for (size_t j = 0; j < in[i].len; j++)
				print_error("%02x", in[i].bytes[j]);
			print_error("\n");
		}
		print_error("  line (%zu bytes): ", len);
		for (size_t j = 0; j < len && j < 512; j++)
			print_error("%02x", line[j]);
		print_error("\n");
	}
	assert_int_equal(got, ref);
	assert_int_equal(tab, ref);
	assert_int_equal(lin, ref);
	if (ref >= 0) {
		assert_int_equal(e_auto, e_ref);
		assert_int_equal(e_tab, e_ref);
		assert_int_equal(e_plain, e_ref);
	}
}

static void expect_find(const struct automaton *a, const char *line, long idx, size_t end)
{
	size_t e = (size_t)-1;
	long got = automaton_find(a, (const uint8_t *)line, strlen(line), &e);

	assert_int_equal(got, idx);
	if (idx >= 0)
		assert_int_equal(e, end);
}

/* ---- specific cases ---------------------------------------------------- */

static void test_word_mode_basics(void **state)
{
	(void)state;
	struct ac_input in[] = { str_in("xmrig", AC_WORD) };
	struct automaton *a = build_ok(in, 1);

	expect_find(a, "xmrig", 0, 5);
	expect_find(a, "XMRIG", 0, 5);
	expect_find(a, "./XmRiG --url x", 0, 7);
	expect_find(a, "xmrigX xmrig", 0, 12);   /* first occurrence rejected, second valid */
	expect_find(a, "xmrig_x", -1, 0);
	expect_find(a, "_xmrig", -1, 0);
	expect_find(a, "9xmrig", -1, 0);
	expect_find(a, "xmri", -1, 0);
	expect_find(a, "", -1, 0);
	expect_find(a, "/usr/bin/xmrig-6.1", 0, 14);
	expect_find(a, "xxmrig xmrigg xmrig", 0, 19);
	assert_int_equal(automaton_find(a, (const uint8_t *)"xmrig", 5, NULL), 0);
	automaton_free(a);
}

static void test_substring_mode(void **state)
{
	(void)state;
	struct ac_input in[] = { str_in("xmrig", AC_SUBSTRING), str_in("minerd", AC_WORD) };
	struct automaton *a = build_ok(in, 2);

	expect_find(a, "xmrig_x", 0, 5);
	expect_find(a, "fooXMRIGbar", 0, 8);
	expect_find(a, "cpuminerd", -1, 0);
	expect_find(a, "cpu minerd", 1, 10);
	automaton_free(a);
}

static void test_non_word_edges(void **state)
{
	(void)state;
	struct ac_input in[] = { str_in("stratum+tcp", AC_WORD), str_in("--donate-level", AC_WORD) };
	struct automaton *a = build_ok(in, 2);

	expect_find(a, "-o stratum+tcp://pool:3333", 0, 14);
	expect_find(a, "xstratum+tcp://", -1, 0);
	expect_find(a, "stratum+tcpx", -1, 0);
	expect_find(a, "m --donate-level=1", 1, 16);
	expect_find(a, "m x--donate-level 1", -1, 0);
	expect_find(a, "m ---donate-level 1", 1, 17);   /* '-' is not a word byte */
	automaton_free(a);
}

static void test_merge_duplicates(void **state)
{
	(void)state;
	struct ac_input in[] = {
		str_in("abc", AC_WORD), str_in("Xmrig", AC_WORD), str_in("XMRIG", AC_SUBSTRING),
		str_in("xmrig", AC_WORD), str_in("ABC", AC_WORD),
	};
	struct automaton *a = build_ok(in, 5);

	assert_int_equal(a->nstrings, 2);
	/* Numbered by first appearance; the merged string is substring mode. */
	assert_int_equal(a->str_input[0], 0);
	assert_int_equal(a->str_mode[0], AC_WORD);
	assert_int_equal(a->str_len[0], 3);
	assert_int_equal(a->str_input[1], 1);
	assert_int_equal(a->str_mode[1], AC_SUBSTRING);
	assert_int_equal(a->str_len[1], 5);
	expect_find(a, "fooxmrigbar", 1, 8);
	expect_find(a, "xabc abcd ABC", 0, 13);
	static const char *const lines[] = { "q ABC XmRiGz", "abc", "xmrig", "aBcxMrIg", "" };
	for (size_t i = 0; i < 5; i++)
		expect_same(a, in, 5, (const uint8_t *)lines[i], strlen(lines[i]));
	automaton_free(a);
}

static void test_ties_prefer_longest(void **state)
{
	(void)state;
	struct ac_input in[] = {
		str_in("c", AC_SUBSTRING), str_in("bc", AC_WORD), str_in("abc", AC_WORD),
		str_in("zabcd", AC_WORD),
	};
	struct automaton *a = build_ok(in, 4);

	expect_find(a, "abc", 2, 3);     /* all three end at 3: longest wins */
	expect_find(a, "-bc", 1, 3);
	expect_find(a, "xabc", 0, 4);    /* word strings rejected, "c" still counts */
	expect_find(a, "zabcd", 0, 4);   /* "c" ends before "zabcd" does */
	automaton_free(a);

	struct ac_input in2[] = { str_in("abcd", AC_WORD), str_in("bc", AC_SUBSTRING) };
	a = build_ok(in2, 2);
	expect_find(a, "abcd", 1, 3);    /* ends first beats longer */
	automaton_free(a);
}

static void test_rejected_overlap_does_not_hide(void **state)
{
	(void)state;
	struct ac_input in[] = { str_in("aa", AC_WORD), str_in("aba", AC_WORD) };
	struct automaton *a = build_ok(in, 2);

	expect_find(a, "aaa aa", 0, 6);
	expect_find(a, "ababa aba", 1, 9);
	expect_find(a, "abaa", -1, 0);
	expect_find(a, "aab.aba", 1, 7);
	automaton_free(a);
}

static void test_nul_and_high_bytes(void **state)
{
	(void)state;
	const uint8_t s1[] = { 'a', 0, 'b' };
	const uint8_t s2[] = { 0xc1, 0xff };
	const uint8_t s3[] = { 0 };
	struct ac_input in[] = {
		{ s1, sizeof(s1), AC_WORD }, { s2, sizeof(s2), AC_SUBSTRING }, { s3, 1, AC_WORD },
	};
	struct automaton *a = build_ok(in, 3);
	size_t e = 0;

	const uint8_t l1[] = { 'x', ' ', 'A', 0, 'B', ' ' };
	assert_int_equal(automaton_find(a, l1, sizeof(l1), &e), 0);
	assert_int_equal(e, 5);
	const uint8_t l2[] = { 'x', 0xe1, 0xff };   /* 0xe1 is not 0xc1 folded */
	assert_int_equal(automaton_find(a, l2, sizeof(l2), &e), -1);
	const uint8_t l3[] = { 'x', 0xc1, 0xff, 'y' };
	assert_int_equal(automaton_find(a, l3, sizeof(l3), &e), 1);
	assert_int_equal(e, 3);
	const uint8_t l4[] = { 'x', 0, 'y', ' ', 0, 0x80 };   /* NUL is a non-word byte */
	assert_int_equal(automaton_find(a, l4, sizeof(l4), &e), 2);
	assert_int_equal(e, 5);
	automaton_free(a);
}

static void test_errors(void **state)
{
	(void)state;
	struct ac_input in[] = { str_in("abc", AC_WORD), str_in("", AC_WORD) };

	errno = 0;
	assert_null(automaton_build(in, 2));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(automaton_build(&in[1], 1));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(automaton_build(NULL, 1));
	assert_int_equal(errno, EINVAL);
	struct ac_input nullbytes = { NULL, 3, AC_WORD };
	errno = 0;
	assert_null(automaton_build(&nullbytes, 1));
	assert_int_equal(errno, EINVAL);
	automaton_free(NULL);
	assert_int_equal(automaton_memory(NULL), 0);
}

static void test_no_strings(void **state)
{
	(void)state;
	struct automaton *a = build_ok(NULL, 0);

	assert_int_equal(a->nstates, 1);
	assert_int_equal(a->nstrings, 0);
	assert_int_equal(a->nclasses, 1);
	expect_find(a, "anything at all", -1, 0);
	assert_true(automaton_memory(a) >= sizeof(*a));
	automaton_free(a);
}

/* A 1 MiB line with the only valid hit at its very end. */
static void test_long_line_hit_at_end(void **state)
{
	(void)state;
	size_t len = 1u << 20;
	uint8_t *line = malloc(len);
	struct ac_input in[] = {
		str_in("xmrig", AC_WORD), str_in("aab", AC_WORD), str_in("--end", AC_SUBSTRING),
	};
	struct automaton *a = build_ok(in, 3);
	size_t e = 0;

	assert_non_null(line);
	for (size_t i = 0; i < len; i++)
		line[i] = "ab xmrigX"[i % 9];   /* xmrig only ever glued to 'X' */
	memcpy(line + len - 6, " xmrig", 6);
	assert_int_equal(automaton_find(a, line, len, &e), 0);
	assert_int_equal(e, len);
	assert_int_equal(table_find(a, line, len, &e), 0);
	assert_int_equal(e, len);
	line[len - 1] = 'G';   /* still a word end */
	assert_int_equal(automaton_find(a, line, len, &e), 0);
	line[len - 6] = '_';
	assert_int_equal(automaton_find(a, line, len, &e), -1);
	memcpy(line + len - 5, "--end", 5);
	assert_int_equal(automaton_find(a, line, len, &e), 2);
	assert_int_equal(e, len);
	expect_same(a, in, 3, line, len);
	automaton_free(a);
	free(line);
}

/* ---- structural checks ------------------------------------------------- */

/* The prefilter's promise: every string spans filter_q + filter_stride - 1
 * bytes and each of its windows at offsets < filter_stride has both bits set.
 * Recomputed here independently (byte by byte, little or big endian). */
static void check_filter(const struct automaton *a, const struct ac_input *in, size_t n)
{
	if (n == 0) {
		assert_null(a->filter);
		return;
	}
	assert_non_null(a->filter);
	assert_true(a->filter_q >= 1 && a->filter_q <= 4);
	assert_true(a->filter_stride == 1 || a->filter_stride == 2);
	assert_true(a->filter_bits >= 6 && a->filter_bits <= 31);
	uint32_t word_only = 1;
	for (size_t i = 0; i < n; i++)
		if (in[i].mode == AC_SUBSTRING)
			word_only = 0;
	assert_int_equal(a->word_only, word_only);
	for (size_t i = 0; i < n; i++) {
		assert_true(in[i].len >= a->filter_q + a->filter_stride - 1);
		for (uint32_t o = 0; o < a->filter_stride; o++) {
			uint8_t b[4] = { 0 };
			uint32_t w;
			for (uint32_t k = 0; k < a->filter_q; k++)
				b[k] = in[i].bytes[o + k] & 0xdf;
			memcpy(&w, b, sizeof(w));
			uint32_t hmask = (uint32_t)(((uint64_t)1 << a->filter_bits) - 1);
			uint32_t h1 = (uint32_t)((w * UINT64_C(0x9e3779b97f4a7c15)) >> 32) & hmask;
			uint32_t h2 = (uint32_t)((w * UINT64_C(0xc2b2ae3d27d4eb4f)) >> 32) & hmask;
			const uint64_t *f2 = a->filter + (hmask + (size_t)1) / 64;
			assert_true((a->filter[h1 >> 6] >> (h1 & 63)) & 1);
			assert_true((f2[h2 >> 6] >> (h2 & 63)) & 1);
		}
	}
}

/* Checks the layout promises of automaton.h directly on the tables. */
static void check_tables(const struct automaton *a, const struct ac_input *in, size_t n)
{
	uint32_t *depth = calloc(a->nstates, sizeof(*depth));
	uint32_t max_chain = 0;

	assert_non_null(depth);
	/* Root row complete for every used class. */
	for (uint32_t c = 1; c < a->nclasses; c++) {
		assert_true(a->base[0] + c < a->ncomb);
		assert_int_equal(a->check[a->base[0] + c], 0);
	}
	for (int b = 0; b < 256; b++) {
		assert_true(a->cls[b] < a->nclasses);
		if (b >= 'A' && b <= 'Z')
			assert_int_equal(a->cls[b], a->cls[b + 32]);
	}
	/* Every state's row stays in range; every transition is consistent. */
	for (uint32_t s = 0; s < a->nstates; s++)
		assert_true((uint64_t)a->base[s] + a->nclasses <= a->ncomb);
	for (uint32_t j = 0; j < a->ncomb; j++) {
		if (a->check[j] == AC_NONE)
			continue;
		uint32_t s = a->check[j];
		assert_true(s < a->nstates);
		assert_true(j >= a->base[s] && j - a->base[s] < a->nclasses);
		assert_true(a->next[j] < a->nstates);
		if (a->next[j] != 0 || s != 0)
			depth[a->next[j]]++;   /* counts edges into each state */
	}
	/* A trie: every state but the root has exactly one edge into it. */
	for (uint32_t s = 1; s < a->nstates; s++)
		assert_int_equal(depth[s], 1);
	/* Depth of every state, by walking the strings. */
	memset(depth, 0, a->nstates * sizeof(*depth));
	for (size_t i = 0; i < n; i++) {
		uint32_t s = 0;
		for (size_t k = 0; k < in[i].len; k++) {
			uint32_t j = a->base[s] + a->cls[in[i].bytes[k]];
			assert_int_equal(a->check[j], s);
			s = a->next[j];
			depth[s] = (uint32_t)k + 1;
		}
		assert_int_not_equal(a->out[s], AC_NONE);
		assert_int_equal(a->str_len[a->out[s]], in[i].len);
		assert_true(a->str_input[a->out[s]] <= i);
	}
	assert_int_equal(a->fail[0], 0);
	assert_int_equal(a->dict[0], AC_NONE);
	for (uint32_t s = 1; s < a->nstates; s++) {
		assert_true(a->fail[s] < a->nstates);
		assert_true(depth[a->fail[s]] < depth[s]);
		if (a->out[s] != AC_NONE) {
			assert_true(a->out[s] < a->nstrings);
			assert_int_equal(a->str_len[a->out[s]], depth[s]);
		}
		/* dict[s]: the nearest output state on the fail chain. */
		uint32_t f = a->fail[s];
		while (f != 0 && a->out[f] == AC_NONE)
			f = a->fail[f];
		assert_int_equal(a->dict[s], f == 0 ? AC_NONE : f);
		uint32_t k = a->out[s] != AC_NONE;
		for (uint32_t t = a->dict[s]; t != AC_NONE; t = a->dict[t])
			k++;
		if (k > max_chain)
			max_chain = k;
	}
	assert_int_equal(a->max_dict_chain, max_chain);
	for (uint32_t i = 0; i < a->nstrings; i++) {
		assert_true(a->str_input[i] < n);
		assert_true(i == 0 || a->str_input[i] > a->str_input[i - 1]);
		assert_true(a->str_mode[i] == AC_WORD || a->str_mode[i] == AC_SUBSTRING);
	}
	size_t mem = sizeof(*a) + (size_t)a->nstates * 16 + (size_t)a->ncomb * 8 +
		     (size_t)a->nstrings * 9;
	if (a->filter)
		mem += 2 * (((size_t)1 << a->filter_bits) / 8);
	assert_int_equal(automaton_memory(a), mem);
	check_filter(a, in, n);
	free(depth);
}

static void test_tables(void **state)
{
	(void)state;
	struct ac_input in[] = {
		str_in("he", AC_WORD), str_in("she", AC_WORD), str_in("his", AC_SUBSTRING),
		str_in("hers", AC_WORD), str_in("HE", AC_SUBSTRING), str_in("e", AC_WORD),
		str_in("a", AC_WORD), str_in("aa", AC_WORD), str_in("aaa", AC_WORD),
		str_in("aaaa", AC_WORD),
	};
	struct automaton *a = build_ok(in, 10);

	check_tables(a, in, 10);
	assert_int_equal(a->nstrings, 9);
	assert_int_equal(a->max_dict_chain, 4);   /* aaaa, aaa, aa, a */
	automaton_free(a);
}

/* ---- randomized comparison against the naive matcher ------------------- */

struct gen {
	const char *alpha;  /* bytes to draw from ("" = any byte) */
	size_t nstr, maxlen, linelen, lines, rounds;
	size_t minlen;      /* 0 or 1: any length */
};

static uint8_t pick(const char *alpha, size_t alen)
{
	return alen ? (uint8_t)alpha[rnd_below(alen)] : (uint8_t)rnd();
}

/* Random string sets that overlap by construction: prefixes, suffixes and
 * case-flipped duplicates of earlier strings with random modes. */
static void make_strings(const struct gen *g, const char *alpha, size_t alen,
			 uint8_t *buf, struct ac_input *in, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t *p = buf + i * g->maxlen;
		size_t lo = g->minlen ? g->minlen : 1;
		size_t len = lo + rnd_below(g->maxlen - lo + 1);

		if (i > 0 && rnd_below(4) == 0) {
			const struct ac_input *o = &in[rnd_below(i)];
			size_t cut = lo + rnd_below(o->len - lo + 1);
			switch (rnd_below(3)) {
			case 0:   /* prefix */
				memcpy(p, o->bytes, cut);
				len = cut;
				break;
			case 1:   /* suffix */
				memcpy(p, o->bytes + o->len - cut, cut);
				len = cut;
				break;
			default:  /* duplicate with flipped case */
				memcpy(p, o->bytes, o->len);
				len = o->len;
				for (size_t k = 0; k < len; k++)
					if (rnd_below(2) && ((p[k] | 32) >= 'a' && (p[k] | 32) <= 'z'))
						p[k] ^= 32;
			}
		} else {
			for (size_t k = 0; k < len; k++)
				p[k] = pick(alpha, alen);
		}
		in[i].bytes = p;
		in[i].len = len;
		in[i].mode = rnd_below(3) ? AC_WORD : AC_SUBSTRING;
	}
}

/* Lines built from pieces of the strings, case-flipped, glued with random
 * alphabet bytes, so occurrences and their word edges vary a lot. */
static size_t make_line(const char *alpha, size_t alen, const struct ac_input *in, size_t n,
			uint8_t *line, size_t cap)
{
	size_t len = rnd_below(cap + 1), i = 0;

	while (i < len) {
		if (n && rnd_below(3) == 0) {
			const struct ac_input *s = &in[rnd_below(n)];
			for (size_t k = 0; k < s->len && i < len; k++) {
				uint8_t b = s->bytes[k];
				if (rnd_below(4) == 0 && ((b | 32) >= 'a' && (b | 32) <= 'z'))
					b ^= 32;
				line[i++] = b;
			}
		} else {
			line[i++] = pick(alpha, alen);
		}
	}
	return len;
}

static void run_random(const struct gen *g)
{
	size_t alen = strlen(g->alpha);
	uint8_t *buf = malloc(g->nstr * g->maxlen);
	struct ac_input *in = calloc(g->nstr, sizeof(*in));
	uint8_t *line = malloc(g->linelen + 1);

	assert_non_null(buf);
	assert_non_null(in);
	assert_non_null(line);
	for (size_t r = 0; r < g->rounds; r++) {
		size_t n = 1 + rnd_below(g->nstr);
		make_strings(g, g->alpha, alen, buf, in, n);
		struct automaton *a = build_ok(in, n);
		if (r % 16 == 0)
			check_tables(a, in, n);
		for (size_t l = 0; l < g->lines; l++) {
			size_t len = make_line(g->alpha, alen, in, n, line, g->linelen);
			expect_same(a, in, n, line, len);
		}
		automaton_free(a);
	}
	free(buf);
	free(in);
	free(line);
}

static void test_random_tiny_alphabet(void **state)
{
	(void)state;
	const struct gen g = { "ab", 6, 5, 40, 40, 1500, 0 };
	run_random(&g);
}

static void test_random_mixed_case_words(void **state)
{
	(void)state;
	const struct gen g = { "aAbB_ -.", 10, 6, 60, 30, 1500, 0 };
	run_random(&g);
}

static void test_random_nul_high_bytes(void **state)
{
	(void)state;
	const struct gen g = { "a\x80\xff\xc1\xe1 Z9", 8, 6, 60, 30, 1000, 0 };
	/* strlen stops at the first NUL, so add NUL through "any byte" rounds. */
	run_random(&g);
	const struct gen any = { "", 12, 4, 200, 20, 500, 0 };
	run_random(&any);
}

static void test_random_edges(void **state)
{
	(void)state;
	const struct gen g = { "st+cp:/-donate_lvX1 ", 12, 14, 120, 30, 800, 0 };
	run_random(&g);
}

static void test_random_many_strings(void **state)
{
	(void)state;
	const struct gen g = { "abcdeABCDE_-. 0\x90", 300, 8, 300, 10, 60, 0 };
	run_random(&g);
}

/* Strings of at least 4 bytes (stride 1, 4-byte windows) or 5 bytes
 * (stride 2): the prefilter's other shapes. */
static void test_random_stride_two(void **state)
{
	(void)state;
	const struct gen q3 = { "abAB_ -", 8, 9, 80, 30, 1000, 4 };
	run_random(&q3);
	const struct gen q4 = { "aA-b", 6, 12, 100, 30, 1000, 5 };
	run_random(&q4);
	const struct gen any = { "", 10, 8, 120, 20, 400, 5 };
	run_random(&any);
}

/* Lines where every window passes the prefilter and anchored walks run
 * long: automaton_find must give up on them and still answer right. */
static void test_adversarial_walks(void **state)
{
	(void)state;
	size_t len = 200000;
	uint8_t *line = malloc(len);
	char longa[61], longb[61];
	struct ac_input in[3];

	assert_non_null(line);
	memset(longa, 'a', 60);
	longa[59] = 'b';
	longa[60] = 0;
	memset(longb, 'a', 60);
	longb[60] = 0;
	in[0] = str_in(longa, AC_WORD);
	in[1] = str_in(longb, AC_WORD);
	in[2] = str_in("aaaab", AC_SUBSTRING);
	struct automaton *a = build_ok(in, 3);

	memset(line, 'a', len);
	expect_same(a, in, 2, line, len);      /* only "a"*60 at the very end counts */
	expect_same(a, in, 3, line, len);
	line[len - 1] = 'b';                   /* now "aaaab" and the long "a..ab" */
	expect_same(a, in, 3, line, len);
	for (size_t i = 0; i < len; i++)
		line[i] = i % 61 == 60 ? 'A' : 'a';
	expect_same(a, in, 3, line, len);
	automaton_free(a);
	a = build_ok(in, 2);
	line[len - 1] = 'b';
	expect_same(a, in, 2, line, len);
	automaton_free(a);
	free(line);
}

/* All four modes/case combinations of one string plus its prefixes. */
static void test_exhaustive_short_lines(void **state)
{
	(void)state;
	struct ac_input in[] = {
		str_in("ab", AC_WORD), str_in("AB", AC_SUBSTRING), str_in("b_", AC_WORD),
		str_in("a", AC_WORD), str_in("Ba", AC_WORD),
	};
	const char alpha[] = "aAb_ ";
	uint8_t line[7];

	for (size_t m = 0; m < 5; m++) {
		struct automaton *a = build_ok(in + m, 5 - m);
		/* every line of length <= 7 over the alphabet: 5^7 = 78125 */
		for (size_t len = 0; len <= 7; len++) {
			size_t total = 1;
			for (size_t k = 0; k < len; k++)
				total *= 5;
			for (size_t v = 0; v < total; v++) {
				size_t x = v;
				for (size_t k = 0; k < len; k++, x /= 5)
					line[k] = (uint8_t)alpha[x % 5];
				expect_same(a, in + m, 5 - m, line, len);
			}
		}
		automaton_free(a);
	}
}

/* ---- realistic sizes --------------------------------------------------- */

static void test_large_set(void **state)
{
	(void)state;
	const size_t n = 20000;
	static const char b58[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
	char (*buf)[128] = malloc(n * sizeof(*buf));
	struct ac_input *in = calloc(n, sizeof(*in));
	size_t total = 0;

	assert_non_null(buf);
	assert_non_null(in);
	for (size_t i = 0; i < n; i++) {
		int len;
		switch (i % 4) {
		case 0:
			len = snprintf(buf[i], sizeof(buf[i]), "pool-%llx.example-pool.net",
				       (unsigned long long)(rnd() & 0xffffff));
			break;
		case 1:
			buf[i][0] = '4';
			for (len = 1; len < 95; len++)
				buf[i][len] = b58[rnd_below(sizeof(b58) - 1)];
			break;
		case 2:
			len = snprintf(buf[i], sizeof(buf[i]), "--opt-%u", (unsigned)rnd_below(100000));
			break;
		default:
			len = snprintf(buf[i], sizeof(buf[i]), "miner%u", (unsigned)rnd_below(1000000));
		}
		in[i].bytes = (const uint8_t *)buf[i];
		in[i].len = (size_t)len;
		in[i].mode = i % 7 ? AC_WORD : AC_SUBSTRING;
		total += (size_t)len;
	}
	struct automaton *a = build_ok(in, n);
	check_tables(a, in, n);
	/* Well under 64 bytes per input byte: the comb stays dense. */
	assert_true(automaton_memory(a) < 64 * (total + 1024));
	assert_true(a->ncomb < a->nstates + a->nstates / 4 + 1024);

	char line[512];
	for (size_t r = 0; r < 40; r++) {
		const struct ac_input *s = &in[rnd_below(n)];
		int len = snprintf(line, sizeof(line), "%s -o %.*s%s --threads 4",
				   r % 2 ? "xmrig" : "python", (int)s->len,
				   (const char *)s->bytes, r % 3 ? "" : "x");
		expect_same(a, in, n, (const uint8_t *)line, (size_t)len);
	}
	automaton_free(a);
	free(buf);
	free(in);
}

int main(void)
{
	const char *env = getenv("NOMINE_TEST_SEED");
	if (env && *env)
		seed = strtoull(env, NULL, 0);
	printf("automaton tests: seed=%llu (set NOMINE_TEST_SEED to change)\n",
	       (unsigned long long)seed);

	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_word_mode_basics),
		cmocka_unit_test(test_substring_mode),
		cmocka_unit_test(test_non_word_edges),
		cmocka_unit_test(test_merge_duplicates),
		cmocka_unit_test(test_ties_prefer_longest),
		cmocka_unit_test(test_rejected_overlap_does_not_hide),
		cmocka_unit_test(test_nul_and_high_bytes),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_no_strings),
		cmocka_unit_test(test_long_line_hit_at_end),
		cmocka_unit_test(test_tables),
		cmocka_unit_test_setup(test_random_tiny_alphabet, setup_seed),
		cmocka_unit_test_setup(test_random_mixed_case_words, setup_seed),
		cmocka_unit_test_setup(test_random_nul_high_bytes, setup_seed),
		cmocka_unit_test_setup(test_random_edges, setup_seed),
		cmocka_unit_test_setup(test_random_many_strings, setup_seed),
		cmocka_unit_test_setup(test_random_stride_two, setup_seed),
		cmocka_unit_test(test_adversarial_walks),
		cmocka_unit_test(test_exhaustive_short_lines),
		cmocka_unit_test_setup(test_large_set, setup_seed),
	};
	return cmocka_run_group_tests_name("automaton", tests, NULL, NULL);
}
