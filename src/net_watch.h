/* SPDX-License-Identifier: BSD-2-Clause */
/* net_watch.h - the network detector's kernel side: loads net.bpf.c,
 * attaches it to the cgroups in scope, installs the banned networks and
 * hands each refused call to a callback. */
#ifndef NOMINE_NET_WATCH_H
#define NOMINE_NET_WATCH_H

#include <stddef.h>
#include <stdint.h>
#include "net_list.h"
#include "net_types.h"

struct net_watch;

typedef void (*net_cb)(const struct nm_net_event *ev, void *ctx);

struct net_watch_opts {
	const char *mount;          /* the cgroup v2 mount */
	char *const *scopes;        /* cgroup paths below it; 0 of them: the root */
	unsigned int nscopes;
	int audit;                  /* report, let the call through */
	int no_caller;              /* tests: the variant of kernels that cannot name the caller */
	/* the exec object's exemption maps (exec_watch_exempt_fds), shared so
	 * a call from an exempt cgroup is let through; 0: none (the network
	 * object's own, exemptions never on: every banned call refused) */
	int exempt_class_fd, exempt_cfg_fd;
	net_cb cb;
	void *ctx;
};

/* NULL with errno set and a reason in err: the program refused (libbpf's
 * errno; tried with and without naming the caller), a cgroup that cannot
 * be opened or attached to (its errno), or ENOMEM. */
struct net_watch *net_watch_open(const struct net_watch_opts *o, char *err, size_t errlen);
void net_watch_close(struct net_watch *w);

/* "connect-kill": refused calls name their process; "connect-deny": this
 * kernel's cgroup programs cannot say who called, so calls are refused and
 * reported by cgroup only. */
const char *net_watch_variant(const struct net_watch *w);
/* Why the variant is not the best one ("" when it is). */
const char *net_watch_why(const struct net_watch *w);

/* Makes l the banned networks: new tries, both filled before each is
 * swapped in with one update (a call is judged by the old list or the new
 * one of its family). Returns 0 or a negative errno with a reason in err;
 * a failure while filling keeps the old lists. */
int net_watch_set(struct net_watch *w, const struct net_list *l, char *err, size_t errlen);

/* Makes s the scan and pool-port settings in force; networks: also
 * rebuild and swap in the uncounted networks' tries (as net_watch_set).
 * Scans are not counted where calls cannot be attributed (connect-deny).
 * Returns 0 or a negative errno with a reason in err; the old networks
 * and settings then stay. */
int net_watch_set_scan(struct net_watch *w, const struct net_scan *s, int networks, char *err,
		       size_t errlen);

int net_watch_fd(const struct net_watch *w);
int net_watch_drain(struct net_watch *w);

/* Sums a per-CPU counter (enum nm_net_stat); 0 for an unknown one. */
uint64_t net_watch_stat(const struct net_watch *w, unsigned int which);

#endif
