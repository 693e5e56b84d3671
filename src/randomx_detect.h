/* SPDX-License-Identifier: BSD-2-Clause */
/* randomx_detect.h - the RandomX detector: loads randomx_detect.bpf.c and hands each process
 * whose switch-outs keep saving a non-default SSE rounding mode to a callback. */
#ifndef NOMINE_RANDOMX_DETECT_H
#define NOMINE_RANDOMX_DETECT_H

#include <stddef.h>
#include <stdint.h>
#include "scope_types.h"
#include "randomx_event.h"
#include "tunables.h"

#define NM_RANDOMX_KICK_HZ_MAX 1000u

struct randomx_watch;

typedef void (*randomx_cb)(const struct randomx_event *ev, void *ctx);

struct randomx_watch_opts {
	const struct nm_scope *scopes;  /* NULL/0: every process is counted */
	unsigned int nscopes;
	uint32_t threshold;             /* 0: NM_RANDOMX_DEFAULT_THRESHOLD */
	uint64_t window_ns;             /* 0: NM_RANDOMX_DEFAULT_WINDOW_MS */
	randomx_cb cb;
	void *ctx;
	uint32_t min_modes;             /* 0: NM_RANDOMX_DEFAULT_MIN_MODES; 1 counts any mode */
	/* 0: none. Else one SCHED_FIFO thread per CPU wakes this often, so that
	 * a miner alone on an idle CPU is still switched out and sampled
	 * (NM_RANDOMX_DEFAULT_KICK_HZ recommended; see randomx_detect.c). */
	unsigned int kick_hz;
};

/* 1 where the detector can exist at all (x86_64: MXCSR and its tracepoint). */
int randomx_supported(void);

/* 0 when this kernel has what the detector needs (BTF, the tracepoint),
 * else a negative errno (-ENOENT: no tracepoint, -ENOSYS: not x86_64, or
 * why the BTF could not be read) with what is missing in err. */
int randomx_check_kernel(char *err, size_t errlen);

/* NULL with errno set and a reason in err when unavailable: bad options
 * (EINVAL, E2BIG over a limit), not x86_64, no kernel BTF, no
 * x86_fpu_regs_deactivated tracepoint (as randomx_check_kernel), or the
 * program fails to load (libbpf's errno). */
struct randomx_watch *randomx_watch_open(const struct randomx_watch_opts *o, char *err,
					 size_t errlen);
void randomx_watch_close(struct randomx_watch *w);

/* fd to wait on (epoll) and the call that drains it into the callback
 * (0 or a negative errno). */
int randomx_watch_fd(const struct randomx_watch *w);
int randomx_watch_drain(struct randomx_watch *w);

/* Clears the reported mark of tgid and its counts: the process is counted
 * from zero and reported again when it crosses the threshold again (after
 * user space spared it, say). Returns 0 or a negative errno. */
int randomx_watch_rearm(struct randomx_watch *w, uint32_t tgid);

/* Sums a per-CPU counter (enum nm_randomx_stat); 0 for an unknown one. */
uint64_t randomx_watch_stat(const struct randomx_watch *w, unsigned int which);

#endif
