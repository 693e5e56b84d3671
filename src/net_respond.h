/* SPDX-License-Identifier: BSD-2-Clause */
/* net_respond.h - what the daemon does with a call the network detector
 * refused: the evidence, repeats, the process. */
#ifndef NOMINE_NET_RESPOND_H
#define NOMINE_NET_RESPOND_H

#include <stdint.h>
#include "action.h"
#include "net_list.h"
#include "net_types.h"
#include "tunables.h"

/* Why the network detector reported: each counted on its own
 * (nomine_network_detections_total{reason}). */
enum net_reason {
	NET_R_BANNED_ADDRESS,   /* a call to a banned network */
	NET_R_POOL_PORT,        /* a call to a pool port, with banPoolPorts */
	NET_R_SCAN,             /* over uniqueDestinationsThreshold */
	NET_R_STRATUM,          /* a Stratum session opened on the wire */
	NET_R_DOMAIN,           /* a DNS query for a banned name */
	NET_REASONS
};

/* The reasons as events and metrics name them. */
extern const char *const net_reason_names[NET_REASONS];

struct net_respond {
	struct action_ctx *act;
	struct policy *const *policy;       /* the daemon's, in force */
	const struct net_list *list;        /* the networks in force */
	const char *cgroup_mount;           /* the v2 mount, for sock_owner_find */
	struct {
		uint32_t tgid;
		uint64_t ts_ns;
	} recent[NM_NET_RECENT];
	unsigned int next;
	unsigned long long repeats;         /* events of a process acted on already */
	unsigned long long by_reason[NET_REASONS];  /* events from the kernel, each */
};

/* Acts on ev: a process is spared by allowedExecutables or an allow
 * pattern, else killed with its descendants (audit: reported), logged with
 * source "network", the reason ("banned_address", "pool_port", "scan") and
 * the evidence; a scan is only reported unless uniqueDestinationsAction is
 * "kill". Its further events within
 * NM_NET_REPEAT_MS are only counted (not scans: the kernel sends one per
 * burst). An event without a process (the
 * connect-deny variant) is logged as refused. */
void net_respond(struct net_respond *r, const struct nm_net_event *ev);

/* The evidence of ev as a JSON object: destination, banned network and
 * where it was written (from l), whether the call was refused. */
json_t *net_evidence(const struct nm_net_event *ev, const struct net_list *l);

/* 1 if tgid was acted on within NM_NET_REPEAT_MS before ts_ns (boot
 * time); else remembers it and returns 0. Shared by the connect and the
 * packet programs' events: one process, one response. */
int net_respond_repeated(struct net_respond *r, uint32_t tgid, uint64_t ts_ns);

/* "tcp", "udp" or "other". */
const char *net_protocol_name(uint32_t p);

#endif
