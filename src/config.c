/* SPDX-License-Identifier: BSD-2-Clause */
/* config.c - loads execwhacker-compatible configs (JSON, YAML, built-in default). */
#include "config.h"
#include "config_keys.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <yaml.h>

#define FILE_MAX ((size_t)64 << 20)   /* largest config file we read */
#define REASON_MAX 512
#define QUOTE_MAX 64                  /* user bytes shown in one message */
#define QUOTED_MAX (QUOTE_MAX * 4 + 8)  /* quote()'s output, escaped */
#define NUM_TEXT_MAX 1024             /* longest number text converted */

extern const char nomine_default_config[], nomine_default_config_end[];

/* Both parsers are reduced to this event stream, so that one validator
 * checks the shape and the JSON and YAML paths cannot drift apart. */
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

enum state { ST_STREAM, ST_TOP, ST_KEY, ST_VALUE, ST_ITEM, ST_DOC_END, ST_AFTER_DOC, ST_DONE };

/* One list item, waiting for the file to pass. */
struct item {
	char *bytes;
	size_t len;
	int line;
	size_t key;             /* its row in config_keys */
};

/* One file being validated: its state, what it produced, or why it failed.
 * Arrays indexed by key are indexed by the row in config_keys. */
struct parse {
	const struct config *prev;  /* what earlier files set, or NULL */
	int json;               /* the libyaml walk of a JSON file: JSON numbers */
	enum state st;
	size_t key;             /* the key whose value comes next */
	int seen[CONFIG_KEYS_MAX];
	enum config_mode mode;
	struct item *items;
	size_t nitems, cap;
	double num[CONFIG_KEYS_MAX];    /* INT and REAL keys */
	char *path[CONFIG_KEYS_MAX];    /* PATH keys */
	int set_line[CONFIG_KEYS_MAX];  /* single values; 0: not set in this file */
	int names_seen[CONFIG_NLISTS];
	unsigned long nevents;  /* events consumed: where two parsers stopped */
	int failed;
	int syntax;             /* failed inside a parser, not in validation */
	int line;
	char reason[REASON_MAX];
};

__attribute__((format(printf, 3, 4)))
static int fail(struct parse *p, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->reason, sizeof(p->reason), fmt, ap);
	va_end(ap);
	p->failed = 1;
	p->line = line > 0 ? line : 1;
	return -1;
}

__attribute__((format(printf, 3, 4)))
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Library messages may echo raw input bytes; keep error text printable ASCII. */
static void sanitize(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			*s = '?';
}

/* Writes s as a double-quoted, escaped, possibly shortened string. */
static const char *quote(char *dst, size_t dstlen, const char *s, size_t n)
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
		return fail(p, e->line, "%s%s must be absolute paths, got %s", k->name, items,
			    quote(q, sizeof(q), e->bytes, e->len));
	/* a path key may be "/" (hostRoot's default); an executable never is */
	if (!(k->type == CONFIG_T_PATH && e->len == 1) && !normal_path(e->bytes, e->len))
		return fail(p, e->line, "%s%s must be normalized paths "
			    "(no empty, \".\" or \"..\" components, no trailing \"/\"), got %s",
			    k->name, items, quote(q, sizeof(q), e->bytes, e->len));
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

	if (k->type == CONFIG_T_ENV_NAMES) {
		for (i = 0; i < e->len; i++)
			if (e->bytes[i] == '=' || e->bytes[i] < 0x21 || e->bytes[i] > 0x7e)
				return fail(p, e->line, "%s items must be variable names "
					    "(printable ASCII, no '=' or spaces), got %s", k->name,
					    quote(q, sizeof(q), e->bytes, e->len));
		return 0;
	}
	if (!dns_label(e->bytes, e->len))
		return fail(p, e->line, "%s items must be Kubernetes names (lowercase letters, "
			    "digits and inner '-', at most 63), got %s", k->name,
			    quote(q, sizeof(q), e->bytes, e->len));
	return 0;
}

static int add_item(struct parse *p, const struct ev *e)
{
	const struct config_key *k = &config_keys[p->key];
	struct item *it;

	if (e->len == 0)
		return fail(p, e->line, "empty string in %s", k->name);
	if (memchr(e->bytes, '\0', e->len))
		return fail(p, e->line, "string in %s contains a NUL byte", k->name);
	if (e->len > k->maxlen)
		return fail(p, e->line, "string in %s is too long (%zu bytes, max %zu)",
			    k->name, e->len, k->maxlen);
	if (k->type == CONFIG_T_EXES && check_path(p, e, k))
		return -1;
	if (config_key_is_names(k) && check_name(p, e, k))
		return -1;
	if (p->nitems == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		struct item *n = realloc(p->items, cap * sizeof(*n));

		if (!n)
			return fail(p, e->line, "out of memory");
		p->items = n;
		p->cap = cap;
	}
	it = &p->items[p->nitems];
	it->bytes = malloc(e->len + 1);
	if (!it->bytes)
		return fail(p, e->line, "out of memory");
	memcpy(it->bytes, e->bytes, e->len);
	it->bytes[e->len] = '\0';
	it->len = e->len;
	it->line = e->line;
	it->key = p->key;
	p->nitems++;
	return 0;
}

