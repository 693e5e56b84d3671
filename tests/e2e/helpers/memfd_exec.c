/* SPDX-License-Identifier: BSD-2-Clause */
/* memfd_exec.c - e2e helper: copies a shell (default /bin/sh, or
 * $MEMFD_SRC) into an anonymous memfd and execs it with
 * execveat(fd, "", ..., AT_EMPTY_PATH), as fileless malware does.
 *
 *   [EXEC_APPEND=ARG] memfd_exec ARG0 ARG...
 *
 * The new argv is this program's argv[1..], plus $EXEC_APPEND when set. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif

extern char **environ;

int main(int argc, char **argv)
{
	const char *app = getenv("EXEC_APPEND"), *src = getenv("MEMFD_SRC");
	char **nargv = calloc((size_t)argc + 1, sizeof(*nargv)), buf[65536];
	int n = 0, in, mfd;
	ssize_t got;

	if (argc < 2 || !nargv) {
		fputs("usage: memfd_exec ARG0 [ARG...]\n", stderr);
		return 127;
	}
	for (int i = 1; i < argc; i++)
		nargv[n++] = argv[i];
	if (app)
		nargv[n++] = (char *)app;
	in = open(src ? src : "/bin/sh", O_RDONLY | O_CLOEXEC);
	mfd = (int)syscall(SYS_memfd_create, "nmt-payload", MFD_CLOEXEC);
	if (in < 0 || mfd < 0) {
		perror("memfd_exec: open/memfd_create");
		return 127;
	}
	while ((got = read(in, buf, sizeof(buf))) > 0)
		if (write(mfd, buf, (size_t)got) != got) {
			perror("memfd_exec: write");
			return 127;
		}
	close(in);
	syscall(SYS_execveat, mfd, "", nargv, environ, AT_EMPTY_PATH);
	perror("memfd_exec: execveat");
	return 127;
}
