/* SPDX-License-Identifier: BSD-2-Clause */
/* test_cgroupns.c - namespace-relative cgroup paths resolved against the
 * base nomine found for its own cgroup. */
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
#include "cgroupns.h"
#include "proc.h"
#include "scope.h"

static void check(const char *base, const char *path, const char *want)
{
	char out[256];

	assert_int_equal(cgroupns_resolve(base, path, out, sizeof(out)), 0);
	assert_string_equal(out, want);
}

static void test_resolve(void **state)
{
	(void)state;
	/* a process in nomine's own cgroup, and below it */
	check("/kubepods/podA/cid", "/", "/kubepods/podA/cid");
	check("/kubepods/podA/cid", "/sub", "/kubepods/podA/cid/sub");
	/* another pod's container, as the kernel prints it from inside */
	check("/kubepods/besteffort/podA/cid", "/../../../burstable/podB/c2",
	      "/kubepods/burstable/podB/c2");
	/* the test's scope, a sibling of kubepods */
	check("/kubepods/podA/cid", "/../../../nmtest-scope/x", "/nmtest-scope/x");
	check("/kubepods/podA/cid", "/../../..", "/");
	check("/a", "/./b//c/", "/a/b/c");
	/* the host's own namespace: the base is the root */
	check("/", "/system.slice/x.service", "/system.slice/x.service");
}

static void test_refused(void **state)
{
	char out[16];

	(void)state;
	/* above the root: not a path the kernel prints */
	assert_int_equal(cgroupns_resolve("/a", "/../..", out, sizeof(out)), -EINVAL);
	assert_int_equal(cgroupns_resolve("/aaaaaaaa", "/bbbbbbbbbb", out, sizeof(out)),
			 -ENAMETOOLONG);
	assert_int_equal(cgroupns_resolve("/", "/", out, 1), -ENAMETOOLONG);
}

/* Wherever the test runs (a container's own cgroup namespace, or the
 * host's): after cgroupns_init, the path read for this process names the
 * cgroup whose cgroup.procs lists it, under the v2 mount. */
static void test_own_cgroup_found(void **state)
{
	char mount[512], path[512], file[1200], line[32];
	char err[256];
	FILE *f;
	int found = 0;

	(void)state;
	if (scope_find_cgroup2("/proc/self/mountinfo", mount, sizeof(mount)))
		skip();   /* no cgroup v2 here at all */
	assert_int_equal(cgroupns_init(mount, err, sizeof(err)), 0);
	assert_int_equal(proc_read_cgroup2(getpid(), path, sizeof(path)), 0);
	assert_true(strstr(path, "/..") == NULL);
	snprintf(file, sizeof(file), "%s%s/cgroup.procs", mount, strcmp(path, "/") ? path : "");
	f = fopen(file, "r");
	assert_non_null(f);
	while (!found && fgets(line, sizeof(line), f))
		found = atoi(line) == getpid();
	fclose(f);
	assert_true(found);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_own_cgroup_found),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
