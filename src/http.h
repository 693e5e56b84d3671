/* SPDX-License-Identifier: BSD-2-Clause */
/* http.h - one HTTP request with a JSON or form body, through libcurl, for
 * the responders (hub API, webhooks, Alertmanager). Blocking, bounded by a
 * timeout; safe to call from several threads at once (after http_init). */
#ifndef NOMINE_HTTP_H
#define NOMINE_HTTP_H

#include <stddef.h>

#define HTTP_BODY_KEEP 512      /* bytes of the answer's body kept for logs */

/* What came back. status 0: no answer (refused, timed out, TLS failed). */
struct http_answer {
	long status;
	char body[HTTP_BODY_KEEP + 1];  /* NUL-terminated, cut at HTTP_BODY_KEEP */
	size_t body_len;
	char error[256];                /* why there was no answer, else "" */
	double seconds;
};

/* The outcome classes every responder shares. */
enum http_outcome {
	HTTP_DONE = 0,          /* a 2xx answer */
	HTTP_RETRY = 1,         /* no answer, 5xx, 408 or 429: try again later */
	HTTP_FAILED = -1,       /* another answer (4xx, 3xx): retrying cannot help */
};

/* Once, before any thread calls http_request. Returns 0 or -1. */
int http_init(void);
void http_cleanup(void);
/* Ends every transfer under way (within a second) and every later one at
 * once: for a daemon that is stopping. */
void http_abort_all(void);

/* Checks that url is an absolute http:// or https:// URL with a host.
 * Returns 0, or -1 with the reason in err. */
int http_url_check(const char *url, char *err, size_t errlen);

/* Sends method (GET, POST, DELETE...) to url with body (NULL: none) of
 * content_type, and the header "Authorization: <authorization>" when that
 * is not NULL. No redirects followed. The classification of *ans. */
enum http_outcome http_request(const char *method, const char *url, const char *authorization,
			       const char *content_type, const char *body, double timeout_s,
			       struct http_answer *ans);

/* The classification of a status (0: no answer). */
enum http_outcome http_classify(long status);

#endif
