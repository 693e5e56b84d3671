// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* dns_probe.bpf.c - the DNS check alone, for tests: run through
 * BPF_PROG_TEST_RUN on packets a test builds (tests/unit/test_domain_list.c),
 * it shows that the kernel's parse and hashes agree with user space's.
 * Never attached by the daemon. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "dns.bpf.h"
#include "dns_probe.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Where the DNS message starts in the test's packets (after an IPv4
 * header without options and a UDP header). */
const volatile __u32 dns_off = 28;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dns_probe_result);
} result SEC(".maps");

/* 0 (drop) for a banned name, with the hit in result; 1 otherwise. */
SEC("cgroup_skb/egress")
int dns_probe(struct __sk_buff *skb)
{
	struct dns_probe_result *r;
	struct dns_hit hit;
	__u32 zero = 0;

	if (skb->len <= dns_off ||
	    dns_hit_get(dns_query_banned(skb, dns_off, skb->len - dns_off), &hit))
		return 1;
	r = bpf_map_lookup_elem(&result, &zero);
	if (r) {
		r->len = hit.len;
		r->entry = hit.entry;
		__builtin_memcpy(r->name, hit.buf + 1, NM_DOMAIN_NAME_MAX + 1);
	}
	return 0;
}
