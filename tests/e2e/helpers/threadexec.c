/* SPDX-License-Identifier: BSD-2-Clause */
/* threadexec.c - e2e helper: a child whose exec comes from a thread that is
 * not its leader (the kernel then gives the thread the leader's pid).
 *
 *   threadexec PROGRAM [ARG...] -- [ANY...]
 *
 * Forks a child; the child starts a thread that execs PROGRAM ARG..., while
 * its main thread waits. The parent prints the child's pid, then waits in
 * pause() for at most 60 s. Arguments after "--" are ignored (padding). */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char **prog;

static void *run(void *unused)
{
	(void)unused;
	execv(prog[0], prog);
	_exit(127);
}

int main(int argc, char **argv)
{
	pthread_t t;
	pid_t pid;

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--"))
			argv[i] = NULL;
	if (argc < 2)
		return 2;
	prog = argv + 1;
	alarm(60);
	pid = fork();
	if (pid == 0) {
		if (pthread_create(&t, NULL, run, NULL))
			_exit(1);
		for (;;)
			pause();
	}
	printf("%d\n", (int)pid);
	fflush(stdout);
	for (;;)
		pause();
}
