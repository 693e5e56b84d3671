/* SPDX-License-Identifier: BSD-2-Clause */
/* test_hub_api.c - the JupyterHub calls' URLs (names escaped into one path
 * segment each), the reading of the hub's answers, and the token file. The
 * calls themselves run against a real hub in tests/e2e/test_hub_api.py. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "hub_api.h"

static void check_url(char *got, const char *want)
{
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void test_stop_url(void **state)
{
	(void)state;
	check_url(hub_stop_url("http://127.0.0.1:8081/hub/api", "alice", NULL),
		  "http://127.0.0.1:8081/hub/api/users/alice/server");
	check_url(hub_stop_url("http://127.0.0.1:8081/hub/api/", "alice", ""),
		  "http://127.0.0.1:8081/hub/api/users/alice/server");
	check_url(hub_stop_url("http://h/hub/api//", "alice", "gpu-1"),
		  "http://h/hub/api/users/alice/servers/gpu-1");
}

/* A name is one path segment whatever it holds: '/', '?', '#', '%', spaces
 * and UTF-8 are escaped; RFC 3986's unreserved characters are not. */
static void test_names_are_escaped(void **state)
{
	(void)state;
	check_url(hub_stop_url("http://h/api", "a.b-c_d~e", "x y"),
		  "http://h/api/users/a.b-c_d~e/servers/x%20y");
	check_url(hub_stop_url("http://h/api", "bob@example.org", "../../admin?x=1#f"),
		  "http://h/api/users/bob%40example.org/servers/..%2F..%2Fadmin%3Fx%3D1%23f");
	check_url(hub_stop_url("http://h/api", "j\xc3\xb6rg%2F", NULL),
		  "http://h/api/users/j%C3%B6rg%252F/server");
	check_url(hub_group_url("http://h/api/", "nomine-blocked"),
		  "http://h/api/groups/nomine-blocked/users");
	check_url(hub_group_url("http://h/api", "a/b"), "http://h/api/groups/a%2Fb/users");
}

/* JupyterHub 3.0's answers (docs/responses.md's table). */
static void test_stop_outcomes(void **state)
{
	(void)state;
	assert_int_equal(hub_stop_outcome(204, ""), HTTP_DONE);
	assert_int_equal(hub_stop_outcome(202, ""), HTTP_DONE);
	assert_int_equal(hub_stop_outcome(400, "{\"status\": 400, \"message\": "
					  "\"alice's server is pending spawn, please wait\"}"),
			 HTTP_RETRY);
	assert_int_equal(hub_stop_outcome(404, "{\"status\": 404, \"message\": "
					  "\"alice has no server named 'x'\"}"), HTTP_DONE);
	assert_int_equal(hub_stop_outcome(404, "{\"status\": 404, \"message\": "
					  "\"No access to resources or resources not found\"}"),
			 HTTP_FAILED);
	assert_int_equal(hub_stop_outcome(404, "<html>has no server named</html>"), HTTP_FAILED);
	assert_int_equal(hub_stop_outcome(400, "{\"status\": 400, \"message\": "
					  "\"Named servers are not enabled.\"}"), HTTP_FAILED);
	assert_int_equal(hub_stop_outcome(403, "{\"status\": 403, \"message\": "
					  "\"Action is not authorized with current scopes\"}"),
			 HTTP_FAILED);
	assert_int_equal(hub_stop_outcome(500, ""), HTTP_RETRY);
	assert_int_equal(hub_stop_outcome(429, ""), HTTP_RETRY);
	assert_int_equal(hub_stop_outcome(200, ""), HTTP_DONE);
	assert_int_equal(hub_stop_outcome(302, ""), HTTP_FAILED);
	assert_int_equal(hub_stop_outcome(400, NULL), HTTP_FAILED);
}

static void test_block_outcomes(void **state)
{
	(void)state;
	assert_int_equal(hub_block_outcome(200, "{\"users\": [\"alice\"]}"), HTTP_DONE);
	assert_int_equal(hub_block_outcome(404, "{\"message\": \"No such group: g\"}"),
			 HTTP_FAILED);
	assert_int_equal(hub_block_outcome(400, "{\"message\": \"No such user: u\"}"),
			 HTTP_FAILED);
	assert_int_equal(hub_block_outcome(403, ""), HTTP_FAILED);
	assert_int_equal(hub_block_outcome(503, ""), HTTP_RETRY);
}

/* Empty names never make a request (it would name another resource). */
static void test_empty_names_fail(void **state)
{
	struct hub_api h = { "http://127.0.0.1:1/hub/api", "t", 1 };
	struct http_answer a;

	(void)state;
	assert_int_equal(hub_stop_server(&h, "", NULL, &a), HTTP_FAILED);
	assert_int_equal(a.status, 0);
	assert_true(a.error[0] != '\0');
	assert_int_equal(hub_block_user(&h, "nomine-blocked", NULL, &a), HTTP_FAILED);
	assert_int_equal(hub_block_user(&h, "", "alice", &a), HTTP_FAILED);
}

static char *write_file(const char *data, size_t len)
{
	char *path = strdup("/tmp/nomine-test-token-XXXXXX");
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
	return path;
}

static char *read_token(const char *data, size_t len, char *err, size_t errlen)
{
	char *path = write_file(data, len), *tok;

	err[0] = '\0';
	tok = hub_read_token(path, err, errlen);
	unlink(path);
	free(path);
	return tok;
}

static void test_token_whitespace_trimmed(void **state)
{
	char err[256], *tok;

	(void)state;
	tok = read_token("  \t0123abcd\r\n\n", 14, err, sizeof(err));
	assert_non_null(tok);
	assert_string_equal(tok, "0123abcd");
	free(tok);
	tok = read_token("x", 1, err, sizeof(err));
	assert_string_equal(tok, "x");
	free(tok);
}

static void test_token_refused(void **state)
{
	char err[256], big[4100];

	(void)state;
	assert_null(read_token("", 0, err, sizeof(err)));
	assert_non_null(strstr(err, "empty"));
	assert_null(read_token(" \n\t\n", 4, err, sizeof(err)));
	assert_non_null(strstr(err, "empty"));
	/* a token split by a newline or holding a control character could
	 * end the header line it goes into */
	assert_null(read_token("secret1\nsecret2\n", 16, err, sizeof(err)));
	assert_null(strstr(err, "secret"));
	assert_null(read_token("sec\x01ret", 7, err, sizeof(err)));
	assert_null(strstr(err, "sec"));
	memset(big, 'k', sizeof(big));
	assert_null(read_token(big, 4097, err, sizeof(err)));
	assert_non_null(strstr(err, "4096"));
	assert_null(strstr(err, "kkk"));
	assert_null(hub_read_token("/nonexistent/nomine-token", err, sizeof(err)));
	assert_non_null(strstr(err, "No such file"));
}

/* The largest file taken: 4096 bytes. */
static void test_token_at_the_limit(void **state)
{
	char err[256], big[4096], *tok;

	(void)state;
	memset(big, 'k', sizeof(big));
	tok = read_token(big, sizeof(big), err, sizeof(err));
	assert_non_null(tok);
	assert_int_equal(strlen(tok), 4096);
	free(tok);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stop_url),
		cmocka_unit_test(test_names_are_escaped),
		cmocka_unit_test(test_stop_outcomes),
		cmocka_unit_test(test_block_outcomes),
		cmocka_unit_test(test_empty_names_fail),
		cmocka_unit_test(test_token_whitespace_trimmed),
		cmocka_unit_test(test_token_refused),
		cmocka_unit_test(test_token_at_the_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
