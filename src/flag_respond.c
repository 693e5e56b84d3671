/* SPDX-License-Identifier: BSD-2-Clause */
/* flag_respond.c - a process a behaviour detector flagged: identity, allow, act. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "flag_respond.h"
#include "proc.h"

uint64_t flag_boot_to_monotonic(uint64_t boot_ns)
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

const char *flag_allowed_exe(const struct config *cfg, const char *exe)
{
	for (size_t i = 0; exe && i < cfg->nallowed_exes; i++)
		if (!strcmp(cfg->allowed_exes[i].path, exe))
			return cfg->allowed_exes[i].path;
	return NULL;
}

int flag_respond(struct action_ctx *a, struct policy *p, struct subject *s, json_t *evidence,
		 unsigned int flags)
{
	const struct config_pattern *pat = NULL;
	char exe[PATH_MAX];
	const char *allowedby;
	struct proc_stat st;
	uint8_t *line = NULL;
	size_t len = 0;

	/* The same process still? (PIDs are reused; the kill pins it again.) */
	if (proc_read_stat(s->tgid, &st) || (s->start_ticks && st.start_ticks != s->start_ticks)) {
		json_decref(evidence);
		return -ESRCH;
	}
	s->start_ticks = st.start_ticks;
	s->ppid = st.ppid;
	proc_read_uid(s->tgid, &s->uid);
	if (proc_read_exe(s->tgid, exe, sizeof(exe)) > 0)
		s->exe = exe;
	if (!proc_read_file(s->tgid, "cmdline", &line, &len))
		len = policy_cmdline(line, len);
	allowedby = flag_allowed_exe(policy_config(p), s->exe);
	if (!allowedby && line && len && !(flags & FLAG_NO_PATTERNS))
		pat = policy_allowed(p, line, len, NULL);
	if (pat)
		allowedby = pat->regex;
	action_behaviour(a, s, line ? line : (const uint8_t *)"", len, allowedby, evidence);
	free(line);
	s->exe = NULL;          /* exe was ours */
	return allowedby != NULL;
}
