/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* frozen.bpf.h - the map of processes frozen (SIGSTOP) at exec until user
 * space has decided them: written by exec.bpf.c, read by hold.bpf.c, which
 * shares it (bpf_map__reuse_fd). */
#ifndef NOMINE_FROZEN_BPF_H
#define NOMINE_FROZEN_BPF_H

#include "exec_event.h"

/* A plain hash: an LRU map may evict a note before it is full (per-CPU free
 * lists), and a process whose note went is neither held nor judged stale. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, struct nm_frozen);
} frozen SEC(".maps");

#endif
