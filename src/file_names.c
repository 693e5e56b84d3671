/* SPDX-License-Identifier: BSD-2-Clause */
/* file_names.c - owned copies of the file names a list's entries point to. */
#include <stdlib.h>
#include <string.h>
#include "file_names.h"

const char *file_names_own(struct file_names *f, const char *name)
{
	char *file, **m;

	if (f->n && !strcmp(f->v[f->n - 1], name))
		return f->v[f->n - 1];
	file = strdup(name);
	m = file ? realloc(f->v, (f->n + 1) * sizeof(*f->v)) : NULL;
	if (!m) {
		free(file);
		return NULL;
	}
	f->v = m;
	f->v[f->n++] = file;
	return file;
}

void file_names_free(struct file_names *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->v[i]);
	free(f->v);
	f->v = NULL;
	f->n = 0;
}
