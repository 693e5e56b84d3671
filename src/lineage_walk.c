/* SPDX-License-Identifier: BSD-2-Clause */
/* lineage_walk.c - ancestry questions answered from the kernel's lineage.
 *
 * A task's window holds its newest NM_LINEAGE_DEPTH ids; each id's link
 * names the id before it, so the ancestry goes on past the window through
 * the links, as far back as the first task nomine saw. Links are looked up
 * only past a window, once per question: a chain shared by many tasks is
 * walked once, whatever its length. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "lineage_walk.h"

/* Fibonacci hashing: ids differ mostly in their middle bits. */
static size_t slot_of(uint64_t id, size_t cap)
{
	return (size_t)((id * 0x9e3779b97f4a7c15ull) >> 20) & (cap - 1);
}

static int id_set_grow(struct id_set *s)
{
	size_t cap = s->cap ? s->cap * 2 : 64;
	uint64_t *slot = calloc(cap, sizeof(*slot));

	if (!slot)
		return -ENOMEM;
	for (size_t i = 0; i < s->cap; i++) {
		size_t j;

		if (!s->slot[i])
			continue;
		for (j = slot_of(s->slot[i], cap); slot[j]; j = (j + 1) & (cap - 1))
			;
		slot[j] = s->slot[i];
	}
	free(s->slot);
	s->slot = slot;
	s->cap = cap;
	return 0;
}

int id_set_has(const struct id_set *s, uint64_t id)
{
	if (!s->cap || !id)
		return 0;
	for (size_t j = slot_of(id, s->cap); s->slot[j]; j = (j + 1) & (s->cap - 1))
		if (s->slot[j] == id)
			return 1;
	return 0;
}

int id_set_add(struct id_set *s, uint64_t id)
{
	size_t j;

	if (!id || id_set_has(s, id))
		return 0;
	/* at most half full: probes stay short */
	if ((s->n + 1) * 2 > s->cap && id_set_grow(s))
		return -ENOMEM;
	for (j = slot_of(id, s->cap); s->slot[j]; j = (j + 1) & (s->cap - 1))
		;
	s->slot[j] = id;
	s->n++;
	return 0;
}

void id_set_free(struct id_set *s)
{
	free(s->slot);
	memset(s, 0, sizeof(*s));
}

enum { UNKNOWN = 0, DOOMED = 1, CLEAN = 2 };

struct link_memo {
	uint64_t id;              /* 0: free slot */
	struct lineage_link link;
	unsigned char present;    /* the kernel has a link for id */
	unsigned char state;      /* lineage_doomed_tasks: UNKNOWN, DOOMED, CLEAN */
};

void lineage_links_init(struct lineage_links *l, lineage_link_fn get, void *ctx)
{
	memset(l, 0, sizeof(*l));
	l->get = get;
	l->ctx = ctx;
}

void lineage_links_free(struct lineage_links *l)
{
	free(l->slot);
	l->slot = NULL;
	l->cap = l->n = 0;
}

static int memo_grow(struct lineage_links *l)
{
	size_t cap = l->cap ? l->cap * 2 : 64;
	struct link_memo *slot = calloc(cap, sizeof(*slot));

	if (!slot)
		return -ENOMEM;
	for (size_t i = 0; i < l->cap; i++) {
		size_t j;

		if (!l->slot[i].id)
			continue;
		for (j = slot_of(l->slot[i].id, cap); slot[j].id; j = (j + 1) & (cap - 1))
			;
		slot[j] = l->slot[i];
	}
	free(l->slot);
	l->slot = slot;
	l->cap = cap;
	return 0;
}

/* id's memo slot, looked up in the kernel the first time; NULL: no memory. */
static struct link_memo *memo(struct lineage_links *l, uint64_t id)
{
	size_t j;

	if (l->cap)
		for (j = slot_of(id, l->cap); l->slot[j].id; j = (j + 1) & (l->cap - 1))
			if (l->slot[j].id == id)
				return &l->slot[j];
	if ((l->n + 1) * 2 > l->cap && memo_grow(l))
		return NULL;
	for (j = slot_of(id, l->cap); l->slot[j].id; j = (j + 1) & (l->cap - 1))
		;
	l->slot[j].id = id;
	l->slot[j].present = l->get(l->ctx, id, &l->slot[j].link) == 0;
	l->n++;
	return &l->slot[j];
}

const struct lineage_link *lineage_link(struct lineage_links *l, uint64_t id)
{
	struct link_memo *m = id ? memo(l, id) : NULL;

	return m && m->present ? &m->link : NULL;
}

uint64_t lineage_window_newest(const struct lineage *w)
{
	for (int i = 0; i < NM_LINEAGE_DEPTH && w->ids[i]; i++)
		if (!(w->ids[i] & NM_USER_ID_BIT))
			return w->ids[i];
	return 0;
}

static int owned_by(const struct lineage_link *k, uint32_t tgid, uint64_t start_ns)
{
	return k && k->tgid == tgid && k->start_ns == start_ns;
}

