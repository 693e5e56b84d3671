/* SPDX-License-Identifier: BSD-2-Clause */
/* notify_format.h - the bodies of notifications: generic JSON, Slack and
 * Zulip incoming webhooks, Alertmanager's v2 API (docs/responses.md). */
#ifndef NOMINE_NOTIFY_FORMAT_H
#define NOMINE_NOTIFY_FORMAT_H

#include "incident.h"

enum notify_format { NOTIFY_JSON, NOTIFY_SLACK, NOTIFY_ZULIP, NOTIFY_ALERTMANAGER };

/* The body of one notification of `in` (malloc'ed, NUL-terminated) and its
 * content type (a static string). NULL: out of memory. */
char *notify_body(enum notify_format f, const struct incident *in, const char **content_type);

/* The one-line summary used in chat messages and alert summaries
 * (malloc'ed; NULL: out of memory), e.g. "nomine killed xmrig (pid 1234)
 * of hub user alice in pod jhub/jupyter-alice on node n1: exec, banned
 * string \"stratum+tcp\" (3 events in 12 min)". Every piece taken from the
 * event is capped, valid UTF-8 and free of control characters. */
char *notify_summary(const struct incident *in);

#endif
