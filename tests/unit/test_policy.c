/* SPDX-License-Identifier: BSD-2-Clause */
/* test_policy.c - verdicts: banned strings, allow patterns anchored at both
 * ends, case folding, raw bytes, and the argv-to-line rule. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>
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

static void test_empty_policy(void **state)
{
	struct policy *p = make("allowedCommandPatterns: []\n");

	(void)state;
	assert_int_equal(policy_nbanned(p), 0);
	assert_false(judge(p, "xmrig").kill);
	policy_free(p);
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
		cmocka_unit_test(test_empty_policy),
	};

	return cmocka_run_group_tests_name("policy", tests, NULL, NULL);
}
