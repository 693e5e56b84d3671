/* SPDX-License-Identifier: BSD-2-Clause */
/* wire_types.h - the network detector's packet program (wire.bpf.c) as it
 * and user space both see it (shared, include-free): the settings map, the
 * event of a blocked packet, the per-CPU counters. */
#ifndef NOMINE_WIRE_TYPES_H
#define NOMINE_WIRE_TYPES_H

/* Bytes of a connection's first data the Stratum matcher reads: an XMRig
 * login names its method within its first 60 bytes and its agent within
 * about 200 (wallet addresses are 95-106 characters). The verifier walks
 * the scan loop once per byte, so the bound is also its cost. */
#define NM_WIRE_SCAN 256
/* Bytes of a packet an event carries: the matched protocol text, or a
 * DNS name (at most 253 characters written out; its last 128, where the
 * banned suffix is, when longer). */
#define NM_WIRE_EXCERPT 128

/* Why a packet was blocked. */
enum nm_wire_reason {
	NM_WIRE_STRATUM = 1,    /* a Stratum (mining pool protocol) message */
	NM_WIRE_DOMAIN = 2,     /* a DNS query for a banned name */
};

/* Flags of an event. */
#define NM_WIRE_DROPPED 1u      /* the packet was dropped (not audit mode) */
#define NM_WIRE_STOPPED 2u      /* SIGSTOP sent by the program to the sender, the owner */
#define NM_WIRE_MAPPED 4u       /* an IPv6 socket to a v4-mapped address (IPv4 on the wire) */
#define NM_WIRE_OWNED 8u        /* owner fields are set (seen at connect) */
#define NM_WIRE_SENDER 16u      /* sender fields are set (a process context) */

/* Settings user space changes at run time (a reload), one array slot. */
struct nm_wire_settings {
	unsigned int stratum;           /* 1: match Stratum */
	unsigned int domain;            /* 1: check DNS queries */
};

/* A blocked (audit: reported) packet. Owner: the process that made the
 * connection (recorded in socket storage when the kernel sent its SYN, or
 * its first UDP datagram, inside the owner's own system call). Sender: the
 * task current when the packet went out, where that is a process. addr
 * holds 4 bytes (family 4, also for a v4-mapped destination) or 16 (family
 * 6), network byte order. */
struct nm_wire_event {
	unsigned long long cgroup_id;  /* the socket's cgroup */
	unsigned long long ts_ns;      /* boot time */
	unsigned long long cookie;     /* the socket's cookie */
	unsigned int tgid;             /* owner; 0: unknown */
	unsigned int uid;              /* owner's */
	unsigned int sender_tgid;      /* 0: not a process context */
	unsigned int flags;
	unsigned long long owner_since_ns; /* boot time the owner was recorded; 0: none */
	unsigned short port;           /* host byte order */
	unsigned char family;          /* 4 or 6 */
	unsigned char protocol;        /* IPPROTO_TCP, IPPROTO_UDP */
	unsigned char reason;          /* enum nm_wire_reason */
	unsigned char pad;
	unsigned short match_off;      /* where in excerpt the match begins; DNS:
					* bytes of the name left out in front */
	unsigned short excerpt_len;    /* bytes of excerpt filled */
	unsigned short sport;          /* the socket's own port, host order */
	unsigned short pad2[2];
	unsigned char addr[16];
	char comm[16];                 /* owner's */
	char sender_comm[16];
	unsigned char excerpt[NM_WIRE_EXCERPT];
};

/* Per-CPU counters (wire_watch_stat). */
enum nm_wire_stat {
	NM_WIRE_STAT_INSPECTED,         /* packets whose payload was read */
	NM_WIRE_STAT_STRATUM,           /* Stratum messages matched */
	NM_WIRE_STAT_DOMAIN,            /* DNS queries for banned names */
	NM_WIRE_STAT_LOST,              /* events that did not fit the ring buffer */
	NM_WIRE_STAT_OWNERS,            /* sockets whose owner was recorded */
	NM_WIRE_NSTATS
};

#endif
