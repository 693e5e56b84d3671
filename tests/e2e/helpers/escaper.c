/* SPDX-License-Identifier: BSD-2-Clause */
/* escaper.c - e2e helper: a process that hides descendants from its /proc
 * tree before it does something nomine kills it for.
 *
 *   escaper SHAPE N [-- COMMAND...]
 *
 * SHAPE says how each of its N escapees leaves the tree:
 *   doublefork  fork, setsid, fork again, the middle one exits: the escapee
 *               is re-parented to init (or the nearest subreaper)
 *   chain       the same, then the escapee execs itself N times in a row
 *               before it settles (one escapee, N execs)
 *   subreaper   this process becomes a child subreaper and forks the root,
 *               which makes N double-forked escapees: they are re-parented
 *               to this process, outside the root's tree (this process is
 *               no descendant of the root and must survive its kill)
 * Prints "root PID" and one "escaped PID" per escapee once it is settled
 * (ESCAPER_EARLY, ESCAPER_THREAD: see root()),
 * then the root does what ESCAPER_THEN says:
 *   exec            exec COMMAND, or the NUL-separated argv in the file
 *                   $ESCAPER_ARGV_FILE (a banned command line must not be
 *                   in the root's own argv)
 *   rewrite:TEXT    overwrite its own argv area with TEXT (for a sweep) and
 *                   print "rewritten"
 * and sleeps. Everything ends after ESCAPER_LIFETIME seconds (default 30):
 * a failed test leaves nothing running for long. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static unsigned int lifetime = 30;

static void settle(void)
{
	alarm(lifetime);
	for (;;)
		pause();
}

/* escaper --step K FD: one link of an exec chain. */
static int step(char **argv)
{
	int left = atoi(argv[2]), fd = atoi(argv[3]);
	char k[16];

	if (left > 0) {
		snprintf(k, sizeof(k), "%d", left - 1);
		execl("/proc/self/exe", "escaper", "--step", k, argv[3], (char *)NULL);
		perror("escaper: exec step");
		return 2;
	}
	dprintf(fd, "escaped %d\n", (int)getpid());
	close(fd);
	settle();
	return 0;
}

/* Makes one escapee by a setsid double fork; it reports on fd (after the
 * chain, for chain). Returns once the middle process is reaped. */
static void escape(int fd, int chain)
{
	pid_t mid = fork();

	if (mid == 0) {
		setsid();
		if (fork() == 0) {
			char k[16], f[16];

			if (!chain) {
				dprintf(fd, "escaped %d\n", (int)getpid());
				close(fd);
				settle();
			}
			snprintf(k, sizeof(k), "%d", chain);
			snprintf(f, sizeof(f), "%d", fd);
			execl("/proc/self/exe", "escaper", "--step", k, f, (char *)NULL);
			_exit(2);
		}
		_exit(0);
	}
	if (mid > 0)
		waitpid(mid, NULL, 0);
}

/* The NUL-separated argv in path (static: it is exec'd). */
static char **argv_from_file(const char *path)
{
	static char buf[65536];
	static char *v[256];
	FILE *f = path ? fopen(path, "rb") : NULL;
	size_t len, n = 0;

	if (!f)
		return NULL;
	len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = 0;
	for (size_t i = 0; i < len && n < 255; i += strlen(buf + i) + 1)
		v[n++] = buf + i;
	v[n] = NULL;
	return n ? v : NULL;
}

/* Makes n escapees (one chain of n execs for chain) and copies their
 * "escaped PID" lines to stdout once each has settled, with prefix. */
static int batch(FILE *in, int wfd, int n, int chain, const char *prefix)
{
	char line[64];

	for (int i = 0; i < (chain ? 1 : n); i++)
		escape(wfd, chain ? n : 0);
	for (int i = 0; i < (chain ? 1 : n); i++) {
		if (!fgets(line, sizeof(line), in))
			return -1;
		printf("%s%s", prefix, line);
	}
	fflush(stdout);
	return 0;
}

/* The escapees made by a thread of the root (ESCAPER_THREAD): forks from
 * a thread, as Go, Java or Node programs do. */
struct job {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t tid;
	FILE *in;
	int wfd, n, chain, go, started, ret;
};

static void *job_run(void *arg)
{
	struct job *j = arg;

	pthread_mutex_lock(&j->lock);
	while (!j->go)
		pthread_cond_wait(&j->cond, &j->lock);
	pthread_mutex_unlock(&j->lock);
	j->ret = batch(j->in, j->wfd, j->n, j->chain, "");
	return NULL;
}

