/* SPDX-License-Identifier: BSD-2-Clause */
/* exe_scan.c - one file's bytes against the executable rules. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <nettle/sha2.h>
#include "automaton.h"
#include "exe_scan.h"
#include "log.h"
#include "tunables.h"
#include "mono_clock.h"

static int hex_digit(int c)
{
	return isdigit(c) ? c - '0' : tolower(c) - 'a' + 10;
}

static int cmp_hash(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

static void item_of(struct exe_item *it, const struct config_name *n)
{
	snprintf(it->origin, sizeof(it->origin), "%s:%d", n->at.file ? n->at.file : "?",
		 n->at.line);
	it->secret = n->secret;
}

const char *exe_item_shown(const struct exe_item *it)
{
	return it->secret ? it->origin : it->text;
}

static int build_strings(struct exe_rules *r, const struct config *cfg)
{
	const struct config_name *names = cfg->names[CONFIG_EXE_STRINGS];
	size_t n = cfg->nnames[CONFIG_EXE_STRINGS];
	struct ac_input *in;

	if (!n)
		return 0;
	in = calloc(n, sizeof(*in));
	r->string_of = calloc(n, sizeof(*r->string_of));
	if (!in || !r->string_of) {
		free(in);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(names[i].name);

		r->string_of[i].text = strdup(names[i].name);
		if (!r->string_of[i].text) {
			free(in);
			return -ENOMEM;
		}
		item_of(&r->string_of[i], &names[i]);
		r->nstrings++;
		/* bytes in a binary sit between NULs and code: no word rule */
		in[i] = (struct ac_input){ (const uint8_t *)r->string_of[i].text, len,
					   AC_SUBSTRING };
		if (len - 1 > r->overlap)
			r->overlap = len - 1;
	}
	r->strings = automaton_build(in, n);
	free(in);
	return r->strings ? 0 : -errno;
}

static int build_hashes(struct exe_rules *r, const struct config *cfg)
{
	const struct config_name *names = cfg->names[CONFIG_EXE_HASHES];
	size_t n = cfg->nnames[CONFIG_EXE_HASHES];
	struct { uint8_t h[32]; size_t i; } *tmp;

	if (!n)
		return 0;
	tmp = calloc(n, sizeof(*tmp));
	r->hashes = calloc(n, 32);
	r->hash_of = calloc(n, sizeof(*r->hash_of));
	if (!tmp || !r->hashes || !r->hash_of) {
		free(tmp);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		for (int b = 0; b < 32; b++)   /* validated: 64 hex digits */
			tmp[i].h[b] = (uint8_t)(hex_digit(names[i].name[2 * b]) << 4 |
						hex_digit(names[i].name[2 * b + 1]));
		tmp[i].i = i;
	}
	qsort(tmp, n, sizeof(*tmp), cmp_hash);   /* the digest leads each element */
	for (size_t i = 0; i < n; i++) {
		const struct config_name *nm = &names[tmp[i].i];

		if (r->nhashes && !memcmp(r->hashes[r->nhashes - 1], tmp[i].h, 32))
			continue;        /* the same digest twice: the first names it */
		memcpy(r->hashes[r->nhashes], tmp[i].h, 32);
		r->hash_of[r->nhashes].text = strdup(nm->name);
		if (!r->hash_of[r->nhashes].text) {
			free(tmp);
			return -ENOMEM;
		}
		for (char *c = r->hash_of[r->nhashes].text; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		item_of(&r->hash_of[r->nhashes], nm);
		r->nhashes++;
	}
	free(tmp);
	return 0;
}

struct exe_rules *exe_rules_build(const struct config *cfg, char *err, size_t errlen)
{
	struct exe_rules *r = calloc(1, sizeof(*r));
	int rc;

	if (!r) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->refs = 1;
	r->ban_packed = config_bool(cfg, "bannedPackedExecutables");
	r->max_bytes = (uint64_t)config_number(cfg, "executableScanMaxMiB") << 20;
	r->max_seconds = config_number(cfg, "executableScanSeconds");
	if ((rc = build_strings(r, cfg)) || (rc = build_hashes(r, cfg))) {
		snprintf(err, errlen, "bannedExecutableStrings: %s", strerror(-rc));
		exe_rules_put(r);
		errno = -rc;
		return NULL;
	}
	return r;
}

static int items_same(const struct exe_item *a, const struct exe_item *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(a[i].text, b[i].text))
			return 0;
	return 1;
}

