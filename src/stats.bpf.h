/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* stats.bpf.h - a program's per-CPU counters: the map `stats` of
 * NM_STATS_N slots (defined before this is included) and stat_inc. User
 * space sums a slot with percpu_sum. */
#ifndef NOMINE_STATS_BPF_H
#define NOMINE_STATS_BPF_H

#ifndef NM_STATS_N
#error "define NM_STATS_N, the number of counters, before including stats.bpf.h"
#endif

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NM_STATS_N);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

static __always_inline void stat_inc(__u32 which)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &which);

	if (v)
		*v += 1;
}

#endif
