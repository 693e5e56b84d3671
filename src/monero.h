/* SPDX-License-Identifier: BSD-2-Clause */
/* monero.h - the RandomX detector: loads monero.bpf.c and hands each process
 * whose switch-outs keep saving a non-default SSE rounding mode to a callback. */
#ifndef NOMINE_MONERO_H
#define NOMINE_MONERO_H

#include <stddef.h>
#include <stdint.h>
#include "exec_event.h"
#include "monero_event.h"

/* Defaults, from `bench/monero_calibrate` (2-vCPU Firecracker VM, kernel
 * 6.18, other jobs running; non-default-rounding switch-outs, "odd"):
 * - librandomx light mode, JIT or interpreter, 1 or 1+4 processes on the
 *   2 CPUs: 32-395 odd/s per cgroup, all three modes seen by the report,
 *   each process reported 0.6-2.5 s after it started (first odd one after
 *   0.55-1.4 s), with 50 Hz kickers or with more hashers than CPUs.
 * - A lone hasher with a CPU to itself and no kickers is switched out only
 *   3-5 times a second: 1.4-15 odd/s, reported after 2.4-10 s or not within
 *   8 s. With 50 Hz kickers: 32-66 odd/s, reported after 1.8-2.5 s.
 * - Benign, with kickers: gcc, python3 math loop, C FP loop, 8 threads of
 *   FP and sleeps, the whole machine for 8 s: 0. fesetround() 5 times: 5-6
 *   in all, one mode. Interval arithmetic (FE_UPWARD held, or up/down):
 *   640-740 odd/s, one or two modes: only MIN_MODES tells it apart.
 * 64 in 30 s: 1-2 s of a miner's observations, 10x what a benign program
 * showed in any window, and a miner seen at a sustained 2.2 odd/s (no
 * kickers, idle CPU) is still caught. */
#define NM_MONERO_DEFAULT_THRESHOLD 64u
#define NM_MONERO_DEFAULT_WINDOW_MS 30000u
/* RandomX draws the three non-default modes at random: 64 observations miss
 * one with probability 3 * (2/3)^64, about 2e-11; interval arithmetic uses
 * one or two. */
#define NM_MONERO_DEFAULT_MIN_MODES 3u
/* Kickers at 50 Hz ran 1.2-2.5 ms per CPU-second (0.12-0.25%, schedstat) on
 * that VM; an FP loop on every CPU showed no slowdown beyond the +-1% noise. */
#define NM_MONERO_DEFAULT_KICK_HZ 50u
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

/* NULL with a reason in err when unavailable: not x86_64, no kernel BTF, no
 * x86_fpu_regs_deactivated tracepoint, or the program fails to load. */
/* 1 where the detector can exist at all (x86_64: MXCSR and its tracepoint). */
int monero_supported(void);

/* 0 when this kernel has what the detector needs (BTF, the tracepoint),
 * else -1 with what is missing in err. */
int monero_check_kernel(char *err, size_t errlen);

struct monero_watch *monero_watch_open(const struct monero_watch_opts *o, char *err, size_t errlen);
void monero_watch_close(struct monero_watch *w);

/* fd to wait on (epoll) and the call that drains it into the callback. */
int monero_watch_fd(const struct monero_watch *w);
int monero_watch_drain(struct monero_watch *w);

/* Clears the reported mark of tgid and its counts: the process is counted
 * from zero and reported again when it crosses the threshold again (after
 * user space spared it, say). Returns 0 or a negative errno. */
int monero_watch_rearm(struct monero_watch *w, uint32_t tgid);

/* Sums a per-CPU counter (enum nm_monero_stat); 0 for an unknown one. */
uint64_t monero_watch_stat(const struct monero_watch *w, unsigned int which);

#endif