static int unknown_key(struct parse *p, const struct ev *e)
{
	char q[QUOTED_MAX], valid[512];
	size_t o = 0;

	for (size_t i = 0; i < config_nkeys && o < sizeof(valid); i++)
		o += (size_t)snprintf(valid + o, sizeof(valid) - o, "%s%s", i ? ", " : "",
				      config_keys[i].name);
	return fail(p, e->line, "unknown key %s (valid keys: %s)",
		    quote(q, sizeof(q), e->bytes, e->len), valid);
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
		return fail(p, e->line, "keys must be strings, got %s", type_name(e));
	k = config_key_find(e->bytes, e->len);
	if (!k)
		return unknown_key(p, e);
	i = (size_t)(k - config_keys);
	if (p->seen[i])
		return fail(p, e->line, "duplicate key \"%s\"", k->name);
	p->seen[i] = 1;
	p->key = i;
	p->st = ST_VALUE;
	return 0;
}

static int on_mode(struct parse *p, const struct ev *e, const struct config_key *k)
{
	char q[QUOTED_MAX];

	if (e->kind != EV_SCALAR || e->type != SC_STRING)
		return fail(p, e->line, "%s must be \"word\" or \"substring\", got %s",
			    k->name, type_name(e));
	if (e->len == 4 && !memcmp(e->bytes, "word", 4))
		p->mode = CONFIG_WORD;
	else if (e->len == 9 && !memcmp(e->bytes, "substring", 9))
		p->mode = CONFIG_SUBSTRING;
	else
		return fail(p, e->line, "%s must be \"word\" or \"substring\", got %s",
			    k->name, quote(q, sizeof(q), e->bytes, e->len));
	p->st = ST_KEY;
	return 0;
}

/* A key set at most once over all files: refused if an earlier file set it. */
static int check_once(struct parse *p, const struct ev *e, const struct config_key *k)
{
	const struct config_origin *at = config_key_set_at(p->prev, k);

	if (k->merge != CONFIG_M_ONCE || !at)
		return 0;
	return fail(p, e->line, "%s already set at %s:%d", k->name,
		    at->file ? at->file : "?", at->line);
}

static int on_number(struct parse *p, const struct ev *e, const struct config_key *k)
{
	char q[QUOTED_MAX], what[REASON_MAX / 2];
	double v = e->num == NUM_INT ? (double)e->ival : e->dval;

	if (e->kind != EV_SCALAR || e->type != SC_NUMBER)
		return fail(p, e->line, "%s %s", expectation(what, sizeof(what), k),
			    type_name(e));
	if (e->num == NUM_ODD)
		return fail(p, e->line, "%s %s (write it in plain decimal)",
			    expectation(what, sizeof(what), k),
			    quote(q, sizeof(q), e->bytes, e->len));
	if ((k->type == CONFIG_T_INT && e->num != NUM_INT) || e->big ||
	    !(v >= k->min && v <= k->max))      /* NaN too */
		return fail(p, e->line, "%s %s", expectation(what, sizeof(what), k),
			    num_text(q, sizeof(q), e));
	if (check_once(p, e, k))
		return -1;
	p->num[p->key] = v;
	p->set_line[p->key] = e->line;
	p->st = ST_KEY;
	return 0;
}

static int on_path(struct parse *p, const struct ev *e, const struct config_key *k)
{
	if (e->kind != EV_SCALAR || e->type != SC_STRING)
		return fail(p, e->line, "%s must be a string, got %s%s", k->name, type_name(e),
			    quote_hint(e));
	if (e->len == 0 || e->len > k->maxlen || memchr(e->bytes, '\0', e->len))
		return fail(p, e->line, "%s must be a path of 1..%zu bytes without NUL",
			    k->name, k->maxlen);
	if (check_path(p, e, k) || check_once(p, e, k))
		return -1;
	p->path[p->key] = strndup(e->bytes, e->len);
	if (!p->path[p->key])
		return fail(p, e->line, "out of memory");
	p->set_line[p->key] = e->line;
	p->st = ST_KEY;
	return 0;
}

static int on_value(struct parse *p, const struct ev *e)
{
	const struct config_key *k = &config_keys[p->key];

	switch (k->type) {
	case CONFIG_T_MODE: return on_mode(p, e, k);
	case CONFIG_T_INT:
	case CONFIG_T_REAL: return on_number(p, e, k);
	case CONFIG_T_PATH: return on_path(p, e, k);
	default: break;         /* a list */
	}
	if (config_key_is_names(k))
		p->names_seen[k->list] = 1;
	if (e->kind != EV_SEQ_START)
		return fail(p, e->line, "%s must be a list of strings, got %s",
			    k->name, type_name(e));
	p->st = ST_ITEM;
	return 0;
}

