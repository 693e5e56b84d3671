// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* exec.bpf.c - at each exec, sends the new image's whole argv to user space
 * and extends the process's lineage, before its first instruction runs. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "exec_event.h"
#include "lineage.bpf.h"
#include "scope.bpf.h"
#include "verdict.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define SIGKILL 9
#define SIGSTOP 19

/* Filled by user space before load. */
const volatile bool report_all;   /* also send out-of-scope execs (--debug) */
const volatile bool audit;        /* judge, report, never signal */

/* The verdict tables, swapped whole by user space on reload: an exec looks
 * the inner map up once, so it is judged by one table or the other. No
 * entry means no kernel verdict: every exec goes to user space. */
struct tables_inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(key_size, 4);
	__uint(value_size, 65536);   /* set to the cap before load */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct tables_inner);
} tables SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20);
} events SEC(".maps");

/* One record of scratch per CPU: tracepoints run with preemption disabled,
 * so a program run owns its CPU's slot until it returns. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct exec_record);
} scratch SEC(".maps");

/* Exemptions: which cgroups user space has classified (enum nm_cg_class). */
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

/* Every process frozen at exec, until user space has decided it. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, struct nm_frozen);
} frozen SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NM_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

/* Per-CPU exec counter: ids are (count << 12 | cpu), unique without atomics.
 * User space allocates its own ids with bit 63 set. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} exec_seq SEC(".maps");

static __always_inline void stat_inc(__u32 which)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &which);

	if (v)
		*v += 1;
}

static __always_inline __u64 next_exec_id(void)
{
	__u32 zero = 0;
	__u64 *seq = bpf_map_lookup_elem(&exec_seq, &zero);

	if (!seq)
		return 0;
	*seq += 1;
	return (*seq << 12) | (bpf_get_smp_processor_id() & 0xfff);
}

/* Shifts the new exec id into the task's ancestry. */
static __always_inline void lineage_push(struct task_struct *p, __u64 id)
{
	struct lineage *l;

	l = bpf_task_storage_get(&lineage, p, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!l) {
		stat_inc(NM_STAT_NO_STORAGE);
		return;
	}
	for (int i = NM_LINEAGE_DEPTH - 1; i > 0; i--)
		l->ids[i] = l->ids[i - 1];
	l->ids[0] = id;
}

struct chunk_ctx {
	unsigned long start;
	__u32 len;
	bool env;
};

/* Sends area[i * NM_CHUNK_MAX, ...) (argv, then maybe the environment) as
 * one record; stops the loop when the area is done or the ring buffer is
 * full (user space then reads /proc). */
static long send_chunk(__u32 i, void *data)
{
	struct chunk_ctx *c = data;
	struct exec_record *r;
	__u32 zero = 0, off, len;

	r = bpf_map_lookup_elem(&scratch, &zero);
	if (!r)
		return 1;
	off = i * NM_CHUNK_MAX;
	if (off >= c->len && !(off == 0 && c->len == 0))
		return 1;
	len = c->len - off;
	if (len > NM_CHUNK_MAX)
		len = NM_CHUNK_MAX;
	/* len is 1..NM_CHUNK_MAX here (0 only for an empty argv); written as
	 * a mask so the verifier can see the bound. */
	if (len)
		len = ((len - 1) & (NM_CHUNK_MAX - 1)) + 1;
	r->off = off;
	r->len = len;
	if (len && bpf_probe_read_user(r->data, len, (void *)(c->start + off))) {
		if (c->env) {           /* the argv already sent stays good */
			r->flags |= NM_EXEC_ENV_FAIL;
		} else {
			r->flags |= NM_EXEC_READ_FAIL;
			stat_inc(NM_STAT_READ_FAIL);
		}
	}
	if (bpf_ringbuf_output(&events, r, NM_RECORD_SIZE(len), 0)) {
		stat_inc(NM_STAT_LOST);
		return 1;
	}
	return 0;
}

/* The length of the user area [start, end), at most max (*trunc set when
 * it was longer). */
static __always_inline __u32 area_len(unsigned long start, unsigned long end, __u32 max,
				      bool *trunc)
{
	unsigned long len = end > start ? end - start : 0;

	*trunc = len > max;
	return *trunc ? max : (__u32)len;
}

/* SIGSTOP, and a note that survives lost records. */
static __always_inline void freeze(struct exec_record *r)
{
	struct nm_frozen f = {
		.start_ns = r->start_ns, .cgroup_id = r->cgroup_id,
		.at_ns = bpf_ktime_get_ns(), .cgroup1_id = r->cgroup1_id,
	};
	__u32 tgid = r->tgid;

	bpf_send_signal(SIGSTOP);
	bpf_map_update_elem(&frozen, &tgid, &f, BPF_ANY);
}

/* The kernfs id of the task's cgroup in the v1 freezer hierarchy (cgroup v1
 * placements share the unified root, whose id says nothing), 0 if none. */
static __always_inline __u64 freezer_cgroup_id(struct task_struct *p)
{
	if (!bpf_core_enum_value_exists(enum cgroup_subsys_id, freezer_cgrp_id))
		return 0;
	return BPF_CORE_READ(p, cgroups, subsys[bpf_core_enum_value(enum cgroup_subsys_id,
								      freezer_cgrp_id)],
			     cgroup, kn, id);
}

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

/* Judges argv with the kernel tables. Returns the record flags to add, or
 * -1 when the tables cannot judge (none loaded, unreadable argv). */
