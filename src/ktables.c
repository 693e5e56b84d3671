/* SPDX-License-Identifier: BSD-2-Clause */
/* ktables.c - dense kernel tables from the comb automaton and the two DFAs,
 * and the C twin of the kernel's walk. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmdline_space.h"
#include "ktables.h"

#define MIN_SIZE (64u * 1024)
/* Bytes of dense rows: the shallowest states' complete transitions, small
 * enough to stay in a CPU's second-level cache (10k strings over 37 classes:
 * every state down to depth 2). */
#define DENSE_BYTES (256u * 1024)

static int has_output(const struct automaton *a, uint32_t s)
{
	return a->out[s] != AC_NONE || a->dict[s] != AC_NONE;
}

/* Output list of s, longest first (a longer string ending at the same place
 * is always earlier on the dictionary chain). Returns the count, or -E2BIG
 * past NM_KT_MAX_OUTS. */
static int outputs_of(const struct automaton *a, uint32_t s, uint32_t *ids)
{
	uint32_t t = a->out[s] != AC_NONE ? s : a->dict[s];
	int n = 0;

	while (t != AC_NONE) {
		if (n == NM_KT_MAX_OUTS)
			return -E2BIG;
		ids[n++] = a->out[t];
		t = a->dict[t];
	}
	return n;
}

static size_t count_out_words(const struct automaton *a, int *too_many)
{
	uint32_t ids[NM_KT_MAX_OUTS];
	size_t w = 0;

	*too_many = 0;
	for (uint32_t s = 0; a && s < a->nstates; s++) {
		int n = has_output(a, s) ? outputs_of(a, s, ids) : 0;

		if (n < 0)
			*too_many = 1;
		w += n > 0 ? 2u * (uint32_t)n : 0;
	}
	return w;
}

static void fill_banned(const struct automaton *a, struct nm_kt_header *h, uint32_t *w)
{
	uint8_t *cls = (uint8_t *)&w[NM_KT_B_CLS_WORD];
	uint32_t *e = &w[h->b_outs], ids[NM_KT_MAX_OUTS];

	memcpy(cls, a->cls, 256);
	/* argv separators and tabs are judged as the spaces they become in
	 * the squeezed line (cmdline_space.h) */
	cls[0] = a->cls[' '];
	cls['\t'] = a->cls[' '];
	for (uint32_t s = 0; s < a->nstates; s++) {
		w[h->b_states + 2 * (size_t)s] = a->base[s];
		w[h->b_states + 2 * (size_t)s + 1] = a->fail[s];
	}
	for (uint32_t i = 0; i < a->ncomb; i++) {
		uint32_t t = a->next[i];

		w[h->b_comb + 2 * (size_t)i] = a->check[i];
		w[h->b_comb + 2 * (size_t)i + 1] = a->check[i] == AC_NONE ? 0 :
						   t | (has_output(a, t) ? NM_KT_OUT : 0);
	}
	for (uint32_t s = 0; s < a->nstates; s++) {
		int n = has_output(a, s) ? outputs_of(a, s, ids) : 0;

		w[h->b_out_first + s] = n > 0 ? (uint32_t)(e - w) : 0;
		for (int i = 0; i < n; i++) {
			uint32_t f = a->str_len[ids[i]] & NM_KT_ENTRY_LEN;

			if (a->str_mode[ids[i]] == AC_SUBSTRING)
				f |= NM_KT_ENTRY_SUBSTR;
			if (i == n - 1)
				f |= NM_KT_ENTRY_LAST;
			*e++ = f;
			*e++ = a->str_input[ids[i]];
		}
	}
}

/* The complete transition of each of the first ndense states: the goto
 * where there is one, else the root's for the root, else the transition of
 * the fail state (shallower, so a smaller id, so already filled). */
static void fill_dense(const struct automaton *a, const struct nm_kt_header *h, uint32_t *w)
{
	uint32_t *d = &w[h->b_dense], nc = a->nclasses;

	for (uint32_t s = 0; s < h->b_ndense; s++) {
		for (uint32_t c = 0; c < nc; c++) {
			uint32_t i = a->base[s] + c, t;

			if (c && a->check[i] == s)
				t = a->next[i] | (has_output(a, a->next[i]) ? NM_KT_OUT : 0);
			else if (c && s)
				t = d[(size_t)a->fail[s] * nc + c];
			else
				t = 0;
			d[(size_t)s * nc + c] = t;
		}
	}
}

