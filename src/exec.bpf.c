// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* exec.bpf.c - at each exec, sends the new image's whole argv to user space
 * and extends the process's lineage, before its first instruction runs. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "exec_event.h"
#include "exempt.bpf.h"
#include "frozen.bpf.h"
#include "tunables.h"
#include "lineage.bpf.h"
#include "scope.bpf.h"
#include "verdict.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define SIGKILL 9
#define SIGSTOP 19

/* Filled by user space before load. */
const volatile bool report_all;   /* also send out-of-scope execs (--debug) */
const volatile bool audit;        /* judge, report, never signal */
const volatile bool test_unjudged; /* tests only: every walk "could not finish" */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, NM_RING_CAPTURE_BYTES); /* exec.c sizes it per program */
} events SEC(".maps");

/* Files sent to user space for a scan (value: enum nm_exe_seen). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, NM_EXE_SEEN_ENTRIES);
	__type(key, struct nm_exe_id);
	__type(value, __u32);
} exe_seen SEC(".maps");

/* Files a scan found to be miners: every exec of one is killed here. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NM_EXE_BAD_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct nm_exe_id);
	__type(value, __u32);
} exe_bad SEC(".maps");

#define NM_STATS_N NM_STAT_MAX
#include "stats.bpf.h"

/* Per-CPU exec counter: ids are (count << 12 | cpu), unique without atomics.
 * User space allocates its own ids with bit 63 set. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} exec_seq SEC(".maps");

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

	if (lineage_kind == NM_LINEAGE_NONE)
		return;
	l = lineage_get(p, true);
	if (!l) {
		stat_inc(NM_STAT_NO_STORAGE);
		return;
	}
	lineage_push_exec(l, id, p);
}

/* Sends area[i * NM_CHUNK_MAX, ...) (argv, or with env the environment)
 * as one record built in scratch. Returns 1 when the area is done or the
 * ring buffer is full (user space then reads /proc). A global function:
 * verified once, whichever loop calls it. */
