/* SPDX-License-Identifier: BSD-2-Clause */
/* flag_respond.h - what the daemon does with a process a behaviour detector
 * (RandomX, network) flagged: identity from /proc, allowedExecutables and
 * allow patterns, then the act and kill path of action.c. */
#ifndef NOMINE_FLAG_RESPOND_H
#define NOMINE_FLAG_RESPOND_H

#include <stdint.h>
#include "action.h"

/* Completes s (tgid, source, cgroup_id and seen_ns set by the caller;
 * start_ticks too, or 0 to take the process's own) from /proc: parent,
 * uid, executable, command line. Spares it when its executable is in
 * allowedExecutables or its command line matches an allow pattern, else
 * kills it and its descendants (audit: reports) through
 * action_behaviour(), which takes evidence. Returns 1 spared, 0 acted on,
 * -ESRCH when the process is gone or is not the one of start_ticks
 * (evidence released). FLAG_NO_PATTERNS: allow patterns do not spare it
 * (a finding about its file, not its command line). */
#define FLAG_NO_PATTERNS 1u
int flag_respond(struct action_ctx *a, struct policy *p, struct subject *s, json_t *evidence,
		 unsigned int flags);

/* The allowedExecutables entry that is exactly exe, or NULL. */
const char *flag_allowed_exe(const struct config *cfg, const char *exe);

/* A boot-time ns (what BPF programs stamp) on CLOCK_MONOTONIC, which kill
 * latencies are measured on: they differ by the time suspended. */
uint64_t flag_boot_to_monotonic(uint64_t boot_ns);

#endif
