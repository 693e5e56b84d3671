/* SPDX-License-Identifier: BSD-2-Clause */
/* policy.c - banned strings (automaton), banned and allow patterns (PCRE2). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <errno.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "automaton.h"
#include "cmdline_space.h"
#include "kregex.h"
#include "policy.h"
#include "tunables.h"

/* Command lines are attacker-controlled and up to megabytes long: bound the
 * work one allow pattern may do so a crafted line cannot stall the daemon. */
#define MATCH_LIMIT 1000000
#define DEPTH_LIMIT 10000

struct policy {
	struct config cfg;
	struct automaton *ac;
	pcre2_code **re;
	pcre2_code **bre;           /* banned patterns */
	struct kregex_dfa *bdfa;    /* each banned pattern's DFA, as the kernel's */
	pcre2_match_data *md;
	pcre2_match_context *mctx;
	pcre2_jit_stack *jit_stack;
	pcre2_compile_context *cctx;
	uint8_t *sq;                /* the line squeezed for the banned strings */
	size_t sq_cap;
};

size_t policy_cmdline(uint8_t *argv, size_t len)
{
	while (len && argv[len - 1] == 0)
		len--;
	for (size_t i = 0; i < len; i++)
		if (argv[i] == 0)
			argv[i] = ' ';
	return len;
}

/* 0, or a negative errno (-ENOMEM, -EINVAL) with the reason in err. The
 * automaton gets each string in its matched form (cmdline_banned_form());
 * the config keeps it as written, for events. */
static int build_automaton(struct policy *p, char *err, size_t errlen)
{
	struct ac_input *in;
	uint8_t *forms;
	size_t n = p->cfg.nbanned, total = 0, o = 0;
	int e;

	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		total += p->cfg.banned[i].len;
	in = calloc(n, sizeof(*in));
	forms = malloc(total ? total : 1);
	if (!in || !forms) {
		free(in);
		free(forms);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		const struct config_string *cs = &p->cfg.banned[i];

		in[i].bytes = forms + o;
		in[i].len = cmdline_banned_form(forms + o, (const uint8_t *)cs->bytes, cs->len);
		in[i].mode = cs->mode == CONFIG_SUBSTRING ? AC_SUBSTRING : AC_WORD;
		o += in[i].len;
		if (in[i].len == 0) {
			snprintf(err, errlen, "%s:%d: bannedCommandStrings item is only whitespace",
				 cs->at.file, cs->at.line);
			free(in);
			free(forms);
			return -EINVAL;
		}
	}
	errno = 0;
	p->ac = automaton_build(in, n);
	e = errno ? errno : ENOMEM;   /* automaton_build sets it; never let 0 through */
	free(in);
	free(forms);
	if (!p->ac) {
		snprintf(err, errlen, "failed to compile %zu banned strings: %s", n, strerror(e));
		return -e;
	}
	return 0;
}

/* One regex of list key (for the message), JIT-compiled when it can be (JIT
 * is an optimisation; the interpreter gives the same answers). NULL with
 * "file:line: reason" in err when PCRE2 refuses it. */
static pcre2_code *compile_one(struct policy *p, const char *regex, uint32_t opts, const char *key,
			       const struct config_origin *at, char *err, size_t errlen)
{
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE off;
	pcre2_code *re;
	int code;

	re = pcre2_compile((PCRE2_SPTR)regex, PCRE2_ZERO_TERMINATED, opts, &code, &off, p->cctx);
	if (!re) {
		pcre2_get_error_message(code, msg, sizeof(msg));
		snprintf(err, errlen, "%s:%d: invalid regex in %s: %s at offset %zu", at->file,
			 at->line, key, (char *)msg, (size_t)off);
		return NULL;
	}
	pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	return re;
}

/* Allow patterns must match the whole command line: anchored at both ends by
 * options (not by editing the text, which alternation would defeat). 0, or
 * -ENOMEM or -EINVAL (a bad regex) with the reason in err. */
