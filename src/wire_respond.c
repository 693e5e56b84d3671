/* SPDX-License-Identifier: BSD-2-Clause */
/* wire_respond.c - a packet the packet program blocked, to action. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <stdio.h>
#include "domain_evidence.h"
#include "flag_respond.h"
#include "log.h"
#include "proc.h"
#include "sock_owner.h"
#include "wire_respond.h"

/* Bytes as text: printable ASCII as is, the rest as \xNN (a login line
 * may carry anything; the log stays valid UTF-8). */
static void escape(const unsigned char *b, size_t n, char *out, size_t outlen)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o + 5 < outlen; i++) {
		if (b[i] >= 0x20 && b[i] < 0x7f && b[i] != '\\')
			out[o++] = (char)b[i];
		else
			o += (size_t)snprintf(out + o, outlen - o, "\\x%02x", b[i]);
	}
	out[o] = 0;
}

json_t *wire_evidence(const struct nm_wire_event *ev)
{
	json_t *o = json_object(), *dst = json_object();
	char a[INET6_ADDRSTRLEN], text[NM_WIRE_EXCERPT * 4 + 1];
	size_t n = ev->excerpt_len < NM_WIRE_EXCERPT ? ev->excerpt_len : NM_WIRE_EXCERPT;

	log_set_str(o, "reason", net_reason_names[ev->reason == NM_WIRE_DOMAIN ? NET_R_DOMAIN :
						  NET_R_STRATUM]);
	if (!inet_ntop(ev->family == 4 ? AF_INET : AF_INET6, ev->addr, a, sizeof(a)))
		snprintf(a, sizeof(a), "?");
	log_set_str(dst, "address", a);
	log_set_int(dst, "port", ev->port);
	log_set_str(dst, "protocol", net_protocol_name(ev->protocol));
	json_object_set_new(dst, "v4_mapped", json_boolean(ev->flags & NM_WIRE_MAPPED));
	json_object_set_new(o, "destination", dst);
	escape(ev->excerpt, n, text, sizeof(text));
	log_set_str(o, "matched", text);
	log_set_int(o, "matched_at", ev->match_off);
	if ((ev->flags & NM_WIRE_SENDER) && ev->sender_tgid != ev->tgid) {
		json_t *s = json_object();
		char comm[sizeof(ev->sender_comm) + 1] = "";

		snprintf(comm, sizeof(comm), "%.*s", (int)sizeof(ev->sender_comm), ev->sender_comm);
		log_set_int(s, "pid", ev->sender_tgid);
		log_set_str(s, "comm", comm);
		json_object_set_new(o, "sender", s);
	}
	json_object_set_new(o, "dropped", json_boolean(ev->flags & NM_WIRE_DROPPED));
	json_object_set_new(o, "stopped_in_kernel", json_boolean(ev->flags & NM_WIRE_STOPPED));
	return o;
}

/* wire_evidence, whether the port is a pool port, and for a DNS query the
 * banned name that covers it (the kernel's excerpt is the name's end when
 * the name is longer; the program says how much it left out in
 * match_off). */
static json_t *evidence_of(const struct net_respond *r, const struct nm_wire_event *ev)
{
	json_t *o = wire_evidence(ev);
	size_t n = ev->excerpt_len < NM_WIRE_EXCERPT ? ev->excerpt_len : NM_WIRE_EXCERPT;

	if (ev->reason == NM_WIRE_DOMAIN)
		(void)domain_evidence(o, &r->list->domains, ev->excerpt, n, ev->match_off);
	/* a port says little alone: evidence beside the match (poolPorts) */
	if (net_scan_pool_port(&r->list->scan, ev->port))
		json_object_set_new(o, "pool_port", json_true());
	return o;
}

/* No process to act on: the kernel could not name the owner, or the owner
 * is gone. */
static void log_kernel_only(struct net_respond *r, const struct nm_wire_event *ev)
{
	json_t *o = evidence_of(r, ev);
	char comm[sizeof(ev->comm) + 1];

	log_set_str(o, "source", "network");
	log_set_int(o, "cgroup_id", (long long)ev->cgroup_id);
	log_set_int(o, "uid", ev->uid);
	if (ev->tgid) {
		snprintf(comm, sizeof(comm), "%.*s", (int)sizeof(ev->comm), ev->comm);
		log_set_int(o, "pid", ev->tgid);
		log_set_str(o, "comm", comm);
	}
	log_set_str(o, "action", r->act->audit ? "audit" : "dropped");
	log_emit_event(o, "info", ev->tgid ? "Blocked mining traffic of a process that is gone" :
		       "Blocked mining traffic");
}

