/* SPDX-License-Identifier: BSD-2-Clause */
/* proc.h - small readers of /proc/PID files (all racy by nature: callers pin
 * the process with a pidfd and compare start times). */
#ifndef NOMINE_PROC_H
#define NOMINE_PROC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct proc_stat {
	pid_t ppid;
	char state;
	uint64_t start_ticks;   /* field 22: clock ticks since boot */
};

/* Reads the whole file into a malloc'ed buffer (NUL-terminated, the NUL not
 * counted in *len). Returns 0 or a negative errno (-ENOENT: process gone). */
int proc_read_file(pid_t pid, const char *name, uint8_t **buf, size_t *len);
/* The same, reading at most max bytes (0: no limit). */
int proc_read_file_max(pid_t pid, const char *name, size_t max, uint8_t **buf, size_t *len);

/* Fills st from /proc/PID/stat. Returns 0 or a negative errno (-ENOENT:
 * process gone, -EINVAL: unparsable). */
int proc_read_stat(pid_t pid, struct proc_stat *st);

/* The path /proc/PID/exe names, NUL-terminated in buf (cut to n - 1).
 * Returns its length, or a negative errno (-ENOENT: gone or a kernel
 * thread, -EACCES without the right to look). */
ssize_t proc_read_exe(pid_t pid, char *buf, size_t n);

/* Waits up to timeout_us for pid to be stopped (state T or t), as a
 * SIGSTOP takes effect only when the process next returns to user space
 * (not in the middle of an execve). Returns 0, -ETIMEDOUT, or -ENOENT. */
int proc_wait_stopped(pid_t pid, unsigned int timeout_us);

/* Writes the cgroup v2 path ("0::" line) into buf. Returns 0 or a negative
 * errno (-ENOENT: process gone, or no "0::" line). */
int proc_read_cgroup2(pid_t pid, char *buf, size_t n);

/* Real uid from the "Uid:" line of status. Returns 0 or a negative errno
 * (-ENOENT: process gone, -EINVAL: no such line). */
int proc_read_uid(pid_t pid, uint32_t *uid);

/* The boot-time nanoseconds of a task start, as /proc stat ticks. */
uint64_t proc_ns_to_ticks(uint64_t ns);

/* Opens a pidfd on pid and checks it is still the process that started at
 * start_ticks. Returns the pidfd (>= 0), or a negative errno: -ESRCH when it
 * is gone or the PID now names another process. */
int proc_pidfd_open(pid_t pid, uint64_t start_ticks);

/* Opens a pidfd on pid, then fills st from its /proc/PID/stat: the stat
 * of the very process the pidfd pins. Returns the pidfd, or a negative
 * errno (-ESRCH: gone, or a zombie). */
int proc_pidfd_open_stat(pid_t pid, struct proc_stat *st);

/* A duplicate of the process's descriptor fd (pidfd_getfd, Linux 5.6,
 * close-on-exec), or a negative errno. */
int proc_pidfd_getfd(int pidfd, int fd);

/* pidfd_send_signal(fd, sig). Returns 0 or a negative errno (-ESRCH: the
 * process is gone). */
int proc_pidfd_signal(int pidfd, int sig);

#endif
