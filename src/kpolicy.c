/* SPDX-License-Identifier: BSD-2-Clause */
/* kpolicy.c - policy to kernel tables: banned strings, allow and banned patterns. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kpolicy.h"
#include "log.h"
#include "tunables.h"

/* The union of all patterns is over the state budget: add them one by one,
 * leaving to user space each one that would push the union past it. 0, or a
 * negative errno (-E2BIG when no pattern fits, -ENOMEM). */
static int greedy_union(const char **pats, size_t n, struct kregex_dfa *dfa, uint8_t *unsup,
			const char **reason)
{
	const char **kept = calloc(n, sizeof(*kept));
	size_t nkept = 0;
	int ret;

	if (!kept)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct kregex_dfa t;
		const char *why = NULL;
		uint8_t u = 0;
		int rc;

		kept[nkept] = pats[i];
		rc = kregex_compile(kept, nkept + 1, KPOLICY_ALLOW_STATES, &t, &u, &why);
		if (rc == 0)
			kregex_dfa_free(&t);
		if (rc == 0 && !u) {
			nkept++;
			continue;
		}
		unsup[i] = 1;
		reason[i] = rc == 0 && why ? why : "the allow DFA would exceed its state budget";
	}
	if (nkept == 0) {
		free(kept);
		return -E2BIG;
	}
	ret = kregex_compile(kept, nkept, KPOLICY_ALLOW_STATES, dfa, NULL, NULL);
	free(kept);
	return ret;
}

/* Compiles the allow patterns the kernel can run into one DFA; logs the
 * others. Returns the mode, and the DFA in *dfa when there is one. */
static enum nm_kt_allow build_allow(const struct config *cfg, struct kregex_dfa *dfa, int *have,
				    size_t *nfallback)
{
	size_t n = cfg->nallowed;
	const char **pats = calloc(n ? n : 1, sizeof(*pats));
	const char **reason = calloc(n ? n : 1, sizeof(*reason));
	uint8_t *unsup = calloc(n ? n : 1, 1);
	enum nm_kt_allow mode = NM_KT_ALLOW_DFA;
	int rc;

	*have = 0;
	*nfallback = 0;
	if (n == 0 || !pats || !reason || !unsup) {
		mode = n ? NM_KT_ALLOW_PARTIAL : NM_KT_ALLOW_NONE;
		*nfallback = n;
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		pats[i] = cfg->allowed[i].regex;
	rc = kregex_compile(pats, n, KPOLICY_ALLOW_STATES, dfa, unsup, reason);
	if (rc < 0 && (rc != -E2BIG || greedy_union(pats, n, dfa, unsup, reason) < 0)) {
		mode = NM_KT_ALLOW_PARTIAL;
		*nfallback = n;
		goto out;
	}
	*have = 1;
	for (size_t i = 0; i < n; i++) {
		if (!unsup[i])
			continue;
		(*nfallback)++;
		mode = NM_KT_ALLOW_PARTIAL;
		log_msg("warning", "%s:%d: allow pattern decided in user space (process frozen at exec "
			"until then): %s", cfg->allowed[i].at.file, cfg->allowed[i].at.line,
			reason[i] ? reason[i] : "unsupported");
	}
out:
	free(pats);
	free(reason);
	free(unsup);
	return mode;
}

/* The banned patterns' DFA, all of them or none: 0 (*have set when there
 * are patterns), or a negative errno with why set: -E2BIG over the budget,
 * -EINVAL a pattern kregex cannot take (policy_build refuses those first),
 * -ENOMEM. */
static int build_banned(const struct config *cfg, struct kregex_dfa *dfa, int *have, char *why,
			size_t whylen)
{
	size_t n = cfg->nbanned_patterns;
	const char **pats = calloc(n ? n : 1, sizeof(*pats));
	uint8_t *unsup = calloc(n ? n : 1, 1);
	int rc = 0;

	*have = 0;
	if (!pats || !unsup) {
		rc = -ENOMEM;
		snprintf(why, whylen, "out of memory");
		goto out;
	}
	if (n == 0)
		goto out;
	for (size_t i = 0; i < n; i++)
		pats[i] = cfg->banned_patterns[i].bytes;
	rc = kregex_compile_mode(pats, n, KREGEX_SEARCH, NM_BANNED_PATTERN_STATES, dfa, unsup, NULL);
	for (size_t i = 0; rc == 0 && i < n; i++)
		if (unsup[i]) {
			kregex_dfa_free(dfa);
			rc = -EINVAL;
		}
	if (rc == -E2BIG)
		snprintf(why, whylen, "the %zu banned patterns need more than %u DFA states together",
			 n, NM_BANNED_PATTERN_STATES);
	else if (rc == -EINVAL)
		snprintf(why, whylen, "a banned pattern is outside the kernel's regex subset");
	else if (rc < 0)
		snprintf(why, whylen, "out of memory");
	*have = rc == 0;
out:
	free(pats);
	free(unsup);
	return rc;
}

int kpolicy_build(const struct policy *p, size_t cap, uint32_t gen, struct kpolicy *out)
{
	struct kregex_dfa dfa, pat;
	int have = 0, have_pat = 0, ret;

	memset(out, 0, sizeof(*out));
	ret = build_banned(policy_config(p), &pat, &have_pat, out->why, sizeof(out->why));
	if (ret < 0)
		return ret;
	out->pattern_states = have_pat ? pat.nstates : 0;
	out->allow_mode = build_allow(policy_config(p), &dfa, &have, &out->nfallback);
	ret = ktables_build(policy_automaton(p), have ? &dfa : NULL, out->allow_mode,
			    have_pat ? &pat : NULL, cap, &out->kt, out->why, sizeof(out->why));
	if (have)
		kregex_dfa_free(&dfa);
	if (have_pat)
		kregex_dfa_free(&pat);
	if (ret < 0)
		return ret;
	((struct nm_kt_header *)out->kt.words)->generation = gen;
	return 0;
}

void kpolicy_free(struct kpolicy *kp)
{
	ktables_free(&kp->kt);
}
