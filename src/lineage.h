/* SPDX-License-Identifier: BSD-2-Clause */
/* lineage.h - loads lineage.bpf.c, the kernel's own record of forks and
 * execs, and reads it for lineage_walk.c's questions. */
#ifndef NOMINE_LINEAGE_H
#define NOMINE_LINEAGE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "lineage_types.h"
#include "lineage_walk.h"

struct lineage_tracker;

/* Loads and attaches the fork tracker and the doomed-task iterator, keeping
 * lineage in the map of the given kind (lineage.bpf.h). Returns NULL with
 * errno set (EINVAL: no such kind; else libbpf's or ENOMEM) and a reason in
 * err when the kernel cannot take them. */
struct lineage_tracker *lineage_open(enum nm_lineage_kind kind, char *err, size_t errlen);
void lineage_close(struct lineage_tracker *lt);

/* fd of the lineage map, for exec.bpf.c to share, and its kind
 * (NM_LINEAGE_NONE for a NULL tracker). */
int lineage_map_fd(const struct lineage_tracker *lt);
enum nm_lineage_kind lineage_kind(const struct lineage_tracker *lt);
/* With task storage: the spill map (and its counter's) fd, for exec.bpf.c
 * to share; -ENOENT for the other kind (*counter_fd untouched). */
int lineage_spill_fd(const struct lineage_tracker *lt, int *counter_fd);
/* Task storage creations the kernel refused, kept in the spill map. */
uint64_t lineage_spills(const struct lineage_tracker *lt);
/* Children that got no lineage at all (no storage, no room in a map). */
uint64_t lineage_failures(const struct lineage_tracker *lt);
/* Runs of the two fork programs the kernel skipped (a run of the same one
 * preempted on that CPU). Non-zero: some fork may have been missed by both,
 * and a child may carry no lineage. */
uint64_t lineage_fork_misses(const struct lineage_tracker *lt);
const char *lineage_kind_name(enum nm_lineage_kind kind);

/* Gives the process behind pidfd a fresh id of its own (allocated in user
 * space's half of the id space) and returns it in *id, so that everything it
 * forks from now on carries that id. */
int lineage_mark(struct lineage_tracker *lt, int pidfd, pid_t tgid, uint64_t start_ticks,
		 uint64_t *id);

/* Adds an existing id to the process behind pidfd (tgid, started at
 * start_ticks as /proc says). This and lineage_mark return 0 or a negative
 * errno. */
int lineage_add(struct lineage_tracker *lt, int pidfd, pid_t tgid, uint64_t start_ticks,
		uint64_t id);

/* Every live task's window, from the iterator: *out (malloc'ed, caller
 * frees) gets one entry per thread. Returns 0 or a negative errno. */
int lineage_tasks(struct lineage_tracker *lt, struct lineage_task **out, size_t *n);

/* Every link the kernel holds: *out (malloc'ed, caller frees). Returns 0
 * or a negative errno. */
int lineage_links_all(struct lineage_tracker *lt, struct lineage_kv **out, size_t *n);

/* A lineage_link_fn (lineage_walk.h) reading the kernel's map; ctx is the
 * tracker. */
int lineage_link_lookup(void *lt, uint64_t id, struct lineage_link *out);

/* fd of the links map (and of its lost counter), for exec.bpf.c to share. */
int lineage_links_fd(const struct lineage_tracker *lt, int *lost_fd);
/* Links the kernel could not write (map full): chains may end early. */
uint64_t lineage_links_lost(const struct lineage_tracker *lt);

struct lineage_collect_report {
	size_t tasks, links;  /* what the snapshot held */
	size_t removed;       /* links removed */
};

/* Removes the links no live task can reach any more (found so by this
 * snapshot and the one before) and made more than keep_ns before it
 * (NM_LINK_KEEP_NS). Returns 0 or a negative errno. */
int lineage_collect(struct lineage_tracker *lt, uint64_t keep_ns,
		    struct lineage_collect_report *r);

#endif