static int start_thread(struct job *j)
{
	j->started = !pthread_create(&j->tid, NULL, job_run, j);
	return !j->started;
}

/* The root: makes its escapees, waits until each has settled, then is
 * caught (by its exec or its new command line). With ESCAPER_EARLY=K it
 * first makes K double-forked escapees (printed "early escaped PID") and
 * waits until the file $ESCAPER_GO exists before the rest (a daemon
 * started between). With ESCAPER_THREAD=late the escapees are made by a
 * thread started then, with =early by one started before the wait. With
 * ESCAPER_HOLD=FILE it prints "holding" and waits for FILE before it is
 * caught. */
static int root(const char *shape, int n, char **cmd, char **argv, int argc)
{
	const char *then = getenv("ESCAPER_THEN"), *early = getenv("ESCAPER_EARLY");
	const char *go = getenv("ESCAPER_GO"), *hold = getenv("ESCAPER_HOLD");
	const char *thread = getenv("ESCAPER_THREAD");
	int fds[2], chain = !strcmp(shape, "chain");
	struct job job = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };
	FILE *in;

	if (pipe(fds) || !(in = fdopen(fds[0], "r")))
		return 2;
	printf("root %d\n", (int)getpid());
	fflush(stdout);
	if (early) {
		if (batch(in, fds[1], atoi(early), 0, "early "))
			return 2;
		/* ESCAPER_THREAD=early: the thread that makes the rest exists
		 * already (before a daemon started now) */
		if (thread && !strcmp(thread, "early") && start_thread(&job))
			return 2;
		puts("waiting");
		fflush(stdout);
		while (go && access(go, F_OK))
			usleep(10000);
	}
	job.in = in;
	job.wfd = fds[1];
	job.n = n;
	job.chain = chain;
	if (thread && !job.started && start_thread(&job))
		return 2;
	if (thread) {
		pthread_mutex_lock(&job.lock);
		job.go = 1;
		pthread_cond_signal(&job.cond);
		pthread_mutex_unlock(&job.lock);
		pthread_join(job.tid, NULL);
	} else {
		job.ret = batch(in, fds[1], n, chain, "");
	}
	if (job.ret)
		return 2;
	close(fds[1]);
	fclose(in);
	if (hold) {
		puts("holding");
		fflush(stdout);
		while (access(hold, F_OK))
			usleep(10000);
	}
	if (then && !strcmp(then, "exec") && !cmd)
		cmd = argv_from_file(getenv("ESCAPER_ARGV_FILE"));
	if (then && !strcmp(then, "exec") && cmd) {
		execv(cmd[0], cmd);
		perror("escaper: exec");
		return 2;
	}
	if (then && !strncmp(then, "rewrite:", 8)) {
		char *start = argv[0], *end = argv[argc - 1] + strlen(argv[argc - 1]) + 1;
		size_t area = (size_t)(end - start), len = strlen(then + 8);

		if (len + 1 > area) {
			fprintf(stderr, "escaper: argv area %zu bytes, too small\n", area);
			return 2;
		}
		memset(start, 0, area);
		memcpy(start, then + 8, len);
		puts("rewritten");
		fflush(stdout);
	}
	settle();
	return 0;
}

int main(int argc, char **argv)
{
	const char *lt = getenv("ESCAPER_LIFETIME");
	char **cmd = NULL;
	int n;

	if (lt)
		lifetime = (unsigned int)atoi(lt);
	if (argc == 4 && !strcmp(argv[1], "--step"))
		return step(argv);
	if (argc < 3) {
		fputs("usage: escaper doublefork|chain|subreaper N [-- COMMAND...]\n", stderr);
		return 2;
	}
	n = atoi(argv[2]);
	for (int i = 3; i < argc; i++)
		if (!strcmp(argv[i], "--") && i + 1 < argc) {
			cmd = &argv[i + 1];
			break;
		}
	if (!strcmp(argv[1], "subreaper")) {
		pid_t r;

		if (prctl(PR_SET_CHILD_SUBREAPER, 1)) {
			perror("escaper: subreaper");
			return 2;
		}
		printf("subreaper %d\n", (int)getpid());
		fflush(stdout);
		r = fork();
		if (r == 0)
			return root("doublefork", n, cmd, argv, argc);
		/* reap what is re-parented here until the time is up */
		alarm(lifetime);
		while (wait(NULL) > 0 || errno == EINTR)
			;
		settle();
	}
	return root(argv[1], n, cmd, argv, argc);
}
