/* SPDX-License-Identifier: BSD-2-Clause */
/* exe_watch.h - scans each new executable (and each script an interpreter
 * runs) once, in a thread of its own, and remembers the result.
 *
 * The daemon's loop never reads a file: it queues a job and goes on; the
 * thread opens the file through /proc/PID (so a deleted file, a memfd or
 * a file inside a container's mount namespace is read as the process sees
 * it), scans it with exe_scan.c, and hands the result back through an
 * eventfd. A file stuck on a slow mount stalls only the thread (the queue
 * then fills and new jobs are dropped and counted), never the loop. */
#ifndef NOMINE_EXE_WATCH_H
#define NOMINE_EXE_WATCH_H

#include <stdint.h>
#include <sys/types.h>
#include "exe_scan.h"
#include "exec_event.h"

/* What to scan, and the exec that asked (reported with the result). */
struct exe_job {
	struct nm_exe_id kid;       /* the kernel's identity of the executable */
	int script;                 /* scan the script at path (else /proc/PID/exe) */
	int swept;                  /* found by a /proc sweep: kid unknown, the file is
				     * known by what stat(2) says of it */
	pid_t tgid, ppid;
	uint32_t uid;
	uint64_t start_ticks, exec_id, cgroup_id, cgroup1_id;
	uint64_t seen_ns;           /* CLOCK_MONOTONIC of the exec */
	char path[NM_FILENAME_MAX]; /* the exec's file name, or the script path */
	int fd_exec;                /* path is only the exec's name for its file
				     * (/dev/fd/N, ./x: NM_EXEC_EXE_NAMED), kept
				     * as the event's "exec_path" */
	void *hold;                 /* the caller's, handed back with the result */
	/* the parent's root and cwd (O_PATH), opened when the exec was
	 * handled (exe_job_pin), to read the file of a process already gone
	 * even once its parent is gone too */
	int pinned, root_fd, cwd_fd;
};

/* Pins (or, once done with, closes) the parent's root and cwd. A job given
 * to exe_watch_submit is the watcher's: it unpins it, queued or not. */
void exe_job_pin(struct exe_job *j);
void exe_job_unpin(struct exe_job *j);

struct exe_result {
	struct exe_job job;
	int open_err;               /* negative errno: the file could not be opened */
	int cached;                 /* a script already scanned under this identity */
	struct exe_report rep;
	struct exe_rules *rules;    /* the rules that judged (a reference) */
};

struct exe_watch;

/* done runs in the daemon's thread (from exe_watch_drain), once per job. */
struct exe_watch *exe_watch_open(void (*done)(const struct exe_result *, void *), void *ctx);
void exe_watch_close(struct exe_watch *w);
int exe_watch_fd(const struct exe_watch *w);
void exe_watch_drain(struct exe_watch *w);

/* New rules (a reference is taken). Returns 1 if they judge differently
 * from the old ones: every result is then forgotten. */
int exe_watch_set_rules(struct exe_watch *w, struct exe_rules *r);

/* Queues a job. 0, -EALREADY (this executable is scanned or in flight),
 * -ENOSPC (the queue is full: dropped and counted), -ENOMEM. */
int exe_watch_submit(struct exe_watch *w, const struct exe_job *j);

/* The result for an executable, by the kernel's identity or by what
 * stat(2) says of it (dev, inode, change time), copied into *rep. 0, or
 * -ENOENT when it was never scanned (or is being scanned). */
int exe_watch_known(struct exe_watch *w, const struct nm_exe_id *kid, struct exe_report *rep);
int exe_watch_known_stat(struct exe_watch *w, uint64_t dev, uint64_t ino, int64_t ctime_sec,
			 long ctime_nsec, struct exe_report *rep);

/* Called now and then by the daemon: when the scanner working has been
 * reading one file for longer than executableScanSeconds +
 * NM_EXE_STUCK_S (a read that does not return), another is started (up to
 * NM_EXE_WORKERS_MAX). Returns 0, or with the line to log in msg 1 (a
 * scanner was started) or 2 (another still works, or none could be). */
int exe_watch_tick(struct exe_watch *w, char *msg, size_t n);

/* Forgets an executable (its process was gone before it could be read:
 * the next exec of it must be scanned). */
void exe_watch_forget(struct exe_watch *w, const struct nm_exe_id *kid);

struct exe_watch_stats {
	unsigned long long scans, bytes, banned, dropped, gone, cached, stalls;
	double seconds;
};
void exe_watch_stats(struct exe_watch *w, struct exe_watch_stats *st);

#endif
