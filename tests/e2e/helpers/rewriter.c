/* SPDX-License-Identifier: BSD-2-Clause */
/* rewriter.c - e2e helper: a process whose command line changes after exec,
 * which only a /proc sweep can see.
 *
 *   REWRITE_TO='new command line' rewriter K PADDING...
 *
 * Forks K children first (each calls setsid() and sleeps), then overwrites
 * its own argv area in place: zeroes it and copies $REWRITE_TO into
 * argv[0]'s space, so /proc/PID/cmdline shows the new text. Prints
 * "rewritten PID" on stdout, then sleeps REWRITER_LIFETIME seconds (default
 * 20) and exits 0. Children end after the same time. The argv area must be
 * longer than $REWRITE_TO (pass a long PADDING).
 *
 * With REWRITER_CHILD_FORK_MS=N, each child keeps forking: one grandchild
 * every N ms (at most REWRITER_CHILD_FORKS, default 1000, each), and every
 * grandchild sleeps like the children. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *to = getenv("REWRITE_TO"), *lt = getenv("REWRITER_LIFETIME");
	const char *fm = getenv("REWRITER_CHILD_FORK_MS"), *mf = getenv("REWRITER_CHILD_FORKS");
	int fork_ms = fm ? atoi(fm) : 0, max_forks = mf ? atoi(mf) : 1000;
	unsigned int lifetime = lt ? (unsigned int)atoi(lt) : 20;
	int k = argc > 1 ? atoi(argv[1]) : 0;
	char *start = argv[0], *end = argv[argc - 1] + strlen(argv[argc - 1]) + 1;
	size_t area = (size_t)(end - start);

	if (!to) {
		fputs("rewriter: REWRITE_TO is not set\n", stderr);
		return 2;
	}
	if (strlen(to) + 1 > area) {
		fprintf(stderr, "rewriter: argv area %zu bytes, too small for %zu\n", area,
			strlen(to) + 1);
		return 2;
	}
	for (int i = 0; i < k; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("rewriter: fork");
			return 2;
		}
		if (pid == 0) {
			setsid();
			alarm(lifetime);
			if (fork_ms) {
				for (int j = 0; j < max_forks; j++) {
					pid_t g = fork();

					if (g == 0) {
						alarm(lifetime);
						break;
					}
					usleep((useconds_t)fork_ms * 1000);
				}
			}
			for (;;)
				pause();
		}
	}
	memset(start, 0, area);
	memcpy(start, to, strlen(to));
	printf("rewritten %d\n", (int)getpid());
	fflush(stdout);
	for (unsigned int left = lifetime; left;)
		left = sleep(left);
	return 0;
}
