/* SPDX-License-Identifier: BSD-2-Clause */
/* config_validate.c - checks one file's event stream against the key table
 * and words every reason a file is refused. */
#include "config_parse.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "domain_name.h"
#include "http.h"
#include "net_addr.h"

int cfg_fail(struct parse *p, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->reason, sizeof(p->reason), fmt, ap);
	va_end(ap);
	p->failed = -EINVAL;
	p->line = line > 0 ? line : 1;
	return -EINVAL;
}

int cfg_fail_nomem(struct parse *p, int line)
{
	(void)cfg_fail(p, line, "out of memory");
	p->failed = -ENOMEM;
	return -ENOMEM;
}

void cfg_sanitize(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			*s = '?';
}

const char *cfg_quote(char *dst, size_t dstlen, const char *s, size_t n)
{
	size_t o = 0, i;

	dst[o++] = '"';
	for (i = 0; i < n && i < QUOTE_MAX && o + 6 < dstlen; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
			dst[o++] = (char)c;
		else
			o += (size_t)snprintf(dst + o, dstlen - o, "\\x%02x", c);
	}
	dst[o++] = '"';
	if (i < n && o + 4 < dstlen) {
		memcpy(dst + o, "...", 3);
		o += 3;
	}
	dst[o] = '\0';
	return dst;
}

static const char *type_name(const struct ev *e)
{
	if (e->kind == EV_MAP_START)
		return "a mapping";
	if (e->kind == EV_SEQ_START)
		return "a list";
	switch (e->type) {
	case SC_NULL: return "null";
	case SC_BOOL: return "a boolean";
	case SC_NUMBER: return "a number";
	default: return "a string";
	}
}

/* A hint for values that are strings only once quoted (YAML plain scalars,
 * JSON literals). An empty plain value has nothing to quote. */
static const char *quote_hint(const struct ev *e)
{
	return e->kind == EV_SCALAR && e->plain ? " (quote it to make it a string)" : "";
}

/* The shortest text that reads back as v, so that the JSON and YAML walks
 * of one file word it alike (and a range reads 0.001..3600). */
static void shortest(char *dst, size_t dstlen, double v)
{
	double mag = v < 0 ? -v : v;
	int fixed = mag >= 1e-5 && mag < 1e16;   /* 1000.0, not 1e+03 */
	int prec;

	for (prec = fixed ? 0 : 1; prec < 24; prec++) {
		snprintf(dst, dstlen, fixed ? "%.*f" : "%.*g", prec, v);
		if (strtod(dst, NULL) == v)
			return;
	}
	snprintf(dst, dstlen, "%.17g", v);
}

/* A number as a message shows it: a real keeps a sign of being one. */
static const char *num_text(char *dst, size_t dstlen, const struct ev *e)
{
	if (e->num == NUM_INT && !e->big) {
		snprintf(dst, dstlen, "%lld", e->ival);
	} else if (e->num == NUM_REAL) {
		shortest(dst, dstlen, e->dval);
		if (!strpbrk(dst, ".ein"))      /* 64.0 is not the integer 64 */
			strncat(dst, ".0", dstlen - strlen(dst) - 1);
	} else {                /* digits only: a huge YAML integer */
		snprintf(dst, dstlen, "%.*s%s", (int)(e->len < QUOTE_MAX ? e->len : QUOTE_MAX),
			 e->bytes, e->len > QUOTE_MAX ? "..." : "");
	}
	return dst;
}

/* "moneroThreshold must be an integer 1..1000000, got": the start of every
 * complaint about a number key's value, from its row. */
static const char *expectation(char *dst, size_t dstlen, const struct config_key *k)
{
	char lo[64], hi[64];

	shortest(lo, sizeof(lo), k->min);
	shortest(hi, sizeof(hi), k->max);
	snprintf(dst, dstlen, "%s must be %s %s..%s, got", k->name,
		 k->type == CONFIG_T_INT ? "an integer" : "a number", lo, hi);
	return dst;
}

