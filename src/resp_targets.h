/* SPDX-License-Identifier: BSD-2-Clause */
/* resp_targets.h - the responders nomine has, each as a resp_sink_cfg: what
 * one attempt does, and the log line it leaves. */
#ifndef NOMINE_RESP_TARGETS_H
#define NOMINE_RESP_TARGETS_H

#include <stddef.h>
#include "resp_sink.h"
#include "respond.h"

struct evidence_store;

/* Each fills *c from s (copies what it needs: s may change on reload).
 * Returns 0 or -ENOMEM. */
/* The hub: block the user (hubBlockGroup), then stop the server
 * (hubStopServer), for incidents with a hub user. */
int resp_target_hub(struct resp_sink_cfg *c, const struct respond_settings *s);
int resp_target_webhook(struct resp_sink_cfg *c, const struct respond_settings *s, size_t i);
int resp_target_alertmanager(struct resp_sink_cfg *c, const struct respond_settings *s);
int resp_target_hook(struct resp_sink_cfg *c, const struct respond_settings *s);
/* Writes records into store (owned from now on, freed with the sink), then
 * hands the incident to next(next_ctx, in) for the other responses. */
int resp_target_evidence(struct resp_sink_cfg *c, const struct respond_settings *s,
			 struct evidence_store *store,
			 void (*next)(void *ctx, struct incident *in), void *next_ctx);

#endif
