/* SPDX-License-Identifier: BSD-2-Clause */
/* killer.c - kill a process tree by pidfd, in rounds until nothing is left. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "killer.h"
#include "log.h"
#include "proc.h"
#include "tunables.h"


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
static int kill_one(const struct killer *k, struct victims *done, pid_t tgid, uint64_t start)
{
	int fd, ok;

	if (victims_has(done, tgid, start) || !may_kill(k, tgid))
		return 0;
	fd = proc_pidfd_open(tgid, start);
	if (fd < 0)
		return 0;
	ok = proc_pidfd_signal(fd, SIGKILL) == 0;
	close(fd);
	if (ok)
		victims_add(done, tgid, start);
	return ok;
}

/* One process of a /proc snapshot. */
struct proc_entry {
	pid_t pid, ppid;
	uint64_t start_ticks;
};

static int by_ppid(const void *x, const void *y)
{
	const struct proc_entry *a = x, *b = y;

	return (a->ppid > b->ppid) - (a->ppid < b->ppid);
}

/* Every live process of the machine, sorted by parent. NULL with errno
 * (ENOMEM, or opendir's; ENOENT when none was found). */
static struct proc_entry *proc_snapshot(size_t *n)
{
	struct proc_entry *v = NULL, *nv;
	size_t cap = 0, len = 0;
	struct dirent *de;
	DIR *d = opendir("/proc");
	int e = ENOENT;

	if (!d)
		return NULL;
	while ((de = readdir(d))) {
		struct proc_stat st;
		pid_t pid = (pid_t)atoi(de->d_name);

		if (pid <= 0 || proc_read_stat(pid, &st) || st.state == 'Z')
			continue;
		if (len == cap) {
			cap = cap ? cap * 2 : 512;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				e = ENOMEM;
				break;
			}
			v = nv;
		}
		v[len].pid = pid;
		v[len].ppid = st.ppid;
		v[len].start_ticks = st.start_ticks;
		len++;
	}
	closedir(d);
	if (v)
		qsort(v, len, sizeof(*v), by_ppid);
	else
		errno = e;
	*n = len;
	return v;
}

/* Every live process whose parent chain reaches one in roots, from one
 * snapshot of /proc (breadth first, children found by binary search).
 * Used where the kernel has no record of the lineage. Returns 0 or a
 * negative errno (no snapshot). */
static int proc_descendants(const struct victims *roots, struct victims *out)
{
	size_t n = 0, head = 0;
	struct proc_entry *all = proc_snapshot(&n);
	struct victims queue = {0};

	if (!all)
		return -errno;
	for (size_t i = 0; i < roots->n; i++)
		victims_add(&queue, roots->v[i].tgid, roots->v[i].start_ticks);
	while (head < queue.n) {
		struct proc_entry key = { .ppid = queue.v[head++].tgid };
		struct proc_entry *hit = bsearch(&key, all, n, sizeof(*all), by_ppid);

		if (!hit)
			continue;
		while (hit > all && hit[-1].ppid == key.ppid)
			hit--;
		for (; hit < all + n && hit->ppid == key.ppid; hit++) {
			if (victims_has(out, hit->pid, hit->start_ticks))
				continue;
			victims_add(out, hit->pid, hit->start_ticks);
			victims_add(&queue, hit->pid, hit->start_ticks);
		}
	}
	free(queue.v);
	free(all);
	return 0;
}

/* Tags every descendant of root with id, snapshot after snapshot, until one
 * finds nothing new: a child forked by a process before that process was
 * tagged is seen by the next snapshot (its parent is still alive, nothing
 * is killed yet), and one forked after inherits the tag in the kernel. */
static void tag_tree(struct killer *k, pid_t root, uint64_t start, uint64_t id,
		     struct victims *tagged)
{
	struct victims roots = {0};

	victims_add(&roots, root, start);
	for (int pass = 0; pass < NM_KILL_ROUNDS_MAX; pass++) {
		struct victims found = {0};
		size_t fresh = 0;

		proc_descendants(&roots, &found);
		for (size_t i = 0; i < found.n; i++) {
			int fd;

			if (victims_has(tagged, found.v[i].tgid, found.v[i].start_ticks))
				continue;
			fresh++;
			victims_add(tagged, found.v[i].tgid, found.v[i].start_ticks);
			fd = proc_pidfd_open(found.v[i].tgid, found.v[i].start_ticks);
			if (fd >= 0 && k->lt && id)
				lineage_add(k->lt, fd, found.v[i].tgid, found.v[i].start_ticks, id);
			if (fd >= 0)
				close(fd);
		}
		free(found.v);
		if (!fresh)
			break;
	}
	free(roots.v);
}

/* Without kernel lineage: children of what was killed, from /proc. */
static int proc_round(struct killer *k, struct victims *done)
{
	struct victims kids = {0};
	int killed = 0;

	proc_descendants(done, &kids);
	for (size_t i = 0; i < kids.n; i++)
		killed += kill_one(k, done, kids.v[i].tgid, kids.v[i].start_ticks);
	free(kids.v);
	return killed;
}