/* /proc/PID/exe is a normalized path: one that is not can never match. */
static int normal_path(const char *s, size_t n)
{
	size_t i = 0, k;

	while (i < n) {         /* s[i] == '/' */
		for (k = i + 1; k < n && s[k] != '/'; k++)
			;
		if (k == i + 1 || (k == i + 2 && s[i + 1] == '.') ||
		    (k == i + 3 && s[i + 1] == '.' && s[i + 2] == '.'))
			return 0;
		i = k;
	}
	return 1;
}

/* A path value, or a path in a list ("allowedExecutables items"). */
static int check_path(struct parse *p, const struct ev *e, const struct config_key *k)
{
	const char *items = config_key_is_list(k) ? " items" : "";
	char q[QUOTED_MAX];

	if (e->bytes[0] != '/')
		return cfg_fail(p, e->line, "%s%s must be absolute paths, got %s", k->name, items,
				cfg_quote(q, sizeof(q), e->bytes, e->len));
	/* a path key may be "/" (hostRoot's default); an executable never is */
	if (!(k->type == CONFIG_T_PATH && e->len == 1) && !normal_path(e->bytes, e->len))
		return cfg_fail(p, e->line, "%s%s must be normalized paths "
				"(no empty, \".\" or \"..\" components, no trailing \"/\"), got %s",
				k->name, items, cfg_quote(q, sizeof(q), e->bytes, e->len));
	return 0;
}

/* Kubernetes namespaces and container names are DNS-1123 labels: a name
 * that is not one can never match, so it is a typo worth refusing. */
static int dns_label(const char *s, size_t n)
{
	size_t i;

	if (n > 63)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		      (s[i] == '-' && i > 0 && i + 1 < n)))
			return 0;
	return 1;
}

static int check_name(struct parse *p, const struct ev *e, const struct config_key *k)
{
	char q[QUOTED_MAX];
	size_t i;

	if (k->type == CONFIG_T_BYTES || k->type == CONFIG_T_PORTS)
		return 0;       /* ports: checked as numbers (add_port) */
	if (k->type == CONFIG_T_ADDRESSES) {
		struct net_prefix np;
		char why[NET_REASON_MAX];

		if (net_addr_parse(e->bytes, e->len, &np, why, sizeof(why)))
			return cfg_fail(p, e->line, "%s items must be IPv4 or IPv6 addresses or "
					"CIDRs: %s", k->name, why);
		return 0;
	}
	if (k->type == CONFIG_T_DOMAINS) {
		char name[NM_DOMAIN_NAME_MAX + 1], why[DOMAIN_REASON_MAX];

		if (domain_name_parse(e->bytes, e->len, name, why, sizeof(why)) < 0)
			return cfg_fail(p, e->line, "%s items must be domain names: %s, got %s",
					k->name, why, cfg_quote(q, sizeof(q), e->bytes, e->len));
		return 0;
	}
	if (k->type == CONFIG_T_GLOBS) {
		if (e->bytes[0] != '/')
			return cfg_fail(p, e->line, "%s items must be absolute paths or globs, "
					"got %s", k->name, cfg_quote(q, sizeof(q), e->bytes, e->len));
		return 0;
	}
	if (k->type == CONFIG_T_SHA256) {
		for (i = 0; i < e->len; i++)
			if (!isxdigit((unsigned char)e->bytes[i]))
				break;
		if (e->len != 64 || i != 64)
			return cfg_fail(p, e->line, "%s items must be SHA-256 digests (64 hex "
					"digits), got %s", k->name,
					cfg_quote(q, sizeof(q), e->bytes, e->len));
		return 0;
	}
	if (k->type == CONFIG_T_ENV_NAMES) {
		for (i = 0; i < e->len; i++)
			if (e->bytes[i] == '=' || e->bytes[i] < 0x21 || e->bytes[i] > 0x7e)
				return cfg_fail(p, e->line, "%s items must be variable names "
						"(printable ASCII, no '=' or spaces), got %s", k->name,
						cfg_quote(q, sizeof(q), e->bytes, e->len));
		return 0;
	}
	if (!dns_label(e->bytes, e->len))
		return cfg_fail(p, e->line, "%s items must be Kubernetes names (lowercase letters, "
				"digits and inner '-', at most 63), got %s", k->name,
				cfg_quote(q, sizeof(q), e->bytes, e->len));
	return 0;
}

