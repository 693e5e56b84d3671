/* SPDX-License-Identifier: BSD-2-Clause */
/* automaton.c - builds and walks the flat Aho-Corasick tables of automaton.h. */
#include "automaton.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* A first-slot candidate that failed this many row placements is dropped from
 * the free list: it bounds packing time on adversarial sets, at the cost of a
 * few holes in the comb. */
#define COMB_MAX_FAILS 32

/* Largest comb length: every index and the end-of-list link fit in uint32. */
#define COMB_MAX_LEN ((size_t)UINT32_MAX - 256)

/* Prefilter size: about this many bits per window key (a sparse filter lets
 * few windows through), within these bounds (2^22 bits = 512 KiB). */
#define FILTER_BITS_PER_KEY 32
#define FILTER_MIN_BITS 10
#define FILTER_MAX_BITS 22
/* Two multiplicative hashes (odd 64-bit constants): the scan tests the first
 * filter only; the second, checked on the rare hits, rejects most of the
 * windows that merely collided before any trie walk. */
#define FILTER_MUL1 UINT64_C(0x9e3779b97f4a7c15)   /* 2^64 / golden ratio */
#define FILTER_MUL2 UINT64_C(0xc2b2ae3d27d4eb4f)

/* Anchored walks can cost O(n * longest string) on adversarial lines; past
 * this many steps automaton_find switches to the linear Aho-Corasick walk. */
#define WALK_BUDGET(n) (4 * (n) + 4096)

static inline uint8_t fold(uint8_t b)
{
	return (b >= 'A' && b <= 'Z') ? (uint8_t)(b + ('a' - 'A')) : b;
}

/* ---- sorting and de-duplicating the input strings ---------------------- */

/* Compares two inputs as case-folded byte strings (shorter prefix first). */
static int cmp_folded(const struct ac_input *x, const struct ac_input *y)
{
	size_t m = x->len < y->len ? x->len : y->len;

	for (size_t i = 0; i < m; i++) {
		uint8_t a = fold(x->bytes[i]), b = fold(y->bytes[i]);
		if (a != b)
			return a < b ? -1 : 1;
	}
	return (x->len > y->len) - (x->len < y->len);
}

/* Length of the common case-folded prefix of two inputs. */
static uint32_t lcp_folded(const struct ac_input *x, const struct ac_input *y)
{
	size_t m = x->len < y->len ? x->len : y->len, i = 0;

	while (i < m && fold(x->bytes[i]) == fold(y->bytes[i]))
		i++;
	return (uint32_t)i;
}

/* Stable bottom-up merge sort of input indices: stability keeps equal strings
 * in input order, so the first of a run of duplicates is the first input. */
static void sort_inputs(const struct ac_input *in, uint32_t *idx, uint32_t *tmp, size_t n)
{
	uint32_t *src = idx, *dst = tmp;

	for (size_t w = 1; w < n; w *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * w) {
			size_t mid = lo + w < n ? lo + w : n;
			size_t hi = lo + 2 * w < n ? lo + 2 * w : n;
			size_t i = lo, j = mid, k = lo;

			while (i < mid && j < hi)
				dst[k++] = cmp_folded(&in[src[j]], &in[src[i]]) < 0 ? src[j++] : src[i++];
			while (i < mid)
				dst[k++] = src[i++];
			while (j < hi)
				dst[k++] = src[j++];
		}
		uint32_t *t = src;
		src = dst;
		dst = t;
	}
	if (src != idx)
		memcpy(idx, src, n * sizeof(*idx));
}

/* ---- build state ------------------------------------------------------- */

struct builder {
	const struct ac_input *in;
	size_t n;
	struct automaton *a;
	uint32_t *ord;   /* distinct strings' input indices, sorted by folded bytes */
	uint32_t *lcp;   /* lcp[i]: common prefix of ord[i] with ord[i-1] */
	uint32_t *sid;   /* input index -> string id (AC_NONE for duplicates) */
	size_t nuniq;
	uint32_t maxlen;
	uint8_t *label;  /* [nstates] class of the edge into each state */
	/* comb under construction */
	size_t cap;
	uint32_t *lnk;   /* free-slot list, ascending; a link equal to cap ends it */
	uint8_t *fails;  /* failed placements with the slot as first child */
	uint32_t head;
	size_t top;      /* highest row base used + nclasses */
};

