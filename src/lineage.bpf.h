/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* lineage.bpf.h - where each task's lineage lives, declared by every BPF
 * object that reads or extends it; user space makes them share one map.
 *
 * Two homes, chosen before load by lineage_kind: task-local storage (5.11+),
 * freed with the task, with lineage_spill for the tasks it could not be
 * created for; or, on older kernels, a hash keyed by thread id that
 * lineage.bpf.c empties at each thread's exit. The maps of the other kind
 * are never created, and their code is dead for the verifier. */
#ifndef NOMINE_LINEAGE_BPF_H
#define NOMINE_LINEAGE_BPF_H

#include "lineage_types.h"

const volatile __u32 lineage_kind = NM_LINEAGE_NONE;

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct lineage);
} lineage SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, NM_LINEAGE_PID_MAX);
	__type(key, __u32);
	__type(value, struct lineage_entry);
} lineage_pid SEC(".maps");

/* With task storage: the tasks it could not be created for. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, NM_LINEAGE_SPILL_MAX);
	__type(key, __u32);
	__type(value, struct lineage_entry);
} lineage_spill SEC(".maps");

/* Task storage creations that failed and went to lineage_spill. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lineage_spills SEC(".maps");

/* Where each id came from (struct lineage_link): written at every fork of a
 * process and every exec, read and pruned by user space. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, NM_LINK_MAX);
	__type(key, __u64);
	__type(value, struct lineage_link);
} lineage_links SEC(".maps");

/* Links that could not be written (the map full): a chain through that id
 * ends there, so descendants past the window may be lost. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lineage_links_lost SEC(".maps");

static __always_inline __u64 task_start_ticks(struct task_struct *p)
{
	return BPF_CORE_READ(p, start_boottime) / NM_TICK_NS;
}

/* p's entry in a map by thread id (created empty when create is set), or
 * NULL. An entry of another task that had the same thread id is not p's,
 * and creating p's replaces it. */
static __always_inline struct lineage *entry_get(void *map, struct task_struct *p, bool create)
{
	struct lineage_entry *e, fresh = {};
	__u32 pid = BPF_CORE_READ(p, pid);
	__u64 start = task_start_ticks(p);

	e = bpf_map_lookup_elem(map, &pid);
	if (e && e->start_ticks == start)
		return &e->l;
	if (!create)
		return NULL;
	fresh.start_ticks = start;
	if (bpf_map_update_elem(map, &pid, &fresh, BPF_ANY))
		return NULL;
	e = bpf_map_lookup_elem(map, &pid);
	return e && e->start_ticks == start ? &e->l : NULL;
}

/* A thread that is not the leader execs: the kernel gives it the leader's
 * thread id and start time, so its entry by thread id moves (and the old
 * key goes: no task will ever own it again). */
static __always_inline void entry_move(void *map, struct task_struct *p, __u32 old_pid)
{
	struct lineage_entry *e, moved = {};
	__u32 pid = BPF_CORE_READ(p, pid);

	e = bpf_map_lookup_elem(map, &old_pid);
	if (!e)
		return;
	moved.l = e->l;
	moved.start_ticks = task_start_ticks(p);
	bpf_map_update_elem(map, &pid, &moved, BPF_ANY);
	bpf_map_delete_elem(map, &old_pid);
}

/* The lineage of task p, created empty when create is set; NULL if it has
 * none (or there is no room). */
static __always_inline struct lineage *lineage_get(struct task_struct *p, bool create)
{
	struct lineage *l;
	__u32 zero = 0;
	__u64 *n;

	if (lineage_kind == NM_LINEAGE_PID_MAP)
		return entry_get(&lineage_pid, p, create);
	if (lineage_kind != NM_LINEAGE_TASK_STORAGE)
		return NULL;
	l = bpf_task_storage_get(&lineage, p, 0, 0);
	if (l)
		return l;
	/* a task whose storage was refused keeps its spill entry for life:
	 * storage created later (at its exec, say) would start empty */
	l = entry_get(&lineage_spill, p, false);
	if (l || !create)
		return l;
	l = bpf_task_storage_get(&lineage, p, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (l)
		return l;
	n = bpf_map_lookup_elem(&lineage_spills, &zero);
	if (n)
		*n += 1;
	return entry_get(&lineage_spill, p, true);
}

/* The newest id of l the kernel made (ids user space added have no link). */
static __always_inline __u64 lineage_newest_linked(const struct lineage *l)
{
	for (int i = 0; i < NM_LINEAGE_DEPTH; i++)
		if (!(l->ids[i] & NM_USER_ID_BIT))
			return l->ids[i];
	return 0;
}

/* Pushes id into l and records where it came from: owner is the process
 * (its thread group leader) that made it. */
static __always_inline void lineage_push_linked(struct lineage *l, __u64 id,
						struct task_struct *owner)
{
	struct lineage_link link = {
		.parent = lineage_newest_linked(l),
		.tgid = BPF_CORE_READ(owner, tgid),
		.start_ns = BPF_CORE_READ(owner, group_leader, start_boottime),
		.created_ns = bpf_ktime_get_ns(),
	};
	__u32 zero = 0;
	__u64 *n;

	for (int i = NM_LINEAGE_DEPTH - 1; i > 0; i--)
		l->ids[i] = l->ids[i - 1];
	l->ids[0] = id;
	if (bpf_map_update_elem(&lineage_links, &id, &link, BPF_NOEXIST)) {
		n = bpf_map_lookup_elem(&lineage_links_lost, &zero);
		if (n)
			*n += 1;
	}
}

/* At an exec: the new id goes in with its link. When the id before it is
 * the process's own and it forked nothing under it, nothing but this
 * process ever carried that id: the new link skips it and its link goes,
 * so a process that execs itself in a loop holds one link, not one per
 * exec (the id stays in the window, matched there while it lasts). An
 * exec runs alone in its process (the other threads are gone), so no fork
 * can mark the old link in between. */
static __always_inline void lineage_push_exec(struct lineage *l, __u64 id, struct task_struct *p)
{
	__u64 prev = lineage_newest_linked(l), skip_to = 0;
	struct lineage_link *k = prev ? bpf_map_lookup_elem(&lineage_links, &prev) : NULL;
	bool fold = k && k->tgid == BPF_CORE_READ(p, tgid) &&
		    k->start_ns == BPF_CORE_READ(p, group_leader, start_boottime) &&
		    !(k->flags & NM_LINK_FORKED);

	if (fold)
		skip_to = k->parent;
	lineage_push_linked(l, id, p);
	if (!fold)
		return;
	k = bpf_map_lookup_elem(&lineage_links, &id);
	if (!k)
		return;  /* no room for the new link: the old one stays the chain */
	k->parent = skip_to;
	bpf_map_delete_elem(&lineage_links, &prev);
}

/* At an exec by a thread other than the leader (old_pid: its thread id
 * until then). Task storage belongs to the task and stays with it. */
static __always_inline void lineage_exec_moved(struct task_struct *p, __u32 old_pid)
{
	if (lineage_kind == NM_LINEAGE_PID_MAP)
		entry_move(&lineage_pid, p, old_pid);
	else if (lineage_kind == NM_LINEAGE_TASK_STORAGE)
		entry_move(&lineage_spill, p, old_pid);
}

#endif
