/* SPDX-License-Identifier: BSD-2-Clause */
/* net_list.c - a config's banned networks: its addresses and its address files. */
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "file_read.h"
#include "net_list.h"
#include "net_types.h"

/* An address file larger than this is refused: 1M lines of the longest
 * IPv6 CIDR with a comment stay well below it. */
#define NET_FILE_MAX (256u << 20)

static int add(struct net_list *l, const struct net_prefix *p, const char *file, int line,
	       char *err, size_t errlen)
{
	struct net_entry **arr = p->family == 4 ? &l->v4 : &l->v6;
	size_t *n = p->family == 4 ? &l->n4 : &l->n6;
	struct net_entry *m;

	if (*n >= NM_NET_ADDRS_MAX) {
		snprintf(err, errlen, "%s:%d: more than %u IPv%d networks", file, line,
			 NM_NET_ADDRS_MAX, p->family);
		return -E2BIG;
	}
	/* doubling: 200k entries are 18 reallocations */
	if ((*n & (*n - 1)) == 0 && *n >= 16) {
		m = realloc(*arr, *n * 2 * sizeof(**arr));
		if (!m)
			goto nomem;
		*arr = m;
	} else if (*n == 0) {
		*arr = malloc(16 * sizeof(**arr));
		if (!*arr)
			goto nomem;
	}
	(*arr)[*n] = (struct net_entry){ .p = *p, .file = file, .line = line };
	(*n)++;
	return 0;
nomem:
	snprintf(err, errlen, "%s:%d: out of memory", file, line);
	return -ENOMEM;
}

int net_list_add_buffer(struct net_list *l, const char *name, const char *buf, size_t n,
			char *err, size_t errlen)
{
	const char *file = file_names_own(&l->files, name);
	char why[NET_REASON_MAX];
	struct net_prefix p;
	size_t at = 0;
	int line = 0, rc;

	if (!file) {
		snprintf(err, errlen, "%s:1: out of memory", name);
		return -ENOMEM;
	}
	l->naddr_files++;
	while (at < n) {
		const char *nl = memchr(buf + at, '\n', n - at);
		size_t len = nl ? (size_t)(nl - (buf + at)) : n - at;

		line++;
		rc = net_addr_line(buf + at, len, &p, why, sizeof(why));
		if (rc < 0) {
			snprintf(err, errlen, "%s:%d: %s", file, line, why);
			return rc;
		}
		if (rc == 1 && (rc = add(l, &p, file, line, err, errlen)))
			return rc;
		at += len + 1;
	}
	return 0;
}

static int add_glob(struct net_list *l, const struct config_name *g, char *err, size_t errlen)
{
	glob_t gl;
	int rc = glob(g->name, GLOB_MARK, NULL, &gl);

	if (rc == GLOB_NOMATCH) {
		l->nglobs++;
		return 0;
	}
	if (rc) {
		snprintf(err, errlen, "%s:%d: bannedAddressFiles: cannot expand \"%s\"%s",
			 g->at.file, g->at.line, g->name, rc == GLOB_NOSPACE ? ": out of memory" :
			 ": a directory could not be read");
		return rc == GLOB_NOSPACE ? -ENOMEM : -EIO;
	}
	if (gl.gl_pathc > CONFIG_DIR_FILES_MAX) {
		snprintf(err, errlen, "%s:%d: bannedAddressFiles: \"%s\" matches more than %d files",
			 g->at.file, g->at.line, g->name, CONFIG_DIR_FILES_MAX);
		globfree(&gl);
		return -E2BIG;
	}
	rc = 0;
	for (size_t i = 0; !rc && i < gl.gl_pathc; i++) {
		const char *path = gl.gl_pathv[i];
		size_t plen = strlen(path), len = 0;
		char *buf = NULL, why[128];

		if (plen && path[plen - 1] == '/')
			continue;       /* GLOB_MARK: a directory */
		rc = file_read_regular(path, NET_FILE_MAX, &buf, &len, why, sizeof(why));
		if (rc) {
			snprintf(err, errlen, "%s:1: cannot read address file (from %s:%d): %s", path,
				 g->at.file, g->at.line, why);
			break;
		}
		rc = net_list_add_buffer(l, path, buf, len, err, errlen);
		free(buf);
	}
	globfree(&gl);
	return rc;
}

