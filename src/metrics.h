/* SPDX-License-Identifier: BSD-2-Clause */
/* metrics.h - Prometheus text exposition of nomine's counters, served by
 * libmicrohttpd from the daemon's own event loop (no extra thread). */
#ifndef NOMINE_METRICS_H
#define NOMINE_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include "action_stats.h"
#include "bpf_load.h"

/* Everything /metrics reports, gathered by the daemon at scrape time. */
struct metric_values {
	uint64_t execs_seen;          /* by the exec program, in or out of scope */
	uint64_t checked;             /* judged in user space */
	uint64_t killed_kernel, killed_user, spared, audited, missed;
	uint64_t records_lost;
	uint64_t reloads_ok, reloads_refused;
	uint64_t banned_strings, allow_patterns, allow_in_user_space;
	uint64_t kernel_tables_bytes;
	uint64_t exempted, containers_killed;
	uint64_t meta_resolved, meta_cached, meta_failed;
	uint64_t lineage_spills;      /* task storage refused, lineage kept aside */
	/* what the BPF programs and the file scanner count (each a counter
	 * family of its own) */
	struct {
		const char *name, *help;
		uint64_t value;
	} kernel[32];
	size_t nkernel;
	/* the network detector's events by reason (none: it is not running) */
	struct {
		const char *reason;
		uint64_t value;
	} net_reasons[8];
	size_t nnet_reasons;
	int kernel_verdict;           /* 1: verdicts taken in the kernel */
	int exec_detector;            /* 1: the exec program is attached */
	/* each detector's variant ("none" when it is not running) and whether
	 * the kernel refused a program it should have taken */
	struct {
		const char *name, *variant;
		int refused;
	} detectors[6];
	size_t ndetectors;
	const struct prog_cost *progs; /* every loaded BPF program's verifier cost */
	size_t nprogs;
	uint64_t prog_misses[NM_PROG_COSTS_MAX];   /* runs each one missed */
	/* cryptnono's execwhacker counters by source: [0] "execwhacker.bpf"
	 * (exec events, judged in the kernel or in user space), [1]
	 * "psutil.process_iter" (/proc sweeps) */
	struct {
		uint64_t checked, killed, missed;
		uint64_t allowed[STATS_ALLOWED_KINDS];
	} cn[2];
	uint64_t unexpected_errors;
	/* the histograms and the kills by detector and namespace; NULL: those
	 * families are left out */
	const struct action_stats *acts;
	uint64_t exec_events_lost, randomx_events_lost;
	int ready;                    /* every detector the kernel can run is attached */
	char unready[768];            /* else which one, and why (one line) */
	int last_reload_ok;           /* the last reload (or the start) applied */
	/* the responders (respond.h) by name: outcomes, retries, queue */
	struct {
		const char *name;
		uint64_t done, failed, dropped, retries, queued;
	} responders[40];
	size_t nresponders;
};

/* Writes the exposition text into buf (NUL-terminated). Returns its length,
 * or the length it would need when n is too small (as snprintf). */
size_t metrics_render(const struct metric_values *v, char *buf, size_t n);

struct metrics_server;
typedef void (*metrics_fill)(struct metric_values *v, void *ctx);

/* Listens on "HOST:PORT" (":PORT" for every address) and answers GET
 * /metrics (fill called for each), /healthz (200 "ok": answered from the
 * daemon's event loop, so a stuck loop times out) and /readyz (fill called;
 * 200 "ready" when v.ready, else 503 and v.unready). Returns NULL with
 * errno set (EINVAL: a bad address; ENOMEM; else why it could not listen)
 * and a reason in err. */
struct metrics_server *metrics_open(const char *listen, metrics_fill fill, void *ctx,
				    char *err, size_t errlen);
void metrics_close(struct metrics_server *m);

/* fd for the daemon's epoll (a negative errno, -ENOENT, when libmicrohttpd
 * has none), and the call to make when it is readable (and now and then,
 * for connection timeouts). */
int metrics_fd(const struct metrics_server *m);
void metrics_run(struct metrics_server *m);

#endif
