/* SPDX-License-Identifier: BSD-2-Clause */
/* test_notify_format.c - notification bodies: each parses back, carries
 * the count and the span, and keeps the offender's bytes from turning
 * into mentions, links, markup or broken text. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "notify_format.h"

static const enum notify_format all_formats[] = { NOTIFY_JSON, NOTIFY_SLACK, NOTIFY_ZULIP,
						  NOTIFY_ALERTMANAGER };

/* A kill line as action.c and containers.c write it. */
static json_t *kill_event(const char *cmdline)
{
	return json_pack("{s:i, s:i, s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:s,"
			 " s:{s:s, s:s, s:s}, s:s, s:s, s:s}",
			 "pid", 1234, "ppid", 1, "uid", 1000, "exe", "/tmp/.x/xmrig",
			 "cmdline", cmdline, "matched", "stratum+tcp", "source", "exec",
			 "action", "killed", "user", "alice", "user_source", "container",
			 "labels", "io.kubernetes.pod.namespace", "jhub",
			 "io.kubernetes.pod.name", "jupyter-alice",
			 "io.kubernetes.container.name", "notebook",
			 "image", "quay.io/jupyter/base-notebook", "container_id", "0123456789abcdef",
			 "node", "n1");
}

static struct incident incident_of(json_t *ev)
{
	return (struct incident){ .event = ev, .user = "alice", .who = "user alice",
				  .reason = "exec", .count = 3, .first_s = 1000,
				  .last_s = 1000 + 12 * 60, .evidence = "/var/lib/nomine/e1.json" };
}

static json_t *body_of(enum notify_format f, const struct incident *in)
{
	const char *ct = NULL;
	char *body = notify_body(f, in, &ct);
	json_error_t err;
	json_t *o;

	assert_non_null(body);
	assert_string_equal(ct, "application/json");
	o = json_loads(body, 0, &err);
	if (!o)
		fail_msg("format %d: %s in %s", f, err.text, body);
	free(body);
	return o;
}

static const char *str_at(json_t *o, const char *path)
{
	json_t *v = o;
	char key[64];

	while (*path) {
		size_t n = strcspn(path, ".");

		snprintf(key, sizeof(key), "%.*s", (int)n, path);
		v = json_is_array(v) ? json_array_get(v, (size_t)atoi(key)) : json_object_get(v, key);
		path += n + (path[n] == '.');
	}
	return json_string_value(v);
}

static void test_summary(void **state)
{
	json_t *ev = kill_event("xmrig -o stratum+tcp://pool:3333");
	struct incident in = incident_of(ev);
	char *s = notify_summary(&in);

	(void)state;
	assert_string_equal(s, "nomine killed xmrig (pid 1234) of hub user alice in pod "
			    "jhub/jupyter-alice on node n1: exec, banned string \"stratum+tcp\" "
			    "(3 events in 12 min)");
	free(s);
	in.count = 1;
	in.last_s = in.first_s;
	in.audit = 1;
	s = notify_summary(&in);
	assert_string_equal(s, "nomine would have killed xmrig (pid 1234) of hub user alice in "
			    "pod jhub/jupyter-alice on node n1: exec, banned string \"stratum+tcp\"");
	free(s);
	json_decref(ev);
}

static void test_json(void **state)
{
	json_t *ev = kill_event("xmrig -o stratum+tcp://pool:3333");
	struct incident in = incident_of(ev);
	json_t *o = body_of(NOTIFY_JSON, &in);

	(void)state;
	assert_int_equal(json_integer_value(json_object_get(json_object_get(o, "nomine"), "count")),
			 3);
	assert_string_equal(str_at(o, "nomine.first"), "1970-01-01T00:16:40.000Z");
	assert_string_equal(str_at(o, "nomine.last"), "1970-01-01T00:28:40.000Z");
	assert_string_equal(str_at(o, "nomine.who"), "user alice");
	assert_string_equal(str_at(o, "nomine.reason"), "exec");
	assert_string_equal(str_at(o, "nomine.user"), "alice");
	assert_string_equal(str_at(o, "nomine.evidence"), "/var/lib/nomine/e1.json");
	assert_non_null(strstr(str_at(o, "nomine.summary"), "(3 events in 12 min)"));
	assert_true(json_equal(json_object_get(o, "event"), ev));
	json_decref(o);
	json_decref(ev);
}