static int on_item(struct parse *p, const struct ev *e)
{
	if (e->kind == EV_SEQ_END) {
		p->st = ST_KEY;
		return 0;
	}
	if (e->kind != EV_SCALAR || e->type != SC_STRING)
		return fail(p, e->line, "%s must be a list of strings, got %s%s",
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
		return fail(p, 1, "file is empty");     /* a bare "---" */
	return fail(p, e->line, "top level must be a mapping, got %s", type_name(e));
}

/* The validator: a file is one document holding one mapping of known keys. */
static int feed(struct parse *p, const struct ev *e)
{
	p->nevents++;
	switch (p->st) {
	case ST_STREAM:
		if (e->kind == EV_STREAM_END)
			return fail(p, 1, "file is empty");
		p->st = ST_TOP;
		return 0;
	case ST_TOP: return on_top(p, e);
	case ST_KEY: return on_key(p, e);
	case ST_VALUE: return on_value(p, e);
	case ST_ITEM: return on_item(p, e);
	case ST_DOC_END:
		p->st = ST_AFTER_DOC;
		return 0;
	case ST_AFTER_DOC:
		if (e->kind == EV_DOC_START)
			return fail(p, e->line, "multiple YAML documents are not supported");
		p->st = ST_DONE;
		return 0;
	default:
		return fail(p, e->line, "unexpected data after the end");
	}
}

static void parse_free(struct parse *p)
{
	size_t i;

	for (i = 0; i < p->nitems; i++)
		free(p->items[i].bytes);
	free(p->items);
	p->items = NULL;
	p->nitems = p->cap = 0;
	for (i = 0; i < CONFIG_KEYS_MAX; i++) {
		free(p->path[i]);
		p->path[i] = NULL;
	}
}


/* ---- YAML plain scalar resolution (union of YAML 1.1 and 1.2 core) ----
 * libyaml does not resolve types. A plain value that some YAML tool would
 * read as null, a boolean or a number is refused, so the meaning of a config
 * does not depend on which tool (Helm, PyYAML, libyaml) reads it. */

static int word_in(const char *s, size_t n, const char *const *words)
{
	for (; *words; words++)
		if (strlen(*words) == n && !memcmp(*words, s, n))
			return 1;
	return 0;
}

static size_t span(const char *s, size_t n, const char *accept)
{
	size_t i = 0;

	while (i < n && s[i] != '\0' && strchr(accept, s[i]))
		i++;
	return i;
}

/* Sexagesimal tail of a YAML 1.1 number: (:[0-5]?[0-9])+ then .fraction? */
static int sexagesimal(const char *s, size_t n, size_t j)
{
	while (j < n && s[j] == ':') {
		size_t k = span(s + j + 1, n - j - 1, "0123456789");

		if (k < 1 || k > 2 || (k == 2 && s[j + 1] > '5'))
			return 0;
		j += 1 + k;
	}
	if (j < n && s[j] == '.')
		j += 1 + span(s + j + 1, n - j - 1, "0123456789_");
	return j == n;
}

static int is_decimal(const char *s, size_t n)
{
	size_t j = span(s, n, "0123456789_"), frac = 0;
	int intpart = j > 0;

	if (n == 0 || s[0] == '_')
		return 0;
	if (intpart && j < n && s[j] == ':')
		return sexagesimal(s, n, j);
	if (j < n && s[j] == '.') {
		frac = span(s + j + 1, n - j - 1, "0123456789_");
		j += 1 + frac;
	}
	if (!intpart && frac == 0)
		return 0;
	if (j < n && (s[j] == 'e' || s[j] == 'E')) {
		size_t k;

		j++;
		if (j < n && (s[j] == '+' || s[j] == '-'))
			j++;
		k = span(s + j, n - j, "0123456789");
		if (k == 0)
			return 0;
		j += k;
	}
	return j == n;
}

static int is_number(const char *s, size_t n)
{
	static const char *const special[] = {
		".inf", ".Inf", ".INF", ".nan", ".NaN", ".NAN", NULL
	};

	if (n > 0 && (s[0] == '+' || s[0] == '-')) {
		s++;
		n--;
	}
	if (word_in(s, n, special))
		return 1;
	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'o' || s[1] == 'b')) {
		const char *set = s[1] == 'x' ? "0123456789abcdefABCDEF_" :
				  s[1] == 'o' ? "01234567_" : "01_";

		return span(s + 2, n - 2, set) == n - 2;
	}
	return is_decimal(s, n);
}

/* [-+]?(0|[1-9][0-9]*): an integer, with this value, to every YAML reader. */
static int is_plain_int(const char *s, size_t n)
{
	size_t i = n > 0 && (s[0] == '+' || s[0] == '-');
	size_t d = span(s + i, n - i, "0123456789");

	return d > 0 && i + d == n && (d == 1 || s[i] != '0');
}

