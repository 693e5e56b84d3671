/* SPDX-License-Identifier: BSD-2-Clause */
/* test_exe_watch.c - the scanner thread and its results, without BPF: a
 * job for a live child is scanned through /proc/PID/exe and handed back
 * through the eventfd; a file already scanned or in flight is not queued
 * again; a child that exec'd another file since is not mistaken for it; a
 * gone child's file is read through its parent; a swept process is known
 * by stat(2); new rules forget every result. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "exe_watch.h"
#include "proc.h"
#include "exe_test_util.h"

static struct exe_result got[8];
static int ngot;

static void done(const struct exe_result *r, void *ctx)
{
	(void)ctx;
	if (ngot < 8)
		got[ngot++] = *r;
}

/* Waits for n results (the thread's eventfd, then a drain). */
static void wait_results(struct exe_watch *w, int n)
{
	for (int tries = 0; ngot < n && tries < 100; tries++) {
		struct pollfd p = { .fd = exe_watch_fd(w), .events = POLLIN };

		if (poll(&p, 1, 100) > 0)
			exe_watch_drain(w);
	}
	assert_int_equal(ngot, n);
}

/* A copy of /bin/sleep carrying text after its image. */
static void make_exe(const char *path, const char *text)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "cp /bin/sleep %s && printf '\\0%s\\0' >> %s && chmod 755 %s",
		 path, text, path, path);
	assert_int_equal(system(cmd), 0);
}

static pid_t run(const char *path)
{
	pid_t pid = fork();

	if (pid == 0) {
		execl(path, path, "30", (char *)NULL);
		_exit(127);
	}
	usleep(100000);         /* exec'd */
	return pid;
}

/* The job for a running child, its identity as the kernel would give it
 * (only the change stamp is compared in user space). */
static struct exe_job job_of(pid_t pid, const char *path)
{
	struct exe_job j = { .tgid = pid, .ppid = getpid() };
	struct proc_stat st;
	struct stat f;

	assert_int_equal(proc_read_stat(pid, &st), 0);
	assert_int_equal(stat(path, &f), 0);
	j.start_ticks = st.start_ticks;
	j.kid.ino = f.st_ino;
	j.kid.dev = 1;
	j.kid.ctime_sec = f.st_ctim.tv_sec;
	j.kid.ctime_nsec = (unsigned int)f.st_ctim.tv_nsec;
	snprintf(j.path, sizeof(j.path), "%s", path);
	return j;
}

static void stop(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static void test_scan_once_and_remember(void **state)
{
	struct exe_rules *r = rules_of("bannedExecutableStrings: [nmw-token]\n");
	struct exe_watch *w = exe_watch_open(done, NULL);
	struct exe_report rep;
	char bad[128], good[128];
	struct exe_job j, k;
	pid_t p1, p2;

	(void)state;
	assert_non_null(w);
	exe_watch_set_rules(w, r);
	snprintf(bad, sizeof(bad), "%s/bad", dir);
	snprintf(good, sizeof(good), "%s/good", dir);
	make_exe(bad, "nmw-token");
	make_exe(good, "harmless");
	p1 = run(bad);
	p2 = run(good);
	j = job_of(p1, bad);
	k = job_of(p2, good);
	ngot = 0;
	assert_int_equal(exe_watch_submit(w, &j), 0);
	assert_int_equal(exe_watch_submit(w, &j), -EALREADY);   /* in flight: one scan */
	assert_int_equal(exe_watch_submit(w, &k), 0);
	wait_results(w, 2);
	assert_int_equal(got[0].open_err, 0);
	assert_true(got[0].rep.banned && got[0].rep.have_sha256);
	assert_false(got[1].rep.banned);
	assert_int_equal(exe_watch_submit(w, &j), -EALREADY);   /* scanned: answered */
	assert_int_equal(exe_watch_known(w, &j.kid, &rep), 0);
	assert_true(rep.banned);
	assert_int_equal(exe_watch_known_stat(w, got[0].rep.st_dev, got[0].rep.st_ino,
					      got[0].rep.st_ctime_sec, got[0].rep.st_ctime_nsec,
					      &rep), 0);

	/* new rules that judge differently: every result forgotten */
	exe_rules_put(r);
	r = rules_of("bannedExecutableStrings: [nmw-nowhere-qzx]\n");
	assert_int_equal(exe_watch_set_rules(w, r), 1);
	assert_int_equal(exe_watch_known(w, &j.kid, &rep), -ENOENT);
	ngot = 0;
	assert_int_equal(exe_watch_submit(w, &j), 0);
	wait_results(w, 1);
	assert_false(got[0].rep.banned);
	stop(p1);
	stop(p2);
	exe_watch_close(w);
	exe_rules_put(r);
}

static void test_stale_gone_and_swept(void **state)
{
	struct exe_rules *r = rules_of("bannedExecutableStrings: [nmw-token]\n");
	struct exe_watch *w = exe_watch_open(done, NULL);
	struct exe_job j, s;
	char bad[128];
	pid_t pid;

	(void)state;
	exe_watch_set_rules(w, r);
	snprintf(bad, sizeof(bad), "%s/bad2", dir);
	make_exe(bad, "nmw-token");
	pid = run(bad);
	j = job_of(pid, bad);

	/* a change stamp that is not the running file's: not read as it */
	ngot = 0;
	j.kid.ctime_nsec ^= 1;
	j.path[0] = '\0';       /* and no name to find it by */
	assert_int_equal(exe_watch_submit(w, &j), 0);
	wait_results(w, 1);
	assert_int_equal(got[0].open_err, -ESTALE);

	/* gone: read through the parent (this process), by its name */
	j = job_of(pid, bad);
	stop(pid);
	ngot = 0;
	assert_int_equal(exe_watch_submit(w, &j), 0);
	wait_results(w, 1);
	assert_int_equal(got[0].open_err, 0);
	assert_true(got[0].rep.banned);

	/* a swept process: no kernel identity, known by stat(2) after */
	pid = run(bad);
	s = job_of(pid, bad);
	memset(&s.kid, 0, sizeof(s.kid));
	s.swept = 1;
	ngot = 0;
	assert_int_equal(exe_watch_submit(w, &s), 0);
	wait_results(w, 1);
	assert_true(got[0].rep.banned);     /* answered from the earlier scan */
	assert_true(got[0].cached);
	stop(pid);
	exe_watch_close(w);
	exe_rules_put(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan_once_and_remember),
		cmocka_unit_test(test_stale_gone_and_swept),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
