/* SPDX-License-Identifier: BSD-2-Clause */
/* test_command_hook.c - the command hook with real commands: its stdin,
 * status, timeout (the whole process group), output cap, the fds and
 * environment it gets, four hooks at once, and nothing left running. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "command_hook.h"
#include "mono_clock.h"

#define MIB (1024 * 1024)

static char tmpdir[64];

static char *mib_input(void)
{
	char *b = malloc(MIB);

	assert_non_null(b);
	for (size_t i = 0; i < MIB; i++)
		b[i] = (char)(i * 7 + i / 251);
	return b;
}

static char *tmp_path(const char *name)
{
	static __thread char buf[384];

	snprintf(buf, sizeof(buf), "%s/%s", tmpdir, name);
	return buf;
}

static size_t read_file(const char *path, char *buf, size_t n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t got = 0;
	ssize_t k;

	assert_true(fd >= 0);
	while (got < n && (k = read(fd, buf + got, n - got)) > 0)
		got += (size_t)k;
	close(fd);
	return got;
}

static pid_t read_pid(const char *path)
{
	char buf[32] = "";

	read_file(path, buf, sizeof(buf) - 1);
	return (pid_t)atoi(buf);
}

/* Gone, or a zombie its new parent has not reaped yet: not running. */
static int pid_running(pid_t pid)
{
	char path[64], stat[256] = "", *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	if (read(fd, stat, sizeof(stat) - 1) < 0)
		stat[0] = 0;
	close(fd);
	p = strrchr(stat, ')');
	return !(p && (p[2] == 'Z' || p[2] == 'X'));
}

static int wait_not_running(pid_t pid, double within_s)
{
	double end = mono_s() + within_s;

	while (pid_running(pid)) {
		if (mono_s() > end)
			return 0;
		usleep(10000);
	}
	return 1;
}

static int setup(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/nomine-hook-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	DIR *d = opendir(tmpdir);
	struct dirent *e;

	(void)state;
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.')
			unlink(tmp_path(e->d_name));
	if (d)
		closedir(d);
	return rmdir(tmpdir);
}

static void test_small_input_to_cat(void **state)
{
	char *argv[] = { "/bin/cat", NULL };
	const char in[] = "{\"pid\": 42, \"action\": \"killed\"}\n";
	struct hook_result r;

	(void)state;
	assert_int_equal(command_hook_run(argv, in, strlen(in), 5, &r), 0);
	assert_int_equal(r.started, 1);
	assert_int_equal(r.exit_status, 0);
	assert_int_equal(r.signal, 0);
	assert_int_equal(r.timed_out, 0);
	assert_string_equal(r.output, in);
	assert_string_equal(r.error, "");
	assert_true(r.seconds > 0 && r.seconds < 5);
}

/* No input: stdin is at EOF at once, cat does not wait. */
static void test_empty_input(void **state)
{
	char *argv[] = { "/bin/cat", NULL };
	struct hook_result r;

	(void)state;
	assert_int_equal(command_hook_run(argv, NULL, 0, 5, &r), 0);
	assert_int_equal(r.exit_status, 0);
	assert_string_equal(r.output, "");
	assert_true(r.seconds < 1);
}

static void test_mib_input_read_whole(void **state)
{
	char *out = tmp_path("stdin.bin");
	char *argv[] = { "/bin/sh", "-c", "cat > \"$1\"", "sh", out, NULL };
	char *in = mib_input(), *got = malloc(MIB + 1);
	struct hook_result r;

	(void)state;
	assert_non_null(got);
	assert_int_equal(command_hook_run(argv, in, MIB, 10, &r), 0);
	assert_int_equal(r.exit_status, 0);
	assert_int_equal(read_file(out, got, MIB + 1), MIB);
	assert_memory_equal(got, in, MIB);
	free(in);
	free(got);
}

/* 1 MiB into a hook that never reads it: neither the write (pipe full, then
 * EPIPE) nor its SIGPIPE may stop the caller; the signal is not left
 * pending and the caller's mask is as before. */