/* [-+]?[0-9]*\.[0-9]*([eE][-+][0-9]+)? with a digit: a float to every YAML
 * reader (YAML 1.1 wants the dot, and a sign in the exponent). */
static int is_plain_real(const char *s, size_t n)
{
	size_t i = n > 0 && (s[0] == '+' || s[0] == '-');
	size_t a = span(s + i, n - i, "0123456789"), b, k;

	i += a;
	if (i >= n || s[i] != '.')
		return 0;
	i++;
	b = span(s + i, n - i, "0123456789");
	i += b;
	if (a + b == 0)
		return 0;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		if (i + 1 >= n || (s[i + 1] != '+' && s[i + 1] != '-'))
			return 0;
		k = span(s + i + 2, n - i - 2, "0123456789");
		if (k == 0)
			return 0;
		i += 2 + k;
	}
	return i == n;
}

/* The value of a plain scalar that resolved to a number. A JSON file's
 * numbers were checked by jansson: any of them is a value. */
static void read_number(struct ev *e, int json)
{
	char text[NUM_TEXT_MAX], *end;
	int is_int = is_plain_int(e->bytes, e->len);

	e->num = NUM_ODD;
	if ((!is_int && !json && !is_plain_real(e->bytes, e->len)) || e->len >= sizeof(text))
		return;
	memcpy(text, e->bytes, e->len);
	text[e->len] = '\0';
	errno = 0;
	if (is_int) {
		e->ival = strtoll(text, &end, 10);
		e->big = errno == ERANGE;
		e->num = NUM_INT;
	} else {
		e->dval = strtod(text, &end);
		e->num = NUM_REAL;
	}
	if (end != text + e->len)
		e->num = NUM_ODD;
}

static enum sc_type resolve_plain(const char *s, size_t n)
{
	static const char *const nulls[] = { "~", "null", "Null", "NULL", NULL };
	static const char *const bools[] = {
		"y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
		"true", "True", "TRUE", "false", "False", "FALSE",
		"on", "On", "ON", "off", "Off", "OFF", NULL
	};

	if (n == 0 || word_in(s, n, nulls))
		return SC_NULL;
	if (word_in(s, n, bools))
		return SC_BOOL;
	return is_number(s, n) ? SC_NUMBER : SC_STRING;
}

/* ---- libyaml walk ---- */

static int line_of(yaml_mark_t m)
{
	return m.line < (size_t)INT_MAX ? (int)m.line + 1 : INT_MAX;
}

static int line_at_offset(const char *buf, size_t len, size_t off)
{
	size_t i;
	int line = 1;

	for (i = 0; i < off && i < len; i++)
		if (buf[i] == '\n' && line < INT_MAX)
			line++;
	return line;
}

static int yaml_fail(struct parse *p, const yaml_parser_t *y, const char *buf, size_t len)
{
	char text[REASON_MAX];
	int line;

	if (y->error == YAML_MEMORY_ERROR)
		return fail(p, 1, "out of memory");
	if (y->error == YAML_READER_ERROR) {
		line = line_at_offset(buf, len, y->problem_offset);
		snprintf(text, sizeof(text), "%s at byte offset %zu",
			 y->problem ? y->problem : "read error", y->problem_offset);
	} else if (y->context) {
		line = line_of(y->problem_mark);
		snprintf(text, sizeof(text), "%s (%s at line %d)",
			 y->problem ? y->problem : "syntax error", y->context,
			 line_of(y->context_mark));
	} else {
		line = line_of(y->problem_mark);
		snprintf(text, sizeof(text), "%s", y->problem ? y->problem : "syntax error");
	}
	sanitize(text);
	p->syntax = 1;
	return fail(p, line, "invalid YAML: %s", text);
}

static int tag_is(const yaml_char_t *tag, const char *want)
{
	return tag && !strcmp((const char *)tag, want);
}

/* Only tags that do not change meaning are allowed. */
static int check_tag(struct parse *p, const yaml_char_t *tag, const char *core, int line)
{
	static const char core_prefix[] = "tag:yaml.org,2002:";
	char shown[QUOTE_MAX + 8], q[QUOTED_MAX];
	const char *t = (const char *)tag;

	if (!tag || tag_is(tag, "!") || tag_is(tag, core))
		return 0;
	/* show "!!int", as it is usually written */
	if (!strncmp(t, core_prefix, sizeof(core_prefix) - 1))
		snprintf(shown, sizeof(shown), "!!%s", t + sizeof(core_prefix) - 1);
	else
		snprintf(shown, sizeof(shown), "%s", t);
	p->syntax = 1;
	return fail(p, line, "YAML tag %s is not supported",
		    quote(q, sizeof(q), shown, strlen(shown)));
}

static int check_anchor(struct parse *p, const yaml_char_t *anchor, int line)
{
	if (!anchor)
		return 0;
	p->syntax = 1;
	return fail(p, line, "YAML anchors and aliases are not supported");
}

