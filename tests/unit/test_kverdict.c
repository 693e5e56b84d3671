/* SPDX-License-Identifier: BSD-2-Clause */
/* test_kverdict.c - the verdict code the real kernel runs (verdict.bpf.h,
 * through BPF_PROG_TEST_RUN) agrees with user space on 100,000+ argvs.
 * Needs root and BPF. Where BPF is required (bpf_required.h: root on a kernel
 * with BTF, or NOMINE_REQUIRE_BPF=1) a BPF part that cannot load is a
 * failure; elsewhere, or with NOMINE_NO_BPF=1, the tests skip. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bpf_required.h"
#include "corpus_lines.h"
#include "exec.h"
#include "kpolicy.h"
#include "lineage.h"
#include "policy.h"

static uint64_t rng = 0x6b766572;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

static void noop(const struct exec_record *h, const uint8_t *a, size_t l, const uint8_t *e,
		 size_t el, int c, void *x)
{
	(void)h, (void)a, (void)l, (void)e, (void)el, (void)c, (void)x;
}

struct kfixture {
	struct lineage_tracker *lt;
	struct exec_watch *ew;
	char err[512];              /* why the BPF parts did not load */
};

/* Each test's first step: fails where BPF is required, else skips. */
static void need_bpf(const struct kfixture *f)
{
	const char *why;

	if (f->ew)
		return;
	why = bpf_required();
	if (why)
		fail_msg("BPF unavailable: %s (required: %s)", f->err, why);
	print_message("skipped: BPF unavailable: %s\n", f->err);
	skip();
}

static int setup(void **state)
{
	static struct kfixture f;
	struct exec_watch_opts o = { .cb = noop, .table_cap = 1u << 24, .test_entry = 1,
				     .audit = 1 };

	f.err[0] = 0;
	f.lt = lineage_open(NM_LINEAGE_TASK_STORAGE, f.err, sizeof(f.err));
	if (f.lt) {
		o.lineage_fd = lineage_map_fd(f.lt);
		f.ew = exec_watch_open(&o, f.err, sizeof(f.err));
	}
	if (!f.ew) {
		fprintf(stderr, "BPF unavailable: %s\n", f.err);
		lineage_close(f.lt);
		f.lt = NULL;
	}
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct kfixture *f = *state;

	exec_watch_close(f->ew);
	lineage_close(f->lt);
	return 0;
}

static struct policy *make_policy(const char *yaml)
{
	struct config cfg = {0};
	char err[CONFIG_ERR_MAX];
	struct policy *p;

	assert_int_equal(config_parse_buffer(&cfg, "k.yaml", yaml, strlen(yaml), 0, err, sizeof(err)), 0);
	p = policy_build(&cfg, err, sizeof(err));
	assert_non_null(p);
	return p;
}

static void install(struct kfixture *f, struct policy *p)
{
	struct kpolicy kp;

	assert_int_equal(kpolicy_build(p, 1u << 24, 7, &kp), 0);
	assert_int_equal(exec_watch_set_tables(f->ew, &kp.kt), 0);
	kpolicy_free(&kp);
}

/* What the kernel said across agree() calls, so a test can check that its
 * inputs reached each kind of verdict. */
static struct {
	unsigned long pattern, pattern_allowed, string;
} seen;

/* Compares the kernel with policy_check on one argv area. */
static void agree(struct kfixture *f, struct policy *p, const uint8_t *argv, size_t len)
{
	uint8_t *line = malloc(len + 1);
	int matched, flags;
	struct verdict v;
	size_t n;
	long want;

	memcpy(line, argv, len);
	n = policy_cmdline(line, len);
	policy_check(p, line, n, &v);
	/* a banned pattern: the kernel says only that one matched */
	want = !v.matched ? -1 : v.pattern ? NM_KT_PATTERN_MATCH :
	       (long)(v.matched - policy_config(p)->banned);
	assert_int_equal(exec_watch_test_verdict(f->ew, argv, len, &matched, &flags), 0);
	if (matched != want || (want >= 0 && !!(flags & NM_EXEC_ALLOWED) != (v.allowedby != NULL))) {
		fprintf(stderr, "kernel matched %d flags %#x, user %ld allowed %d; line:", matched,
			flags, want, v.allowedby != NULL);
		for (size_t i = 0; i < n; i++)
			fprintf(stderr, (line[i] >= 32 && line[i] < 127) ? "%c" : "\\x%02x", line[i]);
		fprintf(stderr, "\n");
		fail();
	}
	seen.pattern += matched == NM_KT_PATTERN_MATCH;
	seen.pattern_allowed += matched == NM_KT_PATTERN_MATCH && (flags & NM_EXEC_ALLOWED);
	seen.string += matched >= 0 && matched != NM_KT_PATTERN_MATCH;
	free(line);
}