/* A new empty item of the current key at line, or NULL (p failed). */
static struct item *new_item(struct parse *p, int line)
{
	struct item *it;

	/* refused while parsing: a file of millions of items costs no more
	 * than the limit before it is refused */
	if (p->prev_items + p->nitems >= CONFIG_ITEMS_MAX) {
		(void)cfg_fail(p, line, "more than %d list items (banned strings, patterns, "
			       "names...) in the config's files together", CONFIG_ITEMS_MAX);
		return NULL;
	}
	if (p->nitems == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		struct item *n = realloc(p->items, cap * sizeof(*n));

		if (!n) {
			(void)cfg_fail_nomem(p, line);
			return NULL;
		}
		p->items = n;
		p->cap = cap;
	}
	it = &p->items[p->nitems++];
	memset(it, 0, sizeof(*it));
	it->line = line;
	it->key = p->key;
	p->key_items++;
	return it;
}

/* commandHook: the program is an absolute path (no $PATH search in a
 * daemon), and the list is bounded. */
static int check_argv_item(struct parse *p, const struct ev *e, const struct config_key *k)
{
	char q[QUOTED_MAX];

	if (p->key_items == 0 && e->bytes[0] != '/')
		return cfg_fail(p, e->line, "%s: the first item (the program) must be an absolute "
				"path, got %s", k->name, cfg_quote(q, sizeof(q), e->bytes, e->len));
	if (p->key_items >= k->max_items)
		return cfg_fail(p, e->line, "%s has more than %zu items", k->name, k->max_items);
	return 0;
}

static int add_item(struct parse *p, const struct ev *e)
{
	const struct config_key *k = &config_keys[p->key];
	struct item *it;
	int rc;

	if (e->len == 0)
		return cfg_fail(p, e->line, "empty string in %s", k->name);
	if (memchr(e->bytes, '\0', e->len))
		return cfg_fail(p, e->line, "string in %s contains a NUL byte", k->name);
	if (e->len > k->maxlen)
		return cfg_fail(p, e->line, "string in %s is too long (%zu bytes, max %zu)",
				k->name, e->len, k->maxlen);
	if (k->type == CONFIG_T_EXES && (rc = check_path(p, e, k)))
		return rc;
	if (config_key_is_names(k) && (rc = check_name(p, e, k)))
		return rc;
	if (k->type == CONFIG_T_ARGV && (rc = check_argv_item(p, e, k)))
		return rc;
	if (k->type == CONFIG_T_STRINGS || k->type == CONFIG_T_BYTES) {
		if (e->len > ((size_t)CONFIG_BANNED_MIB << 20) - p->banned_bytes)
			return cfg_fail(p, e->line, "more than %d MiB of banned strings in the "
					"config's files together", CONFIG_BANNED_MIB);
		p->banned_bytes += e->len;
	}
	if (!(it = new_item(p, e->line)))
		return p->failed;
	it->bytes = strndup(e->bytes, e->len);
	if (!it->bytes)
		return cfg_fail_nomem(p, e->line);
	it->len = e->len;
	return 0;
}

static int unknown_key(struct parse *p, const struct ev *e)
{
	char q[QUOTED_MAX], valid[REASON_MAX];
	size_t o = 0;

	for (size_t i = 0; i < config_nkeys && o < sizeof(valid); i++)
		o += (size_t)snprintf(valid + o, sizeof(valid) - o, "%s%s", i ? ", " : "",
				      config_keys[i].name);
	return cfg_fail(p, e->line, "unknown key %s (valid keys: %s)",
			cfg_quote(q, sizeof(q), e->bytes, e->len), valid);
}

