/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_lineage_walk.c - libFuzzer harness: arbitrary windows and links (ids
 * from a small space, so chains share links, loop and dangle; user tags
 * included) and an arbitrary doomed set. Each question must end
 * and agree with a plain reference walk: the tasks found are exactly those
 * with a doomed id in the window or, for a full window, up the links from
 * its oldest id that has one; the links collected are exactly those no window
 * reaches through links and older than the snapshot; a process's own ids
 * are the run of its links from the one given. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lineage_walk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAXT 48
#define MAXL 256

static struct lineage_task tasks[MAXT];
static struct lineage_kv kv[MAXL], sorted[MAXL];
static size_t nt, nl;

struct input {
	const uint8_t *p, *end;
};

static unsigned int byte(struct input *in)
{
	return in->p < in->end ? *in->p++ : 0;
}

/* An id of the small space: 0 (none) sometimes, a user tag sometimes. */
static uint64_t id_of(struct input *in)
{
	unsigned int b = byte(in);

	if (b < 8)
		return 0;
	return (b >= 240 ? NM_USER_ID_BIT : 0) | (uint64_t)(b % 64 + 1);
}

static int get(void *ctx, uint64_t id, struct lineage_link *out)
{
	(void)ctx;
	for (size_t i = 0; i < nl; i++)
		if (kv[i].id == id) {
			*out = kv[i].link;
			return 0;
		}
	return -ENOENT;
}

static const struct lineage_link *ref_link(uint64_t id)
{
	for (size_t i = 0; i < nl; i++)
		if (kv[i].id == id)
			return &kv[i].link;
	return NULL;
}

/* The reference: a visited-set walk up the links. */
static int ref_doomed(const struct lineage_task *t, const struct id_set *doomed)
{
	uint64_t seen[MAXL + 1], id = 0;
	size_t nseen = 0;
	int depth = 0;

	for (; depth < NM_LINEAGE_DEPTH && t->l.ids[depth]; depth++)
		if (id_set_has(doomed, t->l.ids[depth]))
			return 1;
	if (depth < NM_LINEAGE_DEPTH)
		return 0;
	for (int i = depth - 1; i >= 0; i--)
		if (!(t->l.ids[i] & NM_USER_ID_BIT) && ref_link(t->l.ids[i])) {
			id = ref_link(t->l.ids[i])->parent;
			break;
		}
	while (id) {
		const struct lineage_link *k;

		if (id_set_has(doomed, id))
			return 1;
		for (size_t i = 0; i < nseen; i++)
			if (seen[i] == id)
				return 0;
		k = ref_link(id);
		if (!k || nseen == MAXL)
			return 0;
		seen[nseen++] = id;
		id = k->parent;
	}
	return 0;
}

static int ref_reachable(uint64_t target)
{
	for (size_t t = 0; t < nt; t++)
		for (int i = 0; i < NM_LINEAGE_DEPTH && tasks[t].l.ids[i]; i++) {
			uint64_t id = tasks[t].l.ids[i];

			for (size_t steps = 0; id && steps <= MAXL; steps++) {
				const struct lineage_link *k = ref_link(id);

				if (!k)
					break;
				if (id == target)
					return 1;
				id = k->parent;
			}
		}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, data + size };
	struct id_set doomed = {0}, owned = {0};
	struct lineage_links links;
	uint64_t *dead = NULL, taken;
	size_t *idx = NULL, n = 0, ndead = 0, k = 0;

	nt = byte(&in) % (MAXT + 1);
	nl = (byte(&in) * 2) % (MAXL + 1);
	for (size_t t = 0; t < nt; t++) {
		memset(&tasks[t], 0, sizeof(tasks[t]));
		tasks[t].tgid = byte(&in) % 8;
		tasks[t].start_ns = byte(&in) % 4;
		for (int i = 0; i < NM_LINEAGE_DEPTH; i++)
			tasks[t].l.ids[i] = id_of(&in);
	}
	for (size_t want = nl, tries = (nl = 0); nl < want && tries < 4 * MAXL; tries++) {
		uint64_t id = id_of(&in);
		int dup = !id;

		/* one link per id, as in the kernel's map */
		for (size_t j = 0; j < nl && !dup; j++)
			dup = kv[j].id == id;
		if (dup)
			continue;
		kv[nl].id = id;
		kv[nl++].link = (struct lineage_link){
			.parent = id_of(&in), .tgid = byte(&in) % 8, .start_ns = byte(&in) % 4,
			.created_ns = byte(&in), .flags = byte(&in) & NM_LINK_FORKED,
		};
	}
	taken = byte(&in);
	while (in.p < in.end)
		id_set_add(&doomed, id_of(&in));

	lineage_links_init(&links, get, NULL);
	if (lineage_doomed_tasks(tasks, nt, &links, &doomed, &idx, &n))
		abort();
	for (size_t t = 0; t < nt; t++) {
		int hit = k < n && idx[k] == t;

		if (hit != ref_doomed(&tasks[t], &doomed))
			abort();
		k += (size_t)hit;
	}
	if (k != n)
		abort();
	free(idx);

	for (size_t t = 0; t < nt; t++) {
		int forked = 0, got = lineage_owned_ids(&links, tasks[t].l.ids[0], tasks[t].tgid,
							tasks[t].start_ns, &owned, &forked);

		if (got < 0 || (size_t)got > MAXL)
			abort();
		if (got > 0 && !id_set_has(&owned, tasks[t].l.ids[0]))
			abort();
	}
	lineage_links_free(&links);

	memcpy(sorted, kv, nl * sizeof(*kv));   /* the collector sorts its copy */
	if (lineage_unreachable(tasks, nt, sorted, nl, taken, &dead, &ndead))
		abort();
	for (size_t i = 0; i < nl; i++) {
		int listed = 0;

		for (size_t j = 0; j < ndead; j++)
			listed |= dead[j] == kv[i].id;
		if (listed != (!ref_reachable(kv[i].id) && kv[i].link.created_ns < taken))
			abort();
	}
	free(dead);
	id_set_free(&doomed);
	id_set_free(&owned);
	return 0;
}