static const char *const words[] = { "xmrig", "XMRig", "pool", "--donate-level", "stratum+tcp",
				     "python", "-m", "pip", "install", "a", "_", "x1", "ab ", "\xff",
				     "-", "=", "/", ".", " ", "\t", "minerd", "Minerd_", "1", "", "" };

static size_t random_argv(uint8_t *p, size_t cap)
{
	size_t n = 0;
	uint32_t nargs = 1 + rnd(12);

	for (uint32_t i = 0; i < nargs; i++) {
		for (uint32_t k = 1 + rnd(3); k; k--) {
			const char *w = words[rnd(sizeof(words) / sizeof(words[0]))];
			size_t l = strlen(w);

			if (n + l + 1 >= cap)
				break;
			memcpy(p + n, w, l);
			n += l;
		}
		p[n++] = 0;
	}
	for (uint32_t k = rnd(3); k && n < cap; k--)
		p[n++] = 0;
	return n;
}

/* Strings with whitespace in them (the squeezing walk) and without (the
 * plain walk: 'ab ' is 'ab'), 100k argvs each. */
static void test_agreement_100k(void **state)
{
	struct kfixture *f = *state;
	static const char *const yamls[] = {
		"bannedCommandStrings: [xmrig, '--donate-level', 'stratum+tcp', minerd, 'ab ', x1, '=',\n"
		"  'pool  x1', \"_\\tpip\", ' - / ']\n"
		"allowedCommandPatterns: ['python -m pip install .*', '\\S*xmrig\\S* x1 .*', 'minerd']\n",
		"bannedCommandStrings: [xmrig, '--donate-level', 'stratum+tcp', minerd, 'ab ', x1, '=']\n"
		"allowedCommandPatterns: ['python -m pip install .*', '\\S*xmrig\\S* x1 .*', 'minerd']\n",
	};
	static uint8_t argv[4096];
	struct policy *p;

	need_bpf(f);
	for (size_t y = 0; y < sizeof(yamls) / sizeof(yamls[0]); y++) {
		p = make_policy(yamls[y]);
		install(f, p);
		for (int i = 0; i < 100000; i++)
			agree(f, p, argv, random_argv(argv, sizeof(argv)));
		policy_free(p);
	}
}

/* Banned patterns, judged by the kernel's pattern DFA where no string
 * matched, then spared by allow patterns: anchors, NUL runs for spaces,
 * patterns that end in a space, matches that the next byte undoes ($).
 * Beside the plain walk, the squeezing one (a string with a space), whose
 * skipped separators the patterns still read. */
static void test_patterns_100k(void **state)
{
	struct kfixture *f = *state;
	static const char *const strings[] = { "[minerd_]", "[minerd_, 'ab \t x1']" };
	char yaml[512];
	static uint8_t argv[4096];
	struct policy *p;

	need_bpf(f);
	for (size_t y = 0; y < sizeof(strings) / sizeof(strings[0]); y++) {
		snprintf(yaml, sizeof(yaml), "bannedCommandStrings: %s\n"
			 "bannedCommandPatterns: ['pool\\S*:\\d{2,4}', '-m pip', '^xmrig', 'x1 $',"
			 " '_ ?=', '(?:ab|xmrig) [a]+$', '\\d{3}', 'stratum\\+tcp://\\S+:\\d+']\n"
			 "allowedCommandPatterns: ['python -m pip install .*', '\\S*xmrig\\S* x1 .*']\n",
			 strings[y]);
		p = make_policy(yaml);
		install(f, p);
		memset(&seen, 0, sizeof(seen));
		for (int i = 0; i < 100000; i++)
			agree(f, p, argv, random_argv(argv, sizeof(argv)));
		print_message("%lu pattern matches (%lu allowed), %lu string matches\n",
			      seen.pattern, seen.pattern_allowed, seen.string);
		assert_true(seen.pattern > 5000 && seen.pattern_allowed > 50 && seen.string > 1000);
		policy_free(p);
	}
}

