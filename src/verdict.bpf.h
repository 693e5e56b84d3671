/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* verdict.bpf.h - walks the kernel tables (ktables_types.h) over an argv in
 * user memory: the BPF twin of ktables_judge() in ktables.c, which is the
 * reference it is tested against.
 *
 * Shaped for the verifier of every kernel from 5.17 (bpf_loop) on. The
 * per-byte work lives in global functions, which the verifier checks once
 * each, on their own, with nothing known of their caller; and the walk keeps
 * its state in a per-CPU map, not on the caller's stack, so no value of it is
 * a constant the verifier could follow from one bpf_loop round to the next.
 * (Static bpf_loop callbacks over a stack struct were verified past the
 * 1M-instruction limit by 6.18.44 and every kernel from 6.19 on: the state
 * explored per round grew with each round.) Each call walks up to
 * KW_BLOCK steps with the state in registers. */
#ifndef NOMINE_VERDICT_BPF_H
#define NOMINE_VERDICT_BPF_H

#include "exec_event.h"
#include "ktables_types.h"

/* Set before load: value size of the table blob is kt_wmask * 4 + 4 bytes. */
const volatile __u32 kt_wmask = 0;

/* The verdict tables, swapped whole by user space on reload: a walk checks
 * the generation it began with at every step block, so an exec is judged by
 * one table or (when swapped under it) by user space. No entry means no
 * kernel verdict: every exec goes to user space. */
struct tables_inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);   /* user space writes the blob in place */
	__uint(max_entries, 1);
	__uint(key_size, 4);
	__uint(value_size, 65536);   /* set to the cap before load */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct tables_inner);
} tables SEC(".maps");

/* One record of scratch per CPU: the exec program builds its records in it,
 * and the walk reads argv into its data a chunk at a time. A program run
 * owns its CPU's slot until it returns: the kernel never starts a second
 * run of the same program on a CPU while one is under way there (even
 * where tracepoints are preemptible; it skips the second run and counts a
 * recursion miss, which user space answers with a sweep). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct exec_record);
} scratch SEC(".maps");

/* Steps per global-function call: enough to make the call and the table
 * lookups negligible per byte, few enough to verify in a few thousand
 * instructions. */
#define KW_BLOCK 64
/* Fail links followed for one byte before the block yields (and the next
 * call goes on from there). */
#define KW_HOPS 4

enum kw_status {
	KW_RUNNING = 0,
	KW_DONE = 1,          /* the walk reached its end, or a decision */
	KW_INCOMPLETE = 2,    /* argv unreadable, tables swapped */
};

struct kwalk {
	__u64 arg_start;
	__u32 argv_len;
	__u32 gen;            /* generation of the tables the walk began with */
	__u32 chunk_off;      /* argv offset of scratch data[0] */
	__u32 chunk_len;      /* bytes of argv in scratch data, 0 before the first */
	__u32 pos;            /* next byte within the chunk */
	__u32 s;              /* banned, allow or pattern state */
	__s32 matched;        /* banned string index, -1 none */
	__s32 tentative;      /* a match ending in a NUL run, held until a byte follows */
	__u32 status;         /* enum kw_status */
	__u32 acc;            /* allow DFA: the line so far is accepted */
	__u32 saved_acc;      /* acc where the current NUL run began */
	__u32 in_nul;
	__u32 final_in_nul;   /* the DFA reached its dead or sink state inside a
			       * NUL run: acc is final unless the line ended
			       * before the run */
	__u32 which;          /* DFA walk: 0 the allow DFA, 1 the banned patterns' */
	/* the banned patterns' DFA, walked in the same pass as the strings
	 * (kw_banned_pat_block): its state, and whether it accepts the line
	 * as far as its last non-NUL byte */
	__u32 ps;
	__u32 pacc;
	/* a state that ends banned strings, reached at argv[hit_at]: the block
	 * stops there and the next one judges it (kw_best is a call, and a call
	 * inside the byte loop would push its registers to the stack) */
	__u32 hit_pending;
	__u32 hit_state;
	__u32 hit_at;
	__u32 hit_nul;        /* argv[hit_at] is a NUL */
	__u32 hit_n;          /* its place in the squeezed line (sq) */
	__u32 sq;             /* the squeezing walk (b_squeeze) is under way */
	/* With a space in some string (b_squeeze), the strings read the line
	 * squeezed (cmdline_space.h): a separator (space, tab, NUL) right
	 * after one is skipped. n counts the bytes read, ring holds whether
	 * each was a word byte (word-mode starts, by place modulo
	 * NM_KT_RING). Kept here, not in registers: a count that some paths
	 * of the byte loop advance and others not would cost the verifier a
	 * state per distance. The plain walk uses none of them. */
	__u32 n;
	__u32 prev_space;
	__u8 ring[NM_KT_RING];  /* last: kw_begin() clears what comes before */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct kwalk);
} walk SEC(".maps");

