/* SPDX-License-Identifier: BSD-2-Clause */
/* hub_api.h - the two JupyterHub REST calls of nomine's hub response: stop a
 * user's server, add the user to the block group (docs/responses.md). */
#ifndef NOMINE_HUB_API_H
#define NOMINE_HUB_API_H

#include <stddef.h>
#include "http.h"

struct hub_api {
	const char *url;     /* hubApiUrl, e.g. "http://127.0.0.1:8081/hub/api" (trailing '/' optional) */
	const char *token;   /* the API token */
	double timeout_s;    /* per request */
};

/* Stops user's server (server NULL or "": the default server; else the named server) through
 * DELETE {url}/users/{user}/server or {url}/users/{user}/servers/{server}. Names are URL-escaped.
 * A server that is not running, or whose stop is pending (202), counts as done. Returns the
 * outcome (http.h) with the hub's answer in *a. */
enum http_outcome hub_stop_server(const struct hub_api *h, const char *user, const char *server,
				  struct http_answer *a);

/* Adds user to group: POST {url}/groups/{group}/users {"users": [user]}. Already a member: done. */
enum http_outcome hub_block_user(const struct hub_api *h, const char *group, const char *user,
				 struct http_answer *a);

/* Reads a token file: the token with surrounding whitespace removed; malloc'ed, or NULL with err
 * (empty, too big > 4096, unreadable). Never puts the token in err. */
char *hub_read_token(const char *path, char *err, size_t errlen);

/* The URLs of the two calls (malloc'ed; NULL: out of memory), for the
 * calls above and their tests. */
char *hub_stop_url(const char *base, const char *user, const char *server);
char *hub_group_url(const char *base, const char *group);

/* The outcome of a stop or block for the hub's answer, from its status and
 * its JSON error message (see the table in docs/responses.md). */
enum http_outcome hub_stop_outcome(long status, const char *body);
enum http_outcome hub_block_outcome(long status, const char *body);

#endif
