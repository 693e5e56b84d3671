/* SPDX-License-Identifier: BSD-2-Clause */
/* notify_format.c - the bodies of notifications. Every byte taken from the
 * event is the offender's (its command line, its executable's name, the
 * container's labels): each piece is capped, made valid UTF-8, stripped of
 * control and direction-changing characters, and then escaped for where it
 * goes (Slack's control sequences; Zulip's markdown, by a code block). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "log.h"
#include "notify_format.h"

/* Caps, in bytes of UTF-8 (an ellipsis marks a cut). */
#define CAP_NAME 64             /* process name, user, reason, node */
#define CAP_LABEL 128           /* pod, namespace, container, image */
#define CAP_MATCHED 100
#define CAP_CMDLINE 200         /* the command line excerpt */
#define CAP_PATH 256            /* exe, evidence record */

/* What a notification says, each piece cleaned; NULL: not known. */
struct facts {
	int oom;
	char *proc, *exe, *cmdline, *matched, *dest;
	long long pid, uid;
	int has_pid, has_uid, audit, dropped;
	char *user, *ns, *pod, *container, *container_id, *image, *node;
	char *reason, *detector, *who, *evidence;
	unsigned int count;
	double span;
	char first[40], last[40], span_text[32];
};

/* The text of one character of valid UTF-8 at p into piece: itself, or a
 * visible escape for control characters and the invisible ones that move
 * or reorder text (line separators, zero-width marks, bidi overrides,
 * which could make a message read other than it is). Returns the bytes
 * of p used. */
static size_t piece_of(const unsigned char *p, char piece[12])
{
	size_t k = *p < 0x80 ? 1 : *p < 0xe0 ? 2 : *p < 0xf0 ? 3 : 4;

	if (*p < 0x20 || *p == 0x7f) {
		snprintf(piece, 12, "\\x%02x", *p);
		return 1;
	}
	if (*p == 0xe2 && ((p[1] == 0x80 && p[2] >= 0x8b && p[2] <= 0x8f) ||
			   (p[1] == 0x80 && p[2] >= 0xa8 && p[2] <= 0xae) ||
			   (p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9))) {
		snprintf(piece, 12, "\\u%04X", ((p[1] & 0x3f) << 6 | (p[2] & 0x3f)) | 0x2000);
		return 3;
	}
	memcpy(piece, p, k);
	piece[k] = 0;
	return k;
}

/* len bytes of s as clean text of at most cap bytes (plus an ellipsis
 * when cut), malloc'ed. NULL: nothing (sets f->oom when out of memory). */
static char *clean(struct facts *f, const char *s, size_t len, size_t cap)
{
	/* the escape only grows text, so a tail cut mid-character lands past cap */
	size_t in_cap = cap + 8, n = 0, size = 0;
	int cut = len > in_cap;
	char *u, *out = NULL, piece[12];
	FILE *m;

	if (!s || !len)
		return NULL;
	u = log_utf8_escape(s, cut ? in_cap : len);
	m = u ? open_memstream(&out, &size) : NULL;
	if (!m) {
		free(u);
		f->oom = 1;
		return NULL;
	}
	for (const unsigned char *p = (const unsigned char *)u; *p;) {
		size_t k = piece_of(p, piece), pl = strlen(piece);

		if (n + pl > cap) {
			cut = 1;
			break;
		}
		fputs(piece, m);
		n += pl;
		p += k;
	}
	if (cut)
		fputs("\u2026", m);
	free(u);
	if (fclose(m) || !out) {
		free(out);
		f->oom = 1;
		return NULL;
	}
	if (!out[0]) {
		free(out);
		return NULL;
	}
	return out;
}

/* The length of s's longest prefix of at most max bytes that ends between
 * characters (s is valid UTF-8): a short container id must stay valid. */
static size_t utf8_prefix(const char *s, size_t max)
{
	size_t n = strnlen(s, max);

	if (s[n])
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	return n;
}

static char *clean_str(struct facts *f, const char *s, size_t cap)
{
	return s ? clean(f, s, strlen(s), cap) : NULL;
}

/* The string at key of o (bytes and length: it may hold a NUL), or NULL. */
static const char *ev_str(const json_t *o, const char *key, size_t *len)
{
	const json_t *v = o ? json_object_get(o, key) : NULL;

	if (!json_is_string(v))
		return NULL;
	*len = json_string_length(v);
	return json_string_value(v);
}