static void test_mib_input_unread(void **state)
{
	char *argv[] = { "/bin/sh", "-c", "exit 0", NULL };
	/* closes its stdin and lives on: the write meets EPIPE for sure */
	char *closer[] = { "/bin/sh", "-c", "exec 0<&-; /bin/sleep 0.3", NULL };
	char *in = mib_input();
	struct hook_result r;
	sigset_t before, after, pending;

	(void)state;
	pthread_sigmask(SIG_SETMASK, NULL, &before);
	assert_int_equal(command_hook_run(argv, in, MIB, 5, &r), 0);
	assert_int_equal(r.exit_status, 0);
	assert_int_equal(r.timed_out, 0);
	assert_true(r.seconds < 1);
	assert_int_equal(command_hook_run(closer, in, MIB, 5, &r), 0);
	assert_int_equal(r.exit_status, 0);
	assert_true(r.seconds >= 0.3 && r.seconds < 1.3);
	pthread_sigmask(SIG_SETMASK, NULL, &after);
	assert_int_equal(sigismember(&after, SIGPIPE), sigismember(&before, SIGPIPE));
	sigpending(&pending);
	assert_false(sigismember(&pending, SIGPIPE));
	free(in);
}

/* A hook that never reads and never exits: the full pipe does not stop the
 * timeout. */
static void test_mib_input_hung_reader(void **state)
{
	char *argv[] = { "/bin/sleep", "100", NULL };
	char *in = mib_input();
	struct hook_result r;
	double t0 = mono_s();

	(void)state;
	assert_int_equal(command_hook_run(argv, in, MIB, 0.5, &r), 0);
	assert_int_equal(r.timed_out, 1);
	assert_true(mono_s() - t0 < 1.0);
	free(in);
}

static void test_exit_status(void **state)
{
	char *argv[] = { "/bin/sh", "-c", "echo failing; exit 7", NULL };
	struct hook_result r;

	(void)state;
	assert_int_equal(command_hook_run(argv, "x", 1, 5, &r), 0);
	assert_int_equal(r.started, 1);
	assert_int_equal(r.exit_status, 7);
	assert_int_equal(r.signal, 0);
	assert_string_equal(r.output, "failing\n");
}

static void test_signal_death(void **state)
{
	char *argv[] = { "/bin/sh", "-c", "kill -TERM $$", NULL };
	struct hook_result r;

	(void)state;
	assert_int_equal(command_hook_run(argv, NULL, 0, 5, &r), 0);
	assert_int_equal(r.started, 1);
	assert_int_equal(r.exit_status, -1);
	assert_int_equal(r.signal, SIGTERM);
	assert_int_equal(r.timed_out, 0);
}

static void test_timeout_sleep(void **state)
{
	char *argv[] = { "/bin/sleep", "100", NULL };
	struct hook_result r;
	double t0 = mono_s(), took;

	(void)state;
	assert_int_equal(command_hook_run(argv, NULL, 0, 1, &r), 0);
	took = mono_s() - t0;
	assert_int_equal(r.started, 1);
	assert_int_equal(r.timed_out, 1);
	assert_int_equal(r.exit_status, -1);
	assert_int_equal(r.signal, SIGKILL);
	assert_true(took >= 1.0 && took < 1.5);
	assert_true(r.seconds >= 1.0 && r.seconds < 1.5);
}

/* The hook's background child (same process group) dies with it. */
static void test_timeout_kills_group(void **state)
{
	char *pidf = tmp_path("grandchild.pid");
	char *argv[] = { "/bin/sh", "-c", "/bin/sleep 100 & echo $! > \"$1\"; /bin/sleep 100",
			 "sh", pidf, NULL };
	struct hook_result r;
	double t0 = mono_s();
	pid_t gc;

	(void)state;
	assert_int_equal(command_hook_run(argv, NULL, 0, 1, &r), 0);
	assert_true(mono_s() - t0 < 1.5);
	assert_int_equal(r.timed_out, 1);
	gc = read_pid(pidf);
	assert_true(gc > 1);
	assert_true(wait_not_running(gc, 1.0));
}

/* A hook that exits and leaves a child holding its stdout: the runner does
 * not wait for that child, and the child does not outlive the hook. */
static void test_leftover_child_killed(void **state)
{
	char *pidf = tmp_path("leftover.pid");
	char *argv[] = { "/bin/sh", "-c", "/bin/sleep 30 & echo $! > \"$1\"; echo started",
			 "sh", pidf, NULL };
	struct hook_result r;
	double t0 = mono_s();

	(void)state;
	assert_int_equal(command_hook_run(argv, NULL, 0, 10, &r), 0);
	assert_true(mono_s() - t0 < 1.0);
	assert_int_equal(r.exit_status, 0);
	assert_int_equal(r.timed_out, 0);
	assert_string_equal(r.output, "started\n");
	assert_true(wait_not_running(read_pid(pidf), 1.0));
}

/* One that left the group (setsid) keeps stdout open: read for the short
 * drain after the hook's exit, then dropped. */
