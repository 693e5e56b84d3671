/* SPDX-License-Identifier: BSD-2-Clause */
/* exec_records.h - reassembles each exec's argv and environment from the
 * ring-buffer records of exec.bpf.c (which interleave and may be lost) and
 * hands each exec over once; no BPF, the clock passed in. */
#ifndef NOMINE_EXEC_RECORDS_H
#define NOMINE_EXEC_RECORDS_H

#include <stddef.h>
#include <stdint.h>
#include "exec_event.h"

/* argv is the raw argv area (NUL-separated) of length len. complete is 0 if
 * records were lost or the read failed: the caller must fall back to
 * /proc/PID/cmdline. env (env_len bytes) is the exec's environment when the
 * kernel sent it (a banned exec), else NULL. hdr->data is not meaningful.
 * Every pointer is valid only during the call. */
typedef void (*exec_cb)(const struct exec_record *hdr, const uint8_t *argv, size_t len,
			const uint8_t *env, size_t env_len, int complete, void *ctx);

struct exec_records;

/* Execs in flight at once: one more evicts the oldest. */
#define EXEC_RECORDS_SLOTS 64
/* Execs handed over that are remembered: later records of theirs are
 * dropped (-ENOENT) rather than handing the exec over again. */
#define EXEC_RECORDS_REMEMBERED 1024

/* Execs are handed to cb(..., ctx). Returns NULL (errno set) when out of
 * memory. */
struct exec_records *exec_records_new(exec_cb cb, void *ctx);
/* Frees r and every exec still pending, without handing them over. */
void exec_records_free(struct exec_records *r);

/* Takes one record of size bytes (as the ring buffer holds it); now_ns
 * (CLOCK_MONOTONIC) dates an exec's first record for exec_records_flush.
 * May call cb: for this exec when it is whole or broken, or for the oldest
 * pending one when every slot is taken. Returns 0, -EINVAL for a record
 * shorter than its header or its len, or -ENOENT (dropped: it must not
 * take a slot) for a record of an exec already handed over (one of the
 * last EXEC_RECORDS_REMEMBERED), or an environment record of no pending
 * exec. So each exec is handed over once, however its records come. */
int exec_records_feed(struct exec_records *r, const void *data, size_t size, uint64_t now_ns);

/* Hands over every exec whose first record came more than max_age_ns
 * before now_ns: a lost record must not hold an exec back. One whose argv
 * is whole goes complete, without its environment. */
void exec_records_flush(struct exec_records *r, uint64_t now_ns, uint64_t max_age_ns);

/* Hands over every pending exec, as exec_records_flush does: no more
 * records will come. */
void exec_records_drain_all(struct exec_records *r);

/* Execs waiting for more records. */
unsigned int exec_records_pending(const struct exec_records *r);

#endif
