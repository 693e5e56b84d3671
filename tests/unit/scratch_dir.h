/* SPDX-License-Identifier: BSD-2-Clause */
/* scratch_dir.h - a scratch directory per test run: `dir`, made by the
 * group setup and removed by its teardown. Define SCRATCH_PREFIX (a
 * "/tmp/name-" string) before including. */
#ifndef NOMINE_SCRATCH_DIR_H
#define NOMINE_SCRATCH_DIR_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char dir[64];

static int setup(void **state)
{
	(void)state;
	strcpy(dir, SCRATCH_PREFIX "XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

#endif
