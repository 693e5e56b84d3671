/* SPDX-License-Identifier: BSD-2-Clause */
/* secret_file.h - reads a small secret from a file (the hub's API token, a
 * webhook's URL), as `nomine check`, the start and every reload read it:
 * never blocking on what is not a regular file, bounded, trimmed, and
 * refused when it holds what could end or split an HTTP header line. */
#ifndef NOMINE_SECRET_FILE_H
#define NOMINE_SECRET_FILE_H

#include <stddef.h>

#define SECRET_FILE_MAX 4096    /* a token or a URL: far less; more is a wrong file */

/* The file's contents without surrounding whitespace, malloc'ed; or NULL
 * with the reason in why (never the contents): unreadable, not a regular
 * file (a FIFO would block), empty, over SECRET_FILE_MAX bytes, or holding
 * a NUL, a space or a control byte inside. */
char *secret_file_read(const char *path, char *why, size_t whylen);

/* Zeroes and frees a secret. */
void secret_free(char *s);

#endif
