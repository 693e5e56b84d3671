/* SPDX-License-Identifier: BSD-2-Clause */
/* net_addr.h - banned addresses as text: one IPv4 or IPv6 address or CIDR,
 * and the lines of an address file (cryptnono's banned_ipv4_file_globs
 * shape: one a line, '#' comments, blank lines). Pure: no I/O. */
#ifndef NOMINE_NET_ADDR_H
#define NOMINE_NET_ADDR_H

#include <stddef.h>
#include <stdint.h>

/* A network: family 4 or 6, its first addr bytes (4 or 16, network order),
 * the prefix length in bits. A v4-mapped IPv6 network (::ffff:0:0/96 and
 * longer) is kept as the IPv4 network it maps: the kernel checks an IPv6
 * socket's v4-mapped destination against the IPv4 list. */
struct net_prefix {
	uint8_t family;
	uint8_t len;
	uint8_t addr[16];
};

#define NET_REASON_MAX 200

/* Parses the n bytes at s: "198.51.100.7", "198.51.100.0/24",
 * "2001:db8::1", "2001:db8::/32", "::ffff:198.51.100.7". Decimal dotted
 * quads only (no leading zeros, no shorthand: inet_aton's "10.1" would ban
 * 10.0.0.1), a prefix length in plain decimal within the family's bits, no
 * host bits set past the prefix (198.51.100.1/24 is a typo of
 * 198.51.100.0/24 or of .../32). Returns 0, or -EINVAL with the reason in
 * why. */
int net_addr_parse(const char *s, size_t n, struct net_prefix *out, char *why, size_t whylen);

/* One line of an address file (without its newline): 1 with *out set for
 * an address or CIDR (surrounding spaces and tabs, and a trailing
 * "# comment", allowed), 0 for a blank or comment-only line, -EINVAL with
 * why for anything else. */
int net_addr_line(const char *s, size_t n, struct net_prefix *out, char *why, size_t whylen);

/* 1 when addr (4 or 16 bytes, by p->family) lies in p. */
int net_prefix_contains(const struct net_prefix *p, const uint8_t *addr);

/* Writes p as text ("198.51.100.0/24", a single address without "/32" or
 * "/128") into out (at least NET_TEXT_MAX bytes). */
#define NET_TEXT_MAX 64
const char *net_prefix_text(const struct net_prefix *p, char *out, size_t outlen);

#endif
