/* SPDX-License-Identifier: BSD-2-Clause */
/* test_lineage_walk.c - ancestry questions over a model of the kernel's
 * lineage: forks and execs push ids as lineage.bpf.c does, and the walk
 * must find every descendant of a doomed id past the window, never a
 * sibling or an ancestor, and collect only links no task reaches. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "lineage_walk.h"

#define MAXLINKS 4096
#define MAXTASKS 512

/* The model: links by id, tasks with windows. */
static struct lineage_kv links[MAXLINKS];
static size_t nlinks;
static struct lineage_task tasks[MAXTASKS];
static size_t ntasks;
static uint64_t next_id, clock_ns;
static unsigned int lookups;

static void model_reset(void)
{
	nlinks = ntasks = 0;
	next_id = 1;
	clock_ns = 1000;
	lookups = 0;
}

static int get(void *ctx, uint64_t id, struct lineage_link *out)
{
	(void)ctx;
	lookups++;
	for (size_t i = 0; i < nlinks; i++)
		if (links[i].id == id) {
			*out = links[i].link;
			return 0;
		}
	return -ENOENT;
}

static struct lineage_link *link_of(uint64_t id)
{
	for (size_t i = 0; i < nlinks; i++)
		if (links[i].id == id)
			return &links[i].link;
	return NULL;
}

static uint64_t newest_linked(const struct lineage *l)
{
	for (int i = 0; i < NM_LINEAGE_DEPTH; i++)
		if (!(l->ids[i] & NM_USER_ID_BIT))
			return l->ids[i];
	return 0;
}

/* lineage_push_linked, in user space. */
static uint64_t push(struct lineage_task *t, uint64_t id)
{
	assert_true(nlinks < MAXLINKS);
	links[nlinks].id = id;
	links[nlinks].link = (struct lineage_link){
		.parent = newest_linked(&t->l), .tgid = t->tgid, .start_ns = t->start_ns,
		.created_ns = clock_ns++,
	};
	nlinks++;
	memmove(&t->l.ids[1], &t->l.ids[0], sizeof(t->l.ids) - sizeof(t->l.ids[0]));
	t->l.ids[0] = id;
	return id;
}

/* A process nomine saw first (its first fork adopted it). */
static struct lineage_task *first(void)
{
	struct lineage_task *t = &tasks[ntasks++];

	memset(t, 0, sizeof(*t));
	t->tgid = t->pid = (unsigned int)(100 + ntasks);
	t->start_ns = 5000 + ntasks;
	push(t, next_id++);
	return t;
}

static struct lineage_task *fork_of(struct lineage_task *parent)
{
	struct lineage_task *t = &tasks[ntasks++];
	struct lineage_link *pl = link_of(newest_linked(&parent->l));

	assert_true(ntasks <= MAXTASKS);
	*t = *parent;
	t->tgid = t->pid = (unsigned int)(100 + ntasks);
	t->start_ns = 5000 + ntasks;
	push(t, NM_FORK_ID_BIT | next_id++);
	if (pl)
		pl->flags |= NM_LINK_FORKED;
	return t;
}

static void exec_in(struct lineage_task *t)
{
	push(t, next_id++);
}

/* The model's task index i died: it leaves the list (links stay). */
static void die(size_t i)
{
	tasks[i] = tasks[--ntasks];
}

static size_t found(const struct id_set *doomed, size_t **idx)
{
	struct lineage_links l;
	size_t n = 0;

	lineage_links_init(&l, get, NULL);
	assert_int_equal(lineage_doomed_tasks(tasks, ntasks, &l, doomed, idx, &n), 0);
	lineage_links_free(&l);
	return n;
}

static int has_task(const size_t *idx, size_t n, unsigned int tgid)
{
	for (size_t i = 0; i < n; i++)
		if (tasks[idx[i]].tgid == tgid)
			return 1;
	return 0;
}

