/* SPDX-License-Identifier: BSD-2-Clause */
/* lineage.c - user side of lineage.bpf.c: load, snapshot the windows and
 * links, collect links no live task reaches. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bpf_load.h"
#include "lineage.h"
#include "lineage.skel.h"
#include "mono_clock.h"
#include "percpu.h"

struct lineage_tracker {
	struct lineage_bpf *skel;
	struct bpf_link *iter_link;
	uint64_t next_user_id;
	enum nm_lineage_kind kind;
	uint64_t *candidates;    /* links the last collection found unreachable */
	size_t ncandidates;
};

struct lineage_tracker *lineage_open(enum nm_lineage_kind kind, char *err, size_t errlen)
{
	struct lineage_tracker *lt = calloc(1, sizeof(*lt));
	int e;

	if (!lt) {
		snprintf(err, errlen, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	if (kind != NM_LINEAGE_TASK_STORAGE && kind != NM_LINEAGE_PID_MAP) {
		e = -EINVAL;
		snprintf(err, errlen, "no lineage kind");
		goto fail;
	}
	lt->kind = kind;
	lt->next_user_id = 1ull << 63;
	lt->skel = lineage_bpf__open();
	if (!lt->skel) {
		e = -errno;
		snprintf(err, errlen, "failed to open lineage tracker: %s", strerror(-e));
		goto fail;
	}
	lt->skel->rodata->lineage_kind = (uint32_t)kind;
	if (kind == NM_LINEAGE_TASK_STORAGE) {
		bpf_map__set_autocreate(lt->skel->maps.lineage_pid, false);
	} else {
		bpf_map__set_autocreate(lt->skel->maps.lineage, false);
		bpf_map__set_autocreate(lt->skel->maps.lineage_spill, false);
		bpf_map__set_autocreate(lt->skel->maps.lineage_spills, false);
	}
	/* task storage goes with its task; the pid map is emptied at exit */
	bpf_program__set_autoload(lt->skel->progs.handle_exit, kind == NM_LINEAGE_PID_MAP);
	e = bpf_load_object(lt->skel->obj, "lineage tracker", err, errlen);
	if (e)
		goto fail;
	e = lineage_bpf__attach(lt->skel);
	if (e) {
		snprintf(err, errlen, "failed to attach fork tracker: %s", strerror(-e));
		goto fail;
	}
	lt->iter_link = bpf_program__attach_iter(lt->skel->progs.dump_lineage, NULL);
	if (!lt->iter_link) {
		e = -errno;
		snprintf(err, errlen, "failed to attach task iterator: %s", strerror(-e));
		goto fail;
	}
	return lt;
fail:
	lineage_close(lt);
	errno = -e;
	return NULL;
}

void lineage_close(struct lineage_tracker *lt)
{
	if (!lt)
		return;
	bpf_link__destroy(lt->iter_link);
	free(lt->candidates);
	if (lt->skel)
		bpf_load_forget(lt->skel->obj);
	lineage_bpf__destroy(lt->skel);
	free(lt);
}

int lineage_map_fd(const struct lineage_tracker *lt)
{
	return bpf_map__fd(lt->kind == NM_LINEAGE_TASK_STORAGE ? lt->skel->maps.lineage :
			   lt->skel->maps.lineage_pid);
}

int lineage_spill_fd(const struct lineage_tracker *lt, int *counter_fd)
{
	if (lt->kind != NM_LINEAGE_TASK_STORAGE)
		return -ENOENT;
	if (counter_fd)
		*counter_fd = bpf_map__fd(lt->skel->maps.lineage_spills);
	return bpf_map__fd(lt->skel->maps.lineage_spill);
}

uint64_t lineage_spills(const struct lineage_tracker *lt)
{
	return lt->kind == NM_LINEAGE_TASK_STORAGE ?
	       percpu_sum(bpf_map__fd(lt->skel->maps.lineage_spills), 0) : 0;
}

uint64_t lineage_failures(const struct lineage_tracker *lt)
{
	return percpu_sum(bpf_map__fd(lt->skel->maps.full), 0);
}

uint64_t lineage_fork_misses(const struct lineage_tracker *lt)
{
	return bpf_prog_misses(bpf_program__fd(lt->skel->progs.handle_newtask)) +
	       bpf_prog_misses(bpf_program__fd(lt->skel->progs.handle_fork));
}

enum nm_lineage_kind lineage_kind(const struct lineage_tracker *lt)
{
	return lt ? lt->kind : NM_LINEAGE_NONE;
}

const char *lineage_kind_name(enum nm_lineage_kind kind)
{
	switch (kind) {
	case NM_LINEAGE_TASK_STORAGE:
		return "task-storage";
	case NM_LINEAGE_PID_MAP:
		return "pid-map";
	default:
		return "none";
	}
}

int lineage_add(struct lineage_tracker *lt, int pidfd, pid_t tgid, uint64_t start_ticks,
		uint64_t id)
{
	int fd = lineage_map_fd(lt);
	uint32_t pid = (uint32_t)tgid;
	struct lineage_entry e;
	struct lineage *l;
	const void *key;
	void *value;

	/* Task storage is keyed by pidfd from user space; the pid map by the
	 * leader's thread id, its entry believed only with the right start */
	if (lt->kind == NM_LINEAGE_TASK_STORAGE) {
		key = &pidfd;
		value = &e.l;
		if (bpf_map_lookup_elem(fd, key, value))
			memset(&e.l, 0, sizeof(e.l));
	} else {
		key = &pid;
		value = &e;
		if (bpf_map_lookup_elem(fd, key, value) || e.start_ticks != start_ticks)
			memset(&e, 0, sizeof(e));
		e.start_ticks = start_ticks;
	}
	l = &e.l;
	memmove(&l->ids[1], &l->ids[0], sizeof(l->ids) - sizeof(l->ids[0]));
	l->ids[0] = id;
	return bpf_map_update_elem(fd, key, value, BPF_ANY);
}

int lineage_mark(struct lineage_tracker *lt, int pidfd, pid_t tgid, uint64_t start_ticks,
		 uint64_t *id)
{
	*id = lt->next_user_id++;
	return lineage_add(lt, pidfd, tgid, start_ticks, *id);
}

/* Every live task's window, from the iterator. */
int lineage_tasks(struct lineage_tracker *lt, struct lineage_task **out, size_t *n)
{
	struct lineage_task *v = NULL, *nv;
	size_t cap = 0, len = 0;
	int fd, ret = 0;
	ssize_t got;

	fd = bpf_iter_create(bpf_link__fd(lt->iter_link));
	if (fd < 0)
		return fd;
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 256;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				ret = -ENOMEM;
				break;
			}
			v = nv;
		}
		got = read(fd, &v[len], (cap - len) * sizeof(*v));
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			ret = -errno;
			break;
		}
		if (got == 0)
			break;
		len += (size_t)got / sizeof(*v);
	}
	close(fd);
	if (ret) {
		free(v);
		return ret;
	}
	*out = v;
	*n = len;
	return 0;
}

