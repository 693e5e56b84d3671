/* SPDX-License-Identifier: BSD-2-Clause */
/* test_metrics.c - the Prometheus exposition text. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
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

/* Exactly one HELP and one TYPE line for family name, the TYPE given. */
static void assert_one_family(const char *buf, const char *name, const char *type)
{
	char help[160], t[160];
	const char *at;

	snprintf(help, sizeof(help), "# HELP %s ", name);
	snprintf(t, sizeof(t), "# TYPE %s %s\n", name, type);
	at = strstr(buf, t);
	if (!at || !strstr(buf, help))
		fail_msg("no HELP/TYPE %s for %s", type, name);
	assert_null(strstr(at + 1, t));
}

static void assert_has(const char *buf, const char *line)
{
	if (!strstr(buf, line))
		fail_msg("missing: %s", line);
}

/* cryptnono's names and label values, every (source, allowedby) series
 * from the start, its two histograms; and nomine's additions. */
static void test_render_contract(void **state)
{
	static const char *const families[][2] = {
		{ "cryptnono_execwhacker_processes_checked_total", "counter" },
		{ "cryptnono_execwhacker_processes_killed_total", "counter" },
		{ "cryptnono_execwhacker_processes_missed_total", "counter" },
		{ "cryptnono_execwhacker_processes_allowed_total", "counter" },
		{ "cryptnono_execwhacker_unexpected_errors_total", "counter" },
		{ "cryptnono_execwhacker_log_and_kill_execution_seconds", "histogram" },
		{ "cryptnono_execwhacker_kill_if_needed_execution_seconds", "histogram" },
		{ "nomine_kills_total", "counter" },
		{ "nomine_kill_latency_seconds", "histogram" },
		{ "nomine_events_lost_total", "counter" },
		{ "nomine_ready", "gauge" },
		{ "nomine_config_last_reload_successful", "gauge" },
	};
	static struct action_stats st;
	struct metric_values v = { .exec_events_lost = 4, .randomx_events_lost = 1, .ready = 1,
				   .last_reload_ok = 1, .unexpected_errors = 6, .acts = &st };
	static char buf[65536];
	size_t n;

	(void)state;
	action_stats_init(&st);
	v.cn[0].checked = 10;
	v.cn[0].killed = 2;
	v.cn[0].allowed[STATS_NO_MATCH] = 7;
	v.cn[0].allowed[STATS_ALLOWED_PATTERN] = 1;
	v.cn[1].checked = 300;
	v.cn[1].missed = 1;
	histogram_observe(&st.judge, 0.00002);
	histogram_observe(&st.log_kill, 0.003);
	histogram_observe(&st.latency[STATS_EXEC], 0);
	histogram_observe(&st.latency[STATS_EXEC], 0.3);
	n = metrics_render(&v, buf, sizeof(buf));
	assert_int_equal(n, strlen(buf));
	assert_has(buf, "\ncryptnono_execwhacker_processes_checked_total{source=\"execwhacker.bpf\"} 10\n");
	assert_has(buf, "\ncryptnono_execwhacker_processes_checked_total{source=\"psutil.process_iter\"} 300\n");
	assert_has(buf, "\ncryptnono_execwhacker_processes_killed_total{source=\"execwhacker.bpf\"} 2\n");
	assert_has(buf, "\ncryptnono_execwhacker_processes_killed_total{source=\"psutil.process_iter\"} 0\n");
	assert_has(buf, "\ncryptnono_execwhacker_processes_missed_total{source=\"execwhacker.bpf\"} 0\n");
	assert_has(buf, "\ncryptnono_execwhacker_processes_missed_total{source=\"psutil.process_iter\"} 1\n");
	assert_has(buf, "\ncryptnono_execwhacker_processes_allowed_total{source=\"execwhacker.bpf\","
			"allowedby=\"no-match\"} 7\n");
	assert_has(buf, "\ncryptnono_execwhacker_processes_allowed_total{source=\"execwhacker.bpf\","
			"allowedby=\"allowed-pattern\"} 1\n");
	assert_has(buf, "\ncryptnono_execwhacker_processes_allowed_total{source=\"execwhacker.bpf\","
			"allowedby=\"is-substring\"} 0\n");
	assert_has(buf, "\ncryptnono_execwhacker_processes_allowed_total{source=\"psutil.process_iter\","
			"allowedby=\"no-match\"} 0\n");
	assert_has(buf, "\ncryptnono_execwhacker_processes_allowed_total{source=\"psutil.process_iter\","
			"allowedby=\"allowed-pattern\"} 0\n");
	assert_has(buf, "\ncryptnono_execwhacker_processes_allowed_total{source=\"psutil.process_iter\","
			"allowedby=\"is-substring\"} 0\n");
	assert_has(buf, "\ncryptnono_execwhacker_unexpected_errors_total 6\n");
	assert_has(buf, "\ncryptnono_execwhacker_kill_if_needed_execution_seconds_bucket{le=\"0.000025\"} 1\n");
	assert_has(buf, "\ncryptnono_execwhacker_kill_if_needed_execution_seconds_bucket{le=\"0.00001\"} 0\n");
	assert_has(buf, "\ncryptnono_execwhacker_kill_if_needed_execution_seconds_count 1\n");
	assert_has(buf, "\ncryptnono_execwhacker_log_and_kill_execution_seconds_bucket{le=\"0.005\"} 1\n");
	assert_has(buf, "\ncryptnono_execwhacker_log_and_kill_execution_seconds_bucket{le=\"+Inf\"} 1\n");
	assert_has(buf, "\ncryptnono_execwhacker_log_and_kill_execution_seconds_sum 0.003\n");
	/* the latency histogram of exec and randomx; sweeps are not timed */
	assert_has(buf, "\nnomine_kill_latency_seconds_bucket{detector=\"exec\",le=\"0.0001\"} 1\n");
	assert_has(buf, "\nnomine_kill_latency_seconds_bucket{detector=\"exec\",le=\"0.25\"} 1\n");
	assert_has(buf, "\nnomine_kill_latency_seconds_bucket{detector=\"exec\",le=\"0.5\"} 2\n");
	assert_has(buf, "\nnomine_kill_latency_seconds_bucket{detector=\"exec\",le=\"300\"} 2\n");
	assert_has(buf, "\nnomine_kill_latency_seconds_count{detector=\"exec\"} 2\n");
	assert_has(buf, "\nnomine_kill_latency_seconds_count{detector=\"randomx\"} 0\n");
	assert_null(strstr(buf, "nomine_kill_latency_seconds_count{detector=\"sweep\"}"));
	/* no kill yet: only the host's series, for every detector */
	assert_has(buf, "\nnomine_kills_total{detector=\"exec\",namespace=\"\"} 0\n");
	assert_has(buf, "\nnomine_kills_total{detector=\"randomx\",namespace=\"\"} 0\n");
	assert_has(buf, "\nnomine_kills_total{detector=\"sweep\",namespace=\"\"} 0\n");
	assert_has(buf, "\nnomine_events_lost_total{detector=\"exec\"} 4\n");
	assert_has(buf, "\nnomine_events_lost_total{detector=\"randomx\"} 1\n");
	assert_has(buf, "\nnomine_ready 1\n");
	assert_has(buf, "\nnomine_config_last_reload_successful 1\n");
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		assert_one_family(buf, families[i][0], families[i][1]);
	/* the gauges at 0 say so */
	v.ready = 0;
	v.last_reload_ok = 0;
	metrics_render(&v, buf, sizeof(buf));
	assert_has(buf, "\nnomine_ready 0\n");
	assert_has(buf, "\nnomine_config_last_reload_successful 0\n");
}

