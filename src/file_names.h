/* SPDX-License-Identifier: BSD-2-Clause */
/* file_names.h - owned copies of the file names a list's entries point to,
 * so that a list built from a config outlives the config. */
#ifndef NOMINE_FILE_NAMES_H
#define NOMINE_FILE_NAMES_H

#include <stddef.h>

struct file_names {
	char **v;
	size_t n;
};

/* The copy of name in f: the last one again when it is the same (entries
 * come file by file), else a new one. NULL: ENOMEM. */
const char *file_names_own(struct file_names *f, const char *name);

void file_names_free(struct file_names *f);

#endif
