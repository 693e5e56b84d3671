/* SPDX-License-Identifier: BSD-2-Clause */
/* proc_conns.h - a process's open network connections, from the socket
 * inodes of its file descriptors and its network namespace's tables
 * (/proc/PID/net/tcp, tcp6, udp, udp6), or the sockets themselves. */
#ifndef NOMINE_PROC_CONNS_H
#define NOMINE_PROC_CONNS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* One line of a /proc/net/{tcp,udp}{,6} table. Addresses are in network
 * order (4 or 16 bytes, by family), ports in host order. */
struct conn_line {
	int family;                 /* 4 or 16 bytes of address: 4 or 6 */
	uint8_t laddr[16], raddr[16];
	unsigned int lport, rport;
	unsigned int state;         /* the kernel's TCP state number (UDP: 7 or 1) */
	unsigned long inode;
};

/* Parses one table line (the header line does not parse). 1 or 0. Pure. */
int conn_line_parse(const char *line, struct conn_line *out);

/* A connection of a process. */
struct proc_conn {
	const char *proto;          /* "tcp", "tcp6", "udp", "udp6" */
	struct conn_line l;
};

/* The lines of table (NUL-terminated text of /proc/PID/net/NAME, proto
 * its name) whose inode is among inodes (sorted), appended to out from
 * *n up to max. Pure: unit-tested. */
void proc_conns_match(const char *table, const char *proto, const unsigned long *inodes,
		      size_t ninodes, struct proc_conn *out, size_t *n, size_t max);

/* Reads the connections of pid (pinned by pidfd) into out (at most max):
 * each socket descriptor is duplicated (pidfd_getfd) and asked; where
 * that is not possible, the namespace's tables are read. Bounded: at most
 * PROC_CONNS_FDS descriptors looked at, PROC_CONNS_TABLE_MAX bytes read
 * of each table; *incomplete is set when a bound cut something. Returns
 * how many, or a negative errno (-ENOENT: the process is gone). */
#define PROC_CONNS_FDS 4096
#define PROC_CONNS_TABLE_MAX (1u << 20)
ssize_t proc_conns_read(pid_t pid, int pidfd, struct proc_conn *out, size_t max,
			int *incomplete);

/* "127.0.0.1:80" or "[::1]:80" into buf (at least PROC_CONN_ADDR_MAX). */
#define PROC_CONN_ADDR_MAX 56
const char *proc_conn_addr(int family, const uint8_t *addr, unsigned int port, char *buf,
			   size_t n);
/* "ESTABLISHED", "LISTEN", ... of a TCP state (UDP: "UNCONN"/"ESTABLISHED"). */
const char *proc_conn_state(const struct proc_conn *c);

#endif
