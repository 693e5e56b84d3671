/* SPDX-License-Identifier: BSD-2-Clause */
/* notify_gate.c - dedupe windows and a token bucket, scanned linearly: the
 * pairs are few (users and containers with kills), bounded by max_keys. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "notify_gate.h"

struct pair {
	char *who, *reason;
	double window_end;      /* the dedupe window opened by the last message, 0: none */
	unsigned int pending;   /* events not sent yet */
	double due;             /* when they may go (monotonic), valid while pending */
	double first_s, last_s; /* realtime span of the pending events */
	json_t *event;          /* the last pending event */
};

struct notify_gate {
	double dedupe_s, per_s, tokens, refilled;
	unsigned int burst, max;
	struct pair *p;
	unsigned int n;
};

struct notify_gate *notify_gate_new(double dedupe_s, unsigned int burst, double per_minute,
				    unsigned int max_keys)
{
	struct notify_gate *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	g->p = calloc(max_keys ? max_keys : 1, sizeof(*g->p));
	if (!g->p) {
		free(g);
		return NULL;
	}
	g->dedupe_s = dedupe_s;
	g->burst = burst ? burst : 1;
	g->per_s = per_minute / 60.0;
	g->tokens = g->burst;
	g->refilled = -1;
	g->max = max_keys ? max_keys : 1;
	return g;
}

static void pair_clear(struct pair *p)
{
	free(p->who);
	free(p->reason);
	json_decref(p->event);
	memset(p, 0, sizeof(*p));
}

void notify_gate_free(struct notify_gate *g)
{
	if (!g)
		return;
	for (unsigned int i = 0; i < g->n; i++)
		pair_clear(&g->p[i]);
	free(g->p);
	free(g);
}

static struct pair *find(struct notify_gate *g, const char *who, const char *reason)
{
	for (unsigned int i = 0; i < g->n; i++)
		if (!strcmp(g->p[i].who, who) && !strcmp(g->p[i].reason, reason))
			return &g->p[i];
	return NULL;
}

/* A slot for a new pair: a free one, else one with nothing pending whose
 * window closed (forgetting it only lets its next event go at once), else
 * the idle one whose window ends first. NULL: every pair has events waiting. */
static struct pair *slot(struct notify_gate *g, double now)
{
	struct pair *best = NULL;

	if (g->n < g->max)
		return &g->p[g->n++];
	for (unsigned int i = 0; i < g->n; i++) {
		struct pair *p = &g->p[i];

		if (p->pending)
			continue;
		if (p->window_end <= now)
			return p;
		if (!best || p->window_end < best->window_end)
			best = p;
	}
	return best;
}

int notify_gate_add(struct notify_gate *g, const char *who, const char *reason, json_t *event,
		    double now, double wall)
{
	struct pair *p = find(g, who, reason);

	if (!p) {
		if (!(p = slot(g, now)))
			return -1;
		pair_clear(p);
		p->who = strdup(who);
		p->reason = strdup(reason);
		if (!p->who || !p->reason) {
			pair_clear(p);
			return -1;
		}
	}
	if (!p->pending) {
		p->first_s = wall;
		/* the first event of a pair goes at once; events within the
		 * window of the last message wait for its end */
		p->due = p->window_end > now ? p->window_end : now;
	}
	p->pending++;
	p->last_s = wall;
	json_decref(p->event);
	p->event = json_incref(event);
	return 0;
}

static void refill(struct notify_gate *g, double now)
{
	if (g->refilled >= 0 && now > g->refilled)
		g->tokens = fmin(g->burst, g->tokens + (now - g->refilled) * g->per_s);
	g->refilled = now;
}

int notify_gate_next(struct notify_gate *g, double now, struct gate_msg *m, double *next_s)
{
	struct pair *due = NULL;

	refill(g, now);
	*next_s = HUGE_VAL;
	for (unsigned int i = 0; i < g->n; i++)
		if (g->p[i].pending && (!due || g->p[i].due < due->due))
			due = &g->p[i];
	if (!due)
		return 0;
	if (due->due > now) {
		*next_s = due->due;
		return 0;
	}
	if (g->tokens < 1) {
		*next_s = now + (1 - g->tokens) / g->per_s;
		return 0;
	}
	g->tokens -= 1;
	m->who = strdup(due->who);
	m->reason = strdup(due->reason);
	m->count = due->pending;
	m->first_s = due->first_s;
	m->last_s = due->last_s;
	m->event = due->event;
	due->event = NULL;
	due->pending = 0;
	due->window_end = now + g->dedupe_s;
	if (!m->who || !m->reason) {
		free(m->who);
		free(m->reason);
		json_decref(m->event);
		return 0;
	}
	return 1;
}

unsigned long notify_gate_pending(const struct notify_gate *g)
{
	unsigned long n = 0;

	for (unsigned int i = 0; i < g->n; i++)
		n += g->p[i].pending;
	return n;
}

int notify_gate_due(const struct notify_gate *g, double now)
{
	for (unsigned int i = 0; i < g->n; i++)
		if (g->p[i].pending && g->p[i].due <= now)
			return 1;
	return 0;
}