/* Every link, in batches where the kernel has them (5.6+), else key by key. */
int lineage_links_all(struct lineage_tracker *lt, struct lineage_kv **out, size_t *n)
{
	int fd = bpf_map__fd(lt->skel->maps.lineage_links);
	struct lineage_kv *v = NULL, *nv;
	uint64_t keys[1024], in = 0, batch = 0, key, next;
	struct lineage_link vals[1024];
	size_t cap = 0, len = 0;
	void *inp = NULL, *prev = NULL;
	int e = 0, batched = 1;

	for (;;) {
		uint32_t count = 1024;

		/* room for a whole batch first: the kernel hands it over whole */
		if (len + count > cap) {
			cap = cap ? cap * 2 : 4096;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				e = -ENOMEM;
				break;
			}
			v = nv;
		}
		if (batched) {
			e = bpf_map_lookup_batch(fd, inp, &batch, keys, vals, &count, NULL);
			if (e == -EINVAL || e == -EOPNOTSUPP || e == -524 /* ENOTSUPP */) {
				batched = 0;  /* before 5.6: key by key from the start */
				len = 0;
				e = 0;
				continue;
			}
			if (e && e != -ENOENT)
				break;
			for (uint32_t i = 0; i < count; i++) {
				v[len].id = keys[i];
				v[len++].link = vals[i];
			}
			if (e == -ENOENT) {
				e = 0;
				break;
			}
			in = batch;
			inp = &in;
			continue;
		}
		if (bpf_map_get_next_key(fd, prev, &next))
			break;
		key = next;
		prev = &key;
		if (!bpf_map_lookup_elem(fd, &key, &v[len].link))
			v[len++].id = key;
	}
	if (e) {
		free(v);
		return e;
	}
	*out = v;
	*n = len;
	return 0;
}