/* Reserves words for DFA d at *words and describes it in *x. */
static void place_dfa(const struct kregex_dfa *d, uint32_t cls_word, size_t *words,
		      struct nm_kt_dfa *x)
{
	x->nstates = d->nstates;
	x->nclasses = d->nclasses;
	x->delta = (uint32_t)*words;
	x->cls_word = cls_word;
	*words += (size_t)d->nstates * d->nclasses;
}

static void fill_dfa(const struct kregex_dfa *d, struct nm_kt_dfa *x, uint32_t *w)
{
	uint8_t *cls = (uint8_t *)&w[x->cls_word];
	uint32_t *delta = &w[x->delta];

	memcpy(cls, d->cls, 256);
	cls[0] = d->cls[' '];
	for (uint32_t s = 0; s < d->nstates; s++)
		for (uint32_t c = 0; c < d->nclasses; c++) {
			uint32_t t = d->next[(size_t)s * d->nclasses + c];

			delta[(size_t)s * d->nclasses + c] =
				(x->delta + t * d->nclasses) | (d->accept[t] ? NM_KT_ACCEPT : 0) |
				(t == d->dead || t == d->sink ? NM_KT_FINAL : 0);
		}
	x->dead = d->dead == UINT32_MAX ? NM_KT_STATE : d->dead;
	x->sink = d->sink == UINT32_MAX ? NM_KT_STATE : d->sink;
	x->start_accept = d->accept[0];
}

int ktables_build(const struct automaton *a, const struct kregex_dfa *allow,
		  enum nm_kt_allow mode, const struct kregex_dfa *pat, size_t cap,
		  struct ktables *out, char *why, size_t whylen)
{
	struct nm_kt_header h = { .magic = NM_KT_MAGIC, .version = NM_KT_VERSION };
	size_t words = NM_KT_DATA_WORD, size = MIN_SIZE;
	int too_many;

	memset(out, 0, sizeof(*out));
	h.allow_mode = allow ? mode : NM_KT_ALLOW_NONE;
	if (mode == NM_KT_ALLOW_PARTIAL && !allow)
		h.allow_mode = NM_KT_ALLOW_PARTIAL;
	if (a) {
		h.b_nstates = a->nstates;
		h.b_nclasses = a->nclasses;
		h.b_ncomb = a->ncomb;
		/* strings come in cmdline_banned_form(): a space in the
		 * alphabet is a space inside a string */
		h.b_squeeze = a->cls[' '] != 0;
		/* word-mode starts are read from the squeezing walk's ring of
		 * the last NM_KT_RING squeezed bytes (and ktables_judge()'s) */
		for (uint32_t i = 0; i < a->nstrings; i++) {
			if (a->str_len[i] >= NM_KT_RING) {
				snprintf(why, whylen, "a banned string is longer than %d bytes",
					 NM_KT_RING - 1);
				return -E2BIG;
			}
		}
		/* the walk takes no bound on base[s] + c: make sure it needs none */
		for (uint32_t s = 0; s < a->nstates; s++) {
			if ((uint64_t)a->base[s] + a->nclasses > a->ncomb) {
				snprintf(why, whylen, "automaton comb too short for state %u", s);
				return -EINVAL;
			}
		}
		words += words & 1;                 /* pairs at even offsets */
		h.b_states = (uint32_t)words;
		words += 2 * (size_t)a->nstates;
		h.b_out_first = (uint32_t)words;
		words += a->nstates;
		words += words & 1;
		h.b_comb = (uint32_t)words;
		words += 2 * (size_t)a->ncomb;
		h.b_outs = (uint32_t)words;
		words += count_out_words(a, &too_many);
		if (too_many) {
			snprintf(why, whylen, "more than %d banned strings end at one position",
				 NM_KT_MAX_OUTS);
			return -E2BIG;
		}
		h.b_ndense = DENSE_BYTES / 4 / a->nclasses;
		if (h.b_ndense > a->nstates)
			h.b_ndense = a->nstates;
		if (h.b_ndense < 1)
			h.b_ndense = 1;
		h.b_dense = (uint32_t)words;
		words += (size_t)h.b_ndense * a->nclasses;
	}
	if ((allow && allow->nstates > NM_KT_DFA_STATE) || (pat && pat->nstates > NM_KT_DFA_STATE)) {
		snprintf(why, whylen, "a DFA has more states than the tables can number");
		return -E2BIG;
	}
	if (allow)
		place_dfa(allow, NM_KT_A_CLS_WORD, &words, &h.allow);
	if (pat)
		place_dfa(pat, NM_KT_P_CLS_WORD, &words, &h.pat);
	/* DFA transitions hold the word offsets of rows, in NM_KT_DFA_STATE */
	if (words > NM_KT_DFA_STATE) {
		snprintf(why, whylen, "kernel tables need more words than a DFA can address");
		return -E2BIG;
	}
	while (size < words * 4 + 8)
		size *= 2;
	if (size > cap || words > NM_KT_STATE) {
		snprintf(why, whylen, "kernel tables need %zu KiB, over the %zu KiB cap",
			 size / 1024, cap / 1024);
		return -E2BIG;
	}
	out->words = calloc(1, size);
	if (!out->words) {
		snprintf(why, whylen, "out of memory");
		return -ENOMEM;
	}
	out->size = size;
	h.nwords = (uint32_t)words;
	if (a) {
		fill_banned(a, &h, out->words);
		fill_dense(a, &h, out->words);
	}
	if (allow)
		fill_dfa(allow, &h.allow, out->words);
	if (pat)
		fill_dfa(pat, &h.pat, out->words);
	memcpy(out->words, &h, sizeof(h));
	return 0;
}

