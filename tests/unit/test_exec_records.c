/* SPDX-License-Identifier: BSD-2-Clause */
/* test_exec_records.c - reassembly of the exec records: argv and
 * environment over several records, interleaved execs, lost records,
 * eviction, the flush, and records whose sizes lie (run under ASan:
 * every record is allocated to its exact size). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "exec_records.h"

#define SLOTS EXEC_RECORDS_SLOTS
#define MS 1000000ull

/* One exec as the callback received it. */
struct got {
	uint64_t exec_id;
	unsigned int flags;
	uint32_t argv_len, env_len_hdr;
	uint8_t *argv;
	size_t len;
	uint8_t *env;             /* NULL: none handed over */
	size_t env_len;
	int complete;
};

#define GOT_MAX 4096
static struct got got[GOT_MAX];
static size_t ngot;

static void *copy(const void *p, size_t n)
{
	uint8_t *c = malloc(n ? n : 1);

	assert_non_null(c);
	if (n)
		memcpy(c, p, n);
	return c;
}

/* Records the exec and checks what must hold whatever the records said. */
static void on_exec(const struct exec_record *h, const uint8_t *argv, size_t len,
		    const uint8_t *env, size_t env_len, int complete, void *ctx)
{
	struct got *g;

	assert_ptr_equal(ctx, got);
	assert_true(ngot < GOT_MAX);
	assert_true(len <= h->argv_len);
	if (complete)
		assert_int_equal(len, h->argv_len);
	if (env) {
		assert_true(complete);
		assert_true(env_len <= NM_ENV_MAX);
		assert_int_equal(env_len, h->env_len);
	} else {
		assert_int_equal(env_len, 0);
	}
	g = &got[ngot++];
	g->exec_id = h->exec_id;
	g->flags = h->flags;
	g->argv_len = h->argv_len;
	g->env_len_hdr = h->env_len;
	g->argv = copy(argv, len);
	g->len = len;
	g->env = env ? copy(env, env_len) : NULL;
	g->env_len = env_len;
	g->complete = complete;
}

static void got_reset(void)
{
	for (size_t i = 0; i < ngot; i++) {
		free(got[i].argv);
		free(got[i].env);
	}
	memset(got, 0, sizeof(got[0]) * ngot);
	ngot = 0;
}

static int setup(void **state)
{
	*state = exec_records_new(on_exec, got);
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	exec_records_free(*state);
	got_reset();
	return 0;
}

/* The byte at pos of exec id's argv (env 0) or environment (env 1). */
static uint8_t pat(uint64_t id, uint32_t pos, int env)
{
	return (uint8_t)(id * 131 + pos * 7 + (pos >> 8) + (env ? 0x55 : 0));
}

static void check_bytes(const uint8_t *b, size_t n, uint64_t id, int env)
{
	for (size_t i = 0; i < n; i++)
		if (b[i] != pat(id, (uint32_t)i, env))
			fail_msg("exec %llu byte %zu differs", (unsigned long long)id, i);
}

/* A record's header fields; the data is the pattern at off. */
struct spec {
	uint64_t id;
	unsigned int flags;
	uint32_t argv_len, env_len, off, len;
};

/* Feeds one record allocated to exactly size bytes (NM_RECORD_SIZE(len)
 * when size is 0), so that ASan sees any read past it. */
static int feed_sized(struct exec_records *r, const struct spec *s, size_t size, uint64_t now)
{
	size_t alloc = size ? size : NM_RECORD_SIZE(s->len);
	size_t hdr = alloc < NM_RECORD_SIZE(0) ? alloc : NM_RECORD_SIZE(0);
	struct exec_record h;
	uint8_t *buf = malloc(alloc ? alloc : 1);
	int ret;

	assert_non_null(buf);
	memset(&h, 0, NM_RECORD_SIZE(0));
	h.exec_id = s->id;
	h.tgid = (unsigned int)s->id;
	h.flags = s->flags;
	h.argv_len = s->argv_len;
	h.env_len = s->env_len;
	h.off = s->off;
	h.len = s->len;
	memcpy(buf, &h, hdr);
	for (size_t i = NM_RECORD_SIZE(0); i < alloc; i++)
		buf[i] = pat(s->id, s->off + (uint32_t)(i - NM_RECORD_SIZE(0)),
			     !!(s->flags & NM_EXEC_ENV_REC));
	ret = exec_records_feed(r, buf, alloc, now);
	free(buf);
	return ret;
}

