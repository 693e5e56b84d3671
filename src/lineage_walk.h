/* SPDX-License-Identifier: BSD-2-Clause */
/* lineage_walk.h - answers questions about ancestry from the kernel's
 * lineage (every task's window, and the links of ids), with no kernel in
 * sight: which ids a process made, which tasks descend from doomed ids,
 * which links no live task can reach any more. */
#ifndef NOMINE_LINEAGE_WALK_H
#define NOMINE_LINEAGE_WALK_H

#include <stddef.h>
#include <stdint.h>
#include "lineage_types.h"

/* A set of ids (open addressing; 0 is never an id). */
struct id_set {
	uint64_t *slot;
	size_t cap, n;
};

int id_set_add(struct id_set *s, uint64_t id);  /* 0, or -ENOMEM */
int id_set_has(const struct id_set *s, uint64_t id);
void id_set_free(struct id_set *s);

/* Where links come from: the kernel's map (lineage.c), or a test's table.
 * Returns 0 with *out filled, or a negative errno (-ENOENT: no link). */
typedef int (*lineage_link_fn)(void *ctx, uint64_t id, struct lineage_link *out);

/* The links one question needs, each looked up once and remembered. */
struct lineage_links {
	lineage_link_fn get;
	void *ctx;
	struct link_memo *slot;
	size_t cap, n;
};

void lineage_links_init(struct lineage_links *l, lineage_link_fn get, void *ctx);
void lineage_links_free(struct lineage_links *l);
/* id's link, or NULL (none, or no memory). */
const struct lineage_link *lineage_link(struct lineage_links *l, uint64_t id);

/* The newest id of a window the kernel made (user space's have no link),
 * or 0. */
uint64_t lineage_window_newest(const struct lineage *w);

/* Adds to out the ids the process (tgid, leader started at start_ns) made,
 * from newest (an id it made: its window's first, or its exec's) back
 * through its links while they are its own: its execs' and its fork's, the
 * marks of everything it forked. *forked is set when it ever forked a
 * process. Returns how many were added, or -ENOMEM. */
int lineage_owned_ids(struct lineage_links *l, uint64_t newest, uint32_t tgid,
		      uint64_t start_ns, struct id_set *out, int *forked);

/* Indices into tasks of every task whose window or chain holds an id of
 * doomed, in *idx (malloc'ed, caller frees). Returns 0 or -ENOMEM. */
int lineage_doomed_tasks(const struct lineage_task *tasks, size_t ntasks,
			 struct lineage_links *l, const struct id_set *doomed,
			 size_t **idx, size_t *n);

/* One id and its link, as the collector reads the whole map. */
struct lineage_kv {
	uint64_t id;
	struct lineage_link link;
};

/* Ids of links (kv, nkv entries, in any order: sorted here) that none of
 * tasks reaches and that were made before taken_ns, in *ids (malloc'ed,
 * sorted). Returns 0 or -ENOMEM. */
int lineage_unreachable(const struct lineage_task *tasks, size_t ntasks,
			struct lineage_kv *kv, size_t nkv, uint64_t taken_ns,
			uint64_t **ids, size_t *n);

#endif
