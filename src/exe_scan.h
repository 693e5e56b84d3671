/* SPDX-License-Identifier: BSD-2-Clause */
/* exe_scan.h - what an executable's bytes say: its SHA-256, the banned
 * strings it carries, whether it is packed. One open file in, one report
 * out; no threads, no /proc, no kernel (exe_watch.c does those). */
#ifndef NOMINE_EXE_SCAN_H
#define NOMINE_EXE_SCAN_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "config.h"

struct automaton;

/* A rule as events name it: its text and where it came from. */
struct exe_item {
	char *text;
	char origin[300];                 /* "file:line" */
	int secret;                       /* events show origin, never text */
};

/* The rules of one config (bannedExecutableStrings, bannedExecutableHashes,
 * bannedPackedExecutables and the scan caps). Shared by the daemon and the
 * scanner thread: counted references, freed by the last exe_rules_put. */
struct exe_rules {
	struct automaton *strings;        /* NULL: none */
	struct exe_item *string_of;       /* [nstrings] */
	size_t nstrings;
	uint8_t (*hashes)[32];            /* sorted, for bsearch */
	struct exe_item *hash_of;         /* [nhashes], in the order of hashes */
	size_t nhashes;
	int ban_packed;
	uint64_t max_bytes;               /* read at most this much of a file */
	double max_seconds;               /* and for at most this long */
	size_t overlap;                   /* longest string - 1 */
	int refs;                         /* atomic */
};

/* Builds the rules from cfg's exe lists (copied: cfg is unchanged). NULL
 * with errno and "file:line: reason" in err (EINVAL, ENOMEM). */
struct exe_rules *exe_rules_build(const struct config *cfg, char *err, size_t errlen);
/* Whether two rule sets judge every file alike (a reload that keeps them
 * keeps every scan result). */
int exe_rules_same(const struct exe_rules *a, const struct exe_rules *b);
struct exe_rules *exe_rules_get(struct exe_rules *r);
void exe_rules_put(struct exe_rules *r);

/* Whether a scan could judge it. */
enum exe_scan_status {
	EXE_SCANNED = 0,        /* every byte read */
	EXE_TRUNCATED,          /* over max_bytes: the first max_bytes scanned, no hash */
	EXE_TIMED_OUT,          /* over max_seconds: what was read scanned, no hash */
	EXE_CHANGED,            /* the file changed while read: no hash */
	EXE_NOT_REGULAR,        /* a FIFO, device, directory...: not read at all */
	EXE_READ_ERROR,         /* read() failed: errno in err */
};

struct exe_report {
	enum exe_scan_status status;
	int err;                          /* EXE_READ_ERROR: the errno */
	uint64_t size;                    /* st_size */
	uint64_t bytes_read;
	double seconds;
	int have_sha256;                  /* the whole file was read, unchanged */
	uint8_t sha256[32];
	long string;                      /* a banned string found: its index, else -1 */
	long hash;                        /* the hash is banned: its index, else -1 */
	const char *packed;               /* evidence of a packer, or NULL */
	int banned;                       /* string, hash, or packed with ban_packed */
	/* the file as fstat saw it, for finding its other processes */
	uint64_t st_dev, st_ino;
	int64_t st_ctime_sec;
	long st_ctime_nsec;
};

/* Scans the open file fd (never blocks on a FIFO: it is not read). The
 * report says how far it got; returns 0, or a negative errno when nothing
 * could be learnt (-ENOMEM, fstat failed). */
int exe_scan_fd(int fd, const struct exe_rules *r, struct exe_report *out);

/* What events show of a rule: its text, or its origin if secret. */
const char *exe_item_shown(const struct exe_item *it);

/* "sha256" as 64 lowercase hex digits into hex[65]. */
void exe_sha256_hex(const uint8_t sha[32], char hex[65]);

/* A report as event fields (an "executable" object: sha256, size, packed,
 * the scan status, what matched). */
void exe_report_json(const struct exe_report *rep, const struct exe_rules *r, json_t *o);

#endif