/* ASCII word bytes [A-Za-z0-9_]: one load instead of a comparison chain. */
static const __u8 kw_word_tab[256] = {
	['0' ... '9'] = 1, ['A' ... 'Z'] = 1, ['_'] = 1, ['a' ... 'z'] = 1,
};

/* The separators a run of which the strings read as one space. */
static const __u8 kw_space_tab[256] = { [0] = 1, ['\t'] = 1, [' '] = 1 };

/* A value loaded afresh from its map on every use. Comparing a register
 * narrows its range, and from 6.x on the verifier carries that narrowing to
 * every register and stack slot linked to it (copies, copies plus a
 * constant): a block bound or table size kept in a register across the
 * loop would reach each round with a range that depends on the path taken,
 * and the verifier would keep one state per path. A fresh load is linked to
 * nothing. (volatile: the compiler would hoist the loads out of the loop.) */
#define KW_FRESH(x) (*(volatile typeof(x) *)&(x))

/* Word i of the blob; m is kt_wmask, read once per function into a register
 * (a read of the volatile itself costs a load at every use). */
static __always_inline __u32 kw_word(const __u32 *w, __u32 m, __u64 i)
{
	return w[i & m];
}

static __always_inline __u8 kw_cls(const __u32 *w, __u32 m, __u32 cls_word, __u8 b)
{
	return ((const __u8 *)w)[((cls_word * 4 + b) & (m * 4 + 3))];
}

/* The blob in force, or NULL (none, or swapped since the walk began when
 * gen is not ~0). */
static __always_inline const __u32 *kw_tables(__u32 gen)
{
	const struct nm_kt_header *h;
	__u32 zero = 0;
	void *inner;

	inner = bpf_map_lookup_elem(&tables, &zero);
	if (!inner)
		return NULL;
	h = bpf_map_lookup_elem(inner, &zero);
	if (!h || h->magic != NM_KT_MAGIC || (gen != ~0u && h->generation != gen))
		return NULL;
	return (const __u32 *)h;
}

static __always_inline struct kwalk *kw_state(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&walk, &zero);
}

static __always_inline struct exec_record *kw_scratch(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&scratch, &zero);
}

/* argv[i] of the walk, from the chunk when it holds it, else from user
 * memory; 0 past the end or when unreadable (a NUL is not a word byte). */
__noinline int kw_argv_byte(__u32 i)
{
	struct kwalk *k = kw_state();
	struct exec_record *r = kw_scratch();
	__u8 b = 0;

	if (!k || !r || i >= k->argv_len)
		return 0;
	if (i >= k->chunk_off && i - k->chunk_off < k->chunk_len)
		return r->data[(i - k->chunk_off) & (NM_CHUNK_MAX - 1)];
	bpf_probe_read_user(&b, 1, (void *)(k->arg_start + i));
	return b;
}

/* Whether the byte before a match of len bytes ending at argv[i] is a word
 * byte: read in argv, or in the squeezing walk's ring at the match's end in
 * the squeezed line (hit_n). */
static __always_inline int kw_word_before(struct kwalk *k, __u32 i, __u32 len)
{
	__u32 at_n = k->hit_n;

	if (k->sq)
		return at_n + 1 > len && k->ring[(at_n - len) & (NM_KT_RING - 1)];
	return i + 1 > len && kw_word_tab[kw_argv_byte(i - len) & 0xff];
}

/* The longest valid string ending at argv[i] in state s (best_at() in
 * ktables.c), or -1. Runs only where a banned string ends. A match starts
 * and ends on a byte that is no separator, so the byte after it reads the
 * same in argv as in the squeezed line. (The squeezing walk's state is
 * read from the map, so that the plain walk's call is as it was.) */
