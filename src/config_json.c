/* SPDX-License-Identifier: BSD-2-Clause */
/* config_json.c - reads a JSON config file into the validator's event stream:
 * jansson decides validity and values, libyaml supplies line numbers. */
#include "config_parse.h"

#include <string.h>

#include <jansson.h>

static int json_scalar(struct parse *p, const json_t *v, const char *s, size_t n)
{
	struct ev e = { .kind = EV_SCALAR, .line = 1, .type = SC_STRING, .bytes = s, .len = n };

	if (!s) {
		e.bytes = "";
		e.len = 0;
		e.plain = 1;
		e.type = json_is_null(v) ? SC_NULL : json_is_boolean(v) ? SC_BOOL : SC_NUMBER;
		if (json_is_boolean(v)) {      /* as YAML spells it */
			e.bytes = json_is_true(v) ? "true" : "false";
			e.len = strlen(e.bytes);
		}
		if (json_is_integer(v)) {
			e.num = NUM_INT;
			e.ival = json_integer_value(v);
		} else if (json_is_real(v)) {
			e.num = NUM_REAL;
			e.dval = json_real_value(v);
		}
	}
	return cfg_feed(p, &e);
}

static int json_mark(struct parse *p, enum ev_kind kind)
{
	struct ev e = { .kind = kind, .line = 1 };

	return cfg_feed(p, &e);
}

/* Recursion stops early: the validator refuses anything deeper than
 * mapping > list > mapping > string (a "webhooks" item's field), so depth
 * never passes 4 on a valid path. */
static int json_value(struct parse *p, json_t *v, int depth)
{
	size_t i;
	int rc;

	if (depth > 4)
		return cfg_fail(p, 1, "nested too deeply");
	if (json_is_string(v))
		return json_scalar(p, v, json_string_value(v), json_string_length(v));
	if (json_is_array(v)) {
		if ((rc = json_mark(p, EV_SEQ_START)))
			return rc;
		for (i = 0; i < json_array_size(v); i++)
			if ((rc = json_value(p, json_array_get(v, i), depth + 1)))
				return rc;
		return json_mark(p, EV_SEQ_END);
	}
	if (json_is_object(v)) {
		void *it;

		if ((rc = json_mark(p, EV_MAP_START)))
			return rc;
		for (it = json_object_iter(v); it; it = json_object_iter_next(v, it))
			if ((rc = json_scalar(p, v, json_object_iter_key(it),
					      json_object_iter_key_len(it))) ||
			    (rc = json_value(p, json_object_iter_value(it), depth + 1)))
				return rc;
		return json_mark(p, EV_MAP_END);
	}
	return json_scalar(p, v, NULL, 0);
}

static int walk_json(struct parse *p, json_t *root)
{
	int rc;

	if ((rc = json_mark(p, EV_DOC_START)) || (rc = json_value(p, root, 1)) ||
	    (rc = json_mark(p, EV_DOC_END)))
		return rc;
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
		    a->items[i].url_file != b->items[i].url_file ||
		    a->items[i].format != b->items[i].format ||
		    memcmp(a->items[i].bytes, b->items[i].bytes, a->items[i].len))
			return 0;
	return 1;
}

static int blank_json(const char *buf, size_t len)
{
	return cfg_span(buf, len, " \t\r\n") == len;
}

int cfg_parse_json(struct parse *p, const char *buf, size_t len)
{
	struct parse y;
	json_error_t jerr;
	json_t *root;
	char text[sizeof(jerr.text)];

	if (blank_json(buf, len))
		return cfg_fail(p, 1, "file is empty");
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY | JSON_ALLOW_NUL,
			  &jerr);
	if (!root) {
		memcpy(text, jerr.text, sizeof(text));
		text[sizeof(text) - 1] = '\0';
		cfg_sanitize(text);
		return cfg_fail(p, jerr.line, "invalid JSON: %s", text);
	}
	(void)walk_json(p, root);
	json_decref(root);
	memset(&y, 0, sizeof(y));
	y.prev = p->prev;
	y.prev_items = p->prev_items;
	y.banned_bytes = p->prev ? p->prev->banned_bytes : 0;
	y.json = 1;
	(void)cfg_walk_yaml(&y, buf, len);
	if (same_result(p, &y)) {
		cfg_parse_free(p);
		*p = y;
	} else {
		cfg_parse_free(&y);
	}
	return p->failed;
}
