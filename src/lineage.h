/* SPDX-License-Identifier: BSD-2-Clause */
/* lineage.h - loads lineage.bpf.c and answers "which live tasks descend from
 * these execs?" from the kernel's own record of forks. */
#ifndef NOMINE_LINEAGE_H
#define NOMINE_LINEAGE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "lineage_types.h"

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

/* Marks an exec id: every task carrying it in its ancestry is doomed.
 * This, lineage_mark and lineage_add return 0 or a negative errno. */
int lineage_doom(struct lineage_tracker *lt, uint64_t id);

/* Gives the process behind pidfd a fresh id of its own (allocated in user
 * space's half of the id space) and returns it in *id, so that everything it
 * forks from now on carries that id. */
int lineage_mark(struct lineage_tracker *lt, int pidfd, pid_t tgid, uint64_t start_ticks,
		 uint64_t *id);

/* Adds an existing id to the process behind pidfd (tgid, started at
 * start_ticks as /proc says). */
int lineage_add(struct lineage_tracker *lt, int pidfd, pid_t tgid, uint64_t start_ticks,
		uint64_t id);

/* Runs the iterator: *out (malloc'ed, caller frees) receives every live task
 * whose ancestry holds a doomed id, one entry per thread. Returns 0 or a
 * negative errno. */
int lineage_find_doomed(struct lineage_tracker *lt, struct doomed_task **out, size_t *n);

#endif
