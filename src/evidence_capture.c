/* SPDX-License-Identifier: BSD-2-Clause */
/* evidence_capture.c - what is read of a stopped process and its ancestors
 * between the stop and the kill: only /proc reads, each process pinned by
 * a pidfd and checked alive after its reads (so nothing read belongs to a
 * reused PID). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "evidence.h"
#include "evidence_live.h"
#include "log.h"
#include "proc.h"
#include "proc_conns.h"

/* The wall time a process started, from its start in clock ticks since
 * boot: now - (boottime now - start). */
static void start_time(uint64_t ticks, char *buf, size_t n)
{
	static long hz;
	struct timespec boot, real;
	long long ns;
	time_t sec;
	struct tm tm;

	if (!hz)
		hz = sysconf(_SC_CLK_TCK);
	clock_gettime(CLOCK_BOOTTIME, &boot);
	clock_gettime(CLOCK_REALTIME, &real);
	ns = (long long)real.tv_sec * 1000000000ll + real.tv_nsec -
	     ((long long)boot.tv_sec * 1000000000ll + boot.tv_nsec) +
	     (long long)ticks * (1000000000ll / (hz > 0 ? hz : 100));
	sec = (time_t)(ns / 1000000000ll);
	gmtime_r(&sec, &tm);
	snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ns % 1000000000ll / 1000);
}

static void set_exe(json_t *o, pid_t pid)
{
	char exe[PATH_MAX];
	ssize_t n = proc_read_exe(pid, exe, sizeof(exe));

	if (n >= 0)
		log_set_bytes(o, "exe", exe, (size_t)n);
}

/* The unified hierarchy's path as the host names it, else the whole file
 * (a v1-only host). */
static void set_cgroup(json_t *o, pid_t pid)
{
	char path[PATH_MAX];
	uint8_t *buf;
	size_t len;

	if (!proc_read_cgroup2(pid, path, sizeof(path))) {
		log_set_bytes(o, "cgroup", path, strlen(path));
	} else if (!proc_read_file_max(pid, "cgroup", EVIDENCE_ARGV_MAX, &buf, &len)) {
		while (len && buf[len - 1] == '\n')
			len--;
		log_set_bytes(o, "cgroup", buf, len);
		free(buf);
	}
}

/* argv as a list of escaped strings, the first EVIDENCE_ARGV_MAX bytes. */
static void set_argv(json_t *o, pid_t pid)
{
	json_t *argv = json_array(), *s;
	uint8_t *buf;
	size_t len, at = 0;

	if (!argv || proc_read_file_max(pid, "cmdline", EVIDENCE_ARGV_MAX, &buf, &len)) {
		json_decref(argv);
		return;
	}
	while (at < len) {
		size_t n = strnlen((const char *)buf + at, len - at);
		char *e = log_utf8_escape(buf + at, n);

		if (e && (s = json_string(e)))
			json_array_append_new(argv, s);
		free(e);
		at += n + 1;
	}
	json_object_set_new(o, "argv", argv);
	if (len >= EVIDENCE_ARGV_MAX)
		json_object_set_new(o, "argv_truncated", json_true());
	free(buf);
}

static json_t *connections(pid_t pid, int pidfd, json_t *o)
{
	struct proc_conn c[EVIDENCE_CONNS_MAX];
	int incomplete = 0;
	ssize_t n = proc_conns_read(pid, pidfd, c, EVIDENCE_CONNS_MAX, &incomplete);
	json_t *a = json_array();

	for (ssize_t i = 0; a && i < n; i++) {
		char l[PROC_CONN_ADDR_MAX], r[PROC_CONN_ADDR_MAX];

		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s}", "proto", c[i].proto,
				"local", proc_conn_addr(c[i].l.family, c[i].l.laddr, c[i].l.lport, l, sizeof(l)),
				"remote", proc_conn_addr(c[i].l.family, c[i].l.raddr, c[i].l.rport, r, sizeof(r)),
				"state", proc_conn_state(&c[i])));
	}
	if (n < 0)
		log_set_str(o, "connections_error", strerror((int)-n));
	if (incomplete)
		json_object_set_new(o, "connections_incomplete", json_true());
	return a;
}

