/* SPDX-License-Identifier: BSD-2-Clause */
/* resp_sink.c - a ring of incidents, worker threads, backoff. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "log.h"
#include "mono_clock.h"
#include "resp_sink.h"

#define BACKOFF_FIRST_S 1.0
#define BACKOFF_MAX_S 60.0

struct job {
	struct incident *in;
	double deadline;        /* CLOCK_MONOTONIC s: retried until then */
};

struct resp_sink {
	struct resp_sink_cfg cfg;
	char name[64];
	struct resp_stats *st;
	pthread_mutex_t mu;
	pthread_cond_t cv;      /* work arrived, or stop/retire */
	struct job *ring;
	unsigned int head, n;
	int retired, stopping;
	int full_logged;        /* a run of queue-full drops was logged */
	unsigned int running;   /* workers alive */
	unsigned int busy;      /* workers on an incident */
	pthread_t *tid;
	unsigned int nthreads;
};

/* Waits on cv until the monotonic time `until` or a stop. */
static void wait_until(struct resp_sink *s, double until)
{
	struct timespec ts = mono_timespec(until);

	if (s->stopping)
		return;
	pthread_cond_timedwait(&s->cv, &s->mu, &ts);
}

static void log_drop(struct resp_sink *s, const struct incident *in, const char *why,
		     const char *err, int attempts)
{
	json_t *o = json_object();

	log_set_str(o, "responder", s->name);
	if (in->who[0])
		log_set_str(o, "who", in->who);
	if (in->reason[0])
		log_set_str(o, "reason", in->reason);
	log_set_str(o, "why", why);
	if (err && err[0])
		log_set_str(o, "error", err);
	log_set_int(o, "attempts", attempts);
	log_set_str(o, "action", "response-dropped");
	log_emit_event(o, "warning", "Response dropped");
}

/* Tries j until done, failed, its deadline or a stop. Called unlocked. */
static void run_job(struct resp_sink *s, struct job *j)
{
	double backoff = BACKOFF_FIRST_S;
	char err[256] = "";
	int attempt = 1;

	for (;; attempt++) {
		enum http_outcome r = s->cfg.try_once(s->cfg.ctx, j->in, attempt, err, sizeof(err));
		double next;

		if (r == HTTP_DONE) {
			atomic_fetch_add(&s->st->done, 1);
			return;
		}
		if (r == HTTP_FAILED) {
			atomic_fetch_add(&s->st->failed, 1);
			return;
		}
		next = mono_s() + backoff;
		pthread_mutex_lock(&s->mu);
		if (next > j->deadline || s->stopping) {
			int stopping = s->stopping;

			pthread_mutex_unlock(&s->mu);
			atomic_fetch_add(&s->st->dropped, 1);
			log_drop(s, j->in, stopping ? "nomine is stopping" :
				 "still failing at the end of responseRetrySeconds", err, attempt);
			return;
		}
		atomic_fetch_add(&s->st->retries, 1);
		while (!s->stopping && mono_s() < next)
			wait_until(s, next);
		pthread_mutex_unlock(&s->mu);
		backoff = fmin(backoff * 2, BACKOFF_MAX_S);
	}
}

static void *worker(void *arg)
{
	struct resp_sink *s = arg;
	struct job j;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		while (!s->n && !s->stopping && !s->retired)
			pthread_cond_wait(&s->cv, &s->mu);
		if (s->stopping || !s->n)
			break;
		j = s->ring[s->head];
		s->head = (s->head + 1) % s->cfg.queue_len;
		s->n--;
		s->busy++;
		atomic_store(&s->st->queued, s->n);
		pthread_mutex_unlock(&s->mu);
		run_job(s, &j);
		incident_unref(j.in);
		pthread_mutex_lock(&s->mu);
		s->busy--;
	}
	s->running--;
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

struct resp_sink *resp_sink_new(const struct resp_sink_cfg *cfg, struct resp_stats *stats)
{
	struct resp_sink *s = calloc(1, sizeof(*s));
	pthread_condattr_t ca;

