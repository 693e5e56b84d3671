/* SPDX-License-Identifier: BSD-2-Clause */
/* test_config_loader.c - reloads built on the loader's worker thread: the
 * build handed back through the eventfd, a refusal's file:line, requests
 * during a build coalesced into one more build of the newest files, nothing
 * built while the loop holds a build, and stops between phases or left to
 * the worker mid-phase. A hook holds the worker between phases, so every
 * interleaving is forced, not hoped for. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "config_loader.h"
#include "config_test_util.h"

#define ALARM_S 120

/* Where the worker is: phases entered, and a phase it waits at until let go. */
static struct gate {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int entered[CONFIG_LOAD_TABLES + 1];
	int hold;                   /* the phase to wait at, -1: none */
	int waiting;                /* the worker waits at hold */
} g = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, {0}, -1, 0 };

static void hook(enum config_load_phase phase, void *ctx)
{
	struct gate *gt = ctx;

	pthread_mutex_lock(&gt->mu);
	gt->entered[phase]++;
	if ((int)phase == gt->hold) {
		gt->waiting = 1;
		pthread_cond_broadcast(&gt->cv);
		while (gt->hold == (int)phase)
			pthread_cond_wait(&gt->cv, &gt->mu);
		gt->waiting = 0;
	}
	pthread_mutex_unlock(&gt->mu);
}

static void hold_at(int phase)
{
	pthread_mutex_lock(&g.mu);
	g.hold = phase;
	pthread_mutex_unlock(&g.mu);
}

static void wait_held(void)
{
	pthread_mutex_lock(&g.mu);
	while (!g.waiting)
		pthread_cond_wait(&g.cv, &g.mu);
	pthread_mutex_unlock(&g.mu);
}

static void let_go(void)
{
	hold_at(-1);
	pthread_cond_broadcast(&g.cv);
}

static int entered(enum config_load_phase phase)
{
	int n;

	pthread_mutex_lock(&g.mu);
	n = g.entered[phase];
	pthread_mutex_unlock(&g.mu);
	return n;
}

static int setup(void **state)
{
	alarm(ALARM_S);
	memset(g.entered, 0, sizeof(g.entered));
	g.hold = -1;
	g.waiting = 0;
	return mktmp(state);
}

static int teardown(void **state)
{
	alarm(0);
	return rmtmp(state);
}

/* The kernel's table map, played by an eventfd: the generation that
 * the tables of the last fill carry. */
static _Atomic uint32_t filled_gen;

static int fake_fill(const struct ktables *kt, size_t cap)
{
	assert_true(kt->size <= cap);
	filled_gen = ((const struct nm_kt_header *)kt->words)->generation;
	return eventfd(0, EFD_CLOEXEC);
}

static struct config_loader *loader(void)
{
	char *paths[1] = { (char *)tpath("config.json") };
	struct config_loader_opts o = {
		.configs = paths, .nconfigs = 1, .exe_rules = 1, .fill_tables = fake_fill,
		.table_cap = 1u << 20, .generation = 7, .phase_hook = hook, .hook_ctx = &g,
	};
	struct config_loader *l = config_loader_new(&o);

	assert_non_null(l);
	return l;
}

/* Whether a build is signalled within ms. */
static int ready(struct config_loader *l, int ms)
{
	struct pollfd p = { .fd = config_loader_fd(l), .events = POLLIN };

	return poll(&p, 1, ms) == 1;
}

/* Waits for the next build and takes it. */
static void take(struct config_loader *l, struct config_build *b)
{
	assert_true(ready(l, 60000));
	assert_int_equal(config_loader_take(l, b), 1);
}

static void test_build_taken_from_the_loop(void **state)
{
	struct config_build b, b2;
	struct config_loader *l;
	struct policy *first;

	(void)state;
	write_file("config.json", "{\"bannedCommandStrings\": [\"xmrig\", \"minerd\", \"cpuminer\"],"
		   " \"bannedExecutableStrings\": [\"stratum+tcp\"]}");
	l = loader();
	assert_false(ready(l, 50));               /* idle until asked */
	assert_int_equal(config_loader_take(l, &b), 0);
	assert_int_equal(config_loader_request(l), 1);
	take(l, &b);
	assert_non_null(b.policy);
	assert_int_equal(policy_nbanned(b.policy), 3);
	assert_non_null(b.xrules);
	assert_int_equal(b.xrules->nstrings, 1);
	/* the tables, in their map, stamped after the generation in force */
	assert_int_equal(b.tables.ok, 1);
	assert_true(b.tables.fd >= 0);
	assert_int_equal(b.tables.gen, 8);
	assert_int_equal(filled_gen, 8);
	assert_true(b.tables.size > 0);
	assert_true(b.build_ms >= 0);
	assert_string_equal(b.err, "");
	assert_int_equal(config_loader_take(l, &b2), 0);     /* taken once */
	/* the loop keeps the policy; the rest goes back */
	first = b.policy;
	b.policy = NULL;
	config_loader_release(l, &b, NULL);
	/* a second build replaces the first, which the worker frees */
	assert_int_equal(config_loader_request(l), 1);
	take(l, &b);
	assert_int_equal(policy_nbanned(b.policy), 3);
	assert_int_equal(b.tables.gen, 9);
	config_loader_release(l, &b, first);
	assert_int_equal(config_loader_free(l, 5000), 0);
}

