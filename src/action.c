/* SPDX-License-Identifier: BSD-2-Clause */
/* action.c - verdict to action to log line. */
#include <errno.h>
#include <jansson.h>
#include "action.h"
#include "log.h"

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

void action_judge(struct action_ctx *a, struct policy *p, const struct subject *s,
		  const uint8_t *line, size_t len)
{
	struct verdict v;
	int in_scope = s->in_scope;
	json_t *o;

	a->checked++;
	policy_check(p, line, len, &v);
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
	if (v.allowedby) {
		a->spared++;
		emit(o, "spared", "info", "Spared process");
	} else if (a->audit) {
		a->audited++;
		emit(o, "audit", "info", "Would kill process (audit mode)");
	} else {
		do_kill(a, s, o);
	}
}
