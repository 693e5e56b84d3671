/* SPDX-License-Identifier: BSD-2-Clause */
/* net_respond.c - a refused call to a banned address, to action. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include "flag_respond.h"
#include "log.h"
#include "net_respond.h"

const char *net_protocol_name(uint32_t p)
{
	return p == IPPROTO_TCP ? "tcp" : p == IPPROTO_UDP ? "udp" : "other";
}

const char *const net_reason_names[NET_REASONS] = {
	"banned_address", "pool_port", "scan", "stratum", "domain",
};

static enum net_reason reason_of(const struct nm_net_event *ev)
{
	if (ev->flags & NM_NET_SCAN)
		return NET_R_SCAN;
	if (ev->flags & NM_NET_BANNED)
		return NET_R_BANNED_ADDRESS;
	return ev->flags & NM_NET_POOL_PORT ? NET_R_POOL_PORT : NET_R_BANNED_ADDRESS;
}

/* "198.51.100.7:3333", "[2001:db8::1]:3333" */
static void dest_text(const struct nm_net_dest *d, char *out, size_t outlen)
{
	char a[INET6_ADDRSTRLEN];

	if (!inet_ntop(d->family == 4 ? AF_INET : AF_INET6, d->addr, a, sizeof(a)))
		snprintf(a, sizeof(a), "?");
	snprintf(out, outlen, d->family == 4 ? "%s:%u" : "[%s]:%u", a, d->port);
}

/* A scan's numbers and its last destinations (newest first). */
static json_t *scan_evidence(const struct nm_net_event *ev)
{
	json_t *o = json_object(), *dsts = json_array();
	char text[INET6_ADDRSTRLEN + 16];

	log_set_int(o, "unique_destinations", ev->count);
	log_set_int(o, "threshold", ev->threshold);
	json_object_set_new(o, "lookback_seconds", json_real(ev->window_ms / 1000.0));
	json_object_set_new(o, "within_seconds", json_real(ev->span_ms / 1000.0));
	for (unsigned int i = 0; i < NM_SCAN_RECENT && i < ev->count; i++) {
		if (ev->recent[i].family != 4 && ev->recent[i].family != 6)
			break;
		dest_text(&ev->recent[i], text, sizeof(text));
		json_array_append_new(dsts, json_string(text));
	}
	json_object_set_new(o, "last_destinations", dsts);
	return o;
}

json_t *net_evidence(const struct nm_net_event *ev, const struct net_list *l)
{
	json_t *o = json_object(), *dst = json_object();
	const struct net_entry *e = ev->flags & NM_NET_SCAN ? NULL :
				    net_list_match(l, ev->family, ev->addr);
	char a[INET6_ADDRSTRLEN], text[NET_TEXT_MAX], at[4200];

	log_set_str(o, "reason", net_reason_names[reason_of(ev)]);
	if (!inet_ntop(ev->family == 4 ? AF_INET : AF_INET6, ev->addr, a, sizeof(a)))
		snprintf(a, sizeof(a), "?");
	log_set_str(dst, "address", a);
	log_set_int(dst, "port", ev->port);
	log_set_str(dst, "protocol", net_protocol_name(ev->protocol));
	log_set_str(dst, "call", ev->op == NM_NET_SENDMSG ? "sendmsg" : "connect");
	if (ev->flags & NM_NET_MAPPED)
		json_object_set_new(dst, "v4_mapped", json_true());
	json_object_set_new(o, "destination", dst);
	if (ev->flags & NM_NET_POOL_PORT)
		json_object_set_new(o, "pool_port", json_true());
	if (ev->flags & NM_NET_SCAN)
		json_object_set_new(o, "scan", scan_evidence(ev));
	/* a reload between the call and now may have dropped the network */
	if (e) {
		if (!e->secret)
			log_set_str(o, "banned_address", net_prefix_text(&e->p, text, sizeof(text)));
		snprintf(at, sizeof(at), "%s:%d", e->file, e->line);
		log_set_str(o, "banned_address_at", at);
	}
	json_object_set_new(o, "call_refused", json_boolean(ev->flags & NM_NET_DENIED));
	return o;
}

int net_respond_repeated(struct net_respond *r, uint32_t tgid, uint64_t ts_ns)
{
	for (unsigned int i = 0; i < NM_NET_RECENT; i++)
		if (r->recent[i].tgid == tgid &&
		    ts_ns - r->recent[i].ts_ns < NM_NET_REPEAT_MS * 1000000ull)
			return 1;
	r->recent[r->next].tgid = tgid;
	r->recent[r->next].ts_ns = ts_ns;
	r->next = (r->next + 1) % NM_NET_RECENT;
	return 0;
}

/* The connect-deny variant: the call was refused, nobody can be named. */
static void log_unattributed(struct net_respond *r, const struct nm_net_event *ev)
{
	json_t *o = net_evidence(ev, r->list);

	log_set_str(o, "source", "network");
	log_set_int(o, "cgroup_id", (long long)ev->cgroup_id);
	log_set_int(o, "uid", ev->uid);
	log_set_str(o, "action", r->act->audit ? "audit" :
				 ev->flags & NM_NET_DENIED ? "refused" : "spared");
	log_emit_event(o, "info", "Refused a call to a banned address");
}

void net_respond(struct net_respond *r, const struct nm_net_event *ev)
{
	struct subject s = { .tgid = (pid_t)ev->tgid, .source = "network", .in_scope = -1,
			     .seen_ns = flag_boot_to_monotonic(ev->ts_ns),
			     .cgroup_id = ev->cgroup_id };

	/* a scan is killed only when uniqueDestinationsAction says so */
	s.report_only = (ev->flags & NM_NET_SCAN) && !r->list->scan.kill;
	r->by_reason[reason_of(ev)]++;

	/* the kernel sends a scan once per burst already */
	/* without a process (connect-deny) every event has tgid 0: none is
	 * another's repeat */
	if (ev->tgid && !(ev->flags & NM_NET_SCAN) &&
	    net_respond_repeated(r, ev->tgid, ev->ts_ns)) {
		r->repeats++;
		return;
	}
	/* a caller of a cgroup the kernel could not class was refused: class
	 * it now, by id (the caller may have exited on EPERM already), so the
	 * next call of an exempt container goes through */
	action_classify_cgroup(r->act, ev->cgroup_id);
	if (!ev->tgid) {
		log_unattributed(r, ev);
		return;
	}
	/* gone already (it may have exited on EPERM): nothing left to do */
	(void)flag_respond(r->act, *r->policy, &s, net_evidence(ev, r->list), 0);
}
