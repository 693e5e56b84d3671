/* SPDX-License-Identifier: BSD-2-Clause */
/* test_scope.c - cgroup2 discovery (plain and hybrid layouts) and scope
 * membership at path boundaries. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "scope.h"

static const char *write_tmp(const char *text)
{
	static char path[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/nomine-mountinfo-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void test_find_unified(void **state)
{
	const char *p = write_tmp(
		"25 1 0:22 / /sys rw - sysfs sysfs rw\n"
		"30 25 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw\n");
	char out[256];

	(void)state;
	assert_int_equal(scope_find_cgroup2(p, out, sizeof(out)), 0);
	assert_string_equal(out, "/sys/fs/cgroup");
	unlink(p);
}

static void test_find_hybrid(void **state)
{
	/* systemd hybrid: tmpfs with v1 controllers, v2 under unified/ */
	const char *p = write_tmp(
		"30 25 0:26 / /sys/fs/cgroup rw shared:9 - tmpfs tmpfs rw,mode=755\n"
		"31 30 0:27 / /sys/fs/cgroup/cpu rw shared:10 - cgroup cgroup rw,cpu\n"
		"32 30 0:28 / /sys/fs/cgroup/unified rw shared:11 - cgroup2 cgroup2 rw\n");
	char out[256];

	(void)state;
	assert_int_equal(scope_find_cgroup2(p, out, sizeof(out)), 0);
	assert_string_equal(out, "/sys/fs/cgroup/unified");
	unlink(p);
}

static void test_find_none(void **state)
{
	const char *p = write_tmp("31 30 0:27 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n"
				  "40 30 0:27 / /x rw - ext4 /dev/cgroup2 rw\n");
	char out[256];

	(void)state;
	assert_int_equal(scope_find_cgroup2(p, out, sizeof(out)), -ENOENT);
	unlink(p);
	assert_int_equal(scope_find_cgroup2(p, out, sizeof(out)), -ENOENT);   /* no such file */
}

static void test_contains(void **state)
{
	struct scope s;

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_int_equal(scope_contains(&s, "/anything"), 1);   /* unscoped */
	s.paths[0] = "/kubepods/pod1";
	s.paths[1] = "/test";
	s.n = 2;
	assert_int_equal(scope_contains(&s, "/kubepods/pod1"), 1);
	assert_int_equal(scope_contains(&s, "/kubepods/pod1/cri-containerd-ab.scope"), 1);
	assert_int_equal(scope_contains(&s, "/kubepods/pod10"), 0);   /* not a prefix match */
	assert_int_equal(scope_contains(&s, "/kubepods"), 0);
	assert_int_equal(scope_contains(&s, "/test/x"), 1);
	assert_int_equal(scope_contains(&s, "/testing"), 0);
	assert_int_equal(scope_contains(&s, "/"), 0);
}

static void test_init_rejects(void **state)
{
	char *bad[] = { "/../etc" }, *missing[] = { "/nomine-no-such-cgroup-xyz" };
	char *many[NM_SCOPE_MAX + 1];
	char err[512];
	struct scope s;

	(void)state;
	for (size_t i = 0; i < NM_SCOPE_MAX + 1; i++)
		many[i] = "/";
	assert_int_equal(scope_init(&s, many, NM_SCOPE_MAX + 1, err, sizeof(err)), -E2BIG);
	assert_non_null(strstr(err, "at most"));
	if (scope_find_cgroup2("/proc/self/mountinfo", err, sizeof(err)))
		skip();   /* no cgroup v2 here: covered by the fixtures above */
	assert_int_equal(scope_init(&s, bad, 1, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "invalid path"));
	assert_int_equal(scope_init(&s, missing, 1, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "No such file or directory"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find_unified),
		cmocka_unit_test(test_find_hybrid),
		cmocka_unit_test(test_find_none),
		cmocka_unit_test(test_contains),
		cmocka_unit_test(test_init_rejects),
	};

	return cmocka_run_group_tests_name("scope", tests, NULL, NULL);
}