static char *ev_clean(struct facts *f, const json_t *o, const char *key, size_t cap)
{
	size_t len = 0;
	const char *s = ev_str(o, key, &len);

	return clean(f, s, len, cap);
}

/* The process's name: its executable's, else its command's first word's. */
static char *proc_name(struct facts *f, const json_t *ev)
{
	size_t len = 0, word;
	const char *s = ev_str(ev, "exe", &len), *slash;

	if (!s || !len) {
		s = ev_str(ev, "cmdline", &len);
		if (s) {
			for (word = 0; word < len && s[word] != ' '; word++)
				;
			len = word;
		}
	}
	if (s && len) {
		slash = memrchr(s, '/', len);
		if (slash && slash + 1 < s + len) {
			len -= (size_t)(slash + 1 - s);
			s = slash + 1;
		}
		return clean(f, s, len, CAP_NAME);
	}
	return ev_clean(f, ev, "comm", CAP_NAME);
}

/* "address:port" (IPv6 in brackets) of a network event's destination. */
static char *destination(struct facts *f, const json_t *ev)
{
	const json_t *d = json_object_get(ev, "destination");
	const json_t *port = json_object_get(d, "port");
	size_t len = 0;
	const char *a = ev_str(d, "address", &len);
	char buf[160];

	if (!a || !len || len > 100)
		return NULL;
	if (json_is_integer(port))
		snprintf(buf, sizeof(buf), memchr(a, ':', len) ? "[%.*s]:%lld" : "%.*s:%lld",
			 (int)len, a, (long long)json_integer_value(port));
	else
		snprintf(buf, sizeof(buf), "%.*s", (int)len, a);
	return clean_str(f, buf, CAP_LABEL);
}

static void rfc3339(double t, char *buf, size_t n)
{
	time_t s = (time_t)t;
	struct tm tm;
	int ms = (int)((t - (double)s) * 1000);

	gmtime_r(&s, &tm);
	strftime(buf, n, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + strlen(buf), n - strlen(buf), ".%03dZ", ms < 0 ? 0 : ms > 999 ? 999 : ms);
}

static void span_text(double s, char *buf, size_t n)
{
	if (s < 90)
		snprintf(buf, n, "%.0f s", s);
	else if (s < 90 * 60)
		snprintf(buf, n, "%.0f min", s / 60);
	else
		snprintf(buf, n, "%.1f h", s / 3600);
}

static int facts_load(struct facts *f, const struct incident *in)
{
	const json_t *ev = in->event, *labels = json_object_get(in->event, "labels");
	const json_t *pid = json_object_get(ev, "pid"), *uid = json_object_get(ev, "uid");
	size_t len = 0;
	const char *action = ev_str(ev, "action", &len);
	double now = (double)time(NULL), first, last;
	char host[256];

	memset(f, 0, sizeof(*f));
	f->proc = proc_name(f, ev);
	f->exe = ev_clean(f, ev, "exe", CAP_PATH);
	f->cmdline = ev_clean(f, ev, "cmdline", CAP_CMDLINE);
	f->matched = ev_clean(f, ev, "matched", CAP_MATCHED);
	f->dest = destination(f, ev);
	f->has_pid = json_is_integer(pid);
	f->pid = f->has_pid ? json_integer_value(pid) : 0;
	f->has_uid = json_is_integer(uid);
	f->uid = f->has_uid ? json_integer_value(uid) : 0;
	f->audit = in->audit || (action && !strcmp(action, "audit"));
	f->dropped = action && !strcmp(action, "dropped");
	f->user = clean_str(f, in->user, CAP_NAME);
	f->ns = ev_clean(f, labels, "io.kubernetes.pod.namespace", CAP_LABEL);
	f->pod = ev_clean(f, labels, "io.kubernetes.pod.name", CAP_LABEL);
	f->container = ev_clean(f, labels, "io.kubernetes.container.name", CAP_LABEL);
	f->container_id = ev_clean(f, ev, "container_id", CAP_LABEL);
	f->image = ev_clean(f, ev, "image", CAP_LABEL);
	f->node = ev_clean(f, ev, "node", CAP_NAME);
	if (!f->node && !f->oom && !gethostname(host, sizeof(host))) {
		host[sizeof(host) - 1] = 0;
		f->node = clean_str(f, host, CAP_NAME);
	}
	f->reason = in->reason ? clean_str(f, in->reason, CAP_NAME) :
		    ev_str(ev, "reason", &len) ? ev_clean(f, ev, "reason", CAP_NAME) :
		    ev_clean(f, ev, "source", CAP_NAME);
	f->detector = ev_clean(f, ev, "source", CAP_NAME);
	f->who = clean_str(f, in->who, CAP_LABEL);
	f->evidence = in->evidence ? clean_str(f, in->evidence, CAP_PATH) :
		      ev_clean(f, ev, "evidence", CAP_PATH);
	f->count = in->count ? in->count : 1;
	first = in->first_s > 0 ? in->first_s : now;
	last = in->last_s >= first ? in->last_s : first;
	f->span = last - first;
	rfc3339(first, f->first, sizeof(f->first));
	rfc3339(last, f->last, sizeof(f->last));
	span_text(f->span, f->span_text, sizeof(f->span_text));
	return f->oom ? -1 : 0;
}

