// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* net.bpf.c - the network detector in the kernel: a connect() or an
 * unconnected UDP send to a banned address is refused (EPERM) and reported,
 * before a byte leaves; TCP connects to new destinations are counted per
 * process, and a process over the threshold is reported. Attached to the
 * --scope-cgroup cgroups (or the root), so the kernel's own hierarchy
 * decides scope (see net_watch.c). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "net_types.h"
#include "exempt.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Filled by user space before load. */
const volatile __u32 audit;        /* report only: the call goes through */
/* Who called: bpf_get_current_pid_tgid and _comm in cgroup sock_addr
 * programs. Kernels whose verifier refuses them there load the object
 * again with this 0 (the branch is then dead code the verifier skips):
 * calls are still refused and reported, by cgroup, without a process. */
const volatile __u32 know_caller = 1;

/* The banned networks, one LPM trie per family behind a one-slot outer
 * map: a reload builds new tries and swaps each in with one update, so a
 * lookup sees the old list or the new one, never half of either. An empty
 * slot (no networks of that family) lets everything through. Sizes, not
 * key types: clang emits a key struct used only by value on the stack as a
 * forward declaration, which libbpf cannot size. */
struct trie4 {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, NM_NET_ADDRS_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(key_size, sizeof(struct nm_lpm4));
	__uint(value_size, 1);
};

struct trie6 {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, NM_NET_ADDRS_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(key_size, sizeof(struct nm_lpm6));
	__uint(value_size, 1);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct trie4);
} banned4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct trie6);
} banned6 SEC(".maps");

/* Networks a scan does not count (uncountedNetworks), swapped as above. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct trie4);
} uncounted4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct trie6);
} uncounted6 SEC(".maps");

/* When each process last had each destination counted (boot-time ms). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, NM_SCAN_DESTS);
	__type(key, struct nm_scan_key);
	__type(value, __u32);
} scan_dests SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, NM_SCAN_PROCS);
	__type(key, __u32);
	__type(value, struct nm_scan_proc);
} scan_procs SEC(".maps");

/* Written by user space at load and at every reload, one update. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nm_scan_conf);
} scan_conf SEC(".maps");

/* A new process's entry is copied from here: too large for the stack. */
static const struct nm_scan_proc empty_proc;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 << 10);
} events SEC(".maps");

#define NM_STATS_N NM_NET_NSTATS
#include "stats.bpf.h"

/* Reports a call to a banned destination; returns the program's verdict
 * (0: refused, the caller gets EPERM; 1: allowed, in audit mode or from a
 * cgroup user space classified exempt: an exempt namespace sees nothing
 * refused. An unclassified cgroup is refused; its report makes user space
 * classify it, for the next call). */
static __always_inline int deny(struct bpf_sock_addr *ctx, __u8 family, const void *addr,
				__u8 op, __u32 flags)
{
	__u64 cgid = bpf_get_current_cgroup_id();
	int allow = audit || cgroup_class_of(cgid) == NM_CG_EXEMPT;
	struct nm_net_event *e;

	stat_inc(NM_NET_STAT_DENIED);
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		stat_inc(NM_NET_STAT_LOST);
		return allow;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->cgroup_id = cgid;
	e->ts_ns = bpf_ktime_get_boot_ns();
	e->uid = (__u32)bpf_get_current_uid_gid();
	if (know_caller) {
		__u64 id = bpf_get_current_pid_tgid();

		e->tgid = id >> 32;
		e->tid = (__u32)id;
		bpf_get_current_comm(e->comm, sizeof(e->comm));
	}
	e->port = bpf_ntohs((__u16)ctx->user_port);
	e->family = family;
	e->op = op;
	e->flags = flags | (allow ? 0 : NM_NET_DENIED);
	e->protocol = ctx->protocol;
	__builtin_memcpy(e->addr, addr, family == 4 ? 4 : 16);
	bpf_ringbuf_submit(e, 0);
	return allow;
}

