// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* wire.bpf.c - the network detector on the wire: the first data of a TCP
 * connection in scope is matched against the Stratum mining protocol and,
 * on a match, dropped (the pool receives nothing) and reported with the
 * socket's owner, who is stopped right here when it is the sender.
 * Attached as cgroup_skb/egress to the --scope-cgroup cgroups (or the root)
 * beside net.bpf.c's connect programs; see wire_watch.c. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "wire_types.h"
#include "dns.bpf.h"
#include "exempt.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define AF_INET6 10
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define SIGSTOP 19

/* Filled by user space before load. */
const volatile __u32 audit;        /* report only: nothing dropped, nobody signalled */
/* The current task's pid and comm (bpf_get_current_*) in cgroup_skb
 * programs: kernels whose verifier refuses them load the object again with
 * this 0 (the branches are then dead code the verifier skips); owners are
 * then unknown in the kernel and events carry the socket only. */
const volatile __u32 know_task = 1;
/* bpf_get_current_comm in cgroup_skb programs (6.12 gives the pid but not
 * the name): without it, events carry no names. */
const volatile __u32 know_comm = 1;
/* bpf_send_signal in cgroup_skb programs: where refused, the owner runs
 * on until user space kills it. */
const volatile __u32 can_signal = 1;

/* What the program remembers of a socket. */
#define OWN_BANNED 1u           /* matched: every further data segment is dropped */

struct owner {
	__u32 tgid;
	__u32 flags;
	__u64 since_ns;         /* boot time of the record: a pid reused later is not it */
	char comm[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct owner);
} owners SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nm_wire_settings);
} settings SEC(".maps");

/* The payload being matched (b) and the same without whitespace (c),
 * with room past NM_WIRE_SCAN so a compare that starts below it never
 * leaves the value (see the Stratum part). */
struct scratch {
	__u32 n;                /* bytes in b */
	__u32 m;                /* bytes in c */
	__u32 method, agent;    /* where their values begin (find_keys) */
	__u8 b[NM_WIRE_SCAN];
	__u8 c[NM_WIRE_SCAN + 64];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 << 10);
} events SEC(".maps");

#define NM_STATS_N NM_WIRE_NSTATS
#include "stats.bpf.h"

/* Where a packet goes, parsed from its headers. */
struct pkt {
	__u32 l4;                       /* offset of the TCP/UDP header */
	__u32 data;                     /* offset of the payload */
	__u32 len;                      /* bytes of payload */
	__u16 dport, sport;             /* host order */
	__u8 family;                    /* 4 or 6 */
	__u8 protocol;
	__u8 syn;                       /* a SYN without ACK: the connect */
	__u8 addr[16];
	__u32 seq;                      /* TCP: the segment's sequence number, host order */
	__u32 at;                       /* TCP: where its payload lies in the stream (0: first byte) */
};

/* Network and transport headers (skb data starts at the network header in
 * cgroup_skb). 0, or -1 for what is not looked at: IPv4 fragments past the
 * first, IPv6 with extension headers, protocols other than TCP and UDP. */
static __always_inline int parse(struct __sk_buff *skb, struct pkt *p)
{
	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		struct iphdr ip;

		if (bpf_skb_load_bytes(skb, 0, &ip, sizeof(ip)))
			return -1;
		if (ip.frag_off & bpf_htons(0x1fff))
			return -1;
		p->family = 4;
		p->protocol = ip.protocol;
		p->l4 = (__u32)ip.ihl * 4;
		__builtin_memcpy(p->addr, &ip.daddr, 4);
	} else if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr ip6;

		if (bpf_skb_load_bytes(skb, 0, &ip6, sizeof(ip6)))
			return -1;
		p->family = 6;
		p->protocol = ip6.nexthdr;
		p->l4 = sizeof(ip6);
		__builtin_memcpy(p->addr, &ip6.daddr, 16);
	} else {
		return -1;
	}
	if (p->protocol == IPPROTO_TCP) {
		struct tcphdr th;

		if (bpf_skb_load_bytes(skb, p->l4, &th, sizeof(th)))
			return -1;
		p->dport = bpf_ntohs(th.dest);
		p->seq = bpf_ntohl(th.seq);
		p->sport = bpf_ntohs(th.source);
		p->syn = th.syn && !th.ack;
		p->data = p->l4 + (__u32)th.doff * 4;
	} else if (p->protocol == IPPROTO_UDP) {
		struct udphdr uh;

		if (bpf_skb_load_bytes(skb, p->l4, &uh, sizeof(uh)))
			return -1;
		p->dport = bpf_ntohs(uh.dest);
		p->sport = bpf_ntohs(uh.source);
		p->data = p->l4 + sizeof(uh);
	} else {
		return -1;
	}
	p->len = skb->len > p->data ? skb->len - p->data : 0;
	return 0;
}

