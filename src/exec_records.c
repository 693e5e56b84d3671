/* SPDX-License-Identifier: BSD-2-Clause */
/* exec_records.c - argv and environment of each exec, put back together
 * from its ring-buffer records. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "exec_records.h"

/* Records of different execs interleave when several CPUs exec at once;
 * each in-flight exec gets a slot until its last record arrives. */
#define PENDING_SLOTS EXEC_RECORDS_SLOTS

struct pending {
	int used;
	uint64_t age;
	struct exec_record hdr;   /* data[] unused; argv, then env, live in buf */
	uint8_t *buf;
	size_t have;              /* argv bytes */
	size_t env_have;
	int broken;
	int env_broken;
	uint64_t born_ns;         /* CLOCK_MONOTONIC at the first record */
};

struct exec_records {
	exec_cb cb;
	void *ctx;
	uint64_t clock;           /* ages the slots: the oldest is evicted first */
	struct pending slots[PENDING_SLOTS];
	/* ids of the last execs handed over (a ring): a record of one that
	 * comes after (past a gap, an eviction or a flush) would otherwise
	 * take a new slot and hand the exec over again, once per record */
	uint64_t done[EXEC_RECORDS_REMEMBERED];
	unsigned int ndone, done_next;
};

struct exec_records *exec_records_new(exec_cb cb, void *ctx)
{
	struct exec_records *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->cb = cb;
	r->ctx = ctx;
	return r;
}

void exec_records_free(struct exec_records *r)
{
	if (!r)
		return;
	for (int i = 0; i < PENDING_SLOTS; i++)
		free(r->slots[i].buf);
	free(r);
}

static void pending_deliver(struct exec_records *r, struct pending *p)
{
	int complete = !p->broken && p->have == p->hdr.argv_len &&
		       !(p->hdr.flags & NM_EXEC_READ_FAIL);
	int env_ok = complete && !p->env_broken && p->hdr.env_len &&
		     p->env_have == p->hdr.env_len;

	r->cb(&p->hdr, p->buf, p->have, env_ok ? p->buf + p->hdr.argv_len : NULL,
	      env_ok ? p->env_have : 0, complete, r->ctx);
	r->done[r->done_next] = p->hdr.exec_id;
	r->done_next = (r->done_next + 1) % EXEC_RECORDS_REMEMBERED;
	if (r->ndone < EXEC_RECORDS_REMEMBERED)
		r->ndone++;
	free(p->buf);
	memset(p, 0, sizeof(*p));
}

/* Hands over a slot whose records stopped coming: with its argv whole it
 * only lacks the environment. */
static void pending_give_up(struct exec_records *r, struct pending *p)
{
	if (p->have == p->hdr.argv_len && p->hdr.env_len)
		p->env_broken = 1;
	else
		p->broken = 1;
	pending_deliver(r, p);
}

/* Finds the slot of exec_id, or (alloc) takes a free one, evicting the
 * oldest when all are busy. NULL when !alloc and there is none. */
static struct pending *pending_slot(struct exec_records *r, uint64_t exec_id, int alloc,
				    int *fresh)
{
	struct pending *oldest = &r->slots[0], *free_slot = NULL;

	for (int i = 0; i < PENDING_SLOTS; i++) {
		struct pending *p = &r->slots[i];

		if (p->used && p->hdr.exec_id == exec_id) {
			*fresh = 0;
			return p;
		}
		if (!p->used && !free_slot)
			free_slot = p;
		if (p->age < oldest->age)
			oldest = p;
	}
	if (!alloc)
		return NULL;
	if (!free_slot) {
		pending_give_up(r, oldest);
		free_slot = oldest;
	}
	*fresh = 1;
	return free_slot;
}

/* Sets up a slot from an exec's first record: one buffer for argv and the
 * environment, sized by the header (the records only fill it). */