static void test_alertmanager(void **state)
{
	json_t *ev = kill_event("xmrig -o stratum+tcp://pool:3333");
	struct incident in = incident_of(ev);
	json_t *o = body_of(NOTIFY_ALERTMANAGER, &in), *labels;
	const char *key;
	json_t *v;

	(void)state;
	assert_true(json_is_array(o));
	assert_int_equal(json_array_size(o), 1);
	labels = json_object_get(json_array_get(o, 0), "labels");
	assert_string_equal(str_at(labels, "alertname"), "NomineProcessKilled");
	assert_string_equal(str_at(labels, "severity"), "critical");
	assert_string_equal(str_at(labels, "user"), "alice");
	assert_string_equal(str_at(labels, "namespace"), "jhub");
	assert_string_equal(str_at(labels, "pod"), "jupyter-alice");
	assert_string_equal(str_at(labels, "container"), "notebook");
	assert_string_equal(str_at(labels, "node"), "n1");
	assert_string_equal(str_at(labels, "reason"), "exec");
	assert_string_equal(str_at(labels, "detector"), "exec");
	json_object_foreach(labels, key, v)
		assert_true(json_is_string(v) && json_string_length(v) > 0);
	assert_string_equal(str_at(o, "0.startsAt"), "1970-01-01T00:16:40.000Z");
	assert_string_equal(str_at(o, "0.annotations.count"), "3");
	assert_string_equal(str_at(o, "0.annotations.cmdline"), "xmrig -o stratum+tcp://pool:3333");
	assert_non_null(strstr(str_at(o, "0.annotations.description"), "Events: 3 from "));
	assert_non_null(strstr(str_at(o, "0.annotations.summary"), "(3 events in 12 min)"));
	json_decref(o);
	json_decref(ev);
}

static const char hostile[] = "<!channel> <@U024BE7LH> <!here|here> <https://evil.example|click> "
			      "&amp; *bold* _it_ `code` @**all** @*group* #**stream** :bomb: "
			      "$$x$$ [a](https://evil.example)\n~~~\n@**everyone**\n```\n"
			      "\x1b[31mred \xe2\x80\xae" "gnp.exe";

/* Slack: nothing the offender wrote becomes a control sequence. */
static void test_slack_escapes(void **state)
{
	json_t *ev = kill_event(hostile), *o, *b, *t;
	struct incident in = incident_of(ev);
	const char *text;
	size_t i;

	(void)state;
	json_object_set_new(ev, "exe", json_string("/tmp/<!channel>\x1b[31mred\xe2\x80\xaegnp.exe"));
	o = body_of(NOTIFY_SLACK, &in);
	text = str_at(o, "text");
	/* control and direction characters shown, not obeyed */
	assert_non_null(strstr(text, "nomine killed &lt;!channel&gt;\\x1b[31mred\\u202Egnp.exe "));
	assert_null(strchr(text, '<'));
	assert_null(strchr(text, '>'));
	assert_non_null(strstr(text, "&lt;!channel&gt;"));
	assert_non_null(strstr(text, "(3 events in 12 min)"));
	/* the blocks carry the offender's text only as plain_text */
	json_array_foreach(json_object_get(o, "blocks"), i, b) {
		json_t *field;
		size_t j;

		if ((t = json_object_get(b, "text")))
			assert_string_equal(str_at(t, "type"), "plain_text");
		json_array_foreach(json_object_get(b, "fields"), j, field)
			assert_string_equal(str_at(field, "type"), "plain_text");
	}
	json_decref(o);
	json_decref(ev);
}

/* Zulip: the offender's text is inside one code block it cannot close. */
static void test_zulip_code_block(void **state)
{
	json_t *ev = kill_event(hostile), *o;
	struct incident in = incident_of(ev);
	char *text, *line, *save = NULL;
	int fences = 0, inside = 0;

	(void)state;
	json_object_set_new(ev, "image", json_string("~~~\n@**all**"));
	o = body_of(NOTIFY_ZULIP, &in);
	text = strdup(str_at(o, "text"));
	assert_non_null(strstr(text, "3 events in 12 min"));
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "~~~", 3) || !strncmp(line, "```", 3)) {
			fences++;
			inside = !inside;
			continue;
		}
		if (inside)
			assert_true(!strncmp(line, "Summary: ", 9) ||
				    !strncmp(line, "Command line: ", 14) ||
				    !strncmp(line, "Image: ", 7) || !strncmp(line, "Evidence: ", 10));
		else
			assert_null(strstr(line, "@"));
	}
	assert_int_equal(fences, 2);
	free(text);
	json_decref(o);
	json_decref(ev);
}

