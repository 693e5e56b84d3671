// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* randomx_detect.bpf.c - counts, per process, switch-outs that save a non-default SSE
 * rounding mode (RandomX's CFROUND) and reports a process once when the count
 * within a sliding window reaches a threshold, all three modes seen. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "exec_event.h"
#include "randomx_event.h"
#include "tunables.h"
#include "scope.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Filled by user space before load. */
const volatile __u32 threshold = NM_RANDOMX_DEFAULT_THRESHOLD;
const volatile __u64 window_ns = NM_RANDOMX_DEFAULT_WINDOW_MS * 1000000ull;
/* Distinct non-default modes a process must have used: RandomX draws all
 * three at random, interval arithmetic holds one or two. */
const volatile __u32 min_modes = NM_RANDOMX_DEFAULT_MIN_MODES;

/* Per process (thread group). Counting uses two buckets of window_ns each:
 * the estimate for the last window_ns is cur + prev * (the part of the
 * previous bucket still inside the window). It needs two counters and no
 * loop, which matters at every context switch; the error (it assumes the
 * previous bucket's observations were evenly spread) is harmless for a
 * miner, whose rate is steady, and bounded by prev for anything else. */
struct proc_state {
	__u64 start_ns;   /* leader start: tells a reused tgid apart */
	__u64 first_ns;   /* first counted observation */
	__u64 bucket_ns;  /* start of the current bucket */
	__u64 threads;    /* hashed set of the threads that contributed */
	__u32 cur;        /* observations in the current bucket */
	__u32 prev;       /* observations in the bucket before it */
	__u32 modes;      /* bit m: rounding mode m seen */
	__u32 reported;   /* cache of the reported map: the one test on the hot path */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, NM_RANDOMX_PROCS_MAX);
	__type(key, __u32);
	__type(value, struct proc_state);
} procs SEC(".maps");

/* tgid -> leader start_ns of every process reported and not re-armed. The
 * BPF_NOEXIST insert is what makes a report happen once even when threads
 * on several CPUs cross together. User space re-arms a process by deleting
 * its key here, then in procs (in that order: see randomx_detect.c). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, NM_RANDOMX_PROCS_MAX);
	__type(key, __u32);
	__type(value, __u64);
} reported SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 << 10);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NM_RANDOMX_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

/* Only x86 has MXCSR and this tracepoint: elsewhere the object has maps and
 * no program, and randomx_detect.c refuses to load it. */
#if defined(__TARGET_ARCH_x86)

/* Before Linux 5.16 the register image was embedded in struct fpu; commit
 * "x86/fpu: Provide struct fpstate" (v5.16) moved it behind fpu->fpstate. */
struct fpu___old {
	union fpregs_state state;
} __attribute__((preserve_access_index));

/* Before Linux 6.15 struct fpu was task->thread.fpu; "x86/fpu: Make
 * task_struct::thread constant size" and "x86/fpu: Remove the thread::fpu
 * pointer" (v6.15) put it right after task_struct (x86_task_fpu()). */
struct thread_struct___fpu {
	struct fpu fpu;
} __attribute__((preserve_access_index));

struct task_struct___fpu {
	struct thread_struct___fpu thread;
} __attribute__((preserve_access_index));

static __always_inline void stat_inc(__u32 which)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &which);

	if (v)
		*v += 1;
}

/* MXCSR as saved at the switch-out (the save precedes the tracepoint). On
 * kernels with fpstate the hot path loads through the BTF pointer directly:
 * CO-RE-relocated like BPF_CORE_READ, fault-safe, and without two probe-read
 * helper calls per context switch (65 ns per run instead of 152 measured). */
static __always_inline __u32 saved_mxcsr(struct fpu *fpu)
{
	if (bpf_core_field_exists(fpu->fpstate))
		return fpu->fpstate->regs.xsave.i387.mxcsr;
	return BPF_CORE_READ((struct fpu___old *)fpu, state.xsave.i387.mxcsr);
}

/* The tracepoint runs in __switch_to() before current changes, so the
 * registers saved are current's; checked, so that a kernel where that stops
 * holding shows up in NM_RANDOMX_STAT_FOREIGN instead of blaming a bystander. */
static __always_inline bool fpu_is_current(struct fpu *fpu, struct task_struct *t)
{
	struct task_struct___fpu *old = (void *)t;

	if (bpf_core_field_exists(old->thread.fpu))
		return (void *)&old->thread.fpu == (void *)fpu;
	return (void *)t + bpf_core_type_size(struct task_struct) == (void *)fpu;
}

static __always_inline __u64 leader_start(struct task_struct *t)
{
	return BPF_CORE_READ(t, group_leader, start_boottime);
}

/* The entry of tgid, made on its first observation. */
static __always_inline struct proc_state *proc_get(__u32 tgid, struct task_struct *t, __u64 now)
{
	struct proc_state *s = bpf_map_lookup_elem(&procs, &tgid);
	struct proc_state init = {};

	if (s)
		return s;
	init.start_ns = leader_start(t);
	init.first_ns = now;
	init.bucket_ns = now;
	/* NOEXIST: a thread on another CPU may have just made it */
	bpf_map_update_elem(&procs, &tgid, &init, BPF_NOEXIST);
	s = bpf_map_lookup_elem(&procs, &tgid);
	if (!s)
		stat_inc(NM_RANDOMX_STAT_NO_ENTRY);
	return s;
}

