/* SPDX-License-Identifier: BSD-2-Clause */
/* domain_name.h - a banned domain name as a config writes it: checked and
 * made canonical (lowercase, no trailing dot). Pure: no I/O. */
#ifndef NOMINE_DOMAIN_NAME_H
#define NOMINE_DOMAIN_NAME_H

#include <stddef.h>
#include "domain_hash.h"

#define DOMAIN_REASON_MAX 200

/* Parses the n bytes at s ("pool.example", "Pool.Example.": one trailing
 * dot and any ASCII case accepted) into out (at least NM_DOMAIN_NAME_MAX + 1
 * bytes, NUL-terminated, lowercase, no trailing dot). Refused, with the
 * reason in why: an empty name or label, a label over 63 bytes, a name over
 * 253, a byte other than a letter, digit, '-' or '_', a '-' at either end of
 * a label, a single label (it would ban a whole top-level domain), a last
 * label of digits only (an IPv4 address: bannedAddresses takes those) and a
 * leading "*." (a name already bans every name under it; the wildcard would
 * read as if the name itself were not banned). Returns the length of out,
 * or -EINVAL. */
int domain_name_parse(const char *s, size_t n, char *out, char *why, size_t whylen);

/* 1 when name (canonical, as domain_name_parse makes it) is q (n bytes of
 * text, any case) or a name under it: q ends with name at a label
 * boundary. */
int domain_name_covers(const char *name, size_t namelen, const char *q, size_t n);

#endif
