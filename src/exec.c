/* SPDX-License-Identifier: BSD-2-Clause */
/* exec.c - user side of exec.bpf.c: loading, the ring buffer, the maps. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "exec.h"
#include "exec_records.h"
#include "bpf_load.h"
#include "exec.skel.h"
#include "ktables.h"
#include "ktables_types.h"
#include "percpu.h"
#include "tunables.h"
#include "mono_clock.h"

struct exec_watch {
	struct exec_bpf *skel;
	struct ring_buffer *rb;
	struct exec_records *records;
	size_t table_cap;
	int verdict;              /* handle_exec (judges) rather than handle_exec_capture */
};

/* A malformed record is dropped: returning non-zero would stop the
 * ring buffer's consumption, records of sound execs with it. */
static int on_record(void *ctx, void *data, size_t size)
{
	struct exec_watch *w = ctx;

	exec_records_feed(w->records, data, size, mono_ns());
	return 0;
}

static int load(struct exec_watch *w, const struct exec_watch_opts *o, char *err, size_t errlen)
{
	struct bpf_map *lmaps[6];
	int e, lfds[6];

	w->skel = exec_bpf__open();
	if (!w->skel) {
		e = -errno;
		snprintf(err, errlen, "failed to open exec program: %s", strerror(-e));
		return e;
	}
	for (unsigned int i = 0; i < o->nscopes && i < NM_SCOPE_MAX; i++)
		((struct nm_scope *)w->skel->rodata->scopes)[i] = o->scopes[i];
	w->skel->rodata->nscopes = o->nscopes;
	w->skel->rodata->report_all = o->report_all != 0;
	w->skel->rodata->audit = o->audit != 0;
	w->skel->rodata->test_unjudged = o->test_unjudged != 0;
	w->table_cap = o->table_cap ? o->table_cap : 64 * 1024;
	w->skel->rodata->kt_wmask = (uint32_t)(w->table_cap / 4 - 1);
	e = bpf_map__set_value_size(bpf_map__inner_map(w->skel->maps.tables), (uint32_t)w->table_cap);
	if (e) {
		snprintf(err, errlen, "failed to size the kernel tables: %s", strerror(-e));
		return e;
	}
	/* One exec program: the judging one, or the one that only captures
	 * (which needs neither the tables nor the walk: not created). */
	w->verdict = o->verdict != 0;
	bpf_map__set_max_entries(w->skel->maps.events, w->verdict ? NM_RING_VERDICT_BYTES : NM_RING_CAPTURE_BYTES);
	bpf_map__set_autocreate(w->skel->maps.tables, w->verdict || o->test_entry);
	bpf_map__set_autocreate(w->skel->maps.walk, w->verdict || o->test_entry);
	/* tests: an index mask past the map value, which the verifier refuses
	 * (a real refusal, to exercise the fallback) */
	if (o->test_refuse && w->verdict)
		w->skel->rodata->kt_wmask = ~0u;
	bpf_program__set_autoload(w->skel->progs.handle_exec, w->verdict && !o->test_entry);
	bpf_program__set_autoload(w->skel->progs.handle_exec_capture, !w->verdict && !o->test_entry);
	bpf_program__set_autoload(w->skel->progs.verdict_test, o->test_entry != 0);
	/* Lineage: share the tracker's map of the kind it runs; the other map
	 * is never created (its code is dead for the verifier). */
	w->skel->rodata->lineage_kind = (uint32_t)o->lineage_kind;
	lmaps[0] = w->skel->maps.lineage;
	lmaps[1] = w->skel->maps.lineage_pid;
	lmaps[2] = w->skel->maps.lineage_spill;
	lmaps[3] = w->skel->maps.lineage_spills;
	lfds[0] = o->lineage_kind == NM_LINEAGE_TASK_STORAGE ? o->lineage_fd : -1;
	lfds[1] = o->lineage_kind == NM_LINEAGE_PID_MAP ? o->lineage_fd : -1;
	lfds[2] = o->lineage_kind == NM_LINEAGE_TASK_STORAGE ? o->lineage_spill_fd : -1;
	lfds[3] = o->lineage_kind == NM_LINEAGE_TASK_STORAGE ? o->lineage_spills_fd : -1;
	lmaps[4] = w->skel->maps.lineage_links;
	lmaps[5] = w->skel->maps.lineage_links_lost;
	lfds[4] = o->lineage_kind != NM_LINEAGE_NONE ? o->lineage_links_fd : -1;
	lfds[5] = o->lineage_kind != NM_LINEAGE_NONE ? o->lineage_links_lost_fd : -1;
	for (int i = 0; i < 6; i++) {
		if (lfds[i] < 0) {
			bpf_map__set_autocreate(lmaps[i], false);
		} else if ((e = bpf_map__reuse_fd(lmaps[i], lfds[i]))) {
			snprintf(err, errlen, "failed to share lineage map: %s", strerror(-e));
			return e;
		}
	}
	e = bpf_load_object(w->skel->obj, w->verdict ? "exec program (verdict)" :
			    "exec program (capture)", err, errlen);
	if (e)
		return e;
	/* The test entry runs the verdict code by hand: nothing is attached. */
	if (o->test_entry)
		return 0;
	e = exec_bpf__attach(w->skel);
	if (e) {
		snprintf(err, errlen, "failed to attach tp_btf/sched_process_exec: %s", strerror(-e));
		return e;
	}
	return 0;
}