static void *alloc_array(size_t n, size_t size)
{
	return reallocarray(NULL, n ? n : 1, size);
}

static int check_inputs(const struct ac_input *in, size_t n)
{
	if (n >= UINT32_MAX || (n && !in))
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (in[i].len == 0 || !in[i].bytes || in[i].len >= UINT32_MAX)
			return -EINVAL;
	return 0;
}

/* Sorts the inputs, merges case-folded duplicates and numbers the distinct
 * strings in order of first appearance (a merged string is substring mode if
 * any duplicate is). Fills str_len/str_mode/str_input. */
static int dedupe(struct builder *b)
{
	struct automaton *a = b->a;
	size_t n = b->n, u = 0;
	uint32_t *tmp = alloc_array(n, sizeof(*tmp));

	if (!tmp)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		b->ord[i] = (uint32_t)i;
	sort_inputs(b->in, b->ord, tmp, n);
	free(tmp);

	/* sid temporarily holds the merged mode of each run's first input. */
	for (size_t i = 0; i < n; i++)
		b->sid[i] = AC_NONE;
	for (size_t i = 0; i < n;) {
		uint32_t first = b->ord[i];
		uint32_t mode = b->in[first].mode == AC_SUBSTRING;
		size_t j = i + 1;

		for (; j < n && cmp_folded(&b->in[first], &b->in[b->ord[j]]) == 0; j++)
			mode |= b->in[b->ord[j]].mode == AC_SUBSTRING;
		b->sid[first] = mode;
		b->ord[u++] = first;
		i = j;
	}
	b->nuniq = u;

	a->str_len = alloc_array(u, sizeof(*a->str_len));
	a->str_mode = alloc_array(u, sizeof(*a->str_mode));
	a->str_input = alloc_array(u, sizeof(*a->str_input));
	if (!a->str_len || !a->str_mode || !a->str_input)
		return -ENOMEM;
	uint32_t id = 0;
	for (size_t i = 0; i < n; i++) {
		if (b->sid[i] == AC_NONE)
			continue;
		a->str_mode[id] = b->sid[i] ? AC_SUBSTRING : AC_WORD;
		a->str_len[id] = (uint32_t)b->in[i].len;
		a->str_input[id] = (uint32_t)i;
		b->sid[i] = id++;
	}
	a->nstrings = id;
	return 0;
}

/* Byte classes: every folded byte some string uses gets a class 1..k, in
 * byte order; an upper-case letter shares its lower-case letter's class. */
static void make_classes(struct builder *b)
{
	struct automaton *a = b->a;
	bool used[256] = { false };
	uint32_t k = 0;

	for (size_t i = 0; i < b->nuniq; i++) {
		const struct ac_input *s = &b->in[b->ord[i]];
		for (size_t j = 0; j < s->len; j++)
			used[fold(s->bytes[j])] = true;
	}
	for (int c = 0; c < 256; c++)
		a->cls[c] = used[c] ? (uint8_t)++k : 0;
	for (int c = 'A'; c <= 'Z'; c++)
		a->cls[c] = a->cls[c + ('a' - 'A')];
	a->nclasses = k + 1;
}

/* Trie size from the sorted distinct strings: each string adds the nodes
 * past its common prefix with its predecessor. */
static int count_states(struct builder *b)
{
	uint64_t total = 1;

	b->maxlen = 0;
	for (size_t i = 0; i < b->nuniq; i++) {
		const struct ac_input *s = &b->in[b->ord[i]];
		b->lcp[i] = i ? lcp_folded(&b->in[b->ord[i - 1]], s) : 0;
		total += s->len - b->lcp[i];
		if (s->len > b->maxlen)
			b->maxlen = (uint32_t)s->len;
	}
	/* AC_NONE must never be a state id. */
	if (total >= UINT32_MAX)
		return -EINVAL;
	b->a->nstates = (uint32_t)total;
	return 0;
}

