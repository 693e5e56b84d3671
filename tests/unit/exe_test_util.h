/* SPDX-License-Identifier: BSD-2-Clause */
/* exe_test_util.h - what the executable detector's unit tests share: a
 * scratch directory per run and rules from a YAML snippet (named t.yaml in
 * origins). Include after cmocka.h. */
#ifndef NOMINE_EXE_TEST_UTIL_H
#define NOMINE_EXE_TEST_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define SCRATCH_PREFIX "/tmp/nomine-test-exe-"
#include "scratch_dir.h"
#include "config.h"
#include "exe_scan.h"

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
