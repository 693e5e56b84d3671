/* SPDX-License-Identifier: BSD-2-Clause */
/* test_randomx.c - the RandomX detector on the real kernel: a librandomx hasher
 * in the scope cgroup is reported within 5 s, once; benign floating point,
 * fesetround() callers and interval arithmetic, and hashers outside the
 * scope, are not. The watchers kick every CPU (kick_hz), as the daemon
 * should: without it a hasher alone on an idle CPU is seldom switched out.
 * Needs root, BPF and librandomx-dev. Where BPF is required (bpf_required.h:
 * root on a kernel with BTF, or NOMINE_REQUIRE_BPF=1) a watcher that cannot
 * load is a failure; elsewhere, or with NOMINE_NO_BPF=1, the tests skip. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <dirent.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "bpf_required.h"
#include "randomx_detect.h"
#include "scope.h"

#define MAX_EVENTS 64
#define MAX_PIDS 16
#define DETECT_S 5.0     /* the promise: reported within 5 s of exec */
#define QUIET_S 5.0      /* how long benign workloads must stay unreported */

struct fixture {
	char tmp[64];               /* helper binaries */
	char cgrel[64];             /* scope cgroup, relative to the v2 mount */
	char cgdir[4200];
	int made_cgroup;
	char build_err[4096];       /* why the helpers could not be built */
	char bpf_err[512];          /* why the watcher could not be opened */
	struct scope scope;
	struct randomx_watch *w;     /* scoped to cgdir, default settings */
	struct randomx_event ev[MAX_EVENTS];
	int nev;
	pid_t pids[MAX_PIDS];
	int npids;
};

static struct fixture fx;

