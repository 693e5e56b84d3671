/* SPDX-License-Identifier: BSD-2-Clause */
/* policy.h - the verdict on a command line: banned strings, then banned
 * patterns, then allow patterns. The daemon, the sweep and `nomine check` all
 * go through here. */
#ifndef NOMINE_POLICY_H
#define NOMINE_POLICY_H

#include <stddef.h>
#include <stdint.h>
#include "automaton.h"
#include "config.h"

struct policy;

struct verdict {
	int kill;                          /* 1: banned and not allowed */
	const struct config_string *matched;   /* NULL: no banned string or pattern */
	int pattern;                       /* matched is a banned pattern */
	const struct config_pattern *allowedby; /* NULL: not spared */
	int pattern_error;                 /* an allow regex hit a match limit */
};

/* Compiles cfg (taking ownership of its contents; cfg is left empty) into a
 * policy. Returns NULL with "file:line: reason" in err and errno set (EINVAL
 * a bad regex or banned string, or a banned pattern the kernel cannot judge:
 * outside kregex's subset, over NM_BANNED_PATTERN_STATES, or matching every
 * line; ENOMEM). */
struct policy *policy_build(struct config *cfg, char *err, size_t errlen);
void policy_free(struct policy *p);

/* Judges a command line (argv joined with single spaces, raw bytes): the
 * first banned string found (the automaton's order; searched with every
 * run of spaces, tabs and empty arguments as one space, cmdline_space.h),
 * else the first banned pattern that matches anywhere, then the allow
 * patterns. Cannot fail: an
 * allow pattern that errors (match limit) spares nothing; a banned pattern
 * that does is answered by its DFA. */
void policy_check(struct policy *p, const uint8_t *line, size_t len, struct verdict *v);

/* The first allow pattern that matches the whole line, or NULL (also when
 * a pattern errors, which sets *error if error is non-NULL: spare nothing
 * on doubt). Also for detectors that judge behaviour, not the line. */
const struct config_pattern *policy_allowed(struct policy *p, const uint8_t *line, size_t len,
					    int *error);

size_t policy_nbanned(const struct policy *p);
size_t policy_npatterns(const struct policy *p);
size_t policy_nbanned_patterns(const struct policy *p);
const struct config *policy_config(const struct policy *p);

/* The compiled banned strings (NULL when there are none). */
const struct automaton *policy_automaton(const struct policy *p);

/* Turns a raw argv area ("a\0b\0\0") into the matched line ("a b") in
 * place: trailing NULs dropped, every other NUL becomes a space. Returns the
 * new length. */
size_t policy_cmdline(uint8_t *argv, size_t len);

#endif
