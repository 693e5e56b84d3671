/* SPDX-License-Identifier: BSD-2-Clause */
/* log.c - JSON lines on stdout. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "log.h"

static FILE *log_out;

void log_init(FILE *out)
{
	log_out = out;
}

void log_timestamp(char *buf, size_t n)
{
	struct timespec ts;
	struct tm tm;
	char date[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, n, "%s.%06ldZ", date, ts.tv_nsec / 1000);
}


/* Length of the valid UTF-8 sequence at p (1-4), or 0 if invalid. Rejects
 * overlongs, surrogates and code points above U+10FFFF. */
static size_t utf8_seq(const uint8_t *p, size_t left)
{
	uint8_t b = p[0];
	size_t need;
	uint32_t cp;

	if (b < 0x80)
		return 1;
	if (b >= 0xc2 && b <= 0xdf)
		need = 2, cp = b & 0x1f;
	else if (b >= 0xe0 && b <= 0xef)
		need = 3, cp = b & 0x0f;
	else if (b >= 0xf0 && b <= 0xf4)
		need = 4, cp = b & 0x07;
	else
		return 0;
	if (left < need)
		return 0;
	for (size_t i = 1; i < need; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((need == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (need == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return need;
}

char *log_utf8_escape(const void *bytes, size_t len)
{
	const uint8_t *p = bytes;
	char *out = malloc(len * 4 + 1), *o = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len;) {
		size_t k = utf8_seq(p + i, len - i);

		/* NUL is valid UTF-8 but would end the C string. */
		if (k == 0 || p[i] == 0) {
			o += sprintf(o, "\\x%02x", p[i]);
			i++;
			continue;
		}
		memcpy(o, p + i, k);
		o += k;
		i += k;
	}
	*o = 0;
	return out;
}

void log_set_bytes(json_t *obj, const char *key, const void *bytes, size_t len)
{
	char *s = log_utf8_escape(bytes, len);

	if (s)
		json_object_set_new(obj, key, json_string(s));
	free(s);
}

void log_set_str(json_t *obj, const char *key, const char *s)
{
	log_set_bytes(obj, key, s, strlen(s));
}

void log_set_int(json_t *obj, const char *key, long long v)
{
	json_object_set_new(obj, key, json_integer(v));
}

void log_emit_event(json_t *obj, const char *level, const char *event)
{
	FILE *out = log_out ? log_out : stdout;
	char ts[40], *s;

	if (!obj)
		return;
	log_timestamp(ts, sizeof(ts));
	log_set_str(obj, "event", event);
	json_object_set_new(obj, "level", json_string(level));
	json_object_set_new(obj, "timestamp", json_string(ts));
	s = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
	if (s) {
		/* responder threads log too: one line is written whole */
		flockfile(out);
		fputs(s, out);
		fputc('\n', out);
		fflush(out);
		funlockfile(out);
		free(s);
	}
	json_decref(obj);
}

void log_msg(const char *level, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_emit_event(json_object(), level, buf);
}

void log_fatal(const char *event, const char *fmt, ...)
{
	char buf[4096];
	json_t *o = json_object();
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(stderr, "nomine: %s\n", buf);
	json_object_set_new(o, "fatal", json_true());
	log_set_str(o, "error", buf);
	log_emit_event(o, "error", event);
}
