/* SPDX-License-Identifier: BSD-2-Clause */
/* sweep.c - the /proc sweep that catches what the exec path cannot see:
 * processes older than nomine and ones that rewrote their argv. */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "proc.h"
#include "sweep.h"

static void judge_pid(struct action_ctx *a, struct policy *p, pid_t pid,
		      void (*each)(void *ctx, pid_t pid, uint64_t start_ticks), void *ctx)
{
	struct subject s = { .tgid = pid, .source = "scan", .in_scope = -1 };
	struct proc_stat st;
	char exe[PATH_MAX];
	uint8_t *line;
	size_t len;

	if (proc_read_stat(pid, &st) || st.state == 'Z')
		return;
	if (proc_read_file(pid, "cmdline", &line, &len))
		return;
	len = policy_cmdline(line, len);
	if (len == 0) {      /* kernel thread, or a process that blanked argv */
		free(line);
		return;
	}
	s.ppid = st.ppid;
	s.start_ticks = st.start_ticks;
	proc_read_uid(pid, &s.uid);
	if (proc_read_exe(pid, exe, sizeof(exe)) > 0)
		s.exe = exe;
	action_judge(a, p, &s, line, len);
	free(line);
	if (each && !proc_read_stat(pid, &st) && st.start_ticks == s.start_ticks)
		each(ctx, pid, s.start_ticks);
}

unsigned int sweep_run(struct action_ctx *a, struct policy *p,
		       void (*each)(void *ctx, pid_t pid, uint64_t start_ticks), void *ctx)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	pid_t self = getpid();
	unsigned int n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		pid_t pid = (pid_t)strtol(de->d_name, NULL, 10);

		if (pid <= 0 || pid == self)
			continue;
		judge_pid(a, p, pid, each, ctx);
		n++;
	}
	closedir(d);
	return n;
}
