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

json_t *net_evidence(const struct nm_net_event *ev, const struct net_list *l)
{
	json_t *o = json_object(), *dst = json_object();
	const struct net_entry *e = net_list_match(l, ev->family, ev->addr);
	char a[INET6_ADDRSTRLEN], text[NET_TEXT_MAX], at[4200];

	if (!inet_ntop(ev->family == 4 ? AF_INET : AF_INET6, ev->addr, a, sizeof(a)))
		snprintf(a, sizeof(a), "?");
	log_set_str(dst, "address", a);
	log_set_int(dst, "port", ev->port);
	log_set_str(dst, "protocol", net_protocol_name(ev->protocol));
	log_set_str(dst, "call", ev->op == NM_NET_SENDMSG ? "sendmsg" : "connect");
	if (ev->flags & NM_NET_MAPPED)
		json_object_set_new(dst, "v4_mapped", json_true());
	json_object_set_new(o, "destination", dst);
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
	log_set_str(o, "action", r->act->audit ? "audit" : "refused");
	log_emit_event(o, "info", "Refused a call to a banned address");
}

void net_respond(struct net_respond *r, const struct nm_net_event *ev)
{
	struct subject s = { .tgid = (pid_t)ev->tgid, .source = "network", .in_scope = -1,
			     .seen_ns = flag_boot_to_monotonic(ev->ts_ns),
			     .cgroup_id = ev->cgroup_id };

	if (net_respond_repeated(r, ev->tgid, ev->ts_ns)) {
		r->repeats++;
		return;
	}
	if (!ev->tgid) {
		log_unattributed(r, ev);
		return;
	}
	/* gone already (it may have exited on EPERM): nothing left to do */
	(void)flag_respond(r->act, *r->policy, &s, net_evidence(ev, r->list), 0);
}
