/* SPDX-License-Identifier: BSD-2-Clause */
/* test_policy.c - verdicts: banned strings, banned patterns found anywhere,
 * allow patterns anchored at both ends, case folding, raw bytes, and the
 * argv-to-line rule. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include "policy.h"

static struct policy *make(const char *yaml)
{
	struct config cfg = {0};
	char err[CONFIG_ERR_MAX];
	struct policy *p;

	assert_int_equal(config_parse_buffer(&cfg, "t.yaml", yaml, strlen(yaml), 0, err, sizeof(err)), 0);
	p = policy_build(&cfg, err, sizeof(err));
	if (!p)
		fail_msg("policy_build: %s", err);
	return p;
}

static struct verdict judge(struct policy *p, const char *line)
{
	struct verdict v;

	policy_check(p, (const uint8_t *)line, strlen(line), &v);
	return v;
}

static void test_cmdline_join(void **state)
{
	uint8_t a[] = "sh\0-c\0echo  x\0\0\0";
	size_t n = policy_cmdline(a, sizeof(a) - 1);

	(void)state;
	assert_int_equal(n, strlen("sh -c echo  x"));
	assert_memory_equal(a, "sh -c echo  x", n);
	uint8_t b[] = "a\0\0b";   /* empty argument: two spaces */
	n = policy_cmdline(b, 4);
	assert_int_equal(n, 4);
	assert_memory_equal(b, "a  b", 4);
	assert_int_equal(policy_cmdline(b, 0), 0);
}

static void test_banned_and_case(void **state)
{
	struct policy *p = make("bannedCommandStrings: [xmrig, Stratum+TCP]\n");
	struct verdict v;

	(void)state;
	v = judge(p, "/tmp/XMRIG -o pool");
	assert_true(v.kill);
	assert_string_equal(v.matched->bytes, "xmrig");
	v = judge(p, "miner -o stratum+tcp://pool:3333");
	assert_true(v.kill);
	assert_string_equal(v.matched->bytes, "Stratum+TCP");
	v = judge(p, "xmrigger --help");
	assert_false(v.kill);
	assert_null(v.matched);
	policy_free(p);
}

static void test_allow_whole_line(void **state)
{
	struct policy *p = make("bannedCommandStrings: [xmrig]\n"
				"allowedCommandPatterns: ['python -m xmrig\\.docs', 'a|b xmrig']\n");
	struct verdict v;

	(void)state;
	v = judge(p, "PYTHON -m xmrig.docs");
	assert_false(v.kill);
	assert_non_null(v.allowedby);
	assert_string_equal(v.allowedby->regex, "python -m xmrig\\.docs");
	/* cryptnono anchored only the start: a suffix must not be spared */
	v = judge(p, "python -m xmrig.docs; ./xmrig");
	assert_true(v.kill);
	assert_null(v.allowedby);
	/* anchoring applies to the whole alternation, not to one branch */
	v = judge(p, "a");
	assert_false(v.kill);
	v = judge(p, "a xmrig -o x");
	assert_true(v.kill);
	v = judge(p, "b xmrig");
	assert_false(v.kill);
	assert_non_null(v.allowedby);
	policy_free(p);
}

static void test_raw_bytes(void **state)
{
	struct policy *p = make("bannedCommandStrings: [xmrig]\n"
				"allowedCommandPatterns: ['safe .*']\n");
	const uint8_t line[] = { 0xff, ' ', 'x', 'm', 'r', 'i', 'g', ' ', 0xc3 };
	const uint8_t safe[] = { 's', 'a', 'f', 'e', ' ', 0xfe, ' ', 'x', 'm', 'r', 'i', 'g' };
	struct verdict v;

	(void)state;
	policy_check(p, line, sizeof(line), &v);
	assert_true(v.kill);
	/* invalid UTF-8 must not make the allow pattern error out or crash */
	policy_check(p, safe, sizeof(safe), &v);
	assert_false(v.kill);
	policy_free(p);
}

static void test_newline_not_spared(void **state)
{
	/* '.' does not cross a newline inside an argument: fail closed */
	struct policy *p = make("bannedCommandStrings: [xmrig]\n"
				"allowedCommandPatterns: ['echo .*']\n");

	(void)state;
	assert_true(judge(p, "echo hi\n./xmrig").kill);
	assert_false(judge(p, "echo hi ./xmrig").kill);
	policy_free(p);
}

