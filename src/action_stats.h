/* SPDX-License-Identifier: BSD-2-Clause */
/* action_stats.h - what judging and acting count for /metrics: cryptnono's
 * execwhacker outcomes per source, kills by detector and pod namespace (a
 * bounded set), and the timing histograms. action.c fills it on the event
 * loop; metrics.c reads it at scrape time. A zeroed struct works (its
 * histograms then have only +Inf); action_stats_init gives the buckets. */
#ifndef NOMINE_ACTION_STATS_H
#define NOMINE_ACTION_STATS_H

#include <stddef.h>
#include <stdint.h>
#include "histogram.h"

/* Who found the process: exec events, the RandomX watcher, /proc sweeps,
 * the executable's bytes. */
enum stats_detector { STATS_EXEC, STATS_RANDOMX, STATS_SWEEP, STATS_EXECUTABLE,
		      STATS_NETWORK, STATS_DETECTORS };
extern const char *const stats_detector_names[STATS_DETECTORS];

/* Why a judged command line was not killed (cryptnono's allowedby values):
 * is-substring (cryptnono's word check; nomine's is part of the match, so
 * such a line counts as no-match), an allow pattern, no banned string. */
enum stats_allowed { STATS_IS_SUBSTRING, STATS_ALLOWED_PATTERN, STATS_NO_MATCH, STATS_ALLOWED_KINDS };
extern const char *const stats_allowed_names[STATS_ALLOWED_KINDS];

/* Distinct pod namespaces with kills of their own; later ones count as
 * "other" (the label set stays bounded whatever runs on the node). */
#define STATS_NAMESPACES_MAX 200
#define STATS_NAMESPACE_LEN 63   /* a Kubernetes namespace is a DNS label */

struct stats_namespace {
	char name[STATS_NAMESPACE_LEN + 1];   /* "": host processes, no metadata */
	uint64_t kills[STATS_DETECTORS];
};

struct action_stats {
	struct {
		uint64_t checked, killed, missed;
		uint64_t allowed[STATS_ALLOWED_KINDS];
	} by[STATS_DETECTORS];
	struct histogram judge;      /* one command line judged and acted on */
	struct histogram log_kill;   /* one kill verdict logged and carried out */
	struct histogram latency[STATS_DETECTORS]; /* exec (or first sign) to death */
	/* [0] is the host (""), then namespaces in order of their first kill,
	 * then "other" once STATS_NAMESPACES_MAX are taken */
	struct stats_namespace ns[STATS_NAMESPACES_MAX + 2];
	size_t nns;
	uint64_t errors;             /* cryptnono's unexpected errors */
};

/* Buckets of the kill latency (seconds): in-kernel kills land in the first. */
extern const double stats_latency_le[];
extern const size_t stats_latency_n;
/* Buckets of the user-space timings: finer than cryptnono's below 5 ms (a
 * verdict takes microseconds), then cryptnono's own bounds, so an le a
 * cryptnono dashboard queries exists here too. */
extern const double stats_timing_le[];
extern const size_t stats_timing_n;

/* Zeroes st and sets its histograms' buckets. */
void action_stats_init(struct action_stats *st);

/* Counts a kill by detector d of a process in pod namespace ns (NULL or
 * "": a host process or one whose pod is unknown). A name that is not a
 * Kubernetes namespace, or a new one past STATS_NAMESPACES_MAX, counts as
 * "other". */
void action_stats_kill(struct action_stats *st, enum stats_detector d, const char *ns);

#endif