static int feed(struct exec_records *r, const struct spec *s, uint64_t now)
{
	return feed_sized(r, s, 0, now);
}

/* Record i of exec id's argv (env 0) or environment, cut as the kernel
 * cuts them (NM_CHUNK_MAX bytes each, one empty record for an empty area). */
static int chunk(struct exec_records *r, uint64_t id, uint32_t argv_len, uint32_t env_len,
		 int env, uint32_t i, uint64_t now)
{
	uint32_t total = env ? env_len : argv_len, off = i * NM_CHUNK_MAX;
	struct spec s = {
		.id = id, .flags = NM_EXEC_IN_SCOPE | (env ? NM_EXEC_ENV_REC : 0),
		.argv_len = argv_len, .env_len = env_len, .off = off,
		.len = total - off > NM_CHUNK_MAX ? NM_CHUNK_MAX : total - off,
	};

	return feed(r, &s, now);
}

static uint32_t nchunks(uint32_t len)
{
	return len ? (len + NM_CHUNK_MAX - 1) / NM_CHUNK_MAX : 1;
}

/* Every record of one exec, in order. */
static void send_exec(struct exec_records *r, uint64_t id, uint32_t argv_len, uint32_t env_len,
		      uint64_t now)
{
	for (uint32_t i = 0; i < nchunks(argv_len); i++)
		assert_int_equal(chunk(r, id, argv_len, env_len, 0, i, now), 0);
	for (uint32_t i = 0; env_len && i < nchunks(env_len); i++)
		assert_int_equal(chunk(r, id, argv_len, env_len, 1, i, now), 0);
}

/* The delivery of exec id (exactly one). */
static const struct got *delivered(uint64_t id)
{
	const struct got *g = NULL;

	for (size_t i = 0; i < ngot; i++) {
		if (got[i].exec_id != id)
			continue;
		if (g)
			fail_msg("exec %llu handed over twice", (unsigned long long)id);
		g = &got[i];
	}
	if (!g)
		fail_msg("exec %llu not handed over", (unsigned long long)id);
	return g;
}

/* Exec id arrived whole: its argv, and its environment if it had one. */
static void assert_whole(uint64_t id, uint32_t argv_len, uint32_t env_len)
{
	const struct got *g = delivered(id);

	assert_true(g->complete);
	assert_int_equal(g->len, argv_len);
	check_bytes(g->argv, g->len, id, 0);
	if (env_len) {
		assert_non_null(g->env);
		assert_int_equal(g->env_len, env_len);
		check_bytes(g->env, g->env_len, id, 1);
	} else {
		assert_null(g->env);
	}
}

static void assert_incomplete(uint64_t id)
{
	const struct got *g = delivered(id);

	assert_false(g->complete);
	assert_null(g->env);
}

/* Argv complete, environment lost: complete, with no environment. */
static void assert_argv_only(uint64_t id, uint32_t argv_len)
{
	const struct got *g = delivered(id);

	assert_true(g->complete);
	assert_int_equal(g->len, argv_len);
	check_bytes(g->argv, g->len, id, 0);
	assert_null(g->env);
	assert_int_equal(g->env_len, 0);
}

/* One short argv in one record: handed over at once, whole. */
static void test_one_record(void **state)
{
	struct exec_records *r = *state;

	send_exec(r, 1, 40, 0, 0);
	assert_int_equal(ngot, 1);
	assert_whole(1, 40, 0);
	assert_int_equal(got[0].flags, NM_EXEC_IN_SCOPE);
	assert_int_equal(exec_records_pending(r), 0);
}

/* An empty argv still sends one (empty) record, and is whole. */
static void test_empty_argv(void **state)
{
	struct exec_records *r = *state;

	send_exec(r, 2, 0, 0, 0);
	assert_whole(2, 0, 0);
	assert_int_equal(exec_records_pending(r), 0);
}

