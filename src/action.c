/* SPDX-License-Identifier: BSD-2-Clause */
/* action.c - verdict to action to log line. */
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <unistd.h>
#include "action.h"
#include "exec_event.h"
#include "log.h"
#include "proc.h"

static json_t *subject_json(const struct subject *s, const uint8_t *line, size_t len,
			    const struct verdict *v)
{
	json_t *o = json_object();

	log_set_int(o, "pid", s->tgid);
	log_set_int(o, "ppid", s->ppid);
	log_set_int(o, "uid", s->uid);
	if (s->exe)
		log_set_str(o, "exe", s->exe);
	log_set_bytes(o, "cmdline", line, len);
	if (v->matched)
		log_set_bytes(o, "matched", v->matched->bytes, v->matched->len);
	if (v->allowedby)
		log_set_str(o, "allowedby", v->allowedby->regex);
	log_set_str(o, "source", s->source);
	if (s->argv_source)
		log_set_str(o, "argv_source", s->argv_source);
	return o;
}

static void emit(json_t *o, const char *action, const char *level, const char *event)
{
	log_set_str(o, "action", action);
	log_emit_event(o, level, event);
}

static void do_kill(struct action_ctx *a, const struct subject *s, json_t *o)
{
	struct kill_report r;
	int ret;

	ret = killer_kill(a->killer, s->tgid, s->start_ticks, s->exec_id, &r);
	log_set_int(o, "descendants_killed", r.descendants);
	json_object_set_new(o, "kill_in_kernel", json_false());
	if (ret == -EPERM) {   /* moved out of scope, or nomine itself */
		json_decref(o);
		return;
	}
	if (!r.converged)
		log_set_str(o, "warning", "descendants still appearing after the round limit");
	if (r.root_killed) {
		a->killed++;
		emit(o, "killed", "info", "Killed process");
	} else {
		a->missed++;
		emit(o, "missed-kill", "warning", "Process exited before it could be killed");
	}
}

/* The common end of every verdict: spare, report (audit), or kill. */
static void act(struct action_ctx *a, const struct subject *s, json_t *o, int spared)
{
	if (spared) {
		a->spared++;
		emit(o, "spared", "info", "Spared process");
	} else if (a->audit) {
		a->audited++;
		emit(o, "audit", "info", "Would kill process (audit mode)");
	} else {
		do_kill(a, s, o);
	}
}

/* The kernel killed at exec: nothing ran, nothing can have been forked. */
static void log_kernel_kill(struct action_ctx *a, json_t *o)
{
	a->killed_in_kernel++;
	log_set_int(o, "descendants_killed", 0);
	json_object_set_new(o, "kill_in_kernel", json_true());
	emit(o, "killed", "info", "Killed process");
}

/* The kernel froze the process before its first instruction because only
 * user space can run some allow pattern: resume it or kill it. */
static void decide_frozen(struct action_ctx *a, const struct subject *s, const struct verdict *v,
			  json_t *o)
{
	int fd;

	json_object_set_new(o, "frozen_in_kernel", json_true());
	if (v->kill) {
		do_kill(a, s, o);
		return;
	}
	fd = proc_pidfd_open(s->tgid, s->start_ticks);
	if (fd >= 0) {
		proc_pidfd_signal(fd, SIGCONT);
		close(fd);
	}
	a->spared++;
	emit(o, "spared", "info", "Spared process");
}

/* Acts on what the kernel already did or asked for (kflags). */
static void follow_kernel(struct action_ctx *a, const struct subject *s, const struct verdict *v,
			  json_t *o)
{
	if (s->kflags & NM_EXEC_KILLED) {
		log_kernel_kill(a, o);
	} else if (s->kflags & NM_EXEC_FROZEN) {
		decide_frozen(a, s, v, o);
	} else if (s->kflags & NM_EXEC_ALLOWED && !v->kill) {
		a->spared++;
		emit(o, "spared", "info", "Spared process");
	} else if (s->kflags & NM_EXEC_ALLOWED) {
		/* The kernel's allow DFA and PCRE2 disagree: PCRE2 rules (and the
		 * disagreement is a bug worth seeing). */
		log_set_str(o, "warning", "kernel allow DFA spared what PCRE2 does not allow");
		act(a, s, o, 0);
	} else {
		a->audited++;
		emit(o, "audit", "info", "Would kill process (audit mode)");
	}
}

void action_judge(struct action_ctx *a, struct policy *p, const struct subject *s,
		  const uint8_t *line, size_t len)
{
	struct verdict v;
	int in_scope = s->in_scope;
	json_t *o;

	a->checked++;
	policy_check(p, line, len, &v);
	if (!v.matched && s->kflags & (NM_EXEC_KILLED | NM_EXEC_FROZEN)) {
		/* judged by tables of a config reloaded since: say what we know */
		o = subject_json(s, line, len, &v);
		log_set_str(o, "matched", "(a banned string of the previous config)");
		if (s->kflags & NM_EXEC_KILLED)
			log_kernel_kill(a, o);
		else
			decide_frozen(a, s, &v, o);
		return;
	}
	if (!v.matched) {
		if (a->debug)
			emit(subject_json(s, line, len, &v), "observed", "debug", "Observed process");
		return;
	}
	if (in_scope < 0)
		in_scope = scope_contains_pid(a->killer->scope, s->tgid) != 0;
	if (!in_scope)
		return;
	o = subject_json(s, line, len, &v);
	if (v.pattern_error)
		log_set_str(o, "warning", "an allow pattern hit its match limit on this command line");
	if (s->kflags & NM_EXEC_KJUDGED && s->kflags & ~(unsigned)(NM_EXEC_KJUDGED | NM_EXEC_IN_SCOPE |
								NM_EXEC_READ_FAIL | NM_EXEC_ARGV_TRUNC)) {
		follow_kernel(a, s, &v, o);
	} else {
		act(a, s, o, v.allowedby != NULL);
	}
}

void action_behaviour(struct action_ctx *a, const struct subject *s, const uint8_t *line,
		      size_t len, const char *allowedby, json_t *evidence)
{
	struct verdict v = {0};
	json_t *o = subject_json(s, line, len, &v);

	a->checked++;
	if (allowedby)
		log_set_str(o, "allowedby", allowedby);
	if (evidence) {
		json_object_update(o, evidence);
		json_decref(evidence);
	}
	act(a, s, o, allowedby != NULL);
}
