/* SPDX-License-Identifier: BSD-2-Clause */
/* action.h - judge one process's command line and act on the verdict:
 * kill (with descendants), spare, or only report in audit mode; log it. */
#ifndef NOMINE_ACTION_H
#define NOMINE_ACTION_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "action_stats.h"
#include "exec_event.h"
#include "killer.h"
#include <jansson.h>
#include "policy.h"

/* The kflags that say the kernel acted on a banned exec, or asked user
 * space to (killed, froze, spared it as exempt or allowed, reported it in
 * audit mode). Only these make action_judge follow the kernel's verdict;
 * every other flag only informs (in scope, truncated, a failed read, the
 * frozen cgroup unknown), and a new one must not change a verdict. */
#define ACTION_KERNEL_ACTED (NM_EXEC_KILLED | NM_EXEC_FROZEN | NM_EXEC_EXEMPT | \
			     NM_EXEC_ALLOWED | NM_EXEC_AUDIT)

/* What is known of the process being judged. */
struct subject {
	pid_t tgid;
	pid_t ppid;
	uint32_t uid;
	uint64_t start_ticks;
	uint64_t exec_id;        /* 0: unknown (sweep) */
	const char *exe;         /* may be NULL */
	const char *exec_path;   /* the name the exec used when it is not exe's (an
				  * fd exec: /dev/fd/3), else NULL */
	const char *source;      /* "exec", "scan", "monero" */
	int in_scope;            /* 1 yes, 0 no, -1 ask /proc */
	const char *argv_source; /* NULL, or "proc" when the kernel's copy was lost */
	unsigned int kflags;     /* NM_EXEC_* verdict flags from the kernel, 0: none */
	uint64_t cgroup_id;      /* the v2 cgroup the kernel saw, 0: unknown */
	uint64_t cgroup1_id;     /* its v1 freezer cgroup, 0: unknown */
	const uint8_t *env;      /* the exec's environment from the kernel, or NULL */
	size_t env_len;
	/* CLOCK_MONOTONIC ns of the exec (or of the RandomX detector's first
	 * observation): where the kill latency starts; 0 unknown (sweeps) */
	uint64_t seen_ns;
	const struct nm_exe_id *exe_id; /* the kernel's identity of its executable, or NULL */
	int report_only;         /* a finding configured to be reported, never killed */
};

struct containers;
struct responder;

/* What reaches processes. Tests replace them so that nothing real is
 * signalled; NULL in action_ctx means the real ones. */
struct action_ops {
	/* killer_kill(): the process and its descendants */
	int (*kill)(struct killer *k, pid_t tgid, uint64_t start_ticks, uint64_t exec_id,
		    struct kill_report *r);
	/* killer_kill_forked(): what a process the kernel killed at its exec
	 * forked before it */
	int (*kill_forked)(struct killer *k, pid_t tgid, uint64_t start_ticks, uint64_t exec_id,
			   struct kill_report *r);
	/* sig (SIGSTOP, SIGCONT) to tgid, if it is still the process that
	 * started at start_ticks */
	void (*signal)(pid_t tgid, uint64_t start_ticks, int sig);
};

struct action_ctx {
	struct killer *killer;
	const struct action_ops *ops; /* NULL: the real ones */
	int audit;
	int debug;               /* log every judged process as "observed" */
	struct containers *ctrs; /* container metadata and exemptions, or NULL */
	/* whole-container response: after this many kills in one container
	 * within the window (seconds), kill the container; 0: off */
	unsigned int ctr_kill_after;
	double ctr_kill_window;
	const char *unified_mount, *freezer_mount;
	/* tells the kernel a cgroup's class once user space decided it (the
	 * kernel freezes banned execs in cgroups it does not know yet) */
	void (*classify)(void *ctx, uint64_t cgroup_id, int exempt);
	/* the kernel's note of the exec exec_id it froze can go: it was
	 * decided; 0 when a later exec of the process holds the note */
	int (*frozen_done)(void *ctx, pid_t tgid, uint64_t exec_id);
	void *classify_ctx;
	/* adds what is known of the process's executable (its SHA-256) to
	 * an event that does not say it yet; NULL: nothing */
	void (*describe_exe)(void *ctx, const struct subject *s, json_t *o);
	void *describe_ctx;
	/* what follows a kill besides the kill (respond.h), or NULL */
	struct responder *responder;
	/* counters, for the start-up and reload summaries and tests */
	unsigned long long checked, killed, killed_in_kernel, spared, audited, missed;
	unsigned long long reported;    /* subjects with report_only */
	unsigned long long exempted, containers_killed;
	struct action_stats stats;   /* for /metrics (action_stats_init) */
};

/* Tells the kernel the class of a cgroup (exempt or not) from its id
 * alone, when exemptions are on: for a report whose process may be gone
 * already (a refused connect returns at once), so that the cgroup's next
 * call is judged in the kernel by its class. */
void action_classify_cgroup(struct action_ctx *a, uint64_t cgroup_id);

/* Sends SIGCONT to s (tgid, start_ticks) if it is still that process: a
 * detector's kernel side stopped it and it was spared, or is gone. */
void action_resume(struct action_ctx *a, const struct subject *s);

/* Acts on a behaviour detector's finding (source names it): spared when
 * allowedby is non-NULL (logged with it), reported in audit mode, else the
 * process and its descendants are killed. evidence (may be NULL) is merged
 * into the log line and released. */
void action_behaviour(struct action_ctx *a, const struct subject *s, const uint8_t *line,
		      size_t len, const char *allowedby, json_t *evidence);

/* An exec of a file a scan found to be a miner (NM_EXEC_BAD_EXE): follows
 * what the kernel did (killed, froze, spared as exempt, audit) and logs it
 * with evidence (released). */
void action_known_bad(struct action_ctx *a, const struct subject *s, const uint8_t *line,
		      size_t len, json_t *evidence);

/* Judges line (the joined command line) with p and acts. */
void action_judge(struct action_ctx *a, struct policy *p, const struct subject *s,
		  const uint8_t *line, size_t len);

#endif