static __always_inline int kernel_judge(struct exec_record *r, unsigned long arg_start, bool act)
{
	struct kwalk k = { .r = r, .arg_start = arg_start, .argv_len = r->argv_len };
	__u32 zero = 0;
	void *inner;
	__s64 id;
	int cls;

	inner = bpf_map_lookup_elem(&tables, &zero);
	if (!inner)
		return -1;
	k.w = bpf_map_lookup_elem(inner, &zero);
	if (!k.w || k.w[0] != NM_KT_MAGIC || (r->flags & NM_EXEC_ARGV_TRUNC))
		return -1;
	r->gen = ((const struct nm_kt_header *)k.w)->generation;
	id = kw_banned(&k);
	if (id == -2)
		return -1;
	r->matched = (int)id;
	if (id < 0)
		return NM_EXEC_KJUDGED;
	if (kw_allowed(&k))
		return NM_EXEC_KJUDGED | NM_EXEC_ALLOWED;
	if (audit || !act)
		return NM_EXEC_KJUDGED | NM_EXEC_AUDIT;
	cls = cgroup_class_of(r->cgroup_id);
	if (cls == NM_CG_EXEMPT)
		return NM_EXEC_KJUDGED | NM_EXEC_EXEMPT;
	if (cls == NM_CG_UNKNOWN) {   /* user space looks the container up */
		freeze(r);
		return NM_EXEC_KJUDGED | NM_EXEC_FROZEN | NM_EXEC_UNKNOWN_CG;
	}
	if (((const struct nm_kt_header *)k.w)->allow_mode == NM_KT_ALLOW_PARTIAL) {
		freeze(r);
		return NM_EXEC_KJUDGED | NM_EXEC_FROZEN;
	}
	/* taken on the way back to user mode: the new image never runs */
	bpf_send_signal(SIGKILL);
	return NM_EXEC_KJUDGED | NM_EXEC_KILLED;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(handle_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct chunk_ctx c = {}, e = {};
	struct exec_record *r;
	__u32 zero = 0, nchunks;
	bool trunc;
	__u64 id = next_exec_id();
	bool scoped;
	int judged = -1;

	lineage_push(p, id);
	stat_inc(NM_STAT_EXECS);
	scoped = in_scope();
	if (!scoped && !report_all)
		return 0;
	r = bpf_map_lookup_elem(&scratch, &zero);
	if (!r)
		return 0;
	r->exec_id = id;
	r->start_ns = BPF_CORE_READ(p, start_boottime);
	r->cgroup_id = bpf_get_current_cgroup_id();
	r->cgroup1_id = freezer_cgroup_id(p);
	r->tgid = BPF_CORE_READ(p, tgid);
	r->ppid = BPF_CORE_READ(p, real_parent, tgid);
	r->uid = (__u32)bpf_get_current_uid_gid();
	r->flags = scoped ? NM_EXEC_IN_SCOPE : 0;
	r->matched = -1;
	r->gen = 0;
	r->env_len = 0;

	c.start = BPF_CORE_READ(p, mm, arg_start);
	c.len = area_len(c.start, BPF_CORE_READ(p, mm, arg_end), NM_ARGV_MAX, &trunc);
	if (trunc)
		r->flags |= NM_EXEC_ARGV_TRUNC;
	r->argv_len = c.len;
	if (scoped)
		judged = kernel_judge(r, c.start, true);
	if (judged >= 0) {
		r->flags |= judged;
		/* nothing banned: user space has nothing to do */
		if (r->matched < 0 && !report_all)
			return 0;
	}
	/* A banned exec's environment (the hub user, the Binder repo) goes
	 * along: a process killed here is gone before user space could read it. */
	if (r->matched >= 0) {
		e.start = BPF_CORE_READ(p, mm, env_start);
		e.len = area_len(e.start, BPF_CORE_READ(p, mm, env_end), NM_ENV_MAX, &trunc);
		if (trunc)
			r->flags |= NM_EXEC_ENV_TRUNC;
		r->env_len = e.len;
	}
	bpf_get_current_comm(r->comm, sizeof(r->comm));
	bpf_probe_read_kernel_str(r->filename, sizeof(r->filename), BPF_CORE_READ(bprm, filename));
	nchunks = c.len ? (c.len + NM_CHUNK_MAX - 1) / NM_CHUNK_MAX : 1;
	if (bpf_loop(nchunks, send_chunk, &c, 0) != nchunks || !e.len)
		return 0;
	r = bpf_map_lookup_elem(&scratch, &zero);
	if (!r)
		return 0;
	r->flags |= NM_EXEC_ENV_REC;
	e.env = true;
	bpf_loop((e.len + NM_CHUNK_MAX - 1) / NM_CHUNK_MAX, send_chunk, &e, 0);
	return 0;
}

/* Test entry (not attached; loaded only by the tests): judges an argv in
 * the caller's memory with the loaded tables, as handle_exec would. */
struct verdict_test_args {
	__u64 argv;
	__u32 len;
	__s32 matched;
	__s32 flags;
};

SEC("syscall")
int verdict_test(struct verdict_test_args *args)
{
	struct exec_record *r;
	__u32 zero = 0;
	int f;

	r = bpf_map_lookup_elem(&scratch, &zero);
	if (!r)
		return 1;
	r->argv_len = args->len;
	r->flags = 0;
	r->matched = -1;
	f = kernel_judge(r, args->argv, false);
	args->matched = r->matched;
	args->flags = f;
	return 0;
}
