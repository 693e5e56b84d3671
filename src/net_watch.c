/* SPDX-License-Identifier: BSD-2-Clause */
/* net_watch.c - loads and attaches the network detector, fills its tries.
 *
 * Scope: the programs are attached to each --scope-cgroup cgroup (the v2
 * root without one; cgroup_attach.c), not to the root with a check inside:
 * a connect out of scope costs nothing, and no helper is needed that cgroup
 * programs of older kernels lack (scope.bpf.h reads the task's cgroup
 * through bpf_get_current_task, which 5.10 does not give them). The
 * socket's cgroup counts (where it was made), as for every cgroup socket
 * program. */
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
#include "net_watch.h"
#include "percpu.h"
#include "scope_types.h"
#include "net.skel.h"

#define NET_PROGS 4
#define NET_LINKS_MAX (NM_SCOPE_MAX * NET_PROGS)

struct net_watch {
	struct net_bpf *skel;
	struct ring_buffer *rb;
	struct bpf_link *links[NET_LINKS_MAX];
	unsigned int nlinks;
	net_cb cb;
	void *ctx;
	int know_caller;
	char why[300];
};

static int on_event(void *ctx, void *data, size_t len)
{
	struct net_watch *w = ctx;

	if (len >= sizeof(struct nm_net_event))
		w->cb(data, w->ctx);
	return 0;
}

static int load(struct net_watch *w, const struct net_watch_opts *o, int know_caller,
		char *err, size_t errlen)
{
	int e;

	net_bpf__destroy(w->skel);
	w->skel = net_bpf__open();
	if (!w->skel) {
		e = -errno;
		snprintf(err, errlen, "failed to open network program: %s", strerror(-e));
		return e;
	}
	w->skel->rodata->audit = o->audit ? 1 : 0;
	w->skel->rodata->know_caller = (uint32_t)know_caller;
	return bpf_load_object(w->skel->obj, "network program", err, errlen);
}

static int attach(struct net_watch *w, const struct net_watch_opts *o, char *err, size_t errlen)
{
	struct bpf_program *progs[NET_PROGS] = {
		w->skel->progs.net_connect4, w->skel->progs.net_connect6,
		w->skel->progs.net_sendmsg4, w->skel->progs.net_sendmsg6,
	};

	return cgroup_attach_scopes(progs, NET_PROGS, o->mount, o->scopes, o->nscopes, w->links,
				    &w->nlinks, NET_LINKS_MAX, err, errlen);
}

struct net_watch *net_watch_open(const struct net_watch_opts *o, char *err, size_t errlen)
{
	struct net_watch *w = calloc(1, sizeof(*w));
	char first[600];
	int e;

