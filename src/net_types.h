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
#define NM_NET_BANNED 4u        /* the address is in the banned networks */
#define NM_NET_POOL_PORT 8u     /* the port is one of poolPorts */
#define NM_NET_SCAN 16u         /* a process went over uniqueDestinationsThreshold */

/* Scan detection: per process (tgid), the times at which it connected
 * (TCP) to a destination (ip:port) it had not connected to within the
 * window, the last NM_SCAN_RING of them in a ring. It is over the threshold
 * T when the (T+1)-th newest of them is within the window, so T can be at
 * most NM_SCAN_RING - 1. cryptnono's default is 15, mybinder's 24: 127
 * leaves room, and a ring of 128 u32 keeps a process's entry near 600
 * bytes. */
#define NM_SCAN_RING 128u
#define NM_SCAN_THRESHOLD_MAX (NM_SCAN_RING - 1)
/* The last destinations a scan event names (the newest first). */
#define NM_SCAN_RECENT 4u
/* Processes counted at once (LRU: the one that connected least recently
 * is forgotten first, and starts from zero if it comes back). Preallocated:
 * bpftool's memlock for the map is 2.75 MB (6.18). A node runs a few
 * hundred processes that open TCP connections within a minute; a fork
 * bomb of scanners beyond 4096 evicts its own oldest members first. */
#define NM_SCAN_PROCS 4096u
/* (process, destination) pairs remembered, to count a destination once per
 * window (LRU, preallocated: bpftool's memlock 3.1 MB on 6.18). A pair
 * forgotten early (more than this many newer pairs) is counted again when
 * the process comes back to it: only a node busy with scanners gets there,
 * and then it over-counts, never under-counts. */
#define NM_SCAN_DESTS 32768u

/* A destination: address in network order (4 bytes for family 4), port in
 * host order. */
struct nm_net_dest {
	unsigned char addr[16];
	unsigned short port;
	unsigned char family;
	unsigned char pad;
};

/* Key of the (process, destination) LRU map. */
struct nm_scan_key {
	unsigned int tgid;
	struct nm_net_dest dst;
};

/* A process's count: ring of boot-time ms at which a new destination was
 * counted, and its last destinations. */
struct nm_scan_proc {
	unsigned int head;              /* counts so far; the next slot is head % RING */
	unsigned int reported;          /* 1 once its scan event was sent */
	unsigned int times[NM_SCAN_RING];
	struct nm_net_dest recent[NM_SCAN_RECENT];  /* slot head % RECENT, as times */
};

/* Settings user space changes at reload (the program's .bss). pool_ports
 * is a bitmap of 65536 ports. threshold 0: scans are not counted. */
struct nm_scan_conf {
	unsigned int threshold;
	unsigned int window_ms;
	unsigned int ban_pool_ports;    /* refuse TCP connects to a pool port */
	unsigned int pad;
	unsigned char pool_ports[65536 / 8];
};

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
	/* NM_NET_SCAN: the threshold and window in force, count went over it
	 * (threshold + 1), span_ms from the first counted destination to this
	 * one; the newest destinations first. */
	unsigned int count;
	unsigned int threshold;
	unsigned int window_ms;
	unsigned int span_ms;
	struct nm_net_dest recent[NM_SCAN_RECENT];
};

/* Per-CPU counters (net_watch_stat). */
enum nm_net_stat {
	NM_NET_STAT_CHECKED,    /* calls the programs looked at */
	NM_NET_STAT_DENIED,     /* calls to a banned destination */
	NM_NET_STAT_LOST,       /* events that did not fit the ring buffer */
	NM_NET_STAT_COUNTED,    /* new destinations counted towards a scan */
	NM_NET_STAT_SCANS,      /* processes that went over the threshold */
	NM_NET_NSTATS
};

#endif