/* Whether the pinned process lived through the reads (closes fd). */
static int still_alive(int fd)
{
	int ret = proc_pidfd_signal(fd, 0);

	close(fd);
	return ret == 0;
}

/* One ancestor, or NULL when pid is gone (or did not live through the
 * reads); st gets its stat. */
static json_t *ancestor(pid_t pid, struct proc_stat *st)
{
	int fd = proc_pidfd_open_stat(pid, st);
	char when[80];
	uint32_t uid;
	json_t *o;

	if (fd < 0)
		return NULL;
	o = json_object();
	if (!o) {
		close(fd);
		return NULL;
	}
	log_set_int(o, "pid", pid);
	log_set_int(o, "ppid", st->ppid);
	set_exe(o, pid);
	set_argv(o, pid);
	log_set_int(o, "start_ticks", (long long)st->start_ticks);
	start_time(st->start_ticks, when, sizeof(when));
	log_set_str(o, "start_time", when);
	if (!proc_read_uid(pid, &uid))
		log_set_int(o, "uid", uid);
	set_cgroup(o, pid);
	if (!still_alive(fd)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* The ancestors from ppid up: each must have started no later than the
 * child it is the parent of (a later start is a reused PID). */
static json_t *ancestors(pid_t ppid, uint64_t child_start)
{
	json_t *a = json_array();

	for (int i = 0; a && ppid > 0 && i < EVIDENCE_ANCESTORS_MAX; i++) {
		struct proc_stat st;
		json_t *o = ancestor(ppid, &st);

		if (!o)
			break;
		if (child_start && st.start_ticks > child_start) {
			json_decref(o);
			break;
		}
		json_array_append_new(a, o);
		if (ppid == 1)
			break;
		ppid = st.ppid;
		child_start = st.start_ticks;
	}
	return a;
}

/* The process itself: its executable's fd, cgroup and connections, if it
 * is still the process that started at start_ticks. */
static void process(struct evidence_live *l, pid_t tgid, uint64_t start_ticks)
{
	int fd = proc_pidfd_open(tgid, start_ticks);
	json_t *o = l->process;
	char path[64], when[80];
	int exe_fd = -1;

	log_set_int(o, "pid", tgid);
	log_set_int(o, "start_ticks", (long long)start_ticks);
	if (fd < 0) {
		json_object_set_new(o, "alive", json_false());
		return;
	}
	start_time(start_ticks, when, sizeof(when));
	log_set_str(o, "start_time", when);
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)tgid);
	/* O_PATH: the file's own open is not called. A FUSE file's open would
	 * wait on its server, which may be this very stopped process; the
	 * worker reopens the file for reading after the kill. */
	exe_fd = open(path, O_PATH | O_CLOEXEC);
	set_exe(o, tgid);
	set_cgroup(o, tgid);
	json_object_set_new(o, "connections", connections(tgid, fd, o));
	if (!still_alive(fd)) {
		/* died (and maybe replaced) while read: keep nothing of it */
		if (exe_fd >= 0)
			close(exe_fd);
		json_object_clear(o);
		log_set_int(o, "pid", tgid);
		log_set_int(o, "start_ticks", (long long)start_ticks);
		json_object_set_new(o, "alive", json_false());
		return;
	}
	json_object_set_new(o, "alive", json_true());
	l->exe_fd = exe_fd;
}

struct evidence_live *evidence_capture(pid_t tgid, uint64_t start_ticks, pid_t ppid)
{
	struct evidence_live *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->exe_fd = -1;
	l->process = json_object();
	if (!l->process) {
		free(l);
		return NULL;
	}
	if (tgid > 0)
		process(l, tgid, start_ticks);
	l->ancestors = ancestors(ppid, start_ticks);
	if (!l->ancestors) {
		evidence_live_free(l);
		return NULL;
	}
	return l;
}

void evidence_capture_ancestors(struct evidence_live *l, pid_t ppid, uint64_t child_start)
{
	json_t *a;

	if (!l || ppid <= 0 || !(a = ancestors(ppid, child_start)))
		return;
	json_decref(l->ancestors);
	l->ancestors = a;
}

void evidence_live_free(struct evidence_live *l)
{
	if (!l)
		return;
	if (l->exe_fd >= 0)
		close(l->exe_fd);
	json_decref(l->process);
	json_decref(l->ancestors);
	free(l);
}
