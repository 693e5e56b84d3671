/* SPDX-License-Identifier: BSD-2-Clause */
/* command_hook.c - the operator's command for an incident, run with
 * posix_spawn (its own session, a clean signal state, only fds 0-2) and
 * watched through a pidfd, so one poll loop feeds its stdin, drains its
 * output and enforces the timeout without a SIGCHLD handler. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <unistd.h>
#include "command_hook.h"
#include "log.h"
#include "mono_clock.h"

/* Written per poll round, so a hook reading slowly never holds the loop. */
#define HOOK_WRITE_CHUNK 65536

static char *const hook_env[] = {
	"PATH=/usr/sbin:/usr/bin:/sbin:/bin",
	"NOMINE_HOOK=1",
	NULL,
};

struct hook_run {
	struct hook_result *r;
	pid_t pid;
	int pidfd, in_fd, out_fd;
	const char *input;
	size_t len, off;
	int epipe;                    /* a write met EPIPE (so raised SIGPIPE) */
	char raw[sizeof(((struct hook_result *)0)->output) - 1];
	size_t raw_len;
};

static void hook_error(struct hook_result *r, const char *what, int err)
{
	char buf[128];

	snprintf(r->error, sizeof(r->error), "%s: %s", what, strerror_r(err, buf, sizeof(buf)));
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* A pipe whose both ends are above 2: a daemon started with a closed stdin
 * could get fd 0 for an end, which the child's dup2 onto 0-2 would clobber. */
static int hook_pipe(int fds[2])
{
	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	for (int i = 0; i < 2; i++) {
		if (fds[i] > 2)
			continue;
		int up = fcntl(fds[i], F_DUPFD_CLOEXEC, 3);

		if (up < 0) {
			int e = errno;

			close(fds[0]);
			close(fds[1]);
			return -e;
		}
		close(fds[i]);
		fds[i] = up;
	}
	return 0;
}

/* The child's ends of the pipes: stdin from one, stdout and stderr into
 * the other; everything else closed, whoever opened it without O_CLOEXEC. */
static int spawn_hook(struct hook_run *h, char *const argv[], int child_in, int child_out)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	/* a worker made by a real-time thread (the RandomX detector's) would
	 * pass its policy on: the hook runs as an ordinary process */
	struct sched_param normal = { .sched_priority = 0 };
	sigset_t none, all;
	int rc;

	sigemptyset(&none);
	sigfillset(&all);
	if ((rc = posix_spawn_file_actions_init(&fa)))
		return rc;
	if ((rc = posix_spawnattr_init(&at))) {
		posix_spawn_file_actions_destroy(&fa);
		return rc;
	}
	if (!(rc = posix_spawn_file_actions_adddup2(&fa, child_in, 0)) &&
	    !(rc = posix_spawn_file_actions_adddup2(&fa, child_out, 1)) &&
	    !(rc = posix_spawn_file_actions_adddup2(&fa, child_out, 2)) &&
	    !(rc = posix_spawn_file_actions_addclosefrom_np(&fa, 3)) &&
	    !(rc = posix_spawn_file_actions_addchdir_np(&fa, "/")) &&
	    !(rc = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK |
					      POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSCHEDULER)) &&
	    !(rc = posix_spawnattr_setsigmask(&at, &none)) &&
	    !(rc = posix_spawnattr_setschedpolicy(&at, SCHED_OTHER)) &&
	    !(rc = posix_spawnattr_setschedparam(&at, &normal)) &&
	    !(rc = posix_spawnattr_setsigdefault(&at, &all)))
		rc = posix_spawn(&h->pid, argv[0], &fa, &at, argv, hook_env);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	return rc;
}

static void feed_stdin(struct hook_run *h)
{
	while (h->off < h->len) {
		size_t n = h->len - h->off;
		ssize_t w = write(h->in_fd, h->input + h->off, n < HOOK_WRITE_CHUNK ? n : HOOK_WRITE_CHUNK);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return;
			/* EPIPE: the hook closed its stdin; what it read is its business */
			h->epipe |= errno == EPIPE;
			break;
		}
		h->off += (size_t)w;
	}
	close_fd(&h->in_fd);
}

