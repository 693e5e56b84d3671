/* SPDX-License-Identifier: BSD-2-Clause */
/* ktables.h - turns the policy's automaton and allow DFA into the blob the
 * exec program walks (ktables_types.h), and walks it the same way in C. */
#ifndef NOMINE_KTABLES_H
#define NOMINE_KTABLES_H

#include <stddef.h>
#include <stdint.h>
#include "automaton.h"
#include "kregex.h"
#include "ktables_types.h"

struct ktables {
	uint32_t *words;     /* size bytes, zero-filled past nwords */
	size_t size;         /* power of two, bytes */
};

/* Builds the blob for banned strings a (NULL: none), the allow DFA (NULL
 * unless mode is NM_KT_ALLOW_DFA or NM_KT_ALLOW_PARTIAL) and the banned
 * patterns' DFA pat (KREGEX_SEARCH; NULL: none). The blob's size is
 * the smallest power of two >= 64 KiB that holds it. Returns 0, or a
 * negative errno with the reason in why: -E2BIG larger than cap bytes, or
 * more than NM_KT_MAX_OUTS strings ending at one position; -EINVAL a
 * malformed automaton; -ENOMEM. */
int ktables_build(const struct automaton *a, const struct kregex_dfa *allow,
		  enum nm_kt_allow mode, const struct kregex_dfa *pat, size_t cap,
		  struct ktables *out, char *why, size_t whylen);
void ktables_free(struct ktables *kt);

/* What the kernel decides for one raw argv area ("a\0b\0"). */
struct kverdict {
	long matched;        /* banned string index (input order), -1 none */
	int pattern;         /* no string, but the banned patterns' DFA accepted */
	int allowed;         /* the allow DFA accepted the whole line (judged only
			      * when a string or pattern matched) */
};

/* The kernel's algorithm, step for step, in C: reference for tests. */
void ktables_judge(const struct ktables *kt, const uint8_t *argv, size_t len, struct kverdict *v);

#endif
