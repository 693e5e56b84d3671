/* SPDX-License-Identifier: BSD-2-Clause */
/* log.h - one JSON object per line on stdout, with cryptnono's field names. */
#ifndef NOMINE_LOG_H
#define NOMINE_LOG_H

#include <stddef.h>
#include <jansson.h>

void log_init(FILE *out);

/* Appends "event", "level" and "timestamp" to obj, writes it as one line
 * and releases it. */
void log_emit_event(json_t *obj, const char *level, const char *event);

/* Sets key to a JSON string made from arbitrary bytes: valid UTF-8 is kept,
 * every other byte becomes the four characters \xNN (as Python's
 * backslashreplace does), so the line is always valid JSON. */
void log_set_bytes(json_t *obj, const char *key, const void *bytes, size_t len);
void log_set_str(json_t *obj, const char *key, const char *s);
void log_set_int(json_t *obj, const char *key, long long v);

/* A message event: {"event": <formatted text>, "level": level, ...}. */
void log_msg(const char *level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A fatal start-up error: "nomine: <reason>" on stderr and
 * {"event": event, "level": "error", "fatal": true, "error": <reason>} on the
 * log, so both a reader of `kubectl logs` and a `jq 'select(.fatal)'` alert
 * see every one. The caller then exits (2: bad config or option, else 1). */
void log_fatal(const char *event, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* RFC 3339 UTC with microseconds into buf (at least 32 bytes). */
void log_timestamp(char *buf, size_t n);

/* Copies bytes into a NUL-terminated malloc'ed valid UTF-8 string (see
 * log_set_bytes). Returns NULL on allocation failure. */
char *log_utf8_escape(const void *bytes, size_t len);

#endif