static void test_id_set(void **state)
{
	struct id_set s = {0};

	(void)state;
	for (uint64_t i = 1; i <= 10000; i++)
		assert_int_equal(id_set_add(&s, i * 4096), 0);
	assert_int_equal(s.n, 10000);
	assert_int_equal(id_set_add(&s, 4096), 0);
	assert_int_equal(s.n, 10000);
	assert_true(id_set_has(&s, 10000 * 4096));
	assert_false(id_set_has(&s, 4097));
	assert_int_equal(id_set_add(&s, 0), 0);
	assert_false(id_set_has(&s, 0));
	id_set_free(&s);
	assert_false(id_set_has(&s, 4096));
}

/* A double fork then 20 execs: the window lost the root's ids long ago;
 * the links still lead back. The root's sibling and parent are spared. */
static void test_chain_past_window(void **state)
{
	struct lineage_task *shell, *root, *sibling, *mid, *esc;
	struct lineage_links l;
	struct id_set doomed = {0};
	unsigned int tgid_root, tgid_esc, tgid_sib, tgid_shell;
	size_t *idx, n;
	int forked = 0;

	(void)state;
	model_reset();
	shell = first();
	root = fork_of(shell);
	sibling = fork_of(shell);
	exec_in(root);
	mid = fork_of(root);
	esc = fork_of(mid);
	for (int i = 0; i < 20; i++)
		exec_in(esc);
	tgid_root = root->tgid, tgid_esc = esc->tgid, tgid_sib = sibling->tgid;
	tgid_shell = shell->tgid;
	/* the middle one exits: nothing links the escapee to the root in /proc */
	die((size_t)(mid - tasks));
	lineage_links_init(&l, get, NULL);
	root = NULL;
	for (size_t i = 0; i < ntasks; i++)
		if (tasks[i].tgid == tgid_root)
			root = &tasks[i];
	assert_non_null(root);
	assert_int_equal(lineage_owned_ids(&l, root->l.ids[0], root->tgid, root->start_ns, &doomed,
					   &forked), 2);
	assert_int_equal(forked, 1);
	lineage_links_free(&l);
	n = found(&doomed, &idx);
	assert_int_equal(n, 2);
	assert_true(has_task(idx, n, tgid_root));
	assert_true(has_task(idx, n, tgid_esc));
	assert_false(has_task(idx, n, tgid_sib));
	assert_false(has_task(idx, n, tgid_shell));
	free(idx);
	id_set_free(&doomed);
}

/* A gone process (killed at its exec) is known by its exec's id: its own
 * ids are a run back to its fork, and it is known whether it forked. */
static void test_owned_from_exec(void **state)
{
	struct lineage_task *shell, *p;
	struct lineage_links l;
	struct id_set doomed = {0};
	uint64_t exec_id;
	int forked = 0;

	(void)state;
	model_reset();
	shell = first();
	p = fork_of(shell);
	exec_in(p);
	exec_in(p);
	exec_id = push(p, next_id++);
	lineage_links_init(&l, get, NULL);
	assert_int_equal(lineage_owned_ids(&l, exec_id, p->tgid, p->start_ns, &doomed, &forked), 4);
	assert_int_equal(forked, 0);   /* never forked: nothing to look for */
	assert_false(id_set_has(&doomed, shell->l.ids[0]));
	/* another owner's id is not a start */
	assert_int_equal(lineage_owned_ids(&l, exec_id, p->tgid + 1, p->start_ns, &doomed, &forked),
			 0);
	lineage_links_free(&l);
	id_set_free(&doomed);
}

/* Many tasks on one long chain: each link is looked up once. */
static void test_memo(void **state)
{
	struct lineage_task *root, *t;
	struct id_set doomed = {0};
	size_t *idx, n;

	(void)state;
	model_reset();
	root = first();
	t = fork_of(root);
	for (int i = 0; i < 200; i++)
		exec_in(t);
	for (int i = 0; i < 100; i++)
		fork_of(t);
	id_set_add(&doomed, root->l.ids[0]);
	lookups = 0;
	n = found(&doomed, &idx);
	assert_int_equal(n, 102);
	assert_true(lookups <= 220);
	free(idx);
	/* nothing doomed: nothing found, still one walk of the chain */
	id_set_free(&doomed);
	id_set_add(&doomed, 999999);
	lookups = 0;
	n = found(&doomed, &idx);
	assert_int_equal(n, 0);
	assert_true(lookups <= 220);
	free(idx);
	id_set_free(&doomed);
}