/* Builds the trie one depth at a time over the sorted strings, so states come
 * out in BFS order and each state's children are consecutive ids, sorted by
 * class. A string gets a new node at depth d iff its common prefix with the
 * previous string still that long is shorter than d. parent[] goes to fail[]
 * (rewritten in place later), the edge class to label[]. */
static int build_trie(struct builder *b)
{
	struct automaton *a = b->a;
	size_t act = b->nuniq;
	uint32_t *cur = alloc_array(act, sizeof(*cur));
	uint32_t ns = 1;

	if (!cur)
		return -ENOMEM;
	for (size_t i = 0; i < act; i++)
		cur[i] = 0;
	a->out[0] = AC_NONE;
	a->fail[0] = 0;
	b->label[0] = 0;
	for (uint32_t d = 1; d <= b->maxlen; d++) {
		size_t keep = 0;
		uint32_t carry = UINT32_MAX;

		for (size_t i = 0; i < act; i++) {
			const struct ac_input *s = &b->in[b->ord[i]];
			uint32_t t;

			if (i == 0 || b->lcp[i] < d) {
				t = ns++;
				a->fail[t] = cur[i];
				b->label[t] = a->cls[s->bytes[d - 1]];
				a->out[t] = AC_NONE;
			} else {
				t = cur[i - 1];
			}
			cur[i] = t;
			if (s->len == d)
				a->out[t] = b->sid[b->ord[i]];
		}
		/* Drop strings that ended here; a survivor's lcp becomes the
		 * minimum over the dropped run before it. */
		for (size_t i = 0; i < act; i++) {
			uint32_t l = b->lcp[i] < carry ? b->lcp[i] : carry;
			if (b->in[b->ord[i]].len == d) {
				carry = l;
				continue;
			}
			b->ord[keep] = b->ord[i];
			b->lcp[keep] = l;
			cur[keep] = cur[i];
			keep++;
			carry = UINT32_MAX;
		}
		act = keep;
	}
	free(cur);
	return 0;
}

/* ---- comb packing ------------------------------------------------------ */

/* Extends next/check/lnk/fails to hold index want; new slots are free and
 * appended to the free list (the old end-of-list link equals the old cap,
 * which is now the first new slot). */
static int comb_grow(struct builder *b, size_t want)
{
	struct automaton *a = b->a;
	size_t cap = b->cap + b->cap / 8 + 1024;

	if (cap <= want)
		cap = want + 1024;
	if (cap > COMB_MAX_LEN) {
		if (want >= COMB_MAX_LEN)
			return -EINVAL;
		cap = COMB_MAX_LEN;
	}
	uint32_t *p;
	if (!(p = reallocarray(a->next, cap, sizeof(*p))))
		return -ENOMEM;
	a->next = p;
	if (!(p = reallocarray(a->check, cap, sizeof(*p))))
		return -ENOMEM;
	a->check = p;
	if (!(p = reallocarray(b->lnk, cap, sizeof(*p))))
		return -ENOMEM;
	b->lnk = p;
	uint8_t *f = realloc(b->fails, cap);
	if (!f)
		return -ENOMEM;
	b->fails = f;
	for (size_t i = b->cap; i < cap; i++) {
		a->next[i] = 0;
		a->check[i] = AC_NONE;
		b->lnk[i] = (uint32_t)(i + 1);
		b->fails[i] = 0;
	}
	b->cap = cap;
	return 0;
}

/* *fits: every class of the row is a free slot at base (the comb grows to
 * cover the row). */
static int row_fits(struct builder *b, size_t base, const uint8_t *lab, uint32_t m, bool *fits)
{
	int rc;

	if (base + lab[m - 1] >= b->cap && (rc = comb_grow(b, base + lab[m - 1])) < 0)
		return rc;
	*fits = true;
	for (uint32_t j = 1; j < m; j++) {
		if (b->a->check[base + lab[j]] != AC_NONE) {
			*fits = false;
			break;
		}
	}
	return 0;
}

/* First fit: walks the free list for a slot that can take the row's first
 * class with all its other classes free too. Used slots are unlinked lazily,
 * and a slot that keeps failing is dropped so long rows stay cheap to place. */