static double boot_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void on_event(const struct randomx_event *ev, void *ctx)
{
	struct fixture *f = ctx;

	if (f->nev < MAX_EVENTS)
		f->ev[f->nev++] = *ev;
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* Runs gcc; its output goes to f->build_err on failure. */
static int compile(struct fixture *f, const char *src, const char *out, const char *lib)
{
	char log[128], cmd[1024];
	FILE *p;
	size_t n;
	int rc;

	snprintf(log, sizeof(log), "%s/cc.log", f->tmp);
	snprintf(cmd, sizeof(cmd), "gcc -O2 -o '%s' '%s' %s > '%s' 2>&1", out, src, lib, log);
	rc = system(cmd);
	if (rc == 0)
		return 0;
	n = (size_t)snprintf(f->build_err, sizeof(f->build_err), "compiling %s failed:\n", src);
	p = fopen(log, "re");
	if (p && n < sizeof(f->build_err)) {
		size_t got = fread(f->build_err + n, 1, sizeof(f->build_err) - n - 1, p);

		f->build_err[n + got] = 0;
	}
	if (p)
		fclose(p);
	return -1;
}

static const char fploop_src[] =
	"#include <math.h>\n#include <stdio.h>\n#include <time.h>\n#include <unistd.h>\n"
	"int main(void) {\n"
	"  volatile double acc = 0; time_t end = time(NULL) + 30;\n"
	"  for (long i = 1; time(NULL) < end; i++) {\n"
	"    acc += sqrt((double)i) * 1.0000001 / (1.0 + acc * 1e-9);\n"
	"    if (i % 200000 == 0) usleep(500);\n"   /* switch-outs while FP state is live */
	"  }\n  printf(\"%f\\n\", acc); return 0;\n}\n";

/* A program that legitimately changes the rounding mode a few times. */
static const char fesetround_src[] =
	"#include <fenv.h>\n#include <stdio.h>\n#include <time.h>\n#include <unistd.h>\n"
	"int main(void) {\n"
	"  volatile double x = 1.0; time_t end = time(NULL) + 30;\n"
	"  for (int k = 0; k < 5; k++) {\n"
	"    fesetround(FE_UPWARD);\n"
	"    for (int i = 0; i < 1000000; i++) x = x * 1.0000001 + 1e-9;\n"
	"    usleep(1000);\n"
	"    fesetround(FE_TONEAREST);\n"
	"    usleep(100000);\n"
	"  }\n"
	"  while (time(NULL) < end) { x = x * 0.9999999 + 1e-9; if ((long)x % 7 == 8) break; }\n"
	"  printf(\"%f\\n\", x); return 0;\n}\n";

/* Interval arithmetic: lower and upper bounds computed in FE_DOWNWARD and
 * FE_UPWARD all the time; a high rate, but never the third mode. */
static const char interval_src[] =
	"#include <fenv.h>\n#include <stdio.h>\n#include <time.h>\n#include <unistd.h>\n"
	"int main(void) {\n"
	"  volatile double lo = 1.0, hi = 1.0; time_t end = time(NULL) + 30;\n"
	"  for (long k = 0; time(NULL) < end; k++) {\n"
	"    fesetround(FE_DOWNWARD); for (int i = 0; i < 20000; i++) lo = lo * 1.0000001 + 1e-9;\n"
	"    fesetround(FE_UPWARD); for (int i = 0; i < 20000; i++) hi = hi * 1.0000001 + 1e-9;\n"
	"    if (k % 8 == 0) usleep(500);\n"
	"  }\n  printf(\"%f %f\\n\", lo, hi); return 0;\n}\n";

/* tests/e2e/helpers/rxhash.c, found from this file's path (the Makefile
 * compiles tests from the repository root, where the tests run). */
static void rxhash_source(char *out, size_t n)
{
	char here[4096];

	snprintf(here, sizeof(here), "%s", __FILE__);
	snprintf(out, n, "%s/../e2e/helpers/rxhash.c", dirname(here));
}

static int build_helpers(struct fixture *f)
{
	char src[4200], out[128];
	const char *pre = getenv("NOMINE_RXHASH");

	snprintf(out, sizeof(out), "%s/rxhash", f->tmp);
	if (pre && *pre) {
		if (access(pre, X_OK) || symlink(pre, out)) {
			snprintf(f->build_err, sizeof(f->build_err), "NOMINE_RXHASH=%s: %s", pre,
				 strerror(errno));
			return -1;
		}
	} else {
		if (access("/usr/include/randomx.h", R_OK)) {
			snprintf(f->build_err, sizeof(f->build_err),
				 "librandomx is not installed (apt-get install librandomx-dev), "
				 "or set NOMINE_RXHASH to a built tests/e2e/helpers/rxhash");
			return -1;
		}
		rxhash_source(src, sizeof(src));
		if (compile(f, src, out, "-lrandomx"))
			return -1;
	}
	snprintf(src, sizeof(src), "%s/fploop.c", f->tmp);
	snprintf(out, sizeof(out), "%s/fploop", f->tmp);
	if (write_file(src, fploop_src) || compile(f, src, out, "-lm"))
		return -1;
	snprintf(src, sizeof(src), "%s/fesetround.c", f->tmp);
	snprintf(out, sizeof(out), "%s/fesetround", f->tmp);
	if (write_file(src, fesetround_src) || compile(f, src, out, "-lm"))
		return -1;
	snprintf(src, sizeof(src), "%s/interval.c", f->tmp);
	snprintf(out, sizeof(out), "%s/interval", f->tmp);
	if (write_file(src, interval_src) || compile(f, src, out, "-lm"))
		return -1;
	return 0;
}

static int make_cgroup(struct fixture *f)
{
	char *paths[1] = { f->cgrel }, mount[4096];

	if (scope_find_cgroup2("/proc/self/mountinfo", mount, sizeof(mount))) {
		snprintf(f->bpf_err, sizeof(f->bpf_err), "no cgroup2 mount");
		return -1;
	}
	snprintf(f->cgrel, sizeof(f->cgrel), "/nomine-test-randomx-%d", (int)getpid());
	snprintf(f->cgdir, sizeof(f->cgdir), "%s%s", mount, f->cgrel);
	if (mkdir(f->cgdir, 0755) && errno != EEXIST) {
		snprintf(f->bpf_err, sizeof(f->bpf_err), "failed to create cgroup %.300s: %s",
			 f->cgdir, strerror(errno));
		return -1;
	}
	f->made_cgroup = 1;
	return scope_init(&f->scope, paths, 1, f->bpf_err, sizeof(f->bpf_err));
}

static int group_setup(void **state)
{
	struct fixture *f = &fx;
	struct randomx_watch_opts o = { .cb = on_event, .ctx = f,
				       .kick_hz = NM_RANDOMX_DEFAULT_KICK_HZ };

	*state = f;
	snprintf(f->tmp, sizeof(f->tmp), "/tmp/nomine-monero-XXXXXX");
	if (!mkdtemp(f->tmp)) {
		snprintf(f->build_err, sizeof(f->build_err), "mkdtemp: %s", strerror(errno));
		f->tmp[0] = 0;
	}
	if (make_cgroup(f) == 0) {
		o.scopes = f->scope.kernel;
		o.nscopes = f->scope.n;
		f->w = randomx_watch_open(&o, f->bpf_err, sizeof(f->bpf_err));
	}
	if (!f->w) {
		fprintf(stderr, "BPF unavailable: %s\n", f->bpf_err);
		return 0;
	}
	if (f->tmp[0])
		build_helpers(f);
	return 0;
}

static void remove_tree(const char *dir)
{
	static const char *const names[] = { "rxhash", "fploop", "fploop.c", "fesetround",
					     "fesetround.c", "interval", "interval.c", "cc.log" };
	char p[128];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
		unlink(p);
	}
	rmdir(dir);
}