static int on_key(struct parse *p, const struct ev *e)
{
	const struct config_key *k;
	size_t i;

	if (e->kind == EV_MAP_END) {
		p->st = ST_DOC_END;
		return 0;
	}
	if (e->kind != EV_SCALAR)
		return cfg_fail(p, e->line, "keys must be strings, got %s", type_name(e));
	k = config_key_find(e->bytes, e->len);
	if (!k)
		return unknown_key(p, e);
	i = (size_t)(k - config_keys);
	if (p->seen[i])
		return cfg_fail(p, e->line, "duplicate key \"%s\"", k->name);
	p->seen[i] = 1;
	p->key = i;
	p->key_line = e->line;
	p->key_items = 0;
	p->st = ST_VALUE;
	return 0;
}

static int on_mode(struct parse *p, const struct ev *e, const struct config_key *k)
{
	char q[QUOTED_MAX];

	if (e->kind != EV_SCALAR || e->type != SC_STRING)
		return cfg_fail(p, e->line, "%s must be \"word\" or \"substring\", got %s",
				k->name, type_name(e));
	if (e->len == 4 && !memcmp(e->bytes, "word", 4))
		p->mode = CONFIG_WORD;
	else if (e->len == 9 && !memcmp(e->bytes, "substring", 9))
		p->mode = CONFIG_SUBSTRING;
	else
		return cfg_fail(p, e->line, "%s must be \"word\" or \"substring\", got %s",
				k->name, cfg_quote(q, sizeof(q), e->bytes, e->len));
	p->st = ST_KEY;
	return 0;
}

/* A key set at most once over all files: refused if an earlier file set it. */
static int check_once(struct parse *p, const struct ev *e, const struct config_key *k)
{
	const struct config_origin *at = config_key_set_at(p->prev, k);

	if (k->merge != CONFIG_M_ONCE || !at)
		return 0;
	return cfg_fail(p, e->line, "%s already set at %s:%d", k->name,
			at->file ? at->file : "?", at->line);
}

/* A single value (number, or a switch as 1/2) set once, at its line. */
static int store_number(struct parse *p, const struct ev *e, const struct config_key *k,
			double v)
{
	int rc;

	if ((rc = check_once(p, e, k)))
		return rc;
	p->num[p->key] = v;
	p->set_line[p->key] = e->line;
	p->st = ST_KEY;
	return 0;
}

/* A boolean's value as YAML 1.1 and 1.2 readers (and JSON) agree on it:
 * 1 true, 2 false, 0 a word they disagree on (yes, on, y...). */
static int bool_word(const struct ev *e)
{
	static const char *const yes[] = { "true", "True", "TRUE" };
	static const char *const no[] = { "false", "False", "FALSE" };

	for (size_t i = 0; i < 3; i++) {
		if (e->len == strlen(yes[i]) && !memcmp(e->bytes, yes[i], e->len))
			return 1;
		if (e->len == strlen(no[i]) && !memcmp(e->bytes, no[i], e->len))
			return 2;
	}
	return 0;
}

/* A boolean, spelt as YAML 1.1 and 1.2 readers (and JSON) agree: "secret"
 * for its own file, or a single value (1 true, 2 false) set once. */
static int on_bool(struct parse *p, const struct ev *e, const struct config_key *k)
{
	char q[QUOTED_MAX];
	int v;

	if (e->kind != EV_SCALAR || e->type != SC_BOOL)
		return cfg_fail(p, e->line, "%s must be true or false, got %s", k->name,
				type_name(e));
	if (!(v = bool_word(e)))
		return cfg_fail(p, e->line, "%s must be true or false, got %s (YAML readers "
				"disagree on it)", k->name, cfg_quote(q, sizeof(q), e->bytes, e->len));
	if (k->merge != CONFIG_M_PER_FILE)
		return store_number(p, e, k, v);
	p->secret = v == 1;
	p->st = ST_KEY;
	return 0;
}

