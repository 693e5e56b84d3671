/* SPDX-License-Identifier: BSD-2-Clause */
/* wire_watch.c - loads and attaches the packet program of the network
 * detector.
 *
 * Scope as in net_watch.c: one cgroup_skb/egress link per --scope-cgroup
 * cgroup (the v2 root without one; cgroup_attach.c), so the kernel's
 * hierarchy decides which sockets' packets the program sees. Variants, best first: the program
 * names the owner and stops it when it catches it sending
 * (bpf_send_signal(SIGSTOP), user space kills); names it, user space kills; cannot ask who the
 * current task is (owners unknown in the kernel). Each is a load with
 * rodata flags that turn the refused helper calls into dead code. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bpf_load.h"
#include "cgroup_attach.h"
#include "domain_map.h"
#include "percpu.h"
#include "scope_types.h"
#include "wire_watch.h"
#include "wire.skel.h"

struct wire_watch {
	struct wire_bpf *skel;
	struct ring_buffer *rb;
	struct bpf_link *links[NM_SCOPE_MAX];
	unsigned int nlinks;
	struct nm_wire_settings set;
	uint64_t domain_seed;       /* of the banned domains' hashes, for this program's life */
	wire_cb cb;
	void *ctx;
	int know_task, know_comm, can_signal;
	char why[400];
};

static int on_event(void *ctx, void *data, size_t len)
{
	struct wire_watch *w = ctx;

	if (len >= sizeof(struct nm_wire_event))
		w->cb(data, w->ctx);
	return 0;
}

static int load(struct wire_watch *w, const struct wire_watch_opts *o, char *err, size_t errlen)
{
	int e;

	wire_bpf__destroy(w->skel);
	w->skel = wire_bpf__open();
	if (!w->skel) {
		e = -errno;
		snprintf(err, errlen, "failed to open packet program: %s", strerror(-e));
		return e;
	}
	w->skel->rodata->audit = o->audit ? 1 : 0;
	w->skel->rodata->know_task = (uint32_t)w->know_task;
	w->skel->rodata->know_comm = (uint32_t)w->know_comm;
	w->skel->rodata->can_signal = (uint32_t)w->can_signal;
	w->skel->rodata->domain_seed = w->domain_seed;
	if (o->exempt_class_fd > 0 &&
	    ((e = bpf_map__reuse_fd(w->skel->maps.cgroup_class, o->exempt_class_fd)) ||
	     (e = bpf_map__reuse_fd(w->skel->maps.exempt_cfg, o->exempt_cfg_fd)))) {
		snprintf(err, errlen, "failed to share the exemption maps: %s", strerror(-e));
		return e;
	}
	return bpf_load_object(w->skel->obj, "packet program", err, errlen);
}

/* The variants, best first: what the program may ask of the kernel
 * (know_task, know_comm, can_signal). Each later one gives up the helper
 * some kernel of the matrix refuses in cgroup_skb: 6.12 has the pid but
 * not the name, 5.10 and 6.1 neither. */
static const struct {
	int task, comm, signal;
} variants[] = { { 1, 1, 1 }, { 1, 0, 1 }, { 1, 1, 0 }, { 1, 0, 0 }, { 0, 0, 0 } };

/* Loads the best variant this kernel takes; w->why says what was lost. */
static int load_best(struct wire_watch *w, const struct wire_watch_opts *o, char *err,
		     size_t errlen)
{
	char first[300] = "";
	int e = -EINVAL;

	if (o->no_task || o->no_signal)
		snprintf(first, sizeof(first), "NOMINE_TEST_WIRE_NO_%s=1",
			 o->no_task ? "TASK" : "SIGNAL");
	for (size_t i = 0; e && i < sizeof(variants) / sizeof(variants[0]); i++) {
		if ((o->no_task && variants[i].task) || (o->no_signal && variants[i].signal))
			continue;
		w->know_task = variants[i].task;
		w->know_comm = variants[i].comm;
		w->can_signal = variants[i].signal;
		e = load(w, o, err, errlen);
		if (e && !first[0])
			snprintf(first, sizeof(first), "%.290s", err);
	}
	if (e && strcmp(first, err)) {
		/* the best variant's reason and the last one's */
		char last[300];

		snprintf(last, sizeof(last), "%.290s", err);
		snprintf(err, errlen, "%.290s; without the task helpers: %.290s", first, last);
	} else if (!w->know_task || !w->know_comm || !w->can_signal) {
		snprintf(w->why, sizeof(w->why), "the packet program runs without%s%s%s (%.250s)%s",
			 w->know_task ? "" : " the current task's pid", w->know_comm ? "" :
			 " the task's name", w->can_signal ? "" : " signals", first,
			 !w->know_task ? ": Stratum is dropped, owners are found through /proc" :
			 !w->can_signal ? ": Stratum is dropped, user space kills" : "");
	}
	return e;
}

