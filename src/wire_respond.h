/* SPDX-License-Identifier: BSD-2-Clause */
/* wire_respond.h - what the daemon does with a packet the network
 * detector's packet program blocked: the evidence, the owner. */
#ifndef NOMINE_WIRE_RESPOND_H
#define NOMINE_WIRE_RESPOND_H

#include "net_respond.h"
#include "wire_types.h"

/* Acts on ev through r (its policy, actions and repeat memory): the owner
 * is spared by allowedExecutables or an allow pattern, else killed with
 * its descendants (audit: reported), logged with source "network", reason
 * and evidence; one the program stopped and that was spared is resumed.
 * An owner gone from /proc is logged from what the kernel said. Without
 * an owner from the kernel (a kernel whose program cannot ask, a socket
 * older than the daemon) the process of the socket's cgroup holding it is
 * acted on ("owner_from": "proc"); with none found the event is logged by
 * cgroup and uid. */
void wire_respond(struct net_respond *r, const struct nm_wire_event *ev);

/* The evidence of ev as a JSON object: reason, destination, the matched
 * bytes (escaped), sender when it is not the owner, dropped,
 * stopped_in_kernel. */
json_t *wire_evidence(const struct nm_wire_event *ev);

#endif
