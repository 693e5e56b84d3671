/* SPDX-License-Identifier: BSD-2-Clause */
/* resp_sink.h - one responder (the hub's stop, a webhook, the command
 * hook...): a bounded queue of incidents and worker threads that try each,
 * retry what can be retried with backoff until its deadline, and count and
 * log what is finally dropped. A slow or dead target only fills its own
 * queue: nothing else waits for it, least of all a kill. */
#ifndef NOMINE_RESP_SINK_H
#define NOMINE_RESP_SINK_H

#include <stdatomic.h>
#include "http.h"
#include "incident.h"

/* Counters of one responder, kept by name across reloads (for /metrics). */
struct resp_stats {
	char name[64];
	atomic_ullong done, failed, dropped, retries;
	atomic_uint queued;
};

/* One attempt at in: HTTP_DONE, HTTP_FAILED (it logged why) or HTTP_RETRY
 * (err says why, logged if it is finally dropped). */
typedef enum http_outcome (*resp_try_fn)(void *ctx, struct incident *in, int attempt,
					 char *err, size_t errlen);

struct resp_sink_cfg {
	const char *name;        /* in logs and metrics: "hub-stop", "webhook 0" ... */
	resp_try_fn try_once;
	void *ctx;               /* freed with free_ctx when the sink is freed */
	void (*free_ctx)(void *ctx);
	unsigned int threads;    /* concurrent attempts, at least 1 */
	unsigned int queue_len;  /* incidents waiting, at most */
	double retry_s;          /* how long an incident is retried after it came */
	/* keep at most one waiting incident of those same() says are alike
	 * (NULL: all differ): a flood of kills of one user stops their server
	 * once, not a thousand times */
	int (*same)(const struct incident *a, const struct incident *b);
};

struct resp_sink;

/* Starts the worker threads. NULL with errno. stats: where it counts. */
struct resp_sink *resp_sink_new(const struct resp_sink_cfg *cfg, struct resp_stats *stats);

/* Queues in (takes a reference). Never blocks on the target. Returns 0, 1
 * when folded into a waiting incident of the same key, or -1 when the queue
 * was full (counted as dropped, and logged once per run of drops). */
int resp_sink_push(struct resp_sink *s, struct incident *in);

/* Takes no more; the workers finish the queue (retries included) and exit. */
void resp_sink_retire(struct resp_sink *s);
/* 1 when nothing waits and no worker is on an incident. */
int resp_sink_idle(struct resp_sink *s);
/* 1 when a retired sink's workers have all exited. */
int resp_sink_done(struct resp_sink *s);
/* Stops the workers after their current attempt (what waits is dropped and
 * counted), joins them and frees s. */
void resp_sink_free(struct resp_sink *s);

const char *resp_sink_name(const struct resp_sink *s);

#endif
