/* SPDX-License-Identifier: BSD-2-Clause */
/* resp_targets.c - one attempt of each responder, and its log line. URLs
 * and tokens never reach a log line: targets are named "webhook 0",
 * "alertmanager", "hub". */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "command_hook.h"
#include "evidence.h"
#include "hub_api.h"
#include "log.h"
#include "notify_format.h"
#include "resp_targets.h"

/* ---- JupyterHub ----------------------------------------------------------- */

struct hub_ctx {
	struct hub_api api;
	char *url, *token, *group;   /* group: NULL, no block */
	int stop;                    /* hubStopServer */
};

static void hub_free(void *p)
{
	struct hub_ctx *h = p;

	if (!h)
		return;
	if (h->token)
		explicit_bzero(h->token, strlen(h->token));
	free(h->url);
	free(h->token);
	free(h->group);
	free(h);
}

static struct hub_ctx *hub_new(const struct respond_settings *s)
{
	struct hub_ctx *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->url = strdup(s->hub_url);
	h->token = strdup(s->hub_token ? s->hub_token : "");
	h->group = s->hub_group ? strdup(s->hub_group) : NULL;
	if (!h->url || !h->token || (s->hub_group && !h->group)) {
		hub_free(h);
		return NULL;
	}
	h->api = (struct hub_api){ .url = h->url, .token = h->token, .timeout_s = s->timeout_s };
	h->stop = s->hub_stop;
	return h;
}

/* The hub's answer on a line: its status and the start of its body. */
static void put_answer(json_t *o, const struct http_answer *a)
{
	/* an answer, even an empty one (204), is the target's word */
	if (a->status) {
		log_set_int(o, "status", a->status);
		log_set_bytes(o, "answer", a->body, a->body_len);
	}
	if (a->error[0])
		log_set_str(o, "error", a->error);
}

/* Why an attempt will be retried (logged only if it is finally dropped). */
static enum http_outcome retry_why(const struct http_answer *a, char *err, size_t errlen)
{
	if (a->error[0])
		snprintf(err, errlen, "%s", a->error);
	else
		snprintf(err, errlen, "HTTP %ld", a->status);
	return HTTP_RETRY;
}

static void put_incident(json_t *o, const struct incident *in)
{
	json_t *pid = json_object_get(in->event, "pid");

	if (in->user)
		log_set_str(o, "user", in->user);
	if (in->server_name && in->server_name[0])
		log_set_str(o, "server_name", in->server_name);
	if (pid)
		json_object_set(o, "pid", pid);
	log_set_str(o, "reason", in->reason);
	if (in->evidence)
		log_set_str(o, "evidence", in->evidence);
}

/* Logs a final outcome (done or failed); a retry is only described in err. */
static enum http_outcome hub_outcome(enum http_outcome r, const struct incident *in,
				     const struct http_answer *a, int attempt, const char *done,
				     const char *failed, const char *group, char *err,
				     size_t errlen)
{
	json_t *o;

	if (r == HTTP_RETRY)
		return retry_why(a, err, errlen);
	o = json_object();
	put_incident(o, in);
	if (group)
		log_set_str(o, "group", group);
	put_answer(o, a);
	log_set_int(o, "attempts", attempt);
	log_set_str(o, "action", r == HTTP_DONE ? done : failed);
	log_emit_event(o, r == HTTP_DONE ? "info" : "error",
		       r == HTTP_DONE ? (group ? "Blocked hub user" : "Stopped hub server") :
		       (group ? "Could not block hub user" : "Could not stop hub server"));
	return r;
}

#define HUB_BLOCKED 1u
#define HUB_STOPPED 2u

/* Block first, then stop: a stopped user who is not blocked yet could
 * start again in between. Each step is logged once, when it is final; a
 * retry repeats only what is not done. */
static enum http_outcome try_hub(void *ctx, struct incident *in, int attempt, char *err,
				 size_t errlen)
{
	struct hub_ctx *h = ctx;
	struct http_answer a;
	enum http_outcome r;

	if (h->group && !(in->steps_done & HUB_BLOCKED)) {
		r = hub_block_user(&h->api, h->group, in->user, &a);
		if (hub_outcome(r, in, &a, attempt, "user-blocked", "user-block-failed", h->group,
				err, errlen) == HTTP_RETRY)
			return HTTP_RETRY;
		/* refused (the group is missing, say): the stop still goes */
		in->steps_done |= HUB_BLOCKED;
	}
	if (h->stop && !(in->steps_done & HUB_STOPPED)) {
		r = hub_stop_server(&h->api, in->user, in->server_name, &a);
		if (hub_outcome(r, in, &a, attempt, "server-stopped", "server-stop-failed", NULL,
				err, errlen) == HTTP_RETRY)
			return HTTP_RETRY;
		in->steps_done |= HUB_STOPPED;
		return r;
	}
	return HTTP_DONE;
}