/* An argv over three records is held until the last, then whole. */
static void test_multi_record_argv(void **state)
{
	struct exec_records *r = *state;
	uint32_t len = 2 * NM_CHUNK_MAX + 1000;

	assert_int_equal(chunk(r, 3, len, 0, 0, 0, 0), 0);
	assert_int_equal(chunk(r, 3, len, 0, 0, 1, 0), 0);
	assert_int_equal(ngot, 0);
	assert_int_equal(exec_records_pending(r), 1);
	assert_int_equal(chunk(r, 3, len, 0, 0, 2, 0), 0);
	assert_whole(3, len, 0);
	assert_int_equal(exec_records_pending(r), 0);
}

/* An argv exactly a chunk long ends on its first record. */
static void test_argv_chunk_boundary(void **state)
{
	struct exec_records *r = *state;

	send_exec(r, 4, NM_CHUNK_MAX, 0, 0);
	assert_whole(4, NM_CHUNK_MAX, 0);
	send_exec(r, 5, 2 * NM_CHUNK_MAX, 0, 0);
	assert_whole(5, 2 * NM_CHUNK_MAX, 0);
}

/* argv then environment records: held until the environment is whole,
 * then both go together. */
static void test_argv_and_env(void **state)
{
	struct exec_records *r = *state;
	uint32_t env_len = NM_CHUNK_MAX + 500;

	assert_int_equal(chunk(r, 6, 300, env_len, 0, 0, 0), 0);
	assert_int_equal(ngot, 0);    /* argv whole, environment to come */
	assert_int_equal(chunk(r, 6, 300, env_len, 1, 0, 0), 0);
	assert_int_equal(ngot, 0);
	assert_int_equal(chunk(r, 6, 300, env_len, 1, 1, 0), 0);
	assert_whole(6, 300, env_len);
	/* the environment's own flags stay on the records */
	assert_int_equal(got[0].flags & (NM_EXEC_ENV_REC | NM_EXEC_ENV_FAIL), 0);
	/* the largest environment the kernel sends */
	send_exec(r, 7, 2 * NM_CHUNK_MAX + 1, NM_ENV_MAX, 0);
	assert_whole(7, 2 * NM_CHUNK_MAX + 1, NM_ENV_MAX);
	assert_int_equal(exec_records_pending(r), 0);
}

/* Execs from several CPUs interleave record by record: each is put back
 * together from its own records only. */
static void test_interleaved(void **state)
{
	struct exec_records *r = *state;
	const uint32_t argv_len[4] = { 3 * NM_CHUNK_MAX, NM_CHUNK_MAX + 7, 100,
				       2 * NM_CHUNK_MAX + 9 };
	const uint32_t env_len[4] = { 0, 2 * NM_CHUNK_MAX, 0, 40 };
	uint32_t next[4] = { 0 };
	int left = 1;

	/* round robin, argv then environment: record k of every exec, then k+1 */
	while (left) {
		left = 0;
		for (int e = 0; e < 4; e++) {
			uint32_t na = nchunks(argv_len[e]);
			uint32_t ne = env_len[e] ? nchunks(env_len[e]) : 0;
			uint32_t k = next[e]++;

			if (k >= na + ne)
				continue;
			left = 1;
			assert_int_equal(chunk(r, 10 + (uint64_t)e, argv_len[e], env_len[e],
					       k >= na, k >= na ? k - na : k, 0), 0);
		}
	}
	assert_int_equal(ngot, 4);
	for (int e = 0; e < 4; e++)
		assert_whole(10 + (uint64_t)e, argv_len[e], env_len[e]);
	/* the one-record exec finished first */
	assert_int_equal(got[0].exec_id, 12);
	assert_int_equal(exec_records_pending(r), 0);
}

/* A record lost in the middle: handed over incomplete when the next one
 * shows the gap (the caller then reads /proc), not held back. */