int lineage_owned_ids(struct lineage_links *l, uint64_t newest, uint32_t tgid,
		      uint64_t start_ns, struct id_set *out, int *forked)
{
	const struct lineage_link *k = lineage_link(l, newest);
	uint64_t id = newest;
	int added = 0;

	/* own ids are a run at the newest end of the chain: execs', then the
	 * fork's; a process makes a few, so the run is short */
	while (owned_by(k, tgid, start_ns) && (size_t)added <= l->n) {
		if (id_set_add(out, id))
			return -ENOMEM;
		added++;
		if (k->flags & NM_LINK_FORKED)
			*forked = 1;
		id = k->parent;
		k = lineage_link(l, id);
	}
	return added;
}

/* Whether id or one before it is doomed. Every link passed gets the
 * answer, so no chain is walked twice; path has room for every link the
 * memo can hold before it grows (it is grown with it). */
static int chain_doomed(struct lineage_links *l, const struct id_set *doomed, uint64_t id,
			uint64_t **path, size_t *pathcap)
{
	size_t len = 0;
	int v = CLEAN;

	while (id) {
		struct link_memo *m;

		if (id_set_has(doomed, id)) {
			v = DOOMED;
			break;
		}
		m = memo(l, id);
		if (!m || !m->present)
			break;
		if (m->state != UNKNOWN) {
			v = m->state;
			break;
		}
		if (len == *pathcap) {
			size_t cap = *pathcap ? *pathcap * 2 : 64;
			uint64_t *np = realloc(*path, cap * sizeof(*np));

			if (!np)
				return -ENOMEM;
			*path = np;
			*pathcap = cap;
		}
		if (len > l->n)
			break;  /* a loop: links only ever point to older ids, so never */
		(*path)[len++] = id;
		id = m->link.parent;
	}
	while (len) {
		struct link_memo *m = memo(l, (*path)[--len]);

		if (m)
			m->state = (unsigned char)v;
	}
	return v == DOOMED;
}

int lineage_doomed_tasks(const struct lineage_task *tasks, size_t ntasks,
			 struct lineage_links *l, const struct id_set *doomed,
			 size_t **idx, size_t *n)
{
	size_t *out = malloc((ntasks + 1) * sizeof(*out)), len = 0, pathcap = 0;
	uint64_t *path = NULL;

	if (!out)
		return -ENOMEM;
	for (size_t t = 0; t < ntasks; t++) {
		const struct lineage *w = &tasks[t].l;
		int hit = 0, depth = 0;

		while (depth < NM_LINEAGE_DEPTH && w->ids[depth] && !hit)
			hit = id_set_has(doomed, w->ids[depth++]);
		/* past a full window (a shorter one is the whole chain): from the
		 * oldest of its ids that has a link (ids a process made and forked
		 * nothing under lose theirs at its next exec; user space's have
		 * none) */
		for (int i = depth - 1; !hit && depth == NM_LINEAGE_DEPTH && i >= 0; i--) {
			const struct lineage_link *k;

			if (w->ids[i] & NM_USER_ID_BIT || !(k = lineage_link(l, w->ids[i])))
				continue;
			hit = chain_doomed(l, doomed, k->parent, &path, &pathcap);
			if (hit < 0) {
				free(path);
				free(out);
				return -ENOMEM;
			}
			break;
		}
		if (hit)
			out[len++] = t;
	}
	free(path);
	*idx = out;
	*n = len;
	return 0;
}

static int by_id(const void *a, const void *b)
{
	const struct lineage_kv *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

/* Index of id in the sorted kv, or -1. */
static long kv_find(const struct lineage_kv *kv, size_t n, uint64_t id)
{
	struct lineage_kv key = { .id = id };
	const struct lineage_kv *hit;

	if (!id || !n)
		return -1;
	hit = bsearch(&key, kv, n, sizeof(*kv), by_id);
	return hit ? hit - kv : -1;
}

int lineage_unreachable(const struct lineage_task *tasks, size_t ntasks,
			struct lineage_kv *kv, size_t nkv, uint64_t taken_ns,
			uint64_t **ids, size_t *n)
{
	unsigned char *seen = calloc(nkv + 1, 1);
	uint64_t *out = malloc((nkv + 1) * sizeof(*out));
	size_t len = 0;

	if (!seen || !out) {
		free(seen);
		free(out);
		return -ENOMEM;
	}
	if (nkv)
		qsort(kv, nkv, sizeof(*kv), by_id);
	/* Every seen link's ancestors are seen once a task is done: the walk
	 * up from each of its ids stops only at a link already seen (whose
	 * ancestors are, by the same token). */
	for (size_t t = 0; t < ntasks; t++) {
		const struct lineage *w = &tasks[t].l;

		for (int i = 0; i < NM_LINEAGE_DEPTH && w->ids[i]; i++) {
			long j = kv_find(kv, nkv, w->ids[i]);

			while (j >= 0 && !seen[j]) {
				seen[j] = 1;
				j = kv_find(kv, nkv, kv[j].link.parent);
			}
		}
	}
	for (size_t j = 0; j < nkv; j++)
		if (!seen[j] && kv[j].link.created_ns < taken_ns)
			out[len++] = kv[j].id;
	free(seen);
	*ids = out;
	*n = len;
	return 0;
}