struct exec_watch *exec_watch_open(const struct exec_watch_opts *o, char *err, size_t errlen)
{
	struct exec_watch *w = calloc(1, sizeof(*w));
	int e;

	if (!w) {
		snprintf(err, errlen, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	w->records = exec_records_new(o->cb, o->ctx);
	if (!w->records) {
		e = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	e = load(w, o, err, errlen);
	if (e)
		goto fail;
	w->rb = bpf_load_ring(w->skel->maps.events, on_record, w, err, errlen);
	if (!w->rb) {
		e = -errno;
		goto fail;
	}
	return w;
fail:
	exec_watch_close(w);
	errno = -e;
	return NULL;
}

void exec_watch_close(struct exec_watch *w)
{
	if (!w)
		return;
	ring_buffer__free(w->rb);
	if (w->skel)
		bpf_load_forget(w->skel->obj);
	exec_bpf__destroy(w->skel);
	exec_records_free(w->records);
	free(w);
}

void exec_watch_stop(struct exec_watch *w)
{
	if (!w)
		return;
	exec_bpf__detach(w->skel);
	ring_buffer__consume(w->rb);
	exec_records_drain_all(w->records);
}

void exec_watch_flush(struct exec_watch *w, uint64_t max_age_ns)
{
	exec_records_flush(w->records, mono_ns(), max_age_ns);
}

int exec_watch_frozen_stale(struct exec_watch *w, uint64_t older_than_ns,
			    void (*cb)(pid_t tgid, const struct nm_frozen *f, void *ctx), void *ctx)
{
	int fd = bpf_map__fd(w->skel->maps.frozen), n = 0;
	uint32_t key, next, *prev = NULL;
	uint32_t stale[256];
	struct nm_frozen f;
	uint64_t now = mono_ns();   /* bpf_ktime_get_ns is CLOCK_MONOTONIC */

	/* collect first: cb deletes entries, which would upset the walk */
	while (n < 256 && bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &f) == 0 && now - f.at_ns > older_than_ns)
			stale[n++] = key;
	}
	for (int i = 0; i < n; i++)
		if (bpf_map_lookup_elem(fd, &stale[i], &f) == 0)
			cb((pid_t)stale[i], &f, ctx);
	return n;
}

int exec_watch_frozen_get(struct exec_watch *w, pid_t tgid, struct nm_frozen *f)
{
	uint32_t key = (uint32_t)tgid;

	/* libbpf returns the negative errno itself */
	return bpf_map_lookup_elem(bpf_map__fd(w->skel->maps.frozen), &key, f);
}

int exec_watch_frozen_fd(const struct exec_watch *w)
{
	return bpf_map__fd(w->skel->maps.frozen);
}

int exec_watch_frozen_done(struct exec_watch *w, pid_t tgid, uint64_t exec_id)
{
	int fd = bpf_map__fd(w->skel->maps.frozen);
	uint32_t key = (uint32_t)tgid;
	struct nm_frozen f;

	if (bpf_map_lookup_elem(fd, &key, &f))
		return 1;
	/* a later exec of the same process froze it again: not this decision's */
	if (exec_id && f.exec_id != exec_id)
		return 0;
	bpf_map_delete_elem(fd, &key);
	return 1;
}

int exec_watch_fd(const struct exec_watch *w)
{
	return ring_buffer__epoll_fd(w->rb);
}

int exec_watch_drain(struct exec_watch *w)
{
	int n = ring_buffer__consume(w->rb);

	return n < 0 ? n : 0;
}

int exec_tables_fill(const struct ktables *kt, size_t cap)
{
	LIBBPF_OPTS(bpf_map_create_opts, mopts, .map_flags = BPF_F_MMAPABLE);
	long page = sysconf(_SC_PAGESIZE);
	size_t used, len;
	void *mem;
	int inner, ret;

	if (kt->size > cap)
		return -E2BIG;
	/* mmap-able: the blob is written straight into the map's pages. A
	 * value passed through bpf_map_update_elem would have to be the whole
	 * cap (32 MiB by default) in our memory, blob or not. */
	inner = bpf_map_create(BPF_MAP_TYPE_ARRAY, "nm_tables", 4, (uint32_t)cap, 1, &mopts);
	if (inner < 0)
		return inner;
	used = ((const struct nm_kt_header *)kt->words)->nwords * 4u;
	len = (used + (size_t)page - 1) / (size_t)page * (size_t)page;
	/* only the blob's pages are mapped (and count in our memory), and only
	 * while they are written; the rest of the map stays zero */
	mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, inner, 0);
	if (mem == MAP_FAILED) {
		ret = -errno;
		close(inner);
		return ret;
	}
	memcpy(mem, kt->words, used);
	munmap(mem, len);
	return inner;
}

