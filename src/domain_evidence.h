/* SPDX-License-Identifier: BSD-2-Clause */
/* domain_evidence.h - what an event says about a dropped DNS query: the
 * name asked for and the banned entry that covers it. */
#ifndef NOMINE_DOMAIN_EVIDENCE_H
#define NOMINE_DOMAIN_EVIDENCE_H

#include <stddef.h>
#include <jansson.h>
#include "domain_list.h"

/* Sets in o: "query_name" (the len bytes at name, as the kernel read them:
 * lowercase text, any other byte escaped), and when an entry of l covers
 * it "banned_domain" (left out for a secret file's entry) and
 * "banned_domain_at" ("FILE:LINE"). cut: bytes of the name the kernel
 * left out in front (a name longer than its excerpt; "query_name_cut"
 * says how many): then only entries that start at a label boundary inside
 * name can cover it. None covers it after a reload that dropped the name,
 * or when only the kernel's hash matched (a collision: the query was
 * dropped all the same); returns 1 when one does, else 0. */
int domain_evidence(json_t *o, const struct domain_list *l, const void *name, size_t len,
		    size_t cut);

#endif
