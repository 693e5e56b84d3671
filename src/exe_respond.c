/* SPDX-License-Identifier: BSD-2-Clause */
/* exe_respond.c - scan requests out, scan results to verdicts. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "exe_name.h"
#include "exe_respond.h"
#include "exe_script.h"
#include "exec.h"
#include "flag_respond.h"
#include "log.h"
#include "proc.h"
#include "scope.h"

/* An exec whose command-line verdict waits for its file's scan. */
struct held {
	struct subject s;
	struct nm_exe_id kid;
	char exe[NM_EXE_NAME_MAX];
	char exec_path[NM_FILENAME_MAX];
	uint8_t *line, *env;
	size_t n;
};

static struct held *hold(const struct subject *s, const struct exec_record *h,
			 const uint8_t *line, size_t n)
{
	struct held *x = calloc(1, sizeof(*x));

	if (!x)
		return NULL;
	x->s = *s;
	x->kid = h->exe;
	x->s.exe_id = &x->kid;
	if (s->exe) {
		snprintf(x->exe, sizeof(x->exe), "%s", s->exe);
		x->s.exe = x->exe;
	}
	if (s->exec_path) {
		snprintf(x->exec_path, sizeof(x->exec_path), "%s", s->exec_path);
		x->s.exec_path = x->exec_path;
	}
	x->line = malloc(n ? n : 1);
	x->env = s->env_len ? malloc(s->env_len) : NULL;
	if (!x->line || (s->env_len && !x->env)) {
		free(x->line);
		free(x->env);
		free(x);
		return NULL;
	}
	memcpy(x->line, line, n);
	x->n = n;
	if (x->env)
		memcpy(x->env, s->env, s->env_len);
	x->s.env = x->env;
	return x;
}

static void held_free(struct held *x)
{
	if (!x)
		return;
	free(x->line);
	free(x->env);
	free(x);
}

static void job_of(struct exe_job *j, const struct exec_record *h, const struct subject *s)
{
	memset(j, 0, sizeof(*j));
	j->kid = h->exe;
	j->tgid = s->tgid;
	j->ppid = s->ppid;
	j->uid = s->uid;
	j->start_ticks = s->start_ticks;
	j->exec_id = s->exec_id;
	j->cgroup_id = s->cgroup_id;
	j->cgroup1_id = s->cgroup1_id;
	j->seen_ns = s->seen_ns;
	snprintf(j->path, sizeof(j->path), "%s", h->filename);
	j->fd_exec = (h->flags & NM_EXEC_EXE_NAMED) != 0;
}

/* The evidence of a report: the "executable" object, and "matched". */
static json_t *evidence(const struct exe_report *rep, const struct exe_rules *r)
{
	json_t *o = json_object();

	exe_report_json(rep, r, o);
	if (rep->string >= 0 && r && (size_t)rep->string < r->nstrings)
		log_set_str(o, "matched", exe_item_shown(&r->string_of[rep->string]));
	else if (rep->hash >= 0 && r && (size_t)rep->hash < r->nhashes)
		log_set_str(o, "matched", exe_item_shown(&r->hash_of[rep->hash]));
	else if (rep->packed)
		log_set_str(o, "matched", "packed executable");
	return o;
}

/* The interpreter's script, if argv names one: scanned (or answered from
 * the cache) by the thread. */
static void scan_script(struct exe_respond *x, const struct exec_record *h,
			const struct subject *s, const char *fam, const uint8_t *argv, size_t len)
{
	struct exe_job j;

	job_of(&j, h, s);
	j.script = 1;
	if (exe_script_arg(fam, argv, len, j.path, sizeof(j.path)))
		exe_watch_submit(x->xw, &j);
}