static void test_bad_regex_origin(void **state)
{
	const char *yaml = "bannedCommandStrings: [xmrig]\nallowedCommandPatterns:\n  - 'ok'\n  - 'bad(('\n";
	struct config cfg = {0};
	char err[CONFIG_ERR_MAX];

	(void)state;
	assert_int_equal(config_parse_buffer(&cfg, "t.yaml", yaml, strlen(yaml), 0, err, sizeof(err)), 0);
	errno = 0;
	assert_null(policy_build(&cfg, err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
	assert_true(strncmp(err, "t.yaml:4: invalid regex", 23) == 0);
	assert_int_equal(cfg.nbanned, 0);   /* ownership was taken */
}

static void test_pathological_pattern_fails_closed(void **state)
{
	/* catastrophic backtracking on a long attacker line must end (match
	 * limit) and must not spare the process */
	struct policy *p = make("bannedCommandStrings: [xmrig]\n"
				"allowedCommandPatterns: ['(a+)+b']\n");
	static uint8_t line[200000];
	struct verdict v;

	(void)state;
	memset(line, 'a', sizeof(line));
	memcpy(line, "xmrig ", 6);
	policy_check(p, line, sizeof(line), &v);
	assert_true(v.kill);
	policy_free(p);
}

/* bannedCommandPatterns: anywhere in the line, caseless; strings first;
 * the first matching pattern named; allow patterns spare as for strings. */
static void test_banned_patterns(void **state)
{
	struct policy *p = make("bannedCommandStrings: [xmrig]\n"
				"bannedCommandPatterns: ['-o \\S+:\\d{2,5}', '^\\./svc$', "
				"'[48][1-9ab][1-9a-z]{10}$']\n"
				"allowedCommandPatterns: ['python3 -m pip .*']\n");
	struct verdict v;

	(void)state;
	assert_int_equal(policy_nbanned_patterns(p), 3);
	v = judge(p, "./svc -O 192.0.2.1:3333 -u w");
	assert_true(v.kill && v.pattern);
	assert_string_equal(v.matched->bytes, "-o \\S+:\\d{2,5}");
	assert_int_equal(v.matched->at.line, 2);
	v = judge(p, "./svc");
	assert_true(v.kill && v.pattern);
	assert_string_equal(v.matched->bytes, "^\\./svc$");
	v = judge(p, "x ./svc");
	assert_false(v.kill);
	assert_null(v.matched);
	v = judge(p, "run 4AbcdefghijK");
	assert_true(v.kill);
	v = judge(p, "run 4AbcdefghijK x");
	assert_false(v.kill);
	v = judge(p, "xmrig -o h:3333");
	assert_true(v.kill && !v.pattern);
	assert_string_equal(v.matched->bytes, "xmrig");
	v = judge(p, "python3 -m pip download -o x:80");
	assert_false(v.kill);
	assert_true(v.pattern);
	assert_non_null(v.allowedby);
	policy_free(p);
}

/* A banned pattern the kernel could not judge is refused at load, with its
 * origin: outside kregex's subset, over the state budget, or matching every
 * command line. */
static void test_banned_pattern_refusals(void **state)
{
	static const struct {
		const char *yaml, *want;
	} cases[] = {
		{ "bannedCommandPatterns: [ok, '(a)\\1']\n",
		  "t.yaml:1: bannedCommandPatterns item cannot be judged in the kernel: " },
		{ "bannedCommandPatterns:\n  - '(?=x)y'\n",
		  "t.yaml:2: bannedCommandPatterns item cannot be judged in the kernel: " },
		{ "bannedCommandPatterns: ['a[ab]{14}$']\n",
		  "t.yaml:1: bannedCommandPatterns item cannot be judged in the kernel: its DFA needs" },
		{ "bannedCommandPatterns: ['x*']\n",
		  "t.yaml:1: bannedCommandPatterns item cannot be judged in the kernel: it matches "
		  "every command line" },
		{ "bannedCommandPatterns: ['$']\n", "every command line" },
		{ "bannedCommandPatterns: ['(']\n",
		  "t.yaml:1: invalid regex in bannedCommandPatterns: " },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct config cfg = {0};
		char err[CONFIG_ERR_MAX];

		assert_int_equal(config_parse_buffer(&cfg, "t.yaml", cases[i].yaml,
						     strlen(cases[i].yaml), 0, err, sizeof(err)), 0);
		assert_null(policy_build(&cfg, err, sizeof(err)));
		assert_int_equal(errno, EINVAL);
		if (!strstr(err, cases[i].want))
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err, cases[i].want);
	}
}

/* A banned pattern PCRE2 gives up on (match limit) is answered by its DFA,
 * as the kernel answers: a crafted line cannot slip past user space, nor
 * kill where nothing matched. */
static void test_banned_pattern_match_limit(void **state)
{
	static const char pat[] = "(?:a|a?a?)+bx";
	struct policy *p = make("bannedCommandPatterns: ['(?:a|a?a?)+bx']\n");
	pcre2_match_context *mc = pcre2_match_context_create(NULL);
	pcre2_match_data *md = pcre2_match_data_create(1, NULL);
	static char line[4000];
	pcre2_code *re;
	struct verdict v;
	PCRE2_SIZE off;
	int e;

	(void)state;
	re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, PCRE2_CASELESS, &e, &off, NULL);
	assert_non_null(re);
	pcre2_set_match_limit(mc, 1000000);     /* policy.c's limit */
	memset(line, 'a', sizeof(line) - 1);
	memcpy(line + sizeof(line) - 6, "c bx ", 5);
	assert_true(pcre2_match(re, (PCRE2_SPTR)line, strlen(line), 0, PCRE2_NO_JIT, md, mc) ==
		    PCRE2_ERROR_MATCHLIMIT);
	v = judge(p, line);
	assert_true(v.kill);
	memcpy(line + sizeof(line) - 6, "c byx", 5);
	assert_true(pcre2_match(re, (PCRE2_SPTR)line, strlen(line), 0, PCRE2_NO_JIT, md, mc) ==
		    PCRE2_ERROR_MATCHLIMIT);
	v = judge(p, line);
	assert_false(v.kill);
	pcre2_code_free(re);
	pcre2_match_data_free(md);
	pcre2_match_context_free(mc);
	policy_free(p);
}