/* One round over the kernel's lineage as it is now: every live task whose
 * ancestry holds a doomed id is signalled, and its own newest id doomed
 * too, so that what it forks while the kill goes on is found by the next
 * round even if that outruns its window. Returns how many new processes
 * were signalled. */
static int lineage_round(struct killer *k, struct id_set *doomed, struct victims *done)
{
	struct lineage_task *t = NULL;
	struct lineage_links links;
	size_t *idx = NULL, nt = 0, n = 0;
	int killed = 0, e;

	e = lineage_tasks(k->lt, &t, &nt);
	lineage_links_init(&links, lineage_link_lookup, k->lt);
	if (!e)
		e = lineage_doomed_tasks(t, nt, &links, doomed, &idx, &n);
	if (e) {
		/* the kernel's record unreadable now: /proc's is better than none */
		log_msg("warning", "lineage unreadable (%s): descendants from /proc parent links",
			strerror(-e));
		killed = proc_round(k, done);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const struct lineage_task *v = &t[idx[i]];
		uint64_t start = proc_ns_to_ticks(v->start_ns);

		if (victims_has(done, (pid_t)v->tgid, start) || !may_kill(k, (pid_t)v->tgid))
			continue;
		if (id_set_add(doomed, v->l.ids[0]))
			log_msg("warning", "out of memory: the kill may miss what %u forks now",
				v->tgid);
		killed += kill_one(k, done, (pid_t)v->tgid, start);
	}
out:
	free(idx);
	free(t);
	lineage_links_free(&links);
	return killed;
}

/* 1 when the process started before nomine: what it forked before then has
 * no lineage, and only /proc links it. */
static int older_than_us(uint64_t start_ticks)
{
	static uint64_t ours;
	struct proc_stat st;

	if (!ours && !proc_read_stat(getpid(), &st))
		ours = st.start_ticks;
	return !ours || start_ticks <= ours;
}

/* Dooms the ids the process made (its fork's, its execs'): what everything
 * it forked carries, however long ago and however it left the tree since.
 * Found from exec_id (its exec's, when it is gone already) or from its
 * live threads' windows. Returns 1 when it ever forked a process, 0 when it
 * never did, -1 when no id of its own was found (nothing is known). */
static int doom_owned(struct killer *k, pid_t tgid, uint64_t start_ticks, uint64_t exec_id,
		      struct id_set *doomed)
{
	struct lineage_task *t = NULL;
	struct lineage_kv *kv = NULL;
	struct lineage_links links;
	const struct lineage_link *own;
	size_t nt = 0, nkv = 0, before = doomed->n;
	int forked = 0;

	lineage_links_init(&links, lineage_link_lookup, k->lt);
	own = lineage_link(&links, exec_id);
	if (own && (pid_t)own->tgid == tgid && proc_ns_to_ticks(own->start_ns) == start_ticks)
		lineage_owned_ids(&links, exec_id, own->tgid, own->start_ns, doomed, &forked);
	/* without an exec's id (a sweep, a detector), from its threads'
	 * windows: every id newer than exec_id descends from it anyway */
	if (doomed->n == before && start_ticks && !lineage_tasks(k->lt, &t, &nt)) {
		for (size_t i = 0; i < nt; i++)
			if ((pid_t)t[i].tgid == tgid && proc_ns_to_ticks(t[i].start_ns) == start_ticks)
				lineage_owned_ids(&links, lineage_window_newest(&t[i].l), t[i].tgid,
						  t[i].start_ns, doomed, &forked);
		free(t);
	}
	/* Older than nomine: its threads of before were given ids one by one,
	 * each at its first fork, and a thread gone since is in no window; the
	 * links' owners know them all */
	if (start_ticks && older_than_us(start_ticks) && !lineage_links_all(k->lt, &kv, &nkv)) {
		for (size_t i = 0; i < nkv; i++)
			if ((pid_t)kv[i].link.tgid == tgid &&
			    proc_ns_to_ticks(kv[i].link.start_ns) == start_ticks) {
				id_set_add(doomed, kv[i].id);
				if (kv[i].link.flags & NM_LINK_FORKED)
					forked = 1;
			}
		free(kv);
	}
	lineage_links_free(&links);
	return doomed->n > before ? forked : -1;
}

/* 1 while the process that started at start is alive (not a zombie). */
static int alive(pid_t tgid, uint64_t start)
{
	struct proc_stat st;

	return !proc_read_stat(tgid, &st) && st.start_ticks == start && st.state != 'Z';
}

/* Waits until every victim is dead, at most *budget_ms (what is left of
 * it is written back). */
