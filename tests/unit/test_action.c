/* SPDX-License-Identifier: BSD-2-Clause */
/* test_action.c - the decision table of action.c: for each policy verdict
 * and kernel flags, what is logged and whether a kill or a resume is tried
 * (through fake ops: nothing real is signalled). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "action.h"
#include "log.h"

#define BANNED "xmrig -o pool"
#define ALLOWED "xmrig --allowed"
#define CLEAN "ls -l"
#define KJ (NM_EXEC_KJUDGED | NM_EXEC_IN_SCOPE)
/* as the kernel sends an exec it held without a verdict */
#define UNJ (NM_EXEC_UNJUDGED | NM_EXEC_FROZEN | NM_EXEC_IN_SCOPE)
#define PREVIOUS "(a banned string or pattern of the previous config)"

enum kill_result { KILL_OK, KILL_GONE, KILL_REFUSED, KILL_DENIED };

/* What the fake ops saw: "kill", "STOP", "CONT" in order, space-ended. */
static char calls[256];
static enum kill_result kill_result;
static int frozen_done_calls;
static int held;   /* the row's process is frozen in the kernel */

static void note(const char *what)
{
	assert_true(strlen(calls) + strlen(what) + 2 < sizeof(calls));
	strcat(calls, what);
	strcat(calls, " ");
}

static int fake_kill(struct killer *k, pid_t tgid, uint64_t start_ticks, uint64_t exec_id,
		     struct kill_report *r)
{
	(void)k, (void)start_ticks, (void)exec_id;
	assert_int_equal(tgid, 4242);
	/* held (the kernel's note kept) until the kill has landed */
	assert_int_equal(frozen_done_calls, 0);
	note("kill");
	memset(r, 0, sizeof(*r));
	r->converged = 1;
	if (kill_result == KILL_REFUSED)
		return -EPERM;
	r->root_killed = kill_result == KILL_OK;
	if (kill_result == KILL_DENIED)
		r->root_error = -EPERM;   /* alive, but the signal was refused */
	r->descendants = kill_result == KILL_OK ? 2 : 0;
	return 0;
}

static void fake_signal(pid_t tgid, uint64_t start_ticks, int sig)
{
	assert_int_equal(tgid, 4242);
	assert_int_equal(start_ticks, 777);
	/* a held process is forgotten before it is resumed */
	if (held && sig == SIGCONT)
		assert_true(frozen_done_calls > 0);
	note(sig == SIGCONT ? "CONT" : sig == SIGSTOP ? "STOP" : "other");
}

static int fake_frozen_done(void *ctx, pid_t tgid, uint64_t exec_id)
{
	(void)ctx, (void)exec_id;
	assert_int_equal(tgid, 4242);
	frozen_done_calls++;
	return 1;
}

static const struct action_ops fake_ops = { .kill = fake_kill, .kill_forked = fake_kill,
					    .signal = fake_signal };

struct fixture {
	struct policy *policy;
	struct scope scope;
	struct killer killer;
	struct action_ctx act;
	char *log;                /* what the last run logged */
	size_t log_len;
	FILE *out;
};

static int setup(void **state)
{
	static const char yaml[] = "bannedCommandStrings: [xmrig]\n"
				   "allowedCommandPatterns: ['xmrig --allowed( .*)?']\n";
	struct fixture *f = calloc(1, sizeof(*f));
	struct config cfg = {0};
	char err[CONFIG_ERR_MAX];

	if (!f || config_parse_buffer(&cfg, "t.yaml", yaml, strlen(yaml), 0, err, sizeof(err)))
		return -1;
	f->policy = policy_build(&cfg, err, sizeof(err));
	if (!f->policy)
		return -1;
	f->killer.scope = &f->scope;       /* n = 0: everything in scope */
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	log_init(stdout);
	if (f->out)
		fclose(f->out);
	free(f->log);
	policy_free(f->policy);
	free(f);
	return 0;
}

/* A fresh context (counters at zero) and a fresh log. */
static void reset(struct fixture *f, int audit)
{
	memset(&f->act, 0, sizeof(f->act));
	action_stats_init(&f->act.stats);
	f->act.killer = &f->killer;
	f->act.ops = &fake_ops;
	f->act.audit = audit;
	f->act.frozen_done = fake_frozen_done;
	calls[0] = 0;
	kill_result = KILL_OK;
	frozen_done_calls = 0;
	if (f->out)
		fclose(f->out);
	free(f->log);
	f->log = NULL;
	f->out = open_memstream(&f->log, &f->log_len);
	assert_non_null(f->out);
	log_init(f->out);
}