static void test_escaped_child_not_waited(void **state)
{
	char *pidf = tmp_path("escaped.pid");
	char *argv[] = { "/bin/sh", "-c",
			 "/usr/bin/setsid /bin/sh -c 'echo $$ > \"$1\"; exec /bin/sleep 30' sh \"$1\" &"
			 " while [ ! -s \"$1\" ]; do /bin/sleep 0.01; done; echo bye",
			 "sh", pidf, NULL };
	struct hook_result r;
	double t0 = mono_s(), took;
	pid_t esc;

	(void)state;
	assert_int_equal(command_hook_run(argv, NULL, 0, 10, &r), 0);
	took = mono_s() - t0;
	esc = read_pid(pidf);
	assert_true(esc > 1);
	assert_true(pid_running(esc));
	kill(esc, SIGKILL);
	assert_int_equal(r.exit_status, 0);
	assert_string_equal(r.output, "bye\n");
	assert_true(took < COMMAND_HOOK_DRAIN_S + 1.0);
	assert_true(wait_not_running(esc, 1.0));
}

static void test_missing_executable(void **state)
{
	char *argv[] = { "/nonexistent/nomine-hook", "arg", NULL };
	char *rel[] = { "cat", NULL };
	struct hook_result r;

	(void)state;
	assert_int_equal(command_hook_run(argv, "x", 1, 5, &r), -1);
	assert_int_equal(r.started, 0);
	assert_non_null(strstr(r.error, "/nonexistent/nomine-hook"));
	assert_non_null(strstr(r.error, "No such file or directory"));

	assert_int_equal(command_hook_run(rel, "x", 1, 5, &r), -1);
	assert_int_equal(r.started, 0);
	assert_non_null(strstr(r.error, "absolute path"));

	assert_int_equal(command_hook_run(argv, "x", 1, 0, &r), -1);
	assert_int_equal(r.started, 0);
}

/* 100 kB of output: the first 511 bytes kept, the rest read and dropped
 * (the hook is not blocked on a full pipe); stderr lands in the same
 * buffer; bytes that are not UTF-8 come out escaped. */
static void test_output_capped(void **state)
{
	char *big[] = { "/bin/sh", "-c", "/usr/bin/head -c 100000 /dev/zero | /usr/bin/tr '\\0' a",
			NULL };
	char *both[] = { "/bin/sh", "-c", "echo out; echo err >&2", NULL };
	char *bad[] = { "/bin/sh", "-c", "printf 'ok\\377\\303\\251'", NULL };
	struct hook_result r;

	(void)state;
	assert_int_equal(command_hook_run(big, NULL, 0, 5, &r), 0);
	assert_int_equal(r.exit_status, 0);
	assert_int_equal(strlen(r.output), sizeof(r.output) - 1);
	assert_int_equal(strspn(r.output, "a"), sizeof(r.output) - 1);
	assert_true(r.seconds < 2);

	assert_int_equal(command_hook_run(both, NULL, 0, 5, &r), 0);
	assert_string_equal(r.output, "out\nerr\n");

	assert_int_equal(command_hook_run(bad, NULL, 0, 5, &r), 0);
	assert_string_equal(r.output, "ok\\xff\xc3\xa9");
}

/* Cut inside a multi-byte character or an escape, the output drops that
 * character whole. */
static void test_output_cut_on_boundary(void **state)
{
	char *utf[] = { "/bin/sh", "-c",
			"printf '\\377'; i=0; while [ $i -lt 255 ]; do printf '\\303\\251'; i=$((i+1)); done",
			NULL };
	char *esc[] = { "/bin/sh", "-c",
			"i=0; while [ $i -lt 300 ]; do printf '\\377a'; i=$((i+1)); done", NULL };
	struct hook_result r;

	(void)state;
	assert_int_equal(command_hook_run(utf, NULL, 0, 5, &r), 0);
	/* \xff then 253 whole é: the 254th would end past byte 511 */
	assert_int_equal(strlen(r.output), 510);
	assert_memory_equal(r.output + 506, "\xc3\xa9\xc3\xa9", 4);
	assert_int_equal(command_hook_run(esc, NULL, 0, 5, &r), 0);
	/* 102 "\xffa" (5 bytes each): the next escape would end past 511 */
	assert_int_equal(strlen(r.output), 510);
	assert_memory_equal(r.output + 505, "\\xffa", 5);
}

/* Only 0-2 reach the hook, even an fd this process opened without
 * O_CLOEXEC. ls lists its parent shell's fds. */
