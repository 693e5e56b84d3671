/* SPDX-License-Identifier: BSD-2-Clause */
/* tunables.h - every number a maintainer might want to change, in one place,
 * each with what it came from. Include-free: the BPF programs include it
 * too, so a default and the program's initial value cannot drift apart.
 * Limits that protect memory or the verifier stay beside the code they
 * bound (exec_event.h, ktables_types.h, lineage_types.h). */
#ifndef NOMINE_TUNABLES_H
#define NOMINE_TUNABLES_H

/* ---- the daemon's clock ------------------------------------------------- */

/* Seconds between /proc sweeps (--sweep-interval): cryptnono scanned every
 * 10 minutes; with exec events the sweep is a backstop, not the detector. */
#define NM_SWEEP_INTERVAL_S 600u
/* Housekeeping tick: the metrics socket, stale exec records, frozen notes. */
#define NM_HOUSEKEEPING_MS 250u
/* The kernel's lineage links that no live task reaches any more are
 * removed at this pace (a link goes after two collections in a row found
 * it unreachable). */
#define NM_LINEAGE_COLLECT_MS 10000u
/* An exec whose records stopped coming is handed over after this: a lost
 * record never holds a verdict back longer. */
#define NM_RECORD_FLUSH_MS 200u
/* A process the kernel froze whose decision never came (records lost, a
 * verdict cut short) is judged from /proc after this. */
#define NM_FROZEN_STALE_MS 1000u
/* Config changes within this are one reload (an editor's several writes, a
 * ConfigMap's symlink swap). */
#define NM_RELOAD_DEBOUNCE_MS 200u
/* A stop waits this long for a reload being built (config_loader.c) to
 * reach the end of a phase; past it the daemon exits without it (one phase,
 * the automaton of a million strings, takes seconds). */
#define NM_RELOAD_STOP_WAIT_MS 200u

/* ---- kernel tables ------------------------------------------------------ */

/* Kernel memory for the verdict tables (--kernel-table-mib): 10k banned
 * strings take 8 MiB, 100k take 64 MiB. */
#define NM_TABLE_CAP_BYTES (32u << 20)

/* States the banned patterns' DFA may have (their union, each searched for
 * anywhere in the line): at most 4 MiB of kernel table at 64 byte classes.
 * The built-in config's patterns take a few hundred together (the start-up
 * line's pattern_dfa_states). A single pattern over it is refused at load;
 * a union over it leaves every verdict to user space. */
#define NM_BANNED_PATTERN_STATES 16384u

/* Exec ring buffer sizes, set by exec.c before load for the program that
 * loads. Its pages are mapped into the daemon (twice) and count in its RSS.
 * With the verdict in the kernel only banned execs travel (every exec only
 * while the tables do not fit the cap): 2 MiB holds 120 records of 16 KiB,
 * thousands of ordinary ones. The capture program sends every exec in
 * scope. An exec whose records do not fit is held by the kernel before its
 * first instruction and judged from /proc (within about a second), and a
 * sweep runs: a flood costs latency, never a verdict. */
#define NM_RING_VERDICT_BYTES (2u << 20)
#define NM_RING_CAPTURE_BYTES (8u << 20)

/* ---- executable scans --------------------------------------------------- */

/* Files the kernel remembers having sent for a scan (an LRU: one evicted
 * is sent again, and user space answers it from its own cache). */
#define NM_EXE_SEEN_ENTRIES 65536u
/* Known-bad files killed at exec in the kernel (not preallocated: empty
 * until a scan finds a miner). The benchmark fills 100k. */
#define NM_EXE_BAD_ENTRIES 131072u
/* Files user space keeps the scan result of (dev, inode, change stamp). */
#define NM_EXE_CACHE_ENTRIES 65536u
/* Scans waiting for the scanner thread; past it an exec is scanned by the
 * next /proc sweep instead (counted in nomine_exe_scans_dropped_total). */
