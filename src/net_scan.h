/* SPDX-License-Identifier: BSD-2-Clause */
/* net_scan.h - the network detector's scan and pool-port settings of a
 * config: the threshold, window and action of scan detection, the networks
 * a scan does not count, the pool ports and whether they are banned. */
#ifndef NOMINE_NET_SCAN_H
#define NOMINE_NET_SCAN_H

#include <stddef.h>
#include <stdint.h>
#include "config.h"
#include "net_addr.h"

struct net_scan {
	unsigned int threshold;         /* uniqueDestinationsThreshold; 0: off */
	unsigned int window_ms;         /* lookbackSeconds */
	int kill;                       /* uniqueDestinationsAction is "kill" */
	int ban_pool_ports;             /* banPoolPorts */
	uint8_t pool_ports[65536 / 8];  /* bitmap of poolPorts */
	size_t npool_ports;             /* distinct ports in it */
	struct net_prefix *uncounted;   /* uncountedNetworks (or the default), both families */
	size_t nuncounted;
	int uncounted_default;          /* no file set uncountedNetworks */
};

/* Builds the settings of cfg into *s. A file that sets uncountedNetworks
 * or poolPorts (even to []) replaces that list's default. Returns 0, or a
 * negative errno with "file:line: reason" in err (-EINVAL, -ENOMEM). */
int net_scan_build(struct net_scan *s, const struct config *cfg, char *err, size_t errlen);

void net_scan_free(struct net_scan *s);

/* 1 when port is one of s's pool ports. */
int net_scan_pool_port(const struct net_scan *s, unsigned int port);

/* 1 when a and b hold the same uncounted networks in the same order. */
int net_scan_same_networks(const struct net_scan *a, const struct net_scan *b);

#endif