int exe_rules_same(const struct exe_rules *a, const struct exe_rules *b)
{
	return a && b && a->ban_packed == b->ban_packed && a->max_bytes == b->max_bytes &&
	       a->max_seconds == b->max_seconds && a->nstrings == b->nstrings &&
	       a->nhashes == b->nhashes && items_same(a->string_of, b->string_of, a->nstrings) &&
	       (!a->nhashes || !memcmp(a->hashes, b->hashes, a->nhashes * 32));
}

struct exe_rules *exe_rules_get(struct exe_rules *r)
{
	if (r)
		atomic_fetch_add((atomic_int *)&r->refs, 1);
	return r;
}

void exe_rules_put(struct exe_rules *r)
{
	if (!r || atomic_fetch_sub((atomic_int *)&r->refs, 1) != 1)
		return;
	automaton_free(r->strings);
	for (size_t i = 0; r->string_of && i < r->nstrings; i++)
		free(r->string_of[i].text);
	for (size_t i = 0; r->hash_of && i < r->nhashes; i++)
		free(r->hash_of[i].text);
	free(r->string_of);
	free(r->hash_of);
	free(r->hashes);
	free(r);
}

/* Packers leave marks: UPX its "UPX!" header (in the loader and again
 * near the end); others an ELF without section headers whose bytes are
 * near random. Evidence, not proof: reported, banned only on request. */
static const char *packed_evidence(const uint8_t *head, size_t nhead, int upx_mark,
				   const uint64_t counts[256], uint64_t total)
{
	double h = 0;

	if (upx_mark)
		return "UPX";
	if (nhead < 64 || memcmp(head, "\177ELF", 4) || head[4] != 2 || total < 4096)
		return NULL;
	/* ELF64 e_shnum at 60 (little-endian) */
	if ((head[60] | head[61] << 8) != 0)
		return NULL;
	for (int b = 0; b < 256; b++)
		if (counts[b]) {
			double p = (double)counts[b] / (double)total;

			h -= p * log2(p);
		}
	return h >= NM_EXE_PACKED_ENTROPY ? "no section headers, high entropy" : NULL;
}

static int same_file(const struct stat *a, const struct stat *b)
{
	return a->st_size == b->st_size && a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec && a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	       a->st_ctim.tv_nsec == b->st_ctim.tv_nsec && a->st_ino == b->st_ino;
}

/* Reads and judges up to the caps; fills everything but the verdict. */
static int read_all(int fd, const struct exe_rules *r, uint8_t *buf, struct exe_report *out,
		    uint64_t counts[256], uint8_t *head, size_t *nhead, int *upx)
{
	struct sha256_ctx md;
	double t0 = mono_s();
	size_t keep = 0;            /* bytes of the last chunk carried over */
	uint64_t off = 0;
	int want_counts = 0;

	sha256_init(&md);
	while (off < out->size || out->size == 0) {
		size_t want = NM_EXE_SCAN_CHUNK;
		ssize_t n;

		if (off >= r->max_bytes) {
			out->status = EXE_TRUNCATED;
			break;
		}
		if (mono_s() - t0 > r->max_seconds) {
			out->status = EXE_TIMED_OUT;
			break;
		}
		if (want > r->max_bytes - off)
			want = (size_t)(r->max_bytes - off);
		n = pread(fd, buf + keep, want, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			out->status = EXE_READ_ERROR;
			out->err = errno;
			break;
		}
		if (n == 0)
			break;
		if (off < 64) {
			size_t c = (size_t)n < 64 - off ? (size_t)n : 64 - off;

			memcpy(head + off, buf + keep, c);
			*nhead = (size_t)off + c;
		}
		/* the byte histogram (entropy) matters only for an ELF without
		 * section headers: known from the first read */
		if (off == 0)
			want_counts = n >= 64 && !memcmp(buf + keep, "\177ELF", 4) &&
				      buf[keep + 4] == 2 && !(buf[keep + 60] | buf[keep + 61]);
		for (ssize_t i = 0; want_counts && i < n; i++)
			counts[buf[keep + (size_t)i]]++;
		sha256_update(&md, (size_t)n, buf + keep);
		if (!*upx && memmem(buf, keep + (size_t)n, "UPX!", 4))
			*upx = 1;
		if (out->string < 0 && r->strings)
			out->string = automaton_find(r->strings, buf, keep + (size_t)n, NULL);
		off += (uint64_t)n;
		/* a string (or "UPX!") may straddle two reads: keep the tail */
		{
			size_t have = keep + (size_t)n, tail = r->overlap < 3 ? 3 : r->overlap;

			if (tail > have)
				tail = have;
			memmove(buf, buf + have - tail, tail);
			keep = tail;
		}
	}
	out->bytes_read = off;
	out->seconds = mono_s() - t0;
	if (out->status == EXE_SCANNED) {
		sha256_digest(&md, SHA256_DIGEST_SIZE, out->sha256);
		out->have_sha256 = 1;
	}
	return 0;
}