static int attach(struct wire_watch *w, const struct wire_watch_opts *o, char *err,
		  size_t errlen)
{
	struct bpf_program *prog = w->skel->progs.wire_egress;

	return cgroup_attach_scopes(&prog, 1, o->mount, o->scopes, o->nscopes, w->links,
				    &w->nlinks, NM_SCOPE_MAX, err, errlen);
}

static int write_settings(struct wire_watch *w)
{
	uint32_t zero = 0;

	return bpf_map_update_elem(bpf_map__fd(w->skel->maps.settings), &zero, &w->set,
				   BPF_ANY);
}

struct wire_watch *wire_watch_open(const struct wire_watch_opts *o, char *err, size_t errlen)
{
	struct wire_watch *w = calloc(1, sizeof(*w));
	int e;

	if (!w) {
		snprintf(err, errlen, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	w->cb = o->cb;
	w->ctx = o->ctx;
	w->set.stratum = o->stratum ? 1 : 0;
	w->domain_seed = domain_map_seed();
	e = load_best(w, o, err, errlen);
	if (!e && (e = write_settings(w)))
		snprintf(err, errlen, "failed to set the packet program: %s", strerror(-e));
	if (e || (e = attach(w, o, err, errlen)))
		goto fail;
	w->rb = bpf_load_ring(w->skel->maps.events, on_event, w, err, errlen);
	if (!w->rb) {
		e = -errno;
		goto fail;
	}
	return w;
fail:
	wire_watch_close(w);
	errno = -e;
	return NULL;
}

void wire_watch_close(struct wire_watch *w)
{
	if (!w)
		return;
	for (unsigned int i = 0; i < w->nlinks; i++)
		bpf_link__destroy(w->links[i]);
	ring_buffer__free(w->rb);
	if (w->skel)
		bpf_load_forget(w->skel->obj);
	wire_bpf__destroy(w->skel);
	free(w);
}

const char *wire_watch_variant(const struct wire_watch *w)
{
	if (!w->know_task)
		return "stratum-drop-anon";
	return w->can_signal ? "stratum-stop" : "stratum-drop";
}

const char *wire_watch_why(const struct wire_watch *w)
{
	return w->why;
}

int wire_watch_set_stratum(struct wire_watch *w, int on)
{
	w->set.stratum = on ? 1 : 0;
	return write_settings(w);
}

int wire_watch_set_domains(struct wire_watch *w, const struct domain_list *l, char *err,
			   size_t errlen)
{
	int e = domain_map_install(bpf_map__fd(w->skel->maps.banned_domains), l, w->domain_seed,
				   err, errlen);

	if (e)
		return e;
	w->set.domain = l->n ? 1 : 0;
	e = write_settings(w);
	if (e)
		snprintf(err, errlen, "failed to turn the DNS check %s: %s", l->n ? "on" : "off",
			 strerror(-e));
	return e;
}

int wire_watch_fd(const struct wire_watch *w)
{
	return ring_buffer__epoll_fd(w->rb);
}

int wire_watch_drain(struct wire_watch *w)
{
	int n = ring_buffer__consume(w->rb);

	return n < 0 ? n : 0;
}

uint64_t wire_watch_stat(const struct wire_watch *w, unsigned int which)
{
	if (which >= NM_WIRE_NSTATS)
		return 0;
	return percpu_sum(bpf_map__fd(w->skel->maps.stats), which);
}
