/* SPDX-License-Identifier: BSD-2-Clause */
/* notify_gate.h - which incidents become notifications, and when: one
 * message per (who, reason) per dedupe window, the events of the window
 * folded into its next message, and a token bucket (a burst, then a steady
 * rate) over every message. Pure logic: the caller passes the clock. */
#ifndef NOMINE_NOTIFY_GATE_H
#define NOMINE_NOTIFY_GATE_H

#include <jansson.h>

struct notify_gate;

/* A message to send: count events of who/reason, the first and the last
 * at realtime first_s / last_s; event is the last one (a reference the
 * caller releases). */
struct gate_msg {
	char *who, *reason;          /* malloc'ed, the caller frees */
	unsigned int count;
	double first_s, last_s;
	json_t *event;
};

/* dedupe_s: the window; burst and per_minute: the token bucket; max_keys:
 * the (who, reason) pairs remembered at most. NULL when out of memory. */
struct notify_gate *notify_gate_new(double dedupe_s, unsigned int burst, double per_minute,
				    unsigned int max_keys);
void notify_gate_free(struct notify_gate *g);

/* An incident at now (CLOCK_MONOTONIC seconds) and wall (realtime
 * seconds); event is referenced, not taken. Returns 0, or -1 when every
 * remembered pair still has events to send and a new pair cannot be
 * remembered (the incident is dropped: the caller counts it). */
int notify_gate_add(struct notify_gate *g, const char *who, const char *reason, json_t *event,
		    double now, double wall);

/* The next message due at now: 1 with *m filled, or 0 with *next_s the
 * time (monotonic) something may be due next (HUGE_VAL: nothing waits). */
int notify_gate_next(struct notify_gate *g, double now, struct gate_msg *m, double *next_s);

/* 1 when a message is due at now (whatever the token bucket says). */
int notify_gate_due(const struct notify_gate *g, double now);

/* Events folded and not sent yet, over every pair. */
unsigned long notify_gate_pending(const struct notify_gate *g);

#endif
