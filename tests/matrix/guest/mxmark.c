/* SPDX-License-Identifier: BSD-2-Clause */
/* mxmark.c - matrix helper: proves whether a program ran at all.
 *
 *   mxmark MARKER LINGER_MS [ANY...]
 *
 * Its first action is to create MARKER; then it waits LINGER_MS and exits 0.
 * A banned exec killed before its first instruction leaves no MARKER; one
 * killed later (the user-space verdict) leaves MARKER and dies of SIGKILL
 * during the wait. The remaining arguments only make the command line. */
#include <fcntl.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct timespec ts;
	long ms;
	int fd;

	if (argc < 3)
		return 2;
	fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return 3;
	close(fd);
	ms = atol(argv[2]);
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts))
		;
	return 0;
}