static void test_lost_record(void **state)
{
	struct exec_records *r = *state;
	uint32_t len = 2 * NM_CHUNK_MAX + 10;

	assert_int_equal(chunk(r, 20, len, 0, 0, 0, 0), 0);
	/* record 1 lost */
	assert_int_equal(chunk(r, 20, len, 0, 0, 2, 0), 0);
	assert_incomplete(20);
	assert_int_equal(exec_records_pending(r), 0);
	/* the first record lost: the second one shows it */
	got_reset();
	assert_int_equal(chunk(r, 21, len, 0, 0, 1, 0), 0);
	assert_incomplete(21);
	/* every byte arrived but the kernel could not read them */
	got_reset();
	{
		struct spec s = { .id = 22, .flags = NM_EXEC_READ_FAIL, .argv_len = 50, .len = 50 };

		assert_int_equal(feed(r, &s, 0), 0);
	}
	assert_incomplete(22);
	assert_true(got[0].flags & NM_EXEC_READ_FAIL);
	/* an argv record lost and the environment arriving: still incomplete */
	got_reset();
	assert_int_equal(chunk(r, 23, len, 100, 0, 0, 0), 0);
	assert_int_equal(chunk(r, 23, len, 100, 1, 0, 0), 0);
	assert_incomplete(23);
	assert_int_equal(exec_records_pending(r), 0);
}

/* An environment record whose argv was already handed over takes no
 * slot: with every slot busy, nothing is evicted for it. */
static void test_env_after_delivery(void **state)
{
	struct exec_records *r = *state;

	/* its argv broke (first record lost) and went */
	assert_int_equal(chunk(r, 30, 2 * NM_CHUNK_MAX, 100, 0, 1, 0), 0);
	assert_incomplete(30);
	for (uint64_t id = 100; id < 100 + SLOTS; id++)
		assert_int_equal(chunk(r, id, 2 * NM_CHUNK_MAX, 0, 0, 0, 0), 0);
	assert_int_equal(exec_records_pending(r), SLOTS);
	assert_int_equal(chunk(r, 30, 2 * NM_CHUNK_MAX, 100, 1, 0, 0), -ENOENT);
	assert_int_equal(ngot, 1);
	assert_int_equal(exec_records_pending(r), SLOTS);
	/* and the execs in flight still finish whole */
	for (uint64_t id = 100; id < 100 + SLOTS; id++)
		assert_int_equal(chunk(r, id, 2 * NM_CHUNK_MAX, 0, 0, 1, 0), 0);
	for (uint64_t id = 100; id < 100 + SLOTS; id++)
		assert_whole(id, 2 * NM_CHUNK_MAX, 0);
	assert_int_equal(exec_records_pending(r), 0);
}

/* All 64 slots busy: a new exec evicts the oldest, handed over as it
 * stands (incomplete), and takes its slot. */
static void test_all_slots_busy(void **state)
{
	struct exec_records *r = *state;

	for (uint64_t id = 200; id < 200 + SLOTS; id++)
		assert_int_equal(chunk(r, id, 3 * NM_CHUNK_MAX, 0, 0, 0, 0), 0);
	/* a later record of the oldest does not make it younger */
	assert_int_equal(chunk(r, 200, 3 * NM_CHUNK_MAX, 0, 0, 1, 0), 0);
	assert_int_equal(ngot, 0);
	assert_int_equal(chunk(r, 300, 3 * NM_CHUNK_MAX, 0, 0, 0, 0), 0);
	assert_int_equal(ngot, 1);
	assert_incomplete(200);
	assert_int_equal(got[0].len, 2 * NM_CHUNK_MAX);   /* what it had */
	check_bytes(got[0].argv, got[0].len, 200, 0);
	assert_int_equal(exec_records_pending(r), SLOTS);
	/* the next new one evicts the next oldest, then goes whole at once */
	assert_int_equal(chunk(r, 301, 100, 0, 0, 0, 0), 0);
	assert_int_equal(ngot, 3);
	assert_incomplete(201);
	assert_whole(301, 100, 0);
	assert_int_equal(exec_records_pending(r), SLOTS - 1);
	/* evicted with its argv whole: complete, without the environment */
	exec_records_drain_all(r);
	assert_int_equal(exec_records_pending(r), 0);
	got_reset();
	for (uint64_t id = 400; id < 400 + SLOTS; id++)
		assert_int_equal(chunk(r, id, 50, 2 * NM_CHUNK_MAX, 0, 0, 0), 0);
	assert_int_equal(chunk(r, 500, 60, 0, 0, 0, 0), 0);
	assert_int_equal(ngot, 2);
	assert_argv_only(400, 50);
	assert_whole(500, 60, 0);
}

