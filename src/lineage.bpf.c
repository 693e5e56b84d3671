// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* lineage.bpf.c - carries each process's exec ancestry across forks and lists
 * the live tasks that descend from a doomed exec. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "lineage.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define PF_EXITING 0x00000004

/* Exec ids whose every descendant must die; filled by user space. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, NM_DOOMED_MAX);
	__type(key, __u64);
	__type(value, __u8);
} doomed SEC(".maps");

/* Lineage entries the pid map had no room for (it never evicts: a task
 * without an entry is only unknown, one with a wrong entry could be doomed). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} full SEC(".maps");

SEC("tp_btf/sched_process_fork")
int BPF_PROG(handle_fork, struct task_struct *parent, struct task_struct *child)
{
	struct lineage *pl, *cl;
	__u32 zero = 0;
	__u64 *n;

	pl = lineage_get(parent, false);
	if (!pl)
		return 0;
	cl = lineage_get(child, true);
	if (cl) {
		*cl = *pl;
	} else {
		n = bpf_map_lookup_elem(&full, &zero);
		if (n)
			*n += 1;
	}
	return 0;
}

/* The pid map's entry goes with its thread (loaded for NM_LINEAGE_PID_MAP
 * only: task storage is freed by the kernel). */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(handle_exit, struct task_struct *p)
{
	__u32 pid = BPF_CORE_READ(p, pid);

	if (lineage_kind == NM_LINEAGE_PID_MAP)
		bpf_map_delete_elem(&lineage_pid, &pid);
	return 0;
}

static __always_inline bool is_doomed(struct lineage *l)
{
	for (int i = 0; i < NM_LINEAGE_DEPTH; i++) {
		__u64 id = l->ids[i];

		if (!id)
			return false;
		if (bpf_map_lookup_elem(&doomed, &id))
			return true;
	}
	return false;
}

SEC("iter/task")
int find_doomed(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	struct doomed_task d;
	struct lineage *l;

	if (!task || (task->flags & PF_EXITING))
		return 0;
	l = lineage_get(task, false);
	if (!l || !is_doomed(l))
		return 0;
	d.tgid = task->tgid;
	d.pid = task->pid;
	d.start_ns = BPF_CORE_READ(task, group_leader, start_boottime);
	bpf_seq_write(ctx->meta->seq, &d, sizeof(d));
	return 0;
}
