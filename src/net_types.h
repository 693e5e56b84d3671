/* SPDX-License-Identifier: BSD-2-Clause */
/* net_types.h - the network detector as its BPF programs and user space
 * both see it (shared, include-free): the keys of the banned-address tries
 * and the event a blocked connect sends. */
#ifndef NOMINE_NET_TYPES_H
#define NOMINE_NET_TYPES_H

/* Entries per family (IPv4, IPv6). An LPM trie allocates per entry
 * (BPF_F_NO_PREALLOC), so the bound costs nothing until filled. 200k IPv4
 * addresses: kernel slab grew by 27 MiB with the daemon up (/proc/meminfo
 * Slab, exec and RandomX detectors off; bpftool's memlock said 5.8 MB),
 * loaded in 0.6-0.9 s (6.18, this VM). */
#define NM_NET_ADDRS_MAX (1u << 20)

/* Keys of the LPM tries: prefix length in bits, then the address in
 * network byte order, as BPF_MAP_TYPE_LPM_TRIE wants them. */
struct nm_lpm4 {
	unsigned int prefixlen;
	unsigned char addr[4];
};

struct nm_lpm6 {
	unsigned int prefixlen;
	unsigned char addr[16];
};

enum nm_net_op {
	NM_NET_CONNECT = 1,     /* connect(): cgroup/connect4, connect6 */
	NM_NET_SENDMSG = 2,     /* sendto()/sendmsg() on an unconnected UDP socket */
};

/* Flags of an event. */
#define NM_NET_DENIED 1u        /* the program refused the call (EPERM) */
#define NM_NET_MAPPED 2u        /* an IPv6 socket to a v4-mapped address */

/* A call to a banned destination. addr holds 4 bytes (family 4, also for a
 * v4-mapped IPv6 destination) or 16 (family 6), network byte order. */
struct nm_net_event {
	unsigned long long cgroup_id;  /* the caller's unified cgroup */
	unsigned long long ts_ns;      /* boot time */
	unsigned int tgid;             /* 0: this kernel cannot say who called */
	unsigned int tid;
	unsigned int uid;
	unsigned short port;           /* host byte order */
	unsigned char family;          /* 4 or 6 */
	unsigned char op;              /* enum nm_net_op */
	unsigned int flags;
	unsigned int protocol;         /* IPPROTO_TCP, IPPROTO_UDP */
	unsigned char addr[16];
	char comm[16];
};

/* Per-CPU counters (net_watch_stat). */
enum nm_net_stat {
	NM_NET_STAT_CHECKED,    /* calls the programs looked at */
	NM_NET_STAT_DENIED,     /* calls to a banned destination */
	NM_NET_STAT_LOST,       /* events that did not fit the ring buffer */
	NM_NET_NSTATS
};

#endif