	if (!w) {
		snprintf(err, errlen, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	w->cb = o->cb;
	w->ctx = o->ctx;
	w->know_caller = !o->no_caller;
	e = load(w, o, w->know_caller, err, errlen);
	if (e && w->know_caller) {
		/* the verifier of this kernel may not give cgroup programs the
		 * caller's pid: refuse and report by cgroup instead */
		snprintf(first, sizeof(first), "%s", err);
		w->know_caller = 0;
		e = load(w, o, 0, err, errlen);
		if (!e)
			snprintf(w->why, sizeof(w->why), "the calling process is not known to "
				 "cgroup programs here (%.200s): calls are refused, nobody is killed",
				 first);
	} else if (!e && o->no_caller) {
		snprintf(w->why, sizeof(w->why), "NOMINE_TEST_NET_NO_CALLER=1");
	}
	if (e || (e = attach(w, o, err, errlen)))
		goto fail;
	w->rb = bpf_load_ring(w->skel->maps.events, on_event, w, err, errlen);
	if (!w->rb) {
		e = -errno;
		goto fail;
	}
	return w;
fail:
	net_watch_close(w);
	errno = -e;
	return NULL;
}

void net_watch_close(struct net_watch *w)
{
	if (!w)
		return;
	for (unsigned int i = 0; i < w->nlinks; i++)
		bpf_link__destroy(w->links[i]);
	ring_buffer__free(w->rb);
	if (w->skel)
		bpf_load_forget(w->skel->obj);
	net_bpf__destroy(w->skel);
	free(w);
}

const char *net_watch_variant(const struct net_watch *w)
{
	return w->know_caller ? "connect-kill" : "connect-deny";
}

const char *net_watch_why(const struct net_watch *w)
{
	return w->why;
}

/* A new trie of one family holding n entries, or a negative errno. */
static int fill(int family, const struct net_entry *e, size_t n)
{
	LIBBPF_OPTS(bpf_map_create_opts, mopts, .map_flags = BPF_F_NO_PREALLOC);
	size_t ksize = family == 4 ? sizeof(struct nm_lpm4) : sizeof(struct nm_lpm6);
	int fd = bpf_map_create(BPF_MAP_TYPE_LPM_TRIE, family == 4 ? "nm_banned4" : "nm_banned6",
				(uint32_t)ksize, 1, NM_NET_ADDRS_MAX, &mopts);
	struct nm_lpm6 key;     /* the larger: an nm_lpm4 is its prefix */
	uint8_t one = 1;

	if (fd < 0)
		return fd;
	for (size_t i = 0; i < n; i++) {
		int r;

		key.prefixlen = e[i].p.len;
		memcpy(key.addr, e[i].p.addr, family == 4 ? 4 : 16);
		r = bpf_map_update_elem(fd, &key, &one, BPF_ANY);
		if (r) {
			close(fd);
			return r;
		}
	}
	return fd;
}

/* Puts trie fd (-1: none, the empty slot) into outer's one slot. */
static int swap_in(int outer, int fd)
{
	uint32_t zero = 0;
	int r;

	if (fd < 0) {
		r = bpf_map_delete_elem(outer, &zero);
		return r == -ENOENT ? 0 : r;
	}
	return bpf_map_update_elem(outer, &zero, &fd, BPF_ANY);
}

/* Both tries are filled before either is swapped in, so a failure leaves
 * the old lists whole. */
int net_watch_set(struct net_watch *w, const struct net_list *l, char *err, size_t errlen)
{
	int fd4 = l->n4 ? fill(4, l->v4, l->n4) : -1, fd6 = -1, r = 0;

	if (l->n4 && fd4 < 0) {
		snprintf(err, errlen, "failed to load %zu IPv4 networks: %s", l->n4, strerror(-fd4));
		return fd4;
	}
	fd6 = l->n6 ? fill(6, l->v6, l->n6) : -1;
	if (l->n6 && fd6 < 0) {
		r = fd6;
		snprintf(err, errlen, "failed to load %zu IPv6 networks: %s", l->n6, strerror(-r));
	}
	if (!r && (r = swap_in(bpf_map__fd(w->skel->maps.banned4), fd4)))
		snprintf(err, errlen, "failed to install the IPv4 networks: %s", strerror(-r));
	if (!r && (r = swap_in(bpf_map__fd(w->skel->maps.banned6), fd6)))
		snprintf(err, errlen, "failed to install the IPv6 networks: %s", strerror(-r));
	/* the outer maps hold what they took */
	if (fd4 >= 0)
		close(fd4);
	if (fd6 >= 0)
		close(fd6);
	return r;
}

int net_watch_fd(const struct net_watch *w)
{
	return ring_buffer__epoll_fd(w->rb);
}

int net_watch_drain(struct net_watch *w)
{
	int n = ring_buffer__consume(w->rb);

	return n < 0 ? n : 0;
}

uint64_t net_watch_stat(const struct net_watch *w, unsigned int which)
{
	if (which >= NM_NET_NSTATS)
		return 0;
	return percpu_sum(bpf_map__fd(w->skel->maps.stats), which);
}
