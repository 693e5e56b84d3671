/* SPDX-License-Identifier: BSD-2-Clause */
/* test_default_config.c - the built-in config (config/default.yaml), loaded
 * as the daemon loads it and judged by policy_check as the daemon judges:
 * it kills none of tests/data/benign-cmdlines.txt (command lines hub users
 * run), every line of tests/data/miner-cmdlines.txt (miners, most of them
 * renamed), each of its entries kills at least one of those miner lines, and
 * it fits the kernel's verdict tables at the default size, so that the kernel
 * judges it at exec. A naive matcher restates the word rule independently of
 * the automaton; each banned pattern's own DFA (kregex, not PCRE2) checks the
 * patterns, and each pattern must be the only entry that kills some miner
 * line (else it is untested). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "corpus_lines.h"
#include "kpolicy.h"
#include "kregex.h"
#include "naive_match.h"
#include "policy.h"
#include "tunables.h"

#define BENIGN "benign-cmdlines.txt"
#define MINERS "miner-cmdlines.txt"

/* The word rule, naively: s occurs in line (ASCII case ignored) with no
 * letter, digit or '_' touching that occurrence on either side. */
static int word_hit(const char *line, const char *s)
{
	size_t n = strlen(line), m = strlen(s);

	for (size_t i = 0; i + m <= n; i++)
		if (naive_eq((const uint8_t *)line + i, (const uint8_t *)s, m) &&
		    (i == 0 || !naive_word((uint8_t)line[i - 1])) &&
		    (i + m == n || !naive_word((uint8_t)line[i + m])))
			return 1;
	return 0;
}

static void test_word_hit_helper(void **state)
{
	(void)state;
	assert_true(word_hit("/tmp/XMRig -o x", "xmrig"));
	assert_true(word_hit("xmrig", "xmrig"));
	assert_true(word_hit("./xmrig-notls", "xmrig"));
	assert_false(word_hit("xmrigger", "xmrig"));
	assert_false(word_hit("libxmrig", "xmrig"));
	assert_false(word_hit("a_xmrig", "xmrig"));
	assert_true(word_hit("x xmrigger xmrig", "xmrig"));
	assert_false(word_hit("xmri", "xmrig"));
	assert_true(word_hit("./x -A RX/0 -o y", "-a rx/0"));
	assert_false(word_hit("./x -a rx/01", "-a rx/0"));
}

/* Each banned pattern's DFA, the kernel's way of judging it (PCRE2 is what
 * policy_check uses). */
static struct kregex_dfa *pattern_dfas(const struct config *c)
{
	struct kregex_dfa *d = calloc(c->nbanned_patterns ? c->nbanned_patterns : 1, sizeof(*d));

	assert_non_null(d);
	for (size_t i = 0; i < c->nbanned_patterns; i++) {
		const char *pat = c->banned_patterns[i].bytes;

		if (kregex_compile_mode(&pat, 1, KREGEX_SEARCH, NM_BANNED_PATTERN_STATES, &d[i], NULL,
					NULL))
			fail_msg("pattern %s does not compile", pat);
	}
	return d;
}

static void free_dfas(struct kregex_dfa *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		kregex_dfa_free(&d[i]);
	free(d);
}

static int dfa_hit(const struct kregex_dfa *d, const char *line)
{
	return kregex_match(d, (const uint8_t *)line, strlen(line));
}

static void load_builtin(struct config *c)
{
	char err[CONFIG_ERR_MAX] = "";

	if (config_load_builtin(c, err, sizeof(err)))
		fail_msg("built-in config: %s", err);
}

static struct policy *builtin_policy(void)
{
	struct config c;
	char err[CONFIG_ERR_MAX] = "";
	struct policy *p;

	load_builtin(&c);
	p = policy_build(&c, err, sizeof(err));
	if (!p)
		fail_msg("built-in config: %s", err);
	return p;
}

