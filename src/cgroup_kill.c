/* SPDX-License-Identifier: BSD-2-Clause */
/* cgroup_kill.c - whole-container kills (see cgroup_kill.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cgroup_kill.h"
#include "proc.h"
#include "scope.h"

#define MAX_DEPTH 64

int cgroup_find_freezer(const char *mountinfo, char *out, size_t n)
{
	return scope_find_mount(mountinfo, "cgroup", "freezer", out, n);
}

/* dir/name opened with flags: the fd, or a negative errno. */
static int open_in(const char *dir, const char *name, int flags)
{
	char path[8192];
	int fd;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, flags | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* 0 or a negative errno. */
static int write_file(const char *dir, const char *name, const char *val)
{
	ssize_t w;
	int fd = open_in(dir, name, O_WRONLY), e;

	if (fd < 0)
		return fd;
	w = write(fd, val, strlen(val));
	e = w < 0 ? -errno : w == (ssize_t)strlen(val) ? 0 : -EIO;
	close(fd);
	return e;
}

/* 0 or a negative errno. */
static int read_small(const char *dir, const char *name, char *buf, size_t n)
{
	ssize_t got;
	int fd = open_in(dir, name, O_RDONLY), e;

	if (fd < 0)
		return fd;
	got = read(fd, buf, n - 1);
	e = got < 0 ? -errno : 0;
	close(fd);
	if (e)
		return e;
	buf[got] = '\0';
	return 0;
}

/* Calls fn on every pid listed in cgroup.procs of dir and its children.
 * Returns how many were seen. */
static int each_proc(const char *dir, int depth, int (*fn)(int pid))
{
	char path[8192], line[32];
	struct dirent *de;
	FILE *f;
	DIR *d;
	int n = 0;

	if (snprintf(path, sizeof(path), "%s/cgroup.procs", dir) >= (int)sizeof(path))
		return 0;
	if ((f = fopen(path, "re"))) {
		while (fgets(line, sizeof(line), f)) {
			int pid = atoi(line);

			if (pid > 0) {
				n++;
				if (fn)
					fn(pid);
			}
		}
		fclose(f);
	}
	if (depth >= MAX_DEPTH || !(d = opendir(dir)))
		return n;
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= (int)sizeof(path))
			continue;
		n += each_proc(path, depth + 1, fn);
	}
	closedir(d);
	return n;
}

static int sigkill(int pid)
{
	return kill(pid, SIGKILL) ? -errno : 0;
}

/* Waits (at most 1 s) until the freeze took: every task stopped. 0 or a
 * negative errno (-ETIMEDOUT: still not frozen). */
static int wait_frozen(const char *dir, int v2)
{
	char buf[256];
	int ret;

	for (int i = 0; i < 100; i++) {
		ret = read_small(dir, v2 ? "cgroup.events" : "freezer.state", buf, sizeof(buf));
		if (ret)
			return ret;
		if (v2 ? strstr(buf, "frozen 1") != NULL : strncmp(buf, "FROZEN", 6) == 0)
			return 0;
		nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
	}
	return -ETIMEDOUT;
}

/* 1 if nomine itself is in path or below it (in that hierarchy). */
static int holds_self(const char *path, int v2)
{
	char line[8192];
	FILE *f;
	int hit = 0;

	if (v2)     /* cannot tell: do not risk it */
		return proc_read_cgroup2(getpid(), line, sizeof(line)) ||
		       cgroup_path_under(line, path);
	if (!(f = fopen("/proc/self/cgroup", "re")))
		return 1;
	while (!hit && fgets(line, sizeof(line), f)) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

		if (!c2 || !strstr(c1, "freezer"))
			continue;
		c2[1 + strcspn(c2 + 1, "\n")] = '\0';
		hit = cgroup_path_under(c2 + 1, path);
	}
	fclose(f);
	return hit;
}

/* Absolute, and no "." or ".." component: it must stay below the mount. */
static int clean_path(const char *p)
{
	if (p[0] != '/')
		return 0;
	while (*p) {
		const char *c = p + 1, *e = strchrnul(c, '/');

		if ((e - c == 1 && c[0] == '.') || (e - c == 2 && c[0] == '.' && c[1] == '.'))
			return 0;
		p = e;
	}
	return 1;
}

int cgroup_kill(const char *unified_mount, const char *freezer_mount, const char *path, int v2,
		struct cgroup_kill_report *r, char *err, size_t errlen)
{
	const char *mount = v2 ? unified_mount : freezer_mount;
	char dir[8192];
	int ret;

	r->method = NULL;
	r->processes = 0;
	if (!mount || !*mount) {
		snprintf(err, errlen, "no %s hierarchy mounted", v2 ? "cgroup v2" : "v1 freezer");
		return -ENOENT;
	}
	if (!clean_path(path)) {
		snprintf(err, errlen, "refusing cgroup path %s", path);
		return -EINVAL;
	}
	if (holds_self(path, v2)) {
		snprintf(err, errlen, "refusing to kill %s: nomine runs in it", path);
		return -EPERM;
	}
	snprintf(dir, sizeof(dir), "%s%s", mount, path);
	r->processes = each_proc(dir, 0, NULL);
	if (v2 && write_file(dir, "cgroup.kill", "1") == 0) {
		r->method = "cgroup.kill";
		return 0;
	}
	ret = write_file(dir, v2 ? "cgroup.freeze" : "freezer.state", v2 ? "1" : "FROZEN");
	if (ret) {
		snprintf(err, errlen, "cannot freeze %s: %s", dir, strerror(-ret));
		return ret;
	}
	ret = wait_frozen(dir, v2);
	if (ret) {
		/* unfrozen processes could exit and their PIDs be reused */
		write_file(dir, v2 ? "cgroup.freeze" : "freezer.state", v2 ? "0" : "THAWED");
		snprintf(err, errlen, "%s did not freeze within 1 s", dir);
		return ret;
	}
	r->processes = each_proc(dir, 0, sigkill);
	write_file(dir, v2 ? "cgroup.freeze" : "freezer.state", v2 ? "0" : "THAWED");
	r->method = v2 ? "cgroup.freeze" : "freezer";
	return 0;
}