static int on_number(struct parse *p, const struct ev *e, const struct config_key *k)
{
	char q[QUOTED_MAX], what[REASON_MAX / 2];
	double v = e->num == NUM_INT ? (double)e->ival : e->dval;

	if (e->kind != EV_SCALAR || e->type != SC_NUMBER)
		return cfg_fail(p, e->line, "%s %s", expectation(what, sizeof(what), k),
				type_name(e));
	if (e->num == NUM_ODD)
		return cfg_fail(p, e->line, "%s %s (write it in plain decimal)",
				expectation(what, sizeof(what), k),
				cfg_quote(q, sizeof(q), e->bytes, e->len));
	if ((k->type == CONFIG_T_INT && e->num != NUM_INT) || e->big ||
	    !(v >= k->min && v <= k->max))      /* NaN too */
		return cfg_fail(p, e->line, "%s %s", expectation(what, sizeof(what), k),
				num_text(q, sizeof(q), e));
	return store_number(p, e, k, v);
}

/* One of the row's words, stored as its index + 1. */
static int on_choice(struct parse *p, const struct ev *e, const struct config_key *k)
{
	char q[QUOTED_MAX], words[200];
	size_t o = 0;

	for (size_t i = 0; e->kind == EV_SCALAR && e->type == SC_STRING && k->choices[i]; i++)
		if (strlen(k->choices[i]) == e->len && !memcmp(k->choices[i], e->bytes, e->len))
			return store_number(p, e, k, (double)i + 1);
	for (size_t i = 0; k->choices[i] && o < sizeof(words); i++)
		o += (size_t)snprintf(words + o, sizeof(words) - o, "%s\"%s\"",
				      i ? (k->choices[i + 1] ? ", " : " or ") : "", k->choices[i]);
	if (e->kind != EV_SCALAR || e->type != SC_STRING)
		return cfg_fail(p, e->line, "%s must be %s, got %s", k->name, words,
				type_name(e));
	return cfg_fail(p, e->line, "%s must be %s, got %s", k->name, words,
			cfg_quote(q, sizeof(q), e->bytes, e->len));
}

/* A port in a list: an integer 1..65535, kept as its decimal text. */
static int add_port(struct parse *p, const struct ev *e)
{
	const struct config_key *k = &config_keys[p->key];
	char q[QUOTED_MAX], text[8];
	struct ev n = *e;

	if (e->kind != EV_SCALAR || e->type != SC_NUMBER || e->num != NUM_INT || e->big ||
	    e->ival < 1 || e->ival > 65535)
		return cfg_fail(p, e->line, "%s items must be port numbers 1..65535, got %s",
				k->name, e->kind == EV_SCALAR && e->type == SC_NUMBER ?
				num_text(q, sizeof(q), e) : type_name(e));
	n.len = (size_t)snprintf(text, sizeof(text), "%lld", e->ival);
	n.bytes = text;
	return add_item(p, &n);
}

static int on_path(struct parse *p, const struct ev *e, const struct config_key *k)
{
	int rc;

	if (e->kind != EV_SCALAR || e->type != SC_STRING)
		return cfg_fail(p, e->line, "%s must be a string, got %s%s", k->name, type_name(e),
				quote_hint(e));
	if (e->len == 0 || e->len > k->maxlen || memchr(e->bytes, '\0', e->len))
		return cfg_fail(p, e->line, "%s must be a path of 1..%zu bytes without NUL",
				k->name, k->maxlen);
	if ((rc = check_path(p, e, k)) || (rc = check_once(p, e, k)))
		return rc;
	p->path[p->key] = strndup(e->bytes, e->len);
	if (!p->path[p->key])
		return cfg_fail_nomem(p, e->line);
	p->set_line[p->key] = e->line;
	p->st = ST_KEY;
	return 0;
}

/* Keeps string value s (owned) of single key k, set once, at its line. */
static int store_text(struct parse *p, const struct ev *e, const struct config_key *k, char *s)
{
	int rc;

	if (!s)
		return cfg_fail_nomem(p, e->line);
	if ((rc = check_once(p, e, k))) {
		free(s);
		return rc;
	}
	p->path[p->key] = s;
	p->set_line[p->key] = e->line;
	p->st = ST_KEY;
	return 0;
}

