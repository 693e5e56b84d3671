/* SPDX-License-Identifier: BSD-2-Clause */
/* randomx_event.h - what randomx_detect.bpf.c sends when a process keeps switching out
 * with a non-default SSE rounding mode (RandomX's CFROUND); shared, include-free. */
#ifndef NOMINE_RANDOMX_EVENT_H
#define NOMINE_RANDOMX_EVENT_H

#define NM_RANDOMX_COMM_LEN 16
/* MXCSR rounding control (RC) bits 13-14: 0 nearest (the default), 1 down,
 * 2 up, 3 toward zero. The exception flag and mask bits are not tested:
 * they vary in ordinary programs. */
#define NM_RANDOMX_RC_SHIFT 13
#define NM_RANDOMX_RC_MASK 3u
/* Processes tracked at once (LRU: the least recently seen are dropped). */
#define NM_RANDOMX_PROCS_MAX 8192
/* Threads are counted in a hashed set of this many bits. */
#define NM_RANDOMX_THREAD_BITS 64
/* Bounds of the settings the program accepts. */
#define NM_RANDOMX_WINDOW_MIN_NS 1000000ull            /* 1 ms */
#define NM_RANDOMX_WINDOW_MAX_NS 3600000000000ull      /* 1 h */

enum nm_randomx_flags {
	NM_RANDOMX_IN_SCOPE = 1,     /* counted in or below a --scope-cgroup (or unscoped) */
};

enum nm_randomx_stat {
	NM_RANDOMX_STAT_SWITCHES,    /* FPU registers saved at a switch-out (tracepoint hits) */
	NM_RANDOMX_STAT_ODD,         /* of those, in scope with a non-default rounding mode */
	NM_RANDOMX_STAT_REPORTS,     /* threshold crossings sent to user space */
	NM_RANDOMX_STAT_LOST,        /* crossings the ring buffer had no room for (retried) */
	NM_RANDOMX_STAT_FOREIGN,     /* the saved fpu was not current's: skipped */
	NM_RANDOMX_STAT_NO_ENTRY,    /* no per-process entry could be made */
	NM_RANDOMX_STAT_MAX,
};

/* Sent once per process when its estimated count of non-default rounding
 * observations within window_ns reaches the threshold. */
struct randomx_event {
	unsigned long long start_ns;   /* thread-group leader start, boot-time ns (pidfd pinning) */
	unsigned long long first_ns;   /* first counted observation, boot-time ns */
	unsigned long long ts_ns;      /* the crossing, boot-time ns */
	unsigned long long window_ns;  /* the window the count is over */
	unsigned long long cgroup_id;  /* cgroup v2 id of the triggering thread */
	unsigned int tgid;
	unsigned int pid;              /* the thread whose switch-out crossed the threshold */
	unsigned int count;            /* estimated observations within window_ns, >= threshold */
	unsigned int threshold;
	unsigned int modes;            /* bit m set: rounding mode m (1..3) was seen */
	unsigned int threads;          /* distinct threads that contributed (lower bound) */
	unsigned int flags;            /* enum nm_randomx_flags */
	unsigned int pad;
	char comm[NM_RANDOMX_COMM_LEN]; /* the thread-group leader's */
};

#endif
