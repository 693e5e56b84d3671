/* SPDX-License-Identifier: BSD-2-Clause */
/* scope.c - cgroup v2 discovery and scope membership. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "proc.h"
#include "scope.h"

int scope_find_mount(const char *mountinfo, const char *fstype, const char *opt, char *out,
		     size_t n)
{
	char line[8192], mnt[4096], *sep;
	size_t tl = strlen(fstype);
	FILE *f = fopen(mountinfo, "re");
	int found = -ENOENT;

	if (!f)
		return -errno;
	while (found && fgets(line, sizeof(line), f)) {
		/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [TAGS] - FSTYPE SRC OPTS" */
		sep = strstr(line, " - ");
		if (!sep || strncmp(sep + 3, fstype, tl) || sep[3 + tl] != ' ' ||
		    (opt && !strstr(sep, opt)))
			continue;
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) == 1) {
			snprintf(out, n, "%s", mnt);
			found = 0;
		}
	}
	fclose(f);
	return found;
}

int scope_find_cgroup2(const char *mountinfo, char *out, size_t n)
{
	return scope_find_mount(mountinfo, "cgroup2", NULL, out, n);
}

int cgroup_path_under(const char *path, const char *top)
{
	size_t len = strlen(top);

	return (len == 1 && top[0] == '/') ||
	       (!strncmp(path, top, len) && (path[len] == '\0' || path[len] == '/'));
}

/* "/a//b/" -> "/a/b"; refuses "." and ".." components (-EINVAL) and what
 * does not fit in n bytes (-ENAMETOOLONG). */
static int normalise(const char *in, char *out, size_t n, unsigned int *level)
{
	size_t o = 0;
	const char *p = in;

	*level = 0;
	while (*p) {
		const char *start;
		size_t len;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		start = p;
		while (*p && *p != '/')
			p++;
		len = (size_t)(p - start);
		if ((len == 1 && start[0] == '.') || (len == 2 && !strncmp(start, "..", 2)))
			return -EINVAL;
		if (o + len + 2 > n)
			return -ENAMETOOLONG;
		out[o++] = '/';
		memcpy(out + o, start, len);
		o += len;
		(*level)++;
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = 0;
	return 0;
}

unsigned long long cgroup_dir_id(const char *dir)
{
	struct {
		struct file_handle fh;
		unsigned long long id;
	} h;
	int mount_id;
	struct stat st;

	h.fh.handle_bytes = sizeof(h.id);
	if (name_to_handle_at(AT_FDCWD, dir, &h.fh, &mount_id, 0) == 0 && h.fh.handle_bytes == 8)
		return h.id;
	return stat(dir, &st) == 0 ? (unsigned long long)st.st_ino : 0;
}

int scope_init(struct scope *s, char *const *paths, size_t n, char *err, size_t errlen)
{
	char norm[4096], full[8192];
	struct stat st;
	int rc, e;

	memset(s, 0, sizeof(*s));
	if (n > NM_SCOPE_MAX) {
		snprintf(err, errlen, "at most %d --scope-cgroup paths", NM_SCOPE_MAX);
		return -E2BIG;
	}
	/* found unscoped too: the network detector's cgroup programs attach
	 * at the v2 root then (none on a v1-only host: they say so) */
	rc = scope_find_cgroup2("/proc/self/mountinfo", s->mount, sizeof(s->mount));
	if (n == 0)
		return 0;
	if (rc) {
		snprintf(err, errlen, "--scope-cgroup needs cgroup v2, and no cgroup2 mount was found");
		return rc;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned int level;

		rc = normalise(paths[i], norm, sizeof(norm), &level);
		if (rc) {
			snprintf(err, errlen, "--scope-cgroup %s: invalid path", paths[i]);
			goto fail;
		}
		snprintf(full, sizeof(full), "%s%s", s->mount, norm);
		errno = 0;
		if (stat(full, &st) || !S_ISDIR(st.st_mode)) {
			e = errno;
			rc = e ? -e : -ENOTDIR;
			snprintf(err, errlen, "--scope-cgroup %s: %s: %s", paths[i], full,
				 e ? strerror(e) : "not a directory");
			goto fail;
		}
		s->paths[i] = strdup(norm);
		s->kernel[i].id = cgroup_dir_id(full);
		s->kernel[i].level = level;
		s->n++;
		if (!s->paths[i] || !s->kernel[i].id) {
			rc = !s->paths[i] ? -ENOMEM : -ENOENT;
			snprintf(err, errlen, "--scope-cgroup %s: cannot resolve cgroup id", paths[i]);
			goto fail;
		}
	}
	return 0;
fail:
	scope_free(s);
	return rc;
}

void scope_free(struct scope *s)
{
	for (unsigned int i = 0; i < s->n; i++)
		free(s->paths[i]);
	s->n = 0;
}

int scope_contains(const struct scope *s, const char *cgpath)
{
	if (s->n == 0)
		return 1;
	for (unsigned int i = 0; i < s->n; i++)
		if (cgroup_path_under(cgpath, s->paths[i]))
			return 1;
	return 0;
}

int scope_contains_pid(const struct scope *s, pid_t pid)
{
	char path[4096];

	if (s->n == 0)
		return 1;
	if (proc_read_cgroup2(pid, path, sizeof(path)))
		return -ESRCH;
	return scope_contains(s, path);
}
