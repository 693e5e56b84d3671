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

/* Lineage entries that could not be made (the pid map full: it never
 * evicts, since a task without an entry is only unknown while one with a
 * wrong entry could be doomed). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} full SEC(".maps");

/* Copies the parent's lineage to a new task. */
static __always_inline void inherit(struct task_struct *parent, struct task_struct *child)
{
	struct lineage *pl, *cl;
	__u32 zero = 0;
	__u64 *n;

	pl = lineage_get(parent, false);
	if (!pl)
		return;
	cl = lineage_get(child, true);
	if (cl) {
		*cl = *pl;
	} else {
		n = bpf_map_lookup_elem(&full, &zero);
		if (n)
			*n += 1;
	}
}

/* Every fork is seen twice, by two programs on two tracepoints of the same
 * fork. A tracing program does not run while another run of itself on the
 * same CPU is under way (the kernel counts a "recursion miss"), and where
 * tracepoints are preemptible (7.x: seen under emulation, 1 fork in 100) a
 * run preempted on one fork makes the next fork on that CPU skip it; that
 * child would carry no lineage and outlive its doomed root. Both programs
 * missing the same fork needs two preempted runs at once. */
SEC("tp_btf/task_newtask")
int BPF_PROG(handle_newtask, struct task_struct *child, __u64 clone_flags)
{
	/* task storage wants the trusted pointer (5.11+, as task storage);
	 * the pid map reads fields only, and 5.10 has only the plain one */
	if (lineage_kind == NM_LINEAGE_TASK_STORAGE)
		inherit(bpf_get_current_task_btf(), child);
	else
		inherit((struct task_struct *)bpf_get_current_task(), child);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(handle_fork, struct task_struct *parent, struct task_struct *child)
{
	inherit(parent, child);
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
