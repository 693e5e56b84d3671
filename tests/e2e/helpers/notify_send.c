/* SPDX-License-Identifier: BSD-2-Clause */
/* notify_send.c - posts the notification of a canned incident (three kills
 * of hub user alice in 12 minutes), through nomine's own notify_format.c
 * and http.c, so the e2e tests can show real receivers accept its bodies.
 *
 *   notify_send FORMAT URL [CMDLINE [USER]]
 *
 * FORMAT: json, slack, zulip or alertmanager. URL "-": print the body
 * instead. Prints {"status": N, "outcome": N, "error": "..."} and exits 0
 * on a 2xx answer, 1 otherwise, 2 on bad usage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "http.h"
#include "log.h"
#include "notify_format.h"

static int format_of(const char *s, enum notify_format *f)
{
	static const char *const names[] = { "json", "slack", "zulip", "alertmanager" };

	for (int i = 0; i < 4; i++)
		if (!strcmp(s, names[i])) {
			*f = (enum notify_format)i;
			return 0;
		}
	return -1;
}

int main(int argc, char **argv)
{
	const char *cmdline = argc > 3 ? argv[3] : "/tmp/.x/xmrig -o stratum+tcp://pool.example:3333";
	const char *user = argc > 4 ? argv[4] : "alice";
	enum notify_format f;
	struct http_answer ans;
	const char *ct;
	enum http_outcome out;
	double now = (double)time(NULL);
	json_t *ev, *res;
	char *body, *line;

	if (argc < 3 || format_of(argv[1], &f)) {
		fprintf(stderr, "usage: notify_send json|slack|zulip|alertmanager URL|- "
			"[CMDLINE [USER]]\n");
		return 2;
	}
	ev = json_pack("{s:i, s:i, s:i, s:s, s:s, s:s, s:s, s:s, s:s,"
		       " s:{s:s, s:s, s:s}, s:s, s:s}",
		       "pid", 4242, "ppid", 1, "uid", 1000, "exe", "/tmp/.x/xmrig", "matched", "stratum+tcp", "source", "exec",
		       "action", "killed", "user", user, "user_source", "container",
		       "labels", "io.kubernetes.pod.namespace", "jhub",
		       "io.kubernetes.pod.name", "jupyter-alice",
		       "io.kubernetes.container.name", "notebook",
		       "image", "quay.io/jupyter/base-notebook", "node", "n1");
	/* any bytes, as the daemon logs them */
	if (ev)
		log_set_bytes(ev, "cmdline", cmdline, strlen(cmdline));
	struct incident in = { .event = ev, .user = user, .who = "user alice", .reason = "exec",
			       .count = 3, .first_s = now - 12 * 60, .last_s = now,
			       .evidence = "/var/lib/nomine/evidence/canned.json" };
	body = ev ? notify_body(f, &in, &ct) : NULL;
	if (!body) {
		fprintf(stderr, "notify_send: no body (out of memory)\n");
		return 1;
	}
	if (!strcmp(argv[2], "-")) {
		printf("%s\n", body);
		return 0;
	}
	if (http_init())
		return 1;
	out = http_request("POST", argv[2], NULL, ct, body, 10, &ans);
	res = json_pack("{s:i, s:i, s:s, s:s}", "status", (int)ans.status, "outcome", (int)out,
			"error", ans.error, "answer", ans.body);
	line = res ? json_dumps(res, JSON_COMPACT) : NULL;
	printf("%s\n", line ? line : "{}");
	free(line);
	json_decref(res);
	free(body);
	json_decref(ev);
	http_cleanup();
	return out == HTTP_DONE ? 0 : 1;
}
