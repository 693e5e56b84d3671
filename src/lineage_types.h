/* SPDX-License-Identifier: BSD-2-Clause */
/* lineage_types.h - per-process ancestry kept in the kernel (shared, include-free). */
#ifndef NOMINE_LINEAGE_TYPES_H
#define NOMINE_LINEAGE_TYPES_H

/* How many ids of its ancestry a process carries in its window: its own
 * newest id first (from its last exec, or its fork), then those of the chain
 * that led to it. Older ids are reached through struct lineage_link. */
#define NM_LINEAGE_DEPTH 8
/* Links the kernel keeps between an id and the one before it (one per fork
 * and per exec until user space collects the ones no live task reaches). */
#define NM_LINK_MAX 262144
/* A link younger than this is never collected (ns). */
#define NM_LINK_KEEP_NS 30000000000ull

/* The id spaces: exec ids count up from 1 per CPU; fork ids carry bit 62;
 * ids user space hands out (lineage_mark) carry bit 63 and have no link. */
#define NM_FORK_ID_BIT (1ull << 62)
#define NM_USER_ID_BIT (1ull << 63)
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

/* Task-local storage, the window of a task's ancestry: copied to every child
 * at fork, and a fresh id pushed (ids shift right, the new id goes to
 * ids[0]) for each new process and at each exec, so that a process keeps the
 * marks of what forked it even after setsid and re-parenting. */
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

/* Where an id came from: the id before it in its task's window (0: none,
 * the task was the first of its chain nomine saw) and the process that made
 * it (by fork or exec), so that user space can follow a chain of any length
 * and tell which ids a process owns. */
struct lineage_link {
	unsigned long long parent;
	unsigned long long start_ns;    /* start of the owner's thread group leader */
	unsigned long long created_ns;  /* CLOCK_MONOTONIC, for the collector */
	unsigned int tgid;              /* the owner */
	unsigned int flags;             /* NM_LINK_FORKED */
};

/* The owner forked a process while this was its newest id: a kill of the
 * owner has descendants to look for (without it, none can exist). */
#define NM_LINK_FORKED 1u

/* What the lineage iterator reports for each live task that has a window. */
struct lineage_task {
	unsigned int tgid;
	unsigned int pid;
	unsigned long long start_ns;  /* start of the thread group leader */
	struct lineage l;
};

#endif