/* Records the current process as sk's owner, once: called where the
 * kernel sends inside the owner's own system call (the SYN inside
 * connect(), a datagram inside sendmsg()). A SYN retransmitted from a
 * timer (softirq, current is whoever ran) finds the record made. */
static __always_inline void owner_note(struct bpf_sock *sk)
{
	struct owner *o;
	__u64 id;

	if (!know_task)
		return;
	o = bpf_sk_storage_get(&owners, sk, 0, 0);
	if (o)
		return;
	id = bpf_get_current_pid_tgid();
	if (!(id >> 32))
		return;         /* the idle task: not a process context */
	o = bpf_sk_storage_get(&owners, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!o)
		return;
	o->tgid = id >> 32;
	o->since_ns = bpf_ktime_get_boot_ns();
	if (know_comm)
		bpf_get_current_comm(o->comm, sizeof(o->comm));
	stat_inc(NM_WIRE_STAT_OWNERS);
}

/* ---- Stratum ------------------------------------------------------------ */

/* The matcher runs in two passes over the first NM_WIRE_SCAN bytes: the
 * bytes are copied without JSON whitespace into sc->c (so
 * `"method" : "login"` reads as `"method":"login"`, zeros after), then the
 * first `"method":"` and `"agent":"` there are found, and their values
 * compared with the patterns once. The copy has no branch on the data
 * (BPF has no set-on-condition, so every == is a branch) and the search
 * one per position and key, its hits kept in the map: the verifier walks
 * each iteration once instead of stacking a pending branch per compared
 * byte (it gives up past 8192 of them) or a state per hit. */

#define SCAN_MASK (NM_WIRE_SCAN - 1)
#define PAD 64                  /* zeros after the copy: the longest pattern fits */

/* i & SCAN_MASK in a way clang cannot drop when it knows i is below
 * NM_WIRE_SCAN: the verifier of 5.10 loses that bound on the way
 * (clang widens the sum to 64 bits with two shifts) and refuses the access. */
static __always_inline __u32 bounded(__u32 i)
{
	asm volatile("" : "+r"(i));
	return i & SCAN_MASK;
}

/* 1 if d (0..255) is not 0, without a branch. */
static __always_inline __u32 nz(__u32 d)
{
	return (d + 255) >> 8;
}

/* 0 if the len bytes of s are at c[i], else 1..255. */
static __always_inline __u32 diff(const __u8 *c, __u32 i, const char *s, __u32 len)
{
	__u32 d = 0;

#pragma unroll
	for (__u32 k = 0; k < len; k++)
		d |= c[bounded(i) + k] ^ (__u8)s[k];
	return d;
}

#define MISS(c, i, lit) nz(diff(c, i, lit, sizeof(lit) - 1))

/* Copies sc->b[0..n) to sc->c without whitespace (space, tab, CR, LF),
 * PAD zeros after; returns the copy's length (also left in sc->m). */
static __always_inline __u32 compact(struct scratch *sc, __u32 n)
{
	__u32 o = 0, at;

	for (__u32 i = 0; i < NM_WIRE_SCAN && i < n; i++) {
		__u32 ch = sc->b[i];
		/* bits 9, 10, 13, 32 of a 64-bit mask, for ch below 64 */
		__u32 ws = ((0x100002600ull >> (ch & 63)) & 1) & (1 - ((ch + 192) >> 8));

		sc->c[bounded(o)] = (__u8)ch;
		o += 1 - ws;
	}
	/* through the map: the padding below is then walked once, not once
	 * per exit of the loop */
	sc->m = o;
	o = *(volatile __u32 *)&sc->m;
	/* o is 0..NM_WIRE_SCAN; at is o for 1..NM_WIRE_SCAN in a form the
	 * verifier bounds (an all-whitespace message, o 0, pads past 256:
	 * nothing is found in a copy of length 0) */
	at = bounded(o - 1) + 1;
#pragma unroll
	for (__u32 k = 0; k < PAD; k++)
		sc->c[at + k] = 0;
	return o;
}

/* 1 if the 8 bytes at c[i] are want, then `:"` from byte tail2 on (0:
 * want holds the colon, 1: it does not). */