/* A bad config is refused with its file:line, and nothing else is built. */
static void test_refused_with_file_line(void **state)
{
	struct config_build b;
	struct config_loader *l;
	char want[600];

	(void)state;
	write_file("config.json", "{\n\"bannedCommandStrings\": [\"xmrig\"],\n\"noSuchKey\": 1\n}");
	l = loader();
	config_loader_request(l);
	take(l, &b);
	assert_null(b.policy);
	snprintf(want, sizeof(want), "%s:3:", tpath("config.json"));
	assert_memory_equal(b.err, want, strlen(want));
	assert_null(b.xrules);
	assert_int_equal(b.tables.ok, 0);
	assert_int_equal(entered(CONFIG_LOAD_SETTINGS), 0);
	config_loader_release(l, &b, NULL);
	assert_int_equal(config_loader_free(l, 5000), 0);
}

/* Requests during a build, and while the loop holds one, are one more
 * build, of the files as they are when it starts. */
static void test_requests_coalesce(void **state)
{
	struct config_build b;
	struct config_loader *l;

	(void)state;
	write_file("config.json", "{\"bannedCommandStrings\": [\"first\"]}");
	l = loader();
	hold_at(CONFIG_LOAD_SETTINGS);            /* the files are read by then */
	assert_int_equal(config_loader_request(l), 1);
	wait_held();
	write_file("config.json", "{\"bannedCommandStrings\": [\"second\", \"third\"]}");
	for (int i = 0; i < 5; i++)
		assert_int_equal(config_loader_request(l), 0);
	let_go();
	take(l, &b);
	assert_int_equal(policy_nbanned(b.policy), 1);
	/* held by the loop: nothing is built meanwhile */
	assert_int_equal(config_loader_request(l), 0);
	assert_false(ready(l, 200));
	assert_int_equal(entered(CONFIG_LOAD_READ), 1);
	config_loader_release(l, &b, NULL);
	take(l, &b);
	assert_int_equal(policy_nbanned(b.policy), 2);
	assert_int_equal(entered(CONFIG_LOAD_READ), 2);
	config_loader_release(l, &b, NULL);
	/* six requests, two builds */
	assert_false(ready(l, 200));
	assert_int_equal(entered(CONFIG_LOAD_READ), 2);
	assert_int_equal(config_loader_free(l, 5000), 0);
}

static void *let_go_later(void *arg)
{
	(void)arg;
	usleep(100 * 1000);
	let_go();
	return NULL;
}

/* A stop ends a build at its next phase: the worker is joined. */
static void test_stop_between_phases(void **state)
{
	struct config_loader *l;
	pthread_t t;

	(void)state;
	write_file("config.json", "{\"bannedCommandStrings\": [\"xmrig\"]}");
	l = loader();
	hold_at(CONFIG_LOAD_SETTINGS);
	config_loader_request(l);
	wait_held();
	assert_int_equal(pthread_create(&t, NULL, let_go_later, NULL), 0);
	assert_int_equal(config_loader_free(l, 10000), 0);
	pthread_join(t, NULL);
	assert_int_equal(entered(CONFIG_LOAD_EXE_RULES), 0);
}

/* A stop that cannot wait leaves the worker inside its phase; when the
 * phase returns it frees its build and the loader (ASan/LSan builds check
 * that nothing is used after, or left behind). */
static void test_stop_leaves_worker_behind(void **state)
{
	struct config_loader *l;

	(void)state;
	write_file("config.json", "{\"bannedCommandStrings\": [\"xmrig\"]}");
	l = loader();
	hold_at(CONFIG_LOAD_SETTINGS);
	config_loader_request(l);
	wait_held();
	assert_int_equal(config_loader_free(l, 50), 1);
	let_go();
	/* the worker's exit cannot be joined: give it the time to free */
	usleep(300 * 1000);
	assert_int_equal(entered(CONFIG_LOAD_EXE_RULES), 0);
}

/* Tables over the cap are not filled: why says so, for the start-up and
 * reload lines. */
static void test_tables_over_the_cap(void **state)
{
	char err[CONFIG_ERR_MAX] = "", *paths[1] = { (char *)tpath("config.json") };
	struct ready_tables t;
	struct policy *p;

	(void)state;
	write_file("config.json", "{\"bannedCommandStrings\": [\"xmrig\"]}");
	p = config_loader_policy(paths, 1, err, sizeof(err));
	assert_non_null(p);
	filled_gen = 0;
	config_loader_tables(&t, p, 4096, 3, fake_fill);
	assert_int_equal(t.ok, 0);
	assert_int_equal(filled_gen, 0);
	assert_true(strlen(t.why) > 0);
	ready_tables_free(&t);
	config_loader_tables(&t, p, 1u << 20, 3, fake_fill);
	assert_int_equal(t.ok, 1);
	assert_int_equal(filled_gen, 3);
	ready_tables_free(&t);
	policy_free(p);
}

/* No config paths: the built-in config. */
static void test_builtin(void **state)
{
	char err[CONFIG_ERR_MAX] = "";
	struct policy *p = config_loader_policy(NULL, 0, err, sizeof(err));

	(void)state;
	assert_non_null(p);
	assert_true(policy_nbanned(p) > 0);
	policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_build_taken_from_the_loop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_with_file_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_requests_coalesce, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_between_phases, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_leaves_worker_behind, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tables_over_the_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_builtin, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