static void test_long_argv(void **state)
{
	struct kfixture *f = *state;
	static uint8_t argv[1 << 20];
	struct policy *p;

	need_bpf(f);
	p = make_policy("bannedCommandStrings: [needle]\n");
	install(f, p);
	/* across chunk borders (16 KiB), and at the very end of 1 MiB */
	for (size_t at = 16384 - 8; at < 16384 + 8; at++) {
		memset(argv, 'q', sizeof(argv));
		argv[at - 1] = 0;
		memcpy(argv + at, "needle", 6);
		argv[at + 6] = 0;
		agree(f, p, argv, at + 7);
	}
	memset(argv, 'q', sizeof(argv));
	memcpy(argv + sizeof(argv) - 8, " needle", 7);
	argv[sizeof(argv) - 1] = 0;
	agree(f, p, argv, sizeof(argv));
	policy_free(p);
	/* a banned pattern across chunk borders, and one the last byte undoes */
	p = make_policy("bannedCommandPatterns: ['ne+dle \\d+ x$']\n");
	install(f, p);
	for (size_t at = 16384 - 12; at < 16384 + 4; at++) {
		memset(argv, 'q', sizeof(argv));
		argv[at - 1] = 0;
		memcpy(argv + at, "needle\0" "42 x", 11);
		argv[at + 11] = 0;
		agree(f, p, argv, at + 12);
		argv[at + 11] = 'y';
		argv[at + 12] = 0;
		agree(f, p, argv, at + 13);
	}
	memset(argv, 'q', sizeof(argv));
	memcpy(argv + sizeof(argv) - 14, " needle 7 x", 11);
	argv[sizeof(argv) - 1] = 0;
	agree(f, p, argv, sizeof(argv));
	policy_free(p);
}

/* Strings over a two-letter alphabet overlap everywhere: the automaton's
 * fail chains get long, and the kernel walk (which follows at most a few
 * links per byte before yielding and resuming) must still agree. */
static void test_deep_fail_chains(void **state)
{
	struct kfixture *f = *state;
	static char yaml[8192];
	static uint8_t argv[2048];
	struct policy *p;
	size_t n;

	need_bpf(f);
	n = (size_t)snprintf(yaml, sizeof(yaml), "matchMode: substring\nbannedCommandStrings: [");
	/* a..ab, a..abb: every proper suffix of one is a prefix of another */
	for (int len = 2; len <= 11; len++) {
		n += (size_t)snprintf(yaml + n, sizeof(yaml) - n, "'");
		for (int i = 0; i < len - 1; i++)
			yaml[n++] = 'a';
		n += (size_t)snprintf(yaml + n, sizeof(yaml) - n, "b', '");
		for (int i = 0; i < len - 2; i++)
			yaml[n++] = 'a';
		n += (size_t)snprintf(yaml + n, sizeof(yaml) - n, "bba', ");
	}
	for (int i = 0; i < 20; i++) {
		int len = 12 + (int)rnd(8);

		yaml[n++] = '\'';
		for (int k = 0; k < len; k++)
			yaml[n++] = "ab"[rnd(2)];
		n += (size_t)snprintf(yaml + n, sizeof(yaml) - n, "', ");
	}
	snprintf(yaml + n - 2, sizeof(yaml) - n + 2, "]\n");
	p = make_policy(yaml);
	install(f, p);
	for (int i = 0; i < 20000; i++) {
		size_t len = 1 + rnd(sizeof(argv) - 1);

		for (size_t k = 0; k < len; k++)
			argv[k] = (uint8_t)"aaaaaaab\0"[rnd(9)];
		agree(f, p, argv, len);
	}
	/* a run of a's broken by a byte no string has */
	for (size_t run = 1; run < 200; run++) {
		memset(argv, 'a', run);
		argv[run] = 'c';
		memcpy(argv + run + 1, "aab", 3);
		agree(f, p, argv, run + 4);
	}
	policy_free(p);
	/* one byte that follows eight fail links (abcdefgh -> bcdefgh -> ... -> h
	 * -> root), more than the walk follows per step */
	p = make_policy("matchMode: substring\nbannedCommandStrings: [abcdefgh1, bcdefghZ, "
			"cdefghZ, defghZ, efghZ, fghZ, ghZ, hZ, hQ]\n");
	install(f, p);
	for (int i = 0; i < 20000; i++) {
		static const char *const pieces[] = { "abcdefgh", "bcdefgh", "efgh", "h", "Z", "Q",
						      "1", "x", "", "abcdefg" };
		size_t len = 0;

		for (uint32_t k = 1 + rnd(12); k; k--) {
			const char *w = pieces[rnd(sizeof(pieces) / sizeof(pieces[0]))];

			memcpy(argv + len, w, strlen(w));
			len += strlen(w);
			if (rnd(4) == 0)
				argv[len++] = 0;
		}
		agree(f, p, argv, len ? len : 1);
	}
	policy_free(p);
}

