/* SPDX-License-Identifier: BSD-2-Clause */
/* net_detector.c - the network detector's list, kernel side and response, together. */
#include <string.h>
#include <time.h>
#include "log.h"
#include "net_detector.h"

int net_detector_prepare(struct net_list *out, const struct config *cfg, char *err,
			 size_t errlen)
{
	return net_list_build(out, cfg, err, errlen);
}

static void on_event(const struct nm_net_event *ev, void *ctx)
{
	struct net_detector *nd = ctx;

	net_respond(&nd->nr, ev);
}

/* Installs nd->list in the kernel, logged with what it took. */
static int install(struct net_detector *nd)
{
	char err[300];
	struct timespec a, b;
	int r;

	clock_gettime(CLOCK_MONOTONIC, &a);
	r = net_watch_set(nd->nw, &nd->list, err, sizeof(err));
	clock_gettime(CLOCK_MONOTONIC, &b);
	if (r) {
		log_msg("error", "network detector: %s; the kernel keeps the previous networks", err);
		return r;
	}
	/* 200k networks are noticeable: the time is worth a line */
	if (nd->list.n4 + nd->list.n6 >= 10000)
		log_msg("info", "network detector: %zu IPv4 and %zu IPv6 networks loaded in %.0f ms",
			nd->list.n4, nd->list.n6,
			(double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6);
	return 0;
}

/* Installs nd->list's scan settings (and, when networks, its uncounted
 * networks) in the kernel. */
static int install_scan(struct net_detector *nd, int networks)
{
	char err[300];
	int r = net_watch_set_scan(nd->nw, &nd->list.scan, networks, err, sizeof(err));

	if (r)
		log_msg("error", "network detector: %s; the kernel keeps the previous scan "
			"settings", err);
	return r;
}

void net_detector_open(struct net_detector *nd, struct net_watch_opts *o, struct net_list *list,
		       struct action_ctx *act, struct policy *const *policy)
{
	nd->list = *list;
	memset(list, 0, sizeof(*list));
	nd->nr.act = act;
	nd->nr.policy = policy;
	nd->nr.list = &nd->list;
	if (nd->disabled) {
		strcpy(nd->why, "disabled (--disable network)");
		return;
	}
	o->cb = on_event;
	o->ctx = nd;
	nd->nw = net_watch_open(o, nd->why, sizeof(nd->why));
	if (!nd->nw) {
		nd->refused = 1;
		log_msg("error", "network detector unavailable: %s", nd->why);
		return;
	}
	snprintf(nd->why, sizeof(nd->why), "%s", net_watch_why(nd->nw));
	if (nd->why[0])
		log_msg("warning", "network detector: %s", nd->why);
	if (install(nd) || install_scan(nd, 1)) {
		/* nothing banned in the kernel: not running, whatever loaded */
		snprintf(nd->why, sizeof(nd->why), "the banned networks could not be loaded");
		nd->refused = 1;
		net_watch_close(nd->nw);
		nd->nw = NULL;
	}
}

void net_detector_set(struct net_detector *nd, struct net_list *list)
{
	int same = net_list_same(&nd->list, list);
	int same_uncounted = net_scan_same_networks(&nd->list.scan, &list->scan);
	struct net_list old = nd->list;

	nd->list = *list;
	memset(list, 0, sizeof(*list));
	if (!nd->nw)
		goto done;
	if (!same && install(nd))
		goto keep_old;  /* the kernel kept the old networks: so does user space */
	if (install_scan(nd, !same_uncounted)) {
		/* the new banned networks went in: put the old ones back, so
		 * that the kernel and user space hold one config */
		struct net_list fresh = nd->list;

		nd->list = old;
		if (!same)
			(void)install(nd);
		nd->list = fresh;
		goto keep_old;
	}
done:
	net_list_free(&old);
	return;
keep_old:
	net_list_free(&nd->list);
	nd->list = old;
}

const char *net_detector_variant(const struct net_detector *nd)
{
	if (nd->nw)
		return net_watch_variant(nd->nw);
	return nd->disabled ? "disabled" : "none";
}

void net_detector_close(struct net_detector *nd)
{
	net_watch_close(nd->nw);
	nd->nw = NULL;
	net_list_free(&nd->list);
}