static int build_patterns(struct policy *p, char *err, size_t errlen)
{
	uint32_t opts = PCRE2_CASELESS | PCRE2_ANCHORED | PCRE2_ENDANCHORED;
	size_t n = p->cfg.nallowed;

	/* kregex mirrors PCRE2 with LF newlines ('.' and '$'): pin it, whatever
	 * the library's build default. */
	p->cctx = pcre2_compile_context_create(NULL);
	if (p->cctx)
		pcre2_set_newline(p->cctx, PCRE2_NEWLINE_LF);
	p->re = calloc(n ? n : 1, sizeof(*p->re));
	p->md = pcre2_match_data_create(1, NULL);
	p->mctx = pcre2_match_context_create(NULL);
	if (!p->re || !p->md || !p->mctx || !p->cctx) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	pcre2_set_match_limit(p->mctx, MATCH_LIMIT);
	pcre2_set_depth_limit(p->mctx, DEPTH_LIMIT);
	/* Long command lines need more than JIT's default 32 KiB stack. */
	p->jit_stack = pcre2_jit_stack_create(32 * 1024, 4 * 1024 * 1024, NULL);
	if (p->jit_stack)
		pcre2_jit_stack_assign(p->mctx, NULL, p->jit_stack);
	for (size_t i = 0; i < n; i++) {
		const struct config_pattern *cp = &p->cfg.allowed[i];

		p->re[i] = compile_one(p, cp->regex, opts, "allowedCommandPatterns", &cp->at, err,
				       errlen);
		if (!p->re[i])
			return -EINVAL;
	}
	return 0;
}

/* Whether banned pattern cp can be judged in the kernel: in kregex's
 * subset, its DFA within the budget, and not one that matches every line
 * (which would kill every process). Keeps its DFA in *d. 0, or -EINVAL /
 * -ENOMEM with "file:line: reason" in err. */
static int kernel_judgeable(const struct config_string *cp, struct kregex_dfa *d, char *err,
			    size_t errlen)
{
	const char *why = NULL, *pat = cp->bytes;
	uint8_t unsup = 0;
	int rc = kregex_compile_mode(&pat, 1, KREGEX_SEARCH, NM_BANNED_PATTERN_STATES, d, &unsup,
				     &why);

	if (rc == 0 && unsup) {
		kregex_dfa_free(d);
		rc = -EINVAL;
	} else if (rc == 0 && d->nstates == 1 && d->accept[0]) {
		why = "it matches every command line";
		kregex_dfa_free(d);
		rc = -EINVAL;
	} else if (rc == -E2BIG) {
		why = "its DFA needs more states than the kernel's budget (NM_BANNED_PATTERN_STATES)";
		rc = -EINVAL;
	}
	if (rc == -ENOMEM)
		snprintf(err, errlen, "out of memory");
	else if (rc < 0)
		snprintf(err, errlen, "%s:%d: bannedCommandPatterns item cannot be judged in the "
			 "kernel: %s", cp->at.file, cp->at.line, why ? why : "unsupported");
	return rc;
}

/* Banned patterns match anywhere in the line: PCRE2 unanchored, caseless,
 * and each must be one the kernel can judge exactly (a banned pattern only
 * user space could run would be a hole at exec). 0, or -ENOMEM or -EINVAL
 * with the reason in err. */
static int build_banned_patterns(struct policy *p, char *err, size_t errlen)
{
	size_t n = p->cfg.nbanned_patterns;
	int rc;

	p->bre = calloc(n ? n : 1, sizeof(*p->bre));
	p->bdfa = calloc(n ? n : 1, sizeof(*p->bdfa));
	if (!p->bre || !p->bdfa) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		const struct config_string *cp = &p->cfg.banned_patterns[i];

		p->bre[i] = compile_one(p, cp->bytes, PCRE2_CASELESS, "bannedCommandPatterns", &cp->at,
					err, errlen);
		if (!p->bre[i])
			return -EINVAL;
		if ((rc = kernel_judgeable(cp, &p->bdfa[i], err, errlen)) < 0)
			return rc;
	}
	return 0;
}

struct policy *policy_build(struct config *cfg, char *err, size_t errlen)
{
	struct policy *p = calloc(1, sizeof(*p));
	int rc;

	if (!p) {
		snprintf(err, errlen, "out of memory");
		config_free(cfg);
		errno = ENOMEM;
		return NULL;
	}
	p->cfg = *cfg;
	memset(cfg, 0, sizeof(*cfg));
	if ((rc = build_automaton(p, err, errlen)) < 0 || (rc = build_patterns(p, err, errlen)) < 0 ||
	    (rc = build_banned_patterns(p, err, errlen)) < 0) {
		policy_free(p);
		errno = -rc;
		return NULL;
	}
	return p;
}

