/* SPDX-License-Identifier: BSD-2-Clause */
/* test_histogram.c - fixed-bucket histograms: where a value lands, and the
 * Prometheus text (cumulative buckets, +Inf, sum, count). */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include "histogram.h"
#include "prom_text.h"

static const double le3[] = { 0.001, 0.5, 2 };

/* A value on a bound belongs to that bucket (le: less than or equal);
 * one above the last bound only to +Inf. */
static void test_observe_buckets(void **state)
{
	struct histogram h;

	(void)state;
	assert_int_equal(histogram_init(&h, le3, 3), 0);
	histogram_observe(&h, 0.0005);
	histogram_observe(&h, 0.001);
	histogram_observe(&h, 0.0011);
	histogram_observe(&h, 2);
	histogram_observe(&h, 2.0001);
	histogram_observe(&h, 1e9);
	assert_int_equal(h.counts[0], 2);
	assert_int_equal(h.counts[1], 1);
	assert_int_equal(h.counts[2], 1);
	assert_int_equal(h.counts[3], 2);
	assert_int_equal(h.count, 6);
	assert_true(fabs(h.sum - (0.0005 + 0.001 + 0.0011 + 2 + 2.0001 + 1e9)) < 1e-6);
}

/* A clock that went backwards, or garbage, must not make a negative sum. */
static void test_observe_negative_and_nan(void **state)
{
	struct histogram h;

	(void)state;
	histogram_init(&h, le3, 3);
	histogram_observe(&h, -3);
	histogram_observe(&h, NAN);
	assert_int_equal(h.counts[0], 2);
	assert_int_equal(h.count, 2);
	assert_true(h.sum == 0);
}

static void test_init_refuses_bad_bounds(void **state)
{
	static const double unsorted[] = { 1, 0.5 }, dup[] = { 1, 1 };
	static double many[HISTOGRAM_BUCKETS_MAX + 1];
	struct histogram h;

	(void)state;
	for (size_t i = 0; i < HISTOGRAM_BUCKETS_MAX + 1; i++)
		many[i] = (double)i + 1;
	assert_int_equal(histogram_init(&h, unsorted, 2), -EINVAL);
	assert_int_equal(h.n, 0);
	assert_int_equal(histogram_init(&h, dup, 2), -EINVAL);
	assert_int_equal(histogram_init(&h, many, HISTOGRAM_BUCKETS_MAX + 1), -EINVAL);
	assert_int_equal(histogram_init(&h, many, HISTOGRAM_BUCKETS_MAX), 0);
	/* refused, it still counts (in +Inf) */
	histogram_init(&h, unsorted, 2);
	histogram_observe(&h, 0.7);
	assert_int_equal(h.count, 1);
}

static void test_render_text(void **state)
{
	static const char want[] =
		"# HELP t_seconds Time.\n"
		"# TYPE t_seconds histogram\n"
		"t_seconds_bucket{le=\"0.001\"} 1\n"
		"t_seconds_bucket{le=\"0.5\"} 1\n"
		"t_seconds_bucket{le=\"2\"} 3\n"
		"t_seconds_bucket{le=\"+Inf\"} 4\n"
		"t_seconds_sum 305.0005\n"
		"t_seconds_count 4\n";
	struct histogram h;
	char buf[1024];
	size_t n;

	(void)state;
	histogram_init(&h, le3, 3);
	histogram_observe(&h, 0.0005);
	histogram_observe(&h, 1.5);
	histogram_observe(&h, 1.5);
	histogram_observe(&h, 302);
	n = histogram_render(&h, "t_seconds", "Time.", NULL, buf, sizeof(buf), 0);
	assert_string_equal(buf, want);
	assert_int_equal(n, strlen(want));
}

/* Labels go before le; a second series of the family has no HELP/TYPE. */
static void test_render_labels(void **state)
{
	struct histogram h;
	char buf[1024];

	(void)state;
	histogram_init(&h, le3, 3);
	histogram_render(&h, "t_seconds", NULL, "detector=\"exec\"", buf, sizeof(buf), 0);
	assert_null(strstr(buf, "# "));
	assert_non_null(strstr(buf, "t_seconds_bucket{detector=\"exec\",le=\"0.001\"} 0\n"));
	assert_non_null(strstr(buf, "t_seconds_bucket{detector=\"exec\",le=\"+Inf\"} 0\n"));
	assert_non_null(strstr(buf, "\nt_seconds_sum{detector=\"exec\"} 0\n"));
	assert_non_null(strstr(buf, "\nt_seconds_count{detector=\"exec\"} 0\n"));
}

/* Appends at an offset; a buffer too small gets what fits, NUL-ended, and
 * the size needed comes back (as snprintf). */
static void test_render_bounded(void **state)
{
	struct histogram h;
	char big[1024], small[40];
	size_t need, got;

	(void)state;
	histogram_init(&h, le3, 3);
	memcpy(big, "x\n", 3);
	need = histogram_render(&h, "t", NULL, NULL, big, sizeof(big), 2);
	assert_int_equal(strncmp(big, "x\nt_bucket{le=\"0.001\"} 0\n", 25), 0);
	assert_int_equal(need, strlen(big));
	got = histogram_render(&h, "t", NULL, NULL, small, sizeof(small), 0);
	assert_int_equal(got, need - 2);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_int_equal(strncmp(small, big + 2, sizeof(small) - 1), 0);
}

/* le values as Prometheus writes them: no exponent, no trailing zeros. */
static void test_float_text(void **state)
{
	static const struct {
		double v;
		const char *text;
	} cases[] = {
		{ 0.00001, "0.00001" }, { 0.0001, "0.0001" }, { 0.075, "0.075" }, { 1, "1" },
		{ 2.5, "2.5" }, { 300, "300" }, { 0, "0" }, { 1e-12, "0" },
	};
	char out[32];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		prom_float(out, sizeof(out), cases[i].v);
		assert_string_equal(out, cases[i].text);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_observe_buckets),
		cmocka_unit_test(test_observe_negative_and_nan),
		cmocka_unit_test(test_init_refuses_bad_bounds),
		cmocka_unit_test(test_render_text),
		cmocka_unit_test(test_render_labels),
		cmocka_unit_test(test_render_bounded),
		cmocka_unit_test(test_float_text),
	};

	return cmocka_run_group_tests_name("histogram", tests, NULL, NULL);
}
