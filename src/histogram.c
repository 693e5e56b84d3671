/* SPDX-License-Identifier: BSD-2-Clause */
/* histogram.c - fixed-bucket histograms for /metrics. */
#include <errno.h>
#include <string.h>
#include "histogram.h"
#include "prom_text.h"

int histogram_init(struct histogram *h, const double *le, size_t n)
{
	memset(h, 0, sizeof(*h));
	if (n > HISTOGRAM_BUCKETS_MAX)
		return -EINVAL;
	for (size_t i = 1; i < n; i++)
		if (!(le[i] > le[i - 1]))
			return -EINVAL;
	h->le = le;
	h->n = n;
	return 0;
}

void histogram_observe(struct histogram *h, double v)
{
	size_t i = 0;

	if (!(v > 0))            /* negative, zero and NaN */
		v = 0;
	/* a dozen or two bounds: a linear scan is as fast as a search */
	while (i < h->n && v > h->le[i])
		i++;
	h->counts[i]++;
	h->count++;
	h->sum += v;
}

size_t histogram_render(const struct histogram *h, const char *name, const char *help,
			const char *labels, char *buf, size_t n, size_t off)
{
	const char *sep = labels && labels[0] ? "," : "";
	uint64_t cum = 0;
	char num[48];

	if (!labels)
		labels = "";
	if (help)
		off = prom_appendf(buf, n, off, "# HELP %s %s\n# TYPE %s histogram\n", name, help,
				   name);
	for (size_t i = 0; i < h->n; i++) {
		cum += h->counts[i];
		prom_float(num, sizeof(num), h->le[i]);
		off = prom_appendf(buf, n, off, "%s_bucket{%s%sle=\"%s\"} %llu\n", name, labels, sep,
				   num, (unsigned long long)cum);
	}
	off = prom_appendf(buf, n, off, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, labels, sep,
			   (unsigned long long)h->count);
	prom_float(num, sizeof(num), h->sum);
	off = prom_appendf(buf, n, off, "%s_sum%s%s%s %s\n", name, labels[0] ? "{" : "", labels,
			   labels[0] ? "}" : "", num);
	return prom_appendf(buf, n, off, "%s_count%s%s%s %llu\n", name, labels[0] ? "{" : "",
			    labels, labels[0] ? "}" : "", (unsigned long long)h->count);
}
