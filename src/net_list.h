/* SPDX-License-Identifier: BSD-2-Clause */
/* net_list.h - the banned networks of a config: "bannedAddresses" and the
 * lines of the files "bannedAddressFiles" globs name, each with where it
 * was written, split by family for the kernel's tries; and beside them its
 * banned domains (domain_list.h), which reload with them. */
#ifndef NOMINE_NET_LIST_H
#define NOMINE_NET_LIST_H

#include <stddef.h>
#include <stdint.h>
#include "config.h"
#include "domain_list.h"
#include "file_names.h"
#include "net_addr.h"
#include "net_scan.h"

struct net_entry {
	struct net_prefix p;
	const char *file;       /* a config file or an address file (in files) */
	int line;
	int secret;             /* from a "secret: true" config: shown by origin only */
};

struct net_list {
	struct net_entry *v4, *v6;
	size_t n4, n6;
	struct file_names files;    /* the files entries name */
	size_t naddr_files;     /* address files read */
	unsigned int nglobs;    /* globs that matched nothing */
	struct net_scan scan;   /* scan detection and pool ports */
	struct domain_list domains;     /* "bannedDomains" */
};

/* Builds the list of cfg (it keeps its own copies of file names). Each glob is expanded in
 * name order; directories are skipped, a glob that matches nothing is
 * counted in nglobs (a ConfigMap may be empty), a matched file that cannot
 * be read refuses the list. Returns 0, or a negative errno with
 * "file:line: reason" in err (the address file's own path and line for a
 * bad line): -EINVAL a bad line, -E2BIG over NM_NET_ADDRS_MAX networks of
 * one family, -ENOMEM, or what open/read failed with. */
int net_list_build(struct net_list *l, const struct config *cfg, char *err, size_t errlen);

/* Adds the lines of one address file (the n bytes at buf, named name for
 * errors; name is copied). Returns as net_list_build. */
int net_list_add_buffer(struct net_list *l, const char *name, const char *buf, size_t n,
			char *err, size_t errlen);

void net_list_free(struct net_list *l);

/* What to watch for changes of cfg's address files: per glob its fixed
 * directory (the part before the first component with * ? or [: a
 * ConfigMap of address files swaps its "..data" there), or the path itself
 * when it has no wildcard. Writes at most max malloc'd paths to out;
 * returns how many. */
size_t net_list_watch_paths(const struct config *cfg, char **out, size_t max);

/* The longest network of l that holds addr (family 4: 4 bytes, 6: 16), or
 * NULL. A linear search: it names the entry of a rare event. */
const struct net_entry *net_list_match(const struct net_list *l, int family,
				       const uint8_t *addr);

/* 1 when a and b hold the same networks in the same order (domains not
 * compared: domain_list_same). */
int net_list_same(const struct net_list *a, const struct net_list *b);

#endif
