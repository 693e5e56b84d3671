/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* scope.bpf.h - --scope-cgroup in the kernel: the scopes user space fills in
 * before load, and the check every detector program makes. */
#ifndef NOMINE_SCOPE_BPF_H
#define NOMINE_SCOPE_BPF_H

#include "exec_event.h"

const volatile struct nm_scope scopes[NM_SCOPE_MAX];
const volatile unsigned int nscopes;

/* True when the current task is in or below one of the scopes (or none
 * were given). */
static __always_inline bool in_scope(void)
{
	unsigned int n = nscopes;

	if (n == 0)
		return true;
	for (int i = 0; i < NM_SCOPE_MAX; i++) {
		if (i >= n)
			break;
		if (bpf_get_current_ancestor_cgroup_id(scopes[i].level) == scopes[i].id)
			return true;
	}
	return false;
}

#endif
