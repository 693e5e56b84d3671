/* SPDX-License-Identifier: BSD-2-Clause */
/* net_detector.c - the network detector's list, kernel side and response, together. */
#include <string.h>
#include <time.h>
#include "log.h"
#include "net_detector.h"
#include "policy.h"
#include "wire_respond.h"

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

static void on_wire(const struct nm_wire_event *ev, void *ctx)
{
	struct net_detector *nd = ctx;

	wire_respond(&nd->nr, ev);
}

static int stratum_on(const struct net_detector *nd)
{
	return config_bool(policy_config(*nd->nr.policy), "stratumDetection");
}

/* The packet program beside the connect programs; a kernel that refuses
 * it keeps the connect checks, said in one line. */
static void open_wire(struct net_detector *nd, const struct net_watch_opts *o,
		      const struct wire_watch_opts *test)
{
	struct wire_watch_opts wo = {
		.mount = o->mount, .scopes = o->scopes, .nscopes = o->nscopes,
		.audit = o->audit, .stratum = stratum_on(nd), .cb = on_wire, .ctx = nd,
		.no_signal = test && test->no_signal, .no_task = test && test->no_task,
		.exempt_class_fd = o->exempt_class_fd, .exempt_cfg_fd = o->exempt_cfg_fd,
	};

	nd->ww = wire_watch_open(&wo, nd->wire_why, sizeof(nd->wire_why));
	if (!nd->ww) {
		log_msg("warning", "network detector: no Stratum or DNS check on the wire, the "
			"connect checks stay: %s", nd->wire_why);
		return;
	}
	snprintf(nd->wire_why, sizeof(nd->wire_why), "%s", wire_watch_why(nd->ww));
	if (nd->wire_why[0])
		log_msg("warning", "network detector: %s", nd->wire_why);
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

/* Installs nd->list's banned domains in the packet program, logged. */
static int install_domains(struct net_detector *nd)
{
	char err[300];
	int r;

	if (!nd->ww)
		return 0;
	r = wire_watch_set_domains(nd->ww, &nd->list.domains, err, sizeof(err));
	if (r)
		log_msg("error", "network detector: %s; the kernel keeps the previous domains", err);
	return r;
}

static void open_parts(struct net_detector *nd, struct net_watch_opts *o,
		       const struct wire_watch_opts *wo)
{
	if (nd->disabled) {
		strcpy(nd->why, "disabled (--disable network)");
		return;
	}
	if (!o->mount || !o->mount[0]) {
		/* cgroup socket programs attach to cgroup v2 directories */
		strcpy(nd->why, "no cgroup v2 mount on this host");
		log_msg("error", "network detector unavailable: %s", nd->why);
		return;
	}
	o->cb = on_event;
	o->ctx = nd;
	open_wire(nd, o, wo);
	if (nd->ww && install_domains(nd))
		snprintf(nd->wire_why, sizeof(nd->wire_why), "the banned domains could not be "
			 "loaded: no DNS check");
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
	int same_domains = domain_list_same(&nd->list.domains, &list->domains);
	struct net_list old = nd->list;
	struct domain_list keep;

	nd->list = *list;
	memset(list, 0, sizeof(*list));
	if (nd->ww && wire_watch_set_stratum(nd->ww, stratum_on(nd)))
		log_msg("error", "network detector: failed to set stratumDetection in the kernel");
	if (!same_domains && install_domains(nd)) {
		/* the kernel kept the old names: so does user space */
		keep = nd->list.domains;
		nd->list.domains = old.domains;
		old.domains = keep;
	}
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
	/* the domains in the kernel are the new ones (or, refused, the old
	 * ones already swapped back): keep them with the old networks */
	keep = nd->list.domains;
	nd->list.domains = old.domains;
	old.domains = keep;
	net_list_free(&nd->list);
	nd->list = old;
}

void net_detector_open(struct net_detector *nd, struct net_watch_opts *o, struct net_list *list,
		       struct action_ctx *act, struct policy *const *policy,
		       const struct wire_watch_opts *wo)
{
	nd->list = *list;
	memset(list, 0, sizeof(*list));
	nd->nr.act = act;
	nd->nr.policy = policy;
	nd->nr.list = &nd->list;
	nd->nr.cgroup_mount = o->mount;
	open_parts(nd, o, wo);
	if (nd->wire_why[0] && nd->why[0])
		snprintf(nd->why + strlen(nd->why), sizeof(nd->why) - strlen(nd->why),
			 "; %.300s", nd->wire_why);
	else if (nd->wire_why[0])
		snprintf(nd->why, sizeof(nd->why), "%.600s", nd->wire_why);
	if (!nd->nw && !nd->ww)
		snprintf(nd->variant, sizeof(nd->variant), "%s", nd->disabled ? "disabled" : "none");
	else
		snprintf(nd->variant, sizeof(nd->variant), "%s%s%s",
			 nd->nw ? net_watch_variant(nd->nw) : "", nd->nw && nd->ww ? "+" : "",
			 nd->ww ? wire_watch_variant(nd->ww) : "");
}

const char *net_detector_variant(const struct net_detector *nd)
{
	return nd->variant[0] ? nd->variant : "none";
}

void net_detector_close(struct net_detector *nd)
{
	net_watch_close(nd->nw);
	nd->nw = NULL;
	wire_watch_close(nd->ww);
	nd->ww = NULL;
	net_list_free(&nd->list);
}