static __always_inline int key_at(const __u8 *c, __u32 i, __u64 want, __u32 tail2)
{
	i = bounded(i);
	return *(const __u64 *)&c[i] == want && (!tail2 || c[i + 8] == ':') &&
	       c[i + 8 + tail2] == '"';
}

/* Finds the first `"method":"` and the first `"agent":"` in c[0..m) in
 * one pass, one 8-byte compare per position and key (map values may be
 * read unaligned on the architectures nomine builds for). Where each
 * value begins goes to sc->method and sc->agent (NM_WIRE_SCAN: none):
 * kept in the map, so the verifier walks one state per position, not one
 * per position and hit. */
static __always_inline void find_keys(struct scratch *sc, __u32 m)
{
	__u64 method, agent;

	__builtin_memcpy(&method, "\"method\"", 8);
	__builtin_memcpy(&agent, "\"agent\":", 8);
	volatile __u32 *mv = &sc->method, *av = &sc->agent;

	*mv = NM_WIRE_SCAN;
	*av = NM_WIRE_SCAN;
	for (__u32 i = 1; i < NM_WIRE_SCAN && i < m; i++) {       /* c[0] is '{' */
		if (sc->c[i] != '"')
			continue;
		if (*mv == NM_WIRE_SCAN && key_at(sc->c, i, method, 1))
			*mv = i + 10;
		if (*av == NM_WIRE_SCAN && key_at(sc->c, i, agent, 0))
			*av = i + 9;
	}
}

/* 0 if v is the method a miner opens a session with: Monero-style login,
 * Bitcoin Stratum v1 subscribe and authorize, Ethereum's. */
static __always_inline __u32 method_miss(const __u8 *c, __u32 v)
{
	return MISS(c, v, "login\"") & MISS(c, v, "mining.subscribe\"") &
	       MISS(c, v, "mining.authorize\"") & MISS(c, v, "eth_submitLogin\"");
}

/* 0 if v is a miner naming itself in "agent", as miners spell it. */
static __always_inline __u32 agent_miss(const __u8 *c, __u32 a)
{
	return MISS(c, a, "XMRig") & MISS(c, a, "xmrig") & MISS(c, a, "cpuminer") &
	       MISS(c, a, "xmr-stak") & MISS(c, a, "XMR-Stak") & MISS(c, a, "SRBMiner") &
	       MISS(c, a, "lolMiner") & MISS(c, a, "TeamRedMiner") & MISS(c, a, "ccminer") &
	       MISS(c, a, "cgminer") & MISS(c, a, "bfgminer");
}

/* Where in sc->c (of sc->m bytes) the Stratum evidence begins (the method's
 * value, else the agent's), or -1: sc->b[0..n) is no JSON object, or
 * holds neither. */
static __always_inline int stratum_match(struct scratch *sc, __u32 n)
{
	/* volatile: a value clang would carry into compact()'s first
	 * iteration splits the verifier's walk of it five ways */
	__u8 first = *(volatile __u8 *)&sc->b[0];
	__u32 v;

	/* most first data is no JSON object and leaves here (a message may
	 * start with whitespace: the copy below tells) */
	if (first != '{' && first != ' ' && first != '\r' && first != '\n' && first != '\t')
		return -1;
	asm volatile("" ::: "memory");
	compact(sc, n);
	if (sc->c[0] != '{')
		return -1;
	/* clang would carry the '{' into find_keys's first iteration and
	 * enter its loop in the middle: a back-edge by fall-through, which
	 * the verifiers of 5.10 and 6.1 refuse */
	asm volatile("" ::: "memory");
	find_keys(sc, *(volatile __u32 *)&sc->m);
	v = *(volatile __u32 *)&sc->method;
	if (v < NM_WIRE_SCAN && !method_miss(sc->c, v))
		return (int)v;
	v = *(volatile __u32 *)&sc->agent;
	if (v < NM_WIRE_SCAN && !agent_miss(sc->c, v))
		return (int)v;
	return -1;
}

/* ---- verdict ------------------------------------------------------------ */

/* Reports a blocked packet and returns the verdict: 0 drop, 1 (audit, an
 * exempt cgroup)
 * pass. The excerpt is src[start..len) (src holds NM_WIRE_SCAN bytes at
 * least, len <= NM_WIRE_SCAN), at most NM_WIRE_EXCERPT bytes; match: where
 * the evidence begins inside it. Stops the sender when it is the owner
 * and this kernel lets the program signal. */
