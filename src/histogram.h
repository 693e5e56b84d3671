/* SPDX-License-Identifier: BSD-2-Clause */
/* histogram.h - a Prometheus histogram with fixed buckets: per-bucket
 * counts, their sum and count, rendered in the text format. Not thread-safe
 * (the daemon observes and renders from its one event loop). */
#ifndef NOMINE_HISTOGRAM_H
#define NOMINE_HISTOGRAM_H

#include <stddef.h>
#include <stdint.h>

#define HISTOGRAM_BUCKETS_MAX 24

struct histogram {
	const double *le;        /* upper bounds, finite, ascending; +Inf implied */
	size_t n;                /* 0 (a zeroed struct): only +Inf, sum and count */
	uint64_t counts[HISTOGRAM_BUCKETS_MAX + 1]; /* per bucket, [n]: above the last */
	uint64_t count;
	double sum;
};

/* Empties h and gives it the n bounds of le (kept by reference: a static
 * array). Returns 0, or -EINVAL when n is too large or le not strictly
 * ascending (h then has no finite bucket). */
int histogram_init(struct histogram *h, const double *le, size_t n);

/* Counts one value (seconds, ...) in the first bucket whose bound is >= v,
 * as Prometheus' le says. A negative or NaN v counts as 0. */
void histogram_observe(struct histogram *h, double v);

/* Appends name_bucket (cumulative, le ending with "+Inf"), name_sum and
 * name_count at buf + off (prom_appendf's rules), after "# HELP" and
 * "# TYPE name histogram" when help is given (the first series of a
 * family). labels: the series' other labels without braces
 * ("detector=\"exec\""), or NULL. Returns the new offset. */
size_t histogram_render(const struct histogram *h, const char *name, const char *help,
			const char *labels, char *buf, size_t n, size_t off);

#endif
