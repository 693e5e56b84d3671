/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_exec_records.c - libFuzzer harness: the exec record stream as user
 * space receives it from the ring buffer, decoded from the input: records
 * of a few execs with fuzzed headers (lengths, offsets, kinds, flags),
 * truncated, duplicated, reordered, environment records of execs already
 * handed over, bursts of execs that fill every slot (evictions), flushes
 * at fuzzed clock values; or (first byte odd) raw bytes as records, each
 * of a size the input gives. Every record is allocated to its exact size,
 * so ASan sees any read past it.
 *
 * What must hold: each exec is handed over at most once (while its id is
 * remembered), with an argv within its header's bounds; `complete` only
 * when every argv byte arrived, in place (the data is a pattern of the
 * exec id and the offset); an environment only with a complete argv, whole
 * and in place; an fd exec's walked name only within its field; never
 * more pending execs than slots; every exec that was fed is handed over by
 * the end; nothing leaks (libFuzzer's leak check). */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "exe_name.h"
#include "exec_records.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_IDS 512               /* distinct exec ids one input can name */
#define RAW_RECORD_MAX (NM_RECORD_SIZE(NM_CHUNK_MAX) + 64)

/* What the harness knows of one exec id. */
struct exec_seen {
	uint64_t id;
	uint64_t handed_at;       /* hand-over count at its last hand-over + 1; 0: never */
	int waiting;              /* a record was taken since its last hand-over */
	uint32_t next_off[2];     /* the honest next offset of argv, environment */
};

static struct {
	struct exec_seen ids[MAX_IDS];
	size_t nids;
	uint64_t handovers;
	int pattern;              /* structured input: record data is the pattern */
} h;

/* The byte at pos of exec id's argv (env 0) or environment (env 1). */
static uint8_t pat(uint64_t id, uint32_t pos, int env)
{
	return (uint8_t)(id * 131 + pos * 7 + (pos >> 8) + (env ? 0x55 : 0));
}

static struct exec_seen *seen(uint64_t id)
{
	for (size_t i = 0; i < h.nids; i++)
		if (h.ids[i].id == id)
			return &h.ids[i];
	if (h.nids == MAX_IDS)
		return NULL;
	memset(&h.ids[h.nids], 0, sizeof(h.ids[0]));
	h.ids[h.nids].id = id;
	return &h.ids[h.nids++];
}

static void on_exec(const struct exec_record *hdr, const uint8_t *argv, size_t len,
		    const uint8_t *env, size_t env_len, int complete, void *ctx)
{
	struct exec_seen *e = seen(hdr->exec_id);

	/* a header may claim any argv_len (a broken exec keeps it): what
	 * was copied stays within it and within NM_ARGV_MAX */
	if (ctx != &h || len > hdr->argv_len || len > NM_ARGV_MAX ||
	    hdr->env_len > NM_ENV_MAX || (len && !argv))
		abort();
	if (complete && (len != hdr->argv_len || hdr->flags & NM_EXEC_READ_FAIL))
		abort();
	if (hdr->flags & NM_EXEC_ENV_REC)
		abort();
	if (env && (!complete || env_len != hdr->env_len || !env_len))
		abort();
	if (!env && env_len)
		abort();
	/* once: an id handed over again must have been forgotten first */
	if (e && e->handed_at && h.handovers - (e->handed_at - 1) < EXEC_RECORDS_REMEMBERED)
		abort();
	/* the bytes: whatever arrived is where it belongs (the header's
	 * record size may have cut a record: only structured data checks) */
	for (size_t i = 0; h.pattern && complete && i < len; i++)
		if (argv[i] != pat(hdr->exec_id, (uint32_t)i, 0))
			abort();
	for (size_t i = 0; h.pattern && env && i < env_len; i++)
		if (env[i] != pat(hdr->exec_id, (uint32_t)i, 1))
			abort();
	/* the file's walked name (an fd exec) from a header of any bytes: a
	 * string within the record's field, or none */
	{
		char name[NM_EXE_NAME_MAX];
		const char *got = exe_name_format(hdr, name, sizeof(name));

		if (got && (got != name || !memchr(name, 0, sizeof(name)) ||
			    !(hdr->flags & NM_EXEC_EXE_NAMED) || hdr->exe_name_off >= NM_FILENAME_MAX))
			abort();
	}
	/* every byte is readable (ASan checks the buffers' bounds) */
	{
		volatile uint8_t sink = 0;

		for (size_t i = 0; i < len; i++)
			sink ^= argv[i];
		for (size_t i = 0; i < env_len; i++)
			sink ^= env[i];
		(void)sink;
	}
	if (e) {
		e->handed_at = ++h.handovers;
		e->waiting = 0;
	} else {
		h.handovers++;
	}
}

/* Feeds size bytes of rec as one exact-size allocation and checks the
 * result against what exec_records_feed promises. */
static void feed(struct exec_records *r, const void *rec, size_t size, uint64_t now)
{
	uint8_t *buf = malloc(size ? size : 1);
	struct exec_record hdr;
	int have_hdr = size >= NM_RECORD_SIZE(0), rc;
	struct exec_seen *e = NULL;
	uint64_t handed_at = 0;

	if (!buf)
		abort();
	memcpy(buf, rec, size);
	if (have_hdr) {
		memcpy(&hdr, rec, NM_RECORD_SIZE(0));
		e = seen(hdr.exec_id);
		handed_at = e ? e->handed_at : 0;
	}
	rc = exec_records_feed(r, buf, size, now);
	free(buf);
	if (!have_hdr || size < NM_RECORD_SIZE(hdr.len)) {
		if (rc != -EINVAL)
			abort();
	} else if (rc != 0 && rc != -ENOENT) {
		abort();
	} else if (rc == 0 && e && !(hdr.flags & NM_EXEC_ENV_REC)) {
		/* taken: handed over now, or later */
		if (e->handed_at == handed_at)
			e->waiting = 1;
	}
	if (exec_records_pending(r) > EXEC_RECORDS_SLOTS)
		abort();
}

/* The input, read from the front. */
struct in {
	const uint8_t *p, *end;
};

static uint32_t take(struct in *in, int bytes)
{
	uint32_t v = 0;

	for (int i = 0; i < bytes && in->p < in->end; i++)
		v = v << 8 | *in->p++;
	return v;
}

/* A length near an edge the code compares with, or any. */
static uint32_t length(struct in *in, uint32_t honest)
{
	static const uint32_t edges[] = {
		0, 1, 2, 100, NM_CHUNK_MAX - 1, NM_CHUNK_MAX, NM_CHUNK_MAX + 1,
		2 * NM_CHUNK_MAX + 5, 3 * NM_CHUNK_MAX, NM_ENV_MAX, NM_ENV_MAX + 1,
		NM_ARGV_MAX, NM_ARGV_MAX + 1, UINT32_MAX, 0x80000000u,
	};
	uint32_t c = take(in, 1);

	if (c < 128)
		return honest;
	if (c < 192)
		return edges[c % (sizeof(edges) / sizeof(edges[0]))];
	if (c < 224)
		return honest + (c & 7) - 4;
	return take(in, 3);
}

/* One record of one of a few execs: header fields honest or fuzzed,
 * data the pattern at the record's offset. */
static void structured_record(struct exec_records *r, struct in *in, uint64_t base,
			      uint64_t now, struct exec_record *rec, uint32_t op, uint32_t sel)
{
	uint32_t total, off, len, chunk_len;
	uint32_t k = sel & 63;
	uint64_t id = base + k * 4096;              /* as the kernel's (count << 12 | cpu) */
	int env = (op & 1) != 0;
	struct exec_seen *e = seen(id);
	size_t size;

	memset(rec, 0, NM_RECORD_SIZE(0));
	rec->exec_id = id;
	rec->tgid = (unsigned int)(id >> 12);
	rec->flags = NM_EXEC_IN_SCOPE | (env ? NM_EXEC_ENV_REC : 0);
	if (op & 2)
		rec->flags |= take(in, 2) << 4 & ~(unsigned int)NM_EXEC_ENV_REC;
	/* honest lengths: the same for every record of an exec */
	rec->argv_len = (k % 8) * (NM_CHUNK_MAX / 2 + 3);
	rec->env_len = (k & 8) ? (k % 5) * 7000 + 1 : 0;
	if (op & 4)
		rec->argv_len = length(in, rec->argv_len);
	if (op & 8)
		rec->env_len = length(in, rec->env_len);
	total = env ? rec->env_len : rec->argv_len;
	off = e ? e->next_off[env] : 0;
	if (op & 16) {          /* replay, skip or reorder: another offset */
		uint32_t pick = take(in, 1);

		off = pick < 200 ? (pick % 8) * NM_CHUNK_MAX : length(in, off);
	}
	chunk_len = total > off ? total - off : 0;
	if (chunk_len > NM_CHUNK_MAX)
		chunk_len = NM_CHUNK_MAX;
	len = (op & 32) ? length(in, chunk_len) : chunk_len;
	rec->off = off;
	rec->len = len;
	size = NM_RECORD_SIZE(len > NM_CHUNK_MAX ? NM_CHUNK_MAX : len);
	if (op & 64) {          /* truncated or padded */
		uint32_t cut = take(in, 2);

		size = cut & 0x8000 ? size + (cut & 63) : (cut & 0x7fff) % (size + 1);
		if (size > sizeof(*rec))
			size = sizeof(*rec);
	}
	for (uint32_t i = 0; NM_RECORD_SIZE(i) < size && i < NM_CHUNK_MAX; i++)
		rec->data[i] = pat(id, off + i, env);
	if (e && !(op & 16))
		e->next_off[env] = off + chunk_len;
	feed(r, rec, size, now);
}

/* Raw records: a 2-byte size, then that many bytes (or what is left). */
static void raw(struct exec_records *r, struct in *in, struct exec_record *rec)
{
	uint64_t now = 0;

	while (in->p < in->end) {
		uint32_t op = take(in, 1);

		if (op >= 0xf0) {
			now += take(in, 2) * 1000000ull;
			exec_records_flush(r, now, (op & 15) * 20000000ull);
			continue;
		}
		size_t size = take(in, 2) % RAW_RECORD_MAX, left = (size_t)(in->end - in->p);

		if (size > left)
			size = left;
		memcpy(rec, in->p, size);
		in->p += size;
		feed(r, rec, size, now);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct exec_record *rec;
	struct in in = { data, data + size };
	struct exec_records *r;
	uint64_t now = 1000000000ull, base;

	if (!rec && !(rec = malloc(sizeof(*rec))))
		abort();
	memset(&h, 0, sizeof(h));
	r = exec_records_new(on_exec, &h);
	if (!r)
		abort();
	if (take(&in, 1) & 1) {
		raw(r, &in, rec);
	} else {
		h.pattern = 1;
		base = take(&in, 1) << 4;
		while (in.p < in.end) {
			uint32_t op = take(&in, 1);

			if (op < 200) {
				uint32_t rop = take(&in, 1);

				structured_record(r, &in, base, now, rec, rop, take(&in, 1));
			} else if (op < 210) {      /* a burst: the next honest record
						     * of many execs (fills the slots) */
				uint32_t n = take(&in, 1) % 64 + 1, k = take(&in, 1);

				for (uint32_t i = 0; i < n; i++)
					structured_record(r, &in, base, now, rec, 0, k + i);
			} else if (op < 230) {      /* time passes; a flush */
				now += (uint64_t)take(&in, 1) * 5000000ull;
				exec_records_flush(r, now, (uint64_t)(op - 210) * 10000000ull);
			} else if (op < 240) {      /* a clock that jumps anywhere */
				now = (uint64_t)take(&in, 4) << (op & 31);
				exec_records_flush(r, now, (uint64_t)take(&in, 2) * 1000000ull);
			} else {                    /* new execs: other ids */
				base += 64;
			}
		}
	}
	exec_records_drain_all(r);
	if (exec_records_pending(r))
		abort();
	/* nothing that was taken is left behind */
	for (size_t i = 0; i < h.nids; i++)
		if (h.ids[i].waiting)
			abort();
	exec_records_free(r);
	return 0;
}