/* One waiting incident per user and server: a flood stops a server once. */
static int hub_same(const struct incident *a, const struct incident *b)
{
	const char *sa = a->server_name ? a->server_name : "";
	const char *sb = b->server_name ? b->server_name : "";

	return a->user && b->user && !strcmp(a->user, b->user) && !strcmp(sa, sb);
}

int resp_target_hub(struct resp_sink_cfg *c, const struct respond_settings *s)
{
	struct hub_ctx *h = hub_new(s);

	if (!h)
		return -ENOMEM;
	*c = (struct resp_sink_cfg){ .name = "hub", .try_once = try_hub, .ctx = h,
				     .free_ctx = hub_free, .threads = 1,
				     .queue_len = s->queue_len, .retry_s = s->retry_s,
				     .same = hub_same };
	return 0;
}

/* ---- webhooks and Alertmanager ---------------------------------------------- */

struct post_ctx {
	char name[32];
	char *url;
	enum notify_format format;
	double timeout_s;
};

static void post_free(void *p)
{
	struct post_ctx *x = p;

	if (x)
		free(x->url);
	free(x);
}

static enum http_outcome try_post(void *ctx, struct incident *in, int attempt, char *err,
				  size_t errlen)
{
	struct post_ctx *x = ctx;
	const char *type = NULL;
	char *body = notify_body(x->format, in, &type);
	struct http_answer a;
	enum http_outcome r;
	json_t *o;

	if (!body) {
		snprintf(err, errlen, "out of memory");
		return HTTP_RETRY;
	}
	r = http_request("POST", x->url, NULL, type, body, x->timeout_s, &a);
	free(body);
	if (r == HTTP_RETRY)
		return retry_why(&a, err, errlen);
	o = json_object();
	log_set_str(o, "target", x->name);
	log_set_str(o, "who", in->who);
	put_incident(o, in);
	log_set_int(o, "count", in->count);
	put_answer(o, &a);
	log_set_int(o, "attempts", attempt);
	log_set_str(o, "action", r == HTTP_DONE ? "notified" : "notify-failed");
	log_emit_event(o, r == HTTP_DONE ? "info" : "error",
		       r == HTTP_DONE ? "Notified" : "Notification refused");
	return r;
}

static int post_target(struct resp_sink_cfg *c, const struct respond_settings *s,
		       const char *url, enum notify_format f, const char *name)
{
	struct post_ctx *x = calloc(1, sizeof(*x));

	if (!x || !(x->url = strdup(url))) {
		free(x);
		return -ENOMEM;
	}
	snprintf(x->name, sizeof(x->name), "%s", name);
	x->format = f;
	x->timeout_s = s->timeout_s;
	*c = (struct resp_sink_cfg){ .name = x->name, .try_once = try_post, .ctx = x,
				     .free_ctx = post_free, .threads = 1,
				     .queue_len = s->queue_len, .retry_s = s->retry_s };
	return 0;
}

int resp_target_webhook(struct resp_sink_cfg *c, const struct respond_settings *s, size_t i)
{
	char name[32];

	snprintf(name, sizeof(name), "webhook %zu", i);
	return post_target(c, s, s->webhooks[i].url, (enum notify_format)s->webhooks[i].format,
			   name);
}

int resp_target_alertmanager(struct resp_sink_cfg *c, const struct respond_settings *s)
{
	char *url;
	size_t n = strlen(s->alertmanager_url);
	int rc;

	/* the base URL, as operators write it, with or without its '/' */
	if (!(url = malloc(n + sizeof("/api/v2/alerts"))))
		return -ENOMEM;
	memcpy(url, s->alertmanager_url, n);
	while (n && url[n - 1] == '/')
		n--;
	strcpy(url + n, "/api/v2/alerts");
	rc = post_target(c, s, url, NOTIFY_ALERTMANAGER, "alertmanager");
	free(url);
	return rc;
}

/* ---- the command hook ------------------------------------------------------- */

struct hook_ctx {
	char **argv;
	double timeout_s;
};

static void hook_free(void *p)
{
	struct hook_ctx *h = p;

	for (size_t i = 0; h && h->argv && h->argv[i]; i++)
		free(h->argv[i]);
	if (h)
		free(h->argv);
	free(h);
}

