/* SPDX-License-Identifier: BSD-2-Clause */
/* first_exec.c - fork+exec each program given once, waiting for each, and
 * print the median and mean wall time per exec: with new files, the cost
 * of a first exec (the file unseen by nomine); with the same files again,
 * of a later one.
 *   first_exec PROGRAM... */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	double *t = calloc((size_t)argc, sizeof(*t)), sum = 0;
	int n = argc - 1;

	if (n < 1 || !t) {
		fprintf(stderr, "usage: first_exec PROGRAM...\n");
		return 2;
	}
	for (int i = 0; i < n; i++) {
		struct timespec a, b;
		int st;
		pid_t pid;

		clock_gettime(CLOCK_MONOTONIC, &a);
		pid = fork();
		if (pid == 0) {
			execl(argv[i + 1], argv[i + 1], (char *)NULL);
			_exit(127);
		}
		if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st)) {
			fprintf(stderr, "first_exec: %s failed\n", argv[i + 1]);
			return 1;
		}
		clock_gettime(CLOCK_MONOTONIC, &b);
		t[i] = (double)(b.tv_sec - a.tv_sec) * 1e6 + (double)(b.tv_nsec - a.tv_nsec) / 1e3;
		sum += t[i];
	}
	qsort(t, (size_t)n, sizeof(*t), cmp);
	printf("median_us=%.1f mean_us=%.1f n=%d\n", t[n / 2], sum / n, n);
	return 0;
}
