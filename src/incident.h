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
};

#endif
