/* SPDX-License-Identifier: BSD-2-Clause */
/* mxcheck.c - the kernel matrix's measurements, the same in a QEMU guest and
 * on the host: starts nomine scoped to one cgroup, runs banned, allowed and
 * forking programs in that cgroup, and prints what happened as records.
 *
 *   mxcheck --nomine PATH --helpers DIR --cfg DIR --cgroup-dir DIR --scope /NAME
 *           --work DIR [--runs small,default,10k,100k,lineage] [--trials N]
 *           [--fork-n N] [--startup-timeout S] [--lineage-timeout S] [--budget S]
 *           [--hold-tries N] [--shortcut]
 *
 * DIR of --cfg holds small.json (bans only the run's random string, which is
 * also in banned.txt), 10k.json, 100k.json and hold.json (small's string and
 * an allow pattern outside the kernel's regex subset: every exec with the
 * string is frozen at exec for a decision in user space). Every nomine started here gets
 * --scope-cgroup, and everything run for a check is moved into that cgroup
 * first: nothing outside it can be touched.
 *
 * Under emulation one refused BPF program costs minutes (the verifier runs
 * to its limit), so --shortcut starts nomine no more after run small showed
 * a BPF failure and took over SLOW_START_MS to start, and --budget S starts no run that could not end within S seconds
 * (judged from the slowest start-up so far). What is not run is recorded as
 * "skipped" with the reason; the judge counts it as a failure.
 *
 * Output: one record per line, "@@NMX@@ KIND PAYLOAD", where PAYLOAD is JSON
 * except for "startline RUN LINE" and "log RUN LINE" (nomine's own lines,
 * verbatim). No verdicts are given here; tests/matrix/run judges the records,
 * so the rules live in one place. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TAG "@@NMX@@"
#define EXEC_TIMEOUT_MS 5000	/* the "capture" variant must kill within this */
#define MARK_LINGER_MS 10000	/* a banned mxmark not killed ends by itself */
#define ALLOWED_LINGER_MS 1000	/* long enough for a wrong user-space kill */
#define STOP_TIMEOUT_MS 15000
#define SLOW_START_MS 30000	/* a start-up this slow ran the verifier to its limit */

struct opts {
	const char *nomine, *helpers, *cfg, *cgdir, *scope, *work, *runs;
	int trials, fork_n, startup_timeout_s, lineage_timeout_s, budget_s, hold_tries;
	bool shortcut;
};

struct daemon {
	pid_t pid;
	char log[512];
	char *startline;	/* malloc'd, without the newline */
	double startup_ms;
	bool exited;
	int status;
};