/* A record stream that stops is handed over once max_age has passed since
 * its first record: incomplete if its argv is short, complete without
 * environment if only the environment is missing. */
static void test_flush(void **state)
{
	struct exec_records *r = *state;
	const uint64_t t0 = 1000 * MS, age = 200 * MS;

	assert_int_equal(chunk(r, 40, 2 * NM_CHUNK_MAX, 0, 0, 0, t0), 0);    /* argv short */
	assert_int_equal(chunk(r, 41, 10, 2 * NM_CHUNK_MAX, 0, 0, t0), 0);   /* env to come */
	/* a later record does not make its exec younger */
	assert_int_equal(chunk(r, 41, 10, 2 * NM_CHUNK_MAX, 1, 0, t0 + age), 0);
	assert_int_equal(chunk(r, 42, 2 * NM_CHUNK_MAX, 0, 0, 0, t0 + 100 * MS), 0);
	exec_records_flush(r, t0 + age, age);          /* exactly max_age: kept */
	assert_int_equal(ngot, 0);
	exec_records_flush(r, t0 + age + 1, age);
	assert_int_equal(ngot, 2);
	assert_incomplete(40);
	assert_argv_only(41, 10);
	assert_int_equal(exec_records_pending(r), 1);  /* 42 is younger */
	/* its remaining record after the flush: dropped, not handed over again */
	assert_int_equal(chunk(r, 40, 2 * NM_CHUNK_MAX, 0, 0, 1, t0 + age + 2), -ENOENT);
	assert_int_equal(ngot, 2);
	exec_records_flush(r, t0 + 100 * MS + age + 1, age);
	assert_int_equal(ngot, 3);
	assert_int_equal(got[2].exec_id, 42);
	assert_false(got[2].complete);
	assert_int_equal(exec_records_pending(r), 0);
}

/* Each exec is handed over once, whatever comes after: the records past a
 * gap, after an eviction, after a flush, or a duplicate (found by
 * fuzz_exec_records: each such record took a new slot, evicting an exec in
 * flight when all were busy, and handed its exec over again, so a 6 MiB
 * argv broken early was judged and logged up to 383 times). */