static void load(const char *name, struct corpus *c, size_t at_least)
{
	char err[4400];

	if (corpus_load(name, c, err, sizeof(err)))
		fail_msg("%s", err);
	if (c->n < at_least)
		fail_msg("%s: %zu lines, want at least %zu", name, c->n, at_least);
}

static void test_builtin_loads(void **state)
{
	struct config c;
	int selftest = 0;

	(void)state;
	load_builtin(&c);
	assert_int_equal(c.nfiles, 1);
	assert_string_equal(c.files[0], CONFIG_BUILTIN_NAME);
	assert_true(c.nbanned >= 40);
	assert_true(c.nbanned_patterns >= 3);
	assert_int_equal(c.nallowed, 0);
	assert_int_equal(c.nallowed_exes, 0);   /* the RandomX settings stay defaults */
	assert_int_equal(c.monero_threshold, 0);
	assert_true(c.monero_window_s == 0);
	for (size_t i = 0; i < c.nbanned; i++) {
		assert_int_equal(c.banned[i].mode, CONFIG_WORD);
		assert_ptr_equal(c.banned[i].at.file, c.files[0]);
		assert_true(c.banned[i].at.line > 1);
		selftest |= !strcmp(c.banned[i].bytes, "nomine-selftest-7d3f9c1a");
	}
	assert_true(selftest);
	config_free(&c);
}

/* Zero hits, by the daemon's matcher and by the naive one; every offender is
 * listed before the test fails. */
static void test_benign_corpus_spared(void **state)
{
	struct policy *p = builtin_policy();
	const struct config *c = policy_config(p);
	struct kregex_dfa *d = pattern_dfas(c);
	struct corpus b;
	struct verdict v;
	size_t bad = 0;

	(void)state;
	load(BENIGN, &b, 1000);
	for (size_t k = 0; k < b.n; k++) {
		policy_check(p, (const uint8_t *)b.line[k], strlen(b.line[k]), &v);
		if (v.matched) {
			bad++;
			print_error("%s (default.yaml:%d) kills benign line %zu: %s\n",
				    v.matched->bytes, v.matched->at.line, k + 1, b.line[k]);
		}
		for (size_t i = 0; i < c->nbanned; i++)
			if (word_hit(b.line[k], c->banned[i].bytes) && !v.matched) {
				bad++;
				print_error("naive: %s (default.yaml:%d) occurs in benign line %zu, "
					    "policy_check saw nothing: %s\n", c->banned[i].bytes,
					    c->banned[i].at.line, k + 1, b.line[k]);
			}
		for (size_t i = 0; i < c->nbanned_patterns; i++)
			if (dfa_hit(&d[i], b.line[k]) && !v.matched) {
				bad++;
				print_error("DFA: %s (default.yaml:%d) matches benign line %zu, "
					    "policy_check saw nothing: %s\n", c->banned_patterns[i].bytes,
					    c->banned_patterns[i].at.line, k + 1, b.line[k]);
			}
	}
	corpus_free(&b);
	free_dfas(d, c->nbanned_patterns);
	policy_free(p);
	if (bad)
		fail_msg("%zu hits on %s", bad, BENIGN);
}

static void test_miner_corpus_killed(void **state)
{
	struct policy *p = builtin_policy();
	const struct config *c = policy_config(p);
	struct kregex_dfa *d = pattern_dfas(c);
	struct corpus m;
	struct verdict v;
	size_t bad = 0;

	(void)state;
	load(MINERS, &m, 100);
	for (size_t k = 0; k < m.n; k++) {
		int named;

		policy_check(p, (const uint8_t *)m.line[k], strlen(m.line[k]), &v);
		/* what it names really occurs: by the word rule, or the pattern's DFA */
		named = v.matched && (v.pattern ?
			dfa_hit(&d[v.matched - c->banned_patterns], m.line[k]) :
			word_hit(m.line[k], v.matched->bytes));
		if (!v.kill || !named || v.allowedby) {
			bad++;
			print_error("not killed (matched %s): line %zu: %s\n",
				    v.matched ? v.matched->bytes : "nothing", k + 1, m.line[k]);
		}
	}
	corpus_free(&m);
	free_dfas(d, c->nbanned_patterns);
	policy_free(p);
	if (bad)
		fail_msg("%zu lines of %s survive", bad, MINERS);
}