static void facts_free(struct facts *f)
{
	char *all[] = { f->proc, f->exe, f->cmdline, f->matched, f->dest, f->user, f->ns,
			f->pod, f->container, f->container_id, f->image, f->node, f->reason,
			f->detector, f->who, f->evidence };

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		free(all[i]);
}

/* Closes a memory stream (open_memstream sets *text then); its text, or
 * NULL. */
static char *stream_done(FILE *m, char **text)
{
	if (fclose(m)) {
		free(*text);
		return NULL;
	}
	return *text;
}

static char *summary_of(const struct facts *f)
{
	char *text = NULL;
	size_t size = 0;
	FILE *m = open_memstream(&text, &size);

	if (!m)
		return NULL;
	fprintf(m, "nomine %s %s", f->audit ? "would have killed" :
		f->dropped ? "dropped the traffic of" : "killed", f->proc ? f->proc : "a process");
	if (f->has_pid)
		fprintf(m, " (pid %lld)", f->pid);
	if (f->user)
		fprintf(m, " of hub user %s", f->user);
	if (f->pod)
		fprintf(m, " in pod %s%s%s", f->ns ? f->ns : "", f->ns ? "/" : "", f->pod);
	else if (f->container_id)
		fprintf(m, " in container %.*s", (int)utf8_prefix(f->container_id, 12),
			f->container_id);
	if (f->node)
		fprintf(m, " on node %s", f->node);
	fprintf(m, ": %s", f->reason ? f->reason : "banned");
	if (f->matched)
		fprintf(m, ", %s \"%s\"", f->detector && !strcmp(f->detector, "network") ?
			"matched" : "banned string", f->matched);
	if (f->dest)
		fprintf(m, ", destination %s", f->dest);
	if (f->count > 1)
		fprintf(m, " (%u events in %s)", f->count, f->span_text);
	return stream_done(m, &text);
}

char *notify_summary(const struct incident *in)
{
	struct facts f;
	char *s = NULL;

	if (!facts_load(&f, in))
		s = summary_of(&f);
	facts_free(&f);
	return s;
}

/* The multi-line description (Alertmanager's annotation). */
static char *description_of(const struct facts *f)
{
	char *text = NULL;
	size_t size = 0;
	FILE *m = open_memstream(&text, &size);

	if (!m)
		return NULL;
	fprintf(m, "Process: %s", f->exe ? f->exe : f->proc ? f->proc : "unknown");
	if (f->has_pid)
		fprintf(m, " (pid %lld%s", f->pid, f->has_uid ? "" : ")");
	if (f->has_uid)
		fprintf(m, "%suid %lld)", f->has_pid ? ", " : " (", f->uid);
	if (f->cmdline)
		fprintf(m, "\nCommand line: %s", f->cmdline);
	if (f->user)
		fprintf(m, "\nHub user: %s", f->user);
	if (f->pod)
		fprintf(m, "\nPod: %s%s%s", f->ns ? f->ns : "", f->ns ? "/" : "", f->pod);
	if (f->container)
		fprintf(m, "\nContainer: %s", f->container);
	if (f->image)
		fprintf(m, "\nImage: %s", f->image);
	if (f->node)
		fprintf(m, "\nNode: %s", f->node);
	fprintf(m, "\nEvents: %u from %s to %s", f->count, f->first, f->last);
	if (f->evidence)
		fprintf(m, "\nEvidence: %s", f->evidence);
	return stream_done(m, &text);
}