/* An id user space added (a tag) has no link: it is matched in the window,
 * and the chain past the window goes on from the ids the kernel made. */
static void test_user_tag(void **state)
{
	struct lineage_task *root, *t;
	struct id_set doomed = {0};
	uint64_t tag = NM_USER_ID_BIT | 7;
	size_t *idx, n;

	(void)state;
	model_reset();
	root = first();
	t = fork_of(root);
	memmove(&t->l.ids[1], &t->l.ids[0], sizeof(t->l.ids) - sizeof(t->l.ids[0]));
	t->l.ids[0] = tag;
	id_set_add(&doomed, tag);
	n = found(&doomed, &idx);
	assert_int_equal(n, 1);
	free(idx);
	for (int i = 0; i < 12; i++)
		exec_in(t);
	id_set_free(&doomed);
	id_set_add(&doomed, root->l.ids[0]);
	n = found(&doomed, &idx);
	assert_int_equal(n, 2);
	free(idx);
	id_set_free(&doomed);
}

/* A corrupt loop in the links ends. */
static void test_loop_ends(void **state)
{
	struct lineage_task *t;
	struct id_set doomed = {0};
	size_t *idx, n;

	(void)state;
	model_reset();
	t = first();
	for (int i = 0; i < 10; i++)
		exec_in(t);
	link_of(t->l.ids[NM_LINEAGE_DEPTH - 1])->parent = t->l.ids[0];
	id_set_add(&doomed, 424242);
	n = found(&doomed, &idx);
	assert_int_equal(n, 0);
	free(idx);
	id_set_free(&doomed);
}

/* The collector removes exactly the links no task reaches (and only those
 * made before the snapshot). */
static void test_unreachable(void **state)
{
	struct lineage_task *root, *dead, *t;
	struct lineage_kv copy[MAXLINKS];
	uint64_t *ids, taken, reach[64];
	size_t n, nreach = 0, nlinks_before;
	unsigned int dead_tgid;

	(void)state;
	model_reset();
	root = first();
	t = fork_of(root);
	for (int i = 0; i < 15; i++)
		exec_in(t);
	/* everything on t's chain is reachable, beyond its window too */
	for (uint64_t id = t->l.ids[0]; id; id = link_of(id)->parent)
		reach[nreach++] = id;
	dead = fork_of(root);
	exec_in(dead);
	exec_in(dead);
	dead_tgid = dead->tgid;
	for (size_t i = 0; i < ntasks; i++)
		if (tasks[i].tgid == dead_tgid)
			die(i);
	taken = clock_ns;
	nlinks_before = nlinks;
	/* made after the snapshot began: never collected on its account */
	fork_of(t);
	memcpy(copy, links, nlinks * sizeof(*copy));
	ntasks--;   /* the task of that last fork was not seen by the iterator */
	assert_int_equal(lineage_unreachable(tasks, ntasks, copy, nlinks, taken, &ids, &n), 0);
	assert_int_equal(n, 3);   /* the dead one's fork id and two execs */
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < nreach; j++)
			assert_true(ids[i] != reach[j]);
		assert_int_equal(link_of(ids[i])->tgid, dead_tgid);
	}
	for (size_t i = 1; i < n; i++)
		assert_true(ids[i - 1] < ids[i]);
	assert_true(nlinks == nlinks_before + 1);
	free(ids);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_id_set),
		cmocka_unit_test(test_chain_past_window),
		cmocka_unit_test(test_owned_from_exec),
		cmocka_unit_test(test_memo),
		cmocka_unit_test(test_user_tag),
		cmocka_unit_test(test_loop_ends),
		cmocka_unit_test(test_unreachable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
