/* SPDX-License-Identifier: BSD-2-Clause */
/* domain_list.h - the banned domain names of a config ("bannedDomains"),
 * canonical, each with where it was written, and which of them covers a
 * name a DNS query asked for. */
#ifndef NOMINE_DOMAIN_LIST_H
#define NOMINE_DOMAIN_LIST_H

#include <stddef.h>
#include <stdint.h>
#include "config.h"
#include "file_names.h"

struct domain_entry {
	char *name;             /* canonical: lowercase, no trailing dot (owned) */
	size_t len;
	const char *file;       /* the config file (in files) */
	int line;
	int secret;             /* from a "secret: true" config: shown by origin only */
};

struct domain_list {
	struct domain_entry *v;
	size_t n;
	struct file_names files;    /* the files entries name */
};

/* Builds the list of cfg, in file order, duplicates kept (each with its
 * origin; the kernel keeps one). Returns 0, or a negative errno with
 * "file:line: reason" in err: -EINVAL a bad name (the config validated
 * them: a bug), -E2BIG over NM_DOMAINS_MAX names, -ENOMEM. */
int domain_list_build(struct domain_list *l, const struct config *cfg, char *err, size_t errlen);

void domain_list_free(struct domain_list *l);

/* The entry of l that covers the n bytes at q (a queried name as text,
 * any case, no trailing dot): q itself or a name q is under, at a label
 * boundary. The longest such entry (the most specific), the first of equal
 * ones; NULL when none does. A linear search: it names the entry of a rare
 * event, and it is what the kernel's hash lookups are checked against. */
const struct domain_entry *domain_list_match(const struct domain_list *l, const char *q,
					     size_t n);

/* 1 when a and b hold the same names in the same order. */
int domain_list_same(const struct domain_list *a, const struct domain_list *b);

/* What an event shows of e: *name is its name, NULL for a secret file's
 * entry (shown by origin only); at gets its origin "file:line". */
void domain_entry_describe(const struct domain_entry *e, const char **name, char *at,
			   size_t atlen);

#endif
