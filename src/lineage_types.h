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
 * kind only; see struct lineage_spill). */
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

/* The lineage of a task whose task storage could not be created: the kernel
 * refuses to create one while another task-storage operation is under way
 * on the same CPU (our own iterator, preempted in the middle of one, is
 * enough), and a child forked then must not lose its mark. Keyed by thread
 * id, believed only for the task that started at start_ns. */
struct lineage_spill {
	unsigned long long start_ns;  /* the task's start_boottime */
	struct lineage l;
};

/* What the doomed-task iterator reports for each live task it finds. */
struct doomed_task {
	unsigned int tgid;
	unsigned int pid;
	unsigned long long start_ns;  /* start of the thread group leader */
};

#endif
