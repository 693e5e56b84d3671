/* SPDX-License-Identifier: BSD-2-Clause */
/* test_ktables.c - the kernel's verdict algorithm (ktables_judge, the C twin
 * of verdict.bpf.h) agrees with user space (automaton_find and the allow
 * DFA) on raw argv areas: interior and trailing NULs, runs of separators
 * (cmdline_space.h), word edges, case. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmdline_space.h"
#include "ktables.h"
#include "policy.h"

static uint64_t rng = 0x6b74626c;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

/* Small alphabet, so strings overlap and touch each other a lot. */
static const char alpha[] = "aAbB_1 -.\t\0";

static void random_bytes(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)alpha[rnd(sizeof(alpha) - 1)];
}

/* One random argv: optionally ends in a NUL run, as the kernel lays it out. */
static size_t random_argv(uint8_t *p, size_t cap)
{
	size_t n = 1 + rnd((uint32_t)(cap / 2));

	random_bytes(p, n);
	for (uint32_t k = rnd(4); k && n < cap; k--)
		p[n++] = 0;
	return n;
}

/* The user-space answer for an argv area of any size. */
static long user_find_big(const struct automaton *a, const uint8_t *argv, size_t len)
{
	uint8_t *buf = malloc(len ? len : 1);
	long r;

	assert_non_null(buf);
	memcpy(buf, argv, len);
	r = automaton_find(a, buf, cmdline_squeeze(buf, buf, policy_cmdline(buf, len)), NULL);
	free(buf);
	return r;
}

/* The user-space answer for an argv area: the line squeezed, as policy
 * searches it. */
static long user_find(const struct automaton *a, const uint8_t *argv, size_t len)
{
	uint8_t buf[256];
	size_t n;

	memcpy(buf, argv, len);
	n = cmdline_squeeze(buf, buf, policy_cmdline(buf, len));
	return automaton_find(a, buf, n, NULL);
}

static void check_one_set(void)
{
	struct ac_input in[8];
	uint8_t str[8][6], argv[128];
	char why[256];
	struct automaton *a;
	struct ktables kt;
	int n = 1 + (int)rnd(8);

	for (int i = 0; i < n; i++) {
		/* as policy builds them: whitespace runs one space, none at the ends */
		do {
			size_t l = 1 + rnd(5);

			random_bytes(str[i], l);
			in[i].len = cmdline_banned_form(str[i], str[i], l);
		} while (!in[i].len);
		in[i].bytes = str[i];
		in[i].mode = rnd(2) ? AC_WORD : AC_SUBSTRING;
	}
	a = automaton_build(in, (size_t)n);
	assert_non_null(a);
	if (ktables_build(a, NULL, NM_KT_ALLOW_NONE, NULL, 1u << 24, &kt, why, sizeof(why))) {
		/* only the documented refusal is acceptable */
		assert_non_null(strstr(why, "end at one position"));
		automaton_free(a);
		return;
	}
	for (int t = 0; t < 200; t++) {
		size_t len = random_argv(argv, sizeof(argv));
		struct kverdict v;
		long want = user_find(a, argv, len);

		ktables_judge(&kt, argv, len, &v);
		if (v.matched != want) {
			fprintf(stderr, "seed-state %llu: kernel %ld user %ld\n",
				(unsigned long long)rng, v.matched, want);
			fail();
		}
	}
	ktables_free(&kt);
	automaton_free(a);
}

static void test_random_agreement(void **state)
{
	(void)state;
	for (int i = 0; i < 3000; i++)
		check_one_set();
}