static struct opts o = {
	.runs = "small,default,10k,100k,lineage,hold", .trials = 20, .fork_n = 50,
	.hold_tries = 1000,
	.startup_timeout_s = 120, .lineage_timeout_s = 30,
};
static char banned[128];
static char exe_token[128];	/* bannedExecutableStrings of the small run */
static struct daemon *live;	/* the running nomine, for the reaper */
static pid_t watched_pid;	/* the check's own child, for the reaper */
static bool watched_done;
static int watched_status;
static double t_begin, slowest_start_ms;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void record(const char *kind, const char *fmt, ...)
{
	va_list ap;

	printf("%s %s ", TAG, kind);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* Writes s as a JSON string body (no quotes) into out. */
static void json_esc(const char *s, char *out, size_t n)
{
	size_t j = 0;

	for (; *s && j + 7 < n; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			j += (size_t)snprintf(out + j, n - j, "\\%c", c);
		else if (c < 0x20)
			j += (size_t)snprintf(out + j, n - j, "\\u%04x", c);
		else
			out[j++] = (char)c;
	}
	out[j] = '\0';
}

/* Collects every exited child: we are a subreaper, so orphans of the
 * forking tree land here too. Only nomine's and the watched child's
 * statuses are kept. */
static void reap(void)
{
	int st;
	pid_t p;

	while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
		if (live && p == live->pid) {
			live->exited = true;
			live->status = st;
		} else if (p == watched_pid) {
			watched_done = true;
			watched_status = st;
		}
	}
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t cap = 0, n = 0, r;

	if (!f)
		return NULL;
	do {
		if (cap - n < 65536) {
			cap = cap ? cap * 2 : 131072;
			buf = realloc(buf, cap + 1);
			if (!buf)
				abort();
		}
		r = fread(buf + n, 1, cap - n, f);
		n += r;
	} while (r);
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

/* ---------------------------------------------------------------- cgroup */

static int count_procs(const char *dir)
{
	char path[4096];
	struct dirent *e;
	int n = 0;
	DIR *d;
	FILE *f;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	f = fopen(path, "re");
	if (f) {
		int pid;

		while (fscanf(f, "%d", &pid) == 1)
			n++;
		fclose(f);
	}
	d = opendir(dir);
	if (!d)
		return n;
	while ((e = readdir(d))) {
		if (e->d_type == DT_DIR && e->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			n += count_procs(path);
		}
	}
	closedir(d);
	return n;
}

/* Writes up to max members of the scope as JSON objects {pid, ppid, state,
 * comm} into out: who survived a kill. */
static void describe_members(char *out, size_t n, int max)
{
	char path[4096], stat_buf[512];
	size_t used = 0;
	int pid, k = 0;
	FILE *f;

	out[0] = '\0';
	snprintf(path, sizeof(path), "%s/cgroup.procs", o.cgdir);
	f = fopen(path, "re");
	while (f && k < max && fscanf(f, "%d", &pid) == 1) {
		char comm[64] = "?", state = '?', esc[140];
		int ppid = 0;
		FILE *sf;

		snprintf(path, sizeof(path), "/proc/%d/stat", pid);
		sf = fopen(path, "re");
		if (sf && fgets(stat_buf, sizeof(stat_buf), sf)) {
			char *l = strchr(stat_buf, '('), *r = strrchr(stat_buf, ')');

			if (l && r && r > l) {
				snprintf(comm, sizeof(comm), "%.*s", (int)(r - l - 1), l + 1);
				sscanf(r + 1, " %c %d", &state, &ppid);
			}
		}
		if (sf)
			fclose(sf);
		json_esc(comm, esc, sizeof(esc));
		used += (size_t)snprintf(out + used, n - used, "%s{\"pid\":%d,\"ppid\":%d,"
					 "\"state\":\"%c\",\"comm\":\"%s\"}", k ? "," : "", pid,
					 ppid, state, esc);
		if (used >= n)
			break;
		k++;
	}
	if (f)
		fclose(f);
}

/* SIGKILLs, PID by PID, what is left in dir and below (only processes this
 * program started can be there); returns how many it signalled. */
static int kill_members(const char *dir)
{
	char path[4096];
	struct dirent *e;
	int n = 0, pid;
	DIR *d;
	FILE *f;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	f = fopen(path, "re");
	while (f && fscanf(f, "%d", &pid) == 1)
		n += kill(pid, SIGKILL) == 0;
	if (f)
		fclose(f);
	d = opendir(dir);
	while (d && (e = readdir(d))) {
		if (e->d_type == DT_DIR && e->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			n += kill_members(path);
		}
	}
	if (d)
		closedir(d);
	return n;
}

/* Kills what is left in the scope and waits until it is empty; returns how
 * many were there. */
static int empty_scope(void)
{
	double end = now_ms() + 10000;
	int first = count_procs(o.cgdir);

	while (count_procs(o.cgdir) > 0 && now_ms() < end) {
		kill_members(o.cgdir);
		reap();
		sleep_ms(20);
	}
	reap();
	return first;
}

/* Forks argv into the scope cgroup; the child moves itself before exec. */
/* Starts argv in the scope: by its path, or (exe_fd >= 0) through that
 * descriptor as fexecve does (execveat(fd, "", AT_EMPTY_PATH), else its
 * /proc/self/fd link). */
static pid_t spawn_in_scope_fd(char *const argv[], int exe_fd)
{
	pid_t pid = fork();

	if (pid == 0) {
		char path[4096], me[32];
		int fd, len;

		snprintf(path, sizeof(path), "%s/cgroup.procs", o.cgdir);
		len = snprintf(me, sizeof(me), "%d", getpid());
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, me, (size_t)len) != len)
			_exit(120);
		close(fd);
		if (exe_fd >= 0) {
			syscall(SYS_execveat, exe_fd, "", argv, environ, AT_EMPTY_PATH);
			/* as glibc's fexecve falls back (5.10 under QEMU:
			 * ENOENT): the descriptor's /proc link */
			snprintf(path, sizeof(path), "/proc/self/fd/%d", exe_fd);
			execv(path, argv);
		} else {
			execv(argv[0], argv);
		}
		_exit(121);
	}
	watched_pid = pid;
	watched_done = false;
	return pid;
}

static pid_t spawn_in_scope(char *const argv[])
{
	return spawn_in_scope_fd(argv, -1);
}

/* Waits up to ms for the watched child; false on timeout. */
static bool wait_watched(double ms)
{
	double end = now_ms() + ms;

	for (;;) {
		reap();
		if (watched_done)
			return true;
		if (now_ms() >= end)
			return false;
		sleep_ms(1);
	}
}

static void status_json(int st, bool done, char *out, size_t n)
{
	if (!done)
		snprintf(out, n, "\"result\":\"timeout\"");
	else if (WIFSIGNALED(st))
		snprintf(out, n, "\"result\":\"signal\",\"sig\":%d", WTERMSIG(st));
	else
		snprintf(out, n, "\"result\":\"exit\",\"code\":%d", WEXITSTATUS(st));
}

/* ---------------------------------------------------------------- nomine */

static bool line_has_startup(const char *buf, char **line)
{
	const char *p = strstr(buf, "\"event\":\"nomine started\"");
	const char *s, *e;

	if (!p)
		return false;
	e = strchr(p, '\n');
	if (!e)
		return false;	/* not complete yet */
	for (s = p; s > buf && s[-1] != '\n'; s--)
		;
	*line = strndup(s, (size_t)(e - s));
	return true;
}

/* Starts nomine with extra args (NULL-terminated) and waits for its start-up
 * line. Records "start" and, when it came, "startline". */