#define NM_EXE_QUEUE_MAX 4096u
/* executableScanMaxMiB / executableScanSeconds defaults: the miners
 * seen in the field are 2-10 MiB; a 128 MiB file hashes and scans in
 * about 0.3 s (bench/exe_scan); past either cap the file is scanned
 * in part and has no SHA-256. */
#define NM_EXE_SCAN_MAX_MIB 128u
#define NM_EXE_SCAN_SECONDS 10.0
/* Bits per byte over which an ELF without section headers counts as
 * packed: compressed data is near 8; the code and data of Debian's
 * binaries are 5-6.5 (measured by tests/unit/test_exe_scan.c). */
#define NM_EXE_PACKED_ENTROPY 7.2
/* A scan past executableScanSeconds by this much is stuck in one read (a
 * hung mount): another scanner thread takes over, up to the maximum. */
#define NM_EXE_STUCK_S 2.0
#define NM_EXE_WORKERS_MAX 4
/* Bytes read per read() of a scan. */
#define NM_EXE_SCAN_CHUNK (1u << 20)

/* ---- killing ------------------------------------------------------------ */

/* Kill rounds before giving up on a tree that keeps forking: a fork storm
 * converged in a few (a task with SIGKILL pending can no longer fork). */
#define NM_KILL_ROUNDS_MAX 200
/* Rounds again once every victim is gone (a process killed inside fork()
 * leaves a child whose lineage arrives late), at most this many times and
 * waiting at most this long in all (one stuck in D state must not hold the
 * event loop). Under emulation 1-4 of 150 processes were found this way. */
#define NM_KILL_SETTLE_ROUNDS 4
#define NM_KILL_SETTLE_BUDGET_MS 300u

/* ---- containers ----------------------------------------------------------- */

/* A process caught in the middle of an execve has no environment to read
 * yet; its SIGSTOP lands when the execve returns, well within this. */
#define NM_ENV_STOP_WAIT_US 20000u

/* containerKillWindowSeconds when only containerKillAfter is set. */
#define NM_CONTAINER_KILL_WINDOW_S 600
/* A container whose runtime state could not be read is tried again after. */
#define NM_METADATA_RETRY_S 5

/* ---- the RandomX detector ----------------------------------------------- */

/* Defaults, from `bench/randomx_calibrate` (2-vCPU Firecracker VM, kernel
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
#define NM_RANDOMX_DEFAULT_THRESHOLD 64u
#define NM_RANDOMX_DEFAULT_WINDOW_MS 30000u
/* RandomX draws the three non-default modes at random: 64 observations miss
 * one with probability 3 * (2/3)^64, about 2e-11; interval arithmetic uses
 * one or two. */
#define NM_RANDOMX_DEFAULT_MIN_MODES 3u
/* Kickers at 50 Hz ran 1.2-2.5 ms per CPU-second (0.12-0.25%, schedstat) on
 * that VM; an FP loop on every CPU showed no slowdown beyond the +-1% noise. */
#define NM_RANDOMX_DEFAULT_KICK_HZ 50u

/* ---- the network detector ----------------------------------------------- */

/* A process whose call to a banned address was refused is acted on once
 * in this long: a miner retries its pool in a loop (XMRig every 5 s by
 * default, a shell loop as fast as it can) and each refused try is an
 * event; the first one's kill is under way, audit mode said it once. */
#define NM_NET_REPEAT_MS 10000u
/* Processes remembered for that (the oldest is forgotten first). */
#define NM_NET_RECENT 64u

/* Scan detection's window (lookbackSeconds): cryptnono's tcpflowkiller
 * counts unique destinations within 60 s, and mybinder's threshold of 24
 * was tuned with it. An hour is the most: the kernel keeps times as
 * 32-bit milliseconds, and a longer window would hold the (process,
 * destination) map (NM_SCAN_DESTS) full of pairs for nothing. */
#define NM_SCAN_LOOKBACK_S 60.0
#define NM_SCAN_LOOKBACK_MAX_S 3600.0

#endif
