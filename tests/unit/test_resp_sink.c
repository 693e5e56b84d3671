/* SPDX-License-Identifier: BSD-2-Clause */
/* test_resp_sink.c - a responder's queue: attempts in a worker thread,
 * retries until the deadline then one drop, a full queue drops (counted),
 * a key folds waiting incidents, and freeing never waits for a target. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "incident.h"
#include "log.h"
#include "mono_clock.h"
#include "resp_sink.h"

struct script {
	int outcome;            /* what every attempt answers */
	atomic_int attempts;
	double block_s;         /* each attempt takes this long */
};

static enum http_outcome try_scripted(void *ctx, struct incident *in, int attempt, char *err,
				      size_t errlen)
{
	struct script *s = ctx;

	(void)in;
	(void)attempt;
	atomic_fetch_add(&s->attempts, 1);
	if (s->block_s > 0)
		usleep((useconds_t)(s->block_s * 1e6));
	snprintf(err, errlen, "scripted");
	return (enum http_outcome)s->outcome;
}

static struct incident *mk(const char *who)
{
	return incident_new(NULL, NULL, NULL, who, "exec", NULL);
}

static void wait_for(atomic_ullong *v, unsigned long long want, double limit_s)
{
	double end = mono_s() + limit_s;

	while (atomic_load(v) < want && mono_s() < end)
		usleep(1000);
}

static void test_done_once(void **state)
{
	struct script sc = { .outcome = HTTP_DONE };
	struct resp_stats st = { 0 };
	struct resp_sink_cfg c = { .name = "t", .try_once = try_scripted, .ctx = &sc,
				   .threads = 1, .queue_len = 4, .retry_s = 5 };
	struct resp_sink *s = resp_sink_new(&c, &st);
	struct incident *in = mk("host");

	(void)state;
	assert_int_equal(resp_sink_push(s, in), 0);
	incident_unref(in);
	wait_for(&st.done, 1, 5);
	assert_int_equal(atomic_load(&st.done), 1);
	assert_int_equal(atomic_load(&sc.attempts), 1);
	resp_sink_free(s);
	assert_int_equal(incident_alive(), 0);
}

/* Still failing at the deadline: retried with backoff (1 s, then 2 s...),
 * then dropped once. */
static void test_retry_then_drop(void **state)
{
	struct script sc = { .outcome = HTTP_RETRY };
	struct resp_stats st = { 0 };
	struct resp_sink_cfg c = { .name = "t", .try_once = try_scripted, .ctx = &sc,
				   .threads = 1, .queue_len = 4, .retry_s = 2.5 };
	struct resp_sink *s = resp_sink_new(&c, &st);
	struct incident *in = mk("host");

	(void)state;
	resp_sink_push(s, in);
	incident_unref(in);
	wait_for(&st.dropped, 1, 10);
	assert_int_equal(atomic_load(&st.dropped), 1);
	assert_int_equal(atomic_load(&sc.attempts), 2);     /* at 0 s and 1 s; 3 s > 2.5 */
	assert_int_equal(atomic_load(&st.retries), 1);
	resp_sink_free(s);
}

/* A target that hangs: the queue fills, pushes never block, drops are
 * counted; freeing stops after the current attempt. */
static void test_full_queue_never_blocks(void **state)
{
	struct script sc = { .outcome = HTTP_DONE, .block_s = 0.5 };
	struct resp_stats st = { 0 };
	struct resp_sink_cfg c = { .name = "t", .try_once = try_scripted, .ctx = &sc,
				   .threads = 1, .queue_len = 3, .retry_s = 5 };
	struct resp_sink *s = resp_sink_new(&c, &st);
	double t0 = mono_s();
	int dropped = 0;

	(void)state;
	for (int i = 0; i < 100; i++) {
		struct incident *in = mk("host");

		dropped += resp_sink_push(s, in) < 0;
		incident_unref(in);
	}
	assert_true(mono_s() - t0 < 0.2);
	assert_true(dropped >= 96);
	resp_sink_free(s);
	assert_true(mono_s() - t0 < 1.5);
	assert_int_equal(atomic_load(&st.dropped), 100 - atomic_load(&sc.attempts));
	assert_int_equal(incident_alive(), 0);
}

static int same_who(const struct incident *a, const struct incident *b)
{
	return !strcmp(a->who, b->who);
}

/* A flood about one user leaves one waiting incident for them. */
static void test_key_folds(void **state)
{
	struct script sc = { .outcome = HTTP_DONE, .block_s = 0.3 };
	struct resp_stats st = { 0 };
	struct resp_sink_cfg c = { .name = "t", .try_once = try_scripted, .ctx = &sc,
				   .threads = 1, .queue_len = 10, .retry_s = 5,
				   .same = same_who };
	struct resp_sink *s = resp_sink_new(&c, &st);
	int folded = 0;

	(void)state;
	for (int i = 0; i < 20; i++) {
		struct incident *in = mk(i % 2 ? "user a" : "user b");

		folded += resp_sink_push(s, in) == 1;
		incident_unref(in);
	}
	assert_true(folded >= 16);
	wait_for(&st.done, 20 - (unsigned long long)folded, 5);
	resp_sink_free(s);
	assert_int_equal(atomic_load(&st.done), 20 - folded);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_done_once),
		cmocka_unit_test(test_retry_then_drop),
		cmocka_unit_test(test_full_queue_never_blocks),
		cmocka_unit_test(test_key_folds),
	};

	log_init(fopen("/dev/null", "w"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
