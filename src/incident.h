/* SPDX-License-Identifier: BSD-2-Clause */
/* incident.h - one kill as the responders see it (respond.c makes them). */
#ifndef NOMINE_INCIDENT_H
#define NOMINE_INCIDENT_H

#include <jansson.h>

struct incident {
	/* the kill's log line as emitted (shared between responder threads:
	 * read-only, jansson's reference counts are atomic) */
	json_t *event;
	/* the hub user by the container's spec (never one the process only
	 * claimed), or NULL; and its named server (JUPYTERHUB_SERVER_NAME of
	 * the spec), NULL or "": the default server */
	const char *user;
	const char *server_name;
	/* who and why, for deduplication and messages: "user alice",
	 * "container <id>" or "host pid <pid>"; "exec", "network banned_address" ... */
	const char *who;
	const char *reason;
	/* events folded into this notification (>= 1) and their realtime span */
	unsigned int count;
	double first_s, last_s;
	const char *evidence;   /* path of its evidence record, or NULL */
	int audit;              /* audit mode: a would-be kill, nothing is done */
	/* what was read of the process before its kill, for the evidence
	 * record (evidence_live), released with the incident; or NULL */
	void *live;
	void (*live_free)(void *live);
	/* steps a multi-step responder (the hub's) finished, kept across
	 * its retries; no other responder touches it */
	unsigned int steps_done;
	int refs;               /* incident_ref/unref (atomically) */
};

/* A new incident (one reference) with copies of the strings (NULL stays
 * NULL) and a reference to event; count 1, first_s = last_s = now's
 * realtime. NULL when out of memory. */
struct incident *incident_new(json_t *event, const char *user, const char *server_name,
			      const char *who, const char *reason, const char *evidence);
struct incident *incident_ref(struct incident *in);
void incident_unref(struct incident *in);
/* Releases what was read before the kill (its fds, its JSON) once no
 * record will read it: the incident may wait in other queues long after. */
void incident_drop_live(struct incident *in);
/* Incidents allocated and not freed yet, in every thread. */
unsigned long incident_alive(void);

#endif