static bool daemon_start(struct daemon *d, const char *run, const char *const extra[])
{
	const char *argv[16];
	char args_json[2048] = "", esc[512];
	double t0, end;
	int n = 0, fd;

	memset(d, 0, sizeof(*d));
	snprintf(d->log, sizeof(d->log), "%s/nomine-%s.log", o.work, run);
	argv[n++] = o.nomine;
	argv[n++] = "run";
	argv[n++] = "--scope-cgroup";
	argv[n++] = o.scope;
	for (int i = 0; extra[i] && n < 15; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	for (int i = 1; i < n; i++) {
		json_esc(argv[i], esc, sizeof(esc));
		snprintf(args_json + strlen(args_json), sizeof(args_json) - strlen(args_json),
			 "%s\"%s\"", i > 1 ? "," : "", esc);
	}
	fd = open(d->log, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0) {
		record("start", "{\"run\":\"%s\",\"started\":false,\"why\":\"cannot open %s: %s\"}",
		       run, d->log, strerror(errno));
		return false;
	}
	t0 = now_ms();
	d->pid = fork();
	if (d->pid == 0) {
		/* if this program dies, so does nomine: nothing is left running */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		dup2(fd, 1);
		dup2(fd, 2);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(fd);
	live = d;
	end = t0 + o.startup_timeout_s * 1000.0;
	while (now_ms() < end) {
		char *buf = read_file(d->log, NULL);
		bool got = buf && line_has_startup(buf, &d->startline);

		free(buf);
		if (got) {
			d->startup_ms = now_ms() - t0;
			break;
		}
		reap();
		if (d->exited)
			break;
		sleep_ms(5);
	}
	if (now_ms() - t0 > slowest_start_ms)
		slowest_start_ms = now_ms() - t0;
	if (d->startline) {
		record("start", "{\"run\":\"%s\",\"args\":[%s],\"started\":true,\"startup_ms\":%.1f,"
		       "\"pid\":%d}", run, args_json, d->startup_ms, d->pid);
		record("startline", "%s %s", run, d->startline);
		return true;
	}
	record("start", "{\"run\":\"%s\",\"args\":[%s],\"started\":false,\"why\":\"%s\","
	       "\"waited_ms\":%.0f,\"exit\":%d}", run, args_json,
	       d->exited ? "exited before its start-up line" : "no start-up line in time",
	       now_ms() - t0, d->exited ? (WIFEXITED(d->status) ? WEXITSTATUS(d->status)
					    : -WTERMSIG(d->status)) : 0);
	return false;
}

/* SIGTERM, then SIGKILL after STOP_TIMEOUT_MS; records "stop" and the log. */
static void daemon_stop(struct daemon *d, const char *run)
{
	double t0 = now_ms();
	bool forced = false;
	char *buf, *line, *save = NULL;

	if (!d->pid)
		return;
	if (!d->exited)
		kill(d->pid, SIGTERM);
	while (!d->exited) {
		reap();
		if (d->exited)
			break;
		if (!forced && now_ms() - t0 > STOP_TIMEOUT_MS) {
			kill(d->pid, SIGKILL);
			forced = true;
		}
		sleep_ms(5);
	}
	live = NULL;
	record("stop", "{\"run\":\"%s\",\"exit\":%d,\"forced\":%s,\"stop_ms\":%.0f}", run,
	       WIFEXITED(d->status) ? WEXITSTATUS(d->status) : -WTERMSIG(d->status),
	       forced ? "true" : "false", now_ms() - t0);
	buf = read_file(d->log, NULL);
	for (line = buf ? strtok_r(buf, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save))
		record("log", "%s %s", run, line);
	free(buf);
	free(d->startline);
	d->startline = NULL;
	d->pid = 0;
}

/* The largest "descendants_killed" nomine has logged so far, -1 if none. */
static long descendants_logged(const struct daemon *d)
{
	char *buf = read_file(d->log, NULL);
	const char *key = "\"descendants_killed\":";
	long best = -1;

	for (char *p = buf ? strstr(buf, key) : NULL; p; p = strstr(p + 1, key)) {
		long v = strtol(p + strlen(key), NULL, 10);

		if (v > best)
			best = v;
	}
	free(buf);
	return best;
}

/* ---------------------------------------------------------------- checks */

/* One run of mxmark in the scope: banned or not. Records "exec". */
/* Runs argv in the scope (through exe_fd when >= 0) for at most timeout_ms
 * (then SIGKILLs it); writes how it ended into st (status_json) and returns
 * whether it ended alone. */
static bool run_watched_fd(char *const argv[], int exe_fd, double timeout_ms, char *st,
			  size_t n)
{
	bool done;

	spawn_in_scope_fd(argv, exe_fd);
	done = wait_watched(timeout_ms);
	if (!done) {
		kill(watched_pid, SIGKILL);
		while (!watched_done) {
			reap();
			sleep_ms(1);
		}
	}
	status_json(watched_status, done, st, n);
	return done;
}

static bool run_watched(char *const argv[], double timeout_ms, char *st, size_t n)
{
	return run_watched_fd(argv, -1, timeout_ms, st, n);
}

static bool exec_trial(const char *run, const char *kind, int i, double timeout_ms)
{
	char marker[512], linger[16], st[64], *argv[7], helper[512];
	struct stat sb;
	bool done, ban = !strcmp(kind, "banned");
	double t0;

	snprintf(helper, sizeof(helper), "%s/mxmark", o.helpers);
	snprintf(marker, sizeof(marker), "%s/marker-%s-%s-%d", o.work, run, kind, i);
	snprintf(linger, sizeof(linger), "%d", ban ? MARK_LINGER_MS : ALLOWED_LINGER_MS);
	unlink(marker);
	argv[0] = helper;
	argv[1] = marker;
	argv[2] = linger;
	argv[3] = "--pool";
	argv[4] = ban ? banned : "nmx-allowed-run";
	argv[5] = NULL;
	t0 = now_ms();
	done = run_watched(argv, timeout_ms, st, sizeof(st));
	record("exec", "{\"run\":\"%s\",\"kind\":\"%s\",\"i\":%d,%s,\"marker\":%s,\"ms\":%.1f}",
	       run, kind, i, st, stat(marker, &sb) ? "false" : "true", now_ms() - t0);
	unlink(marker);
	return done && WIFSIGNALED(watched_status) && WTERMSIG(watched_status) == SIGKILL;
}

static void check_execs(const char *run)
{
	int misses = 0;

	for (int i = 0; i < o.trials; i++) {
		if (exec_trial(run, "banned", i, EXEC_TIMEOUT_MS))
			misses = 0;
		else if (++misses == 2)
			break;	/* not killed twice running: 18 more would say the same */
	}
	exec_trial(run, "allowed", 0, ALLOWED_LINGER_MS + EXEC_TIMEOUT_MS);
	empty_scope();
}

/* Runs HELPER 4|6 MARKER LINGER_MS for an IPv4 and an IPv6 socket and
 * records KIND with how each ended and whether it left its marker (as
 * "flag": the helper saw itself refused or dropped, and lingered). */
static void run_families(const char *run, const char *helper_name, const char *kind,
			 const char *linger, const char *flag)
{
	static const char *const fams[] = { "4", "6" };

	for (int i = 0; i < 2; i++) {
		char marker[512], helper[512], st[64], *argv[5];
		struct stat sb;
		double t0;

		snprintf(helper, sizeof(helper), "%s/%s", o.helpers, helper_name);
		snprintf(marker, sizeof(marker), "%s/%s-%s-%s", o.work, kind, run, fams[i]);
		unlink(marker);
		argv[0] = helper;
		argv[1] = (char *)fams[i];
		argv[2] = marker;
		argv[3] = (char *)linger;
		argv[4] = NULL;
		t0 = now_ms();
		run_watched(argv, EXEC_TIMEOUT_MS, st, sizeof(st));
		record(kind, "{\"run\":\"%s\",\"family\":\"%s\",%s,\"%s\":%s,\"ms\":%.1f}", run,
		       fams[i], st, flag, stat(marker, &sb) ? "false" : "true", now_ms() - t0);
		unlink(marker);
	}
	empty_scope();
}

/* The network detector: a connect to the banned 127.0.0.2 (small.json),
 * from an IPv4 socket and from an IPv6 one to the v4-mapped address. The
 * connect-kill variant kills it (SIGKILL); connect-deny only refuses it
 * (MARKER, exit 1 after the linger). */
static void check_network(const char *run)
{
	run_families(run, "mxconn", "netconn", "1000", "eperm");
}

/* The packet program: an XMRig login over loopback from an IPv4 socket
 * and from an IPv6 one to ::ffff:127.0.0.1 (mxstratum). Every variant
 * drops it and the owner is killed (SIGKILL): stopped in the kernel and
 * killed (stratum-stop), killed by user space (stratum-drop), found by
 * user space through its socket and killed (stratum-drop-anon). A
 * listener that received the line: exit 0. */
static void check_stratum(const char *run)
{
	run_families(run, "mxstratum", "stratum", "3000", "dropped");
}

/* Lines of nomine's log holding both a and b. */
static int lines_with(const struct daemon *d, const char *a, const char *b)
{
	char *buf = read_file(d->log, NULL), *line, *save = NULL;
	int n = 0;

	for (line = buf ? strtok_r(buf, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save))
		if (strstr(line, a) && strstr(line, b))
			n++;
	free(buf);
	return n;
}

/* A copy of mxmark carrying the run's executable token after its image:
 * its first exec is killed once nomine scanned the file, the second in the
 * kernel at exec (the file's identity, with this kernel's inode layout).
 * Records "exefile" for each. */
static void check_exe_scan(struct daemon *d, const char *run)
{
	char src[512], copy[512], marker[512], st[64], *argv[6];
	size_t len;
	char *img;
	FILE *f;

	snprintf(src, sizeof(src), "%s/mxmark", o.helpers);
	snprintf(copy, sizeof(copy), "%s/mxexe", o.work);
	img = read_file(src, &len);
	f = img ? fopen(copy, "we") : NULL;
	if (!f || fwrite(img, 1, len, f) != len || fprintf(f, "%c%s%c", 0, exe_token, 0) < 0 ||
	    fclose(f) || chmod(copy, 0755)) {
		record("exefile", "{\"run\":\"%s\",\"error\":\"cannot write %s\"}", run, copy);
		free(img);
		return;
	}
	free(img);
	for (int i = 0; i < 2; i++) {
		int before = lines_with(d, "\"source\":\"executable\"", "\"action\":\"killed\"");
		int in_kernel = lines_with(d, "\"source\":\"executable\"", "\"kill_in_kernel\":true");
		double t0 = now_ms(), logged;
		struct stat sb;
		bool done;

		snprintf(marker, sizeof(marker), "%s/marker-%s-exe-%d", o.work, run, i);
		unlink(marker);
		argv[0] = copy;
		argv[1] = marker;
		argv[2] = "3000";
		argv[3] = "--pool";
		argv[4] = "nmx-allowed-run";
		argv[5] = NULL;
		spawn_in_scope(argv);
		done = wait_watched(EXEC_TIMEOUT_MS);
		if (!done) {
			kill(watched_pid, SIGKILL);
			while (!watched_done) {
				reap();
				sleep_ms(1);
			}
		}
		for (logged = now_ms(); now_ms() - logged < 2000; sleep_ms(10))
			if (lines_with(d, "\"source\":\"executable\"", "\"action\":\"killed\"") > before)
				break;
		status_json(watched_status, done, st, sizeof(st));
		record("exefile", "{\"run\":\"%s\",\"i\":%d,%s,\"marker\":%s,\"ms\":%.1f,"
		       "\"logged\":%s,\"in_kernel\":%s}", run, i, st,
		       stat(marker, &sb) ? "false" : "true", now_ms() - t0,
		       lines_with(d, "\"source\":\"executable\"", "\"action\":\"killed\"") > before ?
		       "true" : "false",
		       lines_with(d, "\"source\":\"executable\"", "\"kill_in_kernel\":true") >
		       in_kernel ? "true" : "false");
		unlink(marker);
	}
	unlink(copy);
	empty_scope();
}

/* A banned mxmark run from a memfd through its descriptor: killed, and
 * nomine's line names the memfd, not /dev/fd/N or /proc/self/fd/N (the
 * exec program's walk of the file's dentries, with this kernel's layouts).
 * Records "fdexec". */
static void check_fd_exec(struct daemon *d, const char *run)
{
	char src[512], marker[512], st[64], *argv[6], ro[64], linger[16];
	const char *named = "\"exe\":\"/memfd:nmx-fdexe (deleted)\"";
	int mfd = (int)syscall(SYS_memfd_create, "nmx-fdexe", MFD_CLOEXEC), before;
	double t0, logged;
	int rfd = -1;
	size_t len;
	char *img;

	snprintf(src, sizeof(src), "%s/mxmark", o.helpers);
	img = read_file(src, &len);
	/* exec'd through a read-only descriptor: older kernels refuse
	 * (ETXTBSY) a file open for writing */
	if (mfd >= 0 && img && write(mfd, img, len) == (ssize_t)len) {
		snprintf(ro, sizeof(ro), "/proc/self/fd/%d", mfd);
		rfd = open(ro, O_RDONLY | O_CLOEXEC);
	}
	free(img);
	if (mfd >= 0)
		close(mfd);
	if (rfd < 0) {
		record("fdexec", "{\"run\":\"%s\",\"error\":\"cannot fill a memfd\"}", run);
		return;
	}
	before = lines_with(d, named, "\"exec_path\":\"/");
	snprintf(marker, sizeof(marker), "%s/marker-%s-fdexec", o.work, run);
	unlink(marker);
	argv[0] = "mxmark";
	argv[1] = marker;
	snprintf(linger, sizeof(linger), "%d", MARK_LINGER_MS);
	argv[2] = linger;
	argv[3] = "--pool";
	argv[4] = banned;
	argv[5] = NULL;
	t0 = now_ms();
	run_watched_fd(argv, rfd, EXEC_TIMEOUT_MS, st, sizeof(st));
	close(rfd);
	for (logged = now_ms(); now_ms() - logged < 2000; sleep_ms(10))
		if (lines_with(d, named, "\"exec_path\":\"/") > before)
			break;
	record("fdexec", "{\"run\":\"%s\",%s,\"ms\":%.1f,\"named\":%s}", run, st,
	       now_ms() - t0,
	       lines_with(d, named, "\"exec_path\":\"/") > before ? "true" : "false");
	unlink(marker);
	empty_scope();
}

/* Filler arguments for the forking tree: about 1.75 MiB (within the argv
 * limit of a quarter of the stack limit) that make the user-space verdict
 * take a few milliseconds. Without them nomine can kill mxfork before its
 * first fork, and there would be no tree to test. */
/* ---------------------------------------------------------------- hold */

#define HOLD_TRY_MS 10000	/* a held exec undecided this long is stuck */
#define HOLD_STALL_MS 3000	/* nomine stopped this long in the stalled try */

/* One exec frozen for a decision, sent SIGCONT in a tight loop from its
 * fork until it ends; with stall_ms, nomine is stopped that long first.
 * Returns whether it ended (in *st); *ran: it left its marker. */
static bool hold_try(struct daemon *d, const char *arg, int i, double stall_ms, bool *ran,
		     bool *ran_stalled)
{
	char marker[512], helper[512], *argv[7];
	bool stopped = stall_ms > 0, stuck = false;
	double t0 = now_ms();
	struct stat sb;
	pid_t pid;

	snprintf(helper, sizeof(helper), "%s/mxmark", o.helpers);
	snprintf(marker, sizeof(marker), "%s/marker-hold-%d", o.work, i);
	unlink(marker);
	argv[0] = helper;
	argv[1] = marker;
	/* an escaped doomed exec lingers until its kill: killed either way */
	argv[2] = strcmp(arg, "nmx-doomed") ? "0" : "10000";
	argv[3] = "--pool";
	argv[4] = (char *)arg;
	argv[5] = banned;
	argv[6] = NULL;
	if (stopped)
		kill(d->pid, SIGSTOP);
	pid = spawn_in_scope(argv);
	for (;;) {
		kill(pid, SIGCONT);
		reap();
		if (watched_done)
			break;
		if (stopped && now_ms() - t0 >= stall_ms) {
			*ran_stalled = stat(marker, &sb) == 0;
			kill(d->pid, SIGCONT);
			stopped = false;
		}
		if (now_ms() - t0 > HOLD_TRY_MS + stall_ms) {
			stuck = true;
			kill(pid, SIGKILL);
			while (!watched_done)
				reap();
			break;
		}
	}
	if (stopped) {   /* it ended while nomine was stopped */
		*ran_stalled = stat(marker, &sb) == 0;
		kill(d->pid, SIGCONT);
	}
	*ran = stat(marker, &sb) == 0;
	unlink(marker);
	return !stuck;
}

/* 'T' in /proc/PID/stat: 1 stopped, 0 not, -1 gone (or a zombie). */
static int proc_stopped(pid_t pid)
{
	char path[64], *buf, *p;
	size_t len;
	int r = -1;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	buf = read_file(path, &len);
	if (buf && (p = strrchr(buf, ')')) && p[1] == ' ' && p[2] != 'Z')
		r = p[2] == 'T';
	free(buf);
	return r;
}

/* A held exec whose process group the kernel orphans (its SIGHUP ignored,
 * its SIGCONT from the kernel) while nomine is stopped 1 s: records
 * whether it ran, whether it was still stopped, and whether it was killed. */
static void hold_orphan(struct daemon *d)
{
	char marker[512], pidfile[512], helper[512], mark[512], st[64], *argv[9];
	bool done, ran = false;
	int stopped = -1, gone_ms = -1;
	struct stat sb;
	size_t len;
	char *txt;
	pid_t pid = 0;

	snprintf(helper, sizeof(helper), "%s/mxorphan", o.helpers);
	snprintf(mark, sizeof(mark), "%s/mxmark", o.helpers);
	snprintf(marker, sizeof(marker), "%s/marker-hold-orphan", o.work);
	snprintf(pidfile, sizeof(pidfile), "%s/hold-orphan.pid", o.work);
	unlink(marker);
	unlink(pidfile);
	argv[0] = helper;
	argv[1] = pidfile;
	argv[2] = mark;
	argv[3] = marker;
	argv[4] = "10000";
	argv[5] = "--pool";
	argv[6] = "nmx-doomed";
	argv[7] = NULL;
	setenv("MXORPHAN_LAST", banned, 1);
	kill(d->pid, SIGSTOP);
	done = run_watched(argv, 5000, st, sizeof(st));
	unsetenv("MXORPHAN_LAST");
	txt = read_file(pidfile, &len);
	if (txt)
		pid = (pid_t)atoi(txt);
	free(txt);
	if (done && pid > 0) {
		sleep_ms(1000);
		ran = stat(marker, &sb) == 0;
		stopped = proc_stopped(pid);
	}
	kill(d->pid, SIGCONT);
	for (int ms = 0; pid > 0 && ms < EXEC_TIMEOUT_MS; ms++) {
		reap();	/* ours now: mxcheck is the subreaper */
		if (proc_stopped(pid) < 0) {
			gone_ms = ms;
			break;
		}
		sleep_ms(1);
	}
	record("hold_orphan", "{%s,\"pid\":%d,\"ran\":%s,\"stopped\":%d,\"gone_ms\":%d}", st,
	       (int)pid, ran ? "true" : "false", stopped, gone_ms);
	unlink(marker);
}

/* Frozen execs against SIGCONT: hold_tries doomed ones, one doomed while
 * nomine is stopped, one allowed (it must run once released). */
static void check_hold(struct daemon *d)
{
	int killed = 0, ran = 0, stuck = 0, n = 0;
	bool r, stalled_ran = false, dummy, allowed_ran;
	char st[64], allowed_st[64];
	double t0 = now_ms();

	for (; n < o.hold_tries; n++) {
		if (!hold_try(d, "nmx-doomed", n, 0, &r, &dummy))
			stuck++;
		ran += r;
		killed += WIFSIGNALED(watched_status) && WTERMSIG(watched_status) == SIGKILL;
		if (stuck > 2)
			break;	/* nomine does not decide: more tries say the same */
	}
	if (!hold_try(d, "nmx-doomed", n, HOLD_STALL_MS, &r, &stalled_ran))
		stuck++;
	status_json(watched_status, true, st, sizeof(st));
	hold_try(d, "nmx-hold-oknmx-hold-ok", n + 1, 0, &allowed_ran, &dummy);
	status_json(watched_status, true, allowed_st, sizeof(allowed_st));
	record("hold", "{\"tries\":%d,\"killed\":%d,\"ran\":%d,\"stuck\":%d,\"ms\":%.0f,"
	       "\"stalled\":{%s,\"ran_while_stopped\":%s,\"ran\":%s},"
	       "\"allowed\":{%s,\"ran\":%s}}", n, killed, ran, stuck, now_ms() - t0, st,
	       stalled_ran ? "true" : "false", r ? "true" : "false", allowed_st,
	       allowed_ran ? "true" : "false");
	hold_orphan(d);
	empty_scope();
}

static int padding_count(void)
{
	struct rlimit rl;
	long limit = 8L << 20;

	if (!getrlimit(RLIMIT_STACK, &rl) && rl.rlim_cur != RLIM_INFINITY)
		limit = (long)rl.rlim_cur;
	limit = limit / 4 - (256L << 10);
	return limit <= 0 ? 0 : (int)(limit / 4096 < 448 ? limit / 4096 : 448);
}

/* A forking tree under --user-verdict: how big it got, whether all of it
 * went, and what nomine logged. Records "lineage". */
static void check_lineage(struct daemon *d)
{
	char n[16], lifetime[16], helper[512], st[64], **argv, *pad, who[2048];
	int npad = padding_count(), max = 0, left, k = 0;
	double t0, empty_at = -1, end;
	long desc;

	snprintf(helper, sizeof(helper), "%s/mxfork", o.helpers);
	snprintf(n, sizeof(n), "%d", o.fork_n);
	snprintf(lifetime, sizeof(lifetime), "%d", o.lineage_timeout_s * 3);
	pad = malloc(4096);
	argv = calloc((size_t)npad + 6, sizeof(*argv));
	if (!pad || !argv)
		abort();
	memset(pad, 'y', 4095);
	pad[4095] = '\0';
	argv[k++] = helper;
	argv[k++] = n;
	argv[k++] = lifetime;
	for (int i = 0; i < npad; i++)
		argv[k++] = pad;
	argv[k++] = "--pool";
	argv[k++] = banned;
	argv[k] = NULL;
	t0 = now_ms();
	spawn_in_scope(argv);
	end = t0 + o.lineage_timeout_s * 1000.0;
	while (now_ms() < end) {
		int c = count_procs(o.cgdir);

		reap();
		if (c > max)
			max = c;
		if (c == 0 && watched_done) {
			empty_at = now_ms() - t0;
			break;
		}
		sleep_ms(2);
	}
	left = count_procs(o.cgdir);
	describe_members(who, sizeof(who), 10);
	/* the kill line comes after the last round of kills */
	for (double e2 = now_ms() + 5000; descendants_logged(d) <= 0 && now_ms() < e2;)
		sleep_ms(20);
	desc = descendants_logged(d);
	status_json(watched_status, watched_done, st, sizeof(st));
	record("lineage", "{\"run\":\"lineage\",\"fork_n\":%d,\"padding_args\":%d,"
	       "\"tree_max\":%d,\"left\":%d,\"empty_ms\":%.1f,\"root\":{%s},"
	       "\"descendants_killed\":%ld,\"survivors\":[%s]}", o.fork_n, npad, max, left,
	       empty_at, st, desc, who);
	empty_scope();
	free(argv);
	free(pad);
}

/* Whether run may start: not after a refusal under --shortcut, not when it
 * could end after the budget. Records "skipped" when not. */
static bool may_start(const char *run, const char *refusal, double extra_ms)
{
	double elapsed = now_ms() - t_begin, need = slowest_start_ms + 10000 + extra_ms;

	if (o.shortcut && refusal[0]) {
		record("skipped", "{\"run\":\"%s\",\"why\":\"%s\"}", run, refusal);
		return false;
	}
	if (o.budget_s && elapsed + need > o.budget_s * 1000.0) {
		record("skipped", "{\"run\":\"%s\",\"why\":\"would end after the %d s budget "
		       "(%.0f s used, slowest start-up %.0f s)\"}", run, o.budget_s, elapsed / 1000,
		       slowest_start_ms / 1000);
		return false;
	}
	return true;
}

static bool wanted(const char *run)
{
	size_t l = strlen(run);

	for (const char *p = o.runs; (p = strstr(p, run)); p += l)
		if ((p == o.runs || p[-1] == ',') && (p[l] == ',' || p[l] == '\0'))
			return true;
	return false;
}

static void usage(void)
{
	fprintf(stderr, "usage: mxcheck --nomine PATH --helpers DIR --cfg DIR --cgroup-dir DIR "
		"--scope /NAME --work DIR [--runs LIST] [--trials N] [--fork-n N] "
		"[--startup-timeout S] [--lineage-timeout S] [--budget S] [--hold-tries N] "
		"[--shortcut]\n");
	exit(2);
}

static void parse_args(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--shortcut")) {
			o.shortcut = true;
			continue;
		}
		if (!v)
			usage();
		i++;
		if (!strcmp(a, "--nomine")) o.nomine = v;
		else if (!strcmp(a, "--helpers")) o.helpers = v;
		else if (!strcmp(a, "--cfg")) o.cfg = v;
		else if (!strcmp(a, "--cgroup-dir")) o.cgdir = v;
		else if (!strcmp(a, "--scope")) o.scope = v;
		else if (!strcmp(a, "--work")) o.work = v;
		else if (!strcmp(a, "--runs")) o.runs = v;
		else if (!strcmp(a, "--trials")) o.trials = atoi(v);
		else if (!strcmp(a, "--fork-n")) o.fork_n = atoi(v);
		else if (!strcmp(a, "--startup-timeout")) o.startup_timeout_s = atoi(v);
		else if (!strcmp(a, "--lineage-timeout")) o.lineage_timeout_s = atoi(v);
		else if (!strcmp(a, "--budget")) o.budget_s = atoi(v);
		else if (!strcmp(a, "--hold-tries")) o.hold_tries = atoi(v);
		else usage();
	}
	if (!o.nomine || !o.helpers || !o.cfg || !o.cgdir || !o.scope || !o.work)
		usage();
}

