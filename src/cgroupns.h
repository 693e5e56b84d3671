/* SPDX-License-Identifier: BSD-2-Clause */
/* cgroupns.h - cgroup paths as the host names them, from inside a private
 * cgroup namespace. /proc/PID/cgroup shows a path relative to the reader's
 * cgroup namespace ("/../../kubepods/..." for a process outside nomine's own
 * cgroup); Kubernetes gives every unprivileged container on cgroup v2 a
 * namespace of its own, so nomine in a pod would compare such paths with
 * --scope-cgroup paths that are relative to the host's root. */
#ifndef NOMINE_CGROUPNS_H
#define NOMINE_CGROUPNS_H

#include <stddef.h>

/* When nomine's cgroup namespace is not that of PID 1 (the host's, with
 * hostPID), finds nomine's own cgroup in the v2 hierarchy mounted at
 * mount (the host's, as the chart mounts it) by the cgroup.procs that
 * lists it, and keeps it as the base of every namespace-relative path.
 * Returns 0 (also when no base is needed) or a negative errno (-ENOENT: not
 * found under mount), with the reason in err. */
int cgroupns_init(const char *mount, char *err, size_t errlen);

/* The base found, "" when paths need no translation. */
const char *cgroupns_base(void);

/* path (as /proc/PID/cgroup shows it) as the host names it, into out:
 * base + path with "." and ".." resolved. Returns 0, -ENAMETOOLONG, or
 * -EINVAL (a path that climbs above the root). */
int cgroupns_resolve(const char *base, const char *path, char *out, size_t n);

#endif
