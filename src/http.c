/* SPDX-License-Identifier: BSD-2-Clause */
/* http.c - libcurl's easy interface, one handle per request. */
#include <stdio.h>
#include <string.h>
#include <curl/curl.h>
#include "http.h"

static int aborting;     /* http_abort_all: every transfer ends now */

void http_abort_all(void)
{
	__atomic_store_n(&aborting, 1, __ATOMIC_RELAXED);
}

/* libcurl asks this about once a second and whenever data moves. */
static int check_abort(void *ctx, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	(void)ctx, (void)dt, (void)dn, (void)ut, (void)un;
	return __atomic_load_n(&aborting, __ATOMIC_RELAXED);
}

int http_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

void http_cleanup(void)
{
	curl_global_cleanup();
}

int http_url_check(const char *url, char *err, size_t errlen)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL;
	CURLUcode rc;
	int ret = -1;

	if (!u) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rc = curl_url_set(u, CURLUPART_URL, url, 0);
	if (rc != CURLUE_OK)
		snprintf(err, errlen, "not a URL (%s)", curl_url_strerror(rc));
	else if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
		 (strcmp(scheme, "http") && strcmp(scheme, "https")))
		snprintf(err, errlen, "the URL must start with http:// or https://");
	else if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !host[0])
		snprintf(err, errlen, "the URL has no host");
	else
		ret = 0;
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return ret;
}

enum http_outcome http_classify(long status)
{
	if (status >= 200 && status < 300)
		return HTTP_DONE;
	if (status == 0 || status >= 500 || status == 408 || status == 429)
		return HTTP_RETRY;
	return HTTP_FAILED;
}

/* Keeps the first HTTP_BODY_KEEP bytes of the answer, drops the rest. */
static size_t keep_body(char *data, size_t size, size_t n, void *ctx)
{
	struct http_answer *a = ctx;
	size_t len = size * n, room = HTTP_BODY_KEEP - a->body_len;

	if (room) {
		size_t k = len < room ? len : room;

		memcpy(a->body + a->body_len, data, k);
		a->body_len += k;
		a->body[a->body_len] = '\0';
	}
	return len;
}

enum http_outcome http_request(const char *method, const char *url, const char *authorization,
			       const char *content_type, const char *body, double timeout_s,
			       struct http_answer *ans)
{
	struct curl_slist *hdrs = NULL, *h;
	char line[8192];
	CURL *c = curl_easy_init();
	CURLcode rc = CURLE_OUT_OF_MEMORY;
	long ms = (long)(timeout_s * 1000);
	int hdrs_ok = 1;

	memset(ans, 0, sizeof(*ans));
	if (!c) {
		snprintf(ans->error, sizeof(ans->error), "out of memory");
		return HTTP_RETRY;
	}
	if (content_type) {
		snprintf(line, sizeof(line), "Content-Type: %s", content_type);
		if (!(h = curl_slist_append(hdrs, line)))
			hdrs_ok = 0;
		hdrs = h ? h : hdrs;
	}
	if (authorization) {
		snprintf(line, sizeof(line), "Authorization: %s", authorization);
		if (!(h = curl_slist_append(hdrs, line)))
			hdrs_ok = 0;
		hdrs = h ? h : hdrs;
		explicit_bzero(line, sizeof(line));
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);      /* threads: no SIGALRM */
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, ms > 0 ? ms : 1);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, ms > 0 ? ms : 1);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "nomine/" NOMINE_VERSION);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, ans);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, check_abort);
	if (hdrs)
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	}
	if (hdrs_ok)
		rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &ans->status);
	else
		snprintf(ans->error, sizeof(ans->error), "%s", curl_easy_strerror(rc));
	curl_easy_getinfo(c, CURLINFO_TOTAL_TIME, &ans->seconds);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	return http_classify(ans->status);
}
