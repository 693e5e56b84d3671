/* SPDX-License-Identifier: BSD-2-Clause */
/* domain_hash.h - the seeded hash of a domain name's suffixes, as the DNS
 * check in the kernel and user space both compute it (shared, include-free).
 *
 * A name is hashed from its last byte to its first, so one backward pass
 * over "x.pool.example" yields, at each dot it reaches, the hash of the
 * suffix behind it: "example", then "pool.example", and at the first byte
 * the whole name. The kernel looks each of those up in a hash map of the
 * banned names' hashes: a banned name bans every name under it, and only
 * at label boundaries ("pool.example" bans "a.pool.example", never
 * "apool.example").
 *
 * The step is FNV-1a's, started from a random 64-bit seed drawn at each
 * daemon start: nobody outside the daemon knows which names collide with a
 * banned one. A collision can only make a name look banned (never the
 * reverse: a name's own hash is always found), and user space compares the
 * name itself before it reports anything (domain_list_match). */
#ifndef NOMINE_DOMAIN_HASH_H
#define NOMINE_DOMAIN_HASH_H

#define NM_DOMAIN_NAME_MAX 253      /* a name as text, without a trailing dot (RFC 1035) */
#define NM_DOMAIN_LABEL_MAX 63
#define NM_DOMAIN_WIRE_MAX 255      /* a QNAME on the wire: length bytes and the root's 0 */

/* Banned names the kernel's map holds at most. A hash map without
 * preallocation allocates per entry, so the bound costs nothing until
 * filled. */
#define NM_DOMAINS_MAX (1u << 20)

#define NM_DOMAIN_FNV_PRIME 0x100000001b3ULL

/* ASCII lowercase only: DNS compares names ASCII case-insensitively
 * (RFC 4343); other bytes stay as they are. */
static inline unsigned char nm_domain_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + ('a' - 'A')) : c;
}

/* The hash after one more byte (already lowercased), read from the end. */
static inline unsigned long long nm_domain_step(unsigned long long h, unsigned char c)
{
	return (h ^ c) * NM_DOMAIN_FNV_PRIME;
}

/* The hash of the len bytes at name (text, dots between labels, no
 * trailing dot), read from the last byte to the first, case folded. */
static inline unsigned long long nm_domain_hash(unsigned long long seed, const char *name,
						unsigned int len)
{
	unsigned long long h = seed;

	while (len > 0) {
		len--;
		h = nm_domain_step(h, nm_domain_lower((unsigned char)name[len]));
	}
	return h;
}

#endif