static int scalar_ev(struct parse *p, const yaml_event_t *y, struct ev *e)
{
	const char *s = (const char *)y->data.scalar.value;
	size_t n = y->data.scalar.length;

	if (check_anchor(p, y->data.scalar.anchor, e->line) ||
	    check_tag(p, y->data.scalar.tag, "tag:yaml.org,2002:str", e->line))
		return -1;
	e->kind = EV_SCALAR;
	e->bytes = s;
	e->len = n;
	e->type = SC_STRING;
	if (!y->data.scalar.tag && y->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
		e->type = resolve_plain(s, n);
		e->plain = n > 0;
		if (e->type == SC_NUMBER)
			read_number(e, p->json);
	}
	return 0;
}

/* Converts one libyaml event; e->kind stays EV_NONE for ignored ones. */
static int convert(struct parse *p, const yaml_event_t *y, struct ev *e)
{
	memset(e, 0, sizeof(*e));
	e->kind = EV_NONE;
	e->line = line_of(y->start_mark);
	switch (y->type) {
	case YAML_DOCUMENT_START_EVENT: e->kind = EV_DOC_START; return 0;
	case YAML_DOCUMENT_END_EVENT: e->kind = EV_DOC_END; return 0;
	case YAML_STREAM_END_EVENT: e->kind = EV_STREAM_END; return 0;
	case YAML_MAPPING_END_EVENT: e->kind = EV_MAP_END; return 0;
	case YAML_SEQUENCE_END_EVENT: e->kind = EV_SEQ_END; return 0;
	case YAML_SCALAR_EVENT: return scalar_ev(p, y, e);
	case YAML_ALIAS_EVENT:
		p->syntax = 1;
		return fail(p, e->line, "YAML anchors and aliases are not supported");
	case YAML_MAPPING_START_EVENT:
		e->kind = EV_MAP_START;
		if (check_anchor(p, y->data.mapping_start.anchor, e->line))
			return -1;
		return check_tag(p, y->data.mapping_start.tag, "tag:yaml.org,2002:map", e->line);
	case YAML_SEQUENCE_START_EVENT:
		e->kind = EV_SEQ_START;
		if (check_anchor(p, y->data.sequence_start.anchor, e->line))
			return -1;
		return check_tag(p, y->data.sequence_start.tag, "tag:yaml.org,2002:seq", e->line);
	default:
		return 0;
	}
}

static int walk_yaml(struct parse *p, const char *buf, size_t len)
{
	yaml_parser_t y;
	yaml_event_t yev;
	struct ev e;
	int rc = 0, done = 0;

	if (!yaml_parser_initialize(&y))
		return fail(p, 1, "out of memory");
	/* Never guess UTF-16 from a BOM: configs are UTF-8. */
	yaml_parser_set_encoding(&y, YAML_UTF8_ENCODING);
	yaml_parser_set_input_string(&y, (const unsigned char *)buf, len);
	while (!done && rc == 0) {
		if (!yaml_parser_parse(&y, &yev)) {
			rc = yaml_fail(p, &y, buf, len);
			break;
		}
		done = yev.type == YAML_STREAM_END_EVENT;
		rc = convert(p, &yev, &e);
		if (rc == 0 && e.kind != EV_NONE)
			rc = feed(p, &e);
		yaml_event_delete(&yev);
	}
	yaml_parser_delete(&y);
	return rc;
}

/* ---- JSON: jansson decides validity and values, libyaml supplies lines ---- */

static int json_scalar(struct parse *p, const json_t *v, const char *s, size_t n)
{
	struct ev e = { .kind = EV_SCALAR, .line = 1, .type = SC_STRING, .bytes = s, .len = n };

	if (!s) {
		e.bytes = "";
		e.len = 0;
		e.plain = 1;
		e.type = json_is_null(v) ? SC_NULL : json_is_boolean(v) ? SC_BOOL : SC_NUMBER;
		if (json_is_integer(v)) {
			e.num = NUM_INT;
			e.ival = json_integer_value(v);
		} else if (json_is_real(v)) {
			e.num = NUM_REAL;
			e.dval = json_real_value(v);
		}
	}
	return feed(p, &e);
}

static int json_mark(struct parse *p, enum ev_kind kind)
{
	struct ev e = { .kind = kind, .line = 1 };

	return feed(p, &e);
}

/* Recursion stops early: the validator refuses anything deeper than
 * mapping > list > string, so depth never passes 3 on a valid path. */
static int json_value(struct parse *p, json_t *v, int depth)
{
	size_t i;

	if (depth > 3)
		return fail(p, 1, "nested too deeply");
	if (json_is_string(v))
		return json_scalar(p, v, json_string_value(v), json_string_length(v));
	if (json_is_array(v)) {
		if (json_mark(p, EV_SEQ_START))
			return -1;
		for (i = 0; i < json_array_size(v); i++)
			if (json_value(p, json_array_get(v, i), depth + 1))
				return -1;
		return json_mark(p, EV_SEQ_END);
	}
	if (json_is_object(v)) {
		void *it;

		if (json_mark(p, EV_MAP_START))
			return -1;
		for (it = json_object_iter(v); it; it = json_object_iter_next(v, it))
			if (json_scalar(p, v, json_object_iter_key(it), json_object_iter_key_len(it)) ||
			    json_value(p, json_object_iter_value(it), depth + 1))
				return -1;
		return json_mark(p, EV_MAP_END);
	}
	return json_scalar(p, v, NULL, 0);
}