/* Namespaces appear with their first kill, under the detector that killed;
 * past 200 of them, and for a name that is no namespace, "other". The text
 * outgrows a small buffer, and says how much it needs. */
static void test_render_kills_by_namespace(void **state)
{
	static struct action_stats st;
	struct metric_values v = { .acts = &st };
	static char buf[131072];
	char name[32], line[160];
	size_t need;

	(void)state;
	action_stats_init(&st);
	action_stats_kill(&st, STATS_EXEC, "hub");
	action_stats_kill(&st, STATS_EXEC, "hub");
	action_stats_kill(&st, STATS_RANDOMX, "binder-staging");
	action_stats_kill(&st, STATS_SWEEP, NULL);
	action_stats_kill(&st, STATS_EXEC, "");
	action_stats_kill(&st, STATS_EXEC, "Bad\"Name\n");    /* not a DNS label */
	metrics_render(&v, buf, sizeof(buf));
	assert_has(buf, "\nnomine_kills_total{detector=\"exec\",namespace=\"hub\"} 2\n");
	assert_has(buf, "\nnomine_kills_total{detector=\"randomx\",namespace=\"binder-staging\"} 1\n");
	assert_has(buf, "\nnomine_kills_total{detector=\"sweep\",namespace=\"\"} 1\n");
	assert_has(buf, "\nnomine_kills_total{detector=\"exec\",namespace=\"\"} 1\n");
	assert_has(buf, "\nnomine_kills_total{detector=\"exec\",namespace=\"other\"} 1\n");
	/* only what was killed: no zero series for a namespace's other detectors */
	assert_null(strstr(buf, "{detector=\"sweep\",namespace=\"hub\"}"));
	assert_null(strstr(buf, "Bad"));
	/* 250 more namespaces: 200 distinct in all, the rest "other" */
	for (int i = 0; i < 250; i++) {
		snprintf(name, sizeof(name), "ns-%d", i);
		action_stats_kill(&st, STATS_EXEC, name);
	}
	need = metrics_render(&v, buf, 4096);
	assert_true(need > 16384);
	assert_int_equal(metrics_render(&v, buf, sizeof(buf)), need);
	/* hub, binder-staging, other, then ns-0 .. ns-196 */
	assert_has(buf, "\nnomine_kills_total{detector=\"exec\",namespace=\"ns-196\"} 1\n");
	assert_null(strstr(buf, "namespace=\"ns-197\""));
	assert_has(buf, "\nnomine_kills_total{detector=\"exec\",namespace=\"other\"} 54\n");
	assert_int_equal(st.nns, STATS_NAMESPACES_MAX + 1);
	/* once full, a name seen before still has its own series */
	action_stats_kill(&st, STATS_SWEEP, "ns-3");
	metrics_render(&v, buf, sizeof(buf));
	snprintf(line, sizeof(line), "\nnomine_kills_total{detector=\"sweep\",namespace=\"ns-3\"} 1\n");
	assert_has(buf, line);
}