/* A URL (hubApiUrl, alertmanagerUrl, a webhook's url) as a NUL-terminated
 * copy, or NULL with p failed. Never quoted in a message: it may carry a
 * key (a Slack webhook's URL is its own password). */
static char *url_value(struct parse *p, const struct ev *e, const char *what, size_t maxlen)
{
	char why[256], *url;

	if (e->kind != EV_SCALAR || e->type != SC_STRING) {
		(void)cfg_fail(p, e->line, "%s must be a string, got %s%s", what, type_name(e),
			       quote_hint(e));
		return NULL;
	}
	if (e->len == 0 || e->len > maxlen || memchr(e->bytes, '\0', e->len)) {
		(void)cfg_fail(p, e->line, "%s must be a URL of 1..%zu bytes without NUL", what,
			       maxlen);
		return NULL;
	}
	if (!(url = strndup(e->bytes, e->len))) {
		(void)cfg_fail_nomem(p, e->line);
		return NULL;
	}
	if (http_url_check(url, why, sizeof(why))) {
		free(url);
		cfg_sanitize(why);
		(void)cfg_fail(p, e->line, "%s must be an http:// or https:// URL with a host: %s",
			       what, why);
		return NULL;
	}
	return url;
}

static int on_url(struct parse *p, const struct ev *e, const struct config_key *k)
{
	char *url = url_value(p, e, k->name, k->maxlen);

	return url ? store_text(p, e, k, url) : p->failed;
}

/* hubBlockGroup: true (the row's group), false (kept as "") or a group
 * name the hub's API takes in a URL path: no '/', no control bytes, no
 * space at either end (the hub would not find the group again). */
static int on_group(struct parse *p, const struct ev *e, const struct config_key *k)
{
	char q[QUOTED_MAX];
	int v;

	if (e->kind == EV_SCALAR && e->type == SC_BOOL) {
		if (!(v = bool_word(e)))
			return cfg_fail(p, e->line, "%s must be true, false or a group name, got %s "
					"(YAML readers disagree on it)", k->name,
					cfg_quote(q, sizeof(q), e->bytes, e->len));
		return store_text(p, e, k, strdup(v == 1 ? k->def_path : ""));
	}
	if (e->kind != EV_SCALAR || e->type != SC_STRING)
		return cfg_fail(p, e->line, "%s must be true, false or a group name, got %s%s",
				k->name, type_name(e), quote_hint(e));
	for (size_t i = 0; i < e->len; i++)
		if (e->bytes[i] == '/' || (unsigned char)e->bytes[i] < 0x20 ||
		    e->bytes[i] == 0x7f)
			return cfg_fail(p, e->line, "%s must be a group name without '/' or "
					"control characters, got %s", k->name,
					cfg_quote(q, sizeof(q), e->bytes, e->len));
	if (e->len == 0 || e->len > k->maxlen || e->bytes[0] == ' ' || e->bytes[e->len - 1] == ' ')
		return cfg_fail(p, e->line, "%s must be a group name of 1..%zu bytes without "
				"spaces at either end, got %s", k->name, k->maxlen,
				cfg_quote(q, sizeof(q), e->bytes, e->len));
	return store_text(p, e, k, strndup(e->bytes, e->len));
}

/* ---- webhooks: a list of mappings {url | urlFile, format} ---- */

static const char *const wh_names[WH_NFIELDS] = { "url", "urlFile", "format" };
static const char *const wh_formats[] = { "json", "slack", "zulip", NULL };

static void wh_clear(struct parse *p)
{
	for (int f = 0; f < WH_NFIELDS; f++) {
		free(p->wh[f]);
		p->wh[f] = NULL;
	}
}

