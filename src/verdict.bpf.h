/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* verdict.bpf.h - walks the kernel tables (ktables_types.h) over an argv in
 * user memory: the BPF twin of ktables_judge() in ktables.c, which is the
 * reference it is tested against. */
#ifndef NOMINE_VERDICT_BPF_H
#define NOMINE_VERDICT_BPF_H

#include "exec_event.h"
#include "ktables_types.h"


/* Set before load: value size of the table blob is kt_wmask * 4 + 4 bytes. */
const volatile __u32 kt_wmask = 0;

struct kwalk {
	const __u32 *w;              /* the blob */
	struct exec_record *r;       /* per-CPU scratch; argv chunk in r->data */
	unsigned long arg_start;
	__u32 argv_len;
	__u32 chunk_off;             /* argv offset of r->data[0] */
	__u32 chunk_len;
	__u32 pos;                   /* next byte within the chunk */
	__u32 s;                     /* banned state, or allow state */
	__u32 ncls, delta;           /* allow DFA */
	__u32 base, fail, next, check, ncomb, out_first;   /* banned automaton */
	__u32 dead;
	__s64 matched, tentative;
	__u32 acc, saved_acc, in_nul;
	__u32 dead_in_nul;           /* allow DFA died inside a NUL run */
	__u32 incomplete;            /* step budget ran out: cannot judge */
};

static __always_inline __u32 kw_word(const __u32 *w, __u64 i)
{
	return w[i & kt_wmask];
}

static __always_inline __u8 kw_cls(const __u32 *w, __u32 cls_word, __u8 b)
{
	return ((const __u8 *)w)[((cls_word * 4 + b) & (kt_wmask * 4 + 3))];
}

static __always_inline int kw_byte(struct kwalk *k, __u64 i, __u8 *b)
{
	*b = 0;
	if (i >= k->argv_len)
		return -1;
	return bpf_probe_read_user(b, 1, (void *)(k->arg_start + i));
}

static __always_inline bool kw_is_word(__u8 b)
{
	return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') ||
	       (b >= '0' && b <= '9') || b == '_';
}

/* The longest valid string ending at argv[i] in state s (see best_at() in
 * ktables.c), or -1. */
static __always_inline __s64 kw_best(struct kwalk *k, __u32 s, __u64 i)
{
	__u32 e = kw_word(k->w, (__u64)k->out_first + s);
	__u8 next = 0, prev = 0;
	bool has_next = i + 1 < k->argv_len;

	if (has_next)
		kw_byte(k, i + 1, &next);
	for (int n = 0; n < NM_KT_MAX_OUTS; n++, e += 2) {
		__u32 f = kw_word(k->w, e), len = f & NM_KT_ENTRY_LEN;
		bool ok = true;

		if (!(f & NM_KT_ENTRY_SUBSTR)) {
			if (i + 1 > len && !kw_byte(k, i - len, &prev) && kw_is_word(prev))
				ok = false;
			if (has_next && kw_is_word(next))
				ok = false;
		}
		if (ok)
			return kw_word(k->w, (__u64)e + 1);
		if (f & NM_KT_ENTRY_LAST)
			break;
	}
	return -1;
}

/* Handles a state with outputs reached at chunk position pos - 1.
 * Returns 1 when the walk is decided. */
static __always_inline long kw_hit(struct kwalk *k, struct exec_record *r, __u32 s, __u32 pos)
{
	__u64 i = (__u64)k->chunk_off + pos - 1;
	__s64 id = kw_best(k, s, i);

	if (id < 0)
		return 0;
	if (r->data[(pos - 1) & (NM_CHUNK_MAX - 1)] == 0) {
		k->tentative = id;
		return 0;
	}
	k->matched = id;
	return 1;
}

/* Fail links followed per byte before the step yields to the next
 * callback (which resumes on the same byte): Aho-Corasick follows fewer
 * than one per byte on average, and bounded code keeps the verifier fast. */
#define KW_HOPS 4

/* One byte of the banned walk: goto, else fail links (the root never
 * fails), as banned_step() in ktables.c. */
static long kw_banned_step(__u32 unused, void *ctx)
{
	struct kwalk *k = ctx;
	const __u32 *w = k->w;
	struct exec_record *r = k->r;
	__u32 s = k->s, pos = k->pos, t = 0, c;
	bool done = false;

	if (!w || !r || pos >= k->chunk_len)
		return 1;
	c = kw_cls(w, NM_KT_B_CLS_WORD, r->data[pos & (NM_CHUNK_MAX - 1)]);
	if (k->tentative >= 0) {
		/* a match that ended in a NUL run holds once a byte follows */
		if (r->data[pos & (NM_CHUNK_MAX - 1)]) {
			k->matched = k->tentative;
			return 1;
		}
		k->pos = pos + 1;
		return k->pos >= k->chunk_len;
	}
	if (c == 0) {       /* a byte no string has */
		s = 0;
		done = true;
	}
	for (int hop = 0; hop < KW_HOPS && !done; hop++) {
		__u64 i = (__u64)kw_word(w, (__u64)k->base + s) + c;

		if (i < k->ncomb && kw_word(w, (__u64)k->check + i) == s) {
			t = kw_word(w, (__u64)k->next + i);
			s = t & NM_KT_STATE;
			done = true;
		} else if (s == 0) {
			done = true;
		} else {
			s = kw_word(w, (__u64)k->fail + s);
		}
	}
	k->s = s;
	if (!done)
		return 0;
	k->pos = ++pos;
	if ((t & NM_KT_OUT) && kw_hit(k, r, s, pos))
		return 1;
	return pos >= k->chunk_len;
}