int exe_respond_exec(struct exe_respond *x, const struct exec_record *h, const struct subject *s,
		     const uint8_t *argv, size_t argv_len, const uint8_t *line, size_t n)
{
	struct exe_report rep;
	struct exe_job j;
	char exe[PATH_MAX];
	const char *fam = NULL;
	int ret = 0;

	if (!(h->flags & NM_EXEC_IN_SCOPE))
		return 0;
	if (h->flags & NM_EXEC_BAD_EXE) {
		struct subject bad = *s;
		json_t *ev = NULL;

		bad.source = "executable";    /* the file's verdict, not argv's */
		if (!exe_watch_known(x->xw, &h->exe, &rep))
			ev = evidence(&rep, x->rules ? *x->rules : NULL);
		else
			ev = json_pack("{s:s}", "matched", "(a file a scan found banned)");
		action_known_bad(x->act, &bad, line, n, ev);
		return 1;
	}
	/* an interpreter's execs: the script they run is scanned too */
	if (h->flags & (NM_EXEC_NEW_EXE | NM_EXEC_INTERP) &&
	    proc_read_exe(s->tgid, exe, sizeof(exe)) > 0)
		fam = exe_interpreter(exe);
	if (h->flags & NM_EXEC_NEW_EXE) {
		job_of(&j, h, s);
		/* killed at exec: its event waits for the scan, which reads the
		 * file through the parent, so that it can carry the SHA-256 */
		if (h->flags & NM_EXEC_KILLED && !(h->flags & NM_EXEC_BAD_EXE)) {
			j.hold = hold(s, h, line, n);
			exe_job_pin(&j);     /* the parent may not wait for the scan */
		}
		if (exe_watch_submit(x->xw, &j) < 0) {
			held_free(j.hold);
			j.hold = NULL;
		}
		ret = j.hold ? 2 : 0;
		if (fam && x->ew)
			exec_watch_exe_interp(x->ew, &h->exe);
	}
	if (fam && argv)
		scan_script(x, h, s, fam, argv, argv_len);
	return ret;
}

/* What stat(2) says of the file a process runs (through /proc/PID/exe):
 * how scan results made by the thread are found again. 0 or -1. */
static int exe_stat(pid_t pid, struct stat *f)
{
	char link[64];

	snprintf(link, sizeof(link), "/proc/%d/exe", (int)pid);
	return stat(link, f);
}

/* The scan result for the file a process runs: 0, or -ENOENT. */
static int known_of_pid(struct exe_respond *x, pid_t pid, struct exe_report *rep)
{
	struct stat f;

	if (exe_stat(pid, &f))
		return -ENOENT;
	return exe_watch_known_stat(x->xw, f.st_dev, f.st_ino, f.st_ctim.tv_sec, f.st_ctim.tv_nsec,
				    rep);
}

/* The cgroup v2 id of a live process (its directory's inode number), 0 if
 * unknown: the container is looked up by it after the kill, when
 * /proc/PID/cgroup is gone. */
static uint64_t cgroup_id_of(const struct action_ctx *a, pid_t pid)
{
	char rel[PATH_MAX], path[PATH_MAX + 4096];

	if (!a->unified_mount || !a->unified_mount[0] || proc_read_cgroup2(pid, rel, sizeof(rel)))
		return 0;
	snprintf(path, sizeof(path), "%s%s", a->unified_mount, rel);
	return cgroup_dir_id(path);
}

/* Judges one live process found running a banned file (or script); job
 * is the exec that asked for the scan, when pid is its process. */
static void condemn_pid(struct exe_respond *x, pid_t pid, uint64_t start_ticks,
			const struct exe_job *job, const struct exe_report *rep,
			const struct exe_rules *rules)
{
	struct subject s = { .tgid = pid, .source = "executable", .in_scope = 1,
			     .start_ticks = start_ticks };
	struct proc_stat st;

	if (proc_read_stat(pid, &st) || st.start_ticks != start_ticks || st.state == 'Z')
		return;
	if (scope_contains_pid(x->act->killer->scope, pid) != 1)
		return;
	if (job) {
		s.seen_ns = job->seen_ns;
		s.cgroup_id = job->cgroup_id;
		s.cgroup1_id = job->cgroup1_id;
		s.exec_id = job->exec_id;
		/* its "exe" comes from /proc/PID/exe: the file's own name; the
		 * kernel's identity is of that file (a script's scan is not) */
		if (!job->script) {
			s.exe_id = &job->kid;
			if (job->fd_exec)
				s.exec_path = job->path;
		}
	} else {
		s.cgroup_id = cgroup_id_of(x->act, pid);
	}
	/* the file's verdict: allowedExecutables spares it, allow patterns
	 * (about command lines) do not */
	flag_respond(x->act, *x->policy, &s, evidence(rep, rules), FLAG_NO_PATTERNS);
}

