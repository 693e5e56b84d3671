/* SPDX-License-Identifier: BSD-2-Clause */
/* execveat_sh.c - e2e helper: execs /bin/sh through execveat(2) relative to
 * a directory fd, so the kernel knows the program only as "/dev/fd/N/sh".
 *
 *   [EXEC_APPEND=ARG] execveat_sh ARG0 ARG...
 *
 * The new argv is this program's argv[1..], plus $EXEC_APPEND as a last
 * argument when set (so a banned string can reach the new image without
 * being on this helper's own command line). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv)
{
	const char *app = getenv("EXEC_APPEND");
	char **nargv = calloc((size_t)argc + 1, sizeof(*nargv));
	int n = 0, dirfd;

	if (argc < 2 || !nargv) {
		fputs("usage: execveat_sh ARG0 [ARG...]\n", stderr);
		return 127;
	}
	for (int i = 1; i < argc; i++)
		nargv[n++] = argv[i];
	if (app)
		nargv[n++] = (char *)app;
	dirfd = open("/bin", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		perror("execveat_sh: /bin");
		return 127;
	}
	syscall(SYS_execveat, dirfd, "sh", nargv, environ, 0);
	perror("execveat_sh: execveat");
	return 127;
}
