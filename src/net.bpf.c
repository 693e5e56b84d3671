// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* net.bpf.c - the network detector in the kernel: a connect() or an
 * unconnected UDP send to a banned address is refused (EPERM) and reported,
 * before a byte leaves. Attached to the --scope-cgroup cgroups (or the
 * root), so the kernel's own hierarchy decides scope (see net_watch.c). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "net_types.h"

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

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 << 10);
} events SEC(".maps");

#define NM_STATS_N NM_NET_NSTATS
#include "stats.bpf.h"

/* Reports a call to a banned destination; returns the program's verdict
 * (0: refused, the caller gets EPERM; 1: allowed, in audit mode). */
static __always_inline int deny(struct bpf_sock_addr *ctx, __u8 family, const void *addr,
				__u8 op, __u32 flags)
{
	struct nm_net_event *e;

	stat_inc(NM_NET_STAT_DENIED);
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		stat_inc(NM_NET_STAT_LOST);
		return audit ? 1 : 0;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->cgroup_id = bpf_get_current_cgroup_id();
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
	e->flags = flags | (audit ? 0 : NM_NET_DENIED);
	e->protocol = ctx->protocol;
	__builtin_memcpy(e->addr, addr, family == 4 ? 4 : 16);
	bpf_ringbuf_submit(e, 0);
	return audit ? 1 : 0;
}

static __always_inline int check4(struct bpf_sock_addr *ctx, __u32 ip, __u8 op, __u32 flags)
{
	struct nm_lpm4 key = { .prefixlen = 32 };
	__u32 zero = 0;
	void *trie;

	stat_inc(NM_NET_STAT_CHECKED);
	trie = bpf_map_lookup_elem(&banned4, &zero);
	if (!trie)
		return 1;
	__builtin_memcpy(key.addr, &ip, 4);
	if (!bpf_map_lookup_elem(trie, &key))
		return 1;
	return deny(ctx, 4, &ip, op, flags);
}

/* An IPv6 destination; a v4-mapped one (::ffff:a.b.c.d, which an IPv6
 * socket reaches over IPv4) is checked against the IPv4 list. */
static __always_inline int check6(struct bpf_sock_addr *ctx, __u8 op)
{
	struct nm_lpm6 key = { .prefixlen = 128 };
	__u32 zero = 0, w[4];
	void *trie;

	/* four aligned 32-bit loads: the ctx accesses every kernel allows */
	w[0] = ctx->user_ip6[0];
	w[1] = ctx->user_ip6[1];
	w[2] = ctx->user_ip6[2];
	w[3] = ctx->user_ip6[3];
	if (w[0] == 0 && w[1] == 0 && w[2] == bpf_htonl(0xffff))
		return check4(ctx, w[3], op, NM_NET_MAPPED);
	stat_inc(NM_NET_STAT_CHECKED);
	trie = bpf_map_lookup_elem(&banned6, &zero);
	if (!trie)
		return 1;
	__builtin_memcpy(key.addr, w, 16);
	if (!bpf_map_lookup_elem(trie, &key))
		return 1;
	return deny(ctx, 6, w, op, 0);
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