static void test_once_per_exec(void **state)
{
	struct exec_records *r = *state;
	const uint32_t len = 5 * NM_CHUNK_MAX;

	/* a record lost in the middle: the rest are dropped */
	assert_int_equal(chunk(r, 70, len, 0, 0, 0, 0), 0);
	assert_int_equal(chunk(r, 70, len, 0, 0, 2, 0), 0);
	assert_incomplete(70);
	for (uint32_t i = 3; i < 5; i++)
		assert_int_equal(chunk(r, 70, len, 0, 0, i, 0), -ENOENT);
	assert_int_equal(ngot, 1);
	assert_int_equal(exec_records_pending(r), 0);

	/* evicted in flight: its next records evict no other exec */
	got_reset();
	assert_int_equal(chunk(r, 71, len, 0, 0, 0, 0), 0);
	for (uint64_t id = 800; id < 800 + SLOTS; id++)
		assert_int_equal(chunk(r, id, len, 0, 0, 0, 0), 0);
	assert_incomplete(71);
	for (uint32_t i = 1; i < 5; i++)
		assert_int_equal(chunk(r, 71, len, 0, 0, i, 0), -ENOENT);
	assert_int_equal(ngot, 1);
	assert_int_equal(exec_records_pending(r), SLOTS);
	for (uint32_t i = 1; i < 5; i++)
		for (uint64_t id = 800; id < 800 + SLOTS; id++)
			assert_int_equal(chunk(r, id, len, 0, 0, i, 0), 0);
	for (uint64_t id = 800; id < 800 + SLOTS; id++)
		assert_whole(id, len, 0);

	/* flushed: the records that come late are dropped */
	got_reset();
	assert_int_equal(chunk(r, 72, len, 0, 0, 0, 0), 0);
	exec_records_flush(r, 300 * MS, 200 * MS);
	assert_incomplete(72);
	assert_int_equal(chunk(r, 72, len, 0, 0, 1, 300 * MS), -ENOENT);
	assert_int_equal(ngot, 1);

	/* a record twice: the exec once */
	got_reset();
	send_exec(r, 73, 10, 0, 0);
	assert_int_equal(chunk(r, 73, 10, 0, 0, 0, 0), -ENOENT);
	assert_whole(73, 10, 0);
	assert_int_equal(exec_records_pending(r), 0);

	/* the memory is bounded: past EXEC_RECORDS_REMEMBERED hand-overs an
	 * id is forgotten and its record taken again */
	for (uint64_t id = 10000; id < 10000 + EXEC_RECORDS_REMEMBERED - 1; id++) {
		send_exec(r, id, 0, 0, 0);
		if (ngot > GOT_MAX / 2)
			got_reset();
	}
	assert_int_equal(chunk(r, 73, 10, 0, 0, 0, 0), -ENOENT);
	send_exec(r, 20000, 0, 0, 0);
	got_reset();
	assert_int_equal(chunk(r, 73, 10, 0, 0, 0, 0), 0);
	assert_whole(73, 10, 0);
}

/* drain_all (the daemon stopping) hands over everything pending, as the
 * flush would. */
static void test_drain_all(void **state)
{
	struct exec_records *r = *state;

	assert_int_equal(chunk(r, 50, 2 * NM_CHUNK_MAX, 0, 0, 0, 0), 0);
	assert_int_equal(chunk(r, 51, 10, 100, 0, 0, 0), 0);
	exec_records_drain_all(r);
	assert_int_equal(ngot, 2);
	assert_incomplete(50);
	assert_argv_only(51, 10);
	assert_int_equal(exec_records_pending(r), 0);
	exec_records_drain_all(r);
	assert_int_equal(ngot, 2);
}

/* Records whose sizes lie are dropped or break their exec; none is
 * copied past its buffer. */