/* CLOCK_MONOTONIC ns, as the kernel stamps an exec. */
static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* An exec seen 20 ms ago. */
static struct subject subject(unsigned int kflags, int in_scope)
{
	struct subject s = {
		.tgid = 4242, .ppid = 1, .uid = 1000, .start_ticks = 777, .exec_id = 99,
		.exe = "/usr/bin/xmrig", .source = "exec", .in_scope = in_scope, .kflags = kflags,
		.seen_ns = mono_ns() - 20000000ull,
	};

	return s;
}

static void judge(struct fixture *f, const char *line, unsigned int kflags, int in_scope)
{
	struct subject s = subject(kflags, in_scope);

	action_judge(&f->act, f->policy, &s, (const uint8_t *)line, strlen(line));
}

/* The one line logged since reset (NULL when none; two fail). */
static json_t *logged(struct fixture *f)
{
	json_error_t e;
	json_t *o;
	char *nl;

	fflush(f->out);
	if (!f->log_len)
		return NULL;
	nl = strchr(f->log, '\n');
	assert_non_null(nl);
	if (nl[1])
		fail_msg("more than one line: %s", f->log);
	o = json_loads(f->log, 0, &e);
	if (!o)
		fail_msg("not JSON (%s): %s", e.text, f->log);
	return o;
}

enum tri { ABSENT, NO, YES };

/* One row of the table: a verdict, what the kernel did, what follows. */
struct row {
	const char *name;
	const char *line;
	unsigned int kflags;
	int audit;
	int out_of_scope;
	enum kill_result kill;
	/* expected */
	const char *action;        /* NULL: nothing logged */
	const char *calls;         /* kill attempts and signals, in order */
	int frozen_done;
	enum tri kill_in_kernel;
	enum tri frozen_in_kernel;
	const char *warning;
	const char *matched;       /* NULL: "xmrig" when logged */
	int exempted;
};

static void check_tri(const json_t *o, const char *key, enum tri want, const char *name)
{
	const json_t *v = json_object_get(o, key);

	if (want == ABSENT ? v != NULL : !json_is_boolean(v) || json_is_true(v) != (want == YES))
		fail_msg("%s: %s is not as expected", name, key);
}

