/* SPDX-License-Identifier: BSD-2-Clause */
/* incg.c - e2e helper: moves itself into a cgroup v2 directory, then execs
 * a command whose argv is read from a file (NUL-separated arguments).
 *
 *   incg CGROUP_DIR ARGV_FILE
 *
 * The command's argv is never on incg's own command line, so nomine never
 * sees a banned string on incg itself: only the exec that follows carries it,
 * and that exec already happens inside the cgroup. Exits 127 on failure. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void die(const char *what)
{
	fprintf(stderr, "incg: %s: %s\n", what, strerror(errno));
	_exit(127);
}

int main(int argc, char **argv)
{
	char path[4096], pid[32], *buf = NULL, **args;
	size_t len = 0, cap = 0, n = 0;
	ssize_t got;
	int fd;

	if (argc != 3) {
		fputs("usage: incg CGROUP_DIR ARGV_FILE\n", stderr);
		return 127;
	}
	fd = open(argv[2], O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die(argv[2]);
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap + 1);
			if (!buf)
				die("realloc");
		}
		got = read(fd, buf + len, cap - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			die("read");
		if (got == 0)
			break;
		len += (size_t)got;
	}
	close(fd);
	if (len == 0 || buf[len - 1] != 0) {
		fputs("incg: the argv file must hold NUL-terminated arguments\n", stderr);
		return 127;
	}
	for (size_t i = 0; i < len; i++)
		n += buf[i] == 0;
	args = calloc(n + 1, sizeof(*args));
	if (!args)
		die("calloc");
	for (size_t i = 0, k = 0; i < len; k++) {
		args[k] = buf + i;
		i += strlen(buf + i) + 1;
	}

	snprintf(path, sizeof(path), "%s/cgroup.procs", argv[1]);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		die(path);
	snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (write(fd, pid, strlen(pid)) < 0)
		die(path);
	close(fd);

	execvp(args[0], args);
	die(args[0]);
	return 127;
}