static void test_malformed(void **state)
{
	struct exec_records *r = *state;
	struct spec s = { .id = 60, .argv_len = 100, .len = 100 };

	/* shorter than the header */
	assert_int_equal(feed_sized(r, &s, NM_RECORD_SIZE(0) - 1, 0), -EINVAL);
	assert_int_equal(feed_sized(r, &s, 1, 0), -EINVAL);
	/* len says more than the record holds */
	assert_int_equal(feed_sized(r, &s, NM_RECORD_SIZE(50), 0), -EINVAL);
	s.len = UINT32_MAX;
	assert_int_equal(feed_sized(r, &s, NM_RECORD_SIZE(100), 0), -EINVAL);
	assert_int_equal(ngot, 0);
	assert_int_equal(exec_records_pending(r), 0);
	/* a record longer than len is fine: only len bytes count */
	s.len = 100;
	assert_int_equal(feed_sized(r, &s, NM_RECORD_SIZE(200), 0), 0);
	assert_whole(60, 100, 0);

	/* env_len past NM_ENV_MAX: the argv goes alone, its env records
	 * find no slot */
	got_reset();
	assert_int_equal(chunk(r, 61, 20, NM_ENV_MAX + 1, 0, 0, 0), 0);
	assert_argv_only(61, 20);
	assert_int_equal(got[0].env_len_hdr, 0);     /* no environment to expect */
	assert_int_equal(chunk(r, 61, 20, NM_ENV_MAX + 1, 1, 0, 0), -ENOENT);
	assert_int_equal(ngot, 1);

	/* argv: len past argv_len, off past what arrived */
	got_reset();
	s = (struct spec){ .id = 62, .argv_len = 10, .len = 11 };
	assert_int_equal(feed(r, &s, 0), 0);
	assert_incomplete(62);
	assert_int_equal(got[0].len, 0);
	s = (struct spec){ .id = 63, .argv_len = 30, .off = 10, .len = 10 };
	assert_int_equal(feed(r, &s, 0), 0);
	assert_incomplete(63);
	s = (struct spec){ .id = 64, .argv_len = 30, .len = 10 };
	assert_int_equal(feed(r, &s, 0), 0);
	s.off = 5;                                   /* overlaps what arrived */
	assert_int_equal(feed(r, &s, 0), 0);
	assert_incomplete(64);
	assert_int_equal(got[2].len, 10);
	s = (struct spec){ .id = 65, .argv_len = 30, .len = 20 };
	assert_int_equal(feed(r, &s, 0), 0);
	s.off = 20;                                  /* 20 + 20 > 30 */
	assert_int_equal(feed(r, &s, 0), 0);
	assert_incomplete(65);
	assert_int_equal(got[3].len, 20);

	/* environment: off, len past env_len, a failed read: argv stands */
	got_reset();
	assert_int_equal(chunk(r, 66, 10, 100, 0, 0, 0), 0);
	s = (struct spec){ .id = 66, .flags = NM_EXEC_ENV_REC, .argv_len = 10, .env_len = 100,
			   .off = 1, .len = 99 };
	assert_int_equal(feed(r, &s, 0), 0);
	assert_argv_only(66, 10);
	assert_int_equal(chunk(r, 67, 10, 100, 0, 0, 0), 0);
	s = (struct spec){ .id = 67, .flags = NM_EXEC_ENV_REC, .argv_len = 10, .env_len = 100,
			   .len = 101 };
	assert_int_equal(feed(r, &s, 0), 0);
	assert_argv_only(67, 10);
	assert_int_equal(chunk(r, 68, 10, 100, 0, 0, 0), 0);
	s = (struct spec){ .id = 68, .flags = NM_EXEC_ENV_REC | NM_EXEC_ENV_FAIL, .argv_len = 10,
			   .env_len = 100, .len = 100 };
	assert_int_equal(feed(r, &s, 0), 0);
	assert_argv_only(68, 10);
	assert_false(got[2].flags & NM_EXEC_ENV_FAIL);
	/* the header of the first record rules: a later one cannot grow argv */
	got_reset();
	s = (struct spec){ .id = 69, .argv_len = 10, .env_len = 50, .len = 10 };
	assert_int_equal(feed(r, &s, 0), 0);
	s = (struct spec){ .id = 69, .flags = NM_EXEC_ENV_REC, .argv_len = 1000, .env_len = 5000,
			   .len = 60 };
	assert_int_equal(feed(r, &s, 0), 0);
	assert_argv_only(69, 10);
	assert_int_equal(exec_records_pending(r), 0);
}

static unsigned int seed = 0x65786563;   /* fixed: a failure replays */

static uint32_t rnd(uint32_t n)
{
	return (uint32_t)rand_r(&seed) % n;
}

/* Lengths and offsets at and around every edge the code compares with. */
static uint32_t edge(uint32_t around)
{
	static const uint32_t fixed[] = { 0, 1, NM_CHUNK_MAX - 1, NM_CHUNK_MAX, NM_CHUNK_MAX + 1,
					  NM_ENV_MAX, NM_ENV_MAX + 1, UINT32_MAX, UINT32_MAX - 1,
					  0x80000000u };

	switch (rnd(4)) {
	case 0:
		return fixed[rnd(sizeof(fixed) / sizeof(fixed[0]))];
	case 1:
		return around + rnd(3) - 1;
	case 2:
		return around;
	default:
		return rnd(2 * NM_CHUNK_MAX);
	}
}

/* Hostile records, many execs at once, in any order: every handover keeps
 * its invariants (on_exec) and ASan sees no access past any buffer. */