static const char *str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* What /metrics gets moves with the action logged: cryptnono's outcomes of
 * exec events, the kill by namespace (the host's: no containers here), the
 * latency of each kill (an in-kernel one in the first bucket) and the
 * timings. */
static void check_stats(const struct action_stats *st, const struct row *r)
{
	const char *act = r->action ? r->action : "";
	int killed = !strcmp(act, "killed"), missed = !strcmp(act, "missed-kill");
	int clean = !strcmp(r->line, CLEAN);
	int spared = !strcmp(act, "spared") && !r->exempted;

	if (st->by[STATS_EXEC].checked != 1 || st->by[STATS_EXEC].killed != (uint64_t)killed ||
	    st->by[STATS_EXEC].missed != (uint64_t)missed ||
	    st->by[STATS_EXEC].allowed[STATS_ALLOWED_PATTERN] != (uint64_t)(spared && !clean) ||
	    st->by[STATS_EXEC].allowed[STATS_NO_MATCH] != (uint64_t)(clean && (!r->action || spared)) ||
	    st->by[STATS_EXEC].allowed[STATS_IS_SUBSTRING] || st->by[STATS_SWEEP].checked ||
	    st->by[STATS_RANDOMX].checked)
		fail_msg("%s: cryptnono counters do not follow the action", r->name);
	assert_int_equal(st->nns, 1);
	assert_int_equal(st->ns[0].kills[STATS_EXEC], killed);
	assert_int_equal(st->latency[STATS_EXEC].count, killed);
	if (killed && r->kill_in_kernel == YES)
		assert_int_equal(st->latency[STATS_EXEC].counts[0], 1);
	if (killed && r->kill_in_kernel == NO) {
		/* seen 20 ms before: past 0.01, within 0.05 (a slow machine may take longer) */
		assert_int_equal(st->latency[STATS_EXEC].counts[0] + st->latency[STATS_EXEC].counts[1] +
				 st->latency[STATS_EXEC].counts[2], 0);
		assert_true(st->latency[STATS_EXEC].sum >= 0.02);
	}
	assert_int_equal(st->log_kill.count, killed + missed + !strcmp(act, "kill-failed"));
	assert_int_equal(st->errors, !strcmp(act, "kill-failed"));
	assert_int_equal(st->judge.count, 1);
}

/* The counters move with the action logged. */
static void check_counters(const struct action_ctx *a, const struct row *r)
{
	const char *act = r->action ? r->action : "";
	int in_kernel = r->kill_in_kernel == YES;

	assert_int_equal(a->checked, 1);
	assert_int_equal(a->killed, !strcmp(act, "killed") && !in_kernel);
	assert_int_equal(a->killed_in_kernel, !strcmp(act, "killed") && in_kernel);
	assert_int_equal(a->missed, !strcmp(act, "missed-kill"));
	assert_int_equal(a->spared, !strcmp(act, "spared"));
	assert_int_equal(a->audited, !strcmp(act, "audit"));
	assert_int_equal(a->exempted, r->exempted);
	check_stats(&a->stats, r);
}

static void run_row(struct fixture *f, const struct row *r)
{
	json_t *o;

	reset(f, r->audit);
	kill_result = r->kill;
	held = (r->kflags & (NM_EXEC_FROZEN | NM_EXEC_UNJUDGED)) != 0;
	judge(f, r->line, r->kflags, !r->out_of_scope);
	o = logged(f);
	if (!r->action != !o)
		fail_msg("%s: logged %s", r->name, o ? f->log : "nothing");
	if (strcmp(calls, r->calls ? r->calls : ""))
		fail_msg("%s: calls \"%s\", want \"%s\"", r->name, calls, r->calls ? r->calls : "");
	if (frozen_done_calls != r->frozen_done)
		fail_msg("%s: frozen_done called %d times", r->name, frozen_done_calls);
	check_counters(&f->act, r);
	if (!o)
		return;
	if (strcmp(str(o, "action"), r->action))
		fail_msg("%s: action %s, want %s", r->name, str(o, "action"), r->action);
	check_tri(o, "kill_in_kernel", r->kill_in_kernel, r->name);
	check_tri(o, "frozen_in_kernel", r->frozen_in_kernel, r->name);
	if (r->warning ? !str(o, "warning") || strcmp(str(o, "warning"), r->warning) :
			 json_object_get(o, "warning") != NULL)
		fail_msg("%s: warning %s", r->name, str(o, "warning"));
	assert_string_equal(str(o, "matched"), r->matched ? r->matched : "xmrig");
	assert_string_equal(str(o, "cmdline"), r->line);
	assert_int_equal(json_integer_value(json_object_get(o, "pid")), 4242);
	json_decref(o);
}

#define KILLS .action = "killed", .calls = "kill", .kill_in_kernel = NO
#define SPARES .action = "spared"
#define FROZEN_KILLS KILLS, .frozen_done = 1, .frozen_in_kernel = YES
/* the resume after the kill finds no process */
#define UNJ_KILLS .action = "killed", .calls = "kill CONT", .kill_in_kernel = NO, \
		  .frozen_done = 1, .frozen_in_kernel = YES
#define FROZEN_SPARES SPARES, .calls = "CONT", .frozen_done = 1, .frozen_in_kernel = YES

static const struct row table[] = {
	/* user space alone (capture, sweep, no kernel tables) */
	{ .name = "banned", .line = BANNED, KILLS },
	{ .name = "banned, exits before the kill", .line = BANNED, .kill = KILL_GONE,
	  .action = "missed-kill", .calls = "kill", .kill_in_kernel = NO },
	/* the killer refuses (moved out of scope, nomine itself): no line,
	 * and the stop taken to read the environment is undone */
	{ .name = "banned, refused", .line = BANNED, .kill = KILL_REFUSED, .calls = "kill CONT" },
	/* alive but the signal was refused (no CAP_KILL): an error, not a miss */
	{ .name = "banned, kill denied", .line = BANNED, .kill = KILL_DENIED, .action = "kill-failed",
	  .calls = "kill", .kill_in_kernel = NO },
	{ .name = "allowed", .line = ALLOWED, SPARES },
	{ .name = "banned, audit", .line = BANNED, .audit = 1, .action = "audit" },
	{ .name = "allowed, audit", .line = ALLOWED, .audit = 1, SPARES },
	{ .name = "clean", .line = CLEAN },
	{ .name = "banned, out of scope", .line = BANNED, .out_of_scope = 1 },
	{ .name = "banned, argv truncated", .line = BANNED, .kflags = NM_EXEC_ARGV_TRUNC, KILLS },
	/* the kernel judged it clean (older tables): user space decides */
	{ .name = "kernel clean, banned now", .line = BANNED, .kflags = KJ, KILLS },
	{ .name = "kernel clean, allowed now", .line = ALLOWED, .kflags = KJ, SPARES },
	{ .name = "kernel clean, clean", .line = CLEAN, .kflags = KJ },
	/* the kernel killed at exec: logged, and the killer takes what it
	 * forked before that exec */
	{ .name = "kernel killed", .line = BANNED, .kflags = KJ | NM_EXEC_KILLED,
	  .action = "killed", .kill_in_kernel = YES, .calls = "kill" },
	{ .name = "kernel killed, previous config", .line = CLEAN, .kflags = KJ | NM_EXEC_KILLED,
	  .action = "killed", .kill_in_kernel = YES, .matched = PREVIOUS, .calls = "kill" },
	{ .name = "kernel killed, allowed now", .line = ALLOWED, .kflags = KJ | NM_EXEC_KILLED,
	  .action = "killed", .kill_in_kernel = YES, .calls = "kill" },
	{ .name = "kernel killed, out of scope", .line = BANNED, .kflags = KJ | NM_EXEC_KILLED,
	  .out_of_scope = 1 },
	/* the kernel froze it for user space: killed or resumed */
	{ .name = "frozen, banned", .line = BANNED, .kflags = KJ | NM_EXEC_FROZEN, FROZEN_KILLS },
	{ .name = "frozen (cgroup unknown), banned", .line = BANNED,
	  .kflags = KJ | NM_EXEC_FROZEN | NM_EXEC_UNKNOWN_CG, FROZEN_KILLS },
	{ .name = "frozen, allowed", .line = ALLOWED, .kflags = KJ | NM_EXEC_FROZEN,
	  FROZEN_SPARES },
	{ .name = "frozen, banned, exits", .line = BANNED, .kflags = KJ | NM_EXEC_FROZEN,
	  .kill = KILL_GONE, .action = "missed-kill", .calls = "kill", .frozen_done = 1,
	  .kill_in_kernel = NO, .frozen_in_kernel = YES },
	{ .name = "frozen, banned, refused", .line = BANNED, .kflags = KJ | NM_EXEC_FROZEN,
	  .kill = KILL_REFUSED, .calls = "kill CONT", .frozen_done = 1 },
	/* alive and unkillable: kept held (the note stays), never resumed */
	{ .name = "frozen, banned, kill denied", .line = BANNED, .kflags = KJ | NM_EXEC_FROZEN,
	  .kill = KILL_DENIED, .action = "kill-failed", .calls = "kill", .frozen_done = 0,
	  .kill_in_kernel = NO, .frozen_in_kernel = YES },
	{ .name = "frozen, previous config", .line = CLEAN, .kflags = KJ | NM_EXEC_FROZEN,
	  FROZEN_SPARES, .matched = PREVIOUS },
	/* the kernel spared or only reported it */
	{ .name = "kernel exempt", .line = BANNED, .kflags = KJ | NM_EXEC_EXEMPT, SPARES,
	  .exempted = 1 },
	{ .name = "kernel allowed, PCRE2 agrees", .line = ALLOWED, .kflags = KJ | NM_EXEC_ALLOWED,
	  SPARES },
	{ .name = "kernel allowed, PCRE2 does not", .line = BANNED, .kflags = KJ | NM_EXEC_ALLOWED,
	  KILLS, .warning = "kernel allow DFA spared what PCRE2 does not allow" },
	{ .name = "kernel audit", .line = BANNED, .kflags = KJ | NM_EXEC_AUDIT, .audit = 1,
	  .action = "audit" },
	/* an allow pattern the kernel could not hold (partial allow tables) */
	{ .name = "kernel audit, PCRE2 allows", .line = ALLOWED, .kflags = KJ | NM_EXEC_AUDIT,
	  .audit = 1, SPARES },
	/* held at exec with no verdict: judged here, resumed unless killed */
	{ .name = "unjudged, banned", .line = BANNED, .kflags = UNJ, UNJ_KILLS },
	{ .name = "unjudged, allowed", .line = ALLOWED, .kflags = UNJ, FROZEN_SPARES },
	{ .name = "unjudged, clean", .line = CLEAN, .kflags = UNJ, .calls = "CONT",
	  .frozen_done = 1 },
	{ .name = "unjudged, banned, audit", .line = BANNED, .kflags = UNJ, .audit = 1,
	  .action = "audit", .calls = "CONT", .frozen_done = 1, .frozen_in_kernel = YES },
	{ .name = "unjudged, banned, refused", .line = BANNED, .kflags = UNJ, .kill = KILL_REFUSED,
	  .calls = "kill CONT CONT", .frozen_done = 2 },
	/* as decide_stale_frozen passes a held exec whose records were lost */
	{ .name = "unjudged (stale), banned", .line = BANNED,
	  .kflags = NM_EXEC_UNJUDGED | NM_EXEC_IN_SCOPE, UNJ_KILLS },
};

/* calls in the table are written without the trailing space */
static void test_table(void **state)
{
	struct fixture *f = *state;

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		struct row r = table[i];
		char want[256];

		snprintf(want, sizeof(want), "%s%s", r.calls ? r.calls : "", r.calls ? " " : "");
		r.calls = want;
		run_row(f, &r);
	}
}