static void pending_start(struct exec_records *r, struct pending *p,
			  const struct exec_record *rec, uint64_t now_ns)
{
	memcpy(&p->hdr, rec, NM_RECORD_SIZE(0));
	p->used = 1;
	p->age = ++r->clock;
	p->born_ns = now_ns;
	if (rec->env_len > NM_ENV_MAX)
		p->hdr.env_len = 0;
	if (rec->argv_len > NM_ARGV_MAX) {
		/* the kernel never sends more: a corrupt header must not size
		 * an allocation; the exec is judged from /proc */
		p->broken = 1;
		return;
	}
	p->buf = malloc((size_t)p->hdr.argv_len + p->hdr.env_len + 1);
	if (!p->buf)
		p->broken = 1;
}

/* An environment record. The kernel sends it after the whole argv, so the
 * environment only adds detail and its loss costs only it; if an argv
 * record was lost instead, the exec still goes incomplete. */
static void pending_add_env(struct exec_records *r, struct pending *p,
			    const struct exec_record *rec)
{
	if (rec->off != p->env_have || rec->len > p->hdr.env_len - p->env_have ||
	    rec->flags & NM_EXEC_ENV_FAIL)
		p->env_broken = 1;
	if (!p->env_broken) {
		memcpy(p->buf + p->hdr.argv_len + p->env_have, rec->data, rec->len);
		p->env_have += rec->len;
	}
	if (p->env_broken || p->env_have >= p->hdr.env_len)
		pending_deliver(r, p);
}

/* An argv record: one out of order (a record lost in between) or past
 * argv_len breaks the copy, and the caller reads /proc instead. */
static void pending_add_argv(struct exec_records *r, struct pending *p,
			     const struct exec_record *rec)
{
	if (rec->off != p->have)
		p->broken = 1;
	if (!p->broken && rec->len <= p->hdr.argv_len - p->have) {
		memcpy(p->buf + p->have, rec->data, rec->len);
		p->have += rec->len;
	} else {
		p->broken = 1;
	}
	if (p->broken || (p->have >= p->hdr.argv_len && !p->hdr.env_len))
		pending_deliver(r, p);
}

static int handed_over(const struct exec_records *r, uint64_t exec_id)
{
	for (unsigned int i = 0; i < r->ndone; i++)
		if (r->done[i] == exec_id)
			return 1;
	return 0;
}

int exec_records_feed(struct exec_records *r, const void *data, size_t size, uint64_t now_ns)
{
	const struct exec_record *rec = data;
	struct pending *p;
	int fresh;

	if (size < NM_RECORD_SIZE(0) || size < NM_RECORD_SIZE(rec->len))
		return -EINVAL;
	/* an env record whose argv was already delivered (records were lost)
	 * must not take a slot from an exec in flight, nor may any record of
	 * an exec already handed over (broken by a gap, evicted or flushed):
	 * it would be handed over again, once per remaining record */
	p = pending_slot(r, rec->exec_id, 0, &fresh);
	if (!p && ((rec->flags & NM_EXEC_ENV_REC) || handed_over(r, rec->exec_id)))
		return -ENOENT;
	if (!p)
		p = pending_slot(r, rec->exec_id, 1, &fresh);
	if (fresh)
		pending_start(r, p, rec, now_ns);
	p->hdr.flags |= rec->flags & ~(unsigned int)(NM_EXEC_ENV_REC | NM_EXEC_ENV_FAIL);
	if (rec->flags & NM_EXEC_ENV_REC)
		pending_add_env(r, p, rec);
	else
		pending_add_argv(r, p, rec);
	return 0;
}

void exec_records_flush(struct exec_records *r, uint64_t now_ns, uint64_t max_age_ns)
{
	for (int i = 0; i < PENDING_SLOTS; i++)
		if (r->slots[i].used && now_ns - r->slots[i].born_ns > max_age_ns)
			pending_give_up(r, &r->slots[i]);
}

void exec_records_drain_all(struct exec_records *r)
{
	for (int i = 0; i < PENDING_SLOTS; i++)
		if (r->slots[i].used)
			pending_give_up(r, &r->slots[i]);
}

unsigned int exec_records_pending(const struct exec_records *r)
{
	unsigned int n = 0;

	for (int i = 0; i < PENDING_SLOTS; i++)
		n += r->slots[i].used != 0;
	return n;
}
