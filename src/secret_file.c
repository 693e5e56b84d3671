/* SPDX-License-Identifier: BSD-2-Clause */
/* secret_file.c - one bounded, non-blocking read of a secret file. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "secret_file.h"

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

char *secret_file_read(const char *path, char *why, size_t whylen)
{
	char buf[SECRET_FILE_MAX + 1];
	size_t len = 0, start = 0;
	struct stat st;
	ssize_t n = 1;
	char *s = NULL;
	int fd;

	/* O_NONBLOCK: a FIFO put there must not hang a start or a reload */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		snprintf(why, whylen, "%s", strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		snprintf(why, whylen, "not a regular file");
		close(fd);
		return NULL;
	}
	/* one byte more than the largest file taken tells "too big" */
	while (len < sizeof(buf) && (n = read(fd, buf + len, sizeof(buf) - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		len += (size_t)n;
	}
	if (n < 0)
		snprintf(why, whylen, "%s", strerror(errno));
	close(fd);
	if (n < 0)
		goto out;
	if (len > SECRET_FILE_MAX) {
		snprintf(why, whylen, "larger than %d bytes", SECRET_FILE_MAX);
		goto out;
	}
	while (len && is_space(buf[len - 1]))
		len--;
	while (start < len && is_space(buf[start]))
		start++;
	if (start == len) {
		snprintf(why, whylen, "empty");
		goto out;
	}
	/* it goes into an HTTP request: nothing that could end or split a line */
	for (size_t i = start; i < len; i++)
		if ((unsigned char)buf[i] < 0x21 || buf[i] == 0x7f) {
			snprintf(why, whylen, "holds a space, a NUL or a control character inside");
			goto out;
		}
	if (!(s = strndup(buf + start, len - start)))
		snprintf(why, whylen, "out of memory");
out:
	explicit_bzero(buf, sizeof(buf));
	return s;
}

void secret_free(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}