/* An entry that kills no miner line is untested: a typo, or an entry whose
 * edge is not a word byte and so never matches where meant. */
static void test_every_entry_kills_a_miner(void **state)
{
	struct config c;
	struct corpus m;
	size_t bad = 0;

	(void)state;
	load_builtin(&c);
	load(MINERS, &m, 100);
	for (size_t i = 0; i < c.nbanned; i++) {
		size_t k = 0;

		while (k < m.n && !word_hit(m.line[k], c.banned[i].bytes))
			k++;
		if (k == m.n) {
			bad++;
			print_error("%s (default.yaml:%d) kills no line of %s\n", c.banned[i].bytes,
				    c.banned[i].at.line, MINERS);
		}
	}
	corpus_free(&m);
	config_free(&c);
	if (bad)
		fail_msg("%zu entries untested", bad);
}

/* A pattern is needed: some miner line is killed by it and by no banned
 * string (nor by the other patterns alone, which would make it redundant
 * there too). */
static void test_every_pattern_needed(void **state)
{
	struct policy *p = builtin_policy();
	const struct config *c = policy_config(p);
	struct kregex_dfa *d = pattern_dfas(c);
	struct corpus m;
	size_t bad = 0;

	(void)state;
	load(MINERS, &m, 100);
	for (size_t i = 0; i < c->nbanned_patterns; i++) {
		size_t k, alone = 0;

		for (k = 0; k < m.n; k++) {
			size_t j, s, others = 0;

			if (!dfa_hit(&d[i], m.line[k]))
				continue;
			for (s = 0; s < c->nbanned && !word_hit(m.line[k], c->banned[s].bytes); s++)
				;
			for (j = 0; j < c->nbanned_patterns; j++)
				others += j != i && dfa_hit(&d[j], m.line[k]);
			alone += s == c->nbanned && !others;
		}
		print_message("%s (default.yaml:%d): alone on %zu miner lines\n",
			      c->banned_patterns[i].bytes, c->banned_patterns[i].at.line, alone);
		if (!alone) {
			bad++;
			print_error("%s (default.yaml:%d) is the only entry on no line of %s\n",
				    c->banned_patterns[i].bytes, c->banned_patterns[i].at.line, MINERS);
		}
	}
	corpus_free(&m);
	free_dfas(d, c->nbanned_patterns);
	policy_free(p);
	if (bad)
		fail_msg("%zu patterns not needed", bad);
}

/* Bigger than the tables would mean verdicts in user space, after the miner
 * has started. */
static void test_fits_kernel_tables(void **state)
{
	struct policy *p = builtin_policy();
	struct kpolicy kp;

	(void)state;
	if (kpolicy_build(p, NM_TABLE_CAP_BYTES, 1, &kp))
		fail_msg("built-in config does not fit %u bytes of kernel tables: %s",
			 NM_TABLE_CAP_BYTES, kp.why);
	assert_int_equal(kp.nfallback, 0);
	/* the patterns' DFA: well inside its budget (a tenth), so a hub's own
	 * patterns beside them still fit */
	print_message("banned patterns' DFA: %u states; tables %zu KiB\n", kp.pattern_states,
		      kp.kt.size / 1024);
	assert_true(kp.pattern_states > 0 && kp.pattern_states < NM_BANNED_PATTERN_STATES / 10);
	kpolicy_free(&kp);
	policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_word_hit_helper),
		cmocka_unit_test(test_builtin_loads),
		cmocka_unit_test(test_benign_corpus_spared),
		cmocka_unit_test(test_miner_corpus_killed),
		cmocka_unit_test(test_every_entry_kills_a_miner),
		cmocka_unit_test(test_every_pattern_needed),
		cmocka_unit_test(test_fits_kernel_tables),
	};

	return cmocka_run_group_tests_name("default_config", tests, NULL, NULL);
}
