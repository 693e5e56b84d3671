/* SPDX-License-Identifier: BSD-2-Clause */
/* cgroup_attach.c - cgroup programs at the cgroups in scope, with links.
 *
 * A cgroup program runs for sockets of its cgroup and every cgroup below,
 * so attaching at each --scope-cgroup cgroup (the v2 root without one)
 * makes the kernel's hierarchy the scope check. Links (BPF_LINK_CREATE,
 * 5.7+) go with the daemon and sit beside other programs on a cgroup. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "cgroup_attach.h"
#include "scope_types.h"

static int attach_one(struct bpf_program *const *progs, unsigned int nprogs, int cg,
		      const char *path, struct bpf_link **links, unsigned int *nlinks,
		      unsigned int max, char *err, size_t errlen)
{
	for (unsigned int i = 0; i < nprogs; i++) {
		struct bpf_link *l;
		int e;

		if (*nlinks >= max) {
			snprintf(err, errlen, "too many cgroup links");
			return -E2BIG;
		}
		l = bpf_program__attach_cgroup(progs[i], cg);
		if (!l) {
			e = -errno;
			snprintf(err, errlen, "failed to attach %s to cgroup %s: %s",
				 bpf_program__section_name(progs[i]), path, strerror(-e));
			return e;
		}
		links[(*nlinks)++] = l;
	}
	return 0;
}

int cgroup_attach_scopes(struct bpf_program *const *progs, unsigned int nprogs,
			 const char *mount, char *const *scopes, unsigned int nscopes,
			 struct bpf_link **links, unsigned int *nlinks, unsigned int max,
			 char *err, size_t errlen)
{
	unsigned int n = nscopes ? nscopes : 1;
	char path[8192];
	int e = 0;

	for (unsigned int i = 0; !e && i < n && i < NM_SCOPE_MAX; i++) {
		int cg;

		snprintf(path, sizeof(path), "%s%s", mount, nscopes ? scopes[i] : "");
		cg = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (cg < 0) {
			e = -errno;
			snprintf(err, errlen, "failed to open cgroup %s: %s", path, strerror(-e));
			break;
		}
		e = attach_one(progs, nprogs, cg, path, links, nlinks, max, err, errlen);
		close(cg);
	}
	return e;
}
