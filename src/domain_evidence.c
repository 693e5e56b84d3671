/* SPDX-License-Identifier: BSD-2-Clause */
/* domain_evidence.c - a dropped DNS query as event fields. */
#include <stdio.h>
#include <string.h>
#include "domain_evidence.h"
#include "domain_hash.h"
#include "log.h"

int domain_evidence(json_t *o, const struct domain_list *l, const void *name, size_t len,
		    size_t cut)
{
	const char *q = name, *dot;
	const struct domain_entry *e;
	const char *shown;
	char at[4200];

	if (len > NM_DOMAIN_NAME_MAX)
		len = NM_DOMAIN_NAME_MAX;
	log_set_bytes(o, "query_name", name, len);
	if (cut) {
		/* the first label shown may be the end of a longer one */
		log_set_int(o, "query_name_cut", (long long)cut);
		dot = memchr(q, '.', len);
		len = dot ? len - (size_t)(dot + 1 - q) : 0;
		q = dot ? dot + 1 : q;
	}
	e = domain_list_match(l, q, len);
	if (!e)
		return 0;
	domain_entry_describe(e, &shown, at, sizeof(at));
	if (shown)
		log_set_str(o, "banned_domain", shown);
	log_set_str(o, "banned_domain_at", at);
	return 1;
}
