/* SPDX-License-Identifier: BSD-2-Clause */
/* daemon.h - `nomine run` and `nomine scan`. */
#ifndef NOMINE_DAEMON_H
#define NOMINE_DAEMON_H

#include <stddef.h>

struct daemon_opts {
	char **configs;          /* --config paths; none: the built-in default */
	size_t nconfigs;
	char **scopes;           /* --scope-cgroup paths */
	size_t nscopes;
	int audit;
	int debug;
	unsigned int sweep_interval;   /* seconds */
	size_t table_cap;              /* bytes of kernel tables at most (power of two) */
	int user_verdict;              /* never judge in the kernel */
	int no_exec;                   /* --disable exec: no exec program, no sweeps */
	int no_randomx;                /* --disable randomx */
	int no_executable;             /* --disable executable: no file scans */
	int no_network;                /* --disable network: no banned addresses */
	const char *metrics_listen;    /* "HOST:PORT" for /metrics, or NULL */
};


/* Loads the config named by o into a policy (the built-in one if none).
 * Returns NULL with "file:line: reason" in err. */
struct policy *daemon_load_policy(const struct daemon_opts *o, char *err, size_t errlen);

/* Runs until SIGINT/SIGTERM. Returns the process exit code: 0, 1 on a
 * start-up failure, 2 on a bad config. */
int daemon_run(const struct daemon_opts *o);

/* One sweep, then exit (`nomine scan`). */
int daemon_scan(const struct daemon_opts *o);

#endif
