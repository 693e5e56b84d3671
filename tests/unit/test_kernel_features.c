/* SPDX-License-Identifier: BSD-2-Clause */
/* test_kernel_features.c - where verdicts are taken on kernels that lack
 * one feature or another: degrade, never fail. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "kernel_features.h"

static const struct features all = { true, true, true, true, true };

static void expect(struct features f, bool fit, enum verdict_site want, int has_why)
{
	const char *why;

	assert_int_equal(features_select(&f, fit, &why), want);
	assert_int_equal(why != NULL, has_why);
}

static void test_select(void **state)
{
	struct features f;

	(void)state;
	expect(all, true, SITE_KERNEL, 0);
	expect(all, false, SITE_USER, 1);                 /* tables over the cap */
	f = all, f.map_in_map = false;
	expect(f, true, SITE_USER, 1);
	f = all, f.bpf_loop = false;                      /* 5.10 - 5.16 */
	expect(f, true, SITE_SWEEP, 1);
	f = all, f.task_storage = false;
	expect(f, true, SITE_SWEEP, 1);
	f = all, f.ringbuf = false;
	expect(f, true, SITE_SWEEP, 1);
	f = all, f.btf = false;
	expect(f, true, SITE_SWEEP, 1);
	assert_string_equal(features_site_name(SITE_KERNEL), "kernel");
	assert_string_equal(features_site_name(SITE_SWEEP), "sweep-only");
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_select) };

	return cmocka_run_group_tests_name("kernel_features", tests, NULL, NULL);
}
