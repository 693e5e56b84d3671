/* SPDX-License-Identifier: BSD-2-Clause */
/* file_read.c - one bounded, non-blocking read of a whole regular file. */
#include "file_read.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int file_read_why(int rc, char *why, size_t whylen)
{
	switch (rc) {
	case -EINVAL:
		snprintf(why, whylen, FILE_READ_NOT_REGULAR);
		break;
	case -ELOOP:
		snprintf(why, whylen, "a symbolic link loop (or too many links to follow)");
		break;
	case -EAGAIN:
		snprintf(why, whylen, "the file changed size while it was read (being written?)");
		break;
	default:
		snprintf(why, whylen, "%s", strerror(-rc));
	}
	return rc;
}

/* Reads fd until end of file or want bytes; *got says how many. */
static int read_upto(int fd, char *buf, size_t want, size_t *got)
{
	ssize_t r;

	*got = 0;
	while (*got < want) {
		r = read(fd, buf + *got, want - *got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		*got += (size_t)r;
	}
	return 0;
}

int file_read_regular(const char *path, size_t max, char **out, size_t *len, char *why,
		      size_t whylen)
{
	struct stat st;
	size_t size, got;
	char *buf;
	int fd, rc;

	/* stat first: a device is refused without opening it (opening some
	 * has effects), and a socket cannot be opened at all (ENXIO) */
	if (stat(path, &st))
		return file_read_why(-errno, why, whylen);
	if (!S_ISREG(st.st_mode))
		return file_read_why(-EINVAL, why, whylen);
	/* O_NONBLOCK: a FIFO renamed over the file since stat must not hang us */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return file_read_why(errno == ENXIO ? -EINVAL : -errno, why, whylen);
	if (fstat(fd, &st)) {
		rc = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = -EINVAL;
		goto out;
	}
	if ((unsigned long long)st.st_size > max) {
		rc = -EFBIG;
		goto out;
	}
	size = (size_t)st.st_size;
	/* one byte more than fstat said tells a file that grew */
	if (!(buf = malloc(size + 2))) {
		rc = -ENOMEM;
		goto out;
	}
	rc = read_upto(fd, buf, size + 1, &got);
	if (!rc && got != size)
		rc = -EAGAIN;
	if (rc) {
		free(buf);
		goto out;
	}
	buf[got] = '\0';
	*out = buf;
	*len = got;
out:
	close(fd);
	return rc ? file_read_why(rc, why, whylen) : 0;
}