/* Sends the scan event of process p, whose newest count is at slot h. */
static __always_inline void report_scan(struct bpf_sock_addr *ctx, const struct nm_scan_conf *c,
					struct nm_scan_proc *p, __u32 h, __u32 now, __u32 first,
					__u32 flags)
{
	struct nm_net_event *e;

	stat_inc(NM_NET_STAT_SCANS);
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		stat_inc(NM_NET_STAT_LOST);
		return;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->cgroup_id = bpf_get_current_cgroup_id();
	e->ts_ns = bpf_ktime_get_boot_ns();
	e->uid = (__u32)bpf_get_current_uid_gid();
	e->tgid = bpf_get_current_pid_tgid() >> 32;
	e->tid = (__u32)bpf_get_current_pid_tgid();
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	e->op = NM_NET_CONNECT;
	e->flags = flags | NM_NET_SCAN;
	e->protocol = ctx->protocol;
	e->count = c->threshold + 1;
	e->threshold = c->threshold;
	e->window_ms = c->window_ms;
	e->span_ms = now - first;
	for (__u32 i = 0; i < NM_SCAN_RECENT; i++)
		e->recent[i] = p->recent[(h - i) & (NM_SCAN_RECENT - 1)];
	e->port = e->recent[0].port;
	e->family = e->recent[0].family;
	__builtin_memcpy(e->addr, e->recent[0].addr, 16);
	bpf_ringbuf_submit(e, 0);
}

/* Counts a TCP connect to k's destination by the calling process: a
 * destination counts when the process has not had it counted within the
 * window; the process is over the threshold T when its (T+1)-th newest
 * count is within the window too. Reported once per burst: a process quiet
 * for a whole window starts a new one. */
static __always_inline void count(struct bpf_sock_addr *ctx, const struct nm_scan_conf *c,
				  struct nm_scan_key *k, __u32 flags)
{
	__u32 now = (__u32)(bpf_ktime_get_boot_ns() / 1000000), t = c->threshold, h, *seen;
	struct nm_scan_proc *p;

	k->tgid = bpf_get_current_pid_tgid() >> 32;
	seen = bpf_map_lookup_elem(&scan_dests, k);
	if (seen && now - *seen < c->window_ms)
		return;
	bpf_map_update_elem(&scan_dests, k, &now, BPF_ANY);
	stat_inc(NM_NET_STAT_COUNTED);
	p = bpf_map_lookup_elem(&scan_procs, &k->tgid);
	if (!p) {
		bpf_map_update_elem(&scan_procs, &k->tgid, &empty_proc, BPF_NOEXIST);
		p = bpf_map_lookup_elem(&scan_procs, &k->tgid);
		if (!p)
			return;
	}
	/* threads of one process racing here may share a slot: a count lost,
	 * never one made up */
	h = p->head;
	/* quiet for a whole window: what follows is a new burst, reported
	 * again if it is a scan (a process with a reused pid starts so too) */
	if (h && now - p->times[(h - 1) & (NM_SCAN_RING - 1)] >= c->window_ms)
		p->reported = 0;
	p->times[h & (NM_SCAN_RING - 1)] = now;
	p->recent[h & (NM_SCAN_RECENT - 1)] = k->dst;
	p->head = h + 1;
	if (p->reported || h < t || t > NM_SCAN_THRESHOLD_MAX)
		return;
	/* slot h - t holds the (t+1)-th newest count */
	if (now - p->times[(h - t) & (NM_SCAN_RING - 1)] >= c->window_ms)
		return;
	p->reported = 1;
	report_scan(ctx, c, p, h, now, p->times[(h - t) & (NM_SCAN_RING - 1)], flags);
}

static __always_inline int pool_port(const struct nm_scan_conf *c, __u16 port)
{
	__u32 i = port >> 3;

	/* the verifiers of 5.10, 6.1 and 6.12 lose a byte swap's bounds (6.18
	 * keeps them); clang drops a mask it knows is redundant for a __u16,
	 * so the mask goes past a barrier */
	barrier_var(i);
	i &= sizeof(c->pool_ports) - 1;
	return c->pool_ports[i] & (1 << (port & 7));
}