/* Sets key to s when s is known; returns -1 when that fails. */
static int set_opt(json_t *o, const char *key, const char *s)
{
	return s ? json_object_set_new(o, key, json_string(s)) : 0;
}

static int set_or_null(json_t *o, const char *key, const char *s)
{
	return json_object_set_new(o, key, s ? json_string(s) : json_null());
}

static json_t *body_json(const struct facts *f, const char *summary, const struct incident *in)
{
	json_t *n = json_object(), *o = json_object();
	int bad = !n || !o;

	bad |= json_object_set_new(n, "summary", json_string(summary));
	bad |= json_object_set_new(n, "count", json_integer(f->count));
	bad |= json_object_set_new(n, "first", json_string(f->first));
	bad |= json_object_set_new(n, "last", json_string(f->last));
	bad |= set_or_null(n, "who", f->who);
	bad |= set_or_null(n, "reason", f->reason);
	bad |= set_or_null(n, "user", f->user);
	bad |= set_or_null(n, "evidence", f->evidence);
	bad |= set_or_null(n, "node", f->node);
	bad |= json_object_set_new(n, "audit", json_boolean(f->audit));
	bad |= json_object_set_new(o, "nomine", n);
	bad |= json_object_set(o, "event", in->event ? in->event : json_null());
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* Slack's escape: &, < and > start its control sequences (<!channel>,
 * <@U123>, <https://link|text>); nothing else needs it. */
static char *slack_escape(const char *s)
{
	char *text = NULL;
	size_t size = 0;
	FILE *m = open_memstream(&text, &size);

	if (!m)
		return NULL;
	for (; *s; s++)
		fputs(*s == '&' ? "&amp;" : *s == '<' ? "&lt;" : *s == '>' ? "&gt;" :
		      (char[2]){ *s, 0 }, m);
	return stream_done(m, &text);
}

/* Block Kit's plain_text: rendered as typed (no mentions, links or
 * markup; emoji shortcodes off). */
static json_t *plain(const char *s)
{
	return json_pack("{s:s, s:s, s:b}", "type", "plain_text", "text", s, "emoji", 0);
}

static int add_field(json_t *fields, const char *name, const char *value)
{
	char buf[600];

	if (!value)
		return 0;
	snprintf(buf, sizeof(buf), "%s: %s", name, value);
	return json_array_append_new(fields, plain(buf));
}

static json_t *body_slack(const struct facts *f, const char *summary)
{
	json_t *fields = json_array(), *blocks = json_array(), *o = NULL;
	char *text = slack_escape(summary), pod[300], events[80];
	int bad = !fields || !blocks || !text;

	snprintf(pod, sizeof(pod), "%s%s%s", f->ns ? f->ns : "", f->ns ? "/" : "",
		 f->pod ? f->pod : "");
	snprintf(events, sizeof(events), "%u in %s", f->count, f->span_text);
	if (!bad) {
		bad |= add_field(fields, "User", f->user);
		bad |= add_field(fields, "Pod", f->pod ? pod : NULL);
		bad |= add_field(fields, "Container", f->container);
		bad |= add_field(fields, "Node", f->node);
		bad |= add_field(fields, "Reason", f->reason);
		bad |= add_field(fields, "Events", events);
		bad |= add_field(fields, "First", f->first);
		bad |= add_field(fields, "Evidence", f->evidence);
		bad |= json_array_append_new(blocks, json_pack("{s:s, s:o}", "type", "header", "text",
						plain(f->audit ? "nomine: would have killed a process" :
						      "nomine: process killed")));
		bad |= json_array_append_new(blocks, json_pack("{s:s, s:o}", "type", "section",
							       "text", plain(summary)));
		bad |= json_array_append_new(blocks, json_pack("{s:s, s:O}", "type", "section",
							       "fields", fields));
		if (f->cmdline) {
			char line[CAP_CMDLINE + 32];

			snprintf(line, sizeof(line), "Command line: %s", f->cmdline);
			bad |= json_array_append_new(blocks, json_pack("{s:s, s:o}", "type",
								       "section", "text", plain(line)));
		}
	}
	/* text: the notification's and a fallback client's, parsed as mrkdwn */
	if (!bad)
		o = json_pack("{s:s, s:O}", "text", text, "blocks", blocks);
	json_decref(fields);
	json_decref(blocks);
	free(text);
	return o;
}

/* Zulip's Slack-compatible incoming webhook renders "text" as Zulip
 * markdown (after turning Slack's <url|text> into links). The offender's
 * text goes in a fenced code block, where neither markdown, mentions,
 * links nor emoji are rendered; every line of it starts with our own label
 * and holds no line break, so nothing in it can close the fence. */
static json_t *body_zulip(const struct facts *f, const char *summary)
{
	char *text = NULL;
	size_t size = 0;
	FILE *m = open_memstream(&text, &size);
	json_t *o;

	if (!m)
		return NULL;
	fprintf(m, "**nomine: %s** (%u event%s", f->audit ? "would have killed a process" :
		"process killed", f->count, f->count == 1 ? "" : "s");
	if (f->count > 1)
		fprintf(m, " in %s", f->span_text);
	fprintf(m, ", first at %s)\n~~~ text\n", f->first);
	fprintf(m, "Summary: %s\n", summary);
	if (f->cmdline)
		fprintf(m, "Command line: %s\n", f->cmdline);
	if (f->image)
		fprintf(m, "Image: %s\n", f->image);
	if (f->evidence)
		fprintf(m, "Evidence: %s\n", f->evidence);
	fputs("~~~", m);
	text = stream_done(m, &text);
	if (!text)
		return NULL;
	o = json_pack("{s:s}", "text", text);
	free(text);
	return o;
}

/* One alert for POST /api/v2/alerts. Labels identify it (Alertmanager
 * groups and deduplicates on them), so the count is an annotation. */
static json_t *body_alertmanager(const struct facts *f, const char *summary)
{
	json_t *labels = json_object(), *ann = json_object(), *alert;
	char *desc = description_of(f), count[16];
	int bad = !labels || !ann || !desc;

	snprintf(count, sizeof(count), "%u", f->count);
	bad |= set_opt(labels, "alertname", "NomineProcessKilled");
	bad |= set_opt(labels, "severity", "critical");
	bad |= set_opt(labels, "user", f->user);
	bad |= set_opt(labels, "namespace", f->ns);
	bad |= set_opt(labels, "pod", f->pod);
	bad |= set_opt(labels, "container", f->container);
	bad |= set_opt(labels, "node", f->node);
	bad |= set_opt(labels, "reason", f->reason);
	bad |= set_opt(labels, "detector", f->detector);
	if (f->audit)
		bad |= set_opt(labels, "mode", "audit");
	bad |= set_opt(ann, "summary", summary);
	bad |= set_opt(ann, "description", desc);
	bad |= set_opt(ann, "count", count);
	bad |= set_opt(ann, "first", f->first);
	bad |= set_opt(ann, "last", f->last);
	bad |= set_opt(ann, "evidence", f->evidence);
	bad |= set_opt(ann, "cmdline", f->cmdline);
	bad |= set_opt(ann, "image", f->image);
	bad |= set_opt(ann, "who", f->who);
	free(desc);
	alert = bad ? NULL : json_pack("{s:O, s:O, s:s}", "labels", labels, "annotations", ann,
				       "startsAt", f->first);
	json_decref(labels);
	json_decref(ann);
	return alert ? json_pack("[o]", alert) : NULL;
}

char *notify_body(enum notify_format fmt, const struct incident *in, const char **content_type)
{
	struct facts f;
	char *summary = NULL, *body = NULL;
	json_t *o = NULL;

	*content_type = "application/json";
	if (!facts_load(&f, in) && (summary = summary_of(&f))) {
		switch (fmt) {
		case NOTIFY_JSON:
			o = body_json(&f, summary, in);
			break;
		case NOTIFY_SLACK:
			o = body_slack(&f, summary);
			break;
		case NOTIFY_ZULIP:
			o = body_zulip(&f, summary);
			break;
		case NOTIFY_ALERTMANAGER:
			o = body_alertmanager(&f, summary);
			break;
		}
	}
	if (o)
		body = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
	json_decref(o);
	free(summary);
	facts_free(&f);
	return body;
}
