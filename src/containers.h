/* SPDX-License-Identifier: BSD-2-Clause */
/* containers.h - who a process belongs to: its container (from its cgroup),
 * that container's pod, name, image and hub user (from the runtime's state
 * on disk), cached per container; and the namespace/name exemptions.
 *
 * Lookups read files only: no runtime API, no process spawned. A container
 * whose state cannot be read is reported once (one log line) and its events
 * go out with what the cgroup alone tells. */
#ifndef NOMINE_CONTAINERS_H
#define NOMINE_CONTAINERS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <jansson.h>
#include "cgroup_path.h"
#include "runtime_state.h"

struct config;

/* Used when the config does not set "environmentVariables". */
extern const char *const containers_default_env[];

struct container {
	struct ctr_ref ref;
	struct rt_meta meta;
	int meta_ok;
	int failure_logged;      /* the first failure was logged */
	double failed_at;        /* CLOCK_MONOTONIC s of the last failure: retried later */
	char *exempt;            /* "namespace kube-system", ...; NULL: not exempt */
	/* whole-container response: recent kill times, a ring of kill_after */
	double *kills;
	unsigned int nkills, kill_next;
	int container_killed;
};

struct containers;

/* The unified hierarchy's and the v1 freezer's mount points ("" or NULL:
 * none). With a v1 hierarchy, containers may sit in v1 cgroups only.
 * NULL with errno ENOMEM. */
struct containers *containers_new(const char *cgroup2_mount, const char *freezer_mount);
void containers_free(struct containers *cs);

/* Takes the config's environment names, exemptions and state dirs, and
 * forgets every cached container (exemptions may have changed). Returns 0,
 * or a negative errno with err: -ENAMETOOLONG (paths too long), -ENOMEM. */
int containers_configure(struct containers *cs, const struct config *cfg, char *err, size_t errlen);

/* 1 when some namespace or container name is exempt. */
int containers_exemptions_on(const struct containers *cs);

/* The container of a process, from the cgroup ids the kernel saw at exec
 * (unified, and the v1 freezer's; 0: none) and, failing those, from
 * /proc/PID/cgroup of the process that started at start_ticks. NULL: a
 * host process, or unknown. Metadata comes from the runtime's state only
 * if the state names this very cgroup as the container's. */
struct container *containers_of(struct containers *cs, pid_t pid, uint64_t start_ticks,
				uint64_t cgroup_id, uint64_t cgroup1_id);

/* Reads at most max bytes of /proc/PID/FILE of the process that started at
 * start_ticks (pinned with a pidfd, so never of a reused PID). 0 or a
 * negative errno (-ESRCH or -ENOENT: the process is gone). */
int containers_read_proc(pid_t pid, uint64_t start_ticks, const char *file, size_t max,
			 uint8_t **buf, size_t *len);

/* Where metadata is read from (after hostRoot). */
const struct rt_dirs *containers_dirs(const struct containers *cs);

/* 1 when some environment variable is to be reported. */
int containers_want_env(const struct containers *cs);

/* 1 when cgroup_id was resolved from the unified hierarchy (cached): its
 * class can be told to the kernel. A v1 placement shares the unified root
 * with every other process, so it never is. */
int containers_cgid_known(const struct containers *cs, uint64_t cgroup_id);

/* Adds container_type, container_id, container_runtime, labels and image
 * (cryptnono's names), then "user" and "environment": wanted variables of
 * the process's own environment (env, NULL: none known) and, for those it
 * lacks, the container's spec. c may be NULL (host). */
void containers_describe(const struct containers *cs, const struct container *c,
			 const uint8_t *env, size_t env_len, json_t *o);

/* Records a kill in c at time now (seconds) and says whether the container
 * has now had `after` kills within `window` seconds (once per container). */
int containers_note_kill(struct container *c, double now, unsigned int after, double window);

/* Counters for metrics and tests. */
struct containers_stats {
	unsigned long long lookups, cached, resolved, failures, forged;
};
void containers_stats(const struct containers *cs, struct containers_stats *st);

#endif
