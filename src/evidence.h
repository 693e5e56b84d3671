/* SPDX-License-Identifier: BSD-2-Clause */
/* evidence.h - one JSON record per incident in a directory readable by root
 * only: the kill's event, what was read of the process (while stopped,
 * before the kill) and of its ancestors, its executable's SHA-256 (and, when
 * configured, a copy). Bounded by count and bytes, oldest removed first. */
#ifndef NOMINE_EVIDENCE_H
#define NOMINE_EVIDENCE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define EVIDENCE_CONNS_MAX 64
#define EVIDENCE_ANCESTORS_MAX 16
#define EVIDENCE_ARGV_MAX 4096
/* An executable larger than this is not hashed (a record must be written
 * in bounded time). */
#define EVIDENCE_HASH_MAX (256ull << 20)

struct evidence_live;   /* what is read of a process before its kill */
/* Reads, of process tgid pinned by start_ticks, while it is stopped (the caller sent SIGSTOP):
 * an O_PATH fd on its executable (/proc/PID/exe), its open network connections (TCP/UDP,
 * v4/v6: local, remote, state; at most 64), its /proc/PID/cgroup. And its ancestors from ppid
 * up to PID 1 (at most 16): pid, ppid, exe, argv (capped 4 KiB, attacker bytes escaped), start
 * time (clock ticks and an RFC 3339 wall time), uid, cgroup. tgid may already be dead (killed in
 * the kernel at exec): then only the ancestors (from ppid) are read. Bounded work, never blocks
 * on anything but /proc reads. NULL only when out of memory. */
struct evidence_live *evidence_capture(pid_t tgid, uint64_t start_ticks, pid_t ppid);
/* Reads the ancestors into l (replacing what it had), from ppid up: for a
 * capture made with ppid 0 before the kill, so that the stopped process
 * waits only for what the kill takes away (its connections, its
 * executable), not for its ancestors, which the kill leaves alone. */
void evidence_capture_ancestors(struct evidence_live *l, pid_t ppid, uint64_t child_start);
void evidence_live_free(struct evidence_live *l);

struct evidence_store;
/* dir is created 0700 if missing (refused if it is not a directory or is a symlink);
 * max_records, max_bytes cap it (oldest removed first); exe_copy_max: 0 no copies, else copy
 * executables up to that many bytes beside the record. NULL with err. */
struct evidence_store *evidence_store_new(const char *dir, unsigned int max_records,
					  uint64_t max_bytes, uint64_t exe_copy_max,
					  char *err, size_t errlen);
void evidence_store_free(struct evidence_store *s);
/* A new record's path (malloc'ed, unique: time, pid and a counter), chosen before the record is
 * written so that the kill's log line can name it. Thread-safe. */
char *evidence_name(struct evidence_store *s, pid_t tgid);
/* Writes the record at path (0600, written to a temp name then renamed): {"event": the kill's log
 * line (pid, exe, cmdline, uid, container metadata, environment, the detector's evidence — as the
 * kernel saw them at exec), "process": the capture of the process itself (connections, cgroup),
 * "ancestors": [...], "executable": {"path", "sha256", "size", "copy": path or absent,
 * "from": "fd" | "path"}}. The executable is hashed through the captured fd (works for deleted
 * files and memfds), else by the event's exe path only if it still has the event's
 * "executable" identity (dev/inode) when the event gives one. Then removes the oldest records over
 * the caps. Runs in a worker thread; 0 or a negative errno with err.
 * The record just written always stays, even alone over max_bytes. Only names the store
 * made are counted or removed. Beside the spec'd fields: "executable" may carry "error" (not
 * hashed: why), "copy_skipped" ({"reason", "cap"}), "matches_event" (its sha256 equals the
 * event's "executable"."sha256"); the event's identity is "executable": {"dev" (the kernel's
 * major << 20 | minor, as struct nm_exe_id), "inode"}. "process" is {"pid", "start_ticks",
 * "alive", and if alive "start_time", "exe", "cgroup", "connections": [{"proto": "tcp" | "tcp6"
 * | "udp" | "udp6", "local", "remote" ("127.0.0.1:80", "[::1]:80"), "state"}],
 * "connections_incomplete" when a bound cut the list}. */
int evidence_write(struct evidence_store *s, const char *path, const json_t *event,
		   const struct evidence_live *live, char *err, size_t errlen);

#endif