int lineage_link_lookup(void *lt, uint64_t id, struct lineage_link *out)
{
	struct lineage_tracker *t = lt;

	return bpf_map_lookup_elem(bpf_map__fd(t->skel->maps.lineage_links), &id, out);
}

uint64_t lineage_links_lost(const struct lineage_tracker *lt)
{
	return percpu_sum(bpf_map__fd(lt->skel->maps.lineage_links_lost), 0);
}

int lineage_links_fd(const struct lineage_tracker *lt, int *lost_fd)
{
	if (lost_fd)
		*lost_fd = bpf_map__fd(lt->skel->maps.lineage_links_lost);
	return bpf_map__fd(lt->skel->maps.lineage_links);
}

static int in_sorted(const uint64_t *v, size_t n, uint64_t id)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid] == id)
			return 1;
		if (v[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* Deletes keys, in batches where the kernel has them (5.6+). Returns how
 * many went. */
static size_t delete_links(int fd, uint64_t *keys, size_t n)
{
	size_t done = 0, gone = 0;

	while (done < n) {
		uint32_t count = (uint32_t)(n - done > 4096 ? 4096 : n - done);
		int e = bpf_map_delete_batch(fd, keys + done, &count, NULL);

		if (e == -EINVAL || e == -EOPNOTSUPP || e == -524 /* ENOTSUPP */)
			break;
		done += count;
		gone += count;
		if (e)
			done++;  /* count stopped at a key already gone: past it */
	}
	for (; done < n; done++)
		gone += bpf_map_delete_elem(fd, &keys[done]) == 0;
	return gone;
}

int lineage_collect(struct lineage_tracker *lt, uint64_t keep_ns, struct lineage_collect_report *r)
{
	struct lineage_task *tasks = NULL;
	struct lineage_kv *kv = NULL;
	uint64_t *dead = NULL, *go = NULL, taken = mono_ns(), keep = keep_ns;
	size_t ntasks = 0, nkv = 0, n = 0, ngo = 0;
	int e;

	memset(r, 0, sizeof(*r));
	/* tasks before links: a link made in between is newer than taken and
	 * never collected on this snapshot's account; nor is one made less than
	 * NM_LINK_KEEP_NS before (an exec's link is wanted by its kill, which a
	 * busy loop may handle late, when nothing carries the id any more) */
	e = lineage_tasks(lt, &tasks, &ntasks);
	if (!e)
		e = lineage_links_all(lt, &kv, &nkv);
	if (!e)
		e = lineage_unreachable(tasks, ntasks, kv, nkv, taken > keep ? taken - keep : 0,
					&dead, &n);
	if (!e && !(go = malloc((lt->ncandidates + 1) * sizeof(*go))))
		e = -ENOMEM;
	if (e)
		goto out;
	r->links = nkv;
	r->tasks = ntasks;
	/* Only what two collections in a row found unreachable goes: a task
	 * forked while the iterator ran, by a parent that then died before
	 * the iterator reached it, is in neither's place in the first one */
	for (size_t i = 0; i < lt->ncandidates; i++)
		if (in_sorted(dead, n, lt->candidates[i]))
			go[ngo++] = lt->candidates[i];
	r->removed = delete_links(bpf_map__fd(lt->skel->maps.lineage_links), go, ngo);
	free(lt->candidates);
	lt->candidates = dead;
	lt->ncandidates = n;
	dead = NULL;
out:
	free(go);
	free(dead);
	free(tasks);
	free(kv);
	return e;
}
