/* SPDX-License-Identifier: BSD-2-Clause */
/* lineage_types.h - per-process ancestry kept in the kernel (shared, include-free). */
#ifndef NOMINE_LINEAGE_TYPES_H
#define NOMINE_LINEAGE_TYPES_H

/* How many exec ids of its ancestry a process carries: its own last exec
 * first, then the execs of the chain that led to it. */
#define NM_LINEAGE_DEPTH 8
#define NM_DOOMED_MAX 4096
/* Threads the pid-keyed lineage map holds (kernels without task storage):
 * entries live only as long as their thread, and memory is taken per entry. */
#define NM_LINEAGE_PID_MAX 262144

/* Tasks whose task storage could not be created, kept aside (task-storage
 * kind only; see struct lineage_entry). */
#define NM_LINEAGE_SPILL_MAX 16384

/* Where lineage lives (lineage.bpf.h), chosen before load. */
enum nm_lineage_kind {
	NM_LINEAGE_NONE = 0,
	NM_LINEAGE_TASK_STORAGE = 1,  /* BPF task storage (5.11+) */
	NM_LINEAGE_PID_MAP = 2,       /* hash keyed by thread id, emptied at exit */
};

/* Task-local storage: set at exec (ids shift right, the new exec id goes to
 * ids[0]) and copied to every child at fork, so a process forked by a doomed
 * exec keeps its mark even after setsid and re-parenting. */
struct lineage {
	unsigned long long ids[NM_LINEAGE_DEPTH];
};

/* A lineage kept by thread id (the pid map of kernels without task storage,
 * and with task storage the spill map of tasks the kernel would not create
 * storage for: it refuses while another task-storage operation is under way
 * on the same CPU, our own iterator preempted in the middle of one is
 * enough). A thread id is reused: an entry is believed only for the task
 * that started in start_ticks (clock ticks since boot, as /proc shows them,
 * so user space can write entries too). */
struct lineage_entry {
	unsigned long long start_ticks;
	struct lineage l;
};

/* /proc's clock tick (USER_HZ = 100 on every architecture). */
#define NM_TICK_NS 10000000ull

/* What the doomed-task iterator reports for each live task it finds. */
struct doomed_task {
	unsigned int tgid;
	unsigned int pid;
	unsigned long long start_ns;  /* start of the thread group leader */
};

#endif
