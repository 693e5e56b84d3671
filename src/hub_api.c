/* SPDX-License-Identifier: BSD-2-Clause */
/* hub_api.c - JupyterHub's REST API: stop a server, add a user to a group.
 * The outcomes follow what JupyterHub 3.0 answers (tests/e2e/test_hub_api.py
 * checks them against the real hub). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>
#include "hub_api.h"
#include "secret_file.h"


/* Percent-encodes s for one path segment: all but RFC 3986's unreserved
 * characters, so a '/' or '?' in a name stays inside its segment. */
static char *escape_segment(char *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || strchr("-._~", ch)) {
			*out++ = (char)ch;
		} else {
			*out++ = '%';
			*out++ = hex[ch >> 4];
			*out++ = hex[ch & 15];
		}
	}
	return out;
}

/* base without its trailing '/'s, then for each of the n pairs: a literal
 * part as is, and a name escaped (NULL: none). */
static char *build_url(const char *base, size_t n, const char *const *pairs)
{
	size_t blen = strlen(base), len, i;
	char *url, *p;

	while (blen && base[blen - 1] == '/')
		blen--;
	len = blen + 1;
	for (i = 0; i < 2 * n; i++)
		len += pairs[i] ? 3 * strlen(pairs[i]) : 0;
	url = malloc(len);
	if (!url)
		return NULL;
	memcpy(url, base, blen);
	p = url + blen;
	for (i = 0; i < n; i++) {
		size_t l = strlen(pairs[2 * i]);

		memcpy(p, pairs[2 * i], l);
		p += l;
		if (pairs[2 * i + 1])
			p = escape_segment(p, pairs[2 * i + 1]);
	}
	*p = '\0';
	return url;
}

char *hub_stop_url(const char *base, const char *user, const char *server)
{
	if (server && server[0]) {
		const char *parts[] = { "/users/", user, "/servers/", server };

		return build_url(base, 2, parts);
	} else {
		const char *parts[] = { "/users/", user, "/server", NULL };

		return build_url(base, 2, parts);
	}
}

char *hub_group_url(const char *base, const char *group)
{
	const char *parts[] = { "/groups/", group, "/users", NULL };

	return build_url(base, 2, parts);
}

/* JupyterHub's error bodies: {"status": N, "message": "..."}. Whether the
 * message holds needle. */
static int message_has(const char *body, const char *needle)
{
	json_t *j = body ? json_loads(body, 0, NULL) : NULL;
	const char *msg = json_string_value(json_object_get(j, "message"));
	int has = msg && strstr(msg, needle);

	json_decref(j);
	return has;
}

enum http_outcome hub_stop_outcome(long status, const char *body)
{
	/* 204: stopped or was not running; 202: the stop is under way */
	if (status == 204 || status == 202)
		return HTTP_DONE;
	/* a spawn still in progress cannot be stopped yet: later it can */
	if (status == 400 && message_has(body, " is pending "))
		return HTTP_RETRY;
	/* a named server the user does not have is not running */
	if (status == 404 && message_has(body, " has no server named "))
		return HTTP_DONE;
	return http_classify(status);
}

enum http_outcome hub_block_outcome(long status, const char *body)
{
	(void)body;     /* 200 also for a user already in the group */
	return http_classify(status);
}

/* Sends the request (frees url); the answer, status 0 when none. */
static void call(const struct hub_api *h, const char *method, char *url, const char *body,
		 struct http_answer *a)
{
	size_t alen = strlen(h->token) + sizeof("token ");
	char *auth = url ? malloc(alen) : NULL;

	if (!auth) {
		memset(a, 0, sizeof(*a));
		snprintf(a->error, sizeof(a->error), "out of memory");
		free(url);
		return;
	}
	snprintf(auth, alen, "token %s", h->token);
	http_request(method, url, auth, body ? "application/json" : NULL, body,
			 h->timeout_s, a);
	explicit_bzero(auth, alen);
	free(auth);
	free(url);
}

/* A name for a path segment: there, and not empty. */
static int name_ok(const char *name, struct http_answer *ans)
{
	if (name && name[0])
		return 1;
	memset(ans, 0, sizeof(*ans));
	snprintf(ans->error, sizeof(ans->error), "no user or group name");
	return 0;
}

enum http_outcome hub_stop_server(const struct hub_api *h, const char *user, const char *server,
				  struct http_answer *a)
{
	if (!name_ok(user, a))
		return HTTP_FAILED;
	call(h, "DELETE", hub_stop_url(h->url, user, server), NULL, a);
	return a->status ? hub_stop_outcome(a->status, a->body) : HTTP_RETRY;
}

enum http_outcome hub_block_user(const struct hub_api *h, const char *group, const char *user,
				 struct http_answer *a)
{
	json_t *j;
	char *body;

	if (!name_ok(user, a) || !name_ok(group, a))
		return HTTP_FAILED;
	j = json_pack("{s:[s]}", "users", user);
	body = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (!body) {
		memset(a, 0, sizeof(*a));
		snprintf(a->error, sizeof(a->error), "out of memory");
		return HTTP_RETRY;
	}
	call(h, "POST", hub_group_url(h->url, group), body, a);
	free(body);
	return a->status ? hub_block_outcome(a->status, a->body) : HTTP_RETRY;
}

char *hub_read_token(const char *path, char *err, size_t errlen)
{
	char why[200];
	char *tok = secret_file_read(path, why, sizeof(why));

	if (!tok)
		snprintf(err, errlen, "%s: %s", path, why);
	return tok;
}
