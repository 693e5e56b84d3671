/* SPDX-License-Identifier: BSD-2-Clause */
/* scope.h - --scope-cgroup: which processes nomine may ever act on. */
#ifndef NOMINE_SCOPE_H
#define NOMINE_SCOPE_H

#include <stddef.h>
#include <sys/types.h>
#include "scope_types.h"

struct scope {
	char mount[4096];            /* cgroup v2 mount point */
	char *paths[NM_SCOPE_MAX];   /* normalised, relative to the v2 root */
	struct nm_scope kernel[NM_SCOPE_MAX];
	unsigned int n;              /* 0: everything is in scope */
};

/* Finds the cgroup v2 mount (also under hybrid layouts; also with no paths,
 * when mount stays "" without one) and resolves each path, which must
 * exist. Returns 0, or a negative errno with a reason in
 * err: -E2BIG more than NM_SCOPE_MAX paths, -EINVAL an invalid path,
 * -ENAMETOOLONG, -ENOENT no cgroup2 mount or a missing cgroup (or stat's
 * errno; -ENOTDIR not a directory), -ENOMEM. */
int scope_init(struct scope *s, char *const *paths, size_t n, char *err, size_t errlen);
void scope_free(struct scope *s);

/* Writes the mount point of the first filesystem of type fstype (whose
 * super options mention opt, unless NULL) from a mountinfo file into out.
 * Returns 0, -ENOENT when there is none, or fopen's negative errno. */
int scope_find_mount(const char *mountinfo, const char *fstype, const char *opt, char *out,
		     size_t n);
/* Writes the cgroup2 mount point from a mountinfo file into out. Returns as
 * scope_find_mount. */
int scope_find_cgroup2(const char *mountinfo, char *out, size_t n);

/* 1 if cgroup path is top or below it ("/a/b" is under "/a", "/ab" is not). */
int cgroup_path_under(const char *path, const char *top);

/* The id of a cgroup v2 directory (its file handle; its inode number where
 * handles are refused), as the kernel's cgroup ids name it; 0 if unknown. */
unsigned long long cgroup_dir_id(const char *dir);

/* 1 if the cgroup path (as in /proc/PID/cgroup "0::PATH") is in scope. */
int scope_contains(const struct scope *s, const char *cgpath);

/* 1 in scope, 0 not, -ESRCH when the process is gone (its cgroup cannot
 * be read). */
int scope_contains_pid(const struct scope *s, pid_t pid);

#endif