static int group_teardown(void **state)
{
	struct fixture *f = *state;

	randomx_watch_close(f->w);
	/* killed tasks leave the cgroup a moment after SIGKILL */
	for (int i = 0; f->made_cgroup && i < 50 && rmdir(f->cgdir) && errno == EBUSY; i++)
		usleep(100000);
	scope_free(&f->scope);
	if (f->tmp[0])
		remove_tree(f->tmp);
	return 0;
}

/* Every process a test started dies, in or out of the cgroup. */
static int test_teardown(void **state)
{
	struct fixture *f = *state;
	char p[4300];

	for (int i = 0; i < f->npids; i++) {
		kill(f->pids[i], SIGKILL);
		waitpid(f->pids[i], NULL, 0);
	}
	f->npids = 0;
	snprintf(p, sizeof(p), "%s/cgroup.kill", f->cgdir);
	if (f->made_cgroup)
		write_file(p, "1");
	/* events of the processes just killed must not leak into the next test */
	if (f->w)
		randomx_watch_drain(f->w);
	f->nev = 0;
	return 0;
}

static void need_watch(struct fixture *f)
{
	const char *why;

	if (!f->w) {
		why = bpf_required();
		if (why)
			fail_msg("BPF unavailable: %s (required: %s)", f->bpf_err, why);
		print_message("skipped: BPF unavailable: %s\n", f->bpf_err);
		skip();
	}
	if (f->build_err[0])
		fail_msg("%s", f->build_err);
}

/* Starts tmp/prog with env (NAME=VALUE, NULL-terminated), in the scope
 * cgroup or not; stdout goes to /dev/null. */
static pid_t start(struct fixture *f, const char *prog, int in_scope, const char *const *env)
{
	char path[128], procs[4300];
	pid_t pid;

	assert_true(f->npids < MAX_PIDS);
	snprintf(path, sizeof(path), "%s/%s", f->tmp, prog);
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", f->cgdir);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		if (in_scope && write_file(procs, "0"))
			_exit(126);
		for (; env && *env; env++)
			putenv((char *)*env);
		if (null >= 0)
			dup2(null, 1);
		execl(path, prog, (char *)NULL);
		_exit(127);
	}
	f->pids[f->npids++] = pid;
	return pid;
}

static int find_event(const struct fixture *f, pid_t tgid)
{
	for (int i = 0; i < f->nev; i++)
		if ((pid_t)f->ev[i].tgid == tgid)
			return i;
	return -1;
}

static int events_of(const struct fixture *f, pid_t tgid)
{
	int n = 0;

	for (int i = 0; i < f->nev; i++)
		n += (pid_t)f->ev[i].tgid == tgid;
	return n;
}

/* Collects events until boot time `until`, or until tgid (> 0) has one. */
static void pump(struct fixture *f, double until, pid_t tgid)
{
	struct pollfd p = { .fd = randomx_watch_fd(f->w), .events = POLLIN };
	double left;

	while ((left = until - boot_s()) > 0) {
		if (tgid > 0 && find_event(f, tgid) >= 0)
			return;
		poll(&p, 1, (int)(left * 1000) + 1);
		assert_int_equal(randomx_watch_drain(f->w), 0);
	}
	randomx_watch_drain(f->w);
}

/* Start time of pid in clock ticks since boot (/proc/PID/stat field 22). */
static unsigned long long proc_starttime(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long v = 0;
	FILE *fp;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fp = fopen(path, "re");
	assert_non_null(fp);
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = 0;
	p = strrchr(buf, ')');
	assert_non_null(p);
	/* after ")": state is field 3, starttime field 22 */
	assert_int_equal(sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d "
				"%*d %*d %*d %*d %llu", &v), 1);
	return v;
}

