/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* lineage.bpf.h - the lineage task-storage map, declared by every BPF object
 * that reads or extends it; user space makes them share one instance. */
#ifndef NOMINE_LINEAGE_BPF_H
#define NOMINE_LINEAGE_BPF_H

#include "lineage_types.h"

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct lineage);
} lineage SEC(".maps");

#endif
