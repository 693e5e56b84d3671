/* SPDX-License-Identifier: BSD-2-Clause */
/* sweep.h - judge every running process's current command line. */
#ifndef NOMINE_SWEEP_H
#define NOMINE_SWEEP_H

#include "action.h"

/* Walks /proc once: each user process (kernel threads have no command line;
 * nomine skips itself) goes through action_judge with source "scan", then,
 * if it still runs the process seen, to each (may be NULL: the executable
 * detector's look at its file). Returns how many processes were judged. */
unsigned int sweep_run(struct action_ctx *a, struct policy *p,
		       void (*each)(void *ctx, pid_t pid, uint64_t start_ticks), void *ctx);

#endif