__noinline long kw_best(__u32 s, __u32 i)
{
	struct kwalk *k = kw_state();
	const __u32 *w;
	__u32 e, next_word, m = kt_wmask;

	if (!k)
		return -1;
	w = kw_tables(k->gen);
	if (!w)
		return -1;
	e = kw_word(w, m, (__u64)((const struct nm_kt_header *)w)->b_out_first + s);
	next_word = kw_word_tab[kw_argv_byte(i + 1) & 0xff];
	for (int n = 0; n < NM_KT_MAX_OUTS; n++, e += 2) {
		__u32 f = kw_word(w, m, e), len = f & NM_KT_ENTRY_LEN;

		if ((f & NM_KT_ENTRY_SUBSTR) ||
		    (!next_word && !kw_word_before(k, i, len)))
			return kw_word(w, m, (__u64)e + 1);
		if (f & NM_KT_ENTRY_LAST)
			break;
	}
	return -1;
}

/* Reads the chunk after the current one into scratch. Returns 0, or 1 when
 * the walk is over (status set). */
static __always_inline int kw_next_chunk(struct kwalk *k, struct exec_record *r)
{
	__u32 off = k->chunk_off + k->chunk_len, len;

	if (off >= k->argv_len) {
		k->status = KW_DONE;
		return 1;
	}
	len = k->argv_len - off;
	if (len > NM_CHUNK_MAX)
		len = NM_CHUNK_MAX;
	len = ((len - 1) & (NM_CHUNK_MAX - 1)) + 1;
	if (bpf_probe_read_user(r->data, len, (void *)(k->arg_start + off))) {
		k->status = KW_INCOMPLETE;   /* unreadable argv: user space decides */
		return 1;
	}
	k->chunk_off = off;
	k->chunk_len = len;
	k->pos = 0;
	return 0;
}

/* What every block starts with: the walk, the scratch chunk and the tables
 * (unchanged since the walk began). Returns -1 when the block can go on,
 * else its return value (1: the walk is over). */
static __always_inline int kw_block_begin(struct kwalk **kp, struct exec_record **rp,
					  const __u32 **wp)
{
	struct kwalk *k = kw_state();
	struct exec_record *r = kw_scratch();

	if (!k || !r || k->status != KW_RUNNING)
		return 1;
	*wp = kw_tables(k->gen);
	if (!*wp) {
		k->status = KW_INCOMPLETE;
		return 1;
	}
	*kp = k;
	*rp = r;
	return -1;
}

/* One byte of the banned patterns' DFA (pat_step() in ktables.c). */
static __always_inline void kw_pat_step(const __u32 *w, __u32 m, __u32 *ps, __u32 *pacc, __u8 b)
{
	/* the pattern class map sits at a fixed place too */
	__u32 pt = w[(*ps + ((const __u8 *)w)[NM_KT_P_CLS_WORD * 4 + b]) & m];

	*ps = pt & NM_KT_DFA_STATE;
	/* the line ends at its last non-NUL byte: a NUL keeps the verdict of
	 * the line so far */
	if (b)
		*pacc = pt >> 31;
}

/* Up to KW_BLOCK bytes of the banned walk (banned_step() in ktables.c),
 * and with pat (a constant) the banned patterns' DFA over the same bytes
 * (pat_step() in ktables.c): one read of argv for both, where a second walk
 * for the patterns doubled the time of every clean exec. The DFA steps once
 * for each byte the strings' walk consumes; the bytes it skips (a tentative
 * match's NUL run) are NULs, which leave its verdict as it was. Its dead and
 * sink states need no early end: they are absorbing, so stepping on keeps
 * the verdict, and the strings' walk (a string outranks a pattern) reads
 * every byte anyway.
 *
 * With sq (a constant) the strings read the line squeezed (cmdline_space.h):
 * a separator right after one is skipped, and each byte read is counted and
 * its word flag kept in the ring (kw_best). Tables whose strings hold no
 * space take the walk without sq, which does none of it: the squeezed line
 * gives them the same verdict.
 *
 * Each byte takes its goto, after following at most KW_HOPS fail links; a
 * byte that needs more stops the block there, and the next call goes on
 * following links from where this one stopped (Aho-Corasick follows fewer
 * links than it reads bytes, so this is rare).
 *
 * The byte index is the block's start (loaded, the same on every path) plus
 * the loop counter (a constant in each round): were it a register that some
 * paths advance and others not, the verifier would keep a state for every
 * distance between them. Returns 1 when the walk is over. */
