/* SPDX-License-Identifier: BSD-2-Clause */
/* command_hook.h - runs an operator's command for an incident: the event on
 * its stdin, a timeout, its status and first output back. Thread-safe: each
 * responder worker runs one hook at a time, so the concurrency limit is the
 * number of workers. Needs no SIGCHLD handler and never waits for any child
 * but its own (pidfd + waitid on that pid), so the daemon's signal handling
 * is left alone. */
#ifndef NOMINE_COMMAND_HOOK_H
#define NOMINE_COMMAND_HOOK_H

#include <stddef.h>

struct hook_result {
	int started;        /* 0: it could not be started (error says why) */
	int exit_status;    /* its exit status, or -1 when a signal ended it */
	int signal;         /* the signal that ended it, else 0 */
	int timed_out;      /* killed (with its whole process group) at the timeout */
	double seconds;     /* how long it ran */
	char output[512];   /* the first bytes of its stdout and stderr together, valid UTF-8 */
	char error[256];
};

/* Runs argv (argv[0] an absolute path, not searched in PATH) with input (len bytes) on its
 * standard input, a minimal environment (PATH=/usr/sbin:/usr/bin:/sbin:/bin and NOMINE_HOOK=1),
 * an empty signal mask and default dispositions, in a new session (its own process group),
 * stdout+stderr captured (only the first 512 bytes kept, the rest read and dropped so the child
 * never blocks on a full pipe), cwd "/". At timeout_s the whole process group gets SIGKILL and
 * is reaped. Never blocks longer than timeout_s plus a small grace. Returns 0 when it ran
 * (whatever its status), -1 when it could not be started.
 *
 * What the hook leaves running in its process group when it exits is killed
 * then (as systemd does with a service's leftovers), so no hook outlives its
 * worker; output still open in a process that left the group (setsid) is
 * read for COMMAND_HOOK_DRAIN_S after the exit, then dropped. Output bytes
 * that are not UTF-8 (and NULs) appear as \xNN, as in the log. "Default
 * dispositions" but for glibc's internal signals 32 and 33, which its
 * posix_spawn leaves ignored in the child (no standard or SIGRTMIN+ signal). */
int command_hook_run(char *const argv[], const char *input, size_t len, double timeout_s,
		     struct hook_result *r);

#define COMMAND_HOOK_DRAIN_S 0.2

/* Kills every hook under way (as at its timeout) and every later one at
 * once: for a daemon that is stopping. */
void command_hook_abort_all(void);

#endif
