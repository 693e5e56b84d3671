/* SPDX-License-Identifier: BSD-2-Clause */
/* test_cgroup_kill.c - the whole-container kill on real cgroups this test
 * creates: cgroup.kill on the unified hierarchy and freeze-then-kill on the
 * v1 freezer. Every process of the subtree dies; a process outside lives.
 * Needs root; where NOMINE_REQUIRE_BPF is set (CI) a missing hierarchy is
 * a failure, elsewhere a skip. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include "cgroup_kill.h"
#include "scope.h"

static int required(void)
{
	const char *v = getenv("NOMINE_REQUIRE_BPF");

	return v && *v && strcmp(v, "0");
}

static void unavailable(const char *why)
{
	if (required()) {
		print_error("%s (NOMINE_REQUIRE_BPF is set)\n", why);
		fail();
	}
	print_message("skipped: %s\n", why);
	skip();
}

/* A child that joins dir's cgroup.procs and sleeps (forking one more). */
static pid_t spawn_in(const char *dir)
{
	char procs[4500];
	pid_t pid;

	snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		FILE *f = fopen(procs, "w");

		if (!f || fprintf(f, "%d", getpid()) < 0 || fclose(f))
			_exit(99);
		if (fork() == 0) {       /* a grandchild in the same cgroup */
			pause();
			_exit(0);
		}
		pause();
		_exit(0);
	}
	return pid;
}

static int dead_by_sigkill(pid_t pid)
{
	int st;

	for (int i = 0; i < 500; i++) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid)
			return WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL;
		nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
	}
	return 0;
}

static int count_procs(const char *dir)
{
	char path[4500], line[32];
	FILE *f;
	int n = 0;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	if (!(f = fopen(path, "r")))
		return -1;
	while (fgets(line, sizeof(line), f))
		n++;
	fclose(f);
	return n;
}

/* Ends this test's own processes left in dir (listed by PID). */
static void kill_all(const char *dir)
{
	char path[4500], line[32];
	FILE *f;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	if (!(f = fopen(path, "r")))
		return;
	while (fgets(line, sizeof(line), f))
		kill(atoi(line), SIGKILL);
	fclose(f);
	for (int i = 0; i < 200 && count_procs(dir) > 0; i++)
		nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
}

static void run(const char *mount, int v2)
{
	char top[4200], ctr[4200], sub[4300], rel[256], err[256];
	struct cgroup_kill_report r;
	pid_t in[3], out;

	snprintf(rel, sizeof(rel), "/nomine-unit-%d-%ld/ctr", (int)getpid(), (long)time(NULL));
	snprintf(ctr, sizeof(ctr), "%s%s", mount, rel);
	snprintf(top, sizeof(top), "%s", ctr);
	*strrchr(top, '/') = '\0';
	snprintf(sub, sizeof(sub), "%s/sub", ctr);
	assert_int_equal(mkdir(top, 0755), 0);
	assert_int_equal(mkdir(ctr, 0755), 0);
	assert_int_equal(mkdir(sub, 0755), 0);   /* a nested cgroup inside the container */
	in[0] = spawn_in(ctr);
	in[1] = spawn_in(ctr);
	in[2] = spawn_in(sub);
	out = spawn_in(top);                     /* the pod, outside the container */
	for (int i = 0; i < 200 && (count_procs(ctr) < 4 || count_procs(sub) < 2); i++)
		nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
	assert_int_equal(count_procs(ctr), 4);

	assert_int_equal(cgroup_kill(v2 ? mount : "", v2 ? "" : mount, rel, v2, &r, err,
				     sizeof(err)), 0);
	assert_string_equal(r.method, v2 ? "cgroup.kill" : "freezer");
	assert_int_equal(r.processes, 6);
	for (int i = 0; i < 3; i++)
		assert_true(dead_by_sigkill(in[i]));
	for (int i = 0; i < 200 && (count_procs(ctr) || count_procs(sub)); i++)
		nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
	assert_int_equal(count_procs(ctr), 0);   /* grandchildren too */
	assert_int_equal(count_procs(sub), 0);
	assert_int_equal(kill(out, 0), 0);       /* the process outside lives */
	kill_all(top);                           /* and its child, by PID */
	waitpid(out, NULL, 0);
	if (!v2) {
		char state[4400], buf[32] = "";
		FILE *f;

		snprintf(state, sizeof(state), "%s/freezer.state", ctr);
		f = fopen(state, "r");
		assert_non_null(f);
		assert_non_null(fgets(buf, sizeof(buf), f));
		fclose(f);
		assert_int_equal(strncmp(buf, "THAWED", 6), 0);   /* left usable */
	}
	for (int i = 0; i < 200 && (rmdir(sub) && errno == EBUSY); i++)
		nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
	for (int i = 0; i < 200 && (rmdir(ctr) && errno == EBUSY); i++)
		nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
	for (int i = 0; i < 200 && (rmdir(top) && errno == EBUSY); i++)
		nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
}

static void test_unified(void **state)
{
	char mount[4096];

	(void)state;
	if (geteuid())
		unavailable("needs root");
	if (scope_find_cgroup2("/proc/self/mountinfo", mount, sizeof(mount)))
		unavailable("no cgroup2 mount");
	run(mount, 1);
}

static void test_v1_freezer(void **state)
{
	char mount[4096];

	(void)state;
	if (geteuid())
		unavailable("needs root");
	if (cgroup_find_freezer("/proc/self/mountinfo", mount, sizeof(mount))) {
		/* a pure cgroup v2 host has no v1 freezer: nothing to test there */
		print_message("skipped: no cgroup v1 freezer mounted\n");
		skip();
	}
	run(mount, 0);
}

static void test_refusals(void **state)
{
	struct cgroup_kill_report r;
	char err[256];

	(void)state;
	assert_int_equal(cgroup_kill("/sys/fs/cgroup", "", "/a/../../etc", 1, &r, err,
				     sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "refusing"));
	assert_int_equal(cgroup_kill("/sys/fs/cgroup", "", "relative", 1, &r, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(cgroup_kill("/sys/fs/cgroup", "", "/a/..", 1, &r, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(cgroup_kill("", "", "/x", 0, &r, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "no v1 freezer hierarchy mounted");
	/* a cgroup that does not exist: nothing to freeze */
	assert_int_equal(cgroup_kill("/sys/fs/cgroup", "", "/nomine-no-such-cgroup-7f3a", 1, &r,
				     err, sizeof(err)), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unified),
		cmocka_unit_test(test_v1_freezer),
		cmocka_unit_test(test_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