static __always_inline int kw_strings_block(bool pat, bool sq)
{
	struct kwalk *k;
	struct exec_record *r;
	const struct nm_kt_header *h;
	const __u32 *w;
	__u32 j, m, me, st, comb, dense, ncls, ps = 0, pacc = 0;
	__u64 s;
	int ret = kw_block_begin(&k, &r, &w);

	if (ret >= 0)
		return ret;
	if (k->hit_pending) {
		long id = kw_best(k->hit_state, k->hit_at);

		k->hit_pending = 0;
		if (id >= 0 && !k->hit_nul) {
			k->matched = (__s32)id;
			k->status = KW_DONE;
			return 1;
		}
		if (id >= 0)          /* ended in a NUL run: decided by what follows */
			k->tentative = (__s32)id;
	}
	if (k->pos >= k->chunk_len)
		return kw_next_chunk(k, r);
	if (k->tentative >= 0) {
		/* a match that ended in a NUL run holds once a byte follows */
		for (j = 0; j < KW_BLOCK; j++) {
			__u32 at = KW_FRESH(k->pos) + j;

			if (at >= KW_FRESH(k->chunk_len))
				break;
			if (r->data[at & (NM_CHUNK_MAX - 1)]) {
				k->matched = k->tentative;
				k->status = KW_DONE;
				return 1;
			}
		}
		k->pos += j;
		return 0;
	}
	h = (const struct nm_kt_header *)w;
	/* pairs sit at even word offsets: an even mask keeps both words of a
	 * pair inside the blob. Offsets are only added and masked, never
	 * compared: they stay in registers. */
	m = kt_wmask;
	me = m & ~1u;
	st = h->b_states;
	comb = h->b_comb;
	dense = h->b_dense;
	ncls = h->b_nclasses;
	if (pat) {
		ps = k->ps & NM_KT_DFA_STATE;
		pacc = k->pacc & 1;
	}
	s = k->s & NM_KT_STATE;
	for (j = 0; j < KW_BLOCK; j++) {
		__u32 at = KW_FRESH(k->pos) + j, c, t = 0, hop, sp_b, n;
		const __u32 *sp, *cp;
		__u8 b;

		if (at >= KW_FRESH(k->chunk_len))
			break;
		b = r->data[at & (NM_CHUNK_MAX - 1)];
		if (sq) {
			sp_b = kw_space_tab[b];
			if (sp_b && KW_FRESH(k->prev_space)) {
				/* a separator after one: the strings skip it,
				 * the patterns' DFA reads it (a NUL, a tab or a
				 * space) */
				if (pat)
					kw_pat_step(w, m, &ps, &pacc, b);
				continue;
			}
		}
		/* the class map sits at a fixed place near the start: no mask */
		c = ((const __u8 *)w)[NM_KT_B_CLS_WORD * 4 + b];
		for (hop = 0; hop < KW_HOPS; hop++) {
			/* near the root (most bytes): the complete transition */
			if (s < KW_FRESH(h->b_ndense)) {
				t = w[(dense + s * ncls + c) & m];
				break;
			}
			if (c == 0)    /* a byte no string has: back to the root */
				break;
			sp = &w[(st + 2 * s) & me];              /* {base, fail} */
			cp = &w[(comb + 2 * ((__u64)sp[0] + c)) & me];   /* {check, next} */
			if (cp[0] == s) {
				t = cp[1];
				break;
			}
			s = sp[1] & NM_KT_STATE;
		}
		if (hop == KW_HOPS) {
			/* resume on this byte, in the state the links led to */
			if (pat) {
				k->ps = ps;
				k->pacc = pacc;
			}
			k->s = s;
			k->pos = at;
			return 0;
		}
		s = t & NM_KT_STATE;
		if (sq) {
			k->prev_space = sp_b;
			n = KW_FRESH(k->n);
			k->ring[n & (NM_KT_RING - 1)] = kw_word_tab[b];
			k->n = n + 1;
		}
		if (pat) {
			/* the pattern class map sits at a fixed place too */
			__u32 pt = w[(ps + ((const __u8 *)w)[NM_KT_P_CLS_WORD * 4 + b]) & m];

			ps = pt & NM_KT_DFA_STATE;
			/* the line ends at its last non-NUL byte: a NUL keeps the
			 * verdict of the line so far */
			if (b)
				pacc = pt >> 31;
		}
		if (t & NM_KT_OUT) {
			if (pat) {
				k->ps = ps;
				k->pacc = pacc;
			}
			k->s = s;
			k->pos = at + 1;
			k->hit_pending = 1;
			k->hit_state = s;
			k->hit_at = k->chunk_off + at;
			k->hit_nul = b == 0;
			if (sq)
				k->hit_n = n;
			return 0;
		}
	}
	k->s = s;
	k->pos += j;
	if (pat) {
		k->ps = ps;
		k->pacc = pacc;
	}
	return 0;
}

