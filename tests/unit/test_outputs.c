/* SPDX-License-Identifier: BSD-2-Clause */
/* test_outputs.c - JSON log lines: safe escaping of attacker bytes, format. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"

static void check_escape(const char *in, size_t n, const char *want)
{
	char *s = log_utf8_escape(in, n);

	assert_non_null(s);
	assert_string_equal(s, want);
	free(s);
}

static void test_escape(void **state)
{
	(void)state;
	check_escape("plain", 5, "plain");
	check_escape("caf\xc3\xa9", 5, "caf\xc3\xa9");                /* valid UTF-8 kept */
	check_escape("a\xff" "b", 3, "a\\xffb");                     /* invalid byte */
	check_escape("\xc3", 1, "\\xc3");                            /* truncated sequence */
	check_escape("\xc0\xaf", 2, "\\xc0\\xaf");                   /* overlong '/' */
	check_escape("\xed\xa0\x80", 3, "\\xed\\xa0\\x80");          /* surrogate */
	check_escape("\xf4\x90\x80\x80", 4, "\\xf4\\x90\\x80\\x80"); /* > U+10FFFF */
	check_escape("a\0b", 3, "a\\x00b");                          /* NUL */
	check_escape("\xf0\x9f\x98\x80", 4, "\xf0\x9f\x98\x80");     /* emoji */
}

static void test_line_is_json(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	json_t *o = json_object(), *back;
	json_error_t e;

	(void)state;
	log_init(f);
	log_set_bytes(o, "cmdline", "x\xff\n\"y", 5);
	log_set_int(o, "pid", 42);
	log_emit_event(o, "info", "Killed process");
	fclose(f);
	log_init(stdout);
	assert_non_null(strchr(buf, '\n'));
	assert_ptr_equal(strchr(buf, '\n'), buf + len - 1);   /* exactly one line */
	back = json_loads(buf, 0, &e);
	assert_non_null(back);
	assert_string_equal(json_string_value(json_object_get(back, "cmdline")), "x\\xff\n\"y");
	assert_int_equal(json_integer_value(json_object_get(back, "pid")), 42);
	assert_string_equal(json_string_value(json_object_get(back, "event")), "Killed process");
	assert_string_equal(json_string_value(json_object_get(back, "level")), "info");
	json_decref(back);
	free(buf);
}

static void test_timestamp(void **state)
{
	char ts[40];
	int y, mo, d, h, mi, s, us;

	(void)state;
	log_timestamp(ts, sizeof(ts));
	assert_int_equal(strlen(ts), 27);
	assert_int_equal(sscanf(ts, "%4d-%2d-%2dT%2d:%2d:%2d.%6dZ", &y, &mo, &d, &h, &mi, &s, &us), 7);
	assert_true(y >= 2024);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_line_is_json),
		cmocka_unit_test(test_timestamp),
	};

	return cmocka_run_group_tests_name("outputs", tests, NULL, NULL);
}
