/* SPDX-License-Identifier: BSD-2-Clause */
/* dns_probe.h - what the test program dns_probe.bpf.c reports of a hit, as
 * it and its test both see it (shared, include-free). */
#ifndef NOMINE_DNS_PROBE_H
#define NOMINE_DNS_PROBE_H

#include "domain_hash.h"

struct dns_probe_result {
	unsigned int len;
	unsigned int entry;
	unsigned char name[NM_DOMAIN_WIRE_MAX + 1];
};

#endif