void ktables_free(struct ktables *kt)
{
	free(kt->words);
	memset(kt, 0, sizeof(*kt));
}

static int is_word(uint8_t b)
{
	return ac_is_word(b);
}

/* Best valid string ending at squeezed byte n (state s), given the word
 * bytes of the squeezed line so far (ring, by position modulo NM_KT_RING)
 * and the byte after it (next, or -1 at the end). Mirrors the kernel:
 * longest substring-mode entry, or a longer word-mode entry whose both
 * edges are free. A match starts and ends on a byte that is no separator
 * (cmdline_banned_form()), so the raw byte after it is as much a word byte
 * as the squeezed one. */
static long best_at(const uint32_t *w, uint32_t s, const uint8_t *ring, size_t n, int next)
{
	const struct nm_kt_header *h = (const void *)w;
	uint32_t e = w[h->b_out_first + s];

	for (int k = 0; k < NM_KT_MAX_OUTS; k++, e += 2) {
		uint32_t f = w[e], len = f & NM_KT_ENTRY_LEN;
		int ok = 1;

		if (!(f & NM_KT_ENTRY_SUBSTR)) {
			if (n + 1 > len && ring[(n - len) & (NM_KT_RING - 1)])
				ok = 0;
			if (next >= 0 && is_word((uint8_t)next))
				ok = 0;
		}
		if (ok)
			return (long)w[e + 1];
		if (f & NM_KT_ENTRY_LAST)
			break;
	}
	return -1;
}

/* Whether DFA x accepts the line argv stands for (NULs as spaces, trailing
 * ones dropped). */
static int dfa_walk(const uint32_t *w, const struct nm_kt_dfa *x, const uint8_t *argv, size_t len)
{
	const uint8_t *cls = (const uint8_t *)&w[x->cls_word];
	uint32_t a = x->delta, acc = x->start_accept, saved_acc = acc;
	int in_nul = 0;

	for (size_t i = 0; i < len; i++) {
		uint32_t t;

		/* the line ends at the last non-NUL byte: remember where */
		if (argv[i] == 0 && !in_nul) {
			saved_acc = acc;
			in_nul = 1;
		} else if (argv[i]) {
			in_nul = 0;
		}
		t = w[a + cls[argv[i]]];
		a = t & NM_KT_DFA_STATE;
		acc = !!(t & NM_KT_ACCEPT);
		if (!(t & NM_KT_FINAL))
			continue;
		/* dead or sink: decided for every line that goes on past here */
		if (!in_nul)
			return (int)acc;
		/* inside a NUL run: the line may have ended before it */
		while (++i < len)
			if (argv[i])
				return (int)acc;
		return (int)saved_acc;
	}
	return in_nul ? (int)saved_acc : (int)acc;
}

