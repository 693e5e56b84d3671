/* SPDX-License-Identifier: BSD-2-Clause */
/* contloop.c - a parent that tries to resume its child with SIGCONT while
 * nomine holds it frozen at exec.
 *   contloop loop N PROGRAM [ARG...]
 *     N times: fork, the child execs PROGRAM ARG... $NM_EXTRA, and the
 *     parent sends it SIGCONT in a tight loop until it has ended (or
 *     $NM_TRY_SECONDS, default 10, have passed: then it is killed and
 *     counted as stuck). Prints "exited=E killed=K other=O stuck=S
 *     max_ms=M seconds=T".
 *   contloop orphan PROGRAM [ARG...]
 *     A child in a process group of its own (in a session of its own made
 *     by an intermediate process), SIGHUP ignored, execs PROGRAM; once it
 *     is stopped the intermediate exits, so its group is orphaned with a
 *     stopped member: the kernel itself sends the group SIGHUP and SIGCONT.
 *     Prints "pid=P" (the held child, no longer ours) and exits.
 * With $NM_MARKER_DIR each child gets <dir>/m<i> as its first argument. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* PROGRAM, the marker (if any), ARGs, $NM_EXTRA. */
static char **child_argv(int argc, char **argv, char *marker)
{
	const char *extra = getenv("NM_EXTRA");
	char **args = calloc((size_t)argc + 3, sizeof(*args));
	int k = 0;

	if (!args)
		exit(1);
	args[k++] = argv[0];
	if (getenv("NM_MARKER_DIR"))
		args[k++] = marker;
	for (int i = 1; i < argc; i++)
		args[k++] = argv[i];
	if (extra)
		args[k++] = (char *)extra;
	return args;
}

static int loop(long n, int argc, char **argv)
{
	const char *mdir = getenv("NM_MARKER_DIR"), *ts = getenv("NM_TRY_SECONDS");
	double limit = ts ? atof(ts) : 10.0, t0 = now_s(), max = 0;
	long exited = 0, killed = 0, other = 0, stuck = 0;
	char marker[4096];
	char **args = child_argv(argc, argv, marker);

	for (long i = 0; i < n; i++) {
		double start = now_s();
		int st;
		pid_t pid, r;

		snprintf(marker, sizeof(marker), "%s/m%ld", mdir ? mdir : ".", i);
		pid = fork();
		if (pid < 0)
			return 1;
		if (pid == 0) {
			execv(args[0], args);
			_exit(127);
		}
		/* from the fork on: a SIGCONT before the exec, between the exec
		 * and the stop, and after it, all tried */
		for (;;) {
			kill(pid, SIGCONT);
			r = waitpid(pid, &st, WNOHANG);
			if (r == pid || (r < 0 && errno != EINTR))
				break;
			if (now_s() - start > limit) {
				stuck++;
				kill(pid, SIGKILL);
				waitpid(pid, &st, 0);
				r = -1;
				break;
			}
		}
		if (now_s() - start > max)
			max = now_s() - start;
		if (r != pid)
			continue;
		if (WIFEXITED(st))
			exited++;
		else if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
			killed++;
		else
			other++;
	}
	printf("exited=%ld killed=%ld other=%ld stuck=%ld max_ms=%ld seconds=%.1f\n", exited,
	       killed, other, stuck, (long)(max * 1000), now_s() - t0);
	free(args);
	return 0;
}

static int orphan(int argc, char **argv)
{
	const char *mdir = getenv("NM_MARKER_DIR");
	char marker[4096];
	char **args = child_argv(argc, argv, marker);
	int fds[2], st;
	pid_t mid, pid;

	snprintf(marker, sizeof(marker), "%s/m0", mdir ? mdir : ".");
	if (pipe(fds))
		return 1;
	mid = fork();
	if (mid < 0)
		return 1;
	if (mid == 0) {
		/* a session of its own: the group below has no other link */
		if (setsid() < 0)
			_exit(1);
		pid = fork();
		if (pid == 0) {
			setpgid(0, 0);
			signal(SIGHUP, SIG_IGN);   /* kept across exec */
			execv(args[0], args);
			_exit(127);
		}
		if (pid < 0)
			_exit(1);
		/* orphaning a group sends SIGCONT only if a member is stopped */
		if (waitpid(pid, &st, WUNTRACED) != pid || !WIFSTOPPED(st))
			_exit(2);
		if (write(fds[1], &pid, sizeof(pid)) != sizeof(pid))
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	if (read(fds[0], &pid, sizeof(pid)) != sizeof(pid) || waitpid(mid, &st, 0) != mid ||
	    !WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, "contloop: the child did not stop at exec\n");
		return 1;
	}
	printf("pid=%d\n", (int)pid);
	free(args);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && !strcmp(argv[1], "loop"))
		return loop(atol(argv[2]), argc - 3, argv + 3);
	if (argc >= 3 && !strcmp(argv[1], "orphan"))
		return orphan(argc - 2, argv + 2);
	fprintf(stderr, "usage: contloop loop N PROGRAM [ARG...] | orphan PROGRAM [ARG...]\n");
	return 2;
}