/* A kill reports what the killer did. */
static void test_kill_report(void **state)
{
	struct fixture *f = *state;
	json_t *o;

	reset(f, 0);
	judge(f, BANNED, 0, 1);
	o = logged(f);
	assert_int_equal(json_integer_value(json_object_get(o, "descendants_killed")), 2);
	assert_string_equal(str(o, "event"), "Killed process");
	assert_string_equal(str(o, "level"), "info");
	assert_string_equal(str(o, "source"), "exec");
	json_decref(o);
	reset(f, 0);
	kill_result = KILL_GONE;   /* the root died in the kernel: only descendants */
	judge(f, BANNED, KJ | NM_EXEC_KILLED, 1);
	o = logged(f);
	assert_int_equal(json_integer_value(json_object_get(o, "descendants_killed")), 0);
	json_decref(o);
}

/* A clean line is logged only with debug, as "observed"; nothing is done. */
static void test_observed(void **state)
{
	struct fixture *f = *state;
	json_t *o;

	reset(f, 0);
	f->act.debug = 1;
	judge(f, CLEAN, 0, 1);
	o = logged(f);
	assert_non_null(o);
	assert_string_equal(str(o, "action"), "observed");
	assert_string_equal(str(o, "level"), "debug");
	assert_string_equal(calls, "");
	json_decref(o);
}