static void test_no_fd_leak(void **state)
{
	char *argv[] = { "/bin/sh", "-c", "/bin/ls /proc/$$/fd", NULL };
	struct hook_result r;
	int leak = open("/dev/null", O_RDONLY);

	(void)state;
	assert_true(leak >= 0);
	assert_true(dup2(leak, 77) == 77);
	assert_int_equal(command_hook_run(argv, "x", 1, 5, &r), 0);
	close(77);
	close(leak);
	assert_int_equal(r.exit_status, 0);
	assert_string_equal(r.output, "0\n1\n2\n");
}

/* The environment, cwd, session and signal state the hook starts with,
 * whatever the caller's: here SIGTERM blocked and SIGUSR1 ignored. */
static void test_env_and_state(void **state)
{
	char *env[] = { "/usr/bin/env", NULL };
	char *pwd[] = { "/bin/pwd", NULL };
	/* the hook itself (a waiting shell blocks signals in its wait) */
	char *sig[] = { "/bin/grep", "-E", "^Sig(Blk|Ign)", "/proc/self/status", NULL };
	char *sid[] = { "/bin/sh", "-c", "read p c s pp pg se rest < /proc/$$/stat; "
			"[ $p = $pg ] && [ $p = $se ] && echo own-session", NULL };
	struct hook_result r;
	sigset_t term, old;
	struct sigaction ignore = { .sa_handler = SIG_IGN }, prev;
	unsigned long long blk = 1, ign = 1;

	(void)state;
	setenv("NOMINE_SECRET_TEST", "leak", 1);
	assert_int_equal(chdir(tmpdir), 0);
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &term, &old);
	sigaction(SIGUSR1, &ignore, &prev);

	assert_int_equal(command_hook_run(env, NULL, 0, 5, &r), 0);
	assert_string_equal(r.output, "PATH=/usr/sbin:/usr/bin:/sbin:/bin\nNOMINE_HOOK=1\n");
	assert_int_equal(command_hook_run(pwd, NULL, 0, 5, &r), 0);
	assert_string_equal(r.output, "/\n");
	assert_int_equal(command_hook_run(sig, NULL, 0, 5, &r), 0);
	assert_int_equal(sscanf(r.output, "SigBlk:\t%llx\nSigIgn:\t%llx", &blk, &ign), 2);
	assert_int_equal(blk, 0);
	/* but for glibc's internal signals 32 and 33, which its posix_spawn
	 * sets to ignored in a child (glibc programs take them back when they
	 * need them) */
	assert_int_equal(ign & ~(3ull << 31), 0);
	assert_int_equal(command_hook_run(sid, NULL, 0, 5, &r), 0);
	assert_string_equal(r.output, "own-session\n");

	sigaction(SIGUSR1, &prev, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	assert_int_equal(chdir("/"), 0);
	unsetenv("NOMINE_SECRET_TEST");
}

static void *fifo_thread(void *arg)
{
	char *argv[] = { "/bin/grep", "^policy", "/proc/self/sched", NULL };
	struct sched_param sp = { .sched_priority = 1 };
	struct hook_result *r = arg;

	if (pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp))
		return NULL;
	command_hook_run(argv, NULL, 0, 5, r);
	return r;
}

/* Run from a real-time thread, the hook is an ordinary process (policy 0,
 * SCHED_OTHER). Needs CAP_SYS_NICE to make the thread real-time. */
static void test_not_realtime(void **state)
{
	struct hook_result r;
	pthread_t t;
	void *ran;

	(void)state;
	memset(&r, 0, sizeof(r));
	assert_int_equal(pthread_create(&t, NULL, fifo_thread, &r), 0);
	assert_int_equal(pthread_join(t, &ran), 0);
	if (!ran)
		skip();
	assert_int_equal(r.exit_status, 0);
	assert_non_null(strstr(r.output, "policy"));
	assert_int_equal(atoi(strchr(r.output, ':') + 1), SCHED_OTHER);
}

/* The daemon's way with signals survives a hook: SIGHUP/SIGINT/SIGTERM
 * blocked and read from a signalfd, no SIGCHLD handler. The runner reaps
 * only its own child: another child of the caller, ended during the hook,
 * is still there to be waited for. */