int net_list_build(struct net_list *l, const struct config *cfg, char *err, size_t errlen)
{
	const struct config_name *a = cfg->names[CONFIG_BANNED_ADDRS];
	char why[NET_REASON_MAX];
	const char *file;
	struct net_prefix p;
	int rc = 0;

	memset(l, 0, sizeof(*l));
	/* the config validated these already; a failure here is a bug */
	for (size_t i = 0; !rc && i < cfg->nnames[CONFIG_BANNED_ADDRS]; i++) {
		rc = net_addr_parse(a[i].name, strlen(a[i].name), &p, why, sizeof(why));
		if (rc) {
			snprintf(err, errlen, "%s:%d: %s", a[i].at.file, a[i].at.line, why);
		} else if (!(file = file_names_own(&l->files, a[i].at.file))) {
			snprintf(err, errlen, "%s:%d: out of memory", a[i].at.file, a[i].at.line);
			rc = -ENOMEM;
		} else if (!(rc = add(l, &p, file, a[i].at.line, err, errlen))) {
			struct net_entry *e = p.family == 4 ? &l->v4[l->n4 - 1] : &l->v6[l->n6 - 1];

			e->secret = a[i].secret;
		}
	}
	for (size_t i = 0; !rc && i < cfg->nnames[CONFIG_BANNED_ADDR_FILES]; i++)
		rc = add_glob(l, &cfg->names[CONFIG_BANNED_ADDR_FILES][i], err, errlen);
	if (!rc)
		rc = net_scan_build(&l->scan, cfg, err, errlen);
	if (!rc)
		rc = domain_list_build(&l->domains, cfg, err, errlen);
	if (rc)
		net_list_free(l);
	return rc;
}

void net_list_free(struct net_list *l)
{
	file_names_free(&l->files);
	domain_list_free(&l->domains);
	free(l->v4);
	free(l->v6);
	net_scan_free(&l->scan);
	memset(l, 0, sizeof(*l));
}

const struct net_entry *net_list_match(const struct net_list *l, int family, const uint8_t *addr)
{
	const struct net_entry *e = family == 4 ? l->v4 : l->v6, *best = NULL;
	size_t n = family == 4 ? l->n4 : l->n6;

	for (size_t i = 0; i < n; i++)
		if (net_prefix_contains(&e[i].p, addr) && (!best || e[i].p.len > best->p.len))
			best = &e[i];
	return best;
}

static int same_prefixes(const struct net_entry *a, const struct net_entry *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i].p.len != b[i].p.len || memcmp(a[i].p.addr, b[i].p.addr, 16))
			return 0;
	return 1;
}

int net_list_same(const struct net_list *a, const struct net_list *b)
{
	return a->n4 == b->n4 && a->n6 == b->n6 && same_prefixes(a->v4, b->v4, a->n4) &&
	       same_prefixes(a->v6, b->v6, a->n6);
}

size_t net_list_watch_paths(const struct config *cfg, char **out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < cfg->nnames[CONFIG_BANNED_ADDR_FILES] && n < max; i++) {
		const char *g = cfg->names[CONFIG_BANNED_ADDR_FILES][i].name;
		size_t wild = strcspn(g, "*?[");
		size_t cut = wild;

		if (g[wild]) {          /* back to the '/' that starts that component */
			while (cut > 0 && g[cut] != '/')
				cut--;
			if (cut == 0)
				cut = 1;        /* "/" itself */
		}
		out[n] = strndup(g, cut);
		if (out[n])
			n++;
	}
	return n;
}