/* The evidence of one report of a hasher started at t0. */
static void check_evidence(const struct randomx_event *ev, pid_t tgid, double t0)
{
	long tck = sysconf(_SC_CLK_TCK);
	unsigned long long st = proc_starttime(tgid), ev_tck = ev->start_ns / (1000000000ull / tck);
	char task[64];

	assert_int_equal(ev->tgid, tgid);
	snprintf(task, sizeof(task), "/proc/%d/task/%u", (int)tgid, ev->pid);
	assert_int_equal(access(task, F_OK), 0);
	assert_int_equal(ev->threshold, NM_RANDOMX_DEFAULT_THRESHOLD);
	assert_true(ev->count >= ev->threshold);
	assert_int_equal(ev->window_ns, NM_RANDOMX_DEFAULT_WINDOW_MS * 1000000ull);
	assert_true(__builtin_popcount(ev->modes) >= (int)NM_RANDOMX_DEFAULT_MIN_MODES);
	assert_int_equal(ev->modes & ~0xeu, 0);
	assert_true(ev->threads >= 1);
	assert_true(ev->flags & NM_RANDOMX_IN_SCOPE);
	assert_true(ev->cgroup_id != 0);
	assert_string_equal(ev->comm, "rxhash");
	/* the leader's start, as /proc has it (to the tick) */
	assert_true(ev_tck + 1 >= st && ev_tck <= st + 1);
	assert_true(ev->first_ns <= ev->ts_ns);
	assert_true((double)ev->ts_ns / 1e9 - t0 <= DETECT_S);
}

static void test_hasher_reported_once(void **state)
{
	struct fixture *f = *state;
	static const char *const env[] = { "RX_SECONDS=20", NULL };
	double t0;
	pid_t pid;
	int i;

	need_watch(f);
	t0 = boot_s();
	pid = start(f, "rxhash", 1, env);
	pump(f, t0 + DETECT_S, pid);
	i = find_event(f, pid);
	if (i < 0)
		fail_msg("no event within %.0f s (in-scope odd observations: %llu)", DETECT_S,
			 (unsigned long long)randomx_watch_stat(f->w, NM_RANDOMX_STAT_ODD));
	check_evidence(&f->ev[i], pid, t0);
	fprintf(stderr, "# reported after %.2f s: count %u modes %#x threads %u\n",
		(double)f->ev[i].ts_ns / 1e9 - t0, f->ev[i].count, f->ev[i].modes, f->ev[i].threads);
	/* once: it keeps hashing, but no second report */
	pump(f, boot_s() + 2, 0);
	assert_int_equal(events_of(f, pid), 1);
	/* re-armed: counted from zero and reported again */
	assert_int_equal(randomx_watch_rearm(f->w, (uint32_t)pid), 0);
	t0 = boot_s();
	f->nev = 0;
	pump(f, t0 + DETECT_S, pid);
	assert_int_equal(events_of(f, pid), 1);
	assert_true(f->ev[0].ts_ns / 1e9 >= t0);
	assert_int_equal(randomx_watch_stat(f->w, NM_RANDOMX_STAT_FOREIGN), 0);
	assert_int_equal(randomx_watch_stat(f->w, NM_RANDOMX_STAT_MAX), 0);
	/* an unknown tgid re-arms as a no-op */
	assert_int_equal(randomx_watch_rearm(f->w, 0x7ffffff0u), 0);
}

/* Interpreter mode, two forked workers: each process is reported once. */
static void test_interpreter_workers(void **state)
{
	struct fixture *f = *state;
	static const char *const env[] = { "RX_SECONDS=20", "RX_NOJIT=1", "RX_WORKERS=2", NULL };
	double t0;
	pid_t pid;
	int i;

	need_watch(f);
	t0 = boot_s();
	pid = start(f, "rxhash", 1, env);
	pump(f, t0 + DETECT_S, pid);
	i = find_event(f, pid);
	if (i < 0)
		fail_msg("no event for the interpreter-mode hasher within %.0f s", DETECT_S);
	check_evidence(&f->ev[i], pid, t0);
	pump(f, t0 + DETECT_S + 2, 0);
	for (i = 0; i < f->nev; i++) {
		assert_int_equal(events_of(f, (pid_t)f->ev[i].tgid), 1);
		assert_string_equal(f->ev[i].comm, "rxhash");
	}
	fprintf(stderr, "# %d of 3 hashing processes reported\n", f->nev);
}

