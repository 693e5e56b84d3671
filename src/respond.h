/* SPDX-License-Identifier: BSD-2-Clause */
/* respond.h - what happens after a kill, besides the kill: an evidence
 * record, the hub user's server stopped and the user blocked, webhooks and
 * Alertmanager told (deduplicated, rate-limited), an operator's command run.
 *
 * The daemon's thread only builds an incident and queues it: every response
 * runs in a worker thread of its own responder (resp_sink.h), after the
 * kill, so a slow or dead target delays no kill and no other response. The
 * evidence record is written first; the others are queued once it is. */
#ifndef NOMINE_RESPOND_H
#define NOMINE_RESPOND_H

#include <stdint.h>
#include <sys/types.h>
#include <jansson.h>

struct config;

/* One webhook: its URL (a secret: never logged) and body format
 * (enum notify_format). */
struct respond_webhook {
	char *url;
	int format;
	char *origin;            /* "FILE:LINE" of its config item, for errors */
};

/* The responders' settings, taken from a config (respond_settings.c). */
struct respond_settings {
	char *hub_url, *hub_token, *hub_group;  /* NULL: none */
	int hub_stop;
	struct respond_webhook *webhooks;
	size_t nwebhooks;
	char *alertmanager_url;
	double dedupe_s, per_minute;
	unsigned int burst;
	char **hook_argv;                       /* NULL-terminated, or NULL */
	double hook_timeout_s;
	unsigned int hook_concurrency;
	char *evidence_dir;
	unsigned int evidence_records;
	uint64_t evidence_bytes, evidence_copy_max;
	double timeout_s, retry_s;
	unsigned int queue_len;
};

/* Reads the settings of cfg: the hub token and webhook URL files too.
 * Returns 0, or a negative errno with "FILE:LINE: reason" in err (the
 * config's place; never a secret's contents). */
int respond_settings_load(struct respond_settings *s, const struct config *cfg, char *err,
			  size_t errlen);
void respond_settings_free(struct respond_settings *s);

/* The secret files of cfg (the hub token, webhook URL files), malloc'ed
 * into out (at most max): a Secret rotated by the kubelet reloads them.
 * Returns how many. */
size_t respond_watch_paths(const struct config *cfg, char **out, size_t max);

struct responder;

struct responder *respond_new(void);
/* Frees r: responders stop after their current attempt; what waits is
 * dropped (counted, logged). */
void respond_free(struct responder *r);

/* Puts s in force (taken; *s is left empty) at start-up and on reload:
 * responders whose settings did not change keep their queues; the others
 * are replaced, the old ones finishing what they hold. audit: only log what
 * would be done. Returns 0, or a negative errno with err (the evidence
 * directory cannot be made); the settings in force then stay. */
int respond_apply(struct responder *r, struct respond_settings *s, int audit, char *err,
		  size_t errlen);

/* 1 when some response is configured. */
int respond_active(const struct responder *r);
/* 1 when evidence records want what can only be read before the kill. */
int respond_wants_live(const struct responder *r);

/* The kill line o, before it is emitted: adds "evidence": PATH when
 * records are kept, and returns the incident (or NULL: nothing to do).
 * live: evidence_capture's result, taken (NULL: none). audit: a would-be
 * kill. Called by the daemon's thread only. */
struct incident *respond_prepare(struct responder *r, json_t *o, void *live, int audit);
/* After o was emitted: queues the incident's responses (in audit mode,
 * logs what they would be). Takes in. */
void respond_submit(struct responder *r, struct incident *in);

/* Waits until every responder is idle (the evidence written, the hub
 * called, messages sent, hooks run) or timeout_s passed: for a one-shot
 * scan, which exits right after its kills. Returns 1 when idle. Note that
 * a message folded into a dedupe window waits for the window's end, which
 * a drain does not wait for. */
int respond_drain(struct responder *r, double timeout_s);

/* Retired responders whose queues drained are freed: call now and then. */
void respond_housekeeping(struct responder *r);

/* The counters of responder i (0.. until it returns NULL), for /metrics. */
struct resp_stats;
const struct resp_stats *respond_stats(const struct responder *r, unsigned int i);

#endif