/* Flags that only inform (every bit outside ACTION_KERNEL_ACTED, including
 * the ones not defined yet) never change a verdict: a banned line is
 * killed by user space, an allowed one spared, with or without them. */
static void test_informational_flags(void **state)
{
	struct fixture *f = *state;

	for (unsigned int bit = 0; bit < 32; bit++) {
		unsigned int flag = 1u << bit;
		struct row r = { .name = "informational flag", .kill_in_kernel = NO };
		char name[64];

		/* a verdict of the kernel, or its own path (held unjudged) */
		if (flag & (ACTION_KERNEL_ACTED | NM_EXEC_UNJUDGED | NM_EXEC_KJUDGED))
			continue;
		snprintf(name, sizeof(name), "flag %#x", flag);
		r.name = name;
		for (int kj = 0; kj < 2; kj++) {
			r.kflags = flag | (kj ? KJ : 0);
			r.line = BANNED;
			r.action = "killed";
			r.calls = "kill ";
			r.kill_in_kernel = NO;
			run_row(f, &r);
			r.line = ALLOWED;
			r.action = "spared";
			r.calls = "";
			r.kill_in_kernel = ABSENT;
			run_row(f, &r);
		}
	}
}

/* Each flag of the mask is a kernel verdict the table covers on a line
 * banned in user space, and no flag the kernel sets only to inform (or
 * that has its own path) is in the mask. */
