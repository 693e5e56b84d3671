/* SPDX-License-Identifier: BSD-2-Clause */
/* proc.c - /proc readers and pidfd helpers. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "cgroupns.h"
#include "proc.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

int proc_read_file(pid_t pid, const char *name, uint8_t **buf, size_t *len)
{
	return proc_read_file_max(pid, name, 0, buf, len);
}

int proc_read_file_max(pid_t pid, const char *name, size_t max, uint8_t **buf, size_t *len)
{
	char path[64];
	size_t cap = 4096, have = 0;
	uint8_t *b, *nb;
	ssize_t got;
	int fd, e;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	b = malloc(cap);
	if (!b) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		if (have + 1 >= cap) {
			nb = realloc(b, cap * 2);
			if (!nb) {
				e = ENOMEM;
				goto fail;
			}
			b = nb;
			cap *= 2;
		}
		got = read(fd, b + have, cap - have - 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			e = errno;
			goto fail;
		}
		if (got == 0)
			break;
		have += (size_t)got;
		if (max && have >= max) {
			have = max;
			break;
		}
	}
	close(fd);
	b[have] = 0;
	*buf = b;
	*len = have;
	return 0;
fail:
	close(fd);
	free(b);
	/* A process that died between open and read reads as ESRCH. */
	return e == ESRCH ? -ENOENT : -e;
}

int proc_read_stat(pid_t pid, struct proc_stat *st)
{
	unsigned long long start = 0;
	uint8_t *buf;
	size_t len;
	char *p;
	int ret, ppid = 0;

	ret = proc_read_file(pid, "stat", &buf, &len);
	if (ret)
		return ret;
	/* comm may hold spaces and ')': fields resume after the last ')'. */
	p = strrchr((char *)buf, ')');
	if (!p || sscanf(p + 1, " %c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
			 &st->state, &ppid, &start) != 3) {
		free(buf);
		return -EINVAL;
	}
	st->ppid = ppid;
	st->start_ticks = start;
	free(buf);
	return 0;
}

ssize_t proc_read_exe(pid_t pid, char *buf, size_t n)
{
	char link[64];
	ssize_t len;

	snprintf(link, sizeof(link), "/proc/%d/exe", (int)pid);
	len = n ? readlink(link, buf, n - 1) : -1;
	if (len < 0)
		return n ? -errno : -EINVAL;
	buf[len] = '\0';
	return len;
}

int proc_wait_stopped(pid_t pid, unsigned int timeout_us)
{
	const unsigned int step_us = 100;
	struct proc_stat st;

	for (unsigned int waited = 0;; waited += step_us) {
		int ret = proc_read_stat(pid, &st);

		if (ret)
			return ret;
		if (st.state == 'T' || st.state == 't')
			return 0;
		if (waited >= timeout_us)
			return -ETIMEDOUT;
		usleep(step_us);
	}
}

int proc_read_cgroup2(pid_t pid, char *out, size_t n)
{
	uint8_t *buf;
	size_t len;
	char *line, *save = NULL;
	int ret;

	ret = proc_read_file(pid, "cgroup", &buf, &len);
	if (ret)
		return ret;
	ret = -ENOENT;
	for (line = strtok_r((char *)buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "0::", 3) == 0) {
			/* relative to nomine's cgroup namespace: as the host names it */
			if (*cgroupns_base())
				ret = cgroupns_resolve(cgroupns_base(), line + 3, out, n);
			else
				ret = snprintf(out, n, "%s", line + 3) < (int)n ? 0 : -ENAMETOOLONG;
			break;
		}
	}
	free(buf);
	return ret;
}

int proc_read_uid(pid_t pid, uint32_t *uid)
{
	uint8_t *buf;
	size_t len;
	char *p;
	unsigned int u;
	int ret;

	ret = proc_read_file(pid, "status", &buf, &len);
	if (ret)
		return ret;
	ret = -EINVAL;
	p = strstr((char *)buf, "\nUid:");
	if (p && sscanf(p + 5, "%u", &u) == 1) {
		*uid = u;
		ret = 0;
	}
	free(buf);
	return ret;
}

uint64_t proc_ns_to_ticks(uint64_t ns)
{
	static long hz;

	if (!hz)
		hz = sysconf(_SC_CLK_TCK);
	if (hz <= 0)
		hz = 100;
	return ns / (1000000000ull / (uint64_t)hz);
}

int proc_pidfd_open_stat(pid_t pid, struct proc_stat *st)
{
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);

	if (fd < 0)
		return -errno;
	/* The pidfd pins the process; /proc/PID is read after it is open, so
	 * what is read is of the process the pidfd names. */
	if (proc_read_stat(pid, st) || st->state == 'Z') {
		close(fd);
		return -ESRCH;
	}
	return fd;
}

int proc_pidfd_open(pid_t pid, uint64_t start_ticks)
{
	struct proc_stat st;
	int fd = proc_pidfd_open_stat(pid, &st);

	if (fd >= 0 && st.start_ticks != start_ticks) {
		close(fd);
		return -ESRCH;
	}
	return fd;
}

int proc_pidfd_getfd(int pidfd, int fd)
{
	int got = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);

	return got < 0 ? -errno : got;
}

int proc_pidfd_signal(int pidfd, int sig)
{
	if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0))
		return -errno;
	return 0;
}
