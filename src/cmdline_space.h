/* SPDX-License-Identifier: BSD-2-Clause */
/* cmdline_space.h - whitespace in banned command strings: a run of spaces,
 * tabs and argv separators (a NUL, so an empty argument too) is one space
 * wherever banned strings are matched, so neither "a  b", "a\tb" nor the
 * argv {"a", "", "b"} escapes the banned string "a b". The kernel's walk
 * (verdict.bpf.h) and its reference (ktables.c) apply the same rule byte
 * by byte. */
#ifndef NOMINE_CMDLINE_SPACE_H
#define NOMINE_CMDLINE_SPACE_H

#include <stddef.h>
#include <stdint.h>

static inline int cmdline_is_space(uint8_t b)
{
	return b == ' ' || b == '\t' || b == 0;
}

/* Copies src[0, n) to dst with every run of cmdline_is_space() bytes made
 * one ' ' (dst may be src). Returns the new length. */
size_t cmdline_squeeze(uint8_t *dst, const uint8_t *src, size_t n);

/* A banned string as it is matched: squeezed, and without a leading or
 * trailing space (a match then starts and ends on a byte that is no
 * separator, so word-mode boundaries read the same in the raw argv as in
 * the squeezed line). Returns the new length, 0 for a string of nothing but
 * whitespace. */
size_t cmdline_banned_form(uint8_t *dst, const uint8_t *src, size_t n);

#endif
