/* SPDX-License-Identifier: BSD-2-Clause */
/* kregex.c - allow and banned patterns to a minimal byte DFA: Thompson NFA, subset construction, Hopcroft. */
#include "kregex.h"
#include "kregex_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The subset construction produces more states than the minimal DFA has
 * (about 3.5x for a union of 76 realistic patterns, where one pattern's
 * trailing .* makes the others' threads redundant); let it go this far past
 * max_states before giving up. */
#define BUILD_SLACK 8
#define BUILD_HARD_MAX (1u << 21)

/* Bounds on the subset construction: NFA items visited in closures (a few
 * seconds' worth: repeats of nullable groups get there first) and stored in
 * the states' item lists (64 MiB). */
#define BUILD_WORK_MAX (1ULL << 29)
#define BUILD_POOL_MAX ((size_t)1 << 24)

/* ---- NFA --------------------------------------------------------------- */

enum nfa_op { N_CHAR, N_SPLIT, N_BOL, N_EOL, N_EOS, N_MATCH };

struct nfa_node {
	uint8_t op;
	uint32_t out, out1;   /* out1 only for N_SPLIT */
	uint32_t set;         /* N_CHAR: index into nfa.sets */
};

struct nfa {
	struct nfa_node *v;
	uint32_t n, cap;
	struct kr_set *sets;  /* distinct byte sets of N_CHAR nodes */
	uint32_t nsets, setcap;
};

static uint32_t nfa_add(struct nfa *f, enum nfa_op op, uint32_t out, uint32_t out1)
{
	if (f->n == f->cap) {
		uint32_t cap = f->cap ? f->cap * 2 : 256;
		struct nfa_node *v = cap > f->cap ? realloc(f->v, (size_t)cap * sizeof(*v)) : NULL;

		if (!v)
			return KR_NONE;
		f->v = v;
		f->cap = cap;
	}
	f->v[f->n] = (struct nfa_node){ .op = (uint8_t)op, .out = out, .out1 = out1, .set = 0 };
	return f->n++;
}

static uint32_t nfa_set(struct nfa *f, const struct kr_set *s)
{
	/* Linear de-duplication: patterns use few distinct sets. */
	for (uint32_t i = 0; i < f->nsets; i++)
		if (!memcmp(&f->sets[i], s, sizeof(*s)))
			return i;
	if (f->nsets == f->setcap) {
		uint32_t cap = f->setcap ? f->setcap * 2 : 32;
		struct kr_set *v = realloc(f->sets, (size_t)cap * sizeof(*v));

		if (!v)
			return KR_NONE;
		f->sets = v;
		f->setcap = cap;
	}
	f->sets[f->nsets] = *s;
	return f->nsets++;
}

/* Emits node id of the AST so that it continues to NFA node next; returns the
 * entry node (KR_NONE when out of memory). Built back to front. */
static uint32_t gen(struct nfa *f, const struct kr_ast *a, uint32_t id, uint32_t next)
{
	const struct kr_node *nd = &a->node[id];
	uint32_t t = next, c, k, cnt;
	uint32_t *kids;

	switch (nd->op) {
	case KR_EMPTY:
		return next;
	case KR_SET:
		k = nfa_set(f, &nd->set);
		t = k == KR_NONE ? KR_NONE : nfa_add(f, N_CHAR, next, 0);
		if (t != KR_NONE)
			f->v[t].set = k;
		return t;
	case KR_BOL:
		return nfa_add(f, N_BOL, next, 0);
	case KR_EOL:
		return nfa_add(f, N_EOL, next, 0);
	case KR_EOS:
		return nfa_add(f, N_EOS, next, 0);
	case KR_CAT:
	case KR_ALT:
		for (cnt = 0, c = nd->child; c != KR_NONE; c = a->node[c].sibling)
			cnt++;
		kids = malloc((size_t)cnt * sizeof(*kids));
		if (!kids)
			return KR_NONE;
		for (cnt = 0, c = nd->child; c != KR_NONE; c = a->node[c].sibling)
			kids[cnt++] = c;
		if (nd->op == KR_CAT) {
			while (cnt-- && t != KR_NONE)
				t = gen(f, a, kids[cnt], t);
		} else if (cnt == 0) {
			t = next;      /* an empty alternation matches the empty string */
		} else {
			t = gen(f, a, kids[--cnt], next);
			while (cnt-- && t != KR_NONE) {
				c = gen(f, a, kids[cnt], next);
				t = c == KR_NONE ? KR_NONE : nfa_add(f, N_SPLIT, c, t);
			}
		}
		free(kids);
		return t;
	default: /* KR_REPEAT: min copies, then a loop or (max - min) nested options */
		cnt = nd->min;
		if (nd->max == KR_INF) {
			uint32_t loop = nfa_add(f, N_SPLIT, KR_NONE, next);

			c = loop == KR_NONE ? KR_NONE : gen(f, a, nd->child, loop);
			if (c == KR_NONE)
				return KR_NONE;
			f->v[loop].out = c;
			/* x{n,} as x{n-1} then a loop entered at x: one copy fewer
			 * than x{n} x*, so fewer subsets for the DFA to merge. */
			t = cnt ? c : loop;
			cnt -= cnt ? 1 : 0;
		} else {
			for (k = nd->min; k < nd->max && t != KR_NONE; k++) {
				c = gen(f, a, nd->child, t);
				t = c == KR_NONE ? KR_NONE : nfa_add(f, N_SPLIT, c, next);
			}
		}
		while (cnt-- && t != KR_NONE)
			t = gen(f, a, nd->child, t);
		return t;
	}
}

/* ---- byte classes ------------------------------------------------------ */

/* Splits the 256 bytes into classes that no set (nor '\n', which $ treats
 * specially) tells apart. Returns the number of classes. */
static uint32_t byte_classes(const struct nfa *f, uint8_t cls[256])
{
	uint32_t n = 1;
	struct kr_set nl = { { 1ULL << '\n', 0, 0, 0 } };

	memset(cls, 0, 256);
	for (uint32_t i = 0; i <= f->nsets; i++) {
		const struct kr_set *s = i < f->nsets ? &f->sets[i] : &nl;
		uint16_t map[512];
		uint32_t m = 0;

		for (int j = 0; j < 512; j++)
			map[j] = UINT16_MAX;
		for (int b = 0; b < 256; b++) {
			int key = cls[b] * 2 + kr_set_has(s, (unsigned)b);

			if (map[key] == UINT16_MAX)
				map[key] = (uint16_t)m++;
			cls[b] = (uint8_t)map[key];
		}
		n = m;
	}
	return n;
}

/* ---- subset construction ----------------------------------------------- */

/* An NFA thread is a node plus what the line's remainder must be, because
 * of a $ or \z already passed (ENDANCHORED: the match ends at the line end):
 * 0 free, 1 "" or "\n" (after $ \Z), 2 "" (after \z, or $ then '\n'). An
 * item is node * 3 + flag. ^ and \A only hold in the start state's closure. */
struct build {
	const struct nfa *f;
	uint32_t nclasses, nl_class;
	uint64_t (*cmask)[4];       /* per set: the classes it contains */
	uint32_t *stamp, *ostamp;   /* per item: visited, kept in this closure */
	uint32_t epoch;
	uint64_t work;              /* items visited so far */
	uint32_t *stack, *out, nout;
	int out_accept;             /* N_MATCH is in the closure */
	uint32_t *seed, nseed;
	/* DFA states: item sets (unordered) in pool[off[s] .. off[s + 1]) */
	uint32_t *pool;
	size_t npool, poolcap;
	size_t *off;
	uint64_t *shash;            /* per state: hash of its set */
	uint32_t nstates, statecap, limit;
	uint32_t *next;
	uint8_t *accept;
	uint32_t *hash;             /* open addressing over state ids */
	size_t hashcap;
};

static uint64_t mix(uint64_t x)
{
	x ^= x >> 31;
	x *= 0x7fb5d329728ea185ULL;
	x ^= x >> 27;
	x *= 0x81dadef4bc2dd44dULL;
	return x ^ (x >> 33);
}

/* Epsilon closure of b->seed into b->out, an unordered set (its items carry
 * ostamp == epoch, so sets compare without sorting). Only items that can
 * still move are kept; reaching N_MATCH sets b->out_accept. */
static void closure(struct build *b, int at_start)
{
	const struct nfa *f = b->f;
	uint32_t sp = 0;

	b->nout = 0;
	b->out_accept = 0;
	if (++b->epoch == 0) {
		memset(b->stamp, 0, (size_t)f->n * 3 * sizeof(*b->stamp));
		memset(b->ostamp, 0, (size_t)f->n * 3 * sizeof(*b->ostamp));
		b->epoch = 1;
	}
	for (uint32_t i = 0; i < b->nseed; i++)
		b->stack[sp++] = b->seed[i];
	while (sp) {
		uint32_t it = b->stack[--sp], node = it / 3, fl = it % 3;
		const struct nfa_node *nd = &f->v[node];

		if (b->stamp[it] == b->epoch)
			continue;
		b->stamp[it] = b->epoch;
		b->work++;
		switch (nd->op) {
		case N_CHAR:
			if (fl == 0 || (fl == 1 && kr_set_has(&f->sets[nd->set], '\n'))) {
				b->ostamp[it] = b->epoch;
				b->out[b->nout++] = it;
			}
			break;
		case N_MATCH:
			b->out_accept = 1;
			break;
		case N_SPLIT:
			b->stack[sp++] = nd->out * 3 + fl;
			b->stack[sp++] = nd->out1 * 3 + fl;
			break;
		case N_BOL:
			if (at_start)
				b->stack[sp++] = nd->out * 3 + fl;
			break;
		case N_EOL:
			b->stack[sp++] = nd->out * 3 + (fl ? fl : 1);
			break;
		default: /* N_EOS */
			b->stack[sp++] = nd->out * 3 + 2;
			break;
		}
	}
}

/* Order-independent: a sum of mixed items. */
static uint64_t hash_set(const uint32_t *v, uint32_t n, int accept)
{
	uint64_t h = mix(((uint64_t)n << 1) | (uint64_t)accept);

	for (uint32_t i = 0; i < n; i++)
		h += mix(v[i] + 1);
	return h;
}

static int grow_hash(struct build *b)
{
	size_t cap = b->hashcap ? b->hashcap * 2 : 1024;
	uint32_t *h = malloc(cap * sizeof(*h));

	if (!h)
		return -ENOMEM;
	memset(h, 0xff, cap * sizeof(*h));
	for (uint32_t s = 0; s < b->nstates; s++) {
		size_t i = b->shash[s] & (cap - 1);

		while (h[i] != UINT32_MAX)
			i = (i + 1) & (cap - 1);
		h[i] = s;
	}
	free(b->hash);
	b->hash = h;
	b->hashcap = cap;
	return 0;
}

/* Whether state s holds exactly the set just computed in b->out. */
static int same_set(const struct build *b, uint32_t s, uint64_t h)
{
	const uint32_t *v = b->pool + b->off[s];
	size_t n = b->off[s + 1] - b->off[s];

	if (b->shash[s] != h || n != b->nout || b->accept[s] != b->out_accept)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (b->ostamp[v[i]] != b->epoch)
			return 0;
	return 1;
}

static int grow_states(struct build *b)
{
	uint32_t cap = b->statecap * 2;
	size_t *off = realloc(b->off, ((size_t)cap + 1) * sizeof(*off));
	uint64_t *sh;
	uint32_t *next;
	uint8_t *acc;

	if (!off)
		return -ENOMEM;
	b->off = off;
	sh = realloc(b->shash, (size_t)cap * sizeof(*sh));
	if (!sh)
		return -ENOMEM;
	b->shash = sh;
	next = realloc(b->next, (size_t)cap * b->nclasses * sizeof(*next));
	if (!next)
		return -ENOMEM;
	b->next = next;
	acc = realloc(b->accept, cap);
	if (!acc)
		return -ENOMEM;
	b->accept = acc;
	b->statecap = cap;
	return 0;
}

/* The state for the set in b->out, found or added, in *state. 0, or -E2BIG
 * if over a limit, or -ENOMEM. */
static int state_for(struct build *b, uint32_t *state)
{
	uint32_t n = b->nout, s;
	uint64_t h = hash_set(b->out, n, b->out_accept);
	size_t i;

	if (b->work > BUILD_WORK_MAX)
		return -E2BIG;
	if ((size_t)b->nstates * 2 >= b->hashcap && grow_hash(b) < 0)
		return -ENOMEM;
	for (i = h & (b->hashcap - 1); (s = b->hash[i]) != UINT32_MAX; i = (i + 1) & (b->hashcap - 1))
		if (same_set(b, s, h)) {
			*state = s;
			return 0;
		}
	if (b->nstates >= b->limit || b->npool + n > BUILD_POOL_MAX)
		return -E2BIG;
	if (b->nstates == b->statecap && grow_states(b) < 0)
		return -ENOMEM;
	if (b->npool + n > b->poolcap) {
		size_t cap = (b->poolcap + n) * 2;
		uint32_t *p = realloc(b->pool, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		b->pool = p;
		b->poolcap = cap;
	}
	memcpy(b->pool + b->npool, b->out, (size_t)n * sizeof(*b->out));
	b->npool += n;
	s = b->nstates++;
	b->off[s + 1] = b->npool;
	b->shash[s] = h;
	b->accept[s] = (uint8_t)b->out_accept;
	b->hash[i] = s;
	*state = s;
	return 0;
}

/* Breadth-first subset construction; fills b->next for every state. 0, or
 * a negative errno (-E2BIG, -ENOMEM). */
static int subsets(struct build *b, uint32_t start)
{
	const struct nfa *f = b->f;
	uint32_t *cur = malloc((size_t)f->n * 3 * sizeof(*cur));
	uint32_t t;
	int rc;

	if (!cur)
		return -ENOMEM;
	b->seed[0] = start * 3;
	b->nseed = 1;
	closure(b, 1);
	rc = state_for(b, &t);
	if (rc < 0)
		goto fail;
	for (uint32_t s = 0; s < b->nstates; s++) {
		uint32_t n = (uint32_t)(b->off[s + 1] - b->off[s]);

		memcpy(cur, b->pool + b->off[s], (size_t)n * sizeof(*cur));
		for (uint32_t c = 0; c < b->nclasses; c++) {
			/* Every kept item is an N_CHAR: does it take class c? */
			b->nseed = 0;
			b->work += n;
			for (uint32_t i = 0; i < n; i++) {
				const struct nfa_node *nd = &f->v[cur[i] / 3];
				uint32_t fl = cur[i] % 3;

				if (!((b->cmask[nd->set][c >> 6] >> (c & 63)) & 1))
					continue;
				if (fl == 1 && c != b->nl_class)
					continue;
				b->seed[b->nseed++] = nd->out * 3 + (fl ? 2 : 0);
			}
			closure(b, 0);
			rc = state_for(b, &t);
			if (rc < 0)
				goto fail;
			b->next[(size_t)s * b->nclasses + c] = t;
		}
	}
	free(cur);
	return 0;
fail:
	free(cur);
	return rc;
}

/* ---- minimisation (Hopcroft) ------------------------------------------- */

struct part {
	uint32_t *elem, *loc, *blk, *first, *end, *marked, *work, *touched, *members;
	uint8_t *inwork;
	uint32_t nblocks, nwork;
};

static void push_work(struct part *p, uint32_t blk)
{
	if (!p->inwork[blk]) {
		p->inwork[blk] = 1;
		p->work[p->nwork++] = blk;
	}
}

/* Refines the partition by the states in x (each at most once). */
static void split(struct part *p, const uint32_t *x, size_t nx)
{
	uint32_t ntouched = 0;

	for (size_t i = 0; i < nx; i++) {
		uint32_t s = x[i], b = p->blk[s], pos = p->loc[s], to = p->first[b] + p->marked[b];
		uint32_t other = p->elem[to];

		p->elem[to] = s;
		p->loc[s] = to;
		p->elem[pos] = other;
		p->loc[other] = pos;
		if (p->marked[b]++ == 0)
			p->touched[ntouched++] = b;
	}
	for (uint32_t i = 0; i < ntouched; i++) {
		uint32_t b = p->touched[i], m = p->marked[b], nb;

		p->marked[b] = 0;
		if (m == p->end[b] - p->first[b])
			continue;
		nb = p->nblocks++;
		p->first[nb] = p->first[b];
		p->end[nb] = p->first[b] + m;
		p->first[b] = p->end[nb];
		for (uint32_t j = p->first[nb]; j < p->end[nb]; j++)
			p->blk[p->elem[j]] = nb;
		if (p->inwork[b] || m <= p->end[b] - p->first[b])
			push_work(p, nb);
		else
			push_work(p, b);
	}
}

/* Computes blk[s], the class of s in the minimal DFA; returns their number
 * (or 0 when out of memory). Every state is reachable from the start. */
static uint32_t minimise(uint32_t n, uint32_t k, const uint32_t *next, const uint8_t *acc,
			 uint32_t *blk)
{
	size_t nk = (size_t)n * k;
	uint32_t *inv = malloc(nk * sizeof(*inv)), *ioff = malloc((nk + 1) * sizeof(*ioff));
	uint32_t *buf = malloc((size_t)n * 8 * sizeof(*buf)), *x = malloc((size_t)n * sizeof(*x));
	uint8_t *inwork = calloc(n, 1);
	struct part p;
	uint32_t na = 0, result = 0;

	if (!inv || !ioff || !buf || !x || !inwork)
		goto out;
	/* Predecessors of t by class c: inv[ioff[c * n + t] .. ioff[c * n + t + 1]). */
	memset(ioff, 0, (nk + 1) * sizeof(*ioff));
	for (uint32_t s = 0; s < n; s++)
		for (uint32_t c = 0; c < k; c++)
			ioff[(size_t)c * n + next[(size_t)s * k + c] + 1]++;
	for (size_t i = 0; i < nk; i++)
		ioff[i + 1] += ioff[i];
	for (uint32_t s = 0; s < n; s++)
		for (uint32_t c = 0; c < k; c++) {
			size_t slot = (size_t)c * n + next[(size_t)s * k + c];

			inv[ioff[slot]++] = s;
		}
	for (size_t i = nk; i > 0; i--)
		ioff[i] = ioff[i - 1];
	ioff[0] = 0;

	p = (struct part){ .elem = buf, .loc = buf + n, .blk = blk, .first = buf + 2 * (size_t)n,
			   .end = buf + 3 * (size_t)n, .marked = buf + 4 * (size_t)n,
			   .work = buf + 5 * (size_t)n, .touched = buf + 6 * (size_t)n,
			   .members = buf + 7 * (size_t)n, .inwork = inwork };
	memset(p.marked, 0, (size_t)n * sizeof(*p.marked));
	for (uint32_t s = 0; s < n; s++)
		if (acc[s])
			na++;
	/* Initial blocks: accepting, then the rest (either may be empty). */
	for (uint32_t s = 0, ia = 0, ir = na; s < n; s++) {
		uint32_t at = acc[s] ? ia++ : ir++;

		p.elem[at] = s;
		p.loc[s] = at;
	}
	p.nblocks = 0;
	if (na) {
		p.first[p.nblocks] = 0;
		p.end[p.nblocks++] = na;
	}
	if (na < n) {
		p.first[p.nblocks] = na;
		p.end[p.nblocks++] = n;
	}
	for (uint32_t b = 0; b < p.nblocks; b++) {
		for (uint32_t j = p.first[b]; j < p.end[b]; j++)
			blk[p.elem[j]] = b;
		push_work(&p, b);
	}
	while (p.nwork) {
		uint32_t a = p.work[--p.nwork], nm = 0;

		p.inwork[a] = 0;
		for (uint32_t j = p.first[a]; j < p.end[a]; j++)
			p.members[nm++] = p.elem[j];
		for (uint32_t c = 0; c < k; c++) {
			size_t nx = 0;

			for (uint32_t j = 0; j < nm; j++) {
				size_t slot = (size_t)c * n + p.members[j];

				for (uint32_t q = ioff[slot]; q < ioff[slot + 1]; q++)
					x[nx++] = inv[q];
			}
			if (nx)
				split(&p, x, nx);
		}
	}
	result = p.nblocks;
out:
	free(inv);
	free(ioff);
	free(buf);
	free(x);
	free(inwork);
	return result;
}

/* ---- assembling the result --------------------------------------------- */

/* Writes the minimal DFA: blocks renumbered so the start is 0, classes with
 * identical columns merged, the dead state found. 0, or -ENOMEM. */
static int emit(const struct build *b, const uint32_t *blk, uint32_t nb, const uint8_t cls[256],
		struct kregex_dfa *out)
{
	uint32_t k = b->nclasses, *ren = malloc((size_t)nb * sizeof(*ren));
	uint32_t *rep = malloc((size_t)nb * sizeof(*rep)), cmap[256], nk = 0, id = 0;
	uint64_t colhash[256];
	int rc = -ENOMEM;

	memset(out, 0, sizeof(*out));
	if (!ren || !rep)
		goto out;
	memset(ren, 0xff, (size_t)nb * sizeof(*ren));
	for (uint32_t s = 0; s < b->nstates; s++)
		if (ren[blk[s]] == UINT32_MAX) {
			ren[blk[s]] = id;
			rep[id++] = s;
		}
#define TARGET(s, c) blk[b->next[(size_t)rep[s] * k + (c)]]
	/* Class c merges into an earlier class d whose column is the same. */
	for (uint32_t c = 0; c < k; c++) {
		uint32_t d;

		colhash[c] = 0xcbf29ce484222325ULL;
		for (uint32_t s = 0; s < nb; s++)
			colhash[c] = (colhash[c] ^ TARGET(s, c)) * 0x100000001b3ULL;
		for (d = 0; d < c; d++) {
			uint32_t s = 0;

			if (colhash[d] != colhash[c])
				continue;
			while (s < nb && TARGET(s, c) == TARGET(s, d))
				s++;
			if (s == nb)
				break;
		}
		cmap[c] = d < c ? cmap[d] : nk++;
	}
	out->next = malloc((size_t)nb * nk * sizeof(*out->next));
	out->accept = malloc(nb);
	if (!out->next || !out->accept)
		goto out;
	out->nstates = nb;
	out->nclasses = nk;
	for (int i = 0; i < 256; i++)
		out->cls[i] = (uint8_t)cmap[cls[i]];
	for (uint32_t s = 0; s < nb; s++) {
		out->accept[s] = b->accept[rep[s]];
		for (uint32_t c = 0; c < k; c++)
			out->next[(size_t)s * nk + cmap[c]] = ren[TARGET(s, c)];
	}
#undef TARGET
	/* In a minimal DFA all states that cannot accept are one state, looping;
	 * so are all states from which every line accepts. */
	out->dead = out->sink = UINT32_MAX;
	for (uint32_t s = 0; s < nb; s++) {
		uint32_t c = 0;

		while (c < nk && out->next[(size_t)s * nk + c] == s)
			c++;
		if (c == nk && !out->accept[s] && out->dead == UINT32_MAX)
			out->dead = s;
		if (c == nk && out->accept[s] && out->sink == UINT32_MAX)
			out->sink = s;
	}
	rc = 0;
out:
	if (rc)
		kregex_dfa_free(out);
	free(ren);
	free(rep);
	return rc;
}

/* ---- public API -------------------------------------------------------- */

int kregex_supported(const char *pattern, const char **reason)
{
	struct kr_ast a;
	const char *why = NULL;
	int rc;

	if (!pattern) {
		why = "no pattern";
		rc = -EINVAL;
	} else {
		rc = kr_parse(pattern, &a, &why);
		kr_ast_free(&a);
	}
	if (reason)
		*reason = rc ? why : NULL;
	return rc;
}

static void build_free(struct build *b)
{
	free(b->cmask);
	free(b->stamp);
	free(b->ostamp);
	free(b->shash);
	free(b->stack);
	free(b->out);
	free(b->seed);
	free(b->pool);
	free(b->off);
	free(b->next);
	free(b->accept);
	free(b->hash);
}

/* The DFA of an NFA whose last node is its N_MATCH. 0, or a negative errno
 * (-E2BIG over the budget, -ENOMEM). */
static int determinise(const struct nfa *f, uint32_t start, uint32_t max_states,
		       struct kregex_dfa *out)
{
	struct build b = { .f = f };
	uint8_t cls[256];
	uint32_t *blk = NULL, nb;
	size_t items = (size_t)f->n * 3;
	uint64_t limit = (uint64_t)max_states * BUILD_SLACK;
	int rc;

	b.nclasses = byte_classes(f, cls);
	b.nl_class = cls['\n'];
	b.limit = limit > BUILD_HARD_MAX ? BUILD_HARD_MAX : (uint32_t)limit;
	b.cmask = calloc(f->nsets ? f->nsets : 1, sizeof(*b.cmask));
	b.stamp = calloc(items, sizeof(*b.stamp));
	b.ostamp = calloc(items, sizeof(*b.ostamp));
	b.stack = malloc((items * 3 + 4) * sizeof(*b.stack));
	b.out = malloc(items * sizeof(*b.out));
	b.seed = malloc(items * sizeof(*b.seed));
	b.statecap = 64;
	b.poolcap = 1024;
	b.pool = malloc(b.poolcap * sizeof(*b.pool));
	b.off = calloc((size_t)b.statecap + 1, sizeof(*b.off));
	b.shash = malloc((size_t)b.statecap * sizeof(*b.shash));
	b.next = malloc((size_t)b.statecap * b.nclasses * sizeof(*b.next));
	b.accept = malloc(b.statecap);
	if (!b.cmask || !b.stamp || !b.ostamp || !b.stack || !b.out || !b.seed || !b.pool ||
	    !b.off || !b.shash || !b.next || !b.accept) {
		rc = -ENOMEM;
		goto out;
	}
	for (uint32_t i = 0; i < f->nsets; i++)
		for (int c = 0; c < 256; c++)
			if (kr_set_has(&f->sets[i], (unsigned)c))
				b.cmask[i][cls[c] >> 6] |= 1ULL << (cls[c] & 63);
	rc = subsets(&b, start);
	if (rc < 0)
		goto out;
	blk = malloc((size_t)b.nstates * sizeof(*blk));
	nb = blk ? minimise(b.nstates, b.nclasses, b.next, b.accept, blk) : 0;
	if (!nb) {
		rc = -ENOMEM;
		goto out;
	}
	if (nb > max_states) {
		rc = -E2BIG;
		goto out;
	}
	rc = emit(&b, blk, nb, cls, out);
out:
	free(blk);
	build_free(&b);
	return rc;
}

/* A loop over any byte, entered and left at a split that also goes on to
 * next: [\s\S]*. Returns the split (KR_NONE when out of memory). */
static uint32_t any_loop(struct nfa *f, uint32_t next)
{
	struct kr_set all;
	uint32_t split = nfa_add(f, N_SPLIT, KR_NONE, next), any, k;

	memset(&all, 0xff, sizeof(all));
	k = nfa_set(f, &all);
	any = split == KR_NONE || k == KR_NONE ? KR_NONE : nfa_add(f, N_CHAR, split, 0);
	if (any == KR_NONE)
		return KR_NONE;
	f->v[any].set = k;
	f->v[split].out = any;
	return split;
}

int kregex_compile(const char *const *patterns, size_t n, uint32_t max_states,
		   struct kregex_dfa *out, uint8_t *unsupported, const char **reason)
{
	return kregex_compile_mode(patterns, n, KREGEX_WHOLE, max_states, out, unsupported,
				   reason);
}

int kregex_compile_mode(const char *const *patterns, size_t n, enum kregex_mode mode,
			uint32_t max_states, struct kregex_dfa *out, uint8_t *unsupported,
			const char **reason)
{
	struct nfa f = { 0 };
	uint32_t start = KR_NONE, end = 0;
	int rc;

	if (out)
		memset(out, 0, sizeof(*out));
	if (!out || (n && !patterns) || max_states == 0 ||
	    (mode != KREGEX_WHOLE && mode != KREGEX_SEARCH))
		return -EINVAL;
	/* Node 0 is the N_MATCH that every pattern ends in; a search goes
	 * there through a trailing any-byte loop. */
	if (nfa_add(&f, N_MATCH, 0, 0) == KR_NONE)
		goto nomem;
	if (mode == KREGEX_SEARCH && (end = any_loop(&f, 0)) == KR_NONE)
		goto nomem;
	for (size_t i = 0; i < n; i++) {
		struct kr_ast a = { 0 };
		const char *why = "no pattern";
		uint32_t s;
		int prc = patterns[i] ? kr_parse(patterns[i], &a, &why) : -EINVAL;

		if (prc < 0) {
			kr_ast_free(&a);
			if (prc == -ENOMEM)
				goto nomem;
			if (unsupported)
				unsupported[i] = 1;
			if (reason)
				reason[i] = why;
			continue;
		}
		if (unsupported)
			unsupported[i] = 0;
		if (reason)
			reason[i] = NULL;
		s = gen(&f, &a, a.root, end);
		kr_ast_free(&a);
		if (s != KR_NONE && start != KR_NONE)
			s = nfa_add(&f, N_SPLIT, s, start);
		if (s == KR_NONE)
			goto nomem;
		start = s;
	}
	if (start == KR_NONE) {
		/* Nothing supported: one state that never accepts. */
		out->next = calloc(1, sizeof(*out->next));
		out->accept = calloc(1, 1);
		if (!out->next || !out->accept)
			goto nomem;
		out->nstates = out->nclasses = 1;
		out->dead = 0;
		out->sink = UINT32_MAX;
		rc = 0;
	} else {
		/* a search may begin after any prefix: a leading any-byte loop */
		if (mode == KREGEX_SEARCH && (start = any_loop(&f, start)) == KR_NONE)
			goto nomem;
		rc = determinise(&f, start, max_states, out);
	}
	goto done;
nomem:
	kregex_dfa_free(out);
	rc = -ENOMEM;
done:
	free(f.v);
	free(f.sets);
	return rc;
}

void kregex_dfa_free(struct kregex_dfa *d)
{
	if (!d)
		return;
	free(d->next);
	free(d->accept);
	memset(d, 0, sizeof(*d));
	d->dead = d->sink = UINT32_MAX;
}

int kregex_match(const struct kregex_dfa *d, const uint8_t *line, size_t len)
{
	uint32_t s = 0;

	for (size_t i = 0; i < len; i++) {
		s = d->next[(size_t)s * d->nclasses + d->cls[line[i]]];
		if (s == d->dead)
			return 0;
	}
	return d->accept[s];
}
