/* SPDX-License-Identifier: BSD-2-Clause */
/* mxfork.c - matrix helper: a process tree that tries to outlive its root.
 *
 *   mxfork N LIFETIME_S [ANY...]
 *
 * Before anything else it forks N children; each leaves the session and
 * process group (setsid) and forks a grandchild, and all of them wait in
 * pause(). A kill of the root alone, or of its process group, leaves 2N
 * processes behind. One more escapes the tree for good: a setsid double
 * fork whose middle process exits (the escapee is re-parented to init),
 * then 12 execs of itself in a row (more ids than the kernel's window of 8).
 * Every process ends itself after LIFETIME_S (SIGALRM), so a failed check
 * leaks nothing for long. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void __attribute__((noreturn)) wait_forever(unsigned int lifetime)
{
	alarm(lifetime);
	for (;;)
		pause();
}

/* mxfork --chain K LIFETIME_S: one link of the escapee's exec chain. */
static void chain(int k, const char *lifetime)
{
	char next[16];

	if (k > 0) {
		snprintf(next, sizeof(next), "%d", k - 1);
		execl("/proc/self/exe", "mxfork", "--chain", next, lifetime, (char *)NULL);
	}
	wait_forever((unsigned int)atoi(lifetime));
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 50;
	unsigned int lifetime = argc > 2 ? (unsigned int)atoi(argv[2]) : 60;

	if (argc == 4 && !strcmp(argv[1], "--chain"))
		chain(atoi(argv[2]), argv[3]);
	alarm(lifetime);
	if (fork() == 0) {
		setsid();
		if (fork() == 0)
			chain(12, argc > 2 ? argv[2] : "60");
		_exit(0);
	}
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