static int find_base(struct builder *b, const uint8_t *lab, uint32_t m, size_t *base)
{
	uint32_t prev = AC_NONE, f = b->head;
	int rc;

	for (;;) {
		if (f >= b->cap && (rc = comb_grow(b, f)) < 0)
			return rc;
		if (b->a->check[f] != AC_NONE || b->fails[f] >= COMB_MAX_FAILS) {
			uint32_t nxt = b->lnk[f];
			if (prev == AC_NONE)
				b->head = nxt;
			else
				b->lnk[prev] = nxt;
			f = nxt;
			continue;
		}
		/* The list starts past the root row, so f > every class. */
		bool fits;
		if ((rc = row_fits(b, f - lab[0], lab, m, &fits)) < 0)
			return rc;
		if (fits) {
			*base = f - lab[0];
			return 0;
		}
		b->fails[f]++;
		prev = f;
		f = b->lnk[f];
	}
}

/* The root owns slots 1..k so its row is complete: a class with no child
 * goes back to the root, and the root never needs a fail link. */
static void place_root(struct builder *b, uint32_t nchild)
{
	struct automaton *a = b->a;

	a->base[0] = 0;
	for (uint32_t c = 1; c < a->nclasses; c++) {
		a->check[c] = 0;
		a->next[c] = 0;
	}
	for (uint32_t t = 1; t <= nchild; t++)
		a->next[b->label[t]] = t;
	b->head = a->nclasses;
	b->top = a->nclasses;
}

/* Packs every row in BFS order. Children of state s are the ids
 * [child, child + m) where parent (held in fail[]) equals s. */
static int pack(struct builder *b)
{
	struct automaton *a = b->a;
	uint32_t ns = a->nstates, child = 1;
	int rc;

	if ((rc = comb_grow(b, (size_t)ns + 2 * a->nclasses)) < 0)
		return rc;
	while (child < ns && a->fail[child] == 0)
		child++;
	place_root(b, child - 1);
	for (uint32_t s = 1; s < ns; s++) {
		uint32_t m = 0;
		size_t base;

		while (child + m < ns && a->fail[child + m] == s)
			m++;
		if (m == 0) {
			a->base[s] = 0;   /* a leaf owns no slot: any base works */
			continue;
		}
		if ((rc = find_base(b, &b->label[child], m, &base)) < 0)
			return rc;
		a->base[s] = (uint32_t)base;
		for (uint32_t j = 0; j < m; j++) {
			a->check[base + b->label[child + j]] = s;
			a->next[base + b->label[child + j]] = child + j;
		}
		if (base + a->nclasses > b->top)
			b->top = base + a->nclasses;
		child += m;
	}
	return 0;
}

/* Trims (or pads) the comb to top so base[s] + c is in range for every
 * state and class, and drops the packing-only arrays. */
static int comb_finish(struct builder *b)
{
	struct automaton *a = b->a;
	size_t top = b->top;
	uint32_t *p;

	free(b->lnk);
	b->lnk = NULL;
	free(b->fails);
	b->fails = NULL;
	if (top > COMB_MAX_LEN)
		return -EINVAL;
	/* A failed shrink keeps the larger block, which is still valid. */
	if ((p = reallocarray(a->next, top, sizeof(*p))))
		a->next = p;
	else if (top > b->cap)
		return -ENOMEM;
	if ((p = reallocarray(a->check, top, sizeof(*p))))
		a->check = p;
	else if (top > b->cap)
		return -ENOMEM;
	for (size_t i = b->cap; i < top; i++) {
		a->next[i] = 0;
		a->check[i] = AC_NONE;
	}
	a->ncomb = (uint32_t)top;
	return 0;
}

/* ---- fail and dictionary links ----------------------------------------- */

static inline uint32_t go(const struct automaton *a, uint32_t s, uint32_t c)
{
	uint32_t i = a->base[s] + c;
	return a->check[i] == s ? a->next[i] : AC_NONE;
}

/* BFS order means a state's parent, and every state on the parent's fail
 * chain, is already final when the state is reached, so fail[] can replace
 * the parent ids it holds in one pass. */
