/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* dns.bpf.h - the DNS check of an egress program: is the name a query
 * asks for a banned domain or under one (domain_hash.h has the scheme).
 *
 * Include once per object, after vmlinux.h and bpf_helpers.h: it defines
 * the maps and the seed. User space fills the one slot of banned_domains
 * with a hash map of the banned names' hashes (domain_map.c), seeded with
 * domain_seed, which it sets before load. */
#ifndef NOMINE_DNS_BPF_H
#define NOMINE_DNS_BPF_H

#include "domain_hash.h"

/* Random per daemon start (domain_map_seed): the hashes of the banned
 * names are computed with it. */
const volatile __u64 domain_seed;

/* The banned names' hashes (value: the entry's index in the daemon's list,
 * for debugging), behind a one-slot outer map swapped whole on reload: a
 * query is judged by the old list or the new one. An empty slot bans
 * nothing. */
struct domain_set {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NM_DOMAINS_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(key_size, sizeof(__u64));
	__uint(value_size, sizeof(__u32));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct domain_set);
} banned_domains SEC(".maps");

/* The QNAME as it is read and rewritten to text in place, and which of
 * its bytes were length bytes: 256 each so that an index masked with 0xff
 * stays inside (no room on a stack that the caller also uses). */
struct dns_scratch {
	unsigned char buf[NM_DOMAIN_WIRE_MAX + 1];
	unsigned char bound[NM_DOMAIN_WIRE_MAX + 1];
	__u32 hit, entry;       /* what dns_suffixes found */
	/* the DNS header and the lookup key: here, not on a stack the
	 * packet program nearly fills (512 bytes for both together) */
	unsigned char hdr[12];
	__u32 end;
	__u64 key;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dns_scratch);
} dns_scratch SEC(".maps");

/* What the check found, for the caller's event: the name is the text at
 * buf[1..len] (labels lowercased, '.' between), in a buffer of
 * NM_DOMAIN_WIRE_MAX + 1 bytes. Copy it with a constant size or a masked
 * index: a size taken from len would make the verifier follow every length
 * apart. */
struct dns_hit {
	const unsigned char *buf;
	__u32 len;                      /* 1..253 */
	__u32 entry;                    /* the index in the daemon's list */
};

/* The header of a DNS message is 12 bytes; the third holds QR. */
#define DNS_HDR_LEN 12
#define DNS_QR 0x80                     /* a response */

/* x & 0xff as an instruction the verifier sees: clang drops a mask it
 * can prove changes nothing (the loop index below), and 7.3's verifier no
 * longer knows that index's bounds by itself (it reached the access
 * unbounded there). */
static __always_inline __u32 dns_idx(__u32 x)
{
	__u64 i = x;

	asm volatile("%[i] &= 0xff" : [i] "+r"(i));
	return (__u32)i;
}

/* Walks the QNAME at s->buf[0] (want bytes loaded) label by label and
 * marks its length bytes in s->bound. Returns the index of its
 * terminating 0, or 0 when the name is not one to judge: a compression
 * pointer or a reserved label type (a query's question has neither:
 * refused, never followed), a label over 63 bytes, the root alone, a name
 * cut off by the end of the packet. By label, not by byte: a byte loop
 * that carries the next length byte's index gives the verifier a state per
 * index and byte, past its million instructions (measured on 6.18). */
static __always_inline __u32 dns_qname_labels(struct dns_scratch *s, __u32 want)
{
	__u32 p = 0;

	/* 127 labels of one byte fill 254 bytes; the 128th turn finds the 0 */
	for (__u32 l = 0; l < 128; l++) {
		unsigned char c;

		if (p >= want)
			return 0;
		c = s->buf[dns_idx(p)];
		if (c == 0)
			return p;
		if (c > NM_DOMAIN_LABEL_MAX)
			return 0;
		s->bound[dns_idx(p)] = 1;
		p += 1 + c;
	}
	return 0;
}

/* Rewrites s->buf[1..end-1] to text, from the last byte to the first, and
 * looks up every suffix at a label boundary on the way: from the last
 * label to the whole name; 1 with s->entry of the shortest one banned. A
 * length byte becomes '.', letters are lowercased, and a '.' inside a label
 * (legal on the wire) becomes 0, which no banned name holds: such a label
 * never reads as two.
 *
 * Written for the verifier, which walks this loop once per iteration and
 * per state it cannot prove equal to one seen: the index counts down from
 * a constant, bytes at or past end are masked out without a branch on
 * k < end (a branch there would teach it end's exact value), and a hit is
 * kept in memory, not in a register it would then track both ways. */
