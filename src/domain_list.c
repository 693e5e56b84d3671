/* SPDX-License-Identifier: BSD-2-Clause */
/* domain_list.c - a config's banned domain names. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "domain_list.h"
#include "domain_name.h"

static int add(struct domain_list *l, const struct config_name *c, char *err, size_t errlen)
{
	char name[NM_DOMAIN_NAME_MAX + 1], why[DOMAIN_REASON_MAX];
	int len = domain_name_parse(c->name, strlen(c->name), name, why, sizeof(why));
	struct domain_entry *e;

	if (len < 0) {
		snprintf(err, errlen, "%s:%d: bannedDomains: %s", c->at.file, c->at.line, why);
		return len;
	}
	if (l->n >= NM_DOMAINS_MAX) {
		snprintf(err, errlen, "%s:%d: more than %u banned domains", c->at.file, c->at.line,
			 NM_DOMAINS_MAX);
		return -E2BIG;
	}
	/* doubling from 16 */
	if (l->n == 0 || ((l->n & (l->n - 1)) == 0 && l->n >= 16)) {
		e = realloc(l->v, (l->n ? l->n * 2 : 16) * sizeof(*e));
		if (!e)
			goto nomem;
		l->v = e;
	}
	e = &l->v[l->n];
	e->name = strdup(name);
	e->file = file_names_own(&l->files, c->at.file);
	if (!e->name || !e->file) {
		free(e->name);
		goto nomem;
	}
	e->len = (size_t)len;
	e->line = c->at.line;
	e->secret = c->secret;
	l->n++;
	return 0;
nomem:
	snprintf(err, errlen, "%s:%d: out of memory", c->at.file, c->at.line);
	return -ENOMEM;
}

int domain_list_build(struct domain_list *l, const struct config *cfg, char *err, size_t errlen)
{
	int rc = 0;

	memset(l, 0, sizeof(*l));
	for (size_t i = 0; !rc && i < cfg->nnames[CONFIG_BANNED_DOMAINS]; i++)
		rc = add(l, &cfg->names[CONFIG_BANNED_DOMAINS][i], err, errlen);
	if (rc)
		domain_list_free(l);
	return rc;
}

void domain_list_free(struct domain_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].name);
	free(l->v);
	file_names_free(&l->files);
	memset(l, 0, sizeof(*l));
}

const struct domain_entry *domain_list_match(const struct domain_list *l, const char *q,
					     size_t n)
{
	const struct domain_entry *best = NULL;

	for (size_t i = 0; i < l->n; i++)
		if ((!best || l->v[i].len > best->len) &&
		    domain_name_covers(l->v[i].name, l->v[i].len, q, n))
			best = &l->v[i];
	return best;
}

int domain_list_same(const struct domain_list *a, const struct domain_list *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i].name, b->v[i].name))
			return 0;
	return 1;
}

void domain_entry_describe(const struct domain_entry *e, const char **name, char *at,
			   size_t atlen)
{
	*name = e->secret ? NULL : e->name;
	snprintf(at, atlen, "%s:%d", e->file, e->line);
}