/* Judges a call to k's destination (lpm: its trie key): refused if a
 * banned network holds it, or if it is a TCP connect to a pool port and
 * banPoolPorts says so; else a TCP connect by a known process is counted
 * towards a scan, unless an uncounted network holds it. */
static __always_inline int judge(struct bpf_sock_addr *ctx, struct nm_scan_key *k, void *banned,
				 void *uncounted, const void *lpm, __u8 op, __u32 flags)
{
	int tcp = ctx->protocol == IPPROTO_TCP;
	__u32 zero = 0;
	const struct nm_scan_conf *c = bpf_map_lookup_elem(&scan_conf, &zero);

	stat_inc(NM_NET_STAT_CHECKED);
	if (c && pool_port(c, k->dst.port))
		flags |= NM_NET_POOL_PORT;
	if (banned && bpf_map_lookup_elem(banned, lpm))
		return deny(ctx, k->dst.family, k->dst.addr, op, flags | NM_NET_BANNED);
	if (!c)
		return 1;
	if ((flags & NM_NET_POOL_PORT) && tcp && c->ban_pool_ports)
		return deny(ctx, k->dst.family, k->dst.addr, op, flags);
	if (!tcp || op != NM_NET_CONNECT || !know_caller || !c->threshold)
		return 1;
	if (uncounted && bpf_map_lookup_elem(uncounted, lpm))
		return 1;
	count(ctx, c, k, flags);
	return 1;
}

static __always_inline int check4(struct bpf_sock_addr *ctx, __u32 ip, __u8 op, __u32 flags)
{
	struct nm_lpm4 key = { .prefixlen = 32 };
	struct nm_scan_key k = {};
	__u32 zero = 0;

	__builtin_memcpy(key.addr, &ip, 4);
	__builtin_memcpy(k.dst.addr, &ip, 4);
	k.dst.port = bpf_ntohs((__u16)ctx->user_port);
	k.dst.family = 4;
	return judge(ctx, &k, bpf_map_lookup_elem(&banned4, &zero),
		     bpf_map_lookup_elem(&uncounted4, &zero), &key, op, flags);
}

/* An IPv6 destination; a v4-mapped one (::ffff:a.b.c.d, which an IPv6
 * socket reaches over IPv4) is checked against the IPv4 lists. */
static __always_inline int check6(struct bpf_sock_addr *ctx, __u8 op)
{
	struct nm_lpm6 key = { .prefixlen = 128 };
	struct nm_scan_key k = {};
	__u32 zero = 0, w[4];

	/* four aligned 32-bit loads: the ctx accesses every kernel allows */
	w[0] = ctx->user_ip6[0];
	w[1] = ctx->user_ip6[1];
	w[2] = ctx->user_ip6[2];
	w[3] = ctx->user_ip6[3];
	if (w[0] == 0 && w[1] == 0 && w[2] == bpf_htonl(0xffff))
		return check4(ctx, w[3], op, NM_NET_MAPPED);
	__builtin_memcpy(key.addr, w, 16);
	__builtin_memcpy(k.dst.addr, w, 16);
	k.dst.port = bpf_ntohs((__u16)ctx->user_port);
	k.dst.family = 6;
	return judge(ctx, &k, bpf_map_lookup_elem(&banned6, &zero),
		     bpf_map_lookup_elem(&uncounted6, &zero), &key, op, 0);
}

SEC("cgroup/connect4")
int net_connect4(struct bpf_sock_addr *ctx)
{
	return check4(ctx, ctx->user_ip4, NM_NET_CONNECT, 0);
}

SEC("cgroup/connect6")
int net_connect6(struct bpf_sock_addr *ctx)
{
	return check6(ctx, NM_NET_CONNECT);
}

SEC("cgroup/sendmsg4")
int net_sendmsg4(struct bpf_sock_addr *ctx)
{
	return check4(ctx, ctx->user_ip4, NM_NET_SENDMSG, 0);
}

SEC("cgroup/sendmsg6")
int net_sendmsg6(struct bpf_sock_addr *ctx)
{
	return check6(ctx, NM_NET_SENDMSG);
}
