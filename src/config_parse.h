/* SPDX-License-Identifier: BSD-2-Clause */
/* config_parse.h - private to the config module: the event stream both parsers
 * are reduced to, and the state of one file being read.
 *
 * The YAML walk (config_yaml.c) and the JSON walk (config_json.c) turn a file
 * into events; one validator (config_validate.c) checks them against the key
 * table, so the two formats cannot drift apart; config.c appends the result
 * to a struct config. */
#ifndef NOMINE_CONFIG_PARSE_H
#define NOMINE_CONFIG_PARSE_H

#include <stddef.h>

#include "config.h"
#include "config_keys.h"

#define REASON_MAX 1536        /* the unknown-key message lists every key */
#define QUOTE_MAX 64            /* user bytes shown in one message */
#define QUOTED_MAX (QUOTE_MAX * 4 + 8)  /* cfg_quote's output, escaped */

enum ev_kind {
	EV_NONE, EV_DOC_START, EV_DOC_END, EV_MAP_START, EV_MAP_END,
	EV_SEQ_START, EV_SEQ_END, EV_SCALAR, EV_STREAM_END
};

enum sc_type { SC_STRING, SC_NULL, SC_BOOL, SC_NUMBER };

/* What an SC_NUMBER holds. NUM_ODD: a YAML form that YAML readers do not
 * agree on (0x1F, 1_000, 017, 1e3, 12:30, .inf...), refused as a value. */
enum num_kind { NUM_NONE, NUM_INT, NUM_REAL, NUM_ODD };

struct ev {
	enum ev_kind kind;
	int line;
	enum sc_type type;      /* scalars only */
	int plain;              /* written unquoted and non-empty: quoting helps */
	const char *bytes;
	size_t len;
	enum num_kind num;      /* SC_NUMBER only */
	int big;                /* NUM_INT beyond long long (YAML only): see bytes */
	long long ival;         /* NUM_INT */
	double dval;            /* NUM_REAL */
};

enum state {
	ST_STREAM, ST_TOP, ST_KEY, ST_VALUE, ST_ITEM,
	ST_FIELD, ST_FIELD_VALUE,       /* inside a mapping item of "webhooks" */
	ST_DOC_END, ST_AFTER_DOC, ST_DONE
};

/* The fields of a "webhooks" item. */
enum webhook_field { WH_URL, WH_URL_FILE, WH_FORMAT, WH_NFIELDS };

/* One list item, waiting for the file to pass. */
struct item {
	char *bytes;
	size_t len;
	int line;
	size_t key;             /* its row in config_keys */
	char *label;            /* "file:line" of a secret banned item, made at commit */
	int url_file;           /* webhooks: bytes is the urlFile, not the url */
	int format;             /* webhooks: enum config_webhook_format */
};

/* One file being validated: its state, what it produced, or why it failed.
 * Arrays indexed by key are indexed by the row in config_keys. */
struct parse {
	const struct config *prev;  /* what earlier files set, or NULL */
	size_t prev_items;      /* list items earlier files gave: CONFIG_ITEMS_MAX */
	size_t banned_bytes;    /* of banned strings, earlier files' included */
	int json;               /* the libyaml walk of a JSON file: JSON numbers */
	enum state st;
	size_t key;             /* the key whose value comes next */
	int key_line;           /* where that key is */
	size_t key_items;       /* items of that key's list so far */
	/* the "webhooks" item being read: its fields, where it starts */
	char *wh[WH_NFIELDS];
	int wh_line;
	enum webhook_field wh_field;    /* the field whose value comes next */
	int seen[CONFIG_KEYS_MAX];
	enum config_mode mode;
	int secret;             /* "secret: true": banned items shown by origin */
	struct item *items;
	size_t nitems, cap;
	double num[CONFIG_KEYS_MAX];    /* INT and REAL keys */
	char *path[CONFIG_KEYS_MAX];    /* PATH keys */
	int set_line[CONFIG_KEYS_MAX];  /* single values; 0: not set in this file */
	int names_seen[CONFIG_NLISTS];
	unsigned long nevents;  /* events consumed: where two parsers stopped */
	int failed;             /* 0, or once failed its negative errno:
				 * -EINVAL (the file), -ENOMEM */
	int syntax;             /* failed inside a parser, not in validation */
	int line;
	char reason[REASON_MAX];
};

/* config_validate.c */
/* Records why the file failed, at line (1 if unknown). Returns -EINVAL. */
__attribute__((format(printf, 3, 4)))
int cfg_fail(struct parse *p, int line, const char *fmt, ...);
/* Records "out of memory" at line, as cfg_fail. Returns -ENOMEM. */
int cfg_fail_nomem(struct parse *p, int line);
/* Writes n bytes of s double-quoted, escaped and cut at QUOTE_MAX. */
const char *cfg_quote(char *dst, size_t dstlen, const char *s, size_t n);
/* Library messages may echo raw input bytes; keeps s printable ASCII. */
void cfg_sanitize(char *s);
/* Takes one event. Returns 0, or p->failed (a negative errno) once p has
 * failed. */
int cfg_feed(struct parse *p, const struct ev *e);
/* Frees what p holds; p may be read again. */
void cfg_parse_free(struct parse *p);

/* config_yaml.c */
/* Length of the prefix of s[0..n) made of bytes in accept. */
size_t cfg_span(const char *s, size_t n, const char *accept);
/* Feeds buf, read as YAML, to p. Returns 0 or a negative errno (p->failed). */
int cfg_walk_yaml(struct parse *p, const char *buf, size_t len);

/* config_json.c */
/* Feeds buf, read as strict JSON, to p, with libyaml's lines where it read
 * the same file. Returns 0 or a negative errno (p->failed). */
int cfg_parse_json(struct parse *p, const char *buf, size_t len);

/* config_responses.c */
/* The checks across keys and files once every file is read: partners set
 * together, token and URL files usable. Returns 0, or -EINVAL with
 * "file:line: reason" in err (never a token or a URL in full). */
int cfg_check_responses(const struct config *cfg, char *err, size_t errlen);

/* config.c */
/* Room for n + add elements of size in arr, which holds n and was grown
 * only by cfg_grow (or is NULL): a realloc when its room is short. NULL
 * with errno set (ENOMEM) on failure. */
void *cfg_grow(void *arr, size_t n, size_t add, size_t size);
__attribute__((format(printf, 3, 4)))
void cfg_set_err(char *err, size_t errlen, const char *fmt, ...);

#endif
