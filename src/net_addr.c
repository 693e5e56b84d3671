/* SPDX-License-Identifier: BSD-2-Clause */
/* net_addr.c - one banned address or CIDR from text, and address-file lines. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "net_addr.h"

__attribute__((format(printf, 3, 4)))
static int fail(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why && whylen) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* The input, printable and cut, for a reason. */
static const char *shown(char *dst, size_t dstlen, const char *s, size_t n)
{
	size_t o = 0, i;

	for (i = 0; i < n && o + 4 < dstlen; i++)
		dst[o++] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	if (i < n) {            /* o + 4 >= dstlen only once, so 3 bytes fit */
		memcpy(dst + o, "...", 3);
		o += 3;
	}
	dst[o] = '\0';
	return dst;
}

/* Plain decimal 0..max, no sign, no leading zero: -1 otherwise. */
static int prefix_len(const char *s, size_t n, int max)
{
	int v = 0;

	if (n == 0 || n > 3 || (n > 1 && s[0] == '0'))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v <= max ? v : -1;
}

static int host_bits_set(const uint8_t *a, int bytes, int len)
{
	for (int bit = len; bit < bytes * 8; bit++)
		if (a[bit / 8] & (0x80 >> (bit % 8)))
			return 1;
	return 0;
}

static const uint8_t v4_mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

int net_addr_parse(const char *s, size_t n, struct net_prefix *out, char *why, size_t whylen)
{
	char buf[INET6_ADDRSTRLEN + 8], q[80];
	const char *slash = memchr(s, '/', n);
	size_t alen = slash ? (size_t)(slash - s) : n;
	int v6, max, len, bytes;

	memset(out, 0, sizeof(*out));
	if (n == 0)
		return fail(why, whylen, "empty address");
	if (memchr(s, '\0', n))
		return fail(why, whylen, "address contains a NUL byte");
	if (alen == 0 || alen >= INET6_ADDRSTRLEN)
		return fail(why, whylen, "not an IPv4 or IPv6 address: \"%s\"",
			    shown(q, sizeof(q), s, n));
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	v6 = memchr(buf, ':', alen) != NULL;
	if (inet_pton(v6 ? AF_INET6 : AF_INET, buf, out->addr) != 1)
		return fail(why, whylen, "not an IPv%d address: \"%s\"%s", v6 ? 6 : 4,
			    shown(q, sizeof(q), s, alen),
			    v6 ? "" : " (four decimal numbers 0..255, no leading zeros)");
	max = v6 ? 128 : 32;
	len = max;
	if (slash) {
		len = prefix_len(slash + 1, n - alen - 1, max);
		if (len < 0)
			return fail(why, whylen, "prefix length must be a decimal 0..%d, got \"%s\"",
				    max, shown(q, sizeof(q), slash + 1, n - alen - 1));
	}
	bytes = v6 ? 16 : 4;
	if (host_bits_set(out->addr, bytes, len))
		return fail(why, whylen, "\"%s\" has bits set past its /%d prefix (a network "
			    "starts at its first address)", shown(q, sizeof(q), s, n), len);
	out->family = v6 ? 6 : 4;
	out->len = (uint8_t)len;
	if (v6 && len >= 96 && !memcmp(out->addr, v4_mapped, 12)) {
		memmove(out->addr, out->addr + 12, 4);
		memset(out->addr + 4, 0, 12);
		out->family = 4;
		out->len = (uint8_t)(len - 96);
	}
	return 0;
}

static int blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

int net_addr_line(const char *s, size_t n, struct net_prefix *out, char *why, size_t whylen)
{
	const char *hash = memchr(s, '#', n);
	size_t b = 0, e = hash ? (size_t)(hash - s) : n;
	int rc;

	while (b < e && blank(s[b]))
		b++;
	while (e > b && blank(s[e - 1]))
		e--;
	if (b == e)
		return 0;
	rc = net_addr_parse(s + b, e - b, out, why, whylen);
	return rc ? rc : 1;
}

int net_prefix_contains(const struct net_prefix *p, const uint8_t *addr)
{
	int full = p->len / 8, rest = p->len % 8;

	if (memcmp(p->addr, addr, (size_t)full))
		return 0;
	if (!rest)
		return 1;
	return ((p->addr[full] ^ addr[full]) & (0xff00 >> rest)) == 0;
}

const char *net_prefix_text(const struct net_prefix *p, char *out, size_t outlen)
{
	char a[INET6_ADDRSTRLEN];
	int full = p->family == 4 ? 32 : 128;

	if (!inet_ntop(p->family == 4 ? AF_INET : AF_INET6, p->addr, a, sizeof(a)))
		snprintf(a, sizeof(a), "?");
	if (p->len == full)
		snprintf(out, outlen, "%s", a);
	else
		snprintf(out, outlen, "%s/%u", a, p->len);
	return out;
}
