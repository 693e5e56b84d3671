/* SPDX-License-Identifier: BSD-2-Clause */
/* domain_evidence.c - a dropped DNS query as event fields. */
#include <stdio.h>
#include "domain_evidence.h"
#include "domain_hash.h"
#include "log.h"

int domain_evidence(json_t *o, const struct domain_list *l, const void *name, size_t len)
{
	const struct domain_entry *e;
	const char *shown;
	char at[4200];

	if (len > NM_DOMAIN_NAME_MAX)
		len = NM_DOMAIN_NAME_MAX;
	log_set_bytes(o, "query_name", name, len);
	e = domain_list_match(l, name, len);
	if (!e)
		return 0;
	domain_entry_describe(e, &shown, at, sizeof(at));
	if (shown)
		log_set_str(o, "banned_domain", shown);
	log_set_str(o, "banned_domain_at", at);
	return 1;
}