/* One byte of the banned walk: a dense row's transition, else the goto,
 * else fail links (which end in a dense state at the latest: the root is
 * one). *out is set when the new state ends a banned string. */
static uint32_t banned_step(const uint32_t *w, uint32_t s, uint8_t c, int *out)
{
	const struct nm_kt_header *h = (const void *)w;

	*out = 0;
	if (c == 0)
		return 0;
	for (;;) {
		const uint32_t *st, *e;

		/* a shallow state (the root among them) resolves in one load */
		if (s < h->b_ndense) {
			uint32_t t = w[h->b_dense + (size_t)s * h->b_nclasses + c];

			*out = !!(t & NM_KT_OUT);
			return t & NM_KT_STATE;
		}
		st = &w[h->b_states + 2 * (size_t)s];
		e = &w[h->b_comb + 2 * ((size_t)st[0] + c)];
		if (e[0] == s) {
			*out = !!(e[1] & NM_KT_OUT);
			return e[1] & NM_KT_STATE;
		}
		s = st[1];
	}
}

/* One byte of the banned patterns' DFA walked alongside the strings: *acc
 * is whether the line as far as its last non-NUL byte is accepted (a NUL
 * may end the line: the verdict before it stands). Its dead and sink states
 * are absorbing, so a walk that goes on past them keeps their verdict:
 * dfa_walk()'s answer, with no early end. */
static void pat_step(const uint32_t *w, uint32_t *ps, uint32_t *acc, uint8_t b)
{
	const uint8_t *cls = (const uint8_t *)&w[NM_KT_P_CLS_WORD];
	uint32_t t = w[*ps + cls[b]];

	*ps = t & NM_KT_DFA_STATE;
	if (b)
		*acc = !!(t & NM_KT_ACCEPT);
}

void ktables_judge(const struct ktables *kt, const uint8_t *argv, size_t len, struct kverdict *v)
{
	const uint32_t *w = kt->words;
	const struct nm_kt_header *h = (const void *)w;
	const uint8_t *cls = (const uint8_t *)&w[NM_KT_B_CLS_WORD];
	long tentative = -1;
	uint32_t s = 0, ps = h->pat.delta, pacc = h->pat.start_accept;
	uint8_t ring[NM_KT_RING];
	size_t n = 0;
	int out, prev_space = 0;

	v->matched = -1;
	v->pattern = 0;
	v->allowed = 0;
	for (size_t i = 0; h->b_nstates && i < len && v->matched < 0; i++) {
		int space = cmdline_is_space(argv[i]);

		/* a match ending in a NUL run holds only if the run is not trailing */
		if (tentative >= 0) {
			if (argv[i])
				v->matched = tentative;
			continue;
		}
		/* the patterns' DFA in the same pass: every byte the strings'
		 * walk reads (those a tentative match skips are NULs) */
		if (h->pat.nstates)
			pat_step(w, &ps, &pacc, argv[i]);
		/* the strings see a run of separators as its first one (with
		 * no space in any string, the same verdict as reading it all:
		 * the kernel's plain walk does) */
		if (h->b_squeeze && space && prev_space)
			continue;
		prev_space = space;
		s = banned_step(w, s, cls[argv[i]], &out);
		ring[n & (NM_KT_RING - 1)] = (uint8_t)is_word(argv[i]);
		n++;
		if (!out)
			continue;
		long id = best_at(w, s, ring, n - 1, i + 1 < len ? argv[i + 1] : -1);

		if (id >= 0 && argv[i] == 0)
			tentative = id;
		else if (id >= 0)
			v->matched = id;
	}
	/* no banned string: a banned pattern, anywhere in the line (walked
	 * above, or on its own where there are no strings) */
	if (v->matched < 0 && h->pat.nstates)
		v->pattern = h->b_nstates && len ? (int)pacc : dfa_walk(w, &h->pat, argv, len);
	if ((v->matched >= 0 || v->pattern) && h->allow_mode != NM_KT_ALLOW_NONE &&
	    h->allow.nstates)
		v->allowed = dfa_walk(w, &h->allow, argv, len);
}