static int walk_json(struct parse *p, json_t *root)
{
	if (json_mark(p, EV_DOC_START) || json_value(p, root, 1) ||
	    json_mark(p, EV_DOC_END))
		return -1;
	return json_mark(p, EV_STREAM_END);
}

/* Did both walks see the same file? Then libyaml's line numbers are right. */
static int same_result(const struct parse *a, const struct parse *b)
{
	size_t i;

	if (a->failed || b->failed)
		return a->failed && b->failed && !a->syntax && !b->syntax &&
		       a->nevents == b->nevents && !strcmp(a->reason, b->reason);
	if (a->nitems != b->nitems || a->mode != b->mode || memcmp(a->num, b->num, sizeof(a->num)))
		return 0;
	for (i = 0; i < CONFIG_KEYS_MAX; i++)
		if (!a->path[i] != !b->path[i] || (a->path[i] && strcmp(a->path[i], b->path[i])))
			return 0;
	for (i = 0; i < a->nitems; i++)
		if (a->items[i].len != b->items[i].len ||
		    a->items[i].key != b->items[i].key ||
		    memcmp(a->items[i].bytes, b->items[i].bytes, a->items[i].len))
			return 0;
	return 1;
}

static int blank_json(const char *buf, size_t len)
{
	return span(buf, len, " \t\r\n") == len;
}

static int parse_json(struct parse *p, const char *buf, size_t len)
{
	struct parse y;
	json_error_t jerr;
	json_t *root;
	char text[sizeof(jerr.text)];

	if (blank_json(buf, len))
		return fail(p, 1, "file is empty");
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY | JSON_ALLOW_NUL,
			  &jerr);
	if (!root) {
		memcpy(text, jerr.text, sizeof(text));
		text[sizeof(text) - 1] = '\0';
		sanitize(text);
		return fail(p, jerr.line, "invalid JSON: %s", text);
	}
	(void)walk_json(p, root);
	json_decref(root);
	memset(&y, 0, sizeof(y));
	y.prev = p->prev;
	y.json = 1;
	(void)walk_yaml(&y, buf, len);
	if (same_result(p, &y)) {
		parse_free(p);
		*p = y;
	} else {
		parse_free(&y);
	}
	return p->failed ? -1 : 0;
}

/* ---- appending a parsed file to a config ---- */

/* realloc for n + add elements; never asks for 0 bytes, so NULL is failure. */
static void *grow(void *arr, size_t n, size_t add, size_t size)
{
	size_t count = n + add ? n + add : 1;

	if (count < n || count > SIZE_MAX / size)
		return NULL;
	return realloc(arr, count * size);
}

/* Makes room for add more items of list key k. */
static int grow_list(struct config *cfg, const struct config_key *k, size_t add)
{
	void *m;

	switch (k->type) {
	case CONFIG_T_STRINGS:
		m = grow(cfg->banned, cfg->nbanned, add, sizeof(*cfg->banned));
		if (m)
			cfg->banned = m;
		break;
	case CONFIG_T_PATTERNS:
		m = grow(cfg->allowed, cfg->nallowed, add, sizeof(*cfg->allowed));
		if (m)
			cfg->allowed = m;
		break;
	case CONFIG_T_EXES:
		m = grow(cfg->allowed_exes, cfg->nallowed_exes, add,
			 sizeof(*cfg->allowed_exes));
		if (m)
			cfg->allowed_exes = m;
		break;
	default:
		m = grow(cfg->names[k->list], cfg->nnames[k->list], add,
			 sizeof(*cfg->names[k->list]));
		if (m)
			cfg->names[k->list] = m;
	}
	return m ? 0 : -1;
}

/* Moves one item to the end of its list; room was made for it. */
static void move_item(struct config *cfg, struct item *it, const char *file, enum config_mode mode)
{
	const struct config_key *k = &config_keys[it->key];
	struct config_origin at = { .file = file, .line = it->line };
	struct config_string *s;

	switch (k->type) {
	case CONFIG_T_STRINGS:
		s = &cfg->banned[cfg->nbanned++];
		s->bytes = it->bytes;
		s->len = it->len;
		s->mode = mode;
		s->at = at;
		break;
	case CONFIG_T_PATTERNS:
		cfg->allowed[cfg->nallowed].regex = it->bytes;
		cfg->allowed[cfg->nallowed++].at = at;
		break;
	case CONFIG_T_EXES:
		cfg->allowed_exes[cfg->nallowed_exes].path = it->bytes;
		cfg->allowed_exes[cfg->nallowed_exes++].at = at;
		break;
	default:
		cfg->names[k->list][cfg->nnames[k->list]].name = it->bytes;
		cfg->names[k->list][cfg->nnames[k->list]++].at = at;
	}
	it->bytes = NULL;
}