static void test_benign_not_reported(void **state)
{
	struct fixture *f = *state;
	uint64_t odd0;
	double t0;

	need_watch(f);
	odd0 = randomx_watch_stat(f->w, NM_RANDOMX_STAT_ODD);
	t0 = boot_s();
	start(f, "fploop", 1, NULL);
	start(f, "fesetround", 1, NULL);
	start(f, "interval", 1, NULL);
	pump(f, t0 + QUIET_S, 0);
	fprintf(stderr, "# benign: %llu odd observations in %.0f s\n",
		(unsigned long long)(randomx_watch_stat(f->w, NM_RANDOMX_STAT_ODD) - odd0), QUIET_S);
	assert_int_equal(f->nev, 0);
}

/* A hasher outside the scope is not reported by the scoped watcher, while
 * an unscoped one (the control) does report it. */
static void test_outside_scope(void **state)
{
	struct fixture *f = *state;
	static const char *const env[] = { "RX_SECONDS=20", NULL };
	struct fixture ctl = { .nev = 0 };
	struct randomx_watch_opts o = { .cb = on_event, .ctx = &ctl };   /* f->w kicks */
	struct randomx_watch *all;
	char err[512];
	pid_t pid;
	double t0;

	need_watch(f);
	all = randomx_watch_open(&o, err, sizeof(err));
	if (!all)
		fail_msg("unscoped watcher: %s", err);
	t0 = boot_s();
	pid = start(f, "rxhash", 0, env);
	ctl.w = all;
	pump(&ctl, t0 + DETECT_S, pid);
	pump(f, t0 + DETECT_S, 0);
	randomx_watch_close(all);
	assert_int_equal(events_of(f, pid), 0);
	assert_int_equal(f->nev, 0);
	assert_int_equal(events_of(&ctl, pid), 1);
}

static int kickers_running(void)
{
	char path[300], comm[32];
	struct dirent *e;
	int n = 0;
	DIR *d = opendir("/proc/self/task");

	assert_non_null(d);
	while ((e = readdir(d))) {
		FILE *fp;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", e->d_name);
		fp = fopen(path, "re");
		if (fp && fgets(comm, sizeof(comm), fp) && !strcmp(comm, "nomine-kick\n"))
			n++;
		if (fp)
			fclose(fp);
	}
	closedir(d);
	return n;
}

/* One kicker per usable CPU, all gone at close; the rate is bounded. */
static void test_kickers(void **state)
{
	struct fixture *f = *state;
	struct randomx_watch_opts o = { .cb = on_event, .ctx = f, .kick_hz = 100,
				       .scopes = f->scope.kernel, .nscopes = f->scope.n };
	struct randomx_watch *w;
	int before, ncpu;
	cpu_set_t cpus;
	char err[512];

	need_watch(f);
	assert_int_equal(sched_getaffinity(0, sizeof(cpus), &cpus), 0);
	ncpu = CPU_COUNT(&cpus);
	before = kickers_running();
	w = randomx_watch_open(&o, err, sizeof(err));
	if (!w)
		fail_msg("%s", err);
	assert_int_equal(kickers_running(), before + ncpu);
	randomx_watch_close(w);
	assert_int_equal(kickers_running(), before);
	o.kick_hz = NM_RANDOMX_KICK_HZ_MAX + 1;
	errno = 0;
	assert_null(randomx_watch_open(&o, err, sizeof(err)));
	assert_int_equal(errno, E2BIG);
}

static void test_bad_options(void **state)
{
	struct randomx_watch_opts o = { .cb = on_event, .ctx = *state, .window_ns = 1000 };
	char err[256] = "";

	errno = 0;
	assert_null(randomx_watch_open(&o, err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(err, "window"));
	o.window_ns = 0;
	o.nscopes = NM_SCOPE_MAX + 1;
	errno = 0;
	assert_null(randomx_watch_open(&o, err, sizeof(err)));
	assert_int_equal(errno, E2BIG);
	assert_non_null(strstr(err, "scopes"));
	o.nscopes = 0;
	o.cb = NULL;
	errno = 0;
	assert_null(randomx_watch_open(&o, err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_kickers),
		cmocka_unit_test_teardown(test_hasher_reported_once, test_teardown),
		cmocka_unit_test_teardown(test_interpreter_workers, test_teardown),
		cmocka_unit_test_teardown(test_benign_not_reported, test_teardown),
		cmocka_unit_test_teardown(test_outside_scope, test_teardown),
	};

	return cmocka_run_group_tests_name("monero", tests, group_setup, group_teardown);
}
