/* SPDX-License-Identifier: BSD-2-Clause */
/* fploop.c - benign floating-point work for N seconds: a plain loop, or
 * (argv[2] == "round") one that calls fesetround a few times, or (argv[2]
 * == "threads") four threads, each yielding often so it is switched out. */
#include <fenv.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double seconds;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *work(void *arg)
{
	double end = now() + seconds, x = 1.0;
	int round = arg != NULL;
	unsigned long i = 0;

	while (now() < end) {
		for (int k = 0; k < 10000; k++)
			x = sqrt(x * 1.000001 + k) / 1.0001;
		/* interval-arithmetic style: a few rounding changes, then back */
		if (round && i++ % 1000 == 0) {
			fesetround(FE_UPWARD);
			x += 1e-9;
			fesetround(FE_TONEAREST);
		}
		sched_yield();
	}
	return (void *)(long)(x > 0);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 2 ? argv[2] : "plain";
	pthread_t t[4];

	seconds = argc > 1 ? atof(argv[1]) : 5;
	if (!strcmp(mode, "threads")) {
		for (int i = 0; i < 4; i++)
			pthread_create(&t[i], NULL, work, NULL);
		for (int i = 0; i < 4; i++)
			pthread_join(t[i], NULL);
		return 0;
	}
	work(!strcmp(mode, "round") ? (void *)1 : NULL);
	return 0;
}
