/* SPDX-License-Identifier: BSD-2-Clause */
/* config_keys.h - the config keys as one table: a row per key gives its name,
 * type, range, default, merge rule and where it lands in struct config.
 *
 * The validator, the error messages, the merging of files and the defaults
 * all read these rows, so a new key is a row here plus its field in
 * struct config. Private to the config module (and its tests). */
#ifndef NOMINE_CONFIG_KEYS_H
#define NOMINE_CONFIG_KEYS_H

#include <stddef.h>

#include "config.h"

/* How many rows the per-file parse state has room for. */
#define CONFIG_KEYS_MAX 64

#define CONFIG_PATH_MAX 4096    /* longest path, bytes (PATH_MAX) */

enum config_type {
	/* lists of strings, items appended to an array of struct config
	 * (first: config_key_is_list relies on it) */
	CONFIG_T_STRINGS,       /* banned strings, each with its file's matchMode */
	CONFIG_T_PATTERNS,      /* allow regexes */
	CONFIG_T_BANNED_PATTERNS, /* banned regexes */
	CONFIG_T_EXES,          /* absolute normalized paths */
	CONFIG_T_K8S_NAMES,     /* DNS-1123 labels, into names[list] */
	CONFIG_T_ENV_NAMES,     /* environment variable names, into names[list] */
	CONFIG_T_BYTES,         /* any non-empty string, into names[list] */
	CONFIG_T_ADDRESSES,     /* IPv4/IPv6 addresses and CIDRs (net_addr.h), into names[list] */
	CONFIG_T_GLOBS,         /* absolute glob(3) patterns, into names[list] */
	CONFIG_T_PORTS,         /* integers 1..65535 (kept as decimal text), into names[list] */
	CONFIG_T_DOMAINS,       /* domain names (domain_name.h), into names[list] */
	CONFIG_T_SHA256,        /* 64 hex digits, into names[list] */
	CONFIG_T_WEBHOOKS,      /* mappings {url | urlFile, format}, into webhooks */
	CONFIG_T_ARGV,          /* a command's argv, the first an absolute path, from one
				 * file only, into hook_argv */
	/* single values */
	CONFIG_T_MODE,          /* "word" | "substring" */
	CONFIG_T_BOOL,          /* true | false: per file ("secret"), or once, an unsigned
				 * int field: 1 true, 2 false */
	CONFIG_T_INT,           /* integer in min..max, an unsigned int field */
	CONFIG_T_REAL,          /* number in min..max, a double field */
	CONFIG_T_PATH,          /* absolute normalized path, a char * field */
	CONFIG_T_CHOICE,        /* one of the row's choices, an unsigned int field: its
				 * index + 1 */
	CONFIG_T_URL,           /* an http:// or https:// URL with a host, a char * field */
	CONFIG_T_GROUP,         /* true (def_path), false (stored as "") or a JupyterHub
				 * group name, a char * field */
};

enum config_merge {
	CONFIG_M_APPEND,        /* items of every file, in file order */
	CONFIG_M_PER_FILE,      /* applies to the items of its own file only */
	CONFIG_M_ONCE,          /* at most one file may set it */
};

struct config_key {
	const char *name;       /* as written in files and messages */
	enum config_type type;
	enum config_merge merge;
	size_t maxlen;          /* lists, PATH, URL, GROUP: bytes per string (at least 1) */
	double min, max;        /* INT, REAL: accepted values */
	double def;             /* INT, REAL: the value when no file sets it */
	const char *def_path;   /* PATH: the value when no file sets it (NULL: none);
				 * GROUP: the group "true" means */
	const char *const *choices; /* CHOICE: the words, NULL-terminated; def is an index */
	/* INT, REAL, PATH: offsets in struct config of the value (0 or NULL
	 * while unset) and of its origin */
	size_t field, at;
	enum config_list list;  /* K8S_NAMES, ENV_NAMES: which names[] */
	size_t max_items;       /* ARGV: most items (at least 1) */
};

extern const struct config_key config_keys[];
extern const size_t config_nkeys;

/* The row named by the n bytes at name, or NULL. */
const struct config_key *config_key_find(const char *name, size_t n);

/* Where a file set single-value key k (or the set-once list commandHook) in
 * cfg, or NULL while none has (always for other keys). cfg may be NULL. */
const struct config_origin *config_key_set_at(const struct config *cfg,
					      const struct config_key *k);

static inline int config_key_is_list(const struct config_key *k)
{
	return k->type <= CONFIG_T_ARGV;
}

static inline int config_key_is_names(const struct config_key *k)
{
	return k->type >= CONFIG_T_K8S_NAMES && k->type <= CONFIG_T_SHA256;
}

#endif