int exec_watch_swap_tables(struct exec_watch *w, int fd)
{
	uint32_t zero = 0;
	int ret = bpf_map_update_elem(bpf_map__fd(w->skel->maps.tables), &zero, &fd, BPF_ANY);

	/* The outer map holds its own reference; the old inner map is freed
	 * by the kernel once no program run can still be using it. */
	close(fd);
	return ret;
}

int exec_watch_set_tables(struct exec_watch *w, const struct ktables *kt)
{
	uint32_t zero = 0;
	int ret;

	if (!kt) {
		/* ENOENT: there was nothing to remove */
		ret = bpf_map_delete_elem(bpf_map__fd(w->skel->maps.tables), &zero);
		return ret == -ENOENT ? 0 : ret;
	}
	ret = exec_tables_fill(kt, w->table_cap);
	return ret < 0 ? ret : exec_watch_swap_tables(w, ret);
}

int exec_watch_test_verdict(struct exec_watch *w, const uint8_t *argv, size_t len,
			    int *matched, int *flags)
{
	struct {
		uint64_t argv;
		uint32_t len;
		int32_t matched;
		int32_t flags;
	} args = { .argv = (uint64_t)(uintptr_t)argv, .len = (uint32_t)len };
	/* syscall programs write their context back into ctx_in */
	LIBBPF_OPTS(bpf_test_run_opts, topts, .ctx_in = &args, .ctx_size_in = sizeof(args));
	int ret = bpf_prog_test_run_opts(bpf_program__fd(w->skel->progs.verdict_test), &topts);

	if (ret)
		return ret;
	*matched = args.matched;
	*flags = args.flags;
	return 0;
}