/* The other way round: with the table full of namespaces, "other" is one
 * entry more, not lost. */
static void test_kills_other_when_full(void **state)
{
	static struct action_stats st;
	char name[32];

	(void)state;
	action_stats_init(&st);
	for (int i = 0; i < STATS_NAMESPACES_MAX + 5; i++) {
		snprintf(name, sizeof(name), "n%d", i);
		action_stats_kill(&st, STATS_RANDOMX, name);
	}
	assert_int_equal(st.nns, STATS_NAMESPACES_MAX + 2);
	assert_string_equal(st.ns[STATS_NAMESPACES_MAX + 1].name, "other");
	assert_int_equal(st.ns[STATS_NAMESPACES_MAX + 1].kills[STATS_RANDOMX], 5);
}

/* --- the HTTP side: /healthz, /readyz, /metrics, a bad path --------------- */

struct http_get {
	int port;
	const char *path;
	char reply[8192];
	int done;
};

static void fill_unready(struct metric_values *v, void *ctx)
{
	int *ready = ctx;

	v->ready = *ready;
	if (!*ready)
		snprintf(v->unready, sizeof(v->unready), "the randomx detector is not attached "
			 "as this kernel allows: refused\nby the verifier");
}

static void *client(void *arg)
{
	struct http_get *g = arg;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)g->port) };
	char req[128];
	size_t have = 0;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	ssize_t r;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\n\r\n", g->path);
		if (write(fd, req, strlen(req)) == (ssize_t)strlen(req))
			while (have + 1 < sizeof(g->reply) &&
			       (r = read(fd, g->reply + have, sizeof(g->reply) - 1 - have)) > 0)
				have += (size_t)r;
	}
	g->reply[have] = 0;
	if (fd >= 0)
		close(fd);
	__atomic_store_n(&g->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/* A port nobody listens on now (the kernel picks it). */
static int free_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

/* Serves one GET from this thread, as the daemon's loop does. */
static void get(struct metrics_server *m, struct http_get *g)
{
	struct pollfd p = { .fd = metrics_fd(m), .events = POLLIN };
	pthread_t t;

	g->done = 0;
	assert_int_equal(pthread_create(&t, NULL, client, g), 0);
	for (int i = 0; i < 5000 && !__atomic_load_n(&g->done, __ATOMIC_SEQ_CST); i++) {
		poll(&p, 1, 1);
		metrics_run(m);
	}
	pthread_join(t, NULL);
}

/* GET path: the status line has status, the answer has text. */
static void expect(struct metrics_server *m, struct http_get *g, const char *path,
		   const char *status, const char *text)
{
	g->path = path;
	get(m, g);
	if (!strstr(g->reply, status) || !strstr(g->reply, text))
		fail_msg("GET %s: want %s with %s, got: %s", path, status, text, g->reply);
}

static void test_http_endpoints(void **state)
{
	struct http_get g = { .port = free_port() };
	char listen[32], err[256];
	struct metrics_server *m;
	int ready = 1;

	(void)state;
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", g.port);
	m = metrics_open(listen, fill_unready, &ready, err, sizeof(err));
	assert_non_null(m);
	expect(m, &g, "/healthz", " 200 ", "\r\n\r\nok\n");
	expect(m, &g, "/readyz", " 200 ", "\r\n\r\nready\n");
	ready = 0;
	/* one line, which says which detector and why */
	expect(m, &g, "/readyz", " 503 ", "\r\n\r\nthe randomx detector is not attached as this "
	       "kernel allows: refused by the verifier\n");
	expect(m, &g, "/metrics", " 200 ", "\nnomine_ready 0\n");
	expect(m, &g, "/healthz", " 200 ", "\r\n\r\nok\n");
	expect(m, &g, "/nothing", " 404 ", "only GET");
	metrics_close(m);
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
		cmocka_unit_test(test_render_contract),
		cmocka_unit_test(test_render_kills_by_namespace),
		cmocka_unit_test(test_kills_other_when_full),
		cmocka_unit_test(test_http_endpoints),
	};

	return cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
}
