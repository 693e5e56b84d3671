/* SPDX-License-Identifier: BSD-2-Clause */
/* test_exe_name.c - the name events give the file of an fd exec: the path
 * the kernel walked backwards into the record, marked deleted or partial,
 * and nothing from a record that is not the kernel's. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "exe_name.h"

/* A record as exec.bpf.c leaves it: path at the end of exe_name. */
static struct exec_record *walked(const char *path, unsigned int flags)
{
	struct exec_record *h = calloc(1, sizeof(*h));
	size_t len = strlen(path);

	assert_non_null(h);
	assert_true(len < NM_FILENAME_MAX);
	h->flags = NM_EXEC_EXE_NAMED | flags;
	h->exe_name_off = (unsigned int)(NM_FILENAME_MAX - 1 - len);
	memcpy(h->exe_name + h->exe_name_off, path, len + 1);
	snprintf(h->filename, sizeof(h->filename), "/dev/fd/3");
	return h;
}

static void expect(struct exec_record *h, const char *want)
{
	char buf[NM_EXE_NAME_MAX];
	const char *got = exe_name_format(h, buf, sizeof(buf));

	if (!want)
		assert_null(got);
	else
		assert_string_equal(got, want);
	free(h);
}

static void test_ordinary_file(void **state)
{
	(void)state;
	expect(walked("/usr/bin/dash", 0), "/usr/bin/dash");
}

/* A memfd is its name on no directory, and the kernel calls it deleted:
 * as /proc/PID/exe shows it. */
static void test_memfd(void **state)
{
	(void)state;
	expect(walked("/memfd:xmrig", NM_EXEC_EXE_DELETED), "/memfd:xmrig (deleted)");
}

static void test_unlinked_file(void **state)
{
	(void)state;
	expect(walked("/tmp/x", NM_EXEC_EXE_DELETED), "/tmp/x (deleted)");
}

static void test_partial_path(void **state)
{
	(void)state;
	expect(walked("/d/x", NM_EXEC_EXE_PARTIAL), ".../d/x");
	expect(walked("/d/x", NM_EXEC_EXE_PARTIAL | NM_EXEC_EXE_DELETED), ".../d/x (deleted)");
}

/* The longest path the record holds still fits, with both marks. */
static void test_longest(void **state)
{
	char path[NM_FILENAME_MAX], want[NM_EXE_NAME_MAX];

	(void)state;
	memset(path, 'a', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = 0;
	snprintf(want, sizeof(want), "...%s (deleted)", path);
	expect(walked(path, NM_EXEC_EXE_PARTIAL | NM_EXEC_EXE_DELETED), want);
}

/* The file is the task's root itself: nothing was prepended. */
static void test_root(void **state)
{
	(void)state;
	expect(walked("", 0), "/");
}

/* Execs by their file's own name carry no walked path. */
static void test_not_walked(void **state)
{
	struct exec_record *h = walked("/usr/bin/dash", 0);

	(void)state;
	h->flags = 0;
	expect(h, NULL);
}

/* Offsets past the buffer, or a path with no NUL before its end, are not
 * the kernel's: no name rather than bytes of another field. */
static void test_malformed(void **state)
{
	struct exec_record *h = walked("/x", 0);
	char small[8];

	(void)state;
	assert_null(exe_name_format(h, small, sizeof(small)));
	h->exe_name_off = NM_FILENAME_MAX;
	expect(h, NULL);
	h = walked("/x", 0);
	h->exe_name_off = 0xffffffffu;
	expect(h, NULL);
	h = walked("/x", 0);
	memset(h->exe_name, 'z', sizeof(h->exe_name));
	h->exe_name_off = 10;
	expect(h, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ordinary_file),
		cmocka_unit_test(test_memfd),
		cmocka_unit_test(test_unlinked_file),
		cmocka_unit_test(test_partial_path),
		cmocka_unit_test(test_longest),
		cmocka_unit_test(test_root),
		cmocka_unit_test(test_not_walked),
		cmocka_unit_test(test_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
