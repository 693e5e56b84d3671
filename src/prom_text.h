/* SPDX-License-Identifier: BSD-2-Clause */
/* prom_text.h - appends Prometheus text exposition to a bounded buffer, the
 * snprintf way: the offset grows by what was needed even when it did not
 * fit, so a caller learns the size to retry with. */
#ifndef NOMINE_PROM_TEXT_H
#define NOMINE_PROM_TEXT_H

#include <stddef.h>

/* Appends the formatted text at buf + off (n: the buffer's size; NUL kept
 * at the end of what fits). Returns off plus the text's full length. */
__attribute__((format(printf, 4, 5)))
size_t prom_appendf(char *buf, size_t n, size_t off, const char *fmt, ...);

/* v as a short decimal ("0.0001", "2.5", "300"; at most 9 decimals, no
 * exponent), for le labels and sums. out needs 32 bytes for any v < 1e20. */
void prom_float(char *out, size_t n, double v);

#endif