static void drain_output(struct hook_run *h)
{
	char scratch[4096];

	for (;;) {
		size_t room = sizeof(h->raw) - h->raw_len;
		ssize_t n = room ? read(h->out_fd, h->raw + h->raw_len, room)
				 : read(h->out_fd, scratch, sizeof(scratch));

		if (n > 0) {
			if (room)
				h->raw_len += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		close_fd(&h->out_fd);   /* EOF, or an error: nothing more to read */
		return;
	}
}

/* The output as the log would show it, cut to fit neither inside a UTF-8
 * sequence nor inside a \xNN escape. */
static void set_output(struct hook_result *r, const char *raw, size_t n)
{
	char *s = log_utf8_escape(raw, n);
	size_t len, cut = sizeof(r->output) - 1;

	if (!s)
		return;
	len = strlen(s);
	if (len > cut) {
		while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
			cut--;
		for (size_t k = 1; k <= 3 && k <= cut; k++)
			if (s[cut - k] == '\\' && s[cut - k + 1] == 'x') {
				cut -= k;
				break;
			}
		len = cut;
	}
	memcpy(r->output, s, len);
	r->output[len] = 0;
	free(s);
}

/* Set when nomine stops: hooks under way are killed within a poll round. */
static int aborting;

void command_hook_abort_all(void)
{
	__atomic_store_n(&aborting, 1, __ATOMIC_RELAXED);
}

/* Rounds of at most 200 ms, so that an abort is seen soon. */
static int poll_ms(double until, double now)
{
	double ms = ceil((until - now) * 1000);

	return ms < 0 ? 0 : ms > 200 ? 200 : (int)ms;
}

/* The loop until the hook exited (or was killed) and its output is done. */
static void watch_hook(struct hook_run *h, double start, double timeout_s)
{
	double deadline = start + timeout_s, drain_end = 0;
	int exited = 0;

	for (;;) {
		struct pollfd p[3];
		int n = 0, ip = -1, op = -1, timeout = -1;
		double now = mono_s();

		if (!exited && !h->r->timed_out &&
		    (now >= deadline || __atomic_load_n(&aborting, __ATOMIC_RELAXED))) {
			/* the leader is not reaped yet: its pid still names the group */
			kill(-h->pid, SIGKILL);
			h->r->timed_out = 1;
			close_fd(&h->in_fd);
		}
		if (exited && (h->out_fd < 0 || now >= drain_end))
			return;
		if (exited)
			timeout = poll_ms(drain_end, now);
		else if (!h->r->timed_out)
			timeout = poll_ms(deadline, now);
		else
			timeout = 200;
		if (!exited)
			p[n++] = (struct pollfd){ .fd = h->pidfd, .events = POLLIN };
		if (h->in_fd >= 0) {
			ip = n;
			p[n++] = (struct pollfd){ .fd = h->in_fd, .events = POLLOUT };
		}
		if (h->out_fd >= 0) {
			op = n;
			p[n++] = (struct pollfd){ .fd = h->out_fd, .events = POLLIN };
		}
		if (poll(p, (nfds_t)n, timeout) < 0) {
			if (errno == EINTR)
				continue;
			/* cannot happen with valid fds; do not spin: kill and finish */
			if (!exited)
				kill(-h->pid, SIGKILL);
			h->r->timed_out |= !exited;
			exited = 1;
			close_fd(&h->out_fd);
			continue;
		}
		if (ip >= 0 && p[ip].revents)
			feed_stdin(h);
		if (op >= 0 && p[op].revents)
			drain_output(h);
		if (!exited && p[0].revents) {
			exited = 1;
			h->r->seconds = mono_s() - start;
			drain_end = mono_s() + COMMAND_HOOK_DRAIN_S;
			/* its leftovers in the group; the zombie leader keeps the id ours */
			kill(-h->pid, SIGKILL);
			close_fd(&h->in_fd);
		}
	}
}

static void reap_hook(struct hook_run *h)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	while (waitid(P_PID, (id_t)h->pid, &si, WEXITED) < 0 && errno == EINTR)
		;
	if (si.si_code == CLD_EXITED) {
		h->r->exit_status = si.si_status;
		h->r->timed_out = 0;   /* it exited on its own just before the kill */
	} else {
		h->r->exit_status = -1;
		h->r->signal = si.si_status;
	}
}