int exec_watch_prog_info(const struct exec_watch *w, uint32_t *id, uint32_t *verified_insns)
{
	struct bpf_prog_info info;
	uint32_t len = sizeof(info);
	int ret;

	memset(&info, 0, sizeof(info));
	ret = bpf_obj_get_info_by_fd(bpf_program__fd(w->verdict ? w->skel->progs.handle_exec :
						      w->skel->progs.handle_exec_capture), &info, &len);
	if (ret)
		return ret;
	*id = info.id;
	*verified_insns = info.verified_insns;
	return 0;
}

uint64_t exec_watch_misses(const struct exec_watch *w)
{
	return bpf_prog_misses(bpf_program__fd(w->verdict ? w->skel->progs.handle_exec :
					       w->skel->progs.handle_exec_capture));
}

uint64_t exec_watch_stat(const struct exec_watch *w, enum nm_exec_stat which)
{
	return percpu_sum(bpf_map__fd(w->skel->maps.stats), which);
}

int exec_watch_set_exempt(struct exec_watch *w, int on, uint32_t gen)
{
	struct nm_exempt_cfg v = { .on = on != 0, .gen = gen & 0xffffff };
	uint32_t zero = 0;

	return bpf_map__update_elem(w->skel->maps.exempt_cfg, &zero, sizeof(zero), &v, sizeof(v),
				    BPF_ANY);
}

void exec_watch_exempt_fds(const struct exec_watch *w, int *class_fd, int *cfg_fd)
{
	*class_fd = bpf_map__fd(w->skel->maps.cgroup_class);
	*cfg_fd = bpf_map__fd(w->skel->maps.exempt_cfg);
}

int exec_watch_classify(struct exec_watch *w, uint64_t cgroup_id, int cls, uint32_t gen)
{
	uint32_t v = ((gen & 0xffffff) << 8) | ((uint32_t)cls & 0xff);

	return bpf_map__update_elem(w->skel->maps.cgroup_class, &cgroup_id, sizeof(cgroup_id),
				    &v, sizeof(v), BPF_ANY);
}

int exec_watch_exe_bad(struct exec_watch *w, const struct nm_exe_id *id)
{
	uint32_t one = 1;

	return bpf_map_update_elem(bpf_map__fd(w->skel->maps.exe_bad), id, &one, BPF_ANY);
}

int exec_watch_exe_forget_bad(struct exec_watch *w)
{
	int fd = bpf_map__fd(w->skel->maps.exe_bad), ret;
	struct nm_exe_id key;

	/* deleting the first key each time: a walk would skip entries */
	while ((ret = bpf_map_get_next_key(fd, NULL, &key)) == 0)
		if ((ret = bpf_map_delete_elem(fd, &key)) < 0)
			return ret;
	return ret == -ENOENT ? 0 : ret;
}

int exec_watch_exe_interp(struct exec_watch *w, const struct nm_exe_id *id)
{
	uint32_t v = NM_EXE_SEEN | NM_EXE_INTERP;

	return bpf_map_update_elem(bpf_map__fd(w->skel->maps.exe_seen), id, &v, BPF_ANY);
}

int exec_watch_exe_unsee(struct exec_watch *w, const struct nm_exe_id *id)
{
	int ret = bpf_map_delete_elem(bpf_map__fd(w->skel->maps.exe_seen), id);

	return ret == -ENOENT ? 0 : ret;
}

int exec_watch_exe_unsee_all(struct exec_watch *w)
{
	int fd = bpf_map__fd(w->skel->maps.exe_seen), ret;
	struct nm_exe_id key;

	while ((ret = bpf_map_get_next_key(fd, NULL, &key)) == 0)
		if ((ret = bpf_map_delete_elem(fd, &key)) < 0 && ret != -ENOENT)
			return ret;
	return ret == -ENOENT ? 0 : ret;
}
