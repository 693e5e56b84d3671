/* SPDX-License-Identifier: BSD-2-Clause */
/* randomx_respond.h - what the daemon does with a RandomX finding. */
#ifndef NOMINE_RANDOMX_RESPOND_H
#define NOMINE_RANDOMX_RESPOND_H

#include "action.h"
#include "randomx_event.h"

/* Identifies the process (pinned by its start time), spares it when its
 * executable is in allowedExecutables or its command line matches an allow
 * pattern, else kills it and its descendants (audit: reports), logging
 * source "monero" with the evidence. Returns 1 if it was spared. */
int randomx_respond(struct action_ctx *a, struct policy *p, const struct randomx_event *ev);

/* Evidence fields of ev as a JSON object (rounding modes by name). */
json_t *randomx_evidence(const struct randomx_event *ev);

#endif