int exe_scan_fd(int fd, const struct exe_rules *r, struct exe_report *out)
{
	uint64_t *counts = NULL;
	uint8_t *buf = NULL, head[64];
	size_t nhead = 0, overlap = r->overlap < 3 ? 3 : r->overlap;
	struct stat before, after;
	int upx = 0, ret;

	memset(out, 0, sizeof(*out));
	out->string = out->hash = -1;
	if (fstat(fd, &before))
		return -errno;
	out->size = (uint64_t)before.st_size;
	out->st_dev = before.st_dev;
	out->st_ino = before.st_ino;
	out->st_ctime_sec = before.st_ctim.tv_sec;
	out->st_ctime_nsec = before.st_ctim.tv_nsec;
	if (!S_ISREG(before.st_mode)) {
		out->status = EXE_NOT_REGULAR;
		return 0;
	}
	counts = calloc(256, sizeof(*counts));
	buf = malloc(NM_EXE_SCAN_CHUNK + overlap);
	if (!counts || !buf) {
		free(counts);
		free(buf);
		return -ENOMEM;
	}
	ret = read_all(fd, r, buf, out, counts, head, &nhead, &upx);
	if (ret == 0 && out->status == EXE_SCANNED &&
	    (fstat(fd, &after) || !same_file(&before, &after) ||
	     out->bytes_read != (uint64_t)before.st_size)) {
		out->status = EXE_CHANGED;
		out->have_sha256 = 0;
	}
	if (ret == 0) {
		out->packed = packed_evidence(head, nhead, upx, counts, out->bytes_read);
		if (out->have_sha256 && r->nhashes) {
			uint8_t (*hit)[32] = bsearch(out->sha256, r->hashes, r->nhashes, 32, cmp_hash);

			if (hit)
				out->hash = hit - r->hashes;
		}
		out->banned = out->string >= 0 || out->hash >= 0 || (r->ban_packed && out->packed);
	}
	free(counts);
	free(buf);
	return ret;
}

void exe_sha256_hex(const uint8_t sha[32], char hex[65])
{
	static const char digits[] = "0123456789abcdef";

	for (int i = 0; i < 32; i++) {
		hex[2 * i] = digits[sha[i] >> 4];
		hex[2 * i + 1] = digits[sha[i] & 15];
	}
	hex[64] = '\0';
}

static const char *status_name(enum exe_scan_status s)
{
	switch (s) {
	case EXE_SCANNED: return "scanned";
	case EXE_TRUNCATED: return "over executableScanMaxMiB";
	case EXE_TIMED_OUT: return "over executableScanSeconds";
	case EXE_CHANGED: return "changed while read";
	case EXE_NOT_REGULAR: return "not a regular file";
	case EXE_READ_ERROR: return "read error";
	}
	return "?";
}

void exe_report_json(const struct exe_report *rep, const struct exe_rules *r, json_t *o)
{
	json_t *x = json_object();
	char hex[65];

	if (rep->have_sha256) {
		exe_sha256_hex(rep->sha256, hex);
		log_set_str(x, "sha256", hex);
	}
	log_set_int(x, "size", (long long)rep->size);
	log_set_str(x, "scan", status_name(rep->status));
	if (rep->status == EXE_READ_ERROR)
		log_set_str(x, "error", strerror(rep->err));
	if (rep->packed)
		log_set_str(x, "packed", rep->packed);
	if (r && rep->string >= 0 && (size_t)rep->string < r->nstrings) {
		log_set_str(x, "matched_string", exe_item_shown(&r->string_of[rep->string]));
		log_set_str(x, "matched_at", r->string_of[rep->string].origin);
	}
	if (r && rep->hash >= 0 && (size_t)rep->hash < r->nhashes) {
		log_set_str(x, "matched_hash", exe_item_shown(&r->hash_of[rep->hash]));
		log_set_str(x, "matched_at", r->hash_of[rep->hash].origin);
	}
	json_object_set_new(o, "executable", x);
}