static void test_kernel_flags_covered(void **state)
{
	unsigned int seen = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (table[i].kflags & NM_EXEC_KJUDGED && strcmp(table[i].line, CLEAN))
			seen |= table[i].kflags & ACTION_KERNEL_ACTED;
	assert_int_equal(seen, ACTION_KERNEL_ACTED);
	assert_int_equal(ACTION_KERNEL_ACTED & (NM_EXEC_IN_SCOPE | NM_EXEC_ARGV_TRUNC |
						NM_EXEC_READ_FAIL | NM_EXEC_KJUDGED |
						NM_EXEC_ENV_REC | NM_EXEC_ENV_TRUNC |
						NM_EXEC_UNKNOWN_CG | NM_EXEC_ENV_FAIL |
						NM_EXEC_UNJUDGED), 0);
}

/* A behaviour detector's finding: spared when a pattern allows it, else
 * killed (audit: reported); its evidence is in the line. */
static void test_behaviour(void **state)
{
	struct fixture *f = *state;
	struct subject s = subject(0, 1);
	json_t *o;

	s.source = "randomx";
	reset(f, 0);
	action_behaviour(&f->act, &s, (const uint8_t *)"miner", 5, NULL,
			 json_pack("{s:i}", "switches", 12));
	o = logged(f);
	assert_string_equal(str(o, "action"), "killed");
	assert_string_equal(str(o, "source"), "randomx");
	assert_int_equal(json_integer_value(json_object_get(o, "switches")), 12);
	assert_string_equal(calls, "kill ");
	json_decref(o);
	/* a RandomX kill: counted and timed as such, none of cryptnono's */
	assert_int_equal(f->act.stats.by[STATS_RANDOMX].killed, 1);
	assert_int_equal(f->act.stats.ns[0].kills[STATS_RANDOMX], 1);
	assert_int_equal(f->act.stats.latency[STATS_RANDOMX].count, 1);
	assert_int_equal(f->act.stats.by[STATS_EXEC].checked + f->act.stats.log_kill.count +
			 f->act.stats.judge.count, 0);

	reset(f, 0);
	action_behaviour(&f->act, &s, (const uint8_t *)"miner", 5, "miner", NULL);
	o = logged(f);
	assert_string_equal(str(o, "action"), "spared");
	assert_string_equal(str(o, "allowedby"), "miner");
	assert_string_equal(calls, "");
	json_decref(o);

	reset(f, 1);
	action_behaviour(&f->act, &s, (const uint8_t *)"miner", 5, NULL, NULL);
	o = logged(f);
	assert_string_equal(str(o, "action"), "audit");
	assert_string_equal(calls, "");
	json_decref(o);
}

/* A sweep's finds count under cryptnono's psutil source and the sweep
 * detector; their latency is not measured (they were not seen starting). */
static void test_sweep_stats(void **state)
{
	struct fixture *f = *state;
	struct subject s = subject(0, 1);
	const struct action_stats *st = &f->act.stats;

	s.source = "scan";
	s.seen_ns = 0;
	reset(f, 0);
	action_judge(&f->act, f->policy, &s, (const uint8_t *)BANNED, strlen(BANNED));
	action_judge(&f->act, f->policy, &s, (const uint8_t *)ALLOWED, strlen(ALLOWED));
	action_judge(&f->act, f->policy, &s, (const uint8_t *)CLEAN, strlen(CLEAN));
	kill_result = KILL_GONE;
	action_judge(&f->act, f->policy, &s, (const uint8_t *)BANNED, strlen(BANNED));
	assert_int_equal(st->by[STATS_SWEEP].checked, 4);
	assert_int_equal(st->by[STATS_SWEEP].killed, 1);
	assert_int_equal(st->by[STATS_SWEEP].missed, 1);
	assert_int_equal(st->by[STATS_SWEEP].allowed[STATS_ALLOWED_PATTERN], 1);
	assert_int_equal(st->by[STATS_SWEEP].allowed[STATS_NO_MATCH], 1);
	assert_int_equal(st->ns[0].kills[STATS_SWEEP], 1);
	assert_int_equal(st->latency[STATS_SWEEP].count, 0);
	assert_int_equal(st->log_kill.count, 2);
	assert_int_equal(st->judge.count, 4);
	assert_int_equal(st->by[STATS_EXEC].checked, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_kill_report),
		cmocka_unit_test(test_observed),
		cmocka_unit_test(test_informational_flags),
		cmocka_unit_test(test_kernel_flags_covered),
		cmocka_unit_test(test_behaviour),
		cmocka_unit_test(test_sweep_stats),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
