/* SPDX-License-Identifier: BSD-2-Clause */
/* cgroupns.c - host cgroup paths from inside a private cgroup namespace. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cgroupns.h"

static char base[PATH_MAX];

const char *cgroupns_base(void)
{
	return base;
}

int cgroupns_resolve(const char *b, const char *path, char *out, size_t n)
{
	char buf[2 * PATH_MAX];
	size_t len = 0;
	const char *p;

	if (snprintf(buf, sizeof(buf), "%s/%s", b, path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	/* out is built component by component; ".." takes the last one off */
	for (p = buf; *p;) {
		const char *e = strchr(p, '/');
		size_t c = e ? (size_t)(e - p) : strlen(p);

		if ((c == 1 && p[0] == '.') || c == 0) {
			/* nothing */
		} else if (c == 2 && p[0] == '.' && p[1] == '.') {
			if (!len)
				return -EINVAL;
			while (len && out[len - 1] != '/')
				len--;
			len--;          /* the '/' before it */
		} else {
			if (len + 1 + c + 1 > n)
				return -ENAMETOOLONG;
			out[len++] = '/';
			memcpy(out + len, p, c);
			len += c;
		}
		p += c + (e != NULL);
	}
	if (!len) {
		if (n < 2)
			return -ENAMETOOLONG;
		out[len++] = '/';
	}
	out[len] = '\0';
	return 0;
}

/* 1 if the cgroup.procs of dir lists pid, else 0. */
static int lists(int dirfd, pid_t pid)
{
	char buf[8192], *s, *save = NULL;
	int fd = openat(dirfd, "cgroup.procs", O_RDONLY | O_CLOEXEC), found = 0;
	ssize_t got;

	if (fd < 0)
		return 0;
	/* a big cgroup is read in pieces; a number cut at a piece's end is
	 * only ever a false negative for a pid nomine's own cgroup holds */
	while (!found && (got = read(fd, buf, sizeof(buf) - 1)) > 0) {
		buf[got] = '\0';
		for (s = strtok_r(buf, "\n", &save); s && !found; s = strtok_r(NULL, "\n", &save))
			found = atoi(s) == pid;
	}
	close(fd);
	return found;
}

/* Depth-first under dirfd (path rel) for the cgroup listing pid. */
static int find(int dirfd, const char *rel, pid_t pid, int depth)
{
	DIR *d;
	struct dirent *de;
	int ret = -ENOENT;

	if (lists(dirfd, pid)) {
		/* at the root: the namespace's paths are the host's */
		snprintf(base, sizeof(base), "%s", rel);
		return 0;
	}
	if (depth > 32)
		return -ENOENT;
	d = fdopendir(dup(dirfd));
	if (!d)
		return -errno;
	while (ret && (de = readdir(d))) {
		char sub[PATH_MAX];
		int fd;

		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		if (snprintf(sub, sizeof(sub), "%s/%s", rel, de->d_name) >= (int)sizeof(sub))
			continue;
		fd = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			continue;
		ret = find(fd, sub, pid, depth + 1);
		close(fd);
	}
	closedir(d);
	return ret;
}

/* 1 when nomine may be in a cgroup namespace of its own. The namespaces of
 * nomine and PID 1 are compared where PID 1's can be read (a container may
 * not be allowed to); else, since a namespace's members see their own
 * cgroup as its root, "0::/" in /proc/self/cgroup says so (or that nomine
 * runs in the root cgroup, where the search below finds the root). */
static int own_ns(void)
{
	char a[64], b[64], buf[256];
	ssize_t la = readlink("/proc/self/ns/cgroup", a, sizeof(a) - 1);
	ssize_t lb = readlink("/proc/1/ns/cgroup", b, sizeof(b) - 1);
	int fd, own = 0;
	ssize_t got;

	if (la < 0)
		return 0;       /* no cgroup namespaces: paths are absolute */
	if (lb >= 0)
		return la != lb || memcmp(a, b, (size_t)la);
	fd = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	got = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (got > 0) {
		buf[got] = '\0';
		own = strstr(buf, "0::/\n") != NULL;
	}
	return own;
}

int cgroupns_init(const char *mount, char *err, size_t errlen)
{
	int fd, ret;

	base[0] = '\0';
	if (!mount || !*mount || !own_ns())
		return 0;
	fd = open(mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", mount, strerror(-ret));
		return ret;
	}
	ret = find(fd, "", getpid(), 0);
	close(fd);
	if (ret)
		snprintf(err, errlen, "nomine's own cgroup is not under %s: %s", mount,
			 strerror(-ret));
	return ret;
}
