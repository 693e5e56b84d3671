/* SPDX-License-Identifier: BSD-2-Clause */
/* mxorphan.c - matrix helper: a held exec whose process group the kernel
 * orphans, so that the kernel itself sends it SIGHUP and SIGCONT.
 *
 *   mxorphan PIDFILE PROGRAM [ARG...]
 *
 * The child's argv ends with $MXORPHAN_LAST when set (the banned string,
 * kept off mxorphan's own command line, which nomine would hold too).
 *
 * Makes a session of its own, forks a child that takes a process group of
 * its own, ignores SIGHUP (kept across exec) and execs PROGRAM; once the
 * child is stopped (held at exec), writes its pid to PIDFILE and exits: the
 * child's group has no link left in the session and a stopped member. Exit
 * 0, or 1 when the child did not stop. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char buf[32], *args[64];
	const char *last = getenv("MXORPHAN_LAST");
	int n = 0;
	pid_t pid;
	int st, fd, len;

	if (argc < 3 || argc > 60 || setsid() < 0)
		return 2;
	for (int i = 2; i < argc; i++)
		args[n++] = argv[i];
	if (last)
		args[n++] = (char *)last;
	args[n] = NULL;
	pid = fork();
	if (pid < 0)
		return 2;
	if (pid == 0) {
		setpgid(0, 0);
		signal(SIGHUP, SIG_IGN);
		execv(args[0], args);
		_exit(127);
	}
	if (waitpid(pid, &st, WUNTRACED) != pid || !WIFSTOPPED(st))
		return 1;
	len = snprintf(buf, sizeof(buf), "%d\n", (int)pid);
	fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, buf, (size_t)len) != len)
		return 2;
	close(fd);
	return 0;
}