__noinline int send_area(__u32 i, __u64 start, __u32 total, __u32 env)
{
	struct exec_record *r = kw_scratch();
	__u32 off, len;

	if (!r)
		return 1;
	off = i * NM_CHUNK_MAX;
	if (off >= total && !(off == 0 && total == 0))
		return 1;
	len = total - off;
	if (len > NM_CHUNK_MAX)
		len = NM_CHUNK_MAX;
	/* len is 1..NM_CHUNK_MAX here (0 only for an empty argv); written as
	 * a mask so the verifier can see the bound. */
	if (len)
		len = ((len - 1) & (NM_CHUNK_MAX - 1)) + 1;
	r->off = off;
	r->len = len;
	if (env)
		r->flags |= NM_EXEC_ENV_REC;
	if (len && bpf_probe_read_user(r->data, len, (void *)(start + off))) {
		if (env) {           /* the argv already sent stays good */
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

/* Records for a whole area (at most max_chunks), in order. A bounded loop
 * rather than bpf_loop, so that the capture program loads where bpf_loop
 * does not exist (5.10), and a global function, so that the verifier walks
 * the loop once, not once per path of the program that calls it. Returns 1
 * if every record went. */
__noinline int send_records(__u64 start, __u32 len, __u32 max_chunks, __u32 env)
{
	__u32 n = len ? (len + NM_CHUNK_MAX - 1) / NM_CHUNK_MAX : 1;

	for (__u32 i = 0; i < NM_ARGV_MAX / NM_CHUNK_MAX; i++) {
		if (i >= n || i >= max_chunks)
			return 1;
		if (send_area(i, start, len, env))
			return 0;
	}
	return 1;
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
static __always_inline void freeze(struct exec_record *r, bool unjudged)
{
	struct nm_frozen f = {
		.start_ns = r->start_ns, .cgroup_id = r->cgroup_id,
		.at_ns = bpf_ktime_get_ns(), .cgroup1_id = r->cgroup1_id, .unjudged = unjudged,
		.exec_id = r->exec_id,
	};
	__u32 tgid = r->tgid;

	bpf_send_signal(SIGSTOP);
	bpf_map_update_elem(&frozen, &tgid, &f, BPF_ANY);
}

/* The inode's change stamp moved in 6.6 (__i_ctime) and split in 6.11. */
struct inode___ctime611 {
	time64_t i_ctime_sec;
	u32 i_ctime_nsec;
} __attribute__((preserve_access_index));

struct inode___ctime66 {
	struct timespec64 __i_ctime;
} __attribute__((preserve_access_index));

struct inode___ctime_old {
	struct timespec64 i_ctime;
} __attribute__((preserve_access_index));

/* The file the new image runs (for a #! script: its interpreter). */
static __always_inline void exe_identify(struct linux_binprm *bprm, struct nm_exe_id *id)
{
	struct inode *ino = BPF_CORE_READ(bprm, file, f_inode);

	id->ino = BPF_CORE_READ(ino, i_ino);
	id->dev = BPF_CORE_READ(ino, i_sb, s_dev);
	if (bpf_core_field_exists(struct inode___ctime611, i_ctime_sec)) {
		struct inode___ctime611 *i = (void *)ino;

		id->ctime_sec = BPF_CORE_READ(i, i_ctime_sec);
		/* multigrain timestamps (6.13+) keep a "queried" flag in bit 31:
		 * a stat(2) must not make the file another one */
		id->ctime_nsec = BPF_CORE_READ(i, i_ctime_nsec) & NM_CTIME_NSEC_MASK;
	} else if (bpf_core_field_exists(struct inode___ctime66, __i_ctime)) {
		struct inode___ctime66 *i = (void *)ino;

		id->ctime_sec = BPF_CORE_READ(i, __i_ctime.tv_sec);
		id->ctime_nsec = (u32)BPF_CORE_READ(i, __i_ctime.tv_nsec) & NM_CTIME_NSEC_MASK;
	} else {
		struct inode___ctime_old *i = (void *)ino;

		id->ctime_sec = BPF_CORE_READ(i, i_ctime.tv_sec);
		id->ctime_nsec = (u32)BPF_CORE_READ(i, i_ctime.tv_nsec) & NM_CTIME_NSEC_MASK;
	}
}

/* Directories the name walk climbs: deeper paths lose their top (flagged). */
#define NM_PATH_DEPTH 40

/* The exec's name says nothing of its file when it went through a
 * descriptor (/dev/fd/N[/name]: execveat, fexecve), a /proc link or a
 * relative name; only those execs pay for the walk below. */
static __always_inline bool exe_name_hidden(const char *f)
{
	if (f[0] != '/')
		return true;
	if (f[1] == 'd' && f[2] == 'e' && f[3] == 'v' && f[4] == '/' && f[5] == 'f' &&
	    f[6] == 'd' && f[7] == '/')
		return true;
	return f[1] == 'p' && f[2] == 'r' && f[3] == 'o' && f[4] == 'c' && f[5] == '/';
}

/* Puts "/" + the dentry's name in front of exe_name[r->exe_name_off..];
 * 0 when it does not fit (the path is then partial). The offset lives in
 * the record and is masked at each use: every path through the walk has
 * the same bounds for the verifier, so its states prune. */
static __always_inline int exe_name_prepend(struct exec_record *r, struct dentry *d)
{
	__u32 len = BPF_CORE_READ(d, d_name.len), end = r->exe_name_off, pos;
	char keep;

	if (len + 1 > end)
		return 0;
	end &= NM_FILENAME_MAX - 1;
	pos = (end - len) & (NM_FILENAME_MAX - 1);
	len &= NM_FILENAME_MAX - 1;
	/* _str: a rename racing this read can put a shorter name in place of
	 * the one len measured; the copy stops at that name's end instead of
	 * reading the kernel memory past it into the event. Its NUL lands on
	 * the byte after the name, which is put back. */
	keep = r->exe_name[end];
	bpf_probe_read_kernel_str(&r->exe_name[pos], len + 1, BPF_CORE_READ(d, d_name.name));
	r->exe_name[end] = keep;
	pos = (pos - 1) & (NM_FILENAME_MAX - 1);
	r->exe_name[pos] = '/';
	r->exe_name_off = pos;
	return 1;
}

/* The path of the file the new image runs, as /proc/PID/exe would give it
 * (bpf_d_path is not allowed in this hook): its dentries up to the task's
 * root, across mounts. A file with no parent on its mount (a memfd, an
 * anonymous file) is its name alone, as the kernel names it, and deleted.
 * A global function: verified once, apart from the exec program's paths. */
__noinline int exe_name_walk(__u64 file_addr)
{
	struct exec_record *r = kw_scratch();
	struct file *f = (void *)file_addr;
	struct task_struct *t = (void *)bpf_get_current_task();
	struct dentry *d, *parent, *root_d;
	struct vfsmount *vm, *root_m;
	struct mount *m, *pm;
	__u64 mnt_off = bpf_core_field_offset(struct mount, mnt);

	if (!r)
		return 0;
	r->exe_name_off = NM_FILENAME_MAX - 1;
	r->exe_name[NM_FILENAME_MAX - 1] = 0;
	d = BPF_CORE_READ(f, f_path.dentry);
	vm = BPF_CORE_READ(f, f_path.mnt);
	m = (void *)vm - mnt_off;
	root_d = BPF_CORE_READ(t, fs, root.dentry);
	root_m = BPF_CORE_READ(t, fs, root.mnt);
	/* as d_unlinked(): out of the dentry hash, and not a root */
	if (!BPF_CORE_READ(d, d_hash.pprev) && BPF_CORE_READ(d, d_parent) != d)
		r->flags |= NM_EXEC_EXE_DELETED;
	for (int i = 0; i < NM_PATH_DEPTH; i++) {
		if (d == root_d && vm == root_m)
			return 0;
		if (d == BPF_CORE_READ(vm, mnt_root)) {
			pm = BPF_CORE_READ(m, mnt_parent);
			if (pm == m)      /* the namespace's top */
				return 0;
			d = BPF_CORE_READ(m, mnt_mountpoint);
			m = pm;
			vm = (void *)pm + mnt_off;
			continue;
		}
		parent = BPF_CORE_READ(d, d_parent);
		if (parent == d) {
			/* on no directory: a memfd ("memfd:NAME"), an
			 * anonymous file; the kernel calls it deleted */
			r->flags |= NM_EXEC_EXE_DELETED;
			if (!exe_name_prepend(r, d))
				r->flags |= NM_EXEC_EXE_PARTIAL;
			return 0;
		}
		if (!exe_name_prepend(r, d)) {
			r->flags |= NM_EXEC_EXE_PARTIAL;
			return 0;
		}
		d = parent;
	}
	r->flags |= NM_EXEC_EXE_PARTIAL;
	return 0;
}

/* NM_EXEC_NEW_EXE the first time the kernel sees the file (user space
 * scans it), NM_EXEC_INTERP for an interpreter user space marked. */
static __always_inline __u32 exe_seen_flags(const struct nm_exe_id *id)
{
	__u32 *v = bpf_map_lookup_elem(&exe_seen, id), seen = NM_EXE_SEEN;

	if (v)
		return (*v & NM_EXE_INTERP) ? NM_EXEC_INTERP : 0;
	bpf_map_update_elem(&exe_seen, id, &seen, BPF_NOEXIST);
	return NM_EXEC_NEW_EXE;
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

/* What becomes of an exec found banned (by argv or by its file): the
 * flags to add. partial: allow patterns only user space can run remain. */
static __always_inline int condemn(struct exec_record *r, bool act, bool partial)
{
	int cls;

	if (audit || !act)
		return NM_EXEC_AUDIT;
	cls = cgroup_class_of(r->cgroup_id);
	if (cls == NM_CG_EXEMPT)
		return NM_EXEC_EXEMPT;
	if (cls == NM_CG_UNKNOWN) {   /* user space looks the container up */
		freeze(r, false);
		return NM_EXEC_FROZEN | NM_EXEC_UNKNOWN_CG;
	}
	if (partial) {
		freeze(r, false);
		return NM_EXEC_FROZEN;
	}
	/* taken on the way back to user mode: the new image never runs */
	bpf_send_signal(SIGKILL);
	return NM_EXEC_KILLED;
}

/* Judges argv with the kernel tables. Returns the record flags to add, -1
 * when there are no tables to judge with (none loaded: user space judges
 * every exec), or -2 when the walk could not finish (unreadable argv,
 * tables swapped during it, bpf_loop's round limit). */
static __always_inline int kernel_judge(struct exec_record *r, unsigned long arg_start, bool act)
{
	const struct nm_kt_header *h = (const void *)kw_tables(~0u);
	__u32 argv_len = r->argv_len;
	__s64 id;
	int allowed;

	if (!h)
		return -1;
	if ((r->flags & NM_EXEC_ARGV_TRUNC) || test_unjudged)
		return -2;
	r->gen = h->generation;
	id = kw_banned(h, arg_start, argv_len);
	if (id == -2)
		return -2;
	r->matched = (int)id;
	if (id < 0)
		return NM_EXEC_KJUDGED;
	allowed = kw_allowed(h, arg_start, argv_len);
	if (allowed < 0)
		return -2;
	if (allowed)
		return NM_EXEC_KJUDGED | NM_EXEC_ALLOWED;
	return NM_EXEC_KJUDGED | condemn(r, act, h->allow_mode == NM_KT_ALLOW_PARTIAL);
}

/* What every exec program does; verdict (a constant) says whether the
 * kernel judges argv itself or leaves every verdict to user space. */
static __always_inline int on_exec(struct task_struct *p, pid_t old_pid,
				   struct linux_binprm *bprm, bool verdict)
{
	struct exec_record *r;
	__u32 zero = 0;
	__u64 id = next_exec_id(), start, env_start;
	__u32 len, env_len = 0;
	bool scoped, trunc;
	int judged = -1;

	if ((__u32)old_pid != (__u32)BPF_CORE_READ(p, pid))
		lineage_exec_moved(p, (__u32)old_pid);
	lineage_push(p, id);
	stat_inc(NM_STAT_EXECS);
	scoped = in_scope();
	if (!scoped && !report_all)
		return 0;
	r = bpf_map_lookup_elem(&scratch, &zero);
	if (!r)
		return 0;
	r->exec_id = id;
	r->exec_ns = bpf_ktime_get_ns();
	r->start_ns = BPF_CORE_READ(p, start_boottime);
	r->cgroup_id = current_cgroup_id();
	r->cgroup1_id = freezer_cgroup_id(p);
	r->tgid = BPF_CORE_READ(p, tgid);
	r->ppid = BPF_CORE_READ(p, real_parent, tgid);
	r->uid = (__u32)bpf_get_current_uid_gid();
	r->flags = scoped ? NM_EXEC_IN_SCOPE : 0;
	r->matched = -1;
	r->gen = 0;
	r->env_len = 0;

	start = BPF_CORE_READ(p, mm, arg_start);
	len = area_len(start, BPF_CORE_READ(p, mm, arg_end), NM_ARGV_MAX, &trunc);
	if (trunc)
		r->flags |= NM_EXEC_ARGV_TRUNC;
	r->argv_len = len;
	exe_identify(bprm, &r->exe);
	if (scoped) {
		r->flags |= exe_seen_flags(&r->exe);
		/* a file a scan found to be a miner, under any name: not
		 * spared by command-line allow patterns */
		if (bpf_map_lookup_elem(&exe_bad, &r->exe))
			r->flags |= NM_EXEC_BAD_EXE | condemn(r, true, false);
	}
	if (verdict && scoped && !(r->flags & NM_EXEC_BAD_EXE))
		judged = kernel_judge(r, start, true);
	/* tables there but no verdict (a hostile argv can try for this): held
	 * before its first instruction while user space judges it */
	if (judged == -2 && !audit) {
		freeze(r, true);
		r->flags |= NM_EXEC_FROZEN | NM_EXEC_UNJUDGED;
	}
	if (judged >= 0) {
		r->flags |= judged;
		/* nothing banned: user space has nothing to do (and counts
		 * only what it judges: cryptnono's checked and no-match) */
		if (r->matched < 0 && !report_all &&
		    !(r->flags & (NM_EXEC_NEW_EXE | NM_EXEC_INTERP))) {
			stat_inc(NM_STAT_CLEAN);
			return 0;
		}
	}
	/* A banned exec's environment (the hub user, the Binder repo) goes
	 * along: a process killed here is gone before user space could read it. */
	if (r->matched >= 0 || (r->flags & NM_EXEC_BAD_EXE)) {
		env_start = BPF_CORE_READ(p, mm, env_start);
		env_len = area_len(env_start, BPF_CORE_READ(p, mm, env_end), NM_ENV_MAX, &trunc);
		if (trunc)
			r->flags |= NM_EXEC_ENV_TRUNC;
		r->env_len = env_len;
	}
	bpf_get_current_comm(r->comm, sizeof(r->comm));
	bpf_probe_read_kernel_str(r->filename, sizeof(r->filename), BPF_CORE_READ(bprm, filename));
	if (exe_name_hidden(r->filename)) {
		r->flags |= NM_EXEC_EXE_NAMED;
		exe_name_walk((__u64)BPF_CORE_READ(bprm, file));
	}
	if (!send_records(start, len, NM_ARGV_MAX / NM_CHUNK_MAX, 0)) {
		/* records lost (ring full) of an exec nobody judged yet: hold it
		 * before its first instruction, so user space judges its argv
		 * from /proc while it cannot have changed it */
		if (judged < 0 && scoped && !audit && !(r->flags & NM_EXEC_UNJUDGED))
			freeze(r, true);
		return 0;
	}
	if (!env_len)
		return 0;
	send_records(env_start, env_len, NM_ENV_MAX / NM_CHUNK_MAX, 1);
	return 0;
}

/* Judges every exec in the kernel (needs bpf_loop, 5.17+). */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(handle_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	return on_exec(p, old_pid, bprm, true);
}

/* Only captures argv for a verdict in user space, after exec: where the
 * judging program cannot load. */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(handle_exec_capture, struct task_struct *p, pid_t old_pid,
	     struct linux_binprm *bprm)
{
	return on_exec(p, old_pid, bprm, false);
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
