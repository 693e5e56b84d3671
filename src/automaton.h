/* SPDX-License-Identifier: BSD-2-Clause */
/* automaton.h - multi-string matcher (Aho-Corasick) kept in plain arrays.
 *
 * The banned strings compile once into flat uint32 arrays (a byte-class map,
 * a row-displaced transition table with fail links, and per-state outputs) so
 * that the same tables can be copied into BPF array maps and walked by the
 * kernel. Matching folds ASCII case; every other byte is compared exactly.
 *
 * Word mode (the default, cryptnono's semantics done per occurrence): an
 * occurrence [s, e) counts only if s == 0 or line[s-1] is not a word byte
 * [A-Za-z0-9_], and e == len or line[e] is not a word byte. Substring mode
 * counts every occurrence. */
#ifndef NOMINE_AUTOMATON_H
#define NOMINE_AUTOMATON_H

#include <stddef.h>
#include <stdint.h>

enum ac_mode { AC_WORD = 0, AC_SUBSTRING = 1 };

#define AC_NONE 0xffffffffu

struct ac_input {
	const uint8_t *bytes;
	size_t len;        /* > 0 */
	enum ac_mode mode;
};

/* The compiled tables. State 0 is the root. For state s and byte b:
 *   c = cls[b]; if (c == 0) the byte occurs in no string: go to the root;
 *   else if (check[base[s] + c] == s) s = next[base[s] + c];
 *   else if (s == 0) stay at the root; else s = fail[s] and retry.
 * out[s] is the index of the string that ends at s (AC_NONE if none) and
 * dict[s] is the nearest state on s's fail chain with an output (AC_NONE if
 * none): following dict from s lists every string ending at this position. */
struct automaton {
	uint32_t nstates;
	uint32_t nclasses;     /* classes 1..nclasses-1 are used bytes, 0 = unused */
	uint32_t ncomb;        /* length of next[] and check[] */
	uint32_t nstrings;     /* distinct strings after case folding */
	uint8_t cls[256];
	uint32_t *base;        /* [nstates] */
	uint32_t *fail;        /* [nstates] */
	uint32_t *out;         /* [nstates] string index or AC_NONE */
	uint32_t *dict;        /* [nstates] */
	uint32_t *next;        /* [ncomb] */
	uint32_t *check;       /* [ncomb] owner state or AC_NONE */
	uint32_t *str_len;     /* [nstrings] */
	uint8_t *str_mode;     /* [nstrings] enum ac_mode */
	uint32_t *str_input;   /* [nstrings] index of the first input with these bytes */
	uint32_t max_dict_chain; /* longest dict chain, for bounded kernel loops */
	/* User-space prefilter (the kernel walk above does not need it). Every
	 * string is at least filter_q + filter_stride - 1 bytes long, and two
	 * hashes of each of its windows of filter_q bytes starting at offsets
	 * 0..filter_stride-1 (ASCII case bit cleared) have their bits set in
	 * two bit arrays, so automaton_find only walks the trie near every
	 * filter_stride-th window whose bits are both set.
	 * filter == NULL: plain Aho-Corasick walk. */
	uint32_t filter_q;       /* 1..4 */
	uint32_t filter_stride;  /* 1 or 2 */
	uint32_t filter_bits;    /* log2 of each bit array's size in bits */
	uint32_t word_only;      /* 1 if every string is word mode */
	uint64_t *filter;        /* [2 * (1 << filter_bits) / 64]: both arrays */
};

/* Compiles n strings. Strings equal after case folding are merged: the merged
 * string reports the first input's index and is substring mode if any of the
 * inputs was. Returns NULL with errno set (EINVAL for an empty string or n too
 * large, ENOMEM). */
struct automaton *automaton_build(const struct ac_input *in, size_t n);
void automaton_free(struct automaton *a);

/* Bytes of memory the tables use. */
size_t automaton_memory(const struct automaton *a);

/* Finds the occurrence that ends first (ties: the longest string) and is valid
 * under its string's mode. Returns the input index of that string (as given to
 * automaton_build) and stores the end offset (exclusive) in *end if end is
 * non-NULL; returns -1 when nothing matches. Cannot fail. */
long automaton_find(const struct automaton *a, const uint8_t *s, size_t n, size_t *end);

/* 1 if b is a word byte [A-Za-z0-9_]. */
static inline int ac_is_word(uint8_t b)
{
	return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') ||
	       (b >= '0' && b <= '9') || b == '_';
}

#endif
