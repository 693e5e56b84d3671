/* SPDX-License-Identifier: BSD-2-Clause */
/* killer.h - kills a process and every descendant, through pidfds, within
 * the scope, including children forked while the kill is under way. */
#ifndef NOMINE_KILLER_H
#define NOMINE_KILLER_H

#include <stdint.h>
#include <sys/types.h>
#include "lineage.h"
#include "scope.h"

struct killer {
	struct lineage_tracker *lt;   /* NULL: no kernel lineage, /proc only */
	const struct scope *scope;
};

struct kill_report {
	int root_killed;              /* 0: the process was already gone, or root_error */
	int root_error;               /* the signal to the live root failed: a negative
				       * errno (-EPERM without CAP_KILL), else 0 */
	unsigned int descendants;     /* descendants signalled */
	int converged;                /* 0: gave up after the round limit */
};

/* Kills tgid if it is still the process that started at start_ticks, and
 * every descendant in scope. exec_id is the kernel's id of the offending
 * exec, or 0 (a process found by a sweep or a detector). Descendants are found
 * from the kernel's lineage whatever their parent is now; those it cannot
 * know (forked before nomine started) from /proc, marked before the root
 * dies. Never signals nomine itself or PID 1. Returns 0, or a negative
 * errno when nothing could be done: -EPERM (the live process may not be
 * killed: out of scope, nomine itself or PID 1; nothing signalled), -ESRCH
 * (the process and its tree were gone). */
int killer_kill(struct killer *k, pid_t tgid, uint64_t start_ticks, uint64_t exec_id,
		struct kill_report *r);

/* The same for a process the kernel killed at the exec exec_id: what it
 * forked before that exec dies; returns at once (-ESRCH) when it never
 * forked, which the kernel's marks on its ids tell without a look at any
 * other task. */
int killer_kill_forked(struct killer *k, pid_t tgid, uint64_t start_ticks, uint64_t exec_id,
		       struct kill_report *r);

#endif