static void test_nul_edges(void **state)
{
	/* a string ending in a space matches across an interior separator but
	 * not in the trailing NULs, which are not part of the line */
	struct ac_input in[] = { { (const uint8_t *)"ab ", 3, AC_SUBSTRING } };
	struct automaton *a = automaton_build(in, 1);
	struct ktables kt;
	struct kverdict v;
	char why[128];

	(void)state;
	assert_int_equal(ktables_build(a, NULL, NM_KT_ALLOW_NONE, NULL, 1u << 20, &kt, why, sizeof(why)), 0);
	ktables_judge(&kt, (const uint8_t *)"x\0ab\0c\0", 8, &v);
	assert_int_equal(v.matched, 0);
	ktables_judge(&kt, (const uint8_t *)"x\0ab\0\0\0", 7, &v);
	assert_int_equal(v.matched, -1);
	assert_int_equal(user_find(a, (const uint8_t *)"x\0ab\0\0\0", 7), -1);
	ktables_free(&kt);
	automaton_free(a);
}

static void test_allow_dfa_agreement(void **state)
{
	const char *pats[] = { "sh -c echo (a|b)+ ?", "x.*y", "ab \\d{2,3}" };
	static const char *lines[] = { "sh -c echo abab", "sh -c echo abab ", "xy", "x  y",
				       "ab 12", "ab 1234", "AB 123", "x\ny", "", "sh" };
	struct ac_input in[] = { { (const uint8_t *)"a", 1, AC_SUBSTRING },
				 { (const uint8_t *)"x", 1, AC_SUBSTRING } };
	struct automaton *a = automaton_build(in, 2);
	struct kregex_dfa d;
	struct ktables kt;
	char why[128];

	(void)state;
	assert_int_equal(kregex_compile(pats, 3, 1000, &d, NULL, NULL), 0);
	assert_int_equal(ktables_build(a, &d, NM_KT_ALLOW_DFA, NULL, 1u << 20, &kt, why, sizeof(why)), 0);
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		uint8_t argv[64];
		size_t n = strlen(lines[i]);
		struct kverdict v;

		/* as the kernel sees it: spaces are separators, plus trailing NULs */
		for (size_t j = 0; j < n; j++)
			argv[j] = lines[i][j] == ' ' && rnd(2) ? 0 : (uint8_t)lines[i][j];
		argv[n] = 0;
		argv[n + 1] = 0;
		ktables_judge(&kt, argv, n + 2, &v);
		if (v.matched >= 0)
			assert_int_equal(v.allowed, kregex_match(&d, (const uint8_t *)lines[i], n));
	}
	kregex_dfa_free(&d);
	ktables_free(&kt);
	automaton_free(a);
}

/* The banned patterns' DFA in the blob: judged over argv areas (NULs for
 * spaces, trailing NULs, NUL runs inside) exactly as kregex judges the
 * joined line, with early ends at its sink (a match that no byte can undo)
 * and dead state (^-anchored patterns), and only where no banned string
 * matched. The allow DFA then runs after a pattern match too. */
static void test_pattern_dfa(void **state)
{
	const char *pats[] = { "ab c", "^go\\d", "z$", "q \\S+ r", "c1 " };
	const char *allow[] = { "allowed .*" };
	static const char bytes[] = "abcgoz qr1 ";
	struct ac_input in[] = { { (const uint8_t *)"xx", 2, AC_SUBSTRING } };
	struct automaton *a = automaton_build(in, 1);
	struct kregex_dfa d, al;
	struct ktables kt;
	char why[128];

	(void)state;
	assert_int_equal(kregex_compile_mode(pats, 5, KREGEX_SEARCH, 1000, &d, NULL, NULL), 0);
	assert_int_equal(kregex_compile(allow, 1, 1000, &al, NULL, NULL), 0);
	assert_int_equal(ktables_build(a, &al, NM_KT_ALLOW_DFA, &d, 1u << 20, &kt, why, sizeof(why)),
			 0);
	for (int t = 0; t < 200000; t++) {
		uint8_t argv[40], line[40];
		size_t n = 1 + rnd(24), len;
		struct kverdict v;
		int want, banned_str;

		for (size_t j = 0; j < n; j++)
			argv[j] = rnd(5) ? (uint8_t)bytes[rnd(sizeof(bytes) - 1)] : 0;
		if (rnd(3) == 0)
			memcpy(argv, "allowed ", n < 8 ? n : 8);
		memcpy(line, argv, n);
		len = n;
		while (len && line[len - 1] == 0)
			len--;
		for (size_t j = 0; j < len; j++)
			line[j] = line[j] ? line[j] : ' ';
		want = kregex_match(&d, line, len);
		banned_str = memmem(line, len, "xx", 2) != NULL;
		ktables_judge(&kt, argv, n, &v);
		assert_int_equal(v.matched >= 0, banned_str);
		if (!banned_str && v.pattern != want)
			fail_msg("pattern %d, want %d on \"%.*s\" (%zu bytes of argv)", v.pattern, want,
				 (int)len, line, n);
		if (v.matched >= 0 || v.pattern)
			assert_int_equal(v.allowed, kregex_match(&al, line, len));
	}
	kregex_dfa_free(&d);
	kregex_dfa_free(&al);
	ktables_free(&kt);
	automaton_free(a);
}

