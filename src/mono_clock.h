/* SPDX-License-Identifier: BSD-2-Clause */
/* mono_clock.h - CLOCK_MONOTONIC as seconds or nanoseconds: the clock of
 * every interval nomine measures (and bpf_ktime_get_ns's). */
#ifndef NOMINE_MONO_CLOCK_H
#define NOMINE_MONO_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline double mono_s(void)
{
	return (double)mono_ns() / 1e9;
}

/* A CLOCK_MONOTONIC time in seconds as a timespec: a deadline for
 * pthread_cond_timedwait on a condition variable set to that clock. */
static inline struct timespec mono_timespec(double s)
{
	struct timespec ts;

	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	return ts;
}

#endif