/* A kernel that could not name the owner: the process of the socket's
 * cgroup that holds it (its still open: nothing was signalled). */
static pid_t owner_from_proc(const struct net_respond *r, const struct nm_wire_event *ev)
{
	struct sock_key k = { .family = ev->family, .mapped = !!(ev->flags & NM_WIRE_MAPPED),
			      .dport = ev->port, .sport = ev->sport };

	if (ev->protocol != IPPROTO_TCP || !r->cgroup_mount)
		return 0;
	memcpy(k.daddr, ev->addr, sizeof(k.daddr));
	return sock_owner_find(r->cgroup_mount, ev->cgroup_id, &k);
}

/* 1 when the process now at s->tgid started after the kernel recorded the
 * socket's owner: its pid was reused, it is not the owner. Pins s to the
 * process found (start_ticks), so that what follows acts on it only. */
static int pid_reused(struct subject *s, const struct nm_wire_event *ev)
{
	struct proc_stat st;

	if (proc_read_stat(s->tgid, &st))
		return 0;       /* gone: flag_respond says so */
	if (ev->owner_since_ns && s->tgid == (pid_t)ev->tgid &&
	    st.start_ticks > proc_ns_to_ticks(ev->owner_since_ns))
		return 1;
	s->start_ticks = st.start_ticks;
	return 0;
}

/* A resolver in scope (it serves port 53) forwarding a banned name it was
 * asked: its query was dropped, it is reported and left running (a banned
 * name must not be a way to kill the cluster's DNS). */
static void log_resolver(struct net_respond *r, const struct nm_wire_event *ev,
			 const struct subject *s)
{
	json_t *o = evidence_of(r, ev);
	char comm[sizeof(ev->comm) + 1];

	snprintf(comm, sizeof(comm), "%.*s", (int)sizeof(ev->comm), ev->comm);
	log_set_str(o, "source", "network");
	log_set_int(o, "pid", s->tgid);
	log_set_str(o, "comm", comm);
	log_set_int(o, "cgroup_id", (long long)ev->cgroup_id);
	json_object_set_new(o, "resolver", json_true());
	log_set_str(o, "action", r->act->audit ? "audit" : "dropped");
	log_emit_event(o, "info", "Dropped a resolver's query for a banned name");
}

void wire_respond(struct net_respond *r, const struct nm_wire_event *ev)
{
	struct subject s = { .tgid = (pid_t)ev->tgid, .source = "network", .in_scope = -1,
			     .seen_ns = flag_boot_to_monotonic(ev->ts_ns),
			     .cgroup_id = ev->cgroup_id };
	json_t *evidence;

	r->by_reason[ev->reason == NM_WIRE_DOMAIN ? NET_R_DOMAIN : NET_R_STRATUM]++;
	/* as for a refused connect: the cgroup's class for its next packet */
	action_classify_cgroup(r->act, ev->cgroup_id);
	if (!s.tgid)
		s.tgid = owner_from_proc(r, ev);
	/* a process the kernel stopped is answered every time: a repeat left
	 * unanswered would leave a spared one stopped for good */
	if (s.tgid && !(ev->flags & NM_WIRE_STOPPED) &&
	    net_respond_repeated(r, (uint32_t)s.tgid, ev->ts_ns)) {
		r->repeats++;
		return;
	}
	if (!s.tgid || pid_reused(&s, ev)) {
		log_kernel_only(r, ev);
		return;
	}
	if (ev->reason == NM_WIRE_DOMAIN && sock_owner_serves(s.tgid, 53)) {
		log_resolver(r, ev, &s);
		return;
	}
	evidence = evidence_of(r, ev);
	if (!ev->tgid)
		log_set_str(evidence, "owner_from", "proc");   /* not the kernel's record */
	if (flag_respond(r->act, *r->policy, &s, evidence, 0) == -ESRCH) {
		log_kernel_only(r, ev);
		return;
	}
	/* stopped by the program and still there: spared (an allow pattern,
	 * allowedExecutables, an exempt container), or the kill was refused */
	if (ev->flags & NM_WIRE_STOPPED)
		action_resume(r->act, &s);
}
