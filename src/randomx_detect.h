/* SPDX-License-Identifier: BSD-2-Clause */
/* monero.h - the RandomX detector: loads monero.bpf.c and hands each process
 * whose switch-outs keep saving a non-default SSE rounding mode to a callback. */
#ifndef NOMINE_MONERO_H
#define NOMINE_MONERO_H

#include <stddef.h>
#include <stdint.h>
#include "scope_types.h"
#include "randomx_event.h"
#include "tunables.h"

#define NM_MONERO_KICK_HZ_MAX 1000u

struct monero_watch;

typedef void (*monero_cb)(const struct monero_event *ev, void *ctx);

struct monero_watch_opts {
	const struct nm_scope *scopes;  /* NULL/0: every process is counted */
	unsigned int nscopes;
	uint32_t threshold;             /* 0: NM_MONERO_DEFAULT_THRESHOLD */
	uint64_t window_ns;             /* 0: NM_MONERO_DEFAULT_WINDOW_MS */
	monero_cb cb;
	void *ctx;
	uint32_t min_modes;             /* 0: NM_MONERO_DEFAULT_MIN_MODES; 1 counts any mode */
	/* 0: none. Else one SCHED_FIFO thread per CPU wakes this often, so that
	 * a miner alone on an idle CPU is still switched out and sampled
	 * (NM_MONERO_DEFAULT_KICK_HZ recommended; see monero.c). */
	unsigned int kick_hz;
};

/* 1 where the detector can exist at all (x86_64: MXCSR and its tracepoint). */
int monero_supported(void);

/* 0 when this kernel has what the detector needs (BTF, the tracepoint),
 * else a negative errno (-ENOENT: no tracepoint, -ENOSYS: not x86_64, or
 * why the BTF could not be read) with what is missing in err. */
int monero_check_kernel(char *err, size_t errlen);

/* NULL with errno set and a reason in err when unavailable: bad options
 * (EINVAL, E2BIG over a limit), not x86_64, no kernel BTF, no
 * x86_fpu_regs_deactivated tracepoint (as monero_check_kernel), or the
 * program fails to load (libbpf's errno). */
struct monero_watch *monero_watch_open(const struct monero_watch_opts *o, char *err, size_t errlen);
void monero_watch_close(struct monero_watch *w);

/* fd to wait on (epoll) and the call that drains it into the callback
 * (0 or a negative errno). */
int monero_watch_fd(const struct monero_watch *w);
int monero_watch_drain(struct monero_watch *w);

/* Clears the reported mark of tgid and its counts: the process is counted
 * from zero and reported again when it crosses the threshold again (after
 * user space spared it, say). Returns 0 or a negative errno. */
int monero_watch_rearm(struct monero_watch *w, uint32_t tgid);

/* Sums a per-CPU counter (enum nm_monero_stat); 0 for an unknown one. */
uint64_t monero_watch_stat(const struct monero_watch *w, unsigned int which);

#endif
