/* SPDX-License-Identifier: BSD-2-Clause */
/* net_scan.c - a config's scan-detection and pool-port settings, with their defaults. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "net_scan.h"

/* Networks no public pool or scan target lives in: private (RFC 1918),
 * carrier-grade NAT (RFC 6598), loopback, link-local, "this network"
 * (RFC 1122), unique-local (RFC 4193), IPv6 link-local, loopback and
 * unspecified. A cluster's pod and service ranges are usually inside the
 * private ones; operators list theirs when they are not. */
static const char *const default_uncounted[] = {
	"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8",
	"169.254.0.0/16", "0.0.0.0/8", "fc00::/7", "fe80::/10", "::1", "::",
};

/* Falco's "common miner pool ports" list (falcosecurity/rules, rule
 * "Detect outbound connections to common miner pool ports"), without the
 * ports everyday services use (25 SMTP; 8000, 8001, 8008, 8080, 8888, 8899
 * HTTP and Jupyter; 8118 Privoxy; 8333 Bitcoin's peer-to-peer port; 9332;
 * 9999): see docs/default-config.md. */
static const unsigned short default_pool_ports[] = {
	3333, 3334, 3335, 3336, 3357, 4444, 5555, 5556, 5588, 5730, 6099, 6666, 7777, 7778,
	14433, 14444, 45560, 45700,
};

static int add_net(struct net_scan *s, const char *text, const char *file, int line, char *err,
		   size_t errlen)
{
	char why[NET_REASON_MAX];
	struct net_prefix *m;

	if ((s->nuncounted & (s->nuncounted + 1)) == 0) {      /* 0, 1, 3, 7, ...: grow */
		m = realloc(s->uncounted, (s->nuncounted + 1) * 2 * sizeof(*m));
		if (!m) {
			snprintf(err, errlen, "%s:%d: out of memory", file, line);
			return -ENOMEM;
		}
		s->uncounted = m;
	}
	if (net_addr_parse(text, strlen(text), &s->uncounted[s->nuncounted], why, sizeof(why))) {
		snprintf(err, errlen, "%s:%d: uncountedNetworks: %s", file, line, why);
		return -EINVAL;
	}
	s->nuncounted++;
	return 0;
}

static void add_port(struct net_scan *s, unsigned int port)
{
	if (port && port < 65536 && !net_scan_pool_port(s, port)) {
		s->pool_ports[port >> 3] |= (uint8_t)(1u << (port & 7));
		s->npool_ports++;
	}
}

static int build_lists(struct net_scan *s, const struct config *cfg, char *err, size_t errlen)
{
	const struct config_name *n = cfg->names[CONFIG_UNCOUNTED_NETS];
	int rc = 0;

	s->uncounted_default = !cfg->names_set[CONFIG_UNCOUNTED_NETS];
	if (s->uncounted_default) {
		for (size_t i = 0; !rc && i < sizeof(default_uncounted) / sizeof(*default_uncounted); i++)
			rc = add_net(s, default_uncounted[i], CONFIG_BUILTIN_NAME, 0, err, errlen);
	}
	/* the config validated these already */
	for (size_t i = 0; !rc && i < cfg->nnames[CONFIG_UNCOUNTED_NETS]; i++)
		rc = add_net(s, n[i].name, n[i].at.file, n[i].at.line, err, errlen);
	if (!cfg->names_set[CONFIG_POOL_PORTS]) {
		for (size_t i = 0; i < sizeof(default_pool_ports) / sizeof(*default_pool_ports); i++)
			add_port(s, default_pool_ports[i]);
	}
	for (size_t i = 0; i < cfg->nnames[CONFIG_POOL_PORTS]; i++)
		add_port(s, (unsigned int)strtoul(cfg->names[CONFIG_POOL_PORTS][i].name, NULL, 10));
	return rc;
}

int net_scan_build(struct net_scan *s, const struct config *cfg, char *err, size_t errlen)
{
	const char *action = config_choice(cfg, "uniqueDestinationsAction");
	int rc;

	memset(s, 0, sizeof(*s));
	s->threshold = (unsigned int)config_number(cfg, "uniqueDestinationsThreshold");
	s->window_ms = (unsigned int)(config_number(cfg, "lookbackSeconds") * 1000.0 + 0.5);
	s->kill = action && !strcmp(action, "kill");
	s->ban_pool_ports = config_bool(cfg, "banPoolPorts");
	rc = build_lists(s, cfg, err, errlen);
	if (rc)
		net_scan_free(s);
	return rc;
}

void net_scan_free(struct net_scan *s)
{
	free(s->uncounted);
	s->uncounted = NULL;
	s->nuncounted = 0;
}

int net_scan_pool_port(const struct net_scan *s, unsigned int port)
{
	return port < 65536 && (s->pool_ports[port >> 3] & (1u << (port & 7)));
}

int net_scan_same_networks(const struct net_scan *a, const struct net_scan *b)
{
	if (a->nuncounted != b->nuncounted)
		return 0;
	for (size_t i = 0; i < a->nuncounted; i++)
		if (a->uncounted[i].family != b->uncounted[i].family ||
		    a->uncounted[i].len != b->uncounted[i].len ||
		    memcmp(a->uncounted[i].addr, b->uncounted[i].addr, 16))
			return 0;
	return 1;
}