/* A field name of the item, or its end. */
static int on_field(struct parse *p, const struct ev *e)
{
	const char *key = config_keys[p->key].name;
	char q[QUOTED_MAX];
	struct item *it;
	int file;

	if (e->kind == EV_SCALAR && e->type == SC_STRING) {
		for (int f = 0; f < WH_NFIELDS; f++) {
			if (strlen(wh_names[f]) != e->len || memcmp(wh_names[f], e->bytes, e->len))
				continue;
			if (p->wh[f])
				return cfg_fail(p, e->line, "%s item: duplicate field \"%s\"", key,
						wh_names[f]);
			p->wh_field = (enum webhook_field)f;
			p->st = ST_FIELD_VALUE;
			return 0;
		}
		return cfg_fail(p, e->line, "%s item: unknown field %s (valid fields: url, urlFile, "
				"format)", key, cfg_quote(q, sizeof(q), e->bytes, e->len));
	}
	if (e->kind != EV_MAP_END)
		return cfg_fail(p, e->line, "%s item: fields must be strings, got %s", key,
				type_name(e));
	if (!p->wh[WH_URL] == !p->wh[WH_URL_FILE])
		return cfg_fail(p, p->wh_line, "%s item must have exactly one of url and urlFile",
				key);
	if (!(it = new_item(p, p->wh_line)))
		return p->failed;
	file = p->wh[WH_URL_FILE] != NULL;
	it->url_file = file;
	it->bytes = p->wh[file ? WH_URL_FILE : WH_URL];
	it->len = strlen(it->bytes);
	p->wh[file ? WH_URL_FILE : WH_URL] = NULL;
	for (int i = 0; p->wh[WH_FORMAT] && wh_formats[i]; i++)
		if (!strcmp(p->wh[WH_FORMAT], wh_formats[i]))
			it->format = i;
	wh_clear(p);
	p->st = ST_ITEM;
	return 0;
}

static int on_field_value(struct parse *p, const struct ev *e)
{
	const struct config_key *k = &config_keys[p->key];
	char what[64], q[QUOTED_MAX];
	int ok = 0;

	snprintf(what, sizeof(what), "%s item %s", k->name, wh_names[p->wh_field]);
	if (p->wh_field == WH_URL) {
		p->wh[WH_URL] = url_value(p, e, what, k->maxlen);
		p->st = ST_FIELD;
		return p->failed;
	}
	if (e->kind != EV_SCALAR || e->type != SC_STRING)
		return cfg_fail(p, e->line, "%s must be a string, got %s%s", what, type_name(e),
				quote_hint(e));
	if (p->wh_field == WH_FORMAT) {
		for (int i = 0; wh_formats[i]; i++)
			ok |= strlen(wh_formats[i]) == e->len && !memcmp(wh_formats[i], e->bytes, e->len);
		if (!ok)
			return cfg_fail(p, e->line, "%s must be \"json\", \"slack\" or \"zulip\", "
					"got %s", what, cfg_quote(q, sizeof(q), e->bytes, e->len));
	} else if (e->len == 0 || e->len > CONFIG_PATH_MAX || memchr(e->bytes, '\0', e->len) ||
		   e->bytes[0] != '/' || !normal_path(e->bytes, e->len)) {
		return cfg_fail(p, e->line, "%s must be an absolute normalized path of 1..%d "
				"bytes, got %s", what, CONFIG_PATH_MAX,
				cfg_quote(q, sizeof(q), e->bytes, e->len));
	}
	if (!(p->wh[p->wh_field] = strndup(e->bytes, e->len)))
		return cfg_fail_nomem(p, e->line);
	p->st = ST_FIELD;
	return 0;
}