static void test_hostile_lengths(void **state)
{
	struct exec_records *r = *state;
	static const uint32_t argv_lens[] = { 0, 1, 100, NM_CHUNK_MAX, NM_CHUNK_MAX + 1,
					      3 * NM_CHUNK_MAX - 1, NM_ARGV_MAX };
	uint32_t argv_len[16], env_len[16], have[16];
	uint64_t id[16];

	for (int e = 0; e < 16; e++) {
		argv_len[e] = argv_lens[rnd(sizeof(argv_lens) / sizeof(argv_lens[0]))];
		env_len[e] = rnd(3) ? edge(NM_ENV_MAX) : rnd(NM_ENV_MAX);
		have[e] = 0;
		id[e] = 1000 + (uint64_t)e;
	}
	for (int i = 0; i < 20000; i++) {
		int e = (int)rnd(16);
		struct spec s = {
			.id = id[e], .argv_len = argv_len[e], .env_len = env_len[e],
			.flags = rnd(3) ? 0 : NM_EXEC_ENV_REC,
		};

		if (rnd(50) == 0)
			s.flags |= rnd(2) ? NM_EXEC_ENV_FAIL : NM_EXEC_READ_FAIL;
		if (rnd(20) == 0) {            /* a lying header */
			s.argv_len = edge(argv_len[e]);
			s.env_len = edge(env_len[e]);
			/* past NM_ARGV_MAX only the cap is tested (below) */
			if (s.argv_len > NM_ARGV_MAX + 1)
				s.argv_len = NM_ARGV_MAX - 1 + rnd(3);
		}
		s.off = rnd(4) ? have[e] : edge(have[e]);
		s.len = rnd(2) ? rnd(NM_CHUNK_MAX + 1) : edge(NM_CHUNK_MAX);
		if (s.len > 2 * NM_CHUNK_MAX)
			s.len = NM_CHUNK_MAX + rnd(2);
		if (s.len && rnd(30) == 0) {   /* shorter than its len says */
			assert_int_equal(feed_sized(r, &s, NM_RECORD_SIZE(rnd(s.len)), 0), -EINVAL);
			continue;
		}
		/* an exec handed over takes no more records: the next exec */
		if (feed(r, &s, (uint64_t)i * MS) == -ENOENT)
			id[e] += 16;
		have[e] = s.flags & NM_EXEC_ENV_REC ? 0 : s.off + s.len;
		if (rnd(500) == 0)
			exec_records_flush(r, (uint64_t)i * MS, rnd(100) * MS);
		if (ngot > GOT_MAX / 2)
			got_reset();
		assert_true(exec_records_pending(r) <= SLOTS);
	}
	exec_records_drain_all(r);
	assert_int_equal(exec_records_pending(r), 0);
}

/* A header claiming more argv than the kernel ever sends sizes nothing: the
 * exec is handed over at once as incomplete (read from /proc). */
static void test_argv_len_cap(void **state)
{
	struct exec_records *r = *state;
	static const uint32_t lens[] = { NM_ARGV_MAX + 1, 0x7fffffffu, 0xffffffffu };

	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		struct spec s = { .id = 50 + i, .argv_len = lens[i], .len = 100 };

		got_reset();
		feed(r, &s, 0);
		assert_int_equal(ngot, 1);
		assert_false(got[0].complete);
		assert_int_equal(got[0].len, 0);
		assert_int_equal(exec_records_pending(r), 0);
	}
	/* at the cap the exec is still assembled */
	got_reset();
	struct spec s = { .id = 60, .argv_len = NM_ARGV_MAX, .len = 100 };
	feed(r, &s, 0);
	assert_int_equal(ngot, 0);
	assert_int_equal(exec_records_pending(r), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_one_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_argv, setup, teardown),
		cmocka_unit_test_setup_teardown(test_multi_record_argv, setup, teardown),
		cmocka_unit_test_setup_teardown(test_argv_chunk_boundary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_argv_and_env, setup, teardown),
		cmocka_unit_test_setup_teardown(test_interleaved, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lost_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_env_after_delivery, setup, teardown),
		cmocka_unit_test_setup_teardown(test_all_slots_busy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flush, setup, teardown),
		cmocka_unit_test_setup_teardown(test_once_per_exec, setup, teardown),
		cmocka_unit_test_setup_teardown(test_drain_all, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_lengths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_argv_len_cap, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