static int link_states(struct builder *b)
{
	struct automaton *a = b->a;
	uint32_t *nout = alloc_array(a->nstates, sizeof(*nout));

	if (!nout)
		return -ENOMEM;
	a->fail[0] = 0;
	a->dict[0] = AC_NONE;
	nout[0] = 0;
	a->max_dict_chain = 0;
	for (uint32_t t = 1; t < a->nstates; t++) {
		uint32_t p = a->fail[t], c = b->label[t], f = 0;

		if (p != 0) {
			/* Ends at the root at the latest: its row is complete. */
			for (f = a->fail[p]; go(a, f, c) == AC_NONE; f = a->fail[f])
				;
			f = go(a, f, c);
		}
		a->fail[t] = f;
		a->dict[t] = a->out[f] != AC_NONE ? f : a->dict[f];
		/* nout: strings reported at t, i.e. t and its dict chain. */
		nout[t] = (a->out[t] != AC_NONE) + nout[f];
		if (nout[t] > a->max_dict_chain)
			a->max_dict_chain = nout[t];
	}
	free(nout);
	return 0;
}

/* ---- prefilter --------------------------------------------------------- */

/* Mask keeping the first q bytes of a 4-byte window, ASCII case bit cleared
 * (so 'A' and 'a' hash alike; other bytes may collide, which only costs a
 * false hit). Built through memory so it is right on either byte order. */
static inline uint32_t window_mask(uint32_t q)
{
	uint8_t m[4] = { 0 };
	uint32_t w;

	memset(m, 0xdf, q);
	memcpy(&w, m, sizeof(w));
	return w;
}

/* The window of 4 bytes at p (zero-padded past avail), masked. */
static inline uint32_t window_at(const uint8_t *p, size_t avail, uint32_t mask)
{
	uint8_t b[4] = { 0 };
	uint32_t w;

	if (avail >= 4) {
		memcpy(&w, p, sizeof(w));
	} else {
		memcpy(b, p, avail);
		memcpy(&w, b, sizeof(w));
	}
	return w & mask;
}

/* Multiply-high hashing: the top half of the 64-bit product mixes every
 * bit of w, and a mask (not a variable shift) picks the bucket. */
static inline uint32_t window_hash(uint32_t w, uint64_t mul, uint32_t hmask)
{
	return (uint32_t)(((uint64_t)w * mul) >> 32) & hmask;
}

static inline uint64_t filter_bit(const uint64_t *f, uint32_t h)
{
	return (f[h >> 6] >> (h & 63)) & 1;
}

/* Stride 2 halves the windows automaton_find looks at but needs every string
 * to span two full windows (windows shorter than 4 bytes let far too many
 * positions through); short strings force stride 1 and short windows. */
static void filter_shape(struct automaton *a, const struct ac_input *in)
{
	size_t minlen = SIZE_MAX;

	for (uint32_t id = 0; id < a->nstrings; id++)
		if (in[a->str_input[id]].len < minlen)
			minlen = in[a->str_input[id]].len;
	a->filter_stride = minlen >= 5 ? 2 : 1;
	minlen -= a->filter_stride - 1;
	a->filter_q = minlen < 4 ? (uint32_t)minlen : 4;
	a->filter_bits = FILTER_MIN_BITS;
	uint64_t want = (uint64_t)a->nstrings * a->filter_stride * FILTER_BITS_PER_KEY;
	while (a->filter_bits < FILTER_MAX_BITS && ((uint64_t)1 << a->filter_bits) < want)
		a->filter_bits++;
}

static int build_filter(struct builder *b)
{
	struct automaton *a = b->a;

	if (a->nstrings == 0)
		return 0;   /* nothing can match: the plain walk returns at once */
	filter_shape(a, b->in);
	size_t words = ((size_t)1 << a->filter_bits) / 64;
	a->filter = calloc(2 * words, sizeof(*a->filter));
	if (!a->filter)
		return -ENOMEM;
	uint32_t mask = window_mask(a->filter_q);
	uint32_t hmask = (uint32_t)(((uint64_t)1 << a->filter_bits) - 1);
	uint64_t *f2 = a->filter + words;

	a->word_only = 1;
	for (uint32_t id = 0; id < a->nstrings; id++) {
		const struct ac_input *s = &b->in[a->str_input[id]];
		for (uint32_t o = 0; o < a->filter_stride; o++) {
			uint32_t w = window_at(s->bytes + o, s->len - o, mask);
			uint32_t h1 = window_hash(w, FILTER_MUL1, hmask);
			uint32_t h2 = window_hash(w, FILTER_MUL2, hmask);
			a->filter[h1 >> 6] |= (uint64_t)1 << (h1 & 63);
			f2[h2 >> 6] |= (uint64_t)1 << (h2 & 63);
		}
		if (a->str_mode[id] == AC_SUBSTRING)
			a->word_only = 0;
	}
	return 0;
}

