/* SPDX-License-Identifier: BSD-2-Clause */
/* forker.c - e2e helper: a fork storm that tries to outrun a kill.
 *
 *   forker N [ANY...]
 *
 * Right at start, forks N children as fast as it can. Each child calls
 * setsid() (leaving the session and process group), forks a grandchild, and
 * both then wait in pause(). The parent then waits too. Nothing is recorded;
 * the test counts what is left in the cgroup. Every process ends itself after
 * FORKER_LIFETIME seconds (SIGALRM, default 30) so a failed test leaks
 * nothing for long. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <unistd.h>

static unsigned int lifetime;

static void __attribute__((noreturn)) linger(void)
{
	alarm(lifetime);
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	const char *lt = getenv("FORKER_LIFETIME");
	int n = argc > 1 ? atoi(argv[1]) : 100;

	lifetime = lt ? (unsigned int)atoi(lt) : 30;
	alarm(lifetime);
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid == 0) {
			setsid();
			if (fork() < 0)
				_exit(1);
			linger();
		}
	}
	linger();
}
