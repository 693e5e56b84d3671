/* SPDX-License-Identifier: BSD-2-Clause */
/* test_kpolicy.c - which allow patterns go into the kernel's DFA and which
 * are left to user space (freeze-and-decide); which configs take the
 * kernel's squeezing walk. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>
#include "kpolicy.h"

static struct policy *make(const char *yaml)
{
	struct config cfg = {0};
	char err[CONFIG_ERR_MAX];
	struct policy *p;

	assert_int_equal(config_parse_buffer(&cfg, "p.yaml", yaml, strlen(yaml), 0, err, sizeof(err)), 0);
	p = policy_build(&cfg, err, sizeof(err));
	assert_non_null(p);
	return p;
}

static int allowed(struct kpolicy *kp, const char *argv, size_t len)
{
	struct kverdict v;

	ktables_judge(&kp->kt, (const uint8_t *)argv, len, &v);
	assert_true(v.matched >= 0);
	return v.allowed;
}

static void test_modes(void **state)
{
	struct policy *p;
	struct kpolicy kp;

	(void)state;
	p = make("bannedCommandStrings: [xmrig]\n");
	assert_int_equal(kpolicy_build(p, 1u << 20, 1, &kp), 0);
	assert_int_equal(kp.allow_mode, NM_KT_ALLOW_NONE);
	kpolicy_free(&kp);
	policy_free(p);

	p = make("bannedCommandStrings: [xmrig]\nallowedCommandPatterns: ['python -m xmrig']\n");
	assert_int_equal(kpolicy_build(p, 1u << 20, 1, &kp), 0);
	assert_int_equal(kp.allow_mode, NM_KT_ALLOW_DFA);
	assert_int_equal(kp.nfallback, 0);
	assert_true(allowed(&kp, "python\0-m\0xmrig\0", 16));
	assert_false(allowed(&kp, "python\0-m\0xmrig\0x\0", 18));
	kpolicy_free(&kp);
	policy_free(p);
}

static void test_unsupported_and_over_budget(void **state)
{
	/* a backreference is not regular; '.*a[ab]{14}' alone needs 2^15
	 * states, over the budget: both are left to user space, the small
	 * pattern still runs in the kernel */
	struct policy *p = make("bannedCommandStrings: [xmrig]\nallowedCommandPatterns:\n"
				"  - '(x)\\1 xmrig'\n  - '.*a[ab]{14}'\n  - 'python -m xmrig'\n");
	struct kpolicy kp;

	(void)state;
	assert_int_equal(kpolicy_build(p, 1u << 24, 1, &kp), 0);
	assert_int_equal(kp.allow_mode, NM_KT_ALLOW_PARTIAL);
	assert_int_equal(kp.nfallback, 2);
	assert_true(allowed(&kp, "python\0-m\0xmrig\0", 16));
	assert_false(allowed(&kp, "xx\0xmrig\0", 9));
	kpolicy_free(&kp);
	policy_free(p);
}

/* A literal argv area, its length without the literal's own final NUL. */
#define JUDGE(area) ktables_judge(&kp.kt, (const uint8_t *)(area), sizeof(area) - 1, &v)

/* Banned patterns: their DFA in the tables, judged where no string matched;
 * a union over NM_BANNED_PATTERN_STATES leaves the tables unbuilt (every
 * verdict in user space), never some patterns out. */
static void test_banned_patterns(void **state)
{
	struct policy *p = make("bannedCommandStrings: [xmrig]\n"
				"bannedCommandPatterns: ['-o \\S+:\\d+ -u', '^\\./svc$']\n"
				"allowedCommandPatterns: ['python .*']\n");
	struct kpolicy kp;
	struct kverdict v;

	(void)state;
	assert_int_equal(kpolicy_build(p, 1u << 20, 1, &kp), 0);
	assert_true(kp.pattern_states > 3 && kp.pattern_states < 40);
	JUDGE("./a\0-o\0h:1\0-u\0w\0");
	assert_true(v.matched < 0 && v.pattern && !v.allowed);
	JUDGE("python\0-o\0h:1\0-u\0");
	assert_true(v.pattern && v.allowed);
	JUDGE("./svc\0");
	assert_true(v.pattern);
	JUDGE("./svc\0x\0");
	assert_false(v.pattern);
	JUDGE("xmrig\0-o\0h:1\0-u\0");
	assert_true(v.matched == 0 && !v.pattern);   /* the string is named */
	kpolicy_free(&kp);
	policy_free(p);
	/* each fits alone (8193, 8193 and 33 states), not all together */
	p = make("bannedCommandPatterns: ['a[ab]{12}$', 'x[xy]{12}$', 'c[cd]{4}$']\n");
	assert_int_equal(kpolicy_build(p, 1u << 24, 1, &kp), -E2BIG);
	assert_non_null(strstr(kp.why, "banned patterns need more than 16384 DFA states"));
	policy_free(p);
}

/* The squeezing walk (b_squeeze) only where a banned string holds
 * whitespace after policy's form: not for strings whose only whitespace is
 * at their ends, nor for patterns with spaces. */
static void test_squeeze_only_with_space(void **state)
{
	static const struct {
		const char *yaml;
		unsigned int squeeze;
	} cases[] = {
		{ "bannedCommandStrings: [xmrig, minerd]\n", 0 },
		{ "bannedCommandStrings: [xmrig, ' minerd\t', 'pool ']\n", 0 },
		{ "bannedCommandStrings: [xmrig]\nbannedCommandPatterns: ['-o \\S+ -u']\n"
		  "allowedCommandPatterns: ['python -m xmrig']\n", 0 },
		{ "bannedCommandStrings: [xmrig, 'a b']\n", 1 },
		{ "bannedCommandStrings: [xmrig, \"a\\tb\"]\n", 1 },
		{ "matchMode: substring\nbannedCommandStrings: ['--algo  rx/0']\n", 1 },
	};
	struct kpolicy kp;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct policy *p = make(cases[i].yaml);
		const struct nm_kt_header *h;

		assert_int_equal(kpolicy_build(p, 1u << 20, 1, &kp), 0);
		h = (const void *)kp.kt.words;
		if (h->b_squeeze != cases[i].squeeze)
			fail_msg("b_squeeze %u for %s", h->b_squeeze, cases[i].yaml);
		kpolicy_free(&kp);
		policy_free(p);
	}
}

static void test_over_cap(void **state)
{
	struct policy *p = make("bannedCommandStrings: [xmrig, minerd, cpuminer]\n");
	struct kpolicy kp;

	(void)state;
	assert_int_equal(kpolicy_build(p, 4096, 1, &kp), -E2BIG);
	assert_non_null(strstr(kp.why, "cap"));
	policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modes),
		cmocka_unit_test(test_unsupported_and_over_budget),
		cmocka_unit_test(test_banned_patterns),
		cmocka_unit_test(test_squeeze_only_with_space),
		cmocka_unit_test(test_over_cap),
	};

	return cmocka_run_group_tests_name("kpolicy", tests, NULL, NULL);
}