	if (!s)
		return NULL;
	s->cfg = *cfg;
	if (!s->cfg.threads)
		s->cfg.threads = 1;
	if (!s->cfg.queue_len)
		s->cfg.queue_len = 1;
	snprintf(s->name, sizeof(s->name), "%s", cfg->name);
	s->cfg.name = s->name;
	s->st = stats;
	s->ring = calloc(s->cfg.queue_len, sizeof(*s->ring));
	s->tid = calloc(s->cfg.threads, sizeof(*s->tid));
	if (!s->ring || !s->tid)
		goto fail;
	pthread_mutex_init(&s->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->cv, &ca);
	pthread_condattr_destroy(&ca);
	for (; s->nthreads < s->cfg.threads; s->nthreads++) {
		if (pthread_create(&s->tid[s->nthreads], NULL, worker, s))
			break;
		s->running++;
	}
	if (!s->nthreads) {
		pthread_cond_destroy(&s->cv);
		pthread_mutex_destroy(&s->mu);
		errno = EAGAIN;
		goto fail;
	}
	return s;
fail:
	free(s->ring);
	free(s->tid);
	if (s->cfg.free_ctx)
		s->cfg.free_ctx(s->cfg.ctx);
	free(s);
	return NULL;
}

/* A waiting incident alike to in, or NULL. Locked. */
static struct job *same_key(struct resp_sink *s, const struct incident *in)
{
	for (unsigned int i = 0; s->cfg.same && i < s->n; i++) {
		struct job *j = &s->ring[(s->head + i) % s->cfg.queue_len];

		if (s->cfg.same(j->in, in))
			return j;
	}
	return NULL;
}

int resp_sink_push(struct resp_sink *s, struct incident *in)
{
	int ret = 0, log_full = 0;

	pthread_mutex_lock(&s->mu);
	if (s->retired || s->stopping) {
		ret = -1;
	} else if (same_key(s, in)) {
		ret = 1;
	} else if (s->n == s->cfg.queue_len) {
		ret = -1;
		log_full = !s->full_logged;
		s->full_logged = 1;
	} else {
		struct job *j = &s->ring[(s->head + s->n) % s->cfg.queue_len];

		j->in = incident_ref(in);
		j->deadline = mono_s() + s->cfg.retry_s;
		s->n++;
		s->full_logged = 0;
		atomic_store(&s->st->queued, s->n);
		pthread_cond_signal(&s->cv);
	}
	pthread_mutex_unlock(&s->mu);
	if (ret < 0) {
		atomic_fetch_add(&s->st->dropped, 1);
		if (log_full)
			log_drop(s, in, "the responder's queue is full (responseQueueLength); "
				 "further drops until it has room again are only counted", NULL, 0);
	}
	return ret;
}

void resp_sink_retire(struct resp_sink *s)
{
	pthread_mutex_lock(&s->mu);
	s->retired = 1;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

int resp_sink_idle(struct resp_sink *s)
{
	int idle;

	pthread_mutex_lock(&s->mu);
	idle = !s->n && !s->busy;
	pthread_mutex_unlock(&s->mu);
	return idle;
}

int resp_sink_done(struct resp_sink *s)
{
	int done;

	pthread_mutex_lock(&s->mu);
	done = s->retired && !s->running;
	pthread_mutex_unlock(&s->mu);
	return done;
}

void resp_sink_free(struct resp_sink *s)
{
	unsigned int left;

	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	s->stopping = 1;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	for (unsigned int i = 0; i < s->nthreads; i++)
		pthread_join(s->tid[i], NULL);
	left = s->n;
	for (unsigned int i = 0; i < s->n; i++)
		incident_unref(s->ring[(s->head + i) % s->cfg.queue_len].in);
	if (left) {
		atomic_fetch_add(&s->st->dropped, left);
		json_t *o = json_object();

		log_set_str(o, "responder", s->name);
		log_set_int(o, "dropped", left);
		log_set_str(o, "action", "response-dropped");
		log_set_str(o, "why", "nomine is stopping");
		log_emit_event(o, "warning", "Responses dropped");
	}
	atomic_store(&s->st->queued, 0);
	if (s->cfg.free_ctx)
		s->cfg.free_ctx(s->cfg.ctx);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	free(s->ring);
	free(s->tid);
	free(s);
}

const char *resp_sink_name(const struct resp_sink *s)
{
	return s->name;
}
