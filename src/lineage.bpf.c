// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* lineage.bpf.c - carries each process's ancestry across forks (an id per new
 * process, with a link to the one before it) and lists the live tasks with
 * their windows for user space. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "lineage.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define PF_EXITING 0x00000004

/* Fork ids, counted per CPU and per program (NM_FORK_ID_BIT | program << 61
 * | count << 12 | cpu): a run of one program preempted between its read and
 * its write of the count can let the other program run on that CPU (each is
 * kept from running inside itself only), and one count would give two
 * processes one id. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} fork_seq SEC(".maps");

/* Lineage entries that could not be made (the pid map full: it never
 * evicts, since a task without an entry is only unknown while one with a
 * wrong entry could be doomed). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} full SEC(".maps");

static __always_inline __u64 next_fork_id(__u32 prog)
{
	__u64 *seq = bpf_map_lookup_elem(&fork_seq, &prog);

	if (!seq)
		return 0;
	*seq += 1;
	return NM_FORK_ID_BIT | ((__u64)prog << 61) | (*seq << 12) |
	       (bpf_get_smp_processor_id() & 0xfff);
}

static __always_inline void count_full(void)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&full, &zero);

	if (n)
		*n += 1;
}

/* Gives a new task its window: the parent's, and for a new process (not a
 * thread) an id of its own on top, so that a kill of it can take what it
 * forks however many times that execs. A parent without an id the kernel
 * made (started before nomine, or carrying only ids user space added) gets
 * one of its own first, also when it starts a thread: everything it and its
 * threads fork from now on is tracked. The second program to see the same
 * fork finds the child done and leaves it. prog: which program (its own
 * count of fork ids). */
static __always_inline void inherit(struct task_struct *parent, struct task_struct *child,
				    __u32 prog)
{
	bool process = BPF_CORE_READ(child, pid) == BPF_CORE_READ(child, tgid);
	struct lineage *pl, *cl;

	if (lineage_get(child, false))
		return;
	pl = lineage_get(parent, true);
	if (pl && !lineage_newest_linked(pl))
		lineage_push_linked(pl, next_fork_id(prog), parent);
	cl = lineage_get(child, true);
	if (!cl) {
		count_full();
		return;
	}
	if (pl)
		*cl = *pl;
	if (!process)
		return;
	lineage_push_linked(cl, next_fork_id(prog), child);
	/* the parent has a descendant now: its kill must look for it */
	if (pl) {
		__u64 newest = lineage_newest_linked(pl);
		struct lineage_link *link = bpf_map_lookup_elem(&lineage_links, &newest);

		if (link)
			link->flags |= NM_LINK_FORKED;
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
		inherit(bpf_get_current_task_btf(), child, 0);
	else
		inherit((struct task_struct *)bpf_get_current_task(), child, 0);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(handle_fork, struct task_struct *parent, struct task_struct *child)
{
	inherit(parent, child, 1);
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

/* Every live task with a window, for user space to walk (lineage_walk.c). */
SEC("iter/task")
int dump_lineage(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	struct lineage_task t;
	struct lineage *l;

	if (!task || (task->flags & PF_EXITING))
		return 0;
	l = lineage_get(task, false);
	if (!l)
		return 0;
	t.tgid = task->tgid;
	t.pid = task->pid;
	t.start_ns = BPF_CORE_READ(task, group_leader, start_boottime);
	t.l = *l;
	bpf_seq_write(ctx->meta->seq, &t, sizeof(t));
	return 0;
}
