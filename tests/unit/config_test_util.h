/* SPDX-License-Identifier: BSD-2-Clause */
/* config_test_util.h - what the config module's unit tests share: a scratch
 * directory per test (a cmocka setup and teardown) and files written in it.
 * Include after cmocka.h. */
#ifndef NOMINE_CONFIG_TEST_UTIL_H
#define NOMINE_CONFIG_TEST_UTIL_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char tmpdir[64];

static int mktmp(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/nomine-test-config-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int rmtmp(void **state)
{
	(void)state;
	return nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Returns a static "tmpdir/rel" (valid for the next 7 calls). */
static const char *tpath(const char *rel)
{
	static char buf[8][512];
	static int next;
	char *p = buf[next++ % 8];

	snprintf(p, sizeof(buf[0]), "%s/%s", tmpdir, rel);
	return p;
}

static void write_bytes(const char *rel, const char *data, size_t len)
{
	FILE *f = fopen(tpath(rel), "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void write_file(const char *rel, const char *text)
{
	write_bytes(rel, text, strlen(text));
}

#endif