static void test_empty_policy(void **state)
{
	struct policy *p = make("allowedCommandPatterns: []\n");

	(void)state;
	assert_int_equal(policy_nbanned(p), 0);
	assert_false(judge(p, "xmrig").kill);
	policy_free(p);
}

/* Argv as the kernel records it, judged as the daemon does: joined, then
 * policy_check(). */
static struct verdict judge_argv(struct policy *p, const char *argv, size_t len)
{
	uint8_t buf[256];
	struct verdict v;

	assert_true(len <= sizeof(buf));
	memcpy(buf, argv, len);
	policy_check(p, buf, policy_cmdline(buf, len), &v);
	return v;
}

/* Whitespace in a banned string matches any run of spaces, tabs and empty
 * arguments; the string is shown as written; word boundaries as before. */
static void test_space_runs(void **state)
{
	struct policy *p = make("bannedCommandStrings: ['xmrig --donate-level', ' pool\t  x ']\n");
	static const char *const banned[] = {
		"xmrig --donate-level 1", "xmrig  --donate-level", "xmrig\t--donate-level",
		"a xmrig \t \t--donate-level=5", "pool x", "pool\tx", "run  pool   x",
	};
	static const char *const clean[] = {
		"xmrig--donate-level", "xmrigs --donate-level", "xmrig --donate-levels",
		"axmrig --donate-level", "xmrig - -donate-level", "poolx", "pool xy", "apool x",
		"xmrig\n--donate-level",
	};
	struct verdict v;

	(void)state;
	for (size_t i = 0; i < sizeof(banned) / sizeof(banned[0]); i++) {
		v = judge(p, banned[i]);
		if (!v.kill)
			fail_msg("not banned: \"%s\"", banned[i]);
	}
	for (size_t i = 0; i < sizeof(clean) / sizeof(clean[0]); i++) {
		v = judge(p, clean[i]);
		if (v.matched)
			fail_msg("banned: \"%s\"", clean[i]);
	}
	/* separate arguments, empty ones between, several runs */
	v = judge_argv(p, "sh\0-c\0: $0\0xmrig\0\0--donate-level\0", 32);
	assert_true(v.kill);
	assert_string_equal(v.matched->shown, "xmrig --donate-level");
	v = judge_argv(p, "xmrig\0\0\0\t \0--donate-level\0", 27);
	assert_true(v.kill);
	v = judge_argv(p, "\0pool\0\0x\0\0", 10);
	assert_true(v.kill);
	assert_string_equal(v.matched->shown, " pool\t  x ");
	v = judge_argv(p, "pool\0\0xy", 8);
	assert_null(v.matched);
	policy_free(p);

	/* word mode unchanged around strings without whitespace */
	p = make("bannedCommandStrings: [minerd]\n");
	assert_true(judge(p, "run minerd -o x").kill);
	assert_true(judge(p, "/bin/minerd\t-o").kill);
	assert_null(judge(p, "minerdx").matched);
	assert_null(judge(p, "xminerd").matched);
	policy_free(p);

	/* substring mode: the runs inside squeeze too */
	p = make("matchMode: substring\nbannedCommandStrings: ['d --x']\n");
	assert_true(judge(p, "minerd\t\t--xyz").kill);
	assert_null(judge(p, "minerd--xyz").matched);
	policy_free(p);
}

static void test_space_only_refused(void **state)
{
	struct config cfg = {0};
	char err[CONFIG_ERR_MAX];
	static const char yaml[] = "bannedCommandStrings: [xmrig, \" \\t \"]\n";

	(void)state;
	assert_int_equal(config_parse_buffer(&cfg, "t.yaml", yaml, strlen(yaml), 0, err,
					     sizeof(err)), 0);
	assert_null(policy_build(&cfg, err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(err, "t.yaml:1: bannedCommandStrings item is only whitespace"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cmdline_join),
		cmocka_unit_test(test_banned_and_case),
		cmocka_unit_test(test_allow_whole_line),
		cmocka_unit_test(test_raw_bytes),
		cmocka_unit_test(test_newline_not_spared),
		cmocka_unit_test(test_bad_regex_origin),
		cmocka_unit_test(test_pathological_pattern_fails_closed),
		cmocka_unit_test(test_banned_patterns),
		cmocka_unit_test(test_banned_pattern_refusals),
		cmocka_unit_test(test_banned_pattern_match_limit),
		cmocka_unit_test(test_empty_policy),
		cmocka_unit_test(test_space_runs),
		cmocka_unit_test(test_space_only_refused),
	};

	return cmocka_run_group_tests_name("policy", tests, NULL, NULL);
}
