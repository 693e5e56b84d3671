/* SPDX-License-Identifier: BSD-2-Clause */
/* domain_map.h - the banned domains as the kernel's DNS check holds them
 * (dns.bpf.h): a hash map of the names' seeded hashes, swapped whole into
 * a one-slot outer map. */
#ifndef NOMINE_DOMAIN_MAP_H
#define NOMINE_DOMAIN_MAP_H

#include <stddef.h>
#include <stdint.h>
#include "domain_list.h"

/* A random seed for the hashes (getrandom), drawn once per daemon start
 * and given to the program before load (its domain_seed). Cannot fail: a
 * getrandom that does not answer falls back to the clock and the pid,
 * which still differ per start. */
uint64_t domain_map_seed(void);

/* Makes l the banned names of the program whose banned_domains map is
 * outer: a new hash map of l's hashes under seed, filled before it is put
 * in the slot with one update (an empty list empties the slot). Returns 0
 * or a negative errno with a reason in err; a failure keeps the old
 * names. */
int domain_map_install(int outer, const struct domain_list *l, uint64_t seed, char *err,
		       size_t errlen);

#endif
