/* SPDX-License-Identifier: BSD-2-Clause */
/* test_secret_file.c - secret files: trimmed, bounded, never blocking on a
 * FIFO, and refused when they could split an HTTP header line. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "secret_file.h"

static char dir[] = "/tmp/nomine-secret-XXXXXX";

static const char *put(const char *name, const char *data, size_t len)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fwrite(data, 1, len, f);
	fclose(f);
	return path;
}

static void test_trimmed(void **state)
{
	char why[200], *s;

	(void)state;
	s = secret_file_read(put("ok", " \n tok3n-\xc3\xa9\r\n\n", 14), why, sizeof(why));
	assert_non_null(s);
	assert_string_equal(s, "tok3n-\xc3\xa9");
	secret_free(s);
}

static void test_refused(void **state)
{
	static const struct { const char *name, *data; size_t len; const char *why; } bad[] = {
		{ "empty", " \n\t", 3, "empty" },
		{ "space", "a b", 3, "space" },
		{ "crlf", "a\r\nHost: x", 11, "control" },
		{ "nul", "a\0b", 3, "NUL" },
	};
	char why[200];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_null(secret_file_read(put(bad[i].name, bad[i].data, bad[i].len), why,
					     sizeof(why)));
		assert_non_null(strstr(why, bad[i].why));
		/* the contents never reach the reason */
		assert_null(strstr(why, "Host"));
	}
}

static void test_bounded(void **state)
{
	char *big = malloc(SECRET_FILE_MAX + 1), why[200], *s;

	(void)state;
	memset(big, 'x', SECRET_FILE_MAX + 1);
	s = secret_file_read(put("max", big, SECRET_FILE_MAX), why, sizeof(why));
	assert_non_null(s);
	secret_free(s);
	assert_null(secret_file_read(put("over", big, SECRET_FILE_MAX + 1), why, sizeof(why)));
	assert_non_null(strstr(why, "larger"));
	free(big);
}

/* A FIFO without a writer would block a plain open: refused at once. */
static void test_fifo_and_dir_refused(void **state)
{
	char path[256], why[200];

	(void)state;
	snprintf(path, sizeof(path), "%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_null(secret_file_read(path, why, sizeof(why)));
	assert_string_equal(why, "not a regular file");
	assert_null(secret_file_read(dir, why, sizeof(why)));
	assert_null(secret_file_read("/nonexistent/x", why, sizeof(why)));
	assert_non_null(strstr(why, "No such file"));
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trimmed),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_bounded),
		cmocka_unit_test(test_fifo_and_dir_refused),
	};
	int rc;

	if (!mkdtemp(dir))
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	for (const char *n = "ok\0empty\0space\0crlf\0nul\0max\0over\0"; *n; n += strlen(n) + 1) {
		char p[256];

		snprintf(p, sizeof(p), "%s/%s", dir, n);
		unlink(p);
	}
	rmdir(dir);
	return rc;
}
