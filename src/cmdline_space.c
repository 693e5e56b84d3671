/* SPDX-License-Identifier: BSD-2-Clause */
/* cmdline_space.c - the one-space rule for banned command strings. */
#include "cmdline_space.h"

size_t cmdline_squeeze(uint8_t *dst, const uint8_t *src, size_t n)
{
	size_t o = 0;
	int prev = 0;

	for (size_t i = 0; i < n; i++) {
		int sp = cmdline_is_space(src[i]);

		if (sp && prev)
			continue;
		dst[o++] = sp ? ' ' : src[i];
		prev = sp;
	}
	return o;
}

size_t cmdline_banned_form(uint8_t *dst, const uint8_t *src, size_t n)
{
	size_t o = cmdline_squeeze(dst, src, n), start = 0;

	if (o && dst[o - 1] == ' ')
		o--;
	if (o && dst[0] == ' ')
		start = 1;
	for (size_t i = start; i < o; i++)
		dst[i - start] = dst[i];
	return o - start;
}
