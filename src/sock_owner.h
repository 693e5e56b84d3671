/* SPDX-License-Identifier: BSD-2-Clause */
/* sock_owner.h - the process that holds a TCP socket, found from user
 * space by the socket's addresses: for kernels whose packet program cannot
 * ask who is sending (the stratum-drop-anon variant). */
#ifndef NOMINE_SOCK_OWNER_H
#define NOMINE_SOCK_OWNER_H

#include <stdint.h>
#include <sys/types.h>

/* A connection as the packet program saw it leave. */
struct sock_key {
	int family;                 /* 4 or 6: the packet's */
	int mapped;                 /* an IPv6 socket to a v4-mapped address */
	uint8_t daddr[16];          /* 4 or 16 bytes, network order */
	uint16_t dport, sport;      /* host order */
};

/* The socket's line in a /proc/PID/net/tcp or tcp6 text (the table of
 * PID's network namespace): its inode, or 0. Pure: unit-tested. */
unsigned long sock_owner_inode(const char *table, const struct sock_key *k);

/* Among the processes of the cgroup (v2, its id under mount) that hold
 * the socket open, the one whose parent does not: the process that made
 * it, unless it handed it to another. 0 when none is found (the cgroup
 * or the socket is gone). Reads /proc; for an event, not a hot path. */
pid_t sock_owner_find(const char *mount, uint64_t cgroup_id, const struct sock_key *k);

/* The inodes of the sockets bound to local port `port` in a /proc/PID/net
 * tcp, tcp6, udp or udp6 text (TCP: listening ones only), at most max of
 * them into out; returns how many. Pure: unit-tested. */
size_t sock_owner_bound(const char *table, int tcp, unsigned int port, unsigned long *out,
			size_t max);

/* 1 if pid holds a socket bound to local port `port` (UDP, or TCP
 * listening) in its network namespace: a server of that port, such as a
 * DNS resolver forwarding a query it was asked; else 0. */
int sock_owner_serves(pid_t pid, unsigned int port);

#endif