/* Adds one observation; returns the estimate for the last window_ns. */
static __always_inline __u32 count(struct proc_state *s, __u64 now)
{
	__u64 w = window_ns, elapsed = now - s->bucket_ns, frac;

	if (now < s->bucket_ns)   /* another CPU rotated with a later clock */
		elapsed = 0;
	if (elapsed >= w) {
		/* races between CPUs here lose a few counts at worst */
		s->prev = elapsed >= 2 * w ? 0 : s->cur;
		s->cur = 0;
		s->bucket_ns = elapsed >= 2 * w ? now : s->bucket_ns + w;
		elapsed = now - s->bucket_ns;
	}
	__sync_fetch_and_add(&s->cur, 1);
	/* the part of the previous bucket still in the window, in 1/1024ths */
	frac = elapsed * 1024 / w;
	if (frac > 1024)
		frac = 1024;
	return s->cur + (__u32)(((__u64)s->prev * (1024 - frac)) >> 10);
}

/* Claims the one report of this process: false if it was already made (or
 * a stale claim of a previous process with the same tgid is replaced). */
static __always_inline bool claim(__u32 tgid, __u64 start)
{
	__u64 *had;

	if (!bpf_map_update_elem(&reported, &tgid, &start, BPF_NOEXIST))
		return true;
	had = bpf_map_lookup_elem(&reported, &tgid);
	if (!had || *had == start)
		return false;
	/* the previous holder of this tgid missed its exit cleanup */
	bpf_map_update_elem(&reported, &tgid, &start, BPF_ANY);
	return true;
}

static __always_inline void report(struct proc_state *s, struct task_struct *t, __u64 id,
				   __u32 est, __u64 now)
{
	__u32 tgid = id >> 32;
	__u64 start = leader_start(t);
	struct randomx_event *ev;

	if (start != s->start_ns) {
		/* counts of a previous process with this tgid: start over */
		s->start_ns = start;
		s->first_ns = s->bucket_ns = now;
		s->cur = s->prev = s->modes = 0;
		s->threads = 0;
		return;
	}
	s->reported = 1;
	if (!claim(tgid, start))
		return;
	ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
	if (!ev) {
		/* let the next observation try again */
		stat_inc(NM_RANDOMX_STAT_LOST);
		bpf_map_delete_elem(&reported, &tgid);
		s->reported = 0;
		return;
	}
	ev->start_ns = start;
	ev->first_ns = s->first_ns;
	ev->ts_ns = now;
	ev->window_ns = window_ns;
	ev->cgroup_id = current_cgroup_id();
	ev->tgid = tgid;
	ev->pid = (__u32)id;
	ev->count = est;
	ev->threshold = threshold;
	ev->modes = s->modes;
	ev->threads = __builtin_popcountll(s->threads);
	ev->flags = NM_RANDOMX_IN_SCOPE;
	ev->pad = 0;
	BPF_CORE_READ_STR_INTO(&ev->comm, t, group_leader, comm);
	bpf_ringbuf_submit(ev, 0);
	stat_inc(NM_RANDOMX_STAT_REPORTS);
}

/* A switch-out with rounding mode m != 0: the rare path. */
static __always_inline void observe(struct fpu *fpu, __u32 mode)
{
	struct task_struct *t = (void *)bpf_get_current_task();
	__u64 id, now;
	struct proc_state *s;
	__u32 est;

	if (!fpu_is_current(fpu, t)) {
		stat_inc(NM_RANDOMX_STAT_FOREIGN);
		return;
	}
	if (!in_scope())
		return;
	stat_inc(NM_RANDOMX_STAT_ODD);
	id = bpf_get_current_pid_tgid();
	now = bpf_ktime_get_boot_ns();
	s = proc_get(id >> 32, t, now);
	if (!s || s->reported)
		return;
	s->modes |= 1u << mode;
	/* Fibonacci hash of the thread id onto 64 bits */
	s->threads |= 1ull << ((((__u32)id) * 2654435769u) >> 26);
	est = count(s, now);
	if (est >= threshold && (__u32)__builtin_popcount(s->modes) >= min_modes)
		report(s, t, id, est, now);
}

SEC("tp_btf/x86_fpu_regs_deactivated")
int BPF_PROG(fpu_switch_out, struct fpu *fpu)
{
	__u32 mode = (saved_mxcsr(fpu) >> NM_RANDOMX_RC_SHIFT) & NM_RANDOMX_RC_MASK;

	stat_inc(NM_RANDOMX_STAT_SWITCHES);
	if (mode)
		observe(fpu, mode);
	return 0;
}

static __always_inline void forget(__u32 tgid)
{
	bpf_map_delete_elem(&procs, &tgid);
	bpf_map_delete_elem(&reported, &tgid);
}

/* Forgets a process when its last thread exits, so a reused tgid starts
 * clean (the LRU maps cover whatever this misses). */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(proc_exit, struct task_struct *p)
{
	if (BPF_CORE_READ(p, signal, live.counter) > 0)
		return 0;
	forget(BPF_CORE_READ(p, tgid));
	return 0;
}

/* A new image is judged afresh: a process spared (not re-armed) that execs
 * something else must not stay marked. */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(proc_exec, struct task_struct *p)
{
	forget(BPF_CORE_READ(p, tgid));
	return 0;
}

#endif /* __TARGET_ARCH_x86 */