__noinline int kw_banned_block(void)
{
	return kw_strings_block(false, false);
}

__noinline int kw_banned_pat_block(void)
{
	return kw_strings_block(true, false);
}

__noinline int kw_banned_sq_block(void)
{
	return kw_strings_block(false, true);
}

__noinline int kw_banned_sq_pat_block(void)
{
	return kw_strings_block(true, true);
}

/* Up to KW_BLOCK bytes of a DFA, the allow patterns' or (k->which) the
 * banned patterns' (dfa_walk() in ktables.c): a line accepted as a whole,
 * NULs read as spaces and a trailing run of them dropped. Its dead and sink
 * states end the walk early. Returns 1 when the walk is over. */
__noinline int kw_dfa_block(void)
{
	struct kwalk *k;
	struct exec_record *r;
	const struct nm_kt_header *h;
	const struct nm_kt_dfa *d;
	const __u32 *w;
	__u32 s, start, len, acc, saved_acc, in_nul, final_in_nul, clsw, j;
	__u32 m = kt_wmask;
	int ret = kw_block_begin(&k, &r, &w);

	if (ret >= 0)
		return ret;
	if (k->pos >= k->chunk_len)
		return kw_next_chunk(k, r);
	h = (const struct nm_kt_header *)w;
	d = k->which ? &h->pat : &h->allow;
	clsw = d->cls_word;
	s = k->s;
	start = k->pos;
	len = k->chunk_len;
	acc = k->acc;
	saved_acc = k->saved_acc;
	in_nul = k->in_nul;
	final_in_nul = k->final_in_nul;
	for (j = 0; j < KW_BLOCK; j++) {
		__u32 at = start + j, t;
		__u8 b;

		if (at >= len)
			break;
		b = r->data[at & (NM_CHUNK_MAX - 1)];
		if (final_in_nul) {
			/* dead or sink inside a NUL run: that verdict (acc, which
			 * no byte changes any more), unless the line ended before
			 * the run */
			if (!b)
				continue;
			k->acc = acc;
			k->in_nul = 0;
			k->status = KW_DONE;
			return 1;
		}
		/* the line ends at the last non-NUL byte: remember the verdict there */
		if (!b && !in_nul) {
			saved_acc = acc;
			in_nul = 1;
		} else if (b) {
			in_nul = 0;
		}
		t = kw_word(w, m, (__u64)s + kw_cls(w, m, clsw, b));
		s = t & NM_KT_DFA_STATE;
		acc = !!(t & NM_KT_ACCEPT);
		if (t & NM_KT_FINAL) {
			if (!in_nul) {
				k->acc = acc;
				k->in_nul = 0;
				k->status = KW_DONE;
				return 1;
			}
			final_in_nul = 1;
		}
	}
	k->s = s;
	k->pos = start + j;
	k->acc = acc;
	k->saved_acc = saved_acc;
	k->in_nul = in_nul;
	k->final_in_nul = final_in_nul;
	return 0;
}

static long kw_banned_cb(__u32 i, void *ctx)
{
	return kw_banned_block() != 0;
}

static long kw_banned_pat_cb(__u32 i, void *ctx)
{
	return kw_banned_pat_block() != 0;
}

static long kw_banned_sq_cb(__u32 i, void *ctx)
{
	return kw_banned_sq_block() != 0;
}

static long kw_banned_sq_pat_cb(__u32 i, void *ctx)
{
	return kw_banned_sq_pat_block() != 0;
}

static long kw_dfa_cb(__u32 i, void *ctx)
{
	return kw_dfa_block() != 0;
}

