/* SPDX-License-Identifier: BSD-2-Clause */
/* test_metrics.c - the Prometheus exposition text. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include "metrics.h"

static void test_render(void **state)
{
	struct metric_values v = { .killed_kernel = 7, .killed_user = 2, .kernel_verdict = 1,
				   .reloads_refused = 3, .kernel_tables_bytes = 8u << 20 };
	char buf[8192];
	size_t n;

	(void)state;
	n = metrics_render(&v, buf, sizeof(buf));
	assert_int_equal(n, strlen(buf));
	assert_non_null(strstr(buf, "\nnomine_processes_killed_total{in_kernel=\"true\"} 7\n"));
	assert_non_null(strstr(buf, "\nnomine_processes_killed_total{in_kernel=\"false\"} 2\n"));
	assert_non_null(strstr(buf, "\nnomine_kernel_verdict 1\n"));
	assert_non_null(strstr(buf, "\nnomine_kernel_tables_bytes 8388608\n"));
	assert_non_null(strstr(buf, "\nnomine_config_reloads_total{result=\"refused\"} 3\n"));
	/* one HELP/TYPE per family, even for labelled series */
	assert_null(strstr(strstr(buf, "# TYPE nomine_processes_killed_total") + 1,
			   "# TYPE nomine_processes_killed_total"));
	assert_int_equal(buf[n - 1], '\n');
}

static void test_render_detectors_and_programs(void **state)
{
	static const struct prog_cost progs[] = {
		{ .name = "handle_exec", .verified_insns = 77219, .load_us = 91234 },
		{ .name = "handle_fork", .verified_insns = 65, .load_us = 1500000 },
	};
	struct metric_values v = { .progs = progs, .nprogs = 2, .ndetectors = 2,
				   .prog_misses = { 3, 0 } };
	char buf[16384];

	(void)state;
	v.kernel[0].name = "nomine_exec_argv_read_failures_total";
	v.kernel[0].help = "Execs whose argv could not be read.";
	v.kernel[0].value = 5;
	v.nkernel = 1;
	v.detectors[0].name = "exec";
	v.detectors[0].variant = "capture";
	v.detectors[0].refused = 1;
	v.detectors[1].name = "randomx";
	v.detectors[1].variant = "none";
	metrics_render(&v, buf, sizeof(buf));
	assert_non_null(strstr(buf, "\nnomine_detector_info{detector=\"exec\",variant=\"capture\"} 1\n"));
	assert_non_null(strstr(buf, "\nnomine_detector_info{detector=\"randomx\",variant=\"none\"} 1\n"));
	assert_non_null(strstr(buf, "\nnomine_detector_refused{detector=\"exec\"} 1\n"));
	assert_non_null(strstr(buf, "\nnomine_detector_refused{detector=\"randomx\"} 0\n"));
	assert_non_null(strstr(buf, "\nnomine_bpf_verified_instructions{program=\"handle_exec\"} 77219\n"));
	assert_non_null(strstr(buf, "\nnomine_bpf_load_seconds{program=\"handle_exec\"} 0.091234\n"));
	assert_non_null(strstr(buf, "\nnomine_bpf_load_seconds{program=\"handle_fork\"} 1.500000\n"));
	assert_non_null(strstr(buf, "\nnomine_bpf_recursion_misses_total{program=\"handle_exec\"} 3\n"));
	assert_non_null(strstr(buf, "\nnomine_bpf_recursion_misses_total{program=\"handle_fork\"} 0\n"));
	assert_null(strstr(strstr(buf, "# TYPE nomine_detector_info") + 1, "# TYPE nomine_detector_info"));
	assert_non_null(strstr(buf, "# TYPE nomine_exec_argv_read_failures_total counter\n"
				    "nomine_exec_argv_read_failures_total 5\n"));
}

static void test_render_truncates_safely(void **state)
{
	struct metric_values v = {0};
	char small[64];
	size_t need;

	(void)state;
	need = metrics_render(&v, small, sizeof(small));
	assert_true(need > sizeof(small));
	assert_int_equal(strlen(small), sizeof(small) - 1);
}

/* A bad address is refused before anything listens: EINVAL, and why. */
static void test_open_bad_listen(void **state)
{
	static const char *const bad[] = { "9100", ":0", ":65536", "host:", ":12x", "nohost:9100" };
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		errno = 0;
		assert_null(metrics_open(bad[i], NULL, NULL, err, sizeof(err)));
		assert_int_equal(errno, EINVAL);
		assert_non_null(strstr(err, "want HOST:PORT"));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_render_detectors_and_programs),
		cmocka_unit_test(test_render_truncates_safely),
		cmocka_unit_test(test_open_bad_listen),
	};

	return cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
}