/* ---- public API -------------------------------------------------------- */

void automaton_free(struct automaton *a)
{
	if (!a)
		return;
	free(a->base);
	free(a->fail);
	free(a->out);
	free(a->dict);
	free(a->next);
	free(a->check);
	free(a->str_len);
	free(a->str_mode);
	free(a->str_input);
	free(a->filter);
	free(a);
}

static void builder_free(struct builder *b)
{
	free(b->ord);
	free(b->lcp);
	free(b->sid);
	free(b->label);
	free(b->lnk);
	free(b->fails);
}

/* 0, or a negative errno (-ENOMEM, -EINVAL when the tables would outgrow
 * their uint32 indices). */
static int build(struct builder *b)
{
	struct automaton *a = b->a;
	size_t n = b->n;
	int rc;

	b->ord = alloc_array(n, sizeof(*b->ord));
	b->sid = alloc_array(n, sizeof(*b->sid));
	if (!b->ord || !b->sid)
		return -ENOMEM;
	if ((rc = dedupe(b)) < 0)
		return rc;
	b->lcp = alloc_array(b->nuniq, sizeof(*b->lcp));
	if (!b->lcp)
		return -ENOMEM;
	make_classes(b);
	if ((rc = count_states(b)) < 0)
		return rc;
	a->out = alloc_array(a->nstates, sizeof(*a->out));
	a->fail = alloc_array(a->nstates, sizeof(*a->fail));
	b->label = alloc_array(a->nstates, sizeof(*b->label));
	if (!a->out || !a->fail || !b->label)
		return -ENOMEM;
	if ((rc = build_trie(b)) < 0)
		return rc;
	free(b->ord);
	b->ord = NULL;
	free(b->lcp);
	b->lcp = NULL;
	free(b->sid);
	b->sid = NULL;
	a->base = alloc_array(a->nstates, sizeof(*a->base));
	if (!a->base)
		return -ENOMEM;
	if ((rc = pack(b)) < 0 || (rc = comb_finish(b)) < 0)
		return rc;
	a->dict = alloc_array(a->nstates, sizeof(*a->dict));
	if (!a->dict)
		return -ENOMEM;
	if ((rc = link_states(b)) < 0 || (rc = build_filter(b)) < 0)
		return rc;
	return 0;
}

struct automaton *automaton_build(const struct ac_input *in, size_t n)
{
	struct builder b = { .in = in, .n = n };
	int rc;

	if (check_inputs(in, n) < 0) {
		errno = EINVAL;
		return NULL;
	}
	b.a = calloc(1, sizeof(*b.a));
	if (!b.a)
		return NULL;   /* errno ENOMEM from calloc */
	rc = build(&b);
	if (rc < 0) {
		builder_free(&b);
		automaton_free(b.a);
		errno = -rc;
		return NULL;
	}
	builder_free(&b);
	return b.a;
}

size_t automaton_memory(const struct automaton *a)
{
	if (!a)
		return 0;
	return sizeof(*a) +
	       (size_t)a->nstates * (sizeof(*a->base) + sizeof(*a->fail) +
				     sizeof(*a->out) + sizeof(*a->dict)) +
	       (size_t)a->ncomb * (sizeof(*a->next) + sizeof(*a->check)) +
	       (size_t)a->nstrings * (sizeof(*a->str_len) + sizeof(*a->str_mode) +
				      sizeof(*a->str_input)) +
	       (a->filter ? 2 * (((size_t)1 << a->filter_bits) / 8) : 0);
}

/* Word mode: the occurrence [e - len, e) must not touch a word byte on
 * either side; end_ok is the (shared) check on the right side. */
