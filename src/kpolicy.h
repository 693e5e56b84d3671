/* SPDX-License-Identifier: BSD-2-Clause */
/* kpolicy.h - compiles a policy for the kernel: the banned automaton into
 * dense tables, the allow patterns into one DFA and the banned patterns into
 * another, within a memory cap. */
#ifndef NOMINE_KPOLICY_H
#define NOMINE_KPOLICY_H

#include <stddef.h>
#include <stdint.h>
#include "ktables.h"
#include "policy.h"

/* Allow-DFA state budget (at most 4 MiB of table at 64 byte classes): 76
 * realistic allow patterns need 10,795 states together. Patterns that would
 * push the union past it are left to user space, one by one. */
#define KPOLICY_ALLOW_STATES 16384

/* Banned patterns have NM_BANNED_PATTERN_STATES (tunables.h). Unlike an
 * allow pattern, a banned pattern cannot be left to user space alone (every
 * exec would have to be held for it): a union over the budget leaves every
 * verdict to user space, as tables over the memory cap do. */

struct kpolicy {
	struct ktables kt;
	enum nm_kt_allow allow_mode;
	size_t nfallback;          /* allow patterns only user space can run */
	uint32_t pattern_states;   /* states of the banned patterns' DFA, 0: none */
	char why[256];             /* why the tables could not be built */
};

/* Builds the tables, stamped with generation gen. Each allow pattern the
 * kernel cannot run is logged once with its origin and reason (those
 * patterns are decided by freezing the process at exec). Returns 0, or a
 * negative errno (-E2BIG over cap, -ENOMEM, -EINVAL) with out->why set:
 * verdicts then stay in user space. */
int kpolicy_build(const struct policy *p, size_t cap, uint32_t gen, struct kpolicy *out);
void kpolicy_free(struct kpolicy *kp);

#endif