static __always_inline int block(struct __sk_buff *skb, struct bpf_sock *sk, struct pkt *p,
				 __u8 reason, const __u8 *src, __u32 start, __u32 len, __u32 match)
{
	/* looked up here, not carried through the matcher: one verifier
	 * walk of it instead of one with an owner and one without */
	struct owner *o = know_task ? bpf_sk_storage_get(&owners, sk, 0, 0) : 0;
	/* the socket's cgroup: an exempt one (user space classified it, as
	 * for the connect programs) gets its packet through, reported */
	__u64 cgid = bpf_skb_cgroup_id(skb);
	int pass = audit || cgroup_class_of(cgid) == NM_CG_EXEMPT;
	struct nm_wire_event *e;
	__u64 id;

	if (o && !pass)
		o->flags |= OWN_BANNED;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		stat_inc(NM_WIRE_STAT_LOST);
		return pass;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->cgroup_id = cgid;
	e->ts_ns = bpf_ktime_get_boot_ns();
	e->cookie = bpf_get_socket_cookie(skb);
	e->uid = bpf_get_socket_uid(skb);
	e->port = p->dport;
	e->sport = p->sport;
	e->family = p->family;
	e->protocol = p->protocol;
	e->reason = reason;
	e->match_off = (__u16)match;
	__builtin_memcpy(e->addr, p->addr, 16);
	if (p->family == 4 && sk->family == AF_INET6)
		e->flags |= NM_WIRE_MAPPED;
	if (o) {
		e->tgid = o->tgid;
		e->owner_since_ns = o->since_ns;
		__builtin_memcpy(e->comm, o->comm, sizeof(e->comm));
		e->flags |= NM_WIRE_OWNED;
	}
	if (know_task) {
		id = bpf_get_current_pid_tgid();
		e->sender_tgid = id >> 32;
		if (e->sender_tgid) {
			e->flags |= NM_WIRE_SENDER;
			if (know_comm)
				bpf_get_current_comm(e->sender_comm, sizeof(e->sender_comm));
		}
	}
	len = len > start ? len - start : 0;
	if (len > NM_WIRE_EXCERPT)
		len = NM_WIRE_EXCERPT;
	e->excerpt_len = (__u16)len;
#pragma unroll
	for (__u32 k = 0; k < NM_WIRE_EXCERPT; k++)
		if (k < len)
			e->excerpt[k] = src[bounded(start + k)];
	if (!pass) {
		e->flags |= NM_WIRE_DROPPED;
		/* the sender is the owner in its own system call: stop it
		 * before its next instruction (a retransmit from softirq
		 * names some other task and is only dropped). SIGSTOP, not
		 * SIGKILL, as the exec detector freezes: user space then
		 * kills it with its descendants (a killed process's children
		 * are reparented before user space could find them), or
		 * resumes it when allowedExecutables, an allow pattern or an
		 * exemption spares it. Stratum only: a banned DNS query may
		 * come from a resolver forwarding what it was asked (CoreDNS,
		 * node-local-dns), which must not stop; user space tells. */
		if (reason == NM_WIRE_STRATUM && know_task && can_signal && o &&
		    e->sender_tgid == o->tgid && !bpf_send_signal(SIGSTOP))
			e->flags |= NM_WIRE_STOPPED;
	}
	bpf_ringbuf_submit(e, 0);
	return pass;
}

/* ---- DNS ---------------------------------------------------------------- */

/* A DNS query leaving, as UDP to port 53 (off: the DNS header) or as the
 * start of a TCP connection's data to port 53 (off: past its 2-byte
 * length), len bytes from off: -1 when it asks for nothing banned (the
 * caller goes on: Stratum on port 53 is still Stratum); a query for a
 * banned name is blocked (dns.bpf.h judges it), the verdict returned, and
 * reported with the name, its end when it is longer than the excerpt (the
 * banned suffix is what names the entry), match_off then saying how much
 * is left out. */
static __always_inline int dns_check(struct __sk_buff *skb, struct bpf_sock *sk, struct pkt *p,
				     __u32 off, __u32 len)
{
	struct dns_hit hit;
	__u32 start = 1;

	if (dns_hit_get(dns_query_banned(skb, off, len), &hit))
		return -1;
	stat_inc(NM_WIRE_STAT_DOMAIN);
	if (hit.len > NM_WIRE_EXCERPT)
		start = hit.len + 1 - NM_WIRE_EXCERPT;
	/* match_off: how many bytes of the name the excerpt leaves out */
	return block(skb, sk, p, NM_WIRE_DOMAIN, hit.buf, start, hit.len + 1, start - 1);
}