/* Stores single value i of p (row k) in its field, with its origin. */
static void set_single(struct config *cfg, const struct config_key *k, struct parse *p,
		       size_t i, const char *file)
{
	char *base = (char *)cfg;

	switch (k->type) {
	case CONFIG_T_INT:
		*(unsigned int *)(base + k->field) = (unsigned int)p->num[i];
		break;
	case CONFIG_T_REAL:
		*(double *)(base + k->field) = p->num[i];
		break;
	default:                /* CONFIG_T_PATH */
		*(char **)(base + k->field) = p->path[i];
		p->path[i] = NULL;
	}
	*(struct config_origin *)(base + k->at) = (struct config_origin){ file, p->set_line[i] };
}

/* Either everything is appended or cfg keeps its contents (its arrays may
 * have moved, which callers cannot tell). */
static int commit(struct config *cfg, const char *name, struct parse *p)
{
	size_t i, n[CONFIG_KEYS_MAX] = { 0 };
	char *file = strdup(name);
	void *m;

	for (i = 0; i < p->nitems; i++)
		n[p->items[i].key]++;
	if (!file || !(m = grow(cfg->files, cfg->nfiles, 1, sizeof(*cfg->files))))
		goto fail;
	cfg->files = m;
	for (i = 0; i < config_nkeys; i++)
		if (config_key_is_list(&config_keys[i]) && grow_list(cfg, &config_keys[i], n[i]))
			goto fail;
	cfg->files[cfg->nfiles++] = file;
	for (i = 0; i < p->nitems; i++)
		move_item(cfg, &p->items[i], file, p->mode);
	for (i = 0; i < config_nkeys; i++)
		if (p->set_line[i])
			set_single(cfg, &config_keys[i], p, i, file);
	for (int l = 0; l < CONFIG_NLISTS; l++)
		cfg->names_set[l] |= p->names_seen[l];
	return 0;
fail:
	free(file);
	return -1;
}

int config_parse_buffer(struct config *cfg, const char *name, const char *buf, size_t len,
			int json, char *err, size_t errlen)
{
	struct parse p;
	int rc = -1;

	memset(&p, 0, sizeof(p));
	p.prev = cfg;
	if (json)
		(void)parse_json(&p, buf, len);
	else
		(void)walk_yaml(&p, buf, len);
	if (p.failed) {
		set_err(err, errlen, "%s:%d: %s", name, p.line, p.reason);
		goto out;
	}
	if (commit(cfg, name, &p)) {
		set_err(err, errlen, "%s:1: out of memory", name);
		goto out;
	}
	rc = 0;
out:
	parse_free(&p);
	return rc;
}

/* ---- files and directories ---- */

/* 1 for YAML, 2 for JSON, 0 for anything else. */
static int file_kind(const char *name)
{
	size_t n = strlen(name);

	if (n > 5 && !strcmp(name + n - 5, ".json"))
		return 2;
	if ((n > 5 && !strcmp(name + n - 5, ".yaml")) || (n > 4 && !strcmp(name + n - 4, ".yml")))
		return 1;
	return 0;
}

/* Reads fd to the end into a malloc'd buffer; sets errno (EFBIG if larger
 * than FILE_MAX, even if the file grew after fstat). */
static int read_all(int fd, size_t hint, char **out, size_t *outlen)
{
	size_t cap = hint < 4096 ? 4096 : hint > FILE_MAX ? FILE_MAX + 1 : hint + 1;
	size_t len = 0;
	char *buf = malloc(cap), *n;
	ssize_t r;

	while (buf) {
		if (len == cap) {
			if (cap > FILE_MAX) {
				errno = EFBIG;
				break;
			}
			cap = cap > FILE_MAX / 2 ? FILE_MAX + 1 : cap * 2;
			n = realloc(buf, cap);
			if (!n)
				break;
			buf = n;
		}
		r = read(fd, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		if (r == 0) {
			*out = buf;
			*outlen = len;
			return 0;
		}
		len += (size_t)r;
	}
	free(buf);
	return -1;
}

static int load_file(struct config *cfg, const char *path, int json, char *err, size_t errlen)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	int fd, rc = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		set_err(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		set_err(err, errlen, "%s: not a regular file", path);
		goto out;
	}
	if ((unsigned long long)st.st_size > FILE_MAX)
		errno = EFBIG;
	else if (read_all(fd, (size_t)st.st_size, &buf, &len) == 0)
		rc = config_parse_buffer(cfg, path, buf, len, json, err, errlen);
	if (rc && !buf)
		set_err(err, errlen, "%s: %s", path,
			errno == EFBIG ? "file is larger than 64 MiB" : strerror(errno));
out:
	free(buf);
	close(fd);
	return rc;
}

