/* SPDX-License-Identifier: BSD-2-Clause */
/* exe_respond.h - the executable-bytes detector's policy: which execs get
 * their file (or script) scanned, what a miner's file costs its processes
 * (killed with their descendants, the file remembered by the kernel so
 * each later exec of it dies before its first instruction), and the
 * SHA-256 that every event carries. */
#ifndef NOMINE_EXE_RESPOND_H
#define NOMINE_EXE_RESPOND_H

#include <stddef.h>
#include <stdint.h>
#include "action.h"
#include "exe_watch.h"

struct exec_watch;

struct exe_respond {
	struct action_ctx *act;
	struct exec_watch *ew;      /* the kernel's maps; NULL: none (tests) */
	struct exe_watch *xw;
	struct policy *const *policy; /* the one in force (allowedExecutables) */
	struct exe_rules *const *rules; /* the executable rules in force */
};

/* An exec the kernel sent (s built from its record h). argv: the raw
 * area ("a\0b\0"), or NULL when only /proc had it; line/n: the joined
 * command line. Returns 1 when it judged the exec (a known-bad file),
 * 0 when the command-line verdict (action_judge) must still run, and 2
 * when that verdict is to wait for the file's scan (the kernel killed the
 * process at the first exec of a file not seen before: its event then
 * carries the file's SHA-256); the exec is then handed back to
 * judge_later once the scan is done. */
int exe_respond_exec(struct exe_respond *x, const struct exec_record *h, const struct subject *s,
		     const uint8_t *argv, size_t argv_len, const uint8_t *line, size_t n);

/* exe_watch's done callback (ctx: the struct exe_respond). */
void exe_respond_result(const struct exe_result *r, void *ctx);

/* sweep_run's per-process hook (ctx: the struct exe_respond): the file of
 * a process in scope that nomine never saw start (older than nomine, or its
 * exec's record lost) is scanned, once per file. */
void exe_respond_swept(void *ctx, pid_t pid, uint64_t start_ticks);

/* action_ctx.describe_exe (ctx: the struct exe_respond). */
void exe_respond_describe(void *ctx, const struct subject *s, json_t *o);

/* Kills every process in scope that runs the file of rep (found by what
 * stat(2) says of /proc/PID/exe), but skip. Returns how many were judged. */
unsigned int exe_respond_sweep(struct exe_respond *x, const struct exe_report *rep,
			       const struct exe_rules *rules, pid_t skip);

#endif
