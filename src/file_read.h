/* SPDX-License-Identifier: BSD-2-Clause */
/* file_read.h - reads a whole regular file with a bound, never blocking:
 * what the daemon reads by a path someone else controls (configs, address
 * files) goes through here. */
#ifndef NOMINE_FILE_READ_H
#define NOMINE_FILE_READ_H

#include <stddef.h>

/* Why a path is refused before it is opened, as the errors say it. */
#define FILE_READ_NOT_REGULAR "not a regular file (a FIFO, socket or device)"

/* Reads the regular file at path whole into *out (malloc'd, NUL-terminated,
 * *len bytes before the NUL). Opens with O_NONBLOCK, so a FIFO never waits
 * for a writer, and refuses anything fstat does not call a regular file;
 * reads at most the size fstat gave plus one byte, so /dev/zero-like files
 * and writers cannot make it read forever. Returns 0, or a negative errno
 * with the reason in why: -EINVAL not a regular file, -EFBIG larger than
 * max bytes, -EAGAIN the file was seen to change size while read (a writer
 * is at work; one half done at fstat time can still be read as far as it
 * got), -ELOOP a symbolic link loop, -ENOMEM, or
 * what open/read failed with (named by strerror). */
int file_read_regular(const char *path, size_t max, char **out, size_t *len, char *why,
		      size_t whylen);

/* Puts the reason for error rc (a negative errno, as file_read_regular
 * returns) in why, in file_read_regular's words. Returns rc. */
int file_read_why(int rc, char *why, size_t whylen);

#endif