static void test_daemon_signals_untouched(void **state)
{
	char *other_argv[] = { "/bin/sleep", "0.1", NULL };
	char *argv[] = { "/bin/sleep", "0.5", NULL };
	struct hook_result r;
	sigset_t set, before, after;
	struct sigaction chld_before, chld_after;
	pid_t other;
	int sfd, status = -1;

	(void)state;
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, &before);
	sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	assert_true(sfd >= 0);
	sigaction(SIGCHLD, NULL, &chld_before);
	pthread_sigmask(SIG_SETMASK, NULL, &before);

	assert_int_equal(posix_spawn(&other, other_argv[0], NULL, NULL, other_argv, environ), 0);
	assert_int_equal(command_hook_run(argv, NULL, 0, 5, &r), 0);
	assert_int_equal(r.exit_status, 0);
	assert_int_equal(waitpid(other, &status, WNOHANG), other);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	pthread_sigmask(SIG_SETMASK, NULL, &after);
	for (int sig = 1; sig < 32; sig++)
		assert_int_equal(sigismember(&after, sig), sigismember(&before, sig));
	sigaction(SIGCHLD, NULL, &chld_after);
	assert_ptr_equal((void *)chld_after.sa_handler, (void *)chld_before.sa_handler);
	assert_true(read(sfd, &(struct signalfd_siginfo){ 0 }, sizeof(struct signalfd_siginfo)) < 0 &&
		    errno == EAGAIN);
	close(sfd);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

struct worker {
	pthread_t t;
	int id, failures;
};

/* Each of four threads runs hooks that echo their own input back and exit
 * with their own status, overlapping in time (each sleeps 0.3 s). */
static void *worker_main(void *arg)
{
	struct worker *w = arg;
	char *argv[] = { "/bin/sh", "-c", "/bin/sleep 0.3; /bin/cat; exit $(( $1 + 10 ))", "sh",
			 NULL, NULL };
	char num[16], in[64];
	struct hook_result r;

	snprintf(num, sizeof(num), "%d", w->id);
	argv[4] = num;
	for (int round = 0; round < 3; round++) {
		snprintf(in, sizeof(in), "{\"worker\": %d, \"round\": %d}\n", w->id, round);
		if (command_hook_run(argv, in, strlen(in), 10, &r) || r.exit_status != w->id + 10 ||
		    strcmp(r.output, in) || r.timed_out)
			w->failures++;
	}
	return NULL;
}

static void test_concurrent(void **state)
{
	struct worker w[4];
	double t0 = mono_s(), took;

	(void)state;
	for (int i = 0; i < 4; i++) {
		w[i] = (struct worker){ .id = i, .failures = 0 };
		assert_int_equal(pthread_create(&w[i].t, NULL, worker_main, &w[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(w[i].t, NULL), 0);
		assert_int_equal(w[i].failures, 0);
	}
	took = mono_s() - t0;
	/* 12 hooks of >= 0.3 s: 3.6 s one after the other, ~0.9 s four at once */
	assert_true(took < 2.5);
}

/* Every hook above was reaped, and none left a child of this process. */
static void test_nothing_left(void **state)
{
	DIR *d = opendir("/proc");
	struct dirent *e;

	(void)state;
	errno = 0;
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
	assert_non_null(d);
	while ((e = readdir(d))) {
		char path[300], stat[512] = "";
		int fd, ppid = 0;
		char *p;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			continue;
		if (read(fd, stat, sizeof(stat) - 1) < 0)
			stat[0] = 0;
		close(fd);
		if ((p = strrchr(stat, ')')) && sscanf(p + 2, "%*c %d", &ppid) == 1)
			assert_int_not_equal(ppid, (int)getpid());
	}
	closedir(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small_input_to_cat),
		cmocka_unit_test(test_empty_input),
		cmocka_unit_test(test_mib_input_read_whole),
		cmocka_unit_test(test_mib_input_unread),
		cmocka_unit_test(test_mib_input_hung_reader),
		cmocka_unit_test(test_exit_status),
		cmocka_unit_test(test_signal_death),
		cmocka_unit_test(test_timeout_sleep),
		cmocka_unit_test(test_timeout_kills_group),
		cmocka_unit_test(test_leftover_child_killed),
		cmocka_unit_test(test_escaped_child_not_waited),
		cmocka_unit_test(test_missing_executable),
		cmocka_unit_test(test_output_capped),
		cmocka_unit_test(test_output_cut_on_boundary),
		cmocka_unit_test(test_no_fd_leak),
		cmocka_unit_test(test_env_and_state),
		cmocka_unit_test(test_not_realtime),
		cmocka_unit_test(test_daemon_signals_untouched),
		cmocka_unit_test(test_concurrent),
		cmocka_unit_test(test_nothing_left),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
