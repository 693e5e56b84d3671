/* SPDX-License-Identifier: BSD-2-Clause */
/* execloop.c - fork+exec a program N times, waiting for each, and print the
 * wall time per exec: the unit of the exec-overhead benchmark.
 *   execloop N ARGV_BYTES PROGRAM [ARG...]
 * ARGV_BYTES > 0 appends arguments of up to 4 KiB each (one argument may
 * not exceed 128 KiB) that bring argv to about that size. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct timespec a, b;
	char **args, *pad = NULL;
	long n, bytes;
	int nargs;

	if (argc < 4) {
		fprintf(stderr, "usage: execloop N ARGV_BYTES PROGRAM [ARG...]\n");
		return 2;
	}
	n = atol(argv[1]);
	bytes = atol(argv[2]);
	nargs = argc - 3;
	args = calloc((size_t)nargs + 2 + (size_t)(bytes / 4096 + 1), sizeof(*args));
	pad = malloc(4097);
	if (!args || !pad)
		return 1;
	memcpy(args, argv + 3, (size_t)nargs * sizeof(*args));
	memset(pad, 'p', 4096);
	pad[4096] = 0;
	for (long left = bytes; left > 0; left -= 4097)
		args[nargs++] = left >= 4097 ? pad : pad + 4096 - (left - 1);
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();
		int st;

		if (pid == 0) {
			execv(args[0], args);
			_exit(127);
		}
		if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) {
			fprintf(stderr, "execloop: run %ld failed\n", i);
			return 1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("ns_per_exec=%.0f\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n);
	free(pad);
	free(args);
	return 0;
}
