/* SPDX-License-Identifier: BSD-2-Clause */
/* incident.c - incidents, shared by the responder threads by reference. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "incident.h"

static unsigned long alive;     /* incidents not freed yet */

unsigned long incident_alive(void)
{
	return __atomic_load_n(&alive, __ATOMIC_RELAXED);
}

struct incident *incident_new(json_t *event, const char *user, const char *server_name,
			      const char *who, const char *reason, const char *evidence)
{
	const char *src[5] = { user, server_name, who, reason, evidence };
	size_t len[5], total = sizeof(struct incident);
	struct incident *in;
	struct timespec ts;
	char *p, *dst[5];

	for (int i = 0; i < 5; i++) {
		len[i] = src[i] ? strlen(src[i]) + 1 : 0;
		total += len[i];
	}
	/* one allocation: the strings follow the struct */
	in = calloc(1, total);
	if (!in)
		return NULL;
	p = (char *)(in + 1);
	for (int i = 0; i < 5; i++) {
		dst[i] = src[i] ? memcpy(p, src[i], len[i]) : NULL;
		p += len[i];
	}
	in->user = dst[0];
	in->server_name = dst[1];
	in->who = dst[2] ? dst[2] : "";
	in->reason = dst[3] ? dst[3] : "";
	in->evidence = dst[4];
	in->event = json_incref(event);
	in->count = 1;
	clock_gettime(CLOCK_REALTIME, &ts);
	in->first_s = in->last_s = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	in->refs = 1;
	__atomic_add_fetch(&alive, 1, __ATOMIC_RELAXED);
	return in;
}

struct incident *incident_ref(struct incident *in)
{
	__atomic_add_fetch(&in->refs, 1, __ATOMIC_RELAXED);
	return in;
}

void incident_unref(struct incident *in)
{
	if (!in || __atomic_sub_fetch(&in->refs, 1, __ATOMIC_ACQ_REL))
		return;
	json_decref(in->event);
	incident_drop_live(in);
	free(in);
	__atomic_sub_fetch(&alive, 1, __ATOMIC_RELAXED);
}

void incident_drop_live(struct incident *in)
{
	if (in->live && in->live_free)
		in->live_free(in->live);
	in->live = NULL;
}