static enum http_outcome try_hook(void *ctx, struct incident *in, int attempt, char *err,
				  size_t errlen)
{
	struct hook_ctx *h = ctx;
	char *line = json_dumps(in->event, JSON_COMPACT | JSON_PRESERVE_ORDER);
	char *input = line ? malloc(strlen(line) + 2) : NULL;
	struct hook_result res;
	json_t *o;
	int rc;

	(void)attempt;
	if (!input) {
		free(line);
		snprintf(err, errlen, "out of memory");
		return HTTP_RETRY;
	}
	/* the line as logged, newline included */
	strcpy(input, line);
	strcat(input, "\n");
	free(line);
	rc = command_hook_run(h->argv, input, strlen(input), h->timeout_s, &res);
	free(input);
	o = json_object();
	put_incident(o, in);
	if (rc || !res.started) {
		log_set_str(o, "error", res.error);
		log_set_str(o, "action", "hook-failed");
		log_emit_event(o, "error", "Command hook could not be started");
		return HTTP_FAILED;     /* a command that cannot start will not later */
	}
	if (res.signal) {
		log_set_int(o, "signal", res.signal);
		json_object_set_new(o, "exit_status", json_null());
	} else {
		log_set_int(o, "exit_status", res.exit_status);
	}
	json_object_set_new(o, "timed_out", json_boolean(res.timed_out));
	json_object_set_new(o, "seconds", json_real(res.seconds));
	if (res.output[0])
		log_set_str(o, "output", res.output);
	log_set_str(o, "action", "hook-ran");
	log_emit_event(o, res.exit_status == 0 && !res.signal ? "info" : "warning",
		       "Command hook ran");
	/* its status is the operator's to read; running it again could repeat
	 * what it already did */
	return HTTP_DONE;
}

int resp_target_hook(struct resp_sink_cfg *c, const struct respond_settings *s)
{
	struct hook_ctx *h = calloc(1, sizeof(*h));
	size_t n = 0;

	if (!h)
		return -ENOMEM;
	while (s->hook_argv[n])
		n++;
	h->argv = calloc(n + 1, sizeof(*h->argv));
	for (size_t i = 0; h->argv && i < n; i++)
		if (!(h->argv[i] = strdup(s->hook_argv[i]))) {
			hook_free(h);
			return -ENOMEM;
		}
	if (!h->argv) {
		free(h);
		return -ENOMEM;
	}
	h->timeout_s = s->hook_timeout_s;
	*c = (struct resp_sink_cfg){ .name = "command-hook", .try_once = try_hook, .ctx = h,
				     .free_ctx = hook_free, .threads = s->hook_concurrency,
				     .queue_len = s->queue_len, .retry_s = s->retry_s };
	return 0;
}

/* ---- evidence records ----------------------------------------------------- */

struct ev_ctx {
	struct evidence_store *store;
	void (*next)(void *ctx, struct incident *in);
	void *next_ctx;
};

static void ev_free(void *p)
{
	struct ev_ctx *e = p;

	if (e)
		evidence_store_free(e->store);
	free(e);
}

static enum http_outcome try_evidence(void *ctx, struct incident *in, int attempt, char *err,
				      size_t errlen)
{
	struct ev_ctx *e = ctx;
	char why[256];

	(void)attempt;
	(void)err;
	(void)errlen;
	if (evidence_write(e->store, in->evidence, in->event, in->live, why, sizeof(why))) {
		json_t *o = json_object();

		put_incident(o, in);
		log_set_str(o, "error", why);
		log_set_str(o, "action", "evidence-failed");
		log_emit_event(o, "error", "Could not write the evidence record");
	}
	/* the only reader of what was captured: its exe fd must not wait
	 * in the other queues */
	incident_drop_live(in);
	/* written (or not): the responses that may clean up go now */
	e->next(e->next_ctx, in);
	return HTTP_DONE;
}

int resp_target_evidence(struct resp_sink_cfg *c, const struct respond_settings *s,
			 struct evidence_store *store,
			 void (*next)(void *ctx, struct incident *in), void *next_ctx)
{
	struct ev_ctx *e = calloc(1, sizeof(*e));

	if (!e) {
		evidence_store_free(store);
		return -ENOMEM;
	}
	*e = (struct ev_ctx){ store, next, next_ctx };
	*c = (struct resp_sink_cfg){ .name = "evidence", .try_once = try_evidence, .ctx = e,
				     .free_ctx = ev_free, .threads = 1,
				     .queue_len = s->queue_len, .retry_s = s->retry_s };
	return 0;
}
