/* SPDX-License-Identifier: BSD-2-Clause */
/* prom_text.c - bounded appends of exposition text (metrics.c, histogram.c). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "prom_text.h"

size_t prom_appendf(char *buf, size_t n, size_t off, const char *fmt, ...)
{
	va_list ap;
	int w;

	va_start(ap, fmt);
	w = vsnprintf(off < n ? buf + off : NULL, off < n ? n - off : 0, fmt, ap);
	va_end(ap);
	return off + (size_t)(w > 0 ? w : 0);
}

void prom_float(char *out, size_t n, double v)
{
	char *dot;
	size_t len;

	snprintf(out, n, "%.9f", v);
	dot = strchr(out, '.');
	if (!dot)
		return;
	/* trailing zeros of the fraction carry nothing; neither does a lone dot */
	len = strlen(out);
	while (len > (size_t)(dot - out) + 1 && out[len - 1] == '0')
		out[--len] = 0;
	if (out[len - 1] == '.')
		out[len - 1] = 0;
}
