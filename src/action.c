/* SPDX-License-Identifier: BSD-2-Clause */
/* action.c - verdict to action to log line. */
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "action.h"
#include "cgroup_kill.h"
#include "containers.h"
#include "exec_event.h"
#include "log.h"
#include "proc.h"
#include "evidence.h"
#include "incident.h"
#include "respond.h"
#include "tunables.h"
#include "mono_clock.h"

static json_t *subject_json(const struct subject *s, const uint8_t *line, size_t len,
			    const struct verdict *v)
{
	json_t *o = json_object();

	log_set_int(o, "pid", s->tgid);
	log_set_int(o, "ppid", s->ppid);
	log_set_int(o, "uid", s->uid);
	if (s->exe)
		log_set_str(o, "exe", s->exe);
	if (s->exec_path)
		log_set_str(o, "exec_path", s->exec_path);
	log_set_bytes(o, "cmdline", line, len);
	if (v->matched)
		log_set_bytes(o, "matched", v->matched->shown, v->matched->shown_len);
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

/* What one verdict needs to know of the process's container, looked up
 * once; its environment is read while the process still lives. */
struct who {
	int looked;
	struct container *c;
	uint8_t *env;            /* /proc/PID/environ, when the kernel sent none */
	size_t env_len;
	int env_tried;
	struct evidence_live *live; /* read before the kill, for the evidence record */
};

static struct container *who_container(struct action_ctx *a, const struct subject *s,
				       struct who *w)
{
	if (!w->looked && a->ctrs) {
		w->c = containers_of(a->ctrs, s->tgid, s->start_ticks, s->cgroup_id, s->cgroup1_id);
		w->looked = 1;
	}
	return w->c;
}

/* The process's environment, when the kernel did not send it: bounded as
 * the kernel's copy, and only of the process that exec'd (not a PID's
 * next owner). */
static void who_read_env(struct action_ctx *a, const struct subject *s, struct who *w)
{
	if (!a->ctrs || !containers_want_env(a->ctrs) || s->env || w->env || w->env_tried)
		return;
	w->env_tried = 1;
	if (containers_read_proc(s->tgid, s->start_ticks, "environ", NM_ENV_MAX, &w->env,
				 &w->env_len))
		w->env = NULL;
}

/* The kernel's identity of the executable at exec: its device (the
 * kernel's encoding, major << 20 | minor) and inode, beside what the scan
 * says of it. */
static void put_exe_identity(json_t *o, const struct nm_exe_id *id)
{
	json_t *x = json_object_get(o, "executable");

	if (!json_is_object(x)) {
		x = json_object();
		json_object_set_new(o, "executable", x);
	}
	json_object_set_new(x, "dev", json_integer(id->dev));
	json_object_set_new(x, "inode", json_integer((json_int_t)id->ino));
}

/* Adds the container and hub user to o, then emits it; a kill (or, in
 * audit mode, a would-be kill) then goes to the responders. */
static void emit_who(struct action_ctx *a, const struct subject *s, struct who *w, json_t *o,
		     const char *action, const char *level, const char *event)
{
	struct incident *in = NULL;
	int audit = !strcmp(action, "audit");

	if (a->ctrs) {
		who_read_env(a, s, w);
		containers_describe(a->ctrs, who_container(a, s, w),
				    s->env ? s->env : w->env, s->env ? s->env_len : w->env_len, o);
	}
	free(w->env);
	w->env = NULL;
	if (a->describe_exe && !json_object_get(o, "executable"))
		a->describe_exe(a->describe_ctx, s, o);
	if (s->exe_id)
		put_exe_identity(o, s->exe_id);
	if (a->responder && (audit || !strcmp(action, "killed"))) {
		evidence_capture_ancestors(w->live, s->ppid, s->start_ticks);
		in = respond_prepare(a->responder, o, w->live, audit);
		w->live = NULL;
	}
	evidence_live_free(w->live);
	w->live = NULL;
	emit(o, action, level, event);
	respond_submit(a->responder, in);
}

/* Tells the kernel the class of the process's cgroup, when it is sure: a
 * container whose metadata could not be read yet is left unknown (its
 * execs stay frozen for user space, which retries the read). */
static void tell_kernel(struct action_ctx *a, const struct subject *s, const struct container *c)
{
	if (a->classify && s->cgroup_id && containers_cgid_known(a->ctrs, s->cgroup_id) &&
	    (!c || c->meta_ok))
		a->classify(a->classify_ctx, s->cgroup_id, c && c->exempt);
}

void action_classify_cgroup(struct action_ctx *a, uint64_t cgroup_id)
{
	struct subject s = { .cgroup_id = cgroup_id };

	if (!a->ctrs || !containers_exemptions_on(a->ctrs) || !cgroup_id)
		return;
	tell_kernel(a, &s, containers_of(a->ctrs, 0, 0, cgroup_id, 0));
}

/* Seconds since s was seen (its exec, or the RandomX detector's first
 * observation), -1 when that is unknown. */
static double seconds_since_seen(const struct subject *s)
{
	struct timespec ts;
	uint64_t now;

	if (!s->seen_ns)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	return now > s->seen_ns ? (double)(now - s->seen_ns) / 1e9 : 0;
}

/* Which detector found s, from its log source: exec events, sweeps, file
 * scans, the network detector, and the RandomX detector ("monero",
 * cryptnono's name for it). */
static enum stats_detector detector_of(const struct subject *s)
{
	if (s->source && !strcmp(s->source, "exec"))
		return STATS_EXEC;
	if (s->source && !strcmp(s->source, "scan"))
		return STATS_SWEEP;
	if (s->source && !strcmp(s->source, "executable"))
		return STATS_EXECUTABLE;
	if (s->source && !strcmp(s->source, "network"))
		return STATS_NETWORK;
	return STATS_RANDOMX;
}

/* Why a process was spared: SPARED_EXEMPT (its namespace or container
 * name), else an enum stats_allowed (a pattern, allowedExecutables too for
 * RandomX; or no banned string of the config now in force). */
#define SPARED_EXEMPT (-1)

static void count_spared(struct action_ctx *a, const struct subject *s, int why)
{
	a->spared++;
	if (why == SPARED_EXEMPT)
		a->exempted++;
	else
		a->stats.by[detector_of(s)].allowed[why]++;
}

/* A process killed, in container c (NULL: host, or not looked up), latency
 * seconds after it was seen (< 0: unknown; sweeps are never timed: what
 * they find was not seen starting). */
static void count_kill(struct action_ctx *a, const struct subject *s, const struct container *c,
		       double latency)
{
	enum stats_detector d = detector_of(s);

	a->stats.by[d].killed++;
	action_stats_kill(&a->stats, d, c ? c->meta.labels[RT_POD_NAMESPACE] : NULL);
	if (d != STATS_SWEEP && latency >= 0)
		histogram_observe(&a->stats.latency[d], latency);
}

/* cryptnono's log-and-kill time, for the command-line detectors only. */
static void time_log_kill(struct action_ctx *a, const struct subject *s, double since)
{
	if (detector_of(s) != STATS_RANDOMX)
		histogram_observe(&a->stats.log_kill, mono_s() - since);
}

/* The whole-container response, after a kill in container c. */
static void container_response(struct action_ctx *a, struct container *c)
{
	struct cgroup_kill_report r;
	char err[256];
	json_t *o;

	if (!c || c->exempt || !a->ctr_kill_after ||
	    !containers_note_kill(c, mono_s(), a->ctr_kill_after, a->ctr_kill_window))
		return;
	o = json_object();
	containers_describe(a->ctrs, c, NULL, 0, o);
	log_set_str(o, "cgroup", c->ref.cgroup);
	log_set_int(o, "kills", a->ctr_kill_after);
	json_object_set_new(o, "window_seconds", json_real(a->ctr_kill_window));
	/* --scope-cgroup is a unified-hierarchy fence: only such cgroups can be
	 * checked against it. */
	if (!(c->ref.v2 ? scope_contains(a->killer->scope, c->ref.cgroup) :
			  a->killer->scope->n == 0)) {
		log_set_str(o, "error", "the container's cgroup is outside --scope-cgroup");
		emit(o, "container-kill-refused", "warning", "Container not killed");
		return;
	}
	if (cgroup_kill(a->unified_mount, a->freezer_mount, c->ref.cgroup, c->ref.v2, &r, err,
			sizeof(err))) {
		log_set_str(o, "error", err);
		a->stats.errors++;
		emit(o, "container-kill-failed", "error", "Container kill failed");
		return;
	}
	a->containers_killed++;
	log_set_str(o, "method", r.method);
	log_set_int(o, "processes", r.processes);
	emit(o, "container-killed", "info", "Killed container");
}

/* The real signal op: through a pidfd, so a PID's next owner is never hit. */
static void signal_process(pid_t tgid, uint64_t start_ticks, int sig)
{
	int fd = proc_pidfd_open(tgid, start_ticks);

	if (fd >= 0) {
		proc_pidfd_signal(fd, sig);
		close(fd);
	}
}

static const struct action_ops real_ops = { .kill = killer_kill, .kill_forked = killer_kill_forked,
					    .signal = signal_process };

static const struct action_ops *ops_of(const struct action_ctx *a)
{
	return a->ops ? a->ops : &real_ops;
}

/* Stops the process at once, so that reading its environment (bounded)
 * and, for an evidence record, its connections and ancestors gives it no
 * more time to run than the kill itself would. */
static void stop_and_read_env(struct action_ctx *a, const struct subject *s, struct who *w)
{
	int live = respond_wants_live(a->responder);

	if (live) {
		ops_of(a)->signal(s->tgid, s->start_ticks, SIGSTOP);
		/* its ancestors are read after the kill (emit_who) */
		w->live = evidence_capture(s->tgid, s->start_ticks, 0);
	}
	if (!a->ctrs || !containers_want_env(a->ctrs) || s->env)
		return;
	if (!live)
		ops_of(a)->signal(s->tgid, s->start_ticks, SIGSTOP);
	who_read_env(a, s, w);
	/* Read in the middle of an execve (the new image's stack not set up
	 * yet), the environment is empty: read again once the stop landed. */
	if (w->env && !w->env_len && !proc_wait_stopped(s->tgid, NM_ENV_STOP_WAIT_US)) {
		free(w->env);
		w->env = NULL;
		w->env_tried = 0;
		who_read_env(a, s, w);
	}
}

/* Kills s (and descendants) and logs it. Metadata is looked up after the
 * kill unless exemptions made the caller look it up before. Returns 0, 1
 * when the live process could not be killed (logged "kill-failed"), or
 * -EPERM when the killer refused (moved out of scope, or nomine itself):
 * then nothing is logged and the process may still be stopped. */
static int do_kill(struct action_ctx *a, const struct subject *s, json_t *o, struct who *w)
{
	double t0 = mono_s(), latency;
	struct kill_report r;
	int ret;

	stop_and_read_env(a, s, w);
	/* a process known only by its PID (RandomX, sweeps) has its file
	 * looked up through /proc/PID/exe, which the kill takes away */
	if (a->describe_exe && !s->exe_id && !json_object_get(o, "executable"))
		a->describe_exe(a->describe_ctx, s, o);
	ret = ops_of(a)->kill(a->killer, s->tgid, s->start_ticks, s->exec_id, &r);
	latency = seconds_since_seen(s);   /* the killer saw it dead, or gone */
	log_set_int(o, "descendants_killed", r.descendants);
	json_object_set_new(o, "kill_in_kernel", json_false());
	if (ret == -EPERM) {
		free(w->env);
		w->env = NULL;
		evidence_live_free(w->live);
		w->live = NULL;
		json_decref(o);
		return ret;
	}
	if (!r.converged)
		log_set_str(o, "warning", "descendants still appearing after the round limit");
	if (r.root_killed) {
		a->killed++;
		emit_who(a, s, w, o, "killed", "info", "Killed process");
		count_kill(a, s, w->c, latency);
		time_log_kill(a, s, t0);
		container_response(a, w->c);
	} else if (r.root_error) {
		/* alive and not killable (no CAP_KILL, a seccomp or LSM
		 * refusal): an error to alert on, not a process that left */
		a->stats.errors++;
		log_set_str(o, "error", strerror(-r.root_error));
		emit_who(a, s, w, o, "kill-failed", "error", "Could not kill process");
		time_log_kill(a, s, t0);
		return 1;
	} else {
		a->missed++;
		a->stats.by[detector_of(s)].missed++;
		emit_who(a, s, w, o, "missed-kill", "warning",
			 "Process exited before it could be killed");
		time_log_kill(a, s, t0);
	}
	return 0;
}

/* The kernel's note of a frozen process goes first: while it is there, the
 * hold program stops the process again at any SIGCONT (nomine's too). */
static void resume(struct action_ctx *a, const struct subject *s)
{
	/* a later exec of the process, frozen again, waits for its own
	 * verdict: this one's resume must not free it */
	if (a->frozen_done && s->kflags & (NM_EXEC_FROZEN | NM_EXEC_UNJUDGED) &&
	    !a->frozen_done(a->classify_ctx, s->tgid, s->exec_id))
		return;
	ops_of(a)->signal(s->tgid, s->start_ticks, SIGCONT);
}

void action_resume(struct action_ctx *a, const struct subject *s)
{
	resume(a, s);
}

/* Exemptions are enforced before any kill: with some configured, the
 * container is looked up first (cached after its first event). */
static int exempt(struct action_ctx *a, const struct subject *s, struct who *w)
{
	struct container *c;

	if (!a->ctrs || !containers_exemptions_on(a->ctrs))
		return 0;
	c = who_container(a, s, w);
	tell_kernel(a, s, c);
	return c && c->exempt;
}

/* The common end of every verdict: spare, report (audit), or kill. */
static void act(struct action_ctx *a, const struct subject *s, json_t *o, int spared)
{
	struct who w = { 0 };

	if (!spared && exempt(a, s, &w)) {
		count_spared(a, s, SPARED_EXEMPT);
		emit_who(a, s, &w, o, "spared", "info", "Spared process");
	} else if (spared) {
		count_spared(a, s, STATS_ALLOWED_PATTERN);
		emit_who(a, s, &w, o, "spared", "info", "Spared process");
	} else if (s->report_only) {
		a->reported++;
		emit_who(a, s, &w, o, "reported", "info", "Reported process");
	} else if (a->audit) {
		a->audited++;
		emit_who(a, s, &w, o, "audit", "info", "Would kill process (audit mode)");
	} else if (do_kill(a, s, o, &w) < 0) {
		resume(a, s);   /* not ours to kill: undo the stop of stop_and_read_env */
	}
}

/* The kernel killed at exec: nothing ran after it, but what the process
 * forked before that exec (and left running, however far away) dies too;
 * the killer finds it from the kernel's lineage, and returns at once when
 * the process never forked. */
static void log_kernel_kill(struct action_ctx *a, const struct subject *s, json_t *o)
{
	struct who w = { 0 };
	struct kill_report r = { 0 };
	double t0 = mono_s();

	a->killed_in_kernel++;
	/* dead at exec: what lives on is its ancestors (read in emit_who) */
	if (respond_wants_live(a->responder))
		w.live = evidence_capture(s->tgid, s->start_ticks, 0);
	ops_of(a)->kill_forked(a->killer, s->tgid, s->start_ticks, s->exec_id, &r);
	log_set_int(o, "descendants_killed", r.descendants);
	json_object_set_new(o, "kill_in_kernel", json_true());
	emit_who(a, s, &w, o, "killed", "info", "Killed process");
	count_kill(a, s, w.c, 0);   /* dead before its first instruction */
	time_log_kill(a, s, t0);
	container_response(a, w.c);
}

/* The kernel froze the process before its first instruction: because only
 * user space can run some allow pattern, or because its cgroup was not
 * classified yet (exemptions on). Resume it or kill it. */
static void decide_frozen(struct action_ctx *a, const struct subject *s, const struct verdict *v,
			  json_t *o)
{
	struct who w = { 0 };
	int exempted, spare;

	json_object_set_new(o, "frozen_in_kernel", json_true());
	exempted = exempt(a, s, &w);
	spare = exempted || !v->kill;
	if (!spare) {
		/* held (the kernel's note kept) until the kill has landed */
		int k = do_kill(a, s, o, &w);

		if (k < 0)
			resume(a, s);   /* every frozen exec ends killed or resumed */
		else if (k == 0 && a->frozen_done)
			a->frozen_done(a->classify_ctx, s->tgid, s->exec_id);
		/* alive and unkillable: the note stays, so it stays held (the
		 * stale scan tries again) rather than free to any SIGCONT */
		return;
	}
	who_read_env(a, s, &w);
	resume(a, s);
	/* frozen by a previous config's tables, not banned by this one */
	count_spared(a, s, exempted ? SPARED_EXEMPT :
			   v->matched ? STATS_ALLOWED_PATTERN : STATS_NO_MATCH);
	emit_who(a, s, &w, o, "spared", "info", "Spared process");
}

/* Acts on what the kernel already did or asked for (kflags). */
static void follow_kernel(struct action_ctx *a, const struct subject *s, const struct verdict *v,
			  json_t *o)
{
	struct who w = { 0 };

	if (s->kflags & NM_EXEC_KILLED) {
		log_kernel_kill(a, s, o);
	} else if (s->kflags & NM_EXEC_FROZEN) {
		decide_frozen(a, s, v, o);
	} else if (s->kflags & NM_EXEC_EXEMPT) {
		count_spared(a, s, SPARED_EXEMPT);
		emit_who(a, s, &w, o, "spared", "info", "Spared process");
	} else if (s->kflags & NM_EXEC_ALLOWED && !v->kill) {
		count_spared(a, s, STATS_ALLOWED_PATTERN);
		emit_who(a, s, &w, o, "spared", "info", "Spared process");
	} else if (s->kflags & NM_EXEC_ALLOWED) {
		/* The kernel's allow DFA and PCRE2 disagree: PCRE2 rules (and the
		 * disagreement is a bug worth seeing). */
		log_set_str(o, "warning", "kernel allow DFA spared what PCRE2 does not allow");
		act(a, s, o, 0);
	} else {
		/* audit: "would kill", unless an allow pattern the kernel does
		 * not hold (partial allow tables) spares it */
		act(a, s, o, v->allowedby != NULL);
	}
}

static void judge(struct action_ctx *a, struct policy *p, const struct subject *s,
		  const uint8_t *line, size_t len)
{
	struct verdict v;
	int in_scope = s->in_scope;
	json_t *o;

	a->checked++;
	a->stats.by[detector_of(s)].checked++;
	policy_check(p, line, len, &v);
	if (s->kflags & NM_EXEC_UNJUDGED) {
		/* stopped at exec only so that it is judged before it runs:
		 * judged here (held through a kill), and whatever is not
		 * killed goes on */
		if (v.matched) {
			o = subject_json(s, line, len, &v);
			json_object_set_new(o, "frozen_in_kernel", json_true());
			act(a, s, o, v.allowedby != NULL);
		} else {
			a->stats.by[detector_of(s)].allowed[STATS_NO_MATCH]++;
		}
		resume(a, s);   /* forgets it; the signal is a no-op when it was killed */
		return;
	}
	if (!v.matched && s->kflags & (NM_EXEC_KILLED | NM_EXEC_FROZEN)) {
		/* judged by tables of a config reloaded since: say what we know */
		o = subject_json(s, line, len, &v);
		log_set_str(o, "matched", "(a banned string or pattern of the previous config)");
		if (s->kflags & NM_EXEC_KILLED)
			log_kernel_kill(a, s, o);
		else
			decide_frozen(a, s, &v, o);
		return;
	}
	if (!v.matched) {
		a->stats.by[detector_of(s)].allowed[STATS_NO_MATCH]++;
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
	if (s->kflags & NM_EXEC_KJUDGED && s->kflags & ACTION_KERNEL_ACTED) {
		follow_kernel(a, s, &v, o);
	} else {
		act(a, s, o, v.allowedby != NULL);
	}
}

void action_judge(struct action_ctx *a, struct policy *p, const struct subject *s,
		  const uint8_t *line, size_t len)
{
	double t0 = mono_s();

	judge(a, p, s, line, len);
	histogram_observe(&a->stats.judge, mono_s() - t0);
}

void action_known_bad(struct action_ctx *a, const struct subject *s, const uint8_t *line,
		      size_t len, json_t *evidence)
{
	struct verdict v = { .kill = 1 };
	struct who w = { 0 };
	json_t *o;

	a->checked++;
	a->stats.by[detector_of(s)].checked++;
	o = subject_json(s, line, len, &(struct verdict){ 0 });
	if (evidence) {
		json_object_update(o, evidence);
		json_decref(evidence);
	}
	if (s->kflags & NM_EXEC_KILLED) {
		log_kernel_kill(a, s, o);
	} else if (s->kflags & NM_EXEC_FROZEN) {
		decide_frozen(a, s, &v, o);
	} else if (s->kflags & NM_EXEC_EXEMPT) {
		count_spared(a, s, SPARED_EXEMPT);
		emit_who(a, s, &w, o, "spared", "info", "Spared process");
	} else {
		act(a, s, o, 0);    /* audit mode, or out of the kernel's reach */
	}
}

void action_behaviour(struct action_ctx *a, const struct subject *s, const uint8_t *line,
		      size_t len, const char *allowedby, json_t *evidence)
{
	struct verdict v = {0};
	json_t *o = subject_json(s, line, len, &v);

	a->checked++;
	a->stats.by[detector_of(s)].checked++;
	if (allowedby)
		log_set_str(o, "allowedby", allowedby);
	if (evidence) {
		json_object_update(o, evidence);
		json_decref(evidence);
	}
	act(a, s, o, allowedby != NULL);
}
