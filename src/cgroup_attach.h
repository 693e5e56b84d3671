/* SPDX-License-Identifier: BSD-2-Clause */
/* cgroup_attach.h - cgroup programs at the cgroups in scope: the network
 * detector's connect programs and its packet program attach the same way. */
#ifndef NOMINE_CGROUP_ATTACH_H
#define NOMINE_CGROUP_ATTACH_H

#include <stddef.h>

struct bpf_link;
struct bpf_program;

/* Attaches each of progs (BPF links) to mount + scopes[i] for every scope,
 * or to mount itself when nscopes is 0 (at most NM_SCOPE_MAX cgroups);
 * the links are appended to links[*nlinks], which must hold max. Returns 0
 * or a negative errno with "failed to open cgroup PATH: ..." or "failed to
 * attach SECTION to cgroup PATH: ..." in err; the links made before a
 * failure stay in links for the caller to destroy. */
int cgroup_attach_scopes(struct bpf_program *const *progs, unsigned int nprogs,
			 const char *mount, char *const *scopes, unsigned int nscopes,
			 struct bpf_link **links, unsigned int *nlinks, unsigned int max,
			 char *err, size_t errlen);

#endif
