/* SPDX-License-Identifier: BSD-2-Clause */
/* exec.h - the exec watcher: loads exec.bpf.c and hands each exec's argv,
 * reassembled from its ring-buffer records, to a callback. */
#ifndef NOMINE_EXEC_H
#define NOMINE_EXEC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "exec_event.h"
#include "exec_records.h"
#include "scope_types.h"
#include "lineage_types.h"

struct exec_watch;

struct exec_watch_opts {
	int lineage_fd;                 /* lineage_map_fd() */
	int lineage_kind;               /* lineage_kind(): enum nm_lineage_kind */
	int lineage_spill_fd;           /* lineage_spill_fd(), task storage only */
	int lineage_spills_fd;
	int lineage_links_fd;           /* lineage_links_fd() and its lost counter */
	int lineage_links_lost_fd;
	int verdict;                    /* load the program that judges in the kernel
					 * (bpf_loop, 5.17+), else the one that only
					 * captures argv for user space */
	const struct nm_scope *scopes;  /* NULL/0: every exec is in scope */
	unsigned int nscopes;
	int report_all;                 /* also report out-of-scope execs */
	int audit;                      /* the kernel judges but never signals */
	size_t table_cap;               /* bytes for the kernel tables, a power of two */
	int test_entry;                 /* load verdict_test, attach nothing (tests only) */
	int test_refuse;                /* tests only: make the verifier refuse handle_exec */
	int test_unjudged;              /* tests only: no walk finishes (all held for user space) */
	exec_cb cb;                     /* each exec, as exec_records.h says */
	void *ctx;
};

/* NULL with errno set (libbpf's errno for a refused or unattachable
 * program, ENOMEM) and a reason in err. */
struct exec_watch *exec_watch_open(const struct exec_watch_opts *o, char *err, size_t errlen);
void exec_watch_close(struct exec_watch *w);
/* Detaches the program, then hands every record still queued to the
 * callback: no exec the kernel froze is left without a decision. */
void exec_watch_stop(struct exec_watch *w);

/* Hands over (incomplete) every exec whose records began more than
 * max_age_ns ago: a lost record must not hold an exec back. */
void exec_watch_flush(struct exec_watch *w, uint64_t max_age_ns);

/* Calls cb for each process the kernel froze more than older_than_ns ago
 * and user space has not marked done (its records were lost, or its
 * verdict failed half-way). Returns how many. */
int exec_watch_frozen_stale(struct exec_watch *w, uint64_t older_than_ns,
			    void (*cb)(pid_t tgid, const struct nm_frozen *f, void *ctx), void *ctx);
/* The kernel's note on a process it froze; 0, or a negative errno (-ENOENT:
 * none). */
int exec_watch_frozen_get(struct exec_watch *w, pid_t tgid, struct nm_frozen *f);
/* The frozen map, for hold.bpf.c to share. */
int exec_watch_frozen_fd(const struct exec_watch *w);
/* Forgets a frozen process: before the SIGCONT that resumes it (the hold
 * program stops again a process still in the map), after its kill. Only
 * the note of the exec exec_id goes (0: whichever): returns 0 when a later
 * exec of the process holds the note (it is not this decision's to resume),
 * else 1. */
int exec_watch_frozen_done(struct exec_watch *w, pid_t tgid, uint64_t exec_id);

/* fd to wait on (epoll) and the call that drains it into the callback
 * (0 or a negative errno). */
int exec_watch_fd(const struct exec_watch *w);
int exec_watch_drain(struct exec_watch *w);

/* Executable scans: marks a file known-bad (every later exec of it is
 * killed in the kernel), forgets every known-bad file (a reload changed
 * the rules), marks a file as an interpreter (its execs are sent to user
 * space, which scans the script they run). 0 or a negative errno. */
int exec_watch_exe_bad(struct exec_watch *w, const struct nm_exe_id *id);
int exec_watch_exe_forget_bad(struct exec_watch *w);
int exec_watch_exe_interp(struct exec_watch *w, const struct nm_exe_id *id);
/* Makes the kernel send the next exec of a file (or of every file) for a
 * scan again: its process was gone before the file could be read, or the
 * rules changed. 0 or a negative errno. */
int exec_watch_exe_unsee(struct exec_watch *w, const struct nm_exe_id *id);
int exec_watch_exe_unsee_all(struct exec_watch *w);

struct ktables;

/* Installs new kernel tables (their size must be <= table_cap) in one swap:
 * an exec is judged either by the old tables or by the new ones. NULL
 * removes them: every exec then goes to user space for its verdict.
 * Returns 0 or a negative errno (-E2BIG: over table_cap). */
int exec_watch_set_tables(struct exec_watch *w, const struct ktables *kt);

/* exec_watch_set_tables in two halves, the first for any thread (it uses
 * nothing of an exec_watch, so a reload builds the map off the event loop;
 * creating and filling it takes 5-70 ms): a new table map of cap bytes
 * (the watch's table_cap) holding kt. Returns its fd, or a negative errno
 * (-E2BIG: kt is larger than cap). */
int exec_tables_fill(const struct ktables *kt, size_t cap);
/* The second: the map fd (taken, closed here) becomes the tables in force
 * in one update (0-4 ms). Returns 0 or a negative errno. */
int exec_watch_swap_tables(struct exec_watch *w, int fd);

/* Runs the kernel's verdict code on argv (needs test_entry). Stores the
 * banned index (-1 none) and the NM_EXEC_* flags it would set (-1: the
 * tables could not judge). Returns 0 or a negative errno. */
int exec_watch_test_verdict(struct exec_watch *w, const uint8_t *argv, size_t len,
			    int *matched, int *flags);

/* Exemptions in the kernel: with on, a banned exec in a cgroup not yet
 * classified for generation gen is frozen for user space instead of killed.
 * This and exec_watch_classify return 0 or a negative errno. */
int exec_watch_set_exempt(struct exec_watch *w, int on, uint32_t gen);
/* The exemption maps (cgroup_class, exempt_cfg), for another object that
 * refuses or kills to share (bpf_map__reuse_fd); owned by w. */
void exec_watch_exempt_fds(const struct exec_watch *w, int *class_fd, int *cfg_fd);
/* Records a cgroup's class (enum nm_cg_class) for generation gen. */
int exec_watch_classify(struct exec_watch *w, uint64_t cgroup_id, int cls, uint32_t gen);

/* The exec program's id and what the verifier walked to accept it; 0 or a
 * negative errno. */
int exec_watch_prog_info(const struct exec_watch *w, uint32_t *id, uint32_t *verified_insns);

/* Execs the program did not run for: the kernel skips a run while another
 * run of it is under way on the same CPU (a preempted one). */
uint64_t exec_watch_misses(const struct exec_watch *w);

/* Sums a per-CPU counter (enum nm_exec_stat). */
uint64_t exec_watch_stat(const struct exec_watch *w, enum nm_exec_stat which);

#endif