/* Bytes that are not UTF-8 (a user name from a spec), a NUL inside a
 * JSON string, a megabyte of command line: capped, valid, no crash. */
static void test_invalid_and_huge(void **state)
{
	size_t big = 1 << 20;
	char *huge = malloc(big + 1);
	json_t *ev, *o;
	struct incident in;
	char *s;

	(void)state;
	memset(huge, 'A', big);
	memcpy(huge + 150, "\xe2\x82\xac", 3);  /* a euro sign, across nothing */
	huge[big] = 0;
	ev = kill_event(huge);
	json_object_set_new(ev, "matched", json_stringn("a\0b", 3));
	in = incident_of(ev);
	in.user = "al\xff" "ice";
	for (size_t i = 0; i < sizeof(all_formats) / sizeof(all_formats[0]); i++) {
		const char *ct;
		char *body = notify_body(all_formats[i], &in, &ct);

		assert_non_null(body);
		/* the JSON body carries the event as logged; the others their excerpts */
		if (all_formats[i] != NOTIFY_JSON)
			assert_true(strlen(body) < 8192);
		free(body);
	}
	o = body_of(NOTIFY_ALERTMANAGER, &in);
	assert_true(strlen(str_at(o, "0.annotations.cmdline")) <= 200 + 3);
	assert_string_equal(str_at(o, "0.labels.user"), "al\\xffice");
	json_decref(o);
	s = notify_summary(&in);
	assert_non_null(strstr(s, "banned string \"a\\x00b\""));
	free(s);
	/* a cut never splits a character: 198 bytes of A, then the 3-byte
	 * euro sign would pass 200, so the cut comes before it */
	memset(huge, 'A', big);
	memcpy(huge + 198, "\xe2\x82\xac", 3);
	json_object_set_new(ev, "cmdline", json_string(huge));
	o = body_of(NOTIFY_ALERTMANAGER, &in);
	assert_int_equal(strlen(str_at(o, "0.annotations.cmdline")), 198 + 3);
	json_decref(o);
	json_decref(ev);
	free(huge);
}

/* An event with nothing in it, an incident with nothing set. */
static void test_missing_fields(void **state)
{
	json_t *empty = json_object();
	struct incident in = { .event = empty };
	char host[256] = "", want[400], *s;
	json_t *o;

	(void)state;
	gethostname(host, sizeof(host) - 1);
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < sizeof(all_formats) / sizeof(all_formats[0]); i++)
			json_decref(body_of(all_formats[i], &in));
		s = notify_summary(&in);
		snprintf(want, sizeof(want), "nomine killed a process on node %s: banned", host);
		assert_string_equal(s, want);
		free(s);
		in.event = NULL;
	}
	in.event = empty;
	o = body_of(NOTIFY_ALERTMANAGER, &in);
	assert_null(str_at(o, "0.labels.user"));
	assert_null(str_at(o, "0.labels.pod"));
	assert_string_equal(str_at(o, "0.annotations.count"), "1");
	json_decref(o);
	o = body_of(NOTIFY_JSON, &in);
	assert_true(json_is_null(json_object_get(json_object_get(o, "nomine"), "user")));
	json_decref(o);
	json_decref(empty);
}

/* A network kill: its destination, and no command line. */
static void test_network(void **state)
{
	json_t *ev = json_pack("{s:s, s:i, s:s, s:s, s:{s:s, s:i}}", "source", "network",
			       "pid", 77, "comm", "miner", "reason", "banned_address",
			       "destination", "address", "2001:db8::1", "port", 3333);
	struct incident in = { .event = ev, .count = 2, .first_s = 100, .last_s = 130 };
	char *s = notify_summary(&in);

	(void)state;
	assert_non_null(strstr(s, "nomine killed miner (pid 77)"));
	assert_non_null(strstr(s, ": banned_address, destination [2001:db8::1]:3333 (2 events in 30 s)"));
	free(s);
	json_decref(ev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_alertmanager),
		cmocka_unit_test(test_slack_escapes),
		cmocka_unit_test(test_zulip_code_block),
		cmocka_unit_test(test_invalid_and_huge),
		cmocka_unit_test(test_missing_fields),
		cmocka_unit_test(test_network),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