/* One byte of the allow DFA (a cold path: only after a banned match). */
static long kw_allow_step(__u32 unused, void *ctx)
{
	struct kwalk *k = ctx;
	const __u32 *w = k->w;
	struct exec_record *r = k->r;
	__u32 pos = k->pos, t;
	__u8 b;

	if (!w || !r || pos >= k->chunk_len)
		return 1;
	b = r->data[pos & (NM_CHUNK_MAX - 1)];
	if (k->dead_in_nul) {
		/* dead inside a NUL run: allowed only if the line ended before it */
		k->pos = pos + 1;
		if (b) {
			k->in_nul = 0;
			k->acc = 0;
			k->dead_in_nul = 0;
			return 1;
		}
		return k->pos >= k->chunk_len;
	}
	/* the line ends at the last non-NUL byte: remember the verdict there */
	if (!b && !k->in_nul) {
		k->saved_acc = k->acc;
		k->in_nul = 1;
	} else if (b) {
		k->in_nul = 0;
	}
	t = kw_word(w, (__u64)k->delta + (__u64)k->s * k->ncls + kw_cls(w, NM_KT_A_CLS_WORD, b));
	k->s = t & NM_KT_STATE;
	k->acc = !!(t & NM_KT_ACCEPT);
	k->pos = pos + 1;
	if (k->s == k->dead) {
		if (!k->in_nul) {
			k->acc = 0;
			return 1;
		}
		k->dead_in_nul = 1;
	}
	return k->pos >= k->chunk_len;
}

/* Reads chunk i of argv into the scratch record. */
static __always_inline int kw_load_chunk(struct kwalk *k, __u32 i)
{
	__u32 off = i * NM_CHUNK_MAX, len;

	if (off >= k->argv_len)
		return -1;
	len = k->argv_len - off;
	if (len > NM_CHUNK_MAX)
		len = NM_CHUNK_MAX;
	len = ((len - 1) & (NM_CHUNK_MAX - 1)) + 1;
	if (bpf_probe_read_user(k->r->data, len, (void *)(k->arg_start + off)))
		return -1;
	k->chunk_off = off;
	k->chunk_len = len;
	k->pos = 0;
	return 0;
}

static long kw_banned_chunk(__u32 i, void *ctx)
{
	struct kwalk *k = ctx;

	if (!k->r || kw_load_chunk(k, i)) {
		k->incomplete = 1;   /* unreadable argv: user space decides */
		return 1;
	}
	/* bytes plus fail hops: Aho-Corasick needs fewer than two steps a byte */
	bpf_loop(2 * NM_CHUNK_MAX + 4096, kw_banned_step, k, 0);
	if (k->pos < k->chunk_len && k->matched < 0)
		k->incomplete = 1;
	return k->matched >= 0 || k->incomplete;
}

static long kw_allow_chunk(__u32 i, void *ctx)
{
	struct kwalk *k = ctx;

	if (!k->r || kw_load_chunk(k, i))
		return 1;
	bpf_loop(NM_CHUNK_MAX, kw_allow_step, k, 0);
	return k->s == k->dead && !k->dead_in_nul;
}

static __always_inline __u32 kw_nchunks(struct kwalk *k)
{
	return (k->argv_len + NM_CHUNK_MAX - 1) / NM_CHUNK_MAX;
}

/* The first valid banned string of the argv, or -1. A failed read returns
 * -2: the caller leaves the verdict to user space. */
static __always_inline __s64 kw_banned(struct kwalk *k)
{
	const struct nm_kt_header *h = (const void *)k->w;

	if (!h->b_nstates || !k->argv_len)
		return -1;
	k->s = 0;
	k->base = h->b_base;
	k->fail = h->b_fail;
	k->next = h->b_next;
	k->check = h->b_check;
	k->ncomb = h->b_ncomb;
	k->out_first = h->b_out_first;
	k->matched = -1;
	k->tentative = -1;
	k->incomplete = 0;
	if (bpf_loop(kw_nchunks(k), kw_banned_chunk, k, 0) < 0 || k->incomplete)
		return -2;
	return k->matched;
}

/* 1 if the allow DFA accepts the whole line. */
static __always_inline int kw_allowed(struct kwalk *k)
{
	const struct nm_kt_header *h = (const void *)k->w;

	if (!h->a_nstates)
		return 0;
	k->s = 0;
	k->ncls = h->a_nclasses;
	k->delta = h->a_delta;
	k->dead = h->a_dead;
	k->acc = h->a_start_accept;
	k->saved_acc = k->acc;
	k->in_nul = 0;
	k->dead_in_nul = 0;
	bpf_loop(kw_nchunks(k), kw_allow_chunk, k, 0);
	return k->in_nul ? k->saved_acc : k->acc;
}

#endif