static __always_inline int dns_suffixes(void *set, struct dns_scratch *s, __u32 end)
{
	__u32 *v;

	/* the hash and the end live in the scratch, not in registers: with
	 * the loop's own values they would spill to a stack the packet
	 * program leaves 40 bytes of */
	s->hit = 0;
	s->key = domain_seed;
	s->end = end;
	for (__u32 k = NM_DOMAIN_WIRE_MAX - 1; k >= 1; k--) {
		/* all ones while k < end (inside the name), else 0; in
		 * assembly, or clang makes it the branch this avoids, and
		 * end read there: clang would read it at the loop's end,
		 * falling through into its head, a back-edge 5.10 refuses */
		__u64 m = k, e;
		__u32 i = dns_idx(k);
		unsigned char c = s->buf[i];

		asm volatile("%[e] = *(u32 *)(%[s] + %[o])\n\t%[m] -= %[e]\n\t%[m] s>>= 63"
			     : [m] "+r"(m), [e] "=&r"(e)
			     : [s] "r"(s), [o] "i"(__builtin_offsetof(struct dns_scratch, end)));
		if (s->bound[i] & m) {
			/* later hits (longer suffixes) overwrite: the event
			 * names the longest, as user space does */
			v = bpf_map_lookup_elem(set, &s->key);
			if (v) {
				s->entry = *v;
				s->hit = 1;
			}
			c = '.';
		} else {
			c = nm_domain_lower(c);
			if (c == '.')
				c = 0;
		}
		s->buf[i] = c;
		s->key = (nm_domain_step(s->key, c) & m) | (s->key & ~m);
	}
	v = bpf_map_lookup_elem(set, &s->key);
	if (v) {
		s->entry = *v;
		s->hit = 1;
	}
	return s->hit;
}

/* The DNS message of len bytes at off in skb (a UDP payload, or a TCP
 * payload past its 2-byte length): the length of the name (1..253) when
 * it is a query whose first question asks for a banned name, the name and
 * the entry then in dns_scratch (dns_hit); 0 otherwise, and for anything
 * malformed (never an error: a message that does not parse is not a query
 * a resolver answers). Only the first question is judged: resolvers refuse
 * more than one (FORMERR) and so answer none.
 *
 * A global function: the verifier checks it once, on its own, instead of
 * once per call site and per state the caller arrives with (inlined into
 * wire.bpf.c's two call sites it took the program past 1M instructions). */
__noinline int dns_query_banned(struct __sk_buff *skb, __u32 off, __u32 len)
{
	struct dns_scratch *s;
	__u32 zero = 0, end;
	__u64 want;
	void *set;

	if (!skb)
		return 0;
	set = bpf_map_lookup_elem(&banned_domains, &zero);
	if (!set || len <= DNS_HDR_LEN || off > 0xffff)
		return 0;
	s = bpf_map_lookup_elem(&dns_scratch, &zero);
	if (!s || bpf_skb_load_bytes(skb, off, s->hdr, sizeof(s->hdr)))
		return 0;
	if ((s->hdr[2] & DNS_QR) || (s->hdr[4] == 0 && s->hdr[5] == 0))
		return 0;       /* a response, or no question */
	want = len - DNS_HDR_LEN;
	if (want > NM_DOMAIN_WIRE_MAX)
		want = NM_DOMAIN_WIRE_MAX;
	if (want == 0)
		return 0;
	/* the same number, proven 1..256 to the verifier in the register the
	 * call takes (5.10's learns nothing from want != 0); in assembly, or
	 * clang drops what it knows changes nothing */
	asm volatile("%[w] -= 1\n\t%[w] &= 0xff\n\t%[w] += 1" : [w] "+r"(want));
	if (bpf_skb_load_bytes(skb, off + DNS_HDR_LEN, s->buf, want))
		return 0;
	__builtin_memset(s->bound, 0, sizeof(s->bound));
	end = dns_qname_labels(s, want);
	if (end < 2 || end > NM_DOMAIN_WIRE_MAX - 1 || !dns_suffixes(set, s, end))
		return 0;
	return (int)(end - 1);
}

/* After dns_query_banned returned n > 0: the hit, for the caller's event.
 * 0, or -1 when n is out of range or the scratch is gone (cannot happen;
 * the verifier wants it checked). */
static __always_inline int dns_hit_get(int n, struct dns_hit *hit)
{
	struct dns_scratch *s;
	__u32 zero = 0;

	if (n < 1 || n > NM_DOMAIN_NAME_MAX)
		return -1;
	s = bpf_map_lookup_elem(&dns_scratch, &zero);
	if (!s)
		return -1;
	hit->buf = s->buf;
	hit->len = (__u32)n;
	hit->entry = s->entry;
	return 0;
}

#endif
