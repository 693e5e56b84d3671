/* SPDX-License-Identifier: BSD-2-Clause */
/* scope_types.h - --scope-cgroup as every detector program sees it (shared,
 * include-free): user space fills the scopes in before load (scope.c), each
 * program checks them (scope.bpf.h). */
#ifndef NOMINE_SCOPE_TYPES_H
#define NOMINE_SCOPE_TYPES_H

#define NM_SCOPE_MAX 16

/* One --scope-cgroup: the id of the task's cgroup ancestor at level. */
struct nm_scope {
	unsigned long long id;
	unsigned int level;
	unsigned int pad;
};

#endif
