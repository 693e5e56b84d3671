/* SPDX-License-Identifier: BSD-2-Clause */
/* respond.c - incidents from kill lines, fanned out to the responders. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "command_hook.h"
#include "evidence.h"
#include "http.h"
#include "incident.h"
#include "log.h"
#include "mono_clock.h"
#include "notify_gate.h"
#include "resp_sink.h"
#include "resp_targets.h"
#include "respond.h"

#define STATS_MAX 40            /* responder names ever used, kept for /metrics */
#define GATE_KEYS 4096          /* (who, reason) pairs the dedupe remembers */

struct responder {
	pthread_mutex_t mu;      /* everything below, against the evidence and gate threads */
	struct respond_settings set;
	int active, audit;
	struct resp_sink *hub, *hook, *evidence;
	struct resp_sink **notify;       /* webhooks, then Alertmanager */
	size_t nnotify;
	struct resp_sink **retired;
	size_t nretired;
	struct evidence_store *store;
	/* the notification gate and its thread */
	struct notify_gate *gate;
	pthread_t gate_tid;
	int gate_running, gate_stop;
	int gate_full_logged;            /* a run of drops at the gate was logged */
	int flood_logged;                /* a run of drops at the incident cap was logged */
	int stopping;                    /* respond_free: an evidence worker dispatches nothing */
	pthread_cond_t gate_cv;
	struct resp_stats stats[STATS_MAX];
	unsigned int nstats;
};

static struct resp_stats *stats_for(struct responder *r, const char *name)
{
	for (unsigned int i = 0; i < r->nstats; i++)
		if (!strcmp(r->stats[i].name, name))
			return &r->stats[i];
	if (r->nstats == STATS_MAX)
		return &r->stats[STATS_MAX - 1];   /* shared overflow row */
	snprintf(r->stats[r->nstats].name, sizeof(r->stats[0].name), "%s", name);
	return &r->stats[r->nstats++];
}

struct responder *respond_new(void)
{
	struct responder *r = calloc(1, sizeof(*r));
	pthread_condattr_t ca;

	if (!r)
		return NULL;
	pthread_mutex_init(&r->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&r->gate_cv, &ca);
	pthread_condattr_destroy(&ca);
	/* the dropped-as-a-whole row exists from the start, for /metrics */
	stats_for(r, "all");
	return r;
}

/* ---- the notification gate's thread ------------------------------------ */

static void push_notifications(struct responder *r, struct gate_msg *m)
{
	const char *src = json_string_value(json_object_get(m->event, "user_source"));
	/* a user the process only claimed stays in the event, not in the
	 * message's user (nor an alert's label) */
	const char *user = src && !strcmp(src, "container") ?
			   json_string_value(json_object_get(m->event, "user")) : NULL;
	const char *ev = json_string_value(json_object_get(m->event, "evidence"));
	struct incident *in = incident_new(m->event, user, NULL, m->who, m->reason, ev);

	if (in) {
		in->count = m->count;
		in->first_s = m->first_s;
		in->last_s = m->last_s;
		for (size_t i = 0; i < r->nnotify; i++)
			resp_sink_push(r->notify[i], in);
		incident_unref(in);
	}
	json_decref(m->event);
	free(m->who);
	free(m->reason);
}