/* A SIGPIPE from a write to a hook that closed its stdin is directed at
 * this thread: blocked here, and taken back unless one was pending before,
 * so it never reaches the daemon's default disposition (termination). */
static void sigpipe_block(sigset_t *old, int *was_pending)
{
	sigset_t pipe_set, pending;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigpending(&pending);
	*was_pending = sigismember(&pending, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, old);
}

static void sigpipe_restore(const sigset_t *old, int was_pending, int raised)
{
	sigset_t pipe_set;
	struct timespec zero = { 0, 0 };

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	if (raised && !was_pending)
		while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR)
			;
	pthread_sigmask(SIG_SETMASK, old, NULL);
}

int command_hook_run(char *const argv[], const char *input, size_t len, double timeout_s,
		     struct hook_result *r)
{
	struct hook_run h = { .r = r, .pid = -1, .pidfd = -1, .in_fd = -1, .out_fd = -1,
			      .input = input, .len = input ? len : 0 };
	int in[2], out[2], rc, was_pending;
	sigset_t old;
	double start;

	memset(r, 0, sizeof(*r));
	r->exit_status = -1;
	if (!argv || !argv[0] || argv[0][0] != '/') {
		snprintf(r->error, sizeof(r->error), "the hook command must be an absolute path");
		return -1;
	}
	if (!(timeout_s > 0)) {
		snprintf(r->error, sizeof(r->error), "the hook timeout must be positive");
		return -1;
	}
	if ((rc = hook_pipe(in))) {
		hook_error(r, "pipe", -rc);
		return -1;
	}
	if ((rc = hook_pipe(out))) {
		close(in[0]);
		close(in[1]);
		hook_error(r, "pipe", -rc);
		return -1;
	}
	start = mono_s();
	rc = spawn_hook(&h, argv, in[0], out[1]);
	close(in[0]);
	close(out[1]);
	h.in_fd = in[1];
	h.out_fd = out[0];
	if (rc) {
		char what[200];

		snprintf(what, sizeof(what), "cannot run %.160s", argv[0]);
		hook_error(r, what, rc);
		close_fd(&h.in_fd);
		close_fd(&h.out_fd);
		return -1;
	}
	/* a pid that is our unreaped child cannot have been reused; without
	 * a pidfd there is no timeout, so it is killed at once */
	if ((h.pidfd = pidfd_open(h.pid, 0)) < 0 ||
	    fcntl(h.in_fd, F_SETFL, O_NONBLOCK) || fcntl(h.out_fd, F_SETFL, O_NONBLOCK)) {
		hook_error(r, h.pidfd < 0 ? "pidfd_open" : "fcntl", errno);
		kill(-h.pid, SIGKILL);
		close_fd(&h.in_fd);
		close_fd(&h.out_fd);
		close_fd(&h.pidfd);
		reap_hook(&h);
		r->exit_status = -1;
		r->signal = 0;
		return -1;
	}
	r->started = 1;
	if (h.len == 0)
		close_fd(&h.in_fd);
	sigpipe_block(&old, &was_pending);
	watch_hook(&h, start, timeout_s);
	sigpipe_restore(&old, was_pending, h.epipe);
	close_fd(&h.in_fd);
	close_fd(&h.out_fd);
	close_fd(&h.pidfd);
	reap_hook(&h);
	if (r->seconds == 0)
		r->seconds = mono_s() - start;
	set_output(r, h.raw, h.raw_len);
	return 0;
}
