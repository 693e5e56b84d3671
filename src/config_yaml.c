/* SPDX-License-Identifier: BSD-2-Clause */
/* config_yaml.c - reads a YAML config file into the validator's event stream. */
#include "config_parse.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#define NUM_TEXT_MAX 1024       /* longest number text converted */

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

size_t cfg_span(const char *s, size_t n, const char *accept)
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
		size_t k = cfg_span(s + j + 1, n - j - 1, "0123456789");

		if (k < 1 || k > 2 || (k == 2 && s[j + 1] > '5'))
			return 0;
		j += 1 + k;
	}
	if (j < n && s[j] == '.')
		j += 1 + cfg_span(s + j + 1, n - j - 1, "0123456789_");
	return j == n;
}

static int is_decimal(const char *s, size_t n)
{
	size_t j = cfg_span(s, n, "0123456789_"), frac = 0;
	int intpart = j > 0;

	if (n == 0 || s[0] == '_')
		return 0;
	if (intpart && j < n && s[j] == ':')
		return sexagesimal(s, n, j);
	if (j < n && s[j] == '.') {
		frac = cfg_span(s + j + 1, n - j - 1, "0123456789_");
		j += 1 + frac;
	}
	if (!intpart && frac == 0)
		return 0;
	if (j < n && (s[j] == 'e' || s[j] == 'E')) {
		size_t k;

		j++;
		if (j < n && (s[j] == '+' || s[j] == '-'))
			j++;
		k = cfg_span(s + j, n - j, "0123456789");
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

		return cfg_span(s + 2, n - 2, set) == n - 2;
	}
	return is_decimal(s, n);
}

/* [-+]?(0|[1-9][0-9]*): an integer, with this value, to every YAML reader. */
static int is_plain_int(const char *s, size_t n)
{
	size_t i = n > 0 && (s[0] == '+' || s[0] == '-');
	size_t d = cfg_span(s + i, n - i, "0123456789");

	return d > 0 && i + d == n && (d == 1 || s[i] != '0');
}

/* [-+]?[0-9]*\.[0-9]*([eE][-+][0-9]+)? with a digit: a float to every YAML
 * reader (YAML 1.1 wants the dot, and a sign in the exponent). */
static int is_plain_real(const char *s, size_t n)
{
	size_t i = n > 0 && (s[0] == '+' || s[0] == '-');
	size_t a = cfg_span(s + i, n - i, "0123456789"), b, k;

	i += a;
	if (i >= n || s[i] != '.')
		return 0;
	i++;
	b = cfg_span(s + i, n - i, "0123456789");
	i += b;
	if (a + b == 0)
		return 0;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		if (i + 1 >= n || (s[i + 1] != '+' && s[i + 1] != '-'))
			return 0;
		k = cfg_span(s + i + 2, n - i - 2, "0123456789");
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
		return cfg_fail_nomem(p, 1);
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
	cfg_sanitize(text);
	p->syntax = 1;
	return cfg_fail(p, line, "invalid YAML: %s", text);
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
	return cfg_fail(p, line, "YAML tag %s is not supported",
			cfg_quote(q, sizeof(q), shown, strlen(shown)));
}

static int check_anchor(struct parse *p, const yaml_char_t *anchor, int line)
{
	if (!anchor)
		return 0;
	p->syntax = 1;
	return cfg_fail(p, line, "YAML anchors and aliases are not supported");
}

static int scalar_ev(struct parse *p, const yaml_event_t *y, struct ev *e)
{
	const char *s = (const char *)y->data.scalar.value;
	size_t n = y->data.scalar.length;
	int rc;

	if ((rc = check_anchor(p, y->data.scalar.anchor, e->line)) ||
	    (rc = check_tag(p, y->data.scalar.tag, "tag:yaml.org,2002:str", e->line)))
		return rc;
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
	int rc;

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
		return cfg_fail(p, e->line, "YAML anchors and aliases are not supported");
	case YAML_MAPPING_START_EVENT:
		e->kind = EV_MAP_START;
		if ((rc = check_anchor(p, y->data.mapping_start.anchor, e->line)))
			return rc;
		return check_tag(p, y->data.mapping_start.tag, "tag:yaml.org,2002:map", e->line);
	case YAML_SEQUENCE_START_EVENT:
		e->kind = EV_SEQ_START;
		if ((rc = check_anchor(p, y->data.sequence_start.anchor, e->line)))
			return rc;
		return check_tag(p, y->data.sequence_start.tag, "tag:yaml.org,2002:seq", e->line);
	default:
		return 0;
	}
}

int cfg_walk_yaml(struct parse *p, const char *buf, size_t len)
{
	yaml_parser_t y;
	yaml_event_t yev;
	struct ev e;
	int rc = 0, done = 0;

	if (!yaml_parser_initialize(&y))
		return cfg_fail_nomem(p, 1);
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
			rc = cfg_feed(p, &e);
		yaml_event_delete(&yev);
	}
	yaml_parser_delete(&y);
	return rc;
}