/* Far more states than get dense rows (tens of thousands over a few
 * classes): most steps take the paired comb and its fail links, and argvs
 * made of pieces of the strings reach deep states and long fail chains. */
static void test_beyond_dense_rows(void **state)
{
	enum { NSTR = 3000 };
	static uint8_t str[NSTR][32], argv[4096];
	static struct ac_input in[NSTR];
	struct automaton *a;
	struct ktables kt;
	char why[256];

	(void)state;
	for (int i = 0; i < NSTR; i++) {
		in[i].len = 8 + rnd(24);
		for (size_t k = 0; k < in[i].len; k++)
			str[i][k] = (uint8_t)"abcdefgh"[rnd(rnd(2) ? 2 : 8)];
		in[i].bytes = str[i];
		in[i].mode = rnd(3) ? AC_SUBSTRING : AC_WORD;
	}
	a = automaton_build(in, NSTR);
	assert_non_null(a);
	assert_int_equal(ktables_build(a, NULL, NM_KT_ALLOW_NONE, NULL, 1u << 26, &kt, why, sizeof(why)), 0);
	assert_true(((const struct nm_kt_header *)kt.words)->b_ndense * 4 < a->nstates);
	for (int t = 0; t < 5000; t++) {
		size_t len = 0;
		struct kverdict v;

		while (len < sizeof(argv) - 40 && rnd(40)) {
			const struct ac_input *w = &in[rnd(NSTR)];
			size_t from = rnd((uint32_t)w->len), n = 1 + rnd((uint32_t)(w->len - from));

			memcpy(argv + len, w->bytes + from, n);
			len += n;
			if (rnd(5) == 0)
				argv[len++] = rnd(2) ? 0 : (uint8_t)'z';
		}
		if (!len)
			argv[len++] = 'a';
		ktables_judge(&kt, argv, len, &v);
		assert_int_equal(v.matched, user_find_big(a, argv, len));
	}
	ktables_free(&kt);
	automaton_free(a);
}

static void test_cap(void **state)
{
	struct ac_input in[] = { { (const uint8_t *)"abc", 3, AC_WORD } };
	struct automaton *a = automaton_build(in, 1);
	struct ktables kt;
	char why[128];

	(void)state;
	assert_int_equal(ktables_build(a, NULL, NM_KT_ALLOW_NONE, NULL, 1024, &kt, why, sizeof(why)), -E2BIG);
	assert_non_null(strstr(why, "cap"));
	assert_int_equal(ktables_build(a, NULL, NM_KT_ALLOW_NONE, NULL, 1u << 20, &kt, why, sizeof(why)), 0);
	assert_int_equal(kt.size, 64 * 1024);
	assert_int_equal(((struct nm_kt_header *)kt.words)->magic, NM_KT_MAGIC);
	ktables_free(&kt);
	automaton_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_agreement),
		cmocka_unit_test(test_nul_edges),
		cmocka_unit_test(test_allow_dfa_agreement),
		cmocka_unit_test(test_pattern_dfa),
		cmocka_unit_test(test_beyond_dense_rows),
		cmocka_unit_test(test_cap),
	};

	return cmocka_run_group_tests_name("ktables", tests, NULL, NULL);
}
