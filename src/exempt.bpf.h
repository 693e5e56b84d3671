/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* exempt.bpf.h - exemptions in the kernel: which cgroups user space has
 * classified (enum nm_cg_class), for every program that refuses or kills.
 * The exec object owns these maps; the network object takes the same maps
 * (bpf_map__reuse_fd before load), so one classification serves both. */
#ifndef NOMINE_EXEMPT_BPF_H
#define NOMINE_EXEMPT_BPF_H

#include "exec_event.h"

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, __u32);
} cgroup_class SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nm_exempt_cfg);
} exempt_cfg SEC(".maps");

/* NM_CG_ENFORCE when exemptions are off, else the cgroup's class. */
static __always_inline int cgroup_class_of(__u64 cgid)
{
	struct nm_exempt_cfg *cfg;
	__u32 zero = 0, *v;

	cfg = bpf_map_lookup_elem(&exempt_cfg, &zero);
	if (!cfg || !cfg->on)
		return NM_CG_ENFORCE;
	v = bpf_map_lookup_elem(&cgroup_class, &cgid);
	if (!v || (*v >> 8) != (cfg->gen & 0xffffff))
		return NM_CG_UNKNOWN;
	return *v & 0xff;
}

#endif
