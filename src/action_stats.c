/* SPDX-License-Identifier: BSD-2-Clause */
/* action_stats.c - the counters and histograms action.c keeps for /metrics. */
#include <string.h>
#include "action_stats.h"

const char *const stats_detector_names[STATS_DETECTORS] = { "exec", "randomx", "sweep",
								   "executable", "network" };
const char *const stats_allowed_names[STATS_ALLOWED_KINDS] = {
	"is-substring", "allowed-pattern", "no-match",
};

const double stats_latency_le[] = {
	0.0001, 0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300,
};
const size_t stats_latency_n = sizeof(stats_latency_le) / sizeof(stats_latency_le[0]);

const double stats_timing_le[] = {
	0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025,
	0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
};
const size_t stats_timing_n = sizeof(stats_timing_le) / sizeof(stats_timing_le[0]);

void action_stats_init(struct action_stats *st)
{
	memset(st, 0, sizeof(*st));
	histogram_init(&st->judge, stats_timing_le, stats_timing_n);
	histogram_init(&st->log_kill, stats_timing_le, stats_timing_n);
	for (int d = 0; d < STATS_DETECTORS; d++)
		histogram_init(&st->latency[d], stats_latency_le, stats_latency_n);
	st->nns = 1;             /* the host's entry, "" */
}

/* A DNS label (RFC 1123), as Kubernetes requires of a namespace: also what
 * keeps a label value free of quotes, backslashes and newlines. */
static int valid_namespace(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > STATS_NAMESPACE_LEN || s[0] == '-' || s[n - 1] == '-')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	return 1;
}

/* The entry of name, added when there is room (else "other"'s). */
static struct stats_namespace *namespace_entry(struct action_stats *st, const char *name)
{
	if (st->nns == 0)
		st->nns = 1;
	for (size_t i = 0; i < st->nns; i++)
		if (!strcmp(st->ns[i].name, name))
			return &st->ns[i];
	if (st->nns < STATS_NAMESPACES_MAX + 1 || !strcmp(name, "other")) {
		strcpy(st->ns[st->nns].name, name);   /* valid_namespace bounded it */
		return &st->ns[st->nns++];
	}
	return namespace_entry(st, "other");
}

void action_stats_kill(struct action_stats *st, enum stats_detector d, const char *ns)
{
	if (!ns)
		ns = "";
	else if (ns[0] && !valid_namespace(ns))
		ns = "other";
	namespace_entry(st, ns)->kills[d]++;
}
