/* SPDX-License-Identifier: BSD-2-Clause */
/* trials.c - exec a program N times and count how each run ended, as its
 * parent sees it (waitpid with WUNTRACED: a stop would be seen, and left
 * for nomine to resolve; see await_decision).
 *   trials N LOG PROGRAM [ARG...]
 * The child's argv is PROGRAM ARG... then $NM_EXTRA (if set), so the banned
 * string never sits on trials' own command line. With $NM_MARKER_DIR each
 * child also gets <dir>/m<i> as its first argument. LOG (or "-") receives
 * one line per run: "<start realtime ns> <exit|kill|other> <code>".
 * With $NM_SECONDS, stops after that many seconds even if N is not reached.
 * Prints "exited=E killed=K stopped=S other=O". */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* A stopped child is left for whoever stopped it (nomine) to resume or
 * kill; only if nobody has within STOP_GRACE_MS is it resumed here, so a
 * forgotten stop cannot hang the run. Returns 0 with *st the next state
 * (continued, or ended), or -1. */
#define STOP_GRACE_MS 5000

static int await_decision(pid_t pid, int *st)
{
	for (int ms = 0;; ms++) {
		pid_t r = waitpid(pid, st, WNOHANG | WCONTINUED);

		if (r < 0)
			return -1;
		if (r == pid)
			return 0;
		if (ms == STOP_GRACE_MS)
			kill(pid, SIGCONT);
		nanosleep(&(struct timespec){ 0, 1000 * 1000 }, NULL);
	}
}

int main(int argc, char **argv)
{
	const char *extra = getenv("NM_EXTRA"), *mdir = getenv("NM_MARKER_DIR");
	const char *secs = getenv("NM_SECONDS");
	long long stop_at = secs ? now_ns() + (long long)(atof(secs) * 1e9) : 0;
	long n, exited = 0, killed = 0, stopped = 0, other = 0;
	char **args, marker[4096];
	FILE *log = NULL;
	int k = 0;

	if (argc < 4)
		return 2;
	n = atol(argv[1]);
	if (strcmp(argv[2], "-") && !(log = fopen(argv[2], "w")))
		return 2;
	args = calloc((size_t)argc + 3, sizeof(*args));
	if (!args)
		return 1;
	args[k++] = argv[3];
	if (mdir)
		args[k++] = marker;
	for (int i = 4; i < argc; i++)
		args[k++] = argv[i];
	if (extra)
		args[k++] = (char *)extra;
	for (long i = 0; i < n && !(stop_at && now_ns() > stop_at); i++) {
		long long t = now_ns();
		int st;
		pid_t pid;

		snprintf(marker, sizeof(marker), "%s/m%ld", mdir ? mdir : ".", i);
		pid = fork();
		if (pid == 0) {
			execv(args[0], args);
			_exit(127);
		}
		if (pid < 0)
			return 1;
		for (;;) {
			if (waitpid(pid, &st, WUNTRACED) < 0)
				return 1;
			if (!WIFSTOPPED(st))
				break;
			stopped++;   /* seen by an interactive shell as "Stopped" */
			if (await_decision(pid, &st) < 0)
				return 1;
			if (!WIFCONTINUED(st))
				break;   /* it ended while stopped */
		}
		if (WIFEXITED(st))
			exited++;
		else if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
			killed++;
		else
			other++;
		if (log)
			fprintf(log, "%lld %s %d\n", t, WIFEXITED(st) ? "exit" :
				(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) ? "kill" : "other",
				WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? WTERMSIG(st) : -1);
	}
	if (log)
		fclose(log);
	printf("exited=%ld killed=%ld stopped=%ld other=%ld\n", exited, killed, stopped, other);
	free(args);
	return 0;
}