void policy_free(struct policy *p)
{
	if (!p)
		return;
	for (size_t i = 0; p->re && i < p->cfg.nallowed; i++)
		pcre2_code_free(p->re[i]);
	free(p->re);
	for (size_t i = 0; p->bre && i < p->cfg.nbanned_patterns; i++)
		pcre2_code_free(p->bre[i]);
	for (size_t i = 0; p->bdfa && i < p->cfg.nbanned_patterns; i++)
		kregex_dfa_free(&p->bdfa[i]);
	free(p->bre);
	free(p->bdfa);
	pcre2_match_data_free(p->md);
	pcre2_match_context_free(p->mctx);
	pcre2_jit_stack_free(p->jit_stack);
	pcre2_compile_context_free(p->cctx);
	automaton_free(p->ac);
	free(p->sq);
	config_free(&p->cfg);
	free(p);
}

const struct config_pattern *policy_allowed(struct policy *p, const uint8_t *line, size_t len,
					    int *error)
{
	for (size_t i = 0; i < p->cfg.nallowed; i++) {
		int rc = pcre2_match(p->re[i], line, len, 0, 0, p->md, p->mctx);

		/* JIT limits differ from the interpreter's: retry there once. */
		if (rc < 0 && rc != PCRE2_ERROR_NOMATCH)
			rc = pcre2_match(p->re[i], line, len, 0, PCRE2_NO_JIT, p->md, p->mctx);
		if (rc >= 0)
			return &p->cfg.allowed[i];
		if (rc != PCRE2_ERROR_NOMATCH && error)
			*error = 1;
	}
	return NULL;
}

/* The first banned pattern found anywhere in the line, or -1. Where PCRE2
 * gives up (match limit) the pattern's DFA answers: the same answer, as the
 * kernel's (the agreement tests hold the two together). */
static long banned_pattern(struct policy *p, const uint8_t *line, size_t len)
{
	for (size_t i = 0; i < p->cfg.nbanned_patterns; i++) {
		int rc = pcre2_match(p->bre[i], line, len, 0, 0, p->md, p->mctx);

		if (rc < 0 && rc != PCRE2_ERROR_NOMATCH)
			rc = pcre2_match(p->bre[i], line, len, 0, PCRE2_NO_JIT, p->md, p->mctx);
		if (rc < 0 && rc != PCRE2_ERROR_NOMATCH)
			rc = kregex_match(&p->bdfa[i], line, len) ? 1 : PCRE2_ERROR_NOMATCH;
		if (rc >= 0)
			return (long)i;
	}
	return -1;
}

/* The first banned string in the line squeezed (cmdline_space.h); allow
 * patterns and banned patterns see the line as it is. With no space in any
 * string (none in the automaton's alphabet) squeezing changes no verdict
 * and is skipped, as the kernel's plain walk does. Were the buffer not to
 * grow (no memory), the raw line is searched: the strings without
 * whitespace in them still match as ever. */
static long banned_string(struct policy *p, const uint8_t *line, size_t len)
{
	if (!p->ac->cls[' '])
		return automaton_find(p->ac, line, len, NULL);
	if (len > p->sq_cap) {
		uint8_t *b = realloc(p->sq, len);

		if (!b)
			return automaton_find(p->ac, line, len, NULL);
		p->sq = b;
		p->sq_cap = len;
	}
	if (!len)
		return automaton_find(p->ac, line, 0, NULL);
	return automaton_find(p->ac, p->sq, cmdline_squeeze(p->sq, line, len), NULL);
}

void policy_check(struct policy *p, const uint8_t *line, size_t len, struct verdict *v)
{
	long idx;

	memset(v, 0, sizeof(*v));
	idx = p->ac ? banned_string(p, line, len) : -1;
	if (idx >= 0) {
		v->matched = &p->cfg.banned[idx];
	} else if ((idx = banned_pattern(p, line, len)) >= 0) {
		v->matched = &p->cfg.banned_patterns[idx];
		v->pattern = 1;
	} else {
		return;
	}
	v->allowedby = policy_allowed(p, line, len, &v->pattern_error);
	v->kill = v->allowedby == NULL;
}

size_t policy_nbanned(const struct policy *p)
{
	return p->cfg.nbanned;
}

size_t policy_nbanned_patterns(const struct policy *p)
{
	return p->cfg.nbanned_patterns;
}

size_t policy_npatterns(const struct policy *p)
{
	return p->cfg.nallowed;
}

const struct config *policy_config(const struct policy *p)
{
	return &p->cfg;
}

const struct automaton *policy_automaton(const struct policy *p)
{
	return p->ac;
}
