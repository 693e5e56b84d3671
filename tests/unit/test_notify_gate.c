/* SPDX-License-Identifier: BSD-2-Clause */
/* test_notify_gate.c - one message per (who, reason) and window, counts
 * folded into the next message, the token bucket over all messages, and
 * bounded memory when every pair has events waiting. */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include "notify_gate.h"

static int next(struct notify_gate *g, double now, struct gate_msg *m, double *at)
{
	int r = notify_gate_next(g, now, m, at);

	if (r) {
		free(m->who);
		free(m->reason);
		json_decref(m->event);
	}
	return r;
}

/* Three kills of one user in the window: one message at once (count 1),
 * the other two folded into one message at the window's end (count 2). */
static void test_dedupe_window_folds(void **state)
{
	struct notify_gate *g = notify_gate_new(900, 4, 1, 16);
	json_t *ev = json_object();
	struct gate_msg m;
	double at;

	(void)state;
	assert_int_equal(notify_gate_add(g, "user alice", "exec", ev, 100, 1000), 0);
	assert_int_equal(notify_gate_next(g, 100, &m, &at), 1);
	assert_int_equal(m.count, 1);
	assert_string_equal(m.who, "user alice");
	assert_ptr_equal(m.event, ev);
	free(m.who);
	free(m.reason);
	json_decref(m.event);
	notify_gate_add(g, "user alice", "exec", ev, 101, 1001);
	notify_gate_add(g, "user alice", "exec", ev, 102, 1002);
	assert_int_equal(next(g, 500, &m, &at), 0);
	assert_true(fabs(at - 1000) < 1e-9);         /* the window's end */
	assert_int_equal(notify_gate_pending(g), 2);
	assert_int_equal(notify_gate_next(g, 1000, &m, &at), 1);
	assert_int_equal(m.count, 2);
	assert_true(fabs(m.first_s - 1001) < 1e-9 && fabs(m.last_s - 1002) < 1e-9);
	free(m.who);
	free(m.reason);
	json_decref(m.event);
	assert_int_equal(next(g, 5000, &m, &at), 0);
	assert_true(isinf(at));
	json_decref(ev);
	notify_gate_free(g);
}

/* Another reason, or another user, is another message. */
static void test_pairs_are_separate(void **state)
{
	struct notify_gate *g = notify_gate_new(900, 10, 1, 16);
	struct gate_msg m;
	double at;

	(void)state;
	notify_gate_add(g, "user alice", "exec", NULL, 1, 1);
	notify_gate_add(g, "user alice", "network stratum", NULL, 1, 1);
	notify_gate_add(g, "user bob", "exec", NULL, 1, 1);
	assert_int_equal(next(g, 1, &m, &at), 1);
	assert_int_equal(next(g, 1, &m, &at), 1);
	assert_int_equal(next(g, 1, &m, &at), 1);
	assert_int_equal(next(g, 1, &m, &at), 0);
	notify_gate_free(g);
}

/* A burst of 4, then 1 a minute; what waits keeps folding. */
static void test_token_bucket(void **state)
{
	struct notify_gate *g = notify_gate_new(900, 4, 1, 64);
	struct gate_msg m;
	char who[32];
	double at;

	(void)state;
	for (int i = 0; i < 6; i++) {
		snprintf(who, sizeof(who), "container %d", i);
		notify_gate_add(g, who, "exec", NULL, 10, 10);
	}
	for (int i = 0; i < 4; i++)
		assert_int_equal(next(g, 10, &m, &at), 1);
	assert_int_equal(next(g, 10, &m, &at), 0);
	assert_true(fabs(at - 70) < 1e-6);           /* one token a minute */
	notify_gate_add(g, "container 4", "exec", NULL, 20, 20);
	assert_int_equal(notify_gate_next(g, 70, &m, &at), 1);
	assert_int_equal(m.count, 2);                /* folded while it waited */
	free(m.who);
	free(m.reason);
	assert_int_equal(next(g, 70, &m, &at), 0);
	assert_int_equal(next(g, 130, &m, &at), 1);
	notify_gate_free(g);
}

/* Every remembered pair has events waiting: a new pair is refused, not
 * grown into; an idle pair's slot is reused. */
static void test_bounded(void **state)
{
	struct notify_gate *g = notify_gate_new(900, 1, 0.01, 2);
	struct gate_msg m;
	double at;

	(void)state;
	assert_int_equal(notify_gate_add(g, "a", "exec", NULL, 1, 1), 0);
	assert_int_equal(notify_gate_add(g, "b", "exec", NULL, 1, 1), 0);
	assert_int_equal(notify_gate_add(g, "c", "exec", NULL, 1, 1), -1);
	assert_int_equal(next(g, 1, &m, &at), 1);     /* "a" sent: idle, in its window */
	assert_int_equal(notify_gate_add(g, "c", "exec", NULL, 2, 2), 0);
	assert_int_equal(notify_gate_pending(g), 2);
	notify_gate_free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dedupe_window_folds),
		cmocka_unit_test(test_pairs_are_separate),
		cmocka_unit_test(test_token_bucket),
		cmocka_unit_test(test_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
