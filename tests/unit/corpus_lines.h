/* SPDX-License-Identifier: BSD-2-Clause */
/* corpus_lines.h - reads the command-line corpora of tests/data (one joined
 * argv per line) for the unit tests that judge them with the built-in config:
 * test_default_config (user space) and test_kverdict (the kernel). */
#ifndef NOMINE_TEST_CORPUS_LINES_H
#define NOMINE_TEST_CORPUS_LINES_H

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct corpus {
	char *text;          /* the whole file; each line NUL-terminated in place */
	char **line;
	size_t n;
};

/* tests/data/NAME, found from this header's path: the Makefile compiles the
 * tests from the repository root, where they also run. */
static inline void corpus_path(const char *name, char *out, size_t n)
{
	char here[4096];

	snprintf(here, sizeof(here), "%s", __FILE__);
	snprintf(out, n, "%s/../data/%s", dirname(here), name);
}

static inline void corpus_free(struct corpus *c)
{
	free(c->text);
	free(c->line);
	memset(c, 0, sizeof(*c));
}

/* Loads tests/data/NAME; empty lines are skipped. Returns 0, or -1 with why in
 * err (the caller fails the test with it). */
static inline int corpus_load(const char *name, struct corpus *c, char *err, size_t errlen)
{
	char path[4200];
	FILE *f;
	long size;

	memset(c, 0, sizeof(*c));
	corpus_path(name, path, sizeof(path));
	f = fopen(path, "rb");
	if (!f || fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		snprintf(err, errlen, "%s: cannot read (make it with tests/data/make-*-corpus.py)",
			 path);
		if (f)
			fclose(f);
		return -1;
	}
	c->text = malloc((size_t)size + 1);
	c->line = malloc(((size_t)size / 2 + 2) * sizeof(*c->line));
	if (!c->text || !c->line || fread(c->text, 1, (size_t)size, f) != (size_t)size) {
		snprintf(err, errlen, "%s: short read or out of memory", path);
		fclose(f);
		corpus_free(c);
		return -1;
	}
	fclose(f);
	c->text[size] = 0;
	for (long i = 0, start = 0; i <= size; i++) {
		if (i < size && c->text[i] != '\n')
			continue;
		c->text[i] = 0;
		if (i > start)
			c->line[c->n++] = c->text + start;
		start = i + 1;
	}
	return 0;
}

#endif
