/* SPDX-License-Identifier: BSD-2-Clause */
/* test_kernel_features.c - which variant of each detector runs, and where
 * verdicts are taken, on kernels that lack one feature or another, or that
 * refuse a program: degrade, never fail, always say why. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "kernel_features.h"

static const struct features all = { true, true, true, true, true };

static void expect_exec(struct features f, bool user_verdict, enum exec_variant want,
			int has_why)
{
	const char *why;

	assert_int_equal(features_exec_variant(&f, user_verdict, &why), want);
	assert_int_equal(why != NULL, has_why);
}

static void test_exec_variant(void **state)
{
	struct features f;

	(void)state;
	expect_exec(all, false, EXEC_VERDICT, 0);
	expect_exec(all, true, EXEC_CAPTURE, 1);          /* --user-verdict */
	f = all, f.bpf_loop = false;                      /* 5.10 - 5.16 */
	expect_exec(f, false, EXEC_CAPTURE, 1);
	f = all, f.map_in_map = false;
	expect_exec(f, false, EXEC_CAPTURE, 1);
	f = all, f.task_storage = false;                  /* lineage moves, exec stays */
	expect_exec(f, false, EXEC_VERDICT, 0);
	f = all, f.ringbuf = false;
	expect_exec(f, false, EXEC_NONE, 1);
	f = all, f.btf = false;
	expect_exec(f, true, EXEC_NONE, 1);
	assert_string_equal(features_exec_variant_name(EXEC_VERDICT), "kernel-verdict");
	assert_string_equal(features_exec_variant_name(EXEC_CAPTURE), "capture");
	assert_string_equal(features_exec_variant_name(EXEC_NONE), "sweep-only");
}

static void test_lineage_kind(void **state)
{
	struct features f = all;
	const char *why;

	(void)state;
	assert_int_equal(features_lineage_kind(&f, &why), NM_LINEAGE_TASK_STORAGE);
	assert_null(why);
	f.task_storage = false;                           /* 5.8 - 5.10 */
	assert_int_equal(features_lineage_kind(&f, &why), NM_LINEAGE_PID_MAP);
	assert_non_null(why);
	f.btf = false;
	assert_int_equal(features_lineage_kind(&f, &why), NM_LINEAGE_NONE);
	assert_non_null(why);
}

static void expect_site(struct features f, enum exec_variant loaded, bool fit,
			enum verdict_site want, int has_why)
{
	const char *why;

	assert_int_equal(features_select(&f, loaded, fit, &why), want);
	assert_int_equal(why != NULL, has_why);
}

static void test_select(void **state)
{
	struct features f;

	(void)state;
	expect_site(all, EXEC_VERDICT, true, SITE_KERNEL, 0);
	expect_site(all, EXEC_VERDICT, false, SITE_USER, 1);   /* tables over the cap */
	expect_site(all, EXEC_CAPTURE, true, SITE_USER, 1);    /* verdict program refused */
	expect_site(all, EXEC_NONE, true, SITE_SWEEP, 1);      /* every exec program refused */
	f = all, f.bpf_loop = false;
	expect_site(f, EXEC_CAPTURE, true, SITE_USER, 1);
	f = all, f.btf = false;
	expect_site(f, EXEC_NONE, true, SITE_SWEEP, 1);
	assert_string_equal(features_site_name(SITE_KERNEL), "kernel");
	assert_string_equal(features_site_name(SITE_USER), "user");
	assert_string_equal(features_site_name(SITE_SWEEP), "sweep-only");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exec_variant),
		cmocka_unit_test(test_lineage_kind),
		cmocka_unit_test(test_select),
	};

	return cmocka_run_group_tests_name("kernel_features", tests, NULL, NULL);
}
