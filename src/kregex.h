/* SPDX-License-Identifier: BSD-2-Clause */
/* kregex.h - allow and banned patterns compiled into a byte DFA that BPF can walk.
 *
 * Allow patterns are PCRE2 regexes compiled with PCRE2_CASELESS |
 * PCRE2_ANCHORED | PCRE2_ENDANCHORED (8-bit, no UTF, default tables, newline
 * LF): the pattern must match the whole command line. Banned patterns
 * (KREGEX_SEARCH) are the same regexes searched for anywhere in the line, as
 * PCRE2_CASELESS alone does: their DFA accepts the language [\s\S]*(?:P)[\s\S]*
 * matched whole, built from the pattern's own NFA between two any-byte loops
 * (never by editing its text), which is the same set of lines: a match of P
 * at i..j is a split of the line, ^ and \A still hold only at its start, and
 * $ \Z \z only at its end (or before a final newline). A subset of the PCRE2
 * syntax (no backreferences, lookaround, possessive or atomic constructs, ...)
 * describes a regular language; kregex compiles that subset into a dense DFA
 * over bytes that answers exactly as PCRE2 does for every line. Patterns
 * outside the subset are reported so the caller can match them in user space.
 *
 * Supported: literal bytes (ASCII letters caseless, every other byte exact),
 * escapes of non-alphanumerics, \a \e \f \n \r \t \0oo \xHH \x{HH}, the
 * classes \d \D \w \W \s \S \h \H \v \V (\v is PCRE2's vertical-space class,
 * not VT; \h and \v include 0xa0 and 0x85), '.', bracket classes with ranges,
 * escapes and [:posix:] names, groups (capturing, (?:...), named, (?i:...)),
 * '|', the quantifiers * + ? {n} {n,} {n,m} (counts up to 1000) and their lazy
 * forms, the anchors ^ \A $ \Z \z anywhere (exactly, including $ before a
 * final newline), and (?i) anywhere. Refused, with a reason: backreferences,
 * lookaround, \b \B, possessive and atomic forms, conditionals, recursion,
 * \Q..\E, \p, \K \G \C \R \X \N \c \o, callouts, verbs, other inline options,
 * a '{' that PCRE2 10.42 reads as text but 10.43 as a quantifier ({,n} and
 * spaced forms), \S in one pattern with \h or \v (PCRE2 auto-possessifies
 * them as if disjoint, wrongly for 0xa0 and 0x85), group nesting past 100,
 * patterns over 20000 NFA nodes once repeats are expanded, and everything
 * PCRE2 itself refuses. Assumes PCRE2's default newline is LF (the build
 * default; the unit test checks it). PCRE2 may give up on a line (match
 * limit) where the DFA still answers as the regex says.
 */
#ifndef NOMINE_KREGEX_H
#define NOMINE_KREGEX_H

#include <stddef.h>
#include <stdint.h>

struct kregex_dfa {
	uint32_t nstates;      /* state 0 = start; a dead state exists if needed */
	uint32_t nclasses;     /* byte classes */
	uint8_t cls[256];      /* byte -> class */
	uint32_t *next;        /* [nstates * nclasses] next state */
	uint8_t *accept;       /* [nstates] 1 if a whole-line match ends here */
	uint32_t dead;         /* a state from which nothing can accept (UINT32_MAX if none) */
	uint32_t sink;         /* an accepting state no byte leaves (UINT32_MAX if none):
				* every longer line is accepted too */
};

enum kregex_mode {
	KREGEX_WHOLE = 0,      /* allow patterns: a match is the whole line */
	KREGEX_SEARCH = 1,     /* banned patterns: a match anywhere in the line */
};

/* Compiles the UNION of n patterns (the line is allowed if any matches the
 * whole line). Patterns outside the supported subset are skipped and reported:
 * unsupported[i] = 1 and reason[i] (static string) set, else unsupported[i] = 0
 * and reason[i] = NULL (either array may be NULL). The supported ones go into
 * the DFA, which is minimal. If it needs more than max_states states (or the
 * construction on the way more than 8 * max_states), returns -E2BIG (the
 * caller falls back). Returns 0 and fills *out (free with kregex_dfa_free),
 * or a negative errno (-EINVAL bad arguments, -ENOMEM, -E2BIG). */
int kregex_compile(const char *const *patterns, size_t n, uint32_t max_states,
		   struct kregex_dfa *out, uint8_t *unsupported, const char **reason);

/* kregex_compile with a mode: KREGEX_WHOLE is kregex_compile; KREGEX_SEARCH
 * accepts a line when any pattern matches anywhere in it. */
int kregex_compile_mode(const char *const *patterns, size_t n, enum kregex_mode mode,
			uint32_t max_states, struct kregex_dfa *out, uint8_t *unsupported,
			const char **reason);

/* Frees the tables; also fine on a zeroed or failed *d. */
void kregex_dfa_free(struct kregex_dfa *d);

/* Runs the DFA over a line: 1 if accepted. (Reference walk for tests and for
 * user space.) */
int kregex_match(const struct kregex_dfa *d, const uint8_t *line, size_t len);

/* Whether kregex supports a single pattern: 0 ok, else a negative errno
 * (-EINVAL unsupported or NULL, -ENOMEM) with *reason set. */
int kregex_supported(const char *pattern, const char **reason);

#endif
