/* SPDX-License-Identifier: BSD-2-Clause */
/* domain_name.c - a banned domain name checked and made canonical. */
#include <errno.h>
#include <stdio.h>
#include "domain_name.h"

static int name_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* Checks one label (the n bytes at s, lowercased); 0 or -EINVAL with why. */
static int check_label(const char *s, size_t n, char *why, size_t whylen)
{
	if (n == 0) {
		snprintf(why, whylen, "empty label (two dots in a row, or a leading dot)");
		return -EINVAL;
	}
	if (n > NM_DOMAIN_LABEL_MAX) {
		snprintf(why, whylen, "label of %zu bytes (at most %d)", n, NM_DOMAIN_LABEL_MAX);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		if (!name_byte((unsigned char)s[i])) {
			unsigned char c = (unsigned char)s[i];

			if (c > 0x20 && c < 0x7f)
				snprintf(why, whylen, "'%c' in a name (letters, digits, '-' and '_' only)",
					 c);
			else
				snprintf(why, whylen, "byte 0x%02x in a name (letters, digits, '-' and "
					 "'_' only)", c);
			return -EINVAL;
		}
	}
	if (s[0] == '-' || s[n - 1] == '-') {
		snprintf(why, whylen, "label \"%.*s\" starts or ends with '-'", (int)n, s);
		return -EINVAL;
	}
	return 0;
}

int domain_name_parse(const char *s, size_t n, char *out, char *why, size_t whylen)
{
	size_t start = 0, labels = 0, last = 0;
	int digits = 1;

	if (n >= 2 && s[0] == '*' && s[1] == '.') {
		snprintf(why, whylen, "a leading \"*.\" is not needed: a name bans every name under "
			 "it (write \"%.*s\")", (int)(n - 2 < 100 ? n - 2 : 100), s + 2);
		return -EINVAL;
	}
	if (n > 0 && s[n - 1] == '.')
		n--;            /* the root's dot: "pool.example." is "pool.example" */
	if (n == 0) {
		snprintf(why, whylen, "empty name");
		return -EINVAL;
	}
	if (n > NM_DOMAIN_NAME_MAX) {
		snprintf(why, whylen, "name of %zu bytes (at most %d)", n, NM_DOMAIN_NAME_MAX);
		return -EINVAL;
	}
	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '.') {
			out[i] = (char)nm_domain_lower((unsigned char)s[i]);
			continue;
		}
		if (check_label(out + start, i - start, why, whylen))
			return -EINVAL;
		out[i] = '.';
		labels++;
		last = start;
		start = i + 1;
	}
	out[n] = '\0';
	if (labels < 2) {
		snprintf(why, whylen, "a single label would ban a whole top-level domain");
		return -EINVAL;
	}
	for (size_t i = last; i < n; i++)
		digits &= out[i] >= '0' && out[i] <= '9';
	if (digits) {
		snprintf(why, whylen, "an IPv4 address, not a name (bannedAddresses takes those)");
		return -EINVAL;
	}
	return (int)n;
}

int domain_name_covers(const char *name, size_t namelen, const char *q, size_t n)
{
	size_t at;

	if (n < namelen || namelen == 0)
		return 0;
	at = n - namelen;
	if (at > 0 && q[at - 1] != '.')
		return 0;
	for (size_t i = 0; i < namelen; i++)
		if (nm_domain_lower((unsigned char)q[at + i]) != (unsigned char)name[i])
			return 0;
	return 1;
}