static void wait_gone(const struct victims *v, unsigned int *budget_ms)
{
	size_t i = 0;

	for (; *budget_ms; (*budget_ms)--) {
		while (i < v->n && !alive(v->v[i].tgid, v->v[i].start_ticks))
			i++;
		if (i == v->n)
			return;
		usleep(1000);
	}
}

/* A process killed in the middle of fork() finishes the fork first: its
 * child is on the task list already (a round can pass it) but receives its
 * lineage only at the fork's tracepoint, which runs before the parent can
 * act on its SIGKILL. Once every victim is gone, every child they made
 * carries the doomed id, and one more round finds any such straggler (the
 * round then waits for those in turn). Seen under emulation, where that
 * window is wide: 1 to 4 of 150 processes left in 3 runs of 5. */
static unsigned int settle(struct killer *k, struct id_set *doomed, struct victims *done)
{
	unsigned int total = 0, budget = NM_KILL_SETTLE_BUDGET_MS;

	for (int i = 0; i < NM_KILL_SETTLE_ROUNDS; i++) {
		int n;

		wait_gone(done, &budget);
		n = lineage_round(k, doomed, done);
		if (n == 0)
			break;
		total += (unsigned int)n;
		for (int round = 0; round < NM_KILL_ROUNDS_MAX && n; round++) {
			n = lineage_round(k, doomed, done);
			total += (unsigned int)n;
		}
	}
	return total;
}

/* at_exec: the process died at that exec (the kernel killed it), so the
 * ids up to exec_id are all it made, and their marks say if it forked. */
static int kill_tree(struct killer *k, pid_t tgid, uint64_t start_ticks, uint64_t exec_id,
		     int at_exec, struct kill_report *r)
{
	struct victims done = {0}, pre = {0};
	struct id_set doomed = {0};
	int fd, round, ret = 0;
	uint64_t tag = 0;

	memset(r, 0, sizeof(*r));
	fd = proc_pidfd_open(tgid, start_ticks);
	if (fd >= 0 && (!may_kill(k, tgid))) {
		close(fd);
		return -EPERM;
	}
	/* Everything the process forked carries an id it made: doomed, the
	 * kernel's record finds them however they left its tree (setsid,
	 * double forks, a subreaper, exec chains of any length), also when
	 * the process itself is gone already (killed at its exec). */
	if (k->lt) {
		int forked = doom_owned(k, tgid, start_ticks, exec_id, &doomed);

		/* killed at its exec without ever forking: nothing to find (it
		 * may still be exiting, it cannot fork any more); unless links
		 * were lost, which can cut its run of ids short */
		if (at_exec && forked == 0 && !lineage_links_lost(k->lt)) {
			if (fd >= 0)
				close(fd);
			id_set_free(&doomed);
			return -ESRCH;
		}
		id_set_add(&doomed, exec_id);
	}
	/* What the kernel's record cannot hold: a process without ids of its
	 * own, or older than nomine (its children of before), or a fork the
	 * kernel's programs missed. Its /proc tree gets an id of its own before
	 * anything dies, so that no child can be orphaned out of reach. */
	if (fd >= 0 && (!doomed.n || older_than_us(start_ticks) ||
			(k->lt && lineage_fork_misses(k->lt)))) {
		if (k->lt && !lineage_mark(k->lt, fd, tgid, start_ticks, &tag))
			id_set_add(&doomed, tag);
		tag_tree(k, tgid, start_ticks, tag, &pre);
	}
	if (fd >= 0) {
		int e = proc_pidfd_signal(fd, SIGKILL);

		if (e == 0) {
			r->root_killed = 1;
			victims_add(&done, tgid, start_ticks);
		} else if (e != -ESRCH) {
			r->root_error = e;
		}
		close(fd);
	}
	for (size_t i = 0; i < pre.n; i++)
		r->descendants += kill_one(k, &done, pre.v[i].tgid, pre.v[i].start_ticks);
	for (round = 0; round < NM_KILL_ROUNDS_MAX; round++) {
		int n = k->lt && doomed.n ? lineage_round(k, &doomed, &done) : proc_round(k, &done);

		if (n == 0)
			break;
		r->descendants += (unsigned int)n;
	}
	r->converged = round < NM_KILL_ROUNDS_MAX;
	if (k->lt && doomed.n)
		r->descendants += settle(k, &doomed, &done);
	if (!r->root_killed && !r->root_error && r->descendants == 0)
		ret = -ESRCH;
	id_set_free(&doomed);
	free(done.v);
	free(pre.v);
	return ret;
}

int killer_kill(struct killer *k, pid_t tgid, uint64_t start_ticks, uint64_t exec_id,
		struct kill_report *r)
{
	return kill_tree(k, tgid, start_ticks, exec_id, 0, r);
}

int killer_kill_forked(struct killer *k, pid_t tgid, uint64_t start_ticks, uint64_t exec_id,
		       struct kill_report *r)
{
	return kill_tree(k, tgid, start_ticks, exec_id, 1, r);
}
