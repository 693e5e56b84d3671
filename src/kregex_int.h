/* SPDX-License-Identifier: BSD-2-Clause */
/* kregex_int.h - private to kregex: the parsed pattern (AST) and its limits. */
#ifndef NOMINE_KREGEX_INT_H
#define NOMINE_KREGEX_INT_H

#include <stdint.h>

#define KR_NONE UINT32_MAX     /* no node */
#define KR_INF UINT32_MAX      /* unbounded repeat */
#define KR_MAX_REPEAT 1000     /* largest {n,m} count accepted */
#define KR_MAX_NFA 20000       /* NFA nodes one pattern may expand to */
#define KR_MAX_DEPTH 100       /* group nesting (PCRE2's own limit is 250) */

/* A set of bytes, bit b of w[b / 64]. */
struct kr_set {
	uint64_t w[4];
};

static inline void kr_set_add(struct kr_set *s, unsigned b)
{
	s->w[b >> 6] |= 1ULL << (b & 63);
}

static inline int kr_set_has(const struct kr_set *s, unsigned b)
{
	return (int)((s->w[b >> 6] >> (b & 63)) & 1);
}

enum kr_op {
	KR_EMPTY,    /* matches the empty string */
	KR_SET,      /* one byte from set */
	KR_CAT,      /* children in sequence */
	KR_ALT,      /* any one child */
	KR_REPEAT,   /* child repeated min..max times */
	KR_BOL,      /* ^ \A: at the start of the line */
	KR_EOL,      /* $ \Z: at the end, or before a final \n */
	KR_EOS,      /* \z: at the end */
};

struct kr_node {
	uint8_t op;
	uint32_t child;     /* first child (CAT, ALT, REPEAT) */
	uint32_t sibling;   /* next child of the parent */
	uint32_t min, max;  /* REPEAT counts; max may be KR_INF */
	uint32_t weight;    /* NFA nodes this expands to (saturates past KR_MAX_NFA) */
	struct kr_set set;  /* SET, already case-folded */
};

struct kr_ast {
	struct kr_node *node;
	uint32_t n, cap;
	uint32_t root;
};

/* Parses one pattern. 0 on success; -EINVAL with *reason set if the pattern
 * is outside the subset, or -ENOMEM (reason "out of memory") if allocation
 * failed. The AST is freed with kr_ast_free either way. */
int kr_parse(const char *pattern, struct kr_ast *ast, const char **reason);
void kr_ast_free(struct kr_ast *ast);

#endif
