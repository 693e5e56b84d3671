/* SPDX-License-Identifier: BSD-2-Clause */
/* killer.c - kill a process tree by pidfd, in rounds until nothing is left. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "killer.h"
#include "proc.h"

/* A fork storm converges in a few rounds: a task with SIGKILL pending can
 * no longer fork, and every child it made before carries the doomed id. */
#define MAX_ROUNDS 200

struct victim {
	pid_t tgid;
	uint64_t start_ticks;
};

struct victims {
	struct victim *v;
	size_t n, cap;
};

static int victims_has(const struct victims *s, pid_t tgid, uint64_t start)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].tgid == tgid && s->v[i].start_ticks == start)
			return 1;
	return 0;
}

static int victims_add(struct victims *s, pid_t tgid, uint64_t start)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 32;
		struct victim *nv = realloc(s->v, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		s->v = nv;
		s->cap = cap;
	}
	s->v[s->n].tgid = tgid;
	s->v[s->n].start_ticks = start;
	s->n++;
	return 0;
}

static int may_kill(const struct killer *k, pid_t tgid)
{
	return tgid > 1 && tgid != getpid() && scope_contains_pid(k->scope, tgid) == 1;
}

/* Signals tgid (pinned by start time) once; returns 1 if it was signalled. */
static int kill_one(const struct killer *k, struct victims *done, pid_t tgid, uint64_t start,
		    uint64_t mark_id)
{
	int fd, ok;

	if (victims_has(done, tgid, start) || !may_kill(k, tgid))
		return 0;
	fd = proc_pidfd_open(tgid, start);
	if (fd < 0)
		return 0;
	if (mark_id && k->lt)
		lineage_add(k->lt, fd, mark_id);
	ok = proc_pidfd_signal(fd, SIGKILL) == 0;
	close(fd);
	if (ok)
		victims_add(done, tgid, start);
	return ok;
}

/* Every live process whose parent chain reaches one in roots, from one
 * snapshot of /proc. Used where the kernel has no record of the lineage. */
static int proc_descendants(const struct victims *roots, struct victims *out)
{
	struct victims all = {0};
	pid_t *ppids = NULL;
	struct dirent *de;
	size_t cap = 0;
	DIR *d = opendir("/proc");
	int grew = 1;

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		struct proc_stat st;
		pid_t pid = (pid_t)atoi(de->d_name);

		if (pid <= 0 || proc_read_stat(pid, &st) || st.state == 'Z')
			continue;
		if (all.n == cap) {
			pid_t *np = realloc(ppids, (cap = cap ? cap * 2 : 256) * sizeof(*np));

			if (!np)
				break;
			ppids = np;
		}
		if (victims_add(&all, pid, st.start_ticks))
			break;
		ppids[all.n - 1] = st.ppid;
	}
	closedir(d);
	/* Fixed point: add every process whose parent is a root or already in. */
	while (grew) {
		grew = 0;
		for (size_t i = 0; i < all.n; i++) {
			pid_t pp = ppids[i];
			int hit = 0;

			if (victims_has(out, all.v[i].tgid, all.v[i].start_ticks))
				continue;
			for (size_t j = 0; j < roots->n && !hit; j++)
				hit = roots->v[j].tgid == pp;
			for (size_t j = 0; j < out->n && !hit; j++)
				hit = out->v[j].tgid == pp;
			if (hit && !victims_add(out, all.v[i].tgid, all.v[i].start_ticks))
				grew = 1;
		}
	}
	free(ppids);
	free(all.v);
	return 0;
}

/* One round over the kernel's list of doomed tasks. Returns how many new
 * processes were signalled. */
static int kernel_round(struct killer *k, struct victims *done)
{
	struct doomed_task *t = NULL;
	size_t n = 0;
	int killed = 0;

	if (lineage_find_doomed(k->lt, &t, &n))
		return 0;
	for (size_t i = 0; i < n; i++)
		killed += kill_one(k, done, (pid_t)t[i].tgid, proc_ns_to_ticks(t[i].start_ns), 0);
	free(t);
	return killed;
}

/* Without kernel lineage: children of what was killed, from /proc. */
static int proc_round(struct killer *k, struct victims *done)
{
	struct victims kids = {0};
	int killed = 0;

	proc_descendants(done, &kids);
	for (size_t i = 0; i < kids.n; i++)
		killed += kill_one(k, done, kids.v[i].tgid, kids.v[i].start_ticks, 0);
	free(kids.v);
	return killed;
}

int killer_kill(struct killer *k, pid_t tgid, uint64_t start_ticks, uint64_t exec_id,
		struct kill_report *r)
{
	struct victims done = {0}, roots = {0}, pre = {0};
	int fd, round, ret = 0;

	memset(r, 0, sizeof(*r));
	fd = proc_pidfd_open(tgid, start_ticks);
	if (fd >= 0 && (!may_kill(k, tgid))) {
		close(fd);
		return -EPERM;
	}
	/* A sweep's process has no doomed exec: give it an id of its own and
	 * hand it to the children it already has, before any of them can be
	 * orphaned by the root's death. */
	if (fd >= 0 && !exec_id) {
		if (k->lt)
			lineage_mark(k->lt, fd, &exec_id);
		victims_add(&roots, tgid, start_ticks);
		proc_descendants(&roots, &pre);
		for (size_t i = 0; k->lt && exec_id && i < pre.n; i++) {
			int cfd = proc_pidfd_open(pre.v[i].tgid, pre.v[i].start_ticks);

			if (cfd >= 0) {
				lineage_add(k->lt, cfd, exec_id);
				close(cfd);
			}
		}
	}
	if (k->lt && exec_id)
		lineage_doom(k->lt, exec_id);
	if (fd >= 0) {
		if (proc_pidfd_signal(fd, SIGKILL) == 0) {
			r->root_killed = 1;
			victims_add(&done, tgid, start_ticks);
		}
		close(fd);
	}
	for (size_t i = 0; i < pre.n; i++)
		r->descendants += kill_one(k, &done, pre.v[i].tgid, pre.v[i].start_ticks, 0);
	for (round = 0; round < MAX_ROUNDS; round++) {
		int n = k->lt && exec_id ? kernel_round(k, &done) : proc_round(k, &done);

		if (n == 0)
			break;
		r->descendants += (unsigned int)n;
	}
	r->converged = round < MAX_ROUNDS;
	if (!r->root_killed && r->descendants == 0)
		ret = -ESRCH;
	free(done.v);
	free(roots.v);
	free(pre.v);
	return ret;
}