/* Far more states than get dense rows: the kernel walks the paired comb
 * and its fail links (resuming after KW_HOPS), across chunk borders. */
static void test_beyond_dense_rows(void **state)
{
	enum { NSTR = 2000 };
	struct kfixture *f = *state;
	static char yaml[NSTR * 40 + 64], strs[NSTR][32];
	static uint8_t argv[40000];
	struct policy *p;
	size_t n;

	need_bpf(f);
	n = (size_t)snprintf(yaml, sizeof(yaml), "matchMode: substring\nbannedCommandStrings: [");
	for (int i = 0; i < NSTR; i++) {
		int len = 10 + (int)rnd(20);

		for (int k = 0; k < len; k++)
			strs[i][k] = "abcdefgh"[rnd(rnd(2) ? 2 : 8)];
		strs[i][len] = 0;
		n += (size_t)snprintf(yaml + n, sizeof(yaml) - n, "%s'%s'", i ? ", " : "", strs[i]);
	}
	snprintf(yaml + n, sizeof(yaml) - n, "]\n");
	p = make_policy(yaml);
	install(f, p);
	for (int t = 0; t < 3000; t++) {
		size_t len = 0, want = t < 100 ? 16384 + 2000 + rnd(20000) : 1 + rnd(3000);

		while (len < want) {
			const char *w = strs[rnd(NSTR)];
			size_t wl = strlen(w), from = rnd((uint32_t)wl), k = 1 + rnd((uint32_t)(wl - from));

			if (len + k + 1 > sizeof(argv))
				break;
			memcpy(argv + len, w + from, k);
			len += k;
			if (rnd(7) == 0)
				argv[len++] = rnd(3) ? 0 : 'z';
		}
		agree(f, p, argv, len ? len : 1);
	}
	policy_free(p);
}

/* The built-in config as the daemon loads it, on the command lines of
 * tests/data: the kernel kills every miner line and no benign line, with the
 * entry user space names (test_default_config checks user space alone). Each
 * line becomes an argv by cutting it at its spaces; the joined line is the
 * same, and the kernel sees NULs where user space sees spaces. */
static void test_default_config_corpora(void **state)
{
	static const char *const files[] = { "benign-cmdlines.txt", "miner-cmdlines.txt" };
	struct kfixture *f = *state;
	struct config cfg = {0};
	char err[4400];
	struct policy *p;

	need_bpf(f);
	assert_int_equal(config_load_builtin(&cfg, err, sizeof(err)), 0);
	p = policy_build(&cfg, err, sizeof(err));
	assert_non_null(p);
	install(f, p);
	for (int miner = 0; miner < 2; miner++) {
		struct corpus c;

		if (corpus_load(files[miner], &c, err, sizeof(err)))
			fail_msg("%s", err);
		assert_true(c.n >= (miner ? 100u : 1000u));
		for (size_t k = 0; k < c.n; k++) {
			size_t len = strlen(c.line[k]) + 1;
			uint8_t *argv = malloc(len);
			int matched, flags;

			assert_non_null(argv);
			for (size_t i = 0; i < len; i++)
				argv[i] = c.line[k][i] == ' ' ? 0 : (uint8_t)c.line[k][i];
			agree(f, p, argv, len);
			assert_int_equal(exec_watch_test_verdict(f->ew, argv, len, &matched, &flags),
					 0);
			if ((matched >= 0) != miner)
				fail_msg("%s line %zu: kernel matched %d: %s", files[miner], k + 1,
					 matched, c.line[k]);
			free(argv);
		}
		corpus_free(&c);
	}
	policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_agreement_100k),
		cmocka_unit_test(test_patterns_100k),
		cmocka_unit_test(test_long_argv),
		cmocka_unit_test(test_deep_fail_chains),
		cmocka_unit_test(test_beyond_dense_rows),
		cmocka_unit_test(test_default_config_corpora),
	};

	return cmocka_run_group_tests_name("kverdict", tests, setup, teardown);
}
