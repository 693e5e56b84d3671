/* SPDX-License-Identifier: BSD-2-Clause */
/* hub_call.c - runs one call of src/hub_api.c for tests/e2e/test_hub_api.py:
 *   hub_call stop  URL TOKEN_FILE USER [SERVER]
 *   hub_call block URL TOKEN_FILE GROUP USER
 * and prints {"outcome": "done"|"retry"|"failed", "status", "body", "error"}
 * (exit 0), or the token file's error on stderr (exit 2). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "hub_api.h"

int main(int argc, char **argv)
{
	static const char *const names[] = { "failed", "done", "retry" };
	struct http_answer a;
	enum http_outcome o;
	char err[512];
	struct hub_api h = { .timeout_s = 5 };
	char *token;
	json_t *out;

	if (argc < 5 || (strcmp(argv[1], "stop") && strcmp(argv[1], "block")) ||
	    (!strcmp(argv[1], "block") && argc != 6)) {
		fprintf(stderr, "usage: %s stop URL TOKEN_FILE USER [SERVER]\n"
			"       %s block URL TOKEN_FILE GROUP USER\n", argv[0], argv[0]);
		return 2;
	}
	token = hub_read_token(argv[3], err, sizeof(err));
	if (!token) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	if (http_init())
		return 2;
	h.url = argv[2];
	h.token = token;
	if (!strcmp(argv[1], "stop"))
		o = hub_stop_server(&h, argv[4], argc > 5 ? argv[5] : NULL, &a);
	else
		o = hub_block_user(&h, argv[4], argv[5], &a);
	out = json_pack("{s:s, s:i, s:s, s:s, s:f}", "outcome", names[o + 1], "status",
			(int)a.status, "body", a.body, "error", a.error, "seconds", a.seconds);
	if (!out || json_dumpf(out, stdout, JSON_COMPACT))
		return 2;
	putchar('\n');
	json_decref(out);
	free(token);
	http_cleanup();
	return 0;
}