static inline bool occurrence_valid(const struct automaton *a, uint32_t id,
				    const uint8_t *s, size_t e, bool end_ok)
{
	if (a->str_mode[id] == AC_SUBSTRING)
		return true;
	size_t start = e - a->str_len[id];
	return end_ok && (start == 0 || !ac_is_word(s[start - 1]));
}

/* Strings ending at state st come longest first (st, then its dict chain),
 * so the first valid one is the longest valid one ending at e. */
static uint32_t first_valid(const struct automaton *a, uint32_t st,
			    const uint8_t *s, size_t n, size_t e)
{
	bool end_ok = e == n || !ac_is_word(s[e]);

	if (a->out[st] == AC_NONE)
		st = a->dict[st];
	for (; st != AC_NONE; st = a->dict[st])
		if (occurrence_valid(a, a->out[st], s, e, end_ok))
			return a->out[st];
	return AC_NONE;
}

/* The linear walk over the documented tables: the kernel's algorithm. */
static long find_ac(const struct automaton *a, const uint8_t *s, size_t n, size_t *end)
{
	const uint8_t *cls = a->cls;
	const uint32_t *base = a->base, *check = a->check, *next = a->next;
	uint32_t st = 0;

	for (size_t i = 0; i < n; i++) {
		uint32_t c = cls[s[i]];

		if (c == 0) {
			st = 0;
			continue;
		}
		for (;;) {
			uint32_t j = base[st] + c;
			if (check[j] == st) {
				st = next[j];
				break;
			}
			if (st == 0)
				break;
			st = a->fail[st];
		}
		if (a->out[st] == AC_NONE && a->dict[st] == AC_NONE)
			continue;
		uint32_t id = first_valid(a, st, s, n, i + 1);
		if (id != AC_NONE) {
			if (end)
				*end = i + 1;
			return (long)a->str_input[id];
		}
	}
	return -1;
}

struct best {
	size_t end;   /* SIZE_MAX: nothing yet */
	uint32_t id;
};

/* Follows the trie (goto only) from start t and keeps the shortest valid
 * string starting there if it ends before the best so far. Starts are tried
 * in increasing order, so at equal ends the earlier, longer one stays.
 * Returns the steps taken. */
static size_t walk_from(const struct automaton *a, const uint8_t *s, size_t n, size_t t,
			struct best *best)
{
	bool start_ok = t == 0 || !ac_is_word(s[t - 1]);
	uint32_t st = 0;
	size_t k = t;

	for (; k < n && k + 1 < best->end; k++) {
		uint32_t c = a->cls[s[k]], j = a->base[st] + c;

		if (c == 0 || a->check[j] != st || (st = a->next[j]) == 0)
			break;   /* (only the root's row has "no child" slots) */
		uint32_t id = a->out[st];
		if (id != AC_NONE && (a->str_mode[id] == AC_SUBSTRING ||
				      (start_ok && (k + 1 == n || !ac_is_word(s[k + 1]))))) {
			best->end = k + 1;
			best->id = id;
			break;
		}
	}
	return k - t + 1;
}

/* A window at p whose first-filter bit is set. If its second bit is set
 * too, it may hold the first filter_q bytes of an occurrence starting at p,
 * or (stride 2) the bytes after its first one: walks the trie from those
 * starts. Returns the steps taken. */
static size_t try_window(const struct automaton *a, const uint8_t *s, size_t n, size_t p,
			 uint32_t mask, struct best *best)
{
	uint32_t hmask = (uint32_t)(((uint64_t)1 << a->filter_bits) - 1);
	const uint64_t *f2 = a->filter + ((size_t)1 << a->filter_bits) / 64;
	size_t steps = 0, stride = a->filter_stride;

	if (!filter_bit(f2, window_hash(window_at(s + p, n - p, mask), FILTER_MUL2, hmask)))
		return 0;

	for (size_t t = p >= stride - 1 ? p - (stride - 1) : 0; t <= p; t++) {
		/* Word-mode strings cannot start right after a word byte. */
		if (a->word_only && t > 0 && ac_is_word(s[t - 1]))
			continue;
		steps += walk_from(a, s, n, t, best);
	}
	return steps;
}

