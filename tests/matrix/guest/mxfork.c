/* SPDX-License-Identifier: BSD-2-Clause */
/* mxfork.c - matrix helper: a process tree that tries to outlive its root.
 *
 *   mxfork N LIFETIME_S [ANY...]
 *
 * Before anything else it forks N children; each leaves the session and
 * process group (setsid) and forks a grandchild, and all of them wait in
 * pause(). A kill of the root alone, or of its process group, leaves 2N
 * processes behind. Every process ends itself after LIFETIME_S (SIGALRM),
 * so a failed check leaks nothing for long. */
#include <stdlib.h>
#include <unistd.h>

static void __attribute__((noreturn)) wait_forever(unsigned int lifetime)
{
	alarm(lifetime);
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 50;
	unsigned int lifetime = argc > 2 ? (unsigned int)atoi(argv[2]) : 60;

	alarm(lifetime);
	for (int i = 0; i < n; i++) {
		if (fork() == 0) {
			setsid();
			if (fork() < 0)
				_exit(1);
			wait_forever(lifetime);
		}
	}
	wait_forever(lifetime);
}