unsigned int exe_respond_sweep(struct exe_respond *x, const struct exe_report *rep,
			       const struct exe_rules *rules, pid_t skip)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	pid_t self = getpid();
	unsigned int judged = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		pid_t pid = (pid_t)strtol(de->d_name, NULL, 10);
		struct proc_stat st;
		struct stat f;

		if (pid <= 0 || pid == self || pid == skip)
			continue;
		if (exe_stat(pid, &f) || f.st_dev != rep->st_dev || f.st_ino != rep->st_ino ||
		    f.st_ctim.tv_sec != rep->st_ctime_sec || f.st_ctim.tv_nsec != rep->st_ctime_nsec)
			continue;
		if (proc_read_stat(pid, &st))
			continue;
		condemn_pid(x, pid, st.start_ticks, NULL, rep, rules);
		judged++;
	}
	closedir(d);
	return judged;
}

void exe_respond_result(const struct exe_result *r, void *ctx)
{
	struct exe_respond *x = ctx;
	struct held *h = r->job.hold;
	const struct exe_report *rep = &r->rep;

	if (h) {      /* the command-line verdict waited for this scan */
		action_judge(x->act, *x->policy, &h->s, h->line, h->n);
		held_free(h);
	}
	if (r->open_err) {
		/* gone before its file could be read: its next exec is sent again */
		if (!r->job.script && !r->job.swept && x->ew)
			exec_watch_exe_unsee(x->ew, &r->job.kid);
		return;
	}
	if (!rep->banned)
		return;
	if (r->job.swept) {
		/* the kernel's name for the file is not known here: its next
		 * exec is a new file to the kernel, scanned and remembered then */
		condemn_pid(x, r->job.tgid, r->job.start_ticks, &r->job, rep, r->rules);
		exe_respond_sweep(x, rep, r->rules, r->job.tgid);
		return;
	}
	if (!r->job.script) {
		char exe[PATH_MAX] = "";

		proc_read_exe(r->job.tgid, exe, sizeof(exe));
		/* an operator's allowedExecutables entry keeps it out of the
		 * kernel's map (its processes are reported as spared) */
		if (x->ew && !flag_allowed_exe(policy_config(*x->policy), exe))
			exec_watch_exe_bad(x->ew, &r->job.kid);
		condemn_pid(x, r->job.tgid, r->job.start_ticks, &r->job, rep, r->rules);
		exe_respond_sweep(x, rep, r->rules, r->job.tgid);
		return;
	}
	condemn_pid(x, r->job.tgid, r->job.start_ticks, &r->job, rep, r->rules);
}

void exe_respond_swept(void *ctx, pid_t pid, uint64_t start_ticks)
{
	struct exe_respond *x = ctx;
	struct exe_report rep;
	struct proc_stat st;
	struct exe_job j = { .swept = 1, .tgid = pid, .start_ticks = start_ticks };

	if (!x->xw || !known_of_pid(x, pid, &rep) || scope_contains_pid(x->act->killer->scope, pid) != 1 || proc_read_stat(pid, &st))
		return;
	j.ppid = st.ppid;
	proc_read_uid(pid, &j.uid);
	j.cgroup_id = cgroup_id_of(x->act, pid);
	proc_read_exe(pid, j.path, sizeof(j.path));
	exe_watch_submit(x->xw, &j);
}

void exe_respond_describe(void *ctx, const struct subject *s, json_t *o)
{
	struct exe_respond *x = ctx;
	struct exe_report rep;
	json_t *e = NULL;

	if (s->exe_id && !exe_watch_known(x->xw, s->exe_id, &rep)) {
		e = json_object();
		exe_report_json(&rep, NULL, e);
	} else {
		if (!known_of_pid(x, s->tgid, &rep)) {
			e = json_object();
			exe_report_json(&rep, NULL, e);
		}
	}
	if (e) {
		json_object_update(o, e);
		json_decref(e);
	} else {
		json_object_set_new(o, "executable", json_pack("{s:s}", "scan", "not scanned"));
	}
}