/* Bits 0..3: whether the four windows at p, p + stride, ... have their
 * first-filter bit set (all four fully inside the line). The common all-miss
 * case is one OR of the four shifted words. */
static inline uint32_t block_hits(const uint64_t *f, const uint8_t *p, size_t stride,
				  uint32_t mask, uint32_t hmask)
{
	uint32_t w0, w1, w2, w3;

	memcpy(&w0, p, 4);
	memcpy(&w1, p + stride, 4);
	memcpy(&w2, p + 2 * stride, 4);
	memcpy(&w3, p + 3 * stride, 4);
	uint32_t h0 = window_hash(w0 & mask, FILTER_MUL1, hmask);
	uint32_t h1 = window_hash(w1 & mask, FILTER_MUL1, hmask);
	uint32_t h2 = window_hash(w2 & mask, FILTER_MUL1, hmask);
	uint32_t h3 = window_hash(w3 & mask, FILTER_MUL1, hmask);
	if (!(((f[h0 >> 6] >> (h0 & 63)) | (f[h1 >> 6] >> (h1 & 63)) |
	       (f[h2 >> 6] >> (h2 & 63)) | (f[h3 >> 6] >> (h3 & 63))) & 1))
		return 0;
	return (uint32_t)(filter_bit(f, h0) | filter_bit(f, h1) << 1 |
			  filter_bit(f, h2) << 2 | filter_bit(f, h3) << 3);
}

/* The main scan over blocks of four windows that lie fully inside the line.
 * Inlined once per stride so the offsets are constants. Returns where the
 * blocks stopped, or SIZE_MAX once the walk budget is spent. */
static inline size_t scan_blocks(const struct automaton *a, const uint8_t *s, size_t n,
				 size_t stride, uint32_t mask, struct best *best)
{
	const uint64_t *f = a->filter;
	uint32_t hmask = (uint32_t)(((uint64_t)1 << a->filter_bits) - 1);
	size_t steps = 0, budget = WALK_BUDGET(n), p = 0;

	for (; p + 3 * stride + 4 <= n && p < best->end; p += 4 * stride) {
		uint32_t hits = block_hits(f, s + p, stride, mask, hmask);
		if (hits == 0)
			continue;
		for (size_t k = 0; hits; k++, hits >>= 1)
			if ((hits & 1) && p + k * stride < best->end)
				steps += try_window(a, s, n, p + k * stride, mask, best);
		if (steps > budget)
			return SIZE_MAX;
	}
	return p;
}

/* Looks at every stride-th window of the line, four at a time since nearly
 * all of them miss, and walks the trie only near windows whose bits are set.
 * Anchored walks are not linear in the worst case, so past a budget the
 * linear walk takes over. */
static long find_filtered(const struct automaton *a, const uint8_t *s, size_t n, size_t *end)
{
	uint32_t q = a->filter_q, mask = window_mask(q);
	uint32_t hmask = (uint32_t)(((uint64_t)1 << a->filter_bits) - 1);
	size_t stride = a->filter_stride, p;
	struct best best = { SIZE_MAX, AC_NONE };

	if (n < q)
		return -1;   /* shorter than every string */
	p = stride == 2 ? scan_blocks(a, s, n, 2, mask, &best) : scan_blocks(a, s, n, 1, mask, &best);
	if (p == SIZE_MAX)
		return find_ac(a, s, n, end);
	/* The last windows, zero-padded. An occurrence ending before best.end
	 * starts before best.end - 1 and its window is at most stride - 1
	 * bytes later, so windows from best.end on cannot improve on it. */
	for (; p <= n - q && p < best.end; p += stride) {
		uint32_t h = window_hash(window_at(s + p, n - p, mask), FILTER_MUL1, hmask);
		if (filter_bit(a->filter, h))
			try_window(a, s, n, p, mask, &best);
	}
	if (best.id == AC_NONE)
		return -1;
	if (end)
		*end = best.end;
	return (long)a->str_input[best.id];
}

long automaton_find(const struct automaton *a, const uint8_t *s, size_t n, size_t *end)
{
	return a->filter ? find_filtered(a, s, n, end) : find_ac(a, s, n, end);
}