static void read_line(const char *name, char *out, size_t n)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", o.cfg, name);
	f = fopen(path, "re");
	if (!f || !fgets(out, (int)n, f)) {
		fprintf(stderr, "mxcheck: cannot read %s\n", path);
		exit(2);
	}
	fclose(f);
	out[strcspn(out, "\r\n")] = '\0';
}

static void read_banned(void)
{
	read_line("banned.txt", banned, sizeof(banned));
	read_line("exe-token.txt", exe_token, sizeof(exe_token));
}

int main(int argc, char **argv)
{
	static const char *const runs[] = { "default", "10k", "100k" };
	char cfg[4096], cfg2[4096], esc[256], refusal[160] = "";
	struct daemon d;
	struct utsname u;

	t_begin = now_ms();
	parse_args(argc, argv);
	read_banned();
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	signal(SIGPIPE, SIG_IGN);
	uname(&u);
	json_esc(u.release, esc, sizeof(esc));
	record("begin", "{\"release\":\"%s\",\"machine\":\"%s\",\"scope\":\"%s\","
	       "\"banned\":\"%s\",\"trials\":%d,\"lineage_timeout_s\":%d}", esc, u.machine,
	       o.scope, banned, o.trials, o.lineage_timeout_s);
	if (count_procs(o.cgdir))
		record("note", "{\"scope_not_empty_at_start\":%d}", empty_scope());
	snprintf(cfg, sizeof(cfg), "%s/small.json", o.cfg);

	if (wanted("small")) {
		const char *extra[] = { "--config", cfg, NULL };

		if (daemon_start(&d, "small", extra)) {
			if ((strstr(d.startline, "\"bpf_error\"") ||
			     strstr(d.startline, "\"refused\":true")) && d.startup_ms > SLOW_START_MS)
				snprintf(refusal, sizeof(refusal), "not started again: run small took "
					 "%.0f s to start and a BPF program was refused", d.startup_ms / 1000);
			check_execs("small");
			check_exe_scan(&d, "small");
			check_fd_exec(&d, "small");
			check_network("small");
			check_stratum("small");
		}
		daemon_stop(&d, "small");
	}
	for (size_t i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
		const char *plain[] = { NULL }, *withcfg[] = { "--config", cfg2, NULL };

		if (!wanted(runs[i]) || !may_start(runs[i], refusal, 0))
			continue;
		snprintf(cfg2, sizeof(cfg2), "%s/%s.json", o.cfg, runs[i]);
		daemon_start(&d, runs[i], i == 0 ? plain : withcfg);
		daemon_stop(&d, runs[i]);
	}
	if (wanted("lineage") && may_start("lineage", refusal, o.lineage_timeout_s * 1000.0)) {
		const char *extra[] = { "--user-verdict", "--config", cfg, NULL };

		if (daemon_start(&d, "lineage", extra))
			check_lineage(&d);
		daemon_stop(&d, "lineage");
	}
	snprintf(cfg2, sizeof(cfg2), "%s/hold.json", o.cfg);
	if (wanted("hold") && may_start("hold", refusal, 60000)) {
		const char *extra[] = { "--config", cfg2, NULL };

		if (daemon_start(&d, "hold", extra))
			check_hold(&d);
		daemon_stop(&d, "hold");
	}
	empty_scope();
	record("end", "{\"elapsed_ms\":%.0f}", now_ms() - t_begin);
	return 0;
}