/* The first data of a TCP connection (nothing acked yet), or to port 53
 * the data after a length that went ahead alone. */
static __always_inline int tcp_data(struct __sk_buff *skb, struct bpf_sock *sk, struct pkt *p)
{
	__u32 zero = 0, n = p->len, m = 0, start = 0;
	struct nm_wire_settings *set = bpf_map_lookup_elem(&settings, &zero);
	struct owner *o = know_task ? bpf_sk_storage_get(&owners, sk, 0, 0) : 0;
	struct scratch *sc;
	int at;

	if (o && (o->flags & OWN_BANNED) && !audit &&
	    cgroup_class_of(bpf_skb_cgroup_id(skb)) != NM_CG_EXEMPT)
		return 0;       /* a retransmit, or more after the match: the pool gets nothing
				 * (unless user space has since found the cgroup exempt) */
	if (!set)
		return 1;
	/* the message starts 2 bytes into the stream, whether the length
	 * came in this segment or went ahead alone */
	if (p->dport == 53 && set->domain && p->at <= 2 && p->len > 2 - p->at &&
	    (at = dns_check(skb, sk, p, p->data + 2 - p->at, p->len - (2 - p->at))) >= 0)
		return at;
	/* the first data only: the segment at the stream's start (or its
	 * retransmit); later segments of the first flight are not Stratum's
	 * opening line */
	if (!set->stratum || p->at != 0)
		return 1;
	sc = bpf_map_lookup_elem(&scratch, &zero);
	if (!sc)
		return 1;
	stat_inc(NM_WIRE_STAT_INSPECTED);
	if (n > NM_WIRE_SCAN)
		n = NM_WIRE_SCAN;
	if (n == 0 || bpf_skb_load_bytes(skb, p->data, sc->b, ((n - 1) & SCAN_MASK) + 1))
		return 1;
	/* through the map: the verifier then walks the matcher once, not
	 * once for a full NM_WIRE_SCAN and once for less */
	sc->n = n;
	n = *(volatile __u32 *)&sc->n;
	at = stratum_match(sc, n);
	if (at < 0)
		return 1;
	/* read back, not carried: each exit of the matcher's loops knows
	 * the length differently, and would be walked on its own */
	m = *(volatile __u32 *)&sc->m;
	stat_inc(NM_WIRE_STAT_STRATUM);
	/* the excerpt shows the start of the message unless the match lies
	 * past most of it */
	if (at > NM_WIRE_EXCERPT - 48)
		start = (__u32)at - 32;
	return block(skb, sk, p, NM_WIRE_STRATUM, sc->c, start, m, (__u32)at - start);
}

SEC("cgroup_skb/egress")
int wire_egress(struct __sk_buff *skb)
{
	struct bpf_sock *sk = skb->sk;
	struct bpf_tcp_sock *tp;
	__u32 acked = 0, una = 0;
	struct pkt p = {};
	int ret;

	if (!sk)
		return 1;
	sk = bpf_sk_fullsock(sk);
	if (!sk)
		return 1;
	if (sk->protocol == IPPROTO_TCP) {
		/* the fast path: once the peer acked data (the SYN counts
		 * one), the first data went through clean; up to 2 bytes
		 * acked may be a DNS length sent alone, its query to come */
		tp = bpf_tcp_sock(sk);
		if (!tp || tp->bytes_acked > 3)
			return 1;
		acked = (__u32)tp->bytes_acked;
		una = tp->snd_una;
	} else if (sk->protocol != IPPROTO_UDP) {
		return 1;
	}
	if (parse(skb, &p))
		return 1;
	if (p.protocol == IPPROTO_UDP) {
		__u32 zero = 0;
		struct nm_wire_settings *set;

		if (p.dport != 53)
			return 1;
		set = bpf_map_lookup_elem(&settings, &zero);
		if (!set || !set->domain)
			return 1;
		owner_note(sk);
		/* sendmsg() sends a datagram in the sender's own call: the
		 * owner just noted is current, unless another process shares
		 * the socket (it is killed in user space then) */
		ret = dns_check(skb, sk, &p, p.data, p.len);
		return ret < 0 ? 1 : ret;
	}
	if (p.syn)
		owner_note(sk);
	if (p.len == 0)
		return 1;
	if (acked > 1 && p.dport != 53)
		return 1;       /* the fast path's, for all but port 53 */
	p.at = p.seq - una + (acked ? acked - 1 : 0);
	return tcp_data(skb, sk, &p);
}
