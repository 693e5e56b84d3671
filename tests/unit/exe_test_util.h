/* SPDX-License-Identifier: BSD-2-Clause */
/* exe_test_util.h - what the executable detector's unit tests share: a
 * scratch directory per run and rules from a YAML snippet (named t.yaml in
 * origins). Include after cmocka.h. */
#ifndef NOMINE_EXE_TEST_UTIL_H
#define NOMINE_EXE_TEST_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"
#include "exe_scan.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/nomine-test-exe-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static struct exe_rules *rules_of(const char *yaml)
{
	struct config cfg = { 0 };
	char err[CONFIG_ERR_MAX];
	struct exe_rules *r;

	assert_int_equal(config_parse_buffer(&cfg, "t.yaml", yaml, strlen(yaml), 0, err,
					     sizeof(err)), 0);
	r = exe_rules_build(&cfg, err, sizeof(err));
	assert_non_null(r);
	config_free(&cfg);
	return r;
}

#endif
