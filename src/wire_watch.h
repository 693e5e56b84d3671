/* SPDX-License-Identifier: BSD-2-Clause */
/* wire_watch.h - the network detector's packet program: loads wire.bpf.c
 * (the variant this kernel takes), attaches it to the cgroups in scope,
 * sets what it checks and hands each blocked packet to a callback. */
#ifndef NOMINE_WIRE_WATCH_H
#define NOMINE_WIRE_WATCH_H

#include <stddef.h>
#include <stdint.h>
#include "domain_list.h"
#include "wire_types.h"

struct wire_watch;

typedef void (*wire_cb)(const struct nm_wire_event *ev, void *ctx);

struct wire_watch_opts {
	const char *mount;          /* the cgroup v2 mount */
	char *const *scopes;        /* cgroup paths below it; 0 of them: the root */
	unsigned int nscopes;
	int audit;                  /* report, drop nothing */
	int stratum;                /* match Stratum from the start */
	int no_signal;              /* tests: the variant of kernels without bpf_send_signal here */
	int no_task;                /* tests: the variant of kernels without current-task helpers */
	/* the exec object's exemption maps (exec_watch_exempt_fds), shared so
	 * an exempt cgroup's packet goes through; 0: none (never exempt) */
	int exempt_class_fd, exempt_cfg_fd;
	wire_cb cb;
	void *ctx;
};

/* NULL with errno set and a reason in err: every variant refused (the
 * first refusal's reason), a cgroup that cannot be opened or attached to,
 * or ENOMEM. */
struct wire_watch *wire_watch_open(const struct wire_watch_opts *o, char *err, size_t errlen);
void wire_watch_close(struct wire_watch *w);

/* "stratum-stop": the program stops an owner caught sending (user space
 * kills); "stratum-drop": it drops and names the owner, user space kills;
 * "stratum-drop-anon": it drops, but this kernel cannot tell it the owner. */
const char *wire_watch_variant(const struct wire_watch *w);
/* Why the variant is not the best one ("" when it is). */
const char *wire_watch_why(const struct wire_watch *w);

/* Turns the Stratum match on or off for the packets that follow (a map
 * write, nothing re-attached). Returns 0 or a negative errno. */
int wire_watch_set_stratum(struct wire_watch *w, int on);

/* Makes l the banned domains of the DNS check (a new map of their hashes,
 * swapped in whole: a query is judged by the old names or the new ones)
 * and turns the check on, or off for an empty list. Returns 0 or a
 * negative errno with a reason in err; a failure keeps the old names. */
int wire_watch_set_domains(struct wire_watch *w, const struct domain_list *l, char *err,
			   size_t errlen);

int wire_watch_fd(const struct wire_watch *w);
int wire_watch_drain(struct wire_watch *w);

/* Sums a per-CPU counter (enum nm_wire_stat); 0 for an unknown one. */
uint64_t wire_watch_stat(const struct wire_watch *w, unsigned int which);

#endif
