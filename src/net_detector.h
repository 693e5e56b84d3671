/* SPDX-License-Identifier: BSD-2-Clause */
/* net_detector.h - the network detector as the daemon holds it: its list
 * of banned networks in force, its kernel side (or why there is none) and
 * its response, changed together on reload. */
#ifndef NOMINE_NET_DETECTOR_H
#define NOMINE_NET_DETECTOR_H

#include "net_list.h"
#include "net_respond.h"
#include "net_watch.h"
#include "wire_watch.h"

struct net_detector {
	struct net_watch *nw;       /* NULL: not running (why says why) */
	struct wire_watch *ww;      /* the packet program; NULL: not running (wire_why) */
	struct net_list list;       /* in force */
	struct net_respond nr;
	char why[700];
	char wire_why[700];
	char variant[64];
	int refused;                /* the kernel had what it needs and said no */
	int disabled;               /* --disable network */
};

/* Builds the networks of cfg into *out (see net_list_build). Returns 0 or a
 * negative errno with "file:line: reason" in err. */
int net_detector_prepare(struct net_list *out, const struct config *cfg, char *err,
			 size_t errlen);

/* Takes list (prepared; *list is emptied) as the one in force, and starts
 * the kernel side with it (o->cb and ctx are set here): the connect
 * programs and the packet program, each without the other when the kernel
 * refuses one. A part that cannot start is logged once and leaves nd->nw
 * (why) or nd->ww (wire_why) NULL. wo: the packet program's test options
 * (no_signal, no_task), or NULL. */
void net_detector_open(struct net_detector *nd, struct net_watch_opts *o, struct net_list *list,
		       struct action_ctx *act, struct policy *const *policy,
		       const struct wire_watch_opts *wo);

/* Makes list (prepared; *list is emptied) the one in force; the kernel's
 * tries are rebuilt only when the networks changed. A kernel that refuses
 * the new tries keeps the old ones, logged. The packet program takes
 * stratumDetection from the policy in force (*policy, already the new). */
void net_detector_set(struct net_detector *nd, struct net_list *list);

/* The connect programs' variant ("connect-kill", "connect-deny"), then
 * the packet program's after a '+' ("stratum-stop", "stratum-drop",
 * "stratum-drop-anon"; see wire_watch.h); "none" or "disabled". */
const char *net_detector_variant(const struct net_detector *nd);

void net_detector_close(struct net_detector *nd);

#endif