/* bpf_loop rounds for a walk of len bytes: a round per KW_BLOCK bytes, one
 * more for each byte whose fail links outrun KW_HOPS (there are at most as
 * many links as bytes, so at most len / KW_HOPS such stops, each also
 * splitting a block), one per output state reached (at most one per byte,
 * each splitting a block), a round per chunk read, and a margin. */
static __always_inline __u32 kw_rounds(__u32 len)
{
	__u32 nchunks = len / NM_CHUNK_MAX + 1;

	__u64 n = len / KW_BLOCK + 2 * (len / KW_HOPS) + 2 * (__u64)len + 2 * nchunks + 4;

	/* bpf_loop's own limit; a walk it cuts short is left to user space */
	return n < (1u << 23) ? n : (1u << 23);
}

/* Starts a walk of argv with the tables w (generation gen). */
static __always_inline struct kwalk *kw_begin(unsigned long arg_start, __u32 argv_len,
					      __u32 gen)
{
	struct kwalk *k = kw_state();

	if (!k)
		return NULL;
	__builtin_memset(k, 0, __builtin_offsetof(struct kwalk, ring));
	k->arg_start = arg_start;
	k->argv_len = argv_len;
	k->gen = gen;
	k->matched = -1;
	k->tentative = -1;
	return k;
}

/* 1 if DFA `which` (0 allow, 1 banned patterns) of the tables of
 * generation gen accepts the whole line, 0 if not (or there is no such
 * DFA), -1 if the walk could not finish. A global function: verified once,
 * and its callers see one unknown result instead of its paths. */
__noinline int kw_dfa_accepts(__u32 which, __u64 arg_start, __u32 argv_len, __u32 gen)
{
	const struct nm_kt_header *h = (const void *)kw_tables(gen);
	const struct nm_kt_dfa *d;
	struct kwalk *k;

	if (!h)
		return -1;
	d = which ? &h->pat : &h->allow;
	if (!d->nstates)
		return 0;
	k = kw_begin(arg_start, argv_len, gen);
	if (!k)
		return -1;
	k->which = which;
	k->s = d->delta;              /* the start state's row */
	k->acc = d->start_accept;
	k->saved_acc = k->acc;
	bpf_loop(kw_rounds(argv_len), kw_dfa_cb, NULL, 0);
	/* k is a map value: the verifier knows nothing of what the walk left */
	k = kw_state();
	if (!k || k->status != KW_DONE)
		return -1;
	return k->in_nul ? k->saved_acc : k->acc;
}

/* The first valid banned string of the argv; else NM_KT_PATTERN_MATCH if a
 * banned pattern matches anywhere in the line; else -1. -2 when a walk could
 * not finish (unreadable argv, tables swapped): user space decides. */
static __always_inline __s64 kw_banned(const struct nm_kt_header *h, unsigned long arg_start,
				       __u32 argv_len)
{
	struct kwalk *k;
	int hit, pat = h->pat.nstates != 0, sq = h->b_squeeze != 0;
	__u32 rounds = kw_rounds(argv_len);

	if (h->b_nstates && argv_len) {
		k = kw_begin(arg_start, argv_len, h->generation);
		if (!k)
			return -2;
		/* the patterns' DFA goes along in the same pass; the squeezing
		 * walk only where some string holds a space */
		k->ps = h->pat.delta;
		k->pacc = h->pat.start_accept;
		k->sq = sq;
		if (sq && pat)
			bpf_loop(rounds, kw_banned_sq_pat_cb, NULL, 0);
		else if (sq)
			bpf_loop(rounds, kw_banned_sq_cb, NULL, 0);
		else if (pat)
			bpf_loop(rounds, kw_banned_pat_cb, NULL, 0);
		else
			bpf_loop(rounds, kw_banned_cb, NULL, 0);
		k = kw_state();
		if (!k || k->status != KW_DONE)
			return -2;
		if (k->matched >= 0)
			return k->matched;
		hit = pat && k->pacc;
	} else {
		hit = pat ? kw_dfa_accepts(1, arg_start, argv_len, h->generation) : 0;
	}
	if (hit < 0)
		return -2;
	return hit ? NM_KT_PATTERN_MATCH : -1;
}

/* 1 if the allow DFA accepts the whole line, 0 if not, -1 if the walk could
 * not finish. */
static __always_inline int kw_allowed(const struct nm_kt_header *h, unsigned long arg_start,
				      __u32 argv_len)
{
	return kw_dfa_accepts(0, arg_start, argv_len, h->generation);
}

#endif
