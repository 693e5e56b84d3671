/* SPDX-License-Identifier: BSD-2-Clause */
/* lineage.c - user side of lineage.bpf.c: load, doom ids, run the iterator. */
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
#include "percpu.h"

struct lineage_tracker {
	struct lineage_bpf *skel;
	struct bpf_link *iter_link;
	uint64_t next_user_id;
	enum nm_lineage_kind kind;
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
	lt->iter_link = bpf_program__attach_iter(lt->skel->progs.find_doomed, NULL);
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

int lineage_doom(struct lineage_tracker *lt, uint64_t id)
{
	uint8_t one = 1;

	/* libbpf returns the negative errno itself */
	return bpf_map_update_elem(bpf_map__fd(lt->skel->maps.doomed), &id, &one, BPF_ANY);
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

int lineage_find_doomed(struct lineage_tracker *lt, struct doomed_task **out, size_t *n)
{
	struct doomed_task *v = NULL, *nv;
	size_t cap = 0, len = 0;
	int fd, ret = 0;
	ssize_t got;

	fd = bpf_iter_create(bpf_link__fd(lt->iter_link));
	if (fd < 0)
		return fd;
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 64;
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