static void *gate_thread(void *arg)
{
	struct responder *r = arg;
	struct gate_msg m;
	double next;

	pthread_mutex_lock(&r->mu);
	while (!r->gate_stop) {
		if (r->gate && notify_gate_next(r->gate, mono_s(), &m, &next)) {
			push_notifications(r, &m);
			continue;
		}
		if (!r->gate || isinf(next)) {
			pthread_cond_wait(&r->gate_cv, &r->mu);
		} else {
			struct timespec ts = mono_timespec(next);

			pthread_cond_timedwait(&r->gate_cv, &r->mu, &ts);
		}
	}
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

/* ---- fan-out ------------------------------------------------------------ */

/* Every response but the evidence record. Locked or not: takes r->mu. */
static void dispatch(struct responder *r, struct incident *in)
{
	int full, log_full = 0;

	pthread_mutex_lock(&r->mu);
	if (r->stopping) {
		pthread_mutex_unlock(&r->mu);
		return;
	}
	if (in->user && r->hub)
		resp_sink_push(r->hub, in);
	if (r->hook)
		resp_sink_push(r->hook, in);
	if (r->gate) {
		full = notify_gate_add(r->gate, in->who, in->reason, in->event, mono_s(),
				       in->first_s) != 0;
		if (full)
			atomic_fetch_add(&stats_for(r, "all")->dropped, 1);
		log_full = full && !r->gate_full_logged;
		r->gate_full_logged = full;
		pthread_cond_signal(&r->gate_cv);
	}
	pthread_mutex_unlock(&r->mu);
	if (log_full) {
		json_t *o = json_object();

		log_set_str(o, "responder", "notifications");
		log_set_str(o, "who", in->who);
		log_set_str(o, "why", "every user, container and process the dedupe remembers "
			    "still has events to send; further drops until one has room are only "
			    "counted");
		log_set_str(o, "action", "response-dropped");
		log_emit_event(o, "warning", "Response dropped");
	}
}

/* The evidence responder's next step: the record is written (or failed),
 * now the rest may clean up. */
static void after_evidence(void *ctx, struct incident *in)
{
	dispatch(ctx, in);
}

/* ---- incidents ---------------------------------------------------------- */

static const char *jstr(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* "user alice", "container <id>" or "host pid <pid>": whom one message is
 * about (a host process has no owner to group its kills by). */
static void who_of(json_t *o, const char *user, char *buf, size_t n)
{
	const char *cid = jstr(o, "container_id");

	if (user)
		snprintf(buf, n, "user %s", user);
	else if (cid)
		snprintf(buf, n, "container %.64s", cid);
	else
		snprintf(buf, n, "host pid %lld",
			 (long long)json_integer_value(json_object_get(o, "pid")));
}

/* The detector, and the network detector's reason: "exec", "network stratum". */
static void reason_of(json_t *o, char *buf, size_t n)
{
	const char *src = jstr(o, "source"), *why = jstr(o, "reason");

	snprintf(buf, n, "%s%s%.48s", src ? src : "unknown", why ? " " : "", why ? why : "");
}

/* The first incident of a flood beyond the cap, once per run of them. */
static void log_flood(json_t *kill)
{
	json_t *o = json_object();

	log_set_str(o, "responder", "all");
	json_object_set(o, "pid", json_object_get(kill, "pid"));
	log_set_str(o, "why", "more incidents alive than twice responseQueueLength: this kill "
		    "and the next ones get no response until some are done (only counted)");
	log_set_str(o, "action", "response-dropped");
	log_emit_event(o, "warning", "Response dropped");
}

struct incident *respond_prepare(struct responder *r, json_t *o, void *live, int audit)
{
	char who[160], reason[80], *path = NULL;
	const char *user = NULL, *server = NULL;
	struct incident *in = NULL;

	if (!r || !r->active)
		goto out;
	pthread_mutex_lock(&r->mu);
	if (incident_alive() >= 2ul * r->set.queue_len) {
		/* a flood: memory stays bounded, the kills go on */
		int first = !r->flood_logged;

		atomic_fetch_add(&stats_for(r, "all")->dropped, 1);
		r->flood_logged = 1;
		pthread_mutex_unlock(&r->mu);
		if (first)
			log_flood(o);
		goto out;
	}
	r->flood_logged = 0;
	if (r->store && !audit) {
		path = evidence_name(r->store, (pid_t)json_integer_value(json_object_get(o, "pid")));
		if (path)
			log_set_str(o, "evidence", path);
	}
	pthread_mutex_unlock(&r->mu);
	/* only the container's spec names a hub user to act on */
	if (jstr(o, "user_source") && !strcmp(jstr(o, "user_source"), "container")) {
		user = jstr(o, "user");
		server = jstr(o, "server_name");
	}
	who_of(o, user, who, sizeof(who));
	reason_of(o, reason, sizeof(reason));
	in = incident_new(o, user, server, who, reason, path);
	free(path);
	if (!in)
		goto out;
	in->audit = audit;
	in->live = live;
	in->live_free = (void (*)(void *))evidence_live_free;
	live = NULL;
out:
	if (live)
		evidence_live_free(live);
	return in;
}

/* Audit mode: one line saying what would have been done (from the
 * settings: in audit mode no responder is started). */
static void log_would(struct responder *r, const struct incident *in)
{
	json_t *o = json_object(), *what = json_array();
	const struct respond_settings *s = &r->set;
	char name[32];

	pthread_mutex_lock(&r->mu);
	if (s->evidence_dir)
		json_array_append_new(what, json_string("evidence"));
	if (in->user && s->hub_url && s->hub_group)
		json_array_append_new(what, json_string("hub-block-user"));
	if (in->user && s->hub_url && s->hub_stop)
		json_array_append_new(what, json_string("hub-stop-server"));
	for (size_t i = 0; i < s->nwebhooks; i++) {
		snprintf(name, sizeof(name), "webhook %zu", i);
		json_array_append_new(what, json_string(name));
	}
	if (s->alertmanager_url)
		json_array_append_new(what, json_string("alertmanager"));
	if (s->hook_argv)
		json_array_append_new(what, json_string("command-hook"));
	pthread_mutex_unlock(&r->mu);
	if (!json_array_size(what)) {
		json_decref(what);
		json_decref(o);
		return;
	}
	if (in->user)
		log_set_str(o, "user", in->user);
	if (in->server_name)
		log_set_str(o, "server_name", in->server_name);
	log_set_str(o, "who", in->who);
	log_set_str(o, "reason", in->reason);
	log_set_int(o, "pid", json_integer_value(json_object_get(in->event, "pid")));
	json_object_set_new(o, "responses", what);
	log_set_str(o, "action", "would-respond");
	log_emit_event(o, "info", "Would respond (audit mode)");
}

void respond_submit(struct responder *r, struct incident *in)
{
	int queued;

	if (!in)
		return;
	if (in->audit) {
		log_would(r, in);
	} else {
		pthread_mutex_lock(&r->mu);
		queued = r->evidence && in->evidence && resp_sink_push(r->evidence, in) >= 0;
		pthread_mutex_unlock(&r->mu);
		if (!queued) {
			/* no record will read it: its fds go now */
			incident_drop_live(in);
			dispatch(r, in);
		}
	}
	incident_unref(in);
}

/* ---- settings in force --------------------------------------------------- */

static int same_str(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* Same responders and limits: nothing to rebuild. */
static int same_settings(const struct respond_settings *a, const struct respond_settings *b)
{
	size_t i;

	if (!same_str(a->hub_url, b->hub_url) || !same_str(a->hub_token, b->hub_token) ||
	    !same_str(a->hub_group, b->hub_group) || a->hub_stop != b->hub_stop ||
	    a->nwebhooks != b->nwebhooks || !same_str(a->alertmanager_url, b->alertmanager_url) ||
	    a->hook_timeout_s != b->hook_timeout_s || a->hook_concurrency != b->hook_concurrency ||
	    !same_str(a->evidence_dir, b->evidence_dir) ||
	    a->evidence_records != b->evidence_records || a->evidence_bytes != b->evidence_bytes ||
	    a->evidence_copy_max != b->evidence_copy_max || a->timeout_s != b->timeout_s ||
	    a->retry_s != b->retry_s || a->queue_len != b->queue_len ||
	    !a->hook_argv != !b->hook_argv)
		return 0;
	for (i = 0; i < a->nwebhooks; i++)
		if (!same_str(a->webhooks[i].url, b->webhooks[i].url) ||
		    a->webhooks[i].format != b->webhooks[i].format)
			return 0;
	for (i = 0; a->hook_argv && (a->hook_argv[i] || b->hook_argv[i]); i++)
		if (!same_str(a->hook_argv[i], b->hook_argv[i]))
			return 0;
	return 1;
}

static int same_gate(const struct respond_settings *a, const struct respond_settings *b)
{
	return a->dedupe_s == b->dedupe_s && a->burst == b->burst &&
	       a->per_minute == b->per_minute;
}

/* The responders a new settings set asks for; NULL members where none. */
struct built {
	struct resp_sink *hub, *hook, *evidence;
	struct resp_sink **notify;
	size_t nnotify;
	struct evidence_store *store;
};

static void built_free(struct built *b)
{
	resp_sink_free(b->hub);
	resp_sink_free(b->hook);
	resp_sink_free(b->evidence);
	for (size_t i = 0; i < b->nnotify; i++)
		resp_sink_free(b->notify[i]);
	free(b->notify);
	memset(b, 0, sizeof(*b));
}

static int add_sink(struct responder *r, struct resp_sink **out, int rc, struct resp_sink_cfg *c)
{
	if (rc)
		return rc;
	*out = resp_sink_new(c, stats_for(r, c->name));
	return *out ? 0 : -errno;
}

static int build(struct responder *r, const struct respond_settings *s, int keep_evidence,
		 struct built *b, char *err, size_t errlen)
{
	struct resp_sink_cfg c;
	int rc = 0;

	memset(b, 0, sizeof(*b));
	if (s->hub_url && (s->hub_stop || s->hub_group))
		rc = add_sink(r, &b->hub, resp_target_hub(&c, s), &c);
	if (!rc && s->hook_argv)
		rc = add_sink(r, &b->hook, resp_target_hook(&c, s), &c);
	b->notify = calloc(s->nwebhooks + 1, sizeof(*b->notify));
	if (!rc && !b->notify)
		rc = -ENOMEM;
	for (size_t i = 0; !rc && i < s->nwebhooks; i++, b->nnotify++)
		rc = add_sink(r, &b->notify[i], resp_target_webhook(&c, s, i), &c);
	if (!rc && s->alertmanager_url) {
		rc = add_sink(r, &b->notify[b->nnotify], resp_target_alertmanager(&c, s), &c);
		if (!rc)
			b->nnotify++;
	}
	if (!rc && s->evidence_dir && !keep_evidence) {
		b->store = evidence_store_new(s->evidence_dir, s->evidence_records,
					      s->evidence_bytes, s->evidence_copy_max, err, errlen);
		if (!b->store)
			rc = -EINVAL;
		else
			rc = add_sink(r, &b->evidence,
				      resp_target_evidence(&c, s, b->store, after_evidence, r), &c);
	}
	if (rc && rc != -EINVAL)
		snprintf(err, errlen, "cannot start the responders: %s", strerror(-rc));
	if (rc)
		built_free(b);
	return rc;
}

/* Retired sinks finish their queues; only the daemon's thread touches the
 * list (apply, housekeeping, free), never under r->mu: freeing a sink
 * joins workers that may be waiting for r->mu. */
static void retire(struct responder *r, struct resp_sink *s)
{
	struct resp_sink **n;

	if (!s)
		return;
	resp_sink_retire(s);
	n = realloc(r->retired, (r->nretired + 1) * sizeof(*n));
	if (!n) {
		resp_sink_free(s);     /* out of memory: drop what it holds */
		return;
	}
	r->retired = n;
	r->retired[r->nretired++] = s;
}

static void stop_gate(struct responder *r)
{
	if (!r->gate_running)
		return;
	pthread_mutex_lock(&r->mu);
	r->gate_stop = 1;
	pthread_cond_broadcast(&r->gate_cv);
	pthread_mutex_unlock(&r->mu);
	pthread_join(r->gate_tid, NULL);
	r->gate_running = 0;
	r->gate_stop = 0;
}

/* The evidence responder can stay as it is: a new store on the same
 * directory would remove the temporary file the old one is writing. */
static int same_evidence(const struct respond_settings *a, const struct respond_settings *b)
{
	return a->evidence_dir && same_str(a->evidence_dir, b->evidence_dir) &&
	       a->evidence_records == b->evidence_records &&
	       a->evidence_bytes == b->evidence_bytes &&
	       a->evidence_copy_max == b->evidence_copy_max && a->queue_len == b->queue_len &&
	       a->retry_s == b->retry_s;
}

int respond_apply(struct responder *r, struct respond_settings *s, int audit, char *err,
		  size_t errlen)
{
	struct notify_gate *gate = NULL, *old_gate = NULL;
	struct resp_sink *old[4] = { NULL }, **old_notify = NULL;
	size_t nold_notify = 0;
	struct built b = { 0 };
	int notifying = s->nwebhooks || s->alertmanager_url;
	int rebuild = !r->active || !same_settings(&r->set, s) || audit != r->audit;
	int keep_ev = rebuild && r->active && !audit && !r->audit && same_evidence(&r->set, s);
	int regate = !r->active || !same_gate(&r->set, s) || (notifying && !r->gate);
	int rc;

	/* in audit mode nothing is made: no directory, no thread */
	if (rebuild && !audit && (rc = build(r, s, keep_ev, &b, err, errlen)))
		return rc;
	if (regate && notifying &&
	    !(gate = notify_gate_new(s->dedupe_s, s->burst, s->per_minute, GATE_KEYS))) {
		built_free(&b);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	stop_gate(r);
	pthread_mutex_lock(&r->mu);
	if (rebuild) {
		old[0] = r->hub;
		old[1] = r->hook;
		old[2] = keep_ev ? NULL : r->evidence;
		old_notify = r->notify;
		nold_notify = r->nnotify;
		r->hub = b.hub;
		r->hook = b.hook;
		if (!keep_ev) {
			r->evidence = b.evidence;
			r->store = b.store;
		}
		r->notify = b.notify;
		r->nnotify = b.nnotify;
	}
	if (regate || !notifying) {
		old_gate = r->gate;
		r->gate = notifying ? gate : NULL;
	}
	respond_settings_free(&r->set);
	r->set = *s;
	memset(s, 0, sizeof(*s));
	r->audit = audit;
	r->active = r->set.hub_url || r->set.nwebhooks || r->set.alertmanager_url ||
		    r->set.hook_argv || r->set.evidence_dir;
	pthread_mutex_unlock(&r->mu);
	for (size_t i = 0; i < sizeof(old) / sizeof(old[0]); i++)
		retire(r, old[i]);
	for (size_t i = 0; i < nold_notify; i++)
		retire(r, old_notify[i]);
	free(old_notify);
	if (old_gate && notify_gate_pending(old_gate))
		atomic_fetch_add(&stats_for(r, "all")->dropped, notify_gate_pending(old_gate));
	notify_gate_free(old_gate);
	if (r->gate && !pthread_create(&r->gate_tid, NULL, gate_thread, r))
		r->gate_running = 1;
	return 0;
}

int respond_active(const struct responder *r)
{
	return r && r->active;
}

int respond_wants_live(const struct responder *r)
{
	return r && r->active && r->store && !r->audit;
}

void respond_housekeeping(struct responder *r)
{
	size_t k = 0;

	if (!r)
		return;
	for (size_t i = 0; i < r->nretired; i++) {
		if (resp_sink_done(r->retired[i]))
			resp_sink_free(r->retired[i]);
		else
			r->retired[k++] = r->retired[i];
	}
	r->nretired = k;
}

/* Every responder idle and no notification waiting to be made. Locked. */
static int all_idle(struct responder *r)
{
	struct resp_sink *one[] = { r->evidence, r->hub, r->hook };

	if (r->gate && notify_gate_due(r->gate, mono_s()))
		return 0;
	for (size_t i = 0; i < sizeof(one) / sizeof(one[0]); i++)
		if (one[i] && !resp_sink_idle(one[i]))
			return 0;
	for (size_t i = 0; i < r->nnotify; i++)
		if (!resp_sink_idle(r->notify[i]))
			return 0;
	return 1;
}

int respond_drain(struct responder *r, double timeout_s)
{
	double end = mono_s() + timeout_s;
	int idle = 1;

	while (r && r->active) {
		pthread_mutex_lock(&r->mu);
		idle = all_idle(r);
		pthread_mutex_unlock(&r->mu);
		if (idle || mono_s() >= end)
			break;
		usleep(20000);
	}
	return idle;
}

const struct resp_stats *respond_stats(const struct responder *r, unsigned int i)
{
	return r && i < r->nstats ? &r->stats[i] : NULL;
}

void respond_free(struct responder *r)
{
	struct built b;

	if (!r)
		return;
	/* nomine is stopping: transfers and hooks under way end now, and an
	 * evidence worker that finishes a record dispatches nothing more */
	http_abort_all();
	command_hook_abort_all();
	stop_gate(r);
	pthread_mutex_lock(&r->mu);
	r->stopping = 1;
	pthread_mutex_unlock(&r->mu);
	/* the evidence workers first: they are the only ones that reach the
	 * other responders */
	resp_sink_free(r->evidence);
	r->evidence = NULL;
	for (size_t i = 0; i < r->nretired; i++)
		resp_sink_free(r->retired[i]);
	free(r->retired);
	b = (struct built){ r->hub, r->hook, NULL, r->notify, r->nnotify, NULL };
	built_free(&b);
	notify_gate_free(r->gate);
	respond_settings_free(&r->set);
	pthread_cond_destroy(&r->gate_cv);
	pthread_mutex_destroy(&r->mu);
	free(r);
}