static char *join_path(const char *dir, const char *name)
{
	size_t n = strlen(dir);
	const char *sep = n > 0 && dir[n - 1] == '/' ? "" : "/";

	size_t size = n + strlen(sep) + strlen(name) + 1;
	char *s = malloc(size);

	if (s)
		snprintf(s, size, "%s%s%s", dir, sep, name);
	return s;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A directory entry is loaded if it is visible, has a config extension and
 * is (or links to) a regular file. Broken links are skipped. */
static int wanted(const char *dir, const char *name, int *yes)
{
	struct stat st;
	char *path;

	*yes = 0;
	if (name[0] == '.' || !file_kind(name))
		return 0;
	path = join_path(dir, name);
	if (!path)
		return -1;
	*yes = !stat(path, &st) && S_ISREG(st.st_mode);
	free(path);
	return 0;
}

static int push_name(char ***names, size_t *n, const char *name)
{
	void *m = grow(*names, *n, 1, sizeof(**names));

	if (!m)
		return -1;
	*names = m;
	(*names)[*n] = strdup(name);
	if (!(*names)[*n])
		return -1;
	(*n)++;
	return 0;
}

/* Collects wanted entry names of dir, sorted with strcmp. Returns 0 or an
 * errno value. */
static int list_dir(const char *dir, char ***out, size_t *nout)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0;
	int rc = ENOMEM, yes;

	if (!d)
		return errno;
	for (errno = 0; (de = readdir(d)); errno = 0) {
		if (wanted(dir, de->d_name, &yes))
			goto out;
		if (!yes)
			continue;
		if (push_name(&names, &n, de->d_name))
			goto out;
	}
	if (errno) {
		rc = errno;
		goto out;
	}
	if (n)
		qsort(names, n, sizeof(*names), cmp_names);
	*out = names;
	*nout = n;
	names = NULL;
	n = 0;
	rc = 0;
out:
	while (n)
		free(names[--n]);
	free(names);
	closedir(d);
	return rc;
}

static int load_dir(struct config *cfg, const char *dir, char *err, size_t errlen)
{
	char **names = NULL, *path;
	size_t n = 0, i;
	int rc = list_dir(dir, &names, &n);

	if (rc) {
		set_err(err, errlen, "%s: %s", dir, strerror(rc));
		return -1;
	}
	rc = -1;
	if (n == 0) {
		set_err(err, errlen, "%s: no .json, .yaml or .yml files", dir);
		goto out;
	}
	for (i = 0; i < n; i++) {
		path = join_path(dir, names[i]);
		if (!path) {
			set_err(err, errlen, "%s: %s", dir, strerror(ENOMEM));
			goto out;
		}
		rc = load_file(cfg, path, file_kind(names[i]) == 2, err, errlen);
		free(path);
		if (rc)
			goto out;
	}
	rc = 0;
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

static int load_path(struct config *cfg, const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (stat(path, &st)) {
		set_err(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode))
		return load_dir(cfg, path, err, errlen);
	if (!file_kind(path)) {
		set_err(err, errlen, "%s: unsupported file type (want .json, .yaml or .yml)", path);
		return -1;
	}
	return load_file(cfg, path, file_kind(path) == 2, err, errlen);
}

int config_load(struct config *cfg, char *const *paths, size_t npaths, char *err, size_t errlen)
{
	size_t i;

	memset(cfg, 0, sizeof(*cfg));
	for (i = 0; i < npaths; i++) {
		if (load_path(cfg, paths[i], err, errlen)) {
			config_free(cfg);
			return -1;
		}
	}
	return 0;
}

int config_load_builtin(struct config *cfg, char *err, size_t errlen)
{
	memset(cfg, 0, sizeof(*cfg));
	return config_parse_buffer(cfg, CONFIG_BUILTIN_NAME, nomine_default_config,
				   (size_t)(nomine_default_config_end - nomine_default_config),
				   0, err, errlen);
}

void config_free(struct config *cfg)
{
	size_t i;

	if (!cfg)
		return;
	for (i = 0; i < cfg->nbanned; i++)
		free(cfg->banned[i].bytes);
	for (i = 0; i < cfg->nallowed; i++)
		free(cfg->allowed[i].regex);
	for (i = 0; i < cfg->nallowed_exes; i++)
		free(cfg->allowed_exes[i].path);
	for (i = 0; i < cfg->nfiles; i++)
		free(cfg->files[i]);
	for (int l = 0; l < CONFIG_NLISTS; l++) {
		for (i = 0; i < cfg->nnames[l]; i++)
			free(cfg->names[l][i].name);
		free(cfg->names[l]);
	}
	for (i = 0; i < CONFIG_NPATHS; i++)
		free(cfg->paths[i]);
	free(cfg->banned);
	free(cfg->allowed);
	free(cfg->allowed_exes);
	free(cfg->files);
	memset(cfg, 0, sizeof(*cfg));
}
