/* SPDX-License-Identifier: BSD-2-Clause */
/* randomx_respond.c - RandomX finding to action: identity, allow, evidence. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "log.h"
#include "randomx_respond.h"
#include "proc.h"

json_t *randomx_evidence(const struct randomx_event *ev)
{
	static const char *const names[] = { NULL, "down", "up", "toward-zero" };
	json_t *o = json_object(), *modes = json_array();

	for (unsigned int m = 1; m <= 3; m++)
		if (ev->modes & (1u << m))
			json_array_append_new(modes, json_string(names[m]));
	log_set_int(o, "observations", ev->count);
	log_set_int(o, "threshold", ev->threshold);
	json_object_set_new(o, "window_seconds", json_real((double)ev->window_ns / 1e9));
	json_object_set_new(o, "rounding_modes", modes);
	log_set_int(o, "threads", ev->threads);
	json_object_set_new(o, "seconds_since_first",
			    json_real((double)(ev->ts_ns - ev->first_ns) / 1e9));
	return o;
}

/* A boot-time ns (what the detector stamps) on CLOCK_MONOTONIC, which the
 * kill latency is measured on: they differ by the time suspended. */
static uint64_t boot_to_monotonic(uint64_t boot_ns)
{
	struct timespec b, m;
	int64_t diff;

	/* monotonic first: the boot-time read after it is never behind */
	clock_gettime(CLOCK_MONOTONIC, &m);
	clock_gettime(CLOCK_BOOTTIME, &b);
	diff = ((int64_t)b.tv_sec - (int64_t)m.tv_sec) * 1000000000ll + (b.tv_nsec - m.tv_nsec);
	if (diff < 0)
		diff = 0;
	return boot_ns > (uint64_t)diff ? boot_ns - (uint64_t)diff : 0;
}

static const char *allowed_exe(const struct config *cfg, const char *exe)
{
	for (size_t i = 0; exe && i < cfg->nallowed_exes; i++)
		if (!strcmp(cfg->allowed_exes[i].path, exe))
			return cfg->allowed_exes[i].path;
	return NULL;
}

int randomx_respond(struct action_ctx *a, struct policy *p, const struct randomx_event *ev)
{
	/* the kernel's cgroup id: the container is looked up after the kill,
	 * when /proc/PID/cgroup is gone */
	struct subject s = { .tgid = (pid_t)ev->tgid, .source = "monero", .in_scope = -1,
			     .start_ticks = proc_ns_to_ticks(ev->start_ns),
			     .seen_ns = boot_to_monotonic(ev->first_ns), .cgroup_id = ev->cgroup_id };
	const struct config_pattern *pat = NULL;
	char exe[PATH_MAX], link[64];
	const char *allowedby;
	struct proc_stat st;
	uint8_t *line = NULL;
	size_t len = 0;
	ssize_t n;

	/* The same process still? (PIDs are reused; the kill pins it again.) */
	if (proc_read_stat(s.tgid, &st) || st.start_ticks != s.start_ticks)
		return 0;
	s.ppid = st.ppid;
	proc_read_uid(s.tgid, &s.uid);
	snprintf(link, sizeof(link), "/proc/%d/exe", (int)s.tgid);
	n = readlink(link, exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = 0;
		s.exe = exe;
	}
	if (!proc_read_file(s.tgid, "cmdline", &line, &len))
		len = policy_cmdline(line, len);
	allowedby = allowed_exe(policy_config(p), s.exe);
	if (!allowedby && line && len)
		pat = policy_allowed(p, line, len, NULL);
	if (pat)
		allowedby = pat->regex;
	action_behaviour(a, &s, line ? line : (const uint8_t *)"", len, allowedby,
			 randomx_evidence(ev));
	free(line);
	return allowedby != NULL;
}