static int on_value(struct parse *p, const struct ev *e)
{
	const struct config_key *k = &config_keys[p->key];

	switch (k->type) {
	case CONFIG_T_MODE: return on_mode(p, e, k);
	case CONFIG_T_BOOL: return on_bool(p, e, k);
	case CONFIG_T_INT:
	case CONFIG_T_REAL: return on_number(p, e, k);
	case CONFIG_T_PATH: return on_path(p, e, k);
	case CONFIG_T_CHOICE: return on_choice(p, e, k);
	case CONFIG_T_URL: return on_url(p, e, k);
	case CONFIG_T_GROUP: return on_group(p, e, k);
	default: break;         /* a list */
	}
	if (config_key_is_names(k))
		p->names_seen[k->list] = 1;
	if (e->kind != EV_SEQ_START)
		return cfg_fail(p, e->line, "%s must be a list of %s, got %s", k->name,
				k->type == CONFIG_T_PORTS ? "port numbers" :
				k->type == CONFIG_T_WEBHOOKS ? "mappings ({url or urlFile, format})" :
				"strings", type_name(e));
	if (k->type == CONFIG_T_ARGV) {         /* set once, from its key's line */
		int rc = check_once(p, e, k);

		if (rc)
			return rc;
		p->set_line[p->key] = p->key_line;
	}
	p->st = ST_ITEM;
	return 0;
}

static int on_item(struct parse *p, const struct ev *e)
{
	const struct config_key *k = &config_keys[p->key];

	if (e->kind == EV_SEQ_END) {
		if (k->type == CONFIG_T_ARGV && p->key_items == 0)
			return cfg_fail(p, p->key_line, "%s must have 1..%zu items (the program "
					"and its arguments), got none", k->name, k->max_items);
		p->st = ST_KEY;
		return 0;
	}
	if (k->type == CONFIG_T_PORTS)
		return add_port(p, e);
	if (k->type == CONFIG_T_WEBHOOKS) {
		if (e->kind != EV_MAP_START)
			return cfg_fail(p, e->line, "%s must be a list of mappings ({url or urlFile, "
					"format}), got %s", k->name, type_name(e));
		p->wh_line = e->line;
		p->st = ST_FIELD;
		return 0;
	}
	if (e->kind != EV_SCALAR || e->type != SC_STRING)
		return cfg_fail(p, e->line, "%s must be a list of strings, got %s%s",
				config_keys[p->key].name, type_name(e), quote_hint(e));
	return add_item(p, e);
}

static int on_top(struct parse *p, const struct ev *e)
{
	if (e->kind == EV_MAP_START) {
		p->st = ST_KEY;
		return 0;
	}
	if (e->kind == EV_SCALAR && e->type == SC_NULL && !e->plain)
		return cfg_fail(p, 1, "file is empty");     /* a bare "---" */
	return cfg_fail(p, e->line, "top level must be a mapping, got %s", type_name(e));
}

/* A file is one document holding one mapping of known keys. */
int cfg_feed(struct parse *p, const struct ev *e)
{
	p->nevents++;
	switch (p->st) {
	case ST_STREAM:
		if (e->kind == EV_STREAM_END)
			return cfg_fail(p, 1, "file is empty");
		p->st = ST_TOP;
		return 0;
	case ST_TOP: return on_top(p, e);
	case ST_KEY: return on_key(p, e);
	case ST_VALUE: return on_value(p, e);
	case ST_ITEM: return on_item(p, e);
	case ST_FIELD: return on_field(p, e);
	case ST_FIELD_VALUE: return on_field_value(p, e);
	case ST_DOC_END:
		p->st = ST_AFTER_DOC;
		return 0;
	case ST_AFTER_DOC:
		if (e->kind == EV_DOC_START)
			return cfg_fail(p, e->line, "multiple YAML documents are not supported");
		p->st = ST_DONE;
		return 0;
	default:
		return cfg_fail(p, e->line, "unexpected data after the end");
	}
}

void cfg_parse_free(struct parse *p)
{
	size_t i;

	for (i = 0; i < p->nitems; i++) {
		free(p->items[i].bytes);
		free(p->items[i].label);
	}
	free(p->items);
	wh_clear(p);
	p->items = NULL;
	p->nitems = p->cap = 0;
	for (i = 0; i < CONFIG_KEYS_MAX; i++) {
		free(p->path[i]);
		p->path[i] = NULL;
	}
}
